// End-to-end: the monthly indicator evaluation and the report paragraph on
// a --demo server.  The demo's numbers for 南通开发区, January-October 2021
// (kept as history; the present is seeded up to the last full month before
// the server's today), are shaped to the article ("1-10月，南通开发区完成一般公共预算收入61.8亿元，
// 增长12.8%，增幅列全市第三，其中税占比87%，列全市第二；…"), so the generated
// paragraph must carry the article's sentences word for word.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Client, cli, freshDb, startServer, demoAdminPassword } from './lib.mjs';

const ARTICLE = [
  '1-10月，南通开发区完成一般公共预算收入61.8亿元，增长12.8%，增幅列全市第三，其中税占比87%，列全市第二；',
  '工业应税销售1485亿元，增长31%，总量、增幅分别居全市第三和第二；',
  '实际利用外资5.54亿美元，增长10.8%；',
  '进出口总额453.8亿元，增长27.5%，总量全市第二。',
];
const CODES = ['budget_revenue', 'tax_revenue', 'industrial_sales', 'service_sales', 'fdi_utilised', 'trade_total'];
const NAMES = ['一般公共预算收入', '税收收入', '工业应税销售', '服务业应税销售', '实际利用外资', '进出口总额'];
const UNITS = ['亿元', '亿元', '亿元', '亿元', '亿美元', '亿元'];

describe('indicators on the demo zone', () => {
  let srv, db, admin, today, lastFull;
  const as = {};
  before(async () => {
    db = freshDb();
    srv = await startServer(db.url, ['--demo']);
    // the admin's one-time password, changed as it must be first
    const pw = await demoAdminPassword(srv);
    admin = new Client(srv.url);
    assert.equal((await admin.login('admin', pw)).status, 200);
    for (const [role, user] of Object.entries({ leader: 'leader.ib', statistician: 'stats', officer: 'officer01', recruiter: 'rec.ib.1' })) {
      const t = cli(db.url, ['token', 'create', '--user', user]);
      assert.equal(t.status, 0, t.stderr);
      as[role] = new Client(srv.url, t.stdout.trim());
    }
    as.enterprise = new Client(srv.url);
    const login = await as.enterprise.login('ent.hengtai', 'demo-password');
    assert.equal(login.status, 200, login.text);
    // the server's today, and the last full month before it
    today = (await admin.get('/api/v1/service/stats')).json.to;
    const [y, mo] = today.split('-').map(Number);
    lastFull = mo === 1 ? `${y - 1}-12` : `${y}-${String(mo - 1).padStart(2, '0')}`;
  });
  after(async () => {
    const code = await srv.stop();
    db.cleanup();
    assert.equal(code, 0, srv.output().stderr.slice(-4000));
  });

  test('the report for 2021-10 has the article\'s sentences word for word', async () => {
    const r = await admin.get('/api/v1/indicators/report?period=2021-10');
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.period, '2021-10');
    for (const s of ARTICLE) assert.ok(r.json.text.includes(s), `missing「${s}」in\n${r.json.text}`);
    assert.ok(r.json.text.startsWith('1-10月，南通开发区完成'));
    assert.ok(r.json.text.includes('；服务业应税销售1500亿元，增长22%，总量、增幅均居全市第二；'), r.json.text);
    assert.ok(r.json.text.endsWith('。'));
    // without a period: the latest with data, the last full month before the server's today
    const latest = await admin.get('/api/v1/indicators/report');
    assert.equal(latest.status, 200, latest.text);
    assert.equal(latest.json.period, lastFull);
    const m = Number(lastFull.slice(5));
    assert.ok(latest.json.text.startsWith(`${m === 1 ? '1' : `1-${m}`}月，南通开发区完成一般公共预算收入`), latest.json.text);
  });

  test('January: 1月，…', async () => {
    const r = await admin.get('/api/v1/indicators/report?period=2021-01');
    assert.equal(r.status, 200, r.text);
    assert.match(r.json.text, /^1月，南通开发区完成一般公共预算收入\d+(\.\d{1,2})?亿元，/);
    // no data for the period: an empty paragraph
    const none = await admin.get('/api/v1/indicators/report?period=2030-05');
    assert.deepEqual(none.json, { period: '2030-05', text: '' });
  });

  test('the evaluation of 2021-10 has the documented shape and the article\'s figures', async () => {
    const r = await admin.get('/api/v1/indicators/evaluation?period=2021-10');
    assert.equal(r.status, 200, r.text);
    const e = r.json;
    assert.deepEqual([e.period, e.year, e.month, e.time_progress], ['2021-10', 2021, 10, 83.3]);
    assert.deepEqual(e.indicators.map((i) => i.code), CODES);
    assert.deepEqual(e.indicators.map((i) => i.name), NAMES);
    assert.deepEqual(e.indicators.map((i) => i.unit), UNITS);
    for (const ind of e.indicators) {
      assert.equal(ind.regions.length, 8, ind.code);
      assert.equal(ind.regions.filter((g) => g.is_zone).length, 1, ind.code);
      for (const g of ind.regions) {
        assert.deepEqual(Object.keys(g).sort(), ['growth', 'is_zone', 'name', 'progress', 'rank_growth', 'rank_total', 'region_id', 'target', 'value']);
        assert.ok(Number.isInteger(g.rank_total) && g.rank_total >= 1 && g.rank_total <= 8);
        assert.equal(typeof g.value, 'number');
      }
    }
    const zone = (code) => e.indicators[CODES.indexOf(code)].regions.find((g) => g.is_zone);
    const b = zone('budget_revenue');
    assert.equal(b.region_id, e.zone_region_id);
    assert.deepEqual([b.name, b.value, b.growth, b.rank_growth], ['南通开发区', 61.8, 12.8, 3]);
    assert.ok(b.target > b.value && b.progress > 0 && b.progress < 100, JSON.stringify(b));
    assert.equal(b.progress, Math.round((b.value / b.target) * 1000) / 10);
    const ind = zone('industrial_sales');
    assert.deepEqual([ind.value, ind.growth, ind.rank_total, ind.rank_growth], [1485, 31, 3, 2]);
    assert.deepEqual([zone('fdi_utilised').value, zone('fdi_utilised').growth], [5.54, 10.8]);
    assert.deepEqual([zone('trade_total').value, zone('trade_total').rank_total], [453.8, 2]);
    // tax share: every region, the zone 87% second
    assert.equal(e.tax_share.length, 8);
    const ts = e.tax_share.find((s) => s.region_id === e.zone_region_id);
    assert.deepEqual([ts.name, ts.share, ts.rank], ['南通开发区', 87, 2]);
    // a rank 1 in every indicator; the ranks follow the values
    for (const i of e.indicators) {
      assert.ok(i.regions.some((g) => g.rank_total === 1), i.code);
      const byValue = [...i.regions].sort((x, y) => y.value - x.value);
      byValue.forEach((g, k) => assert.ok(g.rank_total <= k + 1, `${i.code} ${g.name}`));
    }
    // the latest period by default: the last full month before the server's today, every region
    const live = (await admin.get('/api/v1/indicators/evaluation')).json;
    assert.equal(live.period, lastFull);
    for (const i of live.indicators) assert.equal(i.regions.length, 8, i.code);
    if (live.year === Number(today.slice(0, 4))) {   // this year's targets
      const lb = live.indicators[0].regions.find((g) => g.is_zone);
      assert.ok(lb.target > lb.value && lb.progress > 0 && lb.progress < 100, JSON.stringify(lb));
    }
    // a period without data: no regions
    const none = await admin.get('/api/v1/indicators/evaluation?period=2030-05');
    assert.equal(none.status, 200);
    assert.ok(none.json.indicators.every((i) => i.regions.length === 0));
    assert.deepEqual(none.json.tax_share, []);
  });

  test('a bad period is 422 invalid_parameter (field period)', async () => {
    for (const p of ['2021-13', '2021-00', '2021-1', '21-10', '2021/10', 'abc', '', '1899-12', '2200-01', '2026-10-01']) {
      for (const path of ['/api/v1/indicators/evaluation', '/api/v1/indicators/report']) {
        const r = await admin.get(`${path}?period=${encodeURIComponent(p)}`);
        assert.equal(r.status, 422, `${path}?period=${p}: ${r.text}`);
        assert.deepEqual([r.json.error.code, r.json.error.field], ['invalid_parameter', 'period'], p);
      }
    }
  });

  test('statisticians, leaders and admins read; enterprises and other staff are 403; no login 401', async () => {
    for (const path of ['/api/v1/indicators/evaluation?period=2021-10', '/api/v1/indicators/report?period=2021-10']) {
      for (const role of ['leader', 'statistician'])
        assert.equal((await as[role].get(path)).status, 200, `${role} ${path}`);
      for (const role of ['enterprise', 'officer', 'recruiter']) {
        const r = await as[role].get(path);
        assert.equal(r.status, 403, `${role} ${path}: ${r.text}`);
        assert.equal(r.json.error.code, 'forbidden');
      }
      assert.equal((await new Client(srv.url).get(path)).status, 401);
    }
  });

  test('settings: zone.name names the zone, report.top_ranks the ranks named', async () => {
    const s = await admin.get('/api/v1/settings');
    assert.equal(s.json['zone.name'], '南通开发区');
    assert.equal(s.json['report.top_ranks'], '3');
    try {
      const p = await admin.patch('/api/v1/settings', { 'report.top_ranks': '2' });
      assert.equal(p.status, 200, p.text);
      let t = (await admin.get('/api/v1/indicators/report?period=2021-10')).json.text;
      assert.ok(t.includes('一般公共预算收入61.8亿元，增长12.8%，其中税占比87%，列全市第二；'), t);
      assert.ok(t.includes('工业应税销售1485亿元，增长31%，增幅列全市第二；'), t);
      const bad = await admin.patch('/api/v1/settings', { 'report.top_ranks': 'three' });
      assert.equal(bad.status, 422, bad.text);
      assert.equal(bad.json.error.field, 'report.top_ranks');
      // another region as the zone
      assert.equal((await admin.patch('/api/v1/settings', { 'zone.name': '崇川区' })).status, 200);
      t = (await admin.get('/api/v1/indicators/report?period=2021-10')).json.text;
      assert.ok(t.startsWith('1-10月，崇川区完成一般公共预算收入70.2亿元，'), t);
      const e = (await admin.get('/api/v1/indicators/evaluation?period=2021-10')).json;
      assert.equal(e.indicators[0].regions.find((g) => g.is_zone).name, '崇川区');
    } finally {
      await admin.patch('/api/v1/settings', { 'report.top_ranks': '3', 'zone.name': '南通开发区' });
    }
    const t = (await admin.get('/api/v1/indicators/report?period=2021-10')).json.text;
    for (const s of ARTICLE) assert.ok(t.includes(s), t);
  });
});
