// End-to-end: the demo lives in the present (issue 12).  A --demo server
// started on three dates of the year (ZONEOPS_NOW, one of them an ISO 8601
// time with an offset) shows what a zone official opening it that day
// expects: every chief service officer has visits in the last 90 days, the
// service dashboard has this month's visits and problems, the race ranking's
// latest full month has scores, and no request is overdue by more than a
// few months (the article's 2021 period is history, all of it settled).
// The race lives in the present too: the ranking, the recruiters' ranking
// and the trips open on the last full month with everyone's activity, the
// battle board has projects in every stage with dates in the last 12 months
// and none after today, leads are still coming in (some awaiting review),
// and the targets are the clock's year's, with the year's completion
// growing month by month.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Client, freshDb, startServer, demoAdminPassword } from './lib.mjs';

const DAY = 86400e3;
const cnDate = (t) => new Date(t + 8 * 3600e3).toISOString().slice(0, 10);   // China time
const FEW_MONTHS = 92;   // days

const STAGE_DATE = { lead: 'lead_on', negotiating: 'negotiating_on', signed: 'signed_on', landed: 'landed_on',
  started: 'started_on', producing: 'producing_on' };
const DATE_KEYS = Object.values(STAGE_DATE);

for (const now of ['2027-01-05', '2026-03-16', '2026-07-15T14:30:00', '2026-12-06T10:00:00+08:00',
  '2026-12-21T09:00:00+08:00']) {
  describe(`the demo opened on ${now}`, () => {
    let db, srv, c;
    const t0 = Date.parse(now.length === 10 ? `${now}T09:00:00+08:00` : /[+Z]/.test(now.slice(19)) ? now : `${now}+08:00`);
    const today = cnDate(t0);
    const monthFirst = today.slice(0, 8) + '01';
    const lastMonth = cnDate(Date.parse(monthFirst + 'T12:00:00+08:00') - 5 * DAY).slice(0, 7);
    const yearAgo = cnDate(t0 - 365 * DAY);
    const year = Number(today.slice(0, 4));
    before(async () => {
      db = freshDb();
      srv = await startServer(db.url, ['--demo'], { ZONEOPS_NOW: now });
      const pw = await demoAdminPassword(srv);
      c = new Client(srv.url);
      assert.equal((await c.login('admin', pw)).status, 200);
    });
    after(async () => {
      const code = await srv.stop();
      db.cleanup();
      assert.equal(code, 0, srv.output().stderr.slice(-4000));
    });

    test('the server\'s today is the injected one', async () => {
      const r = await c.get(`/api/v1/service/stats`);
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json.to, today);
    });

    test('every chief service officer visited enterprises in the last 90 days', async () => {
      const r = await c.get('/api/v1/officers?limit=1000');
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json.items.length, 56);
      const idle = r.json.items.filter((o) => !(o.visits_90d > 0)).map((o) => o.display_name);
      assert.deepEqual(idle, [], 'officers without a visit in 90 days');
    });

    test('the service dashboard has this month\'s figures', async () => {
      const r = await c.get(`/api/v1/service/stats?from=${monthFirst}&to=${today}`);
      assert.equal(r.status, 200, r.text);
      const t = r.json.totals;
      assert.ok(t.visits > 0 && t.enterprises_visited > 0, JSON.stringify(t));
      assert.ok(t.requests_raised > 0 && t.requests_resolved > 0, JSON.stringify(t));
      // the default period (the last 60 days) too
      const d = (await c.get('/api/v1/service/stats')).json.totals;
      assert.ok(d.visits > 50 && d.requests_raised > 20 && d.requests_resolved > 10, JSON.stringify(d));
    });

    test('some requests are waiting: to be accepted, in progress, a few overdue, none for months', async () => {
      const all = await c.get('/api/v1/requests?limit=1000&status=submitted');
      assert.equal(all.status, 200, all.text);
      assert.ok(all.json.total > 0, 'a request awaiting acceptance');
      for (const q of all.json.items)
        assert.ok(q.created_at * 1000 >= t0 - FEW_MONTHS * DAY, `submitted long ago: ${q.title} ${cnDate(q.created_at * 1000)}`);
      const od = await c.get('/api/v1/requests?overdue=1&limit=1000');
      assert.equal(od.status, 200, od.text);
      assert.ok(od.json.total > 0, 'some request is overdue');
      for (const q of od.json.items) {
        const since = q.due_on || q.accept_due_on || cnDate(q.created_at * 1000);
        assert.ok(since >= cnDate(t0 - FEW_MONTHS * DAY), `overdue since ${since}: ${q.title}`);
      }
      // the dashboard counts what the list shows
      assert.equal((await c.get('/api/v1/service/stats')).json.totals.requests_overdue, od.json.total);
    });

    test(`the race ranking of ${lastMonth} has scores`, async () => {
      const r = await c.get(`/api/v1/race?month=${lastMonth}`);
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json.month, lastMonth);
      const scored = r.json.units.filter((u) => u.score > 0);
      assert.ok(scored.length >= 3, JSON.stringify(r.json.units));
    });

    test(`the ranking, the recruiters' ranking and the trips open on ${lastMonth}, everyone ranked`, async () => {
      const r = await c.get('/api/v1/race');
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json.month, lastMonth);
      assert.equal(r.json.has_data, true);
      assert.deepEqual(r.json.units.map((u) => u.rank), r.json.units.map((_, i) => i + 1), JSON.stringify(r.json.units));
      for (const u of r.json.units)
        assert.ok(u.score > 0, JSON.stringify(u));
      assert.ok(new Set(r.json.units.map((u) => u.score)).size >= 4, 'scores that tell the units apart');
      const rec = await c.get('/api/v1/race/recruiters');
      assert.equal(rec.json.month, lastMonth);
      const ranked = rec.json.items.filter((it) => it.rank !== null);
      assert.ok(ranked.length >= 25, rec.text);
      for (const it of rec.json.items)
        assert.equal(it.rank !== null, it.score > 0, JSON.stringify(it));
      const q = await c.get('/api/v1/quotas');
      assert.equal(q.status, 200, q.text);
      assert.equal(q.json.month, lastMonth);
      assert.equal(q.json.has_data, true);
    });

    test('the battle board: every stage reached in the last 12 months, no date after today', async () => {
      const r = await c.get('/api/v1/projects?limit=1000');
      assert.equal(r.status, 200, r.text);
      const ps = r.json.items;
      assert.ok(ps.length >= 60, `${ps.length} projects`);
      for (const p of ps)
        for (const k of DATE_KEYS)
          assert.ok(!p[k] || p[k] < today, `${p.name} ${k} ${p[k]} is not before ${today}`);
      for (const [stage, key] of Object.entries(STAGE_DATE)) {
        const recent = ps.filter((p) => p.stage === stage && p[key] >= yearAgo);
        assert.ok(recent.length >= 2, `${stage}: ${recent.length} projects reached it since ${yearAgo}`);
      }
      for (const p of ps.filter((x) => x.stage === 'negotiating'))
        assert.ok(p.negotiating_on >= p.lead_on, `${p.name} negotiating on ${p.negotiating_on}`);
    });

    test('leads keep coming in: some captured this last month, the newest awaiting review, none after today', async () => {
      const r = await c.get('/api/v1/leads?limit=1000');
      assert.equal(r.status, 200, r.text);
      const ls = r.json.items;
      assert.ok(ls.every((l) => l.captured_on < today), 'a lead captured today or later');
      const recent = ls.filter((l) => l.captured_on >= cnDate(t0 - 31 * DAY));
      assert.ok(recent.length >= 10, `${recent.length} leads in the last 31 days`);
      assert.ok(recent.some((l) => l.status === 'pending'), 'a recent lead awaiting review');
      assert.ok(ls.filter((l) => l.captured_on.startsWith(lastMonth) && l.status === 'qualified').length >= 12);
    });

    test(`the targets are ${year}'s, the completion of the year grows month by month`, async () => {
      const r = await c.get('/api/v1/unit-targets');
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json.year, year);
      const done = Number(today.slice(5, 7)) - 1;   // full months of the year
      assert.equal(r.json.time_progress_month, done || null);
      assert.equal(r.json.items.length, 6);
      for (const u of r.json.items) {
        assert.ok(u.signed_investment > 0 && u.landed_projects > 0 && u.leads > 0, JSON.stringify(u));
        if (done >= 3)
          assert.ok(u.actual.leads > 0 && u.progress.leads > 0 && u.progress.leads < 1.5, JSON.stringify(u));
      }
      if (done >= 6)
        assert.ok(new Set(r.json.items.map((u) => u.status)).size >= 2, 'units ahead and behind');
      // month by month: the year's qualified leads up to each full month grow
      const ls = (await c.get('/api/v1/leads?limit=1000&status=qualified')).json.items
        .filter((l) => l.captured_on.startsWith(String(year)) && !l.duplicate_of);
      let prev = -1;
      for (let m = 1; m <= done; m++) {
        const upto = ls.filter((l) => Number(l.captured_on.slice(5, 7)) <= m).length;
        assert.ok(upto > prev, `qualified leads up to ${year}-${m}: ${upto}`);
        prev = upto;
      }
      // last year's targets are there too, the year whole
      const past = await c.get(`/api/v1/unit-targets?year=${year - 1}`);
      assert.equal(past.json.time_progress_month, 12);
      for (const u of past.json.items)
        assert.ok(u.leads > 0 && u.actual.leads > 0 && u.actual.signed_investment > 0, JSON.stringify(u));
    });

    test(`the monthly indicators reach ${lastMonth}, with this year's targets; 2021-10 is the article's`, async () => {
      const r = await c.get('/api/v1/indicators/report');
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json.period, lastMonth);
      assert.match(r.json.text, /^1(-\d+)?月，南通开发区完成一般公共预算收入/);
      const none = await c.get(`/api/v1/indicators/report?period=${today.slice(0, 7)}`);
      assert.equal(none.json.text, '', 'nothing for the month under way');
      const e = (await c.get(`/api/v1/indicators/evaluation?period=${lastMonth}`)).json;
      const b = e.indicators[0].regions.find((g) => g.is_zone);
      if (lastMonth.startsWith(today.slice(0, 4)))
        assert.ok(b.target > b.value && b.progress > 0, JSON.stringify(b));
      const a = await c.get('/api/v1/indicators/report?period=2021-10');
      assert.ok(a.json.text.startsWith('1-10月，南通开发区完成一般公共预算收入61.8亿元，增长12.8%，增幅列全市第三'), a.json.text);
    });

    test('the article\'s period is history: 496 enterprises visited, 560 problems resolved', async () => {
      const r = await c.get('/api/v1/service/stats?from=2021-10-15&to=2021-12-15');
      assert.equal(r.json.totals.enterprises_visited, 496);
      assert.equal(r.json.totals.requests_resolved, 560);
    });
  });
}
