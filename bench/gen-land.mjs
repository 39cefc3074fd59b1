#!/usr/bin/env node
// bench/gen-land.mjs -- enterprises with one year of the facts of the per-mu
// evaluation (亩均效益, issue 11) for bench/land.sh.  No dependencies;
// deterministic for a given seed.
//
//   node bench/gen-land.mjs --out DIR [--enterprises 100000] [--year 2025]
//        [--seed 1] [--plot-every 10]
//
// Writes into DIR (created if missing) CSV files with a header line, ready for
// psql `\copy TABLE (COLUMNS) FROM FILE CSV HEADER` or for `sqlite3 .import`
// into a staging table:
//
//   enterprises.csv  id,credit_code,name,street_id,industry,employees,land_mu,founded_on
//   facts.csv        enterprise_id,year,fact,value       (value x 10^4, like facts.value)
//   plots.csv        id,code,name,area_mu,street_id        (area x 10^4)
//   plot_users.csv   plot_id,enterprise_id,area_mu         (area x 10^4)
//
// street_id is 1 or 2 (the loader makes two streets).  The enterprises:
// 88 % manufacturing (GB/T 4754 门类 C), 4 % mining (B), 3 % utilities (D:
// class T, reason utility), 5 % outside the industrial scope (F, G, I, M: not
// listed with scope industrial).  Registry land is log-normal around 25 亩 (about
// 6 % under 3 亩: class T, small_land); about 4 % were founded in the last two
// years (class T, too_new).  Every --plot-every-th enterprise (10 by default) has
// its land on a plot of its own (plots and plot_users, the area 0.8-1.2 times the
// registry's figure), which then counts instead of the registry.
//
// The facts of year --year, all seven the two presets read, every one present
// and positive (so the evaluation imputes nothing): revenue (log-normal, about
// 300 万元 per 亩), value_added 15-35 % of it, tax_paid 2-8 %, rd_spending
// 0.3-6 %, energy_tce and emissions_t spread around the 黄岩 benchmarks
// (value added per tce around 2.7, per tonne of emissions around 4,900),
// employees (the registry's headcount).  The classes therefore spread over the
// whole range of scores.
//
// Prints one summary line (JSON) on stdout.
import { openSync, writeSync, closeSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

function usage(msg) {
	if (msg) process.stderr.write(`gen-land: ${msg}\n`);
	process.stderr.write('usage: node bench/gen-land.mjs --out DIR [--enterprises N] [--year YYYY] [--seed S] [--plot-every K]\n');
	process.exit(2);
}

const opt = { enterprises: 100000, year: 2025, seed: 1, 'plot-every': 10, out: null };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
	const k = argv[i].replace(/^--/, '');
	if (!(k in opt) || i + 1 >= argv.length)
		usage(`unknown or incomplete option ${argv[i]}`);
	opt[k] = k === 'out' ? argv[++i] : Number(argv[++i]);
}
if (!opt.out)
	usage('--out DIR is required');
for (const k of ['enterprises', 'year', 'seed', 'plot-every'])
	if (!Number.isInteger(opt[k]) || opt[k] < 1)
		usage(`--${k} must be a positive whole number`);

/* mulberry32: small, fast, good enough for test data */
let state = opt.seed >>> 0;
function rand() {
	state = (state + 0x6d2b79f5) >>> 0;
	let t = state;
	t = Math.imul(t ^ (t >>> 15), t | 1);
	t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
	return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const between = (a, b) => a + (b - a) * rand();
function normal() {
	const u = 1 - rand();
	return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}
const logNormal = (median, sigma) => median * Math.exp(sigma * normal());
const pick = (list) => list[Math.floor(rand() * list.length)];
/* a decimal x 10^4 as the store keeps it */
const x4 = (v) => Math.max(1, Math.round(v * 10000));

const C_CLASSES = ['C1310', 'C1713', 'C2231', 'C2614', 'C2929', 'C3039', 'C3311', 'C3389', 'C3411', 'C3489', 'C3511',
	'C3670', 'C3741', 'C3811', 'C3831', 'C3912', 'C3972', 'C4090'];
const B_CLASSES = ['B0810', 'B1011', 'B1019'];
const D_CLASSES = ['D4411', 'D4430', 'D4610'];
const OTHER = ['F5132', 'G5436', 'I6510', 'M7320'];

function industry() {
	const r = rand();
	if (r < 0.88)
		return pick(C_CLASSES);
	if (r < 0.92)
		return pick(B_CLASSES);
	if (r < 0.95)
		return pick(D_CLASSES);
	return pick(OTHER);
}

const pad = (n, w) => String(n).padStart(w, '0');
function founded(year) {
	const y = rand() < 0.04 ? year - 1 + Math.floor(rand() * 2) : 1995 + Math.floor(rand() * (year - 2 - 1995));
	return `${y}-${pad(1 + Math.floor(rand() * 12), 2)}-${pad(1 + Math.floor(rand() * 28), 2)}`;
}

mkdirSync(opt.out, { recursive: true });
const files = {};
const bufs = {};
function open(name, header) {
	files[name] = openSync(join(opt.out, name), 'w');
	bufs[name] = [header];
}
function put(name, line) {
	const b = bufs[name];
	b.push(line);
	if (b.length >= 4096) {
		writeSync(files[name], `${b.join('\n')}\n`);
		b.length = 0;
	}
}
open('enterprises.csv', 'id,credit_code,name,street_id,industry,employees,land_mu,founded_on');
open('facts.csv', 'enterprise_id,year,fact,value');
open('plots.csv', 'id,code,name,area_mu,street_id');
open('plot_users.csv', 'plot_id,enterprise_id,area_mu');

const Y = opt.year;
let facts = 0;
let plots = 0;
for (let id = 1; id <= opt.enterprises; id++) {
	const ind = industry();
	const street = 1 + (id % 2);
	const employees = Math.max(3, Math.round(logNormal(80, 0.9)));
	/* registry land: one decimal; about 6 % under 3 亩 */
	let land = rand() < 0.06 ? between(0.5, 2.9) : Math.max(3, logNormal(25, 0.8));
	land = Math.round(land * 10) / 10;
	put('enterprises.csv', `${id},B${pad(id, 9)},基准企业${id},${street},${ind},${employees},${land.toFixed(1)},${founded(Y)}`);
	let evalLand = land;
	if (id % opt['plot-every'] === 0) {
		plots++;
		const area = Math.round(land * between(0.8, 1.2) * 100) / 100 || 0.01;
		put('plots.csv', `${plots},P${pad(plots, 7)},基准地块${plots},${x4(area)},${street}`);
		put('plot_users.csv', `${plots},${id},${x4(area)}`);
		evalLand = area;
	}
	const revenue = evalLand * logNormal(300, 0.7);
	const va = revenue * between(0.15, 0.35);
	const values = {
		revenue,
		value_added: va,
		tax_paid: revenue * between(0.02, 0.08),
		rd_spending: revenue * between(0.003, 0.06),
		energy_tce: va / logNormal(2.7, 0.6),
		emissions_t: va / logNormal(4900, 0.6),
		employees,
	};
	for (const [fact, v] of Object.entries(values)) {
		put('facts.csv', `${id},${Y},${fact},${x4(v)}`);
		facts++;
	}
}
for (const name of Object.keys(files)) {
	if (bufs[name].length)
		writeSync(files[name], `${bufs[name].join('\n')}\n`);
	closeSync(files[name]);
}
process.stdout.write(`${JSON.stringify({ enterprises: opt.enterprises, year: Y, facts, plots, out: opt.out })}\n`);
