#!/bin/bash
# Build the KVM selftests of the patched tree (static, so that they run in
# the busybox test host) and this repository's own selftests on their
# library, into $BUILD_DIR/selftests (ours under kcr/).
. "$(dirname "$0")/lib.sh"

STAGE=${STAGE:-$BUILD_DIR/linux}
HDR=$BUILD_DIR/hdr
OUT=$BUILD_DIR/selftests
KST=$STAGE/tools/testing/selftests/kvm

headers() {
	[ "$(cat "$HDR/.kcr-key" 2>/dev/null)" = "$(cat "$STAGE/.kcr-key")" ] && return 0
	rm -rf "$HDR"
	make -s -C "$STAGE" O="$HDR" headers
	cp "$STAGE/.kcr-key" "$HDR/.kcr-key"
}

# One make run builds both: selftests/kvm-coco-reset.mk is read after the
# upstream Makefile and adds our tests with its flags and library objects.
# KCR_ONLY=1 builds only ours (the upstream library, not its tests).
build() {
	make -s -C "$KST" -f Makefile -f "$KCR_ROOT/selftests/kvm-coco-reset.mk" \
		${KCR_ONLY:+kcr-all} \
		KCR_SELFTESTS="$KCR_ROOT/selftests" OUTPUT="$OUT" \
		KHDR_INCLUDES="-isystem $HDR/usr/include" USERLDFLAGS=-static \
		-j"$(nproc)"
}

# The kvm-coco-reset command, static, for the test host.
helper() {
	make -s -C "$KCR_ROOT/user/helper" O="$BUILD_DIR/helper" WERROR=1 static
	mkdir -p "$OUT/helper"
	cp "$BUILD_DIR/helper/kvm-coco-reset.static" "$OUT/helper/kvm-coco-reset"
}

# The test host's KVM check, static like everything that runs there.
kvm_check() {
	mkdir -p "$OUT/testhost"
	gcc -static -O2 -Wall -Wextra -Werror -isystem "$HDR/usr/include" \
		-o "$OUT/testhost/kvm-check" "$KCR_ROOT/testhost/kvm-check.c"
}

step headers headers
step selftests build
step helper helper
step kvm-check kvm_check
