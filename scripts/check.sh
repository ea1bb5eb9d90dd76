#!/bin/bash
# check.sh: `make check` in two lanes that run side by side.  The test host
# runs under single-threaded TCG and leaves the second core idle for about
# 20 minutes of a run; the static lane (checkpatch, the W=1 build after each
# patch, sparse, the TDX builds: about half the cold run) fills it.  What
# both lanes use is built first, once, so that no two makes write the same
# tree.  Each line of output is prefixed with its lane's name; the run fails
# if either lane fails.
. "$(dirname "$0")/lib.sh"

MAKE=${MAKE:-make}

# lane NAME TARGET...: make TARGET..., each output line prefixed with NAME.
lane() {
	local name=$1
	shift
	"$MAKE" --no-print-directory "$@" 2>&1 | sed -u "s/^/[$name] /"
}

step shared "$MAKE" --no-print-directory test-kdir-check modules selftests

# KDIR is prepared now: naming it keeps the lanes from each re-running the
# download and KDIR steps, which must not run twice at once.
: "${KDIR:?}"
lane static KDIR="$KDIR" checkpatch build-checks &
static_pid=$!
host_rc=0
lane testhost KDIR="$KDIR" test-helper test-upstream test-kcr test-sevmodel \
	test-debug debug-negative || host_rc=$?
static_rc=0
wait "$static_pid" || static_rc=$?

log "check: static lane exit $static_rc, test host lane exit $host_rc"
[ "$static_rc" = 0 ] && [ "$host_rc" = 0 ]
