#!/bin/bash
# Run every test: unit (cmocka), store contract on SQLite and PostgreSQL,
# end-to-end on SQLite and PostgreSQL, the sanitizer build of both, and the
# browser test in Debian's Chromium.  Ends with "tests: N passed, N failed".
# Expects the binaries built (make test does that first).
set -u
cd "$(dirname "$0")/.."
PASS=0
FAIL=0
LOGS=build/test-logs
rm -rf "$LOGS"
mkdir -p "$LOGS"
TMP=$(mktemp -d /tmp/zoneops-test.XXXXXX)
chmod 755 "$TMP"   # the PostgreSQL cluster inside runs as user postgres
PGDIR=$TMP/pg
PGURL=""
cleanup() {
	[ -n "$PGURL" ] && scripts/pg.sh stop "$PGDIR" >/dev/null 2>&1
	[ -n "${DEMO_PID:-}" ] && kill "$DEMO_PID" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

section() { printf '\n== %s\n' "$*"; }

# cmocka prints "[  PASSED  ] N test(s)." and "[  FAILED  ] N test(s), listed below:"
run_cmocka() {  # name, command...
	local name=$1; shift
	local log="$LOGS/${name//\//-}.log"
	"$@" >"$log" 2>&1
	local rc=$?
	local p f
	p=$(grep -Eo '\[  PASSED  \] [0-9]+' "$log" | grep -Eo '[0-9]+$' | tail -1)
	f=$(grep -Eo '\[  FAILED  \] [0-9]+' "$log" | grep -Eo '[0-9]+$' | tail -1)
	p=${p:-0}; f=${f:-0}
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
	PASS=$((PASS + p)); FAIL=$((FAIL + f))
	printf '  %-40s %3d passed, %d failed\n' "$name" "$p" "$f"
	[ "$f" -eq 0 ] || sed 's/^/    | /' "$log" | grep -E 'FAIL|ERROR|error|Assert|Sanitizer|runtime' | head -30
}

# node --test with the TAP reporter ends with "# pass N" / "# fail N"
run_node() {  # name, files...
	local name=$1; shift
	local log="$LOGS/${name//\//-}.log"
	node --test --test-reporter=tap --test-concurrency=1 "$@" >"$log" 2>&1
	local rc=$?
	local p f
	p=$(grep -E '^# pass [0-9]+' "$log" | grep -Eo '[0-9]+' | tail -1)
	f=$(grep -E '^# fail [0-9]+' "$log" | grep -Eo '[0-9]+' | tail -1)
	p=${p:-0}; f=${f:-0}
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
	PASS=$((PASS + p)); FAIL=$((FAIL + f))
	printf '  %-40s %3d passed, %d failed\n' "$name" "$p" "$f"
	# the failures themselves (a file's "not ok" repeats its subtest's, so the innermost come first)
	[ "$f" -eq 0 ] || grep -E -A25 '^ +not ok' "$log" | head -120 | sed 's/^/    | /'
	[ "$f" -eq 0 ] || grep -E -A25 '^not ok' "$log" | head -40 | sed 's/^/    | /'
}

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=23
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

# one pass or fail per check
check() {  # name, command...
	local name=$1; shift
	local log="$LOGS/${name//\//-}.log"
	if "$@" >"$log" 2>&1; then
		PASS=$((PASS + 1)); printf '  %-40s passed\n' "$name"
	else
		FAIL=$((FAIL + 1)); printf '  %-40s FAILED\n' "$name"; sed 's/^/    | /' "$log" | head -20
	fi
}

section "include layers (docs/ARCHITECTURE.md)"
check "layers/src" scripts/check-includes.sh src
# the check itself: an include that climbs the layers must fail it
mkdir -p "$TMP/layers" && cp -r src "$TMP/layers/"
printf '#include "service/service.h"\n' >>"$TMP/layers/src/core/text.c"
wrong_include_fails() {
	local out
	out=$(scripts/check-includes.sh "$TMP/layers/src") && return 1
	printf '%s\n' "$out" | grep -q 'core/text.c:[0-9]*: includes "service/service.h"'
}
check "layers/wrong-include-fails" wrong_include_fails

section "fuzz corpora (libFuzzer targets replayed once)"
for f in build/fuzz/fuzz_*; do
	n=${f#build/fuzz/fuzz_}
	check "fuzz-replay/$n" "$f" -runs=0 "fuzz/corpus/$n"
done

PG_UNITS="test_notify_outbox test_remind test_grams test_transfer test_facts test_enterprise_refs test_enterprise_import"   # unit tests that also run on PostgreSQL (ZONEOPS_TEST_DB)
section "unit tests (SQLite)"
for t in build/tests/test_*; do
	case $t in *.d) continue ;; esac
	run_cmocka "unit/$(basename "$t")" "$t"
done

section "PostgreSQL: starting a throwaway cluster"
if PGURL=$(scripts/pg.sh start "$PGDIR" 2>"$LOGS/pg-start.log"); then
	echo "  $PGURL"
else
	echo "  could not start PostgreSQL:"; sed 's/^/    | /' "$LOGS/pg-start.log"
	FAIL=$((FAIL + 1))
	PGURL=""
fi

if [ -n "$PGURL" ]; then
	section "store contract tests (PostgreSQL)"
	run_cmocka "unit-pg/test_store" env ZONEOPS_TEST_DB="$PGURL" build/tests/test_store
	# the outbox's claim (FOR UPDATE SKIP LOCKED) and the reminders' scans on PostgreSQL
	for t in $PG_UNITS; do
		[ -x "build/tests/$t" ] && run_cmocka "unit-pg/$t" env ZONEOPS_TEST_DB="$PGURL" "build/tests/$t"
	done
	# the demo seeded into PostgreSQL (through an in-memory SQLite, then COPY): a database of its own
	if psql "$PGURL" -q -c "CREATE DATABASE zoneops_demo" >"$LOGS/pg-demo-db.log" 2>&1; then
		run_cmocka "unit-pg/test_demo" env ZONEOPS_TEST_DB="${PGURL%/*}/zoneops_demo" build/tests/test_demo
	else
		echo "  could not create database zoneops_demo:"; sed 's/^/    | /' "$LOGS/pg-demo-db.log"
		FAIL=$((FAIL + 1))
	fi
fi

section "end-to-end (SQLite)"
ZONEOPS_BIN=build/zoneops ZONEOPS_STORE=sqlite run_node e2e-sqlite tests/e2e/*.test.mjs

if [ -n "$PGURL" ]; then
	section "end-to-end (PostgreSQL)"
	ZONEOPS_BIN=build/zoneops ZONEOPS_STORE=postgresql ZONEOPS_PG_URL="$PGURL" run_node e2e-postgresql tests/e2e/*.test.mjs
fi

section "sanitizers (AddressSanitizer + UndefinedBehaviorSanitizer)"
for t in build/tests-asan/test_*; do
	case $t in *.d) continue ;; esac
	run_cmocka "asan-unit/$(basename "$t")" "$t"
done
if [ -n "$PGURL" ]; then
	for t in test_store $PG_UNITS; do
		[ -x "build/tests-asan/$t" ] && run_cmocka "asan-unit-pg/$t" env ZONEOPS_TEST_DB="$PGURL" "build/tests-asan/$t"
	done
	if psql "$PGURL" -q -c "CREATE DATABASE zoneops_demo_asan" >"$LOGS/pg-demo-db.log" 2>&1; then
		run_cmocka "asan-unit-pg/test_demo" env ZONEOPS_TEST_DB="${PGURL%/*}/zoneops_demo_asan" build/tests-asan/test_demo
	else
		echo "  could not create database zoneops_demo_asan:"; sed 's/^/    | /' "$LOGS/pg-demo-db.log"
		FAIL=$((FAIL + 1))
	fi
fi
ZONEOPS_BIN=build/zoneops-asan ZONEOPS_STORE=sqlite run_node e2e-asan-sqlite tests/e2e/*.test.mjs
if [ -n "$PGURL" ]; then
	ZONEOPS_BIN=build/zoneops-asan ZONEOPS_STORE=postgresql ZONEOPS_PG_URL="$PGURL" run_node e2e-asan-postgresql tests/e2e/*.test.mjs
fi

section "browser (Chromium via playwright-core)"
mkdir -p "$TMP/demo"
build/zoneops serve --db "sqlite:$TMP/demo/demo.db" --listen 127.0.0.1:0 --demo \
	>"$LOGS/demo-server.out" 2>"$LOGS/demo-server.err" &
DEMO_PID=$!
for _ in $(seq 1 100); do
	grep -q 'serving on' "$LOGS/demo-server.err" 2>/dev/null && break
	sleep 0.2
done
PORT=$(grep -Eo 'serving on http://127\.0\.0\.1:[0-9]+' "$LOGS/demo-server.err" | grep -Eo '[0-9]+$')
ADMINPW=$(grep -A2 'one-time password' "$LOGS/demo-server.out" | grep -Eo '^ +[A-Za-z0-9]{8,}$' | tr -d ' ')
# the printed password must be changed before anything else: once, through the API
[ -n "$PORT" ] && [ -n "$ADMINPW" ] &&
	ADMINPW=$(node tests/browser/first-login.mjs "http://127.0.0.1:$PORT" "$ADMINPW" 2>>"$LOGS/demo-server.err")
if [ -z "$PORT" ] || [ -z "$ADMINPW" ]; then
	echo "  demo server did not start:"; sed 's/^/    | /' "$LOGS/demo-server.err" | tail -20
	FAIL=$((FAIL + 1))
else
	ZONEOPS_URL="http://127.0.0.1:$PORT" ZONEOPS_ADMIN_PASSWORD="$ADMINPW" \
	ZONEOPS_SCREENSHOT=build/screenshot.png run_node browser tests/browser/*.test.mjs
fi
kill "$DEMO_PID" 2>/dev/null; wait "$DEMO_PID" 2>/dev/null; DEMO_PID=""

printf '\nlogs in %s\n' "$LOGS"
echo "tests: $PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
