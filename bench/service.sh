#!/usr/bin/env bash
# bench/service.sh -- the enterprise service's two benchmark figures (issue 3):
#   * import of 100,000 enterprises from CSV, as a ratio to `sqlite3 .import`
#     of the same file, in the same run;
#   * name search over those 100,000 enterprises through HTTP: median (and
#     p99) latency of GET /api/v1/enterprises?q=XX&limit=20 for two-character
#     substrings of different selectivity, and one single character.
#
#   bench/service.sh           (expects build/zoneops from `make`; node, wrk,
#                               sqlite3, iconv, curl, taskset)
#
# All traffic is on 127.0.0.1; everything lives in a temporary directory
# that is removed on exit, and every process started here is stopped.
#
# What it does:
#   1. `node bench/gen.mjs --enterprises N --seed S` writes the CSV (UTF-8).
#      The generator marks about 10% of the firms as key enterprises
#      (is_key=1), and the import refuses a key enterprise without a chief
#      service officer; the file gets is_key=0 on every row (awk), so all N
#      rows are written in mode "all".  A GBK copy (iconv) is checked with
#      `zoneops import --dry-run` (every row must read as good).
#   2. Import, alternating, RUNS times each, on a fresh database each time:
#        zoneops import enterprises FILE --db sqlite:TMP/a.db
#          (a.db is migrated and given the file's four streets -- which the
#          import resolves by name -- before the clock starts)
#        sqlite3 TMP/b.db ".mode csv" ".import FILE t"
#      and reports each time, the medians, rows/s and the ratio of the medians.
#   3. Search: `zoneops serve --threads 1` on the imported a.db, pinned to
#      CPU 0; an admin user "bench" with an API token; for each query the
#      API's total is checked against `name LIKE '%q%'` in sqlite3, then
#      wrk (pinned to CPU 1, bench/search.lua, -t1 -c1, --latency) runs
#      WARMUP seconds (discarded) and DURATION seconds (reported).
#   4. Prints a markdown table with the command, machine and date.
#
# Settings (environment): BENCH_ROWS (default 100000), BENCH_SEED (1),
# BENCH_RUNS (import repetitions, default 3), BENCH_DURATION (seconds per
# wrk run, default 5), BENCH_WARMUP (default 1), BENCH_BUDGET (seconds,
# default 280: later import repetitions and search runs are skipped, and
# said so, when they would not fit), ZONEOPS_BIN (default build/zoneops).
# The whole run takes about 2 x RUNS x (import time) + 11 x (DURATION +
# WARMUP) + 10 s: about 2.5 minutes on 2 cores.
set -euo pipefail
export LC_ALL=C

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${ZONEOPS_BIN:-$ROOT/build/zoneops}
ROWS=${BENCH_ROWS:-100000}
SEED=${BENCH_SEED:-1}
RUNS=${BENCH_RUNS:-3}
DURATION=${BENCH_DURATION:-5}
WARMUP=${BENCH_WARMUP:-1}
BUDGET=${BENCH_BUDGET:-280}
SERVER_CPU=0
CLIENT_CPU=1
CMDLINE="bench/service.sh${*:+ $*}"
for v in BENCH_ROWS BENCH_SEED BENCH_RUNS BENCH_DURATION BENCH_WARMUP BENCH_BUDGET ZONEOPS_BIN; do
	[ -n "${!v:-}" ] && CMDLINE="$v=${!v} $CMDLINE"
done

die() { echo "service.sh: $*" >&2; exit 1; }
note() { echo "service.sh: $*" >&2; }

for n in ROWS SEED RUNS DURATION WARMUP BUDGET; do
	case ${!n} in '' | *[!0-9]*) die "BENCH_$n must be a whole number" ;; esac
done
[ "$ROWS" -ge 1000 ] && [ "$ROWS" -le 1000000 ] || die "BENCH_ROWS must be 1000..1000000"
[ "$RUNS" -ge 1 ] && [ "$RUNS" -le 5 ] || die "BENCH_RUNS must be 1..5"
[ "$DURATION" -ge 1 ] && [ "$DURATION" -le 30 ] || die "BENCH_DURATION must be 1..30"
[ -x "$BIN" ] || die "no $BIN -- build it first with 'make'"
for tool in node wrk sqlite3 iconv curl taskset timeout awk; do
	command -v "$tool" >/dev/null 2>&1 || die "'$tool' is missing (apt-get install -y wrk sqlite3 curl)"
done
if [ "$(nproc)" -lt 2 ]; then
	note "WARNING: only one CPU; server and wrk share CPU 0, figures are not comparable"
	CLIENT_CPU=0
fi

umask 077
TMP=$(mktemp -d "${TMPDIR:-/tmp}/zoneops-service-bench.XXXXXX")
case $TMP in *[[:space:]]*) rm -rf "$TMP"; die "the temporary directory '$TMP' has a space (sqlite3 .import needs a plain path)" ;; esac
SERVER_PID=""

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
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

T0=$SECONDS
left() { echo $((BUDGET - (SECONDS - T0))); }
now() { echo "$EPOCHREALTIME"; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

cd "$ROOT"
DATE=$(date -u '+%Y-%m-%d %H:%M UTC')
CPU_MODEL=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo)
[ -n "$CPU_MODEL" ] || CPU_MODEL=$(lscpu 2>/dev/null | awk -F': *' '/^Model name/ { print $2; exit }')
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)

# ---- 1. the file ------------------------------------------------------------

CSV=$TMP/enterprises.csv
GBK=$TMP/enterprises.gbk.csv
note "generating $ROWS enterprises (seed $SEED)"
timeout 120 node "$ROOT/bench/gen.mjs" --enterprises "$ROWS" --seed "$SEED" --out "$TMP/gen.csv" 2>/dev/null ||
	die "bench/gen.mjs failed"
# no key enterprises (they would need an officer); the generator quotes no field
# of its own, so plain comma splitting is exact -- checked here
grep -q '"' "$TMP/gen.csv" && die "the generated file has quoted fields; the is_key rewrite assumes none"
[ "$(head -1 "$TMP/gen.csv" | cut -d, -f6)" = is_key ] || die "column 6 of the generated file is not is_key"
KEYS=$(awk -F, 'NR > 1 && $6 == 1 { n++ } END { print n + 0 }' "$TMP/gen.csv")
awk -F, -v OFS=, 'NR > 1 { $6 = 0 } { print }' "$TMP/gen.csv" >"$CSV"
rm -f "$TMP/gen.csv"
[ "$(($(wc -l <"$CSV") - 1))" -eq "$ROWS" ] || die "the file does not have $ROWS rows"
CSV_MB=$(awk -v b="$(wc -c <"$CSV")" 'BEGIN { printf "%.1f", b / 1048576 }')
iconv -f UTF-8 -t GBK "$CSV" >"$GBK" || die "iconv to GBK failed"
STREETS=$(awk -F, 'NR > 1 { s[$3] = 1 } END { for (k in s) print k }' "$CSV" | sort)
STREET_SQL=""
while IFS= read -r s; do
	STREET_SQL="$STREET_SQL${STREET_SQL:+, }('$s', '')"
done <<<"$STREETS"
NSTREETS=$(printf '%s\n' "$STREETS" | wc -l)

fresh_db() { # path -- migrated, with the streets of the file
	rm -f "$1" "$1-wal" "$1-shm"
	"$BIN" migrate --db "sqlite:$1" >/dev/null
	sqlite3 "$1" "INSERT INTO streets (name, name_en) VALUES $STREET_SQL;"
}

# GBK: the same rows must read as good (dry run: nothing is written)
fresh_db "$TMP/gbk.db"
t=$(now)
timeout 60 "$BIN" import enterprises "$GBK" --dry-run --db "sqlite:$TMP/gbk.db" >"$TMP/gbk.log" 2>&1 ||
	{ tail -5 "$TMP/gbk.log" >&2; die "the dry-run import of the GBK copy failed"; }
GBK_S=$(elapsed "$t" "$(now)")
GBK_LINE=$(tail -1 "$TMP/gbk.log")
grep -q "$ROWS rows: $ROWS to create, 0 to update, 0 bad" "$TMP/gbk.log" ||
	die "the GBK copy does not read as $ROWS good rows: $GBK_LINE"
rm -f "$TMP/gbk.db"*

# ---- 2. import vs sqlite3 .import --------------------------------------------------

Z_TIMES=()
S_TIMES=()
for run in $(seq "$RUNS"); do
	if [ "$run" -gt 1 ] && [ "$(left)" -lt $((140 + 11 * (DURATION + WARMUP))) ]; then
		note "time budget: import run $run of $RUNS skipped"
		break
	fi
	fresh_db "$TMP/a.db"
	note "import run $run: zoneops"
	t=$(now)
	timeout 120 "$BIN" import enterprises "$CSV" --db "sqlite:$TMP/a.db" >"$TMP/import.log" 2>&1 ||
		{ tail -5 "$TMP/import.log" >&2; die "zoneops import failed"; }
	Z_TIMES+=("$(elapsed "$t" "$(now)")")
	grep -q "$ROWS rows: $ROWS created, 0 updated, 0 bad" "$TMP/import.log" ||
		die "zoneops import did not write $ROWS rows: $(tail -1 "$TMP/import.log")"
	Z_LINE=$(tail -1 "$TMP/import.log")

	rm -f "$TMP/b.db"
	note "import run $run: sqlite3 .import"
	t=$(now)
	timeout 60 sqlite3 "$TMP/b.db" ".mode csv" ".import $CSV t"
	S_TIMES+=("$(elapsed "$t" "$(now)")")
	[ "$(sqlite3 "$TMP/b.db" 'SELECT count(*) FROM t')" -eq "$ROWS" ] || die "sqlite3 .import did not load $ROWS rows"
done
[ "$(sqlite3 "$TMP/a.db" 'SELECT count(*) FROM enterprises')" -eq "$ROWS" ] || die "a.db does not hold $ROWS enterprises"
A_MB=$(awk -v b="$(cat "$TMP/a.db" "$TMP/a.db-wal" 2>/dev/null | wc -c)" 'BEGIN { printf "%.0f", b / 1048576 }')
B_MB=$(awk -v b="$(wc -c <"$TMP/b.db")" 'BEGIN { printf "%.0f", b / 1048576 }')
GRAMS=$(sqlite3 "$TMP/a.db" 'SELECT sum(n) FROM enterprise_postings')
Z_MED=$(median "${Z_TIMES[@]}")
S_MED=$(median "${S_TIMES[@]}")
Z_RATE=$(awk -v n="$ROWS" -v t="$Z_MED" 'BEGIN { printf "%.0f", n / t }')
S_RATE=$(awk -v n="$ROWS" -v t="$S_MED" 'BEGIN { printf "%.0f", n / t }')
RATIO=$(awk -v a="$Z_MED" -v b="$S_MED" 'BEGIN { printf "%.1f", a / b }')
rm -f "$TMP/b.db"

# ---- 3. search -------------------------------------------------------------------

echo pw-bench-123 | "$BIN" user add bench --role admin --db "sqlite:$TMP/a.db" >/dev/null
TOKEN=$("$BIN" token create --user bench --db "sqlite:$TMP/a.db" 2>/dev/null | tail -1)
case $TOKEN in zo_*) ;; *) die "token create printed no token" ;; esac

taskset -c "$SERVER_CPU" "$BIN" serve --db "sqlite:$TMP/a.db" --listen 127.0.0.1:0 --threads 1 \
	>"$TMP/serve.out" 2>"$TMP/serve.log" &
SERVER_PID=$!
PORT=""
for _ in $(seq 100); do
	PORT=$(sed -n 's|.*serving on http://127\.0\.0\.1:\([0-9][0-9]*\)/.*|\1|p' "$TMP/serve.log" | head -1)
	[ -n "$PORT" ] && break
	kill -0 "$SERVER_PID" 2>/dev/null || { cat "$TMP/serve.log" >&2; die "the server stopped"; }
	sleep 0.1
done
[ -n "$PORT" ] || { cat "$TMP/serve.log" >&2; die "the server did not start within 10 s"; }
BASE="http://127.0.0.1:$PORT"

# label | query | extra parameters | extra SQL condition (for the check)
CASES=(
	"2 chars, rare|鑫泰||"
	"2 chars, uncommon|液压||"
	"2 chars, common|科技||"
	"2 chars, most rows|南通||"
	"2 chars, every row|公司||"
	"2 chars, no match|北京||"
	"1 char, uncommon|华||"
	"2 chars, most rows, sort=name|南通|&sort=name|"
	"2 chars, common, street_id=1|科技|&street_id=1|AND street_id = 1"
	"mix of the five 2-char queries above|鑫泰|液压|科技|南通|公司|MIX"
)

to_ms() { # wrk's "1.23ms" / "850.00us" / "1.02s" -> milliseconds
	awk -v v="$1" 'BEGIN {
		if (v ~ /us$/) { sub(/us$/, "", v); printf "%.2f", v / 1000 }
		else if (v ~ /ms$/) { sub(/ms$/, "", v); printf "%.2f", v }
		else if (v ~ /m$/) { sub(/m$/, "", v); printf "%.2f", v * 60000 }
		else if (v ~ /s$/) { sub(/s$/, "", v); printf "%.2f", v * 1000 }
		else print "?" }'
}

ROWS_OUT=()
SKIPPED=0
for c in "${CASES[@]}"; do
	IFS='|' read -r -a f <<<"$c"
	label=${f[0]}
	if [ "${f[-1]}" = MIX ]; then
		queries=$(IFS='|'; echo "${f[*]:1:${#f[@]}-2}")
		extra=""
		matches="-"
	else
		queries=${f[1]}
		extra=${f[2]:-}
		cond=${f[3]:-}
		want=$(sqlite3 "$TMP/a.db" "SELECT count(*) FROM enterprises WHERE name LIKE '%$queries%' $cond")
		body=$(curl -sS --max-time 10 -G -H "Authorization: Bearer $TOKEN" --data-urlencode "q=$queries" \
			"$BASE/api/v1/enterprises?limit=20$extra")
		got=$(printf '%s' "$body" | sed -n 's/.*"total":\([0-9][0-9]*\).*/\1/p')
		[ "$got" = "$want" ] || die "q=$queries$extra: the API's total is '${got}', name LIKE gives $want"
		matches="$want ($(awk -v a="$want" -v n="$ROWS" 'BEGIN { p = 100 * a / n; printf (p >= 10 || p == 0 ? "%.0f%%" : p >= 1 ? "%.1f%%" : "%.2f%%"), p }'))"
	fi
	if [ "$(left)" -lt $((DURATION + WARMUP + 10)) ]; then
		note "time budget: search run '$label' skipped"
		SKIPPED=$((SKIPPED + 1))
		continue
	fi
	note "search: $label ($queries$extra)"
	if [ "$WARMUP" -gt 0 ]; then
		ZONEOPS_TOKEN=$TOKEN ZONEOPS_QUERIES=$queries ZONEOPS_EXTRA=$extra timeout $((WARMUP + 10)) \
			taskset -c "$CLIENT_CPU" wrk -t1 -c1 -d"${WARMUP}s" -s "$ROOT/bench/search.lua" "$BASE" >/dev/null
	fi
	out=$(ZONEOPS_TOKEN=$TOKEN ZONEOPS_QUERIES=$queries ZONEOPS_EXTRA=$extra timeout $((DURATION + 10)) \
		taskset -c "$CLIENT_CPU" wrk -t1 -c1 -d"${DURATION}s" --latency -s "$ROOT/bench/search.lua" "$BASE")
	p50=$(to_ms "$(printf '%s\n' "$out" | awk '$1 == "50%" { print $2 }')")
	p99=$(to_ms "$(printf '%s\n' "$out" | awk '$1 == "99%" { print $2 }')")
	avg=$(to_ms "$(printf '%s\n' "$out" | awk '$1 == "Latency" { print $2; exit }')")
	rps=$(printf '%s\n' "$out" | awk '$1 == "Requests/sec:" { printf "%.0f", $2 }')
	n=$(printf '%s\n' "$out" | awk '/requests in/ { print $1 }')
	bad=$(printf '%s\n' "$out" | awk '/Non-2xx/ { print $NF }')
	errs=$(printf '%s\n' "$out" | awk '/Socket errors/ { sub(/.*Socket errors: */, ""); print }')
	[ -n "$bad" ] && note "WARNING: $label: $bad responses were not 2xx"
	[ -n "$errs" ] && note "WARNING: $label: socket errors: $errs"
	shown=$queries
	[ -n "$extra" ] && shown="$queries $extra"
	[ "${f[-1]}" = MIX ] && shown=${queries//|/, }
	ROWS_OUT+=("| $label | \`$shown\` | $matches | $p50 | $p99 | $avg | $rps | $n | ${bad:-0}${errs:+; $errs} |")
done

RSS=$(awk '/^VmRSS/ { printf "%.0f MB", $2 / 1024 }' "/proc/$SERVER_PID/status" 2>/dev/null || echo "?")
stop_pid "$SERVER_PID"
SERVER_PID=""

# ---- 4. report -------------------------------------------------------------------

SQLITE_VER=$(sqlite3 -version | cut -d' ' -f1)
WRK_VER=$({ wrk -v 2>&1 || true; } | awk 'NR == 1 { print $2 }')
ZONEOPS_VER=$({ "$BIN" version 2>&1 || true; } | head -1)
join() { local out=$1 x; shift; for x; do out="$out / $x"; done; echo "$out"; }
cat <<EOF

## Enterprise service: import and name search ($ROWS enterprises)

- Command: \`$CMDLINE\` (from the repository root)
- Date: $DATE; total run $((SECONDS - T0)) s
- Machine: $(nproc) CPUs, $CPU_MODEL; $(uname -sr); load average at start $LOAD0
- Versions: $ZONEOPS_VER; SQLite $SQLITE_VER (CLI); wrk $WRK_VER
- File: \`node bench/gen.mjs --enterprises $ROWS --seed $SEED\`, then is_key set to 0 on all rows
  ($KEYS key enterprises in the generated file; the import refuses a key enterprise without an officer),
  $CSV_MB MB UTF-8, $NSTREETS streets.  GBK copy (iconv): \`zoneops import --dry-run\` reads
  $ROWS good rows in $GBK_S s ("$GBK_LINE").

### Import (median of ${#Z_TIMES[@]}, alternating, fresh database each run)

| | command | runs (s) | median (s) | rows/s |
|---|---|---|---|---|
| zoneops | \`zoneops import enterprises FILE --db sqlite:a.db\` (mode all; a.db migrated, $NSTREETS streets) | $(join "${Z_TIMES[@]}") | $Z_MED | $Z_RATE |
| sqlite3 | \`sqlite3 b.db ".mode csv" ".import FILE t"\` | $(join "${S_TIMES[@]}") | $S_MED | $S_RATE |
| **ratio** | zoneops / sqlite3 | | **$RATIO x** | |

zoneops: "$Z_LINE"; a.db $A_MB MB with $GRAMS search grams, b.db $B_MB MB.

### Name search through HTTP

\`GET /api/v1/enterprises?q=Q&limit=20\` with \`Authorization: Bearer\`; \`zoneops serve --threads 1\` on
CPU $SERVER_CPU; \`wrk -t1 -c1 -d${DURATION}s --latency -s bench/search.lua\` on CPU $CLIENT_CPU after ${WARMUP} s of
warm-up; matches = the API's total, checked against \`name LIKE '%Q%'\`.  Server RSS after the runs: $RSS.

| query type | q | matches | median ms | p99 ms | mean ms | req/s | requests | non-2xx |
|---|---|---|---|---|---|---|---|---|
$(printf '%s\n' "${ROWS_OUT[@]}")
EOF
[ "$SKIPPED" -eq 0 ] || echo "($SKIPPED search runs skipped for the time budget)"
