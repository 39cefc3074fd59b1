// End-to-end (issue 12): months with no data, one 时序进度, the board's moves.
// A fresh zone (no demo) on a fixed clock (ZONEOPS_NOW = 6 December 2026),
// with the data the test makes itself:
// - GET /api/v1/race without month opens on the latest month with data and
//   says which ("month", "has_data"); a month without activity has
//   has_data false and no ranks; only units that scored are ranked, and the
//   previous month's ranks only for units that scored there;
// - GET /api/v1/quotas without month: the same month;
// - GET /api/v1/unit-targets: 时序进度 up to the last full month (11/12 on
//   6 December, not 12/12);
// - PATCH /api/v1/projects/{id}: lead → negotiating with negotiating_on; back
//   one stage with a reason (audited as project.back), 409 when the card
//   moved meanwhile, 422 without a reason or before the first stage.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Client, adminServer } from './lib.mjs';

const NOW = '2026-12-06T10:00:00';

describe('race pages on 6 December with data only in October', () => {
  let env, admin, units;
  const saved = process.env.ZONEOPS_NOW;
  before(async () => {
    process.env.ZONEOPS_NOW = NOW;
    env = await adminServer();
    admin = new Client(env.srv.url, env.token);
    const u = await admin.get('/api/v1/units');
    assert.equal(u.status, 200, u.text);
    units = Array.isArray(u.json) ? u.json : u.json.items;
    assert.ok(units.length >= 3);
    // October: two units sign a project each; the others nothing
    for (const [i, inv] of [[0, 5], [1, 2]]) {
      const r = await admin.post('/api/v1/projects', { name: `十月项目${i}`, unit_id: units[i].id,
        total_investment: inv, signed_on: `2026-10-1${i}` });
      assert.equal(r.status, 201, r.text);
    }
  });
  after(async () => {
    if (saved === undefined) delete process.env.ZONEOPS_NOW;
    else process.env.ZONEOPS_NOW = saved;
    await env.close();
  });

  test('without a month the ranking opens on the latest month with data and says so', async () => {
    const r = await admin.get('/api/v1/race');
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.month, '2026-10');
    assert.equal(r.json.has_data, true);
    const ranked = r.json.units.filter((u) => u.rank !== null);
    assert.deepEqual(ranked.map((u) => u.unit_id), [units[0].id, units[1].id]);
    assert.deepEqual(ranked.map((u) => u.rank), [1, 2]);
    for (const u of r.json.units.filter((x) => x.rank === null))
      assert.equal(u.score, 0, JSON.stringify(u));
    // September had nothing: no previous rank to compare with
    assert.deepEqual(r.json.previous, {});
    const q = await admin.get('/api/v1/quotas');
    assert.equal(q.status, 200, q.text);
    assert.equal(q.json.month, '2026-10');
  });

  test('a month without activity says so and ranks nobody', async () => {
    for (const m of ['2026-12', '2026-11']) {
      const r = await admin.get(`/api/v1/race?month=${m}`);
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json.month, m);
      assert.equal(r.json.has_data, false);
      assert.ok(r.json.units.length >= 3);
      for (const u of r.json.units) {
        assert.equal(u.rank, null, JSON.stringify(u));
        assert.equal(u.score, 0);
      }
    }
    // November's "previous" (October): only the units that scored
    const nov = await admin.get('/api/v1/race?month=2026-11');
    assert.deepEqual(Object.keys(nov.json.previous).sort(), [String(units[0].id), String(units[1].id)].sort());
    const q = await admin.get('/api/v1/quotas?month=2026-11');
    assert.equal(q.json.has_data, false);
  });

  test('时序进度 on 6 December counts the last full month (November), not December', async () => {
    const r = await admin.get('/api/v1/unit-targets?year=2026');
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.time_progress_month, 11);
    assert.ok(Math.abs(r.json.time_progress - 11 / 12) < 1e-9, r.text);
    for (const it of r.json.items)
      assert.ok(Math.abs(it.time_progress - 11 / 12) < 1e-9, JSON.stringify(it));
    const past = await admin.get('/api/v1/unit-targets?year=2025');
    assert.equal(past.json.time_progress, 1);
    const next = await admin.get('/api/v1/unit-targets?year=2027');
    assert.equal(next.json.time_progress, 0);
    assert.equal(next.json.time_progress_month, null);
  });

  test('a lead card moves to 洽谈 with its date, and back one stage with a reason (audited)', async () => {
    const c = await admin.post('/api/v1/projects', { name: '看板项目', unit_id: units[2].id, total_investment: 1 });
    assert.equal(c.status, 201, c.text);
    const id = c.json.id;
    assert.equal(c.json.stage, 'lead');
    let r = await admin.patch(`/api/v1/projects/${id}`, { negotiating_on: '2026-12-01' });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.stage, 'negotiating');
    assert.equal(r.json.negotiating_on, '2026-12-01');
    r = await admin.patch(`/api/v1/projects/${id}`, { signed_on: '2026-11-30' });
    assert.equal(r.status, 422, r.text);
    assert.equal(r.json.error.field, 'signed_on');
    r = await admin.patch(`/api/v1/projects/${id}`, { signed_on: '2026-12-03' });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.stage, 'signed');

    // back: a reason is required; the stage must be the card's; nothing else
    r = await admin.patch(`/api/v1/projects/${id}`, { back_from: 'signed' });
    assert.equal(r.status, 422, r.text);
    assert.equal(r.json.error.field, 'reason');
    r = await admin.patch(`/api/v1/projects/${id}`, { back_from: 'landed', reason: '合同尚未盖章' });
    assert.equal(r.status, 409, r.text);
    assert.equal(r.json.error.code, 'stage_changed');
    r = await admin.patch(`/api/v1/projects/${id}`, { back_from: 'signed', reason: '合同尚未盖章', name: 'x' });
    assert.equal(r.status, 422, r.text);
    r = await admin.patch(`/api/v1/projects/${id}`, { back_from: 'signed', reason: '合同尚未盖章' });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.stage, 'negotiating');
    assert.equal(r.json.signed_on, '');
    assert.equal(r.json.negotiating_on, '2026-12-01');
    r = await admin.patch(`/api/v1/projects/${id}`, { back_from: 'negotiating', reason: '对方暂停洽谈' });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.stage, 'lead');
    assert.equal(r.json.negotiating_on, '');
    r = await admin.patch(`/api/v1/projects/${id}`, { back_from: 'lead', reason: '没有更早的阶段' });
    assert.equal(r.status, 422, r.text);
    assert.equal(r.json.error.code, 'no_previous_stage');

    const a = await admin.get('/api/v1/audit?limit=50');
    assert.equal(a.status, 200, a.text);
    const backs = (a.json.items || []).filter((x) => x.action === 'project.back');
    assert.equal(backs.length, 2, a.text.slice(0, 2000));
    const details = backs.map((x) => JSON.parse(x.detail));
    assert.deepEqual(details.map((d) => [d.back_from, d.back_to, d.reason]).sort(),
      [['negotiating', 'lead', '对方暂停洽谈'], ['signed', 'negotiating', '合同尚未盖章']]);
  });
});
