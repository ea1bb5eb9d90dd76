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
	{ grep -E '(warning|error):' "$1" || true; } |
		sed -E -e "s|$DIR/linux/||g" -e 's/:[0-9]+(:[0-9]+)?:/:/' | sort -u
}

# sparse from Debian's newer source package (see deps/sources.lock).
SPARSE_SRC=$CACHE_DIR/unpacked/src-sparse
SPARSE=$CACHE_DIR/tools/sparse
build_sparse() {
	if [ "$(cat "$SPARSE.sha256" 2>/dev/null)" != "$(cat "$SPARSE_SRC/.sha256")" ]; then
		make -s -C "$SPARSE_SRC" -j"$(nproc)" sparse
		mkdir -p "$(dirname "$SPARSE")"
		cp "$SPARSE_SRC/sparse" "$SPARSE"
		cp "$SPARSE_SRC/.sha256" "$SPARSE.sha256"
	fi
	sh "$KSRC/scripts/checker-valid.sh" "$SPARSE" --arch=x86 -m64 | grep -qx 1 ||
		die "$SPARSE cannot check this kernel"
}

build_prefix() { # build_prefix N
	STAGE=$DIR/linux SERIES_LIMIT=$1 "$KCR_ROOT/scripts/stage.sh"
	mkdir -p "$DIR/out"
	make -C "$KDIR" M="$DIR/linux/arch/x86/kvm" MO="$DIR/out" \
		KCR_SRC="$DIR/linux" CC="ccache gcc" W=1 C="${2:-1}" CHECK="$SPARSE" \
		-j"$(nproc)" modules >"$DIR/build-$1.log" 2>&1 ||
		{ tail -n 30 "$DIR/build-$1.log"; die "prefix $1 does not build"; }
	! grep -q "is not available or not up to date" "$DIR/build-$1.log" ||
		die "sparse did not run"
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
KSRC=${KSRC:-$CACHE_DIR/src/linux-7.3.4}
step sparse build_sparse
step build-checks run
