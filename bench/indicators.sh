#!/usr/bin/env bash
# bench/indicators.sh -- the indicator evaluation benchmark (issue 5): the
# evaluation of one period over 3,000 regions x 6 indicators x 10 years of
# months (2.16 million stored values), through HTTP, against the same
# aggregate written as one SQL query in the same run, on SQLite and (when
# the time budget allows) on PostgreSQL.
#
#   bench/indicators.sh        (expects build/zoneops from `make`; node, wrk,
#                               sqlite3, curl, taskset; psql and
#                               postgresql-15 for the PostgreSQL part)
#
# All traffic is on 127.0.0.1; everything lives in temporary directories
# that are removed on exit, and every process started here is stopped (also
# on Ctrl-C, and by a watchdog at BENCH_HARD_LIMIT seconds).
#
# What it does:
#   1. `node bench/gen-indicators.mjs` writes the regions (one of them the
#      zone), the values (R x 6 x Y x 12, cumulative 1-M月 figures in 万, in
#      period order) and annual targets as CSV, plus the values of one other
#      period as a file for `zoneops import indicators`.
#   2. SQLite: `zoneops migrate`, then `sqlite3 .import` of the three files
#      (journal off while loading, WAL again afterwards).  Then
#      `zoneops import indicators` of the one-period file, which replaces that
#      period with the same numbers: its checksum must not change (so the
#      direct load and the import path agree).
#   3. `zoneops serve --threads 1` pinned to CPU 0, an admin user "bench"
#      with an API token.  GET /api/v1/indicators/evaluation?period=P is
#      checked against the reference query (below): every region's value,
#      rank by total, rank by growth and tax-share rank must be the same.
#   4. wrk pinned to CPU 1 (-t1 -c1 --latency), WARMUP s discarded, DURATION s
#      reported, against /api/v1/indicators/evaluation?period=P and
#      /api/v1/indicators/report?period=P.
#   5. The reference: the same aggregate as one SQL query (the period's
#      values joined with last year's and with the targets, growth, rank()
#      OVER (PARTITION BY indicator ORDER BY value DESC), the growth rank,
#      progress, the tax share and its rank; all 6 x R rows, ordered like the
#      API), run SQL_RUNS times in the sqlite3 shell on CPU 0 with .timer on
#      (output to /dev/null); also the server's own value query
#      (`year BETWEEN Y-1 AND Y AND month = M`) and the same with
#      `year IN (Y-1, Y)`.  The ratio is API median / reference median.
#   6. PostgreSQL, if at least PG_NEEDS seconds of the budget are left:
#      scripts/pg.sh start (pinned to CPU 0), `zoneops migrate`, psql \copy
#      (the indicator_values constraints and index dropped and re-created
#      around the copy, in one transaction: the same schema, validated), ANALYZE,
#      then steps 3-5 with `serve --db postgresql://...` and psql (on CPU 1,
#      \timing on, \o /dev/null) for the reference; scripts/pg.sh stop.
#   7. Prints a markdown table with the command, machine and date.
#
# Settings (environment): BENCH_REGIONS (3000), BENCH_YEARS (10, at least 3),
# BENCH_END_YEAR (2024), BENCH_MONTH (10: the period is END_YEAR-MONTH),
# BENCH_SEED (1), BENCH_DURATION (seconds per wrk run, 8), BENCH_WARMUP (1),
# BENCH_SQL_RUNS (21), BENCH_PG (1; 0 skips PostgreSQL), BENCH_BUDGET (seconds,
# 200: the PostgreSQL part is skipped, and said so, when it would not fit),
# BENCH_HARD_LIMIT (235: the watchdog), ZONEOPS_BIN (build/zoneops).
# 90-135 s with PostgreSQL on the shared 2-CPU VM; under 4 minutes in any case.
set -euo pipefail
export LC_ALL=C

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${ZONEOPS_BIN:-$ROOT/build/zoneops}
REGIONS=${BENCH_REGIONS:-3000}
YEARS=${BENCH_YEARS:-10}
END_YEAR=${BENCH_END_YEAR:-2024}
MONTH=${BENCH_MONTH:-10}
SEED=${BENCH_SEED:-1}
DURATION=${BENCH_DURATION:-8}
WARMUP=${BENCH_WARMUP:-1}
SQL_RUNS=${BENCH_SQL_RUNS:-21}
WANT_PG=${BENCH_PG:-1}
BUDGET=${BENCH_BUDGET:-200}
HARD_LIMIT=${BENCH_HARD_LIMIT:-235}
SERVER_CPU=0
CLIENT_CPU=1
CMDLINE="bench/indicators.sh${*:+ $*}"
for v in BENCH_REGIONS BENCH_YEARS BENCH_END_YEAR BENCH_MONTH BENCH_SEED BENCH_DURATION BENCH_WARMUP \
	BENCH_SQL_RUNS BENCH_PG BENCH_BUDGET BENCH_HARD_LIMIT ZONEOPS_BIN; do
	[ -n "${!v:-}" ] && CMDLINE="$v=${!v} $CMDLINE"
done

die() { echo "indicators.sh: $*" >&2; exit 1; }
note() { echo "indicators.sh: $*" >&2; }

for n in REGIONS YEARS END_YEAR MONTH SEED DURATION WARMUP SQL_RUNS WANT_PG BUDGET HARD_LIMIT; do
	case ${!n} in '' | *[!0-9]*) die "$n must be a whole number" ;; esac
done
[ "$REGIONS" -ge 10 ] && [ "$REGIONS" -le 20000 ] || die "BENCH_REGIONS must be 10..20000"
[ "$YEARS" -ge 3 ] && [ "$YEARS" -le 30 ] || die "BENCH_YEARS must be 3..30"
[ "$MONTH" -ge 1 ] && [ "$MONTH" -le 12 ] || die "BENCH_MONTH must be 1..12"
[ "$DURATION" -ge 1 ] && [ "$DURATION" -le 30 ] || die "BENCH_DURATION must be 1..30"
[ "$SQL_RUNS" -ge 3 ] && [ "$SQL_RUNS" -le 200 ] || die "BENCH_SQL_RUNS must be 3..200"
[ "$HARD_LIMIT" -le 600 ] || die "BENCH_HARD_LIMIT must be at most 600"
[ -x "$BIN" ] || die "no $BIN -- build it first with 'make'"
for tool in node wrk sqlite3 curl taskset timeout awk; do
	command -v "$tool" >/dev/null 2>&1 || die "'$tool' is missing (apt-get install -y wrk sqlite3 curl)"
done
if [ "$(nproc)" -lt 2 ]; then
	note "WARNING: only one CPU; server and wrk share CPU 0, figures are not comparable"
	CLIENT_CPU=0
fi

P=$(printf '%04d-%02d' "$END_YEAR" "$MONTH")           # the evaluated period
IMP_P=$(printf '%04d-%02d' $((END_YEAR - 2)) "$MONTH")  # the import check's period (not read by P)

umask 077
TMP=$(mktemp -d "${TMPDIR:-/tmp}/zoneops-ind-bench.XXXXXX")
case $TMP in *[[:space:]]* | *\'*) rm -rf "$TMP"; die "the temporary directory '$TMP' has a space or quote" ;; esac
PGDIR=""
PG_CPU_PER=""
SERVER_PID=""
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
	[ -n "$SERVER_PID" ] && stop_pid "$SERVER_PID"
	if [ -n "$PGDIR" ] && [ -d "$PGDIR" ]; then
		if [ -f "$PGDIR/.zoneops-pg" ]; then
			timeout 60 "$ROOT/scripts/pg.sh" stop "$PGDIR" >/dev/null 2>&1 || note "WARNING: scripts/pg.sh stop $PGDIR failed"
		else
			rm -rf "$PGDIR"
		fi
	fi
	[ -n "$WATCHDOG_PID" ] && kill "$WATCHDOG_PID" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The watchdog: a TERM to this script after HARD_LIMIT seconds (every step
# below also has its own timeout, so the trap runs soon after).
(
	trap 'kill "$sp" 2>/dev/null; exit 0' TERM
	sleep "$HARD_LIMIT" &
	sp=$!
	wait "$sp"
	echo "indicators.sh: hard time limit of $HARD_LIMIT s reached; stopping" >&2
	kill -TERM $$
) &
WATCHDOG_PID=$!

T0=$SECONDS
left() { echo $((BUDGET - (SECONDS - T0))); }
now() { echo "$EPOCHREALTIME"; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
# median and nearest-rank p99 of numbers (one a line on stdin) -> "median p99 n"
stats() { sort -g | awk '{ v[NR] = $1 } END {
	if (NR == 0) { print "? ? 0"; exit }
	m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
	k = int(0.99 * NR); if (k < 0.99 * NR) k++; if (k < 1) k = 1
	printf "%.1f %.1f %d\n", m, v[k], NR }'; }
to_ms() { # wrk's "1.23ms" / "850.00us" / "1.02s" -> milliseconds
	awk -v v="$1" 'BEGIN {
		if (v ~ /us$/) { sub(/us$/, "", v); printf "%.2f", v / 1000 }
		else if (v ~ /ms$/) { sub(/ms$/, "", v); printf "%.1f", v }
		else if (v ~ /m$/) { sub(/m$/, "", v); printf "%.0f", v * 60000 }
		else if (v ~ /s$/) { sub(/s$/, "", v); printf "%.0f", v * 1000 }
		else print "?" }'
}
# CPU time and run-queue wait of a process's threads, in ns (schedstat)
sched_ns() { cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{ r += $1; w += $2 } END { printf "%.0f %.0f\n", r, w }'; }
# CPU time of the PostgreSQL cluster (the postmaster and all its children), in
# ns; 0 when there is none
pg_cpu_ns() {
	local pm pid
	[ -n "$PGDIR" ] && [ -s "$PGDIR/data/postmaster.pid" ] || { echo 0; return; }
	pm=$(head -1 "$PGDIR/data/postmaster.pid")
	# shellcheck disable=SC2046
	for pid in $pm $(ps -o pid= --ppid "$pm"); do cat /proc/"$pid"/task/*/schedstat 2>/dev/null; done |
		awk '{ r += $1 } END { printf "%.0f\n", r }'
}

cd "$ROOT"
DATE=$(date -u '+%Y-%m-%d %H:%M UTC')
CPU_MODEL=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo)
[ -n "$CPU_MODEL" ] || CPU_MODEL=$(lscpu 2>/dev/null | awk -F': *' '/^Model name/ { print $2; exit }')
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
# A private copy of the binary: build/zoneops may be rebuilt while this runs.
ZBIN=$TMP/zoneops
cp "$BIN" "$ZBIN"

# ---- the reference query ----------------------------------------------------------
# One statement for both SQLite and PostgreSQL (CAST AS DOUBLE PRECISION has REAL
# affinity in SQLite; round() of a double needs NUMERIC in PostgreSQL).  The tax
# rows are joined from the table (SQLite builds no automatic index on a CTE joined
# this way, and would scan it once per row).
ref_sql() { # year month
	local y=$1 m=$2
	cat <<EOF
WITH cur AS (SELECT region_id, indicator, value FROM indicator_values WHERE year = $y AND month = $m),
prev AS (SELECT region_id, indicator, value FROM indicator_values WHERE year = $((y - 1)) AND month = $m),
tgt AS (SELECT region_id, indicator, value FROM indicator_targets WHERE year = $y),
j AS (SELECT c.region_id, c.indicator, c.value, p.value AS prev, t.value AS target,
        CASE WHEN p.value > 0 THEN CAST(c.value AS DOUBLE PRECISION) / p.value END AS ratio,
        CASE WHEN c.value > 0 THEN CAST(x.value AS DOUBLE PRECISION) / c.value END AS share
      FROM cur c
      LEFT JOIN prev p ON p.region_id = c.region_id AND p.indicator = c.indicator
      LEFT JOIN tgt t ON t.region_id = c.region_id AND t.indicator = c.indicator
      LEFT JOIN indicator_values x ON c.indicator = 'budget_revenue' AND x.region_id = c.region_id
        AND x.indicator = 'tax_revenue' AND x.year = $y AND x.month = $m)
SELECT r.id, r.name, r.is_zone, j.indicator, j.value, j.prev, j.target,
       round(CAST((j.ratio - 1) * 100 AS NUMERIC), 1) AS growth,
       rank() OVER (PARTITION BY j.indicator ORDER BY j.value DESC) AS rank_total,
       CASE WHEN j.ratio IS NOT NULL THEN rank() OVER (PARTITION BY j.indicator ORDER BY j.ratio DESC NULLS LAST) END AS rank_growth,
       CASE WHEN j.target > 0 THEN round(CAST(j.value * 100.0 / j.target AS NUMERIC), 1) END AS progress,
       round(CAST(j.share * 100 AS NUMERIC), 1) AS tax_share,
       CASE WHEN j.share IS NOT NULL THEN rank() OVER (PARTITION BY j.indicator ORDER BY j.share DESC NULLS LAST) END AS rank_share
FROM j JOIN regions r ON r.id = j.region_id
ORDER BY r.sort, r.id, j.indicator;
EOF
}
# the server's value query (evaluation.c, load_values) and a variant
load_sql() { echo "SELECT region_id, indicator, year, value FROM indicator_values WHERE year BETWEEN $(($1 - 1)) AND $1 AND month = $2;"; }
load_in_sql() { echo "SELECT region_id, indicator, year, value FROM indicator_values WHERE year IN ($(($1 - 1)), $1) AND month = $2;"; }
REF=$TMP/ref.sql
ref_sql "$END_YEAR" "$MONTH" >"$REF"

# Compare the API's evaluation (JSON) with the reference query's rows (CSV:
# id,name,is_zone,indicator,value,prev,target,growth,rank_total,rank_growth,
# progress,tax_share,rank_share).  Prints one line; exit 1 on a difference.
check_eval() { # eval.json ref.csv
	timeout 60 node -e '
const fs = require("fs");
const e = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
const ref = fs.readFileSync(process.argv[2], "utf8").trim().split("\n").map((l) => l.split(","));
const api = new Map();
for (const ind of e.indicators) for (const g of ind.regions) api.set(g.region_id + "," + ind.code, g);
const share = new Map(e.tax_share.map((s) => [s.region_id, s]));
let bad = 0, growth = 0, shares = 0;
const say = (...a) => { if (bad++ < 5) console.error("check:", ...a); };
for (const f of ref) {
	const g = api.get(f[0] + "," + f[3]);
	if (!g) { say("no API row for", f.join(",")); continue; }
	if (Math.round(g.value * 1e4) !== +f[4] || g.rank_total !== +f[8] || String(g.rank_growth ?? "") !== f[9])
		say("differs:", f.join(","), JSON.stringify(g));
	else if (f[7] !== "" && Math.abs(g.growth - +f[7]) > 1e-9) {
		if (Math.abs(g.growth - +f[7]) > 0.1001) say("growth differs:", f.join(","), g.growth); else growth++;
	}
	if (f[3] === "budget_revenue" && f[12] !== "") {
		const s = share.get(+f[0]);
		if (!s || s.rank !== +f[12]) say("tax share rank differs:", f.join(","), JSON.stringify(s)); else shares++;
	}
}
if (ref.length !== api.size) say(`${ref.length} reference rows, ${api.size} API rows`);
console.log(`${ref.length} rows and ${shares} tax shares: values and all ranks identical` +
	(growth ? `; ${growth} growth figures differ by 0.1 (rounding of a double in SQL)` : "") + (bad ? `; ${bad} DIFFERENCES` : ""));
process.exit(bad ? 1 : 0);
' "$1" "$2"
}

# ---- the server and its measurements (SQLite or PostgreSQL) -------------------------

start_server() { # db-url
	: >"$TMP/serve.log"
	taskset -c "$SERVER_CPU" "$ZBIN" serve --db "$1" --listen 127.0.0.1:0 --threads 1 \
		>"$TMP/serve.out" 2>"$TMP/serve.log" &
	SERVER_PID=$!
	PORT=""
	for _ in $(seq 150); do
		PORT=$(sed -n 's|.*serving on http://127\.0\.0\.1:\([0-9][0-9]*\)/.*|\1|p' "$TMP/serve.log" | head -1)
		[ -n "$PORT" ] && break
		kill -0 "$SERVER_PID" 2>/dev/null || { cat "$TMP/serve.log" >&2; die "the server stopped"; }
		sleep 0.1
	done
	[ -n "$PORT" ] || { cat "$TMP/serve.log" >&2; die "the server did not start within 15 s"; }
	BASE="http://127.0.0.1:$PORT"
}

make_token() { # db-url
	echo pw-bench-123 | timeout 30 "$ZBIN" user add bench --role admin --db "$1" >/dev/null
	TOKEN=$(timeout 30 "$ZBIN" token create --user bench --db "$1" 2>/dev/null | tail -1)
	case $TOKEN in zo_*) ;; *) die "token create printed no token" ;; esac
}

fetch() { # path out -- GET with the token; must answer 200
	local code
	code=$(curl -sS --max-time 30 -o "$2" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "$BASE$1")
	[ "$code" = 200 ] || die "GET $1 answered $code: $(head -c 300 "$2")"
}

# wrk run against path; appends a table row to ROWS_OUT, the median latency
# to the variable named by $4, the CPU time per request (serve, plus the
# PostgreSQL cluster) to the one named by $5
ROWS_OUT=()
wrk_run() { # backend label path median-var cpu-var
	local backend=$1 label=$2 path=$3 out s0 s1 g0 g1 t0 t1
	if [ "$WARMUP" -gt 0 ]; then
		timeout $((WARMUP + 15)) taskset -c "$CLIENT_CPU" wrk -t1 -c1 -d"${WARMUP}s" \
			-H "Authorization: Bearer $TOKEN" "$BASE$path" >/dev/null
	fi
	s0=$(sched_ns "$SERVER_PID")
	g0=$(pg_cpu_ns)
	t0=$(now)
	out=$(timeout $((DURATION + 15)) taskset -c "$CLIENT_CPU" wrk -t1 -c1 -d"${DURATION}s" --latency \
		-H "Authorization: Bearer $TOKEN" "$BASE$path")
	t1=$(now)
	s1=$(sched_ns "$SERVER_PID")
	g1=$(pg_cpu_ns)
	local p50 p99 avg rps n bad errs cpu wait per
	p50=$(to_ms "$(printf '%s\n' "$out" | awk '$1 == "50%" { print $2 }')")
	p99=$(to_ms "$(printf '%s\n' "$out" | awk '$1 == "99%" { print $2 }')")
	avg=$(to_ms "$(printf '%s\n' "$out" | awk '$1 == "Latency" { print $2; exit }')")
	rps=$(printf '%s\n' "$out" | awk '$1 == "Requests/sec:" { printf "%.1f", $2 }')
	n=$(printf '%s\n' "$out" | awk '/requests in/ { print $1 }')
	bad=$(printf '%s\n' "$out" | awk '/Non-2xx/ { print $NF }')
	errs=$(printf '%s\n' "$out" | awk '/Socket errors/ { sub(/.*Socket errors: */, ""); print }')
	[ -n "$bad" ] && note "WARNING: $backend $label: $bad responses were not 2xx"
	[ -n "$errs" ] && note "WARNING: $backend $label: socket errors: $errs"
	read -r cpu wait per < <(awk -v a="$s0" -v b="$s1" -v g0="$g0" -v g1="$g1" -v n="$n" -v t0="$t0" -v t1="$t1" 'BEGIN {
		split(a, x, " "); split(b, y, " "); d = (t1 - t0) * 1e9
		printf "%.0f %.0f %.1f\n", 100 * (y[1] - x[1]) / d, 100 * (y[2] - x[2]) / d, (n > 0 ? (y[1] - x[1] + g1 - g0) / n / 1e6 : 0) }')
	local pgcpu=""
	[ "$g1" != 0 ] && pgcpu=", PostgreSQL $(awk -v a="$g0" -v b="$g1" -v t0="$t0" -v t1="$t1" 'BEGIN { printf "%.0f", 100 * (b - a) / ((t1 - t0) * 1e9) }') %"
	ROWS_OUT+=("| $backend | HTTP \`GET $path\` (wrk -t1 -c1, ${DURATION} s) | **$p50** | $p99 | $avg | $per | $n | $rps | CPU: serve $cpu %$pgcpu; serve waited $wait %${bad:+; non-2xx $bad}${errs:+; $errs} |")
	printf -v "$4" '%s' "$p50"
	printf -v "$5" '%s' "$per"
}

sql_row() { # backend label times-file median-var cpu-var [note]
	# times-file: "wall-ms cpu-ms" a line (cpu-ms: "-" when not known per run;
	# then PG_CPU_PER, the mean from the cluster's CPU time, is used)
	local med p99 n cpu
	read -r med p99 n < <(awk '{ print $1 }' "$3" | stats)
	[ "$n" -gt 0 ] || die "$1: no timings for $2"
	if [ "$(awk 'NR == 1 { print $2 }' "$3")" = - ]; then
		cpu="$PG_CPU_PER (mean)"
	else
		read -r cpu _ _ < <(awk '{ print $2 }' "$3" | stats)
	fi
	ROWS_OUT+=("| $1 | $2 | **$med** | $p99 | | $cpu | $n | | ${6:-} |")
	printf -v "$4" '%s' "$med"
	printf -v "$5" '%s' "${cpu%% *}"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "?" }'; }

sqlite_times() { # sql-file out -- SQL_RUNS runs in the sqlite3 shell on CPU 0, .timer on
	{
		echo ".timer on"
		echo ".output /dev/null"
		for _ in $(seq "$SQL_RUNS"); do cat "$1"; done
	} | timeout 120 taskset -c "$SERVER_CPU" sqlite3 "$DBFILE" |
		awk '/^Run Time: real/ { printf "%.1f %.1f\n", $4 * 1000, ($6 + $8) * 1000 }' >"$2"
}

psql_times() { # sql-file out -- SQL_RUNS runs through psql on CPU 1, \timing on
	# The backend's CPU time comes from its own /proc/self/schedstat, read
	# before and after the runs (the backend exits with psql).
	{
		echo "SELECT 'CPU0 ' || pg_read_file('/proc/self/schedstat');"
		echo '\timing on'
		echo '\o /dev/null'
		for _ in $(seq "$SQL_RUNS"); do cat "$1"; done
		echo '\o'
		echo '\timing off'
		echo "SELECT 'CPU1 ' || pg_read_file('/proc/self/schedstat');"
	} | timeout 120 taskset -c "$CLIENT_CPU" psql -X -q -A -t -v ON_ERROR_STOP=1 "$PGURL" >"$2.raw"
	awk '/^Time: / { printf "%.1f -\n", $2 }' "$2.raw" >"$2"
	PG_CPU_PER=$(awk -v n="$SQL_RUNS" '$1 == "CPU0" { a = $2 } $1 == "CPU1" { b = $2 }
		END { if (a && b) printf "%.1f", (b - a) / n / 1e6; else print "?" }' "$2.raw")
}

# ---- 1. the data set -----------------------------------------------------------------

DATA=$TMP/data
note "generating $REGIONS regions x 6 indicators x $YEARS years x 12 months (seed $SEED)"
t=$(now)
GEN_LINE=$(timeout 120 node "$ROOT/bench/gen-indicators.mjs" --out "$DATA" --regions "$REGIONS" --years "$YEARS" \
	--end-year "$END_YEAR" --seed "$SEED" --import-period "$IMP_P") || die "bench/gen-indicators.mjs failed"
GEN_S=$(elapsed "$t" "$(now)")
NVALUES=$((REGIONS * 6 * YEARS * 12))
[ "$(wc -l <"$DATA/values.csv")" -eq "$NVALUES" ] || die "values.csv does not have $NVALUES rows"
ZONE=$(sed -n 's/.*"zone":"\([^"]*\)".*/\1/p' <<<"$GEN_LINE")
CSV_MB=$(awk -v b="$(wc -c <"$DATA/values.csv")" 'BEGIN { printf "%.0f", b / 1048576 }')

# ---- 2. SQLite --------------------------------------------------------------------------

DBFILE=$TMP/ind.db
SQ="sqlite:$DBFILE"
timeout 60 "$ZBIN" migrate --db "$SQ" >/dev/null
note "sqlite3 .import of $NVALUES values"
t=$(now)
(cd "$DATA" && timeout 150 sqlite3 "$DBFILE" "PRAGMA journal_mode=DELETE" "PRAGMA journal_mode=OFF" \
	"PRAGMA synchronous=OFF" "PRAGMA cache_size=-262144" ".mode csv" ".import regions.csv regions" \
	".import values.csv indicator_values" ".import targets.csv indicator_targets" ".mode list" \
	"PRAGMA journal_mode=WAL" >/dev/null) || die "sqlite3 .import failed"
SQ_LOAD_S=$(elapsed "$t" "$(now)")
[ "$(sqlite3 "$DBFILE" 'SELECT count(*) FROM indicator_values')" -eq "$NVALUES" ] || die "indicator_values does not hold $NVALUES rows"
[ "$(sqlite3 "$DBFILE" 'SELECT count(*) FROM regions')" -eq "$REGIONS" ] || die "regions does not hold $REGIONS rows"
DB_MB=$(awk -v b="$(wc -c <"$DBFILE")" 'BEGIN { printf "%.0f", b / 1048576 }')

# the import path must store exactly the numbers loaded directly
IY=${IMP_P%-*}
sum_sql="SELECT count(*) || ' ' || sum(value) || ' ' || sum(value * region_id) || ' ' || sum(length(indicator) * value) FROM indicator_values WHERE year = $IY AND month = $MONTH"
SUM0=$(sqlite3 "$DBFILE" "$sum_sql")
t=$(now)
IMP_LINE=$(timeout 60 "$ZBIN" import indicators "$DATA/import-$IMP_P.csv" --db "$SQ" 2>&1 | tail -1) ||
	die "zoneops import indicators failed: $IMP_LINE"
IMP_S=$(elapsed "$t" "$(now)")
SUM1=$(sqlite3 "$DBFILE" "$sum_sql")
[ "$SUM0" = "$SUM1" ] || die "zoneops import of $IMP_P changed the period: '$SUM0' -> '$SUM1' ($IMP_LINE)"
IMP_ROWS=$((REGIONS * 6))

make_token "$SQ"
start_server "$SQ"
note "SQLite: checking GET /api/v1/indicators/evaluation?period=$P against the reference query"
fetch "/api/v1/indicators/evaluation?period=$P" "$TMP/eval-sqlite.json"
fetch "/api/v1/indicators/report?period=$P" "$TMP/report.json"
EVAL_BYTES=$(wc -c <"$TMP/eval-sqlite.json")
timeout 120 taskset -c "$SERVER_CPU" sqlite3 -csv "$DBFILE" ".read $REF" >"$TMP/ref-sqlite.csv"
CHECK_SQ=$(check_eval "$TMP/eval-sqlite.json" "$TMP/ref-sqlite.csv") || die "the API and the reference query differ: $CHECK_SQ"
REPORT_TEXT=$(sed -n 's/.*"text":"\([^"]*\)".*/\1/p' "$TMP/report.json")

note "SQLite: wrk"
wrk_run SQLite evaluation "/api/v1/indicators/evaluation?period=$P" SQ_EVAL SQ_EVAL_CPU
wrk_run SQLite report "/api/v1/indicators/report?period=$P" SQ_REPORT SQ_REPORT_CPU
HWM=$(awk '/^VmHWM/ { printf "%.0f MB", $2 / 1024 }' "/proc/$SERVER_PID/status" 2>/dev/null || echo "?")
stop_pid "$SERVER_PID"
SERVER_PID=""

note "SQLite: the reference query, $SQL_RUNS runs"
sqlite_times "$REF" "$TMP/t-ref"
sql_row SQLite "reference: one SQL query, all $((REGIONS * 6)) rows (sqlite3, .timer on)" "$TMP/t-ref" SQ_REF SQ_REF_CPU
load_sql "$END_YEAR" "$MONTH" >"$TMP/load.sql"
load_in_sql "$END_YEAR" "$MONTH" >"$TMP/load-in.sql"
sqlite_times "$TMP/load.sql" "$TMP/t-load"
sql_row SQLite "the server's value query alone: \`year BETWEEN $((END_YEAR - 1)) AND $END_YEAR AND month = $MONTH\`" "$TMP/t-load" SQ_LOAD NONE "plan: range on (year, month)"
sqlite_times "$TMP/load-in.sql" "$TMP/t-load-in"
sql_row SQLite "the same with \`year IN ($((END_YEAR - 1)), $END_YEAR)\`" "$TMP/t-load-in" SQ_LOAD_IN NONE "plan: two equality lookups"
RATIOS=("SQLite: evaluation / reference = **$(ratio "$SQ_EVAL" "$SQ_REF")** in latency, $(ratio "$SQ_EVAL_CPU" "$SQ_REF_CPU") in CPU time; report / reference = **$(ratio "$SQ_REPORT" "$SQ_REF")** in latency, $(ratio "$SQ_REPORT_CPU" "$SQ_REF_CPU") in CPU time (medians)")

# ---- 3. PostgreSQL ----------------------------------------------------------------------

PG_NOTE=""
PG_NEEDS=$((40 + 2 * (WARMUP + DURATION) + 20))
if [ "$WANT_PG" -eq 0 ]; then
	PG_NOTE="PostgreSQL skipped (BENCH_PG=0)."
elif ! command -v psql >/dev/null 2>&1 || [ ! -x "${PGBIN:-/usr/lib/postgresql/15/bin}/initdb" ]; then
	PG_NOTE="PostgreSQL skipped: psql or postgresql-15 is not installed."
elif [ "$(left)" -lt "$PG_NEEDS" ]; then
	PG_NOTE="PostgreSQL skipped: $(left) s of the ${BUDGET} s budget left, it needs about $PG_NEEDS s."
else
	note "PostgreSQL: starting a cluster (pinned to CPU $SERVER_CPU)"
	PGDIR=$(mktemp -d /tmp/zoneops-ind-pg.XXXXXX)
	PGURL=$(taskset -c "$SERVER_CPU" timeout 90 "$ROOT/scripts/pg.sh" start "$PGDIR") || die "scripts/pg.sh start failed"
	timeout 60 "$ZBIN" migrate --db "$PGURL" >/dev/null
	note "PostgreSQL: \\copy of $NVALUES values"
	t=$(now)
	(cd "$DATA" && timeout 150 psql -X -q -v ON_ERROR_STOP=1 "$PGURL" >/dev/null) <<-'EOF' || die "loading PostgreSQL failed"
		BEGIN;
		ALTER TABLE indicator_values DROP CONSTRAINT indicator_values_pkey,
		  DROP CONSTRAINT indicator_values_region_id_fkey;
		DROP INDEX indicator_values_period;
		\copy regions FROM 'regions.csv' CSV
		\copy indicator_values FROM 'values.csv' CSV
		\copy indicator_targets FROM 'targets.csv' CSV
		ALTER TABLE indicator_values ADD CONSTRAINT indicator_values_pkey PRIMARY KEY (region_id, indicator, year, month),
		  ADD CONSTRAINT indicator_values_region_id_fkey FOREIGN KEY (region_id) REFERENCES regions(id);
		CREATE INDEX indicator_values_period ON indicator_values (year, month);
		SELECT setval(pg_get_serial_sequence('regions', 'id'), (SELECT max(id) FROM regions));
		COMMIT;
		ANALYZE;
	EOF
	PG_LOAD_S=$(elapsed "$t" "$(now)")
	[ "$(psql -X -Atq "$PGURL" -c 'SELECT count(*) FROM indicator_values')" -eq "$NVALUES" ] ||
		die "PostgreSQL indicator_values does not hold $NVALUES rows"
	PG_VER=$(psql -X -Atq "$PGURL" -c 'SHOW server_version' | cut -d' ' -f1)

	make_token "$PGURL"
	start_server "$PGURL"
	note "PostgreSQL: checking the evaluation against the reference query"
	fetch "/api/v1/indicators/evaluation?period=$P" "$TMP/eval-pg.json"
	timeout 120 psql -X -q -A -t -F, -v ON_ERROR_STOP=1 "$PGURL" -f "$REF" -o "$TMP/ref-pg.csv"
	CHECK_PG=$(check_eval "$TMP/eval-pg.json" "$TMP/ref-pg.csv") || die "PostgreSQL: the API and the reference query differ: $CHECK_PG"
	if cmp -s "$TMP/eval-sqlite.json" "$TMP/eval-pg.json"; then
		CHECK_PG="$CHECK_PG; the response is byte for byte the one from SQLite"
	else
		CHECK_PG="$CHECK_PG; the response differs from SQLite's in its bytes"
	fi
	note "PostgreSQL: wrk"
	wrk_run PostgreSQL evaluation "/api/v1/indicators/evaluation?period=$P" PG_EVAL PG_EVAL_CPU
	wrk_run PostgreSQL report "/api/v1/indicators/report?period=$P" PG_REPORT PG_REPORT_CPU
	stop_pid "$SERVER_PID"
	SERVER_PID=""
	note "PostgreSQL: the reference query, $SQL_RUNS runs"
	psql_times "$REF" "$TMP/t-pref"
	sql_row PostgreSQL "reference: the same SQL query (psql, \\timing on)" "$TMP/t-pref" PG_REF PG_REF_CPU
	psql_times "$TMP/load.sql" "$TMP/t-pload"
	sql_row PostgreSQL "the server's value query alone (BETWEEN)" "$TMP/t-pload" PG_LOAD NONE
	psql_times "$TMP/load-in.sql" "$TMP/t-pload-in"
	sql_row PostgreSQL "the same with \`year IN (...)\`" "$TMP/t-pload-in" PG_LOAD_IN NONE
	RATIOS+=("PostgreSQL $PG_VER: evaluation / reference = **$(ratio "$PG_EVAL" "$PG_REF")** in latency, $(ratio "$PG_EVAL_CPU" "$PG_REF_CPU") in CPU time; report / reference = **$(ratio "$PG_REPORT" "$PG_REF")** in latency, $(ratio "$PG_REPORT_CPU" "$PG_REF_CPU") in CPU time (latency: medians; CPU: means)")
	timeout 60 "$ROOT/scripts/pg.sh" stop "$PGDIR" >/dev/null 2>&1 || note "WARNING: scripts/pg.sh stop $PGDIR failed"
	PGDIR=""
fi

# ---- 4. report ---------------------------------------------------------------------------

SQLITE_VER=$(sqlite3 -version | cut -d' ' -f1)
WRK_VER=$({ wrk -v 2>&1 || true; } | awk 'NR == 1 { print $2 }')
ZONEOPS_VER=$({ "$ZBIN" version 2>&1 || true; } | head -1)
LOAD1=$(cut -d' ' -f1-3 /proc/loadavg)
cat <<EOF

## Indicator evaluation: one period over $REGIONS regions x 6 indicators x $YEARS years of months

- Command: \`$CMDLINE\` (from the repository root)
- Date: $DATE; total run $((SECONDS - T0)) s
- Machine: $(nproc) CPUs (\`nproc\`), $CPU_MODEL; $(uname -sr); load average $LOAD0 at the start, $LOAD1 at the end
- Versions: $ZONEOPS_VER; SQLite $SQLITE_VER (CLI); wrk $WRK_VER${PG_VER:+; PostgreSQL $PG_VER}
- Data: \`node bench/gen-indicators.mjs --regions $REGIONS --years $YEARS --end-year $END_YEAR --seed $SEED\`
  ($GEN_S s): $NVALUES values ($((END_YEAR - YEARS + 1))-01 .. $END_YEAR-12, period order, $CSV_MB MB CSV),
  $((REGIONS * 6 * YEARS)) targets; zone $ZONE.  SQLite: \`sqlite3 .import\` in $SQ_LOAD_S s, $DB_MB MB
  database${PG_LOAD_S:+; PostgreSQL: \\copy with the indexes rebuilt, ANALYZE, in $PG_LOAD_S s}.
- Import path: \`zoneops import indicators\` of $IMP_ROWS rows ($IMP_P, 亿 with 4 decimals) over the loaded data
  in $IMP_S s changed nothing ("$IMP_LINE").
- Period evaluated: **$P** (values of $P and $((END_YEAR - 1))-$(printf '%02d' "$MONTH"), targets of $END_YEAR).
  Response of /evaluation: $EVAL_BYTES bytes.  \`serve --threads 1\` on CPU $SERVER_CPU (high-water RSS
  $HWM on SQLite); wrk on CPU $CLIENT_CPU after $WARMUP s of warm-up; the sqlite3 shell on CPU $SERVER_CPU;
  psql on CPU $CLIENT_CPU with the PostgreSQL server on CPU $SERVER_CPU.
- Check, SQLite: $CHECK_SQ.${CHECK_PG:+
- Check, PostgreSQL: $CHECK_PG.}

| backend | what | median ms | p99 ms | mean ms | CPU ms each | samples | req/s | notes |
|---|---|---|---|---|---|---|---|---|
$(printf '%s\n' "${ROWS_OUT[@]}")

$(printf -- '- %s\n' "${RATIOS[@]}")
${PG_NOTE:+- $PG_NOTE
}- p99 of the SQL rows is the nearest rank of $SQL_RUNS runs (their maximum).  "CPU ms each": CPU time
  per request or query, which other load on the machine disturbs much less than latency -- HTTP:
  serve's CPU time over the wrk run (plus, on PostgreSQL, the whole cluster's) / requests; sqlite3:
  the median of .timer's user + sys (the shell, formatting included); psql: the backend's CPU time over
  the $SQL_RUNS runs / $SQL_RUNS (psql's own formatting, on the other CPU, not included).  "serve waited": time serve was
  runnable while something else held CPU $SERVER_CPU (/proc/PID/schedstat) -- other load, and on
  PostgreSQL also its own backend, which shares CPU $SERVER_CPU.
- Report paragraph of $P: $REPORT_TEXT
EOF
