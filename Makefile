# scalepipe — GNU make.  `make` builds lib/libscalepipe.a and every tool into
# bin/; `make check` runs the unit and CLI tests, then again under ASan+UBSan
# and under valgrind, then the integration tests; see README.md.
#
# Tools, library modules, tests and benchmarks are found by wildcard: adding
# tools/foo.c gives bin/foo, lib/sp_foo.c joins the library, tests/unit/test_foo.c
# becomes a unit test, tests/cli/foo.sh a CLI test file, bench/foo.sh a benchmark.

VERSION   = 0.1.0
PREFIX   ?= /usr/local
BINDIR_I  = $(DESTDIR)$(PREFIX)/bin
MANDIR_I  = $(DESTDIR)$(PREFIX)/share/man
DATADIR_I = $(DESTDIR)$(PREFIX)/share/scalepipe
# scripts installed next to the tools (their version set to VERSION)
SCRIPTS_I = scripts/scalepipe-tick scripts/scalepipe-report scripts/scalepipe-frontier
SHARE_I   = scripts/plot-frontier.gp scripts/lstm-replay.sh
# data files the installed tools read at run time (sp_cli_datafile)
DATA_RT   = data/bascaler_fft_service_curve.csv

CC       ?= cc
OPT      ?= -O2 -g
PKGS      = gsl openblas libcurl jansson yaml-0.1 libmicrohttpd
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
# openblas first: with --as-needed it stays only in tools whose own code
# calls CBLAS (GSL's own CBLAS calls go to gslcblas), so other tools do not
# start OpenBLAS's thread pool.
PKG_LIBS   := $(shell pkg-config --libs openblas 2>/dev/null) \
              $(shell pkg-config --libs gsl libcurl jansson yaml-0.1 libmicrohttpd 2>/dev/null)
WARN      = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
            -Wno-unused-parameter $(if $(findstring clang,$(CC)),,-Wno-format-truncation)
SPCFLAGS  = -std=c17 -ffp-contract=off $(WARN) $(OPT) $(SAN) -D_GNU_SOURCE -DSP_VERSION='"$(VERSION)"' -Ilib -I/usr/include/libsvm $(PKG_CFLAGS) $(CFLAGS)
SPLDLIBS  = -Wl,--as-needed -lcsv -lsvm -lxgboost $(PKG_LIBS) -lpthread -lm $(LDLIBS)

# Build flavour: the default build goes to build/ + bin/; `make SAN=...
# B=build/asan` builds a sanitizer copy without touching bin/.
B        ?= build
ifeq ($(B),build)
BIN      ?= bin
LIBA     ?= lib/libscalepipe.a
else
BIN      ?= $(B)/bin
LIBA     ?= $(B)/libscalepipe.a
endif

LIB_SRC   = $(wildcard lib/*.c)
LIB_OBJ   = $(LIB_SRC:%.c=$(B)/%.o)
LIB_HDR   = $(wildcard lib/*.h)
TOOL_SRC  = $(wildcard tools/*.c)
TOOLS     = $(TOOL_SRC:tools/%.c=%)
TOOL_BIN  = $(TOOLS:%=$(BIN)/%)
UNIT_SRC  = $(wildcard tests/unit/test_*.c)
UNIT_BIN  = $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)
MAN1      = $(wildcard man/man1/*.1)
MAN7      = $(wildcard man/man7/*.7)

SAN_FLAGS = -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
# clang's UBSan has checks gcc's lacks (float-cast-overflow: a double out of
# an integer type's range converted to it); build/clang-san, check-clang-san.
CLANG_SAN_FLAGS = -O1 -g -fsanitize=address,undefined,float-cast-overflow -fno-omit-frame-pointer \
            -fno-sanitize-recover=all
# libFuzzer targets (tests/fuzz/fuzz_*.c): the campaign builds the library
# with coverage (build/fuzz, `make fuzz`); check-clang-san links the same
# targets against build/clang-san to replay the seed corpora.
FUZZ_SRC  = $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BIN  = $(FUZZ_SRC:tests/fuzz/%.c=$(B)/fuzz/%)
FUZZ_SAN  = -O1 -g -fsanitize=fuzzer-no-link,address,undefined,float-cast-overflow \
            -fno-omit-frame-pointer -fno-sanitize-recover=all

.PHONY: all tools unit check check-fast check-clang check-asan check-valgrind check-integration \
        check-man check-clang-san clang-san fuzz-targets demo bench install uninstall clean fuzz
.DELETE_ON_ERROR:

all: $(LIBA) $(TOOL_BIN)

# V=1 shows the full commands.
ifeq ($(V),1)
Q =
say = @:
else
Q = @
say = @echo
endif

$(B)/lib/%.o: lib/%.c $(LIB_HDR) | $(B)/lib
	$(say) "  CC      $@"
	$(Q)$(CC) $(SPCFLAGS) -c -o $@ $<

$(LIBA): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	$(say) "  AR      $@"
	$(Q)rm -f $@ && ar rcs $@ $(LIB_OBJ)

$(BIN)/%: tools/%.c $(LIBA) $(LIB_HDR) | $(BIN)
	$(say) "  CCLD    $@"
	$(Q)$(CC) $(SPCFLAGS) -o $@ $< $(LIBA) $(SPLDLIBS)

$(B)/tests/%: tests/unit/%.c tests/unit/check.h $(LIBA) | $(B)/tests
	$(say) "  CCLD    $@"
	$(Q)$(CC) $(SPCFLAGS) -Itests/unit -o $@ $< $(LIBA) $(SPLDLIBS)

$(B)/fuzz/%: tests/fuzz/%.c tests/fuzz/fuzz.h $(LIBA) | $(B)/fuzz
	$(say) "  CCLD    $@"
	$(Q)$(CC) $(SPCFLAGS) -Itests/fuzz -fsanitize=fuzzer -Wl,--wrap=sp_http_request -o $@ $< \
	    $(LIBA) $(SPLDLIBS)

$(B)/lib $(B)/tests $(B)/fuzz $(BIN):
	mkdir -p $@

unit: $(UNIT_BIN)

# needs CC=clang (libFuzzer); see check-clang-san and `make fuzz`
fuzz-targets: $(FUZZ_BIN)

# ---- tests -------------------------------------------------------------
# check-fast: unit + CLI tests on the normal build.
check-fast: all unit
	@sh tests/run.sh --bin $(abspath $(BIN)) --unit $(abspath $(B)/tests) --label plain

check-asan:
	@$(MAKE) --no-print-directory B=build/asan SAN="$(SAN_FLAGS)" OPT= all unit
	@ASAN_OPTIONS=detect_leaks=1:exitcode=99:abort_on_error=0 \
	 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:exitcode=99 \
	 sh tests/run.sh --bin $(abspath build/asan/bin) --unit $(abspath build/asan/tests) --label asan

check-valgrind: all unit
	@sh tests/run.sh --bin $(abspath $(BIN)) --unit $(abspath $(B)/tests) --label valgrind --valgrind

check-integration: all
	@sh tests/run.sh --bin $(abspath $(BIN)) --integration --label integration

check-man:
	@sh tests/check-man.sh $(abspath $(BIN))

# -Werror build with clang (warnings differ from gcc's); tests run on gcc builds.
check-clang:
	@if $(MAKE) --no-print-directory -s CC=clang B=build/clang all unit >build/clang.log 2>&1; \
	then echo "clang: 1 passed, 0 failed"; \
	else cat build/clang.log; echo "clang: 0 passed, 1 failed"; exit 1; fi

# clang ASan + UBSan with float-cast-overflow: the unit tests, the CLI test
# files named in CLANG_SAN_CLI (`all` for every one; the default leaves out
# the five slowest under sanitizers, anomaly gbfit rltrain seasonfit svrfit,
# whose engines gcc's ASan stage and the fuzz targets cover, to keep make
# check in CI's time), then every fuzz target once over its seed corpus.
CLANG_SAN_CLI ?= arfit burstdetect forecast lstmtrain plan promexport promfetch scale simulate window
clang-san:
	@$(MAKE) --no-print-directory CC=clang B=build/clang-san SAN="$(CLANG_SAN_FLAGS)" OPT= \
	    all unit fuzz-targets

# Its build is also make check's clang stage (-Werror under clang): one
# "clang" count once it built.
check-clang-san: clang-san
	@echo "clang: 1 passed, 0 failed"
	@export ASAN_OPTIONS=detect_leaks=1:exitcode=99:abort_on_error=0 \
	    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:exitcode=99; \
	 b=$(abspath build/clang-san/bin) s=0; \
	 if [ "$(CLANG_SAN_CLI)" = all ]; then \
	     sh tests/run.sh --bin $$b --unit $(abspath build/clang-san/tests) --label clang-san || s=1; \
	 else \
	     sh tests/run.sh --bin $$b --unit $(abspath build/clang-san/tests) --only test_ --label clang-san || s=1; \
	     printf '%s\n' $(CLANG_SAN_CLI) | \
	         xargs -P $$(nproc 2>/dev/null || echo 2) -I{} sh tests/run.sh -j 1 --bin $$b --only {} --label clang-san || s=1; \
	 fi; \
	 sh tests/fuzz/replay.sh $(abspath build/clang-san/fuzz) || s=1; \
	 exit $$s

check: all unit
	@sh tests/check-all.sh "$(MAKE)"

# ---- the rest ----------------------------------------------------------
# The main job on shipped traces: forecasts with interval coverage, then (once
# scripts/demo exists) the whole chain and the policy comparison.
demo: all
	@sh scripts/demo-forecast $(abspath $(BIN))
	@if [ -f scripts/demo ]; then sh scripts/demo; fi

# Every benchmark, each .md regenerated from its script's output (bench/run);
# the peers are Debian packages (scripts/install-deps --bench).
bench: all
	@sh scripts/install-deps --bench
	@sh bench/run

fuzz:
	@$(MAKE) --no-print-directory CC=clang B=build/fuzz SAN="$(FUZZ_SAN)" OPT= fuzz-targets
	@sh tests/fuzz/run.sh

install: all
	mkdir -p $(BINDIR_I) $(MANDIR_I)/man1 $(MANDIR_I)/man7 $(DATADIR_I)
	for t in $(TOOLS); do install -m 755 $(BIN)/$$t $(BINDIR_I)/$$t; done
	for s in $(SCRIPTS_I); do sed 's/^version=.*/version=$(VERSION)/' $$s > $(BINDIR_I)/$${s#scripts/}.tmp && \
	  chmod 755 $(BINDIR_I)/$${s#scripts/}.tmp && mv -f $(BINDIR_I)/$${s#scripts/}.tmp $(BINDIR_I)/$${s#scripts/}; done
	for f in $(DATA_RT) $(SHARE_I); do install -m 644 $$f $(DATADIR_I)/; done
	for m in $(MAN1); do install -m 644 $$m $(MANDIR_I)/man1/; done
	for m in $(MAN7); do install -m 644 $$m $(MANDIR_I)/man7/; done

uninstall:
	for t in $(TOOLS); do rm -f $(BINDIR_I)/$$t; done
	for s in $(SCRIPTS_I); do rm -f $(BINDIR_I)/$${s#scripts/}; done
	for m in $(MAN1) $(MAN7); do rm -f $(MANDIR_I)/$${m#man/}; done
	for f in $(DATA_RT); do rm -f $(DATADIR_I)/$${f#data/}; done
	for f in $(SHARE_I); do rm -f $(DATADIR_I)/$${f#scripts/}; done
	-rmdir $(DATADIR_I)

clean:
	rm -rf build bin lib/libscalepipe.a
