#!/bin/bash
# fresh-root.sh CMD...: run CMD (e.g. `make check`) on a copy of this
# checkout inside a freshly made Debian 12 root (mmdebstrap minbase plus
# make, git and ca-certificates), as on a newly installed machine: nothing of
# ours is installed there, so a missing install step fails here and not on
# a user's machine.  The host's apt sources are copied in (same mirror).
# Shared with the host through bind mounts, because they hold downloads and
# compiler outputs, not installed state: the pinned Debian packages
# ($CACHE_DIR/debs, srcpkgs), apt's package downloads, ccache and
# test-dkms's trixie root ($CACHE_DIR/dkms-root: 74 s to make; test-dkms
# checks it against its key and the pinned versions, makes it again if
# stale, and only ever mounts it read-only under an overlay).  The test
# logs are copied out before the root goes.
# Needs root on a Debian host; installs mmdebstrap there if missing.
# KEEP_ROOT=1 keeps the root (its path is printed) for inspection.
. "$(dirname "$0")/lib.sh"

[ $# -gt 0 ] || die "usage: $0 CMD... (e.g. make check)"
[ "$(id -u)" = 0 ] || die "a fresh root needs root (mmdebstrap, chroot, mounts)"

SUITE=bookworm
ROOT=

host_tools() { need_host_tool mmdebstrap mmdebstrap; }

# The host's deb822 and one-line sources, and its apt.conf.d snippets.
make_root() {
	local src
	ROOT=$(mktemp -d /var/tmp/kcr-root.XXXXXX)
	src=$(mktemp)
	cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
		grep -E "^deb .*debian" >"$src" || true
	mmdebstrap --quiet --variant=minbase --include=make,git,ca-certificates \
		--setup-hook='mkdir -p "$1/etc/apt"; cp -a /etc/apt/apt.conf.d "$1/etc/apt/"' \
		--setup-hook='for f in /etc/apt/sources.list.d/*.sources; do grep -q debian "$f" && cp "$f" "$1/etc/apt/sources.list.d/"; done; true' \
		"$SUITE" "$ROOT" "$src"
	rm -f "$src"
	log "root $ROOT: $(du -sh "$ROOT" | cut -f1)"
}

enter_root() {
	local m
	for m in /proc /sys /dev /dev/pts; do
		bind "$ROOT" "$m" "$m"
	done
	cp /etc/resolv.conf "$ROOT/etc/" 2>/dev/null || true
	bind "$ROOT" "$CACHE_DIR/debs" /root/.cache/kvm-coco-reset/debs
	bind "$ROOT" "$CACHE_DIR/srcpkgs" /root/.cache/kvm-coco-reset/srcpkgs
	bind "$ROOT" "$CACHE_DIR/ccache" /root/.cache/kvm-coco-reset/ccache
	bind "$ROOT" "$CACHE_DIR/dkms-root" /root/.cache/kvm-coco-reset/dkms-root
	bind "$ROOT" "$CACHE_DIR/fresh-root-apt" /var/cache/apt/archives
	rm -f "$ROOT/etc/apt/apt.conf.d/docker-clean"
	# The checkout as it is (tracked and untracked files, not ignored ones).
	mkdir -p "$ROOT/src/kvm-coco-reset"
	git -C "$KCR_ROOT" ls-files -z -c -o --exclude-standard |
		(cd "$KCR_ROOT" && tar --null -T - -cf -) |
		tar -C "$ROOT/src/kvm-coco-reset" -xf -
}

# The test logs (TAP, serial console) outlive the root: $CACHE_DIR/fresh-root-logs.
save_logs() {
	local logs=$ROOT/root/.cache/kvm-coco-reset/build/logs
	[ -n "$ROOT" ] && [ -d "$logs" ] || return 0
	rm -rf "$CACHE_DIR/fresh-root-logs"
	cp -a "$logs" "$CACHE_DIR/fresh-root-logs"
	log "test logs: $CACHE_DIR/fresh-root-logs"
}

cleanup() {
	save_logs
	unmount_all
	[ -n "$ROOT" ] || return 0
	if [ "${KEEP_ROOT:-0}" = 1 ]; then
		log "kept the root: $ROOT"
	else
		remove_tree "$ROOT" || log "left $ROOT: unmount what is listed, then remove it"
	fi
}
trap 'rc=$?; cleanup; exit $rc' EXIT

step fresh-root-host-tools host_tools
step fresh-root-create make_root
step fresh-root-enter enter_root
log "running in the fresh root: $*"
# shellcheck disable=SC2016
chroot "$ROOT" /usr/bin/env -i HOME=/root TERM=dumb LANG=C.UTF-8 \
	PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
	/bin/bash -c 'cd /src/kvm-coco-reset && "$@"' bash "$@"
