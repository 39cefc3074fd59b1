#!/usr/bin/env bash
# bench/race.sh -- the monthly race (issue 4): GET /api/v1/race?month=YYYY-MM
# over 1,000,000 leads, 200,000 projects and 500,000 trips, as a ratio to the
# same aggregate written as one SQL query, on SQLite and on PostgreSQL, in
# the same run.
#
#   bench/race.sh          (expects build/zoneops from `make`; node, sqlite3,
#                           psql, curl, taskset; PostgreSQL 15 server binaries
#                           for scripts/pg.sh)
#
# All traffic is on 127.0.0.1; everything lives in temporary directories that
# are removed on exit (also on Ctrl-C), and every process started here -- the
# server and the throwaway PostgreSQL cluster -- is stopped.
#
# What it does:
#   1. a fresh SQLite database: `zoneops migrate`, the six units (inserted
#      when the migrations did not create them), then
#      `node bench/gen-race.mjs` writes users (a leader and 50 recruiters per
#      unit), leads, projects and trips as CSV, loaded with sqlite3 `.import`
#      (into temporary tables, then INSERT ... SELECT; the secondary indexes of
#      leads, projects and trips are dropped for the load and created again
#      with their own definitions), then ANALYZE;
#   2. an admin user "bench" with an API token (the CLI);
#      `zoneops serve --threads 1` pinned to CPU 0; for each month of
#      BENCH_MONTHS: one warm-up call, then BENCH_CALLS sequential
#      `curl -w '%{time_total}'` calls (pinned to CPU 1) of
#      GET /api/v1/race?month=M; the median;
#   3. the reference: the same aggregate (every unit's L, S, I, D, T, J, Q,
#      score and rank, default weights) as ONE SQL query in the sqlite3 shell
#      (pinned to CPU 0, the server's cache_size and temp_store), `.timer on`,
#      one warm-up and BENCH_SQL_RUNS timed runs; the median; the ratio
#      API / SQL.  The response also carries the previous month's ranks
#      ("previous"), so the query for the month and the month before (two
#      such queries in one UNION ALL) is timed too.  The API's values are
#      checked against the query's;
#   4. the same on PostgreSQL: `scripts/pg.sh start` (the cluster pinned to
#      CPU 0), `zoneops migrate --db URL`, the same files with psql `\copy`
#      (foreign-key triggers off and secondary indexes rebuilt for the load),
#      VACUUM ANALYZE, `zoneops serve --db URL`, psql `\timing`;
#   5. prints a markdown table with the command, machine and date.
#
# Settings (environment): BENCH_LEADS (1000000), BENCH_PROJECTS (200000),
# BENCH_TRIPS (500000), BENCH_RECRUITERS (per unit, 50), BENCH_SEED (1),
# BENCH_MONTHS (months to time, default "2024-06 2022-06"; the data runs
# from 2020-01 to 2024-12), BENCH_CALLS (API calls per month, 10),
# BENCH_SQL_RUNS (5), BENCH_PG (1; 0 skips PostgreSQL), BENCH_BUDGET
# (seconds, default 260: fewer calls and runs, or no PostgreSQL, when they
# would not fit -- said so in the output), BENCH_LIMIT (seconds, default 295:
# the hard limit, after which everything is stopped), ZONEOPS_BIN
# (build/zoneops), PGBIN (for scripts/pg.sh).  A run takes about 2.5 minutes
# on 2 cores.
set -euo pipefail
export LC_ALL=C

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${ZONEOPS_BIN:-$ROOT/build/zoneops}
NLEADS=${BENCH_LEADS:-1000000}
NPROJECTS=${BENCH_PROJECTS:-200000}
NTRIPS=${BENCH_TRIPS:-500000}
NRECRUITERS=${BENCH_RECRUITERS:-50}
SEED=${BENCH_SEED:-1}
MONTHS=${BENCH_MONTHS:-2024-06 2022-06}
CALLS=${BENCH_CALLS:-10}
SQL_RUNS=${BENCH_SQL_RUNS:-5}
DO_PG=${BENCH_PG:-1}
BUDGET=${BENCH_BUDGET:-260}
LIMIT=${BENCH_LIMIT:-295}
DATA_FROM=2020-01-01
DATA_TO=2024-12-31
SERVER_CPU=0
CLIENT_CPU=1
CMDLINE="bench/race.sh${*:+ $*}"
for v in BENCH_LEADS BENCH_PROJECTS BENCH_TRIPS BENCH_RECRUITERS BENCH_SEED BENCH_MONTHS BENCH_CALLS \
	BENCH_SQL_RUNS BENCH_PG BENCH_BUDGET BENCH_LIMIT ZONEOPS_BIN PGBIN; do
	[ -n "${!v:-}" ] && CMDLINE="$v='${!v}' $CMDLINE"
done

die() { echo "race.sh: $*" >&2; exit 1; }
note() { echo "race.sh: $*" >&2; }

for n in NLEADS NPROJECTS NTRIPS NRECRUITERS SEED CALLS SQL_RUNS DO_PG BUDGET LIMIT; do
	case ${!n} in '' | *[!0-9]*) die "$n must be a whole number" ;; esac
done
[ "$CALLS" -ge 1 ] && [ "$CALLS" -le 50 ] || die "BENCH_CALLS must be 1..50"
[ "$SQL_RUNS" -ge 1 ] && [ "$SQL_RUNS" -le 20 ] || die "BENCH_SQL_RUNS must be 1..20"
for m in $MONTHS; do
	case $m in [0-9][0-9][0-9][0-9]-[0-1][0-9]) ;; *) die "BENCH_MONTHS: '$m' is not YYYY-MM" ;; esac
	[[ "$m-01" > "$DATA_FROM" && "$m-01" < "$DATA_TO" ]] || [ "$m-01" = "$DATA_FROM" ] ||
		die "BENCH_MONTHS: $m is outside the data ($DATA_FROM..$DATA_TO)"
done
[ -n "$MONTHS" ] || die "BENCH_MONTHS is empty"
[ -x "$BIN" ] || die "no $BIN -- build it first with 'make'"
TOOLS="node sqlite3 curl taskset timeout awk date sha256sum"
[ "$DO_PG" -eq 1 ] && TOOLS="$TOOLS psql"
for tool in $TOOLS; do
	command -v "$tool" >/dev/null 2>&1 || die "'$tool' is missing"
done
if [ "$(nproc)" -lt 2 ]; then
	note "WARNING: only one CPU; server and client share CPU 0"
	CLIENT_CPU=0
fi

umask 022 # the PostgreSQL cluster runs as another user when this runs as root
TMP=$(mktemp -d "${TMPDIR:-/tmp}/zoneops-race-bench.XXXXXX")
case $TMP in *[[:space:]]*) rm -rf "$TMP"; die "the temporary directory '$TMP' has a space (sqlite3 .import needs a plain path)" ;; esac
chmod 755 "$TMP"
SERVER_PID=""
PGDIR=""
WATCHDOG_PID=""

stop_pid() { # pid -- SIGTERM, wait up to 5 s, then SIGKILL
	local pid=$1
	kill -0 "$pid" 2>/dev/null || return 0
	kill -TERM "$pid" 2>/dev/null || return 0
	for _ in $(seq 50); do
		kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null; return 0; }
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

cleanup() {
	set +e
	if [ -n "$WATCHDOG_PID" ]; then
		kill -TERM "$WATCHDOG_PID" 2>/dev/null
		wait "$WATCHDOG_PID" 2>/dev/null
	fi
	[ -n "$SERVER_PID" ] && stop_pid "$SERVER_PID"
	SERVER_PID=""
	if [ -n "$PGDIR" ]; then
		timeout 90 "$ROOT/scripts/pg.sh" stop "$PGDIR" >/dev/null 2>&1 || note "could not stop the cluster in $PGDIR"
		PGDIR=""
	fi
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
# The hard limit: after LIMIT seconds this script and the commands it is
# waiting for are sent SIGTERM (then the cleanup above runs).
(
	trap 'kill "$sp" 2>/dev/null; exit 0' TERM # the cleanup below ends the watchdog
	sleep "$LIMIT" &
	sp=$!
	wait "$sp"
	echo "race.sh: the hard time limit of $LIMIT s is reached; stopping" >&2
	kill -TERM $$ 2>/dev/null
	tree() { # pid -- SIGTERM to its descendants (deepest first), then to it (not to this script or this watchdog)
		local c
		for c in $(ps -o pid= --ppid "$1" 2>/dev/null); do
			[ "$c" = "$BASHPID" ] || tree "$c"
		done
		[ "$1" = "$$" ] || kill -TERM "$1" 2>/dev/null
	}
	tree $$
) </dev/null &
WATCHDOG_PID=$!

T0=$SECONDS
left() { echo $((BUDGET - (SECONDS - T0))); }
now() { echo "$EPOCHREALTIME"; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ms() { awk -v s="$1" 'BEGIN { v = s * 1000; printf (v >= 100 ? "%.0f" : v >= 10 ? "%.1f" : "%.2f"), v }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "?" }'; }
join_ms() { local out="" x; for x; do out="$out${out:+ / }$(ms "$x")"; done; echo "$out"; }
month_last() { date -u -d "$1-01 +1 month -1 day" +%F; }
month_prev() { date -u -d "$1-01 -1 month" +%Y-%m; }

cd "$ROOT"
DATE=$(date -u '+%Y-%m-%d %H:%M UTC')
CPU_MODEL=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo)
[ -n "$CPU_MODEL" ] || CPU_MODEL=$(lscpu 2>/dev/null | awk -F': *' '/^Model name/ { print $2; exit }')
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)

# A private copy of the binary: others may rebuild build/zoneops meanwhile.
ZBIN=$TMP/zoneops
cp -p "$BIN" "$ZBIN"
BIN_INFO="build/zoneops built $(date -u -r "$ZBIN" '+%Y-%m-%d %H:%M UTC'), sha256 $(sha256sum "$ZBIN" | cut -c1-12)"
BIN_INFO="$BIN_INFO, source $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')"
if git -C "$ROOT" status --porcelain -- src 2>/dev/null | grep -q .; then
	BIN_INFO="$BIN_INFO + uncommitted changes in src/"
fi

# ---- the reference query ----------------------------------------------------------
# Every unit's metrics, score and rank for the month @F@..@E@ (@M@ = YYYY-MM),
# in the store's dialect; amounts in 万元.  ref_sql DIALECT MONTH [MONTH2]:
# MONTH2 adds the month before with UNION ALL (what the response's
# "previous" needs).

ref_one() { # dialect month -- one month's query, no semicolon
	local d=$1 m=$2 f e
	f=$m-01
	e=$(month_last "$m")
	if [ "$d" = sqlite ]; then
		cat <<-EOF
			SELECT * FROM (WITH
			l AS (SELECT unit_id, count(*) AS n FROM leads
			      WHERE captured_on BETWEEN '$f' AND '$e' AND status = 'qualified' AND duplicate_of IS NULL GROUP BY unit_id),
			s AS (SELECT p.unit_id, count(*) AS n, sum(p.total_investment_wan) AS inv,
			             sum(p.total_investment_wan >= 100000) AS major,
			             avg(julianday(p.signed_on) - julianday(ld.captured_on)) AS speed
			      FROM projects p LEFT JOIN leads ld ON ld.id = p.lead_id
			      WHERE p.signed_on BETWEEN '$f' AND '$e' GROUP BY p.unit_id),
			d AS (SELECT unit_id, count(*) AS n FROM projects WHERE landed_on BETWEEN '$f' AND '$e' GROUP BY unit_id),
			t AS (SELECT user_id, sum(julianday(min(end_on, '$e')) - julianday(max(start_on, '$f')) + 1) AS days,
			             sum(CASE WHEN start_on >= '$f' THEN visits ELSE 0 END) AS visits
			      FROM trips WHERE start_on <= '$e' AND end_on >= '$f' GROUP BY user_id),
			q AS (SELECT us.unit_id, count(*) AS people,
			             sum(CASE WHEN us.role = 'recruiter' THEN coalesce(t.days, 0) >= 15
			                      ELSE coalesce(t.visits, 0) >= 5 END) AS met
			      FROM users us LEFT JOIN t ON t.user_id = us.id
			      WHERE us.role IN ('leader', 'recruiter') AND us.unit_id IS NOT NULL GROUP BY us.unit_id),
			m AS (SELECT u.id, u.name, coalesce(l.n, 0) AS nl, coalesce(s.n, 0) AS ns, coalesce(s.inv, 0) AS ni,
			             coalesce(d.n, 0) AS nd, s.speed AS nt, coalesce(s.major, 0) AS nj,
			             CASE WHEN coalesce(q.people, 0) = 0 THEN 0.0 ELSE 1.0 * q.met / q.people END AS nq
			      FROM units u LEFT JOIN l ON l.unit_id = u.id LEFT JOIN s ON s.unit_id = u.id
			      LEFT JOIN d ON d.unit_id = u.id LEFT JOIN q ON q.unit_id = u.id),
			sc AS (SELECT m.*,
			         (20 * CASE WHEN max(nl) OVER () > 0 THEN 100.0 * nl / max(nl) OVER () ELSE 0 END
			        + 25 * CASE WHEN max(ni) OVER () > 0 THEN 100.0 * ni / max(ni) OVER () ELSE 0 END
			        + 10 * CASE WHEN max(ns) OVER () > 0 THEN 100.0 * ns / max(ns) OVER () ELSE 0 END
			        + 10 * CASE WHEN max(nd) OVER () > 0 THEN 100.0 * nd / max(nd) OVER () ELSE 0 END
			        + 15 * CASE WHEN nt IS NULL OR nt <= 0 THEN 0 ELSE 100.0 * min(nt) OVER () / nt END
			        + 10 * CASE WHEN max(nj) OVER () > 0 THEN 100.0 * nj / max(nj) OVER () ELSE 0 END
			        + 10 * CASE WHEN max(nq) OVER () > 0 THEN 100.0 * nq / max(nq) OVER () ELSE 0 END) / 100.0 AS score
			      FROM m)
			SELECT '$m' AS month, row_number() OVER (ORDER BY score DESC, ni DESC, id) AS rank, id, name,
			       nl, ns, ni, nd, nt, nj, nq, round(score, 1) AS score
			FROM sc ORDER BY rank) AS r$RANDOM
		EOF
	else
		cat <<-EOF
			SELECT * FROM (WITH
			l AS (SELECT unit_id, count(*) AS n FROM leads
			      WHERE captured_on BETWEEN '$f' AND '$e' AND status = 'qualified' AND duplicate_of IS NULL GROUP BY unit_id),
			s AS (SELECT p.unit_id, count(*) AS n, sum(p.total_investment_wan) AS inv,
			             count(*) FILTER (WHERE p.total_investment_wan >= 100000) AS major,
			             avg(p.signed_on::date - ld.captured_on::date) AS speed
			      FROM projects p LEFT JOIN leads ld ON ld.id = p.lead_id
			      WHERE p.signed_on BETWEEN '$f' AND '$e' GROUP BY p.unit_id),
			d AS (SELECT unit_id, count(*) AS n FROM projects WHERE landed_on BETWEEN '$f' AND '$e' GROUP BY unit_id),
			t AS (SELECT user_id, sum(least(end_on, '$e')::date - greatest(start_on, '$f')::date + 1) AS days,
			             sum(CASE WHEN start_on >= '$f' THEN visits ELSE 0 END) AS visits
			      FROM trips WHERE start_on <= '$e' AND end_on >= '$f' GROUP BY user_id),
			q AS (SELECT us.unit_id, count(*) AS people,
			             count(*) FILTER (WHERE CASE WHEN us.role = 'recruiter' THEN coalesce(t.days, 0) >= 15
			                                        ELSE coalesce(t.visits, 0) >= 5 END) AS met
			      FROM users us LEFT JOIN t ON t.user_id = us.id
			      WHERE us.role IN ('leader', 'recruiter') AND us.unit_id IS NOT NULL GROUP BY us.unit_id),
			m AS (SELECT u.id, u.name, coalesce(l.n, 0) AS nl, coalesce(s.n, 0) AS ns, coalesce(s.inv, 0) AS ni,
			             coalesce(d.n, 0) AS nd, s.speed::float8 AS nt, coalesce(s.major, 0) AS nj,
			             (CASE WHEN coalesce(q.people, 0) = 0 THEN 0.0 ELSE 1.0 * q.met / q.people END)::float8 AS nq
			      FROM units u LEFT JOIN l ON l.unit_id = u.id LEFT JOIN s ON s.unit_id = u.id
			      LEFT JOIN d ON d.unit_id = u.id LEFT JOIN q ON q.unit_id = u.id),
			sc AS (SELECT m.*,
			         (20 * CASE WHEN max(nl) OVER () > 0 THEN 100.0 * nl / max(nl) OVER () ELSE 0 END
			        + 25 * CASE WHEN max(ni) OVER () > 0 THEN 100.0 * ni / max(ni) OVER () ELSE 0 END
			        + 10 * CASE WHEN max(ns) OVER () > 0 THEN 100.0 * ns / max(ns) OVER () ELSE 0 END
			        + 10 * CASE WHEN max(nd) OVER () > 0 THEN 100.0 * nd / max(nd) OVER () ELSE 0 END
			        + 15 * CASE WHEN nt IS NULL OR nt <= 0 THEN 0 ELSE 100.0 * min(nt) OVER () / nt END
			        + 10 * CASE WHEN max(nj) OVER () > 0 THEN 100.0 * nj / max(nj) OVER () ELSE 0 END
			        + 10 * CASE WHEN max(nq) OVER () > 0 THEN 100.0 * nq / max(nq) OVER () ELSE 0 END)::float8 / 100.0 AS score
			      FROM m)
			SELECT '$m' AS month, row_number() OVER (ORDER BY score DESC, ni DESC, id) AS rank, id, name,
			       nl, ns, ni, nd, nt, nj, nq, round(score::numeric, 1) AS score
			FROM sc ORDER BY rank) AS r$RANDOM
		EOF
	fi
}

ref_sql() { # dialect month [previous] -- the query, one line per SQL line, ending in ';'
	ref_one "$1" "$2"
	[ $# -ge 3 ] && { echo "UNION ALL"; ref_one "$1" "$3"; }
	echo ";"
}

# ---- the API ------------------------------------------------------------------

start_serve() { # db-url label
	: >"$TMP/serve.log"
	taskset -c "$SERVER_CPU" "$ZBIN" serve --db "$1" --listen 127.0.0.1:0 --threads 1 \
		>"$TMP/serve.out" 2>"$TMP/serve.log" &
	SERVER_PID=$!
	PORT=""
	for _ in $(seq 200); do
		PORT=$(sed -n 's|.*serving on http://127\.0\.0\.1:\([0-9][0-9]*\)/.*|\1|p' "$TMP/serve.log" | head -1)
		[ -n "$PORT" ] && break
		kill -0 "$SERVER_PID" 2>/dev/null || { cat "$TMP/serve.log" >&2; die "the server ($2) stopped"; }
		sleep 0.1
	done
	[ -n "$PORT" ] || { cat "$TMP/serve.log" >&2; die "the server ($2) did not start within 20 s"; }
	BASE="http://127.0.0.1:$PORT"
}

make_token() { # db-url
	echo pw-bench-123 | timeout 60 "$ZBIN" user add bench --role admin --db "$1" >/dev/null ||
		die "cannot create the user 'bench'"
	TOKEN=$(timeout 30 "$ZBIN" token create --user bench --name race-bench --db "$1" 2>/dev/null | tail -1)
	[ -n "$TOKEN" ] || die "token create printed no token"
}

api_call() { # month out-file -- prints "HTTP-CODE SECONDS"
	taskset -c "$CLIENT_CPU" curl -sS --max-time 120 -o "$2" -w '%{http_code} %{time_total}' \
		-H "Authorization: Bearer $TOKEN" "$BASE/api/v1/race?month=$1" || echo "000 0"
}

# Compares the API's JSON with the reference query's CSV for one month;
# prints "yes" or what differs (at most 4 items).
compare() { # json csv month
	node - "$1" "$2" "$3" <<-'EOF'
		const fs = require('fs');
		const [json, csv, month] = process.argv.slice(2);
		let api;
		try { api = JSON.parse(fs.readFileSync(json, 'utf8')); } catch (e) { console.log('the response is not JSON'); process.exit(0); }
		const rows = fs.readFileSync(csv, 'utf8').split('\n').filter((l) => l.startsWith(month + ','))
		  .map((l) => l.split(','));
		const out = [];
		const close = (a, b, tol) => a !== null && a !== undefined && b !== null && Math.abs(a - b) <= tol;
		if (!Array.isArray(api.units)) { console.log('no units[] in the response'); process.exit(0); }
		if (api.units.length !== rows.length) out.push(`${api.units.length} units in the API, ${rows.length} in SQL`);
		for (const r of rows) {
		  const [, rank, id, , nl, ns, ni, nd, nt, nj, nq, score] = r;
		  const u = api.units.find((x) => String(x.unit_id) === id);
		  if (!u) { out.push(`unit ${id} missing`); continue; }
		  const m = u.metrics || {};
		  const v = (k) => (m[k] ? m[k].value : undefined);
		  const chk = (name, ok, a, b) => { if (!ok) out.push(`unit ${id} ${name}: API ${a}, SQL ${b}`); };
		  chk('leads', v('leads') === +nl, v('leads'), nl);
		  chk('signed_count', v('signed_count') === +ns, v('signed_count'), ns);
		  chk('signed_investment (亿元)', close(v('signed_investment'), ni / 10000, 0.006), v('signed_investment'), ni / 10000);
		  chk('landed', v('landed') === +nd, v('landed'), nd);
		  chk('speed_days', nt === '' ? v('speed_days') === null : close(v('speed_days'), +nt, 0.051), v('speed_days'), nt || null);
		  chk('major', v('major') === +nj, v('major'), nj);
		  chk('quota', close(v('quota'), +nq, 0.0051), v('quota'), nq);
		  chk('score', close(u.score, +score, 0.11), u.score, score);
		  chk('rank', u.rank === +rank, u.rank, rank);
		}
		console.log(out.length ? out.slice(0, 4).join('; ') + (out.length > 4 ? ` (+${out.length - 4} more)` : '') : 'yes');
	EOF
}

# time_api store-label -- fills API_MED[$m], API_N[$m], API_ALL[$m], API_STATUS[$m], MATCH[$m]
declare -A API_MED API_N API_ALL API_STATUS SQL_MED SQL_N SQL_ALL SQL2_MED MATCH
time_api() { # label reserve -- reserve: seconds of the budget to keep for what follows
	local label=$1 reserve=$2 m res code t calls i times
	for m in $MONTHS; do
		res=$(api_call "$m" "$TMP/race-$m.json") # warm-up, and the response checked below
		code=${res%% *}
		t=${res##* }
		API_STATUS[$label/$m]=$code
		if [ "$code" != 200 ]; then
			note "$label: GET /api/v1/race?month=$m answered $code: $(head -c 200 "$TMP/race-$m.json")"
			continue
		fi
		# as many calls as fit: a slow API gets fewer (at least 3)
		calls=$CALLS
		local fit
		fit=$(awk -v l="$(left)" -v r="$reserve" -v t="$t" -v n="$(echo "$MONTHS" | wc -w)" \
			'BEGIN { f = int((l - r) / n / (t + 0.05)); print (f < 3 ? 3 : f) }')
		if [ "$fit" -lt "$calls" ]; then
			note "$label $m: time budget: $fit calls instead of $CALLS (a call takes ${t}s)"
			calls=$fit
		fi
		times=()
		for i in $(seq "$calls"); do
			res=$(api_call "$m" "$TMP/race.out")
			[ "${res%% *}" = 200 ] || die "$label: call $i of race?month=$m answered ${res%% *}"
			times+=("${res##* }")
		done
		API_MED[$label/$m]=$(median "${times[@]}")
		API_N[$label/$m]=$calls
		API_ALL[$label/$m]=$(printf '%s\n' "${times[@]}" | sort -g | awk 'NR == 1 { a = $1 } { b = $1 } END { print a, b }')
		note "$label $m: API median $(ms "${API_MED[$label/$m]}") ms over $calls calls"
	done
}

sql_runs() { # label m -- how many timed runs fit
	local n=$SQL_RUNS
	[ "$(left)" -lt 40 ] && [ "$n" -gt 3 ] && n=3
	[ "$(left)" -lt 15 ] && n=1
	echo "$n"
}

# ---- 1. SQLite: schema, units, data ------------------------------------------------

DBF=$TMP/race.db
SDB="sqlite:$DBF"
timeout 60 "$ZBIN" migrate --db "$SDB" >/dev/null || die "zoneops migrate (SQLite) failed"
UNITS_SQL="INSERT INTO units (code, name, name_en, kind, sort) VALUES
  ('ib', '招商局', 'Investment Attraction Bureau', 'bureau', 1),
  ('ipb', '投资促进局', 'Investment Promotion Bureau', 'bureau', 2),
  ('sdb', '服务业发展局', 'Service Industry Development Bureau', 'bureau', 3),
  ('ftz', '综保区管理局招商部', 'Investment Department, Comprehensive Bonded Zone Administration', 'bureau', 4),
  ('iic', '工业招商公司', 'Industrial Investment Attraction Company', 'company', 5),
  ('sic', '服务业招商公司', 'Service Industry Investment Attraction Company', 'company', 6);"
UNITS_NOTE="the six units inserted by this script"
if [ "$(sqlite3 "$DBF" 'SELECT count(*) FROM units')" -eq 0 ]; then
	sqlite3 "$DBF" "$UNITS_SQL"
else
	UNITS_NOTE="the units created by the migrations"
fi
UNIT_IDS=$(sqlite3 "$DBF" 'SELECT group_concat(id) FROM (SELECT id FROM units ORDER BY sort, id)')
NUNITS=$(echo "$UNIT_IDS" | tr ',' '\n' | wc -l)
USER_BASE=$(($(sqlite3 "$DBF" 'SELECT coalesce(max(id), 0) FROM users') + 1001))

note "generating $NLEADS leads, $NPROJECTS projects, $NTRIPS trips (seed $SEED)"
t=$(now)
timeout 150 node "$ROOT/bench/gen-race.mjs" --out "$TMP/csv" --units "$UNIT_IDS" --leads "$NLEADS" \
	--projects "$NPROJECTS" --trips "$NTRIPS" --recruiters "$NRECRUITERS" --user-base "$USER_BASE" \
	--from "$DATA_FROM" --to "$DATA_TO" --seed "$SEED" 2>"$TMP/gen.log" ||
	{ cat "$TMP/gen.log" >&2; die "bench/gen-race.mjs failed"; }
GEN_S=$(elapsed "$t" "$(now)")
GEN_LINE=$(tail -1 "$TMP/gen.log")
CSV_MB=$(du -cm "$TMP"/csv/*.csv | awk 'END { print $1 }')

COLS_USERS="id, username, display_name, role, password_hash, unit_id, created_at, updated_at"
COLS_LEADS="id, unit_id, recruiter_id, company, company_key, credit_code, industry, est_investment_wan, captured_on, status, duplicate_of, notes, created_by, created_at, updated_at"
COLS_PROJECTS="id, name, unit_id, recruiter_id, enterprise_id, industry, stage, total_investment_wan, foreign_investment_wan_usd, lead_on, signed_on, landed_on, started_on, producing_on, created_at, updated_at, lead_id, land_mu, expected_annual_tax_wan"
COLS_TRIPS="id, user_id, start_on, end_on, destination, visits, companies, created_by, created_at, updated_at"
# the nullable columns: an empty CSV field is NULL
nullify() { # columns nullable... -- the SELECT list for sqlite3
	local cols=$1 out="" c
	shift
	IFS=',' read -r -a arr <<<"$cols"
	for c in "${arr[@]}"; do
		c=${c// /}
		if [[ " $* " == *" $c "* ]]; then out="$out${out:+, }NULLIF($c, '')"; else out="$out${out:+, }$c"; fi
	done
	echo "$out"
}

note "loading SQLite"
IDX_SQL=$(sqlite3 "$DBF" "SELECT sql || ';' FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL
	AND tbl_name IN ('leads', 'projects', 'trips') ORDER BY name")
IDX_DROP=$(sqlite3 "$DBF" "SELECT 'DROP INDEX ' || name || ';' FROM sqlite_master WHERE type = 'index'
	AND sql IS NOT NULL AND tbl_name IN ('leads', 'projects', 'trips') ORDER BY name")
t=$(now)
timeout 200 sqlite3 "$DBF" >"$TMP/load.log" 2>&1 <<EOF || { cat "$TMP/load.log" >&2; die "the SQLite load failed"; }
.bail on
PRAGMA synchronous = OFF;
PRAGMA cache_size = -262144;
PRAGMA temp_store = MEMORY;
.import --csv --schema temp $TMP/csv/users.csv s_users
.import --csv --schema temp $TMP/csv/leads.csv s_leads
.import --csv --schema temp $TMP/csv/projects.csv s_projects
.import --csv --schema temp $TMP/csv/trips.csv s_trips
BEGIN;
$IDX_DROP
INSERT INTO users ($COLS_USERS) SELECT $(nullify "$COLS_USERS" unit_id) FROM temp.s_users;
INSERT INTO leads ($COLS_LEADS) SELECT $(nullify "$COLS_LEADS" recruiter_id duplicate_of created_by) FROM temp.s_leads;
INSERT INTO projects ($COLS_PROJECTS) SELECT $(nullify "$COLS_PROJECTS" recruiter_id enterprise_id lead_id) FROM temp.s_projects;
INSERT INTO trips ($COLS_TRIPS) SELECT $(nullify "$COLS_TRIPS" created_by) FROM temp.s_trips;
$IDX_SQL
COMMIT;
ANALYZE;
PRAGMA wal_checkpoint(TRUNCATE);
EOF
SQLITE_LOAD_S=$(elapsed "$t" "$(now)")
COUNTS=$(sqlite3 "$DBF" "SELECT (SELECT count(*) FROM leads) || ' ' || (SELECT count(*) FROM projects) || ' ' ||
	(SELECT count(*) FROM trips) || ' ' || (SELECT count(*) FROM users WHERE role IN ('leader', 'recruiter'))")
[ "$COUNTS" = "$NLEADS $NPROJECTS $NTRIPS $((NUNITS * (NRECRUITERS + 1)))" ] ||
	die "SQLite holds $COUNTS (leads projects trips people), not what was generated"
DB_MB=$(du -m "$DBF" | cut -f1)
note "SQLite: loaded in ${SQLITE_LOAD_S}s ($DB_MB MB)"

# ---- 2, 3. SQLite: the API and the reference -----------------------------------------

make_token "$SDB"
start_serve "$SDB" SQLite
time_api sqlite $((DO_PG == 1 ? 150 : 30))
stop_pid "$SERVER_PID"
SERVER_PID=""

# sqlite3 with the server's settings (src/store/store_sqlite.c), pinned like it
SQLITE_SET="PRAGMA cache_size = -32768; PRAGMA temp_store = MEMORY;"
for m in $MONTHS; do
	p=$(month_prev "$m")
	ref_sql sqlite "$m" >"$TMP/ref-$m.sql"
	ref_sql sqlite "$m" "$p" >"$TMP/ref2-$m.sql"
	timeout 120 sqlite3 "$DBF" ".mode csv" ".read $TMP/ref2-$m.sql" >"$TMP/ref-sqlite-$m.csv" ||
		die "the reference query failed on SQLite"
	n=$(sql_runs)
	out=$( { echo "$SQLITE_SET"; echo ".output /dev/null"; echo ".read $TMP/ref-$m.sql"; echo ".timer on";
		for _ in $(seq "$n"); do echo ".read $TMP/ref-$m.sql"; done
		echo ".timer off"; echo ".read $TMP/ref2-$m.sql"; echo ".timer on"
		for _ in $(seq "$n"); do echo ".read $TMP/ref2-$m.sql"; done; } |
		timeout 200 taskset -c "$SERVER_CPU" sqlite3 "$DBF") || die "the timed reference query failed on SQLite"
	mapfile -t times < <(printf '%s\n' "$out" | awk '/^Run Time:/ { print $4 }')
	[ "${#times[@]}" -eq $((2 * n)) ] || die "sqlite3 printed ${#times[@]} timings, not $((2 * n))"
	SQL_MED[sqlite/$m]=$(median "${times[@]:0:n}")
	SQL_ALL[sqlite/$m]=$(printf '%s\n' "${times[@]:0:n}" | sort -g | awk 'NR == 1 { a = $1 } { b = $1 } END { print a, b }')
	SQL2_MED[sqlite/$m]=$(median "${times[@]:n:n}")
	SQL_N[sqlite/$m]=$n
	if [ "${API_STATUS[sqlite/$m]}" = 200 ]; then
		MATCH[sqlite/$m]=$(compare "$TMP/race-$m.json" "$TMP/ref-sqlite-$m.csv" "$m")
		prev_ok=$(node -e '
			const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
			const rows = require("fs").readFileSync(process.argv[2], "utf8").split("\n").filter((l) => l.startsWith(process.argv[3] + ","));
			const p = r.previous || {};
			const bad = rows.map((l) => l.split(",")).filter((c) => p[c[2]] !== undefined && +p[c[2]] !== +c[1]);
			console.log(Object.keys(p).length === 0 ? "none" : bad.length ? "differs" : "yes");' \
			"$TMP/race-$m.json" "$TMP/ref-sqlite-$m.csv" "$p" 2>/dev/null || echo "?")
		[ "$prev_ok" = yes ] || MATCH[sqlite/$m]="${MATCH[sqlite/$m]}; previous ranks: $prev_ok"
	else
		MATCH[sqlite/$m]="-"
	fi
	note "SQLite $m: SQL median $(ms "${SQL_MED[sqlite/$m]}") ms (with the month before: $(ms "${SQL2_MED[sqlite/$m]}") ms); API = SQL: ${MATCH[sqlite/$m]}"
done
SQLITE_VER=$(sqlite3 -version | cut -d' ' -f1)

# ---- 4. PostgreSQL ---------------------------------------------------------------------

PG_NOTE=""
PG_VER=""
if [ "$DO_PG" -ne 1 ]; then
	PG_NOTE="skipped (BENCH_PG=0)"
elif [ "$(left)" -lt 110 ]; then
	PG_NOTE="skipped: $(left) s of the time budget left, PostgreSQL needs about 110"
	note "$PG_NOTE"
else
	PGDIR=$(mktemp -d /tmp/zoneops-race-pg.XXXXXX)
	note "starting PostgreSQL (pinned to CPU $SERVER_CPU) in $PGDIR"
	PGURL=$(timeout 120 taskset -c "$SERVER_CPU" "$ROOT/scripts/pg.sh" start "$PGDIR" 2>"$TMP/pg.log") ||
		{ cat "$TMP/pg.log" >&2; rmdir "$PGDIR" 2>/dev/null && PGDIR=""; die "scripts/pg.sh start failed"; }
	timeout 60 "$ZBIN" migrate --db "$PGURL" >/dev/null || die "zoneops migrate (PostgreSQL) failed"
	PSQL=(timeout 200 psql -X -q -v ON_ERROR_STOP=1 "$PGURL")
	if [ "$("${PSQL[@]}" -At -c 'SELECT count(*) FROM units')" -eq 0 ]; then
		"${PSQL[@]}" -c "$UNITS_SQL" >/dev/null
	fi
	PG_UNITS=$("${PSQL[@]}" -At -c 'SELECT string_agg(id::text, $$,$$ ORDER BY sort, id) FROM units')
	[ "$PG_UNITS" = "$UNIT_IDS" ] || die "the units on PostgreSQL ($PG_UNITS) are not those on SQLite ($UNIT_IDS)"
	note "loading PostgreSQL"
	t=$(now)
	(cd "$TMP/csv" && "${PSQL[@]}" >"$TMP/pgload.log" 2>&1) <<-EOF || { cat "$TMP/pgload.log" >&2; die "the PostgreSQL load failed"; }
		BEGIN;
		SET LOCAL session_replication_role = replica;
		SET LOCAL maintenance_work_mem = '256MB';
		CREATE TEMP TABLE saved_idx ON COMMIT DROP AS
		  SELECT indexname, indexdef FROM pg_indexes
		  WHERE schemaname = current_schema() AND tablename IN ('leads', 'projects', 'trips')
		    AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE contype IN ('p', 'u'));
		SELECT 'DROP INDEX ' || string_agg(quote_ident(indexname), ', ') FROM saved_idx \gexec
		\copy users ($COLS_USERS) FROM 'users.csv' WITH (FORMAT csv, HEADER true)
		\copy leads ($COLS_LEADS) FROM 'leads.csv' WITH (FORMAT csv, HEADER true)
		\copy projects ($COLS_PROJECTS) FROM 'projects.csv' WITH (FORMAT csv, HEADER true)
		\copy trips ($COLS_TRIPS) FROM 'trips.csv' WITH (FORMAT csv, HEADER true)
		SELECT indexdef FROM saved_idx \gexec
		SELECT setval(pg_get_serial_sequence(t, 'id'), m) FROM (VALUES
		  ('users', (SELECT max(id) FROM users)), ('leads', (SELECT max(id) FROM leads)),
		  ('projects', (SELECT max(id) FROM projects)), ('trips', (SELECT max(id) FROM trips))) v(t, m) \g /dev/null
		COMMIT;
		VACUUM ANALYZE users, leads, projects, trips;
	EOF
	PG_LOAD_S=$(elapsed "$t" "$(now)")
	PGCOUNTS=$("${PSQL[@]}" -At -c "SELECT (SELECT count(*) FROM leads) || ' ' || (SELECT count(*) FROM projects) || ' ' ||
		(SELECT count(*) FROM trips) || ' ' || (SELECT count(*) FROM users WHERE role IN ('leader', 'recruiter'))")
	[ "$PGCOUNTS" = "$COUNTS" ] || die "PostgreSQL holds $PGCOUNTS (leads projects trips people), SQLite $COUNTS"
	PG_VER=$("${PSQL[@]}" -At -c 'SHOW server_version' | cut -d' ' -f1)
	PG_MB=$("${PSQL[@]}" -At -c 'SELECT pg_database_size(current_database()) / 1048576')
	note "PostgreSQL: loaded in ${PG_LOAD_S}s ($PG_MB MB)"

	make_token "$PGURL"
	start_serve "$PGURL" PostgreSQL
	time_api pg 30
	stop_pid "$SERVER_PID"
	SERVER_PID=""

	for m in $MONTHS; do
		p=$(month_prev "$m")
		ref_sql pg "$m" >"$TMP/pref-$m.sql"
		ref_sql pg "$m" "$p" >"$TMP/pref2-$m.sql"
		"${PSQL[@]}" -A -F, -t -f "$TMP/pref2-$m.sql" >"$TMP/ref-pg-$m.csv" || die "the reference query failed on PostgreSQL"
		n=$(sql_runs)
		out=$( { echo '\o /dev/null'; echo "\\i $TMP/pref-$m.sql"; echo '\timing on'
			for _ in $(seq "$n"); do echo "\\i $TMP/pref-$m.sql"; done
			echo '\timing off'; echo "\\i $TMP/pref2-$m.sql"; echo '\timing on'
			for _ in $(seq "$n"); do echo "\\i $TMP/pref2-$m.sql"; done; } |
			taskset -c "$CLIENT_CPU" "${PSQL[@]}") || die "the timed reference query failed on PostgreSQL"
		mapfile -t times < <(printf '%s\n' "$out" | awk '/^Time:/ { printf "%.6f\n", $2 / 1000 }')
		[ "${#times[@]}" -eq $((2 * n)) ] || die "psql printed ${#times[@]} timings, not $((2 * n))"
		SQL_MED[pg/$m]=$(median "${times[@]:0:n}")
		SQL_ALL[pg/$m]=$(printf '%s\n' "${times[@]:0:n}" | sort -g | awk 'NR == 1 { a = $1 } { b = $1 } END { print a, b }')
		SQL2_MED[pg/$m]=$(median "${times[@]:n:n}")
		SQL_N[pg/$m]=$n
		if [ "${API_STATUS[pg/$m]}" = 200 ]; then
			MATCH[pg/$m]=$(compare "$TMP/race-$m.json" "$TMP/ref-pg-$m.csv" "$m")
		else
			MATCH[pg/$m]="-"
		fi
		note "PostgreSQL $m: SQL median $(ms "${SQL_MED[pg/$m]}") ms (with the month before: $(ms "${SQL2_MED[pg/$m]}") ms); API = SQL: ${MATCH[pg/$m]}"
	done
	timeout 90 "$ROOT/scripts/pg.sh" stop "$PGDIR" >/dev/null 2>&1 || note "scripts/pg.sh stop failed"
	PGDIR=""
fi

# ---- 5. report -------------------------------------------------------------------------

row() { # store-label store-name month
	local k=$1/$3 api sql
	if [ -z "${SQL_MED[$k]:-}" ]; then
		echo "| $2 | $3 | - | - | - | - | - | - | not measured |"
		return
	fi
	sql="$(ms "${SQL_MED[$k]}") ($(join_ms ${SQL_ALL[$k]}))"
	if [ "${API_STATUS[$k]:-}" != 200 ]; then
		api="HTTP ${API_STATUS[$k]:-?}"
		echo "| $2 | $3 | $api | $sql | - | $(ms "${SQL2_MED[$k]}") | - | - |"
		return
	fi
	api="$(ms "${API_MED[$k]}") ($(join_ms ${API_ALL[$k]}))"
	echo "| $2 | $3 | $api | $sql | **$(ratio "${API_MED[$k]}" "${SQL_MED[$k]}")** | $(ms "${SQL2_MED[$k]}") | $(ratio "${API_MED[$k]}" "${SQL2_MED[$k]}") | ${MATCH[$k]} |"
}
N_CALLS=$(for k in "${!API_N[@]}"; do echo "${API_N[$k]}"; done | sort -u | paste -sd/ -)
N_SQL=$(for k in "${!SQL_N[@]}"; do echo "${SQL_N[$k]}"; done | sort -u | paste -sd/ -)
cat <<EOF

## Monthly race: GET /api/v1/race against one SQL query ($NLEADS leads, $NPROJECTS projects, $NTRIPS trips)

- Command: \`$CMDLINE\` (from the repository root)
- Date: $DATE; total run $((SECONDS - T0)) s
- Machine: $(nproc) CPUs, $CPU_MODEL; $(uname -sr); load average at start $LOAD0
- Binary: $BIN_INFO
- Versions: SQLite $SQLITE_VER (CLI)${PG_VER:+; PostgreSQL $PG_VER}; node $(node --version)
- Data: \`node bench/gen-race.mjs --units $UNIT_IDS --leads $NLEADS --projects $NPROJECTS --trips $NTRIPS --recruiters $NRECRUITERS --seed $SEED\`
  ($GEN_S s, $CSV_MB MB of CSV; $UNITS_NOTE): $GEN_LINE
- Loaded: SQLite in $SQLITE_LOAD_S s ($DB_MB MB, then ANALYZE)${PG_LOAD_S:+; PostgreSQL in $PG_LOAD_S s ($PG_MB MB, then VACUUM ANALYZE)}${PG_NOTE:+; PostgreSQL $PG_NOTE}
- API: \`zoneops serve --threads 1\` on CPU $SERVER_CPU, admin API token; one warm-up call, then ${N_CALLS:-0}
  sequential \`curl -w '%{time_total}'\` calls on CPU $CLIENT_CPU; the median (min / max).
- SQL: the same aggregate (each unit's L, S, I, D, T, J, Q, the scores with the default weights and the rank) as one
  query: \`sqlite3\` on CPU $SERVER_CPU with the server's \`cache_size=-32768\` and \`temp_store=MEMORY\`, \`.timer on\`;
  \`psql\` \`\\timing\` (the cluster pinned to CPU $SERVER_CPU); one warm-up, then the median (min / max) of ${N_SQL:-0} runs.
  "SQL, 2 months": the month and the month before in one query (UNION ALL), as the response also carries the previous
  month's ranks.  "API = SQL": every unit's raw values, score and rank in the response agree with the query.

| store | month | API ms | SQL ms | API / SQL | SQL, 2 months ms | API / SQL 2 months | API = SQL |
|---|---|---|---|---|---|---|---|
$(for m in $MONTHS; do row sqlite SQLite "$m"; done)
$(if [ -z "$PG_NOTE" ]; then for m in $MONTHS; do row pg PostgreSQL "$m"; done; fi)
EOF
