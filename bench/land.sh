#!/usr/bin/env bash
# bench/land.sh -- the per-mu evaluation (亩均效益, issue 11) of 100,000
# enterprises for one year: `zoneops land evaluate` beside one SQL query
# computing the same weighted sum, in the sqlite3 shell and in psql.
#
#   bench/land.sh        (expects build/zoneops from `make`; node, sqlite3; psql and
#                         scripts/pg.sh's PostgreSQL 15 for the second store)
#
# What it does, on each store:
#   1. a fresh database migrated by `zoneops migrate`; the data of
#      bench/gen-land.mjs (BENCH_ENTERPRISES enterprises, default 100,000;
#      every 10th with its land on a plot of its own; the seven facts of year
#      BENCH_YEAR, default 2025, all present and positive, so nothing is
#      imputed), loaded with sqlite3 .import / psql \copy, then ANALYZE;
#   2. times, the median of BENCH_REPEAT (default 3) runs each, the wall clock
#      of the whole command, in rounds that run each of the four once in turn
#      (so that other load on a shared machine falls on all of them alike):
#        zoneops land evaluate --year Y --preset zhejiang --dry-run --db URL
#          (process start, the registry, plots and facts, 100,000 results with
#          six indicators each, scores, ranks and classes; nothing stored);
#        zoneops land evaluate --year Y --preset zhejiang --db URL
#          (the same, stored: the evaluation and its results with their
#          indicators' JSON, one transaction);
#        one SQL query computing the same weighted sum (zhejiang preset: the six
#        indicators, the 黄岩 benchmarks and weights, cap 2, land from the plots
#          where there are any, else the registry; industry 门类 B or C, land
#          >= 3 亩, founded by 31 December of year - 2): the number evaluated and
#          the sum of the scores rounded to 2 decimals, in `sqlite3 FILE` and
#          `psql URL -At -c`: the reference for the dry run;
#        the same evaluation stored by SQL alone (store_sql below: one INSERT ...
#          SELECT of the results with rank, class and the indicators' JSON):
#          the reference for the stored run;
#      checks that both count the same enterprises evaluated (A+B+C+D) and
#      prints a markdown table with the ratios.
#
# Settings (environment): BENCH_ENTERPRISES (default 100000), BENCH_YEAR (2025),
# BENCH_REPEAT (3), BENCH_PG (1: also PostgreSQL through scripts/pg.sh),
# BENCH_PERF (1: also `perf record` a dry run, a stored run and the SQL query on each store,
# reports under BENCH_OUT), BENCH_OUT (default bench/out/land), ZONEOPS_BIN.
# Everything else lives in a temporary directory removed on exit; the
# PostgreSQL cluster started here is stopped.
set -euo pipefail
export LC_ALL=C

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${ZONEOPS_BIN:-$ROOT/build/zoneops}
N=${BENCH_ENTERPRISES:-100000}
Y=${BENCH_YEAR:-2025}
REPEAT=${BENCH_REPEAT:-3}
WITH_PG=${BENCH_PG:-1}
PERF=${BENCH_PERF:-0}
OUT=${BENCH_OUT:-$ROOT/bench/out/land}

die() { echo "land.sh: $*" >&2; exit 1; }
note() { echo "land.sh: $*" >&2; }
for v in N Y REPEAT; do
	case ${!v} in '' | *[!0-9]*) die "$v must be a whole number" ;; esac
done
[ -x "$BIN" ] || die "no $BIN -- build it first with 'make'"
command -v sqlite3 >/dev/null || die "'sqlite3' is missing"
command -v node >/dev/null || die "'node' is missing"
[ "$WITH_PG" = 0 ] || command -v psql >/dev/null || die "'psql' is missing (BENCH_PG=0 to skip PostgreSQL)"
[ "$PERF" = 0 ] || command -v perf >/dev/null || die "'perf' is missing (BENCH_PERF=0)"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/zoneops-land-bench.XXXXXX")
chmod 755 "$TMP"
PGDIR="$TMP/pg"
cleanup() {
	[ -d "$PGDIR" ] && "$ROOT/scripts/pg.sh" stop "$PGDIR" >/dev/null 2>&1 || true
	rm -rf "$TMP"
}
trap cleanup EXIT

note "generating $N enterprises with the facts of $Y"
node "$ROOT/bench/gen-land.mjs" --out "$TMP/data" --enterprises "$N" --year "$Y" >&2
chmod -R a+rX "$TMP/data"

# The evaluated enterprises' weighted sum as one query (facts x 10^4; land in
# 亩: the plots' areas x 10^4, else the registry's DOUBLE, so the arithmetic is
# in doubles; PostgreSQL rounds only NUMERIC).  $1 = the function of the
# smaller of two numbers (min / LEAST).
query_sql() {
	local m=$1 since=$((Y - 2))
	cat <<EOF
WITH pl AS (SELECT enterprise_id, sum(area_mu) / 10000.0 AS mu FROM plot_users GROUP BY enterprise_id),
ev AS (
  SELECT COALESCE(pl.mu, e.land_mu) AS mu,
         tx.value / 10000.0 AS tax, va.value / 10000.0 AS va, en.value / 10000.0 AS energy,
         em.value / 10000.0 AS emis, ep.value / 10000.0 AS emp, rd.value / 10000.0 AS rd, rv.value / 10000.0 AS rev
  FROM enterprises e
  LEFT JOIN pl ON pl.enterprise_id = e.id
  JOIN facts tx ON tx.enterprise_id = e.id AND tx.year = $Y AND tx.fact = 'tax_paid'
  JOIN facts va ON va.enterprise_id = e.id AND va.year = $Y AND va.fact = 'value_added'
  JOIN facts en ON en.enterprise_id = e.id AND en.year = $Y AND en.fact = 'energy_tce'
  JOIN facts em ON em.enterprise_id = e.id AND em.year = $Y AND em.fact = 'emissions_t'
  JOIN facts ep ON ep.enterprise_id = e.id AND ep.year = $Y AND ep.fact = 'employees'
  JOIN facts rd ON rd.enterprise_id = e.id AND rd.year = $Y AND rd.fact = 'rd_spending'
  JOIN facts rv ON rv.enterprise_id = e.id AND rv.year = $Y AND rv.fact = 'revenue'
  WHERE substr(e.industry, 1, 1) IN ('B', 'C') AND e.founded_on <= '$since-12-31'
    AND COALESCE(pl.mu, e.land_mu) >= 3)
SELECT count(*), sum(round(CAST(
    30 * $m(tax / mu / 24.097, 2) + 20 * $m(va / mu / 136.16, 2) + 20 * $m(va / energy / 2.694, 2)
  + 10 * $m(va / emis / 4929.81, 2) + 10 * $m(va / emp / 18.14, 2) + 10 * $m(rd / rev / 0.0302, 2) AS NUMERIC), 2))
FROM ev;
EOF
}

# The same evaluation stored by SQL alone, as the reference for the stored
# run: one INSERT ... SELECT of the evaluated enterprises' results (rank, score,
# land, the class by the default shares 0.2/0.4/0.35, the six indicators' value,
# benchmark, weight and score as JSON text like the engine's), after a new
# land_evaluations row, in one transaction.  It writes no class-T rows (the
# engine writes 12,022 of them).  $1 = min / LEAST, $2 = json_object /
# json_build_object.
store_sql() {
	local m=$1 j=$2 since=$((Y - 2))
	cat <<EOF
BEGIN;
INSERT INTO land_evaluations (year, preset, scope, params, state, created_at) VALUES ($Y, 'zhejiang', 'industrial', '{}', 'draft', 0);
INSERT INTO land_results (evaluation_id, enterprise_id, rank, score, land_mu, class, reason, indicators)
WITH pl AS (SELECT enterprise_id, sum(area_mu) / 10000.0 AS mu FROM plot_users GROUP BY enterprise_id),
ev AS (
  SELECT e.id, COALESCE(pl.mu, e.land_mu) AS mu,
         tx.value / 10000.0 AS tax, va.value / 10000.0 AS va, en.value / 10000.0 AS energy,
         em.value / 10000.0 AS emis, ep.value / 10000.0 AS emp, rd.value / 10000.0 AS rd, rv.value / 10000.0 AS rev
  FROM enterprises e
  LEFT JOIN pl ON pl.enterprise_id = e.id
  JOIN facts tx ON tx.enterprise_id = e.id AND tx.year = $Y AND tx.fact = 'tax_paid'
  JOIN facts va ON va.enterprise_id = e.id AND va.year = $Y AND va.fact = 'value_added'
  JOIN facts en ON en.enterprise_id = e.id AND en.year = $Y AND en.fact = 'energy_tce'
  JOIN facts em ON em.enterprise_id = e.id AND em.year = $Y AND em.fact = 'emissions_t'
  JOIN facts ep ON ep.enterprise_id = e.id AND ep.year = $Y AND ep.fact = 'employees'
  JOIN facts rd ON rd.enterprise_id = e.id AND rd.year = $Y AND rd.fact = 'rd_spending'
  JOIN facts rv ON rv.enterprise_id = e.id AND rv.year = $Y AND rv.fact = 'revenue'
  WHERE substr(e.industry, 1, 1) IN ('B', 'C') AND e.founded_on <= '$since-12-31'
    AND COALESCE(pl.mu, e.land_mu) >= 3),
sc AS (
  SELECT id, mu, tax / mu AS v1, va / mu AS v2, va / energy AS v3, va / emis AS v4, va / emp AS v5, rd / rev AS v6,
         30 * $m(tax / mu / 24.097, 2) AS s1, 20 * $m(va / mu / 136.16, 2) AS s2, 20 * $m(va / energy / 2.694, 2) AS s3,
         10 * $m(va / emis / 4929.81, 2) AS s4, 10 * $m(va / emp / 18.14, 2) AS s5, 10 * $m(rd / rev / 0.0302, 2) AS s6
  FROM ev),
tt AS (SELECT sc.*, round(CAST(s1 + s2 + s3 + s4 + s5 + s6 AS NUMERIC), 2) AS total FROM sc),
rk AS (SELECT tt.*, rank() OVER (ORDER BY total DESC) AS r, count(*) OVER () AS n FROM tt)
SELECT (SELECT max(id) FROM land_evaluations), id, r, CAST(total * 10000 AS BIGINT), CAST(round(CAST(mu * 10000 AS NUMERIC)) AS BIGINT),
  CASE WHEN r <= round(0.2 * n) THEN 'A' WHEN r <= round(0.6 * n) THEN 'B' WHEN r <= round(0.95 * n) THEN 'C' ELSE 'D' END, '',
  CAST($j('land_source', 'registry', 'imputed', '[]', 'indicators', $j(
    'tax_per_mu', $j('value', v1, 'benchmark', 24.097, 'weight', 30, 'score', s1),
    'va_per_mu', $j('value', v2, 'benchmark', 136.16, 'weight', 20, 'score', s2),
    'va_per_energy', $j('value', v3, 'benchmark', 2.694, 'weight', 20, 'score', s3),
    'va_per_emission', $j('value', v4, 'benchmark', 4929.81, 'weight', 10, 'score', s4),
    'labour_productivity', $j('value', v5, 'benchmark', 18.14, 'weight', 10, 'score', s5),
    'rd_ratio', $j('value', v6, 'benchmark', 0.0302, 'weight', 10, 'score', s6))) AS TEXT)
FROM rk;
COMMIT;
EOF
}

# Wall-clock seconds of one run of "$@" (its output in $TMP/out.$tag).
timed() {  # tag command...
	local tag=$1 t0 t1
	shift
	t0=$(date +%s.%N)
	"$@" >"$TMP/out.$tag" 2>"$TMP/err" || { cat "$TMP/err" >&2; die "failed: $*"; }
	t1=$(date +%s.%N)
	echo "$t1 - $t0" | bc -l
}

ratio() { printf '%.2f' "$(echo "$1 / $2" | bc -l)"; }

# The median of the numbers given.
median() {
	printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { printf "%.3f", (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

# the number evaluated (A+B+C+D) from the command's --json answer
evaluated() {
	node -e '
		let s = ""; process.stdin.on("data", (d) => s += d).on("end", () => {
			const j = JSON.parse(s); const c = j.counts || (j.evaluation && j.evaluation.counts) || {};
			process.stdout.write(String((c.A || 0) + (c.B || 0) + (c.C || 0) + (c.D || 0)) + " " + String(c.T || 0));
		});' <"$1"
}

profile() {  # name, command...
	local name=$1
	shift
	mkdir -p "$OUT"
	perf record -q -F 2000 -g -o "$TMP/perf.data" -- "$@" >/dev/null 2>&1 || { note "perf record failed for $name"; return; }
	{ perf report -i "$TMP/perf.data" --no-children --sort dso,sym -g none --percent-limit 0.5 --stdio 2>/dev/null || true; } |
		grep -v '^$' >"$OUT/perf-$name.txt" || true
	{ perf report -i "$TMP/perf.data" --children --sort sym -g none --percent-limit 3 --stdio 2>/dev/null || true; } |
		grep -v '^$' >"$OUT/perf-$name-children.txt" || true
	note "profile of $name: $OUT/perf-$name.txt"
}

ROWS=()
# REPEAT rounds, each running the four commands once in turn, so that other
# load on the machine falls on all four alike; the median of each.
run_store() {  # name url store-reference-command query-command...
	local name=$1 url=$2 sref=$3
	shift 3
	local ev=("$BIN" land evaluate --year "$Y" --preset zhejiang --json --db "$url")
	local d=() s=() r=() q=()
	for i in $(seq "$REPEAT"); do
		note "$name: round $i of $REPEAT: land evaluate --dry-run, the SQL query, land evaluate (stored), the SQL INSERT ... SELECT"
		d+=("$(timed dry "${ev[@]}" --dry-run)")
		q+=("$(timed query "$@")")
		s+=("$(timed stored "${ev[@]}")")
		r+=("$(timed ref bash -c "$sref")")
	done
	note "$name: dry-run ${d[*]}; query ${q[*]}; stored ${s[*]}; INSERT ... SELECT ${r[*]} (s)"
	local td tq ts tr
	td=$(median "${d[@]}"); tq=$(median "${q[@]}"); ts=$(median "${s[@]}"); tr=$(median "${r[@]}")
	local n t qn qsum
	read -r n t <<<"$(evaluated "$TMP/out.dry")"
	qn=$(tr '|' ' ' <"$TMP/out.query" | awk 'NF { print $1 }')
	qsum=$(tr '|' ' ' <"$TMP/out.query" | awk 'NF { printf "%.2f", $2 }')
	[ "$n" = "$qn" ] || die "$name: the evaluation has $n enterprises in A-D, the query $qn"
	note "$name: $n evaluated, $t class T; the query's sum of scores $qsum"
	ROWS+=("| $name | $N | $n | $t | $td s | $tq s | **$(ratio "$td" "$tq")** | $ts s | $tr s | **$(ratio "$ts" "$tr")** |")
	if [ "$PERF" != 0 ]; then
		profile "$name-dry-run" "${ev[@]}" --dry-run
		profile "$name-stored" "${ev[@]}"
	fi
}

# ---- SQLite
DB="$TMP/bench.db"
"$BIN" migrate --db "sqlite:$DB" >/dev/null
note "SQLite: loading"
t0=$(date +%s)
sqlite3 "$DB" >/dev/null <<EOF
PRAGMA journal_mode=WAL;
CREATE TABLE s_ent (id, credit_code, name, street_id, industry, employees, land_mu, founded_on);
CREATE TABLE s_facts (enterprise_id, year, fact, value);
CREATE TABLE s_plots (id, code, name, area_mu, street_id);
CREATE TABLE s_users (plot_id, enterprise_id, area_mu);
.import --csv --skip 1 $TMP/data/enterprises.csv s_ent
.import --csv --skip 1 $TMP/data/facts.csv s_facts
.import --csv --skip 1 $TMP/data/plots.csv s_plots
.import --csv --skip 1 $TMP/data/plot_users.csv s_users
BEGIN;
INSERT INTO streets (name) VALUES ('东区'), ('西区');
INSERT INTO enterprises (id, credit_code, name, street_id, industry, employees, land_mu, founded_on, created_at, updated_at)
  SELECT CAST(id AS INTEGER), credit_code, name, CAST(street_id AS INTEGER), industry, CAST(employees AS INTEGER),
         CAST(land_mu AS REAL), founded_on, 0, 0 FROM s_ent;
INSERT INTO facts (enterprise_id, year, fact, value, updated_at)
  SELECT CAST(enterprise_id AS INTEGER), CAST(year AS INTEGER), fact, CAST(value AS INTEGER), 0 FROM s_facts;
INSERT INTO plots (id, code, name, area_mu, street_id, created_at, updated_at)
  SELECT CAST(id AS INTEGER), code, name, CAST(area_mu AS INTEGER), CAST(street_id AS INTEGER), 0, 0 FROM s_plots;
INSERT INTO plot_users (plot_id, enterprise_id, area_mu)
  SELECT CAST(plot_id AS INTEGER), CAST(enterprise_id AS INTEGER), CAST(area_mu AS INTEGER) FROM s_users;
DROP TABLE s_ent; DROP TABLE s_facts; DROP TABLE s_plots; DROP TABLE s_users;
COMMIT;
ANALYZE;
EOF
note "SQLite: data in $(( $(date +%s) - t0 )) s: $(sqlite3 "$DB" 'SELECT count(*) FROM enterprises') enterprises, $(sqlite3 "$DB" 'SELECT count(*) FROM facts') facts"
store_sql min json_object >"$TMP/store-sqlite.sql"
run_store SQLite "sqlite:$DB" "sqlite3 '$DB' <'$TMP/store-sqlite.sql'" sqlite3 "$DB" "$(query_sql min)"
[ "$PERF" = 0 ] || profile SQLite-query sqlite3 "$DB" "$(query_sql min)"

# ---- PostgreSQL
if [ "$WITH_PG" != 0 ]; then
	URL=$("$ROOT/scripts/pg.sh" start "$PGDIR")
	"$BIN" migrate --db "$URL" >/dev/null
	note "PostgreSQL: loading"
	t0=$(date +%s)
	psql "$URL" -q -v ON_ERROR_STOP=1 >/dev/null <<EOF
INSERT INTO streets (name) VALUES ('东区'), ('西区');
CREATE TEMP TABLE s_ent (id BIGINT, credit_code TEXT, name TEXT, street_id BIGINT, industry TEXT, employees INTEGER,
  land_mu DOUBLE PRECISION, founded_on TEXT);
\copy s_ent FROM '$TMP/data/enterprises.csv' CSV HEADER
INSERT INTO enterprises (id, credit_code, name, street_id, industry, employees, land_mu, founded_on, created_at, updated_at)
  SELECT id, credit_code, name, street_id, industry, employees, land_mu, founded_on, 0, 0 FROM s_ent;
CREATE TEMP TABLE s_facts (enterprise_id BIGINT, year INTEGER, fact TEXT, value BIGINT);
\copy s_facts FROM '$TMP/data/facts.csv' CSV HEADER
INSERT INTO facts (enterprise_id, year, fact, value, updated_at) SELECT enterprise_id, year, fact, value, 0 FROM s_facts;
CREATE TEMP TABLE s_plots (id BIGINT, code TEXT, name TEXT, area_mu BIGINT, street_id BIGINT);
\copy s_plots FROM '$TMP/data/plots.csv' CSV HEADER
INSERT INTO plots (id, code, name, area_mu, street_id, created_at, updated_at)
  SELECT id, code, name, area_mu, street_id, 0, 0 FROM s_plots;
\copy plot_users (plot_id, enterprise_id, area_mu) FROM '$TMP/data/plot_users.csv' CSV HEADER
SELECT setval(pg_get_serial_sequence('enterprises', 'id'), $N);
SELECT setval(pg_get_serial_sequence('plots', 'id'), (SELECT max(id) FROM plots));
ANALYZE;
EOF
	note "PostgreSQL: data in $(( $(date +%s) - t0 )) s"
	store_sql LEAST json_build_object >"$TMP/store-pg.sql"
	run_store PostgreSQL "$URL" "psql '$URL' -q -v ON_ERROR_STOP=1 -f '$TMP/store-pg.sql'" psql "$URL" -At -c "$(query_sql LEAST)"
	[ "$PERF" = 0 ] || profile PostgreSQL-query psql "$URL" -At -c "$(query_sql LEAST)"
fi

echo
echo "| store | enterprises | evaluated (A-D) | class T | land evaluate --dry-run | one SQL query | ratio | land evaluate (stored) | SQL INSERT … SELECT | ratio |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
printf '%s\n' "${ROWS[@]}"
