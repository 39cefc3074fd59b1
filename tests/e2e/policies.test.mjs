// End-to-end: policies without application (免审即享) and policy push
// (政策推送), issue 10.  One server on the store under test with a small
// registry whose yearly facts are written straight into the facts table,
// so that every match and explanation below is computed by hand:
//
//   研发费用补助 (docs/rules.md §11), evaluated for 2025 (facts of 2024):
//     condition rd_spending[year-1] >= 100 and rd_spending[year-1] / revenue[year-1] >= 0.03
//               and tax_paid[year-1] > 0
//     benefit   min(rd_spending[year-1] * 0.1, 200)
//   E1 rd 850.5  revenue 12000 tax 300  -> eligible, 850.5 × 0.1 = 85.05
//   E2 rd 100.05 revenue 1000  tax 10   -> eligible, 10.005 -> 10.01 (half away from zero)
//   E3 rd 120    revenue 8000  tax 50   -> near: 120 ÷ 8000 = 0.015 < 0.03, the only false clause
//   E4 rd 200    (no revenue)  tax 20   -> unknown: revenue[2024] missing
//   E5 rd 50     revenue 100   tax 0    -> not eligible, two clauses false: 50 ≥ 100, 0 > 0
//   E6 no facts                         -> unknown: the three facts missing
//   total 85.05 + 10.01 = 95.06
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { Client, adminServer, cli, startServer } from './lib.mjs';

let S, admin;
const users = {};
const ent = {};       // E1..E6 -> enterprise id
const PW = 'policy-test-pass-1';

// ------------------------------------------------------------ helpers

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

function sql(statement) {
  const url = S.db.url;
  const r = url.startsWith('sqlite:')
    ? spawnSync('sqlite3', ['-cmd', '.timeout 5000', url.slice(7), statement], { encoding: 'utf8' })
    : spawnSync('psql', [url, '-q', '-At', '-v', 'ON_ERROR_STOP=1', '-c', statement], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error('sql failed: ' + r.stderr);
  return r.stdout.trim();
}

// facts as {E1: {'rd_spending[2024]': 850.5, ...}}: stored exactly, value x 10^4
function setFacts(facts) {
  const rows = [];
  for (const [e, fs] of Object.entries(facts))
    for (const [k, v] of Object.entries(fs)) {
      const m = /^(\w+)\[(\d{4})\]$/.exec(k);
      rows.push(`(${ent[e]}, ${m[2]}, '${m[1]}', ${Math.round(v * 10000)}, 0)`);
    }
  sql('INSERT INTO facts (enterprise_id, year, fact, value, updated_at) VALUES ' + rows.join(', ') +
      ' ON CONFLICT (enterprise_id, year, fact) DO UPDATE SET value = excluded.value');
}

async function as(name) {
  if (!users[name].client) {
    const c = new Client(S.srv.url);
    const r = await c.login(name, name === 'admin' ? S.password : PW);
    assert.equal(r.status, 200, r.text);
    users[name].client = c;
  }
  return users[name].client;
}

function assertError(r, status, code, field) {
  assert.equal(r.status, status, r.text);
  assert.ok(r.json && r.json.error, r.text);
  if (code) assert.equal(r.json.error.code, code, r.text);
  if (field !== undefined) assert.equal(r.json.error.field, field, r.text);
}

const RD = {
  code: 'rd-subsidy', name: '研发费用补助', tags: ['研发', '补贴'],
  summary: '上一年度研发投入不少于100万元、研发投入强度不低于3%、有纳税；补助研发投入的10%，最高200万元。',
  condition: 'rd_spending[year-1] >= 100 and rd_spending[year-1] / revenue[year-1] >= 0.03 and tax_paid[year-1] > 0',
  benefit: 'min(rd_spending[year-1] * 0.1, 200)',
  cases: [
    { name: '符合', year: 2025, facts: { 'rd_spending[2024]': 850.5, 'revenue[2024]': 12000, 'tax_paid[2024]': 300 },
      expect: { result: true, amount: 85.05 } },
    { name: '金额四舍五入', year: 2025, facts: { 'rd_spending[2024]': 100.05, 'revenue[2024]': 1000, 'tax_paid[2024]': 1 },
      expect: { result: true, amount: 10.01 } },
    { name: '强度不足', year: 2025, facts: { 'rd_spending[2024]': 120, 'revenue[2024]': 8000, 'tax_paid[2024]': 1 },
      expect: { result: false } },
    { name: '缺营业收入', year: 2025, facts: { 'rd_spending[2024]': 120, 'tax_paid[2024]': 1 }, expect: { result: null } },
  ],
};
const HIRE = {
  code: 'new-hire', name: '重点企业新增就业补贴', tags: ['就业', '补贴'],
  condition: 'key and new_employees[year-1] >= 10 and employees[year-1] >= 50',
  benefit: 'min(new_employees[year-1] * 0.3, 60)',
  cases: [
    { name: '新增25人', year: 2025, registry: { key: true }, facts: { 'new_employees[2024]': 25, 'employees[2024]': 80 },
      expect: { result: true, amount: 7.5 } },
    { name: '非重点企业', year: 2025, registry: { key: false },
      facts: { 'new_employees[2024]': 25, 'employees[2024]': 80 }, expect: { result: false } },
  ],
};
const EXPORT = {
  code: 'export-growth', name: '出口增长奖励', tags: ['外贸'],
  condition: 'exports[year-1] >= 100 and exports[year-1] >= exports[year-2] * 1.15',
  benefit: 'min((exports[year-1] - exports[year-2]) * 0.07, 100)',
  cases: [{ name: '增长38%', year: 2025, facts: { 'exports[2024]': 1380, 'exports[2023]': 1000 },
    expect: { result: true, amount: 26.6 } }],
};

async function createPublished(c, p) {
  const r = await c.post('/api/v1/policies', p);
  assert.equal(r.status, 201, r.text);
  const pub = await c.post(`/api/v1/policies/${r.json.id}/publish`);
  assert.equal(pub.status, 200, pub.text);
  return pub.json;
}

// ------------------------------------------------------------ setup

before(async () => {
  S = await adminServer();
  users.admin = {};
  admin = await as('admin');
  for (const s of ['东区', '西区'])
    assert.equal((await admin.post('/api/v1/streets', { name: s })).status, 201);
  const addUser = async (u, role, eid) => {
    const r = await admin.post('/api/v1/users', { username: u, password: PW, role, ...(eid ? { enterprise_id: eid } : {}) });
    assert.equal(r.status, 201, r.text);
    users[u] = { id: r.json.id };
  };
  for (const [u, role] of [['officer1', 'officer'], ['leader1', 'leader'], ['stat1', 'statistician']])
    await addUser(u, role);
  const regs = {
    E1: { street: '东区', key: true, industry: 'C2710', officer_id: users.officer1.id },
    E2: { street: '东区', key: false, industry: 'C3911' },
    E3: { street: '西区', key: false, industry: 'C2710' }, E4: { street: '西区', key: false },
    E5: { street: '西区', key: false }, E6: { street: '东区', key: false },
  };
  let n = 7100;
  for (const [e, reg] of Object.entries(regs)) {
    const r = await admin.post('/api/v1/enterprises', { credit_code: creditCode(n++), name: `政策测试${e}有限公司`, ...reg });
    assert.equal(r.status, 201, r.text);
    ent[e] = r.json.id;
  }
  for (const [u, e] of [['ent1', 'E1'], ['ent2', 'E2'], ['ent3', 'E3']])
    await addUser(u, 'enterprise', ent[e]);
  setFacts({
    E1: { 'rd_spending[2024]': 850.5, 'revenue[2024]': 12000, 'tax_paid[2024]': 300,
      'new_employees[2024]': 25, 'employees[2024]': 120, 'exports[2024]': 1380, 'exports[2023]': 1000 },
    E2: { 'rd_spending[2024]': 100.05, 'revenue[2024]': 1000, 'tax_paid[2024]': 10,
      'new_employees[2024]': 25, 'employees[2024]': 60, 'exports[2024]': 1100, 'exports[2023]': 1000 },
    E3: { 'rd_spending[2024]': 120, 'revenue[2024]': 8000, 'tax_paid[2024]': 50,
      'new_employees[2024]': 20, 'employees[2024]': 80, 'exports[2024]': 110, 'exports[2023]': 100 },
    E4: { 'rd_spending[2024]': 200, 'tax_paid[2024]': 20 },
    E5: { 'rd_spending[2024]': 50, 'revenue[2024]': 100, 'tax_paid[2024]': 0 },
  });
});

after(async () => { await S?.close(); });

// ------------------------------------------------------------ policies

test('a rule with a syntax error is answered 422 with line and column, and nothing is stored', async () => {
  const officer = await as('officer1');
  let r = await officer.post('/api/v1/policies', { ...RD, condition: 'employees > 100 and\n  tax_paid >' });
  assertError(r, 422, 'syntax', 'condition');
  assert.equal(r.json.error.line, 2);
  assert.equal(r.json.error.column, 13);
  assert.equal(r.json.error.params.expected, 'value');
  r = await officer.post('/api/v1/policies', { ...RD, benefit: 'min(rd_spending[year-1] * 0.1, 200' });
  assertError(r, 422, 'syntax', 'benefit');
  assert.equal(r.json.error.line, 1);
  assert.equal(r.json.error.column, 35);
  r = await officer.post('/api/v1/policies', { ...RD, condition: 'taxpaid > 0' });
  assertError(r, 422, 'syntax', 'condition');
  assert.equal(r.json.error.params.reason, 'unknown_fact');
  assert.equal(r.json.error.column, 1);
  assertError(await officer.post('/api/v1/policies', { ...RD, code: '' }), 422, 'required', 'code');
  assertError(await officer.post('/api/v1/policies', { ...RD, cases: [{ name: 'x', year: 2025 }] }), 422, 'invalid', 'cases');
  const list = await admin.get('/api/v1/policies');
  assert.equal(list.status, 200);
  assert.deepEqual(list.json.items, []);
});

let rd;   // the published R&D subsidy

test('create, read, test, publish: the policy as JSON with its plain words, cases and versions', async () => {
  const officer = await as('officer1');
  const r = await officer.post('/api/v1/policies', RD);
  assert.equal(r.status, 201, r.text);
  const p = r.json;
  assert.equal(p.code, 'rd-subsidy');
  assert.equal(p.version, 1);
  assert.equal(p.state, 'draft');
  assert.equal(p.published_at, null);
  assert.deepEqual(p.tags, ['研发', '补贴']);
  assert.equal(p.condition, RD.condition);
  assert.equal(p.cases.length, 4);
  assert.deepEqual(p.versions.map(v => [v.id, v.version, v.state]), [[p.id, 1, 'draft']]);
  assert.match(p.plain.zh.condition, /上一年度研发投入 ≥ 100万元/);
  assert.match(p.plain.en.condition, /R&D spending/);
  assert.equal(typeof p.plain.zh.benefit, 'string');
  assertError(await officer.post('/api/v1/policies', RD), 409, 'code_taken', 'code');

  // a draft is not in an enterprise's library
  const e1 = await as('ent1');
  assert.deepEqual((await e1.get('/api/v1/policies')).json.items, []);
  assertError(await e1.get(`/api/v1/policies/${p.id}`), 404);

  const t = await officer.post(`/api/v1/policies/${p.id}/test`);
  assert.equal(t.status, 200, t.text);
  assert.equal(t.json.passed, 4);
  assert.equal(t.json.failed, 0);
  const c0 = t.json.cases[0];
  assert.equal(c0.ok, true);
  assert.equal(c0.result, true);
  assert.equal(c0.amount, 85.05);
  assert.deepEqual(c0.clauses[1], { text: 'rd_spending[2024] / revenue[2024] >= 0.03',
    value: '(850.5 ÷ 12000 = 0.070875) ≥ 0.03', result: true });
  assert.deepEqual(t.json.cases[3].missing, ['revenue[2024]']);
  assert.equal(t.json.cases[1].amount, 10.01);

  const pub = await officer.post(`/api/v1/policies/${p.id}/publish`);
  assert.equal(pub.status, 200, pub.text);
  assert.equal(pub.json.state, 'published');
  assert.equal(typeof pub.json.published_at, 'number');
  assertError(await officer.post(`/api/v1/policies/${p.id}/publish`), 409, 'not_draft');
  rd = pub.json;

  const lib = await e1.get('/api/v1/policies');
  assert.deepEqual(lib.json.items.map(x => x.code), ['rd-subsidy']);
  assert.equal(lib.json.items[0].cases, undefined);
  assert.deepEqual(lib.json.tags.sort((a, b) => a.tag.localeCompare(b.tag)),
    [{ tag: '研发', count: 1 }, { tag: '补贴', count: 1 }].sort((a, b) => a.tag.localeCompare(b.tag)));
  assert.equal((await e1.get(`/api/v1/policies/${p.id}`)).status, 200);
});

test('publish runs the cases: a failing case is 422 cases_failed naming it, and the draft stays a draft', async () => {
  const officer = await as('officer1');
  const bad = { ...EXPORT, code: 'export-bad', cases: [...EXPORT.cases,
    { name: '错误的期望', year: 2025, facts: { 'exports[2024]': 1100, 'exports[2023]': 1000 }, expect: { result: true } }] };
  const r = await officer.post('/api/v1/policies', bad);
  assert.equal(r.status, 201, r.text);
  const pub = await officer.post(`/api/v1/policies/${r.json.id}/publish`);
  assertError(pub, 422, 'cases_failed');
  assert.equal(pub.json.error.params.failed, '1');
  assert.equal(pub.json.error.cases.length, 1);
  assert.equal(pub.json.error.cases[0].name, '错误的期望');
  assert.equal(pub.json.error.cases[0].result, false);
  assert.deepEqual(pub.json.error.cases[0].clauses[1],
    { text: 'exports[2024] >= exports[2023] * 1.15', value: '1100 ≥ (1000 × 1.15 = 1150)', result: false });
  assert.equal((await officer.get(`/api/v1/policies/${r.json.id}`)).json.state, 'draft');
  // the editor runs unsaved rules and cases
  const t = await officer.post(`/api/v1/policies/${r.json.id}/test`, { cases: EXPORT.cases });
  assert.equal(t.json.passed, 1);
  const t2 = await officer.post(`/api/v1/policies/${r.json.id}/test`, { condition: 'exports[year-1] >=' });
  assertError(t2, 422, 'syntax', 'condition');
});

test('a published version is never edited: PATCH makes version 2, publishing it supersedes version 1', async () => {
  const officer = await as('officer1');
  const r = await officer.patch(`/api/v1/policies/${rd.id}`, { summary: '修订：补助比例不变' });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.version, 2);
  assert.equal(r.json.state, 'draft');
  assert.equal(r.json.code, 'rd-subsidy');
  assert.notEqual(r.json.id, rd.id);
  assert.deepEqual(r.json.versions.map(v => [v.version, v.state]), [[1, 'published'], [2, 'draft']]);
  const v1 = await officer.get(`/api/v1/policies/${rd.id}`);
  assert.equal(v1.json.summary, RD.summary);
  assert.equal(v1.json.state, 'published');
  // a draft is edited in place; a syntax error stores nothing
  const d = await officer.patch(`/api/v1/policies/${r.json.id}`, { name: '研发费用补助（2025修订）' });
  assert.equal(d.status, 200, d.text);
  assert.equal(d.json.id, r.json.id);
  assertError(await officer.patch(`/api/v1/policies/${r.json.id}`, { benefit: 'min(' }), 422, 'syntax', 'benefit');
  assertError(await officer.patch(`/api/v1/policies/${r.json.id}`, { code: 'other' }), 422, 'invalid', 'code');
  const pub = await officer.post(`/api/v1/policies/${r.json.id}/publish`);
  assert.equal(pub.status, 200, pub.text);
  assert.deepEqual(pub.json.versions.map(v => [v.version, v.state]), [[1, 'superseded'], [2, 'published']]);
  assertError(await officer.patch(`/api/v1/policies/${rd.id}`, { name: 'x' }), 409, 'not_editable');
  // the library lists each code's newest version; ?state= filters
  const lib = await officer.get('/api/v1/policies?q=研发');
  assert.deepEqual(lib.json.items.map(x => [x.code, x.version]), [['rd-subsidy', 2]]);
  const sup = await officer.get('/api/v1/policies?state=superseded');
  assert.deepEqual(sup.json.items.map(x => x.id), [rd.id]);
  const e1 = await as('ent1');
  const ev = (await e1.get(`/api/v1/policies/${r.json.id}`)).json.versions;
  assert.deepEqual(ev.map(v => v.state), ['superseded', 'published']);
  rd = pub.json;
});

// ------------------------------------------------------------ match, explain

test('match: eligible with amounts and clauses, unknown with the missing facts, near with its clause', async () => {
  const m = await (await as('officer1')).get(`/api/v1/policies/${rd.id}/match?year=2025`);
  assert.equal(m.status, 200, m.text);
  assert.equal(m.json.year, 2025);
  assert.deepEqual(m.json.eligible.map(e => [e.enterprise_id, e.amount]), [[ent.E1, 85.05], [ent.E2, 10.01]]);
  const e1 = m.json.eligible[0];
  assert.equal(e1.name, '政策测试E1有限公司');
  assert.equal(e1.credit_code.length, 18);
  assert.deepEqual(e1.clauses, [
    { text: 'rd_spending[2024] >= 100', value: '850.5 ≥ 100', result: true },
    { text: 'rd_spending[2024] / revenue[2024] >= 0.03', value: '(850.5 ÷ 12000 = 0.070875) ≥ 0.03', result: true },
    { text: 'tax_paid[2024] > 0', value: '300 > 0', result: true },
  ]);
  assert.deepEqual(m.json.unknown.map(e => [e.enterprise_id, e.missing]), [
    [ent.E4, ['revenue[2024]']],
    [ent.E6, ['rd_spending[2024]', 'revenue[2024]', 'tax_paid[2024]']],
  ]);
  assert.deepEqual(m.json.near, [{ enterprise_id: ent.E3, credit_code: m.json.near[0].credit_code,
    name: '政策测试E3有限公司',
    clause: { text: 'rd_spending[2024] / revenue[2024] >= 0.03', value: '(120 ÷ 8000 = 0.015) ≥ 0.03', result: false } }]);
  assert.equal(m.json.totals.eligible, 2);
  assert.equal(m.json.totals.unknown, 2);
  assert.equal(m.json.totals.near, 1);
  assert.equal(m.json.totals.amount, 95.06);
  // another year: nothing known
  const m24 = await admin.get(`/api/v1/policies/${rd.id}/match?year=2024`);
  assert.equal(m24.json.totals.eligible, 0);
  assert.equal(m24.json.totals.unknown, 6);
  assertError(await admin.get(`/api/v1/policies/${rd.id}/match?year=1800`), 422);
});

test('explain: an ineligible enterprise names the failed clauses with its values, an unknown one the missing fact', async () => {
  const officer = await as('officer1');
  const x5 = await officer.get(`/api/v1/policies/${rd.id}/explain?enterprise_id=${ent.E5}&year=2025`);
  assert.equal(x5.status, 200, x5.text);
  assert.equal(x5.json.result, false);
  assert.equal(x5.json.amount, null);
  assert.deepEqual(x5.json.clauses, [
    { text: 'rd_spending[2024] >= 100', value: '50 ≥ 100', result: false },
    { text: 'rd_spending[2024] / revenue[2024] >= 0.03', value: '(50 ÷ 100 = 0.5) ≥ 0.03', result: true },
    { text: 'tax_paid[2024] > 0', value: '0 > 0', result: false },
  ]);
  assert.deepEqual(x5.json.missing, []);
  const x4 = await officer.get(`/api/v1/policies/${rd.id}/explain?enterprise_id=${ent.E4}&year=2025`);
  assert.equal(x4.json.result, null);
  assert.deepEqual(x4.json.missing, ['revenue[2024]']);
  assert.deepEqual(x4.json.clauses[1], { text: 'rd_spending[2024] / revenue[2024] >= 0.03',
    value: '(200 ÷ ? = ?) ≥ 0.03', result: null });
  const x2 = await officer.get(`/api/v1/policies/${rd.id}/explain?enterprise_id=${ent.E2}&year=2025`);
  assert.equal(x2.json.result, true);
  assert.equal(x2.json.amount, 10.01);
  assertError(await officer.get(`/api/v1/policies/${rd.id}/explain?enterprise_id=99999&year=2025`), 404);
  assertError(await officer.get(`/api/v1/policies/${rd.id}/explain?year=2025`), 422, 'required', 'enterprise_id');
  assertError(await (await as('ent1')).get(`/api/v1/policies/${rd.id}/explain?enterprise_id=${ent.E1}&year=2025`), 403);
});

test('CLI: zoneops policy match prints the counts and the total amount', () => {
  const r = cli(S.db.url, ['policy', 'match', 'rd-subsidy', '--year', '2025']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^eligible 2$/m);
  assert.match(r.stdout, /^near 1$/m);
  assert.match(r.stdout, /^unknown 2$/m);
  assert.match(r.stdout, /^not_eligible 2$/m);
  assert.match(r.stdout, /^amount 95\.06$/m);
  assert.equal(cli(S.db.url, ['policy', 'match', 'nope', '--year', '2025']).status, 1);
  assert.equal(cli(S.db.url, ['policy', 'match', 'rd-subsidy']).status, 2);
});

// ------------------------------------------------------------ batches

let batch1;

test('a batch grants the eligible once: a second batch of the same policy and year has nothing to grant', async () => {
  const officer = await as('officer1');
  const r = await officer.post(`/api/v1/policies/${rd.id}/batches`, { year: 2025 });
  assert.equal(r.status, 201, r.text);
  const b = r.json;
  assert.equal(b.policy_id, rd.id);
  assert.equal(b.policy_code, 'rd-subsidy');
  assert.equal(b.policy_name, rd.name);
  assert.equal(b.year, 2025);
  assert.equal(b.state, 'pending');
  assert.equal(b.approved_at, null);
  assert.deepEqual(b.counts, { granted: 2, confirmed: 0, declined: 0, paid: 0 });
  assert.equal(b.amount, 95.06);
  assert.deepEqual(b.items.map(i => [i.enterprise_id, i.amount, i.state, i.name]),
    [[ent.E1, 85.05, 'granted', '政策测试E1有限公司'], [ent.E2, 10.01, 'granted', '政策测试E2有限公司']]);
  batch1 = b;
  assertError(await officer.post(`/api/v1/policies/${rd.id}/batches`, { year: 2025 }), 409, 'nothing_to_grant');
  assertError(await officer.post(`/api/v1/policies/${rd.id}/batches`, {}), 422, 'required', 'year');
  // only a published version is granted
  const old = rd.versions.find(v => v.state === 'superseded');
  assertError(await officer.post(`/api/v1/policies/${old.id}/batches`, { year: 2025 }), 409, 'not_published');
  const list = await officer.get(`/api/v1/policies/${rd.id}/batches`);
  assert.deepEqual(list.json.items.map(x => [x.id, x.state]), [[b.id, 'pending']]);
  // nothing in an inbox before a leader approves
  assert.deepEqual((await (await as('ent1')).get('/api/v1/inbox')).json.items.filter(i => i.kind === 'grant'), []);
});

test('a leader approves; each enterprise confirms or declines its own grant only', async () => {
  assertError(await (await as('officer1')).post(`/api/v1/batches/${batch1.id}/approve`), 403);
  const leader = await as('leader1');
  const ap = await leader.post(`/api/v1/batches/${batch1.id}/approve`);
  assert.equal(ap.status, 200, ap.text);
  assert.equal(ap.json.state, 'approved');
  assert.equal(typeof ap.json.approved_at, 'number');
  assertError(await leader.post(`/api/v1/batches/${batch1.id}/approve`), 409, 'not_pending');

  const e1 = await as('ent1');
  const inbox = await e1.get('/api/v1/inbox');
  assert.equal(inbox.status, 200, inbox.text);
  const g = inbox.json.items.find(i => i.kind === 'grant');
  assert.equal(g.batch_id, batch1.id);
  assert.equal(g.policy_id, rd.id);
  assert.equal(g.policy_code, 'rd-subsidy');
  assert.equal(g.amount, 85.05);
  assert.equal(g.state, 'granted');
  assert.equal(g.read, false);
  assert.equal(g.body.policy_name, rd.name);
  assert.equal(g.body.year, 2025);
  assert.deepEqual(g.body.clauses[0], { text: 'rd_spending[2024] >= 100', value: '850.5 ≥ 100', result: true,
    plain: { zh: '2024年研发投入 ≥ 100万元', en: 'R&D spending (2024) ≥ 100 ×10k yuan' } });
  assert.equal(inbox.json.unread, 1);

  // someone else's grant: 404, whatever the action
  const e3 = await as('ent3');
  assertError(await e3.post(`/api/v1/inbox/${g.id}/confirm`), 404);
  assertError(await e3.post(`/api/v1/inbox/${g.id}/decline`, { reason: '不需要' }), 404);
  assertError(await e3.post(`/api/v1/inbox/${g.id}/read`), 404);
  assert.deepEqual((await e3.get('/api/v1/inbox')).json.items.filter(i => i.kind === 'grant'), []);
  // staff have no inbox
  assertError(await (await as('officer1')).get('/api/v1/inbox'), 403);
  assert.equal((await admin.get(`/api/v1/inbox?enterprise_id=${ent.E1}`)).json.unread, 1);

  assertError(await e1.post(`/api/v1/inbox/${g.id}/decline`, {}), 422, 'required', 'reason');
  const read = await e1.post(`/api/v1/inbox/${g.id}/read`);
  assert.equal(read.status, 200, read.text);
  assert.equal(read.json.unread, 0);
  const c = await e1.post(`/api/v1/inbox/${g.id}/confirm`);
  assert.equal(c.status, 200, c.text);
  assert.equal(c.json.items.find(i => i.id === g.id).state, 'confirmed');
  assertError(await e1.post(`/api/v1/inbox/${g.id}/confirm`), 409, 'not_open');
  assertError(await e1.post(`/api/v1/inbox/${g.id}/mute`), 409, 'not_a_push');

  const e2 = await as('ent2');
  const g2 = (await e2.get('/api/v1/inbox')).json.items.find(i => i.kind === 'grant');
  assert.equal(g2.amount, 10.01);
  const d = await e2.post(`/api/v1/inbox/${g2.id}/decline`, { reason: '本年度不申请' });
  assert.equal(d.status, 200, d.text);
  const b = await admin.get(`/api/v1/batches/${batch1.id}`);
  assert.deepEqual(b.json.counts, { granted: 0, confirmed: 1, declined: 1, paid: 0 });
  assert.equal(b.json.items.find(i => i.enterprise_id === ent.E2).reason, '本年度不申请');
});

test('paid: confirmed items only; the batch closes when none is left to confirm or pay; the workbook', async () => {
  const officer = await as('officer1');
  const b = (await officer.get(`/api/v1/batches/${batch1.id}`)).json;
  const i1 = b.items.find(i => i.enterprise_id === ent.E1), i2 = b.items.find(i => i.enterprise_id === ent.E2);
  const bad = await officer.post(`/api/v1/batches/${batch1.id}/paid`, { item_ids: [i1.id, i2.id] });
  assertError(bad, 409, 'not_confirmed', 'item_ids');
  assert.equal(bad.json.error.params.item_id, String(i2.id));
  assert.equal((await officer.get(`/api/v1/batches/${batch1.id}`)).json.counts.paid, 0);   // nothing changed
  // an item named twice: paid the first time, refused the second; an item of no batch; the first refused is named
  const twice = await officer.post(`/api/v1/batches/${batch1.id}/paid`, { item_ids: [i1.id, i1.id] });
  assertError(twice, 409, 'not_confirmed', 'item_ids');
  assert.equal(twice.json.error.params.item_id, String(i1.id));
  const none = await officer.post(`/api/v1/batches/${batch1.id}/paid`, { item_ids: [i1.id, 999999, i2.id] });
  assertError(none, 409, 'not_confirmed', 'item_ids');
  assert.equal(none.json.error.params.item_id, '999999');
  assert.equal((await officer.get(`/api/v1/batches/${batch1.id}`)).json.counts.paid, 0);   // still nothing
  assertError(await officer.post(`/api/v1/batches/${batch1.id}/paid`, { item_ids: [] }), 422, 'required', 'item_ids');
  const ok = await officer.post(`/api/v1/batches/${batch1.id}/paid`, { item_ids: [i1.id] });
  assert.equal(ok.status, 200, ok.text);
  assert.equal(ok.json.state, 'closed');
  assert.deepEqual(ok.json.counts, { granted: 0, confirmed: 0, declined: 1, paid: 1 });
  const x = await officer.get(`/api/v1/batches/${batch1.id}/export`);
  assert.equal(x.status, 200);
  assert.match(x.headers.get('content-type'), /spreadsheetml/);
  assert.match(x.headers.get('content-disposition'), /batch-\d+-rd-subsidy-2025\.xlsx/);
  assert.equal(x.text.slice(0, 2), 'PK');
  assertError(await officer.get('/api/v1/batches/999999/export'), 404);
  const e1 = await as('ent1');
  assert.equal((await e1.get('/api/v1/inbox')).json.items.find(i => i.kind === 'grant').state, 'paid');
});

test('a rejected batch frees its enterprises for a later batch; reject needs a reason', async () => {
  // E3 now meets the intensity clause: 400 ÷ 8000 = 0.05
  setFacts({ E3: { 'rd_spending[2024]': 400 } });
  const officer = await as('officer1'), leader = await as('leader1');
  const r = await officer.post(`/api/v1/policies/${rd.id}/batches`, { year: 2025 });
  assert.equal(r.status, 201, r.text);
  assert.deepEqual(r.json.items.map(i => [i.enterprise_id, i.amount]), [[ent.E3, 40]]);
  assertError(await leader.post(`/api/v1/batches/${r.json.id}/reject`, {}), 422, 'required', 'reason');
  const rej = await leader.post(`/api/v1/batches/${r.json.id}/reject`, { reason: '资金未到位' });
  assert.equal(rej.status, 200, rej.text);
  assert.equal(rej.json.state, 'rejected');
  assert.equal(rej.json.note, '资金未到位');
  assert.deepEqual(rej.json.items, []);
  assertError(await leader.post(`/api/v1/batches/${r.json.id}/approve`), 409, 'not_pending');
  const again = await officer.post(`/api/v1/policies/${rd.id}/batches`, { year: 2025 });
  assert.equal(again.status, 201, again.text);
  assert.deepEqual(again.json.items.map(i => i.enterprise_id), [ent.E3]);
  // E3's grant is not in an inbox: the batch is pending
  assert.deepEqual((await (await as('ent3')).get('/api/v1/inbox')).json.items.filter(i => i.kind === 'grant'), []);
});

test('concurrent batches of one policy and year never grant an enterprise twice', async () => {
  const officer = await as('officer1');
  const hire = await createPublished(officer, HIRE);
  // eligible for 2025: E1 only (the key enterprise); more key enterprises through the registry
  for (const e of ['E2', 'E3'])
    assert.equal((await admin.patch(`/api/v1/enterprises/${ent[e]}`, { key: true, officer_id: users.officer1.id })).status, 200);
  const m = await officer.get(`/api/v1/policies/${hire.id}/match?year=2025`);
  assert.equal(m.json.totals.eligible, 3);
  const answers = await Promise.all([1, 2, 3, 4, 5, 6].map(async () => {
    for (;;) {
      const r = await officer.post(`/api/v1/policies/${hire.id}/batches`, { year: 2025 });
      if (r.status !== 503) return r;
    }
  }));
  const made = answers.filter(r => r.status === 201);
  assert.ok(made.length >= 1);
  for (const r of answers) if (r.status !== 201) assertError(r, 409, 'nothing_to_grant');
  const granted = made.flatMap(r => r.json.items.map(i => i.enterprise_id)).sort();
  assert.deepEqual(granted, [ent.E1, ent.E2, ent.E3].sort());
  const rows = sql(`SELECT count(*) FROM policy_batch_items WHERE policy_code = 'new-hire' AND year = 2025`);
  assert.equal(rows, '3');
  // the unique key itself refuses a second item, whatever the batch
  assert.throws(() => sql(`INSERT INTO policy_batch_items (batch_id, policy_code, year, enterprise_id, amount)` +
    ` VALUES (${made[0].json.id}, 'new-hire', 2025, ${ent.E1}, 1)`));
  for (const r of made)
    assert.equal((await (await as('leader1')).post(`/api/v1/batches/${r.json.id}/reject`, { reason: '测试' })).status, 200);
  for (const e of ['E2', 'E3'])
    assert.equal((await admin.patch(`/api/v1/enterprises/${ent[e]}`, { key: false })).status, 200);
});

test('stats: amounts granted by policy and by street (approved and closed batches)', async () => {
  const s = await (await as('leader1')).get('/api/v1/policies/stats?year=2025');
  assert.equal(s.status, 200, s.text);
  assert.deepEqual(s.json.by_policy, [{ policy_id: rd.id, code: 'rd-subsidy', name: rd.name, granted: 2,
    amount: 85.05, confirmed: 1, paid: 1 }]);
  assert.deepEqual(s.json.by_street, [{ street: '东区', granted: 2, amount: 85.05 }]);
  assert.deepEqual((await admin.get('/api/v1/policies/stats?year=2024')).json.by_policy, []);
  assertError(await (await as('ent1')).get('/api/v1/policies/stats'), 403);
});

// ------------------------------------------------------------ push, inbox

test('push: near enterprises get the clause and its value; muted codes and the monthly cap are respected', async () => {
  const officer = await as('officer1');
  const hire = (await officer.get('/api/v1/policies?q=new-hire')).json.items[0];
  // new-hire for 2025: E2 (25 new, 60 staff) and E3 (20 new, 80 staff) miss only `key`
  const r = await officer.post(`/api/v1/policies/${hire.id}/push`, { year: 2025 });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json, { pushed: 2, skipped_muted: 0, skipped_cap: 0, skipped_already: 0, with_plan: 0 });
  const e2 = await as('ent2');
  const p = (await e2.get('/api/v1/inbox')).json.items.find(i => i.kind === 'push');
  assert.equal(p.policy_id, hire.id);
  assert.equal(p.policy_code, 'new-hire');
  assert.equal(p.title, HIRE.name);
  assert.equal(p.amount, null);
  assert.equal(p.state, 'open');
  assert.equal(p.body.policy_name, HIRE.name);
  assert.deepEqual(p.body.clause, { text: 'key', value: 'false', result: false });
  assert.match(p.body.plain.zh, /重点企业/);
  assert.match(p.body.plain.en, /key enterprise/);
  // the same code is not pushed twice in a month
  assert.deepEqual((await officer.post(`/api/v1/policies/${hire.id}/push`, { year: 2025 })).json,
    { pushed: 0, skipped_muted: 0, skipped_cap: 0, skipped_already: 2, with_plan: 0 });
  // mute, someone else's push, unmute
  assertError(await (await as('ent3')).post(`/api/v1/inbox/${p.id}/mute`), 404);
  const mu = await e2.post(`/api/v1/inbox/${p.id}/mute`);
  assert.equal(mu.status, 200, mu.text);
  assert.equal(mu.json.items.find(i => i.id === p.id).state, 'muted');
  sql(`UPDATE inbox SET month = '2000-01' WHERE kind = 'push'`);   // as if pushed in an earlier month
  assert.deepEqual((await officer.post(`/api/v1/policies/${hire.id}/push`, { year: 2025 })).json,
    { pushed: 1, skipped_muted: 1, skipped_cap: 0, skipped_already: 0, with_plan: 0 });
  const un = await e2.req('DELETE', `/api/v1/inbox/${p.id}/mute`, undefined, { 'X-CSRF-Token': e2.csrf });
  assert.equal(un.status, 200, un.text);
  assert.equal(un.json.items.find(i => i.id === p.id).state, 'open');

  // the cap: E3 has had one push this month; with a cap of 1 the export reward is held back
  assert.equal((await admin.patch('/api/v1/settings', { push_monthly_cap: '1' })).status, 200);
  assertError(await admin.patch('/api/v1/settings', { push_monthly_cap: '-1' }), 422);
  const exp = await createPublished(officer, EXPORT);
  // export-growth for 2025: E2 1100 vs 1000 and E3 110 vs 100 miss only the growth clause
  const r2 = await officer.post(`/api/v1/policies/${exp.id}/push`, { year: 2025 });
  assert.deepEqual(r2.json, { pushed: 1, skipped_muted: 0, skipped_cap: 1, skipped_already: 0, with_plan: 0 });
  const p2 = (await e2.get('/api/v1/inbox')).json.items.find(i => i.kind === 'push' && i.policy_code === 'export-growth');
  assert.deepEqual(p2.body.clause, { text: 'exports[2024] >= exports[2023] * 1.15', value: '1100 ≥ (1000 × 1.15 = 1150)',
    result: false });
  assert.equal((await admin.patch('/api/v1/settings', { push_monthly_cap: '2' })).status, 200);
  assertError(await (await as('ent1')).post(`/api/v1/policies/${exp.id}/push`, { year: 2025 }), 403);
  assertError(await officer.post(`/api/v1/policies/${exp.id}/push`, {}), 422, 'required', 'year');
});

test('push: the monthly cap counts calendar months in zone time (the clock of ZONEOPS_NOW)', async () => {
  // two more servers on the same database, their clocks 40 minutes apart
  // across the end of January in China (UTC+8): still 31 January in UTC
  const at = async (now) => {
    process.env.ZONEOPS_NOW = now;
    try { return await startServer(S.db.url); } finally { delete process.env.ZONEOPS_NOW; }
  };
  const jan = await at('2031-01-31T23:30:00'), feb = await at('2031-02-01T00:10:00');
  try {
    const login = async (srv) => { const c = new Client(srv.url); assert.equal((await c.login('officer1', PW)).status, 200); return c; };
    const oj = await login(jan), of = await login(feb);
    const exp = (await oj.get('/api/v1/policies?q=export-growth')).json.items[0];
    assert.equal((await admin.patch('/api/v1/settings', { push_monthly_cap: '1' })).status, 200);
    // E2 and E3 are near the export reward; in January 2031 they have had no push yet
    assert.deepEqual((await oj.post(`/api/v1/policies/${exp.id}/push`, { year: 2025 })).json,
      { pushed: 2, skipped_muted: 0, skipped_cap: 0, skipped_already: 0, with_plan: 0 });
    assert.deepEqual((await oj.post(`/api/v1/policies/${exp.id}/push`, { year: 2025 })).json,
      { pushed: 0, skipped_muted: 0, skipped_cap: 0, skipped_already: 2, with_plan: 0 });
    // 40 minutes later it is February in the zone: a new month, a new allowance
    assert.deepEqual((await of.post(`/api/v1/policies/${exp.id}/push`, { year: 2025 })).json,
      { pushed: 2, skipped_muted: 0, skipped_cap: 0, skipped_already: 0, with_plan: 0 });
    assert.deepEqual(sql(`SELECT month FROM inbox WHERE kind = 'push' AND month LIKE '2031%' ORDER BY month, id`).split('\n'),
      ['2031-01', '2031-01', '2031-02', '2031-02']);
  } finally {
    assert.equal((await admin.patch('/api/v1/settings', { push_monthly_cap: '2' })).status, 200);
    await jan.stop();
    await feb.stop();
  }
});

test('inbox: the updates of the enterprise\'s own requests, derived from their history, read one by one', async () => {
  const e1 = await as('ent1');
  const rq = await e1.post('/api/v1/requests', { category: 'labour', title: '招工难', description: '需要招聘对接' });
  assert.equal(rq.status, 201, rq.text);
  // a step someone else took (inserted: accepting needs a calendar)
  sql(`INSERT INTO request_events (request_id, at, user_id, username, action, from_status, to_status, detail)` +
      ` VALUES (${rq.json.id}, 4102444800, ${users.officer1.id}, 'officer1', 'accept', 'submitted', 'accepted', '{}')`);
  const inbox = await e1.get('/api/v1/inbox');
  const items = inbox.json.items.filter(i => i.kind === 'request');
  assert.equal(items.length, 1);   // the enterprise's own creation is not news
  const it = items[0];
  assert.match(it.id, /^request-\d+$/);
  assert.equal(it.request_id, rq.json.id);
  assert.equal(it.title, '招工难');
  assert.equal(it.state, 'accepted');
  assert.equal(it.body.action, 'accept');
  assert.equal(it.read, false);
  assert.equal(inbox.json.items[0].id, it.id);   // newest first
  assertError(await (await as('ent3')).post(`/api/v1/inbox/${it.id}/read`), 404);
  const r = await e1.post(`/api/v1/inbox/${it.id}/read`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.items.find(i => i.id === it.id).read, true);
  assertError(await e1.post('/api/v1/inbox/request-999999/read'), 404);
  assertError(await e1.post('/api/v1/inbox/abc/read'), 404);
});

test('permissions: who writes rules, approves and reads', async () => {
  const stat = await as('stat1'), e1 = await as('ent1'), leader = await as('leader1');
  assertError(await stat.post('/api/v1/policies', RD), 403);
  assertError(await leader.post('/api/v1/policies', RD), 403);
  assertError(await e1.get(`/api/v1/policies/${rd.id}/match?year=2025`), 403);
  assertError(await e1.post(`/api/v1/policies/${rd.id}/batches`, { year: 2025 }), 403);
  assert.equal((await stat.get(`/api/v1/policies/${rd.id}/match?year=2025`)).status, 200);
  assert.equal((await stat.get(`/api/v1/batches/${batch1.id}`)).status, 200);
  assertError(await stat.post(`/api/v1/batches/${batch1.id}/approve`), 403);
});
