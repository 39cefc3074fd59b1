# zoneops -- build, run and test.  See README.md.
#   make run    install what is missing, build, serve the demo on 127.0.0.1:8080
#   make test   install what is missing, run every test (unit, e2e on SQLite and
#               PostgreSQL, sanitizer build, browser)
PKGS    := libmicrohttpd jansson sqlite3 libpq libsodium xlsxwriter libzip expat
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

.PHONY: all asan deps run test unit clean bench check-includes
all: build/zoneops

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

asan: build/zoneops-asan $(UABINS)
unit: $(UBINS)

deps:
	@scripts/deps.sh run

run:
	@scripts/deps.sh run
	@$(MAKE) --no-print-directory build/zoneops
	@mkdir -p data
	./build/zoneops serve --db $(DB) --listen $(LISTEN) --demo

# Includes point down the layers (docs/ARCHITECTURE.md); make test runs it too.
check-includes:
	@scripts/check-includes.sh src

test:
	@scripts/deps.sh test
	@$(MAKE) --no-print-directory -j2 build/zoneops build/zoneops-asan $(UBINS) $(UABINS)
	@scripts/test.sh

bench:
	@scripts/deps.sh bench
	@$(MAKE) --no-print-directory build/zoneops
	@bench/run.sh

clean:
	rm -rf build

-include $(OBJS:.o=.d) $(AOBJS:.o=.d) build/obj/app/main.d build/asan/app/main.d $(UBINS:=.d) $(UABINS:=.d)
