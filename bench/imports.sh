#!/usr/bin/env bash
# bench/imports.sh -- what a 300,000-row enterprise import costs everyone
# else (issue 9): /healthz and a small write timed before and during the
# import through HTTP, on SQLite (and PostgreSQL with BENCH_PG_URL).
#
#   bench/imports.sh              (expects build/zoneops from `make`; node, sqlite3, curl)
#
# All traffic is on 127.0.0.1; everything lives in a temporary directory
# that is removed on exit, and every process started here is stopped.
#
# What it does:
#   1. `node bench/gen.mjs --enterprises N --seed S --key-share 0` writes the
#      CSV (41 MB for 300,000 rows);
#   2. a fresh database, migrated, with the file's streets, an admin user
#      "bench" and its API token; `zoneops serve` on it (default threads);
#   3. bench/import-load.mjs: BASELINE seconds of GET /healthz every 50 ms
#      and POST /api/v1/streets every 200 ms, then the same while the file is
#      imported (POST /api/v1/enterprises/import?mode=all, a job, polled
#      until it ends);
#   4. prints a markdown table: requests, failures (not 2xx), median, p99 and
#      longest latency of each probe, before and during, and the ratios of
#      during to before; the job's time by phase.
#
# Settings (environment): BENCH_ROWS (default 300000), BENCH_SEED (1),
# BENCH_BASELINE (seconds, default 10), BENCH_MODE (all|good, default all),
# BENCH_PG_URL (a PostgreSQL database URL to run the same there; its
# tables are dropped first), ZONEOPS_BIN (default build/zoneops).  About
# 2 minutes on 2 cores for SQLite.
set -euo pipefail
export LC_ALL=C

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${ZONEOPS_BIN:-$ROOT/build/zoneops}
ROWS=${BENCH_ROWS:-300000}
SEED=${BENCH_SEED:-1}
BASELINE=${BENCH_BASELINE:-10}
MODE=${BENCH_MODE:-all}
PG_URL=${BENCH_PG_URL:-}
CMDLINE="bench/imports.sh"
for v in BENCH_ROWS BENCH_SEED BENCH_BASELINE BENCH_MODE ZONEOPS_BIN; do
	[ -n "${!v:-}" ] && CMDLINE="$v=${!v} $CMDLINE"
done
[ -n "$PG_URL" ] && CMDLINE="BENCH_PG_URL=… $CMDLINE"

die() { echo "imports.sh: $*" >&2; exit 1; }
note() { echo "imports.sh: $*" >&2; }

for n in ROWS SEED BASELINE; do
	case ${!n} in '' | *[!0-9]*) die "BENCH_$n must be a whole number" ;; esac
done
case $MODE in all | good) ;; *) die "BENCH_MODE is all or good" ;; esac
[ -x "$BIN" ] || die "no $BIN -- build it first with 'make'"
for tool in node sqlite3 curl awk; do
	command -v "$tool" >/dev/null 2>&1 || die "'$tool' is missing"
done
[ -z "$PG_URL" ] || command -v psql >/dev/null 2>&1 || die "'psql' is missing (BENCH_PG_URL)"

umask 077
TMP=$(mktemp -d "${TMPDIR:-/tmp}/zoneops-imports-bench.XXXXXX")
SERVER_PID=""
stop_server() {
	[ -n "$SERVER_PID" ] || return 0
	kill -TERM "$SERVER_PID" 2>/dev/null || true
	for _ in $(seq 50); do
		kill -0 "$SERVER_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$SERVER_PID" 2>/dev/null || true
	wait "$SERVER_PID" 2>/dev/null || true
	SERVER_PID=""
}
cleanup() {
	set +e
	stop_server
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

cd "$ROOT"
DATE=$(date -u '+%Y-%m-%d %H:%M UTC')
CPU_MODEL=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo)
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)

# ---- 1. the file ------------------------------------------------------------

CSV=$TMP/enterprises.csv
note "generating $ROWS enterprises (seed $SEED)"
timeout 300 node bench/gen.mjs --enterprises "$ROWS" --seed "$SEED" --key-share 0 --out "$CSV" 2>/dev/null ||
	die "bench/gen.mjs failed"
[ "$(($(wc -l <"$CSV") - 1))" -eq "$ROWS" ] || die "the file does not have $ROWS rows"
grep -q '"' "$CSV" && die "the generated file has quoted fields; the street list assumes none"
CSV_MB=$(awk -v b="$(wc -c <"$CSV")" 'BEGIN { printf "%.1f", b / 1048576 }')
STREET_SQL=""
while IFS= read -r s; do
	STREET_SQL="$STREET_SQL${STREET_SQL:+, }('$s', '')"
done < <(awk -F, 'NR > 1 { s[$3] = 1 } END { for (k in s) print k }' "$CSV" | sort)

# ---- 2. a server, 3. the load ---------------------------------------------------

run_store() { # name db-url sql-command...
	local name=$1 url=$2
	shift 2
	"$BIN" migrate --db "$url" >/dev/null || die "$name: migrate failed"
	"$@" "INSERT INTO streets (name, name_en) VALUES $STREET_SQL;" >/dev/null || die "$name: adding the streets failed"
	echo pw-bench-123 | "$BIN" user add bench --role admin --db "$url" >/dev/null
	local token
	token=$("$BIN" token create --user bench --db "$url" 2>/dev/null | tail -1)
	case $token in zo_*) ;; *) die "$name: token create printed no token" ;; esac
	"$BIN" serve --db "$url" --listen 127.0.0.1:0 >"$TMP/serve.out" 2>"$TMP/serve.err" &
	SERVER_PID=$!
	local port=""
	for _ in $(seq 100); do
		port=$(grep -Eo 'serving on http://127\.0\.0\.1:[0-9]+' "$TMP/serve.err" 2>/dev/null | grep -Eo '[0-9]+$' || true)
		[ -n "$port" ] && break
		sleep 0.1
	done
	[ -n "$port" ] || { cat "$TMP/serve.err" >&2; die "$name: the server did not start"; }
	note "$name: baseline ${BASELINE} s, then the import of $ROWS rows (mode $MODE)"
	node bench/import-load.mjs --url "http://127.0.0.1:$port" --token "$token" --file "$CSV" \
		--path "/api/v1/enterprises/import?mode=$MODE&filename=bench.csv" --baseline "$BASELINE" >"$TMP/$name.json" ||
		die "$name: bench/import-load.mjs failed"
	stop_server
}

rm -f "$TMP/a.db"
run_store sqlite "sqlite:$TMP/a.db" sqlite3 "$TMP/a.db"
STORES="sqlite"
if [ -n "$PG_URL" ]; then
	psql -q "$PG_URL" -c 'DROP SCHEMA public CASCADE; CREATE SCHEMA public;' >/dev/null || die "cannot reset $PG_URL"
	run_store postgresql "$PG_URL" psql -q "$PG_URL" -c
	STORES="sqlite postgresql"
fi

# ---- 4. the table -------------------------------------------------------------------

cat <<EOF

## A ${ROWS}-row enterprise import and everyone else

\`$CMDLINE\` -- $DATE; $(nproc) CPUs ($CPU_MODEL); load before: $LOAD0; file ${CSV_MB} MB, mode $MODE

EOF
for s in $STORES; do
	node -e '
const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
const f = (x) => (x === null ? "–" : x.toFixed(1));
const bad = (o) => Object.entries(o).map(([k, v]) => `${v}× ${k === "-1" ? "no answer" : k}`).join(", ") || "0";
console.log(`**${process.argv[2]}**: the job ${r.job.status} in ${r.job.seconds} s (upload ${r.job.upload_seconds} s; ` +
  Object.entries(r.job.phases).map(([k, v]) => `${k} ${v} s`).join(", ") + `), ${r.job.created_rows} created, ${r.job.error_rows} bad` +
  (r.job.fatal ? `, fatal ${r.job.fatal}` : "") + "\n");
console.log("| probe | phase | requests | not 2xx | p50 ms | p99 ms | max ms |");
console.log("|---|---|---:|---|---:|---:|---:|");
for (const p of ["healthz", "write"])
  for (const ph of ["baseline", "import"]) {
    const x = r[ph][p];
    console.log(`| ${p === "write" ? "POST /api/v1/streets" : "GET /healthz"} | ${ph === "import" ? "during the import" : "before"} | ${x.n} | ${bad(x.not_2xx)} | ${f(x.p50)} | ${f(x.p99)} | ${f(x.max)} |`);
  }
const ratio = (p, q) => (r.baseline[p][q] ? (r.import[p][q] / r.baseline[p][q]).toFixed(1) : "–");
console.log(`\nratios during / before: /healthz p50 ${ratio("healthz", "p50")}×, p99 ${ratio("healthz", "p99")}×, max ${ratio("healthz", "max")}×; ` +
  `write p50 ${ratio("write", "p50")}×, p99 ${ratio("write", "p99")}×, max ${ratio("write", "max")}×\n`);
' "$TMP/$s.json" "$s"
done
