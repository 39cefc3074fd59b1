/*
 * ui.test.mjs -- the browser UI in Debian's Chromium, driven by
 * playwright-core (no browser is downloaded).
 *
 *   ZONEOPS_URL=http://127.0.0.1:PORT ZONEOPS_ADMIN_PASSWORD=… node --test tests/browser/
 *
 * Environment:
 *   ZONEOPS_URL             the running server (required; the tests skip without it)
 *   ZONEOPS_ADMIN_PASSWORD  the password of user admin (required)
 *   ZONEOPS_SCREENSHOT      where to save a PNG of the overview (optional)
 *   CHROMIUM                the browser (default /usr/bin/chromium)
 *
 * Every wait is for a selector or a state the app sets (#view[data-ready]),
 * never a fixed sleep.  Console errors and page errors fail the test; the
 * only failed requests allowed are the 401s of the login page (the boot's
 * /api/v1/me before login and the deliberate wrong password).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { chromium } from 'playwright-core';
import { chartDrawn } from './lib.mjs';

const BASE = (process.env.ZONEOPS_URL || '').replace(/\/+$/, '');
const PASSWORD = process.env.ZONEOPS_ADMIN_PASSWORD || '';
const SHOT = process.env.ZONEOPS_SCREENSHOT || '';
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const skip = !BASE || !PASSWORD ? 'set ZONEOPS_URL and ZONEOPS_ADMIN_PASSWORD to run the browser tests' : false;

const LAPTOP = { width: 1366, height: 768 };
const TABLET = { width: 768, height: 1024 };
const TIMEOUT = 15000;

/* The navigation an admin must see, with its Chinese and English labels. */
const MODULES = [
  ['overview', '首页', 'Overview'],
  ['race', '赛马排名', 'Race ranking'],                  // section 赛马招商
  ['board', '挂图作战', 'Battle board'],
  ['leads', '有效信息', 'Leads'],
  ['trips', '外出招商', 'Trips'],
  ['enterprises', '企业名录', 'Enterprise registry'],     // section 企业服务
  ['officers', '首席服务员', 'Service officers'],
  ['visits', '企业走访', 'Visits'],
  ['service', '服务看板', 'Service dashboard'],
  ['facts', '年度指标', 'Yearly facts'],
  ['requests', '诉求办理', 'Requests'],
  ['policies', '政策推送', 'Policies'],
  ['indicators', '指标评估', 'Indicators'],
  ['land', '亩均效益', 'Land efficiency'],
  ['inspections', '营商环境巡察', 'Inspections'],
  ['meetings', '联席会商', 'Joint meetings'],
  ['kiosk', '自助服务', 'Self-service kiosk'],
  ['channels', '通知渠道', 'Channels'],                  // reminders (issue 13)
  ['users', '用户管理', 'Users'],
  ['audit', '审计日志', 'Audit log'],
  ['settings', '系统设置', 'Settings'],
  ['calendar', '工作日历', 'Working calendar'],
  ['outbox', '通知发件箱', 'Outbox'],
];
/* How many of MODULES are the business modules (before administration). */
const WORK_MODULES = 18;
/* The race's working pages, for leaders, recruiters and admins only. */
const RACE_EDIT_ONLY = ['leads', 'trips'];

let browser;
let profile;

before(async () => {
  if (skip)
    return;
  /* launch() gives every run a new, empty profile directory of its own
   * (Playwright refuses --user-data-dir here); TMPDIR points it at ours so
   * nothing is left behind. */
  profile = mkdtempSync(join(tmpdir(), 'zoneops-ui-'));
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    env: { ...process.env, TMPDIR: profile, HOME: profile },
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
});

after(async () => {
  if (browser)
    await browser.close();
  if (profile)
    rmSync(profile, { recursive: true, force: true });
});

/* A page that records console errors, page errors and failed requests. */
async function newPage(viewport = LAPTOP) {
  const context = await browser.newContext({ viewport, locale: 'zh-CN', reducedMotion: 'reduce' });
  context.setDefaultTimeout(TIMEOUT);
  const page = await context.newPage();
  const problems = [];
  page.on('console', (m) => {
    if (m.type() === 'error')
      problems.push(`console: ${m.text()} (${m.location().url || '?'})`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.method()} ${r.url()} ${r.failure()?.errorText}`));
  page.on('response', (r) => {
    if (r.status() >= 400)
      problems.push(`HTTP ${r.status()}: ${r.request().method()} ${r.url()}`);
  });
  return { context, page, problems };
}

function assertClean(problems, where) {
  assert.deepEqual(problems, [], `errors on ${where}:\n  ${problems.join('\n  ')}`);
}

/* Drop the 401s the login page causes on purpose (and their console lines). */
function dropLogin401(problems) {
  const keep = problems.filter((p) => !(/HTTP 401: (GET \S+\/api\/v1\/me|POST \S+\/api\/v1\/session)$/.test(p)
    || /^console: Failed to load resource: the server responded with a status of 401/.test(p)));
  problems.length = 0;
  problems.push(...keep);
}

async function login(page, problems, password = PASSWORD) {
  await page.goto(`${BASE}/`);
  await page.locator('#login-username').waitFor();
  await page.fill('#login-username', 'admin');
  await page.fill('#login-password', password);
  await page.click('.login-form button[type=submit]');
  await page.locator('.topbar').waitFor();
  dropLogin401(problems);
}

/* Wait until the page for route id has finished loading. */
async function ready(page, id) {
  await page.locator(`#view[data-route="${id}"][data-ready="1"]`).waitFor();
}

test('a wrong password shows the error message and stays on the login page', { skip }, async () => {
  const { context, page, problems } = await newPage();
  await page.goto(`${BASE}/`);
  await page.locator('#login-username').waitFor();
  await page.fill('#login-username', 'admin');
  await page.fill('#login-password', 'definitely-not-the-password');
  await page.click('.login-form button[type=submit]');
  const err = page.locator('[data-testid=login-error]');
  await page.waitForFunction(() => document.querySelector('[data-testid=login-error]')?.textContent.trim() !== '');
  const text = (await err.textContent()).trim();
  assert.ok(text === '用户名或密码错误。' || /次数过多/.test(text), `unexpected login error: ${text}`);
  assert.equal(await page.locator('.topbar').count(), 0, 'the shell must not open');
  dropLogin401(problems);
  assertClean(problems, 'the login page');
  await context.close();
});

test('admin opens every module from the navigation without errors', { skip }, async () => {
  const { context, page, problems } = await newPage();
  await login(page, problems);
  await ready(page, 'overview');

  /* Top bar: zone name, the user's name and role. */
  const zone = (await page.locator('[data-testid=zone-name]').textContent()).trim();
  assert.ok(zone.length > 0, 'zone name shown');
  const user = await page.locator('[data-testid=user]').textContent();
  assert.match(user, /系统管理员/);

  /* The navigation holds every module, in order. */
  const routes = await page.locator('.sidebar a.nav-link').evaluateAll((as) => as.map((a) => a.dataset.route));
  assert.deepEqual(routes, MODULES.map((m) => m[0]));

  for (const [id, zh] of MODULES) {
    await page.click(`.sidebar a.nav-link[data-route="${id}"]`);
    await ready(page, id);
    const h1 = page.locator('#view h1.page-title').first();
    await h1.waitFor({ state: 'visible' });
    const title = (await h1.textContent()).trim();
    assert.ok(title.startsWith(zh), `${id}: heading "${title}" should start with "${zh}"`);
    assert.equal(await page.locator('#view .state-error').count(), 0, `${id}: shows an error panel`);
    assert.equal(new URL(page.url()).hash, `#/${id}`);
    assertClean(problems, `#/${id}`);
  }
  await context.close();
});

test('overview shows the counts and the chart; screenshot', { skip }, async () => {
  const { context, page, problems } = await newPage();
  await login(page, problems);
  await ready(page, 'overview');
  for (const k of ['enterprises', 'key_enterprises', 'projects', 'major_projects', 'officers', 'users'])
    assert.match(await page.locator(`[data-stat="${k}"]`).textContent(), /\d/, `count ${k}`);
  const projects = Number((await page.locator('[data-stat="projects"]').textContent()).replace(/\D/g, ''));
  if (projects > 0)
    await chartDrawn(page, '[data-testid=stage-chart]');
  if (SHOT) {
    mkdirSync(dirname(SHOT), { recursive: true });
    await page.screenshot({ path: SHOT });
  }
  assertClean(problems, 'the overview');
  await context.close();
});

test('battle board, enterprise search and indicators show real data', { skip }, async () => {
  const { context, page, problems } = await newPage();
  await login(page, problems);

  await page.goto(`${BASE}/#/board`);
  await ready(page, 'board');
  assert.equal(await page.locator('.board-col').count(), 6, 'six stage columns');
  const cards = await page.locator('.proj').count();
  if (cards > 0) {
    const money = await page.locator('.proj .proj-money strong').first().textContent();
    assert.match(money, /^\d[\d,]*\.\d\d$/, 'investment in 亿元 with 2 decimals');
    /* Filtering by a unit leaves only that unit's projects. */
    const unit = await page.locator('[data-testid=unit-filter] option').nth(1).getAttribute('value');
    await page.selectOption('[data-testid=unit-filter]', unit);
    assert.ok(await page.locator('.proj').count() <= cards);
  }

  await page.goto(`${BASE}/#/enterprises`);
  await ready(page, 'enterprises');
  await page.locator('#view table.table').waitFor();
  const rows = await page.locator('#view table.table tbody tr').count();
  if (rows > 0) {
    const name = (await page.locator('#view table.table tbody tr td:nth-child(2) a').first().textContent()).trim();
    const q = [...name].slice(0, 4).join('');
    await page.fill('#view input[name=q]', q);
    const answer = page.waitForResponse((r) => r.url().includes('/api/v1/enterprises?') && r.url().includes('q='));
    await page.click('#view .filters button[type=submit]');
    await answer;
    await page.locator('#view table.table tbody tr').first().waitFor();
    const first = await page.locator('#view table.table tbody tr td:nth-child(2)').first().textContent();
    assert.ok(first.includes(q), `search for ${q} finds ${first}`);
  }

  await page.goto(`${BASE}/#/indicators`);
  await ready(page, 'indicators');
  /* The report page (tests/browser/indicators.test.mjs checks it in depth). */
  const groups = await page.locator('.ind-table tr.ind-group').count();
  if (groups > 0) {
    assert.equal(await page.locator('.ind-table tr.row-zone').count(), groups, 'the zone is marked under every indicator');
    await chartDrawn(page, '.ind-charts .chart');
  }
  assertClean(problems, 'data pages');
  await context.close();
});

test('users: field errors from the API, create, edit and delete', { skip }, async () => {
  const { context, page, problems } = await newPage();
  await login(page, problems);
  await page.goto(`${BASE}/#/users`);
  await ready(page, 'users');

  /* An empty form: the API's 422 names a field and the UI shows it there. */
  await page.click('[data-testid=user-new]');
  await page.locator('.modal form').waitFor();
  const rejected = page.waitForResponse((r) => r.url().endsWith('/api/v1/users') && r.request().method() === 'POST');
  await page.click('[data-testid=user-save]');
  assert.equal((await rejected).status(), 422);
  const fieldErr = page.locator('.modal .field.has-error .field-error');
  await fieldErr.first().waitFor();
  assert.ok((await fieldErr.first().textContent()).trim().length > 0, 'the field error has text');
  problems.splice(0, problems.length, ...problems.filter((p) => !/ 422/.test(p) && !/status of 422/.test(p)));

  /* Create, edit, delete. */
  const name = `ui${Date.now().toString(36)}`;
  await page.fill('.modal input[name=username]', name);
  await page.fill('.modal input[name=display_name]', '界面测试');
  await page.selectOption('.modal select[name=role]', 'statistician');
  await page.fill('.modal input[name=password]', 'correct-horse-battery');
  await page.click('[data-testid=user-save]');
  await page.locator('.modal').waitFor({ state: 'detached' });
  await page.fill('#view input[name=q]', name);
  await page.click('#view .filters button[type=submit]');
  await page.locator(`[data-testid="edit-${name}"]`).waitFor();

  await page.click(`[data-testid="edit-${name}"]`);
  await page.fill('.modal input[name=display_name]', '界面测试（改）');
  await page.click('[data-testid=user-save]');
  await page.locator('.modal').waitFor({ state: 'detached' });
  await page.locator('#view td', { hasText: '界面测试（改）' }).waitFor();

  /* The new account signs in and sees the modules but not administration. */
  const other = await newPage();
  await other.page.goto(`${BASE}/`);
  await other.page.locator('#login-username').waitFor();
  await other.page.fill('#login-username', name);
  await other.page.fill('#login-password', 'correct-horse-battery');
  await other.page.click('.login-form button[type=submit]');
  await ready(other.page, 'overview');
  const theirs = await other.page.locator('.sidebar a.nav-link').evaluateAll((as) => as.map((a) => a.dataset.route));
  assert.deepEqual(theirs, MODULES.slice(0, WORK_MODULES).map((m) => m[0]).filter((id) => !RACE_EDIT_ONLY.includes(id)),
    'no administration (nor leads and trips) for a statistician');
  assert.match(await other.page.locator('[data-testid=user]').textContent(), /统计人员/);
  await other.page.goto(`${BASE}/#/users`);
  await ready(other.page, 'users');
  assert.equal(await other.page.locator('#view h1.page-title').textContent(), '无权访问');
  dropLogin401(other.problems);
  assertClean(other.problems, 'a statistician\'s session');
  await other.context.close();

  await page.click(`[data-testid="delete-${name}"]`);
  await page.click('[data-testid=confirm-ok]');
  await page.locator(`[data-testid="edit-${name}"]`).waitFor({ state: 'detached' });
  assertClean(problems, 'the users page');
  await context.close();
});

test('language: switch to English, remembered over a reload, and back', { skip }, async () => {
  const { context, page, problems } = await newPage();
  await login(page, problems);
  await ready(page, 'overview');
  await page.click('.topbar [data-testid=lang]');
  await page.locator('.sidebar a.nav-link[data-route=overview]', { hasText: 'Overview' }).waitFor();
  await ready(page, 'overview');
  assert.equal((await page.locator('#view h1.page-title').textContent()).trim(), 'Overview');
  assert.equal(await page.getAttribute('html', 'lang'), 'en');

  /* the shell's and the overview's late calls (the calendar's banner, the charts' library) end
   * first: the reload would abort them (a request failure) */
  await page.waitForLoadState('networkidle');
  await page.reload();
  await ready(page, 'overview');
  assert.equal((await page.locator('#view h1.page-title').textContent()).trim(), 'Overview', 'English remembered');
  for (const [id, , en] of MODULES) {
    const label = (await page.locator(`.sidebar a.nav-link[data-route="${id}"]`).textContent()).trim();
    assert.equal(label, en);
  }

  await page.click('.topbar [data-testid=lang]');
  await page.locator('.sidebar a.nav-link[data-route=overview]', { hasText: '首页' }).waitFor();
  await ready(page, 'overview');
  assert.equal((await page.locator('#view h1.page-title').textContent()).trim(), '首页');
  assert.equal(await page.getAttribute('html', 'lang'), 'zh-CN');
  assertClean(problems, 'the language switch');
  await context.close();
});

test('tablet: the navigation is a drawer; logout returns to the login page', { skip }, async () => {
  const { context, page, problems } = await newPage(TABLET);
  await login(page, problems);
  await ready(page, 'overview');
  const sidebar = page.locator('#sidebar');
  await sidebar.waitFor({ state: 'hidden' });
  await page.click('[data-testid=menu]');
  await sidebar.waitFor({ state: 'visible' });
  await page.click('.sidebar a.nav-link[data-route=race]');
  await ready(page, 'race');
  await sidebar.waitFor({ state: 'hidden' });
  assert.ok(await page.locator('#view h1.page-title').isVisible());
  /* Nothing sticks out sideways except the board, which scrolls itself. */
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `page wider than the screen by ${overflow}px`);

  await page.click('[data-testid=logout]');
  await page.locator('#login-username').waitFor();
  assert.equal(await page.locator('.topbar').count(), 0);
  assertClean(problems, 'the tablet layout');
  await context.close();
});

test('an ended session (401 from any call) returns to the login page', { skip }, async () => {
  const { context, page, problems } = await newPage();
  await login(page, problems);
  await ready(page, 'overview');
  /* the overview's late calls (the calendar's banner, charts coming into view) end first: a 401
   * of theirs would show the login page before the click this test makes */
  await page.waitForLoadState('networkidle');
  await context.clearCookies();
  await page.click('.sidebar a.nav-link[data-route=enterprises]');
  await page.locator('#login-username').waitFor();
  assert.match(await page.locator('.login-notice').textContent(), /登录已失效/);
  assert.ok(problems.length > 0 && problems.every((p) => /401/.test(p)), `only 401s expected:\n  ${problems.join('\n  ')}`);
  problems.length = 0;

  /* Signing in again goes back to the page that was asked for. */
  await page.fill('#login-username', 'admin');
  await page.fill('#login-password', PASSWORD);
  await page.click('.login-form button[type=submit]');
  await ready(page, 'enterprises');
  assertClean(problems, 'the second login');
  await context.close();
});
