#!/bin/bash
# The issue 15 table by hand: every case once or three times, in clones of a workload.
#   bench/measure_10k.sh LABEL SDD WORKLOAD [OUT]
# LABEL names the run (before/after), SDD is the sdd executable to time, WORKLOAD a
# repository made by `bench/generate.py 10000 DIR` (it is cloned, never written). Appends
# "LABEL CASE CPU_S WALL_S PEAK_KB" lines to OUT (default ./measure-results.txt); cpu is
# user + system of the command and its children (git included), from /usr/bin/time.
# The case names and the projects they touch are those of the generated workload.
# `python bench/measure_table.py OUT before after` prints the table (medians). With BIG set
# to a repository holding the 50,000-task project (bench/cases.py), `done` in it too.

label=$1; S=$2; SRC=$3; OUT=${4:-$PWD/measure-results.txt}
# An installed package has its bytecode: with PYTHONDONTWRITEBYTECODE set (some shells,
# coding agents' among them) every module changed since the last .pyc was written is
# compiled again on every run, 0.02-0.04 s of each command.
unset PYTHONDONTWRITEBYTECODE
W=$(mktemp -d)/w-$label; mkdir -p $W
t() { local case=$1; shift; /usr/bin/time -f "%U %S %e %M" -o $W/t.txt "$@" >/dev/null 2>&1; read u s e m < <(tail -n 1 $W/t.txt); echo "$label $case $(python3 -c "print(round($u+$s,3))") $e $m" >> $OUT; }
export XDG_CACHE_HOME=$W/xdg
git clone -q $SRC $W/repo; cd $W/repo
t next-cold-emptycache $S next
t next-second $S next
for i in 1 2 3; do t next-warm $S next; done
git status -uno >/dev/null  # git refreshes its index (as an agent's or editor's first status)
$S next >/dev/null 2>&1; $S open >/dev/null 2>&1; $S open --brief >/dev/null 2>&1
for i in 1 2 3; do t next-warm-refreshed $S next; done
for i in 1 2 3; do t open-warm $S open; done
for i in 1 2 3; do t brief-warm $S open --brief; done
t check-first $S check  # the clone's first check: its records computed (next filled the rows)
for i in 1 2 3; do t check-warm $S check; done
for i in 1 2 3; do git checkout -q -- .; t done $S done --project accounts-csv-import-00235 T011 --no-verify; done
for i in 1 2 3; do git checkout -q -- .; git clean -qfd AGENTS.ctx; t approve $S approve analytics-audit-log-00172 --by "Bench Person"; done
for i in 1 2 3; do git checkout -q -- .; git clean -qfd AGENTS.ctx; t new $S new bench-new-project; done
git checkout -q -- .; git clean -qfd AGENTS.ctx
git clone -q $SRC $W/repo2; cd $W/repo2
t next-cold-usercache $S next
t check-cold $S check
export XDG_CACHE_HOME=$W/xdg-empty  # a machine that never saw the repository (CI)
git clone -q $SRC $W/repo3; cd $W/repo3
t check-cold-emptycache $S check
if [ -n "$BIG" ]; then  # BIG=a clone source holding bench/cases.py's 50,000-task project
  git clone -q $BIG $W/big; cd $W/big; $S next >/dev/null 2>&1
  for i in 1 2 3; do git checkout -q -- .; t done-50k $S done T25001 --project bulk-import-50k --no-verify; done
fi
echo "$label finished" >> $OUT
