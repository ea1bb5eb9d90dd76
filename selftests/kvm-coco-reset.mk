# SPDX-License-Identifier: GPL-2.0-only
#
# Read after tools/testing/selftests/kvm/Makefile (make -f Makefile -f this):
# builds the tests in $(KCR_SELFTESTS)/x86 with the upstream CFLAGS and links
# them with the upstream library objects plus our helpers in lib/.

KCR_OUT := $(OUTPUT)/kcr
KCR_LIB := $(patsubst $(KCR_SELFTESTS)/lib/%.c,$(KCR_OUT)/lib/%.o,$(wildcard $(KCR_SELFTESTS)/lib/*.c))
KCR_TESTS := $(patsubst $(KCR_SELFTESTS)/%.c,$(KCR_OUT)/%,$(wildcard $(KCR_SELFTESTS)/x86/*.c))

all: $(KCR_TESTS)

# Only this project's tests (and the library they link): what `make demo` runs.
kcr-all: $(KCR_TESTS)

$(KCR_OUT)/%.o: $(KCR_SELFTESTS)/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -I$(KCR_SELFTESTS)/include $(CPPFLAGS) $(TARGET_ARCH) -c $< -o $@

$(KCR_TESTS): %: %.o $(KCR_LIB) $(LIBKVM_OBJS)
	$(CC) $(CFLAGS) $(LDFLAGS) $(TARGET_ARCH) $^ $(LDLIBS) -o $@

-include $(KCR_TESTS:%=%.d) $(KCR_LIB:%.o=%.d)
