#!/bin/bash
# Build kvm.ko, kvm-amd.ko and kvm-intel.ko from the patched tree $STAGE
# against the configured kernel $KDIR (see Kbuild), with ccache.
. "$(dirname "$0")/lib.sh"

STAGE=${STAGE:-$BUILD_DIR/linux}
OUT=$BUILD_DIR/out/arch/x86/kvm
STOCK=$CACHE_DIR/unpacked/linux-modules-$KREL/usr/lib/modules/$KREL/kernel/arch/x86/kvm

build() {
	mkdir -p "$OUT"
	make ${V:+V=$V} -s -C "$KDIR" M="$STAGE/arch/x86/kvm" MO="$OUT" \
		KCR_SRC="$STAGE" CC="ccache gcc" -j"$(nproc)" ${KCR_KBUILD_ARGS:-} modules
}

# The modules must load on the target kernel with plain insmod: same vermagic.
check_vermagic() {
	local ours theirs
	ours=$(modinfo -F vermagic "$OUT/kvm.ko")
	log "vermagic: $ours"
	[ -f "$STOCK/kvm.ko.xz" ] || return 0
	theirs=$(xz -dc "$STOCK/kvm.ko.xz" >"$OUT/.stock-kvm.ko" && modinfo -F vermagic "$OUT/.stock-kvm.ko")
	rm -f "$OUT/.stock-kvm.ko"
	[ "$ours" = "$theirs" ] || die "vermagic '$ours' differs from Debian's kvm.ko '$theirs'"
}

: "${KDIR:?}"
step modules build
step vermagic check_vermagic
