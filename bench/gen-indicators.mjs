#!/usr/bin/env node
// bench/gen-indicators.mjs -- a large, realistic data set of monthly indicator
// values (1-M月累计) for the indicator evaluation benchmark (issue 5).  No
// dependencies; deterministic for a given seed.
//
//   node bench/gen-indicators.mjs --out DIR [--regions 3000] [--years 10]
//        [--end-year 2024] [--seed 1] [--order period|region]
//        [--import-period YYYY-MM]
//
// Writes into DIR (created if missing), CSV without a header line, ready for
// `sqlite3 DB ".mode csv" ".import FILE TABLE"` or psql `\copy TABLE FROM FILE CSV`
// into the tables of `zoneops migrate`:
//
//   regions.csv   id,name,name_en,is_zone,sort           R rows; id 1 is the zone
//   values.csv    region_id,indicator,year,month,value   R x 6 x Y x 12 rows (value: integer 万;
//                                                        万美元 for fdi_utilised)
//   targets.csv   region_id,indicator,year,value         R x 6 x Y rows (annual targets, 万)
//
// and with --import-period YYYY-MM also
//
//   import-YYYY-MM.csv   period,region,indicator,value   (header line; value in 亿 with four
//                        decimals): the rows of values.csv for that period, as a file for
//                        `zoneops import indicators` -- importing it over the loaded data must
//                        change nothing, which checks that both paths carry the same numbers.
//
// The figures: the six indicators of the catalogue (budget_revenue, tax_revenue,
// industrial_sales, service_sales, fdi_utilised, trade_total).  Each region has a
// size (log-normal; general budget revenue from a few 亿 to a few hundred 亿 a
// year), its own ratios of the other indicators to the budget (tax share 65-95 %,
// industrial sales ~20x, service sales ~10x, trade ~8x, FDI ~0.08x in 万美元; about
// 2 % of the regions have no foreign investment at all: value 0, so no growth),
// and a trend growth rate per year (mean ~6 %, some regions shrinking), with
// noise per indicator and year (FDI and trade much more volatile).  The months:
// a seasonal profile per indicator (tax front-loaded in January, a December peak
// for budget revenue, a February dip for sales and trade) with noise per month;
// the stored value of month M is the cumulative sum of months 1..M, so the values
// rise through the year and month 12 is the annual total.  The zone (南通开发区,
// is_zone = 1) is a large region with strong growth, like the article's.
//
// --order period (the default) writes values.csv period by period (year, month,
// then region, indicator), the order in which monthly imports would insert them;
// --order region writes region by region (the primary key's order).
//
// Prints one summary line (JSON) on stdout.
import { openSync, writeSync, closeSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

const INDICATORS = ['budget_revenue', 'tax_revenue', 'industrial_sales', 'service_sales', 'fdi_utilised', 'trade_total'];
const [BUDGET, TAX, INDUSTRIAL, SERVICE, FDI, TRADE] = [0, 1, 2, 3, 4, 5];

function usage(msg) {
	if (msg) process.stderr.write(`gen-indicators: ${msg}\n`);
	process.stderr.write('usage: node bench/gen-indicators.mjs --out DIR [--regions N] [--years Y] [--end-year YYYY]\n' +
		'                                    [--seed S] [--order period|region] [--import-period YYYY-MM]\n');
	process.exit(2);
}

const opt = { regions: 3000, years: 10, 'end-year': 2024, seed: 1, order: 'period', out: null, 'import-period': null };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
	const a = argv[i];
	if (a === '-h' || a === '--help') usage();
	if (!a.startsWith('--') || !(a.slice(2) in opt)) usage(`unknown argument ${a}`);
	if (i + 1 >= argv.length) usage(`${a} needs a value`);
	opt[a.slice(2)] = argv[++i];
}
const int = (name, lo, hi) => {
	const v = Number(opt[name]);
	if (!Number.isInteger(v) || v < lo || v > hi) usage(`--${name} must be a whole number from ${lo} to ${hi}`);
	return v;
};
const R = int('regions', 2, 100000);
const Y = int('years', 2, 50);
const END = int('end-year', 1991, 2100);
const SEED = int('seed', 0, 2 ** 31 - 1);
const FIRST = END - Y + 1;
if (FIRST < 1990) usage('the first year would be before 1990');
if (!opt.out) usage('--out DIR is required');
if (opt.order !== 'period' && opt.order !== 'region') usage('--order must be period or region');
let impYear = 0, impMonth = 0;
if (opt['import-period'] !== null) {
	const m = /^(\d{4})-(\d{2})$/.exec(opt['import-period']);
	if (!m || +m[1] < FIRST || +m[1] > END || +m[2] < 1 || +m[2] > 12)
		usage(`--import-period must be YYYY-MM within ${FIRST}-01..${END}-12`);
	impYear = +m[1];
	impMonth = +m[2];
}

// ---- random numbers (mulberry32, Box-Muller) ----
let state = (SEED * 0x9e3779b9 + 0x6d2b79f5) >>> 0;
function rand() {
	state = (state + 0x6d2b79f5) >>> 0;
	let t = state;
	t = Math.imul(t ^ (t >>> 15), t | 1);
	t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
	return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
let spare = null;
function normal(mu = 0, sigma = 1) {
	if (spare !== null) {
		const z = spare;
		spare = null;
		return mu + sigma * z;
	}
	let u = 0;
	while (u === 0) u = rand();
	const v = rand(), r = Math.sqrt(-2 * Math.log(u));
	spare = r * Math.sin(2 * Math.PI * v);
	return mu + sigma * r * Math.cos(2 * Math.PI * v);
}
const lognormal = (median, sigma) => median * Math.exp(normal(0, sigma));
const clamp = (x, lo, hi) => Math.min(hi, Math.max(lo, x));

// ---- regions ----
// A few real district names of the article's city first, then made-up names from
// place-name characters; all unique, none with a comma or a quote.
const REAL = ['崇川区', '通州区', '海门区', '如东县', '启东市', '如皋市', '海安市', '苏锡通园区', '通州湾示范区'];
const CH = '安宝北滨昌长城川春大丰东峰福高港广海河和华淮黄惠吉江金锦井靖康兰乐黎林临龙隆鹿梅美明南宁平浦齐启庆泉仁瑞山上绍盛石寿顺泰桃天通同湾万文武西溪仙祥新兴阳宜永余元岳云泽章镇中州珠庄';
const SUFFIX = ['区', '县', '市', '镇', '新区', '开发区', '园区'];
const CHARS = [...CH];
const names = ['南通开发区'], namesEn = ['Nantong ETDZ'], seen = new Set(names);
for (const n of REAL) {
	if (names.length >= R) break;
	names.push(n);
	namesEn.push(`District ${names.length}`);
	seen.add(n);
}
while (names.length < R) {
	let n = CHARS[Math.floor(rand() * CHARS.length)] + CHARS[Math.floor(rand() * CHARS.length)] +
		SUFFIX[Math.floor(rand() * SUFFIX.length)];
	if (seen.has(n)) n = `${n}${names.length + 1}`;
	seen.add(n);
	names.push(n);
	namesEn.push(`Region ${names.length}`);
}

// ---- monthly profiles: share of each month in the year's total ----
const PROFILE = {
	[BUDGET]: [11, 6, 8, 9, 8, 8, 8, 7, 8, 8, 8, 11],
	[TAX]: [13, 6, 8, 9, 8, 8, 8, 7, 8, 8, 8, 9],
	[INDUSTRIAL]: [7, 5, 9, 8, 8, 9, 8, 8, 9, 9, 9, 11],
	[SERVICE]: [8, 6, 8, 8, 8, 8, 8, 8, 8, 9, 9, 12],
	[FDI]: [6, 5, 9, 8, 8, 10, 7, 7, 9, 8, 9, 14],
	[TRADE]: [9, 5, 8, 8, 8, 8, 9, 9, 9, 9, 9, 9],
};
// noise: of the yearly growth (around the region's trend), of each month's amount
const YEAR_NOISE = [0.04, 0.05, 0.06, 0.06, 0.25, 0.10];
const MONTH_NOISE = [0.08, 0.08, 0.06, 0.06, 0.35, 0.10];

// values[((r * 6 + k) * Y + y) * 12 + m] in 万; targets[(r * 6 + k) * Y + y]
const values = new Float64Array(R * 6 * Y * 12);
const targets = new Float64Array(R * 6 * Y);
const annual = new Float64Array(6);
const amount = new Float64Array(12);
for (let r = 0; r < R; r++) {
	const zone = r === 0;
	// annual budget revenue of the first year, in 万: median ~20亿
	const budget0 = zone ? 420000 : clamp(lognormal(200000, 0.9), 8000, 8000000);
	const taxShare = zone ? 0.86 : clamp(normal(0.8, 0.07), 0.6, 0.95);
	const ratio = [1, taxShare,
		zone ? 24 : lognormal(20, 0.5),
		zone ? 9 : lognormal(10, 0.5),
		zone ? 0.12 : (rand() < 0.02 ? 0 : lognormal(0.08, 0.8)),
		zone ? 14 : lognormal(8, 0.9)];
	const trend = zone ? 0.09 : normal(0.06, 0.04);
	const level = ratio.map((x) => budget0 * x);
	for (let y = 0; y < Y; y++) {
		const common = normal(trend, 0.03);   // this year's growth of the region
		for (let k = 0; k < 6; k++) {
			if (y > 0) {
				let g = k === TAX ? 0 : common + normal(0, YEAR_NOISE[k]);
				level[k] *= Math.max(0.3, 1 + g);
			}
			annual[k] = level[k];
		}
		// tax follows the budget with a share that drifts a little
		annual[TAX] = annual[BUDGET] * clamp(ratio[TAX] + normal(0, 0.02), 0.5, 0.98);
		for (let k = 0; k < 6; k++) {
			const base = ((r * 6 + k) * Y + y) * 12;
			let sum = 0;
			for (let m = 0; m < 12; m++) {
				amount[m] = PROFILE[k][m] * Math.max(0.2, 1 + normal(0, MONTH_NOISE[k]));
				sum += amount[m];
			}
			let cum = 0;
			for (let m = 0; m < 12; m++) {
				cum += amount[m];
				values[base + m] = Math.round(annual[k] * cum / sum);
			}
			// the target of year y: last year's total plus a planned growth
			const prevTotal = y > 0 ? values[base - 1] : annual[k] / (1 + trend);
			targets[(r * 6 + k) * Y + y] = Math.round(prevTotal * (1 + clamp(normal(0.08, 0.02), 0.02, 0.15)));
		}
	}
}

// ---- files ----
mkdirSync(opt.out, { recursive: true });
function writer(path) {
	const fd = openSync(path, 'w');
	let parts = [], size = 0;
	return {
		line(s) {
			parts.push(s);
			size += s.length;
			if (size > 1 << 20) this.flush();
		},
		flush() {
			if (parts.length) writeSync(fd, parts.join('\n') + '\n');
			parts = [];
			size = 0;
		},
		close() {
			this.flush();
			closeSync(fd);
		},
	};
}

let w = writer(join(opt.out, 'regions.csv'));
for (let r = 0; r < R; r++) w.line(`${r + 1},${names[r]},${namesEn[r]},${r === 0 ? 1 : 0},${r + 1}`);
w.close();

let rows = 0;
w = writer(join(opt.out, 'values.csv'));
if (opt.order === 'period') {
	for (let y = 0; y < Y; y++)
		for (let m = 0; m < 12; m++)
			for (let r = 0; r < R; r++)
				for (let k = 0; k < 6; k++, rows++)
					w.line(`${r + 1},${INDICATORS[k]},${FIRST + y},${m + 1},${values[((r * 6 + k) * Y + y) * 12 + m]}`);
} else {
	for (let r = 0; r < R; r++)
		for (let k = 0; k < 6; k++)
			for (let y = 0; y < Y; y++)
				for (let m = 0; m < 12; m++, rows++)
					w.line(`${r + 1},${INDICATORS[k]},${FIRST + y},${m + 1},${values[((r * 6 + k) * Y + y) * 12 + m]}`);
}
w.close();

w = writer(join(opt.out, 'targets.csv'));
for (let r = 0; r < R; r++)
	for (let k = 0; k < 6; k++)
		for (let y = 0; y < Y; y++)
			w.line(`${r + 1},${INDICATORS[k]},${FIRST + y},${targets[(r * 6 + k) * Y + y]}`);
w.close();

const yi = (wan) => `${Math.floor(wan / 10000)}.${String(wan % 10000).padStart(4, '0')}`;
let importFile = null;
if (impYear) {
	importFile = join(opt.out, `import-${opt['import-period']}.csv`);
	w = writer(importFile);
	w.line('period,region,indicator,value');
	const y = impYear - FIRST, m = impMonth - 1;
	for (let r = 0; r < R; r++)
		for (let k = 0; k < 6; k++)
			w.line(`${opt['import-period']},${names[r]},${INDICATORS[k]},${yi(values[((r * 6 + k) * Y + y) * 12 + m])}`);
	w.close();
}

const zoneLast = (k, m) => values[((0 * 6 + k) * Y + (Y - 1)) * 12 + m - 1];
process.stdout.write(JSON.stringify({
	regions: R, years: `${FIRST}-${END}`, values: rows, targets: R * 6 * Y, order: opt.order, seed: SEED,
	zone: names[0], zone_budget_yi: yi(zoneLast(BUDGET, 10)), import_file: importFile,
}) + '\n');
