#!/bin/bash
# bench-ab.sh REV [ROUNDS] [ITERATIONS]: compare the reset path of this
# checkout with that of project commit REV.  Builds REV's modules and
# selftests in a worktree under $CACHE_DIR/ab (with this checkout's
# vm_reset_bench.c, which times each phase), then boots the test host
# ROUNDS times for each side, alternating, runs vm_reset_bench ITERATIONS
# there, and prints for each figure the median over the rounds of both
# sides and their ratio.  Host noise moves whole rounds, hence the
# alternation and the median of rounds.
. "$(dirname "$0")/lib.sh"

REV=${1:?usage: scripts/bench-ab.sh REV [ROUNDS] [ITERATIONS]}
ROUNDS=${2:-5}
ITERATIONS=${3:-200}
BENCH=selftests/kcr/x86/vm_reset_bench
AB=$CACHE_DIR/ab/$(git -C "$KCR_ROOT" rev-parse --short "$REV")
OUT=$BUILD_DIR/logs/bench-ab

build_rev() {
	[ -d "$AB/src" ] || git -C "$KCR_ROOT" worktree add --detach "$AB/src" "$REV"
	cp "$KCR_ROOT/selftests/x86/vm_reset_bench.c" "$AB/src/selftests/x86/"
	(cd "$AB/src" && BUILD_DIR=$AB/build make -s modules selftests)
}

build_this() {
	(cd "$KCR_ROOT" && make -s modules selftests-kcr)
}

# run SIDE ROUND: one boot of the test host running the bench.
run() {
	local root=$KCR_ROOT build=$BUILD_DIR

	if [ "$1" = rev ]; then
		root=$AB/src
		build=$AB/build
	fi
	(cd "$root" && BUILD_DIR=$build testhost/one.sh "$build/tests-one" \
		"$OUT/$1$2" "$build/$BENCH" 900 "$ITERATIONS") |
		sed -n "s/^  \(.*[^ ]\) \{2,\}\([0-9.]*\)\( us\)\{0,1\}$/$1\t\1\t\2/p" >>"$OUT/figures"
}

step build-rev build_rev
step build-this build_this
rm -rf "$OUT"
mkdir -p "$OUT"
for round in $(seq "$ROUNDS"); do
	step "round-$round" run rev "$round"
	step "round-$round" run this "$round"
done

printf 'vm_reset_bench, %d iterations, %d rounds each, rev = %s\n' \
	"$ITERATIONS" "$ROUNDS" "$REV"
printf 'medians over the rounds; this/rev is the median of the ratios of the\n'
printf 'rounds (each round boots rev, then this, one after the other)\n'
awk -F'\t' '
function median(s,   n, i, j, t, v) {
	n = split(s, v, " ")
	for (i = 1; i <= n; i++)
		for (j = i + 1; j <= n; j++)
			if (v[j] + 0 < v[i] + 0) { t = v[i]; v[i] = v[j]; v[j] = t }
	return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
}
{
	if (!(($2) in seen)) { seen[$2] = 1; order[++nl] = $2 }
	k = $1 SUBSEP $2
	val[k, ++cnt[k]] = $3
	all[k] = all[k] " " $3
}
END {
	printf "  %-34s %12s %12s %9s\n", "", "rev", "this", "this/rev"
	for (i = 1; i <= nl; i++) {
		l = order[i]; r = "rev" SUBSEP l; t = "this" SUBSEP l; q = ""
		for (j = 1; j <= cnt[r] && j <= cnt[t]; j++)
			if (val[r, j] > 0)
				q = q " " val[t, j] / val[r, j]
		printf "  %-34s %12.2f %12.2f %9.3f\n", l, median(all[r]),
			median(all[t]), median(q)
	}
}' "$OUT/figures" | tee "$OUT/summary"
