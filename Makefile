# zoneops -- build, run and test.  See README.md.
#   make run    install what is missing, build, serve the demo on 127.0.0.1:8080
#   make test   install what is missing, run every test (unit, e2e on SQLite and
#               PostgreSQL, sanitizer build, browser)
PKGS    := libmicrohttpd jansson sqlite3 libpq libsodium xlsxwriter libzip expat zlib libcurl
CC      ?= cc
CFLAGS  ?= -O2 -g
CFLAGS  += -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter \
           -Isrc $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS  += $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lcsv -lpthread -lm
SAN     := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

MAIN    := src/app/main.c
SRCS    := $(filter-out $(MAIN),$(sort $(wildcard src/*/*.c)))
OBJS    := $(SRCS:src/%.c=build/obj/%.o)
AOBJS   := $(SRCS:src/%.c=build/asan/%.o)
UNIT    := $(sort $(wildcard tests/unit/test_*.c))
UBINS   := $(UNIT:tests/unit/%.c=build/tests/%)
UABINS  := $(UNIT:tests/unit/%.c=build/tests-asan/%)
DB      ?= sqlite:data/zoneops.db
LISTEN  ?= 127.0.0.1:8080

.PHONY: all asan deps run test unit clean bench bench-web check-includes fuzz fuzz-replay
all: build/zoneops build/web/.version

# The browser UI as served (scripts/build-web.sh): web/ under a content-hashed
# path, with gzip and brotli variants made here, once, not per request.
WEBSRC  := $(shell find web -type f ! -name '.*' 2>/dev/null)
build/web/.version: $(WEBSRC) scripts/build-web.sh $(wildcard node_modules/echarts/dist/echarts.esm.min.mjs)
	@scripts/build-web.sh build/web

build/zoneops: $(OBJS) build/obj/app/main.o
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

build/zoneops-asan: $(AOBJS) build/asan/app/main.o
	$(CC) $(CFLAGS) $(SAN) -o $@ $^ $(LDLIBS)

# Each object depends on the headers it includes (-MMD -MP writes the .d files).
build/obj/%.o: src/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

build/asan/%.o: src/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SAN) -MMD -MP -c -o $@ $<

build/tests/%: tests/unit/%.c $(OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -MF $@.d -o $@ $< $(OBJS) $(LDLIBS) -lcmocka

build/tests-asan/%: tests/unit/%.c $(AOBJS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SAN) -MMD -MP -MF $@.d -o $@ $< $(AOBJS) $(LDLIBS) -lcmocka

# The GB/T 4754-2017 table (src/core/industry.h) is generated from the
# reference file and committed; this regenerates it when the file changes.
src/core/industry_data.c: docs/reference/gbt4754-2017.csv scripts/gen_industries.c
	@mkdir -p build
	$(CC) -std=c11 -Wall -Wextra -Werror -o build/gen_industries scripts/gen_industries.c -lcsv
	build/gen_industries $< > $@.tmp && mv $@.tmp $@

asan: build/zoneops-asan $(UABINS)
unit: $(UBINS)

deps:
	@scripts/deps.sh run

run:
	@scripts/deps.sh run
	@$(MAKE) --no-print-directory build/zoneops build/web/.version
	@mkdir -p data
	./build/zoneops serve --db $(DB) --listen $(LISTEN) --demo

# Includes point down the layers (docs/ARCHITECTURE.md); make test runs it too.
check-includes:
	@scripts/check-includes.sh src

test:
	@scripts/deps.sh test
	@$(MAKE) --no-print-directory -j2 build/zoneops build/zoneops-asan build/web/.version $(UBINS) $(UABINS) $(FUZZERS)
	@scripts/test.sh

bench:
	@scripts/deps.sh bench
	@$(MAKE) --no-print-directory build/zoneops
	@bench/run.sh

# The UI: bytes, Lighthouse (npx fetches lighthouse@12.2.3), against nginx.
bench-web:
	@scripts/deps.sh bench
	@$(MAKE) --no-print-directory build/zoneops build/web/.version
	@bench/web.sh

# Fuzzing (libFuzzer, clang from Debian, ASan + UBSan).  Each fuzz/fuzz_X.c
# is a target with its corpus in fuzz/corpus/X/.  `make fuzz` runs each for
# FUZZ_SECONDS (new inputs go to build/fuzz/corpus/X, findings to
# build/fuzz/); `make fuzz-replay` (run by make test) replays the committed
# corpora once.
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 600
FUZZ_CFLAGS  := -std=c11 -D_GNU_SOURCE -g -O1 -Isrc $(shell pkg-config --cflags $(PKGS) 2>/dev/null) \
                -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZERS      := $(patsubst fuzz/%.c,build/fuzz/%,$(sort $(wildcard fuzz/fuzz_*.c)))
FOBJS        := $(SRCS:src/%.c=build/fuzz/obj/%.o)

build/fuzz/obj/%.o: src/%.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c -o $@ $<

build/fuzz/fuzz_%: fuzz/fuzz_%.c $(wildcard fuzz/*.inc) $(FOBJS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FOBJS) $(LDLIBS)

fuzz: $(FUZZERS)
	@for f in $(FUZZERS); do n=$${f#build/fuzz/fuzz_}; mkdir -p build/fuzz/corpus/$$n; \
	  echo "fuzz: $$n for $(FUZZ_SECONDS) s"; \
	  $$f -max_total_time=$(FUZZ_SECONDS) -artifact_prefix=build/fuzz/$$n- -print_final_stats=1 \
	      build/fuzz/corpus/$$n fuzz/corpus/$$n || exit 1; done

fuzz-replay: $(FUZZERS)
	@for f in $(FUZZERS); do n=$${f#build/fuzz/fuzz_}; $$f -runs=0 fuzz/corpus/$$n >/dev/null 2>&1 \
	  && echo "  fuzz-replay $$n: ok" || { echo "  fuzz-replay $$n: FAILED"; exit 1; }; done

clean:
	rm -rf build

-include $(OBJS:.o=.d) $(AOBJS:.o=.d) $(FOBJS:.o=.d) build/obj/app/main.d build/asan/app/main.d $(UBINS:=.d) $(UABINS:=.d)
