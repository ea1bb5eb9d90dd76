#!/bin/bash
# test-dkms.sh: the DKMS package and make install, as an operator uses them.
#
# In a Debian trixie root made with mmdebstrap, with dkms and Debian's
# 7.3.4 headers, modules and linux-source-7.3 installed (the pinned debs of
# deps/sources.lock; apt fetches the rest, linux-kbuild included, from
# trixie and trixie-backports), cached in $CACHE_DIR/dkms-root, keyed by
# its inputs and made again if its key or its pinned versions differ (in
# CI's fresh root the cache must be bound from the host, as ccache is), and
# used through an overlay so every run starts clean:
#  - kernels the series is not for are refused, each with its reason: a
#    6.12 kernel (BUILD_EXCLUSIVE_KERNEL), a 7.3 kernel whose source is
#    another version, no source, a tarball that lacks a file the series
#    changes, a corrupt tarball (tar's error, not a later symptom), a
#    source the series does not apply to;
#  - dkms add of the tarball, dkms build and install for $KREL; depmod
#    resolves kvm, kvm_amd and kvm_intel to DKMS's copies; kvm.ko is ours
#    (the kvm_reset_vm tracepoint, which the stock one lacks), has the
#    stock vermagic, is signed with DKMS's MOK key and exports what make
#    modules' kvm.ko does; with the stock kvm.ko moved aside by DKMS, the
#    build's vermagic check finds it in original_module and refuses a
#    kvm.ko of another vermagic;
#  - the test host boots Debian's kernel with DKMS's kvm.ko and kvm-amd.ko
#    and runs testhost/dkms.list;
#  - dkms remove --all puts the stock modules back (dpkg --verify) and
#    leaves nothing of ours under /lib/modules and /var/lib/dkms;
#  - scripts/install-modules.sh (make install) in the root: depmod resolves
#    kvm to its copy; a failed second install (sign-file failing for the
#    first or the second module, a module missing) leaves the first and its
#    manifest as they were, a failed first install nothing, and no
#    temporary file stays; so do a rename failing in the swap (a mv shim)
#    and TERM in the swap, again during the rollback, and in a first
#    install; a manifest line outside the install's paths, DKMS's kvm.ko
#    for the kernel and a concurrent install are refused; stale staging
#    and backup directories go; an uninstall failing halfway keeps the
#    manifest; uninstall restores the stock one; under sudo,
#    with root's cache empty, it installs the sudo user's modules, and with
#    none names both caches;
#  - make install / make uninstall with DESTDIR leave no file behind (a
#    relative DESTDIR is refused, by make and by the script).
# Also scripts/test-mounts.sh, the cleanup both roots share.
# Logs: $LOGDIR/dkms (dkms output, make.log of each build, the test host's).
# KCR_DKMS_NO_BOOT=1 skips the test-host boot (said so in the output).
. "$(dirname "$0")/lib.sh"

LOGDIR=${LOGDIR:-$BUILD_DIR/logs}/dkms
# The root and its key, in one directory (for a CI cache to keep).
ROOT_CACHE=$CACHE_DIR/dkms-root/root
ROOT_KEY=$CACHE_DIR/dkms-root/key
DEB_DIR=$CACHE_DIR/debs
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
MAKE_OUT=$BUILD_DIR/out/arch/x86/kvm
DKMS_MODS=$BUILD_DIR/dkms-modules
# The DKMS builds' ccache (shared with make modules': CI keeps it).
DKMS_CCACHE_DIR=${DKMS_CCACHE_DIR:-$CACHE_DIR/ccache}
# The pinned debs installed into the root, and what apt adds to them.
PINNED="linux-headers-$KREL linux-headers-${KREL%-amd64}-common linux-base-$KREL linux-modules-$KREL linux-source-7.3"
PACKAGES="dkms ccache openssl xz-utils"
# Kernels to refuse: another Linux (BUILD_EXCLUSIVE_KERNEL) and a 7.3 whose
# source (7.3.4) is not its version.
OTHER_KREL=6.12.99+kcr-fake-amd64
FAKE_KREL=7.3.99+kcr-fake-amd64

WORK='' M='' VER=''

fail() { die "FAILED: $*"; }

# has PATTERN: stdin has a line matching PATTERN (it reads all of stdin, so
# that no writer dies of SIGPIPE under pipefail, as with grep -q).
has() { grep -e "$1" >/dev/null; }

# in_root CMD...: run CMD in the root, with ccache on for kernel builds
# (Debian's headers honour DEBIAN_KERNEL_USE_CCACHE) in $DKMS_CCACHE_DIR.
in_root() {
	# shellcheck disable=SC2086 # IN_ROOT_WRAP: a command and its options
	${IN_ROOT_WRAP:-} chroot "$M" /usr/bin/env -i HOME=/root LANG=C.UTF-8 \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		DEBIAN_KERNEL_USE_CCACHE=1 CCACHE_DIR=/ccache CCACHE_BASEDIR=/var/lib/dkms \
		CCACHE_NOHASHDIR=1 ${KCR_LINUX_SOURCE:+KCR_LINUX_SOURCE=$KCR_LINUX_SOURCE} "$@"
}

# dkms_log NAME CMD...: run CMD in the root, its output in $LOGDIR/NAME.log;
# returns CMD's status.
dkms_log() {
	local name=$1 rc=0
	shift
	in_root "$@" >"$LOGDIR/$name.log" 2>&1 || rc=$?
	log "$name: exit $rc ($*)"
	return $rc
}

source_pkg() {
	mkdir -p "$LOGDIR"
	DKMS_OUT=$BUILD_DIR/dkms "$KCR_ROOT/scripts/dkms-source.sh"
	VER=$(cat "$BUILD_DIR/dkms/VERSION")
}

root_key() {
	local p
	{
		echo "trixie $PACKAGES $PINNED"
		for p in $PINNED; do grep "^$p " "$KCR_ROOT/deps/sources.lock"; done
		declare -f make_root
	} | sha256sum | cut -c1-16
}

# pinned_version NAME: NAME's version in deps/sources.lock, the one source
# of the pinned versions (fetch.sh downloads it as NAME_VERSION.deb).
pinned_version() {
	local v
	v=$(awk -v p="$1" '$1 == p { print $2 }' "$KCR_ROOT/deps/sources.lock")
	[ -n "$v" ] || die "$1 is not pinned in deps/sources.lock"
	echo "$v"
}

make_root() {
	local p deb debs=()
	# Exactly the pinned version's deb: the cache may hold an older one.
	for p in $PINNED; do
		deb=$DEB_DIR/${p}_$(pinned_version "$p").deb
		[ -f "$deb" ] || die "no $deb: run make fetch"
		debs+=("$deb")
	done
	need_host_tool mmdebstrap mmdebstrap
	rm -rf "$ROOT_CACHE" "$ROOT_CACHE.tmp"
	# shellcheck disable=SC2016 # $1 is mmdebstrap's, the root
	mmdebstrap --quiet --variant=minbase --aptopt='APT::Install-Recommends "false"' \
		--include="${PACKAGES// /,}" \
		--customize-hook='mkdir -p "$1/tmp/debs"' \
		--customize-hook="cp ${debs[*]} \"\$1/tmp/debs/\"" \
		--customize-hook='chroot "$1" sh -c "DEBIAN_FRONTEND=noninteractive apt-get -q install -y /tmp/debs/*.deb" >"$1/tmp/pinned.log"' \
		--customize-hook='rm -rf "$1/tmp/debs"' \
		trixie "$ROOT_CACHE.tmp" "deb $MIRROR trixie main" "deb $MIRROR trixie-backports main" \
		>"$LOGDIR/mmdebstrap.log" 2>&1 ||
		{ tail -n 30 "$LOGDIR/mmdebstrap.log" >&2; die "mmdebstrap failed ($LOGDIR/mmdebstrap.log)"; }
	mv "$ROOT_CACHE.tmp" "$ROOT_CACHE"
}

# root_stale KEY: why the cached root cannot be used (nothing if it can):
# its key is not KEY, or its dpkg database does not have the pinned
# versions and the packages installed (a root changed or half made).
root_stale() {
	local p want have
	[ -d "$ROOT_CACHE" ] || { echo "no $ROOT_CACHE"; return 0; }
	[ "$(cat "$ROOT_KEY" 2>/dev/null)" = "$1" ] || { echo "its key is not $1"; return 0; }
	for p in $PINNED $PACKAGES; do
		have=$(dpkg-query --admindir="$ROOT_CACHE/var/lib/dpkg" -W -f '${db:Status-Abbrev}${Version}' "$p" \
			2>/dev/null || true)
		case " $PINNED " in
		*" $p "*) want="ii $(pinned_version "$p")" ;;
		*) if [ "${have#ii }" != "$have" ]; then want=$have; else want="ii (installed)"; fi ;;
		esac
		[ "$have" = "$want" ] || { echo "$p is '${have:-not installed}', not '$want'"; return 0; }
	done
}

# In CI's fresh root (scripts/fresh-root.sh binds $CACHE_DIR/ccache from
# the host), the root's cache must be bound as well, or every run makes it
# again (74 s).
check_root_kept() {
	mountpoint -q "$CACHE_DIR/ccache" || return 0
	mountpoint -q "$CACHE_DIR/dkms-root" ||
		fail "$CACHE_DIR/ccache is bound from outside (fresh-root.sh) but $CACHE_DIR/dkms-root is not:" \
			"the root would be made again on every run"
	log "root: $CACHE_DIR/dkms-root is bound from outside, as ccache"
}

root() {
	local key why
	check_root_kept
	key=$(root_key)
	why=$(root_stale "$key")
	if [ -z "$why" ]; then
		log "root: cached $ROOT_CACHE ($key)"
		return 0
	fi
	log "root: making it ($why)"
	rm -f "$ROOT_KEY"
	mkdir -p "$(dirname "$ROOT_CACHE")"
	make_root
	echo "$key" >"$ROOT_KEY"
	log "root $ROOT_CACHE: $(du -sh "$ROOT_CACHE" | cut -f1), key $key"
}

# The cached root stays as it is: the test writes to an overlay (or, where
# overlayfs is not available, to a copy).
enter() {
	WORK=$(mktemp -d /var/tmp/kcr-dkms.XXXXXX)
	M=$WORK/root
	mkdir -p "$WORK/upper" "$WORK/work" "$M"
	if mount -t overlay overlay -o "lowerdir=$ROOT_CACHE,upperdir=$WORK/upper,workdir=$WORK/work" "$M" 2>/dev/null; then
		mounted "$M"
	else
		log "no overlayfs here: copying the root"
		cp -a "$ROOT_CACHE/." "$M/"
	fi
	bind "$M" /proc /proc
	bind "$M" /dev /dev
	bind "$M" "$DKMS_CCACHE_DIR" /ccache
	cp /etc/resolv.conf "$M/etc/" 2>/dev/null || true
	cp "$BUILD_DIR/dkms/kvm-coco-reset-$VER.tar.gz" "$M/var/tmp/"
	# The root's own tools for the make install check.
	mkdir -p "$M/opt/kcr/scripts"
	cp "$KCR_ROOT/scripts/lib.sh" "$KCR_ROOT/scripts/install-modules.sh" "$M/opt/kcr/scripts/"
}

# In the copy mode (no overlay) a bind that stayed mounted would let rm
# empty the shared ccache through $M/ccache: remove_tree refuses.
cleanup() {
	unmount_all
	[ -z "$WORK" ] || remove_tree "$WORK" || log "left $WORK: unmount what is listed, then remove it"
}
trap 'rc=$?; [ $rc -ne 0 ] && [ -n "$KCR_STEP" ] && log "step $KCR_STEP: FAILED ($rc)"; cleanup; exit $rc' EXIT

stock_dir() { echo "/lib/modules/$KREL/kernel/arch/x86/kvm"; }

# expect_path MODULE PATH: depmod (through modinfo -n) resolves MODULE to PATH.
expect_path() {
	local got
	got=$(in_root modinfo -k "$KREL" -n "$1" 2>&1) || true
	[ "$got" = "$2" ] || fail "modinfo -n $1 is '$got', expected $2"
	log "$1 -> $got"
}

add() {
	# As an operator would: the tarball, which dkms unpacks into /usr/src.
	dkms_log dkms-add dkms add "/var/tmp/kvm-coco-reset-$VER.tar.gz" ||
		fail "dkms add (see $LOGDIR/dkms-add.log)"
	in_root dkms status kvm-coco-reset | has "kvm-coco-reset/$VER: added" ||
		fail "dkms status does not show kvm-coco-reset/$VER added"
}

# refused NAME KREL WANT: dkms build for KREL must fail and say WANT, in
# its output or in the build's make.log (where the build script writes).
refused() {
	local name=$1 krel=$2 want=$3 rc=0 makelog
	dkms_log "$name" dkms build -m kvm-coco-reset -v "$VER" -k "$krel" || rc=$?
	[ $rc -ne 0 ] || fail "$name: dkms built for $krel"
	# A failed build leaves its log in build/, DKMS says so.
	makelog=$M/var/lib/dkms/kvm-coco-reset/$VER/build/make.log
	: >"$LOGDIR/$name.make.log"
	[ ! -f "$makelog" ] || cp "$makelog" "$LOGDIR/$name.make.log"
	if grep -q -- "$want" "$LOGDIR/$name.log" "$LOGDIR/$name.make.log"; then
		log "$name: refused: $(grep -h -- "$want" "$LOGDIR/$name.log" "$LOGDIR/$name.make.log" | head -n1)"
	else
		cat "$LOGDIR/$name.make.log" >&2
		cat "$LOGDIR/$name.log" >&2
		fail "$name: the refusal does not say '$want'"
	fi
	in_root find /lib/modules -path '*/updates/*' | grep . >&2 &&
		fail "$name: a refused build installed modules"
	return 0
}

# series_files: the files outside arch/x86/kvm and virt/kvm that the
# series changes (and the DKMS build unpacks).
series_files() {
	local p dir=$KCR_ROOT/kernel/kvm-coco-reset/patches
	for p in $(grep -v -e '^#' -e '^$' "$dir/series"); do
		sed -n 's|^--- a/||p' "$dir/$p"
	done | grep -v -e '^arch/x86/kvm/' -e '^virt/kvm/' | sort -u
}

refusals() {
	local hdr=/usr/src/linux-headers-$KREL fake bad=/var/tmp/kcr-bad-source lacking members SRC_VER
	# The source's upstream version, from its pinned deb (7.3.4-1~bpo13+1:
	# 7.3.4), must be the kernel's (lib.sh's KREL), which the build checks.
	SRC_VER=$(pinned_version linux-source-7.3)
	SRC_VER=${SRC_VER%%-*}
	[ "$SRC_VER" = "${KREL%%[!0-9.]*}" ] ||
		fail "deps/sources.lock pins linux-source-7.3 $SRC_VER, lib.sh's KREL is $KREL"
	# Another Linux: dkms itself refuses (BUILD_EXCLUSIVE_KERNEL), exit 77.
	in_root mkdir -p "/lib/modules/$OTHER_KREL"
	in_root ln -s "$hdr" "/lib/modules/$OTHER_KREL/build"
	refused refuse-other-linux "$OTHER_KREL" "BUILD_EXCLUSIVE directive"
	# A 7.3 kernel, but the source is 7.3.4: headers that say 7.3.99.
	fake=/usr/src/linux-headers-$FAKE_KREL
	in_root cp -a "$hdr" "$fake"
	in_root sed -i "s/$KREL/$FAKE_KREL/" "$fake/include/generated/utsrelease.h"
	in_root mkdir -p "/lib/modules/$FAKE_KREL"
	in_root ln -s "$fake" "/lib/modules/$FAKE_KREL/build"
	refused refuse-other-source "$FAKE_KREL" \
		"refusing kernel $FAKE_KREL: the source /usr/src/linux-source-7.3.tar.xz is Linux $SRC_VER, the kernel Linux 7.3.99"
	# No source at all.
	in_root mv /usr/src/linux-source-7.3.tar.xz /var/tmp/
	refused refuse-no-source "$KREL" \
		"refusing kernel $KREL: no Linux 7.3 source: install Debian's linux-source-7.3 of version $SRC_VER"
	in_root mv /var/tmp/linux-source-7.3.tar.xz /usr/src/
	# What the build reads of 7.3.4, as a tree.
	members=$(series_files | sed 's|^|linux-source-7.3/|' | tr '\n' ' ')
	in_root sh -c "mkdir -p $bad && tar -C $bad --strip-components=1 -xf /usr/src/linux-source-7.3.tar.xz \
		linux-source-7.3/Makefile linux-source-7.3/arch/x86/kvm linux-source-7.3/virt/kvm $members"
	# A tarball that lacks a file the series changes: refused, naming it.
	lacking=$(series_files | tail -n1)
	in_root sh -c "mkdir -p $bad.lacking && cp -a $bad $bad.lacking/linux-source-7.3 &&
		rm $bad.lacking/linux-source-7.3/$lacking && tar -C $bad.lacking -czf $bad.tar.gz linux-source-7.3"
	KCR_LINUX_SOURCE=$bad.tar.gz refused refuse-lacking "$KREL" \
		"refusing kernel $KREL: the source $bad.tar.gz has no $lacking, which the build reads"
	# A corrupt tarball: tar's error ends the build, not a later symptom.
	in_root sh -c "cp /usr/src/linux-source-7.3.tar.xz $bad.tar.xz &&
		dd if=/dev/urandom of=$bad.tar.xz bs=1M count=1 conv=notrunc status=none \
			seek=\$((\$(stat -c %s $bad.tar.xz) / 2097152))"
	KCR_LINUX_SOURCE=$bad.tar.xz refused refuse-corrupt "$KREL" "could not unpack $bad.tar.xz (corrupt or truncated?)"
	# The right version, but a source the series does not apply to: 7.3.4
	# with guest_memfd.c (patch 0001's) emptied, as KCR_LINUX_SOURCE.
	in_root sh -c ": >$bad/virt/kvm/guest_memfd.c"
	KCR_LINUX_SOURCE=$bad refused refuse-series "$KREL" \
		"refusing kernel $KREL: 0001-KVM-guest_memfd-Add-kvm_gmem_discard_private-to-free.patch does not apply"
	in_root rm -rf "$bad" "$bad.lacking" "$bad.tar.gz" "$bad.tar.xz" "$fake" "/lib/modules/$FAKE_KREL" \
		"/lib/modules/$OTHER_KREL"
	# A refused build leaves no built state behind for the real kernel.
	in_root dkms status kvm-coco-reset | has "kvm-coco-reset/$VER: added" ||
		fail "after the refusals, dkms status is not 'added': $(in_root dkms status kvm-coco-reset)"
}

build() {
	local rc=0 makelog
	dkms_log dkms-build dkms build -m kvm-coco-reset -v "$VER" -k "$KREL" || rc=$?
	makelog=$M/var/lib/dkms/kvm-coco-reset/$VER/$KREL/x86_64/log/make.log
	cp "$makelog" "$LOGDIR/dkms-build.make.log" 2>/dev/null || true
	if [ $rc -ne 0 ]; then
		tail -n 40 "$LOGDIR/dkms-build.log" "$LOGDIR/dkms-build.make.log" >&2 || true
		fail "dkms build for $KREL"
	fi
	grep 'step dkms-.*: done' "$LOGDIR/dkms-build.make.log" >&2 || true
}

install() {
	local m
	dkms_log dkms-install dkms install -m kvm-coco-reset -v "$VER" -k "$KREL" ||
		{ cat "$LOGDIR/dkms-install.log" >&2; fail "dkms install for $KREL"; }
	in_root dkms status kvm-coco-reset | has "kvm-coco-reset/$VER, $KREL, x86_64: installed" ||
		fail "dkms status does not show kvm-coco-reset installed for $KREL"
	for m in kvm kvm_amd kvm_intel; do
		expect_path "$m" "/lib/modules/$KREL/updates/dkms/${m//_/-}.ko.xz"
	done
	in_root modprobe -S "$KREL" --show-depends kvm_amd >"$LOGDIR/show-depends.txt"
	grep -q "^insmod /lib/modules/$KREL/updates/dkms/kvm.ko.xz" "$LOGDIR/show-depends.txt" &&
		grep -q "^insmod /lib/modules/$KREL/updates/dkms/kvm-amd.ko.xz" "$LOGDIR/show-depends.txt" ||
		{ cat "$LOGDIR/show-depends.txt" >&2; fail "modprobe kvm_amd would not load DKMS's kvm and kvm-amd"; }
}

# exports KO: the symbols KO exports, one a line.
exports() { nm "$1" | awk '$3 ~ /^__ksymtab_/ { print substr($3, 11) }' | sort; }

# The installed modules, decompressed into $DKMS_MODS for the checks and the
# test host; the stock ones DKMS set aside, for comparison.
ours() {
	local m stock=$M/var/lib/dkms/kvm-coco-reset/original_module/$KREL/x86_64 d ours_vm stock_vm
	rm -rf "$DKMS_MODS"
	mkdir -p "$DKMS_MODS/stock"
	for m in kvm kvm-amd kvm-intel; do
		xz -dc "$M/lib/modules/$KREL/updates/dkms/$m.ko.xz" >"$DKMS_MODS/$m.ko"
		[ -f "$stock/$m.ko.xz" ] || fail "DKMS did not set the stock $m.ko.xz aside in $stock"
		xz -dc "$stock/$m.ko.xz" >"$DKMS_MODS/stock/$m.ko"
	done
	nm "$DKMS_MODS/kvm.ko" | has ' __event_kvm_reset_vm$' ||
		fail "DKMS's kvm.ko has no kvm_reset_vm tracepoint: not built from the series"
	nm "$DKMS_MODS/stock/kvm.ko" | has ' __event_kvm_reset_vm$' &&
		fail "the stock kvm.ko has the kvm_reset_vm tracepoint: the check above proves nothing"
	for m in kvm kvm-amd kvm-intel; do
		ours_vm=$(modinfo -F vermagic "$DKMS_MODS/$m.ko")
		stock_vm=$(modinfo -F vermagic "$DKMS_MODS/stock/$m.ko")
		[ "$ours_vm" = "$stock_vm" ] || fail "$m.ko: vermagic '$ours_vm', stock '$stock_vm'"
		[ -n "$(modinfo -F signer "$DKMS_MODS/$m.ko")" ] ||
			fail "$m.ko is not signed (DKMS signs with /var/lib/dkms/mok.key)"
		# Built by make modules from the same patched source, with
		# another compiler: the same exported interface.
		d=$(diff <(exports "$MAKE_OUT/$m.ko") <(exports "$DKMS_MODS/$m.ko")) ||
			{ echo "$d" >&2; fail "$m.ko exports differ from make modules' (< make modules, > DKMS)"; }
	done
	[ -f "$M/var/lib/dkms/mok.pub" ] || fail "no /var/lib/dkms/mok.pub"
	log "ours: kvm_reset_vm tracepoint; vermagic '$ours_vm'; signer '$(modinfo -F signer "$DKMS_MODS/kvm.ko")';" \
		"$(exports "$DKMS_MODS/kvm.ko" | wc -l) exports of kvm.ko as make modules'"
}

# With kvm-coco-reset installed, DKMS has moved the stock kvm.ko into
# original_module: the build's vermagic check (what a rebuild or an upgrade
# runs) must find it there, and refuse a kvm.ko of another vermagic.
vermagic_aside() {
	local pkg=/var/tmp/kcr-vermagic fake=/usr/src/linux-headers-$FAKE_KREL ko aside=/var/lib/dkms/kvm-coco-reset/original_module/$KREL/x86_64/kvm.ko.xz
	[ ! -e "$M$(stock_dir)/kvm.ko.xz" ] || fail "the stock kvm.ko is in place: this check proves nothing"
	in_root sh -c "cp -a /usr/src/kvm-coco-reset-$VER $pkg && mkdir -p $pkg/out/arch/x86/kvm"
	ko=$M$pkg/out/arch/x86/kvm/kvm.ko
	cp "$DKMS_MODS/kvm.ko" "$ko"
	in_root "$pkg/scripts/dkms-build.sh" "$KREL" "/lib/modules/$KREL/build" vermagic \
		>"$LOGDIR/vermagic-aside.log" 2>&1 || { cat "$LOGDIR/vermagic-aside.log" >&2
		fail "the vermagic check with the stock kvm.ko moved aside"; }
	has "the same as $aside's" <"$LOGDIR/vermagic-aside.log" ||
		{ cat "$LOGDIR/vermagic-aside.log" >&2; fail "the vermagic check did not compare with $aside"; }
	# The same kvm.ko, its vermagic's release changed (amd64 -> amd65).
	LC_ALL=C sed "s/vermagic=$KREL /vermagic=${KREL%?}5 /" "$DKMS_MODS/kvm.ko" >"$ko"
	[ "$(modinfo -F vermagic "$ko" | cut -d' ' -f1)" = "${KREL%?}5" ] || fail "could not change kvm.ko's vermagic"
	if in_root "$pkg/scripts/dkms-build.sh" "$KREL" "/lib/modules/$KREL/build" vermagic \
		>>"$LOGDIR/vermagic-aside.log" 2>&1; then
		fail "the vermagic check took a kvm.ko of ${KREL%?}5 with the stock one moved aside"
	fi
	has "vermagic '${KREL%?}5 .*' differs from $aside's" <"$LOGDIR/vermagic-aside.log" ||
		{ cat "$LOGDIR/vermagic-aside.log" >&2; fail "the vermagic check did not say why it refused"; }
	# A kernel whose headers are installed but not its modules (apt's order
	# in an upgrade): no /lib/modules/KREL/kernel, a warning, no refusal.
	cp "$DKMS_MODS/kvm.ko" "$ko"
	in_root sh -c "cp -a /usr/src/linux-headers-$KREL $fake &&
		sed -i s/$KREL/$FAKE_KREL/ $fake/include/generated/utsrelease.h &&
		mkdir -p /lib/modules/$FAKE_KREL && ln -s $fake /lib/modules/$FAKE_KREL/build"
	in_root "$pkg/scripts/dkms-build.sh" "$FAKE_KREL" "/lib/modules/$FAKE_KREL/build" vermagic \
		>>"$LOGDIR/vermagic-aside.log" 2>&1 || { cat "$LOGDIR/vermagic-aside.log" >&2
		fail "the vermagic check refused $FAKE_KREL, which has headers and no /lib/modules/$FAKE_KREL/kernel"; }
	has "warning: /lib/modules/$FAKE_KREL/kernel does not exist" <"$LOGDIR/vermagic-aside.log" ||
		{ cat "$LOGDIR/vermagic-aside.log" >&2; fail "the vermagic check did not warn of the missing kernel tree"; }
	in_root rm -rf "$pkg" "$fake" "/lib/modules/$FAKE_KREL"
	log "vermagic: checked against $aside, another refused, a kernel without its tree warned of"
}

testhost() {
	if [ "${KCR_DKMS_NO_BOOT:-0}" = 1 ]; then
		log "SKIPPED: the test-host boot with DKMS's modules (KCR_DKMS_NO_BOOT=1)"
		return 0
	fi
	"$KCR_ROOT/testhost/assemble.sh" "$BUILD_DIR/tests-dkms" "$KCR_ROOT/testhost/dkms.list"
	MODDIR=$DKMS_MODS "$KCR_ROOT/testhost/run.sh" "$BUILD_DIR/tests-dkms" "$LOGDIR/testhost" ||
		fail "the test host with DKMS's modules (logs: $LOGDIR/testhost)"
}

remove() {
	local m left
	dkms_log dkms-remove dkms remove "kvm-coco-reset/$VER" --all ||
		{ cat "$LOGDIR/dkms-remove.log" >&2; fail "dkms remove"; }
	for m in kvm kvm_amd kvm_intel; do
		expect_path "$m" "$(stock_dir)/${m//_/-}.ko.xz"
	done
	left=$(in_root find "/lib/modules/$KREL" -path "*/updates*")
	left+=$(in_root find /var/lib/dkms -name 'kvm-coco-reset*')
	[ -z "$left" ] || fail "left behind by dkms remove: $left"
	in_root dpkg --verify "linux-modules-$KREL" >"$LOGDIR/dpkg-verify.txt" 2>&1 ||
		{ cat "$LOGDIR/dpkg-verify.txt" >&2; fail "dpkg --verify linux-modules-$KREL"; }
	[ ! -s "$LOGDIR/dpkg-verify.txt" ] ||
		{ cat "$LOGDIR/dpkg-verify.txt" >&2; fail "the stock modules differ from the package's"; }
	log "stock modules back: dpkg --verify linux-modules-$KREL clean"
}

# updates_state: the root's /lib/modules/KREL/updates (names, modes,
# contents) and its /tmp, to compare before and after a failed install.
updates_state() {
	in_root sh -c "cd /lib/modules/$KREL && if [ -e updates ]; then
		find updates -printf '%p %y %m %s\n' | sort; find updates -type f -exec sha256sum {} + | sort; fi
		ls -A /tmp"
}

# unchanged NAME BEFORE WHAT: /lib/modules/KREL/updates (and /tmp) as
# updates_state saw them before WHAT, or fail with the difference.
unchanged() {
	local after
	after=$(updates_state)
	[ "$2" = "$after" ] && return 0
	diff <(echo "$2") <(echo "$after") >&2 || true
	cat "$LOGDIR/$1.log" >&2
	fail "$1: $3 changed /lib/modules/$KREL/updates or /tmp (< before, > after)"
}

# root_install ENV...: install-modules.sh install in the root, with ENV.
root_install() {
	in_root sh -c 'cd / && exec env "$@" /opt/kcr/scripts/install-modules.sh install' sh \
		CACHE_DIR=/var/tmp/kcr-cache "$@"
}

# install_fails NAME ENV...: install with ENV must fail and change nothing:
# the previous install and its manifest stay as they were, or with none
# nothing appears, and no temporary file is left.
install_fails() {
	local name=$1 before
	shift
	before=$(updates_state)
	if root_install "$@" >"$LOGDIR/$name.log" 2>&1; then
		cat "$LOGDIR/$name.log" >&2
		fail "$name: install-modules.sh install did not fail"
	fi
	unchanged "$name" "$before" "the failed install"
	log "$name: refused or rolled back, nothing changed: $(grep -m1 -e 'error' -e 'failed' "$LOGDIR/$name.log")"
}

# The kernel's sign-file in the root, made to fail for the second module it
# signs (sign_fails on), or put back (off).
sign_fails() {
	local sf=/usr/src/linux-headers-$KREL/scripts/sign-file
	if [ "$1" = on ]; then
		printf '%s\n' '#!/bin/sh' '# test-dkms: fail for the second module.' \
			'n=$(($(cat /var/tmp/kcr-sign-count 2>/dev/null || echo 0) + 1))' \
			'echo $n >/var/tmp/kcr-sign-count' \
			'[ $n -ne 2 ] || { echo "sign-file: injected failure" >&2; exit 1; }' \
			'exec "$0.real" "$@"' >"$M/var/tmp/kcr-sign-file"
		in_root rm -f /var/tmp/kcr-sign-count
		in_root mv "$sf" "$sf.real"
		in_root install -m 0755 /var/tmp/kcr-sign-file "$sf"
	else
		in_root mv "$sf.real" "$sf"
	fi
}

# mv_shim: a mv for root_install's PATH (PATH=/var/tmp/kcr-shim:...): a
# rename whose arguments match KCR_MV_FAIL fails; at the first rename that
# matches KCR_MV_WAIT1 (then KCR_MV_WAIT2), it writes its caller's pid
# (install-modules.sh's) to /var/tmp/kcr-mv-wait.N and waits for
# /var/tmp/kcr-mv-go.N (10 s at most) before it renames: a signal sent
# meanwhile reaches the script in the middle of that rename.
SHIM_PATH=PATH=/var/tmp/kcr-shim:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
mv_shim() {
	mkdir -p "$M/var/tmp/kcr-shim"
	cat >"$M/var/tmp/kcr-shim/mv" <<'EOF'
#!/bin/sh
# test-dkms: mv failing on, or waiting at, the renames that match.
if [ -n "${KCR_MV_FAIL:-}" ]; then
	case "$*" in $KCR_MV_FAIL) echo "mv: injected failure: $*" >&2; exit 1 ;; esac
fi
for n in 1 2; do
	eval "pat=\${KCR_MV_WAIT$n:-}"
	[ -n "$pat" ] && [ ! -e /var/tmp/kcr-mv-wait.$n ] || continue
	case "$*" in $pat) ;; *) continue ;; esac
	echo $PPID >/var/tmp/kcr-mv-wait.$n.tmp
	cut -d' ' -f5 /proc/$PPID/stat >>/var/tmp/kcr-mv-wait.$n.tmp
	/bin/mv /var/tmp/kcr-mv-wait.$n.tmp /var/tmp/kcr-mv-wait.$n
	i=0
	while [ ! -e /var/tmp/kcr-mv-go.$n ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	break
done
exec /bin/mv "$@"
EOF
	chmod 0755 "$M/var/tmp/kcr-shim/mv"
	printf '%s\n' '#!/bin/sh' '# test-dkms: rm failing on the removals that match KCR_RM_FAIL.' \
		'if [ -n "${KCR_RM_FAIL:-}" ]; then' \
		'	case "$*" in $KCR_RM_FAIL) echo "rm: injected failure: $*" >&2; exit 1 ;; esac' \
		'fi' 'exec /bin/rm "$@"' >"$M/var/tmp/kcr-shim/rm"
	chmod 0755 "$M/var/tmp/kcr-shim/rm"
}

# uninstall_fails: an uninstall that fails on kvm-intel.ko keeps the
# manifest, which still lists it, and the next uninstall completes.
uninstall_fails() {
	local dir=$M/lib/modules/$KREL/updates/kvm-coco-reset
	in_root env CACHE_DIR=/var/tmp/kcr-cache "$SHIM_PATH" "KCR_RM_FAIL=*/kvm-coco-reset/kvm-intel.ko" \
		/opt/kcr/scripts/install-modules.sh uninstall >"$LOGDIR/uninstall-rm-fails.log" 2>&1 &&
		fail "uninstall with rm failing on kvm-intel.ko did not fail"
	[ -f "$dir/.installed" ] && [ -f "$dir/kvm-intel.ko" ] && grep -q '/kvm-intel.ko$' "$dir/.installed" ||
		{ cat "$LOGDIR/uninstall-rm-fails.log" >&2; ls -la "$dir" >&2 || true
		fail "a failed uninstall left kvm-intel.ko without a manifest listing it"; }
	log "uninstall failing on kvm-intel.ko: the manifest stays, listing it"
}

# install_signalled NAME N ENV...: install with ENV (KCR_MV_WAITn among
# them), sent TERM at each of the N waits of the mv shim, must exit 143
# and change nothing, as install_fails.  It runs in a session of its own:
# the second TERM goes to its whole process group, as a Ctrl-C does, so
# that it reaches the commands the rollback runs as well.
install_signalled() {
	local name=$1 count=$2 before pid n i rc=0
	shift 2
	before=$(updates_state)
	rm -f "$M"/var/tmp/kcr-mv-wait.* "$M"/var/tmp/kcr-mv-go.*
	IN_ROOT_WRAP="setsid -w" root_install "$SHIM_PATH" "$@" >"$LOGDIR/$name.log" 2>&1 &
	pid=$!
	for ((n = 1; n <= count; n++)); do
		for ((i = 0; i < 200; i++)); do
			[ -s "$M/var/tmp/kcr-mv-wait.$n" ] && break
			sleep 0.1
		done
		if [ ! -s "$M/var/tmp/kcr-mv-wait.$n" ]; then
			touch "$M/var/tmp/kcr-mv-go.1" "$M/var/tmp/kcr-mv-go.2"
			wait "$pid" || true
			cat "$LOGDIR/$name.log" >&2
			fail "$name: install never reached the rename to signal at (KCR_MV_WAIT$n)"
		fi
		if [ $n = 1 ]; then
			kill -TERM "$(sed -n 1p "$M/var/tmp/kcr-mv-wait.$n")"
		else
			kill -TERM -- "-$(sed -n 2p "$M/var/tmp/kcr-mv-wait.$n")"
		fi
		touch "$M/var/tmp/kcr-mv-go.$n"
	done
	wait "$pid" || rc=$?
	rm -f "$M"/var/tmp/kcr-mv-wait.* "$M"/var/tmp/kcr-mv-go.*
	[ $rc = 143 ] || { cat "$LOGDIR/$name.log" >&2; fail "$name: install exited $rc, not 143 (TERM)"; }
	unchanged "$name" "$before" "the install sent TERM"
	log "$name: TERM ($count) rolled back, nothing changed: $(grep -m1 'install failed' "$LOGDIR/$name.log")"
}

# manifest_refused: a manifest line outside the install's own paths (one
# that climbs out of DESTDIR) makes install and uninstall refuse, and
# nothing outside is removed.
manifest_refused() {
	local man=$M/lib/modules/$KREL/updates/kvm-coco-reset/.installed
	cp "$man" "$WORK/manifest.saved"
	echo kept >"$M/var/tmp/kcr-victim"
	echo "../../../../var/tmp/kcr-victim" >>"$man"
	install_fails install-bad-manifest MODDIR=/var/tmp/kcr-mods
	has "refusing .*\.installed.*\.\./\.\./\.\./\.\./var/tmp/kcr-victim" <"$LOGDIR/install-bad-manifest.log" ||
		{ cat "$LOGDIR/install-bad-manifest.log" >&2; fail "install with a bad manifest line: not refused so"; }
	[ -f "$M/var/tmp/kcr-victim" ] || fail "install removed a file outside lib/modules a manifest named"
	in_root env CACHE_DIR=/var/tmp/kcr-cache /opt/kcr/scripts/install-modules.sh uninstall \
		>"$LOGDIR/uninstall-bad-manifest.log" 2>&1 &&
		fail "uninstall took a manifest naming ../../../../var/tmp/kcr-victim"
	[ -f "$M/var/tmp/kcr-victim" ] || fail "uninstall removed a file outside lib/modules a manifest named"
	[ -f "$M/lib/modules/$KREL/updates/kvm-coco-reset/kvm.ko" ] || fail "a refused uninstall removed kvm.ko"
	cp "$WORK/manifest.saved" "$man"
	rm -f "$M/var/tmp/kcr-victim"
	log "a manifest naming ../../../../var/tmp/kcr-victim: install and uninstall refuse, nothing removed"
}

# stale_and_lock: staging and backup directories a killed install left
# (their backups' names end in .ko.old, which depmod does not index) are
# removed by the next install; an install while another holds the lock is
# refused.
stale_and_lock() {
	local u=$M/lib/modules/$KREL/updates
	mkdir -p "$u/.kvm-coco-reset.new.stale1" "$u/.kvm-coco-reset.old.stale2"
	cp "$u/kvm-coco-reset/kvm.ko" "$u/.kvm-coco-reset.new.stale1/kvm.ko.new"
	cp "$u/kvm-coco-reset/kvm.ko" "$u/.kvm-coco-reset.old.stale2/kvm.ko.old"
	root_install MODDIR=/var/tmp/kcr-mods SIGN_KEY=/var/tmp/MOK.priv SIGN_CERT=/var/tmp/MOK.der \
		>"$LOGDIR/install-stale.log" 2>&1 || { cat "$LOGDIR/install-stale.log" >&2; fail "install over stale directories"; }
	[ -z "$(find "$u" -maxdepth 1 -name '.kvm-coco-reset.*')" ] ||
		fail "install left the stale directories: $(find "$u" -maxdepth 1 -name '.kvm-coco-reset.*')"
	in_root flock / sh -c 'cd / && exec env "$@" /opt/kcr/scripts/install-modules.sh install' sh \
		CACHE_DIR=/var/tmp/kcr-cache MODDIR=/var/tmp/kcr-mods >"$LOGDIR/install-locked.log" 2>&1 &&
		fail "install ran while another held the lock"
	has "another install-modules.sh install or uninstall is running in /" <"$LOGDIR/install-locked.log" ||
		{ cat "$LOGDIR/install-locked.log" >&2; fail "install while locked: not refused so"; }
	log "stale staging and backup directories removed; a second install at once refused"
}

# make install's script in the root, on make modules' build, signed with a
# key of our own as for Secure Boot: its copies win, and uninstall restores
# the stock ones.  A failed install (the key sign-file rejects, sign-file
# failing for the second module, a module missing) leaves the previous one
# and its manifest as they were, and a failed first install nothing.
make_install_in_root() {
	local dir=/lib/modules/$KREL/updates/kvm-coco-reset m signer
	local key=(MODDIR=/var/tmp/kcr-mods SIGN_KEY=/var/tmp/MOK.priv SIGN_CERT=/var/tmp/MOK.der)
	mkdir -p "$M/var/tmp/kcr-mods" "$M/var/tmp/kcr-mods-2"
	cp "$MAKE_OUT"/kvm*.ko "$M/var/tmp/kcr-mods/"
	cp "$MAKE_OUT"/kvm.ko "$MAKE_OUT"/kvm-amd.ko "$M/var/tmp/kcr-mods-2/"
	echo "not a key" >"$M/var/tmp/bad.priv"
	in_root openssl req -new -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=kcr test-dkms key/" \
		-keyout /var/tmp/MOK.priv -outform DER -out /var/tmp/MOK.der >"$LOGDIR/install.log" 2>&1 ||
		{ cat "$LOGDIR/install.log" >&2; fail "openssl could not make a signing key"; }
	root_install "${key[@]}" >>"$LOGDIR/install.log" 2>&1 ||
		{ cat "$LOGDIR/install.log" >&2; fail "install-modules.sh install in the root"; }
	for m in kvm kvm_amd kvm_intel; do
		expect_path "$m" "$dir/${m//_/-}.ko"
	done
	for m in kvm kvm-amd kvm-intel; do
		signer=$(modinfo -F signer "$M$dir/$m.ko")
		[ "$signer" = "kcr test-dkms key" ] || fail "$m.ko installed with signer '$signer'"
	done
	# The build's own copies stay unsigned.
	[ -z "$(modinfo -F signer "$M/var/tmp/kcr-mods/kvm.ko")" ] || fail "make install signed its MODDIR's kvm.ko"
	stale_and_lock
	# Failures of a second install.
	install_fails install-bad-key MODDIR=/var/tmp/kcr-mods SIGN_KEY=/var/tmp/bad.priv SIGN_CERT=/var/tmp/MOK.der
	sign_fails on
	install_fails install-sign-fails "${key[@]}"
	sign_fails off
	install_fails install-missing-module MODDIR=/var/tmp/kcr-mods-2
	# Failures and signals in the swap itself, with the previous files aside.
	mv_shim
	install_fails install-mv-fails "${key[@]}" "$SHIM_PATH" \
		"KCR_MV_FAIL=-T */kvm-intel.ko.new */kvm-coco-reset/kvm-intel.ko"
	install_signalled install-term-aside 1 "${key[@]}" \
		"KCR_MV_WAIT1=-T */kvm-coco-reset/kvm-amd.ko */.kvm-coco-reset.old.*"
	install_signalled install-term-rollback 2 "${key[@]}" \
		"KCR_MV_WAIT1=-T */kvm-coco-reset/kvm-intel.ko */.kvm-coco-reset.old.*" \
		"KCR_MV_WAIT2=-T */.kvm-coco-reset.old.*/* *"
	manifest_refused
	# DKMS's copies installed for the kernel: make install refuses.
	mkdir -p "$M/lib/modules/$KREL/updates/dkms"
	cp "$M/lib/modules/$KREL/updates/kvm-coco-reset/kvm.ko" "$M/lib/modules/$KREL/updates/dkms/kvm.ko"
	install_fails install-over-dkms MODDIR=/var/tmp/kcr-mods
	has "DKMS has installed kvm-coco-reset for $KREL" <"$LOGDIR/install-over-dkms.log" ||
		{ cat "$LOGDIR/install-over-dkms.log" >&2; fail "install over DKMS's modules: not refused so"; }
	rm -rf "$M/lib/modules/$KREL/updates/dkms"
	# A relative DESTDIR is refused (it would be relative to the cwd, /).
	mkdir -p "$M/var/tmp/kcr-rel"
	install_fails install-relative-destdir MODDIR=/var/tmp/kcr-mods DESTDIR=var/tmp/kcr-rel
	in_root sh -c "cd / && DESTDIR=var/tmp/kcr-rel /opt/kcr/scripts/install-modules.sh uninstall" \
		>>"$LOGDIR/install-relative-destdir.log" 2>&1 && fail "uninstall took a relative DESTDIR"
	[ -z "$(ls -A "$M/var/tmp/kcr-rel")" ] || fail "install with a relative DESTDIR wrote into it"
	expect_path kvm "$dir/kvm.ko"
	uninstall_fails
	in_root env CACHE_DIR=/var/tmp/kcr-cache /opt/kcr/scripts/install-modules.sh uninstall \
		>>"$LOGDIR/install.log" 2>&1 ||
		{ cat "$LOGDIR/install.log" >&2; fail "install-modules.sh uninstall in the root"; }
	expect_path kvm "$(stock_dir)/kvm.ko.xz"
	[ ! -e "$M/lib/modules/$KREL/updates" ] ||
		fail "left behind by uninstall: $(find "$M/lib/modules/$KREL/updates")"
	# A failed first install.
	sign_fails on
	install_fails install-first-sign-fails "${key[@]}"
	sign_fails off
	install_signalled install-first-term 1 "${key[@]}" \
		"KCR_MV_WAIT1=-T */kvm.ko.new */kvm-coco-reset/kvm.ko"
	[ ! -e "$M/lib/modules/$KREL/updates" ] ||
		fail "left behind by a failed first install: $(find "$M/lib/modules/$KREL/updates")"
}

# sudo make install after make modules run as a user: root's cache has no
# modules, the sudo user's has, and those are installed (as make passes it:
# MODDIR the default, KCR_MODDIR_DEFAULT=1); with neither, the refusal names
# both paths and asks for MODDIR=.
make_install_sudo() {
	local home=/home/kcr-user out=.cache/kvm-coco-reset/build/out/arch/x86/kvm dest=/var/tmp/kcr-sudo
	local env=(HOME=/root SUDO_USER=kcr-user "DESTDIR=$dest" KCR_MODDIR_DEFAULT=1
		"MODDIR=/root/$out")
	echo "kcr-user:x:4242:4242::$home:/bin/sh" >>"$M/etc/passwd"
	mkdir -p "$M$home/$out" "$M$dest"
	cp "$MAKE_OUT"/kvm*.ko "$M$home/$out/"
	in_root env "${env[@]}" /opt/kcr/scripts/install-modules.sh install >"$LOGDIR/install-sudo.log" 2>&1 ||
		{ cat "$LOGDIR/install-sudo.log" >&2; fail "install under sudo with the modules in the user's cache"; }
	cmp "$MAKE_OUT/kvm.ko" "$M$dest/lib/modules/$KREL/updates/kvm-coco-reset/kvm.ko" ||
		fail "install under sudo did not install the user's kvm.ko"
	has "installing kcr-user's, from $home/$out" <"$LOGDIR/install-sudo.log" ||
		fail "install under sudo does not say it took the user's modules"
	in_root env DESTDIR=$dest /opt/kcr/scripts/install-modules.sh uninstall >>"$LOGDIR/install-sudo.log" 2>&1
	rm -rf "$M$home/.cache"
	if in_root env "${env[@]}" /opt/kcr/scripts/install-modules.sh install >>"$LOGDIR/install-sudo.log" 2>&1; then
		fail "install under sudo with no modules anywhere did not fail"
	fi
	has "no kvm.ko, kvm-amd.ko and kvm-intel.ko in /root/$out (root's cache) nor in $home/$out (kcr-user's.*MODDIR=" \
		<"$LOGDIR/install-sudo.log" || { cat "$LOGDIR/install-sudo.log" >&2
		fail "install under sudo with no modules: the refusal does not name both caches and MODDIR="; }
	# A SUDO_USER the passwd database does not know: said so.
	in_root env HOME=/root SUDO_USER=kcr-no-such-user "DESTDIR=$dest" KCR_MODDIR_DEFAULT=1 "MODDIR=/root/$out" \
		/opt/kcr/scripts/install-modules.sh install >"$LOGDIR/install-sudo-nohome.log" 2>&1 &&
		fail "install under sudo by an unknown user did not fail"
	has "and SUDO_USER=kcr-no-such-user has no home directory" <"$LOGDIR/install-sudo-nohome.log" ||
		{ cat "$LOGDIR/install-sudo-nohome.log" >&2; fail "install under sudo by an unknown user: not refused so"; }
	# make passes KCR_MODDIR_DEFAULT=1 only when nothing names the modules
	# (in an environment as sudo's, without the CACHE_DIR and BUILD_DIR that
	# make test-dkms exports), 0 when MODDIR or CACHE_DIR is given.
	env -u CACHE_DIR -u BUILD_DIR -u MODDIR make -s -n -C "$KCR_ROOT" install 2>/dev/null |
		has 'KCR_MODDIR_DEFAULT=1' || fail "make install does not pass KCR_MODDIR_DEFAULT=1 by default"
	env -u CACHE_DIR -u BUILD_DIR -u MODDIR make -s -n -C "$KCR_ROOT" install MODDIR=/x 2>/dev/null |
		has 'KCR_MODDIR_DEFAULT=0' || fail "make install MODDIR=/x does not pass KCR_MODDIR_DEFAULT=0"
	env -u BUILD_DIR -u MODDIR CACHE_DIR=/x make -s -n -C "$KCR_ROOT" install 2>/dev/null |
		has 'KCR_MODDIR_DEFAULT=0' || fail "make install with CACHE_DIR=/x does not pass KCR_MODDIR_DEFAULT=0"
	log "sudo make install: the user's modules taken, said so; with none, both caches named"
}

# make install / make uninstall, modules and helper, into a scratch DESTDIR.
make_install_destdir() {
	local dest=$WORK/destdir left f
	mkdir "$dest"
	# A relative DESTDIR is refused before anything is installed (it would
	# be the checkout's for the modules, user/helper's for the helper).
	if make -s -C "$KCR_ROOT" install DESTDIR=kcr-relative-destdir MODDIR="$DKMS_MODS" \
		>"$LOGDIR/destdir.log" 2>&1; then
		rm -rf "$KCR_ROOT/kcr-relative-destdir" "$KCR_ROOT/user/helper/kcr-relative-destdir"
		fail "make install took a relative DESTDIR"
	fi
	has "DESTDIR=kcr-relative-destdir is relative" <"$LOGDIR/destdir.log" ||
		{ cat "$LOGDIR/destdir.log" >&2; fail "make install DESTDIR=relative: not refused as relative"; }
	[ ! -e "$KCR_ROOT/kcr-relative-destdir" ] && [ ! -e "$KCR_ROOT/user/helper/kcr-relative-destdir" ] ||
		fail "make install with a relative DESTDIR made a directory in the checkout"
	make -s -C "$KCR_ROOT" install DESTDIR="$dest" MODDIR="$DKMS_MODS" >>"$LOGDIR/destdir.log" 2>&1 ||
		{ cat "$LOGDIR/destdir.log" >&2; fail "make install DESTDIR=$dest"; }
	for f in "lib/modules/$KREL/updates/kvm-coco-reset/kvm.ko" usr/local/bin/kvm-coco-reset; do
		[ -f "$dest/$f" ] || fail "make install did not install $f"
	done
	make -s -C "$KCR_ROOT" uninstall DESTDIR="$dest" >>"$LOGDIR/destdir.log" 2>&1 ||
		{ cat "$LOGDIR/destdir.log" >&2; fail "make uninstall DESTDIR=$dest"; }
	left=$(find "$dest" ! -type d)
	[ -z "$left" ] || fail "left behind by make uninstall: $left"
	[ ! -e "$dest/lib" ] || fail "left behind by make uninstall: $(find "$dest/lib")"
	# The helper's uninstall removes its files, not the directories
	# install -d made (user/helper/Makefile): empty ones are allowed.
	log "make install/uninstall DESTDIR: no file left; empty directories: $(find "$dest" -mindepth 1 -type d | wc -l)"
}

[ "$(id -u)" = 0 ] || die "test-dkms needs root (mmdebstrap, chroot, mounts)"
# The cleanup of the root below (and of fresh-root.sh's) keeps its caches.
step dkms-test-mounts "$KCR_ROOT/scripts/test-mounts.sh"
step dkms-source-package source_pkg
step dkms-root root
step dkms-enter enter
step dkms-add add
step dkms-refusals refusals
step dkms-build build
step dkms-install install
step dkms-ours ours
step dkms-vermagic-aside vermagic_aside
step dkms-testhost testhost
step dkms-remove remove
step dkms-make-install make_install_in_root
step dkms-make-install-sudo make_install_sudo
step dkms-make-install-destdir make_install_destdir
log "test-dkms: all checks passed (kvm-coco-reset $VER on $KREL)"
