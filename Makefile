# relaycheck - an Exim local_scan module judging the relay host by its DNS
#
#   make            build/relaycheck.so (the module Debian's exim4 loads) and
#                   build/relaycheck (the same engine as a command)
#   make deps       install every Debian package build, demo and tests need
#   make test       unit tests (Criterion) + end-to-end tests (real exim4 + NSD)
#   make demo       real SMTP sessions through real Exim against a local NSD
#   make install    DESTDIR=... PREFIX=/usr
#   make deb        build/relaycheck_<version>_<arch>.deb (dpkg-deb, lintian)
#   make test-package  install the .deb into this machine's exim4, one SMTP
#                   session through the real configuration, purge, restore
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
# Sources name other folders' headers from the top of the tree ("dnscheck/verdict.h"), never with ../
INC        := -I$(CURDIR)
OPT        := -O2 -g
HARDEN     := -D_FORTIFY_SOURCE=2 -fstack-protector-strong
CFLAGS_ALL := $(CSTD) $(INC) $(OPT) $(WARN) $(HARDEN) -fPIC -fvisibility=hidden \
              -DRC_VERSION='"$(VERSION)"' $(CFLAGS)
# libudns, libpsl and libinih are not linked: the module opens each by path on first use
# (dnscheck/lazylib.c), from the multiarch directory the compiler names.
LIBS       := -lspf2
MULTIARCH  := $(shell $(CC) -print-multiarch 2>/dev/null)
RC_LIBDIR  := $(if $(MULTIARCH),/usr/lib/$(MULTIARCH))
CFLAGS_ALL += -DRC_LIBDIR='"$(RC_LIBDIR)"'

ifeq ($(SANITIZE),1)
CFLAGS_ALL += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
LDSAN      := -fsanitize=address,undefined
BUILD      := build/sanitize
endif

ENGINE_SRC := allowlist/addr.c dnscheck/lazylib.c dnscheck/dnsname.c dnscheck/strbuf.c dnscheck/decimal.c allowlist/iptable.c allowlist/nametable.c \
              allowlist/nsccache.c allowlist/parse.c allowlist/config.c allowlist/options.c \
              allowlist/inifile.c allowlist/dump.c dnscheck/listsyntax.c dnscheck/checks.c dnscheck/escape.c \
              dnscheck/resolver.c dnscheck/ptr.c dnscheck/generic.c \
              dnscheck/helo.c dnscheck/dnsbl.c dnscheck/spfcve.c dnscheck/spfguard.c dnscheck/spfreceived.c dnscheck/spfdns.c \
              dnscheck/spffetch.c dnscheck/spfeval.c dnscheck/spfcheck.c dnscheck/spfrec.c dnscheck/verdict.c \
              dnscheck/checkdef.c dnscheck/ptrgeneric.c dnscheck/helogeneric.c \
              dnscheck/senderdomain.c dnscheck/table.c dnscheck/engine.c \
              dnscheck/report.c dnscheck/front.c dnscheck/txn.c
ENGINE_OBJ := $(ENGINE_SRC:%.c=$(BUILD)/obj/%.o)
ADAPTER_OBJ := $(BUILD)/obj/local_scan/relaycheck.o

UNIT_SRC   := $(wildcard tests/unit/test_*.c)
UNIT_BIN   := $(BUILD)/tests/unit_tests

.PHONY: all deps test test-unit test-e2e test-valgrind test-spf demo install clean check-exports

all: $(BUILD)/relaycheck.so $(BUILD)/relaycheck

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
# only local_scan, the two ABI version functions and relaycheck_acl (${dlfunc}).
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

# The command-line tool: the same engine and report code as the module. One file per mode
# (check, checkconfig, summary, batch), the command line (args), what they share (cli),
# the worker processes of --batch and --replay (pool), the module's log lines counted (tally),
# Exim's main logs read (eximlog: zlib for .gz), main().
CLI_SRC    := tools/cli.c tools/pool.c tools/tally.c tools/args.c tools/check.c tools/checkconfig.c \
              tools/summary.c tools/batch.c tools/eximlog.c tools/replay.c \
              tools/htmlreport.c tools/calibrate.c tools/relaycheck.c
CLI_OBJ    := $(CLI_SRC:%.c=$(BUILD)/obj/%.o)
CLI_LIBS   := -lz -lm
$(BUILD)/relaycheck: $(CLI_OBJ) $(BUILD)/librelaycheck.a
	$(CC) -pie -o $@ $(CLI_OBJ) $(BUILD)/librelaycheck.a $(LDSAN) \
	    -Wl,-z,relro,-z,now -Wl,--as-needed $(LIBS) $(CLI_LIBS)

# Also: the module names none of libudns, libpsl and libinih to the dynamic linker (they are
# opened on first use, dnscheck/lazylib.c): it needs libspf2 and libc, both in exim4 already
# (and, under SANITIZE=1, the sanitizer runtimes).
check-exports: $(BUILD)/relaycheck.so
	@exp=$$(nm -D --defined-only $< | awk '$$2 ~ /^[TDBVWR]$$/ {print $$3}' | sort | tr '\n' ' '); \
	want="local_scan local_scan_version_major local_scan_version_minor relaycheck_acl "; \
	needed=$$(readelf -d $< | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p' | tr '\n' ' '); \
	bad=0; \
	if [ "$$exp" = "$$want" ]; then echo "exports: $$exp"; \
	else echo "unexpected exports: $$exp (want $$want)"; bad=$$((bad + 1)); fi; \
	case "$$needed" in *libudns*|*libinih*|*libpsl*) \
	echo "DT_NEEDED names a library the module opens itself: $$needed"; bad=$$((bad + 1));; \
	*) echo "needed: $$needed";; esac; \
	echo "$$((2 - bad)) passed, $$bad failed"; [ $$bad -eq 0 ]

$(UNIT_BIN): $(UNIT_SRC) tests/unit/fakedns.c tests/unit/fakedns.h $(BUILD)/librelaycheck.a
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(INC) $(OPT) $(WARN) -Wno-missing-prototypes -Wno-vla $(HARDEN) $(filter -fsanitize% -fno-%,$(CFLAGS_ALL)) \
	    -o $@ $(UNIT_SRC) tests/unit/fakedns.c $(BUILD)/librelaycheck.a $(LDSAN) \
	    $$(pkg-config --cflags --libs criterion) $(LIBS)

# The option table and the catalogue's scores as text, for test_defaults and test_examples.
OPTROWS    := $(BUILD)/tests/optrows
$(OPTROWS): tests/tools/optrows.c $(BUILD)/librelaycheck.a
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(INC) $(OPT) $(WARN) $(HARDEN) $(filter -fsanitize% -fno-%,$(CFLAGS_ALL)) \
	    -o $@ $< $(BUILD)/librelaycheck.a $(LDSAN) $(LIBS)

deps:
	@sh tests/tools/deps.sh

test: deps
	@$(MAKE) --no-print-directory test-layers test-unit test-responder test-spf test-e2e test-fetch test-static test-man test-package soak-ci \
	    bench-smoke $(if $(filter 1,$(SANITIZE)),,fuzz-regress)

# The include graph against the layer list at the top of doc/HACKING.md.
.PHONY: test-layers
test-layers:
	$(PYTHON) tests/tools/check_layers.py

# The programmable DNS responder the fault and SPF tests stand on, tested on its own (dnspython).
.PHONY: test-responder
test-responder:
	$(PYTHON) tests/dnsresponder/test_responder.py

# The RFC 7208 test suite through the module's SPF path (tests/spf/run_suite.py); cases that
# still fail are listed with their reason in tests/spf/known-failures.txt.
test-spf:
	$(PYTHON) tests/spf/run_suite.py $(if $(filter 1,$(SANITIZE)),--sanitize)

# Under SANITIZE=1 every sanitized process (unit-test children, exim4 processes that load
# the sanitized module, with the runtime preloaded) logs reports into $(SANLOG); any report
# fails the run, leaks included (Criterion alone does not fail a test on a leak). In the
# e2e run a leak counts when its allocation stack passes through the module: Exim 4.96
# leaves some of its own blocks (store, PCRE2) unreachable at exit, not ours to judge (as
# with valgrind below). Stacks there are unwound the slow way, since Exim and the system
# libraries have no frame pointers and a fast unwind stops short of the module.
SANLOG     := $(abspath $(BUILD))/sanlog
SAN_ENV     = ASAN_OPTIONS=log_path=$(SANLOG)/$(1)/asan:detect_leaks=1:abort_on_error=0$(2) \
              UBSAN_OPTIONS=log_path=$(SANLOG)/$(1)/ubsan:print_stacktrace=1
SAN_PRELOAD := $(shell $(CC) -print-file-name=libasan.so):$(shell $(CC) -print-file-name=libubsan.so)

test-unit: $(UNIT_BIN)
ifeq ($(SANITIZE),1)
	@rm -rf $(SANLOG)/unit && mkdir -p $(SANLOG)/unit
	$(call SAN_ENV,unit) $(UNIT_BIN) --jobs 2
	@$(PYTHON) tests/tools/check_sanitizer_logs.py $(SANLOG)/unit
else
	$(UNIT_BIN) --jobs 2
endif

E2E_ENV     = E2E_REQUIRE_MODULE=1 RELAYCHECK_MODULE=$(abspath $(BUILD)/relaycheck.so) \
	      RELAYCHECK_HOOKS_MODULE=$(abspath $(BUILD)/test/relaycheck-hooks.so) \
	      RELAYCHECK_CLI=$(abspath $(BUILD)/relaycheck) RELAYCHECK_OPTROWS=$(abspath $(OPTROWS))

test-e2e: $(BUILD)/relaycheck.so $(BUILD)/relaycheck $(BUILD)/test/relaycheck-hooks.so $(OPTROWS) check-exports
ifeq ($(SANITIZE),1)
	@rm -rf $(SANLOG)/e2e && mkdir -p $(SANLOG)/e2e && chmod 1777 $(SANLOG) $(SANLOG)/e2e
	$(E2E_ENV) E2E_EXIM_ENV="LD_PRELOAD=$(SAN_PRELOAD) $(call SAN_ENV,e2e,:fast_unwind_on_malloc=0:malloc_context_size=64)" \
	    $(PYTHON) tests/e2e/run.py -x test_static $(E2E_FILTER)
	@$(PYTHON) tests/tools/check_sanitizer_logs.py --exim $(SANLOG)/e2e
else
	$(E2E_ENV) $(PYTHON) tests/e2e/run.py -x test_static $(E2E_FILTER)
endif

# End-to-end sessions with every exim4 process under memcheck; an error or definite leak
# whose stack passes through the module fails (Exim's own code is not ours to judge). The
# timing tests are left out: valgrind is slow.
VG_DIR     := $(abspath $(BUILD))/valgrind
VG_TESTS   := test_core test_checks test_faults.test_hostile test_faults.test_txt test_abort test_acl
# The test_preloaded_module_* tests are left out: their LD_PRELOAD of the module would reach the
# valgrind wrapper too, which cannot load a module that needs Exim's names.
test-valgrind: $(BUILD)/relaycheck.so $(BUILD)/test/relaycheck-hooks.so $(OPTROWS)
	@rm -rf $(VG_DIR) && mkdir -p $(VG_DIR) && chmod 1777 $(VG_DIR)
	@# valgrind refuses set-uid programs: run a plain copy of exim4 (as root, like the tests)
	install -m 0755 /usr/sbin/exim4 $(VG_DIR)/exim4
	-$(E2E_ENV) E2E_EXIM_BIN=$(VG_DIR)/exim4 E2E_EXIM_WRAPPER="valgrind -q --leak-check=full --show-leak-kinds=definite \
	    --errors-for-leak-kinds=definite --num-callers=30 --log-file=$(VG_DIR)/vg.%p.log" \
	    $(PYTHON) tests/e2e/run.py -x test_preloaded_module_ $(VG_TESTS) > $(VG_DIR)/run.txt 2>&1
	@grep -E '^(FAIL|[0-9]+ passed)' $(VG_DIR)/run.txt || true
	$(PYTHON) tests/tools/check_valgrind_logs.py $(VG_DIR)

demo: deps $(BUILD)/relaycheck.so
	$(PYTHON) tests/e2e/demo.py

install: $(BUILD)/relaycheck.so $(BUILD)/relaycheck
	install -d $(DESTDIR)$(PREFIX)/lib/exim4/local_scan
	install -D -m 0755 $(BUILD)/relaycheck $(DESTDIR)$(PREFIX)/sbin/relaycheck
	install -D -m 0644 man/relaycheck.8 $(DESTDIR)$(PREFIX)/share/man/man8/relaycheck.8
	install -D -m 0644 man/relaycheck.ini.5 $(DESTDIR)$(PREFIX)/share/man/man5/relaycheck.ini.5
	install -m 0644 $(BUILD)/relaycheck.so $(DESTDIR)$(PREFIX)/lib/exim4/local_scan/relaycheck.so
	install -d $(DESTDIR)$(PREFIX)/share/doc/relaycheck/examples
	install -m 0644 README.md $(DESTDIR)$(PREFIX)/share/doc/relaycheck/
	cd exim-conf-examples && find . -type f | while read -r f; do \
	    install -D -m 0644 "$$f" "$(DESTDIR)$(PREFIX)/share/doc/relaycheck/examples/$$f"; done

# The command line tool alone (also part of test-e2e): real NSD, no Exim needed.
.PHONY: test-cli test-man deb test-package
test-cli: $(BUILD)/relaycheck
	E2E_REQUIRE_MODULE=1 RELAYCHECK_CLI=$(abspath $(BUILD)/relaycheck) \
	    $(PYTHON) tests/e2e/run.py test_cli.

# Man pages: no warnings from man/groff, every INI key documented.
MANPAGES   := man/relaycheck.8 man/relaycheck.ini.5
test-man: $(BUILD)/relaycheck $(MANPAGES)
	$(PYTHON) tests/tools/check_man.py $(abspath $(BUILD)/relaycheck) $(MANPAGES)

# The Debian package, built with dpkg-deb from `make install` into a staging
# tree (packaging/mkdeb.sh), then checked with lintian.
DEB_ARCH   := $(shell dpkg --print-architecture 2>/dev/null)
DEB        := build/relaycheck_$(VERSION)_$(DEB_ARCH).deb
deb: $(DEB)
$(DEB): $(BUILD)/relaycheck.so $(BUILD)/relaycheck $(MANPAGES) packaging/mkdeb.sh \
        $(wildcard packaging/deb/*) $(wildcard exim-conf-examples/*) README.md
	@[ "$(SANITIZE)" != 1 ] || { echo "make deb: not with SANITIZE=1"; exit 1; }
	rm -rf $(BUILD)/deb
	$(MAKE) --no-print-directory install DESTDIR=$(abspath $(BUILD)/deb/root) PREFIX=/usr
	sh packaging/mkdeb.sh $(VERSION) $(BUILD)/deb/root $@

# Installs the .deb into this machine's Debian exim4, enables it through the
# conf.d snippet, runs one SMTP session through the real configuration
# (exim4 -bs -oMa, no daemon), purges the package and restores /etc/exim4.
ifeq ($(SANITIZE),1)
test-package:
	@echo "test-package: skipped under SANITIZE=1 (the package holds the release build)"
else
test-package: $(DEB)
	$(PYTHON) tests/package/test_package.py $(abspath $(DEB))
endif

# Upstream Exim, of the version Debian packages, with the module compiled in (LOCAL_SCAN_HAS_OPTIONS,
# Local/Makefile from tests/tools/exim-static.mk + exim-conf-examples/Local-Makefile.snippet):
# build/exim-static/exim. Cached: nothing is done when nothing changed; a changed module only
# relinks. Always from the plain (non-sanitized) archive. The adapter is first compiled with
# the option table under our own warnings (Exim's build would not stop on them).
# The upstream tarball comes from tests/tools/debsrc.py: the exim4_<upstream>.orig.tar.* of any
# Debian revision of that version the archive's Sources indexes list, checked against their
# SHA-256 (apt verified the indexes), cached in build/exim-static/src; no .dsc or Debian diff
# needed. test-fetch proves it offline against file:// archives the test builds.
.PHONY: exim-static test-static test-fetch
test-fetch:
	$(PYTHON) tests/tools/test_debsrc.py

OPTIONS_OBJ := build/obj/local_scan/relaycheck-options.o
$(OPTIONS_OBJ): local_scan/relaycheck.c $(wildcard */*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -DLOCAL_SCAN_HAS_OPTIONS -isystem $(EXIM_INC) -c -o $@ $<

exim-static:
	@$(MAKE) --no-print-directory SANITIZE= build/librelaycheck.a $(OPTIONS_OBJ)
	$(PYTHON) tests/tools/exim-static.py $(abspath build/librelaycheck.a)

# test_core's cases, the local_scan options and the symbol checks against build/exim-static/exim,
# and test_acl's cases of the static build (${dlfunc} to build/relaycheck.so).
# The static Exim holds the release engine and is not built with the sanitizers, so its
# ${dlfunc} loads the release build/relaycheck.so under SANITIZE=1 too.
test-static: exim-static $(OPTROWS)
	@$(MAKE) --no-print-directory SANITIZE= build/relaycheck.so
	$(E2E_ENV) RELAYCHECK_MODULE=$(abspath build/relaycheck.so) E2E_REQUIRE_STATIC=1 \
	    EXIM_STATIC=$(abspath build/exim-static/exim) \
	    $(PYTHON) tests/e2e/run.py test_static. test_acl.test_static_

# Fuzzing with libFuzzer (clang from Debian), see fuzz/README.md. The engine is compiled
# again with the fuzzers' own flags into build/fuzz/obj (not the gcc archive).
#   make fuzz-build    every target into build/fuzz/
#   make fuzz          each target for FUZZ_SECONDS (default 300), FUZZ_JOBS at a time;
#                      execs and exec/s per target in build/fuzz/summary.txt
#   make fuzz-smoke    the same for 30 s each (CI)
#   make fuzz-regress  each target once over fuzz/regressions/<target>/ and its seed corpus
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 300
FUZZ_JOBS    ?= 1
FUZZ_DIR     := build/fuzz
FUZZ_CFLAGS  := $(CSTD) $(INC) -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
                -fno-omit-frame-pointer $(filter-out -Werror,$(WARN)) -DRC_FUZZING \
                -DRC_VERSION='"$(VERSION)"'
FUZZ_TARGETS := fuzz_config fuzz_cidr fuzz_generic fuzz_codes fuzz_escape fuzz_dnsanswer fuzz_nsccache \
                $(if $(filter dnscheck/spfcve.c,$(ENGINE_SRC)),fuzz_spfscreen)
FUZZ_BINS    := $(FUZZ_TARGETS:%=$(FUZZ_DIR)/%)

.PHONY: fuzz-build fuzz fuzz-smoke fuzz-regress
fuzz-build: $(FUZZ_BINS)

$(FUZZ_DIR)/obj/%.o: %.c $(wildcard */*.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c -o $@ $<

$(FUZZ_DIR)/libengine.a: $(ENGINE_SRC:%.c=$(FUZZ_DIR)/obj/%.o)
	@rm -f $@
	ar rcs $@ $^

$(FUZZ_DIR)/fuzz_%: fuzz/fuzz_%.c $(wildcard fuzz/*.h) $(FUZZ_DIR)/libengine.a
	$(FUZZ_CC) $(FUZZ_CFLAGS) -Werror -o $@ $< $(FUZZ_DIR)/libengine.a $(LIBS)

fuzz: fuzz-build
	bash fuzz/run.sh fuzz $(FUZZ_DIR) $(FUZZ_SECONDS) $(FUZZ_JOBS) $(FUZZ_TARGETS)

fuzz-smoke:
	@$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=30

fuzz-regress: fuzz-build
	bash fuzz/run.sh regress $(FUZZ_DIR) 0 1 $(FUZZ_TARGETS)

# Load and soak (issue #8): a real exim4 daemon (-bdf) on 127.0.0.1:<free port> with its own
# configuration, spool (on /dev/shm) and logs, loading the module; 32 concurrent SMTP clients
# from distinct 127.x addresses (good, no-PTR, listed and allowlisted hosts; one DNS answer
# in ten delayed past dns_timeout or dropped, by the programmable responder), plus one
# connection carrying 1,000 messages whose Exim process's VmRSS is sampled. Every message
# accounted for (spool, main log), no panic-log entry, no process killed by a signal.
# Writes <dir>/summary.txt (sent= accepted= rejected= deferred= lost= panics= signals=
# rss_growth_kb_per_1000=) and <dir>/report.txt; see tests/soak/soak.py.
#   make soak       20,000 messages, build/soak/
#   make soak-ci    2,000 messages, build/soak-ci/ (part of make test)
# Always the plain module (as exim-static): RSS growth means nothing under ASan.
# SOAK_ARGS: more options for soak.py, e.g. SOAK_ARGS="--clients 16 --keep-spool".
.PHONY: soak soak-ci soak-module
SOAK_ARGS  ?=
soak-module:
	@$(MAKE) --no-print-directory SANITIZE= build/relaycheck.so

soak: soak-module
	$(PYTHON) tests/soak/soak.py --messages 20000 --max-seconds 1500 \
	    --module $(abspath build/relaycheck.so) --out $(abspath build/soak) $(SOAK_ARGS)

soak-ci: soak-module
	$(PYTHON) tests/soak/soak.py --messages 2000 --max-seconds 170 \
	    --module $(abspath build/relaycheck.so) --out $(abspath build/soak-ci) $(SOAK_ARGS)

# Benchmarks (issue #7): what a message costs with the module. bench/run.py (as root) runs
# them inside private network and mount namespaces made for the run (unshare: loopback only,
# and a bind-mounted /etc/resolv.conf naming the benchmark's DNS server on 127.0.0.1:53, so
# Exim's own resolver asks it too; no system file is changed): 1 the module's time against
# the longest chain of DNS lookups (delaying responder, D = 20 and 100 ms), 2 whole exim4 -bs
# sessions through the module against the same checks by Exim's ACL conditions, 3
# instructions per message (callgrind), 4 the No Server Check list at 1k..1M entries
# (bench/allowlist_bench.c), 5 a real exim4 daemon with K = 1, 8, 32 clients, with and
# without the module, with an empty module, with Exim's ACL conditions making the same checks
# and with the module loaded by the daemon, in interleaved rounds, 6 instructions and page faults of one
# connection process (bench/load_driver.c). See BENCHMARKS.md.
#   make bench        full sizes (20 to 35 minutes: the daemon benchmark adds rounds at K = 8,
#                     9 to 25, until its spreads are within 5%): build/bench/summary.txt
#                     (key=value) and a dated section of BENCHMARKS.md
#   make bench-smoke  tiny sizes (under a minute), checks that every number is produced:
#                     build/bench-smoke/summary.txt (part of make test)
# Always the plain build: numbers under ASan mean nothing.
.PHONY: bench bench-smoke bench-build
BENCH_BIN  := build/obj/bench/allowlist_bench
LOAD_DRIVER := build/obj/bench/load_driver
BENCH_ARGS  = --module $(abspath build/relaycheck.so) --allowlist-bench $(abspath $(BENCH_BIN)) \
              --load-driver $(abspath $(LOAD_DRIVER))
bench-build:
	@$(MAKE) --no-print-directory SANITIZE= build/relaycheck.so $(BENCH_BIN) $(LOAD_DRIVER)

$(BENCH_BIN): bench/allowlist_bench.c build/librelaycheck.a $(wildcard allowlist/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(INC) $(OPT) $(WARN) $(HARDEN) -o $@ $< build/librelaycheck.a $(LIBS)

# The connection-process stand-in of the load benchmark (bench/load_driver.c): linked against
# the libraries /usr/sbin/exim4 is linked against, so that binding a module searches the same
# global scope as in Exim's connection processes, and exporting Exim's names a module uses.
# Bound at start (-z now) as Debian builds exim4, so libraries both load are bound before the fork.
EXIM_NEEDED  = $(shell readelf -d /usr/sbin/exim4 2>/dev/null | sed -n 's/.*Shared library: \[\(.*\)\]/-l:\1/p')
$(LOAD_DRIVER): bench/load_driver.c
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(OPT) $(WARN) $(HARDEN) -isystem $(EXIM_INC) -rdynamic -Wl,-z,relro,-z,now -o $@ $< \
	    -Wl,--no-as-needed $(EXIM_NEEDED) -ldl

bench: deps bench-build
	$(PYTHON) bench/run.py $(BENCH_ARGS) --out $(abspath build/bench) --md BENCHMARKS.md

bench-smoke: bench-build
	$(PYTHON) bench/run.py --smoke $(BENCH_ARGS) --out $(abspath build/bench-smoke)

clean:
	rm -rf build
