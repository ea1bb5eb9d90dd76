#!/bin/bash
# test-mounts.sh: lib.sh's bind, unmount_all and remove_tree, as
# scripts/fresh-root.sh and scripts/test-dkms.sh clean up their roots: a
# bind that stays mounted (umount failing, as for a busy or stuck mount)
# must not let the removal of the root empty the bound directory, which is
# a shared cache on the same file system.  Root (mounts); under a second.
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" = 0 ] || die "test-mounts needs root (mount --bind)"
T=$(mktemp -d /var/tmp/kcr-test-mounts.XXXXXX)
finish() {
	local rc=$?
	umount -l "$T/root/cache" 2>/dev/null || true
	umount -l "$T/a root/cache" 2>/dev/null || true
	rm -rf --one-file-system "$T"
	exit "$rc"
}
trap finish EXIT

# check ROOT: a root named ROOT (under $T) with the cache bound in it.
check() {
	local r=$T/$1
	mkdir -p "$T/cache" "$r" "$T/bin"
	echo kept >"$T/cache/sentinel"
	bind "$r" "$T/cache" /cache
	[ -f "$r/cache/sentinel" ] || die "FAILED: the bind shows no sentinel"
	# A umount that fails, lazily too.
	printf '#!/bin/sh\necho "umount: $*: target is busy (injected)" >&2\nexit 32\n' >"$T/bin/umount"
	chmod +x "$T/bin/umount"
	PATH=$T/bin:$PATH unmount_all
	if remove_tree "$r"; then
		die "FAILED: remove_tree removed a root with a bind still mounted in it"
	fi
	[ -f "$T/cache/sentinel" ] || die "FAILED: removing the root emptied the bound directory"
	umount "$r/cache"
	remove_tree "$r" || die "FAILED: remove_tree refused a root with nothing mounted"
	[ ! -e "$r" ] || die "FAILED: remove_tree left $r"
	[ -f "$T/cache/sentinel" ] || die "FAILED: the bound directory lost its file"
	log "test-mounts: a root ('$1') with a bind still in it is kept, the bound directory intact"
}

step test-mounts check root
# mountinfo shows the space as \040.
step test-mounts-space check "a root"
