#!/usr/bin/env bash
# The peer benchmark of issue 7: generate a journal of N two-posting transactions between 8
# parties with ids (default 1,000,000, about 116 MB), then on that same file measure
# gasledger's import into a new store and its reports, and ledger-cli's and hledger's `bal`
# when they are installed. Prints wall time and peak memory (GNU time's max RSS) with ratios.
#
#   benches/peers.sh [N]            needs: cargo, /usr/bin/time; optional: ledger, hledger
#   ROUNDS=3 benches/peers.sh [N]   the import and the peers in turn, 3 times: medians
#
# Every figure is one whole process, as a user runs it; the fast reports take the best of 5.
# On a shared VM the speed drifts over minutes, so with ROUNDS > 1 the import, ledger-cli and
# hledger run one after the other in each round, and each ratio is taken within a round (both
# tools in the same phase of the machine) before the median of the rounds is reported.
set -euo pipefail
n=${1:-1000000}
rounds=${ROUNDS:-1}
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
# median X... : the median of the numbers given.
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR]=$1} END{m=(NR+1)/2; printf "%.3f", (NR%2) ? v[m] : (v[m-0.5]+v[m+0.5])/2}'; }
row() { rows+=("$(printf '%-44s %10s s %8s MB' "$1" "$2" "$3")"); }

has_ledger=$(command -v ledger > /dev/null && echo 1 || true)
has_hledger=$(command -v hledger > /dev/null && echo 1 || true)
echo "journal: $n transactions, $(( $(stat -c %s "$journal") / 1000000 )) MB; $rounds round(s)" >&2
gis=(); gms=(); lws=(); lms=(); hws=(); hms=(); lratios=(); hratios=()
for r in $(seq "$rounds"); do
  rm -rf "$db"
  run import "$g" --db "$db" import "$journal"; gi=$wall; gis+=("$wall"); gms+=("$rss")
  if [ -n "$has_ledger" ]; then
    run ledger ledger -f "$journal" bal; lws+=("$wall"); lms+=("$rss")
    lratios+=("$(awk -v a="$wall" -v b="$gi" 'BEGIN{printf "%.2f", a/b}')")
  fi
  if [ -n "$has_hledger" ]; then
    run hledger hledger -f "$journal" bal; hws+=("$wall"); hms+=("$rss")
    hratios+=("$(awk -v a="$wall" -v b="$gi" 'BEGIN{printf "%.2f", a/b}')")
  fi
  echo "round $r: import ${gi} s${lws:+, ledger ${lws[-1]} s}${hws:+, hledger ${hws[-1]} s}" >&2
done
gi=$(median "${gis[@]}"); gm=$(printf '%s\n' "${gms[@]}" | sort -n | tail -1)
row "gasledger import (new store, durable)" "$gi" "$gm"

best balances "$g" --db "$db" report balances;          row "gasledger report balances" "$wall" "$rss"
mid=$(awk 'NR>1 && /^[0-9]/ {print $1}' "$journal" | sed -n "$(( n / 2 ))p")
best as-of "$g" --db "$db" report balances --as-of "$mid"; row "gasledger report balances --as-of $mid" "$wall" "$rss"
run verify "$g" --db "$db" verify;                       row "gasledger verify (replay + hash chain)" "$wall" "$rss"
# A new id each run (through sh, about a millisecond), so every run writes durably.
best record sh -c "'$g' --db '$db' record --date 2030-01-01 --desc bench --post 'TM:receivable:IR 1.00 USD' --post 'IR:payable:TM -1.00 USD' --id bench-\$(date +%s%N)"
row "gasledger record (one transaction, durable)" "$wall" "$rss"

if [ -n "$has_ledger" ]; then
  lw=$(median "${lws[@]}"); lm=$(printf '%s\n' "${lms[@]}" | sort -n | tail -1)
  row "ledger -f FILE bal ($(ledger --version | head -1 | awk '{print $2}' | tr -d ,))" "$lw" "$lm"
fi
if [ -n "$has_hledger" ]; then
  hw=$(median "${hws[@]}"); hm=$(printf '%s\n' "${hms[@]}" | sort -n | tail -1)
  row "hledger -f FILE bal ($(hledger --version | awk '{print $2}' | tr -d ,))" "$hw" "$hm"
fi

label=""; [ "$rounds" -gt 1 ] && label=" (medians of $rounds rounds; ratios within each round)"
printf '%-44s %12s %11s%s\n' "what" "wall" "peak RSS" "$label"
printf '%s\n' "${rows[@]}"
if [ -n "$has_ledger" ]; then
  awk -v a="$(median "${lratios[@]}")" -v c="$lm" -v d="$gm" -v all="${lratios[*]}" \
    'BEGIN{printf "ledger-cli / gasledger import: %.1fx the time (rounds: %s), %.1fx the memory\n", a, all, c/d}'
fi
if [ -n "$has_hledger" ]; then
  awk -v a="$(median "${hratios[@]}")" -v c="$hm" -v d="$gm" -v all="${hratios[*]}" \
    'BEGIN{printf "hledger / gasledger import:    %.1fx the time (rounds: %s), %.1fx the memory\n", a, all, c/d}'
fi
