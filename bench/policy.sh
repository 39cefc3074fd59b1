#!/usr/bin/env bash
# bench/policy.sh -- matching one policy over 100,000 enterprises with ten
# years of facts (issue 10): `zoneops policy match` beside the same
# condition written as one SQL query, in the sqlite3 shell and in psql.
#
#   bench/policy.sh        (expects build/zoneops from `make`; sqlite3; psql and
#                           scripts/pg.sh's PostgreSQL 15 for the second store)
#
# What it does, on each store:
#   1. a fresh database migrated by `zoneops migrate`; BENCH_ENTERPRISES
#      enterprises (default 100,000) and for each of the ten years 2016-2025
#      the facts rd_spending, revenue, tax_paid and employees, written by one
#      INSERT ... SELECT over a generated series (4,000,000 facts; every 50th
#      enterprise has no revenue, so some are unknown), then ANALYZE;
#   2. the demo's R&D subsidy (docs/rules.md §11), published:
#        rd_spending[year-1] >= 100 and rd_spending[year-1] / revenue[year-1] >= 0.03
#        and tax_paid[year-1] > 0                       benefit min(rd_spending[year-1] * 0.1, 200)
#   3. times, best of BENCH_REPEAT (default 5) runs each, wall clock of the whole command:
#        zoneops policy match rd-subsidy --year 2025 --db URL
#          (process start, schema check, the registry and three facts
#          queries, 100,000 evaluations with unknown and near as well, the
#          counts and the total);
#        the same condition and benefit as one SQL query (three joins of
#          facts on the enterprise; count and sum) in `sqlite3 FILE` and
#          `psql URL`;
#      checks that both count the same eligible enterprises and the same
#      total, and prints a markdown table with the ratio.
#
# Settings (environment): BENCH_ENTERPRISES (default 100000), BENCH_REPEAT
# (5), BENCH_PG (1: also PostgreSQL through scripts/pg.sh, default 1),
# ZONEOPS_BIN.  Everything lives in a temporary directory removed on exit;
# the PostgreSQL cluster started here is stopped.  About 3 minutes on 2 cores.
set -euo pipefail
export LC_ALL=C

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${ZONEOPS_BIN:-$ROOT/build/zoneops}
N=${BENCH_ENTERPRISES:-100000}
REPEAT=${BENCH_REPEAT:-5}
WITH_PG=${BENCH_PG:-1}

die() { echo "policy.sh: $*" >&2; exit 1; }
note() { echo "policy.sh: $*" >&2; }
for v in N REPEAT; do
	case ${!v} in '' | *[!0-9]*) die "BENCH_$v must be a whole number" ;; esac
done
[ -x "$BIN" ] || die "no $BIN -- build it first with 'make'"
command -v sqlite3 >/dev/null || die "'sqlite3' is missing"
[ "$WITH_PG" = 0 ] || command -v psql >/dev/null || die "'psql' is missing (BENCH_PG=0 to skip PostgreSQL)"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/zoneops-policy-bench.XXXXXX")
chmod 755 "$TMP"
PGDIR="$TMP/pg"
cleanup() {
	[ -d "$PGDIR" ] && "$ROOT/scripts/pg.sh" stop "$PGDIR" >/dev/null 2>&1 || true
	rm -rf "$TMP"
}
trap cleanup EXIT

# The data, in the common dialect of both stores; $1 = the series of 1..N.
data_sql() {
	local series=$1
	cat <<EOF
INSERT INTO streets (name) VALUES ('东区'), ('西区');
INSERT INTO enterprises (id, credit_code, name, street_id, industry, is_key, created_at, updated_at)
  SELECT x, 'B' || CAST(x AS TEXT), '基准企业' || CAST(x AS TEXT), 1 + x % 2, 'C27', CASE WHEN x % 10 = 0 THEN 1 ELSE 0 END, 0, 0
  FROM $series AS n;
INSERT INTO facts (enterprise_id, year, fact, value, updated_at)
  SELECT e.x, y.year, f.fact,
    CASE f.fact
      WHEN 'rd_spending' THEN ((e.x * 7919 + y.year * 104729) % 4000) * 10000 + (e.x % 7) * 1000
      WHEN 'revenue' THEN (5000 + (e.x * 31337 + y.year * 7) % 150000) * 10000
      WHEN 'tax_paid' THEN ((e.x * 17 + y.year) % 600 - 60) * 10000
      ELSE (10 + (e.x * 13 + y.year) % 900) * 10000 END, 0
  FROM $series e
  CROSS JOIN (SELECT 2016 AS year UNION ALL SELECT 2017 UNION ALL SELECT 2018 UNION ALL SELECT 2019 UNION ALL
              SELECT 2020 UNION ALL SELECT 2021 UNION ALL SELECT 2022 UNION ALL SELECT 2023 UNION ALL
              SELECT 2024 UNION ALL SELECT 2025) y
  CROSS JOIN (SELECT 'rd_spending' AS fact UNION ALL SELECT 'revenue' UNION ALL SELECT 'tax_paid'
              UNION ALL SELECT 'employees') f
  WHERE NOT (f.fact = 'revenue' AND e.x % 50 = 0);
INSERT INTO policies (code, version, name, condition, benefit, state, created_at, published_at)
  VALUES ('rd-subsidy', 1, '研发费用补助',
  'rd_spending[year-1] >= 100 and rd_spending[year-1] / revenue[year-1] >= 0.03 and tax_paid[year-1] > 0',
  'min(rd_spending[year-1] * 0.1, 200)', 'published', 0, 0);
ANALYZE;
EOF
}

# The condition and benefit as one query (values are x 10^4): eligible and
# the total in 万元 with each amount rounded to 2 decimals, as the match.
# $1 = the function of the smaller of two numbers (min / LEAST).
query_sql() {
	cat <<EOF
SELECT count(*), sum(round($1(rd.value * 0.1, 2000000) / 10000.0, 2))
FROM enterprises e
JOIN facts rd ON rd.enterprise_id = e.id AND rd.fact = 'rd_spending' AND rd.year = 2024
JOIN facts rv ON rv.enterprise_id = e.id AND rv.fact = 'revenue' AND rv.year = 2024
JOIN facts tx ON tx.enterprise_id = e.id AND tx.fact = 'tax_paid' AND tx.year = 2024
WHERE rd.value >= 1000000 AND rv.value > 0 AND rd.value * 100 >= rv.value * 3 AND tx.value > 0;
EOF
}

# best of REPEAT wall-clock seconds of "$@" (output of the last run in $TMP/out)
best() {
	local b="" t0 t1 t
	for _ in $(seq "$REPEAT"); do
		t0=$(date +%s.%N)
		"$@" >"$TMP/out"
		t1=$(date +%s.%N)
		t=$(echo "$t1 - $t0" | bc -l)
		if [ -z "$b" ] || [ "$(echo "$t < $b" | bc -l)" = 1 ]; then b=$t; fi
	done
	printf '%.3f' "$b"
}

ROWS=()
run_store() {  # name url sqlcmd...
	local name=$1 url=$2
	shift 2
	note "$name: the match"
	local tm ts
	tm=$(best "$BIN" policy match rd-subsidy --year 2025 --db "$url")
	local el amount
	el=$(awk '$1 == "eligible" { print $2 }' "$TMP/out")
	amount=$(awk '$1 == "amount" { print $2 }' "$TMP/out")
	cp "$TMP/out" "$TMP/match-$name"
	note "$name: the SQL query"
	ts=$(best "$@")
	local qel qamount
	qel=$(tr '|' ' ' <"$TMP/out" | awk 'NF { print $1 }')
	qamount=$(tr '|' ' ' <"$TMP/out" | awk 'NF { printf "%.2f", $2 }')
	[ "$el" = "$qel" ] || die "$name: the match counts $el eligible, the query $qel"
	[ "$amount" = "$qamount" ] || die "$name: the match totals $amount, the query $qamount"
	ROWS+=("| $name | $N | $el | $amount | $tm s | $ts s | $(echo "scale=2; $tm / $ts" | bc -l) |")
	sed 's/^/    /' "$TMP/match-$name" >&2
}

# ---- SQLite
DB="$TMP/bench.db"
"$BIN" migrate --db "sqlite:$DB" >/dev/null
note "SQLite: $N enterprises x 10 years x 4 facts"
t0=$(date +%s)
{
	echo "PRAGMA journal_mode=WAL; BEGIN;"
	data_sql "(WITH RECURSIVE s(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM s WHERE x < $N) SELECT x FROM s)"
	echo "COMMIT;"
} | sqlite3 "$DB" >/dev/null
note "SQLite: data in $(( $(date +%s) - t0 )) s, $(sqlite3 "$DB" 'SELECT count(*) FROM facts') facts"
run_store SQLite "sqlite:$DB" sqlite3 "$DB" "$(query_sql min)"

# ---- PostgreSQL
if [ "$WITH_PG" != 0 ]; then
	URL=$("$ROOT/scripts/pg.sh" start "$PGDIR")
	"$BIN" migrate --db "$URL" >/dev/null
	note "PostgreSQL: $N enterprises x 10 years x 4 facts"
	t0=$(date +%s)
	data_sql "(SELECT CAST(x AS BIGINT) AS x FROM generate_series(1, $N) AS s(x))" | psql "$URL" -q -v ON_ERROR_STOP=1 >/dev/null
	psql "$URL" -q -c "SELECT setval(pg_get_serial_sequence('enterprises', 'id'), $N)" >/dev/null
	note "PostgreSQL: data in $(( $(date +%s) - t0 )) s"
	run_store PostgreSQL "$URL" psql "$URL" -At -c "$(query_sql LEAST)"
fi

echo
echo "| store | enterprises | eligible | amount (万元) | zoneops policy match | one SQL query | ratio |"
echo "|---|---|---|---|---|---|---|"
printf '%s\n' "${ROWS[@]}"
