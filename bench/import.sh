#!/usr/bin/env bash
# bench/import.sh -- the enterprise import against the databases' own
# loaders (issue 15): `zoneops import enterprises FILE` into a fresh
# database, against `sqlite3 .import` of the same CSV into a bare table
# and (with BENCH_PG_URL) `psql \copy` of it into a bare table, each with
# its peak RSS (/usr/bin/time -v); then the median of the two-character
# name searches over HTTP on the imported SQLite database.
#
#   bench/import.sh                         (build/zoneops; node, sqlite3, curl, /usr/bin/time)
#   BENCH_ROWS=1000000 bench/import.sh
#   BENCH_PG_URL=postgresql://... bench/import.sh    (its tables are dropped first)
#   BENCH_BASE_BIN=/path/to/old/zoneops bench/import.sh   (the same import with another build, for before/after)
#
# Everything lives in a temporary directory removed on exit; every process
# started here is stopped.  Prints a markdown table.
set -euo pipefail
export LC_ALL=C

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${ZONEOPS_BIN:-$ROOT/build/zoneops}
BASE_BIN=${BENCH_BASE_BIN:-}
ROWS=${BENCH_ROWS:-100000}
SEED=${BENCH_SEED:-1}
SEARCHES=${BENCH_SEARCHES:-21}
PG_URL=${BENCH_PG_URL:-}
die() { echo "import.sh: $*" >&2; exit 1; }
note() { echo "import.sh: $*" >&2; }
case $ROWS in '' | *[!0-9]*) die "BENCH_ROWS must be a whole number" ;; esac
[ -x "$BIN" ] || die "no $BIN -- build it first with 'make'"
for tool in node sqlite3 curl awk /usr/bin/time; do
	command -v "$tool" >/dev/null 2>&1 || die "'$tool' is missing"
done

TMP=$(mktemp -d "${TMPDIR:-/tmp}/zoneops-import-bench.XXXXXX")
SERVER_PID=""
cleanup() {
	set +e
	[ -n "$SERVER_PID" ] && kill -TERM "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
cd "$ROOT"

CSV=$TMP/e.csv
note "generating $ROWS enterprises"
node bench/gen.mjs --enterprises "$ROWS" --seed "$SEED" --key-share 0 --out "$CSV" 2>/dev/null || die "gen.mjs failed"
CSV_MB=$(awk -v b="$(wc -c <"$CSV")" 'BEGIN { printf "%.1f", b / 1048576 }')
STREETS=$(awk -F, 'NR > 1 { s[$3] = 1 } END { for (k in s) print k }' "$CSV" | sort |
	awk -v q="'" '{ printf "%s(%s%s%s)", (NR > 1 ? ", " : ""), q, $0, q }')
TAIL=$(tail -n +2 "$CSV")
printf '%s\n' "$TAIL" >"$TMP/body.csv"
unset TAIL

# timed LABEL CMD...: seconds and peak RSS (MB) of CMD into $TMP/LABEL.t
timed() {
	local label=$1
	shift
	/usr/bin/time -v -o "$TMP/$label.time" "$@" >"$TMP/$label.out" 2>&1 || { tail -5 "$TMP/$label.out" >&2; die "$label failed"; }
	awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; t = s }
		/Maximum resident/ { m = $2 / 1024 } END { printf "%.2f %.0f\n", t, m }' "$TMP/$label.time" >"$TMP/$label.t"
}
sec() { cut -d' ' -f1 "$TMP/$1.t"; }
rss() { cut -d' ' -f2 "$TMP/$1.t"; }

fresh_sqlite() { # bin db
	rm -f "$2" "$2-wal" "$2-shm"
	"$1" migrate --db "sqlite:$2" >/dev/null
	sqlite3 "$2" "INSERT INTO streets (name) VALUES $STREETS;"
}

note "SQLite: sqlite3 .import"
timed sqlite_bare sqlite3 "$TMP/bare.db" ".mode csv" ".import $CSV t"
note "SQLite: zoneops import"
fresh_sqlite "$BIN" "$TMP/a.db"
timed sqlite_new "$BIN" import enterprises "$CSV" --db "sqlite:$TMP/a.db"
grep -q "$ROWS created" "$TMP/sqlite_new.out" || die "zoneops import: $(tail -1 "$TMP/sqlite_new.out")"
if [ -n "$BASE_BIN" ]; then
	note "SQLite: zoneops import with $BASE_BIN"
	fresh_sqlite "$BASE_BIN" "$TMP/base.db"
	timed sqlite_base "$BASE_BIN" import enterprises "$CSV" --db "sqlite:$TMP/base.db"
	rm -f "$TMP/base.db"*
fi

if [ -n "$PG_URL" ]; then
	reset_pg() { psql -q "$PG_URL" -c 'DROP SCHEMA public CASCADE; CREATE SCHEMA public;' >/dev/null; }
	reset_pg
	psql -q "$PG_URL" -c "CREATE TABLE t ($(head -1 "$CSV" | sed 's/,/ TEXT, /g') TEXT)" >/dev/null
	note "PostgreSQL: psql \\copy"
	timed pg_bare psql -q "$PG_URL" -c "\\copy t FROM '$TMP/body.csv' WITH (FORMAT csv)"
	for v in new base; do
		b=$BIN
		[ $v = base ] && b=$BASE_BIN
		[ -n "$b" ] || continue
		reset_pg
		"$b" migrate --db "$PG_URL" >/dev/null
		psql -q "$PG_URL" -c "INSERT INTO streets (name) VALUES $STREETS;" >/dev/null
		note "PostgreSQL: zoneops import ($v)"
		timed pg_$v "$b" import enterprises "$CSV" --db "$PG_URL"
	done
fi

# ---- the search ------------------------------------------------------------------
echo pw-bench-123 | "$BIN" user add bench --role admin --db "sqlite:$TMP/a.db" >/dev/null
TOKEN=$("$BIN" token create --user bench --db "sqlite:$TMP/a.db" 2>/dev/null | tail -1)
"$BIN" serve --db "sqlite:$TMP/a.db" --listen 127.0.0.1:0 >"$TMP/serve.out" 2>"$TMP/serve.err" &
SERVER_PID=$!
PORT=""
for _ in $(seq 100); do
	PORT=$(grep -Eo 'serving on http://127\.0\.0\.1:[0-9]+' "$TMP/serve.err" 2>/dev/null | grep -Eo '[0-9]+$' || true)
	[ -n "$PORT" ] && break
	sleep 0.1
done
[ -n "$PORT" ] || die "the server did not start"
search_median() { # query -> median ms of SEARCHES requests (after one warm-up)
	local q t=()
	q=$(node -e 'process.stdout.write(encodeURIComponent(process.argv[1]))' "$1")
	curl -s -o /dev/null -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT/api/v1/enterprises?q=$q"
	for _ in $(seq "$SEARCHES"); do
		t+=("$(curl -s -o /dev/null -w '%{time_total}' -H "Authorization: Bearer $TOKEN" \
			"http://127.0.0.1:$PORT/api/v1/enterprises?q=$q")")
	done
	printf '%s\n' "${t[@]}" | sort -g | awk '{ a[NR] = $1 } END { printf "%.1f", a[int((NR + 1) / 2)] * 1000 }'
}
SEARCH_ROWS=""
for q in 鑫泰 液压 科技 南通 公司 北京; do
	SEARCH_ROWS="$SEARCH_ROWS| \`$q\` | $(search_median "$q") ms |
"
done

# ---- the table -----------------------------------------------------------------------
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a / b }'; }
cat <<EOF

### $ROWS enterprises ($CSV_MB MB CSV) -- \`$(printf '%s' "${BENCH_ROWS:+BENCH_ROWS=$ROWS }${BENCH_PG_URL:+BENCH_PG_URL=… }${BENCH_BASE_BIN:+BENCH_BASE_BIN=… }bench/import.sh")\`, $(date -u '+%Y-%m-%d %H:%M UTC'), load before $(cut -d' ' -f1-3 /proc/loadavg)

| import | seconds | peak RSS | ratio to the store's own loader |
|---|---|---|---|
| \`sqlite3 .import\` into a bare table | $(sec sqlite_bare) | $(rss sqlite_bare) MB | 1 |
| \`zoneops import enterprises\` (SQLite) | $(sec sqlite_new) | $(rss sqlite_new) MB | $(ratio "$(sec sqlite_new)" "$(sec sqlite_bare)") |
EOF
[ -f "$TMP/sqlite_base.t" ] && echo "| the same, before issue 15 (SQLite) | $(sec sqlite_base) | $(rss sqlite_base) MB | $(ratio "$(sec sqlite_base)" "$(sec sqlite_bare)") |"
if [ -f "$TMP/pg_bare.t" ]; then
	echo "| \`psql \\copy\` into a bare table | $(sec pg_bare) | $(rss pg_bare) MB | 1 |"
	echo "| \`zoneops import enterprises\` (PostgreSQL) | $(sec pg_new) | $(rss pg_new) MB | $(ratio "$(sec pg_new)" "$(sec pg_bare)") |"
	[ -f "$TMP/pg_base.t" ] && echo "| the same, before issue 15 (PostgreSQL) | $(sec pg_base) | $(rss pg_base) MB | $(ratio "$(sec pg_base)" "$(sec pg_bare)") |"
fi
cat <<EOF

Name search on the imported SQLite database (median of $SEARCHES requests, curl, one server thread pool):

| query | median |
|---|---|
$SEARCH_ROWS
EOF
