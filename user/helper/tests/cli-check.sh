#!/bin/bash
# cli-check.sh O: the command's conventions, run as a user runs it (no KVM
# needed): one "kvm-coco-reset: " prefix, "Try ... --help", -h and -V, a
# missing option value named as such, write errors detected, JSON errors.
set -euo pipefail
CLI=$1/kvm-coco-reset
VERSION=$(sed -n 's/^VERSION *:= *//p' Makefile)
failed=0

# expect NAME STATUS STDERR-PATTERN STDOUT-PATTERN -- ARGS...: run the
# command; its exit status and the patterns (grep -E, "" for empty).
expect() {
	local name=$1 status=$2 err=$3 out=$4 rc=0
	shift 5
	"$CLI" "$@" >/tmp/kcr-out.$$ 2>/tmp/kcr-err.$$ || rc=$?
	if [ "$rc" != "$status" ] ||
	   ! match "$err" /tmp/kcr-err.$$ || ! match "$out" /tmp/kcr-out.$$; then
		echo "not ok $name: kvm-coco-reset $*: exit $rc (want $status)"
		sed 's/^/#   stderr: /' /tmp/kcr-err.$$
		sed 's/^/#   stdout: /' /tmp/kcr-out.$$
		failed=1
	else
		echo "ok $name"
	fi
	rm -f /tmp/kcr-out.$$ /tmp/kcr-err.$$
}

match() {
	if [ -z "$1" ]; then
		[ ! -s "$2" ]
	else
		grep -Eq "$1" "$2"
	fi
}

try="^Try 'kvm-coco-reset( [a-z]+)? --help' for more information\.$"
expect help 0 "" "^usage: kvm-coco-reset" -- --help
expect help-short 0 "" "^usage: kvm-coco-reset" -- -h
expect version 0 "" "^kvm-coco-reset $VERSION$" -- --version
expect version-short 0 "" "^kvm-coco-reset $VERSION$" -- -V
expect subcommand-help 0 "" "^usage: kvm-coco-reset caps" -- caps -h
expect no-command 2 "$try" "" --
expect unknown-command 2 "^kvm-coco-reset: unknown command 'bogus'$" "" -- bogus
expect unknown-option 2 "^kvm-coco-reset: unrecognized option '--bogus'$" "" -- caps --bogus
expect unknown-option-try 2 "$try" "" -- caps --bogus
expect missing-value 2 "^kvm-coco-reset: option '--path' requires an argument$" "" -- stats --path
expect extra-argument 2 "^kvm-coco-reset: unexpected argument 'extra'$" "" -- caps extra
expect reset-needs-qmp 2 "^kvm-coco-reset: --qmp is required$" "" -- reset
if [ -e /dev/kvm ]; then
	echo "ok no-kvm # SKIP this host has /dev/kvm"
else
	expect no-kvm 3 "^kvm-coco-reset: /dev/kvm: not found \(KVM is not loaded\)$" "" -- caps
	expect no-kvm-json 3 "" '^\{"error":"/dev/kvm: [^"]*","errno":2\}$' -- caps --json
fi
# A debugfs of our own, so that the checks do not depend on the host's
# (mode 0700 for all but root): a VM with the counters, and a stock KVM's.
dfs=$(mktemp -d)
trap 'rm -rf "$dfs"' EXIT
mkdir -p "$dfs/kvm/1-2" "$dfs/kvm/3-4"
echo 3 >"$dfs/kvm/1-2/vm_resets"
echo 1169000 >"$dfs/kvm/1-2/vm_reset_last_ns"
echo 5 >"$dfs/kvm/3-4/remote_tlb_flush"
expect stats 0 "" "^/kvm/1-2: 3 resets, the last took 1169000 ns$" -- \
	stats --path /kvm/1-2 --debugfs "$dfs"
expect stats-json 0 "" '^\{"stats_path":"/kvm/1-2","vm_resets":3,"vm_reset_last_ns":1169000\}$' -- \
	stats --path /kvm/1-2 --debugfs "$dfs" --json
expect no-stats 6 "^kvm-coco-reset: $dfs/kvm/nope: .* \(is debugfs mounted, and the VM alive\?\)$" "" -- \
	stats --path /kvm/nope --debugfs "$dfs"
expect json-error 6 "" "^\\{\"error\":\"$dfs/kvm/nope: [^\"]*\",\"errno\":2\\}$" -- \
	stats --path /kvm/nope --debugfs "$dfs" --json
expect stats-without-counters 3 \
	"^kvm-coco-reset: $dfs/kvm/3-4: no reset counters there \(KVM lacks the kvm-coco-reset patches\)$" \
	"" -- stats --path /kvm/3-4 --debugfs "$dfs"
if [ "$(id -u)" = 0 ]; then
	echo "ok stats-not-allowed # SKIP root reads a mode 0000 directory"
else
	chmod 0 "$dfs"
	expect stats-not-allowed 5 "^kvm-coco-reset: $dfs/kvm/1-2: " "" -- \
		stats --path /kvm/1-2 --debugfs "$dfs"
	chmod 700 "$dfs"
fi
expect no-qmp 6 "^kvm-coco-reset: QMP socket /nonexistent: " "" -- reset --qmp /nonexistent

man_version=$(sed -n 's/^\.TH .*"kvm-coco-reset \([^"]*\)".*/\1/p' kvm-coco-reset.1)
if [ "$man_version" = "$VERSION" ] && grep -q 'debugfs " DIR"' kvm-coco-reset.1; then
	echo "ok man-page"
else
	echo "not ok man-page: version '$man_version' (want $VERSION), or an option missing"
	failed=1
fi

rc=0
"$CLI" --help >/dev/full 2>/tmp/kcr-err.$$ || rc=$?
if [ "$rc" = 0 ] || ! grep -q "^kvm-coco-reset: write error" /tmp/kcr-err.$$; then
	echo "not ok write-error: --help >/dev/full: exit $rc, stderr: $(cat /tmp/kcr-err.$$)"
	failed=1
else
	echo "ok write-error"
fi
rm -f /tmp/kcr-err.$$
# No message of the command may carry another prefix: every write to
# stderr starts with PROG, but for the "Try ..." line.
if grep -nE 'perror\(|\<v?(warn|err)x?\(|fputs\([^;]*stderr|fprintf\((stderr|err), "' cli/*.c |
	grep -v "\"Try '"; then
	echo "not ok one-prefix: messages printed around cli/print.c"
	failed=1
else
	echo "ok one-prefix"
fi
exit $failed
