#!/bin/bash
# assemble.sh TESTDIR LIST...: gather the programs that the LIST files name
# (paths relative to the selftests output) into TESTDIR with one joined list.
. "$(dirname "$0")/../scripts/lib.sh"

TESTDIR=$1
shift
SELFTESTS=${SELFTESTS:-$BUILD_DIR/selftests}

assemble() {
	local list name limit prog args
	rm -rf "$TESTDIR"
	mkdir -p "$TESTDIR"
	cp "$SELFTESTS/testhost/kvm-check" "$TESTDIR/kvm-check"
	for list in "$@"; do
		while read -r name limit prog args; do
			case $name in '#'* | '') continue ;; esac
			# "+ FILE": a file (or directory) the tests need, copied as it is.
			if [ "$name" = + ]; then
				mkdir -p "$TESTDIR/$(dirname "$limit")"
				cp -a "$SELFTESTS/$limit" "$TESTDIR/$limit"
				continue
			fi
			[ -x "$SELFTESTS/$prog" ] || die "$list: $prog was not built"
			mkdir -p "$TESTDIR/$(dirname "$prog")"
			strip -o "$TESTDIR/$prog" "$SELFTESTS/$prog"
			echo "$name $limit ./$prog $args" >>"$TESTDIR/list"
		done <"$list"
	done
}

step assemble assemble "$@"
