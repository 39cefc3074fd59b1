// End-to-end: notification channels, the outbox as the API shows it, and a
// user's own notification settings (issue 13).  On a demo server, with API
// tokens for a user of each role:
//   - CRUD of channels by an admin; the secret is never in an answer nor in
//     /api/v1/audit (has_secret says whether there is one), nor a target's
//     query string (a robot's key) in the audit log;
//   - who manages which channel (docs/permissions.md): own user, own
//     department (department role), own unit (recruiter, unit leader); a
//     leader reads all; others 404, a channel one reads but may not change 403;
//   - every error code with its field;
//   - the test button against the local receiver (tests/e2e/notify_receiver.mjs):
//     200 with the receiver's status, the webhook's HMAC verified, and 502
//     channel_failed with the sender's error when the receiver refuses;
//   - GET/PUT /api/v1/me/notify and its errors; the outbox list's filters.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Client, cli, freshDb, startServer, demoAdminPassword } from './lib.mjs';
import { startReceiver } from './notify_receiver.mjs';

const USERS = { admin: 'admin', leader: 'leader.ib', recruiter: 'rec.ib.1', officer: 'officer01',
  department: 'dept.qfzx', statistician: 'stats', enterprise: 'ent.hengtai' };
const SECRET = 'S3cr3t-never-shown-0123456789';
const ROBOT_KEY = 'robot-key-never-in-audit';
const NOID = 999999999;

let db, srv, rx;
const as = {}, me = {};

function assertError(r, status, code, field) {
  assert.equal(r.status, status, r.text);
  assert.equal(r.json?.error?.code, code, r.text);
  if (field !== undefined) assert.equal(r.json.error.field, field, r.text);
}

async function ok(p, what) {
  const r = await p;
  assert.ok(r.status >= 200 && r.status < 300, `${what}: ${r.status} ${r.text}`);
  return r.json;
}

const put = (c, p, b) => c.req('PUT', p, b);

before(async () => {
  rx = await startReceiver({ webhookSecret: SECRET });
  db = freshDb();
  srv = await startServer(db.url, ['--demo']);
  await demoAdminPassword(srv);
  for (const [role, user] of Object.entries(USERS)) {
    const t = cli(db.url, ['token', 'create', '--user', user]);
    assert.equal(t.status, 0, `token for ${user}: ${t.stderr}`);
    as[role] = new Client(srv.url, t.stdout.trim());
    me[role] = (await as[role].get('/api/v1/me')).json;
  }
  await ok(as.admin.patch('/api/v1/settings', { 'notify.allowed_hosts': 'qyapi.weixin.qq.com,oapi.dingtalk.com,127.0.0.1' }),
    'allowed hosts');
});

after(async () => {
  await rx?.stop();
  const code = await srv?.stop();
  db?.cleanup();
  if (code !== 0) throw new Error(`server exited ${code}:\n${srv.output().stderr.slice(-4000)}`);
});

const hook = (name = 'h1') => `http://127.0.0.1:${rx.httpPort}/hook/${name}`;

test('an admin creates, reads, changes and deletes a channel; the secret never comes back', async () => {
  const dept = me.department.department_id;
  const c = await as.admin.post('/api/v1/channels', { kind: 'webhook', name: '前服中心群', target: hook(), secret: SECRET,
    department_id: dept, events: ['request.submitted', 'request.overdue'] });
  assert.equal(c.status, 201, c.text);
  assert.ok(!c.text.includes(SECRET), 'no secret in the answer');
  assert.equal(c.json.secret, undefined);
  assert.equal(c.json.has_secret, true);
  assert.equal(c.json.kind, 'webhook');
  assert.equal(c.json.owner, 'department');
  assert.equal(c.json.department_id, dept);
  assert.deepEqual(c.json.events, ['request.submitted', 'request.overdue']);
  assert.equal(c.json.enabled, true);
  const id = c.json.id;

  const list = await ok(as.admin.get('/api/v1/channels'), 'list');
  assert.ok(list.items.some((x) => x.id === id && x.has_secret === true && x.owner_name), JSON.stringify(list));
  assert.ok(!JSON.stringify(list).includes(SECRET));

  const p = await ok(as.admin.patch(`/api/v1/channels/${id}`, { name: '改名', events: [], enabled: false }), 'patch');
  assert.equal(p.name, '改名');
  assert.deepEqual(p.events, []);
  assert.equal(p.enabled, false);
  assert.equal(p.has_secret, true, 'an absent secret is kept');
  const cleared = await ok(as.admin.patch(`/api/v1/channels/${id}`, { secret: '' }), 'clear secret');
  assert.equal(cleared.has_secret, false);

  const d = await as.admin.del(`/api/v1/channels/${id}`);
  assert.equal(d.status, 204, d.text);
  assert.ok(!(await ok(as.admin.get('/api/v1/channels'), 'list')).items.some((x) => x.id === id));
  assertError(await as.admin.del(`/api/v1/channels/${id}`), 404, 'not_found', 'id');
});

test('the audit log records channel changes without the secret or the robot key', async () => {
  const c = await ok(as.admin.post('/api/v1/channels', { kind: 'wecom', target: `http://127.0.0.1:${rx.httpPort}/cgi-bin/webhook/send?key=${ROBOT_KEY}`,
    secret: SECRET, user_id: me.admin.id }), 'create');
  await ok(as.admin.patch(`/api/v1/channels/${c.id}`, { secret: `${SECRET}-2`, name: 'x' }), 'patch');
  const a = await ok(as.admin.get('/api/v1/audit?entity=channel&limit=100'), 'audit');
  const rows = a.items.filter((x) => String(x.entity_id) === String(c.id));
  assert.ok(rows.some((x) => x.action === 'channel.create'), JSON.stringify(a.items.slice(0, 5)));
  assert.ok(rows.some((x) => x.action === 'channel.update' && /"secret":"changed"/.test(x.detail)), JSON.stringify(rows));
  assert.ok(rows.some((x) => x.action === 'channel.update' && x.label === 'x'), 'the row names the channel');
  const all = JSON.stringify(await ok(as.admin.get('/api/v1/audit?limit=1000'), 'audit'));
  assert.ok(!all.includes(SECRET), 'no secret anywhere in the audit log');
  assert.ok(!all.includes(ROBOT_KEY), 'no robot key in the audit log');
  await ok(as.admin.del(`/api/v1/channels/${c.id}`), 'delete');
});

test('each validation error has its code and field', async () => {
  const base = { kind: 'webhook', target: hook(), user_id: me.admin.id };
  const post = (b) => as.admin.post('/api/v1/channels', b);
  assertError(await post({ target: hook(), user_id: me.admin.id }), 422, 'required', 'kind');
  assertError(await post({ ...base, kind: 'fax' }), 422, 'invalid_kind', 'kind');
  assertError(await post({ kind: 'webhook', user_id: me.admin.id }), 422, 'required', 'target');
  assertError(await post({ kind: 'webhook', target: hook() }), 422, 'owner_required', 'department_id');
  assertError(await post({ ...base, department_id: me.department.department_id }), 422, 'owner_required', 'department_id');
  assertError(await post({ ...base, user_id: NOID }), 422, 'unknown_owner', 'user_id');
  assertError(await post({ kind: 'webhook', target: hook(), unit_id: NOID }), 422, 'unknown_owner', 'unit_id');
  assertError(await post({ ...base, user_id: me.enterprise.id }), 422, 'unknown_owner', 'user_id');
  const ev = await post({ ...base, events: ['request.submitted', 'no.such'] });
  assertError(ev, 422, 'unknown_event', 'events');
  assert.equal(ev.json.error.params?.event, 'no.such');
  assertError(await post({ ...base, events: ['test'] }), 422, 'unknown_event', 'events');
  assertError(await post({ ...base, events: 'digest' }), 422, 'invalid_type', 'events');
  assertError(await post({ ...base, name: 'x'.repeat(101) }), 422, 'too_long', 'name');
  assertError(await post({ ...base, colour: 'red' }), 422, 'unknown_field');
  assertError(await post({ ...base, target: 'ftp://127.0.0.1/x' }), 422, 'invalid_target', 'target');
  assertError(await post({ ...base, target: 'https://evil.example/hook' }), 422, 'invalid_target', 'target');
  const c = await ok(post(base), 'create');
  assertError(await as.admin.patch(`/api/v1/channels/${c.id}`, { user_id: me.officer.id }), 422, 'unknown_field');
  assertError(await as.admin.patch(`/api/v1/channels/${c.id}`, { target: 'ftp://127.0.0.1/x' }), 422, 'invalid_target', 'target');
  assertError(await as.admin.patch(`/api/v1/channels/${c.id}`, { target: '' }), 422, 'required', 'target');
  assertError(await as.admin.patch(`/api/v1/channels/${c.id}`, { enabled: 'yes' }), 422, 'invalid_type', 'enabled');
  assertError(await as.admin.patch(`/api/v1/channels/${NOID}`, { name: 'x' }), 404, 'not_found', 'id');
  await ok(as.admin.del(`/api/v1/channels/${c.id}`), 'delete');
});

test('who manages which channel: own user, own department, own unit; a leader reads all', async () => {
  const mk = (who, body) => as[who].post('/api/v1/channels', { kind: 'webhook', target: hook(who), ...body });
  const mine = {};
  // a department user: its department and itself, not another department nor another user
  mine.dept = await ok(mk('department', { department_id: me.department.department_id, target: `${hook('department')}?key=k42secret` }),
    'dept own department');
  mine.deptUser = await ok(mk('department', { user_id: me.department.id }), 'dept own user');
  const depts = (await ok(as.admin.get('/api/v1/departments'), 'departments')).items;
  const other = depts.find((d) => d.id !== me.department.department_id);
  assertError(await mk('department', { department_id: other.id }), 403, 'forbidden_owner', 'department_id');
  assertError(await mk('department', { user_id: me.officer.id }), 403, 'forbidden_owner', 'user_id');
  // an officer: itself only (not its department, even when it has one)
  mine.officer = await ok(mk('officer', { user_id: me.officer.id }), 'officer own user');
  assertError(await mk('officer', { department_id: me.department.department_id }), 403, 'forbidden_owner', 'department_id');
  // a recruiter: its unit
  mine.unit = await ok(mk('recruiter', { unit_id: me.recruiter.unit_id }), 'recruiter own unit');
  const units = (await ok(as.admin.get('/api/v1/units'), 'units')).items;
  const otherUnit = units.find((u) => u.id !== me.recruiter.unit_id);
  assertError(await mk('recruiter', { unit_id: otherUnit.id }), 403, 'forbidden_owner', 'unit_id');
  // the admin's for the statistician's user
  mine.stats = await ok(as.admin.post('/api/v1/channels', { kind: 'email', target: 'stats@example.com', user_id: me.statistician.id }), 'admin for stats');

  const seen = async (who) => (await ok(as[who].get('/api/v1/channels'), `${who} list`)).items.map((x) => x.id);
  const d = await seen('department');
  assert.ok(d.includes(mine.dept.id) && d.includes(mine.deptUser.id), 'department sees its own');
  assert.ok(!d.includes(mine.officer.id) && !d.includes(mine.unit.id) && !d.includes(mine.stats.id), 'and nothing else');
  // an officer: its own user's channels only (officer01 has the demo's e-mail channel too)
  const offs = (await ok(as.officer.get('/api/v1/channels'), 'officer list')).items;
  assert.ok(offs.some((c) => c.id === mine.officer.id), 'the officer sees its own');
  assert.ok(offs.every((c) => c.user_id === me.officer.id), 'and no other owner\'s');
  assert.deepEqual(await seen('statistician'), [mine.stats.id]);
  assert.ok((await seen('recruiter')).includes(mine.unit.id));
  const l = await seen('leader');
  for (const c of Object.values(mine)) assert.ok(l.includes(c.id), `the leader reads ${c.id}`);
  assertError(await as.enterprise.get('/api/v1/channels'), 403, 'forbidden');

  // another's channel is unknown; one read but not managed is 403
  assertError(await as.officer.patch(`/api/v1/channels/${mine.dept.id}`, { name: 'x' }), 404, 'not_found', 'id');
  assertError(await as.officer.del(`/api/v1/channels/${mine.dept.id}`), 404, 'not_found', 'id');
  assertError(await as.officer.post(`/api/v1/channels/${mine.dept.id}/test`), 404, 'not_found', 'id');
  assertError(await as.leader.patch(`/api/v1/channels/${mine.dept.id}`, { name: 'x' }), 403, 'forbidden_channel', 'id');
  const lc = (await ok(as.leader.get('/api/v1/channels'), 'leader list')).items.find((x) => x.id === mine.dept.id);
  assert.equal(lc.can_edit, false);
  // a reader who may not change it does not read the key in its URL's query
  const full = (await ok(as.department.get('/api/v1/channels'), 'dept list')).items.find((x) => x.id === mine.dept.id);
  assert.equal(full.can_edit, true);
  assert.equal(full.target, `${hook('department')}?key=k42secret`);
  assert.equal(lc.target, `${hook('department')}?…`);
  // the owners change theirs
  await ok(as.department.patch(`/api/v1/channels/${mine.dept.id}`, { enabled: false }), 'dept patch');
  await ok(as.recruiter.del(`/api/v1/channels/${mine.unit.id}`), 'recruiter delete');
  for (const c of [mine.dept, mine.deptUser, mine.officer, mine.stats]) await ok(as.admin.del(`/api/v1/channels/${c.id}`), 'cleanup');
});

test('the test button sends now: 200 with the receiver\'s status, 502 channel_failed with the sender\'s error', async () => {
  const c = await ok(as.department.post('/api/v1/channels', { kind: 'webhook', name: '测试', target: hook('btn'), secret: SECRET,
    department_id: me.department.department_id }), 'create');
  const before = rx.messages.length;
  const t = await as.department.post(`/api/v1/channels/${c.id}/test`);
  assert.equal(t.status, 200, t.text);
  assert.equal(t.json.ok, true);
  assert.equal(t.json.http_status, 200);
  assert.ok(!t.text.includes(SECRET));
  const got = rx.messages.slice(before).filter((m) => m.channel === 'webhook' && m.dest === 'btn');
  assert.equal(got.length, 1, JSON.stringify(rx.messages.slice(before)));
  assert.equal(got[0].verified, true, 'the HMAC verifies with the stored secret');
  assert.match(got[0].eventId || '', /^zo-test-/);
  // the outbox is not involved
  assert.equal((await ok(as.admin.get('/api/v1/notifications'), 'outbox')).items.filter((n) => n.channel_id === c.id).length, 0);

  rx.fail(1);
  const f = await as.department.post(`/api/v1/channels/${c.id}/test`);
  assertError(f, 502, 'channel_failed');
  assert.ok(f.json.error.message.length > 0, f.text);
  // a wrong secret: the receiver refuses the signature
  await ok(as.department.patch(`/api/v1/channels/${c.id}`, { secret: 'wrong' }), 'wrong secret');
  assertError(await as.department.post(`/api/v1/channels/${c.id}/test`), 502, 'channel_failed');
  const audit = await ok(as.admin.get('/api/v1/audit?entity=channel&limit=100'), 'audit');
  assert.ok(audit.items.some((x) => x.action === 'channel.test' && String(x.entity_id) === String(c.id)), 'the test is audited');
  await ok(as.admin.del(`/api/v1/channels/${c.id}`), 'delete');
});

test('my notification settings: defaults, a change, and each error with its field', async () => {
  const g = await ok(as.officer.get('/api/v1/me/notify'), 'get');
  assert.deepEqual({ ...g, kinds: undefined }, { events: [], quiet_from: '', quiet_to: '', email: '', lang: 'zh', kinds: undefined });
  assert.ok(g.kinds.includes('request.overdue') && g.kinds.includes('digest') && !g.kinds.includes('test'));
  const p = await ok(put(as.officer, '/api/v1/me/notify', { events: ['request.overdue', 'digest'], quiet_from: '22:00',
    quiet_to: '07:30', email: 'officer01@example.com', lang: 'en' }), 'put');
  assert.deepEqual(p.events, ['request.overdue', 'digest']);
  assert.equal(p.quiet_from, '22:00');
  assert.equal(p.lang, 'en');
  const partial = await ok(put(as.officer, '/api/v1/me/notify', { lang: 'zh' }), 'partial put');
  assert.equal(partial.email, 'officer01@example.com', 'absent fields are kept');
  assert.deepEqual(partial.events, ['request.overdue', 'digest']);
  assert.equal(partial.lang, 'zh');
  const bad = (b) => put(as.officer, '/api/v1/me/notify', b);
  assertError(await bad({ quiet_from: '25:00', quiet_to: '07:00' }), 422, 'invalid_time', 'quiet_from');
  assertError(await bad({ quiet_from: '22:00', quiet_to: '7' }), 422, 'invalid_time', 'quiet_to');
  assertError(await bad({ quiet_from: '', quiet_to: '07:00' }), 422, 'quiet_hours_incomplete', 'quiet_from');
  assertError(await bad({ email: 'not an address' }), 422, 'invalid_email', 'email');
  assertError(await bad({ lang: 'fr' }), 422, 'invalid_lang', 'lang');
  assertError(await bad({ events: ['nope'] }), 422, 'unknown_event', 'events');
  assertError(await bad({ volume: 3 }), 422, 'unknown_field');
  // everyone has its own, an enterprise too
  assert.equal((await ok(as.enterprise.get('/api/v1/me/notify'), 'ent')).lang, 'zh');
  assert.equal((await ok(as.leader.get('/api/v1/me/notify'), 'leader')).email, '');
});

test('the outbox: filters and their errors, a notification by id, resend for admins only', async () => {
  const all = await ok(as.admin.get('/api/v1/notifications?limit=10'), 'admin list');
  assert.ok(Array.isArray(all.items) && Number.isInteger(all.total));
  assert.equal(all.limit, 10);
  const dead = await ok(as.admin.get('/api/v1/notifications?state=dead'), 'dead');
  assert.ok(dead.items.every((n) => n.state === 'dead'));
  assertError(await as.admin.get('/api/v1/notifications?state=lost'), 422, 'invalid_parameter', 'state');
  assert.equal((await as.admin.get('/api/v1/notifications?limit=0')).status, 422);
  assertError(await as.admin.get(`/api/v1/notifications/${NOID}`), 404, 'not_found', 'id');
  assertError(await as.admin.post(`/api/v1/notifications/${NOID}/resend`), 404, 'not_found', 'id');
  assertError(await as.officer.post(`/api/v1/notifications/${NOID}/resend`), 403, 'forbidden');
  const mine = await ok(as.enterprise.get('/api/v1/notifications'), 'enterprise list');
  assert.ok(mine.items.every((n) => n.enterprise_id === me.enterprise.enterprise_id || n.user_id === me.enterprise.id));
  for (const n of all.items) assert.ok(!JSON.stringify(n).includes(SECRET));
});
