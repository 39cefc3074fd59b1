// End-to-end: the race's rules hold against its own players (issue 9,
// findings 3, 6, 7 and 10).
//   - A lead is edited by its current recruiter (still in its unit), its
//     unit's leader (a leader bound to no unit: every unit's) or an admin,
//     each with its own rights: the creator gets none from having created it.
//   - A recruiter reads only its own unit's leads (another unit's is 404).
//   - A qualified or rejected lead is frozen: only a leader of its unit or
//     an admin changes it, with a written reason that the audit log keeps;
//     a recruiter gets 409 lead_frozen.
//   - A unit's leader sets only its own unit's targets.
//   - Publishing is for closed months (before the current month in zone
//     time), by an admin or a zone leader (bound to no unit); an admin
//     withdraws a publication with a reason.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { adminServer, Client, cli, freshDb, startServer, demoAdminPassword } from './lib.mjs';

let srv, db, admin;
const units = {}, users = {}, clients = {};

async function as(name) {
  if (!clients[name]) {
    const t = cli(db.url, ['token', 'create', '--user', name]);
    assert.equal(t.status, 0, t.stderr);
    clients[name] = new Client(srv.url, t.stdout.trim());
  }
  return clients[name];
}
function err(r, status, code, field) {
  assert.equal(r.status, status, r.text);
  if (code !== undefined) assert.equal(r.json.error.code, code, r.text);
  if (field !== undefined) assert.equal(r.json.error.field, field, r.text);
}
let seq = 0;
// A new pending lead of unit code recorded by user name.
async function newLead(name, code, extra = {}) {
  const c = await as(name);
  const r = await c.post('/api/v1/leads', { unit_id: units[code], company: `赛马规则测试${++seq}号有限公司`,
    captured_on: '2020-03-10', est_investment: 1, ...extra });
  assert.equal(r.status, 201, r.text);
  return r.json;
}
const lead = async (id) => (await admin.get(`/api/v1/leads/${id}`)).json;

before(async () => {
  db = freshDb();
  srv = await startServer(db.url, ['--demo']);
  await demoAdminPassword(srv);
  // the demo's zone leader (区领导, leader.zone) is a leader bound to no unit
  admin = await as('admin');
  for (const u of (await admin.get('/api/v1/units')).json.items) units[u.code] = u.id;
  for (const u of (await admin.get('/api/v1/users?limit=500')).json.items) users[u.username] = u.id;
});
after(async () => {
  const code = await srv.stop();
  db.cleanup();
  if (code !== 0) throw new Error(`server exited ${code}:\n${srv.output().stderr.slice(-4000)}`);
});

describe('finding 3: a recruiter gets no rights from having created a lead', () => {
  test('a reassigned lead is not taken back by its creator', async () => {
    const l = await newLead('rec.ib.1', 'ib');
    const re = await (await as('leader.ib')).patch(`/api/v1/leads/${l.id}`, { recruiter_id: users['rec.ib.2'] });
    assert.equal(re.status, 200, re.text);
    err(await (await as('rec.ib.1')).patch(`/api/v1/leads/${l.id}`, { recruiter_id: users['rec.ib.1'] }), 403, 'forbidden');
    err(await (await as('rec.ib.1')).patch(`/api/v1/leads/${l.id}`, { notes: '还是我的' }), 403, 'forbidden');
    assert.equal((await lead(l.id)).recruiter_id, users['rec.ib.2']);
    // the current recruiter edits it
    const ok = await (await as('rec.ib.2')).patch(`/api/v1/leads/${l.id}`, { notes: '跟进中' });
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.json.notes, '跟进中');
  });

  test('its creator does not move it to another unit with 500亿元', async () => {
    const l = await newLead('rec.ib.1', 'ib');
    assert.equal((await (await as('leader.ib')).patch(`/api/v1/leads/${l.id}`, { recruiter_id: users['rec.ib.2'] })).status, 200);
    err(await (await as('rec.ib.1')).patch(`/api/v1/leads/${l.id}`,
      { unit_id: units.ipb, recruiter_id: users['rec.ipb.1'], est_investment: 500 }), 403, 'forbidden');
    // nor does the current recruiter, nor its unit's leader: moving is into a unit the caller may act for
    err(await (await as('rec.ib.2')).patch(`/api/v1/leads/${l.id}`,
      { unit_id: units.ipb, recruiter_id: users['rec.ipb.1'] }), 403, 'forbidden');
    err(await (await as('leader.ib')).patch(`/api/v1/leads/${l.id}`,
      { unit_id: units.ipb, recruiter_id: users['rec.ipb.1'] }), 403, 'forbidden');
    const after = await lead(l.id);
    assert.equal(after.unit_id, units.ib);
    assert.equal(after.est_investment, 1);
    // a zone leader moves it (and an admin could)
    const mv = await (await as('leader.zone')).patch(`/api/v1/leads/${l.id}`, { unit_id: units.ipb, recruiter_id: users['rec.ipb.1'] });
    assert.equal(mv.status, 200, mv.text);
    assert.equal(mv.json.unit_id, units.ipb);
  });

  test('its creator does not keep editing it in another unit', async () => {
    const l = await newLead('rec.ib.1', 'ib');
    const mv = await admin.patch(`/api/v1/leads/${l.id}`, { unit_id: units.ipb, recruiter_id: users['rec.ipb.1'] });
    assert.equal(mv.status, 200, mv.text);
    err(await (await as('rec.ib.1')).patch(`/api/v1/leads/${l.id}`, { est_investment: 500 }), 404, 'not_found');
    assert.equal((await lead(l.id)).est_investment, 1);
    // a recruiter who leaves the unit no longer edits the unit's leads
    const mine = await newLead('rec.ib.3', 'ib');
    const moved = await admin.patch(`/api/v1/users/${users['rec.ib.3']}`, { unit_id: units.sdb });
    assert.equal(moved.status, 200, moved.text);
    err(await (await as('rec.ib.3')).patch(`/api/v1/leads/${mine.id}`, { notes: 'x' }), 404, 'not_found');
  });

  test('a unit leader edits its unit\'s leads only; a recruiter its own', async () => {
    const l = await newLead('rec.ipb.1', 'ipb');
    err(await (await as('leader.ib')).patch(`/api/v1/leads/${l.id}`, { notes: 'x' }), 403, 'forbidden');
    err(await (await as('rec.ipb.2')).patch(`/api/v1/leads/${l.id}`, { notes: 'x' }), 403, 'forbidden');
    assert.equal((await (await as('leader.ipb')).patch(`/api/v1/leads/${l.id}`, { notes: '单位领导' })).status, 200);
    assert.equal((await (await as('rec.ipb.1')).patch(`/api/v1/leads/${l.id}`, { notes: '本人' })).status, 200);
  });
});

describe('finding 6: a recruiter reads only its own unit\'s leads', () => {
  test('GET /leads/{id} of another unit is 404 to a recruiter, as in the list', async () => {
    const other = await newLead('rec.ipb.1', 'ipb');
    const own = await newLead('rec.ib.2', 'ib');
    err(await (await as('rec.ib.1')).get(`/api/v1/leads/${other.id}`), 404, 'not_found');
    const r = await (await as('rec.ib.1')).get(`/api/v1/leads/${own.id}`);
    assert.equal(r.status, 200, r.text);
    assert.equal((await (await as('leader.ib')).get(`/api/v1/leads/${other.id}`)).status, 200);
    const list = await (await as('rec.ib.1')).get(`/api/v1/leads?unit_id=${units.ipb}&limit=500`);
    assert.ok(list.json.items.every((x) => x.unit_id === units.ib), 'the list keeps its scope');
  });
});

describe('finding 7: a qualified or rejected lead is frozen', () => {
  test('a recruiter does not rewrite a qualified lead; its leader does with a reason, audited', async () => {
    const l = await newLead('rec.ib.1', 'ib', { captured_on: '2020-04-03', est_investment: 2 });
    const q = await (await as('leader.ib')).patch(`/api/v1/leads/${l.id}`, { status: 'qualified' });
    assert.equal(q.status, 200, q.text);
    const rec = await as('rec.ib.1');
    err(await rec.patch(`/api/v1/leads/${l.id}`, { captured_on: '2020-05-03' }), 409, 'lead_frozen');
    err(await rec.patch(`/api/v1/leads/${l.id}`, { company: '另一家公司' }), 409, 'lead_frozen');
    err(await rec.patch(`/api/v1/leads/${l.id}`, { est_investment: 500 }), 409, 'lead_frozen');
    err(await rec.patch(`/api/v1/leads/${l.id}`, { status: 'pending' }), 409, 'lead_frozen');
    const same = await lead(l.id);
    assert.equal(same.captured_on, '2020-04-03');
    assert.equal(same.est_investment, 2);
    assert.equal(same.status, 'qualified');
    // the leader: a reason is required, then the change is made and audited
    const boss = await as('leader.ib');
    err(await boss.patch(`/api/v1/leads/${l.id}`, { captured_on: '2020-04-05' }), 422, 'required', 'reason');
    err(await boss.patch(`/api/v1/leads/${l.id}`, { captured_on: '2020-04-05', reason: 'x' }), 422, 'invalid', 'reason');
    err(await (await as('leader.ipb')).patch(`/api/v1/leads/${l.id}`, { captured_on: '2020-04-05', reason: '录入日期有误' }), 403, 'forbidden');
    const ok = await boss.patch(`/api/v1/leads/${l.id}`, { captured_on: '2020-04-05', reason: '录入日期有误，以合同为准' });
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.json.captured_on, '2020-04-05');
    assert.equal(ok.json.status, 'qualified');
    const audit = await admin.get('/api/v1/audit?entity=lead&user=leader.ib&limit=5');
    const row = audit.json.items.find((a) => a.entity_id === String(l.id) && a.detail);
    assert.ok(row, audit.text);
    const detail = JSON.parse(row.detail);
    assert.equal(detail.reason, '录入日期有误，以合同为准');
    assert.deepEqual(detail.before, { captured_on: '2020-04-03' });
    // a zone leader and an admin too, with a reason
    assert.equal((await (await as('leader.zone')).patch(`/api/v1/leads/${l.id}`, { notes: '复核', reason: '区领导复核' })).status, 200);
    err(await admin.patch(`/api/v1/leads/${l.id}`, { notes: '管理员' }), 422, 'required', 'reason');
    assert.equal((await admin.patch(`/api/v1/leads/${l.id}`, { notes: '管理员', reason: '更正备注' })).status, 200);
  });

  test('the same qualified lead does not count again in a later month', async () => {
    const l = await newLead('rec.ib.1', 'ib', { captured_on: '2019-09-10' });
    assert.equal((await (await as('leader.ib')).patch(`/api/v1/leads/${l.id}`, { qualified: true })).status, 200);
    const count = async (m) => (await admin.get(`/api/v1/race?month=${m}`)).json.units.find((u) => u.unit_id === units.ib).metrics.leads.value;
    const sep = await count('2019-09'), oct = await count('2019-10');
    err(await (await as('rec.ib.1')).patch(`/api/v1/leads/${l.id}`, { captured_on: '2019-10-10' }), 409, 'lead_frozen');
    assert.equal(await count('2019-09'), sep);
    assert.equal(await count('2019-10'), oct);
  });

  test('a rejected lead is frozen too', async () => {
    const l = await newLead('rec.ib.1', 'ib');
    assert.equal((await (await as('leader.ib')).patch(`/api/v1/leads/${l.id}`, { status: 'rejected' })).status, 200);
    err(await (await as('rec.ib.1')).patch(`/api/v1/leads/${l.id}`, { company: '改个名字再来' }), 409, 'lead_frozen');
    err(await (await as('leader.ib')).patch(`/api/v1/leads/${l.id}`, { status: 'qualified' }), 422, 'required', 'reason');
    const ok = await (await as('leader.ib')).patch(`/api/v1/leads/${l.id}`, { status: 'qualified', reason: '复核后认定有效' });
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.json.status, 'qualified');
  });
});

describe('finding 10: a unit leader acts on its own unit only; publishing is the zone\'s, for closed months', () => {
  const target = (unit, leads = 5) => ({ year: 2031, items: [{ unit_id: unit, signed_investment: 10, landed_projects: 1, leads }] });
  const targetOf = async (unit) => (await admin.get('/api/v1/unit-targets?year=2031')).json.items.find((x) => x.unit_id === unit);

  test('PUT /unit-targets: a unit leader its own unit only', async () => {
    const boss = await as('leader.ib');
    err(await boss.req('PUT', '/api/v1/unit-targets', target(units.ipb, 99)), 403, 'forbidden', 'unit_id');
    assert.equal((await targetOf(units.ipb)).leads, 0);
    // one foreign item spoils the whole request
    const mixed = { year: 2031, items: [target(units.ib, 7).items[0], target(units.ipb, 99).items[0]] };
    err(await boss.req('PUT', '/api/v1/unit-targets', mixed), 403, 'forbidden', 'unit_id');
    assert.equal((await targetOf(units.ib)).leads, 0);
    assert.equal((await boss.req('PUT', '/api/v1/unit-targets', target(units.ib, 7))).status, 200);
    assert.equal((await targetOf(units.ib)).leads, 7);
    assert.equal((await (await as('leader.zone')).req('PUT', '/api/v1/unit-targets', target(units.ipb, 8))).status, 200);
    assert.equal((await admin.req('PUT', '/api/v1/unit-targets', target(units.sdb, 9))).status, 200);
    assert.equal((await targetOf(units.ipb)).leads, 8);
  });

  test('projects and trips of other units stay closed to a unit leader', async () => {
    const p = await (await as('rec.ipb.1')).post('/api/v1/projects', { name: '他单位项目', unit_id: units.ipb, total_investment: 1 });
    assert.equal(p.status, 201, p.text);
    err(await (await as('leader.ib')).patch(`/api/v1/projects/${p.json.id}`, { total_investment: 500 }), 403, 'forbidden');
    err(await (await as('rec.ipb.1')).patch(`/api/v1/projects/${p.json.id}`, { unit_id: units.ib }), 403, 'forbidden');
    err(await (await as('leader.ib')).post('/api/v1/trips', { user_id: users['rec.ipb.1'], start_on: '2020-01-02', end_on: '2020-01-03' }), 403, 'forbidden');
  });

  test('publishing: closed months only, by an admin or a zone leader; an admin withdraws with a reason', async () => {
    // this month in zone time (GET /race without month opens on the latest month with data)
    const current = new Date(Date.now() + 8 * 3600e3).toISOString().slice(0, 7);
    const closed = '2020-02';
    err(await (await as('leader.ib')).post('/api/v1/race/publish', { month: closed }), 403, 'forbidden');
    err(await admin.post('/api/v1/race/publish', { month: '2099-12' }), 422, 'month_open', 'month');
    err(await admin.post('/api/v1/race/publish', { month: current }), 422, 'month_open', 'month');
    assert.equal((await admin.get('/api/v1/race?month=2099-12')).json.published, false);
    const pub = await (await as('leader.zone')).post('/api/v1/race/publish', { month: closed });
    assert.equal(pub.status, 201, pub.text);
    assert.equal((await admin.get(`/api/v1/race?month=${closed}`)).json.published, true);
    // the withdrawal: an admin's, with a reason
    err(await (await as('leader.zone')).req('DELETE', '/api/v1/race/publish', { month: closed, reason: '数据有误' }), 403, 'forbidden');
    err(await admin.req('DELETE', '/api/v1/race/publish', { month: closed }), 422, 'required', 'reason');
    err(await admin.req('DELETE', '/api/v1/race/publish', { month: '2020-13', reason: '数据有误需重算' }), 422, 'invalid_parameter', 'month');
    err(await admin.req('DELETE', '/api/v1/race/publish', { month: '2020-03', reason: '数据有误需重算' }), 404, 'not_published', 'month');
    const un = await admin.req('DELETE', '/api/v1/race/publish', { month: closed, reason: '一条线索日期录错，重算后再发布' });
    assert.equal(un.status, 200, un.text);
    assert.equal(un.json.month, closed);
    assert.equal(un.json.published, false);
    assert.equal((await admin.get(`/api/v1/race?month=${closed}`)).json.published, false);
    const audit = await admin.get('/api/v1/audit?entity=race_results&limit=5');
    const row = audit.json.items.find((a) => a.entity_id === closed && a.action === 'DELETE /api/v1/race/publish');
    assert.ok(row, audit.text);
    assert.equal(JSON.parse(row.detail).reason, '一条线索日期录错，重算后再发布');
    // published again after the correction
    assert.equal((await admin.post('/api/v1/race/publish', { month: closed })).status, 201);
  });
});

describe('publishing in zone time (ZONEOPS_NOW)', () => {
  let S;
  before(async () => {
    // 00:30 on 1 December in the zone is still 30 November in UTC
    process.env.ZONEOPS_NOW = '2026-12-01T00:30:00';
    try {
      S = await adminServer();
    } finally {
      delete process.env.ZONEOPS_NOW;
    }
  });
  after(async () => { await S.close(); });

  test('November is closed and December open from the first minutes of December', async () => {
    const c = new Client(S.srv.url, S.token);
    assert.equal((await c.get('/api/v1/race')).json.month, '2026-12');
    err(await c.post('/api/v1/race/publish', { month: '2026-12' }), 422, 'month_open', 'month');
    assert.equal((await c.post('/api/v1/race/publish', { month: '2026-11' })).status, 201);
  });
});
