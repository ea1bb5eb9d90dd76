#!/bin/bash
# Make $STAGE, the patched kernel tree the modules and selftests build from:
# a hard-linked copy of the pristine source $KSRC with the series applied
# (patch(1) replaces the files it changes, so the links to $KSRC break
# exactly where the series edits and $KSRC stays pristine).
. "$(dirname "$0")/lib.sh"

STAGE=${STAGE:-$BUILD_DIR/linux}
SERIES_DIR=${SERIES_DIR:-$KCR_ROOT/kernel/kvm-coco-reset/patches}

# The series, or its first $SERIES_LIMIT patches.
series() {
	grep -v -e '^#' -e '^$' "$SERIES_DIR/series" | head -n "${SERIES_LIMIT:--0}" || true
}

# The files the series' patches create or change.
touched_files() {
	local p
	for p in $(series); do
		sed -n 's|^+++ b/||p' "$SERIES_DIR/$p"
	done | sort -u
}

stage_key() {
	local p
	{
		echo "$KSRC ${SERIES_LIMIT:-all}"
		cat "$KCR_ROOT/Kbuild" "$SERIES_DIR/series"
		for p in $(series); do cat "$SERIES_DIR/$p"; done
	} | sha256sum | cut -c1-16
}

make_stage() {
	local key p f old new
	key=$(stage_key)
	[ "$(cat "$STAGE/.kcr-key" 2>/dev/null)" = "$key" ] && return 0
	[ -f "$KSRC/Makefile" ] || die "KSRC=$KSRC is not a kernel source tree"
	old=$(cat "$STAGE/.kcr-touched" 2>/dev/null || true)
	rm -rf "$STAGE" "$STAGE.tmp"
	mkdir -p "$(dirname "$STAGE")"
	cp -al "$KSRC" "$STAGE.tmp"
	for p in $(series); do
		log "applying $p"
		patch -s -p1 -N -d "$STAGE.tmp" <"$SERIES_DIR/$p" ||
			die "$p does not apply to $KSRC"
	done
	# A file the previous stage patched and this one does not is now a hard
	# link to the pristine file, older than its objects: give it a new
	# inode and mtime, or make would keep objects built from the patch.
	new=$(touched_files)
	for f in $(comm -23 <(echo "$old" | sort -u) <(echo "$new")); do
		[ -f "$STAGE.tmp/$f" ] || continue
		cp "$STAGE.tmp/$f" "$STAGE.tmp/$f.kcr"
		mv "$STAGE.tmp/$f.kcr" "$STAGE.tmp/$f"
	done
	echo "$new" >"$STAGE.tmp/.kcr-touched"
	# kbuild reads Kbuild in preference to the Makefile beside it.
	cp "$KCR_ROOT/Kbuild" "$STAGE.tmp/arch/x86/kvm/Kbuild"
	echo "$key" >"$STAGE.tmp/.kcr-key"
	mv "$STAGE.tmp" "$STAGE"
}

step stage make_stage
