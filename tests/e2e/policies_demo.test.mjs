// End-to-end: the demo's policies (issue 10) on a --demo server: the three
// policies of docs/rules.md §11 are published and their cases pass through
// POST /api/v1/policies/{id}/test; one batch in each state; the figures of
// §11 in the match, the explanations and the enterprise inbox (the demo
// facts are src/demo/demo_facts.c's, for the three years before the
// clock's year Y; the policies are evaluated for Y).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Client, freshDb, startServer, demoAdminPassword } from './lib.mjs';

let db, srv;
const c = {};
let Y;

before(async () => {
  db = freshDb();
  srv = await startServer(db.url, ['--demo']);
  await demoAdminPassword(srv);
  for (const u of ['officer01', 'leader.zone', 'ent.hengtai']) {
    c[u] = new Client(srv.url);
    const r = await c[u].login(u, 'demo-password');
    assert.equal(r.status, 200, r.text);
  }
  Y = (await c.officer01.get('/api/v1/batches?state=pending')).json.items[0].year;
});

after(async () => {
  const code = await srv.stop();
  db.cleanup();
  if (code !== 0) throw new Error(`server exited ${code}:\n${srv.output().stderr.slice(-4000)}`);
});

const byCode = async (who, code) =>
  (await c[who].get('/api/v1/policies')).json.items.find((p) => p.code === code);

test('the demo policies are published and their cases pass', async () => {
  const lib = await c['ent.hengtai'].get('/api/v1/policies');
  assert.equal(lib.status, 200, lib.text);
  assert.deepEqual(lib.json.items.map((p) => [p.code, p.state]).sort(),
    [['export-growth', 'published'], ['ipo-reward', 'published'], ['new-hire', 'published'], ['rd-subsidy', 'published']]);
  for (const p of lib.json.items) {
    const full = (await c.officer01.get(`/api/v1/policies/${p.id}`)).json;
    assert.ok(full.cases.length >= 4, p.code);
    const t = await c.officer01.post(`/api/v1/policies/${p.id}/test`);
    assert.equal(t.status, 200, t.text);
    assert.equal(t.json.failed, 0, `${p.code}: ${JSON.stringify(t.json.cases.filter((x) => !x.ok))}`);
    assert.equal(t.json.passed, full.cases.length, p.code);
  }
});

test('one batch in each state', async () => {
  const all = (await c.officer01.get('/api/v1/batches')).json.items;
  assert.deepEqual(all.map((b) => b.state).sort(), ['approved', 'closed', 'pending', 'rejected']);
  const st = Object.fromEntries(all.map((b) => [b.state, b]));
  assert.equal(st.approved.policy_code, 'rd-subsidy');
  assert.equal(st.approved.counts.confirmed, 3);
  assert.equal(st.approved.counts.declined, 1);
  assert.ok(st.approved.counts.granted > 0);
  assert.deepEqual([st.closed.counts.granted, st.closed.counts.confirmed], [0, 0]);
  assert.ok(st.closed.counts.paid > 0);
  assert.equal(st.closed.year, Y - 1);
  assert.equal(st.rejected.items_count, 0);
  assert.ok(st.rejected.note.length > 0);
  assert.ok(st.pending.items_count > 0);
  assert.equal(st.pending.approved_at, null);
  const one = (await c.officer01.get(`/api/v1/batches/${st.approved.id}`)).json;
  assert.equal(one.items.length, one.items_count);
  const stats = (await c['leader.zone'].get(`/api/v1/policies/stats?year=${Y}`)).json;
  assert.deepEqual(stats.by_policy.map((x) => x.code), ['rd-subsidy']);
  assert.ok(stats.by_street.length > 0);
});

test('the figures of docs/rules.md §11 in the match and the explanations', async () => {
  const rd = await byCode('officer01', 'rd-subsidy');
  const m = (await c.officer01.get(`/api/v1/policies/${rd.id}/match?year=${Y}`)).json;
  const el = Object.fromEntries(m.eligible.map((e) => [e.name, e]));
  assert.equal(el['江苏恒太照明股份有限公司'].amount, 85.05);
  assert.equal(el['南通晟斯生物医药有限公司'].amount, 10.01);
  const near = m.near.find((e) => e.name === '上海朗股科技有限公司南通分公司');
  assert.deepEqual(near.clause, { text: `rd_spending[${Y - 1}] / revenue[${Y - 1}] >= 0.03`,
    value: '(120 ÷ 8000 = 0.015) ≥ 0.03', result: false });
  const xy = m.unknown.find((e) => e.name === '南通星源材质科技有限公司');
  assert.deepEqual(xy.missing, [`revenue[${Y - 1}]`]);
  const ex = await byCode('officer01', 'export-growth');
  const em = (await c.officer01.get(`/api/v1/policies/${ex.id}/match?year=${Y}`)).json;
  assert.equal(em.eligible.find((e) => e.name === '上海朗股科技有限公司南通分公司').amount, 26.6);
  assert.equal(em.eligible.find((e) => e.name === '南通星源材质科技有限公司').amount, 100);
});

test("the demo enterprise's inbox: its R&D grant with the explanation, the export reward pushed", async () => {
  const inbox = (await c['ent.hengtai'].get('/api/v1/inbox')).json;
  const g = inbox.items.find((i) => i.kind === 'grant' && i.policy_code === 'rd-subsidy');
  assert.ok(g, JSON.stringify(inbox.items.slice(0, 3)));
  assert.equal(g.amount, 85.05);
  assert.deepEqual(g.body.clauses[0], { text: `rd_spending[${Y - 1}] >= 100`, value: '850.5 ≥ 100', result: true,
    plain: { zh: `${Y - 1}年研发投入 ≥ 100万元`, en: `R&D spending (${Y - 1}) ≥ 100 ×10k yuan` } });
  const p = inbox.items.find((i) => i.kind === 'push' && i.policy_code === 'export-growth');
  assert.ok(p);
  assert.deepEqual(p.body.clause, { text: `exports[${Y - 1}] >= exports[${Y - 2}] * 1.15`,
    value: '1100 ≥ (1000 × 1.15 = 1150)', result: false });
  assert.ok(inbox.unread > 0);
});
