#!/usr/bin/env bash
# bench/import-race-ind.sh -- the indicator values, leads and projects imports
# at N rows (issue 15): `zoneops import indicators FILE`, `zoneops import leads
# FILE` and `zoneops import projects FILE` (in that order: the projects name
# the leads just imported) into a fresh migrated database, each under /usr/bin/time -v (seconds, peak
# RSS), on SQLite and (with BENCH_PG_URL) PostgreSQL, with this build and
# optionally an older one (BENCH_BASE_BIN) for before/after.
#
#   BENCH_ROWS=50000 [BENCH_PG_URL=postgresql://.../db] [BENCH_BASE_BIN=old/zoneops] bench/import-race-ind.sh
#   (BENCH_STORES=postgresql: that store only; BENCH_KINDS="leads projects": those
#   imports only, in that order)
#
# The files: `node bench/gen-indicators.mjs --regions ROWS/6 --years 2
# --import-period 2024-06` (its import file: one period, every region and
# indicator; the regions loaded from its regions.csv), and `node
# bench/gen-race.mjs --leads ROWS --projects 0 --trips 0` (its people loaded
# from users.csv; its leads.csv rewritten as an import file: unit_id,
# recruiter_id, company, credit_code, industry C3985, est_investment in 亿,
# captured_on, qualified; about 4% are another unit's claim of a company, so
# the import flags them duplicate), and the same run's projects.csv (--projects
# ROWS) rewritten as an import file: name, unit_id, lead_id (90% have one: the
# ids of the leads as imported, 1..ROWS in the file's order), recruiter_id,
# industry C3985, total_investment and foreign_investment in 亿, land_mu,
# expected_annual_tax in 万元, signed_on .. producing_on.  Before the projects
# the registry gets an enterprise for the credit code of every third lead (by
# the smallest id of the code) and for the name of every other project without
# a lead, so that landed projects link by code and by name.  BENCH_DUMP=DIR
# writes the projects as imported (without the times) to
# DIR/STORE-BUILD.txt: the before and after builds' files must be the same.  BENCH_PG_URL names a database of a
# cluster where databases may be created: each run gets its own, dropped
# afterwards.  Prints a markdown table.
set -euo pipefail
export LC_ALL=C

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${ZONEOPS_BIN:-$ROOT/build/zoneops}
BASE=${BENCH_BASE_BIN:-}
ROWS=${BENCH_ROWS:-50000}
PG_URL=${BENCH_PG_URL:-}
die() { echo "import-race-ind.sh: $*" >&2; exit 1; }
[ -x "$BIN" ] || die "no $BIN -- build it first with 'make'"
case $ROWS in '' | *[!0-9]*) die "BENCH_ROWS must be a whole number" ;; esac

TMP=$(mktemp -d "${TMPDIR:-/tmp}/zoneops-ir-bench.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

node "$ROOT/bench/gen-indicators.mjs" --out "$TMP/ind" --regions $(((ROWS + 5) / 6)) --years 2 --end-year 2024 \
	--import-period 2024-06 >/dev/null
head -n $((ROWS + 1)) "$TMP/ind/import-2024-06.csv" >"$TMP/indicators.csv"
node "$ROOT/bench/gen-race.mjs" --out "$TMP/race" --units 1,2,3,4,5,6 --leads "$ROWS" --projects "$ROWS" --trips 0 \
	--recruiters 50 --user-base 1001 2>/dev/null
node -e '
const fs = require("fs");
const lines = fs.readFileSync(process.argv[1], "utf8").split("\n").filter(Boolean);
const out = ["unit_id,recruiter_id,company,credit_code,industry,est_investment,captured_on,qualified"];
for (const l of lines.slice(1)) {
  const c = l.split(",");   // id,unit_id,recruiter_id,company,company_key,credit_code,industry,est,captured_on,status,...
  const q = c[9] === "qualified" ? "1" : c[9] === "rejected" ? "0" : "";
  out.push([c[1], c[2], c[3], c[5].replace(/"/g, ""), "C3985", (Number(c[7]) / 10000).toFixed(4), c[8], q].join(","));
}
fs.writeFileSync(process.argv[2], out.join("\n") + "\n");' "$TMP/race/leads.csv" "$TMP/leads.csv"
node -e '
const fs = require("fs");
const lines = fs.readFileSync(process.argv[1], "utf8").split("\n").filter(Boolean);
const out = ["name,unit_id,lead_id,recruiter_id,industry,total_investment,foreign_investment,land_mu,expected_annual_tax,"
  + "signed_on,landed_on,started_on,producing_on"];
for (const l of lines.slice(1)) {
  const c = l.split(",").map(v => v.replace(/"/g, ""));
  // id,name,unit_id,recruiter_id,enterprise_id,industry,stage,total,foreign,lead_on,signed,landed,started,producing,
  // created_at,updated_at,lead_id,land_mu,tax
  out.push([c[1], c[2], c[16], c[3], "C3985", (Number(c[7]) / 10000).toFixed(4), (Number(c[8]) / 10000).toFixed(4),
    c[17], c[18], c[10], c[11], c[12], c[13]].join(","));
}
fs.writeFileSync(process.argv[2], out.join("\n") + "\n");' "$TMP/race/projects.csv" "$TMP/projects.csv"
node -e '
const fs = require("fs");
const lines = fs.readFileSync(process.argv[1], "utf8").split("\n").filter(Boolean).slice(1);
const out = ["credit_code,name"];
lines.forEach((l, i) => { const c = l.split(","); if (c[16] === "" && i % 2 === 0) out.push(`X${i},${c[1]}`); });
fs.writeFileSync(process.argv[2], out.join("\n") + "\n");' "$TMP/race/projects.csv" "$TMP/ent-names.csv"

COLS_USERS="id, username, display_name, role, password_hash, unit_id, created_at, updated_at"

# A fresh database with the regions and the people: prints its URL.
fresh() { # store n
	if [ "$1" = sqlite ]; then
		local f="$TMP/db$2.sqlite"
		"$BIN" migrate --db "sqlite:$f" >/dev/null
		sqlite3 "$f" >/dev/null <<-EOF
			.mode csv
			.import $TMP/ind/regions.csv regions
			.import --csv --schema temp $TMP/race/users.csv s_users
			INSERT INTO users ($COLS_USERS) SELECT $COLS_USERS FROM temp.s_users;
		EOF
		echo "sqlite:$f"
	else
		local name="zo_irbench_$2_$$"
		PGOPTIONS=--client-min-messages=warning psql "$PG_URL" -q -c "DROP DATABASE IF EXISTS $name" -c "CREATE DATABASE $name" >/dev/null
		local url="${PG_URL%/*}/$name"
		"$BIN" migrate --db "$url" >/dev/null
		(cd "$TMP" && psql "$url" -q >/dev/null <<-EOF
			\copy regions (id, name, name_en, is_zone, sort) FROM 'ind/regions.csv' WITH (FORMAT csv)
			\copy users ($COLS_USERS) FROM 'race/users.csv' WITH (FORMAT csv, HEADER true)
			SELECT setval(pg_get_serial_sequence('regions', 'id'), (SELECT max(id) FROM regions));
			SELECT setval(pg_get_serial_sequence('users', 'id'), (SELECT max(id) FROM users));
		EOF
		)
		echo "$url"
	fi
}

# The registry for the projects' links (see above).
enterprises() { # store url
	local by_code="INSERT INTO enterprises (credit_code, name, created_at, updated_at) SELECT credit_code, 'E' || min(id), 0, 0
		FROM leads WHERE credit_code <> '' GROUP BY credit_code HAVING min(id) % 3 = 0"
	if [ "$1" = sqlite ]; then
		sqlite3 "${2#sqlite:}" >/dev/null <<-EOF
			$by_code;
			.import --csv --schema temp $TMP/ent-names.csv s_ent
			INSERT INTO enterprises (credit_code, name, created_at, updated_at) SELECT credit_code, name, 0, 0 FROM temp.s_ent;
		EOF
	else
		(cd "$TMP" && psql "$2" -q >/dev/null <<-EOF
			$by_code;
			CREATE TEMPORARY TABLE s_ent (credit_code TEXT, name TEXT);
			\copy s_ent FROM 'ent-names.csv' WITH (FORMAT csv, HEADER true)
			INSERT INTO enterprises (credit_code, name, created_at, updated_at) SELECT credit_code, name, 0, 0 FROM s_ent;
		EOF
		)
	fi
}

# The projects as imported, without the times: BENCH_DUMP/STORE-BUILD.txt.
dump() { # store url build
	local q="SELECT id, name, unit_id, recruiter_id, enterprise_id, industry, stage, total_investment_wan,
		foreign_investment_wan_usd, lead_on, signed_on, landed_on, started_on, producing_on, lead_id, land_mu,
		expected_annual_tax_wan, negotiating_on FROM projects ORDER BY id"
	if [ "$1" = sqlite ]; then
		sqlite3 "${2#sqlite:}" "$q" >"$BENCH_DUMP/$1-$3.txt"
	else
		psql "$2" -q -At -c "$q" >"$BENCH_DUMP/$1-$3.txt"
	fi
}

# One import timed: "seconds|peak RSS MB|its summary line".
timed() { # bin kind file url
	/usr/bin/time -v "$1" import "$2" "$3" --db "$4" >"$TMP/out" 2>"$TMP/time" || { cat "$TMP/time" >&2; die "$1 import $2 failed"; }
	local s rss
	s=$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); t = 0; for (i = 1; i <= n; i++) t = t * 60 + p[i]; print t }' "$TMP/time")
	rss=$(awk -F': ' '/Maximum resident set size/ { printf "%.0f", $2 / 1024 }' "$TMP/time")
	echo "$s|$rss|$(tail -1 "$TMP/out" | cut -c1-90)"
}

echo "| store | build | import | rows | seconds | peak RSS (MB) | summary |"
echo "|---|---|---|---|---|---|---|"
n=0
stores=${BENCH_STORES:-sqlite}
[ -n "$PG_URL" ] && [ -z "${BENCH_STORES:-}" ] && stores="sqlite postgresql"
for store in $stores; do
	for which in ${BASE:+before} after; do
		b=$BIN
		[ "$which" = before ] && b=$BASE
		n=$((n + 1))
		url=$(fresh "$store" "$n")
		for kind in ${BENCH_KINDS:-indicators leads projects}; do
			[ "$kind" = projects ] && enterprises "$store" "$url"
			IFS='|' read -r s rss line <<<"$(timed "$b" "$kind" "$TMP/$kind.csv" "$url")"
			echo "| $store | $which | $kind | $ROWS | $s | $rss | $line |"
			[ "$kind" = projects ] && [ -n "${BENCH_DUMP:-}" ] && dump "$store" "$url" "$which"
		done
		[ "$store" = postgresql ] && psql "$PG_URL" -q -c "DROP DATABASE IF EXISTS ${url##*/} WITH (FORCE)" >/dev/null
	done
done
echo
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg); $(date -u +'%Y-%m-%d %H:%M UTC')"
