#!/bin/bash
# checkpatch.pl --strict over every patch of the series; any error, warning
# or check fails.
. "$(dirname "$0")/lib.sh"

STAGE=${STAGE:-$BUILD_DIR/linux}
SERIES_DIR=$KCR_ROOT/kernel/kvm-coco-reset/patches

run() {
	local p n=0 bad=0 out
	for p in $(grep -v -e '^#' -e '^$' "$SERIES_DIR/series" || true); do
		n=$((n + 1))
		out=$(cd "$STAGE" && perl scripts/checkpatch.pl --strict --quiet \
			--show-types "$SERIES_DIR/$p" 2>&1) || true
		if [ -n "$out" ]; then
			bad=$((bad + 1))
			printf '%s:\n%s\n' "$p" "$out"
		fi
	done
	log "checkpatch --strict: $n patches, $bad with findings"
	[ $bad -eq 0 ]
}

step checkpatch run
