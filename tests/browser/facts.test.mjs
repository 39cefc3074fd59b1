/*
 * facts.test.mjs -- the 年度指标数据 page (#/facts) and the facts panel of
 * the enterprise page in Debian's Chromium against a --demo server, whose
 * enterprises have facts for the three years before the current one
 * (江苏恒太照明: R&D spending 850.5 of revenue 12000 in the latest year).
 *
 *   ZONEOPS_URL=http://127.0.0.1:PORT ZONEOPS_ADMIN_PASSWORD=… node --test tests/browser/
 *
 * Optional: ZONEOPS_SHOTS=DIR saves screenshots in Chinese and English.
 * Console errors, page errors and failed requests fail a test, except the
 * 422 a refused declaration asks for.  Writes only the year 1990 and a
 * declared fact whose name carries the run's stamp.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEMO_PASSWORD, skip, launch, shutdown, newPage, assertClean, dropStatus, login, open, screenshot,
} from './lib.mjs';

const HENGTAI = '江苏恒太照明股份有限公司';
const LATEST = new Date().getFullYear() - 1;   /* the demo's latest year of facts */

before(async () => {
  if (!skip)
    await launch();
});
after(shutdown);

/* The credit code of an enterprise, as the signed-in user reads it. */
async function codeOf(page, name) {
  return page.evaluate(async (q) => {
    const r = await fetch(`/api/v1/enterprises?q=${encodeURIComponent(q)}&limit=1`);
    return (await r.json()).items[0];
  }, name);
}

/* Pick an enterprise in the lookup and wait for its table. */
async function lookup(page, name) {
  await page.fill('[data-testid=enterprise-picker]', name.slice(2, 6));
  await page.locator('.picker-item', { hasText: name }).first().click();
  await page.locator('[data-testid=facts-table]').waitFor();
}

/* The table's cell for a fact (by its code) and a year. */
async function cell(page, testid, fact, year) {
  return page.evaluate(([tid, f, y]) => {
    const tbl = document.querySelector(`[data-testid=${tid}] table`);
    const col = [...tbl.querySelectorAll('thead th')].findIndex((th) => th.textContent.includes(String(y)));
    const row = [...tbl.querySelectorAll('tbody tr')].find((tr) => tr.querySelector('.fact-code')?.textContent.trim() === f);
    return row && col >= 0 ? row.children[col].textContent.trim() : null;
  }, [testid, fact, year]);
}

test('the facts page: definitions, an enterprise by year, in Chinese and English', { skip }, async () => {
  const { context, page, problems } = await newPage();
  await login(page, problems);
  await open(page, '#/facts');
  assert.equal((await page.locator('#view h1.page-title').textContent()).trim(), '年度指标数据');
  await page.locator('[data-testid=fact-defs]').waitFor();
  const names = await page.locator('[data-testid=fact-defs] tbody tr td:first-child').allTextContents();
  assert.deepEqual(names.slice(0, 12), ['revenue', 'tax_paid', 'rd_spending', 'output_value', 'value_added', 'employees',
    'new_employees', 'energy_tce', 'emissions_t', 'exports', 'high_tech', 'listed']);
  assert.match(await page.locator('[data-testid=fact-defs] tbody tr').nth(1).textContent(), /纳税额.*万元.*数值.*内置/);

  await lookup(page, HENGTAI);
  const years = await page.locator('[data-testid=facts-table] thead th').allTextContents();
  assert.deepEqual(years.slice(1), [`${LATEST}年`, `${LATEST - 1}年`, `${LATEST - 2}年`], 'newest year first');
  assert.equal(await cell(page, 'facts-table', 'rd_spending', LATEST), '850.5');
  assert.equal(await cell(page, 'facts-table', 'revenue', LATEST), '12,000');
  assert.equal(await cell(page, 'facts-table', 'high_tech', LATEST), '是');
  await screenshot(page, 'facts-zh');

  await page.click('.topbar [data-testid=lang]');
  await page.locator('.sidebar a.nav-link[data-route=facts]', { hasText: 'Yearly facts' }).waitFor();
  await open(page, '#/facts');
  assert.equal((await page.locator('#view h1.page-title').textContent()).trim(), 'Yearly facts');
  await page.locator('[data-testid=fact-defs]').waitFor();
  assert.match(await page.locator('[data-testid=fact-defs] tbody tr').nth(1).textContent(), /tax paid.*×10k yuan.*Number.*Built-in/);
  await lookup(page, HENGTAI);
  assert.equal(await cell(page, 'facts-table', 'high_tech', LATEST), 'Yes');
  await screenshot(page, 'facts-en');
  await page.click('.topbar [data-testid=lang]');
  await page.locator('.sidebar a.nav-link[data-route=facts]', { hasText: '年度指标' }).waitFor();
  assertClean(problems, '#/facts');
  await context.close();
});

test('an admin declares a fact; a reserved name is refused beside the field', { skip }, async () => {
  const { context, page, problems } = await newPage();
  await login(page, problems);
  await open(page, '#/facts');
  await page.locator('[data-testid=fact-defs]').waitFor();
  const stamp = Date.now().toString(36).replace(/[^a-z0-9]/g, '');
  await page.click('[data-testid=fact-new]');
  await page.fill('[data-testid=fact-name]', 'year');
  await page.fill('[data-testid=fact-label]', `保留字${stamp}`);
  await page.click('[data-testid=fact-save]');
  const err = page.locator('.modal .field-error[data-field=name]');
  await err.waitFor({ state: 'visible' });
  assert.match(await err.textContent(), /保留字/);
  dropStatus(problems, 422);
  await page.fill('[data-testid=fact-name]', `patents_${stamp}`);
  await page.fill('[data-testid=fact-label]', `发明专利${stamp}`);
  await page.fill('.modal input[name=unit]', '件');
  await page.click('[data-testid=fact-save]');
  await page.locator('.modal').waitFor({ state: 'detached' });
  const row = page.locator('[data-testid=fact-defs] tbody tr', { hasText: `patents_${stamp}` });
  await row.waitFor();
  assert.match(await row.textContent(), new RegExp(`发明专利${stamp}.*件.*数值.*自定义`));
  assertClean(problems, 'declaring a fact');
  await context.close();
});

test('the import: a bad row refuses the file by its line; good rows only; the enterprise page shows the facts', { skip }, async () => {
  const { context, page, problems } = await newPage();
  await login(page, problems);
  await open(page, '#/facts');
  const ent = await codeOf(page, HENGTAI);
  const csv = (rows) => Buffer.from(['credit_code,year,fact,value', ...rows].join('\n') + '\n');
  const rows = [`${ent.credit_code},1990,revenue,1234.5678`, `${ent.credit_code},1990,revenu,1`, `${ent.credit_code},1990,listed,1`];
  await page.setInputFiles('[data-testid=facts-import-file]', { name: 'facts.csv', mimeType: 'text/csv', buffer: csv(rows) });
  let answer = page.waitForResponse((r) => r.url().includes('/api/v1/facts/import'));
  await page.click('[data-testid=facts-import-run]');
  assert.equal((await answer).status(), 202, 'the import is a job');
  await page.locator('[data-testid=facts-import-errors]').waitFor();
  assert.match(await page.locator('[data-testid=facts-import-verdict]').textContent(), /未写入任何数据/);
  const lines = await page.locator('[data-testid=facts-import-errors] tbody tr td:first-child').allTextContents();
  assert.deepEqual(lines.map((s) => s.trim()), ['3']);
  assert.match(await page.locator('[data-testid=facts-import-errors] tbody').textContent(), /没有名为“revenu”的指标/);

  await page.check('input[name=mode][value=good]');
  answer = page.waitForResponse((r) => r.url().includes('/api/v1/facts/import'));
  await page.click('[data-testid=facts-import-run]');
  assert.equal((await answer).status(), 202);
  await page.locator('[data-testid=facts-import-verdict].good').waitFor();
  assert.equal((await page.locator('[data-kpi=created_rows]').textContent()).trim(), '2');

  await open(page, `#/enterprises/${ent.id}`);
  await page.locator('[data-testid=ent-facts] table').waitFor();
  assert.equal(await cell(page, 'ent-facts', 'revenue', 1990), '1,234.5678', 'exact, four decimals');
  assert.equal(await cell(page, 'ent-facts', 'listed', 1990), '是');
  assert.equal(await cell(page, 'ent-facts', 'rd_spending', LATEST), '850.5');
  await screenshot(page, 'enterprise-facts');
  assertClean(problems, 'the facts import');
  await context.close();
});

test('a running facts import can be cancelled; a statistician imports, a leader has no entry', { skip }, async () => {
  const stats = await newPage();
  await login(stats.page, stats.problems, 'stats', DEMO_PASSWORD);
  await open(stats.page, '#/facts');
  assert.equal(await stats.page.locator('[data-testid=fact-new]').count(), 0, 'only an admin declares facts');
  const ent = await codeOf(stats.page, HENGTAI);
  const rows = ['credit_code,year,fact,value'];
  for (let i = 0; i < 60000; i++) rows.push(`${ent.credit_code},1990,employees,${i}`);
  await stats.page.setInputFiles('[data-testid=facts-import-file]', { name: 'many.csv', mimeType: 'text/csv',
    buffer: Buffer.from(rows.join('\n') + '\n') });
  await stats.page.click('[data-testid=facts-import-dry]');
  const cancel = stats.page.locator('[data-testid=facts-import-cancel]');
  await cancel.waitFor({ state: 'visible' });
  await cancel.click();
  await stats.page.locator('[data-testid=facts-import-cancelled]').waitFor();
  assert.equal(await cancel.isVisible(), false, 'no cancel button once the job has ended');
  assertClean(stats.problems, 'a cancelled facts import');
  await stats.context.close();

  const leader = await newPage();
  await login(leader.page, leader.problems, 'leader.ib', DEMO_PASSWORD);
  assert.equal(await leader.page.locator('.sidebar a.nav-link[data-route=facts]').count(), 0, 'a leader does not import facts');
  assertClean(leader.problems, 'a leader');
  await leader.context.close();
});
