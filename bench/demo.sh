#!/usr/bin/env bash
# bench/demo.sh -- the demo seeding (`zoneops serve --demo` on an empty,
# migrated database, until it prints the admin's password) on SQLite and on
# PostgreSQL, with this build and (BENCH_BASE_BIN) another, alternately in
# the same run; on PostgreSQL also the statements the seeding sent, counted
# in the server's log (log_statement = 'all' on the benchmark's databases).
#
#   BENCH_PG_URL=postgresql://postgres@127.0.0.1:PORT/DB bench/demo.sh
#   BENCH_BASE_BIN=/path/to/old/zoneops BENCH_PG_URL=... bench/demo.sh
#   BENCH_RUNS=5 (default) runs of each; BENCH_PG_LOG=DIR/server.log (the
#   cluster's log, as scripts/pg.sh writes it) to count the statements --
#   nothing else may use that cluster meanwhile.
#
# Needs psql and a superuser URL (it creates and drops databases bd_*).
# Prints the median seconds of each build and store, and their ratio.
set -euo pipefail
export LC_ALL=C

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${ZONEOPS_BIN:-$ROOT/build/zoneops}
BASE_BIN=${BENCH_BASE_BIN:-}
RUNS=${BENCH_RUNS:-5}
PG_URL=${BENCH_PG_URL:-}
PG_LOG=${BENCH_PG_LOG:-}
die() { echo "demo.sh: $*" >&2; exit 1; }

[ -x "$BIN" ] || die "no $BIN (make build/zoneops)"
[ -z "$BASE_BIN" ] || [ -x "$BASE_BIN" ] || die "no $BASE_BIN"
TMP=$(mktemp -d)
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	if [ -n "$PG_URL" ]; then
		for d in $(psql "$PG_URL" -qAt -c "SELECT datname FROM pg_database WHERE datname LIKE 'bd\_%'" 2>/dev/null); do
			psql "$PG_URL" -q -c "DROP DATABASE IF EXISTS $d WITH (FORCE)" >/dev/null 2>&1 || true
		done
	fi
	rm -rf "$TMP"
}
trap cleanup EXIT

# seed BIN URL: the seconds from start to the password line (migrations applied before)
seed() {
	local bin=$1 url=$2 out=$TMP/out.$RANDOM$RANDOM
	ZONEOPS_NOTIFY=off "$bin" migrate --db "$url" >/dev/null
	if [ -n "$PG_LOG" ]; then wc -l <"$PG_LOG" >"$TMP/before"; else echo 0 >"$TMP/before"; fi
	local t0 t1
	t0=$(date +%s.%N)
	ZONEOPS_NOTIFY=off "$bin" serve --db "$url" --listen 127.0.0.1:0 --demo >"$out" 2>"$TMP/err" &
	local pid=$!
	PIDS+=("$pid")
	until grep -q "demo data created" "$out" 2>/dev/null; do
		kill -0 "$pid" 2>/dev/null || { cat "$TMP/err" >&2; die "$bin serve --demo stopped"; }
		sleep 0.02
	done
	t1=$(date +%s.%N)
	kill "$pid"; wait "$pid" 2>/dev/null || true
	echo "$t0 $t1" | awk '{printf "%.2f", $2 - $1}'
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }

LABELS=(new)
BINS=("$BIN")
if [ -n "$BASE_BIN" ]; then LABELS+=(base); BINS+=("$BASE_BIN"); fi
STORES=(sqlite)
[ -n "$PG_URL" ] && STORES+=(postgresql)

n=0
for r in $(seq 1 "$RUNS"); do
	for k in "${!BINS[@]}"; do
		for s in "${STORES[@]}"; do
			n=$((n + 1))
			if [ "$s" = sqlite ]; then
				rm -f "$TMP/d.db"*
				url="sqlite:$TMP/d.db"
			else
				psql "$PG_URL" -q -c "CREATE DATABASE bd_$n" >/dev/null
				[ -z "$PG_LOG" ] || psql "$PG_URL" -q -c "ALTER DATABASE bd_$n SET log_statement = 'all'" >/dev/null
				url="${PG_URL%/*}/bd_$n"
			fi
			secs=$(seed "${BINS[$k]}" "$url")
			echo "$secs" >>"$TMP/${LABELS[$k]}-$s"
			if [ "$s" = postgresql ] && [ -n "$PG_LOG" ]; then
				# the statements after the migrations: the seeding's, and the few of the server's start
				tail -n +"$(($(cat "$TMP/before") + 1))" "$PG_LOG" | grep -cE 'LOG:  (statement|execute [^:]*):' >>"$TMP/${LABELS[$k]}-$s-stmts" || true
			fi
			[ "$s" = postgresql ] && psql "$PG_URL" -q -c "DROP DATABASE bd_$n WITH (FORCE)" >/dev/null
			echo "demo.sh: run $r ${LABELS[$k]} $s: ${secs} s" >&2
		done
	done
done

echo "| store | build | median seconds ($RUNS runs) | runs | statements sent |"
echo "|---|---|---|---|---|"
for s in "${STORES[@]}"; do
	for l in "${LABELS[@]}"; do
		m=$(median <"$TMP/$l-$s")
		st="-"
		[ -f "$TMP/$l-$s-stmts" ] && st=$(median <"$TMP/$l-$s-stmts")
		echo "| $s | $l | $m | $(tr '\n' ' ' <"$TMP/$l-$s") | $st |"
	done
done
