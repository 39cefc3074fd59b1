#!/usr/bin/env bash
# bench/calendar.sh -- loading a year's working-day calendar when many open
# requests have provisional due dates (no calendar cliff: every such date is
# computed again, with a history event, in the load's transaction), on
# SQLite and on PostgreSQL, with this build and (BENCH_BASE_BIN) another,
# alternately in the same run, each on a fresh copy of the same database;
# on PostgreSQL also the statements the load sent (log_statement = 'all').
#
#   BENCH_PG_URL=postgresql://postgres@127.0.0.1:PORT/DB bench/calendar.sh
#   BENCH_BASE_BIN=/path/to/old/zoneops BENCH_PG_URL=... bench/calendar.sh
#   BENCH_RUNS=3 (default); BENCH_REQUESTS=20000 (default) provisional
#   requests; BENCH_PG_LOG=DIR/server.log (the cluster's log, as
#   scripts/pg.sh writes it) to count the statements -- nothing else may use
#   that cluster meanwhile.
#
# The database: the demo as of Monday 2026-12-28 09:00 (ZONEOPS_NOW; 2026's
# calendar loaded, 2027's not) and BENCH_REQUESTS open requests: half being
# handled, due 5 to 40 working days after a day in December 2026 (their
# basis), half waiting for acceptance with an acceptance date in January
# 2027, all provisional.  Timed: PUT /api/v1/calendar/2027 with four
# holidays and a make-up working day (an admin token made by `zoneops token
# create`).  Both builds must leave the same dates and the same history
# events (a digest of every request's dates and flags and every
# due_recomputed event's request, statuses and detail), or the script fails.
#
# Needs curl, sqlite3, and psql with a superuser URL for PostgreSQL (it
# creates and drops databases bc_*).  Prints the median seconds.
NAME=calendar.sh
DB_PREFIX=bc_
RUNS_DEFAULT=3
. "$(dirname "$0")/ab-lib.sh"
REQS=${BENCH_REQUESTS:-20000}
NOW=2026-12-28T09:00:00

# serve BIN URL [--demo]: start a server on a free port; its port into
# $TMP/port, its output into $TMP/serve.out (each start its own files: a
# check must never see the previous server's lines)
serve() {
	rm -f "$TMP/serve.out" "$TMP/serve.err" "$TMP/port"
	ZONEOPS_NOW=$NOW ZONEOPS_NOTIFY=off "$1" serve --db "$2" --listen 127.0.0.1:0 ${3:-} >"$TMP/serve.out" 2>"$TMP/serve.err" &
	SERVER=$!
	PIDS+=("$SERVER")
	until grep -q "serving on" "$TMP/serve.err" 2>/dev/null; do
		kill -0 "$SERVER" 2>/dev/null || { cat "$TMP/serve.err" >&2; die "serve stopped"; }
		sleep 0.05
	done
	sed -n 's|.*serving on http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$TMP/serve.err" | head -1 >"$TMP/port"
}

base() {
	local url=$1
	ZONEOPS_NOTIFY=off "$BIN" migrate --db "$url" >/dev/null
	serve "$BIN" "$url" --demo
	until grep -q "demo data created" "$TMP/serve.out" 2>/dev/null; do sleep 0.05; done
	kill "$SERVER"; wait "$SERVER" 2>/dev/null || true
	sql "$url" "UPDATE users SET must_change_password = 0 WHERE username = 'admin'" >/dev/null   # the demo's one-time password
	# handled: basis a December day, 5..40 working days; waiting: accept by a January day
	sql "$url" "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $REQS)
		INSERT INTO requests (kind, enterprise_id, category, title, status, department_id, accepted_on, due_on, due_from,
		  due_months, due_workdays, due_provisional, accept_due_on, accept_due_provisional, created_at, updated_at)
		SELECT 'request', (SELECT min(id) FROM enterprises), (SELECT code FROM request_categories ORDER BY code LIMIT 1),
		  '压测事项 ' || CAST(n.i AS TEXT),
		  CASE WHEN n.i % 2 = 0 THEN 'accepted' ELSE 'submitted' END,
		  (SELECT min(id) FROM departments),
		  CASE WHEN n.i % 2 = 0 THEN '2026-12-' || CAST(10 + n.i % 18 AS TEXT) ELSE '' END,
		  CASE WHEN n.i % 2 = 0 THEN '2027-02-01' ELSE '' END,
		  CASE WHEN n.i % 2 = 0 THEN '2026-12-' || CAST(10 + n.i % 18 AS TEXT) ELSE '' END,
		  0, CASE WHEN n.i % 2 = 0 THEN 5 + n.i % 36 ELSE 0 END, 1 - n.i % 2,
		  CASE WHEN n.i % 2 = 1 THEN '2027-01-0' || CAST(4 + n.i % 5 AS TEXT) ELSE '' END, n.i % 2,
		  1798340400 + n.i, 1798340400 + n.i FROM n" >/dev/null
}

DAYS='{"source":"bench","days":[{"day":"2027-01-01","workday":false},{"day":"2027-02-11","workday":false},
{"day":"2027-02-12","workday":false},{"day":"2027-02-15","workday":false},{"day":"2027-02-20","workday":true}]}'

digest() {
	sql "$1" "SELECT id, due_on, due_provisional, accept_due_on, accept_due_provisional FROM requests ORDER BY id" |
		md5sum | cut -c1-12
	sql "$1" "SELECT request_id, username, from_status, to_status, detail FROM request_events
		WHERE action = 'due_recomputed' ORDER BY id" | md5sum | cut -c1-12
	sql "$1" "SELECT count(*) FROM request_events WHERE action = 'due_recomputed'"
}

ab_bases base

n=0
for r in $(seq 1 "$RUNS"); do
	for k in "${!BINS[@]}"; do
		for s in "${STORES[@]}"; do
			n=$((n + 1))
			ab_db "$s" "$n"
			token=$("${BINS[$k]}" token create --user admin --db "$url" | grep -oE '[A-Za-z0-9_-]{32,}' | head -1) ||
				die "${LABELS[$k]} $s: zoneops token create failed"
			[ -n "$token" ] || die "no token"
			serve "${BINS[$k]}" "$url"
			port=$(cat "$TMP/port")
			pg_log_mark
			t0=$(date +%s.%N)
			[ -n "$port" ] || die "${LABELS[$k]} $s: no port"
			code=$(curl -s -o "$TMP/put.out" -w '%{http_code}' -X PUT -H "Authorization: Bearer $token" \
				-H 'Content-Type: application/json' --data "$DAYS" "http://127.0.0.1:$port/api/v1/calendar/2027") || true
			t1=$(date +%s.%N)
			[ "$code" = 200 ] || die "${LABELS[$k]} $s: PUT /api/v1/calendar/2027: $code $(head -c 300 "$TMP/put.out")"
			secs=$(echo "$t0 $t1" | awk '{printf "%.3f", $2 - $1}')
			if [ "$s" = postgresql ] && [ -n "$PG_LOG" ]; then sleep 0.2; pg_log_count "$TMP/${LABELS[$k]}-$s-stmts"; fi
			kill "$SERVER"; wait "$SERVER" 2>/dev/null || true
			echo "$secs" >>"$TMP/${LABELS[$k]}-$s"
			after=$(digest "$url" | tr '\n' ' ')
			if [ -f "$TMP/digest-$s" ]; then
				[ "$after" = "$(cat "$TMP/digest-$s")" ] ||
					die "${LABELS[$k]} $s left other rows: $after, not $(cat "$TMP/digest-$s")"
			else
				echo "$after" >"$TMP/digest-$s"
			fi
			ab_drop "$s" "$n"
			echo "calendar.sh: run $r ${LABELS[$k]} $s: ${secs} s ($(head -c 120 "$TMP/put.out"))" >&2
		done
	done
done

for s in "${STORES[@]}"; do
	echo "digests of the dates, of the events, and the events recorded ($s): $(cat "$TMP/digest-$s")"
done
echo
ab_table
