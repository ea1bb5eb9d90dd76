#!/bin/bash
# patch-tree.sh kernel|qemu init TREE: a git tree of the pinned source (Linux
#   7.3.4 or QEMU 10.2.2) with its series applied as commits on top of the
#   tag kcr-base, to edit and rebase.
# patch-tree.sh kernel|qemu export TREE: write kcr-base..HEAD back as the
#   series (kernel/kvm-coco-reset/patches or user/qemu/patches).
. "$(dirname "$0")/lib.sh"

case ${1:-} in
kernel)
	SERIES_DIR=$KCR_ROOT/kernel/kvm-coco-reset/patches
	SRC=$KSRC
	BASE="Linux 7.3.4 (Debian linux-source-7.3 7.3.4-1~bpo13+1)"
	;;
qemu)
	SERIES_DIR=$KCR_ROOT/user/qemu/patches
	SRC=$CACHE_DIR/unpacked/src-qemu
	BASE="QEMU 10.2.2 (Debian qemu 1:10.2.2+ds-1)"
	;;
*) die "usage: patch-tree.sh kernel|qemu init|export TREE" ;;
esac
TREE=$3

init() {
	local p
	[ -e "$TREE" ] && die "$TREE exists; remove it or choose TREE=..."
	cp -a "$SRC" "$TREE"
	rm -f "$TREE/.kcr-sha256" "$TREE/.sha256"
	git -C "$TREE" init -q
	# Debian's kernel .gitignore ignores every top-level entry: commit the
	# pristine tree with -f, then drop that block from the working copy
	# only, so that new files show up and the change never reaches a patch.
	git -C "$TREE" add -f -A
	git -C "$TREE" -c user.name=kvm-coco-reset -c user.email=kcr@localhost \
		commit -q -m "$BASE"
	git -C "$TREE" tag kcr-base
	if grep -q '^# Debian packaging' "$TREE/.gitignore" 2>/dev/null; then
		sed -i '/^# Debian packaging/,$d' "$TREE/.gitignore"
		git -C "$TREE" update-index --skip-worktree .gitignore
	fi
	for p in $(grep -v -e '^#' -e '^$' "$SERIES_DIR/series" || true); do
		git -C "$TREE" am -q --keep-cr "$SERIES_DIR/$p"
	done
	log "$TREE: $(git -C "$TREE" rev-list --count kcr-base..HEAD) patches on kcr-base; edit, commit, then export"
}

export_series() {
	local tmp
	git -C "$TREE" rev-parse -q --verify kcr-base >/dev/null || die "$TREE has no kcr-base tag"
	tmp=$(mktemp -d)
	git -C "$TREE" format-patch -q --no-signature -o "$tmp" kcr-base..HEAD
	rm -f "$SERIES_DIR"/*.patch
	mv "$tmp"/*.patch "$SERIES_DIR"/ 2>/dev/null || true
	rmdir "$tmp"
	(cd "$SERIES_DIR" && ls -- *.patch 2>/dev/null || true) >"$SERIES_DIR/series"
	log "exported $(grep -c . "$SERIES_DIR/series") patches to $SERIES_DIR"
}

case ${2:-} in
init) step "$1-tree" init ;;
export) step "export-$1-series" export_series ;;
*) die "usage: patch-tree.sh kernel|qemu init|export TREE" ;;
esac
