// End-to-end: 一企一档 (issue 14) -- an enterprise's development plans and
// the policy push they drive.  One server on the store under test:
//
//   E1 (officer1)  near the IPO reward: listed[Y] = 0, revenue[Y-1] = 8000
//   E2 (officer1)  a visit records two plans: 企业上市 in Y+1, 技术改造 this year;
//                  no facts (the reward's condition is unknown for it)
//   E3 (officer2)  nothing
//
// 企业上市奖励 (plans ["企业上市"]), condition `listed and revenue[year-1] >= 5000`,
// pushed for Y: E2 first (its plan is the reason, named in the message),
// then E1 (one clause short); E3 not at all.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { Client, adminServer } from './lib.mjs';

let S, admin;
const users = {};
const ent = {};
const PW = 'plans-test-pass-1';
const today = new Date(Date.now() + 8 * 3600e3).toISOString().slice(0, 10);   // zone time (UTC+8)
const Y = Number(today.slice(0, 4));
let visitId;

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
  const c16 = '91320691P' + String(n).padStart(7, '0');
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
const count = (table) => Number(sql(`SELECT count(*) FROM ${table}`));

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

const IPO = {
  code: 'ipo-reward', name: '企业上市奖励', tags: ['上市'], plans: ['企业上市'],
  condition: 'listed and revenue[year-1] >= 5000', benefit: '200',
  cases: [{ name: '已上市', year: 2025, facts: { 'listed[2025]': 1, 'revenue[2024]': 8000 }, expect: { result: true, amount: 200 } }],
};

before(async () => {
  S = await adminServer();
  users.admin = {};
  admin = await as('admin');
  assert.equal((await admin.post('/api/v1/streets', { name: '东区' })).status, 201);
  const addUser = async (u, role, extra = {}) => {
    const r = await admin.post('/api/v1/users', { username: u, password: PW, role, ...extra });
    assert.equal(r.status, 201, r.text);
    users[u] = { id: r.json.id };
  };
  for (const [u, role] of [['officer1', 'officer'], ['officer2', 'officer'], ['leader1', 'leader'], ['stat1', 'statistician']])
    await addUser(u, role);
  let n = 8100;
  for (const [e, off] of [['E1', 'officer1'], ['E2', 'officer1'], ['E3', 'officer2']]) {
    const r = await admin.post('/api/v1/enterprises', { credit_code: creditCode(n++), name: `计划测试${e}有限公司`,
      street: '东区', officer_id: users[off].id });
    assert.equal(r.status, 201, r.text);
    ent[e] = r.json.id;
  }
  await addUser('ent1', 'enterprise', { enterprise_id: ent.E1 });
  await addUser('ent2', 'enterprise', { enterprise_id: ent.E2 });
  sql(`INSERT INTO facts (enterprise_id, year, fact, value, updated_at) VALUES (${ent.E1}, ${Y}, 'listed', 0, 0),` +
      ` (${ent.E1}, ${Y - 1}, 'revenue', 80000000, 0)`);
});

after(async () => { await S.close(); });

test('the plan categories: six seeded, an admin adds one, a duplicate or empty name is refused', async () => {
  const g = await (await as('officer1')).get('/api/v1/plan-categories');
  assert.equal(g.status, 200, g.text);
  assert.deepEqual(g.json.items.map((c) => c.name), ['技术改造', '产品升级', '科技创新', '企业上市', '市场拓展', '人才引进']);
  assert.equal(g.json.items[3].name_en, 'Stock listing');
  const add = await admin.post('/api/v1/plan-categories', { name: '数字化转型', name_en: 'Digital transformation' });
  assert.equal(add.status, 201, add.text);
  assert.deepEqual(add.json.items.at(-1), { name: '数字化转型', name_en: 'Digital transformation', sort: 7 });
  assertError(await admin.post('/api/v1/plan-categories', { name: '数字化转型' }), 422, 'duplicate', 'name');
  assertError(await admin.post('/api/v1/plan-categories', { name: '  ' }), 422, 'required', 'name');
  assertError(await (await as('officer1')).post('/api/v1/plan-categories', { name: '其他' }), 403, 'forbidden');
  assert.equal(count('plan_categories'), 7);
});

test('a visit records two plans; the enterprise file shows them with the visit', async () => {
  const o1 = await as('officer1');
  const r = await o1.post('/api/v1/visits', {
    enterprise_id: ent.E2, visited_on: today, people_met: '董事长', notes: '了解企业发展计划',
    plans: [
      { category: '企业上市', description: '拟申报创业板，已完成股改', horizon: '1_3_years', year: Y + 1 },
      { category: '技术改造', description: '新建两条智能化生产线', horizon: 'this_year', amount_wan: 3500 },
    ],
  });
  assert.equal(r.status, 201, r.text);
  visitId = r.json.id;
  assert.deepEqual(r.json.plans.map((p) => [p.category, p.year, p.amount_wan, p.visit_id]),
    [['企业上市', Y + 1, null, visitId], ['技术改造', Y, 3500, visitId]]);
  for (const who of ['officer1', 'officer2', 'leader1', 'stat1', 'admin']) {
    const g = await (await as(who)).get(`/api/v1/enterprises/${ent.E2}/plans`);
    assert.equal(g.status, 200, `${who}: ${g.text}`);
    assert.deepEqual(g.json.items.map((p) => [p.category, p.horizon, p.year, p.visit_id, p.visited_on]),
      [['技术改造', 'this_year', Y, visitId, today], ['企业上市', '1_3_years', Y + 1, visitId, today]], who);
  }
  const v = await o1.get(`/api/v1/visits/${visitId}`);
  assert.equal(v.json.plans.length, 2);
});

test('the enterprise reads and corrects its own plans, never another\'s', async () => {
  const e2 = await as('ent2');
  const mine = await e2.get(`/api/v1/enterprises/${ent.E2}/plans`);
  assert.equal(mine.status, 200, mine.text);
  const tech = mine.json.items.find((p) => p.category === '技术改造');
  const p = await e2.patch(`/api/v1/enterprises/${ent.E2}/plans/${tech.id}`, { amount_wan: 4200, description: '新建三条智能化生产线' });
  assert.equal(p.status, 200, p.text);
  assert.equal(p.json.amount_wan, 4200);
  assert.equal(p.json.description, '新建三条智能化生产线');
  assert.equal(p.json.category, '技术改造');
  assertError(await e2.get(`/api/v1/enterprises/${ent.E1}/plans`), 404, 'not_found');
  assertError(await e2.post(`/api/v1/enterprises/${ent.E1}/plans`, { category: '人才引进', horizon: 'this_year' }), 404, 'not_found');
  assertError(await e2.patch(`/api/v1/enterprises/${ent.E1}/plans/${tech.id}`, { amount_wan: 1 }), 404, 'not_found');
  assertError(await (await as('ent1')).patch(`/api/v1/enterprises/${ent.E1}/plans/${tech.id}`, { amount_wan: 1 }), 404, 'not_found');
  assertError(await e2.get(`/api/v1/enterprises/${ent.E1}/policies`), 404, 'not_found');
  // an officer edits only the enterprises it serves
  assertError(await (await as('officer2')).post(`/api/v1/enterprises/${ent.E2}/plans`,
    { category: '人才引进', horizon: 'this_year' }), 403, 'forbidden');
  assertError(await (await as('stat1')).post(`/api/v1/enterprises/${ent.E2}/plans`,
    { category: '人才引进', horizon: 'this_year' }), 403);
  // the enterprise adds one and removes it
  const add = await e2.post(`/api/v1/enterprises/${ent.E2}/plans`, { category: '人才引进', description: '引进博士2名', horizon: '1_3_years' });
  assert.equal(add.status, 201, add.text);
  assert.equal(add.json.year, Y + 1);
  assert.equal(add.json.visit_id, null);
  const del = await e2.del(`/api/v1/enterprises/${ent.E2}/plans/${add.json.id}`);
  assert.equal(del.status, 204, del.text);
  assertError(await e2.del(`/api/v1/enterprises/${ent.E2}/plans/${add.json.id}`), 404, 'not_found');
  assert.equal((await e2.get(`/api/v1/enterprises/${ent.E2}/plans`)).json.items.length, 2);
});

test('bad input names the field and stores nothing', async () => {
  const o1 = await as('officer1');
  const plans0 = count('enterprise_plans'), visits0 = count('visits');
  const base = { category: '企业上市', description: 'x', horizon: 'this_year' };
  const cases = [
    [{ ...base, category: '造火箭' }, 'unknown_category', 'category'],
    [{ ...base, category: '' }, 'required', 'category'],
    [{ ...base, horizon: 'someday' }, 'invalid', 'horizon'],
    [{ ...base, year: Y + 6 }, 'invalid_year', 'year'],
    [{ ...base, year: Y - 2 }, 'invalid_year', 'year'],
    [{ ...base, amount_wan: -5 }, 'negative_amount', 'amount_wan'],
    [{ ...base, amount_wan: 1.5 }, 'invalid_type', 'amount_wan'],
    [{ ...base, colour: 'red' }, 'unknown_field', 'colour'],
  ];
  for (const [body, code, field] of cases) {
    assertError(await o1.post(`/api/v1/enterprises/${ent.E2}/plans`, body), 422, code, field);
    // the same plan in a visit: the visit is not stored either
    if (code !== 'invalid_type')
      assertError(await o1.post('/api/v1/visits', { enterprise_id: ent.E2, visited_on: today,
        problems: [{ category: 'finance', title: '融资难', description: '需要贷款' }], plans: [base, body] }),
      422, code, `plans[1].${field}`);
  }
  const tech = (await o1.get(`/api/v1/enterprises/${ent.E2}/plans`)).json.items[0];
  assertError(await o1.patch(`/api/v1/enterprises/${ent.E2}/plans/${tech.id}`, { year: Y + 9 }), 422, 'invalid_year', 'year');
  assertError(await o1.patch(`/api/v1/enterprises/${ent.E2}/plans/${tech.id}`, { category: '造火箭' }), 422, 'unknown_category', 'category');
  assertError(await o1.patch(`/api/v1/enterprises/${ent.E2}/plans/999999`, { year: Y }), 404, 'not_found');
  assert.equal(count('enterprise_plans'), plans0);
  assert.equal(count('visits'), visits0);
  assert.equal(count('requests'), 0);
  // a policy's plans: names of categories
  const bad = await admin.post('/api/v1/policies', { ...IPO, code: 'ipo-bad', plans: ['企业上市', '造火箭'] });
  assertError(bad, 422, 'unknown_category', 'plans[1]');
  assert.equal(Number(sql("SELECT count(*) FROM policies WHERE code = 'ipo-bad'")), 0);
});

test('an IPO policy pushes first to the enterprise that plans it, and the message names the plan', async () => {
  const c = await admin.post('/api/v1/policies', IPO);
  assert.equal(c.status, 201, c.text);
  assert.deepEqual(c.json.plans, ['企业上市']);
  assertError(await admin.patch(`/api/v1/policies/${c.json.id}`, { plans: ['造火箭'] }), 422, 'unknown_category', 'plans[0]');
  assert.deepEqual((await admin.get(`/api/v1/policies/${c.json.id}`)).json.plans, ['企业上市']);
  assert.equal((await admin.post(`/api/v1/policies/${c.json.id}/publish`)).status, 200);
  const push = await admin.post(`/api/v1/policies/${c.json.id}/push`, { year: Y });
  assert.equal(push.status, 200, push.text);
  assert.equal(push.json.pushed, 2, push.text);
  assert.equal(push.json.with_plan, 1, push.text);
  const inbox = await (await as('ent2')).get('/api/v1/inbox');
  const item = inbox.json.items.find((x) => x.kind === 'push');
  assert.ok(item, inbox.text);
  assert.equal(item.body.plan.zh, `你企计划${Y + 1}年上市，可关注「企业上市奖励」。`);
  assert.equal(item.body.plan.en, `Your company plans to go public in ${Y + 1}: “企业上市奖励” may be for you.`);
  assert.equal(item.body.plan.category, '企业上市');
  // the near one: its clause, no plan
  const e1 = (await (await as('ent1')).get('/api/v1/inbox')).json.items.find((x) => x.kind === 'push');
  assert.equal(e1.body.plan, undefined);
  assert.ok(e1.body.clause.text.startsWith('listed'), JSON.stringify(e1.body));
  // first: E2's message was stored before E1's
  assert.ok(Number(item.id) < Number(e1.id), `${item.id} ${e1.id}`);
  // the staff read it in the file
  const pol = await (await as('officer1')).get(`/api/v1/enterprises/${ent.E2}/policies`);
  assert.equal(pol.status, 200, pol.text);
  assert.equal(pol.json.items[0].policy_code, 'ipo-reward');
  assert.equal(pol.json.items[0].body.plan.year, Y + 1);
  assert.equal((await (await as('officer1')).get(`/api/v1/enterprises/${ent.E3}/policies`)).json.items.length, 0);
});
