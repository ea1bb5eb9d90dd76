#!/bin/bash
# mkinitramfs.sh OUT MODDIR TESTDIR: write the test host's initramfs to OUT.
# It holds busybox, the stock modules that KVM needs from Debian's
# linux-modules package, our kvm*.ko from MODDIR, and TESTDIR (the programs
# to run and their list) as /tests.
. "$(dirname "$0")/../scripts/lib.sh"

OUT=$1 MODDIR=$2 TESTDIR=$3
STOCK=$CACHE_DIR/unpacked/linux-modules-$KREL/usr/lib/modules/$KREL/kernel
ROOT=

mod_name() { basename "${1%.ko*}" | tr - _; }

# stock_path NAME: the compressed stock module of that name.
stock_path() { find "$STOCK" -name "$(echo "$1" | sed 's/[-_]/[-_]/g').ko.xz" | head -1; }

# add_module NAME: our module if we built it, else Debian's, after its
# dependencies; appends NAME to the load order once.
add_module() {
	local name=$1 ko dep
	grep -qx "$name" "$ROOT/modules/order" 2>/dev/null && return 0
	ko=$(find "$MODDIR" -maxdepth 1 -name "$(echo "$name" | sed 's/[-_]/[-_]/g').ko" | head -1)
	if [ -n "$ko" ]; then
		strip --strip-debug -o "$ROOT/modules/$name.ko" "$ko"
	else
		ko=$(stock_path "$name")
		[ -n "$ko" ] || die "no module $name in $MODDIR or $STOCK"
		xz -dc "$ko" >"$ROOT/modules/$name.ko.tmp"
		strip --strip-debug -o "$ROOT/modules/$name.ko" "$ROOT/modules/$name.ko.tmp"
		rm "$ROOT/modules/$name.ko.tmp"
	fi
	for dep in $(modinfo -F depends "$ROOT/modules/$name.ko" | tr , ' '); do
		add_module "$dep"
	done
	echo "$name" >>"$ROOT/modules/order"
}

build() {
	ROOT=$(mktemp -d)
	mkdir -p "$ROOT"/{bin,dev,proc,sys,tmp,modules}
	cp /bin/busybox "$ROOT/bin/busybox"
	cp "$KCR_ROOT/testhost/init" "$ROOT/init"
	chmod +x "$ROOT/init"
	add_module kvm_amd
	# Ours: kvm, kvm_amd and, in the SEV model build, the model's ccp.
	local m ours="kvm kvm_amd"
	[ -f "$MODDIR/ccp.ko" ] && ours="$ours ccp"
	echo "$ours" >"$ROOT/modules/ours"
	(cd "$ROOT/modules" && for m in $ours; do sha256sum "$m.ko"; done | cut -c1-16,65-) >"$OUT.modules"
	cp -a "$TESTDIR" "$ROOT/tests"
	(cd "$ROOT" && find . | cpio -o -H newc --quiet) >"$OUT"
	log "initramfs $OUT: $(du -h "$OUT" | cut -f1), modules: $(tr '\n' ' ' <"$ROOT/modules/order")"
	rm -rf "$ROOT"
}

step initramfs build
