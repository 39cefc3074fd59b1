// End-to-end: the service dashboard, GET /api/v1/service/stats.  On a fresh
// server the figures of a few visits and requests made through the API are
// checked exactly; on a --demo server the article's figures
// ("走访企业496家，协调解决问题560条") come out for 2021-10-15..2021-12-15.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { adminServer, Client, cli, freshDb, startServer, demoAdminPassword } from './lib.mjs';

let S, admin;
const street = {}, dept = {}, officer = {}, ent = {}, req = {};
const DAY = 86400e3;
const cnDate = t => new Date(t + 8 * 3600e3).toISOString().slice(0, 10);   // China time
const today = cnDate(Date.now());
const daysAgo = n => cnDate(Date.now() - n * DAY);

// unified social credit codes (GB 32100-2015) for the fixtures
const CC = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const CCW = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
const ORGW = [3, 7, 9, 10, 5, 8, 4, 2];
function creditCode(serial) {
  const body = String(serial).padStart(8, '0');
  const org = [...body].reduce((s, c, i) => s + parseInt(c, 36) * ORGW[i], 0);
  const oc = 11 - org % 11;
  const code17 = '91320691' + body + (oc === 10 ? 'X' : oc === 11 ? '0' : String(oc));
  const sum = [...code17].reduce((s, c, i) => s + CC.indexOf(c) * CCW[i], 0);
  return code17 + CC[(31 - sum % 31) % 31];
}

async function ok(p, what) {
  const r = await p;
  assert.ok(r.status >= 200 && r.status < 300, `${what}: ${r.status} ${r.text}`);
  return r.json;
}

function tokenClient(user) {
  const t = cli(S.db.url, ['token', 'create', '--user', user]);
  assert.equal(t.status, 0, t.stderr);
  return new Client(S.srv.url, t.stdout.trim());
}

before(async () => {
  S = await adminServer();
  admin = new Client(S.srv.url, S.token);
  for (const k of ['s1', 's2']) street[k] = (await ok(admin.post('/api/v1/streets', { name: `统计街道${k}` }), 'street')).id;
  for (const k of ['d1', 'd2']) dept[k] = (await ok(admin.post('/api/v1/departments', { name: `统计部门${k}` }), 'department')).id;
  for (const k of ['o1', 'o2'])
    officer[k] = (await ok(admin.post('/api/v1/users', { username: `officer-${k}`, display_name: `首席服务员${k}`,
      role: 'officer', password: 'password-officer' }), 'officer')).id;
  // e1 (s1, o1)  e2 (s1, o2)  e3 (s2, o1)  e4 (s2, no officer)
  const fixtures = [['e1', 's1', 'o1'], ['e2', 's1', 'o2'], ['e3', 's2', 'o1'], ['e4', 's2', null]];
  let n = 0;
  for (const [k, s, o] of fixtures) {
    const body = { credit_code: creditCode(`MA2T${String(++n).padStart(4, '0')}`), name: `统计测试企业${k}有限公司`,
      street_id: street[s], industry: 'C38', key: o !== null };
    if (o) body.officer_id = officer[o];
    ent[k] = (await ok(admin.post('/api/v1/enterprises', body), 'enterprise ' + k)).id;
  }
  // working-day calendars (no holidays: plain weekdays) for this year and the next, so that accept works
  for (const y of [new Date().getUTCFullYear(), new Date().getUTCFullYear() + 1]) {
    const c = await admin.req('PUT', `/api/v1/calendar/${y}`, { days: [], source: 'e2e test' });
    assert.ok(c.status < 300, c.text);
  }
  await ok(admin.post('/api/v1/users', { username: 'stat-ent-e1', role: 'enterprise', enterprise_id: ent.e1,
    password: 'password-ent-e1' }), 'enterprise user');
  await ok(admin.post('/api/v1/users', { username: 'stat-dept-d2', role: 'department', department_id: dept.d2,
    password: 'password-dept-d2' }), 'department user');
  const entE1 = tokenClient('stat-ent-e1');
  const deptD2 = tokenClient('stat-dept-d2');

  // visits: e1 twice, e2 once, e4 once by department d2 -- all in the last 10 days; e3 long ago
  await ok(admin.post('/api/v1/visits', { enterprise_id: ent.e1, visited_on: daysAgo(5), people_met: '总经理', notes: '走访' }), 'visit');
  await ok(admin.post('/api/v1/visits', { enterprise_id: ent.e1, visited_on: daysAgo(3), people_met: '副总', notes: '回访' }), 'visit');
  await ok(admin.post('/api/v1/visits', { enterprise_id: ent.e2, visited_on: daysAgo(2), people_met: '厂长', notes: '走访' }), 'visit');
  await ok(deptD2.post('/api/v1/visits', { enterprise_id: ent.e4, visited_on: daysAgo(1), people_met: '财务', notes: '走访' }), 'visit');
  await ok(admin.post('/api/v1/visits', { enterprise_id: ent.e3, visited_on: daysAgo(100), people_met: '董事长', notes: '早前走访' }), 'visit');

  // requests, all raised today
  const raise = async (k, e, category) => {
    req[k] = (await ok(admin.post('/api/v1/requests', { enterprise_id: ent[e], category, title: `诉求${k}`,
      description: `统计测试诉求${k}` }), 'request ' + k)).id;
  };
  await raise('r1', 'e1', 'labour');
  await raise('r2', 'e1', 'land');
  await raise('r3', 'e2', 'labour');
  await raise('r4', 'e3', 'approval');
  await raise('r5', 'e4', 'other');
  const step = (k, action, extra = {}, who = admin) =>
    ok(who.post(`/api/v1/requests/${req[k]}/transitions`, { action, ...extra }), `${k} ${action}`);
  // r1: d1, resolved, rated 5 (which closes it); r2: d1, resolved, rated 3, then closed by staff;
  // r3: d2, resolved, not rated; r4: d2, accepted only; r5: not accepted
  for (const [k, d] of [['r1', 'd1'], ['r2', 'd1'], ['r3', 'd2'], ['r4', 'd2']])
    await step(k, 'accept', { department_id: dept[d] });
  for (const k of ['r1', 'r2', 'r3']) {
    await step(k, 'start');
    await step(k, 'resolve', { resolution: '已解决' });
  }
  await step('r1', 'rate', { rating: 5, comment: '满意' }, entE1);
  await step('r2', 'rate', { rating: 3, comment: '一般' }, entE1);
  await step('r2', 'close');
});
after(async () => { await S.close(); });

const byId = (list, id) => {
  const g = list.find(x => x.id === id);
  assert.ok(g, `group ${id} in ${JSON.stringify(list.map(x => x.id))}`);
  return g;
};
const pick = (g, keys) => Object.fromEntries(keys.map(k => [k, g[k]]));
const ALL = ['enterprises_visited', 'visits', 'requests_raised', 'requests_resolved', 'requests_overdue',
  'median_days_to_resolve', 'satisfaction_rate', 'ratings'];
const REQ = ALL.slice(2);
const m = (visited, visits, raised, resolved, median, rate, ratings) =>
  ({ enterprises_visited: visited, visits, requests_raised: raised, requests_resolved: resolved, requests_overdue: 0,
    median_days_to_resolve: median, satisfaction_rate: rate, ratings });

test('stats over the last 10 days: totals and every grouping, exactly', async () => {
  const r = await admin.get(`/api/v1/service/stats?from=${daysAgo(10)}&to=${today}`);
  assert.equal(r.status, 200, r.text);
  const s = r.json;
  assert.equal(s.from, daysAgo(10));
  assert.equal(s.to, today);
  assert.deepEqual(pick(s.totals, ALL), m(3, 4, 5, 3, 0, 0.5, 2));

  assert.deepEqual(pick(byId(s.by_street, street.s1), ALL), m(2, 3, 3, 3, 0, 0.5, 2));
  assert.deepEqual(pick(byId(s.by_street, street.s2), ALL), m(1, 1, 2, 0, null, null, 0));
  assert.equal(byId(s.by_street, street.s1).name, '统计街道s1');

  assert.deepEqual(pick(byId(s.by_officer, officer.o1), ALL), m(1, 2, 3, 2, 0, 0.5, 2));
  assert.deepEqual(pick(byId(s.by_officer, officer.o2), ALL), m(1, 1, 1, 1, 0, null, 0));
  assert.equal(byId(s.by_officer, officer.o1).name, '首席服务员o1');
  assert.deepEqual(pick(byId(s.by_officer, null), ALL), m(1, 1, 1, 0, null, null, 0));   // e4 has no officer

  // requests by requests.department_id, visits by visits.department_id
  assert.deepEqual(pick(byId(s.by_department, dept.d1), REQ), pick(m(0, 0, 2, 2, 0, 0.5, 2), REQ));
  assert.deepEqual(pick(byId(s.by_department, dept.d2), REQ), pick(m(0, 0, 2, 1, 0, null, 0), REQ));
  assert.deepEqual(pick(byId(s.by_department, dept.d2), ['enterprises_visited', 'visits']), { enterprises_visited: 1, visits: 1 });
  assert.deepEqual(pick(byId(s.by_department, null), REQ), pick(m(0, 0, 1, 0, null, null, 0), REQ));   // r5, not accepted

  assert.deepEqual(pick(byId(s.by_category, 'labour'), REQ), pick(m(0, 0, 2, 2, 0, 1, 1), REQ));
  assert.deepEqual(pick(byId(s.by_category, 'land'), REQ), pick(m(0, 0, 1, 1, 0, 0, 1), REQ));
  assert.deepEqual(pick(byId(s.by_category, 'approval'), REQ), pick(m(0, 0, 1, 0, null, null, 0), REQ));
  assert.deepEqual(pick(byId(s.by_category, 'other'), REQ), pick(m(0, 0, 1, 0, null, null, 0), REQ));
  assert.equal(byId(s.by_category, 'labour').name, '用工');
  assert.ok(!('visits' in byId(s.by_category, 'labour')));
  // every category is listed, zeros included
  assert.deepEqual(pick(byId(s.by_category, 'customs'), ['requests_raised', 'requests_resolved']), { requests_raised: 0, requests_resolved: 0 });
});

test('stats: periods select by visit date, creation and resolution date', async () => {
  // the default period is the last 60 days up to today
  const d = await admin.get('/api/v1/service/stats');
  assert.equal(d.status, 200, d.text);
  assert.equal(d.json.to, today);
  assert.equal(d.json.from, daysAgo(59));
  assert.deepEqual(pick(d.json.totals, ALL), m(3, 4, 5, 3, 0, 0.5, 2));
  // long ago: only e3's old visit
  const old = await admin.get(`/api/v1/service/stats?from=${daysAgo(120)}&to=${daysAgo(50)}`);
  assert.deepEqual(pick(old.json.totals, ALL), m(1, 1, 0, 0, null, null, 0));
  assert.deepEqual(pick(byId(old.json.by_street, street.s2), ['enterprises_visited', 'visits']), { enterprises_visited: 1, visits: 1 });
  // one day: today has the requests, no visits
  const t = await admin.get(`/api/v1/service/stats?from=${today}&to=${today}`);
  assert.deepEqual(pick(t.json.totals, ALL), m(0, 0, 5, 3, 0, 0.5, 2));
  // a window ending yesterday has the visits but none of today's requests
  const y = await admin.get(`/api/v1/service/stats?from=${daysAgo(10)}&to=${daysAgo(1)}`);
  assert.deepEqual(pick(y.json.totals, ALL), m(3, 4, 0, 0, null, null, 0));
});

test('stats: bad dates are 422; enterprises are refused; login needed', async () => {
  for (const qs of ['from=2021-13-01', 'to=yesterday', 'from=2021-02-29', 'from=2021-12-15&to=2021-10-15', 'from=20211015']) {
    const r = await admin.get('/api/v1/service/stats?' + qs);
    assert.equal(r.status, 422, qs + ' ' + r.text);
    assert.equal(r.json.error.code, 'invalid_parameter');
  }
  assert.equal((await tokenClient('stat-ent-e1').get('/api/v1/service/stats')).status, 403);
  assert.equal((await new Client(S.srv.url).get('/api/v1/service/stats')).status, 401);
  assert.equal((await tokenClient('stat-dept-d2').get('/api/v1/service/stats')).status, 200);
});

// The demo zone: the article's 走访企业496家，协调解决问题560条 for its period.
const DEMO_TODO = false;
test('demo data: 496 enterprises visited and 560 problems resolved in 2021-10-15..2021-12-15', { todo: DEMO_TODO }, async () => {
  const db = freshDb();
  const srv = await startServer(db.url, ['--demo']);
  try {
    const pw = await demoAdminPassword(srv);
    const c = new Client(srv.url);
    assert.equal((await c.login('admin', pw)).status, 200);
    const r = await c.get('/api/v1/service/stats?from=2021-10-15&to=2021-12-15');
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.totals.enterprises_visited, 496);
    assert.equal(r.json.totals.requests_resolved, 560);
    // the groupings add up to the totals
    const sum = (list, k) => list.reduce((s, g) => s + g[k], 0);
    for (const g of ['by_street', 'by_officer'])
      assert.equal(sum(r.json[g], 'enterprises_visited'), 496, g);
    for (const g of ['by_street', 'by_officer', 'by_department', 'by_category'])
      assert.equal(sum(r.json[g], 'requests_resolved'), 560, g);
    const t = r.json.totals;
    assert.ok(t.visits >= 496 && t.requests_raised >= 560, JSON.stringify(t));
    assert.ok(t.satisfaction_rate === null || (t.satisfaction_rate >= 0 && t.satisfaction_rate <= 1));
    assert.ok(t.median_days_to_resolve >= 0 && t.median_days_to_resolve <= 61, JSON.stringify(t));
    // overdue is a snapshot: the same count as the request list's overdue filter
    const od = await c.get('/api/v1/requests?overdue=1&limit=1');
    assert.equal(od.status, 200, od.text);
    assert.equal(t.requests_overdue, od.json.total);
  } finally {
    const code = await srv.stop();
    db.cleanup();
    assert.equal(code, 0, srv.output().stderr.slice(-4000));
  }
});
