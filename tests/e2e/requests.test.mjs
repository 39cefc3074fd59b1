// End-to-end: enterprise requests (诉求) through every state, with due
// dates on the working-day calendar, pauses, escalation, ratings and
// reopening; every illegal transition; the complete history; overdue
// listing; inspection findings (营商环境巡察); visits that raise
// requests; the calendar and category APIs; and who may see and do what.
// One demo server on the store under test.
//
// "Today" is the server's (China time): GET /api/v1/calendar/due?days=0.
// To test due dates that start today, the test loads its own calendar for
// this year and the next (PUT /api/v1/calendar/{year}): the next three
// weekdays are holidays and the Saturday after them a make-up working day;
// expected dates come from a small independent calculator below.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { Client, freshDb, startServer, STORE, demoAdminPassword } from './lib.mjs';

const DEMO_PW = 'demo-password';
let db, srv, adminPw;
const sessions = new Map();
const ids = {};          // enterprises, departments, users
let TODAY;               // the server's today
let EX = new Map();      // day -> workday (the calendar exceptions loaded)

// ------------------------------------------------------------ helpers

async function as(username) {
  if (!sessions.has(username)) {
    const c = new Client(srv.url);
    const r = await c.login(username, username === 'admin' ? adminPw : DEMO_PW);
    assert.equal(r.status, 200, `login ${username}: ${r.text}`);
    c.me = r.json;
    sessions.set(username, c);
  }
  return sessions.get(username);
}
const put = (c, p, b) => c.req('PUT', p, b, c.csrf ? { 'X-CSRF-Token': c.csrf } : {});

function assertError(r, status, code, field) {
  assert.equal(r.status, status, r.text);
  assert.ok(r.json && r.json.error, r.text);
  if (code) assert.equal(r.json.error.code, code, r.text);
  if (field !== undefined) assert.equal(r.json.error.field, field, r.text);
}

// Run SQL directly on the store (to move dates into the past).
function sql(stmt) {
  const r = STORE === 'postgresql'
    ? spawnSync('psql', [db.url, '-q', '-v', 'ON_ERROR_STOP=1', '-c', stmt], { encoding: 'utf8' })
    : spawnSync('sqlite3', ['-cmd', '.timeout 5000', db.url.replace(/^sqlite:/, ''), stmt], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
}

// ------------------------------------------------- an independent calendar

const DAY = 86400000;
const parse = (s) => Date.UTC(+s.slice(0, 4), +s.slice(5, 7) - 1, +s.slice(8, 10));
const fmt = (t) => new Date(t).toISOString().slice(0, 10);
const isWork = (t, ex) => (ex.has(fmt(t)) ? ex.get(fmt(t)) : ![0, 6].includes(new Date(t).getUTCDay()));
function addWork(from, n, ex = EX) {
  let t = parse(from);
  for (let k = 0; k < n;) {
    t += DAY;
    if (isWork(t, ex)) k++;
  }
  return fmt(t);
}
function countWork(after, upto, ex = EX) {
  let n = 0;
  for (let t = parse(after) + DAY; t <= parse(upto); t += DAY) n += isWork(t, ex) ? 1 : 0;
  return n;
}
function addMonth(from, ex = EX) {
  let y = +from.slice(0, 4), m = +from.slice(5, 7) + 1;
  if (m > 12) { m = 1; y++; }
  const last = new Date(Date.UTC(y, m, 0)).getUTCDate();
  let t = Date.UTC(y, m - 1, Math.min(+from.slice(8, 10), last));
  while (!isWork(t, ex)) t += DAY;
  return fmt(t);
}

async function loadExceptions() {
  const admin = await as('admin');
  EX = new Map();
  const y = +TODAY.slice(0, 4);
  for (const year of [y - 1, y, y + 1]) {
    const r = await admin.get(`/api/v1/calendar/${year}`);
    assert.equal(r.status, 200, r.text);
    if (!r.json.loaded) {
      assert.equal((await put(admin, `/api/v1/calendar/${year}`, { days: [], source: 'e2e' })).status, 200);
      continue;
    }
    for (const d of r.json.days) EX.set(d.day, d.workday);
  }
}

// This year's and next year's calendars for the test: the three weekdays
// after today are holidays, the Saturday after them a make-up day.
let CUSTOM;
async function customCalendar() {
  const admin = await as('admin');
  const hol = [];
  let t = parse(TODAY);
  while (hol.length < 3) {
    t += DAY;
    if (![0, 6].includes(new Date(t).getUTCDay())) hol.push(fmt(t));
  }
  while (new Date(t).getUTCDay() !== 6) t += DAY;
  const makeup = fmt(t);
  const y = +TODAY.slice(0, 4);
  for (const year of [y, y + 1]) {
    const days = [...hol.filter((d) => +d.slice(0, 4) === year).map((day) => ({ day, workday: false, note: '测试假日' })),
      ...(+makeup.slice(0, 4) === year ? [{ day: makeup, workday: true, note: '测试调休' }] : [])];
    const r = await put(admin, `/api/v1/calendar/${year}`, { days, source: 'e2e test calendar' });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.loaded, true);
  }
  CUSTOM = { hol, makeup };
  await loadExceptions();
}

// A request of enterprise `ent` raised by `who` (a Client), then moved on.
async function raise(who, body) {
  const r = await who.post('/api/v1/requests', body);
  assert.equal(r.status, 201, r.text);
  return r.json;
}
async function act(who, id, body, status = 200, kind = 'requests') {
  const r = await who.post(`/api/v1/${kind}/${id}/transitions`, body);
  assert.equal(r.status, status, `${body.action} as ${who.me.username}: ${r.text}`);
  return r.json;
}

// ------------------------------------------------------------ the server

before(async () => {
  db = freshDb();
  srv = await startServer(db.url, ['--demo']);
  adminPw = await demoAdminPassword(srv);
  const admin = await as('admin');
  for (const [key, user] of [['hengtai', 'ent.hengtai'], ['langgu', 'ent.langgu']]) {
    const c = await as(user);
    ids[key] = c.me.enterprise_id;
    const e = await admin.get(`/api/v1/enterprises/${ids[key]}`);
    const u = await admin.get(`/api/v1/users/${e.json.officer_id}`);
    ids[key + 'Officer'] = u.json.username;
  }
  assert.notEqual(ids.hengtaiOfficer, ids.langguOfficer);
  const deps = await admin.get('/api/v1/departments');
  const byName = Object.fromEntries(deps.json.items.map((d) => [d.name, d.id]));
  ids.qfzx = byName['企业发展服务中心'];
  ids.rsj = byName['人力资源和社会保障局'];
  ids.xzsp = byName['行政审批局'];
  ids.sysj = byName['社会事业局'];
  ids.hg = byName['南通海关'];
  ids.sswt = byName['江苏省商务厅'];
  for (const k of ['qfzx', 'rsj', 'xzsp', 'sysj', 'hg', 'sswt']) assert.ok(ids[k], k);
  TODAY = (await admin.get('/api/v1/calendar/due?days=0')).json.from;
  assert.match(TODAY, /^\d{4}-\d\d-\d\d$/);
});

after(async () => {
  const code = await srv.stop();
  db.cleanup();
  if (code !== 0) throw new Error(`server exited ${code}:\n${srv.output().stderr.slice(-4000)}`);
});

// ------------------------------------------------------------ calendar

test('calendar: the official 2021 schedule and due dates across holidays and 调休', async () => {
  const ent = await as('ent.hengtai');
  const cal = await ent.get('/api/v1/calendar/2021');
  assert.equal(cal.status, 200, cal.text);
  assert.equal(cal.json.loaded, true);
  assert.equal(cal.json.holidays, 31);
  assert.equal(cal.json.makeup_days, 7);
  const d918 = cal.json.days.find((d) => d.day === '2021-09-18');
  assert.equal(d918.workday, true);
  assert.equal(d918.weekday, 6);
  assert.equal(cal.json.days.find((d) => d.day === '2021-10-01').workday, false);
  const due = async (qs) => (await ent.get('/api/v1/calendar/due?' + qs));
  // Friday 2021-09-17 before 中秋: 9/18 Sat 调休 (1), 9/19-21 off, 9/22 (2), 9/23 (3), 9/24 (4), 9/26 Sun 调休 (5)
  let r = await due('from=2021-09-17&days=5');
  assert.deepEqual(r.json, { from: '2021-09-17', days: 5, months: 0, due_on: '2021-09-26', provisional: false });
  // Thursday 2021-09-30 before 国庆: 10/8 (1), 10/9 Sat 调休 (2), 10/11 (3), 10/12 (4), 10/13 (5)
  assert.equal((await due('from=2021-09-30&days=5')).json.due_on, '2021-10-13');
  // by category: customs is class C (5 days), labour class B (15), land class A (1 month)
  assert.equal((await due('from=2021-09-17&category=customs')).json.due_on, '2021-09-26');
  assert.equal((await due('from=2021-09-17&category=labour')).json.due_on, '2021-10-14');
  r = await due('from=2021-09-01&category=land');
  assert.equal(r.json.months, 1);
  assert.equal(r.json.due_on, '2021-10-08');   // 10/1 is 国庆; the next working day is 10/8
  // across New Year into 2022: 2021-12-31 + 5 = 2022-01-10
  assert.equal((await due('from=2021-12-31&days=5')).json.due_on, '2022-01-10');
  // a year without calendar: counted Monday-Friday, provisional (1/2 … 1/6)
  r = await due('from=2022-12-30&days=5');
  assert.equal(r.status, 200, r.text);
  assert.deepEqual([r.json.due_on, r.json.provisional], ['2023-01-06', true]);
  assert.equal((await due('from=2021-12-31&days=5')).json.provisional, false);
  // bad parameters
  for (const qs of ['from=2021-02-30&days=5', 'from=2021-9-17&days=5', 'days=-1', 'days=x', '', 'days=5&category=labour', 'category=nope'])
    assertError(await due(qs), 422, undefined);
  assertError(await ent.get('/api/v1/calendar/21'), 422, 'invalid_parameter', 'year');
});

test('calendar: PUT by admins only, validated, replacing the year', async () => {
  const admin = await as('admin');
  const dept = await as('dept.qfzx');
  assertError(await put(dept, '/api/v1/calendar/2023', { days: [] }), 403, 'forbidden');
  const bad = [
    [{ days: [{ day: '2023-01-04', workday: true }] }, 'days[0].workday'],            // a Wednesday as make-up day
    [{ days: [{ day: '2024-01-01', workday: false }] }, 'days[0].day'],               // not in 2023
    [{ days: [{ day: '2023-01-02', workday: false }, { day: '2023-01-02', workday: false }] }, 'days[1].day'],
    [{ days: [{ day: '2023-02-29', workday: false }] }, 'days[0].day'],
    [{ days: [{ day: '2023-01-02' }] }, 'days[0].workday'],
    [{ days: [{ day: '2023-01-02', workday: false, x: 1 }] }, 'days[0].x'],
    [{ days: 'no' }, 'days'],
    [{}, 'days'],
    [{ days: [], extra: 1 }, 'extra'],
  ];
  for (const [body, field] of bad)
    assertError(await put(admin, '/api/v1/calendar/2023', body), 422, undefined, field);
  assert.equal((await admin.get('/api/v1/calendar/2023')).json.loaded, false);
  let r = await put(admin, '/api/v1/calendar/2023', {
    source: 'test', days: [{ day: '2023-01-02', workday: false, note: '元旦' }, { day: '2023-01-28', workday: true, note: '春节调休上班' }],
  });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.loaded, true);
  assert.equal(r.json.days.length, 2);
  // 2022-12-30 (Fri) + 1: 12/31, 1/1 weekend, 1/2 holiday → 1/3
  assert.equal((await admin.get('/api/v1/calendar/due?from=2022-12-30&days=1')).json.due_on, '2023-01-03');
  // 2023-01-27 (Fri) + 1: 1/28 Saturday make-up day
  assert.equal((await admin.get('/api/v1/calendar/due?from=2023-01-27&days=1')).json.due_on, '2023-01-28');
  r = await put(admin, '/api/v1/calendar/2023', { days: [] });
  assert.equal(r.json.days.length, 0);
  assert.equal((await admin.get('/api/v1/calendar/due?from=2022-12-30&days=1')).json.due_on, '2023-01-02');
  // the audit log keeps it
  const audit = await admin.get('/api/v1/audit?limit=5');
  assert.ok(audit.json.items.some((a) => a.entity === 'calendar' && a.entity_id === '2023'), audit.text);
});

// ------------------------------------------------------------ categories

test('request categories: time limits, classes, admin PATCH', async () => {
  const ent = await as('ent.langgu');
  const r = await ent.get('/api/v1/request-categories');
  assert.equal(r.status, 200);
  assert.deepEqual(r.json.items.map((c) => c.code), ['labour', 'land', 'approval', 'financing', 'schooling', 'customs', 'policy', 'other']);
  const by = Object.fromEntries(r.json.items.map((c) => [c.code, c]));
  assert.equal(by.labour.name, '用工');
  assert.equal(by.labour.working_days, 15);
  assert.equal(by.land.months, 1);
  assert.equal(by.customs.working_days, 5);
  assert.equal(by.schooling.name, '子女入学');
  assert.deepEqual(r.json.classes.map((c) => [c.code, c.months, c.working_days]), [['A', 1, 0], ['B', 0, 15], ['C', 0, 5]]);

  const admin = await as('admin');
  assertError(await (await as(ids.hengtaiOfficer)).patch('/api/v1/request-categories/policy', { limit_days: 3 }), 403);
  assertError(await admin.patch('/api/v1/request-categories/nope', { limit_days: 3 }), 404);
  assertError(await admin.patch('/api/v1/request-categories/policy', { limit_days: 3, limit_class: 'A' }), 422);
  assertError(await admin.patch('/api/v1/request-categories/policy', { limit_class: 'Z' }), 422, 'invalid', 'limit_class');
  assertError(await admin.patch('/api/v1/request-categories/policy', { limit_days: 0 }), 422, 'invalid', 'limit_days');
  assertError(await admin.patch('/api/v1/request-categories/policy', { name: '' }), 422, undefined, 'name');
  assertError(await admin.patch('/api/v1/request-categories/policy', { sort: 1 }), 422, 'unknown_field');
  let p = await admin.patch('/api/v1/request-categories/policy', { limit_days: 3, name: '政策咨询服务' });
  assert.equal(p.status, 200, p.text);
  assert.equal(p.json.limit_class, null);
  assert.equal(p.json.working_days, 3);
  assert.equal(p.json.name, '政策咨询服务');
  // 2021-09-17 + 3: 9/18 Sat 调休, 9/22, 9/23
  assert.equal((await admin.get('/api/v1/calendar/due?from=2021-09-17&category=policy')).json.due_on, '2021-09-23');
  p = await admin.patch('/api/v1/request-categories/policy', { limit_class: 'C', name: '政策咨询' });
  assert.equal(p.json.working_days, 5);
  assert.equal(p.json.limit_days, 0);
});

// ------------------------------------------------------------ the workflow

test('a request through every state: accept (due on the calendar), start, escalate to city and province, wait/resume, resolve, low rating reopens, rating 5 closes; the history lists every step', async () => {
  await customCalendar();
  const ent = await as('ent.hengtai');
  const officer = await as(ids.hengtaiOfficer);
  const dept = await as('dept.qfzx');

  const created = await raise(ent, { category: 'customs', title: '进口钢带查验方式', description: '剪裁查验后产品无法使用' });
  assert.equal(created.status, 'submitted');
  assert.equal(created.source, 'portal');
  assert.equal(created.enterprise_id, ids.hengtai);
  assert.equal(created.level, 'district');
  assert.equal(created.overdue, false);
  assert.deepEqual(created.history.map((e) => e.action), ['create']);
  assert.deepEqual(created.allowed_actions, []);
  const id = created.id;

  // accept: 5 working days (class C) from today on the test calendar
  assertError(await officer.post(`/api/v1/requests/${id}/transitions`, { action: 'accept' }), 422, 'required', 'department_id');
  assertError(await officer.post(`/api/v1/requests/${id}/transitions`, { action: 'accept', department_id: 999999 }), 422, 'invalid', 'department_id');
  let r = await act(officer, id, { action: 'accept', department_id: ids.qfzx });
  assert.equal(r.status, 'accepted');
  assert.equal(r.department_id, ids.qfzx);
  assert.equal(r.department_name, '企业发展服务中心');
  assert.equal(r.accepted_on, TODAY);
  const due = addWork(TODAY, 5);
  assert.equal(r.due_on, due);
  // the three holidays are skipped and the make-up Saturday counts: not
  // what plain weekdays would give
  assert.notEqual(due, addWork(TODAY, 5, new Map()));
  assert.ok(CUSTOM.hol.every((h) => h < due), 'the holidays fall before the due date');
  assert.equal((await officer.get('/api/v1/calendar/due?days=5')).json.due_on, due);
  assert.equal((await officer.get('/api/v1/calendar/due?category=customs')).json.due_on, due);

  r = await act(dept, id, { action: 'start' });
  assert.equal(r.status, 'in_progress');
  // escalation: to a department of the next level, with a reason; it
  // moves the work (tests/e2e/escalation.test.mjs tests the hand-over)
  const city = await as('dept.hg'), prov = await as('dept.sswt');
  assertError(await dept.post(`/api/v1/requests/${id}/transitions`, { action: 'escalate', department_id: ids.hg }), 422, 'required', 'reason');
  assertError(await dept.post(`/api/v1/requests/${id}/transitions`, { action: 'escalate', level: 'city', reason: 'x' }), 422, 'required', 'department_id');
  assertError(await dept.post(`/api/v1/requests/${id}/transitions`, { action: 'escalate', level: 'district', department_id: ids.hg, reason: 'x' }), 422, 'invalid', 'level');
  assertError(await dept.post(`/api/v1/requests/${id}/transitions`, { action: 'escalate', level: 'nation', department_id: ids.hg, reason: 'x' }), 422, 'invalid', 'level');
  r = await act(dept, id, { action: 'escalate', level: 'city', department_id: ids.hg, reason: '需与南通海关沟通查验方式' });
  assert.equal(r.status, 'escalated');
  assert.equal(r.level, 'city');
  assert.equal(r.department_id, ids.hg);
  assertError(await city.post(`/api/v1/requests/${id}/transitions`, { action: 'escalate', level: 'city', department_id: ids.sswt, reason: 'again' }), 422, 'invalid', 'level');
  r = await act(city, id, { action: 'escalate', level: 'province', department_id: ids.sswt, reason: '需省级层面与南京海关沟通' });
  assert.equal(r.level, 'province');
  assert.ok(!r.allowed_actions.includes('escalate'));
  r = await act(prov, id, { action: 'start' });
  assert.equal(r.status, 'in_progress');
  assert.equal(r.level, 'province');

  // waiting on the enterprise pauses the clock; resuming pushes due_on by
  // the working days paused (the pause is moved back in time to count some)
  r = await act(prov, id, { action: 'wait', reason: '请企业提供进口合同' });
  assert.equal(r.status, 'awaiting_enterprise');
  assert.equal(r.paused_since, TODAY);
  assert.equal(r.overdue, false);
  const pausedSince = fmt(parse(TODAY) - 10 * DAY);
  sql(`UPDATE requests SET paused_since = '${pausedSince}' WHERE id = ${id}`);
  assert.deepEqual((await ent.get(`/api/v1/requests/${id}`)).json.allowed_actions, ['resume']);
  r = await act(ent, id, { action: 'resume', comment: '合同已上传' });
  assert.equal(r.status, 'in_progress');
  assert.equal(r.paused_since, '');
  const paused = countWork(pausedSince, TODAY);
  assert.ok(paused >= 4, `paused ${paused}`);
  assert.equal(r.due_on, addWork(due, paused));
  const resumeEv = r.history.at(-1);
  assert.equal(resumeEv.action, 'resume');
  assert.equal(resumeEv.detail.paused_workdays, paused);
  assert.equal(resumeEv.detail.due_on_before, due);
  assert.equal(resumeEv.username, 'ent.hengtai');

  assertError(await prov.post(`/api/v1/requests/${id}/transitions`, { action: 'resolve' }), 422, 'required', 'resolution');
  r = await act(prov, id, { action: 'resolve', resolution: '改为无损查验，货物已通关' });
  assert.equal(r.status, 'resolved');
  assert.equal(r.resolution, '改为无损查验，货物已通关');
  assert.ok(r.resolved_at > 0);
  // a low rating reopens it
  assertError(await ent.post(`/api/v1/requests/${id}/transitions`, { action: 'rate', rating: 6 }), 422, 'invalid', 'rating');
  assertError(await ent.post(`/api/v1/requests/${id}/transitions`, { action: 'rate' }), 422, 'required', 'rating');
  r = await act(ent, id, { action: 'rate', rating: 2, comment: '货物仍被扣留' });
  assert.equal(r.status, 'in_progress');
  assert.equal(r.rating, 2);
  assert.equal(r.resolved_at, null);
  assert.deepEqual(r.history.slice(-2).map((e) => [e.action, e.from_status, e.to_status]),
    [['rate', 'resolved', 'resolved'], ['reopen', 'resolved', 'in_progress']]);
  assert.equal(r.history.at(-1).detail.automatic, true);
  r = await act(prov, id, { action: 'resolve', resolution: '经省市海关协调放行' });
  r = await act(ent, id, { action: 'rate', rating: 5, comment: '实实在在帮我们解决了问题' });
  assert.equal(r.status, 'closed');
  assert.equal(r.rating, 5);
  assert.equal(r.rating_comment, '实实在在帮我们解决了问题');
  assert.ok(r.closed_at > 0);

  // the complete history, as a chain
  const full = (await admin()).get(`/api/v1/requests/${id}`);
  const h = (await full).json.history;
  assert.deepEqual(h.map((e) => e.action), ['create', 'accept', 'start', 'escalate', 'escalate', 'start', 'wait', 'resume',
    'resolve', 'rate', 'reopen', 'resolve', 'rate', 'close']);
  assert.deepEqual(h.map((e) => e.username), ['ent.hengtai', ids.hengtaiOfficer, 'dept.qfzx', 'dept.qfzx', 'dept.hg', 'dept.sswt',
    'dept.sswt', 'ent.hengtai', 'dept.sswt', 'ent.hengtai', 'ent.hengtai', 'dept.sswt', 'ent.hengtai', 'ent.hengtai']);
  for (let i = 1; i < h.length; i++) {
    assert.equal(h[i].from_status, h[i - 1].to_status, `event ${i}`);
    assert.ok(h[i].at >= h[i - 1].at);
  }
  assert.equal(h[0].from_status, '');
  assert.deepEqual(h[3].detail, { from_level: 'district', level: 'city', reason: '需与南通海关沟通查验方式',
    from_department_id: ids.qfzx, department_id: ids.hg, department: '南通海关', due_on: due, limit: '5个工作日' });
  assert.deepEqual(h[4].detail, { from_level: 'city', level: 'province', reason: '需省级层面与南京海关沟通',
    from_department_id: ids.hg, department_id: ids.sswt, department: '江苏省商务厅', due_on: due, limit: '5个工作日' });
  assert.equal(h[1].detail.department_id, ids.qfzx);
  assert.equal(h[1].detail.due_on, due);
  assert.equal(h[9].detail.rating, 2);
  assert.equal(h[0].display_name.length > 0, true);
});

async function admin() { return as('admin'); }

test('reopen by the enterprise, a rating of 3 leaves it resolved, staff close it; the officer raises for its enterprise', async () => {
  const ent = await as('ent.hengtai');
  const officer = await as(ids.hengtaiOfficer);
  const dept = await as('dept.rsj');
  const c = await raise(officer, { enterprise_id: ids.hengtai, category: 'labour', title: '春节后用工缺口', source: 'staff' });
  assert.equal(c.source, 'staff');
  assert.equal(c.created_by, officer.me.id);
  let r = await act(officer, c.id, { action: 'accept', department_id: ids.rsj });
  assert.equal(r.due_on, addWork(TODAY, 15));
  await act(dept, c.id, { action: 'start' });
  await act(dept, c.id, { action: 'resolve', resolution: '推荐求职者30名' });
  r = await act(ent, c.id, { action: 'reopen', reason: '到岗人数不足' });
  assert.equal(r.status, 'in_progress');
  assert.equal(r.history.at(-1).detail.reason, '到岗人数不足');
  await act(dept, c.id, { action: 'resolve', resolution: '再推荐60名，已到岗45名' });
  r = await act(ent, c.id, { action: 'rate', rating: 3 });
  assert.equal(r.status, 'resolved');
  assert.equal(r.rating, 3);
  r = await act(officer, c.id, { action: 'close', comment: '企业确认' });
  assert.equal(r.status, 'closed');
  // staff may reopen a closed request; then the land class's one month
  r = await act(officer, c.id, { action: 'reopen' });
  assert.equal(r.status, 'in_progress');
  const land = await raise(ent, { category: 'land', title: '新增用地', source: 'kiosk' });
  assert.equal(land.source, 'kiosk');
  r = await act(officer, land.id, { action: 'accept', department_id: ids.xzsp });
  assert.equal(r.due_on, addMonth(TODAY));
});

test('every illegal transition is 409 illegal_transition naming the action and the status', async () => {
  const a = await admin();
  const ent = await as('ent.hengtai');
  const STATES = ['submitted', 'accepted', 'in_progress', 'escalated', 'awaiting_enterprise', 'resolved', 'closed'];
  const ALLOWED = {
    accept: ['submitted'], start: ['accepted', 'escalated'], escalate: ['accepted', 'in_progress', 'escalated'],
    wait: ['accepted', 'in_progress', 'escalated'], resume: ['awaiting_enterprise'], resolve: ['in_progress', 'escalated'],
    close: ['resolved'], reopen: ['resolved', 'closed'], rate: ['resolved', 'closed'],
  };
  const PARAMS = { accept: { department_id: ids.qfzx }, escalate: { level: 'province', reason: 'r' }, resolve: { resolution: 'r' }, rate: { rating: 4 } };
  // one request in each state (raised by the admin for 恒太, moved by the admin)
  const reqIn = {};
  const path = {
    submitted: [], accepted: ['accept'], in_progress: ['accept', 'start'], escalated: ['accept', 'start', 'escalate'],
    awaiting_enterprise: ['accept', 'start', 'wait'], resolved: ['accept', 'start', 'resolve'],
    closed: ['accept', 'start', 'resolve', 'close'],
  };
  for (const s of STATES) {
    const c = await raise(a, { enterprise_id: ids.hengtai, category: 'policy', title: `状态 ${s}` });
    for (const step of path[s]) await act(a, c.id, { action: step, ...(step === 'escalate' ? { level: 'city', department_id: ids.hg, reason: 'r' } : PARAMS[step] || {}) });
    const got = (await a.get(`/api/v1/requests/${c.id}`)).json;
    assert.equal(got.status, s);
    reqIn[s] = got;
  }
  let n = 0;
  for (const s of STATES) {
    const before = reqIn[s];
    for (const [action, from] of Object.entries(ALLOWED)) {
      if (from.includes(s)) continue;
      const who = action === 'rate' ? ent : a;
      const r = await who.post(`/api/v1/requests/${before.id}/transitions`, { action, ...(PARAMS[action] || {}) });
      assertError(r, 409, 'illegal_transition', 'action');
      assert.ok(r.json.error.message.includes(action) && r.json.error.message.includes(s), r.json.error.message);
      n++;
    }
    // nothing changed, nothing recorded
    const after = (await a.get(`/api/v1/requests/${before.id}`)).json;
    assert.equal(after.status, s);
    assert.equal(after.history.length, before.history.length);
  }
  assert.equal(n, 7 * 9 - Object.values(ALLOWED).flat().length);
  // an unknown action is 422, a role that may never do it 403
  assertError(await a.post(`/api/v1/requests/${reqIn.submitted.id}/transitions`, { action: 'fly' }), 422, 'invalid', 'action');
  assertError(await a.post(`/api/v1/requests/${reqIn.submitted.id}/transitions`, {}), 422, 'required', 'action');
  assertError(await a.post(`/api/v1/requests/${reqIn.resolved.id}/transitions`, { action: 'rate', rating: 5 }), 403, 'forbidden');
  assertError(await ent.post(`/api/v1/requests/${reqIn.submitted.id}/transitions`, { action: 'accept', department_id: ids.qfzx }), 403, 'forbidden');
  assertError(await ent.post(`/api/v1/requests/${reqIn.in_progress.id}/transitions`, { action: 'resolve', resolution: 'x' }), 403, 'forbidden');
  assertError(await a.post(`/api/v1/requests/${reqIn.submitted.id}/transitions`, { action: 'accept', department_id: ids.qfzx, bogus: 1 }), 422, 'unknown_field');
});

test('a missing calendar year: accept works with a provisional due date; loading the year recomputes it', async () => {
  const a = await admin();
  const c = await raise(a, { enterprise_id: ids.langgu, category: 'approval', title: '日历缺失' });
  const y = TODAY.slice(0, 4);
  sql(`DELETE FROM calendar_years WHERE year = ${y}`);
  const acc = await act(a, c.id, { action: 'accept', department_id: ids.xzsp });
  assert.equal(acc.status, 'accepted');
  assert.equal(acc.due_on, addWork(TODAY, 5, new Map()));   // Monday-Friday
  assert.equal(acc.due_provisional, true);
  await customCalendar();   // loads the year again: the three weekdays after today are holidays
  const after = (await a.get(`/api/v1/requests/${c.id}`)).json;
  assert.equal(after.due_on, addWork(TODAY, 5));
  assert.equal(after.due_provisional, false);
  const ev = after.history.find((e) => e.action === 'due_recomputed');
  assert.ok(ev, JSON.stringify(after.history));
});

test('overdue: due before today and open (accepted, in progress, escalated) or not accepted in time, not while waiting; listed and flagged', async () => {
  const a = await admin();
  const c = await raise(a, { enterprise_id: ids.langgu, category: 'customs', title: '逾期测试' });
  await act(a, c.id, { action: 'accept', department_id: ids.qfzx });
  assert.equal((await a.get(`/api/v1/requests/${c.id}`)).json.overdue, false);
  const yesterday = fmt(parse(TODAY) - DAY);
  sql(`UPDATE requests SET due_on = '${yesterday}' WHERE id = ${c.id}`);
  assert.equal((await a.get(`/api/v1/requests/${c.id}`)).json.overdue, true);
  const list = await a.get('/api/v1/requests?overdue=1&limit=1000');
  assert.equal(list.status, 200);
  assert.ok(list.json.total > 5, 'the demo has overdue requests');
  assert.ok(list.json.items.some((x) => x.id === c.id));
  const dueOf = (x) => (x.status === 'submitted' ? x.accept_due_on : x.due_on);
  for (const x of list.json.items) {
    assert.equal(x.overdue, true);
    assert.ok(['submitted', 'accepted', 'in_progress', 'escalated'].includes(x.status), x.status);
    assert.equal(x.accept_overdue, x.status === 'submitted');
    assert.ok(dueOf(x) < TODAY);
  }
  const dues = list.json.items.map(dueOf);
  assert.deepEqual(dues, [...dues].sort(), 'oldest due first');
  const not = await a.get('/api/v1/requests?overdue=0&limit=1000');
  assert.ok(not.json.items.every((x) => x.overdue === false));
  // the enterprise sees its own overdue ones only
  const ent = await as('ent.langgu');
  const mine = await ent.get('/api/v1/requests?overdue=1');
  assert.ok(mine.json.items.some((x) => x.id === c.id));
  assert.ok(mine.json.items.every((x) => x.enterprise_id === ids.langgu && x.overdue));
  // waiting on the enterprise stops the clock
  await act(a, c.id, { action: 'wait', reason: '待补充材料' });
  assert.equal((await a.get(`/api/v1/requests/${c.id}`)).json.overdue, false);
  assert.ok(!(await a.get('/api/v1/requests?overdue=1&limit=1000')).json.items.some((x) => x.id === c.id));
  // filters
  for (const [qs, pred] of [['status=awaiting_enterprise', (x) => x.status === 'awaiting_enterprise'],
    ['category=customs', (x) => x.category === 'customs'], [`department_id=${ids.qfzx}`, (x) => x.department_id === ids.qfzx],
    [`enterprise_id=${ids.langgu}`, (x) => x.enterprise_id === ids.langgu], ['source=kiosk', (x) => x.source === 'kiosk']]) {
    const l = await a.get('/api/v1/requests?limit=1000&' + qs);
    assert.equal(l.status, 200, qs);
    assert.ok(l.json.items.length > 0, qs);
    assert.ok(l.json.items.every(pred), qs);
  }
  assertError(await a.get('/api/v1/requests?status=bogus'), 422, 'invalid_parameter', 'status');
  assertError(await a.get('/api/v1/requests?overdue=maybe'), 422, 'invalid_parameter', 'overdue');
  assertError(await a.get('/api/v1/requests?kind=other'), 422, 'invalid_parameter', 'kind');
});

// ------------------------------------------------------------ inspections

test('inspection findings: open → rectifying → submitted → rejected → submitted → verified_closed, overdue, history, permissions', async () => {
  const a = await admin();
  const leader = await as('leader.ib');
  const dept = await as('dept.xzsp');
  const other = await as('dept.rsj');
  const yesterday = fmt(parse(TODAY) - DAY);
  const base = { title: '政务服务大厅部分窗口午间不受理', description: '暗访发现', department_id: ids.xzsp, due_on: yesterday, category: 'service_quality' };
  for (const [body, field] of [[{ ...base, due_on: undefined }, 'due_on'], [{ ...base, due_on: '2021-02-30' }, 'due_on'],
    [{ ...base, category: 'x' }, 'category'], [{ ...base, department_id: undefined }, 'department_id'],
    [{ ...base, title: '' }, 'title'], [{ ...base, enterprise_id: 1 }, 'enterprise_id']])
    assertError(await a.post('/api/v1/inspections', body), 422, undefined, field);
  assertError(await dept.post('/api/v1/inspections', base), 403);
  assertError(await (await as('ent.hengtai')).post('/api/v1/inspections', base), 403);
  const c = await a.post('/api/v1/inspections', base);
  assert.equal(c.status, 201, c.text);
  const id = c.json.id;
  assert.equal(c.json.status, 'open');
  assert.equal(c.json.kind, 'inspection');
  assert.equal(c.json.category_name, '涉企服务质量和服务效能');
  assert.equal(c.json.overdue, true);
  assert.equal(c.json.department_name, '行政审批局');
  // another department neither sees nor acts on it
  assertError(await other.get(`/api/v1/inspections/${id}`), 404);
  assertError(await other.post(`/api/v1/inspections/${id}/transitions`, { action: 'start' }), 404);
  assert.ok(!(await other.get('/api/v1/inspections?limit=1000')).json.items.some((x) => x.id === id));
  assert.ok((await dept.get('/api/v1/inspections?limit=1000')).json.items.some((x) => x.id === id));
  // a request id is not an inspection and vice versa
  assertError(await a.get(`/api/v1/requests/${id}`), 404);

  await act(dept, id, { action: 'start' }, 200, 'inspections');
  assertError(await dept.post(`/api/v1/inspections/${id}/transitions`, { action: 'submit' }), 422, 'required', 'evidence');
  let r = await act(dept, id, { action: 'submit', evidence: '实行午间轮岗' }, 200, 'inspections');
  assert.equal(r.status, 'submitted');
  assert.equal(r.evidence, '实行午间轮岗');
  assertError(await dept.post(`/api/v1/inspections/${id}/transitions`, { action: 'verify' }), 403);
  assertError(await a.post(`/api/v1/inspections/${id}/transitions`, { action: 'reject' }), 422, 'required', 'reason');
  r = await act(a, id, { action: 'reject', reason: '缺少排班表' }, 200, 'inspections');
  assert.equal(r.status, 'rectifying');
  await act(dept, id, { action: 'submit', evidence: '午间轮岗排班表已公示' }, 200, 'inspections');
  assert.ok((await a.get('/api/v1/inspections?overdue=1&limit=1000')).json.items.some((x) => x.id === id));
  r = await act(leader, id, { action: 'verify' }, 200, 'inspections');
  assert.equal(r.status, 'verified_closed');
  assert.equal(r.overdue, false);
  assert.deepEqual(r.history.map((e) => [e.action, e.to_status]), [['create', 'open'], ['start', 'rectifying'],
    ['submit', 'submitted'], ['reject', 'rectifying'], ['submit', 'submitted'], ['verify', 'verified_closed']]);
  assert.equal(r.history[3].detail.reason, '缺少排班表');
  // illegal transitions
  const ALLOWED = { start: ['open'], submit: ['rectifying'], verify: ['submitted'], reject: ['submitted'] };
  const fresh = (await a.post('/api/v1/inspections', { ...base, due_on: TODAY })).json;
  for (const [status, rid] of [['open', fresh.id], ['verified_closed', id]])
    for (const [action, from] of Object.entries(ALLOWED)) {
      if (from.includes(status)) continue;
      const x = await a.post(`/api/v1/inspections/${rid}/transitions`, { action, evidence: 'e', reason: 'r' });
      assertError(x, 409, 'illegal_transition', 'action');
      assert.match(x.json.error.message, new RegExp(`${action}.*${status}`));
    }
  assertError(await a.post(`/api/v1/inspections/${fresh.id}/transitions`, { action: 'accept' }), 422, 'invalid', 'action');
  // reading: statisticians read, officers and recruiters do not
  assert.equal((await (await as('stats')).get(`/api/v1/inspections/${id}`)).status, 200);
  assertError(await (await as('stats')).post(`/api/v1/inspections/${fresh.id}/transitions`, { action: 'start' }), 403);
  assertError(await (await as(ids.hengtaiOfficer)).get('/api/v1/inspections'), 403);
  assertError(await (await as('rec.ib.1')).get('/api/v1/inspections'), 403);
  // the demo's findings
  const all = await a.get('/api/v1/inspections?limit=1000');
  assert.ok(all.json.total >= 10);
  assert.deepEqual([...new Set(all.json.items.map((x) => x.status))].sort(), ['open', 'rectifying', 'submitted', 'verified_closed']);
});

// ------------------------------------------------------------ visits

test('visits: an officer records a visit to its enterprise and the problems become requests in the same transaction', async () => {
  const officer = await as(ids.hengtaiOfficer);
  const before = (await officer.get(`/api/v1/visits?enterprise_id=${ids.hengtai}`)).json.total;
  const body = {
    enterprise_id: ids.hengtai, visited_on: TODAY, people_met: '夏卫军（副总经理）', notes: '了解用工情况',
    problems: [
      { category: 'labour', title: '一线操作工缺口', description: '约120人' },
      { category: 'schooling', title: '职工子女上学' },
    ],
  };
  // a bad problem: nothing is written
  const bad = await officer.post('/api/v1/visits', { ...body, problems: [body.problems[0], { category: 'nope', title: 'x' }] });
  assertError(bad, 422, 'invalid', 'problems[1].category');
  assertError(await officer.post('/api/v1/visits', { ...body, problems: [{ title: 'x', category: 'labour', extra: 1 }] }), 422, 'unknown_field', 'problems[0].extra');
  assertError(await officer.post('/api/v1/visits', { ...body, problems: [{ category: 'labour' }] }), 422, 'required', 'problems[0].title');
  assertError(await officer.post('/api/v1/visits', { ...body, visited_on: fmt(parse(TODAY) + 2 * DAY) }), 422, 'invalid_date', 'visited_on');
  assertError(await officer.post('/api/v1/visits', { ...body, visited_on: undefined }), 422, 'required', 'visited_on');
  assertError(await officer.post('/api/v1/visits', { ...body, enterprise_id: 99999999 }), 422, 'invalid', 'enterprise_id');
  assert.equal((await officer.get(`/api/v1/visits?enterprise_id=${ids.hengtai}`)).json.total, before);
  // an officer visits only the enterprises it serves
  assertError(await officer.post('/api/v1/visits', { ...body, enterprise_id: ids.langgu }), 403, 'forbidden');

  const r = await officer.post('/api/v1/visits', body);
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.enterprise_id, ids.hengtai);
  assert.equal(r.json.visitor_id, officer.me.id);
  assert.equal(r.json.request_count, 2);
  assert.equal(r.json.request_ids.length, 2);
  assert.deepEqual(r.json.requests.map((x) => [x.category, x.status]), [['labour', 'submitted'], ['schooling', 'submitted']]);
  for (const rid of r.json.request_ids) {
    const q = await officer.get(`/api/v1/requests/${rid}`);
    assert.equal(q.json.source, 'visit');
    assert.equal(q.json.visit_id, r.json.id);
    assert.equal(q.json.created_by, officer.me.id);
    assert.equal(q.json.history[0].detail.visit_id, r.json.id);
  }
  // the enterprise sees the requests raised for it
  const ent = await as('ent.hengtai');
  assert.equal((await ent.get(`/api/v1/requests/${r.json.request_ids[0]}`)).status, 200);
  assert.equal((await ent.get(`/api/v1/requests?visit_id=${r.json.id}`)).json.total, 2);
  const got = await officer.get(`/api/v1/visits/${r.json.id}`);
  assert.deepEqual(got.json.request_ids, r.json.request_ids);
  assert.equal((await officer.get(`/api/v1/visits?enterprise_id=${ids.hengtai}`)).json.total, before + 1);

  // a department visits any enterprise; its requests are assigned to it
  const dept = await as('dept.qfzx');
  const d = await dept.post('/api/v1/visits', { enterprise_id: ids.langgu, visited_on: TODAY, problems: [{ category: 'customs', title: '通关时效' }] });
  assert.equal(d.status, 201, d.text);
  assert.equal(d.json.department_id, ids.qfzx);
  const dq = await dept.get(`/api/v1/requests/${d.json.request_ids[0]}`);
  assert.equal(dq.status, 200);
  assert.equal(dq.json.department_id, ids.qfzx);
  assert.ok(dq.json.allowed_actions.includes('accept'));
  assertError(await dept.post('/api/v1/visits', { enterprise_id: ids.langgu, visited_on: TODAY, department_id: ids.rsj }), 422, 'invalid', 'department_id');
  // the langgu officer cannot see the hengtai visit; other departments neither
  assertError(await (await as(ids.langguOfficer)).get(`/api/v1/visits/${r.json.id}`), 404);
  assertError(await (await as('dept.rsj')).get(`/api/v1/visits/${d.json.id}`), 404);
  // list filters and scopes
  const a = await admin();
  const period = await a.get('/api/v1/visits?from=2021-10-15&to=2021-12-15&limit=1');
  assert.ok(period.json.total >= 496);
  const mine = await officer.get('/api/v1/visits?limit=1000');
  assert.ok(mine.json.items.length > 0);
  const served = new Set((await a.get(`/api/v1/enterprises?officer_id=${officer.me.id}&limit=1000`)).json.items.map((e) => e.id));
  assert.ok(mine.json.items.every((v) => served.has(v.enterprise_id) || v.visitor_id === officer.me.id));
  const byVisitor = await a.get(`/api/v1/visits?visitor_id=${officer.me.id}&limit=1000`);
  assert.ok(byVisitor.json.items.every((v) => v.visitor_id === officer.me.id));
  assertError(await a.get('/api/v1/visits?from=2021-13-01'), 422, 'invalid_parameter', 'from');
  assertError(await (await as('rec.ib.1')).get('/api/v1/visits'), 403);
  assertError(await (await as('rec.ib.1')).post('/api/v1/visits', body), 403);
  assertError(await (await as('stats')).post('/api/v1/visits', body), 403);
  assertError(await ent.get('/api/v1/visits'), 403);
});

// ------------------------------------------------------------ who sees what

test('permissions: an enterprise sees and acts on its own requests only; departments theirs; officers their enterprises; recruiters nothing', async () => {
  const a = await admin();
  const hengtai = await as('ent.hengtai');
  const langgu = await as('ent.langgu');
  const theirs = await raise(hengtai, { category: 'policy', title: '恒太的诉求' });
  await act(a, theirs.id, { action: 'accept', department_id: ids.rsj });
  // another enterprise: 404 on read and on every action, absent from lists
  assertError(await langgu.get(`/api/v1/requests/${theirs.id}`), 404, 'not_found');
  for (const action of ['accept', 'start', 'escalate', 'wait', 'resume', 'resolve', 'close', 'reopen', 'rate'])
    assertError(await langgu.post(`/api/v1/requests/${theirs.id}/transitions`, { action, rating: 5 }), 404, 'not_found');
  const list = await langgu.get('/api/v1/requests?limit=1000');
  assert.ok(list.json.total > 0);
  assert.ok(list.json.items.every((x) => x.enterprise_id === ids.langgu));
  assert.equal((await langgu.get(`/api/v1/requests?enterprise_id=${ids.hengtai}`)).json.total, 0);
  assert.equal((await langgu.get('/api/v1/requests?kind=inspection')).status, 403);
  // raising for another enterprise, or as staff
  assertError(await langgu.post('/api/v1/requests', { enterprise_id: ids.hengtai, category: 'other', title: 'x' }), 403, 'forbidden', 'enterprise_id');
  assertError(await langgu.post('/api/v1/requests', { category: 'other', title: 'x', source: 'staff' }), 422, 'invalid', 'source');
  assert.equal((await langgu.post('/api/v1/requests', { enterprise_id: ids.langgu, category: 'other', title: '自己的' })).status, 201);
  // validation
  assertError(await langgu.post('/api/v1/requests', { category: 'other' }), 422, 'required', 'title');
  assertError(await langgu.post('/api/v1/requests', { title: 'x' }), 422, 'required', 'category');
  assertError(await langgu.post('/api/v1/requests', { title: 'x', category: 'nope' }), 422, 'invalid', 'category');
  assertError(await langgu.post('/api/v1/requests', { title: 'x'.repeat(201), category: 'other' }), 422, 'invalid', 'title');
  assertError(await langgu.post('/api/v1/requests', { title: 'x', category: 'other', urgent: true }), 422, 'unknown_field');
  assertError(await a.post('/api/v1/requests', { title: 'x', category: 'other' }), 422, 'required', 'enterprise_id');

  // departments: only what is assigned to them
  const rsj = await as('dept.rsj');
  const qfzx = await as('dept.qfzx');
  assert.equal((await rsj.get(`/api/v1/requests/${theirs.id}`)).status, 200);
  assertError(await qfzx.get(`/api/v1/requests/${theirs.id}`), 404);
  assertError(await qfzx.post(`/api/v1/requests/${theirs.id}/transitions`, { action: 'start' }), 404);
  const rl = await rsj.get('/api/v1/requests?limit=1000');
  assert.ok(rl.json.total > 0);
  // theirs now, or escalated by them to a higher level (they follow it)
  assert.ok(rl.json.items.every((x) => x.department_id === rsj.me.department_id || x.level !== 'district'));
  assert.equal((await rsj.get(`/api/v1/requests?department_id=${ids.qfzx}`)).json.total, 0);
  assertError(await rsj.post(`/api/v1/requests/${theirs.id}/transitions`, { action: 'rate', rating: 5 }), 403);
  assertError(await rsj.post(`/api/v1/requests/${theirs.id}/transitions`, { action: 'close' }), 403);
  await act(rsj, theirs.id, { action: 'start' });

  // officers: the requests of the enterprises they serve
  const lo = await as(ids.langguOfficer);
  assertError(await lo.get(`/api/v1/requests/${theirs.id}`), 404);
  assertError(await lo.post('/api/v1/requests', { enterprise_id: ids.hengtai, category: 'other', title: 'x' }), 403, 'forbidden', 'enterprise_id');
  const ol = await lo.get('/api/v1/requests?limit=1000');
  assert.ok(ol.json.total > 0);
  const served = new Set((await a.get(`/api/v1/enterprises?officer_id=${lo.me.id}&limit=1000`)).json.items.map((e) => e.id));
  assert.ok(served.has(ids.langgu) && !served.has(ids.hengtai));
  assert.ok(ol.json.items.every((x) => served.has(x.enterprise_id)));
  assert.ok(ol.json.items.some((x) => x.enterprise_id === ids.langgu));
  assertError(await lo.post(`/api/v1/requests/${(await raise(a, { enterprise_id: ids.langgu, category: 'other', title: 'o' })).id}/transitions`, { action: 'start' }), 403);

  // statisticians read, change nothing
  const st = await as('stats');
  assert.equal((await st.get(`/api/v1/requests/${theirs.id}`)).status, 200);
  assert.ok((await st.get('/api/v1/requests')).json.total > 600);
  assertError(await st.post(`/api/v1/requests/${theirs.id}/transitions`, { action: 'wait' }), 403);
  assertError(await st.post('/api/v1/requests', { enterprise_id: ids.hengtai, category: 'other', title: 'x' }), 403);

  // recruiters: nothing
  const rec = await as('rec.ib.1');
  assertError(await rec.get('/api/v1/requests'), 403, 'forbidden');
  assertError(await rec.get(`/api/v1/requests/${theirs.id}`), 403, 'forbidden');
  assertError(await rec.post('/api/v1/requests', { enterprise_id: ids.hengtai, category: 'other', title: 'x' }), 403, 'forbidden');
  assertError(await rec.post(`/api/v1/requests/${theirs.id}/transitions`, { action: 'start' }), 403, 'forbidden');

  // no login
  assertError(await new Client(srv.url).get('/api/v1/requests'), 401);
  // ids that are not ids
  assertError(await a.get('/api/v1/requests/abc'), 404);
  assertError(await a.get('/api/v1/requests/0'), 404);
  assertError(await a.post('/api/v1/requests/99999999/transitions', { action: 'start' }), 404);
});

test('allowed_actions: exactly the steps each caller may take now (role, status and row), and each is accepted', async () => {
  const a = await admin();
  const ent = await as('ent.hengtai');
  const off = await as(ids.hengtaiOfficer);
  const lo = await as(ids.langguOfficer);
  const dept = await as('dept.qfzx');
  const other = await as('dept.rsj');
  const st = await as('stats');
  const c = await raise(ent, { category: 'policy', title: '可执行的操作' });
  const acts = async (who) => {
    const r = await who.get(`/api/v1/requests/${c.id}`);
    return r.status === 200 ? r.json.allowed_actions : r.status;
  };
  assert.deepEqual(await acts(a), ['accept']);
  assert.deepEqual(await acts(off), ['accept']);
  assert.deepEqual(await acts(ent), []);
  assert.deepEqual(await acts(st), []);
  assert.equal(await acts(lo), 404, 'another officer does not see it');
  assert.equal(await acts(dept), 404, 'not assigned yet');
  await act(off, c.id, { action: 'accept', department_id: ids.qfzx });
  assert.deepEqual(await acts(dept), ['start', 'escalate', 'wait']);
  assert.equal(await acts(other), 404);
  assert.deepEqual(await acts(off), []);
  assert.deepEqual(await acts(ent), []);
  await act(dept, c.id, { action: 'start' });
  assertError(await dept.post(`/api/v1/requests/${c.id}/transitions`, { action: 'escalate', department_id: ids.hg, reason: 'r', contact: 'x'.repeat(1001) }),
    422, 'invalid', 'contact');
  let r = await act(dept, c.id, { action: 'escalate', department_id: ids.hg, reason: '需市级协调', contact: '南通海关关长' });
  assert.equal(r.history.at(-1).detail.contact, '南通海关关长');
  assert.deepEqual(r.allowed_actions, [], 'the district department follows it, the city acts');
  const city = await as('dept.hg');
  assert.deepEqual(await acts(city), ['start', 'escalate', 'return', 'wait', 'resolve']);
  await act(city, c.id, { action: 'resolve', resolution: '已协调' });
  assert.deepEqual(await acts(city), []);
  assert.deepEqual(await acts(ent), ['close', 'reopen', 'rate']);
  assert.deepEqual(await acts(off), ['close', 'reopen']);
  assert.deepEqual(await acts(a), ['close', 'reopen']);
  assert.deepEqual(await acts(dept), []);
  // what is not offered is refused, what is offered is taken
  for (const action of ['start', 'resolve', 'close'])
    assert.ok([403, 409].includes((await dept.post(`/api/v1/requests/${c.id}/transitions`, { action, resolution: 'r' })).status), action);
  r = await act(ent, c.id, { action: 'rate', rating: 4 });
  assert.equal(r.status, 'closed');
  assert.deepEqual(r.allowed_actions, ['reopen', 'rate']);
});

test('one description limit: 4000 characters for requests, inspections and visits\' problems', async () => {
  const a = await admin();
  const long = '长'.repeat(4001), ok = '长'.repeat(4000);
  assertError(await a.post('/api/v1/requests', { enterprise_id: ids.langgu, category: 'other', title: 'x', description: long }), 422, 'invalid', 'description');
  assert.equal((await a.post('/api/v1/requests', { enterprise_id: ids.langgu, category: 'other', title: 'x', description: ok })).status, 201);
  assertError(await a.post('/api/v1/inspections', { title: 'x', description: long, department_id: ids.xzsp, due_on: TODAY, category: 'other' }),
    422, 'invalid', 'description');
  const officer = await as(ids.hengtaiOfficer);
  const visit = { enterprise_id: ids.hengtai, visited_on: TODAY, problems: [{ category: 'other', title: 'x', description: long }] };
  const r = await officer.post('/api/v1/visits', visit);
  assertError(r, 422, 'invalid', 'problems[0].description');
  assert.equal(r.json.error.params.problem, '0');
});

test('the demo: the article\'s stories are in the history', async () => {
  const ent = await as('ent.langgu');
  const list = await ent.get('/api/v1/requests?category=customs&limit=100');
  const story = list.json.items.find((x) => x.title === '进口不锈钢钢带剪裁查验');
  assert.ok(story, list.text);
  assert.equal(story.status, 'closed');
  assert.equal(story.level, 'province');
  const full = (await ent.get(`/api/v1/requests/${story.id}`)).json;
  assert.deepEqual(full.history.filter((e) => e.action === 'escalate').map((e) => e.detail.level), ['city', 'province']);
  assert.equal(full.rating, 5);
  // this month's requests of the enterprise accounts
  const now = await ent.get('/api/v1/requests?limit=100');
  assert.ok(now.json.items.some((x) => x.title === '保税料件核销差异'));
});
