/*
 * calendar.test.mjs -- no calendar cliff in the browser (issue 12).  Same
 * environment as ui.test.mjs (ZONEOPS_URL, ZONEOPS_ADMIN_PASSWORD against a
 * --demo server).  From 1 November, while next year's working calendar is
 * not loaded, an admin sees a reminder above every page (others do not);
 * the calendar page loads next year from an iCalendar file, says how many
 * provisional due dates were recomputed, and the reminder goes.  Outside
 * November and December, or when next year is already loaded, only the
 * import is checked (on a year far away, left as it was).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, PASSWORD, DEMO_PASSWORD, skip, launch, shutdown, newPage, assertClean, login, ready, open, screenshot } from './lib.mjs';
import { Client } from '../e2e/lib.mjs';

before(async () => {
  if (!skip)
    await launch();
});
after(shutdown);

const ics = (y) => [
  'BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//zoneops browser test//CN',
  'BEGIN:VEVENT', `DTSTART;VALUE=DATE:${y}0101`, `DTEND;VALUE=DATE:${y}0102`, 'SUMMARY:元旦 假期', 'END:VEVENT',
  'END:VCALENDAR', ''].join('\r\n');

test('the reminder for admins; the calendar page loads a year from an .ics', { skip }, async () => {
  const api = new Client(BASE);
  assert.equal((await api.login('admin', PASSWORD)).status, 200);
  const st = (await api.get('/api/v1/calendar/status')).json;
  const { page, problems } = await newPage();
  await login(page, problems);
  await ready(page, await page.locator('#view').getAttribute('data-route'));
  if (st.remind)
    await page.locator('[data-testid=cal-remind-banner]').waitFor();
  assert.equal(await page.locator('[data-testid=cal-remind-banner]').count(), st.remind ? 1 : 0);
  let year = st.next_year;
  if (st.remind) {
    await screenshot(page, 'calendar-reminder');
    /* the banner stays over a page change */
    await open(page, '#/settings');
    assert.equal(await page.locator('[data-testid=cal-remind-banner]').count(), 1);
  } else {
    year = 2190;   // nothing depends on it; its calendar is put back below
  }
  const before = (await api.get(`/api/v1/calendar/${year}`)).json;
  await page.goto(`${BASE}/#/calendar/${year}`);
  await ready(page, 'calendar');
  await page.setInputFiles('[data-testid=cal-ics]', { name: `${year}.ics`, mimeType: 'text/calendar', buffer: Buffer.from(ics(year)) });
  await page.click('[data-testid=cal-import]');
  await page.locator('.toast').first().waitFor();
  /* the toast comes before the year is drawn again: the old panel keeps its
   * button disabled until the new one replaces it */
  await page.locator('[data-testid=cal-import]:not([disabled])').waitFor();
  await ready(page, 'calendar');
  const after = (await api.get(`/api/v1/calendar/${year}`)).json;
  assert.deepEqual([after.loaded, after.holidays, after.source], [true, 1, `${year}.ics`]);
  assert.equal(await page.locator('[data-testid=cal-remind-banner]').count(), 0);
  /* a bad file names its line under the button */
  await page.setInputFiles('[data-testid=cal-ics]', { name: 'bad.ics', mimeType: 'text/calendar', buffer: Buffer.from('BEGIN:VCALENDAR\nnonsense\n') });
  await page.click('[data-testid=cal-import]');
  await page.locator('[data-testid=cal-ics-result].form-error').waitFor();
  assert.match(await page.locator('[data-testid=cal-ics-result]').textContent(), /2/);
  await screenshot(page, 'calendar-import');
  if (!st.remind && !before.loaded) {
    /* leave the far year as it was: its days empty (loaded stays recorded) */
    const put = await api.req('PUT', `/api/v1/calendar/${year}`, { days: [], source: 'browser test' }, { 'X-CSRF-Token': api.csrf });
    assert.equal(put.status, 200);
  }
  problems.splice(0, problems.length, ...problems.filter((p) => !/422/.test(p)));
  assertClean(problems, 'calendar');
  /* no reminder for other roles */
  const other = await newPage();
  await login(other.page, other.problems, 'officer01', DEMO_PASSWORD);
  assert.equal(await other.page.locator('[data-testid=cal-remind-banner]').count(), 0);
  await other.context.close();
  await page.context().close();
});
