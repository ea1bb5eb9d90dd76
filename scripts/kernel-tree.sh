#!/bin/bash
# kernel-tree.sh init TREE: a git tree of the 7.3.4 source with the series
#   applied as commits on top of the tag kcr-base, to edit and rebase.
# kernel-tree.sh export TREE: write kcr-base..HEAD back as the series.
. "$(dirname "$0")/lib.sh"

SERIES_DIR=$KCR_ROOT/kernel/kvm-coco-reset/patches
TREE=$2

init() {
	local p
	[ -e "$TREE" ] && die "$TREE exists; remove it or choose TREE=..."
	cp -a "$KSRC" "$TREE"
	rm -f "$TREE/.kcr-sha256"
	git -C "$TREE" init -q
	# Debian's .gitignore ignores every top-level entry: commit the pristine
	# tree with -f, then drop that block from the working copy only, so that
	# new files show up and the change never reaches a patch.
	git -C "$TREE" add -f -A
	git -C "$TREE" -c user.name=kvm-coco-reset -c user.email=kcr@localhost \
		commit -q -m "Linux 7.3.4 (Debian linux-source-7.3 7.3.4-1~bpo13+1)"
	git -C "$TREE" tag kcr-base
	sed -i '/^# Debian packaging/,$d' "$TREE/.gitignore"
	git -C "$TREE" update-index --skip-worktree .gitignore
	for p in $(grep -v -e '^#' -e '^$' "$SERIES_DIR/series" || true); do
		git -C "$TREE" am -q --keep-cr "$SERIES_DIR/$p"
	done
	log "$TREE: $(git -C "$TREE" rev-list --count kcr-base..HEAD) patches on kcr-base; edit, commit, then make export-series"
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

case ${1:-} in
init) step kernel-tree init ;;
export) step export-series export_series ;;
*) die "usage: kernel-tree.sh init|export TREE" ;;
esac
