/*
 * race.test.mjs -- 赛马招商 in Chromium: a recruiter adds a lead, the unit's
 * leader qualifies it, turns it into a project and drags the card to 签约
 * on the battle board (a date before the lead is refused with the API's
 * 422 message, then today's date is saved); the race page for this month
 * shows the unit's leads and signed projects one higher; a qualified lead
 * is frozen and its unit's leader corrects it with a written reason; the
 * wall screen renders and cycles between the board (page by page) and the
 * ranking.
 *
 *   ZONEOPS_URL=http://127.0.0.1:PORT ZONEOPS_ADMIN_PASSWORD=… node --test tests/browser/
 *
 * Needs a --demo server (users rec.ib.1 and leader.ib of 招商局, password
 * demo-password).  Every wait is for a selector or a state the app sets.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, DEMO_PASSWORD, skip, launch, shutdown, newPage, login, ready, open, screenshot,
  assertClean, dropStatus, KIOSK, chartDrawn } from './lib.mjs';

before(async () => {
  if (!skip)
    await launch();
});
after(shutdown);

const pad = (n) => String(n).padStart(2, '0');
const now = new Date();
const MONTH = `${now.getFullYear()}-${pad(now.getMonth() + 1)}`;
const TODAY = `${MONTH}-${pad(now.getDate())}`;

/* The unit 招商局 (code ib) as the API names it. */
async function unitIb(page) {
  const r = await page.evaluate(async () => (await fetch('/api/v1/units')).json());
  const u = r.items.find((x) => x.code === 'ib') || r.items.find((x) => x.name === '招商局');
  assert.ok(u, 'the unit 招商局 exists');
  return u;
}

/* The raw value of a metric of a unit on the race page of MONTH. */
async function metric(page, unitId, key) {
  const text = await page.locator(`[data-testid="cell-${unitId}-${key}"] .rk-val`).textContent();
  return Number(text.replace(/[^\d.]/g, ''));
}

test('lead → qualified → project → signed on the board → the race page changes', { skip }, async () => {
  const stamp = Date.now().toString(36);
  const company = `赛马浏览器测试${stamp}科技有限公司`;

  /* The numbers before, as the leader sees them. */
  const lead = await newPage();
  await login(lead.page, lead.problems, 'leader.ib', DEMO_PASSWORD);
  const unit = await unitIb(lead.page);
  /* from the API: a month without activity has no table to read them from */
  const race0 = await lead.page.evaluate(async (m) => (await fetch(`/api/v1/race?month=${m}`)).json(), MONTH);
  const mine0 = race0.units.find((u) => String(u.unit_id) === String(unit.id));
  const leads0 = mine0.metrics.leads.value;
  const signed0 = mine0.metrics.signed_count.value;

  /* A recruiter of the unit adds the lead. */
  const rec = await newPage();
  await login(rec.page, rec.problems, 'rec.ib.1', DEMO_PASSWORD);
  await open(rec.page, '#/leads');
  await rec.page.click('[data-testid=lead-new]');
  await rec.page.locator('.modal form').waitFor();
  await rec.page.fill('.modal input[name=company]', company);
  await rec.page.fill('.modal input[name=industry]', 'C39');
  await rec.page.fill('.modal input[name=est_investment]', '12.5');
  await rec.page.fill('.modal input[name=captured_on]', TODAY);
  const created = rec.page.waitForResponse((r) => r.url().endsWith('/api/v1/leads') && r.request().method() === 'POST');
  await rec.page.click('[data-testid=lead-save]');
  assert.equal((await created).status(), 201, 'the lead is created');
  await rec.page.locator('.modal').waitFor({ state: 'detached' });
  const row = rec.page.locator('[data-testid=leads] tbody tr', { hasText: company });
  await row.waitFor();
  assert.match(await row.textContent(), /待认定/);
  await screenshot(rec.page, 'race-leads');
  assertClean(rec.problems, 'the recruiter\'s leads page');
  await rec.context.close();

  /* The leader qualifies it and turns it into a project. */
  const { page, problems } = lead;
  await open(page, '#/leads');
  const mine = page.locator('[data-testid=leads] tbody tr', { hasText: company });
  await mine.waitFor();
  const id = await mine.getAttribute('data-lead');
  assert.match(id, /^\d+$/, 'the row carries the lead id');
  await page.click(`[data-testid="qualify-${id}"]`);
  await page.locator(`[data-testid="to-project-${id}"]`).waitFor();
  assert.match(await page.locator('[data-testid=leads] tbody tr', { hasText: company }).textContent(), /有效/);
  await page.click(`[data-testid="to-project-${id}"]`);
  await page.locator('.modal form').waitFor();
  const name = await page.inputValue('.modal input[name=name]');
  assert.ok(name.includes(company), 'the project form is prefilled from the lead');
  assert.equal(Number(await page.inputValue('.modal input[name=total_investment]')), 12.5);
  const made = page.waitForResponse((r) => r.url().endsWith('/api/v1/projects') && r.request().method() === 'POST');
  await page.click('[data-testid=project-save]');
  assert.equal((await made).status(), 201, 'the project is created');
  await page.locator('.modal').waitFor({ state: 'detached' });

  /* On the board: drag the card to 签约 of its unit. */
  await open(page, '#/board');
  const card = page.locator('.proj', { hasText: name });
  await card.waitFor();
  assert.ok(await card.locator('.badge', { hasText: '重大' }).count() === 1, 'a project of 12.5亿元 is major');
  const target = page.locator(`.swim-cell[data-stage=signed][data-unit="${unit.id}"]`);
  await card.dragTo(target);
  await page.locator('.modal [data-testid=stage-date]').waitFor();

  /* A date before the lead was captured: the API's 422 is shown. */
  await page.fill('.modal [data-testid=stage-date]', '2001-01-01');
  const refused = page.waitForResponse((r) => /\/api\/v1\/projects\/\d+$/.test(r.url()) && r.request().method() === 'PATCH');
  await page.click('[data-testid=stage-save]');
  assert.equal((await refused).status(), 422);
  await page.waitForFunction(() => [...document.querySelectorAll('.modal .field-error, .modal .form-error')].some((e) => e.textContent.trim()));
  await screenshot(page, 'race-board-422');
  dropStatus(problems, 422);

  await page.fill('.modal [data-testid=stage-date]', TODAY);
  await page.click('[data-testid=stage-save]');
  await page.locator('.modal').waitFor({ state: 'detached' });
  await page.locator(`.swim-cell[data-stage=signed][data-unit="${unit.id}"] .proj`, { hasText: name }).waitFor();
  await screenshot(page, 'race-board');

  /* The race page of this month counts the lead and the signing. */
  await open(page, `#/race?month=${MONTH}`);
  await page.locator(`[data-testid="cell-${unit.id}-leads"]`).waitFor();
  assert.equal(await metric(page, unit.id, 'leads'), leads0 + 1, 'one more qualified lead');
  assert.equal(await metric(page, unit.id, 'signed_count'), signed0 + 1, 'one more signed project');
  await chartDrawn(page, '[data-testid=trend-chart]');

  /* Drill-down: the signed projects behind the number include ours. */
  await page.click(`[data-testid="cell-${unit.id}-signed_count"]`);
  await page.locator('.modal [data-testid=drill] td', { hasText: name }).waitFor();
  await page.keyboard.press('Escape');
  await screenshot(page, 'race-ranking');
  assertClean(problems, 'the leader\'s lead, board and race pages');
  await lead.context.close();
});

test('a qualified lead is frozen: the unit\'s leader corrects its date with a reason', { skip }, async () => {
  const { context, page, problems } = await newPage();
  await login(page, problems, 'leader.ib', DEMO_PASSWORD);
  const unit = await unitIb(page);
  const company = `冻结更正测试${Date.now().toString(36)}有限公司`;
  /* the leader records and qualifies a lead through the API */
  const id = await page.evaluate(async ([unitId, name]) => {
    const me = await (await fetch('/api/v1/me')).json();
    const h = { 'Content-Type': 'application/json', 'X-CSRF-Token': me.csrf_token };
    const l = await (await fetch('/api/v1/leads', { method: 'POST', headers: h,
      body: JSON.stringify({ unit_id: unitId, company: name, captured_on: '2022-05-06', qualified: true }) })).json();
    return l.id;
  }, [unit.id, company]);
  assert.ok(id > 0, 'the lead is recorded');
  await open(page, `#/leads?q=${encodeURIComponent(company)}`);
  await page.locator(`[data-testid="correct-${id}"]`).waitFor();
  await page.click(`[data-testid="correct-${id}"]`);
  await page.locator('.modal [data-testid=lead-reason]').waitFor();
  await page.fill('.modal input[name=captured_on]', '2022-05-08');
  await page.click('.modal [data-testid=lead-correct-save]');
  await page.waitForFunction(() => /必填/.test(document.querySelector('.modal .field-error[data-field=reason]')?.textContent || ''));
  await page.fill('.modal [data-testid=lead-reason]', '获取日期以合同为准');
  const saved = page.waitForResponse((r) => r.url().endsWith(`/api/v1/leads/${id}`) && r.request().method() === 'PATCH');
  await page.click('.modal [data-testid=lead-correct-save]');
  assert.equal((await saved).status(), 200);
  await page.locator('.modal').waitFor({ state: 'detached' });
  await page.locator('[data-testid=leads] tbody tr', { hasText: '2022-05-08' }).waitFor();
  assertClean(problems, 'the leader\'s correction of a frozen lead');
  await context.close();
});

test('wall screen: full screen, no navigation, cycles between the board and the ranking', { skip }, async () => {
  const { context, page, problems } = await newPage(KIOSK);
  await login(page, problems, 'leader.ib', DEMO_PASSWORD);
  await ready(page, 'overview').catch(() => {});
  await page.goto(`${BASE}/#/wall?interval=3`);
  const wall = page.locator('[data-testid=wall]');
  await page.locator('[data-testid=wall][data-ready="1"]').waitFor();
  assert.equal(await page.locator('.sidebar').count(), 0, 'no navigation on the wall');
  const first = await wall.getAttribute('data-view');
  assert.equal(first, 'board');
  assert.equal(await page.locator('.wall .board-col').count(), 6);
  await screenshot(page, 'race-wall-board');
  /* the board's pages of swimlanes (as many as the window needs), then the ranking */
  await page.locator('[data-testid=wall][data-view=ranking][data-ready="1"]').waitFor({ timeout: 30000 });
  assert.ok(await page.locator('.wall .rk-table tbody tr').count() >= 6, 'every unit in the ranking');
  await screenshot(page, 'race-wall-ranking');
  await page.locator('[data-testid=wall][data-view=board][data-ready="1"]').waitFor({ timeout: 30000 });
  assert.equal(await wall.getAttribute('data-page'), '1', 'and back to the board\'s first page');
  await page.click('[data-testid=wall-exit]');
  await ready(page, 'race');
  assert.equal(await page.locator('.sidebar').count(), 1);
  assertClean(problems, 'the wall screen');
  await context.close();
});
