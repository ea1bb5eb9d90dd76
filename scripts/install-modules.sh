#!/bin/bash
# install-modules.sh install|uninstall: make install / make uninstall of the
# modules, without DKMS.
#
# install: copy kvm.ko, kvm-amd.ko and kvm-intel.ko of $MODDIR (make
# modules' output; under sudo possibly the sudo user's: find_moddir) to $DESTDIR/lib/modules/KREL/updates/kvm-coco-reset,
# KREL being the kernel they were built for (their vermagic; INSTALL_KREL,
# if set, must equal it).  depmod searches updates/ before the kernel's own
# directory, so these win over the stock modules, which stay in place.  A
# manifest there (.installed) lists every file and directory install
# created; a second install replaces the first.  With SIGN_KEY and
# SIGN_CERT the copies are signed with the kernel's scripts/sign-file (for
# Secure Boot: Documentation/install.md).
#
# install is all or nothing.  Everything it can check (the three modules,
# their vermagic, the kernel, the key, the certificate and sign-file, no
# module signed already) it checks before it changes anything; it copies
# and signs into a directory next to the destination; then it moves the
# previous install's files aside, renames the new ones in and the new
# manifest last (written to a temporary file and synced, with the new
# files, first).  On a failure, or INT, TERM or HUP (deferred to the next
# checkpoint, and ignored during the rollback), until then, it puts the
# previous install and manifest back and removes what it made, so that
# uninstall finds a manifest of what is there.  SIGKILL, a crash or a
# power loss in the swap are not covered: the next install or uninstall
# removes the staging and backup directories left.  depmod runs after.
#
# uninstall: remove what the manifests list, for INSTALL_KREL or every
# kernel.  Both run depmod for the kernel, except with DESTDIR (an image
# being staged: depmod runs on the target).
. "$(dirname "$0")/lib.sh"

ACTION=${1:-}
DESTDIR=${DESTDIR:-}
MODDIR=${MODDIR:-}
MODULES="kvm kvm-amd kvm-intel"
SUBDIR=updates/kvm-coco-reset
MANIFEST=.installed
TARGET='' ROOT='' SIGN_FILE='' SIGN_HASH=''
# What an install has changed so far, undone by rollback: the directories
# it made (outermost first), its staging and backup directories, the
# previous install's files it moved into the backup (paths relative to
# ROOT), the files it renamed into place, its temporary manifest.
MADE_DIRS=() SAVED=() PLACED=()
STAGE='' BACKUP='' TMP_MANIFEST='' COMMITTED=0 CHANGING=0
# A signal (INT, TERM, HUP) while install changes things is deferred: its
# handler only notes the exit status in PENDING, and the script exits (and
# so rolls back) at the next checkpoint, after the change under way has
# been recorded in the lists above.  Otherwise a signal handled between a
# rename and its record would leave a file rollback does not know of.
PENDING=0

has_modules() { # has_modules DIR: DIR holds the three modules
	local m
	for m in $MODULES; do [ -f "$1/$m.ko" ] || return 1; done
}

same_modules() { # same_modules DIR1 DIR2
	local m
	for m in $MODULES; do cmp -s "$1/$m.ko" "$2/$m.ko" || return 1; done
}

# find_moddir: the modules to install.  MODDIR if given (make passes
# KCR_MODDIR_DEFAULT=1 when it is its default, from CACHE_DIR), else make
# modules' output in this user's cache.  Under sudo, HOME and so that cache
# are root's, while `make modules` ran as the user: if root's cache has no
# modules, the sudo user's (~SUDO_USER/.cache/kvm-coco-reset) are taken,
# and said so; if both have modules and they differ, or neither has, it
# stops, naming both, and asks for MODDIR=.
find_moddir() {
	local own home user
	if [ -n "$MODDIR" ] && [ "${KCR_MODDIR_DEFAULT:-0}" != 1 ]; then
		has_modules "$MODDIR" || die "no kvm.ko, kvm-amd.ko and kvm-intel.ko in MODDIR=$MODDIR"
		return 0
	fi
	own=${MODDIR:-$BUILD_DIR/out/arch/x86/kvm}
	MODDIR=$own
	if [ -z "${SUDO_USER:-}" ] || [ "$SUDO_USER" = root ] || [ "$(id -u)" != 0 ]; then
		has_modules "$own" || die "no kvm.ko, kvm-amd.ko and kvm-intel.ko in $own:" \
			"run make modules first, or pass MODDIR=<their directory>"
		return 0
	fi
	home=$(getent passwd "$SUDO_USER" | cut -d: -f6 || true)
	if [ -z "$home" ]; then
		has_modules "$own" && return 0
		die "no kvm.ko, kvm-amd.ko and kvm-intel.ko in $own (root's cache), and SUDO_USER=$SUDO_USER" \
			"has no home directory in the passwd database (getent passwd): pass MODDIR=<their directory>"
	fi
	user=$home/.cache/kvm-coco-reset/build/out/arch/x86/kvm
	if has_modules "$own"; then
		[ "$own" = "$user" ] || ! has_modules "$user" || same_modules "$own" "$user" ||
			die "two builds of the modules: $own (root's cache) and $user ($SUDO_USER's," \
				"who ran sudo): pass MODDIR= with the one to install"
		return 0
	fi
	has_modules "$user" || die "no kvm.ko, kvm-amd.ko and kvm-intel.ko in $own (root's cache)" \
		"nor in $user ($SUDO_USER's, who ran sudo): run make modules first, or pass" \
		"MODDIR=<their directory>"
	log "no modules in root's cache $own: installing $SUDO_USER's, from $user"
	MODDIR=$user
}

# A relative DESTDIR would be relative to wherever this runs (make -C
# runs it in the checkout, the helper's install in user/helper): refused.
case $DESTDIR in
'' | /*) ;;
*) die "DESTDIR=$DESTDIR is relative: give an absolute path" ;;
esac

# The kernel release the modules are for: their vermagic's first word.
target_krel() {
	local m rel
	rel=$(modinfo -F vermagic "$MODDIR/kvm.ko" | cut -d' ' -f1)
	[ -n "$rel" ] || die "$MODDIR/kvm.ko has no vermagic"
	for m in $MODULES; do
		[ "$(modinfo -F vermagic "$MODDIR/$m.ko" | cut -d' ' -f1)" = "$rel" ] ||
			die "$MODDIR/$m.ko is not built for $rel as kvm.ko is"
	done
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

# check_manifest DIR KREL: every line of DIR/.installed is one of the paths
# install makes for KREL (its directories, the three modules, the manifest
# itself), or it dies: a line such as ../../../../tmp/x would have install
# and uninstall remove files outside DESTDIR.
check_manifest() {
	local dir=$1 krel=$2 path m ok
	[ -f "$dir/$MANIFEST" ] || return 0
	while IFS= read -r path || [ -n "$path" ]; do
		ok=0
		case $path in
		lib/ | lib/modules/ | "lib/modules/$krel/" | "lib/modules/$krel/updates/" | \
			"lib/modules/$krel/$SUBDIR/" | "lib/modules/$krel/$SUBDIR/$MANIFEST") ok=1 ;;
		esac
		for m in $MODULES; do [ "$path" != "lib/modules/$krel/$SUBDIR/$m.ko" ] || ok=1; done
		[ $ok = 1 ] || die "refusing $dir/$MANIFEST: its line '$path' is not one of the files" \
			"and directories install makes (lib/modules/$krel/$SUBDIR/{kvm,kvm-amd,kvm-intel}.ko," \
			"the manifest, their directories); check it and remove the modules by hand"
	done <"$dir/$MANIFEST"
}

# remove_manifest DIR: remove what DIR/.installed lists: the files, then
# the manifest, then the directories, innermost first.  A failure on the
# way leaves the manifest listing what is still there, for the next
# uninstall.
remove_manifest() {
	local dir=$1 root=${DESTDIR:-/} path dirs
	[ -f "$dir/$MANIFEST" ] || return 0
	dirs=$(grep '/$' "$dir/$MANIFEST" | tac || true)
	tac "$dir/$MANIFEST" | while read -r path; do
		case $path in
		*/ | */"$MANIFEST") ;;
		*) rm -f "$root/$path" ;;
		esac
	done
	rm -f "$dir/$MANIFEST"
	while read -r path; do
		[ -n "$path" ] || continue
		rmdir "$root/$path" 2>/dev/null ||
			log "keeping $root/$path: it is not empty (files not of ours)"
	done <<<"$dirs"
}

# check_signing: with SIGN_KEY or SIGN_CERT, both readable, the kernel's
# sign-file there, and no module signed already.
check_signing() {
	local m
	[ -n "${SIGN_KEY:-}${SIGN_CERT:-}" ] || return 0
	[ -f "${SIGN_KEY:-}" ] && [ -f "${SIGN_CERT:-}" ] ||
		die "SIGN_KEY and SIGN_CERT must both name files"
	[ -r "$SIGN_KEY" ] || die "cannot read SIGN_KEY $SIGN_KEY"
	[ -r "$SIGN_CERT" ] || die "cannot read SIGN_CERT $SIGN_CERT"
	SIGN_FILE=/lib/modules/$TARGET/build/scripts/sign-file
	[ -x "$SIGN_FILE" ] || die "no $SIGN_FILE to sign with (install linux-headers-$TARGET)"
	for m in $MODULES; do
		[ -z "$(modinfo -F signer "$MODDIR/$m.ko")" ] ||
			die "$MODDIR/$m.ko is signed already (by $(modinfo -F signer "$MODDIR/$m.ko")): install unsigned modules"
	done
	SIGN_HASH=$(sed -n 's/^CONFIG_MODULE_SIG_HASH="\(.*\)"$/\1/p' "/lib/modules/$TARGET/build/.config" 2>/dev/null || true)
	SIGN_HASH=${SIGN_HASH:-sha256}
}

# rollback: undo what install changed, newest first.  Each undo goes on
# after a failure of another, so that as much as possible is put back.  It
# acts only on what is there: a backup that is missing was not moved.
rollback() {
	local i p kept=0
	for ((i = ${#PLACED[@]} - 1; i >= 0; i--)); do
		rm -f "${PLACED[i]}" || log "rollback: could not remove ${PLACED[i]}"
	done
	for ((i = ${#SAVED[@]} - 1; i >= 0; i--)); do
		p=${SAVED[i]}
		[ -e "$BACKUP/$p.old" ] || [ -L "$BACKUP/$p.old" ] || continue
		mv -T "$BACKUP/$p.old" "$ROOT/$p" ||
			{ log "rollback: could not put $ROOT/$p back: it is in $BACKUP"; kept=1; }
	done
	[ -z "$TMP_MANIFEST" ] || rm -f "$TMP_MANIFEST" || true
	[ -z "$STAGE" ] || rm -rf "$STAGE" || true
	if [ -n "$BACKUP" ] && [ $kept = 0 ]; then rm -rf "$BACKUP" || true; fi
	for ((i = ${#MADE_DIRS[@]} - 1; i >= 0; i--)); do
		rmdir "$ROOT/${MADE_DIRS[i]}" || log "rollback: could not remove $ROOT/${MADE_DIRS[i]}"
	done
	if [ $kept = 1 ]; then
		log "install failed: the previous install could not all be put back (see above): $BACKUP holds the rest"
	elif [ ${#SAVED[@]} -gt 0 ] || [ -f "$ROOT/lib/modules/$TARGET/$SUBDIR/$MANIFEST" ]; then
		log "install failed: the previous install is back as it was"
	else
		log "install failed: nothing installed"
	fi
}

finish() {
	local rc=$?
	# Nothing may interrupt the rollback: a second Ctrl-C or TERM would
	# end it half done (the commands it runs inherit the ignoring).
	trap '' INT TERM HUP
	if [ "$rc" -ne 0 ] && [ "$CHANGING" = 1 ] && [ "$COMMITTED" = 0 ]; then
		rollback
	fi
	[ "$rc" -eq 0 ] || [ -z "$KCR_STEP" ] || log "step $KCR_STEP: FAILED ($rc)"
	exit "$rc"
}
trap finish EXIT
# on_signal STATUS: exit with STATUS now, or at the next checkpoint while
# install is changing things.
on_signal() {
	if [ "$CHANGING" = 1 ] && [ "$COMMITTED" = 0 ]; then
		PENDING=$1
	else
		exit "$1"
	fi
}
# checkpoint: exit (and so roll back) if a signal came since the last one.
checkpoint() { [ "$PENDING" = 0 ] || exit "$PENDING"; }
trap 'on_signal 129' HUP
trap 'on_signal 130' INT
trap 'on_signal 143' TERM

# lock_root: one install or uninstall at a time in this root (DESTDIR or
# /): two at once would move each other's files aside.  A lock on the
# root directory itself, released at exit.
lock_root() {
	local r=${DESTDIR:-/}
	exec 9<"$r"
	flock -n 9 || die "another install-modules.sh install or uninstall is running in $r: wait for it"
}

# clean_stale UPDATES: remove the staging and backup directories an install
# killed outright (SIGKILL, a crash) left in UPDATES (lib/modules/KREL/updates).
clean_stale() {
	local d
	for d in "$1"/.kvm-coco-reset.new.* "$1"/.kvm-coco-reset.old.*; do
		[ -d "$d" ] || continue
		log "removing $d, left by an install that was killed"
		rm -rf "$d"
	done
}

install_modules() {
	local base dir updates d m list old_dirs=''
	find_moddir
	TARGET=$(target_krel)
	ROOT=${DESTDIR%/}
	base=$ROOT/lib/modules/$TARGET
	updates=$base/updates
	dir=$base/$SUBDIR
	[ -n "$DESTDIR" ] || [ -d "$base/kernel" ] ||
		die "kernel $TARGET is not installed here (no $base/kernel)"
	# DKMS's copies and ours for one kernel: depmod picks one of the two
	# (updates/dkms or updates/kvm-coco-reset) and each uninstall leaves the
	# other's state wrong.  One or the other.
	for m in "$updates"/dkms/kvm.ko*; do
		[ -e "$m" ] || continue
		die "DKMS has installed kvm-coco-reset for $TARGET ($m): DKMS and make install" \
			"for one kernel break each other; 'dkms remove kvm-coco-reset/VERSION -k $TARGET' first"
	done
	check_signing
	check_manifest "$dir" "$TARGET"
	[ ! -f "$dir/$MANIFEST" ] || old_dirs=$(grep '/$' "$dir/$MANIFEST" || true)

	lock_root
	clean_stale "$updates"

	# Nothing has changed until here; from here on a failure rolls back.
	CHANGING=1
	# The directories missing, outermost first.
	for d in lib lib/modules "lib/modules/$TARGET" "lib/modules/$TARGET/updates" \
		"lib/modules/$TARGET/$SUBDIR"; do
		[ -d "$ROOT/$d" ] && continue
		mkdir "$ROOT/$d"
		MADE_DIRS+=("$d")
		checkpoint
	done
	# Copy and sign next to the destination (the same file system, so
	# that the moves below are renames).  Not *.ko: a depmod meanwhile
	# must not index them.
	STAGE=$(mktemp -d "$updates/.kvm-coco-reset.new.XXXXXX")
	checkpoint
	for m in $MODULES; do
		install -m 0644 "$MODDIR/$m.ko" "$STAGE/$m.ko.new"
		if [ -n "$SIGN_FILE" ]; then
			"$SIGN_FILE" "$SIGN_HASH" "$SIGN_KEY" "$SIGN_CERT" "$STAGE/$m.ko.new"
			log "signed $m.ko with $SIGN_CERT"
		fi
		checkpoint
	done
	# The new manifest: the directories the previous install had made
	# (still ours) and those made now, outermost first, then the files.
	TMP_MANIFEST=$(mktemp "$dir/$MANIFEST.new.XXXXXX")
	for d in lib lib/modules "lib/modules/$TARGET" "lib/modules/$TARGET/updates" \
		"lib/modules/$TARGET/$SUBDIR"; do
		case " ${MADE_DIRS[*]} " in
		*" $d "*) echo "$d/" ;;
		*) if printf '%s\n' "$old_dirs" | grep -qxF "$d/"; then echo "$d/"; fi ;;
		esac
	done >"$TMP_MANIFEST"
	for m in $MODULES; do
		echo "lib/modules/$TARGET/$SUBDIR/$m.ko"
	done >>"$TMP_MANIFEST"
	echo "lib/modules/$TARGET/$SUBDIR/$MANIFEST" >>"$TMP_MANIFEST"
	chmod 0644 "$TMP_MANIFEST"
	checkpoint

	# Swap: the previous install's files (its manifest among them) aside,
	# the new ones in, the new manifest last.
	BACKUP=$(mktemp -d "$updates/.kvm-coco-reset.old.XXXXXX")
	checkpoint
	if [ -f "$dir/$MANIFEST" ]; then
		list=$(grep -v '/$' "$dir/$MANIFEST" || true)
		while read -r d; do
			[ -n "$d" ] && { [ -e "$ROOT/$d" ] || [ -L "$ROOT/$d" ]; } || continue
			mkdir -p "$BACKUP/$(dirname "$d")"
			mv -T "$ROOT/$d" "$BACKUP/$d.old"
			SAVED+=("$d")
			checkpoint
		done <<<"$list"
	fi
	for m in $MODULES; do
		mv -T "$STAGE/$m.ko.new" "$dir/$m.ko"
		PLACED+=("$dir/$m.ko")
		checkpoint
	done
	# The new files and the manifest on disk before the rename that
	# commits: after a crash the manifest names files that are whole.
	sync "${PLACED[@]}" "$TMP_MANIFEST" "$dir"
	mv -T "$TMP_MANIFEST" "$dir/$MANIFEST"
	TMP_MANIFEST=
	PLACED+=("$dir/$MANIFEST")
	COMMITTED=1
	rm -rf "$STAGE" "$BACKUP"
	STAGE='' BACKUP=''
	# A signal during the last rename: the install is whole, depmod not run.
	checkpoint
	log "installed $(printf '%s.ko ' $MODULES)in $dir"

	# A failure from here on leaves the install and its manifest whole
	# (uninstall removes it).
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
	lock_root
	# shellcheck disable=SC2231 # the release is a pattern unless given
	for dir in "${DESTDIR%/}"/lib/modules/$pattern/$SUBDIR; do
		[ -f "$dir/$MANIFEST" ] || continue
		krel=${dir%/"$SUBDIR"}
		krel=${krel##*/}
		check_manifest "$dir" "$krel"
		clean_stale "${dir%/*}"
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
