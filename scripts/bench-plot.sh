#!/bin/bash
# bench-plot.sh TAPLOG OUTDIR: take what vm_reset_mem_bench printed on the
# test host (make bench; its output comes back in the TAP log as "# "
# lines) and write OUTDIR/bench.csv, OUTDIR/goals.txt and OUTDIR/bench.svg:
# latency against private memory size, one line per method, one panel per
# vCPU count, bars from the 25th to the 75th percentile.
. "$(dirname "$0")/lib.sh"

TAPLOG=$1 OUT=$2

extract() {
	mkdir -p "$OUT"
	rm -f "$OUT"/bench.csv "$OUT"/goals.txt "$OUT"/bench.svg "$OUT"/*.dat
	sed -n 's/^# bench-csv: //p' "$TAPLOG" >"$OUT/bench.csv"
	[ "$(wc -l <"$OUT/bench.csv")" -gt 1 ] ||
		die "no results from vm_reset_mem_bench in $TAPLOG"
	sed -n 's/^# \(goals\{0,1\}[ :].*\)/\1/p; s/^# \(# async: .*\)/\1/p' "$TAPLOG" >"$OUT/goals.txt"
}

# One data file per vCPU count and method: mib median p25 p75 (ms).
split_data() {
	awk -F, -v out="$OUT" 'NR > 1 && $3 !~ /_kstat$/ {
		f = out "/" $1 "-" $3 ".dat"
		printf "%s %.3f %.3f %.3f\n", $2, $5 / 1000, $6 / 1000, $7 / 1000 >f
	}' "$OUT/bench.csv"
}

plot() {
	local vcpus panels=0 v m plots script async_note='' yrange
	vcpus=$(awk -F, 'NR > 1 { print $1 }' "$OUT/bench.csv" | sort -nu)
	grep -q ',async,' "$OUT/bench.csv" ||
		async_note='async: not measured (no KVM_RESET_VM_F_ASYNC in this KVM yet)'
	for v in $vcpus; do panels=$((panels + 1)); done
	# The same y range, powers of 2, in every panel.
	yrange=$(awk -F, 'NR > 1 && $3 !~ /_kstat$/ {
		if (lo == "" || $6 < lo) lo = $6
		if ($7 > hi) hi = $7
	} END {
		l = 2 ^ int(log(lo / 1000) / log(2) - (lo < 1000))
		h = 1; while (h < hi / 1000) h *= 2
		print l ":" h
	}' "$OUT/bench.csv")
	script="set terminal svg size $((520 * panels)),460 dynamic font 'sans,12' background '#ffffff'
set output '$OUT/bench.svg'
set termoption noenhanced
set datafile separator ' '
set logscale xy 2
set yrange [$yrange]
set xlabel 'private memory (MiB)'
set ylabel 'latency (ms), median, bars p25-p75'
set grid
set key top left
set style line 1 lc rgb '#d62728' lw 2 pt 7
set style line 2 lc rgb '#1f77b4' lw 2 pt 5
set style line 3 lc rgb '#2ca02c' lw 2 pt 9
set style line 4 lc rgb '#9467bd' lw 2 pt 11
set style line 5 lc rgb '#ff7f0e' lw 2 pt 13 dt 2
set multiplot layout 1,$panels title \"KVM_RESET_VM of a software-protected VM with populated private memory (test host, TCG)\\n$async_note\""
	for v in $vcpus; do
		plots=
		local i=0
		for m in sync rebuild discard async reclaim; do
			i=$((i + 1))
			[ -s "$OUT/$v-$m.dat" ] || continue
			plots="$plots${plots:+, }'$OUT/$v-$m.dat' using 1:2:3:4 with yerrorlines ls $i title '$m'"
		done
		script="$script
set title '$v vCPU$([ "$v" = 1 ] || echo s)'
set xtics ($(awk -F, -v v="$v" 'NR > 1 && $1 == v { print $2 }' "$OUT/bench.csv" | sort -nu | paste -sd, -))
plot $plots"
	done
	printf '%s\nunset multiplot\n' "$script" | gnuplot
	[ -s "$OUT/bench.svg" ] || die "gnuplot wrote no $OUT/bench.svg"
	rm -f "$OUT"/*.dat
}

show() {
	printf 'vm_reset_mem_bench results (%s):\n' "$OUT/bench.csv"
	awk -F, '{ printf "  %6s %6s %-11s %5s %12s %12s %12s\n", $1, $2, $3, $4, $5, $6, $7 }' \
		"$OUT/bench.csv"
	cat "$OUT/goals.txt"
	log "plot: $OUT/bench.svg"
}

need_host_tool gnuplot gnuplot-nox
step bench-extract extract
step bench-plot split_data
step bench-plot plot
show
