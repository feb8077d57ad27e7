#!/usr/bin/env bash
# Compare two builds of gasledger on the same journal, in one run: each command runs with the
# old binary and the new one in turn, RUNS times, and the least wall time and the largest
# resident memory of each are printed. For a change that must not make anything slower.
#
#   benches/before_after.sh OLD_BIN NEW_BIN JOURNAL [RUNS]
#
# OLD_BIN and NEW_BIN are release binaries (for example built from an older commit with
# `git worktree add /tmp/old REV && cargo build --release --manifest-path /tmp/old/Cargo.toml`);
# JOURNAL is a generated journal (`cargo run --release --example gen_journal 1000000 > big.ledger`).
# Needs GNU time (/usr/bin/time). Stores go to a temporary folder, removed at the end.
set -euo pipefail
old=$1 new=$2 journal=$3 runs=${4:-3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# measure LABEL BIN DB ARGS...: one run; prints "seconds kilobytes".
measure() {
  local bin=$1 db=$2
  shift 2
  /usr/bin/time -f '%e %M' -o "$work/time" "$bin" --db "$db" "$@" >/dev/null 2>"$work/err" || {
    echo "failed: $bin $*" >&2
    cat "$work/err" >&2
    exit 1
  }
  cat "$work/time"
}

printf '%-28s %12s %12s %12s %12s\n' command old_s new_s old_MB new_MB
row() {
  local name=$1 setup=$2
  shift 2
  local best_old=999999 best_new=999999 mem_old=0 mem_new=0
  for _ in $(seq "$runs"); do
    for which in old new; do
      local bin=$old
      [ "$which" = new ] && bin=$new
      local db="$work/$which.db"
      if [ "$setup" = fresh ]; then rm -rf "$db"; fi
      read -r s kb < <(measure "$bin" "$db" "$@")
      if [ "$which" = old ]; then
        best_old=$(echo "if ($s < $best_old) $s else $best_old" | bc)
        ((kb > mem_old)) && mem_old=$kb
      else
        best_new=$(echo "if ($s < $best_new) $s else $best_new" | bc)
        ((kb > mem_new)) && mem_new=$kb
      fi
    done
  done
  printf '%-28s %12s %12s %12d %12d\n' "$name" "$best_old" "$best_new" $((mem_old / 1024)) $((mem_new / 1024))
}

row "import (fresh store)" fresh import "$journal"
row "verify" kept verify
row "report balances" kept report balances
row "export --format hledger" kept export --format hledger
row "record" kept record --date 2026-01-01 --desc bench \
  --post "TM:receivable:IR 1.00 USD" --post "IR:payable:TM -1.00 USD"
