/*
 * streets.test.mjs -- streets' offices (区街上下联动, issue 14) in Debian's
 * Chromium against a --demo server (ZONEOPS_URL, ZONEOPS_ADMIN_PASSWORD):
 * the 服务看板 of a street's office opens on its street and asks the
 * server for that street only; the admin makes a department a street's
 * office on the settings page and undoes it.
 *
 * Every wait is for a selector or a response, never a fixed sleep; console
 * errors, page errors and unexpected HTTP errors fail.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DEMO_PASSWORD, skip, launch, shutdown, newPage, assertClean, login, open, screenshot, chartDrawn } from './lib.mjs';

before(async () => {
  if (!skip)
    await launch();
});
after(shutdown);

test("a street's office: the dashboard opens on its street", { skip }, async () => {
  const { context, page, problems } = await newPage();
  const first = page.waitForResponse((r) => r.url().includes('/api/v1/service/stats'));
  await login(page, problems, 'dept.street1', DEMO_PASSWORD);
  const me = await page.evaluate(() => fetch('/api/v1/me').then((r) => r.json()));
  assert.ok(me.street_id > 0, 'dept.street1 is a street office');
  await open(page, '#/service');
  await page.locator('[data-testid=dash-headline]').waitFor();
  assert.equal(await page.locator('[data-testid=dash-street]').inputValue(), String(me.street_id));
  const asked = new URL((await first).url());
  assert.equal(asked.searchParams.get('street_id'), String(me.street_id));
  // the whole zone on demand
  const all = page.waitForResponse((r) => r.url().includes('/api/v1/service/stats') && !r.url().includes('street_id='));
  await page.selectOption('[data-testid=dash-street]', '');
  assert.equal((await all).status(), 200);
  await chartDrawn(page, '[data-testid=chart-by_street]');
  await screenshot(page, 'dashboard-street');
  assertClean(problems, "the street office's dashboard");
  await context.close();
});

test('settings: the admin makes a department a street office and undoes it', { skip }, async () => {
  const { context, page, problems } = await newPage();
  await login(page, problems);
  await open(page, '#/settings');
  const depts = await page.evaluate(() => fetch('/api/v1/departments').then((r) => r.json()));
  const tjj = depts.items.find((d) => d.name === '统计局');
  assert.equal(tjj.street_id, null);
  const sel = page.locator(`[data-testid=dept-street-${tjj.id}]`);
  const streetId = await sel.locator('option').nth(1).getAttribute('value');
  let saved = page.waitForResponse((r) => r.url().endsWith(`/api/v1/departments/${tjj.id}`) && r.request().method() === 'PATCH');
  await sel.selectOption(streetId);
  let r = await saved;
  assert.equal(r.status(), 200);
  assert.equal((await r.json()).street_id, Number(streetId));
  saved = page.waitForResponse((x) => x.url().endsWith(`/api/v1/departments/${tjj.id}`) && x.request().method() === 'PATCH');
  await sel.selectOption('');
  r = await saved;
  assert.equal((await r.json()).street_id, null);
  assertClean(problems, 'settings (street offices)');
  await context.close();
});
