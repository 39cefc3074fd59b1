// End-to-end: which events happen and to whom (issue 13). A demo server
// with the clock injected (ZONEOPS_NOW, Monday 2026-12-07 09:00) and a
// webhook channel for every department, unit, leader, officer and admin
// (inserted with sqlite3/psql); then each event is caused through the API
// -- a request submitted, accepted, escalated, rated 1; a policy batch
// made; a land objection filed -- and the outbox holds exactly one
// notification per destination the event is for (dest 'c:<channel>').
// Then the clock moves: a second server start at Monday 2026-12-28 09:00
// (the last week of the month, after the 08:30 digest time) and a scan
// (`zoneops notify scan`, or the server's own worker) give the time-driven
// events: due soon, overdue (the handler; the leaders a working day
// later), acceptance overdue (the officer), the digests and the units'
// quota at risk. Also: an enterprise's contact_email through the API.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { BIN, Client, cli, freshDb, startServer, demoAdminPassword, demoUsers } from './lib.mjs';

const NOW1 = '2026-12-07T09:00:00+08:00';
const NOW2 = '2026-12-28T09:00:00+08:00';
let db, srv, as;
const ids = {};
const ch = { dept: {}, unit: {}, user: {} };   // owner id -> channel id

function sql(stmt) {
  const url = db.url;
  const r = url.startsWith('sqlite:')
    ? spawnSync('sqlite3', ['-cmd', '.timeout 10000', url.slice(7), stmt], { encoding: 'utf8' })
    : spawnSync('psql', [url, '-q', '-At', '-v', 'ON_ERROR_STOP=1', '-c', stmt], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim();
}
const rows = (stmt) => sql(stmt).split('\n').filter(Boolean).map((l) => l.split('|'));
const q = (s) => `'${String(s).replace(/'/g, "''")}'`;

// A webhook channel for every department, unit, leader, officer and admin,
// in one statement (the server's connections are not left idle meanwhile).
function channels() {
  const ins = (col, from) => `INSERT INTO channels (kind, name, target, ${col}, events, enabled, created_at, updated_at)`
    + ` SELECT 'webhook', 'test ${col} ' || CAST(id AS TEXT), 'http://127.0.0.1:9/hook', id, '', 1, 0, 0 FROM ${from};`;
  sql(ins('department_id', 'departments') + ins('unit_id', 'units')
    + ins('user_id', "users WHERE role IN ('leader', 'officer', 'admin')"));
  for (const [id, d, u, usr] of rows('SELECT id, department_id, unit_id, user_id FROM channels ORDER BY id')) {
    if (d) ch.dept[d] = Number(id);
    if (u) ch.unit[u] = Number(id);
    if (usr) ch.user[usr] = Number(id);
  }
}

// The events of kind about entity id (or the one with key), each with its destinations, sorted.
function eventsOf(where) {
  return rows(`SELECT e.id, e.event_key, e.payload FROM notify_events e WHERE ${where} ORDER BY e.id`).map(([id, key, ...p]) => ({
    id: Number(id), key, payload: JSON.parse(p.join('|')),
    dests: rows(`SELECT dest FROM notifications WHERE event_id = ${id} ORDER BY dest`).map((r) => r[0]),
  }));
}
function oneEvent(where) {
  const ev = eventsOf(where);
  assert.equal(ev.length, 1, `one event where ${where}: ${JSON.stringify(ev)}`);
  return ev[0];
}
const byKey = (key) => oneEvent(`e.event_key = ${q(key)}`);
const byKind = (kind, entity) => oneEvent(`e.kind = ${q(kind)} AND e.entity_id = ${entity}`);
const dests = (...chans) => chans.flat().map((c) => `c:${c}`).sort();
const leaderChannels = () => ids.leaders.map((u) => ch.user[u]);

async function act(who, id, body) {
  const r = await who.post(`/api/v1/requests/${id}/transitions`, body);
  assert.equal(r.status, 200, `${body.action}: ${r.text}`);
  return r.json;
}

async function newRequest(title) {
  const r = await (await as('ent.hengtai')).post('/api/v1/requests', { category: 'policy', title });
  assert.equal(r.status, 201, r.text);
  return r.json.id;
}

before(async () => {
  db = freshDb();
  srv = await startServer(db.url, ['--demo'], { ZONEOPS_NOW: NOW1 });
  as = demoUsers(srv, await demoAdminPassword(srv));
  const admin = await as('admin');
  const deps = (await admin.get('/api/v1/departments')).json.items;
  const by = Object.fromEntries(deps.map((d) => [d.name, d.id]));
  ids.qfzx = by['企业发展服务中心'];
  ids.hg = by['南通海关'];
  const me = (await (await as('ent.hengtai')).get('/api/v1/me')).json;
  ids.hengtai = me.enterprise_id ?? me.user?.enterprise_id;
  ids.officer = (await admin.get(`/api/v1/enterprises/${ids.hengtai}`)).json.officer_id;
  ids.officerName = sql(`SELECT username FROM users WHERE id = ${ids.officer}`);
  ids.leaders = rows("SELECT id FROM users WHERE role = 'leader' ORDER BY id").map((r) => Number(r[0]));
  ids.admins = rows("SELECT id FROM users WHERE role = 'admin' ORDER BY id").map((r) => Number(r[0]));
  ids.bureaus = rows('SELECT id FROM departments WHERE land_bureau = 1 ORDER BY id').map((r) => Number(r[0]));
  channels();
  ids.firstEvent = Number(sql('SELECT COALESCE(max(id), 0) FROM notify_events'));
});

after(async () => {
  const code = await srv.stop();
  db.cleanup();
  if (code !== 0) throw new Error(`server exited ${code}:\n${srv.output().stderr.slice(-4000)}`);
});

test('a request submitted goes to its officer, accepted to the department, escalated to the receiving department', async () => {
  const officer = await as(ids.officerName), qfzx = await as('dept.qfzx');
  const id = await newRequest('出口退税*加急*办理');
  ids.r1 = id;
  let ev = byKey(`request.submitted:${id}`);
  assert.deepEqual(ev.dests, dests(ch.user[ids.officer]));
  assert.equal(ev.payload.title, '出口退税*加急*办理');
  assert.equal(ev.payload.path, `#/requests/${id}`);
  assert.ok(ev.payload.enterprise);

  await act(officer, id, { action: 'accept', department_id: ids.qfzx });
  ev = byKey(`request.assigned:${id}`);
  assert.deepEqual(ev.dests, dests(ch.dept[ids.qfzx]));
  assert.equal(ev.payload.department, '企业发展服务中心');
  assert.ok(Number.isInteger(ev.payload.workdays_left) && ev.payload.workdays_left > 0, JSON.stringify(ev.payload));

  await act(qfzx, id, { action: 'start' });
  await act(qfzx, id, { action: 'escalate', department_id: ids.hg, reason: '需市级协调' });
  ev = byKind('request.escalated', id);
  assert.deepEqual(ev.dests, dests(ch.dept[ids.hg]));
  assert.equal(ev.payload.reason, '需市级协调');
  assert.equal(ev.payload.actor !== undefined, true);
  // the enterprise is told of the acceptance and the escalation (request.update, to its
  // contact e-mail: set it, and the next step's notice goes there)
  const upd = eventsOf(`e.kind = 'request.update' AND e.entity_id = ${id}`);
  assert.deepEqual(upd.map((e) => e.payload.action), ['accept', 'escalate']);
  assert.deepEqual(upd.map((e) => e.dests), [[], []]);
  // the other steps tell nobody
  assert.equal(eventsOf(`e.entity_id = ${id} AND e.entity = 'request'`).length, 5);
  sql(`UPDATE enterprises SET contact_email = 'office@hengtai.example' WHERE id = ${ids.hengtai}`);
  const id2 = await newRequest('用电增容');
  await act(officer, id2, { action: 'accept', department_id: ids.qfzx });
  ev = oneEvent(`e.event_key LIKE 'request.update:${id2}:accept:%'`);
  assert.equal(sql(`SELECT kind || ' ' || target FROM notifications WHERE event_id = ${ev.id}`), 'email office@hengtai.example');
});

test('a rating of 1 goes to the officer and every leader; a rating of 4 to nobody', async () => {
  const officer = await as(ids.officerName), qfzx = await as('dept.qfzx'), ent = await as('ent.hengtai');
  const id = await newRequest('招工补贴申领');
  await act(officer, id, { action: 'accept', department_id: ids.qfzx });
  await act(qfzx, id, { action: 'start' });
  await act(qfzx, id, { action: 'resolve', resolution: '已办结' });
  await act(ent, id, { action: 'rate', rating: 1, comment: '太慢' });
  const ev = byKind('request.rated_low', id);
  assert.deepEqual(ev.dests, dests(ch.user[ids.officer], leaderChannels()));
  assert.equal(ev.payload.rating, 1);
  assert.equal(ev.payload.comment, '太慢');
  await act(qfzx, id, { action: 'resolve', resolution: '已补办' });
  await act(ent, id, { action: 'rate', rating: 4 });
  assert.equal(eventsOf(`e.kind = 'request.rated_low' AND e.entity_id = ${id}`).length, 1);
});

test('a policy batch awaiting approval goes to the leaders', async () => {
  const officer = await as('officer01');
  const year = Number((await officer.get('/api/v1/batches?state=pending')).json.items[0].year);
  const pols = (await officer.get('/api/v1/policies')).json.items;
  let made = null;
  for (const p of pols) {
    for (const y of [year, year - 1]) {
      const r = await officer.post(`/api/v1/policies/${p.id}/batches`, { year: y });
      if (r.status === 201) { made = r.json; break; }
      assert.equal(r.status, 409, r.text);   // nothing left to grant
    }
    if (made) break;
  }
  assert.ok(made, 'a batch could be made');
  const ev = byKind('policy.batch_pending', made.id);
  assert.deepEqual(ev.dests, dests(leaderChannels()));
  assert.equal(ev.payload.path, `#/policies/batch/${made.id}`);
  assert.ok(ev.payload.items > 0);
});

test('a land objection goes to the land bureau, the admins and the leaders', async () => {
  const [[evalId, entId]] = rows("SELECT r.evaluation_id, r.enterprise_id FROM land_results r JOIN land_evaluations v"
    + " ON v.id = r.evaluation_id WHERE v.state = 'published' AND r.enterprise_id NOT IN"
    + ' (SELECT enterprise_id FROM land_objections) ORDER BY r.enterprise_id LIMIT 1');
  const admin = await as('admin');
  const u = await admin.post('/api/v1/users', { username: 'ent.objector', password: 'objector-pass-1', role: 'enterprise',
    enterprise_id: Number(entId) });
  assert.equal(u.status, 201, u.text);
  const tok = cli(db.url, ['token', 'create', '--user', 'ent.objector']);
  assert.equal(tok.status, 0, tok.stderr);
  const objector = new Client(srv.url, tok.stdout.trim());
  const r = await objector.post(`/api/v1/land/evaluations/${evalId}/objections`, { text: '面积有误' });
  assert.equal(r.status, 201, r.text);
  const ev = byKind('land.objection_filed', r.json.id);
  assert.ok(ids.bureaus.length > 0);
  assert.deepEqual(ev.dests, dests(ids.bureaus.map((d) => ch.dept[d]), ids.admins.map((a) => ch.user[a]), leaderChannels()));
  assert.equal(ev.payload.path, `#/land/objections?evaluation=${evalId}`);
});

test('an enterprise\'s contact_email: given, validated, shown to those who serve it', async () => {
  const ent = await as('ent.hengtai'), admin = await as('admin');
  let r = await ent.patch(`/api/v1/enterprises/${ids.hengtai}`, { contact_email: 'not an address' });
  assert.equal(r.status, 422, r.text);
  assert.equal(r.json.error.code, 'invalid');
  assert.equal(r.json.error.field, 'contact_email');
  r = await ent.patch(`/api/v1/enterprises/${ids.hengtai}`, { contact_email: 'service@hengtai.example.cn' });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.contact_email, 'service@hengtai.example.cn');
  assert.equal((await admin.get(`/api/v1/enterprises/${ids.hengtai}`)).json.contact_email, 'service@hengtai.example.cn');
  const rec = (await admin.get('/api/v1/users?limit=1000')).json.items.find((x) => x.role === 'recruiter');
  if (rec) {
    const g = await (await as(rec.username)).get(`/api/v1/enterprises/${ids.hengtai}`);
    if (g.status === 200) assert.equal(g.json.contact_email, undefined, 'hidden like the other contact fields');
  }
  r = await ent.patch(`/api/v1/enterprises/${ids.hengtai}`, { contact_email: null });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.contact_email, '');
});

test('three weeks later: due soon, overdue, acceptance overdue, the digests and the quotas at risk, each once', async () => {
  const officer = await as(ids.officerName);
  // R1 is with 南通海关 (escalated): due the next working day after the 28th
  sql(`UPDATE requests SET due_on = '2026-12-29' WHERE id = ${ids.r1}`);
  // R3 with 企业发展服务中心, due Thursday the 24th: two working days overdue on Monday the 28th
  const r3 = await newRequest('厂区断电');
  await act(officer, r3, { action: 'accept', department_id: ids.qfzx });
  sql(`UPDATE requests SET due_on = '2026-12-24' WHERE id = ${r3}`);
  // R4 never accepted: its last day to accept was Friday the 25th
  const r4 = await newRequest('无人受理');
  sql(`UPDATE requests SET accept_due_on = '2026-12-25' WHERE id = ${r4}`);
  const code = await srv.stop();
  assert.equal(code, 0, srv.output().stderr.slice(-4000));
  srv = await startServer(db.url, [], { ZONEOPS_NOW: NOW2 });
  // the scan, now (the server's worker runs it every minute too: once either way)
  const scan = spawnSync(BIN, ['notify', 'scan', '--db', db.url], { encoding: 'utf8', env: { ...process.env, ZONEOPS_NOW: NOW2 } });
  assert.equal(scan.status, 0, scan.stderr);
  const want = [`request.due_soon:${ids.r1}:2026-12-29`, `request.overdue:${r3}:2026-12-24`,
    `request.overdue:${r3}:2026-12-24:leader`, `request.overdue:${r4}:2026-12-25:accept`,
    `digest:u:${ids.officer}:2026-12-28`, `digest:d:${ids.qfzx}:2026-12-28`];
  for (let i = 0; i < 900; i++) {
    if (Number(sql(`SELECT count(*) FROM notify_events WHERE event_key IN (${want.map(q).join(', ')})`)) === want.length) break;
    await new Promise((res) => setTimeout(res, 100));
  }
  let ev = byKey(`request.due_soon:${ids.r1}:2026-12-29`);
  assert.deepEqual(ev.dests, dests(ch.dept[ids.hg]));
  assert.equal(ev.payload.workdays_left, 1);
  ev = byKey(`request.overdue:${r3}:2026-12-24`);
  assert.deepEqual(ev.dests, dests(ch.dept[ids.qfzx]));
  assert.equal(ev.payload.workdays_left, -2);
  ev = byKey(`request.overdue:${r3}:2026-12-24:leader`);
  assert.deepEqual(ev.dests, dests(leaderChannels()));
  assert.equal(ev.payload.leader, true);
  assert.equal(ev.payload.department, '企业发展服务中心', 'the leaders see who is late');
  ev = byKey(`request.overdue:${r4}:2026-12-25:accept`);
  assert.deepEqual(ev.dests, dests(ch.user[ids.officer]));
  assert.equal(ev.payload.stage, 'accept');
  // a working day after the 25th is today: the leaders' copy comes tomorrow
  assert.equal(eventsOf(`e.event_key = ${q(`request.overdue:${r4}:2026-12-25:accept:leader`)}`).length, 0);
  ev = byKey(`digest:u:${ids.officer}:2026-12-28`);
  assert.deepEqual(ev.dests, dests(ch.user[ids.officer]));
  assert.ok(ev.payload.open >= 2 && ev.payload.overdue >= 1, JSON.stringify(ev.payload));
  ev = byKey(`digest:d:${ids.qfzx}:2026-12-28`);
  assert.deepEqual(ev.dests, dests(ch.dept[ids.qfzx]));
  // the quotas: each unit at risk to its channel and its leader's, not every leader's
  const quota = eventsOf(`e.kind = 'race.quota_at_risk' AND e.event_key LIKE '%:2026-12'`);
  assert.ok(quota.length > 0, 'a unit at risk in the demo');
  for (const e of quota) {
    const unit = Number(e.key.split(':')[1]);
    const lead = rows(`SELECT id FROM users WHERE role = 'leader' AND unit_id = ${unit} ORDER BY id`).map((r) => ch.user[r[0]]);
    assert.deepEqual(e.dests, dests(ch.unit[unit], lead), e.key);
    assert.ok(e.payload.total > e.payload.met);
  }
  // again: nothing new
  const before = Number(sql('SELECT count(*) FROM notify_events'));
  const again = spawnSync(BIN, ['notify', 'scan', '--db', db.url], { encoding: 'utf8', env: { ...process.env, ZONEOPS_NOW: NOW2 } });
  assert.equal(again.status, 0, again.stderr);
  assert.equal(Number(sql('SELECT count(*) FROM notify_events')), before);
});
