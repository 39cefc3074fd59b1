# bench/ab-lib.sh -- what the before/after scripts share (demo.sh,
# remind.sh, calendar.sh): sourced after the script sets NAME (for its
# messages) and DB_PREFIX (the PostgreSQL databases it makes, e.g. br_).
#
# Reads BENCH_BASE_BIN, BENCH_RUNS (default RUNS_DEFAULT), BENCH_PG_URL,
# BENCH_PG_LOG and ZONEOPS_BIN; sets ROOT BIN BASE_BIN RUNS PG_URL PG_LOG
# TMP, LABELS/BINS (this build, and the base build when given) and STORES
# (sqlite, and postgresql with a URL); removes its databases, servers and
# files on exit.
set -euo pipefail
export LC_ALL=C

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN=${ZONEOPS_BIN:-$ROOT/build/zoneops}
BASE_BIN=${BENCH_BASE_BIN:-}
RUNS=${BENCH_RUNS:-${RUNS_DEFAULT:-5}}
PG_URL=${BENCH_PG_URL:-}
PG_LOG=${BENCH_PG_LOG:-}
die() { echo "$NAME: $*" >&2; exit 1; }

[ -x "$BIN" ] || die "no $BIN (make build/zoneops)"
[ -z "$BASE_BIN" ] || [ -x "$BASE_BIN" ] || die "no $BASE_BIN"
TMP=$(mktemp -d)
PIDS=()
ab_cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	if [ -n "$PG_URL" ]; then
		for d in $(psql "$PG_URL" -qAt -c "SELECT datname FROM pg_database WHERE datname LIKE '${DB_PREFIX%_}\\_%'" 2>/dev/null); do
			psql "$PG_URL" -q -c "DROP DATABASE IF EXISTS $d WITH (FORCE)" >/dev/null 2>&1 || true
		done
	fi
	rm -rf "$TMP"
}
trap ab_cleanup EXIT

LABELS=(new)
BINS=("$BIN")
if [ -n "$BASE_BIN" ]; then LABELS+=(base); BINS+=("$BASE_BIN"); fi
STORES=(sqlite)
[ -n "$PG_URL" ] && STORES+=(postgresql)

# sql URL STATEMENT: run one statement on either store
sql() {
	case $1 in
	sqlite:*) sqlite3 "${1#sqlite:}" "$2" ;;
	*) psql "$1" -qAt -v ON_ERROR_STOP=1 -c "$2" ;;
	esac
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }

# pg_log_mark: remember where the server's log ends (with BENCH_PG_LOG)
pg_log_mark() { if [ -n "$PG_LOG" ]; then wc -l <"$PG_LOG" >"$TMP/log-mark"; fi; }
# pg_log_count FILE: append the statements logged since pg_log_mark to FILE
pg_log_count() {
	tail -n +"$(($(cat "$TMP/log-mark") + 1))" "$PG_LOG" | grep -cE 'LOG:  (statement|execute [^:]*):' >>"$1" || true
}

# ab_table: the medians of the files $TMP/LABEL-STORE (seconds, a line a
# run) and $TMP/LABEL-STORE-stmts (statements), as a Markdown table
ab_table() {
	echo "| store | build | median seconds ($RUNS runs) | runs | statements sent |"
	echo "|---|---|---|---|---|"
	local s l m st
	for s in "${STORES[@]}"; do
		for l in "${LABELS[@]}"; do
			m=$(median <"$TMP/$l-$s")
			st="-"
			[ -f "$TMP/$l-$s-stmts" ] && st=$(median <"$TMP/$l-$s-stmts")
			echo "| $s | $l | $m | $(tr '\n' ' ' <"$TMP/$l-$s") | $st |"
		done
	done
}

# ab_bases FN: FN URL seeds the base database of each store (a file on
# SQLite, the database ${DB_PREFIX}base on PostgreSQL) that ab_db copies
ab_bases() {
	echo "$NAME: seeding the base databases" >&2
	"$1" "sqlite:$TMP/base.db"
	if [ -n "$PG_URL" ]; then
		psql "$PG_URL" -q -c "CREATE DATABASE ${DB_PREFIX}base" >/dev/null
		"$1" "${PG_URL%/*}/${DB_PREFIX}base"
		AB_PG_BASE=1
	fi
}

# ab_db STORE N: a fresh database for run N, its URL into $url: a copy of
# the base (ab_bases) when there is one, else empty; on PostgreSQL with
# BENCH_PG_LOG every statement it runs is logged (pg_log_mark/pg_log_count)
ab_db() {
	if [ "$1" = sqlite ]; then
		rm -f "$TMP/d.db"*
		[ ! -f "$TMP/base.db" ] || cp "$TMP/base.db" "$TMP/d.db"
		url="sqlite:$TMP/d.db"
	else
		local tpl=""
		[ -z "${AB_PG_BASE:-}" ] || tpl="TEMPLATE ${DB_PREFIX}base"
		psql "$PG_URL" -q -c "CREATE DATABASE ${DB_PREFIX}$2 $tpl" >/dev/null
		[ -z "$PG_LOG" ] || psql "$PG_URL" -q -c "ALTER DATABASE ${DB_PREFIX}$2 SET log_statement = 'all'" >/dev/null
		url="${PG_URL%/*}/${DB_PREFIX}$2"
	fi
}

# ab_drop STORE N: drop run N's database (PostgreSQL; SQLite's is replaced by the next ab_db)
ab_drop() {
	if [ "$1" = postgresql ]; then psql "$PG_URL" -q -c "DROP DATABASE ${DB_PREFIX}$2 WITH (FORCE)" >/dev/null; fi
}
