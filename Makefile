# fansync: two commands on a fresh machine.
#   make demo    run fansync on the bundled samples
#   make test    build and run the test suite
#   make bench   measure the reader on 1,000,000-row synthetic exports (ROWS=...)

SWIFT ?= swift
ROWS ?= 1000000
BENCH_DATA ?= bench/data

.PHONY: deps build release demo test bench clean

deps:
	@scripts/ensure-packages

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

demo: build
	@scripts/demo

test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test

bench: release
	@scripts/ensure-packages bench
	@ROWS=$(ROWS) BENCH_DATA=$(BENCH_DATA) bench/run

clean:
	rm -rf .build $(BENCH_DATA)
