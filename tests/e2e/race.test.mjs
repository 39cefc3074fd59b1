// End-to-end: the monthly race (GET /api/v1/race, /race/recruiters,
// /race/export, POST /race/publish (more in race_rules.test.mjs), GET/PUT
// /race/weights) on a --demo
// server.  Data for a quiet month (May three years ago, before the demo's
// race activity, which covers the 23 months before today) is made through
// the API, so the numbers are known.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Client, cli, freshDb, startServer, demoAdminPassword } from './lib.mjs';

const QUIET_YEAR = new Date().getFullYear() - 3;
const MONTH = `${QUIET_YEAR}-05`;
const JUNE = `${QUIET_YEAR}-06`;   // published by a test
// a month of the demo's race activity: three months ago
const ACTIVE = (() => { const d = new Date(); d.setDate(1); d.setMonth(d.getMonth() - 3); return d.toISOString().slice(0, 7); })();
const WEIGHTS = { leads: 20, signed_investment: 25, signed_count: 10, landed: 10, speed: 15, major: 10, quota: 10 };
const METRICS = ['leads', 'signed_count', 'signed_investment', 'landed', 'speed_days', 'major', 'quota'];

describe('the monthly race on the demo zone', () => {
  let srv, db, admin;
  const as = {};
  let units;
  before(async () => {
    db = freshDb();
    srv = await startServer(db.url, ['--demo']);
    const pw = await demoAdminPassword(srv);
    admin = new Client(srv.url);
    assert.equal((await admin.login('admin', pw)).status, 200);
    for (const [role, user] of Object.entries({ leader: 'leader.ib', recruiter: 'rec.ib.1', officer: 'officer01' })) {
      const t = cli(db.url, ['token', 'create', '--user', user]);
      assert.equal(t.status, 0, t.stderr);
      as[role] = new Client(srv.url, t.stdout.trim());
    }
    const u = await admin.get('/api/v1/units');
    assert.equal(u.status, 200, u.text);
    units = Array.isArray(u.json) ? u.json : u.json.items;
    assert.ok(units.length >= 6, u.text);
  });
  after(async () => {
    const code = await srv.stop();
    db.cleanup();
    assert.equal(code, 0, srv.output().stderr.slice(-4000));
  });

  test('the response has the documented shape for every unit', async () => {
    const r = await as.officer.get(`/api/v1/race?month=${ACTIVE}`);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.month, ACTIVE);
    assert.equal(r.json.published, false);
    assert.deepEqual(r.json.weights, WEIGHTS);
    assert.equal(r.json.units.length, units.length);
    r.json.units.forEach((u, i) => {
      assert.equal(u.rank, i + 1);
      assert.equal(typeof u.unit_id, 'number');
      assert.equal(typeof u.name, 'string');
      assert.equal(typeof u.score, 'number');
      assert.equal(Math.round(u.score * 10) / 10, u.score);
      for (const m of METRICS) {
        assert.ok(u.metrics[m], `${m} in ${JSON.stringify(u)}`);
        assert.ok(u.metrics[m].score >= 0 && u.metrics[m].score <= 100);
        if (m !== 'speed_days') assert.equal(typeof u.metrics[m].value, 'number');
      }
      if (i > 0) assert.ok(r.json.units[i - 1].score >= u.score);
    });
    assert.equal(typeof r.json.previous, 'object');
    assert.equal(Object.keys(r.json.previous).length, units.length);
  });

  test('a bad month answers 422 naming month', async () => {
    for (const m of ['2026-13', '2026-00', '2026-3', '202603', 'x', '2026-03-01']) {
      const r = await admin.get('/api/v1/race?month=' + m);
      assert.equal(r.status, 422, m + ': ' + r.text);
      assert.equal(r.json.error?.field ?? r.json.field, 'month', r.text);
    }
    const r = await admin.get('/api/v1/race/recruiters?month=2026-13');
    assert.equal(r.status, 422);
    assert.equal((await admin.get('/api/v1/race/export?month=13-2026')).status, 422);
    assert.equal((await as.leader.post('/api/v1/race/publish', { month: '2026-13' })).status, 422);
  });

  test('a signed project moves its unit to the top of a quiet month', async () => {
    const before = await admin.get(`/api/v1/race?month=${MONTH}`);
    assert.equal(before.status, 200);
    const unit = units[1];
    const p = await admin.post('/api/v1/projects', {
      name: '赛马测试项目', unit_id: unit.id, industry: 'C39', total_investment: 12, signed_on: `${MONTH}-10`,
    });
    assert.equal(p.status, 201, p.text);
    const r = await admin.get(`/api/v1/race?month=${MONTH}`);
    const top = r.json.units[0];
    assert.equal(top.unit_id, unit.id, r.text);
    assert.equal(top.metrics.signed_count.value, before.json.units.find((u) => u.unit_id === unit.id).metrics.signed_count.value + 1);
    assert.equal(top.metrics.signed_investment.score, 100);
    assert.ok(top.metrics.major.value >= 1);
  });

  test('weights: anyone on staff reads, only an admin writes, validated', async () => {
    const g = await as.recruiter.get('/api/v1/race/weights');
    assert.equal(g.status, 200, g.text);
    assert.deepEqual(g.json, WEIGHTS);
    const forbidden = await as.leader.req('PUT', '/api/v1/race/weights', { ...WEIGHTS, leads: 30 });
    assert.equal(forbidden.status, 403, forbidden.text);
    const put = (b) => admin.req('PUT', '/api/v1/race/weights', b, { 'X-CSRF-Token': admin.csrf });
    assert.equal((await put({ leads: -1 })).status, 422);
    assert.equal((await put({ leads: 'x' })).status, 422);
    assert.equal((await put({ nonsense: 1 })).status, 422);
    assert.equal((await put({ leads: 0, signed_investment: 0, signed_count: 0, landed: 0, speed: 0, major: 0, quota: 0 })).status, 422);
    const ok = await put({ ...WEIGHTS, leads: 30 });
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.json.leads, 30);
    const r = await admin.get(`/api/v1/race?month=${MONTH}`);
    assert.equal(r.json.weights.leads, 30);
    assert.equal((await put(WEIGHTS)).status, 200);
  });

  test('publishing freezes a month; a second publish is 409', async () => {
    const month = JUNE;
    const unit = units[2];
    const p1 = await admin.post('/api/v1/projects', {
      name: '冻结测试一', unit_id: unit.id, industry: 'C39', total_investment: 3, signed_on: `${month}-05`,
    });
    assert.equal(p1.status, 201, p1.text);
    const live = await as.officer.get(`/api/v1/race?month=${month}`);
    assert.equal(live.json.published, false);
    assert.equal((await as.recruiter.post('/api/v1/race/publish', { month })).status, 403);
    // publishing is the zone's act: a unit's leader may not, an admin may
    assert.equal((await as.leader.post('/api/v1/race/publish', { month })).status, 403);
    const pub = await admin.post('/api/v1/race/publish', { month });
    assert.equal(pub.status, 201, pub.text);
    assert.equal(pub.json.published, true);
    assert.equal(typeof pub.json.published_at, 'number');
    const frozen = await as.officer.get(`/api/v1/race?month=${month}`);
    assert.equal(frozen.json.published, true);
    assert.deepEqual(frozen.json.units, live.json.units);
    assert.deepEqual(frozen.json.weights, live.json.weights);
    // edit data and weights afterwards: the published month does not change
    const other = units[3];
    const p2 = await admin.post('/api/v1/projects', {
      name: '冻结测试二', unit_id: other.id, industry: 'C39', total_investment: 50, signed_on: `${month}-20`,
    });
    assert.equal(p2.status, 201, p2.text);
    const put = await admin.req('PUT', '/api/v1/race/weights', { ...WEIGHTS, major: 40 }, { 'X-CSRF-Token': admin.csrf });
    assert.equal(put.status, 200);
    const after = await as.officer.get(`/api/v1/race?month=${month}`);
    assert.equal(after.json.published, true);
    assert.deepEqual(after.json.units, live.json.units);
    assert.deepEqual(after.json.weights, WEIGHTS);
    assert.equal(after.json.published_at, pub.json.published_at);
    const again = await admin.post('/api/v1/race/publish', { month });
    assert.equal(again.status, 409, again.text);
    assert.equal((await admin.req('PUT', '/api/v1/race/weights', WEIGHTS, { 'X-CSRF-Token': admin.csrf })).status, 200);
    // the recruiters' ranking of a published month is frozen too
    const rec = await admin.get(`/api/v1/race/recruiters?month=${month}`);
    assert.equal(rec.status, 200);
    assert.equal(rec.json.published, true);
  });

  test('recruiters are ranked with leads, signed investment and days out', async () => {
    const r = await as.recruiter.get(`/api/v1/race/recruiters?month=${ACTIVE}`);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.month, ACTIVE);
    assert.ok(r.json.items.filter((it) => it.score > 0).length >= 20, r.text);
    r.json.items.forEach((it, i) => {
      // only who scored has a rank (1.., first); the others rank null
      assert.equal(it.rank, it.score > 0 ? i + 1 : null, JSON.stringify(it));
      for (const k of ['user_id', 'leads', 'signed_investment', 'days_out', 'score'])
        assert.equal(typeof it[k], 'number', k + ' in ' + JSON.stringify(it));
      assert.equal(typeof it.name, 'string');
      assert.ok('unit_id' in it && 'unit_name' in it);
      if (i > 0) {
        const p = r.json.items[i - 1];
        assert.ok(p.score >= it.score);
      }
    });
  });

  test('a recruiter who scored nothing in the month has no rank', async () => {
    const month = `${QUIET_YEAR}-03`;   // nobody's leads, signings or trips
    const r = await admin.get(`/api/v1/race/recruiters?month=${month}`);
    assert.equal(r.status, 200, r.text);
    assert.ok(r.json.items.length >= 30, r.text);
    for (const it of r.json.items)
      assert.equal(it.rank, null, JSON.stringify(it));
    // one recruiter's qualified lead: that one ranks first, alone
    const rec = r.json.items[0];
    const l = await admin.post('/api/v1/leads', { unit_id: rec.unit_id, recruiter_id: rec.user_id,
      company: '排名测试线索有限公司', industry: 'C39', captured_on: `${month}-10`, qualified: true });
    assert.equal(l.status, 201, l.text);
    const after = (await admin.get(`/api/v1/race/recruiters?month=${month}`)).json.items;
    assert.deepEqual(after.filter((it) => it.rank !== null).map((it) => [it.user_id, it.rank]), [[rec.user_id, 1]]);
    assert.equal(after[0].user_id, rec.user_id);
  });

  test('export is an XLSX workbook named race-YYYY-MM.xlsx', async () => {
    const res = await fetch(`${srv.url}/api/v1/race/export?month=${JUNE}`, { headers: { Authorization: `Bearer ${as.officer.token}` } });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type'), /spreadsheetml/);
    assert.match(res.headers.get('content-disposition'), new RegExp(`filename="race-${JUNE}\\.xlsx"`));
    const buf = Buffer.from(await res.arrayBuffer());
    assert.equal(buf.subarray(0, 4).toString('latin1'), 'PK\x03\x04');
    const s = buf.toString('latin1');
    assert.ok(s.includes('xl/worksheets/sheet1.xml'));
    assert.ok(s.includes('xl/worksheets/sheet2.xml'));
    const bad = await as.officer.get('/api/v1/race/export?month=2024-6');
    assert.equal(bad.status, 422);
    const anon = await fetch(`${srv.url}/api/v1/race/export?month=${JUNE}`);
    assert.equal(anon.status, 401);
  });
});
