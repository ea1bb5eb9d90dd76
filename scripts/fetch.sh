#!/bin/bash
# Download the pinned Debian packages of deps/sources.lock with a private apt
# configuration (the host's apt sources are not touched), verify them and
# unpack each into $CACHE_DIR/unpacked/<package>.
. "$(dirname "$0")/lib.sh"

APT_DIR=$CACHE_DIR/apt
DEB_DIR=$CACHE_DIR/debs
UNPACK_DIR=$CACHE_DIR/unpacked
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}

apt_opts() {
	echo "-o Dir::Etc::SourceList=$APT_DIR/sources.list" \
		"-o Dir::Etc::SourceParts=/dev/null" \
		"-o Dir::State::Lists=$APT_DIR/lists" \
		"-o Dir::State::status=$APT_DIR/status" \
		"-o Dir::Cache=$APT_DIR/cache" \
		"-o APT::Sandbox::User=root" \
		"-o Debug::NoLocking=1"
}

apt_update() {
	mkdir -p "$APT_DIR/lists/partial" "$APT_DIR/cache/archives/partial"
	: >"$APT_DIR/status"
	awk '!/^#/ && NF { print ($1 ~ /^src:/ ? "deb-src" : "deb"), $4 }' \
		"$KCR_ROOT/deps/sources.lock" | sort -u |
		while read -r kind suite; do
			echo "$kind [signed-by=$KEYRING] $MIRROR $suite main"
		done >"$APT_DIR/sources.list"
	# shellcheck disable=SC2046
	apt-get -q $(apt_opts) update
}

verify() { # verify FILE SHA256
	echo "$2  $1" | sha256sum -c --quiet - ||
		die "$1: sha256 differs from deps/sources.lock"
}

fetch_one() { # fetch_one NAME VERSION SHA256
	local name=$1 ver=$2 sum=$3 deb
	deb=$DEB_DIR/${name}_${ver}.deb
	if [ ! -f "$deb" ]; then
		[ -f "$APT_DIR/sources.list" ] || apt_update
		(cd "$DEB_DIR.tmp" &&
			# shellcheck disable=SC2046
			apt-get -q $(apt_opts) download "$name=$ver")
		mv "$DEB_DIR.tmp/${name}_"*.deb "$deb"
	fi
	verify "$deb" "$sum"
	if [ "$(cat "$UNPACK_DIR/$name/.sha256" 2>/dev/null)" != "$sum" ]; then
		rm -rf "$UNPACK_DIR/$name"
		mkdir -p "$UNPACK_DIR/$name"
		dpkg-deb -x "$deb" "$UNPACK_DIR/$name"
		echo "$sum" >"$UNPACK_DIR/$name/.sha256"
	fi
}

# fetch_source NAME VERSION SHA256: the source package, unpacked into
# $CACHE_DIR/unpacked/src-NAME (the upstream tarball's sha256 is checked).
fetch_source() {
	local name=$1 ver=$2 sum=$3 dir=$CACHE_DIR/srcpkgs/$1 tarball
	if [ "$(cat "$UNPACK_DIR/src-$name/.sha256" 2>/dev/null)" = "$sum" ]; then
		return 0
	fi
	mkdir -p "$dir"
	if ! ls "$dir"/*.orig.tar.* >/dev/null 2>&1; then
		[ -f "$APT_DIR/sources.list" ] || apt_update
		# shellcheck disable=SC2046
		(cd "$dir" && apt-get -q $(apt_opts) source --download-only "$name=$ver")
	fi
	tarball=$(ls "$dir"/*.orig.tar.*)
	verify "$tarball" "$sum"
	rm -rf "$UNPACK_DIR/src-$name"
	mkdir -p "$UNPACK_DIR/src-$name"
	tar -C "$UNPACK_DIR/src-$name" --strip-components=1 -xf "$tarball"
	echo "$sum" >"$UNPACK_DIR/src-$name/.sha256"
}

fetch_all() {
	local name ver sum
	rm -rf "$APT_DIR/sources.list" "$DEB_DIR.tmp"
	mkdir -p "$DEB_DIR" "$DEB_DIR.tmp" "$UNPACK_DIR"
	while read -r name ver sum _; do
		case $name in
		'#'* | '') ;;
		src:*) fetch_source "${name#src:}" "$ver" "$sum" ;;
		*) fetch_one "$name" "$ver" "$sum" ;;
		esac
	done <"$KCR_ROOT/deps/sources.lock"
	rmdir "$DEB_DIR.tmp"
}

step fetch fetch_all
