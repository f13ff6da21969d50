#!/bin/bash
# The write commands at 10,000 projects (issue 15: each <= 0.10 s wall), in one clone.
#   bench/writes_10k.sh SDD WORKLOAD [RUNS] [CASES]
# SDD is the sdd executable to time, WORKLOAD a repository made by
# `bench/generate.py 10000 DIR` (cloned into a temporary folder, never written). Each case
# runs RUNS times (default 5) on the committed state: the previous run's change is undone
# with git and the case's set-up step (untimed) runs first. CASES picks some (default:
# "done approve ready new start release block unblock"). Prints, per case, the median and
# the range of wall and cpu seconds (user + system, git included, from /usr/bin/time) and
# the peak MiB; then `python -c pass` the same way, and the load average before and after.
# The user cache is a temporary XDG_CACHE_HOME, warmed by one `sdd next`.

S=$1; SRC=$2; RUNS=${3:-5}; CASES=${4:-"done approve ready new start release block unblock"}
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
export XDG_CACHE_HOME=$W/xdg
git clone -q "$SRC" "$W/repo" && cd "$W/repo" || exit 1
A=AGENTS.ctx/sdd/assets
DOING=accounts-csv-import-00235      # implementing, T011 is its first open task
REVIEW=analytics-audit-log-00172     # its spec awaits approval
DRAFT=accounts-cache-warmup-00011    # a spec draft whose last open question is ticked for `ready`
OTHER=accounts-csv-import-00555      # implementing, blocked and unblocked
"$S" next >/dev/null 2>&1
PY=$(head -1 "$S" | sed 's/^#!//')
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"

setup() {  # untimed: the state each case starts from
  git checkout -q -- . && git clean -qfd AGENTS.ctx
  case $1 in
    ready) sed -i 's/^- \[ \] Who owns/- [x] Who owns/' $A/$DRAFT/spec.md ;;
    release) "$S" start T011 --project $DOING >/dev/null ;;
    unblock) "$S" block $OTHER --reason "waiting for the vendor" >/dev/null ;;
  esac
}
args() {  # sets argv: the timed command's arguments
  case $1 in
    done) argv=(done T011 --project $DOING --no-verify) ;;
    approve) argv=(approve $REVIEW --by "Bench Person") ;;
    ready) argv=(ready $DRAFT) ;;
    new) argv=(new bench-new-project) ;;
    start) argv=(start T011 --project $DOING) ;;
    release) argv=(release T011 --project $DOING) ;;
    block) argv=(block $OTHER --reason "waiting for the vendor") ;;
    unblock) argv=(unblock $OTHER) ;;
  esac
}
stats() {  # lines "wall cpu peak_kb" on stdin -> one summary line
  "$PY" -c '
import statistics, sys
rows = [tuple(map(float, line.split())) for line in sys.stdin if line.strip()]
wall, cpu, peak = ([r[i] for r in rows] for i in range(3))
print(f"{sys.argv[1]:<8} wall {statistics.median(wall):.3f} ({min(wall):.2f}-{max(wall):.2f})  "
      f"cpu {statistics.median(cpu):.3f} ({min(cpu):.2f}-{max(cpu):.2f})  "
      f"peak {max(peak) / 1024:.0f} MiB  runs {len(rows)}")' "$1"
}
for c in $CASES; do
  for i in $(seq "$RUNS"); do
    setup "$c"; args "$c"
    /usr/bin/time -f "%e %U %S %M" -o "$W/t" "$S" "${argv[@]}" >/dev/null 2>"$W/err" \
      || { echo "$c failed: $(tail -1 "$W/err")"; break; }
    read -r e u s m < "$W/t"; echo "$e $("$PY" -c "print(round($u + $s, 3))") $m"
  done | stats "$c"
done
git checkout -q -- . && git clean -qfd AGENTS.ctx
for i in $(seq "$RUNS"); do
  /usr/bin/time -f "%e %U %S %M" -o "$W/t" "$PY" -c pass
  read -r e u s m < "$W/t"; echo "$e $("$PY" -c "print(round($u + $s, 3))") $m"
done | stats "pass"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
