#!/bin/sh
# The independent replay check (replay_check.py) on the funnel fixture, for several flag
# combinations. Usage: tests/independent/run.sh [path/to/leadpolicy]   (default: on PATH)
# Exit 0 when every run matched, 1 when a run found a difference, 2 when a run could not check.
set -u
BIN="${1:-leadpolicy}"
HERE="$(cd "$(dirname "$0")" && pwd)"
FIX="$HERE/../fixtures/funnel"
CHECK="python3 $HERE/replay_check.py --bin $BIN --dataset $FIX/mapping.toml --baseline $FIX/baseline.toml --draft $FIX/draft.toml"

worst=0
run() {
    echo "================================================================"
    $CHECK "$@"
    rc=$?
    [ $rc -gt $worst ] && worst=$rc
    [ $rc -ne 0 ] && failed="${failed:-}
  exit $rc: $*"
}

run
run --from 2017-12-01 --to 2018-03-31
run --source social --source paid_search
run --campaign always-on --form lp-catalog
run --by month
run --by week
run --by quarter
run --conversion-window 60
run --conversion-window 60 --as-of 2018-05-15
run --from 2017-12-01 --to 2018-03-31 --source social --source organic_search --by month --conversion-window 60

echo "================================================================"
if [ $worst -eq 0 ]; then
    echo "independent replay check: every run matched"
else
    echo "independent replay check: runs that did not match:${failed}"
fi
exit $worst
