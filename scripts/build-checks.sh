#!/bin/bash
# Build the modules once per prefix of the series, from the unpatched tree
# (prefix 0) to the whole series, with W=1: every patch must build on its
# own and add no compiler warning; the whole series no sparse warning.  Then the
# unpatched tree and the whole series again in a 7.3.4 tree configured with
# TDX host support (which Debian's kernel lacks), with gcc (W=1, sparse) and
# with clang (W=1): no new warning there either.
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

# build_prefix N [C [KDIR [NAME [MAKEARGS...]]]]: stage the first N patches,
# build, and keep the warnings in warnings-NAME-N.txt.
build_prefix() {
	local n=$1 c=${2:-1} kdir=${3:-$KDIR} name=${4:-debian} log
	shift $(($# < 4 ? $# : 4))
	log=$DIR/build-$name-$n.log
	STAGE=$DIR/linux SERIES_LIMIT=$n "$KCR_ROOT/scripts/stage.sh"
	mkdir -p "$DIR/out-$name"
	make -C "$kdir" M="$DIR/linux/arch/x86/kvm" MO="$DIR/out-$name" \
		KCR_SRC="$DIR/linux" W=1 C="$c" CHECK="$SPARSE" \
		-j"$(nproc)" "$@" modules >"$log" 2>&1 ||
		{ tail -n 30 "$log"; die "$name: prefix $n does not build"; }
	[ "$c" = 0 ] || ! grep -q "is not available or not up to date" "$log" ||
		die "sparse did not run"
	warnings "$log" >"$DIR/warnings-$name-$n.txt"
}

# compare NAME N: warnings of prefix N that prefix 0 does not have.
compare() {
	local new
	new=$(comm -13 "$DIR/warnings-$1-0.txt" "$DIR/warnings-$1-$2.txt")
	if [ -n "$new" ]; then
		printf '%s\n' "$new"
		die "$1: the series adds the warnings above"
	fi
}

total() { grep -c -v -e '^#' -e '^$' "$SERIES_DIR/series" || true; }

# Every prefix with W=1; sparse (slow, and not cached by ccache) on the
# unpatched tree and on the whole series, whose warnings are compared.
each_patch() {
	local n c
	mkdir -p "$DIR"
	build_prefix 0 2 "$KDIR" debian CC="ccache gcc"
	for n in $(seq 1 "$(total)"); do
		c=0
		[ "$n" = "$(total)" ] && c=2
		build_prefix "$n" "$c" "$KDIR" debian CC="ccache gcc"
		compare debian "$n"
		log "patch $n/$(total) builds, no new W=1 warning$([ $c = 2 ] && echo ", no new sparse warning")"
	done
	log "baseline: $(wc -l <"$DIR/warnings-debian-0.txt") distinct W=1/sparse warnings in unpatched KVM"
}

# The TDX SEAMCALL wrappers live in a vmlinux built with INTEL_TDX_HOST,
# which Debian's is not: modpost may only warn that they are unresolved.
tdx_gcc() {
	prepare_kdir "$CACHE_DIR/kdir-tdx" "$TDX_OPTIONS"
	build_prefix 0 2 "$CACHE_DIR/kdir-tdx" tdx CC="ccache gcc" KBUILD_MODPOST_WARN=1
	build_prefix "$(total)" 2 "$CACHE_DIR/kdir-tdx" tdx CC="ccache gcc" KBUILD_MODPOST_WARN=1
	compare tdx "$(total)"
}

tdx_clang() {
	prepare_kdir "$CACHE_DIR/kdir-tdx-clang" "$TDX_OPTIONS" LLVM=-19
	build_prefix 0 0 "$CACHE_DIR/kdir-tdx-clang" clang LLVM=-19 CC="ccache clang-19" \
		KBUILD_MODPOST_WARN=1
	build_prefix "$(total)" 0 "$CACHE_DIR/kdir-tdx-clang" clang LLVM=-19 CC="ccache clang-19" \
		KBUILD_MODPOST_WARN=1
	compare clang "$(total)"
}

: "${KDIR:?}"
TDX_OPTIONS="INTEL_TDX_HOST KVM_INTEL_TDX"
step sparse build_sparse
step build-each-patch each_patch
step build-tdx-gcc tdx_gcc
step build-tdx-clang tdx_clang
