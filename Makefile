# SPDX-License-Identifier: ISC
#
# Makefile -- short names for the meson build
#
# meson does the work; this file installs what is missing, configures the
# build directory once and then only compiles. `make test` runs
# tools/test.sh, which builds with gcc in $(BUILD) and with clang plus
# ASan/UBSan in $(ASAN_BUILD), runs every suite in both and ends with the
# line "N passed, N failed, N skipped".

BUILD ?=	build
ASAN_BUILD ?=	build-asan
MESON ?=	meson
BUILD_CC ?=	gcc
ASAN_CC ?=	clang

export BUILD ASAN_BUILD MESON

.PHONY: all deps build test run bench bench-http bench-verify bench-dns clean

all: build

deps:
	@tools/install-deps.sh

build: deps
	@if [ ! -f "$(BUILD)/meson-private/coredata.dat" ]; then \
		CC="$(BUILD_CC)" $(MESON) setup "$(BUILD)" || exit 1; \
	fi
	@$(MESON) compile -C "$(BUILD)"

test: deps
	@GCC="$(BUILD_CC)" CLANG="$(ASAN_CC)" tools/test.sh

run: deps build
	@tools/run.sh

bench: build
	@tools/bench/bench-store.sh

bench-http: build
	@tools/bench/bench-http.sh

bench-verify: build
	@tools/bench/bench-verify.sh

bench-dns: build
	@tools/bench/bench-dns.sh

clean:
	rm -rf "$(BUILD)" "$(ASAN_BUILD)"
