// End-to-end: no calendar cliff (issue 12).  The demo's clock is set to
// Monday 2026-12-28 (ZONEOPS_NOW); the demo loads 2026's calendar but not
// 2027's.  Every request category can still be accepted: the due dates run
// into 2027, are counted Monday-Friday and marked provisional.  Admins are
// reminded to load 2027 (GET /api/v1/calendar/status).  Importing 2027 from
// an iCalendar file (POST /api/v1/calendar/import, the format of public
// holiday feeds) with a holiday and a make-up day recomputes every
// provisional date in the same transaction, with a history event
// due_recomputed; a bad file is 422 invalid_ics naming the line and changes
// nothing.  Expected dates come from the small calculator below.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Client, freshDb, startServer, demoAdminPassword } from './lib.mjs';

const NOW = '2026-12-28T09:00:00';   // a Monday; 2026-12-28 .. 31 are working days (the 2026 notice)
const TODAY = '2026-12-28';
let db, srv, admin, ent;
const accepted = [];                 // { id, category, months, days, due_on }

const DAY = 86400000;
const parse = (s) => Date.UTC(+s.slice(0, 4), +s.slice(5, 7) - 1, +s.slice(8, 10));
const fmt = (t) => new Date(t).toISOString().slice(0, 10);
const isWork = (t, ex) => (ex.has(fmt(t)) ? ex.get(fmt(t)) : ![0, 6].includes(new Date(t).getUTCDay()));
function due(from, months, days, ex) {
  let t = parse(from);
  if (months > 0) {
    let y = +from.slice(0, 4), m = +from.slice(5, 7) + months;
    while (m > 12) { m -= 12; y++; }
    const last = new Date(Date.UTC(y, m, 0)).getUTCDate();
    t = Date.UTC(y, m - 1, Math.min(+from.slice(8, 10), last));
    while (!isWork(t, ex)) t += DAY;
  }
  for (let k = 0; k < days;) {
    t += DAY;
    if (isWork(t, ex)) k++;
  }
  return fmt(t);
}

// The test's 2027: New Year's Day (Friday 1/1) and Monday 1/4 off, Saturday
// 1/9 a make-up working day, and (in another feed's style) 2/10-2/16 off.
const EX2027 = new Map([['2027-01-01', false], ['2027-01-02', false], ['2027-01-03', false], ['2027-01-04', false],
  ['2027-01-09', true], ...['10', '11', '12', '13', '14', '15', '16'].map((d) => [`2027-02-${d}`, false])]);
const ICS = [
  'BEGIN:VCALENDAR',
  'VERSION:2.0',
  'PRODID:-//zoneops e2e//holidays//CN',
  'BEGIN:VEVENT',
  'UID:2027-newyear@e2e',
  'DTSTART;VALUE=DATE:20270101',
  'DTEND;VALUE=DATE:20270105',       // exclusive: 1/1 .. 1/4
  'SUMMARY:元旦 假期',
  'END:VEVENT',
  'BEGIN:VEVENT',
  'UID:2027-makeup@e2e',
  'DTSTART;VALUE=DATE:20270109',
  'SUMMARY:元旦 补',
  ' 班',                              // folded
  'END:VEVENT',
  'BEGIN:VEVENT',
  'DTSTART;VALUE=DATE:20270210',
  'DTEND;VALUE=DATE:20270217',
  'SUMMARY:春节（休）',
  'END:VEVENT',
  'BEGIN:VEVENT',
  'DTSTART;VALUE=DATE:20261001',     // another year: ignored
  'DTEND;VALUE=DATE:20261008',
  'SUMMARY:国庆节 假期',
  'END:VEVENT',
  'END:VCALENDAR',
  '',
].join('\r\n');

const importIcs = (c, body, qs = 'year=2027') =>
  c.req('POST', `/api/v1/calendar/import?${qs}`, body, { 'Content-Type': 'text/calendar', ...(c.csrf ? { 'X-CSRF-Token': c.csrf } : {}) });

before(async () => {
  db = freshDb();
  srv = await startServer(db.url, ['--demo'], { ZONEOPS_NOW: NOW });
  const pw = await demoAdminPassword(srv);
  admin = new Client(srv.url);
  assert.equal((await admin.login('admin', pw)).status, 200);
  ent = new Client(srv.url);
  assert.equal((await ent.login('ent.langgu', 'demo-password')).status, 200);
});

after(async () => {
  const code = await srv.stop();
  db.cleanup();
  if (code !== 0) throw new Error(`server exited ${code}:\n${srv.output().stderr.slice(-4000)}`);
});

test('December, next year not loaded: admins are reminded', async () => {
  const r = await admin.get('/api/v1/calendar/status');
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.year, 2026);
  assert.equal(r.json.next_year, 2027);
  assert.equal(r.json.next_year_loaded, false);
  assert.equal(r.json.remind, true);
  assert.ok(r.json.loaded.includes(2026) && !r.json.loaded.includes(2027), r.text);
  assert.equal((await admin.get('/api/v1/calendar/due?days=0')).json.from, TODAY);
});

test('every category can be accepted; the dates run into 2027 and are provisional (Monday-Friday)', async () => {
  const me = (await ent.get('/api/v1/me')).json;
  const deps = (await admin.get('/api/v1/departments')).json.items;
  const dept = deps.find((d) => d.name === '企业发展服务中心') || deps[0];
  const cats = (await admin.get('/api/v1/request-categories')).json.items;
  assert.ok(cats.length >= 8, JSON.stringify(cats));
  for (const c of cats) {
    const cr = await admin.post('/api/v1/requests', { enterprise_id: me.enterprise_id, category: c.code, title: `跨年 ${c.code}` });
    assert.equal(cr.status, 201, cr.text);
    const r = await admin.post(`/api/v1/requests/${cr.json.id}/transitions`, { action: 'accept', department_id: dept.id });
    assert.equal(r.status, 200, `${c.code}: ${r.text}`);
    const months = c.months || 0, days = months ? 0 : c.working_days;
    assert.equal(r.json.due_on, due(TODAY, months, days, new Map()), c.code);
    assert.ok(r.json.due_on >= '2027-01-01', r.json.due_on);
    assert.equal(r.json.due_provisional, true, c.code);
    const q = await admin.get(`/api/v1/calendar/due?category=${c.code}`);
    assert.deepEqual([q.json.due_on, q.json.provisional], [r.json.due_on, true]);
    accepted.push({ id: cr.json.id, category: c.code, months, days, due_on: r.json.due_on });
  }
});

test('a bad .ics is 422 invalid_ics naming the line, and changes nothing', async () => {
  const bad = ICS.replace('DTSTART;VALUE=DATE:20270109', 'DTSTART;VALUE=DATE:2027-01-09');
  const r = await importIcs(admin, bad);
  assert.equal(r.status, 422, r.text);
  assert.equal(r.json.error.code, 'invalid_ics');
  assert.equal(r.json.error.field, 'file');
  assert.equal(r.json.error.line, 12, r.text);
  assert.equal(r.json.error.params.line, '12');
  assert.match(r.json.error.message, /^line 12: DTSTART/);
  // a make-up day on a weekday: calendar_load's check, named by the line of its event
  const weekday = ICS.replace('DTSTART;VALUE=DATE:20270109', 'DTSTART;VALUE=DATE:20270108');
  const w = await importIcs(admin, weekday);
  assert.equal(w.status, 422, w.text);
  assert.equal(w.json.error.line, 10);
  assert.equal(w.json.error.code, 'invalid_ics');
  assert.equal((await importIcs(admin, 'not a calendar')).json.error.line, 1);
  assert.equal((await importIcs(admin, ICS, 'year=27')).status, 422);
  assert.equal((await importIcs(admin, ICS, '')).json.error.field, 'year');
  assert.equal((await importIcs(ent, ICS)).status, 403);
  assert.equal((await admin.get('/api/v1/calendar/2027')).json.loaded, false);
  for (const a of accepted) {
    const q = (await admin.get(`/api/v1/requests/${a.id}`)).json;
    assert.deepEqual([q.due_on, q.due_provisional], [a.due_on, true]);
  }
});

test('importing 2027 from an .ics (a holiday, a make-up day) recomputes every provisional date, with history', async () => {
  const r = await importIcs(admin, ICS);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.loaded, true);
  assert.deepEqual([r.json.holidays, r.json.makeup_days], [11, 1]);
  assert.ok(r.json.recomputed >= accepted.length, r.text);
  const d0109 = r.json.days.find((d) => d.day === '2027-01-09');
  assert.deepEqual([d0109.workday, d0109.note], [true, '元旦 补班']);
  for (const a of accepted) {
    const q = (await admin.get(`/api/v1/requests/${a.id}`)).json;
    const want = due(TODAY, a.months, a.days, EX2027);
    assert.deepEqual([q.due_on, q.due_provisional], [want, false], a.category);
    const ev = q.history.filter((e) => e.action === 'due_recomputed');
    assert.equal(ev.length, 1, JSON.stringify(q.history));
    const detail = typeof ev[0].detail === 'string' ? JSON.parse(ev[0].detail) : ev[0].detail;
    assert.deepEqual([detail.year, detail.due_on_before, detail.due_on], [2027, a.due_on, want]);
  }
  // at least one date moved (5 working days from 12/28: 1/4 provisional, 1/6 on the calendar)
  assert.ok(accepted.some((a) => a.due_on !== due(TODAY, a.months, a.days, EX2027)));
  const s = (await admin.get('/api/v1/calendar/status')).json;
  assert.deepEqual([s.next_year_loaded, s.remind], [true, false]);
  // loading again: nothing provisional is left
  assert.equal((await importIcs(admin, ICS)).json.recomputed, 0);
});
