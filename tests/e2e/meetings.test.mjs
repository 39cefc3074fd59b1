// End-to-end: joint consultations (部门联席会商, issue 14; docs/meetings.md).
//
// On a demo server: the service center convenes a meeting; an officer
// proposes a request that needs three departments; the meeting decides it
// with a lead department, two co-operating departments and a street, and
// three tasks whose deadlines count working days on the calendar; the lead
// department takes the request over (the former holder still reads it) and
// the request's history shows the decision, to the enterprise too; each
// department sees and marks its own task and not another's; unfinished
// tasks come back on the next meeting's agenda; the minutes come as HTML
// and as a Word file; the figures count it all. Bad input names its field
// and stores nothing (read back). Enterprises and recruiters get 403 on
// every meeting route.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freshDb, startServer, demoAdminPassword, demoUsers } from './lib.mjs';

let db, srv, as;
const ids = {};
let TODAY;

function assertError(r, status, code, field) {
  assert.equal(r.status, status, r.text);
  assert.ok(r.json && r.json.error, r.text);
  if (code) assert.equal(r.json.error.code, code, r.text);
  if (field !== undefined) assert.equal(r.json.error.field, field, r.text);
}

function addDays(day, n) {
  const d = new Date(day + 'T00:00:00Z');
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

async function ok(r, status = 200) {
  assert.equal(r.status, status, r.text);
  return r.json;
}

before(async () => {
  db = freshDb();
  srv = await startServer(db.url, ['--demo']);
  const pw = await demoAdminPassword(srv);
  as = demoUsers(srv, pw);
  const admin = await as('admin');
  const deps = (await admin.get('/api/v1/departments')).json.items;
  const by = Object.fromEntries(deps.map((d) => [d.name, d.id]));
  Object.assign(ids, { qfzx: by['企业发展服务中心'], zrgh: by['自然资源和规划分局'], jsj: by['建设局'],
    sthj: by['生态环境分局'], rsj: by['人力资源和社会保障局'] });
  const streets = (await admin.get('/api/v1/streets')).json.items;
  ids.zhuhang = streets.find((s) => s.name === '竹行街道').id;
  const ent = await as('ent.hengtai');
  ids.hengtai = (await ent.get('/api/v1/me')).json.enterprise_id;
  const e = (await admin.get(`/api/v1/enterprises/${ids.hengtai}`)).json;
  ids.officer = (await admin.get(`/api/v1/users/${e.officer_id}`)).json.username;
  TODAY = (await admin.get('/api/v1/calendar/due?days=0')).json.from;
});

after(async () => {
  const code = await srv.stop();
  db.cleanup();
  if (code !== 0) throw new Error(`server exited ${code}:\n${srv.output().stderr.slice(-4000)}`);
});

const ROUTES = [
  ['GET', '/api/v1/meetings'], ['POST', '/api/v1/meetings', {}], ['GET', '/api/v1/meetings/stats'],
  ['GET', '/api/v1/meetings/1'], ['PATCH', '/api/v1/meetings/1', {}], ['POST', '/api/v1/meetings/1/items', {}],
  ['PUT', '/api/v1/meetings/1/items/1/decision', {}], ['GET', '/api/v1/meetings/1/minutes'],
  ['GET', '/api/v1/meetings/1/minutes.docx'], ['GET', '/api/v1/meeting-proposals'], ['POST', '/api/v1/meeting-proposals', {}],
  ['GET', '/api/v1/meeting-tasks'], ['PATCH', '/api/v1/meeting-tasks/1', {}],
];

test('an enterprise and a recruiter get 403 on every meeting route', async () => {
  for (const who of ['ent.hengtai', 'rec.ib.1']) {
    const c = await as(who);
    for (const [method, path, body] of ROUTES) {
      const r = await c.req(method, path, body, c.csrf ? { 'X-CSRF-Token': c.csrf } : {});
      assertError(r, 403, 'forbidden');
    }
  }
});

test('the demo: a held meeting with three decided items and an open overdue task carried to the planned one', async () => {
  const leader = await as('leader.zone');
  const list = await ok(await leader.get('/api/v1/meetings'));
  const held = list.items.find((m) => m.status === 'held'), planned = list.items.find((m) => m.status === 'planned');
  assert.ok(held && planned, JSON.stringify(list.items.map((m) => [m.title, m.status])));
  assert.ok(held.held_on < TODAY && planned.held_on > TODAY);
  const h = await ok(await leader.get(`/api/v1/meetings/${held.id}`));
  assert.equal(h.items.length, 3);
  assert.ok(h.items.every((i) => i.decision && i.tasks.length > 0));
  assert.ok(h.items.some((i) => i.kind === 'request' && i.partners.departments.length >= 2));
  const p = await ok(await leader.get(`/api/v1/meetings/${planned.id}`));
  assert.ok(p.carried_tasks.some((t) => t.overdue && t.meeting.id === held.id), JSON.stringify(p.carried_tasks));
  assert.ok(p.items.some((i) => i.kind === 'request' && i.decision === ''), 'a pending proposal');
  const tasks = h.items.flatMap((i) => i.tasks);
  assert.ok(tasks.filter((t) => t.status === 'done' && t.done_on <= t.due_on).length >= 2);
  assert.equal(tasks.filter((t) => t.status === 'open').length, 1);
});

test('a request needing three departments: proposed, decided with lead, partners, a street and three tasks; handed over; tasks, minutes, carry-over, figures', async () => {
  const admin = await as('admin'), qfzx = await as('dept.qfzx'), officer = await as(ids.officer);
  const zrgh = await as('dept.zrgh'), jsj = await as('dept.jsj'), rsj = await as('dept.rsj'), ent = await as('ent.hengtai');
  const stats0 = await ok(await admin.get('/api/v1/meetings/stats'));
  const count = async () => (await ok(await admin.get('/api/v1/meetings'))).total;
  const n0 = await count();

  // bad meetings: each names its field, nothing is stored
  const good = { title: '第1次联席会商 <测试&>', held_on: addDays(TODAY, 1), starts_at: '09:30', place: '管委会三楼', chair: '顾振华',
    level: 'district_street', departments: [ids.qfzx, ids.zrgh, ids.jsj, ids.sthj], streets: [ids.zhuhang] };
  for (const [patch, code, field] of [
    [{ departments: [ids.zrgh, 999999] }, 'unknown_department', 'departments[1]'],
    [{ streets: [999999] }, 'unknown_street', 'streets[0]'],
    [{ level: 'district' }, 'streets_need_street_level', 'streets'],
    [{ held_on: '2026-02-30' }, 'invalid_date', 'held_on'],
    [{ title: '' }, 'required', 'title'],
    [{ starts_at: '25:00' }, 'invalid', 'starts_at'],
  ])
    assertError(await qfzx.post('/api/v1/meetings', { ...good, ...patch }), 422, code, field);
  assert.equal(await count(), n0, 'nothing stored');
  // a department that is not the service center does not convene
  assertError(await jsj.post('/api/v1/meetings', good), 403, 'forbidden');
  const stat = await as('stats');
  assertError(await stat.post('/api/v1/meetings', good), 403, 'forbidden');
  assert.equal(await count(), n0);

  const m = await ok(await qfzx.post('/api/v1/meetings', good), 201);
  assert.deepEqual([m.status, m.level, m.convener.name, m.participants.streets[0].id], ['planned', 'district_street', '企业发展服务中心', ids.zhuhang]);
  assert.equal(await count(), n0 + 1);

  // the officer raises a request, accepts it for the service center and proposes it
  const rq = await ok(await officer.post('/api/v1/requests', { enterprise_id: ids.hengtai, category: 'land',
    title: '二期厂房扩建：规划调整、施工许可、环评', description: '需要三个部门' }), 201);
  await ok(await officer.post(`/api/v1/requests/${rq.id}/transitions`, { action: 'accept', department_id: ids.qfzx }));
  assertError(await officer.post('/api/v1/meeting-proposals', { request_id: 999999 }), 422, 'unknown_request', 'request_id');
  const prop = await ok(await officer.post('/api/v1/meeting-proposals', { request_id: rq.id, note: '三个部门' }), 201);
  assert.equal(prop.meeting.id, m.id, 'the proposal joins the next planned meeting');
  assert.ok((await ok(await admin.get('/api/v1/meeting-proposals'))).items.some((i) => i.id === prop.id));

  // bad items: nothing stored
  const items0 = (await ok(await admin.get(`/api/v1/meetings/${m.id}`))).item_count;
  const insp = (await ok(await admin.get('/api/v1/inspections?limit=1'))).items[0];
  for (const [body, code, field] of [
    [{ kind: 'request', request_id: 999999 }, 'unknown_request', 'request_id'],
    [{ kind: 'request', request_id: insp.id }, 'unknown_request', 'request_id'],   // a finding is no enterprise's request
    [{ kind: 'finding', request_id: rq.id }, 'not_a_finding', 'request_id'],
    [{ kind: 'topic' }, 'required', 'title'],
    [{ kind: 'other', title: 'x' }, 'invalid', 'kind'],
  ])
    assertError(await qfzx.post(`/api/v1/meetings/${m.id}/items`, body), 422, code, field);
  assertError(await jsj.post(`/api/v1/meetings/${m.id}/items`, { kind: 'topic', title: 'x' }), 403, 'forbidden');
  assert.equal((await ok(await admin.get(`/api/v1/meetings/${m.id}`))).item_count, items0);
  const finding = await ok(await qfzx.post(`/api/v1/meetings/${m.id}/items`, { kind: 'finding', request_id: insp.id }), 201);
  assert.equal(finding.request.id, insp.id);

  // bad decisions: each names its field; nothing stored (item, tasks, the request)
  const dec = { decision: '由自然资源和规划分局牵头，建设局、生态环境分局配合，竹行街道现场协调。', lead_department_id: ids.zrgh,
    partners: { departments: [ids.jsj, ids.sthj], streets: [ids.zhuhang] },
    tasks: [{ title: '出具规划调整意见', department_id: ids.zrgh, due_workdays: 5 },
      { title: '办理施工许可', department_id: ids.jsj, due_workdays: 10 },
      { title: '现场协调', street_id: ids.zhuhang, due_on: addDays(TODAY, 20) }] };
  const put = (who, body, item = prop.id) => who.req('PUT', `/api/v1/meetings/${m.id}/items/${item}/decision`, body, { 'X-CSRF-Token': who.csrf });
  const bad = (f) => { const d = structuredClone(dec); f(d); return d; };
  for (const [body, code, field] of [
    [bad((d) => { d.lead_department_id = 999999; }), 'unknown_department', 'lead_department_id'],
    [bad((d) => { d.partners.departments[1] = 999999; }), 'unknown_department', 'partners.departments[1]'],
    [bad((d) => { d.partners.streets[0] = 999999; }), 'unknown_street', 'partners.streets[0]'],
    [bad((d) => { d.tasks[0].department_id = 999999; }), 'unknown_department', 'tasks[0].department_id'],
    [bad((d) => { d.tasks[2].street_id = 999999; }), 'unknown_street', 'tasks[2].street_id'],
    [bad((d) => { d.tasks[2].due_on = addDays(TODAY, -1); }), 'due_before_meeting', 'tasks[2].due_on'],
    [bad((d) => { d.tasks[1].street_id = ids.zhuhang; }), 'task_assignee', 'tasks[1]'],
    [bad((d) => { delete d.tasks[0].department_id; }), 'task_assignee', 'tasks[0]'],
    [bad((d) => { d.tasks[2].due_on = '2026-13-01'; }), 'invalid_date', 'tasks[2].due_on'],
    [bad((d) => { delete d.tasks[0].due_workdays; }), 'required', 'tasks[0].due_on'],
    [bad((d) => { d.decision = ''; }), 'required', 'decision'],
  ])
    assertError(await put(qfzx, body), 422, code, field);
  assertError(await put(zrgh, dec), 403, 'forbidden');
  let item = (await ok(await admin.get(`/api/v1/meetings/${m.id}`))).items.find((i) => i.id === prop.id);
  assert.deepEqual([item.decision, item.tasks, item.lead_department, item.partners.departments], ['', [], null, []]);
  let r = await ok(await admin.get(`/api/v1/requests/${rq.id}`));
  assert.equal(r.department_id, ids.qfzx);
  assert.ok(!r.history.some((h) => h.action === 'meeting_decided'));

  // the decision
  item = await ok(await put(qfzx, dec));
  assert.equal(item.lead_department.id, ids.zrgh);
  assert.deepEqual(item.partners.departments.map((d) => d.id).sort(), [ids.jsj, ids.sthj].sort());
  assert.deepEqual(item.partners.streets.map((s) => s.id), [ids.zhuhang]);
  assert.equal(item.tasks.length, 3);
  for (const [i, days] of [[0, 5], [1, 10]]) {
    const t = item.tasks.find((x) => x.title === dec.tasks[i].title);
    const due = (await ok(await admin.get(`/api/v1/calendar/due?from=${good.held_on}&days=${days}`)));
    assert.deepEqual([t.due_on, t.due_provisional, t.due_workdays], [due.due_on, due.provisional, days], 'counted on the working-day calendar');
  }
  const street = item.tasks.find((t) => t.street);
  assert.deepEqual([street.due_on, street.street.id, street.department], [addDays(TODAY, 20), ids.zhuhang, null]);

  // the lead department holds the request; the former holder still reads it; the history says so
  r = await ok(await zrgh.get(`/api/v1/requests/${rq.id}`));
  assert.equal(r.department_id, ids.zrgh);
  const ev = r.history.find((h) => h.action === 'meeting_decided');
  assert.ok(ev, JSON.stringify(r.history));
  assert.deepEqual([ev.detail.meeting_id, ev.detail.meeting_title, ev.detail.held_on, ev.detail.decision, ev.detail.lead_department],
    [m.id, good.title, good.held_on, dec.decision, '自然资源和规划分局']);
  assert.ok(r.departments.some((d) => d.id === ids.qfzx) && r.departments.some((d) => d.id === ids.zrgh));
  await ok(await qfzx.get(`/api/v1/requests/${rq.id}`));
  assertError(await jsj.get(`/api/v1/requests/${rq.id}`), 404, 'not_found');
  const mine = await ok(await ent.get(`/api/v1/requests/${rq.id}`));
  assert.ok(mine.history.some((h) => h.action === 'meeting_decided' && h.detail.lead_department === '自然资源和规划分局'),
    'the enterprise sees the outcome on its own request');

  // each department sees its task and marks it; another gets 403
  const zt = (await ok(await zrgh.get('/api/v1/meeting-tasks?mine=1&status=open'))).items.find((t) => t.item.id === prop.id);
  assert.ok(zt && zt.department.id === ids.zrgh);
  assert.ok((await ok(await zrgh.get('/api/v1/meeting-tasks?mine=1'))).items.every((t) => t.department?.id === ids.zrgh));
  const jt = (await ok(await jsj.get('/api/v1/meeting-tasks?mine=1'))).items.find((t) => t.item.id === prop.id);
  assert.ok(jt && jt.department.id === ids.jsj);
  assertError(await jsj.patch(`/api/v1/meeting-tasks/${zt.id}`, { status: 'done' }), 403, 'forbidden');
  assertError(await rsj.patch(`/api/v1/meeting-tasks/${zt.id}`, { status: 'done' }), 403, 'forbidden');
  assertError(await zrgh.patch(`/api/v1/meeting-tasks/${zt.id}`, { status: 'finished' }), 422, 'invalid', 'status');
  assert.equal((await ok(await admin.get(`/api/v1/meeting-tasks?meeting_id=${m.id}&status=done`))).items.length, 0, 'nothing stored');
  const done = await ok(await zrgh.patch(`/api/v1/meeting-tasks/${zt.id}`, { status: 'done', note: '意见已出具' }));
  assert.deepEqual([done.status, done.done_on, done.done_note, done.overdue], ['done', TODAY, '意见已出具', false]);
  assertError(await zrgh.patch('/api/v1/meeting-tasks/999999', { status: 'done' }), 404, 'not_found');

  // participants read the meeting; a department that does not take part does not
  await ok(await jsj.get(`/api/v1/meetings/${m.id}`));
  assertError(await rsj.get(`/api/v1/meetings/${m.id}`), 404, 'not_found');
  assert.ok(!(await ok(await rsj.get('/api/v1/meetings'))).items.some((x) => x.id === m.id));
  assert.ok((await ok(await jsj.get('/api/v1/meetings'))).items.some((x) => x.id === m.id));

  // the meeting moves a day: the deadlines in working days count from the new day
  const moved = await ok(await qfzx.patch(`/api/v1/meetings/${m.id}`, { held_on: addDays(TODAY, 2) }));
  const due2 = await ok(await admin.get(`/api/v1/calendar/due?from=${addDays(TODAY, 2)}&days=10`));
  assert.equal(moved.items.find((i) => i.id === prop.id).tasks.find((t) => t.title === '办理施工许可').due_on, due2.due_on);
  assert.equal(moved.items.find((i) => i.id === prop.id).tasks.find((t) => t.title === '现场协调').due_on, addDays(TODAY, 20));

  // held; the next meeting carries the unfinished tasks
  assertError(await qfzx.patch(`/api/v1/meetings/${m.id}`, { level: 'district' }), 422, 'streets_need_street_level', 'streets');
  assertError(await qfzx.patch(`/api/v1/meetings/${m.id}`, { status: 'over' }), 422, 'invalid', 'status');
  assert.equal((await ok(await qfzx.patch(`/api/v1/meetings/${m.id}`, { status: 'held' }))).status, 'held');
  const next = await ok(await qfzx.post('/api/v1/meetings', { ...good, title: '第2次联席会商', held_on: addDays(TODAY, 3) }), 201);
  const carried = (await ok(await admin.get(`/api/v1/meetings/${next.id}`))).carried_tasks.filter((t) => t.meeting.id === m.id);
  assert.deepEqual(carried.map((t) => t.title).sort(), ['办理施工许可', '现场协调'].sort());
  assert.ok((await ok(await admin.get('/api/v1/meetings?status=held'))).items.every((x) => x.status === 'held'));
  assertError(await admin.get('/api/v1/meetings?from=yesterday'), 422, 'invalid_parameter', 'from');

  // the minutes: HTML (escaped) and Word
  const html = await admin.get(`/api/v1/meetings/${m.id}/minutes`);
  assert.equal(html.status, 200);
  assert.match(html.headers.get('content-type'), /^text\/html/);
  for (const s of ['会议纪要', '会议时间', '会议地点', '主持', '参会单位', '议定事项', '一、', '二、', '牵头单位：', '配合单位：',
    '完成时限', '自然资源和规划分局', '竹行街道', '&lt;测试&amp;&gt;', '@media print'])
    assert.ok(html.text.includes(s), `minutes HTML has ${s}`);
  assert.ok(!html.text.includes('<测试'), 'the title is escaped');
  const docx = await fetch(srv.url + `/api/v1/meetings/${m.id}/minutes.docx`, { headers: { Cookie: admin.cookie } });
  assert.equal(docx.status, 200);
  assert.equal(docx.headers.get('content-type'), 'application/vnd.openxmlformats-officedocument.wordprocessingml.document');
  const bytes = Buffer.from(await docx.arrayBuffer());
  assert.equal(bytes.subarray(0, 2).toString(), 'PK');
  const dir = mkdtempSync(join(tmpdir(), 'zo-docx-'));
  try {
    writeFileSync(join(dir, 'm.docx'), bytes);
    const list = spawnSync('unzip', ['-Z1', join(dir, 'm.docx')], { encoding: 'utf8' });
    assert.equal(list.status, 0, list.stderr);
    assert.deepEqual(list.stdout.trim().split('\n').sort(), ['[Content_Types].xml', '_rels/.rels', 'word/document.xml']);
    const xml = spawnSync('unzip', ['-p', join(dir, 'm.docx'), 'word/document.xml'], { encoding: 'utf8' }).stdout;
    for (const s of ['会议纪要', '一、', '牵头单位：', '自然资源和规划分局', '&lt;测试&amp;&gt;', '办理施工许可'])
      assert.ok(xml.includes(s), `document.xml has ${s}`);
    // an independent reader, when the machine has one
    const py = spawnSync('python3', ['-c', 'import docx,sys; print("\\n".join(p.text for p in docx.Document(sys.argv[1]).paragraphs))', join(dir, 'm.docx')], { encoding: 'utf8' });
    if (py.status === 0) for (const s of ['会议纪要', good.title, '牵头单位：自然资源和规划分局']) assert.ok(py.stdout.includes(s), `python-docx reads ${s}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  // the lead department solves the request: the figures count it
  await ok(await zrgh.post(`/api/v1/requests/${rq.id}/transitions`, { action: 'start' }));
  await ok(await zrgh.post(`/api/v1/requests/${rq.id}/transitions`, { action: 'resolve', resolution: '规划调整完成，许可与环评并联办结' }));
  const stats = await ok(await stat.get('/api/v1/meetings/stats'));
  assert.equal(stats.meetings, stats0.meetings + 2);
  assert.equal(stats.items_decided, stats0.items_decided + 1);
  assert.equal(stats.requests_solved, stats0.requests_solved + 1);
  assert.deepEqual(stats.tasks, { total: stats0.tasks.total + 3, done: stats0.tasks.done + 1, done_on_time: stats0.tasks.done_on_time + 1,
    open: stats0.tasks.open + 2, overdue: stats0.tasks.overdue });
  const zh = (s) => s.by_street.find((x) => x.street.id === ids.zhuhang);
  assert.equal(zh(stats).tasks, zh(stats0).tasks + 1);
  assertError(await stat.get('/api/v1/meetings/stats?year=1800'), 422, 'invalid_parameter', 'year');
});

test('a proposal waits while no meeting is planned and joins the next meeting created', async () => {
  const admin = await as('admin'), qfzx = await as('dept.qfzx'), officer = await as(ids.officer);
  for (const x of (await ok(await admin.get('/api/v1/meetings?status=planned&limit=1000'))).items)
    await ok(await qfzx.patch(`/api/v1/meetings/${x.id}`, { status: 'held' }));
  const rq = await ok(await officer.post('/api/v1/requests', { enterprise_id: ids.hengtai, category: 'approval', title: '等待会商的诉求' }), 201);
  const prop = await ok(await officer.post('/api/v1/meeting-proposals', { request_id: rq.id }), 201);
  assert.equal(prop.meeting, null);
  assert.ok((await ok(await admin.get('/api/v1/meeting-proposals'))).items.some((i) => i.id === prop.id && i.meeting === null));
  const dept = await as('dept.rsj');
  assert.ok(!(await ok(await dept.get('/api/v1/meeting-proposals'))).items.some((i) => i.id === prop.id), 'a department sees its own proposals');
  const m = await ok(await admin.post('/api/v1/meetings', { title: '临时会商', held_on: TODAY, departments: [ids.qfzx] }), 201);
  assert.ok(m.items.some((i) => i.id === prop.id), 'the pending proposal joined the new meeting');
});
