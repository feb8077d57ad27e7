#!/usr/bin/env bash
# Peak memory against journal size, for issue 7's "memory grows with the number of accounts,
# not with the number of transactions": for each N, generate a journal of N two-posting
# transactions between the same 8 parties (112 accounts), import it into a new store, and run
# the reading commands on that store. Prints peak RSS (GNU time's max RSS) and wall time of
# each, one row per N. The import runs ROUNDS times (default 3): sled's share of its memory
# varies from run to run, so the table gives the median and the largest.
#
#   benches/memory.sh [N...]            default: 250000 1000000 2000000 4000000
#   ROUNDS=5 benches/memory.sh 8000000  needs: cargo, /usr/bin/time; 8M takes 950 MB of disk
set -euo pipefail
sizes=("$@")
[ ${#sizes[@]} -eq 0 ] && sizes=(250000 1000000 2000000 4000000)
rounds=${ROUNDS:-3}
cd "$(dirname "$0")/.."
cargo build --release -q --example gen_journal --bin gasledger
g=target/release/gasledger
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

# peak CMD... : runs it, prints "RSS_MB WALL_S".
peak() {
  if ! /usr/bin/time -f "%M %e" -o "$dir/time" "$@" > /dev/null 2> "$dir/err"; then
    echo "failed: $*" >&2; cat "$dir/err" >&2; exit 1
  fi
  awk '{printf "%d %.2f\n", $1 / 1024, $2}' "$dir/time"
}
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR]=$1} END{print v[int((NR+1)/2)]}'; }

printf '%-10s %-22s %-14s %-14s %-14s %-14s\n' transactions "import MB (med/max)" "verify" "--as-of mid" "export" "report"
for n in "${sizes[@]}"; do
  journal=$dir/j.journal
  target/release/examples/gen_journal "$n" > "$journal"
  rss=(); walls=()
  for _ in $(seq "$rounds"); do
    rm -rf "$dir/db"
    read -r m w < <(peak "$g" --db "$dir/db" import "$journal")
    rss+=("$m"); walls+=("$w")
  done
  mid=$(awk 'NR>1 && /^[0-9]/ {print $1}' "$journal" | sed -n "$(( n / 2 ))p")
  cell() { read -r m w < <(peak "$@"); printf '%s MB %s s' "$m" "$w"; }
  v=$(cell "$g" --db "$dir/db" verify)
  a=$(cell "$g" --db "$dir/db" report balances --as-of "$mid")
  e=$(cell "$g" --db "$dir/db" export -o "$dir/export.journal")
  b=$(cell "$g" --db "$dir/db" report balances)
  printf '%-10s %-22s %-14s %-14s %-14s %-14s\n' "$n" \
    "$(median "${rss[@]}")/$(printf '%s\n' "${rss[@]}" | sort -n | tail -1) MB $(median "${walls[@]}") s" \
    "$v" "$a" "$e" "$b"
  rm -f "$journal" "$dir/export.journal"
done
