/*
 * dashes.test.mjs -- issue 12, words and numbers left over: where a value
 * is missing a word is said (暂无, 无, 未设目标) or, in a cell of numbers, the
 * dash carries its word for a screen reader; percentages follow the one
 * rule (fmtPct: one decimal); the kiosk says 受理超时 or 办理超时 as the
 * lists do, never a bare 超期 for both.
 *
 *   ZONEOPS_URL=http://127.0.0.1:PORT ZONEOPS_ADMIN_PASSWORD=… node --test tests/browser/dashes.test.mjs
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, DEMO_PASSWORD, skip, launch, shutdown, newPage, login, open, assertClean, dropLogin401, KIOSK } from './lib.mjs';
import { Client } from '../e2e/lib.mjs';

before(async () => {
  if (!skip)
    await launch();
});
after(shutdown);

/* Every element matching sel that shows a bare dash has a word for a screen reader. */
async function dashesHaveWords(page, sel) {
  return page.locator(sel).evaluateAll((els) => els
    .filter((e) => /^[—–]$/.test(e.textContent.trim()) || (e.textContent.includes('—') && !e.querySelector('.sr-only')))
    .map((e) => e.outerHTML.slice(0, 160)));
}

test('ranking: percentages by the one rule; no rank, no change and no gap are said', { skip }, async () => {
  const { context, page, problems } = await newPage();
  await login(page, problems);
  await open(page, '#/race');
  await page.locator('[data-testid=ranking]').waitFor();
  const quota = await page.locator('[data-testid=ranking] [data-metric=quota] .rk-val').allTextContents();
  for (const v of quota)
    assert.match(v.trim(), /^\d+\.\d%$|暂无$/, `quota ${v}`);
  assert.deepEqual(await dashesHaveWords(page, '[data-testid=ranking] td'), [], 'a dash in the ranking has its word');
  for (const s of await page.locator('[data-testid=ranking] .rk-same, [data-testid=ranking] .rk-unranked').all())
    assert.ok((await s.locator('.sr-only').textContent()).trim().length > 0, 'no rank or no change is said');
  await page.locator('[data-testid=quotas] table').waitFor();
  assert.deepEqual(await page.locator('[data-testid=quotas] td').evaluateAll((els) => els.filter((e) => e.textContent.trim() === '—').length), 0,
    'no bare dash in the quotas');
  assertClean(problems, 'the ranking');
  await context.close();
});

test('battle board: the targets say 未设目标 and their percentages follow the one rule', { skip }, async () => {
  const { context, page, problems } = await newPage();
  await login(page, problems);
  await open(page, '#/board');
  const legend = page.locator('[data-testid=time-progress]');
  await legend.waitFor();
  assert.doesNotMatch(await legend.textContent(), /—/);
  assert.match(await legend.textContent(), /\d+\.\d%|暂无/);
  for (const v of await page.locator('.tgt-pct').allTextContents())
    assert.match(v.trim(), /^(\d+\.\d%|—未设目标)/, `target ${v}`);
  assert.deepEqual(await page.locator('.tgt-num small').evaluateAll((els) => els.filter((e) => e.textContent.includes('—')).length), 0);
  assertClean(problems, 'the board');
  await context.close();
});

test('kiosk: overdue for acceptance and for handling are told apart, in the list and on the request', { skip }, async () => {
  const c = new Client(BASE);
  assert.equal((await c.login('ent.hengtai', DEMO_PASSWORD)).status, 200);
  const me = (await c.get('/api/v1/me')).json;
  const ent = (await c.get(`/api/v1/enterprises/${me.enterprise_id}`)).json;
  const mine = (await c.get('/api/v1/requests?limit=1')).json.items[0];
  assert.ok(mine, 'the demo enterprise has a request');
  await c.del('/api/v1/session');

  const { context, page, problems } = await newPage(KIOSK);
  /* the server's list and request, marked overdue the two ways */
  const base = { ...mine, status: 'submitted', overdue: true };
  await page.route(/\/api\/v1\/requests\?/, async (route) => {
    const items = [{ ...base, id: mine.id, title: '受理超时的诉求', accept_overdue: true },
      { ...base, id: mine.id + 100000, title: '办理超时的诉求', status: 'accepted', accept_overdue: false }];
    await route.fulfill({ json: { items, total: 2, limit: 50, offset: 0 } });
  });
  await page.route(new RegExp(`/api/v1/requests/${mine.id}$`), async (route) => {
    const r = await (await route.fetch()).json();
    await route.fulfill({ json: { ...r, status: 'accepted', overdue: true, accept_overdue: false } });
  });
  await page.goto(`${BASE}/`);
  await page.locator('#login-username').waitFor();
  await page.click('[data-testid=to-kiosk]');
  await page.locator('#kiosk-main[data-screen=login][data-ready="1"]').waitFor();
  dropLogin401(problems);
  await page.fill('#kiosk-code', ent.credit_code);
  await page.fill('#kiosk-secret', DEMO_PASSWORD);
  await page.click('[data-testid=kiosk-login]');
  await page.locator('#kiosk-main[data-screen=home][data-ready="1"]').waitFor();
  await page.click('[data-testid=kiosk-progress]');
  await page.locator('[data-testid=kiosk-list]').waitFor();
  const badges = await page.locator('[data-testid=kiosk-item] .kiosk-item-status').allTextContents();
  assert.ok(badges[0].includes('受理超时') && !badges[0].includes('办理超时'), badges[0]);
  assert.ok(badges[1].includes('办理超时'), badges[1]);
  await page.locator('[data-testid=kiosk-item]').first().click();
  await page.locator('[data-testid=kiosk-request]').waitFor();
  const st = await page.locator('.kiosk-status').textContent();
  assert.ok(st.includes('办理超时') && !st.includes('超期'), st);
  await page.click('[data-testid=kiosk-logout]');
  assertClean(problems, 'the kiosk');
  await context.close();
});
