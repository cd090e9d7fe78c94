# relaycheck - an Exim local_scan module judging the relay host by its DNS
#
#   make            build/relaycheck.so (the module Debian's exim4 loads)
#   make deps       install every Debian package build, demo and tests need
#   make test       unit tests (Criterion) + end-to-end tests (real exim4 + NSD)
#   make demo       real SMTP sessions through real Exim against a local NSD
#   make install    DESTDIR=... PREFIX=/usr
#   make clean
#
# SANITIZE=1 builds everything with AddressSanitizer and UBSan.

VERSION    := 0.1.0
CC         ?= cc
PREFIX     ?= /usr
DESTDIR    ?=
BUILD      := build
PYTHON     := /usr/bin/python3

EXIM_INC   := /usr/include/exim4
WARN       := -Wall -Wextra -Werror -Wformat=2 -Wshadow -Wstrict-prototypes \
              -Wmissing-prototypes -Wpointer-arith -Wwrite-strings -Wvla \
              -Wundef -Wnull-dereference -Wdouble-promotion -Wcast-align
CSTD       := -std=c11 -D_GNU_SOURCE
OPT        := -O2 -g
HARDEN     := -D_FORTIFY_SOURCE=2 -fstack-protector-strong
CFLAGS_ALL := $(CSTD) $(OPT) $(WARN) $(HARDEN) -fPIC -fvisibility=hidden \
              -DRC_VERSION='"$(VERSION)"' $(CFLAGS)
LIBS       := -ludns -linih -lpsl

ifeq ($(SANITIZE),1)
CFLAGS_ALL += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
LDSAN      := -fsanitize=address,undefined
BUILD      := build/sanitize
endif

ENGINE_SRC := allowlist/addr.c allowlist/iptable.c allowlist/nametable.c \
              allowlist/config.c dnscheck/checks.c dnscheck/escape.c \
              dnscheck/resolver.c dnscheck/ptr.c dnscheck/generic.c \
              dnscheck/helo.c dnscheck/dnsbl.c dnscheck/engine.c \
              dnscheck/report.c
ENGINE_OBJ := $(ENGINE_SRC:%.c=$(BUILD)/obj/%.o)
ADAPTER_OBJ := $(BUILD)/obj/local_scan/relaycheck.o

UNIT_SRC   := $(wildcard tests/unit/test_*.c)
UNIT_BIN   := $(BUILD)/tests/unit_tests

.PHONY: all deps test test-unit test-e2e demo install clean check-exports

all: $(BUILD)/relaycheck.so

$(BUILD)/obj/%.o: %.c $(wildcard */*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -c -o $@ $<

# The adapter is the only code that sees Exim's headers (as system headers:
# their own style is not ours to fix).
$(ADAPTER_OBJ): local_scan/relaycheck.c $(wildcard */*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -isystem $(EXIM_INC) -c -o $@ $<

$(BUILD)/librelaycheck.a: $(ENGINE_OBJ)
	@rm -f $@
	ar rcs $@ $^

# The module: left with Exim's symbols undefined (no -z defs), exporting
# only local_scan and the two ABI version functions.
$(BUILD)/relaycheck.so: $(ADAPTER_OBJ) $(BUILD)/librelaycheck.a local_scan/exports.map
	$(CC) -shared -o $@ $(ADAPTER_OBJ) $(BUILD)/librelaycheck.a $(LDSAN) \
	    -Wl,--version-script=local_scan/exports.map \
	    -Wl,-z,relro,-z,now -Wl,--as-needed $(LIBS)

# A test-only variant with fault-injection hooks (RC_TEST_HOOKS): never installed.
HOOKS_OBJ  := $(BUILD)/obj/local_scan/relaycheck-hooks.o
$(HOOKS_OBJ): local_scan/relaycheck.c $(wildcard */*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -DRC_TEST_HOOKS -isystem $(EXIM_INC) -c -o $@ $<

$(BUILD)/test/relaycheck-hooks.so: $(HOOKS_OBJ) $(BUILD)/librelaycheck.a local_scan/exports.map
	@mkdir -p $(dir $@)
	$(CC) -shared -o $@ $(HOOKS_OBJ) $(BUILD)/librelaycheck.a $(LDSAN) \
	    -Wl,--version-script=local_scan/exports.map \
	    -Wl,-z,relro,-z,now -Wl,--as-needed $(LIBS)

check-exports: $(BUILD)/relaycheck.so
	@exp=$$(nm -D --defined-only $< | awk '$$2 ~ /^[TDBVWR]$$/ {print $$3}' | sort | tr '\n' ' '); \
	want="local_scan local_scan_version_major local_scan_version_minor "; \
	if [ "$$exp" = "$$want" ]; then echo "exports: $$exp"; \
	else echo "unexpected exports: $$exp (want $$want)"; exit 1; fi

$(UNIT_BIN): $(UNIT_SRC) tests/unit/fakedns.c tests/unit/fakedns.h $(BUILD)/librelaycheck.a
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(OPT) $(WARN) -Wno-missing-prototypes -Wno-vla $(HARDEN) $(filter -fsanitize% -fno-%,$(CFLAGS_ALL)) \
	    -o $@ $(UNIT_SRC) tests/unit/fakedns.c $(BUILD)/librelaycheck.a $(LDSAN) \
	    $$(pkg-config --cflags --libs criterion) $(LIBS)

deps:
	@sh tests/tools/deps.sh

test: deps
	@$(MAKE) --no-print-directory test-unit test-e2e

test-unit: $(UNIT_BIN)
	$(UNIT_BIN) --jobs 2

test-e2e: $(BUILD)/relaycheck.so $(BUILD)/test/relaycheck-hooks.so check-exports
	E2E_REQUIRE_MODULE=1 RELAYCHECK_MODULE=$(abspath $(BUILD)/relaycheck.so) \
	    RELAYCHECK_HOOKS_MODULE=$(abspath $(BUILD)/test/relaycheck-hooks.so) \
	    $(PYTHON) tests/e2e/run.py $(E2E_FILTER)

demo: deps $(BUILD)/relaycheck.so
	$(PYTHON) tests/e2e/demo.py

install: $(BUILD)/relaycheck.so
	install -d $(DESTDIR)$(PREFIX)/lib/exim4/local_scan
	install -m 0644 $(BUILD)/relaycheck.so $(DESTDIR)$(PREFIX)/lib/exim4/local_scan/relaycheck.so
	install -d $(DESTDIR)$(PREFIX)/share/doc/relaycheck/examples
	install -m 0644 README.md $(DESTDIR)$(PREFIX)/share/doc/relaycheck/
	cd exim-conf-examples && find . -type f | while read -r f; do \
	    install -D -m 0644 "$$f" "$(DESTDIR)$(PREFIX)/share/doc/relaycheck/examples/$$f"; done

clean:
	rm -rf build
