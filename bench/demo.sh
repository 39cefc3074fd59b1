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
# Prints the median seconds of each build and store.
NAME=demo.sh
DB_PREFIX=bd_
RUNS_DEFAULT=5
. "$(dirname "$0")/ab-lib.sh"

# seed BIN URL: the seconds from start to the password line (migrations applied before)
seed() {
	local bin=$1 url=$2 out=$TMP/out.$RANDOM$RANDOM
	ZONEOPS_NOTIFY=off "$bin" migrate --db "$url" >/dev/null
	pg_log_mark
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

n=0
for r in $(seq 1 "$RUNS"); do
	for k in "${!BINS[@]}"; do
		for s in "${STORES[@]}"; do
			n=$((n + 1))
			ab_db "$s" "$n"
			secs=$(seed "${BINS[$k]}" "$url")
			echo "$secs" >>"$TMP/${LABELS[$k]}-$s"
			if [ "$s" = postgresql ] && [ -n "$PG_LOG" ]; then
				# the statements after the migrations: the seeding's, and the few of the server's start
				pg_log_count "$TMP/${LABELS[$k]}-$s-stmts"
			fi
			ab_drop "$s" "$n"
			echo "demo.sh: run $r ${LABELS[$k]} $s: ${secs} s" >&2
		done
	done
done

ab_table
