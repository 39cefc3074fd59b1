/*
 * inbox.test.mjs -- the enterprise inbox of 免审即享 (issue 10) in Debian's
 * Chromium: a grant with its amount and clause-by-clause explanation is
 * confirmed in the portal (the only step an enterprise takes), another is
 * declined with a required reason at the kiosk, a push is muted; the
 * unread count on the menu and on the kiosk's home button falls as
 * messages are opened; the officer then marks the confirmed grant paid.
 *
 * The test makes its own policies through the API (as an officer: a
 * condition every enterprise meets, published after its case passes; a
 * batch approved by a leader; a policy every enterprise nearly meets,
 * pushed), so it does not depend on the demo's batches.  Same environment
 * as the other browser tests (ZONEOPS_URL, ZONEOPS_ADMIN_PASSWORD against a
 * --demo server; ZONEOPS_SHOTS: screenshots).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  BASE, DEMO_PASSWORD, KIOSK, skip, launch, shutdown, newPage, assertClean, dropLogin401, dropStatus, login, ready, open,
  screenshot, pageApi
} from './lib.mjs';

const PORTAL_USER = 'ent.langgu';
const KIOSK_USER = 'ent.xingyuan';
const stamp = Date.now().toString(36);
const GRANT_A = `稳企奖励${stamp}`;
const GRANT_B = `人才补贴${stamp}`;
const YEAR = new Date().getFullYear();

before(async () => {
  if (!skip)
    await launch();
});
after(shutdown);

/* Call the API from a logged-in page: [status, body]. */
async function call(page, method, path, body) {
  const r = await pageApi(page, method, path, body);
  return [r.status, r.json];
}

/* A published policy every enterprise meets (amount fixed), and its batch. */
async function grantPolicy(page, name, amount) {
  const [st, p] = await call(page, 'POST', '/api/v1/policies', {
    code: `inbox-${stamp}-${amount}`.replace('.', '-'), name, summary: '浏览器测试', tags: ['测试'],
    condition: 'true', benefit: String(amount),
    cases: [{ name: '任何企业', year: YEAR, facts: {}, registry: {}, expect: { result: true, amount } }],
  });
  assert.equal(st, 201, JSON.stringify(p));
  assert.equal((await call(page, 'POST', `/api/v1/policies/${p.id}/publish`))[0], 200);
  const [bs, b] = await call(page, 'POST', `/api/v1/policies/${p.id}/batches`, { year: YEAR });
  assert.equal(bs, 201, JSON.stringify(b));
  return b.id;
}

let batchA = 0;

test('setup: an officer makes two grants and a push, a leader approves the batches', { skip }, async () => {
  const off = await newPage();
  await login(off.page, off.problems, 'officer01', DEMO_PASSWORD);
  batchA = await grantPolicy(off.page, GRANT_A, 12.5);
  const batchB = await grantPolicy(off.page, GRANT_B, 3.25);
  /* nearly met by everyone: exactly one clause false */
  const [st, near] = await call(off.page, 'POST', '/api/v1/policies', {
    code: `inbox-near-${stamp}`, name: `出口奖励${stamp}`, condition: 'true and false', benefit: '1',
    cases: [{ name: '差一项', year: YEAR, facts: {}, registry: {}, expect: { result: false } }],
  });
  assert.equal(st, 201);
  assert.equal((await call(off.page, 'POST', `/api/v1/policies/${near.id}/publish`))[0], 200);
  const [ps, pushed] = await call(off.page, 'POST', `/api/v1/policies/${near.id}/push`, { year: YEAR });
  assert.equal(ps, 200);
  assert.ok(pushed.pushed + pushed.skipped_cap > 0, JSON.stringify(pushed));
  await off.context.close();

  const lead = await newPage();
  await login(lead.page, lead.problems, 'leader.ib', DEMO_PASSWORD);
  for (const id of [batchA, batchB])
    assert.equal((await call(lead.page, 'POST', `/api/v1/batches/${id}/approve`))[0], 200);
  await lead.context.close();
});

/* The count on the menu's inbox entry (0 when none is shown). */
async function navCount(page) {
  const c = page.locator('.sidebar a.nav-link[data-route=inbox] [data-testid=nav-unread]');
  return (await c.count()) ? Number(await c.textContent()) : 0;
}

test('portal: the grant with its explanation is confirmed; a decline needs a reason; a push is muted; read messages leave the count', { skip }, async () => {
  const { context, page, problems } = await newPage();
  await login(page, problems, PORTAL_USER, DEMO_PASSWORD);
  await ready(page, 'my-enterprise');
  await page.locator('.sidebar a.nav-link[data-route=inbox] [data-testid=nav-unread]').waitFor();
  const before = await navCount(page);
  assert.ok(before >= 2, `unread count on the menu (${before})`);
  await open(page, '#/inbox');
  const a = page.locator('[data-testid=inbox-item][data-kind=grant]', { hasText: GRANT_A });
  await a.waitFor();
  assert.ok(await a.evaluate((el) => el.classList.contains('unread')), 'a new grant is unread');
  assert.match(await a.textContent(), /12\.50 万元/);

  /* opening it marks it read, and the menu's count falls */
  const read = page.waitForResponse((r) => /\/api\/v1\/inbox\/\d+\/read$/.test(r.url()));
  await a.click();
  assert.equal((await read).status(), 200);
  await page.waitForFunction((n) => {
    const c = document.querySelector('.sidebar a.nav-link[data-route=inbox] [data-testid=nav-unread]');
    return (c ? Number(c.textContent) : 0) === n - 1;
  }, before);
  const item = page.locator('.inbox-item', { has: a });
  assert.equal((await item.locator('[data-testid=grant-amount]').textContent()).trim(), '12.50 万元');
  assert.equal(await item.locator('[data-testid=clauses] li[data-result=yes]').count(), 1, 'the clause, met');
  await screenshot(page, 'inbox-grant');

  /* confirm */
  await item.locator('[data-testid=grant-confirm]').click();
  const confirmed = page.waitForResponse((r) => /\/confirm$/.test(r.url()));
  await page.click('[data-testid=confirm-ok]');
  assert.equal((await confirmed).status(), 200);
  await page.locator('[data-testid=inbox-item][data-kind=grant]', { hasText: GRANT_A }).locator('.badge[data-state=confirmed]').waitFor();

  /* decline the other: the reason is required */
  const b = page.locator('[data-testid=inbox-item][data-kind=grant]', { hasText: GRANT_B });
  await b.click();
  const itemB = page.locator('.inbox-item', { has: b });
  await itemB.locator('[data-testid=grant-decline]').click();
  await page.locator('.modal [data-testid=decline-go]').click();
  await page.waitForFunction(() => /谢绝理由/.test(document.querySelector('.modal .field-error')?.textContent || ''));
  await page.fill('.modal [data-testid=decline-reason]', '已通过其他渠道享受');
  const declined = page.waitForResponse((r) => /\/decline$/.test(r.url()));
  await page.click('.modal [data-testid=decline-go]');
  assert.equal((await declined).status(), 200);
  await page.locator('.modal').waitFor({ state: 'detached' });
  await page.locator('[data-testid=inbox-item][data-kind=grant]', { hasText: GRANT_B }).locator('.badge[data-state=declined]').waitFor();

  /* a push: the clause with its value; mute the policy */
  const push = page.locator('[data-testid=inbox-item][data-kind=push]').first();
  await push.click();
  const pitem = page.locator('.inbox-item', { has: push });
  await pitem.locator('[data-testid=clauses] li[data-result=no]').waitFor();
  const muted = page.waitForResponse((r) => /\/mute$/.test(r.url()) && r.request().method() === 'POST');
  await pitem.locator('[data-testid=push-mute]').click();
  assert.equal((await muted).status(), 200);
  await page.locator('[data-testid=inbox-item][data-kind=push]').first().locator('.badge', { hasText: '已屏蔽' }).waitFor();
  await screenshot(page, 'inbox');

  /* the filter of what waits for an answer */
  await page.click('[data-testid=inbox-tab-todo]');
  assert.equal(await page.locator('[data-testid=inbox-item]', { hasText: GRANT_A }).count(), 0, 'a confirmed grant waits no more');
  assertClean(problems, 'the enterprise inbox');
  await context.close();
});

test('an enterprise never sees or answers another\'s grant', { skip }, async () => {
  const { context, page, problems } = await newPage();
  await login(page, problems, KIOSK_USER, DEMO_PASSWORD);
  const [, other] = await (async () => {
    const o = await newPage();
    await login(o.page, o.problems, PORTAL_USER, DEMO_PASSWORD);
    const r = await call(o.page, 'GET', '/api/v1/inbox');
    await o.context.close();
    return r;
  })();
  const theirs = other.items.find((x) => x.kind === 'grant');
  assert.ok(theirs, 'the other enterprise has a grant');
  const mine = (await call(page, 'GET', '/api/v1/inbox'))[1].items.map((x) => x.id);
  assert.ok(!mine.includes(theirs.id), 'not in my inbox');
  assert.equal((await call(page, 'POST', `/api/v1/inbox/${theirs.id}/confirm`))[0], 404);
  dropStatus(problems, 404);
  assertClean(problems, 'someone else\'s grant');
  await context.close();
});

test('kiosk: the unread count on the home button; a grant declined with a reason in large type; then the officer marks the confirmed one paid', { skip }, async () => {
  /* the kiosk enterprise's credit code */
  const pre = await newPage();
  await login(pre.page, pre.problems, KIOSK_USER, DEMO_PASSWORD);
  const me = (await call(pre.page, 'GET', '/api/v1/me'))[1];
  const code = (await call(pre.page, 'GET', `/api/v1/enterprises/${me.enterprise_id}`))[1].credit_code;
  await pre.context.close();

  const { context, page, problems } = await newPage(KIOSK);
  await page.goto(`${BASE}/#/kiosk`);
  await page.locator('#kiosk-main[data-screen=login][data-ready="1"]').waitFor();
  dropLogin401(problems);
  await page.fill('#kiosk-code', code);
  await page.fill('#kiosk-secret', DEMO_PASSWORD);
  await page.click('[data-testid=kiosk-login]');
  await page.locator('#kiosk-main[data-screen=home][data-ready="1"]').waitFor();
  await page.locator('[data-testid=kiosk-unread]').waitFor();
  const unread = Number(await page.locator('[data-testid=kiosk-unread]').textContent());
  assert.ok(unread >= 2, `unread on the home button (${unread})`);
  await screenshot(page, 'kiosk-home-unread');

  await page.click('[data-testid=kiosk-inbox]');
  await page.locator('#kiosk-main[data-screen=inbox][data-ready="1"] [data-testid=kiosk-inbox-list]').waitFor();
  const tile = page.locator('[data-testid=kiosk-msg][data-kind=grant]', { hasText: GRANT_B });
  assert.ok((await tile.boundingBox()).height >= 64, 'a large touch target');
  await tile.click();
  await page.locator('[data-testid=kiosk-message][data-kind=grant]').waitFor();
  assert.equal((await page.locator('[data-testid=kiosk-amount]').textContent()).trim(), '3.25 万元');
  for (const b of ['kiosk-confirm', 'kiosk-decline']) {
    const box = await page.locator(`[data-testid=${b}]`).boundingBox();
    assert.ok(box.height >= 64 && box.width >= 64, `${b}: a large touch target`);
  }
  const clauseFont = await page.locator('[data-testid=clauses] .clause-text').first().evaluate((el) => parseFloat(getComputedStyle(el).fontSize));
  assert.ok(clauseFont >= 18, `the explanation readable at a kiosk (${clauseFont}px)`);
  await page.click('[data-testid=kiosk-decline]');
  await page.click('[data-testid=kiosk-decline-go]');
  await page.waitForFunction(() => /谢绝理由/.test(document.querySelector('[data-testid=kiosk-error]')?.textContent || ''));
  await page.locator('.kiosk-decline .kiosk-cat').first().click();
  const declined = page.waitForResponse((r) => /\/decline$/.test(r.url()));
  await page.click('[data-testid=kiosk-decline-go]');
  assert.equal((await declined).status(), 200);
  await page.locator('[data-testid=kiosk-done]').waitFor();
  await screenshot(page, 'kiosk-declined');

  /* back home: the count fell (the grant was read) */
  await page.click('[data-testid=kiosk-done] .kbtn:not(.kbtn-primary)');
  await page.locator('#kiosk-main[data-screen=home][data-ready="1"]').waitFor();
  await page.waitForFunction((n) => Number(document.querySelector('[data-testid=kiosk-unread]')?.textContent || 0) < n, unread);
  await page.click('[data-testid=kiosk-logout]');
  await page.locator('#kiosk-main[data-screen=login][data-ready="1"]').waitFor();
  assertClean(problems, 'the kiosk inbox');
  await context.close();

  /* the officer marks the confirmed grant of batch A paid */
  const off = await newPage();
  await login(off.page, off.problems, 'officer01', DEMO_PASSWORD);
  await open(off.page, `#/policies/batch/${batchA}`);
  await off.page.selectOption('[data-testid=items-state]', 'confirmed');
  await off.page.locator('[data-testid=pick]').first().check();
  await off.page.click('[data-testid=batch-pay]');
  const paid = off.page.waitForResponse((r) => /\/paid$/.test(r.url()));
  await off.page.click('[data-testid=confirm-ok]');
  assert.equal((await paid).status(), 200);
  await off.page.locator('[data-testid=kpi-paid] .kpi-value', { hasText: '1' }).waitFor();
  assertClean(off.problems, 'marking paid');
  await off.context.close();
});
