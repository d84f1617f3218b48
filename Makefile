# shrinknet — build, test and benchmark.
#   make            library (static + shared) and the CLI
#   make check      build everything and run the whole test suite (tests/run.sh)
#   make sanitize   the same under AddressSanitizer + UndefinedBehaviorSanitizer
#   make fuzz       libFuzzer harnesses of tests/fuzz (clang, ASan + UBSan) in build-fuzz/fuzz
#   make mpi        the CLI with MPI (Open MPI's mpicc) in build-mpi/shrinknet: mpirun -n P ... bench
#   make check-mpi  the MPI build's tests (tests/mpi/run.sh)
#   make bench      build the benchmark programs
#   make install    install into $(DESTDIR)$(PREFIX) (default /usr/local); make uninstall
#   make clean

CC      ?= cc
OPT     ?= -O2 -g
WARN    := -std=c11 -Wall -Wextra -Wpedantic -Wshadow -Wconversion
BLAS_CFLAGS := $(shell pkg-config --cflags openblas 2>/dev/null)
BLAS_LIBS   := $(shell pkg-config --libs openblas 2>/dev/null || echo -lopenblas)
CHECK_LIBS  := $(shell pkg-config --libs check 2>/dev/null || echo -lcheck -lsubunit -lrt -pthread)
JSON_CFLAGS := $(shell pkg-config --cflags jansson 2>/dev/null)
JSON_LIBS   := $(shell pkg-config --libs jansson 2>/dev/null || echo -ljansson)
CPPFLAGS += -Iinclude -Isrc -D_POSIX_C_SOURCE=200809L $(BLAS_CFLAGS) $(JSON_CFLAGS)
# Every object also writes its header dependencies (.d), so that a changed header rebuilds
# exactly the objects that include it.
DEPFLAGS = -MMD -MP
CFLAGS  += $(OPT) $(WARN) -fPIC
LDLIBS  := $(JSON_LIBS) -lgsl $(BLAS_LIBS) -lm
# The CLI alone also draws figures (PLplot) and downloads data (libcurl).
CLI_CFLAGS := $(shell pkg-config --cflags plplot libcurl 2>/dev/null)
CLI_LIBS   := $(shell pkg-config --libs plplot libcurl 2>/dev/null || echo -lplplot -lcurl)

# The library's version (one source of truth: SN_VERSION in include/shrinknet.h) and its SONAME.
VERSION := $(shell sed -n 's/^\#define SN_VERSION "\(.*\)"/\1/p' include/shrinknet.h)
SOMAJOR := $(firstword $(subst ., ,$(VERSION)))
SONAME  := libshrinknet.so.$(SOMAJOR)

B := build
# src/ holds one folder per layer (core <- net, vem <- model <- io <- bench); see docs/ARCHITECTURE.md.
LAYERS   := core net vem model io bench
LIB_SRC  := $(foreach d,$(LAYERS),$(wildcard src/$(d)/*.c))
LIB_OBJ  := $(patsubst src/%.c,$(B)/obj/%.o,$(LIB_SRC))
CLI_SRC  := $(wildcard cli/*.c)
CLI_OBJ  := $(patsubst cli/%.c,$(B)/cli/%.o,$(CLI_SRC))
TEST_SRC := $(wildcard tests/test_*.c)
TEST_BIN := $(patsubst tests/%.c,$(B)/tests/%,$(TEST_SRC))
BENCH_SRC := $(wildcard bench/*.c)
BENCH_BIN := $(patsubst bench/%.c,$(B)/bench/%,$(BENCH_SRC))
DEPS := $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d)

.PHONY: all lib cli tests check sanitize bench clean fuzz fuzz-bins mpi check-mpi install uninstall
all: lib cli extras
lib: $(B)/libshrinknet.a $(B)/libshrinknet.so
cli: $(B)/shrinknet
tests: $(TEST_BIN) $(B)/shrinknet
bench: $(BENCH_BIN) $(B)/shrinknet

$(B)/obj/%.o: src/%.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(DEPFLAGS) -c $< -o $@
$(B)/cli/%.o: cli/%.c | $(B)/cli
	$(CC) $(CPPFLAGS) -Icli $(CLI_CFLAGS) $(CFLAGS) $(DEPFLAGS) -c $< -o $@
$(B)/libshrinknet.a: $(LIB_OBJ)
	rm -f $@ && ar rcs $@ $^
# The shared library carries its SONAME; build/libshrinknet.so.MAJOR links to it as the loader
# expects, and build/libshrinknet.so is the development link.
$(B)/libshrinknet.so: $(B)/libshrinknet.so.$(VERSION)
	ln -sf libshrinknet.so.$(VERSION) $(B)/$(SONAME)
	ln -sf libshrinknet.so.$(VERSION) $@
# Only the functions of the public headers are exported (scripts/symbols.sh makes the version
# script from them); tests/abi/symbols.txt is the committed list the install test compares with.
PUBLIC_HDRS := include/shrinknet.h include/shrinknet_bench.h
$(B)/libshrinknet.map: $(PUBLIC_HDRS) scripts/symbols.sh
	@mkdir -p $(@D)
	{ echo 'SHRINKNET_$(SOMAJOR) {'; echo '  global:'; \
	  sh scripts/symbols.sh $(PUBLIC_HDRS) | sed 's/.*/    &;/'; echo '  local: *;'; echo '};'; } >$@
$(B)/libshrinknet.so.$(VERSION): $(LIB_OBJ) $(B)/libshrinknet.map
	$(CC) $(CFLAGS) -shared -Wl,-soname,$(SONAME) -Wl,--version-script=$(B)/libshrinknet.map \
	    -o $@ $(LIB_OBJ) $(LDLIBS)
$(B)/shrinknet: $(CLI_OBJ) $(B)/libshrinknet.a
	$(CC) $(CFLAGS) -o $@ $(CLI_OBJ) $(B)/libshrinknet.a $(CLI_LIBS) $(LDLIBS)
$(B)/tests/%: tests/%.c tests/test_util.h tests/fd_check.h $(B)/libshrinknet.a | $(B)/tests
	$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $< $(B)/libshrinknet.a $(CHECK_LIBS) $(LDLIBS)
$(B)/bench/%: bench/%.c $(B)/libshrinknet.a | $(B)/bench
	$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $< $(B)/libshrinknet.a $(LDLIBS)

$(B)/cli $(B)/tests $(B)/bench:
	mkdir -p $@

-include $(DEPS)

check: all tests
	sh tests/run.sh $(B)

sanitize:
	$(MAKE) B=build-san OPT="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" \
	    LDFLAGS="-fsanitize=address,undefined" tests
	# A sanitizer report exits 86, never 1: the CLI tests expect exit 1 for bad data.
	ASAN_OPTIONS=exitcode=86:detect_leaks=1 UBSAN_OPTIONS=exitcode=86:print_stacktrace=1 \
	    SN_BUILD=build-san sh tests/run.sh build-san

# The readers, the model loader and the option parser under libFuzzer (tests/fuzz/README.md).
FUZZ_CC  ?= clang
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_BIN := $(patsubst tests/fuzz/%.c,$(B)/fuzz/%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_CLI := $(B)/cli/opts.o $(B)/cli/common.o $(B)/cli/cmd_train.o
fuzz:
	$(MAKE) B=build-fuzz CC=$(FUZZ_CC) OPT="-O1 -g $(FUZZ_SAN) -fsanitize=fuzzer-no-link" fuzz-bins
fuzz-bins: $(FUZZ_BIN)
$(B)/fuzz/%: tests/fuzz/%.c tests/fuzz/fuzz_util.h $(B)/libshrinknet.a $(FUZZ_CLI) | $(B)/fuzz
	$(CC) $(CPPFLAGS) -Icli $(CFLAGS) -fsanitize=fuzzer -o $@ $< \
	    $(if $(findstring fuzz_opts,$@),$(FUZZ_CLI)) $(B)/libshrinknet.a $(LDLIBS)
$(B)/fuzz:
	mkdir -p $@

# The optional MPI build: the same sources, cli/bench_mpi.c with SN_MPI (docs/scaling.md).
MPICC ?= mpicc
mpi:
	$(MAKE) B=build-mpi CC=$(MPICC) CPPFLAGS="$(CPPFLAGS) -DSN_MPI" cli
check-mpi: mpi all
	sh tests/mpi/run.sh build-mpi/shrinknet $(B)/shrinknet

# What make install puts beside the program and the library, generated from the program itself:
# the manual page and the bash completion (scripts/man.sh, scripts/completion.sh), and the
# pkg-config file (shrinknet.pc.in).
extras: $(B)/share/man/man1/shrinknet.1 $(B)/share/bash-completion/shrinknet
$(B)/share/man/man1/shrinknet.1: $(B)/shrinknet scripts/man.sh docs/man/shrinknet.1.head
	@mkdir -p $(@D)
	sh scripts/man.sh $(B)/shrinknet docs/man/shrinknet.1.head >$@.tmp && mv $@.tmp $@
$(B)/share/bash-completion/shrinknet: $(B)/shrinknet scripts/completion.sh
	@mkdir -p $(@D)
	sh scripts/completion.sh $(B)/shrinknet >$@.tmp && mv $@.tmp $@

PREFIX  ?= /usr/local
DESTDIR ?=
BINDIR  := $(PREFIX)/bin
LIBDIR  := $(PREFIX)/lib
INCDIR  := $(PREFIX)/include
MANDIR  := $(PREFIX)/share/man/man1
DOCDIR  := $(PREFIX)/share/doc/shrinknet
COMPDIR := $(PREFIX)/share/bash-completion/completions
PCDIR   := $(LIBDIR)/pkgconfig
DOCS    := README.md docs/MATH.md docs/FORMATS.md docs/ARCHITECTURE.md
$(B)/shrinknet.pc: shrinknet.pc.in Makefile
	sed -e 's#@PREFIX@#$(PREFIX)#' -e 's#@LIBDIR@#$(LIBDIR)#' -e 's#@INCDIR@#$(INCDIR)#' \
	    -e 's#@VERSION@#$(VERSION)#' shrinknet.pc.in >$@
install: all $(B)/shrinknet.pc
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCDIR) $(DESTDIR)$(MANDIR) \
	    $(DESTDIR)$(DOCDIR) $(DESTDIR)$(COMPDIR) $(DESTDIR)$(PCDIR)
	install -m 755 $(B)/shrinknet $(DESTDIR)$(BINDIR)/shrinknet
	install -m 755 $(B)/libshrinknet.so.$(VERSION) $(DESTDIR)$(LIBDIR)/
	ln -sf libshrinknet.so.$(VERSION) $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(LIBDIR)/libshrinknet.so
	install -m 644 $(B)/libshrinknet.a $(DESTDIR)$(LIBDIR)/
	install -m 644 $(PUBLIC_HDRS) $(DESTDIR)$(INCDIR)/
	install -m 644 $(B)/shrinknet.pc $(DESTDIR)$(PCDIR)/
	install -m 644 $(B)/share/man/man1/shrinknet.1 $(DESTDIR)$(MANDIR)/
	install -m 644 $(B)/share/bash-completion/shrinknet $(DESTDIR)$(COMPDIR)/shrinknet
	install -m 644 $(DOCS) $(DESTDIR)$(DOCDIR)/
uninstall:
	rm -f $(DESTDIR)$(BINDIR)/shrinknet $(DESTDIR)$(LIBDIR)/libshrinknet.so.$(VERSION) \
	    $(DESTDIR)$(LIBDIR)/$(SONAME) $(DESTDIR)$(LIBDIR)/libshrinknet.so \
	    $(DESTDIR)$(LIBDIR)/libshrinknet.a $(DESTDIR)$(INCDIR)/shrinknet.h \
	    $(DESTDIR)$(INCDIR)/shrinknet_bench.h $(DESTDIR)$(PCDIR)/shrinknet.pc \
	    $(DESTDIR)$(MANDIR)/shrinknet.1 $(DESTDIR)$(COMPDIR)/shrinknet
	rm -rf $(DESTDIR)$(DOCDIR)

clean:
	rm -rf build build-san build-fuzz build-mpi
