#!/bin/bash
# check.sh: `make check` in two lanes that run side by side.  The test host
# runs under single-threaded TCG and leaves the second core idle for about
# 20 minutes of a run; the static lane (checkpatch, the W=1 build after each
# patch, sparse, the TDX builds: about half the cold run) fills it, niced so
# that the test host's timing is as on an idle machine.  What both lanes
# use is built first, once, so that no two makes write the same tree.  Each line of output is prefixed with its lane's name; the run fails
# if either lane fails.
. "$(dirname "$0")/lib.sh"

MAKE=${MAKE:-make}

LANE_LOGS=$BUILD_DIR/logs
mkdir -p "$LANE_LOGS"

# lane NAME CMD...: run CMD, each output line prefixed with NAME, and kept
# in $LANE_LOGS/lane-NAME.log.
lane() {
	local name=$1
	shift
	"$@" 2>&1 | sed -u "s/^/[$name] /" | tee "$LANE_LOGS/lane-$name.log"
}

# failed NAME: the interleaved output of both lanes hides where a lane
# failed, and CI shows only the end of it: repeat what failed, and the
# lane's last lines.
failed() {
	local f=$LANE_LOGS/lane-$1.log
	log "check: lane $1 failed; its failures and its last 40 lines ($f):"
	grep -E '^\[[a-z]+\] (not ok|make(\[[0-9]+\])?: \*\*\*)|error:|FAIL' "$f" | tail -n 30 >&2 || true
	echo "  ..." >&2
	tail -n 40 "$f" >&2
}

step shared "$MAKE" --no-print-directory test-kdir-check modules selftests

# KDIR is prepared now: naming it keeps the lanes from each re-running the
# download and KDIR steps, which must not run twice at once.
: "${KDIR:?}"
# The static lane runs at the lowest priority: the test host's timing limits
# assume a core of its own, and the builds take only what it leaves.
# Patched QEMU is built there too, first: the test host lane needs it only
# at its end (scripts/qemu.sh serializes the two lanes on a lock).
lane static nice -n 19 sh -c 'scripts/qemu.sh && "$0" --no-print-directory KDIR="$1" \
	checkpatch build-checks' "$MAKE" "$KDIR" &
static_pid=$!
host_rc=0
lane testhost "$MAKE" --no-print-directory KDIR="$KDIR" \
	test-helper test-upstream test-kcr test-sevmodel test-debug \
	debug-negative \
	test-qemu test-dkms ||
	host_rc=$?
static_rc=0
wait "$static_pid" || static_rc=$?

[ "$static_rc" = 0 ] || failed static
[ "$host_rc" = 0 ] || failed testhost
log "check: static lane exit $static_rc, test host lane exit $host_rc"
[ "$static_rc" = 0 ] && [ "$host_rc" = 0 ]
