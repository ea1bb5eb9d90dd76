#!/bin/bash
# dkms-build.sh KREL KDIR: the build command of the DKMS package (dkms.conf's
# MAKE[0]), run in a copy of the package (`make dkms-source`).  It builds the
# patched kvm.ko, kvm-amd.ko and kvm-intel.ko for kernel KREL, whose headers
# are KDIR (/lib/modules/KREL/build), into out/arch/x86/kvm:
#  1. refuses a kernel that is not Linux $SERIES_BASE (the series' base);
#  2. takes the kernel's source, of the same version, from Debian's
#     linux-source-$SERIES_BASE (/usr/src/linux-source-X.Y.tar.xz), or from
#     $KCR_LINUX_SOURCE (a tarball or an unpacked tree), refusing a source
#     of another version than the kernel's, and unpacks only what the build
#     reads: arch/x86/kvm, virt/kvm and the files the series changes (the
#     rest comes from the headers, which are the same source);
#  3. applies the series, refusing a source it does not apply to;
#  4. builds with the repository's Kbuild against KDIR, as make modules does;
#  5. checks that kvm.ko's vermagic is the stock kvm.ko's, found in the
#     kernel's tree or, while DKMS has it moved aside, in DKMS's
#     original_module, and refuses the kernel if there is none (it only
#     warns when /lib/modules/KREL/kernel does not exist yet).
# Every refusal names the kernel and says why, in DKMS's make.log.
. "$(dirname "$0")/lib.sh"

[ $# -eq 2 ] || { [ $# -eq 3 ] && [ "$3" = vermagic ]; } || die "usage: $0 KREL KDIR [vermagic]"
TARGET=$1 TARGET_KDIR=$2
PKG=$(cd "$(dirname "$0")/.." && pwd)
SRC=$PKG/src
# Makefile.kvm names virt/kvm's objects ../../../virt/kvm: the output
# directory needs the same depth as the source's (out/virt/kvm for them).
OUT=$PKG/out/arch/x86/kvm
# The series is against this Linux X.Y (lib.sh's KREL is the tested kernel).
SERIES_BASE=$(echo "$KREL" | cut -d. -f1,2)
SERIES_DIR=$PKG/patches
SOURCE='' TOP=''
# DKMS's tree (its dkms_tree; /var/lib/dkms unless framework.conf moves it).
DKMS_TREE=${KCR_DKMS_TREE:-/var/lib/dkms}

refuse() { die "refusing kernel $TARGET: $*"; }

series() { grep -v -e '^#' -e '^$' "$SERIES_DIR/series"; }

# The upstream version of the kernel, e.g. 7.3.4 of 7.3.4+deb13-amd64.
kernel_version() {
	local rel
	[ -f "$TARGET_KDIR/Makefile" ] ||
		refuse "no kernel headers in $TARGET_KDIR (install linux-headers-$TARGET)"
	rel=$(sed -n 's/^#define UTS_RELEASE "\(.*\)"$/\1/p' \
		"$TARGET_KDIR/include/generated/utsrelease.h" 2>/dev/null || true)
	[ "$rel" = "$TARGET" ] ||
		refuse "the headers in $TARGET_KDIR are for kernel '${rel:-unknown}'"
	echo "${TARGET%%[!0-9.]*}"
}

check_kernel() {
	KVER=$(kernel_version)
	case $KVER in
	"$SERIES_BASE" | "$SERIES_BASE".*) ;;
	*) refuse "it is Linux $KVER; the kvm-coco-reset series applies to Linux $SERIES_BASE only" ;;
	esac
	# make install's copies and DKMS's for one kernel break each other.
	[ ! -f "/lib/modules/$TARGET/updates/kvm-coco-reset/.installed" ] ||
		refuse "make install's modules are installed for it (/lib/modules/$TARGET/updates/kvm-coco-reset):" \
			"DKMS and make install for one kernel break each other; 'make uninstall INSTALL_KREL=$TARGET' first"
	log "kernel $TARGET: Linux $KVER, headers $TARGET_KDIR"
}

find_source() {
	local s
	if [ -n "${KCR_LINUX_SOURCE:-}" ]; then
		[ -e "$KCR_LINUX_SOURCE" ] || refuse "KCR_LINUX_SOURCE=$KCR_LINUX_SOURCE does not exist"
		SOURCE=$KCR_LINUX_SOURCE
	fi
	for s in "/usr/src/linux-source-$SERIES_BASE.tar.xz" "/usr/src/linux-source-$SERIES_BASE"; do
		if [ -z "$SOURCE" ] && [ -e "$s" ]; then SOURCE=$s; fi
	done
	[ -n "$SOURCE" ] || refuse "no Linux $SERIES_BASE source: install Debian's" \
		"linux-source-$SERIES_BASE of version $KVER, or set KCR_LINUX_SOURCE to" \
		"the kernel's source (tarball or tree)"
	log "source: $SOURCE"
}

# What the build reads from the source: KVM's two directories and every
# file the series changes (the top Makefile is read first, alone).  Not the
# files the series creates ("--- /dev/null"): they are not in the source,
# and neither is a file a patch changes after an earlier one created it.
# Nor the files inside the two directories: GNU tar reports a member named
# twice (as itself and under its directory) "Not found in archive".
KVM_DIRS="arch/x86/kvm virt/kvm"
wanted() {
	local p
	printf '%s\n' $KVM_DIRS
	for p in $(series); do
		cat "$SERIES_DIR/$p"
	done | awk -v dirs="$KVM_DIRS" '
		BEGIN { n = split(dirs, d, " ") }
		function inside(f,  i) {
			for (i = 1; i <= n; i++) if (index(f, d[i] "/") == 1) return 1
			return 0
		}
		/^--- / { old = $2; at = NR; next }
		/^\+\+\+ / && NR == at + 1 {
			f = substr(old, 3)
			if (old == "/dev/null") made[substr($2, 3)] = 1
			else if (substr(old, 1, 2) == "a/" && !(f in made) && !inside(f)) print f
		}' | sort -u
}

# missing PATH...: a refusal naming the PATHs the source lacks.
missing() {
	refuse "the source $SOURCE has no $*, which the build reads: not a Linux $SERIES_BASE" \
		"source the series applies to"
}

# extract PATH...: copy the PATHs from the source into $SRC.  Each must be
# there: one missing is a refusal that names it; any other error (a corrupt
# or truncated tarball, a full disk) ends the build with tar's or cp's own
# message.
extract() {
	local err lacking
	if [ -d "$SOURCE" ]; then
		lacking=$(cd "$SOURCE" && for f in "$@"; do [ -e "$f" ] || echo "$f"; done)
		[ -z "$lacking" ] || missing $lacking
		(cd "$SOURCE" && cp -a --parents "$@" "$SRC/")
		return 0
	fi
	err=$PKG/tar-errors
	# shellcheck disable=SC2059 # the top directory is the format's prefix
	if printf "$TOP/%s\n" "$@" | tar -C "$SRC" --strip-components=1 -xf "$SOURCE" -T - 2>"$err"; then
		rm -f "$err"
		return 0
	fi
	# GNU tar names each member it did not find, then says it failed.
	if grep -v -e ': Not found in archive$' -e '^tar: Exiting with failure status due to previous errors$' \
		"$err" | grep -q .; then
		cat "$err" >&2
		die "could not unpack $SOURCE (corrupt or truncated?): $(grep -v ': Not found in archive$' "$err" | head -n1)"
	fi
	lacking=$(sed -n "s|^tar: $TOP/\(.*\): Not found in archive\$|\1|p" "$err")
	[ -n "$lacking" ] || { cat "$err" >&2; die "tar failed on $SOURCE"; }
	rm -f "$err"
	missing $lacking
}

# The top Makefile first (tar stops at it, early in the archive): the
# version decides before the long read of the whole tarball.
unpack_makefile() {
	rm -rf "$SRC" "$PKG/out"
	mkdir -p "$SRC"
	if [ ! -d "$SOURCE" ]; then
		# The tarball's top directory (linux-source-X.Y/ in Debian's).
		TOP=$({ tar -tf "$SOURCE" 2>/dev/null || true; } | head -n1)
		TOP=${TOP%%/*}
		[ -n "$TOP" ] || refuse "$SOURCE is not a tarball"
		tar -C "$SRC" --strip-components=1 --occurrence=1 -xf "$SOURCE" "$TOP/Makefile" ||
			refuse "$SOURCE has no top-level Makefile: not a kernel source"
	else
		[ -f "$SOURCE/Makefile" ] || refuse "$SOURCE has no top-level Makefile: not a kernel source"
		extract Makefile
	fi
	[ -f "$SRC/Makefile" ] || refuse "$SOURCE has no top-level Makefile: not a kernel source"
}

source_version() {
	local v
	v=$(awk -F' *= *' '$1 ~ /^(VERSION|PATCHLEVEL|SUBLEVEL)$/ { printf "%s%s", sep, $2; sep = "." }
		$1 == "SUBLEVEL" { exit }' "$SRC/Makefile")
	[ "$v" = "$KVER" ] ||
		refuse "the source $SOURCE is Linux ${v:-unknown}, the kernel Linux $KVER;" \
			"install the linux-source package of the kernel's version"
}

unpack() {
	# shellcheck disable=SC2046 # one path a word
	extract $(wanted)
}

apply_series() {
	local p
	for p in $(series); do
		patch -s -p1 -N --dry-run -d "$SRC" <"$SERIES_DIR/$p" >/dev/null ||
			refuse "$p does not apply to the Linux $KVER source $SOURCE" \
				"(the series is for Linux $SERIES_BASE, tested on ${KREL%%[!0-9.]*})"
		patch -s -p1 -N -d "$SRC" <"$SERIES_DIR/$p"
	done
	# kbuild reads Kbuild in preference to the Makefile beside it.
	cp "$PKG/Kbuild" "$SRC/arch/x86/kvm/Kbuild"
	log "applied $(series | wc -l) patches"
}

build() {
	mkdir -p "$OUT"
	make -s -C "$TARGET_KDIR" M="$SRC/arch/x86/kvm" MO="$OUT" KCR_SRC="$SRC" \
		-j"${KCR_JOBS:-$(nproc)}" modules
	ls "$OUT"/*.ko >&2
}

# The target kernel's stock kvm.ko: in its kernel/ tree or, while a
# kvm-coco-reset build is installed for it (a rebuild, an upgrade to
# another version), where DKMS moved it: original_module/KREL/ARCH/ of the
# package in DKMS's tree.
stock_kvm() {
	local f
	# The module's own names only (not e.g. a kvm.ko.xz.origin beside it).
	for f in "/lib/modules/$TARGET/kernel/arch/x86/kvm/"kvm.ko{,.xz,.zst,.gz} \
		"$DKMS_TREE/kvm-coco-reset/original_module/$TARGET/"*/kvm.ko{,.xz,.zst,.gz}; do
		if [ -f "$f" ]; then
			echo "$f"
			return 0
		fi
	done
	return 1
}

# The modules must load on the target kernel: kvm.ko's vermagic must be the
# stock kvm.ko's; with no stock kvm.ko to compare with, it refuses, unless
# the kernel has no /lib/modules/KREL/kernel at all (its headers installed
# before its image): then it warns and passes.
check_vermagic() {
	local ours stock theirs
	ours=$(modinfo -F vermagic "$OUT/kvm.ko")
	# Headers installed before the kernel's image (apt configures
	# linux-headers first, and its postinst runs DKMS): no module tree yet
	# to compare with.  A refusal would fail the upgrade's postinst (DKMS
	# exits 1): warn, and build against the headers as they are.
	if [ ! -d "/lib/modules/$TARGET/kernel" ] && ! stock_kvm >/dev/null; then
		log "warning: /lib/modules/$TARGET/kernel does not exist (its image not installed yet?):" \
			"kvm.ko's vermagic '$ours' not checked against a stock kvm.ko"
		return 0
	fi
	stock=$(stock_kvm) || refuse "no stock kvm.ko to check the vermagic '$ours' against, neither in" \
		"/lib/modules/$TARGET/kernel/arch/x86/kvm nor in" \
		"$DKMS_TREE/kvm-coco-reset/original_module/$TARGET (install linux-modules-$TARGET)"
	theirs=$(modinfo -F vermagic "$stock")
	[ "$ours" = "$theirs" ] || die "vermagic '$ours' differs from $stock's '$theirs'"
	log "vermagic: '$ours', the same as $stock's"
}

# KREL KDIR vermagic: the vermagic check alone, of a kvm.ko already in
# out/arch/x86/kvm (test-dkms: with the stock module moved aside).
if [ "${3:-}" = vermagic ]; then
	step dkms-check-kernel check_kernel
	step dkms-vermagic check_vermagic
	exit 0
fi

step dkms-check-kernel check_kernel
step dkms-find-source find_source
step dkms-unpack-makefile unpack_makefile
step dkms-source-version source_version
step dkms-unpack unpack
step dkms-apply-series apply_series
step dkms-build build
step dkms-vermagic check_vermagic
