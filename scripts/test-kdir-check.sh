#!/bin/bash
# A KDIR whose configuration lost an option of Debian's is refused before
# anything is built: prepare a KDIR with kconfig's pahole probe failing
# (PAHOLE pointing nowhere), as on a host without dwarves, so that olddefconfig drops
# DEBUG_INFO_BTF; prepare_kdir must fail naming it, and must not have run
# modules_prepare.  Also: the toolchain options alone do not fail the check.
. "$(dirname "$0")/lib.sh"

DIR=$BUILD_DIR/kdir-check-test

refused_without_pahole() {
	local out rc=0
	rm -rf "$DIR"
	out=$( (prepare_kdir "$DIR" "" PAHOLE=/nonexistent/pahole) 2>&1) || rc=$?
	[ "$rc" -ne 0 ] || die "a KDIR prepared without pahole was accepted"
	grep -q 'CONFIG_DEBUG_INFO_BTF=y' <<<"$out" ||
		die "the refusal does not name CONFIG_DEBUG_INFO_BTF: $out"
	[ ! -e "$DIR/scripts/mod/modpost" ] && [ ! -e "$DIR/.kcr-key" ] ||
		die "modules_prepare ran before the configuration was checked"
	log "ok: refused, naming $(grep -c '^[<>] ' <<<"$out") options, before modules_prepare"
	rm -rf "$DIR"
}

toolchain_options_accepted() {
	local cfg
	cfg=$(mktemp)
	sed -e 's/^CONFIG_GCC_VERSION=.*/CONFIG_GCC_VERSION=120200/' \
		-e 's/^CONFIG_CC_VERSION_TEXT=.*/CONFIG_CC_VERSION_TEXT="gcc (Debian 12.2.0-14) 12.2.0"/' \
		"$DEBIAN_HDR/.config" >"$cfg"
	check_config "$DEBIAN_HDR/.config" "$cfg"
	rm -f "$cfg"
	log "ok: compiler version options alone pass the check"
}

step kdir-refuses-lost-options refused_without_pahole
step kdir-accepts-toolchain-options toolchain_options_accepted
