#!/bin/bash
# one.sh TESTDIR LOGDIR PROG TIMEOUT [ARGS...]: run one static program on
# the test host; print its output and exit with its exit status.
. "$(dirname "$0")/../scripts/lib.sh"

TESTDIR=$1 LOGDIR=$2 PROG=$3 LIMIT=$4
shift 4

[ -x "$PROG" ] || die "$PROG is not an executable file"
file -L "$PROG" | grep -q 'statically linked' ||
	die "$PROG is dynamically linked; the test host has no libc: link it with -static"
rm -rf "$TESTDIR"
mkdir -p "$TESTDIR"
cp "$BUILD_DIR/selftests/testhost/kvm-check" "$TESTDIR/kvm-check"
cp "$PROG" "$TESTDIR/prog"
echo "$(basename "$PROG") $LIMIT ./prog $*" >"$TESTDIR/list"
"$KCR_ROOT/testhost/run.sh" "$TESTDIR" "$LOGDIR" >/dev/null 2>&1 || true
sed -n 's/^# \{0,1\}//p' "$LOGDIR/tap.log" | grep -v -e '^kcr-testhost:' -e '^exit-status ' || true
rc=$(sed -n 's/^# exit-status [^ ]* \([0-9]*\)$/\1/p' "$LOGDIR/tap.log")
if [ -z "$rc" ]; then
	log "the test host did not report an exit status; see $LOGDIR/serial.log"
	exit 125
fi
log "$(basename "$PROG") exited with status $rc on the test host (logs in $LOGDIR)"
exit "$rc"
