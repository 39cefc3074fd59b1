#!/usr/bin/env node
// bench/gen-facts.mjs -- a CSV file of yearly facts (issue 10's facts import)
// for the enterprises of bench/gen.mjs, for import benchmarks (issue 15).
// Node only, no npm dependencies; deterministic for the same arguments.
//
//   node bench/gen-facts.mjs --enterprises 1667 --out facts.csv      # 1667 x 5 years x 12 facts
//   node bench/gen-facts.mjs --enterprises 1667 --rows 100000 --seed 1 --out facts.csv
//
// The enterprises are those `node bench/gen.mjs --enterprises N --seed S`
// writes (the same credit codes whatever its --key-share), so a file from
// gen.mjs imported first gives every row here an enterprise.  Output: UTF-8,
// "\n", the header the facts import reads, then one fact per line, year by
// year (oldest first), enterprise by enterprise in gen.mjs's order, fact by
// fact:
//
//   credit_code,year,fact,value
//
// The facts are the built-in ones (GET /api/v1/facts/defs), the first
// --facts of them: revenue (万元, log-normal, 2 decimals), tax_paid,
// rd_spending, output_value, value_added (shares of the revenue), employees,
// new_employees (persons), energy_tce, emissions_t, exports (万美元, zero for
// about 40 %), high_tech, listed (0/1).  Each enterprise has a size and a
// growth rate; each year moves its figures by that rate with some noise.
// --rows stops after that many rows.
import { openSync, closeSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { enterprises, rng, writeLines } from './gen.mjs';

export const FACTS = ['revenue', 'tax_paid', 'rd_spending', 'output_value', 'value_added', 'employees',
  'new_employees', 'energy_tce', 'emissions_t', 'exports', 'high_tech', 'listed'];

const fix2 = (x) => (Math.round(x * 100) / 100).toFixed(2).replace(/\.?0+$/, '') || '0';

// The rows, as [credit_code, year, fact, value] arrays.
export function* facts({ count, seed = 1, years = 5, endYear = 2025, nfacts = FACTS.length, rows = Infinity }) {
  const codes = [];
  for (const e of enterprises(count, seed, 0)) codes.push(e[0]);
  const r = rng(seed * 7919 + 17);
  const size = new Float64Array(count), growth = new Float64Array(count), staff = new Float64Array(count);
  const exporter = new Uint8Array(count), tech = new Uint8Array(count), listed = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    size[i] = Math.exp(7 + 1.6 * r.normal());              // revenue in 万元, median ~1,100
    growth[i] = 0.06 + 0.08 * r.normal();
    staff[i] = Math.max(3, Math.exp(3.6 + r.normal()));
    exporter[i] = r.next() < 0.6 ? 1 : 0;
    tech[i] = r.next() < 0.2 ? 1 : 0;
    listed[i] = r.next() < 0.03 ? 1 : 0;
  }
  const names = FACTS.slice(0, nfacts);
  let n = 0;
  for (let y = endYear - years + 1; y <= endYear; y++) {
    for (let i = 0; i < count; i++) {
      const rev = size[i] * Math.exp(growth[i] * (y - endYear) + 0.05 * r.normal());
      const emp = Math.max(1, Math.round(staff[i] * Math.exp(0.5 * growth[i] * (y - endYear) + 0.03 * r.normal())));
      const v = {
        revenue: fix2(rev),
        tax_paid: fix2(rev * (0.03 + 0.05 * r.next())),
        rd_spending: fix2(rev * 0.06 * r.next()),
        output_value: fix2(rev * (0.8 + 0.4 * r.next())),
        value_added: fix2(rev * (0.2 + 0.15 * r.next())),
        employees: String(emp),
        new_employees: String(Math.round(emp * 0.1 * r.next())),
        energy_tce: fix2(rev * 0.05 * r.next()),
        emissions_t: fix2(rev * 0.02 * r.next()),
        exports: exporter[i] ? fix2(rev * 0.3 * r.next() / 7) : '0',
        high_tech: String(tech[i]),
        listed: String(listed[i]),
      };
      for (const f of names) {
        if (n++ >= rows) return;
        yield [codes[i], y, f, v[f]];
      }
    }
  }
}

function usage(code) {
  const out = code ? process.stderr : process.stdout;
  out.write('usage: node bench/gen-facts.mjs --enterprises N [--years Y] [--end-year YYYY] [--facts K] [--rows R]\n' +
    '                                  [--seed S] [--out FILE]\n' +
    '  --enterprises N  the first N enterprises of `gen.mjs --enterprises N --seed S`\n' +
    '  --years Y        years per enterprise, ending with --end-year (default 5, 2025)\n' +
    '  --facts K        the first K built-in facts (1..12, default 12)\n' +
    '  --rows R         stop after R rows (default: N x Y x K)\n' +
    '  --seed S         random seed, also gen.mjs\'s (default 1)\n' +
    '  --out FILE       output file (directories are created); default: standard output\n');
  process.exit(code);
}

function main(argv) {
  const o = { count: 1000, seed: 1, years: 5, endYear: 2025, nfacts: FACTS.length, rows: Infinity };
  let out = null;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const num = () => {
      if (i + 1 >= argv.length) usage(2);
      return Number(argv[++i]);
    };
    if (a === '--enterprises' || a === '-n') o.count = num();
    else if (a === '--years') o.years = num();
    else if (a === '--end-year') o.endYear = num();
    else if (a === '--facts') o.nfacts = num();
    else if (a === '--rows') o.rows = num();
    else if (a === '--seed') o.seed = num();
    else if (a === '--out' || a === '-o') {
      if (i + 1 >= argv.length) usage(2);
      out = argv[++i];
    } else if (a === '--help' || a === '-h') usage(0);
    else {
      process.stderr.write(`gen-facts.mjs: unknown argument '${a}'\n`);
      usage(2);
    }
  }
  const bad = (what) => {
    process.stderr.write(`gen-facts.mjs: ${what}\n`);
    process.exit(2);
  };
  if (!Number.isInteger(o.count) || o.count < 1 || o.count > 50_000_000) bad('--enterprises must be an integer between 1 and 50000000');
  if (!Number.isInteger(o.years) || o.years < 1 || o.years > 300) bad('--years must be an integer between 1 and 300');
  if (!Number.isInteger(o.endYear) || o.endYear - o.years + 1 < 1900 || o.endYear > 2199) bad('the years must lie within 1900..2199');
  if (!Number.isInteger(o.nfacts) || o.nfacts < 1 || o.nfacts > FACTS.length) bad(`--facts must be an integer between 1 and ${FACTS.length}`);
  if (o.rows !== Infinity && (!Number.isInteger(o.rows) || o.rows < 0)) bad('--rows must be a whole number');
  if (!Number.isInteger(o.seed)) bad('--seed must be an integer');
  let fd = 1;
  if (out) {
    mkdirSync(dirname(out), { recursive: true });
    fd = openSync(out, 'w');
  }
  const t0 = Date.now();
  const n = writeLines(fd, ['credit_code,year,fact,value'], (function* rows() {
    for (const row of facts(o)) yield row.join(',');
  })());
  if (out) {
    closeSync(fd);
    process.stderr.write(`gen-facts.mjs: wrote ${n} facts of ${o.count} enterprises to ${out} in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
  }
}

main(process.argv.slice(2));
