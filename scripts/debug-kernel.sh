#!/bin/bash
# Build the debug test host's kernel: Debian's 7.3.4 source with the series
# applied ($STAGE), configured as tinyconfig plus testhost/debug.config
# (what the test host needs; lockdep, KASAN, kmemleak, list and object
# debugging, fault injection; KVM and KVM_AMD as modules of the same
# build).  Leaves the kernel in $OUT/arch/x86/boot/bzImage and the modules
# in $OUT/kcr-modules.
. "$(dirname "$0")/lib.sh"

STAGE=${STAGE:-$BUILD_DIR/linux}
SRC=$BUILD_DIR/linux-debug
OUT=$BUILD_DIR/debug-kernel
FRAGMENT=$KCR_ROOT/testhost/debug.config

# The staged tree without the Kbuild that scripts/stage.sh adds for the
# out-of-tree modules: a kernel build reads arch/x86/kvm/Makefile.  Hard
# links, so that files the series does not touch keep their mtimes and a
# new series rebuilds only what it changes.
source_tree() {
	[ "$(cat "$SRC/.kcr-key" 2>/dev/null)" = "$(cat "$STAGE/.kcr-key")" ] && return 0
	rm -rf "$SRC" "$SRC.tmp"
	cp -al "$STAGE" "$SRC.tmp"
	rm "$SRC.tmp/arch/x86/kvm/Kbuild"
	mv "$SRC.tmp" "$SRC"
}

fragment() { grep -v -e '^#' -e '^$' "$FRAGMENT"; }

config_key() {
	(toolchain_id
	 hash_of "$DEBIAN_SRC/.kcr-sha256" "$FRAGMENT" \
		"$KCR_ROOT/scripts/debug-kernel.sh") | sha256sum | cut -c1-16
}

# A new configuration starts a new build directory; a new series does not.
configure() {
	local key line name value flag bad=
	key=$(config_key)
	[ "$(cat "$OUT/.kcr-config-key" 2>/dev/null)" = "$key" ] && return 0
	rm -rf "$OUT"
	mkdir -p "$OUT"
	make -s -C "$SRC" O="$OUT" tinyconfig
	while IFS='=' read -r name value; do
		case $value in
		y) flag=--enable ;;
		m) flag=--module ;;
		n) flag=--disable ;;
		*) flag="--set-val $name" name=$value ;;
		esac
		# shellcheck disable=SC2086
		"$SRC/scripts/config" --file "$OUT/.config" $flag "$name"
	done < <(fragment)
	make -s -C "$SRC" O="$OUT" olddefconfig
	while IFS= read -r line; do
		name=${line%%=*} value=${line#*=}
		if [ "$value" = n ]; then
			grep -q "^CONFIG_$name=" "$OUT/.config" && bad="$bad $name"
		else
			grep -qx "CONFIG_$name=$value" "$OUT/.config" || bad="$bad $name"
		fi
	done < <(fragment)
	[ -z "$bad" ] || die "kconfig did not take testhost/debug.config's:$bad"
	echo "$key" >"$OUT/.kcr-config-key"
}

build() {
	local ko
	make -s -C "$SRC" O="$OUT" -j"$(nproc)" CC="ccache gcc" bzImage modules
	rm -rf "$OUT/kcr-modules"
	mkdir "$OUT/kcr-modules"
	while IFS= read -r ko; do
		ln "$ko" "$OUT/kcr-modules/"
	done < <(find "$OUT" -name '*.ko' -not -path "$OUT/kcr-modules/*")
	log "debug kernel $OUT/arch/x86/boot/bzImage; modules: $(ls "$OUT/kcr-modules" | tr '\n' ' ')"
}

step debug-source source_tree
step debug-config configure
step debug-build build
