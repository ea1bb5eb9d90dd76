# shellcheck shell=bash
# Common helpers for the build and test scripts: named, timed steps.
set -euo pipefail

KCR_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE_DIR=${CACHE_DIR:-${XDG_CACHE_HOME:-${HOME:-$(getent passwd "$(id -u)" | cut -d: -f6)}/.cache}/kvm-coco-reset}
BUILD_DIR=${BUILD_DIR:-$CACHE_DIR/build}
KREL=7.3.4+deb13-amd64
# Debian's source of $KREL, unpacked, and its headers package's build tree.
DEBIAN_SRC=$CACHE_DIR/src/linux-7.3.4
DEBIAN_HDR=$CACHE_DIR/unpacked/linux-headers-$KREL/usr/src/linux-headers-$KREL
# The source the series applies to (a real host's own, or Debian's).
KSRC=${KSRC:-$DEBIAN_SRC}

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# step NAME CMD...: run CMD under errexit, print its name and wall time;
# a failure ends the script with the failing step named.
KCR_STEP=
step() {
	local _t0
	KCR_STEP=$1
	shift
	_t0=$(date +%s)
	log "step $KCR_STEP: start"
	"$@"
	log "step $KCR_STEP: done in $(($(date +%s) - _t0)) s"
	KCR_STEP=
}
trap 'rc=$?; [ $rc -ne 0 ] && [ -n "$KCR_STEP" ] && log "step $KCR_STEP: FAILED ($rc)"; exit $rc' EXIT

# need_host_tool CMD PKG: install Debian's PKG for CMD if CMD is missing,
# with apt-get update first: a freshly made root (mmdebstrap's, as CI's)
# has no package lists, and apt-get install alone finds no package there.
need_host_tool() {
	command -v "$1" >/dev/null && return 0
	[ "$(id -u)" = 0 ] || die "$1 is missing: install $2 (as root)"
	apt-get -q update
	DEBIAN_FRONTEND=noninteractive apt-get -q install -y --no-install-recommends "$2"
	command -v "$1" >/dev/null || die "$1 is still missing after apt-get install $2"
}

# Bind mounts into a root (scripts/fresh-root.sh, scripts/test-dkms.sh):
# noted in KCR_MOUNTS, newest first, for unmount_all.
KCR_MOUNTS=()

# bind ROOT HOSTDIR DIR: bind-mount HOSTDIR (made if missing) on ROOT/DIR.
bind() {
	mkdir -p "$2" "$1$3"
	mount --bind "$2" "$1$3"
	KCR_MOUNTS=("$1$3" "${KCR_MOUNTS[@]}")
}

# mounted PATH: note a mount made otherwise (an overlay) for unmount_all.
mounted() { KCR_MOUNTS=("$1" "${KCR_MOUNTS[@]}"); }

# unmount_all: undo every noted mount, newest first (lazily if busy).  One
# that stays mounted is logged; remove_tree then refuses to remove it.
unmount_all() {
	local m
	for m in "${KCR_MOUNTS[@]}"; do
		umount "$m" 2>/dev/null || umount -l "$m" || log "could not unmount $m"
	done
	KCR_MOUNTS=()
}

# mounts_under DIR: the mount points at or below DIR.  mountinfo escapes
# space, tab, newline and backslash in them as \ooo (octal): decoded, or a
# bind under a path with a space would be missed.
mounts_under() {
	local d
	d=$(readlink -m "$1")
	awk -v d="$d" '
	function unescape(s,   out, i) {
		out = ""
		while ((i = index(s, "\\")) > 0) {
			out = out substr(s, 1, i - 1) sprintf("%c", substr(s, i + 1, 1) * 64 + substr(s, i + 2, 1) * 8 + substr(s, i + 3, 1))
			s = substr(s, i + 4)
		}
		return out s
	}
	{ m = unescape($5) }
	m == d || index(m, d "/") == 1 { print m }' /proc/self/mountinfo
}

# remove_tree DIR: rm -rf DIR, unless anything is still mounted in it.  A
# bind of a cache (ccache, debs) from the same file system would be emptied
# through the mount point: rm's --one-file-system only stops at another
# device, and a bind of the same file system has the same one.
remove_tree() {
	local left
	left=$(mounts_under "$1")
	if [ -n "$left" ]; then
		log "not removing $1: still mounted in it: $(echo "$left" | tr '\n' ' ')"
		return 1
	fi
	rm -rf --one-file-system "$1"
}

# hash_of FILE...: one sha256 over the contents of the files, in order.
hash_of() { cat "$@" | sha256sum | cut -c1-16; }

# toolchain_id MAKEARG...: the versions of every tool that kconfig probes
# or that shapes the prepared tree (compiler, assembler, linker, pahole,
# rustc/bindgen if present), so that a changed toolchain prepares KDIR anew.
toolchain_id() {
	local t cc=gcc ld=ld
	case " $* " in *" LLVM=-19 "*) cc=clang-19 ld=ld.lld-19 ;; esac
	for t in "$cc" "$ld" pahole rustc bindgen; do
		printf '%s: ' "$t"
		if command -v "$t" >/dev/null; then
			"$t" --version 2>&1 | head -n1
		else
			echo none
		fi
	done
}

# Kconfig options that may differ between KDIR and Debian's build, because
# kconfig derives them from the toolchain, and none of them changes the
# layout of a structure or the code that KVM is built against.  Everything
# else must be identical, or a module built here could load on Debian's
# kernel and use another layout than it does (e.g. struct module without
# DEBUG_INFO_BTF_MODULES, when pahole is missing).
#  - values that describe the toolchain: compiler, assembler, linker and
#    pahole versions and capabilities (Debian builds with gcc-14, we with
#    the host's gcc-12);
KDIR_TOOLCHAIN_PREFIXES='CC_|GCC_|CLANG_|LD_|AS_|TOOLS_|PAHOLE_|RUSTC_|BINDGEN_'
#  - Rust: Debian builds with rustc, which this host lacks, so RUST and the
#    Rust-only drivers drop out; KVM has no Rust code, and no structure it
#    uses depends on them;
#  - DEBUG_INFO_COMPRESSED_ZSTD: needs a linker with zstd debug sections;
#    it only compresses .debug_* sections;
#  - OPENSSL_SUPPORTS_ML_DSA and MODULE_SIG_KEY_TYPE_MLDSA_*: the host's
#    OpenSSL (3.0) cannot make ML-DSA keys; they choose the module signing
#    key type only (our modules are unsigned: taint E);
#  - X86_NATIVE_CPU: offered only by newer compilers, off in both.
KDIR_TOOLCHAIN_NAMES='RUST|RUST_[A-Z0-9_]+|HAVE_RUST|RUST_IS_AVAILABLE|AMCC_QT2025_PHY|ANDROID_BINDER_IPC_RUST|AX88796B_RUST_PHY|BLK_DEV_RUST_NULL|DRM_PANIC_SCREEN_QR_CODE|DRM_PANIC_SCREEN_QR_CODE_URL|DRM_PANIC_SCREEN_QR_VERSION|FIND_BIT_BENCHMARK_RUST|NOVA_CORE|DEBUG_INFO_COMPRESSED_ZSTD|OPENSSL_SUPPORTS_ML_DSA|MODULE_SIG_KEY_TYPE_MLDSA_44|MODULE_SIG_KEY_TYPE_MLDSA_65|MODULE_SIG_KEY_TYPE_MLDSA_87|X86_NATIVE_CPU'
KDIR_TOOLCHAIN_OPTIONS="^CONFIG_(($KDIR_TOOLCHAIN_PREFIXES)[A-Za-z0-9_]*|$KDIR_TOOLCHAIN_NAMES)="

# config_diff WANT HAVE: the options (CONFIG_X=value, or "# CONFIG_X is not
# set" shown as CONFIG_X=n) that differ between two .config files outside
# KDIR_TOOLCHAIN_OPTIONS, as "<" and ">" lines.
config_diff() {
	local want have
	want=$(mktemp) have=$(mktemp)
	config_lines "$1" >"$want"
	config_lines "$2" >"$have"
	diff "$want" "$have" | grep '^[<>]' || true
	rm -f "$want" "$have"
}

config_lines() {
	sed -E -e 's/^# (CONFIG_[A-Za-z0-9_]+) is not set$/\1=n/' "$1" |
		grep '^CONFIG_' | grep -v -E "$KDIR_TOOLCHAIN_OPTIONS" | sort
}

# check_config WANT HAVE: fail, naming them, if HAVE's options differ from
# WANT's beyond the toolchain options.
check_config() {
	local d
	d=$(config_diff "$1" "$2")
	[ -z "$d" ] && return 0
	log "$2 differs from $1 in options that may change structure layouts:"
	printf '%s\n' "$d" >&2
	die "refusing a KDIR whose configuration is not Debian's (a missing tool, e.g. pahole for DEBUG_INFO_BTF?)"
}

# prepare_kdir DIR "OPTION..." MAKEARG...: a build directory for $KREL from
# Debian's configuration, with the kconfig OPTIONs enabled, prepared for
# external modules with MAKEARGs (e.g. LLVM=-19) and Debian's Module.symvers;
# the kbuild host tools are compiled here from Debian's source.  Without
# OPTIONs the tree must be Debian's configuration exactly (check_config),
# which is checked before anything is built.
prepare_kdir() {
	local dir=$1 options=$2 key opt
	shift 2
	key=$( (echo "$options $*"; toolchain_id "$@"
		hash_of "$DEBIAN_SRC/.kcr-sha256" "$DEBIAN_HDR/.config" \
			"$DEBIAN_HDR/Module.symvers" "$KCR_ROOT/scripts/lib.sh") |
		sha256sum | cut -c1-16)
	[ "$(cat "$dir/.kcr-key" 2>/dev/null)" = "$key" ] && return 0
	rm -rf "$dir"
	mkdir -p "$dir"
	cp "$DEBIAN_HDR/.config" "$dir/.config"
	for opt in $options; do
		"$DEBIAN_SRC/scripts/config" --file "$dir/.config" -e "$opt"
	done
	make -s -C "$DEBIAN_SRC" O="$dir" KERNELRELEASE="$KREL" "$@" olddefconfig
	for opt in $options; do
		grep -q "^CONFIG_$opt=y" "$dir/.config" || die "$dir: CONFIG_$opt did not stay enabled"
	done
	[ -n "$options" ] || check_config "$DEBIAN_HDR/.config" "$dir/.config"
	make -s -C "$DEBIAN_SRC" O="$dir" KERNELRELEASE="$KREL" -j"$(nproc)" "$@" modules_prepare
	cp "$DEBIAN_HDR/Module.symvers" "$dir/Module.symvers"
	echo "$key" >"$dir/.kcr-key"
}
