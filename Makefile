# fansync: two commands on a fresh machine.
#   make demo    run fansync on the bundled samples
#   make test    build and run the test suite
#   make lint    check the code's layout against .swift-format
#   make bench   measure the reader on 1,000,000-row synthetic exports (ROWS=...)
#   make install install fansync under PREFIX (default /usr/local), with completions and a man page

SWIFT ?= swift
ROWS ?= 1000000
BENCH_DATA ?= bench/data

PREFIX ?= /usr/local

.PHONY: deps build release demo test lint bench clean fuzz install

deps:
	@scripts/ensure-packages

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

demo: build
	@scripts/demo

test:
	@scripts/ensure-packages test
	$(SWIFT) build --build-tests
	@scripts/with-scratch $(SWIFT) test

# The code's layout, checked against .swift-format (swift format -i -r Sources Tests Fuzz Package.swift fixes
# it), and FanSyncKit's folders, none using one that uses it back (scripts/check-folders).
lint:
	$(SWIFT) format lint --strict -r Sources Tests Fuzz Package.swift
	@scripts/check-folders

bench: release
	@scripts/ensure-packages bench
	@ROWS=$(ROWS) BENCH_DATA=$(BENCH_DATA) bench/run

# libFuzzer harnesses (Fuzz/), built into .build-fuzz/; FUZZ_SECONDS per target (default 60).
fuzz: deps
	@FUZZ_SECONDS=$(FUZZ_SECONDS) Fuzz/run

# A release build with the Swift runtime linked in: the binary needs only the Debian
# libraries `scripts/ensure-packages runtime` lists. The built-in mappings are compiled in.
# The man page comes from swift-argument-parser's generate-manual plugin.
install: build
	$(SWIFT) package plugin generate-manual --configuration debug
	$(SWIFT) build -c release --static-swift-stdlib --scratch-path .build-install
	@scripts/install-files .build-install/release/fansync .build/plugins/GenerateManual/outputs/FanSyncCommand/fansync.1 \
		"$(DESTDIR)$(PREFIX)"

clean:
	rm -rf .build $(BENCH_DATA)
