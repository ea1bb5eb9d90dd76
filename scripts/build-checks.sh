#!/bin/bash
# Build the modules once per prefix of the series, from the unpatched tree
# (prefix 0) to the whole series, with W=1 and sparse (C=1): every patch
# must build on its own and add no compiler or sparse warning.
. "$(dirname "$0")/lib.sh"

DIR=$BUILD_DIR/build-checks
SERIES_DIR=$KCR_ROOT/kernel/kvm-coco-reset/patches

# Warnings with paths and line numbers removed, so that they compare across
# prefixes whose patches move lines.
warnings() {
	grep -E '(warning|error):' "$1" |
		sed -E -e "s|$DIR/linux/||g" -e 's/:[0-9]+(:[0-9]+)?:/:/' | sort -u
}

build_prefix() { # build_prefix N
	STAGE=$DIR/linux SERIES_LIMIT=$1 "$KCR_ROOT/scripts/stage.sh"
	mkdir -p "$DIR/out"
	make -C "$KDIR" M="$DIR/linux/arch/x86/kvm" MO="$DIR/out" \
		KCR_SRC="$DIR/linux" CC="ccache gcc" W=1 C="${2:-1}" \
		-j"$(nproc)" modules >"$DIR/build-$1.log" 2>&1 ||
		{ tail -n 30 "$DIR/build-$1.log"; die "prefix $1 does not build"; }
	warnings "$DIR/build-$1.log" >"$DIR/warnings-$1.txt"
}

run() {
	local n total new
	total=$(grep -c -v -e '^#' -e '^$' "$SERIES_DIR/series" || true)
	mkdir -p "$DIR"
	# The baseline: every file compiled and checked once.
	build_prefix 0 2
	cp "$DIR/warnings-0.txt" "$DIR/warnings-known.txt"
	for n in $(seq 1 "$total"); do
		build_prefix "$n"
		new=$(comm -13 "$DIR/warnings-known.txt" "$DIR/warnings-$n.txt")
		if [ -n "$new" ]; then
			printf '%s\n' "$new"
			die "patch $n adds the warnings above (W=1, sparse)"
		fi
		log "patch $n/$total builds, no new W=1 or sparse warning"
	done
	log "baseline: $(wc -l <"$DIR/warnings-0.txt") distinct W=1/sparse warnings in unpatched KVM"
}

: "${KDIR:?}"
step build-checks run
