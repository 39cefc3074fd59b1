// End-to-end: escalation that moves the work (逐级联系) and the acceptance
// deadline (受理超时), issue 12.
//
// On a demo server: a request is escalated from the district's
// 企业发展服务中心 to a department of the next level (南通海关, city); that
// department sees it, acts on it and can hand it back down; the district
// department and the officer keep read access and see every hand-over;
// the deadline restarts; the dashboard counts it by the level that
// solved it. One definition of overdue (acceptance or handling) gives the
// same counts in the list filter, the service dashboard and the officers'
// page.
//
// On a fresh server with the clock injected (ZONEOPS_NOW) and the State
// Council's 2026 calendar loaded: a request submitted on a Friday before
// a holiday and not accepted is overdue for acceptance on the right
// working day.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { Client, freshDb, startServer, cli, STORE, demoAdminPassword, demoUsers } from './lib.mjs';

let db, srv, as;
const ids = {};
let TODAY;

function sql(url, stmt) {
  const r = url.startsWith('sqlite:')
    ? spawnSync('sqlite3', ['-cmd', '.timeout 5000', url.slice(7), stmt], { encoding: 'utf8' })
    : spawnSync('psql', [url, '-q', '-At', '-v', 'ON_ERROR_STOP=1', '-c', stmt], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim();
}

function assertError(r, status, code, field) {
  assert.equal(r.status, status, r.text);
  assert.ok(r.json && r.json.error, r.text);
  if (code) assert.equal(r.json.error.code, code, r.text);
  if (field !== undefined) assert.equal(r.json.error.field, field, r.text);
}

async function act(who, id, body, status = 200) {
  const r = await who.post(`/api/v1/requests/${id}/transitions`, body);
  assert.equal(r.status, status, `${body.action}: ${r.text}`);
  return r.json;
}

before(async () => {
  db = freshDb();
  srv = await startServer(db.url, ['--demo']);
  const pw = await demoAdminPassword(srv);
  as = demoUsers(srv, pw);
  const admin = await as('admin');
  const deps = (await admin.get('/api/v1/departments')).json.items;
  const by = Object.fromEntries(deps.map((d) => [d.name, d]));
  ids.qfzx = by['企业发展服务中心'].id;
  ids.rsj = by['人力资源和社会保障局'].id;
  ids.hg = by['南通海关'].id;
  ids.sswt = by['江苏省商务厅'].id;
  assert.equal(by['南通海关'].level, 'city');
  assert.equal(by['江苏省商务厅'].level, 'province');
  const ent = await as('ent.hengtai');
  const me = (await ent.get('/api/v1/me')).json;
  ids.hengtai = me.enterprise_id ?? me.user?.enterprise_id;
  const e = (await admin.get(`/api/v1/enterprises/${ids.hengtai}`)).json;
  ids.officer = (await admin.get(`/api/v1/users/${e.officer_id}`)).json.username;
  TODAY = (await admin.get('/api/v1/calendar/due?days=0')).json.from;
});

after(async () => {
  const code = await srv.stop();
  db.cleanup();
  if (code !== 0) throw new Error(`server exited ${code}:\n${srv.output().stderr.slice(-4000)}`);
});

test('escalation hands the request to a department of the next level; it acts, hands back, resolves; the earlier department and the officer follow; the dashboard counts the level that solved it', async () => {
  const admin = await as('admin'), ent = await as('ent.hengtai'), officer = await as(ids.officer);
  const qfzx = await as('dept.qfzx'), hg = await as('dept.hg'), rsj = await as('dept.rsj');
  const solved0 = (await admin.get('/api/v1/service/stats')).json.totals.solved_by_level;
  assert.deepEqual(Object.keys(solved0).sort(), ['city', 'district', 'province']);

  const c = await ent.post('/api/v1/requests', { category: 'customs', title: '进口钢带查验需市级协调', source: 'kiosk' });
  assert.equal(c.status, 201, c.text);
  const id = c.json.id;
  assert.equal(c.json.accept_due_on, (await admin.get('/api/v1/calendar/due?days=1')).json.due_on);
  assert.equal(c.json.accept_overdue, false);
  assert.equal(c.json.accept_due_provisional, false);
  await act(officer, id, { action: 'accept', department_id: ids.qfzx });
  let r = await act(qfzx, id, { action: 'start' });
  assert.deepEqual(r.departments.map((d) => d.id), [ids.qfzx]);
  assert.ok(r.allowed_actions.includes('escalate') && !r.allowed_actions.includes('return'));

  // only a department of the next level, with a reason; level must agree
  let e = await qfzx.post(`/api/v1/requests/${id}/transitions`, { action: 'escalate', department_id: ids.rsj, reason: 'x' });
  assertError(e, 422, 'not_next_level', 'department_id');
  assert.deepEqual(e.json.error.params, { level: 'district', expected: 'city' });
  e = await qfzx.post(`/api/v1/requests/${id}/transitions`, { action: 'escalate', department_id: ids.sswt, reason: 'x' });
  assertError(e, 422, 'not_next_level', 'department_id');
  assert.deepEqual(e.json.error.params, { level: 'province', expected: 'city' });
  assertError(await qfzx.post(`/api/v1/requests/${id}/transitions`, { action: 'escalate', department_id: ids.hg, level: 'province', reason: 'x' }),
    422, 'invalid', 'level');
  assertError(await qfzx.post(`/api/v1/requests/${id}/transitions`, { action: 'escalate', reason: 'x' }), 422, 'required', 'department_id');
  assertError(await qfzx.post(`/api/v1/requests/${id}/transitions`, { action: 'escalate', department_id: ids.hg }), 422, 'required', 'reason');
  assertError(await qfzx.post(`/api/v1/requests/${id}/transitions`, { action: 'escalate', department_id: 99999999, reason: 'x' }),
    422, 'invalid', 'department_id');
  assertError(await qfzx.post(`/api/v1/requests/${id}/transitions`, { action: 'return', reason: 'x' }), 422, 'invalid', 'level');

  // the city department has it now, with a restarted deadline
  const customsDue = (await admin.get('/api/v1/calendar/due?category=customs')).json.due_on;
  r = await act(qfzx, id, { action: 'escalate', department_id: ids.hg, level: 'city', reason: '需与南通海关沟通查验方式' });
  assert.equal(r.status, 'escalated');
  assert.equal(r.department_id, ids.hg);
  assert.equal(r.department_name, '南通海关');
  assert.equal(r.level, 'city');
  assert.equal(r.due_on, customsDue);
  assert.deepEqual(r.departments.map((d) => [d.id, d.level]), [[ids.qfzx, 'district'], [ids.hg, 'city']]);
  assert.deepEqual(r.allowed_actions, [], 'the district department follows, it does not act');
  const ev = r.history.at(-1);
  assert.equal(ev.action, 'escalate');
  assert.equal(ev.username, 'dept.qfzx');
  assert.deepEqual({ ...ev.detail, limit: undefined }, { from_department_id: ids.qfzx, from_level: 'district', department_id: ids.hg,
    department: '南通海关', level: 'city', reason: '需与南通海关沟通查验方式', due_on: customsDue, limit: undefined });

  // who sees it, who acts
  assert.ok((await hg.get('/api/v1/requests?limit=1000')).json.items.some((x) => x.id === id), 'in the city department\'s list');
  assert.ok((await qfzx.get('/api/v1/requests?limit=1000')).json.items.some((x) => x.id === id), 'still in the district\'s list');
  assert.deepEqual((await hg.get(`/api/v1/requests/${id}`)).json.allowed_actions, ['start', 'escalate', 'return', 'wait', 'resolve']);
  assert.equal((await officer.get(`/api/v1/requests/${id}`)).status, 200);
  assertError(await rsj.get(`/api/v1/requests/${id}`), 404);
  assertError(await qfzx.post(`/api/v1/requests/${id}/transitions`, { action: 'resolve', resolution: 'x' }), 403, 'forbidden');
  assertError(await qfzx.post(`/api/v1/requests/${id}/transitions`, { action: 'start' }), 403, 'forbidden');

  // handed back down (to the department that escalated it), then up again
  assertError(await hg.post(`/api/v1/requests/${id}/transitions`, { action: 'return' }), 422, 'required', 'reason');
  e = await hg.post(`/api/v1/requests/${id}/transitions`, { action: 'return', department_id: ids.sswt, reason: 'x' });
  assertError(e, 422, 'not_next_level', 'department_id');
  assert.deepEqual(e.json.error.params, { level: 'province', expected: 'district' });
  r = await act(hg, id, { action: 'return', reason: '请先补充报关单据' });
  assert.equal(r.status, 'in_progress');
  assert.equal(r.department_id, ids.qfzx);
  assert.equal(r.level, 'district');
  assert.equal(r.history.at(-1).action, 'return');
  assert.equal(r.history.at(-1).detail.reason, '请先补充报关单据');
  assert.equal(r.history.at(-1).detail.from_department_id, ids.hg);
  assert.deepEqual((await hg.get(`/api/v1/requests/${id}`)).json.allowed_actions, []);
  await act(qfzx, id, { action: 'escalate', department_id: ids.hg, reason: '单据已补充，请市级协调' });
  await act(hg, id, { action: 'start' });
  r = await act(hg, id, { action: 'resolve', resolution: '改为无损查验，货物已通关' });
  assert.equal(r.resolved_level, 'city');
  r = await act(ent, id, { action: 'rate', rating: 5 });
  assert.equal(r.status, 'closed');

  // the district department sees the whole history
  const seen = (await qfzx.get(`/api/v1/requests/${id}`)).json;
  assert.deepEqual(seen.history.map((x) => x.action),
    ['create', 'accept', 'start', 'escalate', 'return', 'escalate', 'start', 'resolve', 'rate', 'close']);
  assert.deepEqual(seen.history.map((x) => x.username).slice(3, 8), ['dept.qfzx', 'dept.hg', 'dept.qfzx', 'dept.hg', 'dept.hg']);
  assert.equal(seen.resolved_level, 'city');
  // the dashboard: solved at city level
  const solved1 = (await admin.get('/api/v1/service/stats')).json.totals.solved_by_level;
  assert.equal(solved1.city, solved0.city + 1);
  assert.equal(solved1.district, solved0.district);
  assert.equal(solved1.province, solved0.province);
});

test('one definition of overdue: not accepted in time is overdue for acceptance; the list filter, the dashboard and the officers\' page count the same', async () => {
  const admin = await as('admin'), ent = await as('ent.hengtai');
  const c = (await ent.post('/api/v1/requests', { category: 'policy', title: '无人受理的诉求' })).json;
  assert.equal(c.overdue, false);
  const before = await counts(admin);
  const yesterday = new Date(Date.parse(TODAY + 'T00:00:00Z') - 86400000).toISOString().slice(0, 10);
  sql(db.url, `UPDATE requests SET accept_due_on = '${yesterday}' WHERE id = ${c.id}`);
  const r = (await admin.get(`/api/v1/requests/${c.id}`)).json;
  assert.equal(r.accept_overdue, true);
  assert.equal(r.overdue, true);
  assert.ok((await admin.get('/api/v1/requests?overdue=1&status=submitted&limit=1000')).json.items.some((x) => x.id === c.id));
  const now = await counts(admin);
  assert.equal(now.list, before.list + 1);
  assert.equal(now.stats, before.stats + 1);
  assert.equal(now.officer, before.officer + 1);
  for (const k of [before, now]) {
    assert.equal(k.stats, k.list, 'the dashboard counts what the overdue filter lists');
    assert.deepEqual(k.byOfficerPage, k.byOfficerStats, 'the officers\' page counts what the dashboard counts');
  }
  // accepted: no longer overdue for acceptance (handling has its own deadline)
  await act(admin, c.id, { action: 'accept', department_id: ids.qfzx });
  const a = (await admin.get(`/api/v1/requests/${c.id}`)).json;
  assert.equal(a.accept_overdue, false);
  assert.equal(a.overdue, false);
  assert.equal((await counts(admin)).list, before.list);
});

// Overdue requests as each place counts them.
async function counts(admin) {
  const list = (await admin.get('/api/v1/requests?overdue=1&limit=1')).json.total;
  const st = (await admin.get('/api/v1/service/stats')).json;
  const officers = (await admin.get('/api/v1/officers?limit=1000')).json.items;
  const byOfficerPage = Object.fromEntries(officers.map((o) => [o.id, o.overdue_requests]));
  const byOfficerStats = Object.fromEntries(st.by_officer.filter((o) => o.id !== null && o.id in byOfficerPage)
    .map((o) => [o.id, o.requests_overdue]));
  const hengtaiOfficer = (await admin.get(`/api/v1/enterprises/${ids.hengtai}`)).json.officer_id;
  return { list, stats: st.totals.requests_overdue, officer: byOfficerPage[hengtaiOfficer], byOfficerPage, byOfficerStats };
}

test('accept_days is a setting (working days, default 1), validated', async () => {
  const admin = await as('admin');
  assert.equal((await admin.get('/api/v1/settings')).json.accept_days, '1');
  for (const bad of ['0', 'x', '100', '-1'])
    assertError(await admin.patch('/api/v1/settings', { accept_days: bad }), 422, 'invalid', 'accept_days');
  assert.equal((await admin.patch('/api/v1/settings', { accept_days: '3' })).status, 200);
  const c = (await (await as('ent.hengtai')).post('/api/v1/requests', { category: 'other', title: '三个工作日' })).json;
  assert.equal(c.accept_due_on, (await admin.get('/api/v1/calendar/due?days=3')).json.due_on);
  assert.equal((await admin.patch('/api/v1/settings', { accept_days: '1' })).status, 200);
  assertError(await (await as('dept.qfzx')).patch('/api/v1/settings', { accept_days: '2' }), 403);
});

// ---------------------------------------------------------------------
// The Friday before a holiday, on the official calendar, the clock injected.

// The State Council's 2026 schedule (国办发明电〔2025〕7号): holidays and
// make-up working days.
const CAL2026 = [
  ['2026-01-01', '2026-01-03', false], ['2026-01-04', null, true],
  ['2026-02-14', null, true], ['2026-02-15', '2026-02-23', false], ['2026-02-28', null, true],
  ['2026-04-04', '2026-04-06', false],
  ['2026-05-01', '2026-05-05', false], ['2026-05-09', null, true],
  ['2026-06-19', '2026-06-21', false],
  ['2026-09-20', null, true], ['2026-09-25', '2026-09-27', false],
  ['2026-10-01', '2026-10-07', false], ['2026-10-10', null, true],
];
function calendarDays() {
  const out = [];
  for (const [from, to, workday] of CAL2026) {
    for (let t = Date.parse(from + 'T00:00:00Z'); t <= Date.parse((to || from) + 'T00:00:00Z'); t += 86400000)
      out.push({ day: new Date(t).toISOString().slice(0, 10), workday, note: workday ? '调休上班' : '放假' });
  }
  return out;
}

test('a request submitted on a Friday before a holiday and not accepted is overdue for acceptance on the right working day', async () => {
  const hdb = freshDb();
  const add = cli(hdb.url, ['user', 'add', 'admin', '--role', 'admin'], 'admin-password-1\n');
  assert.equal(add.status, 0, add.stderr);
  const token = cli(hdb.url, ['token', 'create', '--user', 'admin']).stdout.trim();
  // a server "on" a given zone time, with the admin's token
  const on = async (now, fn) => {
    const s = await startServer(hdb.url, [], { ZONEOPS_NOW: now });
    try { return await fn(new Client(s.url, token)); } finally {
      const code = await s.stop();
      assert.equal(code, 0, s.output().stderr.slice(-2000));
    }
  };
  const state = async (a, id) => {
    const r = (await a.get(`/api/v1/requests/${id}`)).json;
    const listed = (await a.get('/api/v1/requests?overdue=1&limit=1000')).json.items.some((x) => x.id === id);
    const stats = (await a.get('/api/v1/service/stats')).json.totals.requests_overdue;
    return { accept_overdue: r.accept_overdue, overdue: r.overdue, listed, stats: stats > 0 };
  };
  const OVER = { accept_overdue: true, overdue: true, listed: true, stats: true };
  const NOT = { accept_overdue: false, overdue: false, listed: false, stats: false };
  try {
    let ent, spring, qingming;
    await on('2026-02-13T16:30:00', async (a) => {          // Friday before 春节
      const cal = await a.req('PUT', '/api/v1/calendar/2026', { days: calendarDays(), source: '国办发明电〔2025〕7号' });
      assert.equal(cal.status, 200, cal.text);
      ent = (await a.post('/api/v1/enterprises', { credit_code: creditCode(4711), name: '南通节前测试有限公司' })).json;
      assert.ok(ent.id, JSON.stringify(ent));
      const r = await a.post('/api/v1/requests', { enterprise_id: ent.id, category: 'policy', title: '节前提交的诉求' });
      assert.equal(r.status, 201, r.text);
      spring = r.json;
      // the next working day is the make-up Saturday, not Monday
      assert.equal(spring.accept_due_on, '2026-02-14');
      assert.equal(spring.accept_due_provisional, false);
      assert.deepEqual(await state(a, spring.id), NOT);
    });
    await on('2026-02-14T18:00:00', async (a) => assert.deepEqual(await state(a, spring.id), NOT));
    await on('2026-02-15T09:00:00', async (a) => assert.deepEqual(await state(a, spring.id), OVER));
    await on('2026-04-03T11:00:00', async (a) => {          // Friday before 清明 (Sat 4 - Mon 6 April)
      const r = await a.post('/api/v1/requests', { enterprise_id: ent.id, category: 'policy', title: '清明节前提交的诉求' });
      assert.equal(r.status, 201, r.text);
      qingming = r.json;
      // Monday 6 April is a holiday: Tuesday, where Monday-Friday would say Monday
      assert.equal(qingming.accept_due_on, '2026-04-07');
    });
    await on('2026-04-07T17:00:00', async (a) => {
      const r = (await a.get(`/api/v1/requests/${qingming.id}`)).json;
      assert.equal(r.accept_overdue, false);
      assert.equal(r.overdue, false);
    });
    await on('2026-04-08T08:30:00', async (a) => {
      const r = (await a.get(`/api/v1/requests/${qingming.id}`)).json;
      assert.equal(r.accept_overdue, true);
      assert.equal(r.overdue, true);
      assert.ok((await a.get('/api/v1/requests?overdue=1&status=submitted')).json.items.some((x) => x.id === qingming.id));
    });
  } finally {
    hdb.cleanup();
  }
});

// A valid unified social credit code (GB 32100-2015) from a serial number.
const ALPHA = '0123456789ABCDEFGHJKLMNPQRTUWXY';
function creditCode(n) {
  const c16 = '91320691M' + String(n).padStart(7, '0');
  const W8 = [3, 7, 9, 10, 5, 8, 4, 2];
  let s = 0;
  for (let i = 0; i < 8; i++) {
    const ch = c16.slice(8)[i];
    s += (ch >= '0' && ch <= '9' ? Number(ch) : ch.charCodeAt(0) - 55) * W8[i];
  }
  const oc = 11 - (s % 11);
  const c17 = c16 + (oc === 10 ? 'X' : oc === 11 ? '0' : String(oc));
  const W = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
  let t = 0;
  for (let i = 0; i < 17; i++) t += ALPHA.indexOf(c17[i]) * W[i];
  const c = 31 - (t % 31);
  return c17 + ALPHA[c === 31 ? 0 : c];
}
