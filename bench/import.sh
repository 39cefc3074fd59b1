#!/usr/bin/env bash
# bench/import.sh -- the enterprise import against the databases' own
# loaders (issue 15): `zoneops import enterprises FILE` into a fresh
# database, against `sqlite3 .import` of the same CSV into a bare table
# and (with BENCH_PG_URL) `psql \copy` of it into a bare table, each with
# its peak RSS (/usr/bin/time -v); the same file imported again (every row
# unchanged) and a file changing every row (employees + 1, every 10th name
# longer by a character); then the median of the two-character name
# searches over HTTP on the imported SQLite database.
#
#   bench/import.sh                         (build/zoneops; node, sqlite3, curl, /usr/bin/time)
#   BENCH_ROWS=1000000 bench/import.sh
#   BENCH_PG_URL=postgresql://... bench/import.sh    (its tables are dropped first)
#   BENCH_BASE_BIN=/path/to/old/zoneops bench/import.sh   (the same import with another build, for before/after)
#   BENCH_NAMES=varied bench/import.sh      (gen.mjs --varied-names: names as varied as a real registry's)
#   BENCH_UPDATES=0 bench/import.sh         (enterprises: without the re-imports, unchanged and changed)
#
# BENCH_KIND=facts: the facts import instead.  BENCH_ROWS facts
# (bench/gen-facts.mjs: BENCH_FACT_YEARS years, default 5, x the 12
# built-in facts, for as many enterprises of bench/gen.mjs as that takes)
# into a database that holds those enterprises (imported first, not
# timed): `zoneops import facts FILE`, then the same file again (every row
# unchanged), against `sqlite3 .import` / `psql \copy` of the same facts
# CSV into a bare table.  No search.
#
#   BENCH_KIND=facts BENCH_ROWS=100000 BENCH_PG_URL=... bench/import.sh
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
KIND=${BENCH_KIND:-enterprises}
FACT_YEARS=${BENCH_FACT_YEARS:-5}
UPDATES=${BENCH_UPDATES:-1}
die() { echo "import.sh: $*" >&2; exit 1; }
note() { echo "import.sh: $*" >&2; }
case $ROWS in '' | *[!0-9]*) die "BENCH_ROWS must be a whole number" ;; esac
case $FACT_YEARS in '' | *[!0-9]*) die "BENCH_FACT_YEARS must be a whole number" ;; esac
case $KIND in enterprises | facts) ;; *) die "BENCH_KIND is enterprises or facts" ;; esac
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

ENTS=$ROWS
[ "$KIND" = facts ] && ENTS=$(((ROWS + FACT_YEARS * 12 - 1) / (FACT_YEARS * 12)))
ECSV=$TMP/e.csv
note "generating $ENTS enterprises"
VARIED=""
[ "${BENCH_NAMES:-}" = varied ] && VARIED=--varied-names
node bench/gen.mjs --enterprises "$ENTS" --seed "$SEED" --key-share 0 $VARIED --out "$ECSV" 2>/dev/null || die "gen.mjs failed"
CSV=$ECSV
if [ "$KIND" = facts ]; then
	CSV=$TMP/f.csv
	note "generating $ROWS facts"
	node bench/gen-facts.mjs --enterprises "$ENTS" --years "$FACT_YEARS" --rows "$ROWS" --seed "$SEED" --out "$CSV" \
		2>/dev/null || die "gen-facts.mjs failed"
fi
CSV_MB=$(awk -v b="$(wc -c <"$CSV")" 'BEGIN { printf "%.1f", b / 1048576 }')
STREETS=$(awk -F, 'NR > 1 { s[$3] = 1 } END { for (k in s) print k }' "$ECSV" | sort |
	awk -v q="'" '{ printf "%s(%s%s%s)", (NR > 1 ? ", " : ""), q, $0, q }')
tail -n +2 "$CSV" >"$TMP/body.csv"
# enterprises: every row changed (employees + 1), every 10th renamed (a character added)
[ "$KIND" = enterprises ] && awk -F, -v OFS=, 'NR > 1 { $9 = $9 + 1; if (NR % 10 == 0) $2 = $2 "新" } { print }' \
	"$ECSV" >"$TMP/changed.csv"

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
	if [ "$KIND" = facts ]; then
		"$1" import enterprises "$ECSV" --db "sqlite:$2" >/dev/null || die "importing the enterprises failed"
	fi
}
# import_ok LABEL: the import's line says every row was written
import_ok() {
	if [ "$KIND" = facts ]; then
		grep -q "^$ROWS rows for $ENTS enterprises: [0-9]* added, [0-9]* replaced, [0-9]* unchanged, 0 bad" "$TMP/$1.out"
	else
		grep -q "$ROWS created" "$TMP/$1.out"
	fi || die "zoneops import ($1): $(tail -1 "$TMP/$1.out")"
}

note "SQLite: sqlite3 .import"
timed sqlite_bare sqlite3 "$TMP/bare.db" ".mode csv" ".import $CSV t"
for v in new base; do
	b=$BIN
	[ $v = base ] && b=$BASE_BIN
	[ -n "$b" ] || continue
	fresh_sqlite "$b" "$TMP/$v.db"
	note "SQLite: zoneops import $KIND ($v)"
	[ "$KIND" = facts ] && [ $v = new ] && cp "$TMP/new.db" "$TMP/ents.db"
	timed sqlite_$v "$b" import "$KIND" "$CSV" --db "sqlite:$TMP/$v.db"
	import_ok sqlite_$v
	if [ "$KIND" = facts ] && [ $v = new ]; then
		# the floor: the store's loader into the facts table itself (ids resolved)
		sqlite3 "$TMP/new.db" ".mode csv" ".output $TMP/rows.csv" \
			"SELECT enterprise_id, year, fact, value, updated_at FROM facts ORDER BY rowid"
		note "SQLite: sqlite3 .import into facts"
		timed sqlite_floor sqlite3 "$TMP/ents.db" "PRAGMA foreign_keys=ON" "PRAGMA cache_size=-32768" ".mode csv" \
			".import $TMP/rows.csv facts"
		rm -f "$TMP/ents.db"
	fi
	if [ "$KIND" = enterprises ] && [ $v = new ]; then
		# the floor: the store's loader into the enterprises table itself
		# (ids and streets resolved; the search index not written; foreign
		# keys off, since .import writes '' where the row has NULL)
		sqlite3 "$TMP/new.db" ".mode csv" ".output $TMP/rows.csv" "SELECT * FROM enterprises ORDER BY id"
		fresh_sqlite "$b" "$TMP/floor.db"
		note "SQLite: sqlite3 .import into enterprises"
		timed sqlite_floor sqlite3 "$TMP/floor.db" "PRAGMA cache_size=-32768" ".mode csv" \
			".import $TMP/rows.csv enterprises"
		rm -f "$TMP/floor.db"*
	fi
	if [ "$KIND" = enterprises ] && [ "$UPDATES" != 0 ]; then
		# the updates: the same file again (nothing changes), then every row changed
		cp "$TMP/$v.db" "$TMP/upd.db"
		note "SQLite: zoneops import $KIND again, then changed ($v)"
		timed sqlite_${v}_again "$b" import "$KIND" "$CSV" --db "sqlite:$TMP/upd.db"
		grep -q "0 created, $ROWS updated" "$TMP/sqlite_${v}_again.out" || die "the re-import: $(tail -1 "$TMP/sqlite_${v}_again.out")"
		timed sqlite_${v}_changed "$b" import "$KIND" "$TMP/changed.csv" --db "sqlite:$TMP/upd.db"
		grep -q "0 created, $ROWS updated" "$TMP/sqlite_${v}_changed.out" || die "the changes: $(tail -1 "$TMP/sqlite_${v}_changed.out")"
		rm -f "$TMP/upd.db"*
	fi
	if [ "$KIND" = facts ]; then
		note "SQLite: zoneops import $KIND again ($v)"
		timed sqlite_${v}_again "$b" import "$KIND" "$CSV" --db "sqlite:$TMP/$v.db"
		grep -q " 0 added, 0 replaced, $ROWS unchanged" "$TMP/sqlite_${v}_again.out" || die "the re-import changed rows"
	fi
	if [ $v = base ]; then rm -f "$TMP/base.db"*; fi
done
[ -f "$TMP/new.db" ] && mv "$TMP/new.db" "$TMP/a.db"

if [ -n "$PG_URL" ]; then
	reset_pg() { PGOPTIONS=--client-min-messages=warning psql -q "$PG_URL" -c 'DROP SCHEMA public CASCADE; CREATE SCHEMA public;' >/dev/null; }
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
		if [ "$KIND" = facts ]; then
			"$b" import enterprises "$ECSV" --db "$PG_URL" >/dev/null || die "importing the enterprises failed"
		fi
		note "PostgreSQL: zoneops import $KIND ($v)"
		timed pg_$v "$b" import "$KIND" "$CSV" --db "$PG_URL"
		import_ok pg_$v
		if [ "$KIND" = enterprises ] && [ "$UPDATES" != 0 ]; then
			note "PostgreSQL: zoneops import $KIND again, then changed ($v)"
			timed pg_${v}_again "$b" import "$KIND" "$CSV" --db "$PG_URL"
			grep -q "0 created, $ROWS updated" "$TMP/pg_${v}_again.out" || die "the re-import: $(tail -1 "$TMP/pg_${v}_again.out")"
			timed pg_${v}_changed "$b" import "$KIND" "$TMP/changed.csv" --db "$PG_URL"
			grep -q "0 created, $ROWS updated" "$TMP/pg_${v}_changed.out" || die "the changes: $(tail -1 "$TMP/pg_${v}_changed.out")"
		fi
		if [ "$KIND" = enterprises ] && [ $v = new ]; then
			psql -q "$PG_URL" -c "\\copy (SELECT * FROM enterprises ORDER BY id) TO '$TMP/rows.csv' WITH (FORMAT csv)"
			psql -q "$PG_URL" -c "TRUNCATE enterprises CASCADE" -c "TRUNCATE enterprise_postings" -c "VACUUM enterprises" >/dev/null 2>&1
			note "PostgreSQL: psql \\copy into enterprises"
			timed pg_floor psql -q "$PG_URL" -c "\\copy enterprises FROM '$TMP/rows.csv' WITH (FORMAT csv)"
		fi
		if [ "$KIND" = facts ] && [ $v = new ]; then
			psql -q "$PG_URL" -c "\\copy (SELECT enterprise_id, year, fact, value, updated_at FROM facts) TO '$TMP/rows.csv' WITH (FORMAT csv)"
			psql -q "$PG_URL" -c "TRUNCATE facts" -c "VACUUM facts" >/dev/null
			note "PostgreSQL: psql \\copy into facts"
			timed pg_floor psql -q "$PG_URL" -c "\\copy facts FROM '$TMP/rows.csv' WITH (FORMAT csv)"
		fi
		if [ "$KIND" = facts ]; then
			note "PostgreSQL: zoneops import $KIND again ($v)"
			timed pg_${v}_again "$b" import "$KIND" "$CSV" --db "$PG_URL"
			grep -q " 0 added, 0 replaced, $ROWS unchanged" "$TMP/pg_${v}_again.out" || die "the re-import changed rows"
		fi
	done
fi

# ---- the search (enterprises) --------------------------------------------------
search() {
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
	for q in 鑫泰 液压 科技 南通 公司 北京; do
		SEARCH_ROWS="$SEARCH_ROWS| \`$q\` | $(search_median "$q") ms |
"
	done
}
SEARCH_ROWS=""
if [ "$KIND" = enterprises ]; then search; fi

# ---- the table -----------------------------------------------------------------------
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a / b }'; }
# row LABEL KEY BARE: a line of the table when KEY was measured
row() {
	[ -f "$TMP/$2.t" ] || return 0
	local r=1
	[ "$2" = "$3" ] || r=$(ratio "$(sec "$2")" "$(sec "$3")")
	echo "| $1 | $(sec "$2") | $(rss "$2") MB | $r |"
}
WHAT="$ROWS enterprises"
[ "$KIND" = facts ] && WHAT="$ROWS facts ($ENTS enterprises × $FACT_YEARS years × 12 facts)"
cat <<EOF

### $WHAT ($CSV_MB MB CSV) -- \`$(printf '%s' "${BENCH_KIND:+BENCH_KIND=$KIND }${BENCH_NAMES:+BENCH_NAMES=$BENCH_NAMES }${BENCH_UPDATES:+BENCH_UPDATES=$UPDATES }${BENCH_ROWS:+BENCH_ROWS=$ROWS }${BENCH_PG_URL:+BENCH_PG_URL=… }${BENCH_BASE_BIN:+BENCH_BASE_BIN=… }bench/import.sh")\`, $(date -u '+%Y-%m-%d %H:%M UTC'), load before $(cut -d' ' -f1-3 /proc/loadavg)

| import | seconds | peak RSS | ratio to the store's own loader |
|---|---|---|---|
EOF
row "\`sqlite3 .import\` into a bare table" sqlite_bare sqlite_bare
row "\`zoneops import $KIND\` (SQLite)" sqlite_new sqlite_bare
row "the same file again, every row unchanged (SQLite)" sqlite_new_again sqlite_bare
row "every row changed, every 10th renamed (SQLite)" sqlite_new_changed sqlite_bare
row "\`sqlite3 .import\` of the imported rows into \`$KIND\` itself (ids resolved; its keys, indexes, foreign keys)" sqlite_floor sqlite_bare
row "the same with BENCH_BASE_BIN (SQLite)" sqlite_base sqlite_bare
row "the same file again with BENCH_BASE_BIN (SQLite)" sqlite_base_again sqlite_bare
row "every row changed with BENCH_BASE_BIN (SQLite)" sqlite_base_changed sqlite_bare
row "\`psql \\copy\` into a bare table" pg_bare pg_bare
row "\`zoneops import $KIND\` (PostgreSQL)" pg_new pg_bare
row "the same file again, every row unchanged (PostgreSQL)" pg_new_again pg_bare
row "every row changed, every 10th renamed (PostgreSQL)" pg_new_changed pg_bare
row "\`psql \\copy\` of the imported rows into \`$KIND\` itself (ids resolved; its keys, indexes, foreign keys)" pg_floor pg_bare
row "the same with BENCH_BASE_BIN (PostgreSQL)" pg_base pg_bare
row "the same file again with BENCH_BASE_BIN (PostgreSQL)" pg_base_again pg_bare
row "every row changed with BENCH_BASE_BIN (PostgreSQL)" pg_base_changed pg_bare
if [ "$KIND" = enterprises ]; then
	cat <<EOF

Name search on the imported SQLite database (median of $SEARCHES requests, curl, one server thread pool):

| query | median |
|---|---|
$SEARCH_ROWS
EOF
fi
