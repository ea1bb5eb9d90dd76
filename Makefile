# SPDX-License-Identifier: GPL-2.0
#
# kvm-coco-reset: in-place reset of confidential KVM VMs.
# `make help` lists the targets.  Every directory below is overridable.

CACHE_DIR ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/kvm-coco-reset
BUILD_DIR ?= $(CACHE_DIR)/build
KDIR      ?= $(CACHE_DIR)/kdir
STAGE     := $(BUILD_DIR)/linux
LOGDIR    ?= $(BUILD_DIR)/logs
TREE      ?= $(CURDIR)/linux
QEMU_TREE ?= $(CURDIR)/qemu
CCACHE_DIR ?= $(CACHE_DIR)/ccache

export CACHE_DIR BUILD_DIR KSRC STAGE CCACHE_DIR V

ifeq ($(V),1)
Q :=
else
Q := @
endif

# Build KDIR and KSRC ourselves unless the caller points at a host's own.
ifeq ($(origin KDIR),file)
KDIR_DEP := kdir
endif

UPSTREAM_LIST := testhost/upstream.list
KCR_LIST      := testhost/kvm-coco-reset.list
DEBUG_LIST    := testhost/debug.list
SEVMODEL_LIST := testhost/sevmodel.list
QEMU_LIST     := testhost/qemu.list

.PHONY: help deps fetch kdir stage modules selftests selftests-kcr checkpatch build-checks \
	debug-kernel test-upstream test-kcr test-debug debug-negative test-helper test-kdir-check \
	sevmodel test-sevmodel sevmodel-debug test-debug-sevmodel qemu test-qemu test-qemu-linux bench-qemu qemu-each-patch qemu11 \
	testhost-run demo bench dkms-source dkms-tarball install uninstall test-dkms \
	check kernel-tree qemu-tree export-qemu-series \
	export-series clean distclean

help:
	@echo 'kvm-coco-reset: KVM_RESET_VM for confidential VMs'
	@echo
	@echo '  make demo           build, boot the emulated test host, show the main job'
	@echo '  make check          everything: static checks, builds, all tests on the test host'
	@echo
	@echo '  make deps           install the host packages (apt; root)'
	@echo '  make fetch          download and verify the pinned Debian packages'
	@echo '  make kdir           prepare KDIR from Debian 7.3.4 headers and source'
	@echo '  make stage          patched kernel tree: KSRC + kernel/kvm-coco-reset/patches'
	@echo '  make modules        build kvm.ko, kvm-amd.ko, kvm-intel.ko against KDIR'
	@echo '  make selftests      build upstream KVM selftests and ours (static)'
	@echo '  make selftests-kcr  build only ours (what make demo needs)'
	@echo '  make checkpatch     scripts/checkpatch.pl --strict over the series'
	@echo '  make build-checks   W=1 build after each patch; sparse, TDX config and clang builds'
	@echo '  make test-upstream  run the upstream regression subset on the test host'
	@echo '  make test-kcr       run our selftests on the test host'
	@echo '  make debug-kernel   the debug test host: lockdep, KASAN, kmemleak, fault injection'
	@echo '  make test-debug     run our selftests on the debug test host'
	@echo '  make debug-negative the debug host must report an injected leak and lock inversion'
	@echo '  make sevmodel       test-only build: kvm-amd on a software SEV/SNP firmware model'
	@echo '  make test-sevmodel  run the SEV selftests on the test host against that model'
	@echo '  make test-debug-sevmodel  the same on the debug test host (lockdep, KASAN, kmemleak)'
	@echo '  make qemu           patched QEMU 10.2.2 (user/qemu) for the test host'
	@echo '  make test-qemu      patched QEMU reboots its guest in place on the test host'
	@echo '  make test-qemu-linux  ... a Linux guest (not in check: the test host cannot boot it)'
	@echo '  make bench          reset vs rebuild vs discard by private memory size: CSV, SVG plot'
	@echo '  make bench-qemu     cost of a reboot: in place, ordinary reset (one test-host boot)'
	@echo '  make qemu-each-patch  build QEMU after each patch of user/qemu'
	@echo '  make test-helper    unit tests of user/helper (ASan, UBSan)'
	@echo '  make test-kdir-check  a KDIR that lost an option of Debian is refused'
	@echo '  make dkms-source    DKMS source tree and tarball kvm-coco-reset-VERSION (BUILD_DIR/dkms)'
	@echo '  make install        the built modules into /lib/modules/KREL/updates, depmod; the helper'
	@echo '  make uninstall      remove what make install put there (DESTDIR=... for both)'
	@echo '  make test-dkms      DKMS and make install round trips in a trixie root; test host boot'
	@echo '  make testhost-run PROG=./prog [ARGS="..."] [TIMEOUT=600]'
	@echo '                      run one static program on the test host, return its status'
	@echo '  make kernel-tree    git tree of the patched sources to edit (TREE=$(TREE))'
	@echo '  make export-series  git format-patch TREE back into the series'
	@echo '  make qemu-tree      the same for QEMU (QEMU_TREE=$(QEMU_TREE)); make export-qemu-series'
	@echo
	@echo 'Variables: CACHE_DIR=$(CACHE_DIR) BUILD_DIR KDIR KSRC LOGDIR TREE QEMU_TREE V=1'
	@echo '  Real host: make modules KDIR=/lib/modules/$$(uname -r)/build KSRC=<matching source>'

deps:
	$(Q)scripts/host-deps.sh

fetch: deps
	$(Q)scripts/fetch.sh

kdir: fetch
	$(Q)scripts/kdir.sh

stage: $(KDIR_DEP)
	$(Q)scripts/stage.sh

modules: stage
	$(Q)KDIR=$(KDIR) scripts/modules.sh

selftests: stage
	$(Q)scripts/selftests.sh

checkpatch: stage
	$(Q)scripts/checkpatch.sh

build-checks: $(KDIR_DEP)
	$(Q)KDIR=$(KDIR) scripts/build-checks.sh

# testhost_suite NAME LIST: gather LIST's programs, run them on the test host.
define testhost_suite
	$(Q)testhost/assemble.sh $(BUILD_DIR)/tests-$(1) $(2)
	$(Q)testhost/run.sh $(BUILD_DIR)/tests-$(1) $(LOGDIR)/$(1)
endef

test-upstream: modules selftests
	$(call testhost_suite,upstream,$(UPSTREAM_LIST))

# The helper builds on its vendored headers; they must equal the patched tree's.
test-helper: selftests
	$(Q)$(MAKE) -s -C user/helper check-headers LINUX=$(STAGE) HDR=$(BUILD_DIR)/hdr/usr/include
	$(Q)$(MAKE) -s -C user/helper O=$(BUILD_DIR)/helper-check WERROR=1 check

test-kdir-check: kdir
	$(Q)scripts/test-kdir-check.sh

test-kcr: modules selftests
	$(call testhost_suite,kcr,$(KCR_LIST))

DEBUG_OUT := $(BUILD_DIR)/debug-kernel
# The debug kernel has no ACPI, so no HPET or PM timer to calibrate the TSC
# against, and calibration against the PIT fails under TCG on a busy host:
# give it the host's TSC frequency, which TCG's TSC follows.
DEBUG_TSC_KHZ = $(shell awk '/^cpu MHz/ { printf "%d", $$4 * 1000; exit }' /proc/cpuinfo)
# no5lvl: with 5-level paging (-cpu max has LA57), an interrupt that arrives
# while identify_cpu() has cleared boot_cpu_data's feature bits sees
# pgtable_l5_enabled() false, so KASAN takes the direct map for a wild
# address ("BUG: KASAN: wild-memory-access" in handle_edge_irq, about one
# boot in twenty).  4-level paging has no such window.
DEBUG_KERNEL_ARGS = tsc_early_khz=$(DEBUG_TSC_KHZ) no5lvl

debug-kernel: stage
	$(Q)scripts/debug-kernel.sh

test-debug: debug-kernel selftests
	$(Q)testhost/assemble.sh $(BUILD_DIR)/tests-debug $(DEBUG_LIST)
	$(Q)KERNEL=$(DEBUG_OUT)/arch/x86/boot/bzImage MODDIR=$(DEBUG_OUT)/kcr-modules TAINT= \
		KERNEL_ARGS="$(DEBUG_KERNEL_ARGS)" \
		testhost/run.sh $(BUILD_DIR)/tests-debug $(LOGDIR)/debug

# The debug test host's checks can fail: an injected leak and lock inversion.
debug-negative: test-debug
	$(Q)KERNEL_ARGS="$(DEBUG_KERNEL_ARGS)" scripts/debug-negative.sh

# The SEV, SEV-ES and SNP control plane against the firmware model
# (testhost/sevmodel; Documentation/sev-model.md).
SEVMODEL_OUT := $(BUILD_DIR)/sevmodel/out/arch/x86/kvm
# The tests make the model refuse a teardown command; KVM then bugs the VM,
# which warns, once per call site: those warnings are expected there.
SEVMODEL_WARN_ALLOW := SEV: unbinding ASID [0-9]+ failed|Failed to release guest context

sevmodel: $(KDIR_DEP)
	$(Q)KDIR=$(KDIR) testhost/sevmodel/build.sh

test-sevmodel: sevmodel selftests
	$(Q)testhost/assemble.sh $(BUILD_DIR)/tests-sevmodel $(SEVMODEL_LIST)
	$(Q)MODDIR=$(SEVMODEL_OUT) WARN_ALLOW='$(SEVMODEL_WARN_ALLOW)' \
		testhost/run.sh $(BUILD_DIR)/tests-sevmodel $(LOGDIR)/sevmodel

# The same on the debug test host: the model's modules built against the
# debug kernel (testhost/sevmodel/build-debug.sh), so that lockdep, KASAN
# and kmemleak watch the SEV reset.  Its modules are out of tree: taint O.
SEVMODEL_DEBUG_LIST := testhost/debug-sevmodel.list

sevmodel-debug: sevmodel debug-kernel
	$(Q)testhost/sevmodel/build-debug.sh

test-debug-sevmodel: sevmodel-debug selftests
	$(Q)testhost/assemble.sh $(BUILD_DIR)/tests-debug-sevmodel $(SEVMODEL_DEBUG_LIST)
	$(Q)KERNEL=$(DEBUG_OUT)/arch/x86/boot/bzImage MODDIR=$(BUILD_DIR)/sevmodel-debug/mods \
		KERNEL_ARGS="$(DEBUG_KERNEL_ARGS)" WARN_ALLOW='$(SEVMODEL_WARN_ALLOW)' \
		testhost/run.sh $(BUILD_DIR)/tests-debug-sevmodel $(LOGDIR)/debug-sevmodel

# The QEMU hook: patched QEMU, static, runs in the test host
# (Documentation/qemu-hook.md).
qemu: selftests-kcr
	$(Q)scripts/qemu.sh

test-qemu: modules qemu
	$(call testhost_suite,qemu,$(QEMU_LIST))

# A Linux guest rebooting in place: not in make check, because a nested
# Linux deadlocks in early boot on the emulated test host
# (Documentation/qemu-hook.md).
test-qemu-linux: modules qemu
	$(call testhost_suite,qemu-linux,testhost/qemu-linux.list)

# Every QEMU patch builds on its own (after make qemu).
qemu-each-patch: qemu
	$(Q)scripts/qemu-each-patch.sh

# QEMU 11.1.3 from trixie-backports, for bench-qemu's comparison.
qemu11:
	$(Q)scripts/qemu11.sh

bench-qemu: modules qemu qemu11
	$(call testhost_suite,qemu-bench,testhost/qemu-bench.list)

# The reset's cost against the size of populated private memory, in one
# test-host boot with room for 1 GiB of it twice over (the async reset's
# peak), then the CSV and the plot in $(BUILD_DIR)/bench
# (Documentation/testing.md, "make bench").
BENCH_MEM := 6G

bench: modules selftests-kcr
	$(Q)testhost/assemble.sh $(BUILD_DIR)/tests-bench testhost/bench.list
	$(Q)MEM=$(BENCH_MEM) testhost/run.sh $(BUILD_DIR)/tests-bench $(LOGDIR)/bench
	$(Q)scripts/bench-plot.sh $(LOGDIR)/bench/tap.log $(BUILD_DIR)/bench

testhost-run: modules selftests
	$(Q)test -n "$(PROG)" || { echo 'usage: make testhost-run PROG=./prog [ARGS=...]'; exit 2; }
	$(Q)testhost/one.sh $(BUILD_DIR)/tests-one $(LOGDIR)/one "$(PROG)" "$(or $(TIMEOUT),600)" $(ARGS)

# The demo needs only this project's programs, not the upstream selftests.
selftests-kcr: stage
	$(Q)KCR_ONLY=1 scripts/selftests.sh

demo: modules selftests-kcr
	$(call testhost_suite,demo,testhost/demo.list)

# Installing on a real host (Documentation/install.md): a DKMS package, or
# make install of what make modules built (MODDIR) and of the helper.
MODDIR ?= $(BUILD_DIR)/out/arch/x86/kvm
# 1 if none of MODDIR, BUILD_DIR and CACHE_DIR was given: then under sudo
# install-modules.sh also looks in the sudo user's cache (root's HOME is
# not the user's who ran make modules).
KCR_MODDIR_DEFAULT := $(if $(filter-out file,$(origin MODDIR) $(origin BUILD_DIR) $(origin CACHE_DIR)),0,1)

dkms-source:
	$(Q)scripts/dkms-source.sh

dkms-tarball: dkms-source

# A relative DESTDIR would be relative to the checkout for the modules and
# to user/helper for the helper: refused before either installs anything.
CHECK_DESTDIR = case '$(DESTDIR)' in '' | /*) ;; \
	*) echo "DESTDIR=$(DESTDIR) is relative: give an absolute path" >&2; exit 2 ;; esac

install:
	$(Q)$(CHECK_DESTDIR)
	$(Q)DESTDIR='$(DESTDIR)' MODDIR='$(MODDIR)' KCR_MODDIR_DEFAULT=$(KCR_MODDIR_DEFAULT) \
		INSTALL_KREL='$(INSTALL_KREL)' \
		SIGN_KEY='$(SIGN_KEY)' SIGN_CERT='$(SIGN_CERT)' scripts/install-modules.sh install
	$(Q)$(MAKE) -C user/helper install

uninstall:
	$(Q)$(CHECK_DESTDIR)
	$(Q)DESTDIR='$(DESTDIR)' INSTALL_KREL='$(INSTALL_KREL)' scripts/install-modules.sh uninstall
	$(Q)$(MAKE) -C user/helper uninstall

# make modules' build is the reference the DKMS build is compared with.
test-dkms: modules selftests-kcr
	$(Q)scripts/test-dkms.sh

# Every target below, in two lanes side by side (scripts/check.sh).
check:
	$(Q)KDIR=$(KDIR) scripts/check.sh

kernel-tree: stage
	$(Q)scripts/patch-tree.sh kernel init "$(TREE)"

export-series:
	$(Q)scripts/patch-tree.sh kernel export "$(TREE)"

qemu-tree: fetch
	$(Q)scripts/patch-tree.sh qemu init "$(QEMU_TREE)"

export-qemu-series:
	$(Q)scripts/patch-tree.sh qemu export "$(QEMU_TREE)"

clean:
	rm -rf $(BUILD_DIR)

distclean:
	rm -rf $(CACHE_DIR)
