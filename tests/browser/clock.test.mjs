/*
 * clock.test.mjs -- issue 12, one clock: the browser's "today" is the
 * server's (GET /api/v1/me, the login and /healthz carry "today" and "now";
 * web/js/clock.js keeps them), not the machine's.  The test starts its own
 * demo server with ZONEOPS_NOW far from the real today (2027-03-15 10:00
 * China time) and checks the service dashboard's period and its 本月/本年
 * presets, the ranking's month (and that the month before is "over", so an
 * admin may publish it), a new lead's date, the indicators' years, the
 * calendar's year and the wall's clock.
 *
 *   ZONEOPS_URL=… ZONEOPS_ADMIN_PASSWORD=… node --test tests/browser/clock.test.mjs
 * (the shared server is not used; ZONEOPS_BIN, default build/zoneops)
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { skip, launch, shutdown, newPage, assertClean, dropLogin401, screenshot } from './lib.mjs';
import { freshDb, startServer, demoAdminPassword } from '../e2e/lib.mjs';

const NOW = '2027-03-15T10:00:00+08:00';
const TODAY = '2027-03-15';
let db;
let srv;
let adminPw;

before(async () => {
  if (skip)
    return;
  db = freshDb();
  srv = await startServer(db.url, ['--demo'], { ZONEOPS_NOW: NOW });
  adminPw = await demoAdminPassword(srv);
  await launch();
});
after(async () => {
  await shutdown();
  if (srv) {
    const code = await srv.stop();
    db.cleanup();
    assert.equal(code, 0, srv.output().stderr.slice(-4000));
  }
});

async function signIn(page, problems) {
  await page.goto(`${srv.url}/`);
  await page.locator('#login-username').waitFor();
  await page.fill('#login-username', 'admin');
  await page.fill('#login-password', adminPw);
  await page.click('.login-form button[type=submit]');
  await page.locator('.topbar').waitFor();
  dropLogin401(problems);
}

async function go(page, hash) {
  await page.evaluate((x) => { location.hash = x; }, hash);
  await page.locator(`#view[data-route="${hash.replace(/^#\//, '').split(/[/?]/)[0]}"][data-ready="1"]`).waitFor();
}

test('the server tells its clock: /healthz and /me carry today and now', { skip }, async () => {
  const h = await (await fetch(`${srv.url}/healthz`)).json();
  assert.equal(h.today, TODAY);
  assert.match(h.now, /^2027-03-15T10:0\d:\d\d\+08:00$/);
});

test('every page takes "today" from the server, not from the machine', { skip }, async () => {
  assert.notEqual(new Date().toISOString().slice(0, 7), TODAY.slice(0, 7), 'the machine is not in March 2027');
  const { context, page, problems } = await newPage();
  await signIn(page, problems);

  /* the service dashboard: the server's default period ends today; 本月 and 本年 are the server's */
  await go(page, '#/service');
  assert.equal(await page.inputValue('[data-testid=dash-to]'), TODAY);
  await page.click('[data-testid=dash-month]');
  assert.equal(await page.inputValue('[data-testid=dash-from]'), '2027-03-01');
  assert.equal(await page.inputValue('[data-testid=dash-to]'), TODAY);
  await page.click('[data-testid=dash-year]');
  assert.equal(await page.inputValue('[data-testid=dash-from]'), '2027-01-01');
  await screenshot(page, 'clock-dashboard');

  /* the ranking: the months go up to this month; the latest month with data is over */
  await go(page, '#/race');
  const month = page.locator('[data-testid=race-month]');
  assert.equal(await month.getAttribute('max'), '2027-03');
  const shown = await month.inputValue();
  assert.ok(shown <= '2027-03' && shown >= '2026-12', shown);
  if (shown < '2027-03')
    assert.equal(await page.locator('[data-testid=race-publish]:visible, [data-testid=race-withdraw]:visible').count(), 1,
      'a month that is over may be published (or withdrawn)');

  /* a new lead is captured today */
  await go(page, '#/leads');
  await page.click('[data-testid=lead-new]');
  assert.equal(await page.inputValue('input[name=captured_on]'), TODAY);
  assert.equal(await page.getAttribute('input[name=captured_on]', 'max'), TODAY);
  await page.keyboard.press('Escape');

  /* the indicators' years start at this year; the calendar opens on it */
  await go(page, '#/indicators');
  assert.equal(await page.locator('[data-testid=ind-year] option').first().getAttribute('value'), '2027');
  await go(page, '#/calendar');
  assert.equal(await page.inputValue('select[name=year]'), '2027');
  await screenshot(page, 'clock-calendar');

  /* the wall's clock */
  await page.evaluate(() => { location.hash = '#/wall'; });
  await page.locator('.wall-clock').waitFor();
  assert.match(await page.textContent('.wall-clock'), /^2027-03-15 1\d:\d\d:\d\d$/);
  assertClean(problems, 'the pages on 2027-03-15');
  await context.close();
});
