/*
 * land.test.mjs -- the staff page 亩均效益 (#/land, issue 11) in Debian's
 * Chromium: as admin, the ranking of an evaluation with its class chips,
 * the class distribution charts, an enterprise's card; a plot created in
 * the form with an outline, its users over the plot's area refused with
 * the error under the field, then within it; plots imported from GeoJSON; the map drawing the plots
 * coloured by the class of the evaluation (a screenshot,
 * build/screenshots/land-map.png, its path in the test output); the
 * low-efficiency list with its area total; as a leader the page reads
 * but offers no edit button, nor to a department user but the land
 * bureau's.
 *
 * Same environment as the other browser tests (ZONEOPS_URL,
 * ZONEOPS_ADMIN_PASSWORD against a --demo server; ZONEOPS_SHOTS: a
 * directory for the screenshots of every tab in zh and en at 1440×900 and
 * 390×844).  Console errors, page errors and unexpected HTTP errors fail.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  DEMO_PASSWORD, skip, launch, shutdown, newPage, assertClean, dropStatus, login, open, screenshot, chartDrawn } from './lib.mjs';

const LEADER = 'leader.ib';
const TABS = ['results', 'objections', 'low', 'plots', 'regen', 'map', 'measures'];
const MAP_SHOT = resolve('build/screenshots/land-map.png');
const stamp = Date.now().toString(36).toUpperCase();
const CODE = `UI-${stamp}`;
/* the class colours of land.js (A B C D) */
const CLASS_RGB = [[0x2f, 0x9e, 0x6e], [0x1d, 0x5f, 0xbf], [0xe0, 0xa5, 0x26], [0xc2, 0x3a, 0x3a]];

before(async () => {
  if (!skip)
    await launch();
});
after(shutdown);

/* The evaluations the server has (in the page's session). */
const evaluations = (page) => page.evaluate(async () => (await (await fetch('/api/v1/land/evaluations')).json()).items || []);

/* A published or final evaluation to look at: the demo's, else one made
 * here through the page's form and published. */
async function someEvaluation(page) {
  let items = await evaluations(page);
  const shown = items.find((e) => e.state !== 'draft');
  if (shown)
    return shown;
  await open(page, '#/land/results');
  await page.click('[data-testid=land-eval-new]');
  const year = items[0] ? items[0].year : new Date().getFullYear() - 1;
  await page.fill('[data-testid=land-new-year]', String(year));
  const made = page.waitForResponse((r) => r.url().endsWith('/api/v1/land/evaluations') && r.request().method() === 'POST');
  await page.click('[data-testid=land-new-go]');
  assert.equal((await made).status(), 201, 'the form makes an evaluation');
  await page.click('[data-testid=land-publish]');
  await page.click('[data-testid=land-publish-go]');
  await page.locator('.modal').waitFor({ state: 'detached' });
  items = await evaluations(page);
  return items.find((e) => e.state !== 'draft');
}

test('admin: ranking with classes, distribution charts, an enterprise card', { skip }, async () => {
  const { context, page, problems } = await newPage({ width: 1440, height: 900 });
  await login(page, problems);
  const ev = await someEvaluation(page);
  assert.ok(ev, 'an evaluation to show');
  await open(page, `#/land/results?evaluation=${ev.id}`);
  const table = page.locator('[data-testid=land-ranking]');
  await table.locator('tbody tr').first().waitFor();
  assert.equal(await table.locator('tbody tr').first().locator('.land-class').first().getAttribute('data-class'), 'A', 'the first is class A');
  /* each class through the class filter: its rows, with its chip only */
  for (const c of ['A', 'B', 'C', 'D']) {
    await page.selectOption('[data-testid=land-f-class]', c);
    const only = await table.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => tr.querySelector('.land-class:last-of-type')?.dataset.class));
    assert.ok(only.length > 0, `rows of class ${c}`);
    assert.deepEqual([...new Set(only)], [c], `only class ${c}`);
  }
  await page.selectOption('[data-testid=land-f-class]', '');
  /* the distribution: two charts drawn */
  for (const id of ['land-chart-street', 'land-chart-industry'])
    await chartDrawn(page, `[data-testid=${id}]`);
  /* an enterprise's card: indicators against benchmarks, class over the years */
  await table.locator('[data-testid=land-ent]').first().click();
  const card = page.locator('[data-testid=land-card]');
  await card.locator('[data-testid=land-card-indicators] tbody tr').first().waitFor();
  assert.ok(await card.locator('[data-testid=land-card-indicators] tbody tr').count() >= 3, 'the indicators');
  await card.locator('[data-testid=land-card-years] .land-class').first().waitFor();
  await screenshot(page, 'land-card');
  await page.keyboard.press('Escape');
  assertClean(problems, 'the evaluation tab');
  await context.close();
});

test('admin: a new evaluation from the form (jiangsu, by scores, a weight changed) is a draft with them; upholding an objection needs the new class', { skip }, async () => {
  const { context, page, problems } = await newPage({ width: 1440, height: 900 });
  await login(page, problems);
  const ev = await someEvaluation(page);
  await open(page, '#/land/results');
  await page.click('[data-testid=land-eval-new]');
  await page.fill('[data-testid=land-new-year]', String(ev.year));
  await page.selectOption('.modal select[name=preset]', 'jiangsu');
  await page.selectOption('.modal select[name="classing.mode"]', 'thresholds');
  await page.fill('.modal input[name="weights.tax_per_mu"]', '50');
  await page.fill('.modal input[name="weights.revenue_per_mu"]', '30');
  const made = page.waitForResponse((r) => r.url().endsWith('/api/v1/land/evaluations') && r.request().method() === 'POST');
  await page.click('[data-testid=land-new-go]');
  const r = await made;
  assert.equal(r.status(), 201, await r.text());
  const e = await r.json();
  assert.equal(e.state, 'draft');
  assert.equal(e.params.weights.tax_per_mu, 50);
  assert.equal(e.params.classing.mode, 'thresholds');
  await page.locator('.modal').waitFor({ state: 'detached' });
  await page.locator(`[data-testid=land-eval] option[value="${e.id}"]:checked`).waitFor({ state: 'attached' });
  await page.locator('[data-testid=land-ranking] tbody tr').first().waitFor();
  assert.match(await page.locator('.land-params').textContent(), /江苏.*分数线/);
  await page.locator('[data-testid=land-publish]').waitFor();

  /* the demo's open objection: upheld without a class is refused under the field, nothing decided */
  await open(page, '#/land/objections');
  const decide = page.locator('[data-testid=land-decide]').first();
  if (await decide.count()) {
    await decide.click();
    await page.selectOption('.modal select[name=decision]', 'upheld');
    const refused = page.waitForResponse((x) => /\/decision$/.test(x.url()));
    await page.click('[data-testid=land-decide-go]');
    assert.equal((await refused).status(), 422);
    await page.locator('.modal .field.has-error select[name=new_class]').waitFor();
    dropStatus(problems, 422);
    await page.keyboard.press('Escape');
  }
  assertClean(problems, 'a new evaluation');
  await context.close();
});

test('admin: a plot with an outline; users over its area refused under the field; the map coloured by class', { skip }, async (t) => {
  const { context, page, problems } = await newPage({ width: 1440, height: 900 });
  await login(page, problems);
  const ev = await someEvaluation(page);
  /* an enterprise of class A to use the new plot */
  const res = await page.evaluate(async (id) => (await (await fetch(`/api/v1/land/evaluations/${id}`)).json()).results, ev.id);
  const user = res.find((r) => r.class === 'A');
  assert.ok(user, 'a class A enterprise');

  await open(page, '#/land/plots');
  await page.click('[data-testid=land-plot-new]');
  await page.fill('[data-testid=land-plot-code]', CODE);
  await page.fill('[data-testid=land-plot-name]', '界面测试地块');
  await page.fill('[data-testid=land-plot-area]', '10');
  await page.fill('.modal textarea[name=geometry]', JSON.stringify({ type: 'Polygon',
    coordinates: [[[121.0400, 31.9600], [121.0409, 31.9600], [121.0409, 31.9608], [121.0400, 31.9608], [121.0400, 31.9600]]] }));
  const created = page.waitForResponse((r) => r.url().endsWith('/api/v1/plots') && r.request().method() === 'POST');
  await page.click('[data-testid=land-plot-save]');
  assert.equal((await created).status(), 201);
  await page.locator('.modal').waitFor({ state: 'detached' });
  await page.fill('[data-testid=land-p-q]', CODE);
  await page.press('[data-testid=land-p-q]', 'Enter');
  const row = page.locator('[data-testid=land-plots] tbody tr', { hasText: CODE });
  await row.waitFor();

  /* users: 12 mu on a 10-mu plot is refused, the error under the total */
  await row.locator('[data-testid=land-plot-users]').click();
  await page.click('[data-testid=land-user-add]');
  const picker = page.locator('.modal [data-testid=enterprise-picker]').first();
  await picker.fill(user.credit_code);
  await page.locator(`.modal .picker-item[data-id="${user.enterprise_id}"]`).click();
  await page.fill('.modal [data-testid=land-user-area]', '12');
  const refused = page.waitForResponse((r) => /\/users$/.test(r.url()));
  await page.click('[data-testid=land-users-save]');
  assert.equal((await refused).status(), 422);
  const err = page.locator('.modal .field.has-error', { has: page.locator('output[name=users]') }).locator('.field-error');
  await err.waitFor();
  assert.match(await err.textContent(), /12/, 'the error names the users’ area');
  dropStatus(problems, 422);
  await page.fill('.modal [data-testid=land-user-area]', '8');
  await page.click('[data-testid=land-users-save]');
  await page.locator('.modal').waitFor({ state: 'detached' });
  await row.filter({ hasText: '8' }).waitFor();

  /* the map, coloured by the class of the evaluation */
  await open(page, `#/land/map?evaluation=${ev.id}`);
  await page.selectOption('[data-testid=land-map-color]', 'class');
  await page.locator('[data-testid=land-map-chart][data-drawn=class] canvas').waitFor();
  await page.waitForTimeout(600);   // the first frame
  const legendA = await page.locator('[data-testid=land-legend] li[data-cat=A]').textContent();
  assert.match(legendA, /[1-9]/, 'class A has plots in the legend');
  const coloured = await page.locator('[data-testid=land-map-chart] canvas').first().evaluate((cv, rgbs) => {
    const d = cv.getContext('2d').getImageData(0, 0, cv.width, cv.height).data;
    const hits = rgbs.map(() => 0);
    for (let i = 0; i < d.length; i += 16)
      rgbs.forEach(([r, g, b], k) => { if (Math.abs(d[i] - r) < 6 && Math.abs(d[i + 1] - g) < 6 && Math.abs(d[i + 2] - b) < 6) hits[k]++; });
    return hits;
  }, CLASS_RGB);
  assert.ok(coloured[0] > 0, `plots drawn in class A's colour (pixels by class ${coloured})`);
  /* the tooltip over the new plot: its code, area and class */
  const at = await page.locator('[data-testid=land-map-chart]').evaluate((el) => {
    const c = window.echarts.getInstanceByDom(el);
    const [x, y] = c.convertToPixel({ seriesIndex: 0 }, [121.04045, 31.9604]);
    const r = el.getBoundingClientRect();
    return { x: r.left + x, y: r.top + y };
  });
  await page.mouse.move(at.x - 8, at.y - 8);
  await page.mouse.move(at.x, at.y, { steps: 4 });
  const tip = page.locator('[data-testid=land-map-chart] div', { hasText: '界面测试地块' }).last();
  await tip.waitFor();
  assert.match(await tip.textContent(), /^UI-\w+ 界面测试地块.*面积（亩）: 10.*状态: 在用.*地块分类: A 优先发展/, 'the tooltip: code, name, area, status, class');
  mkdirSync(join(MAP_SHOT, '..'), { recursive: true });
  await page.locator('[data-testid=land-map] .panel').screenshot({ path: MAP_SHOT });
  t.diagnostic(`map screenshot: ${MAP_SHOT}`);
  assertClean(problems, 'plots and the map');
  await context.close();
});

test('admin: plots imported from a GeoJSON file with the job progress; a feature at fault named', { skip }, async () => {
  const { context, page, problems } = await newPage({ width: 1440, height: 900 });
  await login(page, problems);
  await open(page, '#/land/plots');
  const feature = (code, ring) => ({ type: 'Feature', geometry: { type: 'Polygon', coordinates: [ring] },
    properties: { code, name: '导入测试地块', area_mu: 12.5, land_use: 'industrial', status: 'idle' } });
  const ring = [[121.042, 31.960], [121.0429, 31.960], [121.0429, 31.9608], [121.042, 31.9608], [121.042, 31.960]];
  const file = (features) => ({ name: 'plots.geojson', mimeType: 'application/geo+json',
    buffer: Buffer.from(JSON.stringify({ type: 'FeatureCollection', features })) });
  await page.locator('.land-import > summary').click();
  /* the second feature's ring is open: refused, named by its line (feature index + 1) */
  await page.setInputFiles('[data-testid=land-import-file]', file([feature(`GJ-${stamp}`, ring), feature(`GJ2-${stamp}`, ring.slice(0, 4))]));
  await page.click('[data-testid=land-import-run]');
  const errors = page.locator('[data-testid=land-import-errors]');
  await errors.waitFor();
  assert.match(await errors.locator('tbody tr').first().textContent(), /2.*geometry/s, 'the second feature, its geometry');
  await page.setInputFiles('[data-testid=land-import-file]', file([feature(`GJ-${stamp}`, ring)]));
  await page.click('[data-testid=land-import-run]');
  await page.locator('[data-testid=land-import-verdict].good').waitFor();
  await page.locator('[data-testid=land-plots] tbody tr', { hasText: `GJ-${stamp}` }).waitFor();
  assertClean(problems, 'the plot import');
  await context.close();
});

test('low-efficiency land: the list with its area total', { skip }, async () => {
  const { context, page, problems } = await newPage({ width: 1440, height: 900 });
  await login(page, problems);
  await someEvaluation(page);
  await open(page, '#/land/low');
  const total = page.locator('[data-testid=land-low-area]');
  await total.waitFor();
  const rows = await page.locator('[data-testid=land-low] tbody tr').evaluateAll((trs) => trs.map((tr) => tr.children[3].textContent));
  const sum = rows.reduce((a, s) => a + Number(s.replace(/[^\d.]/g, '')), 0);
  const shown = Number((await total.textContent()).replace(/[^\d.]/g, ''));
  assert.ok(Math.abs(sum - shown) < 0.01, `the total ${shown} is the rows' ${sum}`);
  await page.locator('[data-testid=land-low-export]').waitFor();
  assertClean(problems, 'the low-efficiency tab');
  await context.close();
});

test('leader: every tab reads, no edit button', { skip }, async () => {
  const { context, page, problems } = await newPage({ width: 1440, height: 900 });
  await login(page, problems, LEADER, DEMO_PASSWORD);
  const edits = ['land-eval-new', 'land-publish', 'land-finalize', 'land-decide', 'land-plot-new', 'land-plot-edit',
    'land-plot-users', 'land-regen-next', 'land-import-file'];
  for (const tab of TABS) {
    await open(page, `#/land/${tab}`);
    await page.locator(`[data-testid=land-${tab}] :is(table, .state, canvas, .land-regen, .land-map):visible`).first().waitFor();
    for (const id of edits)
      assert.equal(await page.locator(`[data-testid=${id}]`).count(), 0, `${tab}: no ${id} for a leader`);
  }
  await open(page, '#/land/results');
  await page.locator('[data-testid=land-ranking] tbody tr').first().waitFor();
  assertClean(problems, 'a leader on the land page');
  await context.close();
});

test('department users: the land bureau edits, another department reads', { skip }, async () => {
  for (const [user, edits] of [['dept.zrgh', true], ['dept.qfzx', false]]) {
    const { context, page, problems } = await newPage({ width: 1440, height: 900 });
    await login(page, problems, user, DEMO_PASSWORD);
    await open(page, '#/land/plots');
    await page.locator('[data-testid=land-plots] tbody tr').first().waitFor();
    assert.equal(await page.locator('[data-testid=land-plot-new]').count(), edits ? 1 : 0, `${user}: new plot`);
    assert.equal(await page.locator('[data-testid=land-plot-edit]').count() > 0, edits, `${user}: edit`);
    assert.equal(await page.locator('[data-testid=land-import-file]').count(), edits ? 1 : 0, `${user}: import`);
    await open(page, '#/land/results');
    await page.locator('[data-testid=land-ranking] tbody tr').first().waitFor();
    assert.equal(await page.locator('[data-testid=land-eval-new]').count(), edits ? 1 : 0, `${user}: new evaluation`);
    assertClean(problems, `${user} on the land page`);
    await context.close();
  }
});

test('every tab in zh and en, on a laptop and a phone (screenshots)', { skip }, async () => {
  for (const lang of ['zh', 'en'])
    for (const vp of [{ width: 1440, height: 900 }, { width: 390, height: 844 }]) {
      const init = lang === 'en' ? { fn: () => localStorage.setItem('zoneops.lang', 'en'), arg: null } : undefined;
      const { context, page, problems } = await newPage(vp, init);
      await login(page, problems);
      for (const tab of TABS) {
        await open(page, `#/land/${tab}`);
        await page.locator(`[data-testid=land-${tab}] :is(table, .state, canvas, .land-regen, .land-map):visible`).first().waitFor();
        assert.equal(await page.locator('#view h1.page-title').textContent(), lang === 'zh' ? '亩均效益' : 'Land efficiency');
        await screenshot(page, `land-${tab}-${lang}-${vp.width}`);
      }
      assertClean(problems, `the land page in ${lang} at ${vp.width}`);
      await context.close();
    }
});
