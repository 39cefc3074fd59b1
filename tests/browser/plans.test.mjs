/*
 * plans.test.mjs -- 一企一档 in Debian's Chromium: an officer records a visit
 * with two plans through the visit form, and the enterprise's file shows
 * them (with the visit as their source), in Chinese and in English, at
 * 1440×900 (screenshots when ZONEOPS_SHOTS is set); the enterprise's portal
 * shows its own plans and the IPO reward pushed to it with the plan named.
 * Same environment as ui.test.mjs (ZONEOPS_URL, ZONEOPS_ADMIN_PASSWORD
 * against a --demo server).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DEMO_PASSWORD, skip, launch, shutdown, newPage, assertClean, login, ready, open, screenshot } from './lib.mjs';

const DESKTOP = { width: 1440, height: 900 };
const stamp = Date.now().toString(36);

before(async () => {
  if (!skip)
    await launch();
});
after(shutdown);

/* Fill plan row i of the visit form. */
async function fillPlan(page, i, p) {
  const row = page.locator('#view [data-testid=plans] .plan-row').nth(i);
  await row.locator('select[name=category]').selectOption(p.category);
  await row.locator('select[name=horizon]').selectOption(p.horizon);
  if (p.year)
    await row.locator('input[name=year]').fill(String(p.year));
  if (p.amount)
    await row.locator('input[name=amount_wan]').fill(String(p.amount));
  await row.locator('textarea[name=description]').fill(p.description);
}

test('a visit records two plans and the enterprise file shows them, in Chinese and English', { skip, timeout: 120000 }, async () => {
  const { context, page, problems } = await newPage(DESKTOP);
  await login(page, problems, 'officer01', DEMO_PASSWORD);
  /* an enterprise the officer serves */
  const ent = await page.evaluate(async () => {
    const me = await (await fetch('/api/v1/me')).json();
    const r = await (await fetch(`/api/v1/officers/${me.id}/enterprises?limit=50`)).json();
    return (r.items || []).at(-1);
  });
  assert.ok(ent && ent.id, 'officer01 serves an enterprise');
  const year = Number(new Date(Date.now() + 8 * 3600e3).toISOString().slice(0, 4));
  await open(page, `#/visits/new?enterprise_id=${ent.id}`);
  await page.fill('#view input[name=people_met]', '董事长');
  await page.click('[data-testid=add-plan]');
  await page.click('[data-testid=add-plan]');
  await fillPlan(page, 0, { category: '企业上市', horizon: '1_3_years', year: year + 2, description: `拟申报科创板上市（${stamp}）` });
  await fillPlan(page, 1, { category: '技术改造', horizon: 'this_year', amount: 2600, description: `新建智能化仓储系统（${stamp}）` });
  const saved = page.waitForResponse((r) => r.url().endsWith('/api/v1/visits') && r.request().method() === 'POST');
  await page.click('[data-testid=visit-save]');
  const res = await saved;
  assert.equal(res.status(), 201, await res.text());
  const visit = await res.json();
  assert.equal(visit.plans.length, 2);

  for (const lang of ['zh', 'en']) {
    await page.evaluate((l) => localStorage.setItem('zoneops.lang', l), lang);
    await page.reload();
    await ready(page, 'overview').catch(() => {});
    await open(page, `#/enterprises/${ent.id}`);
    const plans = page.locator('#view [data-testid=ent-plans] tr.plan');
    await page.locator('#view [data-testid=ent-plans] table').waitFor();
    const text = await page.locator('#view [data-testid=ent-plans]').innerText();
    assert.ok(text.includes(`拟申报科创板上市（${stamp}）`) && text.includes(`新建智能化仓储系统（${stamp}）`), text);
    assert.ok(await plans.count() >= 2);
    const row = plans.filter({ hasText: `拟申报科创板上市（${stamp}）` });
    assert.match(await row.innerText(), lang === 'zh' ? /企业上市[\s\S]*1–3年内[\s\S]*走访/ : /Stock listing[\s\S]*In 1–3 years[\s\S]*visit of/);
    /* the officer who serves it may correct it */
    assert.equal(await row.locator('[data-testid=plan-edit]').count(), 1);
    await page.locator('#view [data-testid=ent-policies]').waitFor();
    /* every panel of the file drawn (their calls answered) before the next reload, which would abort them */
    await page.locator('#view .state-loading').first().waitFor({ state: 'detached' });
    await screenshot(page, `plans-file-${lang}-1440`);
  }
  await page.evaluate(() => localStorage.setItem('zoneops.lang', 'zh'));
  assertClean(problems, 'the visit form and the enterprise file');
  await context.close();
});

test('the enterprise sees its plans and the IPO reward pushed for its plan in its portal', { skip, timeout: 60000 }, async () => {
  const { context, page, problems } = await newPage(DESKTOP);
  await login(page, problems, 'ent.hengtai', DEMO_PASSWORD);
  await open(page, '#/my-enterprise');
  await page.locator('#view [data-testid=ent-plans] table').waitFor();
  assert.match(await page.locator('#view [data-testid=ent-plans]').innerText(), /企业上市/);
  await page.locator('#view [data-testid=ent-policies] table').waitFor();
  assert.match(await page.locator('#view [data-testid=ent-policies]').innerText(), /你企计划\d{4}年上市，可关注「企业上市奖励」/);
  await screenshot(page, 'plans-portal-zh-1440');
  assertClean(problems, 'the portal');
  await context.close();
});
