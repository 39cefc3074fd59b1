/*
 * escalation.test.mjs -- 逐级联系 in Debian's Chromium (issue 12): the
 * kiosk files a problem; the enterprise's chief service officer accepts it
 * for the district's 企业发展服务中心; that department escalates it to a
 * department of the city (南通海关); a user of the city department sees it
 * in its list and resolves it; the enterprise rates it; the district
 * department, which no longer acts on it, sees the whole history; the
 * service dashboard counts it as solved at city level.  Same environment
 * as ui.test.mjs (ZONEOPS_URL, ZONEOPS_ADMIN_PASSWORD against a --demo
 * server; ZONEOPS_SHOTS: a directory for screenshots).
 *
 * Every wait is for a selector or a state the app sets, never a fixed
 * sleep; console errors, page errors and unexpected HTTP errors fail.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, DEMO_PASSWORD, KIOSK, skip, launch, shutdown, newPage, assertClean, login, ready, open, screenshot } from './lib.mjs';

const ENT_USER = 'ent.hengtai';
const stamp = Date.now().toString(36);

before(async () => {
  if (!skip)
    await launch();
});
after(shutdown);

/* Run an action on the open request page and wait for the new status. */
async function act(page, action, fill, expectStatus) {
  const before = await page.locator('#view [data-testid=history] > li').count();
  await page.click(`[data-testid="action-${action}"]`);
  await page.locator('.modal form').waitFor();
  if (fill)
    await fill(page);
  const answer = page.waitForResponse((r) => /\/transitions$/.test(r.url()));
  await page.click('[data-testid=action-submit]');
  const res = await answer;
  assert.equal(res.status(), 200, `${action}: HTTP ${res.status()} ${await res.text()}`);
  await page.locator('.modal').waitFor({ state: 'detached' });
  await page.waitForFunction((n) => document.querySelectorAll('#view [data-testid=history] > li').length > n, before);
  await page.locator(`#view [data-key=status] .badge[data-status="${expectStatus}"]`).waitFor();
}

/* The dashboard's count of requests solved at level (default period). */
async function solvedAt(page, level) {
  await open(page, '#/service');
  const el = page.locator(`[data-testid=dash-solved-by-level] [data-level=${level}]`);
  await el.waitFor();
  return Number(await el.getAttribute('data-n'));
}

/* A user's page, logged in. */
async function user(name, viewport) {
  const p = await newPage(viewport);
  await login(p.page, p.problems, name, DEMO_PASSWORD);
  return p;
}

test('a problem filed at the kiosk is escalated to a city department, solved there, rated; the district sees the history; the dashboard counts it at city level', { skip }, async () => {
  const admin = await newPage();
  await login(admin.page, admin.problems);
  const cityBefore = await solvedAt(admin.page, 'city');

  /* The enterprise's credit code, as its portal shows it. */
  const portal = await user(ENT_USER);
  await ready(portal.page, 'my-enterprise');
  const creditCode = (await portal.page.locator('#view [data-key=credit_code]').textContent()).trim();

  /* The kiosk files the problem. */
  const kiosk = await newPage(KIOSK);
  await kiosk.page.goto(`${BASE}/#/kiosk`);
  await kiosk.page.locator('#kiosk-main[data-screen=login][data-ready="1"]').waitFor();
  await kiosk.page.fill('#kiosk-code', creditCode);
  await kiosk.page.fill('#kiosk-secret', DEMO_PASSWORD);
  await kiosk.page.click('[data-testid=kiosk-login]');
  await kiosk.page.locator('#kiosk-main[data-screen=home][data-ready="1"]').waitFor();
  kiosk.problems.length = 0;
  await kiosk.page.click('[data-testid=kiosk-raise]');
  await kiosk.page.locator('#kiosk-main[data-screen=raise][data-ready="1"]').waitFor();
  await kiosk.page.click('[data-testid=kiosk-cat-customs]');
  const title = `进口料件查验需市级协调 ${stamp}`;
  await kiosk.page.fill('#kiosk-title', title);
  await kiosk.page.fill('#kiosk-desc', '进口钢带剪裁查验后无法使用，需与海关沟通查验方式（浏览器测试）');
  const created = kiosk.page.waitForResponse((r) => r.url().endsWith('/api/v1/requests') && r.request().method() === 'POST');
  await kiosk.page.click('[data-testid=kiosk-submit]');
  const req = await (await created).json();
  await kiosk.page.locator('[data-testid=kiosk-raised]').waitFor();
  assert.equal(req.source, 'kiosk');
  assert.match(req.accept_due_on, /^\d{4}-\d\d-\d\d$/, 'a deadline to accept it');
  const id = req.id;

  /* The enterprise's chief service officer accepts it for 企业发展服务中心. */
  const ent = await admin.page.evaluate((eid) => fetch(`/api/v1/enterprises/${eid}`).then((r) => r.json()), req.enterprise_id);
  const off = await admin.page.evaluate((uid) => fetch(`/api/v1/users/${uid}`).then((r) => r.json()), ent.officer_id);
  const officer = await user(off.username);
  await open(officer.page, `#/requests/${id}`);
  await officer.page.locator('#view [data-key=accept_due_on]').waitFor();
  await act(officer.page, 'accept', async (p) => {
    await p.locator('.modal select[name=department_id] option', { hasText: '企业发展服务中心' }).waitFor({ state: 'attached' });
    await p.selectOption('.modal select[name=department_id]', { label: '企业发展服务中心' });
  }, 'accepted');

  /* The district department starts it and escalates it to 南通海关 (city). */
  const district = await user('dept.qfzx');
  await open(district.page, `#/requests/${id}`);
  await act(district.page, 'start', null, 'in_progress');
  const dueBefore = (await district.page.locator('#view [data-key=due_on]').textContent()).trim();
  await act(district.page, 'escalate', async (p) => {
    const sel = p.locator('.modal [data-testid=esc-department]');
    await sel.locator('option', { hasText: '南通海关' }).waitFor({ state: 'attached' });
    const offered = await sel.locator('option').evaluateAll((os) => os.filter((o) => o.value).map((o) => o.textContent));
    assert.deepEqual(offered, ['南通海关'], 'only departments of the next level (city) are offered');
    await sel.selectOption({ label: '南通海关' });
    await p.fill('.modal textarea[name=reason]', '需与南通海关沟通查验方式');
  }, 'escalated');
  assert.match(await district.page.locator('#view [data-key=department]').textContent(), /南通海关/);
  assert.match(await district.page.locator('#view [data-key=level]').textContent(), /市级/);
  assert.match(await district.page.locator('#view [data-key=due_on]').textContent(), /^\d{4}-\d\d-\d\d/);
  assert.ok(dueBefore.length > 0);
  /* no step of the request's workflow (proposing it for a joint meeting is not one) */
  assert.equal(await district.page.locator('[data-testid^=action-]:not([data-testid=action-propose])').count(), 0,
    'the district follows it, the city acts');
  assert.deepEqual(await district.page.locator('[data-testid=req-departments] li').evaluateAll((ls) => ls.map((l) => l.textContent)),
    ['企业发展服务中心（区级）', '南通海关（市级）']);

  /* A user of the city department finds it in its list and resolves it. */
  const city = await user('dept.hg');
  await open(city.page, '#/requests');
  await city.page.locator(`#view [data-testid=req-link][href="#/requests/${id}"]`).click();
  await ready(city.page, 'requests');
  await city.page.locator(`[data-testid=action-resolve]`).waitFor();
  await act(city.page, 'resolve', (p) => p.fill('.modal textarea[name=resolution]', '与海关商定改为无损查验，货物已通关'), 'resolved');
  assert.match(await city.page.locator('#view [data-key=resolved_level]').textContent(), /市级/);

  /* The enterprise rates it 5 from its portal: closed. */
  await open(portal.page, `#/requests/${id}`);
  await act(portal.page, 'rate', async (p) => {
    await p.click('.modal [data-testid=star-5]');
    await p.fill('.modal textarea[name=comment]', '逐级协调，问题解决');
  }, 'closed');

  /* The district department sees the whole history. */
  await open(district.page, `#/requests/${id}`);
  const steps = await district.page.locator('#view [data-testid=history] > li').evaluateAll((lis) => lis.map((li) => li.dataset.action));
  assert.deepEqual(steps, ['create', 'accept', 'start', 'escalate', 'resolve', 'rate', 'close']);
  const text = await district.page.locator('#view [data-testid=history]').textContent();
  for (const want of ['区级 → 市级', '南通海关', '需与南通海关沟通查验方式', '与海关商定改为无损查验'])
    assert.ok(text.includes(want), `the history mentions ${want}`);
  await screenshot(district.page, 'request-escalated-history');

  /* The dashboard counts it as solved at city level. */
  assert.equal(await solvedAt(admin.page, 'city'), cityBefore + 1);
  await screenshot(admin.page, 'dashboard-solved-by-level');

  for (const [p, where] of [[admin, 'admin'], [portal, 'portal'], [kiosk, 'kiosk'], [officer, 'officer'], [district, 'district'], [city, 'city']]) {
    assertClean(p.problems, where);
    await p.context.close();
  }
});
