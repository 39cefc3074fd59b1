// Race records: units, leads (duplicates across units), projects (stage from
// dates, validation), trips across month boundaries, quotas, gaps, targets.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { freshDb, startServer, cli, Client, demoAdminPassword } from './lib.mjs';

const ALPHA = '0123456789ABCDEFGHJKLMNPQRTUWXY';
function orgCheck(b) {
  const W = [3, 7, 9, 10, 5, 8, 4, 2]; let s = 0;
  for (let i = 0; i < 8; i++) { const c = b[i]; s += (c >= '0' && c <= '9' ? Number(c) : c.charCodeAt(0) - 55) * W[i]; }
  const c = 11 - (s % 11); return c === 10 ? 'X' : c === 11 ? '0' : String(c);
}
function ccCheck(c17) {
  const W = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]; let s = 0;
  for (let i = 0; i < 17; i++) s += ALPHA.indexOf(c17[i]) * W[i];
  const c = 31 - (s % 31); return ALPHA[c === 31 ? 0 : c];
}
const makeCode = (n) => { const c16 = '91320691MB2' + String(n).padStart(5, '0'); const c17 = c16 + orgCheck(c16.slice(8)); return c17 + ccCheck(c17); };

let srv, db, admin, units = {}, users = {};
const clients = {};
async function as(name) {
  if (!clients[name]) {
    const t = cli(db.url, ['token', 'create', '--user', name]);
    assert.equal(t.status, 0, t.stderr);
    clients[name] = new Client(srv.url, t.stdout.trim());
  }
  return clients[name];
}
function err(r, status, field) {
  assert.equal(r.status, status, r.text);
  if (field !== undefined) assert.equal(r.json.error.field, field, r.text);
}

before(async () => {
  db = freshDb();
  srv = await startServer(db.url, ['--demo']);
  await demoAdminPassword(srv);   // first, or the admin may do nothing else
  admin = await as('admin');
  const u = await admin.get('/api/v1/units');
  for (const x of u.json.items) units[x.code] = x.id;
  const us = await admin.get('/api/v1/users?limit=500');
  for (const x of us.json.items ?? []) users[x.username] = x;
});
after(async () => {
  const code = await srv.stop();
  db.cleanup();
  if (code !== 0) throw new Error(`server exited ${code}:\n${srv.output().stderr.slice(-4000)}`);
});

test('units: create with a generated code, patch, duplicates 409, non-admin 403', async () => {
  const r = await admin.post('/api/v1/units', { name: '测试招商单位' });
  assert.equal(r.status, 201, r.text);
  assert.ok(r.json.id && r.json.code);
  assert.equal(r.json.kind, 'bureau');
  const p = await admin.patch(`/api/v1/units/${r.json.id}`, { name_en: 'Test unit', kind: 'company' });
  assert.equal(p.status, 200, p.text);
  assert.equal(p.json.kind, 'company');
  err(await admin.post('/api/v1/units', { name: '测试招商单位' }), 409);
  err(await admin.post('/api/v1/units', { name: 'x', kind: 'club' }), 422, 'kind');
  const lead = await as('leader.ib');
  err(await lead.post('/api/v1/units', { name: 'nope' }), 403);
});

test('leads: recruiter own unit only, leader qualifies, duplicates across units', async () => {
  const rec = await as('rec.ib.1'), recIpb = await as('rec.ipb.1');
  const code = makeCode(1);
  const a = await rec.post('/api/v1/leads', { unit_id: units.ib, company: '江苏恒远精密机械有限公司', credit_code: code,
    industry: 'C35', est_investment: 2.5, captured_on: '2019-03-02', notes: '展会' });
  assert.equal(a.status, 201, a.text);
  assert.equal(a.json.est_investment, 2.5);
  assert.equal(a.json.est_investment_wan, 25000);
  assert.equal(a.json.status, 'pending');
  assert.equal(a.json.duplicate, false);
  assert.equal(a.json.recruiter_id, users['rec.ib.1']?.id ?? a.json.recruiter_id);
  // another unit: forbidden for this recruiter
  err(await rec.post('/api/v1/leads', { unit_id: units.ipb, company: 'X公司', captured_on: '2019-03-02' }), 403);
  // recruiter may not qualify
  err(await rec.post('/api/v1/leads', { unit_id: units.ib, company: 'Y公司', captured_on: '2019-03-02', qualified: true }), 403, 'qualified');
  err(await rec.patch(`/api/v1/leads/${a.json.id}`, { status: 'qualified' }), 403);
  // the leader of another unit may not; the unit's leader qualifies
  err(await (await as('leader.ipb')).patch(`/api/v1/leads/${a.json.id}`, { status: 'qualified' }), 403);
  const q = await (await as('leader.ib')).patch(`/api/v1/leads/${a.json.id}`, { qualified: true });
  assert.equal(q.status, 200, q.text);
  assert.equal(q.json.status, 'qualified');
  // same credit code by another unit: duplicate of the first
  const d1 = await recIpb.post('/api/v1/leads', { unit_id: units.ipb, company: '另一个名字', credit_code: code.toLowerCase(),
    captured_on: '2019-03-05' });
  assert.equal(d1.status, 201, d1.text);
  assert.equal(d1.json.duplicate, true);
  assert.equal(d1.json.duplicate_of, a.json.id);
  assert.equal(d1.json.duplicate_unit_id, units.ib);
  // normalised name (spaces, full-width brackets, suffix) by another unit
  const d2 = await recIpb.post('/api/v1/leads', { unit_id: units.ipb, company: ' 江苏 恒远精密机械（集团）股份有限公司',
    captured_on: '2019-03-06' });
  assert.equal(d2.status, 201, d2.text);
  assert.equal(d2.json.duplicate_of, a.json.id);
  // the same unit again is not a cross-unit duplicate
  const same = await rec.post('/api/v1/leads', { unit_id: units.ib, company: '江苏恒远精密机械公司', captured_on: '2019-03-07' });
  assert.equal(same.json.duplicate, false);
  // a different company is no duplicate
  const other = await recIpb.post('/api/v1/leads', { unit_id: units.ipb, company: '恒远新材料有限公司', captured_on: '2019-03-07' });
  assert.equal(other.json.duplicate, false);
  // list filters
  const l = await admin.get(`/api/v1/leads?unit_id=${units.ipb}&month=2019-03`);
  assert.equal(l.status, 200, l.text);
  assert.equal(l.json.total, 3);
  const lq = await admin.get(`/api/v1/leads?q=${encodeURIComponent('恒远精密')}&month=2019-03&status=qualified`);
  assert.equal(lq.json.total, 1);
  err(await admin.get('/api/v1/leads?month=2019-13'), 422, 'month');
  // bad input
  err(await rec.post('/api/v1/leads', { unit_id: units.ib, company: 'Z公司', captured_on: '2019-03-02', est_investment: -1 }), 422, 'est_investment');
  err(await rec.post('/api/v1/leads', { unit_id: units.ib, company: 'Z公司', captured_on: '2019-02-30' }), 422, 'captured_on');
  err(await rec.post('/api/v1/leads', { unit_id: units.ib, company: 'Z公司', captured_on: '2019-03-02', est_investment: 1.23456 }), 422, 'est_investment');
  err(await rec.post('/api/v1/leads', { unit_id: units.ib, company: 'Z公司', captured_on: '2019-03-02', credit_code: '123' }), 422, 'credit_code');
  // read-only roles
  err(await (await as('stats')).post('/api/v1/leads', { unit_id: units.ib, company: 'S公司', captured_on: '2019-03-02' }), 403);
  // other roles read only the race page, not the leads behind it
  const rd = await (await as('stats')).get(`/api/v1/leads/${a.json.id}`);
  assert.equal(rd.status, 403);
  const z = await admin.get(`/api/v1/leads?q=Z%E5%85%AC%E5%8F%B8`);
  assert.equal(z.json.total, 0, 'nothing stored on 422');
});

test('projects: stage from dates, validation 422 naming the field, major, nothing stored', async () => {
  const rec = await as('rec.ib.2');
  const lead = await rec.post('/api/v1/leads', { unit_id: units.ib, company: '苏州云帆科技有限公司', captured_on: '2019-04-10',
    est_investment: 12 });
  assert.equal(lead.status, 201, lead.text);
  const base = { name: '云帆智能制造基地', unit_id: units.ib, lead_id: lead.json.id, industry: 'C3491',
    total_investment: 12.5, foreign_investment: 0.3, land_mu: 120.5, expected_annual_tax: 3000 };
  const before = (await admin.get('/api/v1/projects?q=' + encodeURIComponent('云帆'))).json.total;
  err(await rec.post('/api/v1/projects', { ...base, signed_on: '2019-04-01' }), 422, 'signed_on');
  err(await rec.post('/api/v1/projects', { ...base, signed_on: '2019-05-01', landed_on: '2019-04-30' }), 422, 'landed_on');
  err(await rec.post('/api/v1/projects', { ...base, landed_on: '2019-06-01' }), 422, 'landed_on');
  err(await rec.post('/api/v1/projects', { ...base, total_investment: -1 }), 422, 'total_investment');
  err(await rec.post('/api/v1/projects', { ...base, foreign_investment: -0.5 }), 422, 'foreign_investment');
  err(await rec.post('/api/v1/projects', { ...base, expected_annual_tax: -3 }), 422, 'expected_annual_tax');
  err(await rec.post('/api/v1/projects', { ...base, land_mu: -3 }), 422, 'land_mu');
  err(await rec.post('/api/v1/projects', { ...base, lead_id: 99999999 }), 422, 'lead_id');
  err(await admin.post('/api/v1/projects', { ...base, unit_id: 99999999 }), 422, 'unit_id');
  err(await admin.post('/api/v1/projects', { ...base, unit_id: units.ipb }), 422, 'lead_id');
  err(await rec.post('/api/v1/projects', { ...base, unit_id: units.ipb, lead_id: null }), 403);
  assert.equal((await admin.get('/api/v1/projects?q=' + encodeURIComponent('云帆'))).json.total, before, 'nothing stored');
  const p = await rec.post('/api/v1/projects', base);
  assert.equal(p.status, 201, p.text);
  assert.equal(p.json.stage, 'negotiating');
  assert.equal(p.json.major, true);
  assert.equal(p.json.total_investment, 12.5);
  assert.equal(p.json.total_investment_wan, 125000);
  assert.equal(p.json.foreign_investment_wan_usd, 3000);
  assert.equal(p.json.expected_annual_tax, 3000);
  assert.equal(p.json.land_mu, 120.5);
  assert.equal(p.json.lead_on, '2019-04-10');
  let s = await rec.patch(`/api/v1/projects/${p.json.id}`, { signed_on: '2019-05-20' });
  assert.equal(s.json.stage, 'signed', s.text);
  s = await rec.patch(`/api/v1/projects/${p.json.id}`, { landed_on: '2019-05-10' });
  err(s, 422, 'landed_on');
  s = await rec.patch(`/api/v1/projects/${p.json.id}`, { landed_on: '2019-06-10' });
  assert.equal(s.json.stage, 'landed', s.text);
  s = await rec.patch(`/api/v1/projects/${p.json.id}`, { started_on: '2019-07-01', producing_on: '2019-12-01' });
  assert.equal(s.json.stage, 'producing', s.text);
  const g = await (await as('stats')).get(`/api/v1/projects/${p.json.id}`);
  assert.equal(g.status, 200);
  assert.equal(g.json.stage, 'producing');
  err(await (await as('stats')).patch(`/api/v1/projects/${p.json.id}`, { name: 'x' }), 403);
  err(await (await as('rec.ib.3')).patch(`/api/v1/projects/${p.json.id}`, { name: 'x' }), 403);
  const small = await admin.post('/api/v1/projects', { name: '小项目', unit_id: units.sdb, total_investment: 0.0001 });
  assert.equal(small.status, 201, small.text);
  assert.equal(small.json.stage, 'lead');
  assert.equal(small.json.major, false);
  assert.equal(small.json.total_investment_wan, 1);
  const lst = await admin.get('/api/v1/projects?industry=C3491&q=' + encodeURIComponent('云帆'));
  assert.equal(lst.json.total, 1);
  assert.equal(lst.json.items[0].total_investment, 12.5);
});

test('projects: a landed project links to its enterprise by credit code', async () => {
  const ents = await admin.get('/api/v1/enterprises?limit=1');
  const e = ents.json.items[0];
  const rec = await as('rec.sdb.1');
  const lead = await rec.post('/api/v1/leads', { unit_id: units.sdb, company: e.name, credit_code: e.credit_code, captured_on: '2019-01-02' });
  assert.equal(lead.status, 201, lead.text);
  const p = await rec.post('/api/v1/projects', { name: '落地项目', unit_id: units.sdb, lead_id: lead.json.id,
    signed_on: '2019-02-01', landed_on: '2019-03-01', total_investment: 1 });
  assert.equal(p.status, 201, p.text);
  assert.equal(p.json.enterprise_id, e.id);
});

test('trips across a month boundary, quotas and gaps', async () => {
  const rec = await as('rec.ftz.1'), lead = await as('leader.ftz');
  const all = (await admin.get('/api/v1/users?limit=500')).json.items;
  const recId = all.find(u => u.username === 'rec.ftz.1').id;
  err(await rec.post('/api/v1/trips', { start_on: '2018-01-05', end_on: '2018-01-04', destination: '上海' }), 422, 'end_on');
  assert.equal((await admin.get(`/api/v1/trips?user_id=${recId}&month=2018-01`)).json.total, 0);
  // 30 Jan → 2 Feb: 2 days in January, 2 in February; visits count in January
  const t1 = await rec.post('/api/v1/trips', { start_on: '2018-01-30', end_on: '2018-02-02', destination: '深圳', visits: 3, companies: ['甲', '乙'] });
  assert.equal(t1.status, 201, t1.text);
  // overlapping trip: 1-14 Feb (1, 2 counted once)
  const t2 = await rec.post('/api/v1/trips', { start_on: '2018-02-01', end_on: '2018-02-14', destination: '杭州', visits: 2 });
  assert.equal(t2.status, 201, t2.text);
  // recruiters: only their own; leaders: their unit's people
  const other = (await admin.get('/api/v1/users?limit=500')).json.items.find(u => u.username === 'rec.ftz.2');
  err(await rec.post('/api/v1/trips', { user_id: other.id, start_on: '2018-01-05', end_on: '2018-01-06' }), 403);
  const lt = await lead.post('/api/v1/trips', { user_id: other.id, start_on: '2018-02-05', end_on: '2018-02-06', visits: 1 });
  assert.equal(lt.status, 201, lt.text);
  const ib = (await admin.get('/api/v1/users?limit=500')).json.items.find(u => u.username === 'rec.ib.4');
  err(await lead.post('/api/v1/trips', { user_id: ib.id, start_on: '2018-02-05', end_on: '2018-02-06' }), 403);
  const statsU = (await admin.get('/api/v1/users?limit=500')).json.items.find(u => u.username === 'stats');
  err(await admin.post('/api/v1/trips', { user_id: statsU.id, start_on: '2018-02-05', end_on: '2018-02-06' }), 422, 'user_id');
  // leader's own visits: 5 in February meets the leader quota
  const leadId = all.find(u => u.username === 'leader.ftz').id;
  assert.equal((await lead.post('/api/v1/trips', { start_on: '2018-02-26', end_on: '2018-03-01', visits: 5 })).status, 201);
  const jan = await admin.get(`/api/v1/quotas?month=2018-01&unit_id=${units.ftz}`);
  assert.equal(jan.status, 200, jan.text);
  const rj = jan.json.items.find(x => x.user_id === recId);
  assert.equal(rj.days_out, 2);
  assert.equal(rj.visits, 3);
  assert.equal(rj.quota_met, false);
  assert.equal(rj.gap, true);            // no day out 1-29 January
  assert.equal(rj.gap_from, '2018-01-01');
  const feb = await admin.get(`/api/v1/quotas?month=2018-02&unit_id=${units.ftz}`);
  const rf = feb.json.items.find(x => x.user_id === recId);
  assert.equal(rf.days_out, 14);
  assert.equal(rf.visits, 2);
  const lf = feb.json.items.find(x => x.user_id === leadId);
  assert.equal(lf.role, 'leader');
  assert.equal(lf.visits, 5);
  assert.equal(lf.quota_met, true);
  assert.equal(lf.gap, false);
  const mar = (await admin.get(`/api/v1/quotas?month=2018-03&unit_id=${units.ftz}`)).json.items.find(x => x.user_id === leadId);
  assert.equal(mar.visits, 0);
  assert.equal(mar.quota_met, false);
  // 15 days out → quota met
  assert.equal((await rec.post('/api/v1/trips', { start_on: '2018-02-15', end_on: '2018-02-15' })).status, 201);
  const feb2 = (await admin.get(`/api/v1/quotas?month=2018-02&unit_id=${units.ftz}`)).json.items.find(x => x.user_id === recId);
  assert.equal(feb2.days_out, 15);
  assert.equal(feb2.quota_met, true);
  // list by month includes the boundary trip in both months
  assert.equal((await admin.get(`/api/v1/trips?user_id=${recId}&month=2018-01`)).json.total, 1);
  assert.equal((await admin.get(`/api/v1/trips?user_id=${recId}&month=2018-02`)).json.total, 3);
  // patch / delete
  err(await rec.patch(`/api/v1/trips/${t2.json.id}`, { end_on: '2018-01-01' }), 422, 'end_on');
  const pt = await rec.patch(`/api/v1/trips/${t2.json.id}`, { visits: 4 });
  assert.equal(pt.json.visits, 4);
  err(await (await as('rec.ftz.2')).del(`/api/v1/trips/${t2.json.id}`), 403);
  assert.equal((await rec.del(`/api/v1/trips/${t2.json.id}`)).status, 200);
  err(await (await as('stats')).post('/api/v1/trips', { start_on: '2018-02-15', end_on: '2018-02-15' }), 403);
});

test('unit targets: progress and colours', async () => {
  // a past year: time progress 1
  const put = await (await as('leader.iic')).req('PUT', '/api/v1/unit-targets', {
    year: 2019, items: [{ unit_id: units.iic, signed_investment: 10, landed_projects: 2, leads: 4 }] });
  assert.equal(put.status, 200, put.text);
  const rec = await as('rec.iic.1');
  for (let i = 0; i < 3; i++) {
    const l = await rec.post('/api/v1/leads', { unit_id: units.iic, company: `目标测试${i}有限公司`, captured_on: '2019-06-01' });
    await (await as('leader.iic')).patch(`/api/v1/leads/${l.json.id}`, { status: 'qualified' });
  }
  assert.equal((await rec.post('/api/v1/projects', { name: '目标项目', unit_id: units.iic, total_investment: 8,
    signed_on: '2019-03-01', landed_on: '2019-04-01' })).status, 201);
  const g = await admin.get('/api/v1/unit-targets?year=2019');
  assert.equal(g.status, 200, g.text);
  const it = g.json.items.find(x => x.unit_id === units.iic);
  assert.equal(it.time_progress, 1);
  assert.equal(it.signed_investment, 10);
  assert.deepEqual(it.actual, { signed_investment: 8, landed_projects: 1, leads: 3 });
  assert.equal(it.statuses.signed_investment, 'yellow');   // 20 points behind
  assert.equal(it.statuses.landed_projects, 'red');        // 50 behind
  assert.equal(it.statuses.leads, 'yellow');               // 25 behind
  assert.equal(it.status, 'red');
  err(await (await as('rec.iic.1')).req('PUT', '/api/v1/unit-targets', { year: 2019, items: [] }), 403);
});
