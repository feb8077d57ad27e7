#!/usr/bin/env bash
# The peer benchmark of issue 7: generate a journal of N two-posting transactions between 8
# parties with ids (default 1,000,000, about 116 MB), then on that same file measure
# gasledger's import into a new store and its reports, and ledger-cli's and hledger's `bal`
# when they are installed. Prints wall time and peak memory (GNU time's max RSS) with ratios.
#
#   benches/peers.sh [N]            needs: cargo, /usr/bin/time; optional: ledger, hledger
#
# Every figure is one whole process, as a user runs it; the fast reports take the best of 5.
set -euo pipefail
n=${1:-1000000}
cd "$(dirname "$0")/.."
cargo build --release -q --example gen_journal --bin gasledger
g=target/release/gasledger
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
journal=$dir/bench.journal
target/release/examples/gen_journal "$n" > "$journal"
db=$dir/bench.db

rows=()
# run NAME CMD... : one measured run; sets $wall (s, from the clock in ns: GNU time's own
# wall time has 10 ms steps) and $rss (MB, GNU time's max RSS).
run() {
  local name=$1; shift
  local t0 t1
  t0=$(date +%s%N)
  if ! /usr/bin/time -f "%M" -o "$dir/time" "$@" > "$dir/out" 2> "$dir/err"; then
    echo "$name failed:" >&2; cat "$dir/err" >&2; exit 1
  fi
  t1=$(date +%s%N)
  wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.3f", (b-a)/1e9}')
  rss=$(( $(tail -1 "$dir/time") / 1024 ))
}
# best NAME CMD... : the best of 5 runs.
best() {
  local name=$1; shift
  local bw=999999 br=0
  for _ in 1 2 3 4 5; do
    run "$name" "$@"
    if awk "BEGIN{exit !($wall < $bw)}"; then bw=$wall; br=$rss; fi
  done
  wall=$bw; rss=$br
}
row() { rows+=("$(printf '%-44s %10s s %8s MB' "$1" "$2" "$3")"); }

echo "journal: $n transactions, $(( $(stat -c %s "$journal") / 1000000 )) MB" >&2
run import "$g" --db "$db" import "$journal";           gi=$wall; gm=$rss; row "gasledger import (new store, durable)" "$wall" "$rss"
best balances "$g" --db "$db" report balances;          row "gasledger report balances" "$wall" "$rss"
mid=$(awk 'NR>1 && /^[0-9]/ {print $1}' "$journal" | sed -n "$(( n / 2 ))p")
best as-of "$g" --db "$db" report balances --as-of "$mid"; row "gasledger report balances --as-of $mid" "$wall" "$rss"
run verify "$g" --db "$db" verify;                       row "gasledger verify (replay + hash chain)" "$wall" "$rss"
# A new id each run (through sh, about a millisecond), so every run writes durably.
best record sh -c "'$g' --db '$db' record --date 2030-01-01 --desc bench --post 'TM:receivable:IR 1.00 USD' --post 'IR:payable:TM -1.00 USD' --id bench-\$(date +%s%N)"
row "gasledger record (one transaction, durable)" "$wall" "$rss"

lw=""; hw=""
if command -v ledger > /dev/null; then
  run ledger ledger -f "$journal" bal;  lw=$wall; lm=$rss; row "ledger -f FILE bal ($(ledger --version | head -1 | awk '{print $2}' | tr -d ,))" "$wall" "$rss"
fi
if command -v hledger > /dev/null; then
  run hledger hledger -f "$journal" bal; hw=$wall; hm=$rss; row "hledger -f FILE bal ($(hledger --version | awk '{print $2}' | tr -d ,))" "$wall" "$rss"
fi

printf '%-44s %12s %11s\n' "what" "wall" "peak RSS"
printf '%s\n' "${rows[@]}"
if [ -n "$lw" ]; then
  awk -v a="$lw" -v b="$gi" -v c="$lm" -v d="$gm" 'BEGIN{printf "ledger-cli / gasledger import: %.1fx the time, %.1fx the memory\n", a/b, c/d}'
fi
if [ -n "$hw" ]; then
  awk -v a="$hw" -v b="$gi" -v c="$hm" -v d="$gm" 'BEGIN{printf "hledger / gasledger import:    %.1fx the time, %.1fx the memory\n", a/b, c/d}'
fi
