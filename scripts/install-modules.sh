#!/bin/bash
# install-modules.sh install|uninstall: make install / make uninstall of the
# modules, without DKMS.
#
# install: copy kvm.ko, kvm-amd.ko and kvm-intel.ko of $MODDIR (make
# modules' output) to $DESTDIR/lib/modules/KREL/updates/kvm-coco-reset,
# KREL being the kernel they were built for (their vermagic; INSTALL_KREL,
# if set, must equal it).  depmod searches updates/ before the kernel's own
# directory, so these win over the stock modules, which stay in place.  A
# manifest there (.installed) lists every file and directory install
# created; a second install first removes the first.  With SIGN_KEY and
# SIGN_CERT the copies are signed with the kernel's scripts/sign-file (for
# Secure Boot: Documentation/install.md).
#
# uninstall: remove what the manifests list, for INSTALL_KREL or every
# kernel.  Both run depmod for the kernel, except with DESTDIR (an image
# being staged: depmod runs on the target).
. "$(dirname "$0")/lib.sh"

ACTION=${1:-}
DESTDIR=${DESTDIR:-}
MODDIR=${MODDIR:-$BUILD_DIR/out/arch/x86/kvm}
MODULES="kvm kvm-amd kvm-intel"
SUBDIR=updates/kvm-coco-reset
MANIFEST=.installed
TARGET=

# The kernel release the modules are for: their vermagic's first word.
target_krel() {
	local m rel
	for m in $MODULES; do
		[ -f "$MODDIR/$m.ko" ] || die "no $m.ko in $MODDIR: run make modules first"
	done
	rel=$(modinfo -F vermagic "$MODDIR/kvm.ko" | cut -d' ' -f1)
	[ -n "$rel" ] || die "$MODDIR/kvm.ko has no vermagic"
	[ -z "${INSTALL_KREL:-}" ] || [ "$INSTALL_KREL" = "$rel" ] ||
		die "INSTALL_KREL=$INSTALL_KREL, but $MODDIR's modules are built for $rel"
	echo "$rel"
}

run_depmod() {
	if [ -n "$DESTDIR" ]; then
		log "DESTDIR is set: not running depmod (run 'depmod $1' on the target)"
		return 0
	fi
	depmod "$1"
}

# remove_manifest DIR: remove what DIR/.installed lists, newest first.
remove_manifest() {
	local dir=$1 root=${DESTDIR:-/} path
	[ -f "$dir/$MANIFEST" ] || return 0
	tac "$dir/$MANIFEST" | while read -r path; do
		case $path in
		*/) rmdir "$root/$path" 2>/dev/null ||
			log "keeping $root/$path: it is not empty (files not of ours)" ;;
		*) rm -f "$root/$path" ;;
		esac
	done
}

# record PATH: note PATH (relative to DESTDIR) in the manifest being made.
record() { echo "$1" >>"$NEW_MANIFEST"; }

sign() {
	local ko=$1 sign_file hash
	sign_file=/lib/modules/$TARGET/build/scripts/sign-file
	[ -x "$sign_file" ] || die "no $sign_file to sign with (install linux-headers-$TARGET)"
	[ -z "$(modinfo -F signer "$ko")" ] ||
		die "$ko is signed already (by $(modinfo -F signer "$ko")): install unsigned modules"
	hash=$(sed -n 's/^CONFIG_MODULE_SIG_HASH="\(.*\)"$/\1/p' "/lib/modules/$TARGET/build/.config")
	"$sign_file" "${hash:-sha256}" "$SIGN_KEY" "$SIGN_CERT" "$ko"
	log "signed $(basename "$ko") with $SIGN_CERT"
}

install_modules() {
	local base dir d m rel=
	TARGET=$(target_krel)
	base=${DESTDIR%/}/lib/modules/$TARGET
	dir=$base/$SUBDIR
	[ -n "$DESTDIR" ] || [ -d "$base/kernel" ] ||
		die "kernel $TARGET is not installed here (no $base/kernel)"
	if [ -n "${SIGN_KEY:-}${SIGN_CERT:-}" ]; then
		[ -f "${SIGN_KEY:-}" ] && [ -f "${SIGN_CERT:-}" ] ||
			die "SIGN_KEY and SIGN_CERT must both name files"
	fi
	remove_manifest "$dir"
	NEW_MANIFEST=$(mktemp)
	# The directories this install creates, outermost first.
	for d in lib lib/modules "lib/modules/$TARGET" "lib/modules/$TARGET/updates" \
		"lib/modules/$TARGET/$SUBDIR"; do
		[ -d "${DESTDIR%/}/$d" ] && continue
		mkdir "${DESTDIR%/}/$d"
		record "$d/"
	done
	for m in $MODULES; do
		install -m 0644 "$MODDIR/$m.ko" "$dir/$m.ko"
		record "lib/modules/$TARGET/$SUBDIR/$m.ko"
		[ -z "${SIGN_KEY:-}" ] || sign "$dir/$m.ko"
		rel="$rel $m.ko"
	done
	record "lib/modules/$TARGET/$SUBDIR/$MANIFEST"
	mv "$NEW_MANIFEST" "$dir/$MANIFEST"
	chmod 0644 "$dir/$MANIFEST"
	log "installed$rel in $dir"
	run_depmod "$TARGET"
	[ -n "$DESTDIR" ] && return 0
	# depmod must resolve kvm to ours (a depmod.d search line could say otherwise).
	[ "$(modinfo -k "$TARGET" -n kvm)" = "$dir/kvm.ko" ] ||
		die "after depmod, kvm is $(modinfo -k "$TARGET" -n kvm), not $dir/kvm.ko (see /etc/depmod.d)"
	log "modprobe kvm loads $dir/kvm.ko"
}

uninstall_modules() {
	local dir krel found=0 pattern='*'
	[ -z "${INSTALL_KREL:-}" ] || pattern=$INSTALL_KREL
	# shellcheck disable=SC2231 # the release is a pattern unless given
	for dir in "${DESTDIR%/}"/lib/modules/$pattern/$SUBDIR; do
		[ -f "$dir/$MANIFEST" ] || continue
		krel=${dir%/"$SUBDIR"}
		krel=${krel##*/}
		remove_manifest "$dir"
		log "removed kvm-coco-reset's modules for $krel"
		found=1
		run_depmod "$krel"
	done
	[ $found = 1 ] || log "no kvm-coco-reset modules installed under ${DESTDIR%/}/lib/modules"
}

case $ACTION in
install) step install-modules install_modules ;;
uninstall) step uninstall-modules uninstall_modules ;;
*) die "usage: $0 install|uninstall" ;;
esac
