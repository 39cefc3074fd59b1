/*
 * words.test.mjs -- words and numbers (issue 12): the audit log says who did
 * what to what; industries show by name (registry, board) and filter by
 * 门类/大类; the number rule and English plurals.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { skip, launch, shutdown, newPage, login, open, assertClean } from './lib.mjs';

before(async () => {
  if (!skip)
    await launch();
});
after(shutdown);

const RAW_CODE = /^[A-T](\d{2,4})?$/;

test('the audit log in words', { skip }, async () => {
  const { context, page, problems } = await newPage();
  await login(page, problems);
  await open(page, '#/audit');
  const rows = page.locator('#view table tbody tr');
  await rows.first().waitFor();
  const text = await page.locator('#view table tbody').textContent();
  assert.doesNotMatch(text, /session\.login|user #\d|\/api\/v1\//, 'no raw actions');
  assert.match(text, /登录/);
  const status = await page.locator('#view table tbody tr td:nth-child(4)').allTextContents();
  assert.ok(status.every((s) => !/^\d{3}$/.test(s.trim())), `statuses in words: ${status.slice(0, 5)}`);
  assertClean(problems, 'the audit log');
  await context.close();
});

test('industries by name in the registry, filtered by 门类 and 大类', { skip }, async () => {
  const { context, page, problems } = await newPage();
  await login(page, problems);
  await open(page, '#/enterprises');
  const cells = page.locator('#view [data-industry]');
  await cells.first().waitFor();
  for (const c of await cells.allTextContents())
    assert.doesNotMatch(c.trim(), RAW_CODE, 'a name, not a code');
  await page.selectOption('#view select[name=industry_section]', 'C');
  /* waited for from before the change, whose answer may come at once */
  const filtered = page.waitForResponse((r) => r.url().includes('/api/v1/enterprises?') && r.url().includes('industry=C38'));
  await page.selectOption('#view select[name=industry_division]', 'C38');
  await filtered;
  /* the list stays until the answer is drawn, and the one before (all, or 门类 C) has C38 rows too:
   * wait until only C38 rows are shown */
  await page.waitForFunction(() => {
    const els = [...document.querySelectorAll('#view [data-industry]')];
    return els.length > 0 && els.every((e) => e.dataset.industry.startsWith('C38'));
  });
  const codes = await page.locator('#view [data-industry]').evaluateAll((els) => els.map((e) => e.dataset.industry));
  assert.ok(codes.length > 0 && codes.every((c) => c.startsWith('C38')), codes.join(','));
  assert.equal((await page.locator('#view [data-industry]').first().textContent()).trim(), '电气机械和器材制造业');
  await open(page, '#/board');
  const cards = page.locator('#view .proj [data-industry]');
  await cards.first().waitFor();
  for (const c of await cards.allTextContents())
    assert.doesNotMatch(c.trim(), RAW_CODE, 'a card names its industry');
  assertClean(problems, 'the registry and the board');
  await context.close();
});

test('one number rule and English plurals', { skip }, async () => {
  const { context, page, problems } = await newPage();
  await login(page, problems);
  const r = await page.evaluate(async () => {
    /* the app's own i18n module, beside app.js (under /assets/<hash>/ in the built tree) */
    const app = [...document.scripts].map((s) => s.src).find((s) => /\/app\.js$/.test(s));
    const m = await import(app.replace(/app\.js$/, 'i18n.js'));
    m.setLang('en');
    const out = [m.fmtGrowth(14), m.fmtGrowth(12.84), m.fmtGrowth(-3.1), m.fmtPct(83.33),
      m.plural('dash.hl.resolved', 1), m.plural('dash.hl.resolved', 560), m.plural('off.oneSub', 1)];
    m.setLang('zh');
    return out;
  });
  assert.deepEqual(r, ['+14.0%', '+12.8%', '−3.1%', '83.3%', '1 problem resolved', '560 problems resolved', '1 enterprise']);
  assertClean(problems, 'the formatting rule');
  await context.close();
});

test('English layouts hold at 1440×900: the request list and the ranking fit their panels', { skip }, async () => {
  const { context, page, problems } = await newPage({ width: 1440, height: 900 },
    { fn: () => localStorage.setItem('zoneops.lang', 'en'), arg: null });
  await login(page, problems);
  for (const [hash, sel] of [['#/requests', '.table-req'], ['#/race', '.rk-table']]) {
    await open(page, hash);
    await page.locator(`#view ${sel} tbody tr`).first().waitFor();
    const m = await page.locator(`#view ${sel}`).evaluate((t) => ({ w: t.scrollWidth, room: t.parentElement.clientWidth,
      cols: t.querySelectorAll('thead th').length,
      title: t.querySelector('tbody td[data-col="title"]')?.getBoundingClientRect().width ?? null }));
    assert.ok(m.w <= m.room + 1, `${hash}: ${m.w}px of table in ${m.room}px`);
    if (hash === '#/race')
      assert.equal(m.cols, 11, 'all 11 columns of the ranking');
    else
      assert.ok(m.title >= 140, `the title column keeps room for words: ${m.title}px`);
  }
  assertClean(problems, 'the English layouts');
  await context.close();
});
