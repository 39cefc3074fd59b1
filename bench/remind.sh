#!/usr/bin/env bash
# bench/remind.sh -- one pass of the reminders (`zoneops notify scan`) over
# a zone with many cases due and overdue, on SQLite and on PostgreSQL, with
# this build and (BENCH_BASE_BIN) another, alternately in the same run, each
# on a fresh copy of the same database; on PostgreSQL also the statements
# the pass sent, counted in the server's log (log_statement = 'all').
#
#   BENCH_PG_URL=postgresql://postgres@127.0.0.1:PORT/DB bench/remind.sh
#   BENCH_BASE_BIN=/path/to/old/zoneops BENCH_PG_URL=... bench/remind.sh
#   BENCH_RUNS=5 (default); BENCH_CASES=300 (default) cases of each of five
#   kinds; BENCH_PG_LOG=DIR/server.log (the cluster's log, as
#   scripts/pg.sh writes it) to count the statements -- nothing else may use
#   that cluster meanwhile.  BENCH_DUMPS=DIR keeps each build's rows there
#   (LABEL-STORE.txt) to see how two builds differ.
#
# The database: the demo, seeded as of Tuesday 2026-12-08 09:00 (zone time;
# ZONEOPS_NOW), and BENCH_CASES each of: requests being handled due today,
# requests overdue for handling by 3 days, requests overdue for acceptance
# by 2 days, findings due today, findings overdue by 3 days -- spread over
# the demo's enterprises (their officers) and departments; every department
# has a channel and every officer and leader an e-mail address.  The pass runs at
# 09:00 that day: every rule's notices (at most 200 a rule a pass), the
# quota check and the digests.  Each build's pass must record the same
# events and notifications (checked: the counts by kind and a digest of
# every row's content; a notification's time as seconds after its event's,
# since ZONEOPS_NOW starts a clock that runs), or the script fails.
#
# Needs psql and a superuser URL for PostgreSQL (it creates and drops
# databases br_*).  Prints the median seconds of each build and store.
NAME=remind.sh
DB_PREFIX=br_
RUNS_DEFAULT=5
. "$(dirname "$0")/ab-lib.sh"
CASES=${BENCH_CASES:-300}
NOW=2026-12-08T09:00:00

# base URL: the demo as of $NOW and the benchmark's cases
base() {
	local url=$1 out=$TMP/seed.out
	rm -f "$out"   # the previous base's "demo data created" must not be seen
	ZONEOPS_NOTIFY=off "$BIN" migrate --db "$url" >/dev/null
	ZONEOPS_NOW=$NOW ZONEOPS_NOTIFY=off "$BIN" serve --db "$url" --listen 127.0.0.1:0 --demo >"$out" 2>"$TMP/seed.err" &
	local pid=$!
	PIDS+=("$pid")
	until grep -q "demo data created" "$out" 2>/dev/null; do
		kill -0 "$pid" 2>/dev/null || { cat "$TMP/seed.err" >&2; die "serve --demo stopped"; }
		sleep 0.05
	done
	kill "$pid"; wait "$pid" 2>/dev/null || true
	# a channel for every department without one, an e-mail for every officer and leader
	sql "$url" "INSERT INTO channels (kind, name, target, department_id, events, enabled, created_at, updated_at)
		SELECT 'webhook', '压测', 'http://127.0.0.1:9/hook/' || CAST(d.id AS TEXT), d.id, '', 1, 0, 0 FROM departments d
		WHERE NOT EXISTS (SELECT 1 FROM channels c WHERE c.department_id = d.id)" >/dev/null
	sql "$url" "INSERT INTO notify_prefs (user_id, events, quiet_from, quiet_to, email, lang, updated_at)
		SELECT u.id, '', '', '', u.username || '@example.cn', 'zh', 0 FROM users u
		WHERE u.role IN ('officer', 'leader') AND NOT EXISTS (SELECT 1 FROM notify_prefs p WHERE p.user_id = u.id)" >/dev/null
	# kind status due_on accept_due_on, for each of the five groups
	local g
	for g in "request|accepted|2026-12-08|" "request|in_progress|2026-12-03|" "request|submitted||2026-12-04" \
		"inspection|assigned|2026-12-08|" "inspection|assigned|2026-12-03|"; do
		IFS='|' read -r kind status due adue <<<"$g"
		sql "$url" "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $CASES)
			INSERT INTO requests (kind, enterprise_id, category, title, status, department_id, due_on, accept_due_on,
			  created_at, updated_at)
			SELECT '$kind',
			  CASE WHEN '$kind' = 'request' THEN (SELECT x.id FROM (SELECT id, ROW_NUMBER() OVER (ORDER BY id) AS rn
			    FROM enterprises) x WHERE x.rn = 1 + (n.i * 7) % (SELECT count(*) FROM enterprises)) END,
			  (SELECT code FROM request_categories ORDER BY code LIMIT 1), '压测事项 ' || CAST(n.i AS TEXT), '$status',
			  (SELECT x.id FROM (SELECT id, ROW_NUMBER() OVER (ORDER BY id) AS rn FROM departments) x
			    WHERE x.rn = 1 + n.i % (SELECT count(*) FROM departments)),
			  '$due', '$adue', 1796605200, 1796605200 FROM n" >/dev/null
	done
}

# counts URL: the events and notifications by kind, and a digest of every
# event (key, kind, entity, payload) and notification (dest, kind, target,
# channel, user, enterprise, language, state, seconds after the event) -- to
# compare the builds
counts() {
	sql "$1" "SELECT e.kind, count(DISTINCT e.id), count(n.id) FROM notify_events e
		LEFT JOIN notifications n ON n.event_id = e.id GROUP BY e.kind ORDER BY e.kind" | tr '\n' ' '
	sql "$1" "SELECT e.event_key, e.kind, e.entity, COALESCE(e.entity_id, 0), e.payload, COALESCE(n.dest, ''),
		COALESCE(n.kind, ''), COALESCE(n.target, ''), COALESCE(n.channel_id, 0), COALESCE(n.user_id, 0),
		COALESCE(n.enterprise_id, 0), COALESCE(n.lang, ''), COALESCE(n.state, ''), COALESCE(n.next_at - e.created_at, 0)
		FROM notify_events e LEFT JOIN notifications n ON n.event_id = e.id" |
		sort | tee "$TMP/dump" | md5sum | cut -c1-12
}

ab_bases base

n=0
for r in $(seq 1 "$RUNS"); do
	for k in "${!BINS[@]}"; do
		for s in "${STORES[@]}"; do
			n=$((n + 1))
			ab_db "$s" "$n"
			before=$(counts "$url")
			pg_log_mark
			t0=$(date +%s.%N)
			ZONEOPS_NOW=$NOW ZONEOPS_NOTIFY=off "${BINS[$k]}" notify scan --db "$url" >"$TMP/scan.out" 2>&1 ||
				{ cat "$TMP/scan.out" >&2; die "${LABELS[$k]} notify scan failed"; }
			t1=$(date +%s.%N)
			secs=$(echo "$t0 $t1" | awk '{printf "%.3f", $2 - $1}')
			echo "$secs" >>"$TMP/${LABELS[$k]}-$s"
			if [ "$s" = postgresql ] && [ -n "$PG_LOG" ]; then pg_log_count "$TMP/${LABELS[$k]}-$s-stmts"; fi
			after=$(counts "$url")
			[ "$after" != "$before" ] || die "${LABELS[$k]} $s: the pass recorded nothing"
			if [ -f "$TMP/counts-$s" ]; then
				[ "$after" = "$(cat "$TMP/counts-$s")" ] || ! cp "$TMP/dump" "${BENCH_DUMPS:-$TMP}/${LABELS[$k]}-$s.txt" ||
					die "${LABELS[$k]} $s recorded other events: $after, not $(cat "$TMP/counts-$s")"
			else
				echo "$after" >"$TMP/counts-$s"
				cp "$TMP/dump" "${BENCH_DUMPS:-$TMP}/${LABELS[$k]}-$s.txt"
			fi
			ab_drop "$s" "$n"
			echo "remind.sh: run $r ${LABELS[$k]} $s: ${secs} s, $(cat "$TMP/scan.out")" >&2
		done
	done
done

for s in "${STORES[@]}"; do
	echo "events and notifications by kind after the pass ($s): $(cat "$TMP/counts-$s")"
done
echo
ab_table
