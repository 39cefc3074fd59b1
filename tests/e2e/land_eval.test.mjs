// End-to-end: the per-mu evaluation (亩均效益, issue 11) over HTTP and the
// CLI on a fresh zone of eight enterprises whose facts are written below,
// the scores computed by hand (docs/land.md has the rules):
//
//   zhejiang with the benchmarks tax_per_mu 10, va_per_mu 100, va_per_energy 2,
//   va_per_emission 5000, labour_productivity 20, rd_ratio 0.05 (weights 30 20 20 10 10 10):
//   E1 land 10: tax 100 (10/mu, x1: 30), va 1000 (100/mu: 20), energy 500 (2: 20),
//      emissions 0.2 (5000: 10), employees 50 (20: 10), rd 100 / revenue 2000 (0.05: 10) = 100
//   E2 land 20: everything x0.5: 15 + 10 + 10 + 5 + 5 + 5 = 50
//   E3 land 5: tax 30/mu (x3, capped at 2: 60), va 50/mu (10), energy missing: the average
//      of E1, E2, E4's va_per_energy scores (20 + 10 + 10) / 3 = 13.333333333333 (黄岩 rule),
//      emissions 5000 (10), employees 10 (5), rd 0.1 (x2: 20) = 118.333333333333 -> 118.33
//   E4 land 8 (门类 B): tax 4/mu (12), va 20/mu (4), energy 1 (10), emissions 2000 (4),
//      employees 10 (5), rd 0.01 (2) = 37
//   E5 land 2: T small_land; E6 门类 D: T utility; E8 founded 2024: T too_new;
//   E7 门类 F: not in the industrial scope, not listed.
//   shares 0.2/0.4/0.35 of 4: A round(0.8) = 1 (E3), B round(1.6) = 2 (E1, E2), C round(1.4) = 1 (E4)
//   thresholds 80/60/40: E3 A, E1 A, E2 C, E4 D
//   tax_per_mu weighted 40: E1 110, E2 55, E3 138.33, E4 41 (thresholds: E4 C)
//
//   jiangsu (tax_per_mu 45, revenue_per_mu 35, tax_per_energy 20): benchmarks twice the
//   2024 region's ratio of E1 and E2 (the evaluated with 2024 facts): tax (75 + 75) / 30 mu
//   x 2 = 10, revenue (1500 + 3000) / 30 x 2 = 300, tax (75 + 75) / (300 + 450) tce x 2 = 0.4
//   E1: 1 x 45 + (200 / 300 = 0.666666666667) x 35 + 0.5 x 20 = 78.333333333345 -> 78.33
//   E2: 22.5 + 11.666666666655 + 5 = 39.17; E4: 18 + 11.666666666655 + 10 = 39.67
//   E3: 90 + 23.333333333345 + (10 + 5 + 10) / 3 = 121.67
//   shares: E3 A; E1, E4 B; E2 C
//
// The clock is ZONEOPS_NOW (2026-03-01, then 2026-03-20 for the end of the
// publication).  Enterprise accounts ent1 (E1) and ent2 (E2) try every route
// on each other's rows.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { Client, cli, freshDb, startServer, BIN } from './lib.mjs';

const ALPHA = '0123456789ABCDEFGHJKLMNPQRTUWXY';
function orgCheck(code8) {
  const W = [3, 7, 9, 10, 5, 8, 4, 2];
  let s = 0;
  for (let i = 0; i < 8; i++) {
    const c = code8[i];
    s += (c >= '0' && c <= '9' ? Number(c) : c.charCodeAt(0) - 55) * W[i];
  }
  const c = 11 - (s % 11);
  return c === 10 ? 'X' : c === 11 ? '0' : String(c);
}
function creditCode(n) {
  const c16 = '91320691M' + String(n).padStart(7, '0');
  const c17 = c16 + orgCheck(c16.slice(8));
  const W = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
  let s = 0;
  for (let i = 0; i < 17; i++) s += ALPHA.indexOf(c17[i]) * W[i];
  const c = 31 - (s % 31);
  return c17 + ALPHA[c === 31 ? 0 : c];
}

let db, srv;
const as = {};      // user -> Client (API token)
const ent = {};     // E1.. -> enterprise id
const tokens = {};

function sql(statement) {
  const r = db.url.startsWith('sqlite:')
    ? spawnSync('sqlite3', ['-cmd', '.timeout 5000', db.url.slice(7), statement], { encoding: 'utf8' })
    : spawnSync('psql', [db.url, '-q', '-At', '-v', 'ON_ERROR_STOP=1', '-c', statement], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error('sql failed: ' + r.stderr);
  return r.stdout.trim();
}

async function serve(now) {
  if (srv) {
    const code = await srv.stop();
    assert.equal(code, 0, srv.output().stderr.slice(-4000));
  }
  srv = await startServer(db.url, [], { ZONEOPS_NOW: now });
  for (const [u, t] of Object.entries(tokens)) as[u] = new Client(srv.url, t);
}

const FACTS = {
  E1: { tax_paid: 100, value_added: 1000, energy_tce: 500, emissions_t: 0.2, employees: 50, revenue: 2000, rd_spending: 100 },
  E2: { tax_paid: 100, value_added: 1000, energy_tce: 1000, emissions_t: 0.4, employees: 100, revenue: 2000, rd_spending: 50 },
  E3: { tax_paid: 150, value_added: 250, emissions_t: 0.05, employees: 25, revenue: 1000, rd_spending: 100 },
  E4: { tax_paid: 32, value_added: 160, energy_tce: 160, emissions_t: 0.08, employees: 16, revenue: 800, rd_spending: 8 },
  E5: { tax_paid: 1 }, E6: { tax_paid: 1 }, E7: { tax_paid: 1 }, E8: { tax_paid: 1 },
};
const PRIOR = { E1: { tax_paid: 75, revenue: 1500, energy_tce: 300 }, E2: { tax_paid: 75, revenue: 3000, energy_tce: 450 } };
const BENCH = { tax_per_mu: 10, va_per_mu: 100, va_per_energy: 2, va_per_emission: 5000, labour_productivity: 20, rd_ratio: 0.05 };

before(async () => {
  db = freshDb();
  assert.equal(cli(db.url, ['user', 'add', 'admin', '--role', 'admin'], 'admin-password-1\n').status, 0);
  tokens.admin = cli(db.url, ['token', 'create', '--user', 'admin']).stdout.trim();
  await serve('2026-03-01');
  const admin = as.admin;
  for (const s of ['东区', '西区'])
    assert.equal((await admin.post('/api/v1/streets', { name: s })).status, 201);
  const dept = {};
  for (const name of ['自然资源和规划分局', '市场监督管理局']) {
    const r = await admin.post('/api/v1/departments', { name });
    assert.equal(r.status, 201, r.text);
    dept[name] = r.json.id;
  }
  sql(`UPDATE departments SET land_bureau = 1 WHERE id = ${dept['自然资源和规划分局']}`);
  const regs = {
    E1: ['东区', 'C38', 10, '2010-01-01'], E2: ['东区', 'C26', 20, '2010-01-01'], E3: ['西区', 'C13', 5, '2010-01-01'],
    E4: ['西区', 'B06', 8, '2010-01-01'], E5: ['东区', 'C30', 2, '2010-01-01'], E6: ['西区', 'D44', 30, '2010-01-01'],
    E7: ['东区', 'F51', 10, '2010-01-01'], E8: ['西区', 'C35', 10, '2024-05-01'],
  };
  let n = 8100;
  for (const [e, [street, industry, land_mu, founded_on]] of Object.entries(regs)) {
    const r = await admin.post('/api/v1/enterprises',
      { credit_code: creditCode(n++), name: `亩均测试${e}有限公司`, street, industry, land_mu, founded_on });
    assert.equal(r.status, 201, r.text);
    ent[e] = r.json.id;
  }
  const users = [['land1', 'department', { department_id: dept['自然资源和规划分局'] }],
    ['market1', 'department', { department_id: dept['市场监督管理局'] }], ['leader1', 'leader', {}],
    ['ent1', 'enterprise', { enterprise_id: ent.E1 }], ['ent2', 'enterprise', { enterprise_id: ent.E2 }]];
  for (const [u, role, extra] of users) {
    const r = await admin.post('/api/v1/users', { username: u, password: 'land-test-pass-1', role, ...extra });
    assert.equal(r.status, 201, r.text);
    tokens[u] = cli(db.url, ['token', 'create', '--user', u]).stdout.trim();
    as[u] = new Client(srv.url, tokens[u]);
  }
  const rows = [];
  for (const [year, facts] of [[2025, FACTS], [2024, PRIOR]])
    for (const [e, fs] of Object.entries(facts))
      for (const [f, v] of Object.entries(fs))
        rows.push(`(${ent[e]}, ${year}, '${f}', ${Math.round(v * 10000)}, 0)`);
  sql('INSERT INTO facts (enterprise_id, year, fact, value, updated_at) VALUES ' + rows.join(', '));
});

after(async () => {
  const code = await srv.stop();
  db.cleanup();
  if (code !== 0) throw new Error(`server exited ${code}:\n${srv.output().stderr.slice(-4000)}`);
});

function assertError(r, status, code, field) {
  assert.equal(r.status, status, r.text);
  assert.equal(r.json?.error?.code, code, r.text);
  if (field !== undefined) assert.equal(r.json.error.field, field, r.text);
}

// {E1: [class, score, rank, reason?]} of an evaluation's results
function table(ev) {
  const byId = Object.fromEntries(Object.entries(ent).map(([k, v]) => [v, k]));
  return Object.fromEntries(ev.results.map((r) =>
    [byId[r.enterprise_id], r.class === 'T' ? ['T', r.reason] : [r.class, r.score, r.rank]]));
}

const evals = {};

test('bad input: 422 naming the field, and nothing stored', async () => {
  const a = as.admin;
  assertError(await a.post('/api/v1/land/evaluations', { preset: 'zhejiang' }), 422, 'required', 'year');
  assertError(await a.post('/api/v1/land/evaluations', { year: 2025 }), 422, 'required', 'preset');
  assertError(await a.post('/api/v1/land/evaluations', { year: 2025, preset: 'hubei' }), 422, 'invalid_parameter', 'preset');
  assertError(await a.post('/api/v1/land/evaluations', { year: 1800, preset: 'zhejiang' }), 422, 'invalid_parameter', 'year');
  assertError(await a.post('/api/v1/land/evaluations', { year: 2025, preset: 'zhejiang', scope: 'north' }),
    422, 'invalid_parameter', 'scope');
  let r = await a.post('/api/v1/land/evaluations', { year: 2025, preset: 'jiangsu', weights: { va_per_mu: 10 } });
  assertError(r, 422, 'invalid_parameter', 'weights.va_per_mu');
  assert.equal(r.json.error.params.indicator, 'va_per_mu');
  assertError(await a.post('/api/v1/land/evaluations', { year: 2025, preset: 'zhejiang', weights: { tax_per_mu: -1 } }),
    422, 'invalid_parameter', 'weights.tax_per_mu');
  assertError(await a.post('/api/v1/land/evaluations', { year: 2025, preset: 'zhejiang', weights: { tax_per_mu: 'x' } }),
    422, 'invalid_parameter', 'weights.tax_per_mu');
  assertError(await a.post('/api/v1/land/evaluations', { year: 2025, preset: 'zhejiang', benchmarks: { rd_ratio: 0 } }),
    422, 'invalid_parameter', 'benchmarks.rd_ratio');
  assertError(await a.post('/api/v1/land/evaluations', { year: 2025, preset: 'zhejiang', cap: 0 }), 422, 'invalid_parameter', 'cap');
  assertError(await a.post('/api/v1/land/evaluations', { year: 2025, preset: 'zhejiang', min_land_mu: -3 }),
    422, 'invalid_parameter', 'min_land_mu');
  assertError(await a.post('/api/v1/land/evaluations', { year: 2025, preset: 'zhejiang', classing: { mode: 'quartiles' } }),
    422, 'invalid_parameter', 'classing.mode');
  assertError(await a.post('/api/v1/land/evaluations',
    { year: 2025, preset: 'zhejiang', classing: { mode: 'shares', A: 0.5, B: 0.4, C: 0.35 } }), 422, 'invalid_parameter', 'classing');
  assertError(await a.post('/api/v1/land/evaluations',
    { year: 2025, preset: 'zhejiang', classing: { mode: 'thresholds', A: 50, B: 60, C: 40 } }), 422, 'invalid_parameter', 'classing.B');
  assertError(await a.post('/api/v1/land/evaluations', { year: 2025, preset: 'zhejiang', colour: 'red' }), 422, 'unknown_field', 'colour');
  r = await a.post('/api/v1/land/evaluations', { year: 2030, preset: 'zhejiang' });
  assertError(r, 422, 'no_facts', 'year');
  assert.equal(r.json.error.params.year, '2030');
  r = await a.get('/api/v1/land/evaluations');
  assert.equal(r.status, 200);
  assert.deepEqual(r.json.items, []);
});

test('zhejiang by shares: the hand-computed scores, ranks, classes, T reasons and the 黄岩 rule; GET gives the same', async () => {
  const r = await as.admin.post('/api/v1/land/evaluations', { year: 2025, preset: 'zhejiang', benchmarks: BENCH });
  assert.equal(r.status, 201, r.text);
  const ev = r.json;
  evals.shares = ev;
  assert.equal(ev.state, 'draft');
  assert.equal(ev.scope, 'industrial');
  assert.deepEqual(ev.params.benchmarks, BENCH);
  assert.deepEqual(ev.params.weights, { tax_per_mu: 30, va_per_mu: 20, va_per_energy: 20, va_per_emission: 10,
    labour_productivity: 10, rd_ratio: 10 });
  assert.equal(ev.params.benchmark_basis.tax_per_mu, 'given');
  assert.deepEqual(ev.params.classing, { mode: 'shares', A: 0.2, B: 0.4, C: 0.35 });
  assert.equal(ev.params.cap, 2);
  assert.equal(ev.params.min_land_mu, 3);
  assert.deepEqual(table(ev), {
    E3: ['A', 118.33, 1], E1: ['B', 100, 2], E2: ['B', 50, 3], E4: ['C', 37, 4],
    E5: ['T', 'small_land'], E6: ['T', 'utility'], E8: ['T', 'too_new'],
  });
  assert.deepEqual(ev.counts, { A: 1, B: 2, C: 1, D: 0, T: 3 });
  assert.deepEqual(ev.results.map((x) => x.enterprise_id).slice(0, 4), [ent.E3, ent.E1, ent.E2, ent.E4], 'by rank, T last');
  const e3 = ev.results[0];
  assert.deepEqual(e3.imputed, ['va_per_energy']);
  assert.deepEqual(e3.indicators.va_per_energy, { value: null, benchmark: 2, weight: 20, score: 13.333333, imputed: true });
  assert.deepEqual(e3.indicators.tax_per_mu, { value: 30, benchmark: 10, weight: 30, score: 60 });
  assert.equal(e3.land_mu, 5);
  assert.equal(e3.land_source, 'registry');
  assert.equal(e3.street, '西区');
  assert.equal(e3.final_class, null);
  const g = await as.leader1.get(`/api/v1/land/evaluations/${ev.id}`);
  assert.equal(g.status, 200);
  assert.deepEqual(g.json, ev);
  const list = await as.leader1.get('/api/v1/land/evaluations?year=2025');
  assert.equal(list.json.items.length, 1);
  assert.equal(list.json.items[0].results, undefined);
  assert.deepEqual(list.json.items[0].counts, ev.counts);
});

test('zhejiang by thresholds, and a changed weight makes a new evaluation with the scores computed by hand', async () => {
  const classing = { mode: 'thresholds', A: 80, B: 60, C: 40 };
  let r = await as.land1.post('/api/v1/land/evaluations', { year: 2025, preset: 'zhejiang', benchmarks: BENCH, classing });
  assert.equal(r.status, 201, r.text);
  evals.thresholds = r.json;
  assert.deepEqual(table(r.json), {
    E3: ['A', 118.33, 1], E1: ['A', 100, 2], E2: ['C', 50, 3], E4: ['D', 37, 4],
    E5: ['T', 'small_land'], E6: ['T', 'utility'], E8: ['T', 'too_new'],
  });
  r = await as.admin.post('/api/v1/land/evaluations',
    { year: 2025, preset: 'zhejiang', benchmarks: BENCH, classing, weights: { tax_per_mu: 40 } });
  assert.equal(r.status, 201, r.text);
  assert.notEqual(r.json.id, evals.thresholds.id);
  assert.equal(r.json.params.weights.tax_per_mu, 40);
  assert.deepEqual(table(r.json), {
    E3: ['A', 138.33, 1], E1: ['A', 110, 2], E2: ['C', 55, 3], E4: ['C', 41, 4],
    E5: ['T', 'small_land'], E6: ['T', 'utility'], E8: ['T', 'too_new'],
  });
  // the earlier one is unchanged
  const g = await as.admin.get(`/api/v1/land/evaluations/${evals.thresholds.id}`);
  assert.deepEqual(g.json, evals.thresholds);
});

test('jiangsu: benchmarks twice the prior year\'s region ratio, shown in params; scope all lists the 门类 F enterprise', async () => {
  let r = await as.admin.post('/api/v1/land/evaluations', { year: 2025, preset: 'jiangsu' });
  assert.equal(r.status, 201, r.text);
  assert.deepEqual(r.json.params.benchmarks, { tax_per_mu: 10, revenue_per_mu: 300, tax_per_energy: 0.4 });
  assert.deepEqual(r.json.params.benchmark_basis, { tax_per_mu: 'prior_year', revenue_per_mu: 'prior_year', tax_per_energy: 'prior_year' });
  assert.deepEqual(r.json.params.weights, { tax_per_mu: 45, revenue_per_mu: 35, tax_per_energy: 20 });
  assert.deepEqual(table(r.json), {
    E3: ['A', 121.67, 1], E1: ['B', 78.33, 2], E4: ['B', 39.67, 3], E2: ['C', 39.17, 4],
    E5: ['T', 'small_land'], E6: ['T', 'utility'], E8: ['T', 'too_new'],
  });
  r = await as.admin.post('/api/v1/land/evaluations', { year: 2025, preset: 'jiangsu', scope: 'all', benchmarks: { tax_per_mu: 20 } });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.scope, 'all');
  assert.equal(r.json.params.benchmarks.tax_per_mu, 20);
  assert.equal(r.json.params.benchmark_basis.tax_per_mu, 'given');
  assert.ok(r.json.results.some((x) => x.enterprise_id === ent.E7), 'E7 (门类 F) is listed with scope all');
});

test('the CLI evaluates, and --dry-run stores nothing', () => {
  const before = sql('SELECT count(*) FROM land_evaluations');
  let r = cli(db.url, ['land', 'evaluate', '--year', '2025', '--dry-run', '--json']);
  assert.equal(r.status, 0, r.stderr);
  const o = JSON.parse(r.stdout);
  assert.equal(o.dry_run, true);
  assert.equal(o.id, null);
  assert.equal(o.evaluated, 4);
  assert.deepEqual(o.counts, { A: 1, B: 2, C: 1, D: 0, T: 3 });
  assert.equal(sql('SELECT count(*) FROM land_evaluations'), before);
  r = cli(db.url, ['land', 'evaluate', '--year', '2025', '--preset', 'jiangsu']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /stored as evaluation \d+ \(draft\)/);
  assert.equal(Number(sql('SELECT count(*) FROM land_evaluations')), Number(before) + 1);
  r = cli(db.url, ['land', 'evaluate', '--year', '2031']);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /no facts for 2031/);
  assert.equal(cli(db.url, ['land', 'evaluate']).status, 2);
});

test('who may write: admins and the land bureau; another department 403; leaders read; enterprises read no evaluation', async () => {
  assertError(await as.market1.post('/api/v1/land/evaluations', { year: 2025, preset: 'zhejiang' }), 403, 'forbidden');
  assertError(await as.leader1.post('/api/v1/land/evaluations', { year: 2025, preset: 'zhejiang' }), 403, 'forbidden');
  assertError(await as.market1.post(`/api/v1/land/evaluations/${evals.thresholds.id}/publish`, {}), 403, 'forbidden');
  assert.equal((await as.market1.get(`/api/v1/land/evaluations/${evals.thresholds.id}`)).status, 200);
  for (const p of [`/api/v1/land/evaluations/${evals.thresholds.id}`, '/api/v1/land/evaluations',
    `/api/v1/land/evaluations/${evals.thresholds.id}/distribution`, `/api/v1/land/evaluations/${evals.thresholds.id}/export`,
    `/api/v1/land/evaluations/${evals.thresholds.id}/plots`, '/api/v1/land/low-efficiency', '/api/v1/land/measures'])
    assertError(await as.ent1.get(p), 403, 'forbidden');
});

test('distribution by street and by 门类; the ranking as XLSX', async () => {
  const r = await as.leader1.get(`/api/v1/land/evaluations/${evals.thresholds.id}/distribution`);
  assert.equal(r.status, 200, r.text);
  const east = r.json.by_street.find((s) => s.street === '东区');
  assert.deepEqual(east, { street: '东区', A: 1, B: 0, C: 1, D: 0, T: 1 });
  const c = r.json.by_industry.find((s) => s.section === 'C');
  assert.equal(c.label, '制造业');
  assert.equal(c.label_en, 'Manufacturing');
  assert.deepEqual([c.A, c.B, c.C, c.D, c.T], [2, 0, 1, 0, 2]);
  const x = await fetch(`${srv.url}/api/v1/land/evaluations/${evals.thresholds.id}/export`,
    { headers: { Authorization: `Bearer ${tokens.leader1}` } });
  assert.equal(x.status, 200);
  assert.match(x.headers.get('content-type'), /spreadsheetml/);
  const buf = Buffer.from(await x.arrayBuffer());
  assert.equal(buf.subarray(0, 2).toString(), 'PK');
});

test('publication, objections with files, decision and finalization; an enterprise cannot reach another\'s rows', async () => {
  const id = evals.thresholds.id;
  // an objection before publication: nothing of its own published
  assertError(await as.ent2.post(`/api/v1/land/evaluations/${id}/objections`, { text: '异议' }), 404, 'not_found');
  assertError(await as.admin.post(`/api/v1/land/evaluations/${id}/finalize`), 409, 'bad_state');
  assertError(await as.land1.post(`/api/v1/land/evaluations/${id}/publish`, { days: 0 }), 422, 'invalid_parameter', 'days');
  let r = await as.land1.post(`/api/v1/land/evaluations/${id}/publish`, { days: 7 });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.state, 'published');
  assert.equal(r.json.publish_until, '2026-03-08');
  assertError(await as.land1.post(`/api/v1/land/evaluations/${id}/publish`, {}), 409, 'bad_state');
  r = await as.admin.post(`/api/v1/land/evaluations/${id}/finalize`);
  assertError(r, 409, 'publication_running');
  assert.equal(r.json.error.params.until, '2026-03-08');

  // ent2 (E2, class C) objects; text required; a second is a conflict
  assertError(await as.ent2.post(`/api/v1/land/evaluations/${id}/objections`, { text: '  ' }), 422, 'invalid_parameter', 'text');
  r = await as.ent2.post(`/api/v1/land/evaluations/${id}/objections`, { text: '我司部分用地已退还园区，请按实际面积核算。' });
  assert.equal(r.status, 201, r.text);
  const obj = r.json;
  assert.equal(obj.state, 'open');
  assert.equal(obj.class, 'C');
  assert.equal(obj.enterprise_id, ent.E2);
  assert.equal(obj.year, 2025);
  assertError(await as.ent2.post(`/api/v1/land/evaluations/${id}/objections`, { text: '再次' }), 409, 'conflict');
  // an objection on a draft evaluation (its result is not published): 404
  assertError(await as.ent2.post(`/api/v1/land/evaluations/${evals.shares.id}/objections`, { text: 'x' }), 404, 'not_found');
  assertError(await as.admin.post(`/api/v1/land/evaluations/${id}/objections`, { text: 'x' }), 403, 'forbidden');

  // files: raw body, named by ?filename=, the same bytes back
  const bytes = Buffer.from([0x25, 0x50, 0x44, 0x46, 0x00, 0xff, 0x10, 0x80, 0x0a]);
  const up = (who, oid, name, body) => fetch(`${srv.url}/api/v1/land/objections/${oid}/files?filename=${encodeURIComponent(name)}`,
    { method: 'POST', headers: { Authorization: `Bearer ${tokens[who]}`, 'Content-Type': 'application/octet-stream' }, body });
  let f = await up('ent2', obj.id, '交接确认单.pdf', bytes);
  assert.equal(f.status, 201);
  const file = await f.json();
  assert.deepEqual({ ...file, id: 0 }, { id: 0, name: '交接确认单.pdf', size: bytes.length, mime: 'application/pdf' });
  const down = async (who, oid, fid) => fetch(`${srv.url}/api/v1/land/objections/${oid}/files/${fid}`,
    { headers: { Authorization: `Bearer ${tokens[who]}` } });
  for (const who of ['ent2', 'land1', 'leader1']) {
    const d = await down(who, obj.id, file.id);
    assert.equal(d.status, 200, who);
    assert.deepEqual(Buffer.from(await d.arrayBuffer()), bytes, who);
  }
  assert.equal((await up('ent2', obj.id, '', bytes)).status, 422);
  // a large file goes to a temporary file on the server first (over 256 KiB): the same bytes back
  const big = Buffer.alloc(1 << 20);
  for (let i = 0; i < big.length; i++) big[i] = (i * 7919) & 0xff;
  f = await up('ent2', obj.id, '附件2.png', big);
  assert.equal(f.status, 201);
  const bigFile = await f.json();
  assert.equal(bigFile.size, big.length);
  assert.deepEqual(Buffer.from(await (await down('land1', obj.id, bigFile.id)).arrayBuffer()), big);
  for (let i = 3; i <= 5; i++) assert.equal((await up('ent2', obj.id, `附件${i}.png`, bytes)).status, 201);
  f = await up('ent2', obj.id, '附件6.png', bytes);
  assert.equal(f.status, 422);
  assert.equal((await f.json()).error.code, 'too_many_files');
  f = await up('ent2', obj.id, 'big.bin', Buffer.alloc((10 << 20) + 1));
  assert.equal(f.status, 413);

  // ent1 (E1) tries every route on ent2's rows
  const e1 = as.ent1;
  assertError(await e1.get(`/api/v1/land/objections/${obj.id}`), 404, 'not_found');
  assert.equal((await down('ent1', obj.id, file.id)).status, 404);
  assert.equal((await up('ent1', obj.id, 'x.pdf', bytes)).status, 404);
  assertError(await e1.get(`/api/v1/land/enterprises/${ent.E2}`), 404, 'not_found');
  r = await e1.get('/api/v1/land/objections');
  assert.equal(r.status, 200);
  assert.deepEqual(r.json.items, []);
  r = await e1.get(`/api/v1/land/objections?evaluation_id=${id}`);
  assert.deepEqual(r.json.items, []);
  assertError(await e1.get(`/api/v1/land/evaluations/${id}`), 403, 'forbidden');
  assertError(await e1.post(`/api/v1/land/objections/${obj.id}/decision`, { decision: 'rejected' }), 403, 'forbidden');
  // ent1 objecting on E2's behalf is impossible: it objects to its own result only
  r = await e1.post(`/api/v1/land/evaluations/${id}/objections`, { text: '关于E1' });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.enterprise_id, ent.E1);
  const obj1 = r.json;
  r = await as.ent2.get('/api/v1/land/objections');
  assert.deepEqual(r.json.items.map((o) => o.id), [obj.id]);
  assert.equal(r.json.items[0].files.length, 5);
  assertError(await as.ent2.get(`/api/v1/land/objections/${obj1.id}`), 404, 'not_found');
  r = await as.land1.get(`/api/v1/land/objections?evaluation_id=${id}&state=open`);
  assert.deepEqual(r.json.items.map((o) => o.id).sort(), [obj.id, obj1.id].sort());

  // the card: its own, with the objection
  r = await as.ent2.get(`/api/v1/land/enterprises/${ent.E2}`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.enterprise.land_mu, 20);
  assert.equal(r.json.enterprise.land_source, 'registry');
  assert.equal(r.json.years.length, 1);
  assert.equal(r.json.years[0].class, 'C');
  assert.equal(r.json.years[0].rank, 3);
  assert.equal(r.json.years[0].of, 4);
  assert.equal(r.json.years[0].objection.id, obj.id);

  // decisions
  r = await as.admin.post(`/api/v1/land/evaluations/${id}/finalize`);
  assertError(r, 409, 'objections_open');
  assert.equal(r.json.error.params.count, '2');
  assertError(await as.market1.post(`/api/v1/land/objections/${obj.id}/decision`, { decision: 'rejected' }), 403, 'forbidden');
  assertError(await as.land1.post(`/api/v1/land/objections/${obj.id}/decision`, { decision: 'upheld' }), 422, 'invalid_parameter', 'new_class');
  assertError(await as.land1.post(`/api/v1/land/objections/${obj.id}/decision`, { decision: 'maybe' }), 422, 'invalid_parameter', 'decision');
  r = await as.land1.post(`/api/v1/land/objections/${obj.id}/decision`, { decision: 'upheld', new_class: 'B', note: '核减已退还用地后为B类' });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.state, 'upheld');
  assert.equal(r.json.new_class, 'B');
  assertError(await as.land1.post(`/api/v1/land/objections/${obj.id}/decision`, { decision: 'rejected' }), 409, 'bad_state');
  r = await as.admin.post(`/api/v1/land/objections/${obj1.id}/decision`, { decision: 'rejected', note: '无依据' });
  assert.equal(r.status, 200, r.text);
  // files only while the objection is open
  assert.equal((await up('ent2', obj.id, 'late.pdf', bytes)).status, 409);
  assertError(await as.admin.post(`/api/v1/land/evaluations/${id}/finalize`), 409, 'publication_running');

  // after the publication
  await serve('2026-03-20');
  assertError(await as.ent1.post(`/api/v1/land/evaluations/${id}/objections`, { text: '晚了' }), 409, 'not_open');
  r = await as.land1.post(`/api/v1/land/evaluations/${id}/finalize`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.state, 'final');
  const finals = Object.fromEntries(r.json.results.map((x) => [x.enterprise_id, x.final_class]));
  assert.deepEqual([finals[ent.E3], finals[ent.E1], finals[ent.E2], finals[ent.E4], finals[ent.E5]], ['A', 'A', 'B', 'D', 'T']);
  assertError(await as.land1.post(`/api/v1/land/evaluations/${id}/finalize`), 409, 'bad_state');
  r = await as.ent2.get(`/api/v1/land/enterprises/${ent.E2}`);
  assert.equal(r.json.years[0].final_class, 'B');
  assert.equal(r.json.years[0].state, 'final');
  assert.equal(r.json.years[0].objection.state, 'upheld');
});

test('a publication that ended takes no objection (409 not_open)', async () => {
  const r = await as.admin.post('/api/v1/land/evaluations', { year: 2025, preset: 'zhejiang', benchmarks: BENCH });
  assert.equal(r.status, 201, r.text);
  const p = await as.admin.post(`/api/v1/land/evaluations/${r.json.id}/publish`, { days: 1 });
  assert.equal(p.json.publish_until, '2026-03-21');
  await serve('2026-03-22');
  const o = await as.ent2.post(`/api/v1/land/evaluations/${r.json.id}/objections`, { text: '异议' });
  assertError(o, 409, 'not_open');
  assert.equal(o.json.error.params.until, '2026-03-21');
});

test('measures: the surcharge after a final year in class D, and its XLSX', async () => {
  const r = await as.leader1.get('/api/v1/land/measures?year=2025');
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json.rates, [{ years: 1, surcharge: 0.05 }, { years: 2, surcharge: 0.1 }, { years: 3, surcharge: 0.15 }]);
  assert.deepEqual(r.json.items.map((i) => [i.enterprise_id, i.years_in_d, i.surcharge]), [[ent.E4, 1, 0.05]]);
  assert.equal(r.json.items[0].street, '西区');
  assert.deepEqual((await as.leader1.get('/api/v1/land/measures?year=2024')).json.items, []);
  const card = await as.admin.get(`/api/v1/land/enterprises/${ent.E4}`);
  assert.deepEqual(card.json.measures, [{ year: 2025, years_in_d: 1, surcharge: 0.05 }]);
  const x = await fetch(`${srv.url}/api/v1/land/measures/export?year=2025`, { headers: { Authorization: `Bearer ${tokens.land1}` } });
  assert.equal(x.status, 200);
  assert.match(x.headers.get('content-type'), /spreadsheetml/);
  assert.match(decodeURIComponent(x.headers.get('content-disposition')), /差别化电价-2025\.xlsx/);
});

test('land from plots: the sum of the plot_users areas; the plots of an evaluation; low-efficiency land', async () => {
  const now = 1772326800;
  sql(`INSERT INTO plots (code, name, area_mu, status, created_at, updated_at) VALUES ('T-1', '测试一号', 200000, 'in_use', ${now}, ${now}),` +
      ` ('T-2', '测试二号', 50000, 'idle', ${now}, ${now})`);
  const p1 = sql("SELECT id FROM plots WHERE code = 'T-1'");
  sql(`INSERT INTO plot_users (plot_id, enterprise_id, area_mu) VALUES (${p1}, ${ent.E4}, 160000)`);
  // E4 on 16 mu: tax 32 / 16 = 2 (x0.2: 6), va 10 (x0.1: 2), the rest as before (10 + 4 + 5 + 2) = 29
  let r = await as.admin.post('/api/v1/land/evaluations', { year: 2025, preset: 'zhejiang', benchmarks: BENCH,
    classing: { mode: 'thresholds', A: 80, B: 60, C: 40 } });
  assert.equal(r.status, 201, r.text);
  const e4 = r.json.results.find((x) => x.enterprise_id === ent.E4);
  assert.equal(e4.land_mu, 16);
  assert.equal(e4.land_source, 'plots');
  assert.equal(e4.indicators.tax_per_mu.value, 2);
  assert.equal(e4.score, 29);
  assert.equal(e4.class, 'D');
  const plots = await as.leader1.get(`/api/v1/land/evaluations/${r.json.id}/plots`);
  assert.equal(plots.status, 200, plots.text);
  const t1 = plots.json.items.find((p) => p.code === 'T-1');
  assert.equal(t1.class, 'D');
  assert.equal(t1.d_share, 1);
  assert.deepEqual(t1.users, [{ enterprise_id: ent.E4, name: '亩均测试E4有限公司', area_mu: 16, class: 'D' }]);
  const low = await as.leader1.get(`/api/v1/land/low-efficiency?evaluation_id=${r.json.id}`);
  assert.equal(low.status, 200, low.text);
  assert.deepEqual(low.json.items.map((p) => [p.code, p.why]), [['T-1', 'class_d'], ['T-2', 'idle']]);
  assert.equal(low.json.count, 2);
  assert.equal(low.json.area_mu, 25);
  const card = await as.admin.get(`/api/v1/land/enterprises/${ent.E4}`);
  assert.deepEqual(card.json.plots, [{ plot_id: Number(p1), code: 'T-1', name: '测试一号', area_mu: 16, status: 'in_use' }]);
  assert.equal(card.json.enterprise.land_source, 'plots');
  assert.equal(card.json.project, null);
  // by default the latest published or final evaluation (E4 was C there, on its 8 mu): only the idle plot
  const dflt = await as.leader1.get('/api/v1/land/low-efficiency');
  assert.deepEqual(dflt.json.items.map((p) => [p.code, p.why]), [['T-2', 'idle']]);
  const x = await fetch(`${srv.url}/api/v1/land/low-efficiency/export`, { headers: { Authorization: `Bearer ${tokens.admin}` } });
  assert.equal(x.status, 200);
  assert.match(x.headers.get('content-type'), /spreadsheetml/);
});
