# shellcheck shell=bash
# Common helpers for the build and test scripts: named, timed steps.
set -euo pipefail

KCR_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE_DIR=${CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/kvm-coco-reset}
BUILD_DIR=${BUILD_DIR:-$CACHE_DIR/build}
KREL=7.3.4+deb13-amd64

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# step NAME CMD...: run CMD under errexit, print its name and wall time;
# a failure ends the script with the failing step named.
KCR_STEP=
step() {
	local _t0
	KCR_STEP=$1
	shift
	_t0=$(date +%s)
	log "step $KCR_STEP: start"
	"$@"
	log "step $KCR_STEP: done in $(($(date +%s) - _t0)) s"
	KCR_STEP=
}
trap 'rc=$?; [ $rc -ne 0 ] && [ -n "$KCR_STEP" ] && log "step $KCR_STEP: FAILED ($rc)"; exit $rc' EXIT

# hash_of FILE...: one sha256 over the contents of the files, in order.
hash_of() { cat "$@" | sha256sum | cut -c1-16; }
