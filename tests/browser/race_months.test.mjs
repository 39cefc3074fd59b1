/*
 * race_months.test.mjs -- issue 12 in Chromium: the ranking and 外出招商
 * open on the latest month with data (the month the API names) and say so;
 * a month without activity says so instead of ranking zeros (no medals, no
 * arrows, no trend); the battle board's 时序进度 is the API's (up to the last
 * full month, which the legend names); a card at 有效信息 moves to 洽谈 with
 * its date and back one stage with a reason; the wall screen shows every
 * unit, page by page, at 1440×900 and 1920×1080.
 *
 * Independent of how much the demo holds today: the months are the ones the
 * API names, the empty month is 2001-01 (before any demo data), the project
 * is the test's own.
 *
 *   ZONEOPS_URL=http://127.0.0.1:PORT ZONEOPS_ADMIN_PASSWORD=… node --test tests/browser/
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, DEMO_PASSWORD, skip, launch, shutdown, newPage, login, ready, open, screenshot,
  assertClean } from './lib.mjs';

before(async () => {
  if (!skip)
    await launch();
});
after(shutdown);

const EMPTY = '2001-01';

/* GET path from inside the page (the session's cookie). */
const apiGet = (page, path) => page.evaluate(async (p) => (await fetch(p)).json(), path);

test('ranking and trips open on the latest month with data and say which; an empty month says so', { skip }, async () => {
  const { context, page, problems } = await newPage();
  await login(page, problems, 'leader.ib', DEMO_PASSWORD);
  const latest = await apiGet(page, '/api/v1/race');
  assert.match(latest.month, /^\d{4}-\d{2}$/);

  await open(page, '#/race');
  await page.locator('[data-testid=race-which]').waitFor();
  assert.equal(await page.inputValue('[data-testid=race-month]'), latest.month);
  assert.ok((await page.textContent('[data-testid=race-which]')).includes(latest.month));
  if (latest.has_data) {
    /* only the units that scored carry a rank and a medal */
    const unranked = latest.units.filter((u) => u.rank === null).map((u) => String(u.unit_id));
    for (const id of unranked) {
      const row = page.locator(`[data-testid=ranking] tbody tr[data-unit="${id}"]`);
      assert.equal(await row.locator('.rk-top1, .rk-top2, .rk-top3, .rk-up, .rk-down').count(), 0);
    }
  }
  await screenshot(page, 'race-latest-month');

  await open(page, `#/race?month=${EMPTY}`);
  await page.locator('[data-testid=race-nodata]').waitFor();
  assert.ok((await page.textContent('[data-testid=race-nodata]')).includes(EMPTY));
  assert.equal(await page.locator('[data-testid=ranking] .rk-table').count(), 0, 'no ranking of zeros');
  assert.equal(await page.locator('.rk-top1, .rk-top2, .rk-top3, .rk-up, .rk-down').count(), 0, 'no medal, no arrow');
  await page.locator('[data-testid=trend-empty]').waitFor();
  await screenshot(page, 'race-empty-month');

  const quotas = await apiGet(page, '/api/v1/quotas');
  await open(page, '#/trips');
  await page.locator('[data-testid=trips-which]').waitFor();
  assert.equal(await page.inputValue('[data-testid=trips-month]'), quotas.month);
  assert.ok((await page.textContent('[data-testid=trips-which]')).includes(quotas.month));
  await open(page, `#/trips?month=${EMPTY}`);
  await page.locator('[data-testid=trips-empty]').waitFor();
  assert.ok((await page.textContent('[data-testid=trips-empty]')).includes(EMPTY));
  assertClean(problems, 'the ranking and the trips on their months');
  await context.close();
});

test('board: 时序进度 as the API counts it; a lead card to 洽谈 with its date, and back with a reason', { skip }, async () => {
  const { context, page, problems } = await newPage();
  await login(page, problems, 'leader.ib', DEMO_PASSWORD);
  const name = `看板退回测试${Date.now().toString(36)}项目`;
  const made = await page.evaluate(async (n) => {
    const me = await (await fetch('/api/v1/me')).json();
    const r = await fetch('/api/v1/projects', { method: 'POST', headers: { 'Content-Type': 'application/json',
      'X-CSRF-Token': me.csrf_token }, body: JSON.stringify({ name: n, total_investment: 0.5 }) });
    return { status: r.status, body: await r.json() };
  }, name);
  assert.equal(made.status, 201, JSON.stringify(made.body));
  const p = made.body;
  assert.equal(p.stage, 'lead');

  await open(page, `#/board?unit=${p.unit_id}`);
  const targets = await apiGet(page, '/api/v1/unit-targets');
  const legend = page.locator('[data-testid=time-progress]');
  await legend.waitFor();
  const want = (Math.round(targets.time_progress * 1000) / 10).toFixed(1);
  assert.ok((await legend.textContent()).includes(want), `${await legend.textContent()} shows ${want}`);
  if (targets.time_progress_month)
    assert.ok((await legend.textContent()).includes(`${targets.time_progress_month} 月末`));

  const card = page.locator(`.proj[data-id="${p.id}"]`);
  assert.equal(await card.getAttribute('data-stage'), 'lead');
  assert.match(await page.textContent(`[data-testid=advance-${p.id}]`), /洽谈/);
  assert.equal(await page.locator(`[data-testid=back-${p.id}]`).count(), 0, 'a lead has no stage before it');
  await page.click(`[data-testid=advance-${p.id}]`);
  await page.fill('.modal [data-testid=stage-date]', '2026-01-05');
  let saved = page.waitForResponse((r) => r.url().endsWith(`/api/v1/projects/${p.id}`) && r.request().method() === 'PATCH');
  await page.click('.modal [data-testid=stage-save]');
  assert.equal((await saved).status(), 200);
  await page.locator(`.proj[data-id="${p.id}"][data-stage=negotiating]`).waitFor();
  await screenshot(page, 'race-board-negotiating');

  await page.click(`[data-testid=back-${p.id}]`);
  await page.click('.modal [data-testid=back-save]');          /* no reason: said under the field */
  await page.locator('.modal .field-error, .modal [aria-invalid=true]').first().waitFor();
  await page.fill('.modal [data-testid=back-reason]', '客户暂停洽谈，退回有效信息');
  saved = page.waitForResponse((r) => r.url().endsWith(`/api/v1/projects/${p.id}`) && r.request().method() === 'PATCH');
  await page.click('.modal [data-testid=back-save]');
  assert.equal((await saved).status(), 200);
  await page.locator(`.proj[data-id="${p.id}"][data-stage=lead]`).waitFor();
  const back = await apiGet(page, `/api/v1/projects/${p.id}`);
  assert.equal(back.stage, 'lead');
  assert.equal(back.negotiating_on, '');
  assertClean(problems, 'the board\'s moves');
  await context.close();
});

/* Every unit seen on the wall's board pages and ranking pages, each wholly in the window. */
async function wallShowsEveryUnit(size) {
  const { context, page, problems } = await newPage(size);
  await login(page, problems, 'leader.ib', DEMO_PASSWORD);
  const units = (await apiGet(page, '/api/v1/units')).items.map((u) => String(u.id));
  await page.goto(`${BASE}/#/wall?interval=3`);
  const wall = page.locator('[data-testid=wall]');
  await page.locator('[data-testid=wall][data-ready="1"]').waitFor();
  const seen = { board: new Set(), ranking: new Set() };
  const pages = { board: 0, ranking: 0 };
  for (let cycle = 0; cycle < 20; cycle++) {
    await page.locator(`[data-testid=wall][data-cycles="${cycle}"][data-ready="1"]`).waitFor({ timeout: 15000 });
    const view = await wall.getAttribute('data-view');
    if (cycle > 0 && view === 'board' && await wall.getAttribute('data-page') === '1')
      break;   /* round again */
    pages[view]++;
    const sel = view === 'board' ? '.wall .swim-label' : '.wall .rk-table tbody tr';
    const inside = await page.$$eval(sel, (els) => els.filter((el) => {
      const r = el.getBoundingClientRect();
      return r.height > 0 && r.top >= 0 && r.bottom <= window.innerHeight + 1;
    }).map((el) => el.dataset.unit));
    inside.forEach((u) => seen[view].add(u));
    await screenshot(page, `race-wall-${size.width}-${view}-${await wall.getAttribute('data-page')}`);
  }
  assert.deepEqual([...seen.board].sort(), [...units].sort(), `every unit's swimlane on a board page at ${size.width}×${size.height}`);
  const race = await apiGet(page, '/api/v1/race');
  if (race.has_data)
    assert.deepEqual([...seen.ranking].sort(), [...units].sort(), `every unit's row on a ranking page at ${size.width}×${size.height}`);
  assertClean(problems, `the wall at ${size.width}×${size.height}`);
  await context.close();
  return pages;
}

test('the wall pages through every unit at 1440×900', { skip }, async () => {
  await wallShowsEveryUnit({ width: 1440, height: 900 });
});

test('the wall pages through every unit at 1920×1080', { skip }, async () => {
  await wallShowsEveryUnit({ width: 1920, height: 1080 });
});
