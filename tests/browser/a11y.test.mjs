/*
 * a11y.test.mjs -- WCAG 2.1 AA in Chromium: axe-core (@axe-core/playwright)
 * on every page an admin, an enterprise and the kiosk can open (and one
 * joint meeting, #/meetings/{id}, which the menu leads to), at
 * 1440×900 and at 390×844 (a phone), in Chinese and in English.  A serious
 * or critical violation fails the test (all of them are listed at once).
 * Screenshots of every page in both languages at 1440×900, and of the
 * kiosk, the portal and the overview at 390×844, go to build/screenshots/
 * (ZONEOPS_A11Y_SHOTS to change it); the test prints where.  Also checked by
 * hand here: the skip link, focus moved to the page's heading after a
 * navigation, focus kept inside a dialog and returned when it closes, the
 * logout button's name on a phone.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { skip, launch, shutdown, newPage, login, open, ready, fullShot, DEMO_PASSWORD, BASE } from './lib.mjs';

const DESKTOP = { width: 1440, height: 900 };
const PHONE = { width: 390, height: 844 };
const SHOTS = resolve(process.env.ZONEOPS_A11Y_SHOTS || 'build/screenshots');
const ENT_USER = 'ent.hengtai';
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
/* the pages shown at 390×844 too */
const PHONE_SHOTS = new Set(['overview', 'my-enterprise', 'requests', 'inbox']);

before(async () => {
  if (!skip) {
    await launch();
    mkdirSync(SHOTS, { recursive: true });
    console.log(`# screenshots in ${SHOTS}`);   // eslint-disable-line no-console
  }
});
after(shutdown);

/* A page in language lang at size viewport. */
function pageIn(viewport, lang) {
  return newPage(viewport, { fn: (l) => localStorage.setItem('zoneops.lang', l), arg: lang });
}

/* Run axe on what the page shows; the serious and critical violations as lines. */
async function axe(page, where) {
  const r = await new AxeBuilder({ page }).withTags(TAGS).analyze();
  const out = [];
  for (const v of r.violations) {
    if (v.impact !== 'serious' && v.impact !== 'critical')
      continue;
    const nodes = v.nodes.slice(0, 4).map((n) => `${n.target.join(' ')}${n.any[0] && n.any[0].message ? ` (${n.any[0].message.slice(0, 140)})` : ''}`);
    out.push(`${where}: ${v.id} [${v.impact}] ×${v.nodes.length}: ${nodes.join(' | ')}`);
    console.log(`# ${out[out.length - 1]}`);   // eslint-disable-line no-console
  }
  return out;
}

/* The whole page (see fullShot). */
async function shot(page, name) {
  await fullShot(page, join(SHOTS, `${name}.png`));
}

/* Let charts draw and late panels fill in. */
async function settle(page) {
  await page.waitForLoadState('networkidle').catch(() => {});
  await page.waitForTimeout(300);
}

/* Pages the menu does not list but users reach from it, as [name, hash]:
 * the latest joint meeting (联席会商) with its agenda and decisions. */
async function innerPages(page, ids) {
  const out = [];
  if (ids.includes('meetings')) {
    const first = await page.evaluate(async () => {
      const r = await fetch('/api/v1/meetings');
      const j = r.ok ? await r.json() : null;
      return j && j.items && j.items.length ? j.items[0].id : null;
    });
    if (first)
      out.push(['meeting', `#/meetings/${first}`]);
  }
  return out;
}

/* Every page of the menu for this user, axe'd (and photographed); the
 * staff also open an enterprise's file (一企一档: #/enterprises/{id}, the
 * demo's 恒太, with its plans and policies). */
async function walkShell(user, password, viewport, lang, tag, shots) {
  const { context, page } = await pageIn(viewport, lang);
  await login(page, [], user, password);
  await page.locator('#view[data-ready="1"]').waitFor();
  const ids = await page.locator('.sidebar a.nav-link').evaluateAll((as) => as.map((a) => a.dataset.route));
  const file = ids.includes('enterprises') ? await page.evaluate(async () => {
    const r = await (await fetch('/api/v1/enterprises?q=%E6%81%92%E5%A4%AA&limit=1')).json();
    return r.items && r.items[0] ? `enterprises/${r.items[0].id}` : null;
  }) : null;
  const found = [];
  for (const id of [...ids, 'account', ...(file ? [file] : [])]) {
    await open(page, `#/${id}`);
    await settle(page);
    found.push(...await axe(page, `${tag} ${lang} ${viewport.width} #/${id}`));
    if (shots(id))
      await shot(page, `${tag}-${id.replace(/\/\d+$/, '-file')}-${lang}-${viewport.width}`);
  }
  for (const [name, hash] of await innerPages(page, ids)) {
    await open(page, hash);
    await settle(page);
    found.push(...await axe(page, `${tag} ${lang} ${viewport.width} ${hash}`));
    if (shots(name))
      await shot(page, `${tag}-${name}-${lang}-${viewport.width}`);
  }
  await context.close();
  return found;
}

/* The kiosk's screens: login, home, raise, progress, inbox. */
async function walkKiosk(code, viewport, lang) {
  const { context, page } = await pageIn(viewport, lang);
  const found = [];
  const screen = async (name) => {
    await page.locator(`#kiosk-main[data-screen=${name}][data-ready="1"]`).waitFor();
    await settle(page);
    found.push(...await axe(page, `kiosk ${lang} ${viewport.width} ${name}`));
    await shot(page, `kiosk-${name}-${lang}-${viewport.width}`);
  };
  await page.goto(`${BASE}/#/kiosk`);
  await screen('login');
  await page.fill('#kiosk-code', code);
  await page.fill('#kiosk-secret', DEMO_PASSWORD);
  await page.click('[data-testid=kiosk-login]');
  await screen('home');
  /* the company's name is readable in the header */
  const ent = await page.locator('[data-testid=kiosk-ent]').boundingBox();
  assert.ok(ent && ent.width >= 80, `kiosk ${viewport.width}: the company name is ${ent && ent.width}px wide`);
  for (const s of ['raise', 'progress', 'inbox']) {
    await page.evaluate((x) => { location.hash = `#/kiosk/${x}`; }, s);
    await screen(s);
  }
  await page.click('[data-testid=kiosk-logout]');
  await context.close();
  return found;
}

/* the enterprise's credit code, for the kiosk */
let creditCode = '';
async function kioskCode() {
  if (!creditCode) {
    const setup = await newPage();
    await login(setup.page, [], ENT_USER, DEMO_PASSWORD);
    await ready(setup.page, 'my-enterprise');
    creditCode = (await setup.page.locator('#view [data-key=credit_code]').textContent()).trim();
    await setup.context.close();
  }
  return creditCode;
}

for (const lang of ['zh', 'en']) {
  for (const vp of [DESKTOP, PHONE]) {
    test(`axe ${lang} ${vp.width}×${vp.height}: every page as admin, an enterprise and the kiosk`, { skip, timeout: 900000 }, async () => {
      const desk = vp === DESKTOP;
      const shots = (id) => desk || PHONE_SHOTS.has(id);
      const found = [];
      found.push(...await walkShell('admin', process.env.ZONEOPS_ADMIN_PASSWORD, vp, lang, 'admin', shots));
      found.push(...await walkShell(ENT_USER, DEMO_PASSWORD, vp, lang, 'ent', shots));
      found.push(...await walkKiosk(await kioskCode(), vp, lang));
      assert.deepEqual(found, [], `serious or critical accessibility violations:\n  ${found.join('\n  ')}`);
    });
  }
}

test('keyboard: a skip link to the content, focus on the page heading after navigating, dialogs keep focus', { skip }, async () => {
  const { context, page } = await newPage(DESKTOP);
  await login(page, [], 'admin', process.env.ZONEOPS_ADMIN_PASSWORD);
  await page.locator('#view[data-ready="1"]').waitFor();
  /* the first Tab reaches the skip link, Enter takes focus into the content */
  await page.keyboard.press('Tab');
  const first = await page.evaluate(() => ({ cls: document.activeElement.className, href: document.activeElement.getAttribute('href') }));
  assert.match(first.cls, /skip-link/, 'the first Tab stop is the skip link');
  await page.keyboard.press('Enter');
  assert.ok(await page.evaluate(() => document.getElementById('view').contains(document.activeElement)), 'the skip link moves focus to the content');

  /* a click in the menu moves focus to the new page's heading */
  await page.click('.sidebar a.nav-link[data-route=users]');
  await ready(page, 'users');
  await page.waitForFunction(() => document.activeElement && document.activeElement.matches('#view h1'));

  /* a dialog keeps Tab inside and gives focus back when it closes */
  const opener = page.locator('#view .page-actions button').first();
  await opener.focus();
  await opener.press('Enter');
  await page.locator('.modal').waitFor();
  for (let i = 0; i < 30; i++) {
    await page.keyboard.press(i % 3 ? 'Tab' : 'Shift+Tab');
    assert.ok(await page.evaluate(() => document.activeElement.closest('.modal') !== null), `Tab ${i} left the dialog`);
  }
  await page.keyboard.press('Escape');
  await page.locator('.modal').waitFor({ state: 'detached' });
  assert.ok(await page.evaluate(() => document.activeElement.matches('#view .page-actions button')), 'focus is back on the button that opened the dialog');

  /* on a phone the logout button still has its name */
  await page.setViewportSize(PHONE);
  const name = await page.locator('[data-testid=logout]').evaluate((b) => b.getAttribute('aria-label') || b.textContent.trim());
  assert.ok(name && name.length > 1, 'the logout button has a name on a phone');
  await context.close();
});
