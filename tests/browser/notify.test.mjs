/*
 * notify.test.mjs -- reminders (issue 13) in Debian's Chromium: the 通知渠道
 * page, its add dialog (kind, target, secret, owner, events as checkboxes
 * with their Chinese names), the 发送测试消息 button against the local
 * receiver (tests/e2e/notify_receiver.mjs) -- the result shown next to the
 * button, a refusal shown in words --, a target the server refuses shown
 * next to its field; a department user's own channels; the admins' 通知发件箱
 * with its state filter and 重新发送 on a dead notice; "my notification
 * settings" on the account page with an error next to its field.  axe-core
 * finds no serious or critical violation; screenshots in Chinese and English
 * at 1440 and 390 px wide, and the page is never wider than the window.
 *
 * Same environment as the other browser tests (ZONEOPS_URL,
 * ZONEOPS_ADMIN_PASSWORD against a --demo server).  The test sets
 * notify.allowed_hosts (adding 127.0.0.1) and notify.max_attempts, and puts
 * them back at the end.  Screenshots go to ZONEOPS_SHOTS, else
 * build/screenshots.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import {
  DEMO_PASSWORD, skip, launch, shutdown, newPage, assertClean, dropStatus, login, open, fullShot, pageApi
} from './lib.mjs';
import { startReceiver } from '../e2e/notify_receiver.mjs';

const DESKTOP = { width: 1440, height: 900 };
const PHONE = { width: 390, height: 844 };
const OUT = resolve(process.env.ZONEOPS_SHOTS || process.env.ZONEOPS_A11Y_SHOTS || 'build/screenshots');
const SECRET = 'ui-secret-never-shown-42';
const stamp = Date.now().toString(36);
const ADMIN_PW = () => process.env.ZONEOPS_ADMIN_PASSWORD;

let rx = null;
let saved = null;   // the settings to put back

const api = pageApi;

async function user(name, password = DEMO_PASSWORD, viewport = DESKTOP, lang = 'zh') {
  const p = await newPage(viewport, { fn: (l) => localStorage.setItem('zoneops.lang', l), arg: lang });
  await login(p.page, p.problems, name, password);
  return p;
}

async function axe(page, where) {
  const r = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${where}: ${v.id} [${v.impact}] ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
}

/* The page is no wider than its window (tables scroll inside their box). */
async function noOverflow(page, where) {
  const [sw, w] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
  assert.ok(sw <= w + 1, `${where}: the page is ${sw}px wide in a ${w}px window`);
}

before(async () => {
  if (skip)
    return;
  await launch();
  mkdirSync(OUT, { recursive: true });
  rx = await startReceiver({ webhookSecret: SECRET });
  const a = await user('admin', ADMIN_PW());
  const s = (await api(a.page, 'GET', '/api/v1/settings')).json;
  saved = { 'notify.allowed_hosts': s['notify.allowed_hosts'], 'notify.max_attempts': s['notify.max_attempts'] };
  const r = await api(a.page, 'PATCH', '/api/v1/settings', {
    'notify.allowed_hosts': `${s['notify.allowed_hosts'] || ''},127.0.0.1`.replace(/^,/, ''), 'notify.max_attempts': '1' });
  assert.equal(r.status, 200, r.text);
  await a.context.close();
});

after(async () => {
  if (saved) {
    const a = await user('admin', ADMIN_PW());
    await api(a.page, 'PATCH', '/api/v1/settings', saved);
    await a.context.close();
  }
  await rx?.stop();
  await shutdown();
});

const ctx = {};

test('an admin adds a webhook channel for a department in the dialog, sends a test message and sees the result; a refused target is shown next to its field', { skip, timeout: 180000 }, async () => {
  const admin = await user('admin', ADMIN_PW());
  const me = (await api(admin.page, 'GET', '/api/v1/me')).json;
  assert.ok(me.permissions.includes('GET /api/v1/channels'));
  /* the navigation has both entries */
  await admin.page.locator('nav a[href="#/channels"]').waitFor();
  await admin.page.locator('nav a[href="#/outbox"]').waitFor();
  const depts = (await api(admin.page, 'GET', '/api/v1/departments')).json.items;
  const dept = depts.find((d) => d.name === '企业发展服务中心') || depts[0];
  ctx.deptId = dept.id;

  await open(admin.page, '#/channels');
  await admin.page.click('[data-testid=ch-add]');
  await admin.page.locator('.modal form').waitFor();
  /* the event kinds by their Chinese names */
  const labels = await admin.page.locator('.modal [data-testid=ch-events] .check-item span').allTextContents();
  for (const n of ['诉求提交', '诉求超期', '每日摘要', '政策批次待审批']) assert.ok(labels.includes(n), `${n} in ${labels}`);
  await admin.page.selectOption('.modal [name=kind]', 'webhook');
  await admin.page.fill('.modal [name=name]', `前服中心提醒 ${stamp}`);
  /* a target on a host that is not allowed: the server's words next to the field */
  await admin.page.fill('.modal [name=target]', 'https://not-allowed.example/hook');
  await admin.page.fill('.modal [name=secret]', SECRET);
  await admin.page.selectOption('.modal [name=department_id]', `department_id:${dept.id}`);
  await admin.page.check('.modal [data-testid="ev-request.overdue"]');
  await admin.page.check('.modal [data-testid="ev-digest"]');
  let answer = admin.page.waitForResponse((r) => r.url().endsWith('/api/v1/channels') && r.request().method() === 'POST');
  await admin.page.click('[data-testid=ch-save]');
  assert.equal((await answer).status(), 422);
  const err = admin.page.locator('.modal .field.has-error:has([name=target]) .field-error');
  await err.waitFor();
  assert.match(await err.textContent(), /地址不可用|允许/);
  dropStatus(admin.problems, 422);

  await admin.page.fill('.modal [name=target]', `http://127.0.0.1:${rx.httpPort}/hook/ui-${stamp}`);
  answer = admin.page.waitForResponse((r) => r.url().endsWith('/api/v1/channels') && r.request().method() === 'POST');
  await admin.page.click('[data-testid=ch-save]');
  const res = await answer;
  assert.equal(res.status(), 201, await res.text());
  const ch = await res.json();
  ctx.channel = ch;
  await admin.page.locator('.modal').waitFor({ state: 'detached' });
  const row = admin.page.locator('#view table.channels tr', { hasText: `前服中心提醒 ${stamp}` });
  await row.waitFor();
  const rowText = await row.textContent();
  assert.match(rowText, /Webhook/);
  assert.match(rowText, /诉求超期、每日摘要/);
  assert.match(rowText, /已设置/);
  assert.ok(!(await admin.page.content()).includes(SECRET), 'the secret is nowhere on the page');

  /* the test button: sent, then refused by the receiver */
  const before = rx.messages.length;
  await admin.page.click(`[data-testid=ch-test-${ch.id}]`);
  const out = admin.page.locator(`[data-testid=ch-test-result-${ch.id}]`);
  await admin.page.waitForFunction((id) => /发送成功/.test(document.querySelector(`[data-testid=ch-test-result-${id}]`)?.textContent || ''), ch.id);
  assert.match(await out.textContent(), /发送成功（HTTP 200/);
  const got = rx.messages.slice(before).filter((m) => m.dest === `ui-${stamp}`);
  assert.equal(got.length, 1);
  assert.equal(got[0].verified, true, 'signed with the stored secret');
  rx.fail(1);
  await admin.page.click(`[data-testid=ch-test-${ch.id}]`);
  await admin.page.waitForFunction((id) => /发送失败/.test(document.querySelector(`[data-testid=ch-test-result-${id}]`)?.textContent || ''), ch.id);
  dropStatus(admin.problems, 502);

  /* edit: a new name, the secret kept */
  await admin.page.click(`[data-testid=ch-edit-${ch.id}]`);
  await admin.page.locator('.modal form').waitFor();
  assert.equal(await admin.page.inputValue('.modal [name=secret]'), '', 'the secret is not in the form');
  await admin.page.fill('.modal [name=name]', `前服中心值班群 ${stamp}`);
  await admin.page.click('[data-testid=ch-save]');
  await admin.page.locator('.modal').waitFor({ state: 'detached' });
  await admin.page.locator('#view table.channels tr', { hasText: `前服中心值班群 ${stamp}` }).waitFor();
  const after = (await api(admin.page, 'GET', '/api/v1/channels')).json.items.find((x) => x.id === ch.id);
  assert.equal(after.has_secret, true);
  assertClean(admin.problems, 'the admin on #/channels');
  await admin.context.close();
});

test('a department user sees its department\'s channel and tests it; on a phone, in both languages', { skip, timeout: 180000 }, async () => {
  for (const lang of ['zh', 'en']) {
    const d = await user('dept.qfzx', DEMO_PASSWORD, PHONE, lang);
    await open(d.page, '#/channels');
    const row = d.page.locator('#view table.channels tr', { hasText: stamp });
    await row.waitFor();
    await noOverflow(d.page, `dept.qfzx ${lang} #/channels`);
    await fullShot(d.page, join(OUT, `channels-dept-${lang}-390.png`));
    if (lang === 'en') {
      await d.page.click(`[data-testid=ch-test-${ctx.channel.id}]`);
      await d.page.waitForFunction((id) => /Sent \(HTTP 200/.test(document.querySelector(`[data-testid=ch-test-result-${id}]`)?.textContent || ''), ctx.channel.id);
    }
    assertClean(d.problems, `dept.qfzx ${lang}`);
    await d.context.close();
  }
});

test('the outbox: a notice that could not be sent is given up, shown with its error, and resent', { skip, timeout: 180000 }, async () => {
  const admin = await user('admin', ADMIN_PW());
  /* the officer of ent.hengtai gets a channel the receiver refuses; the enterprise files a request */
  const ent = await user('ent.hengtai');
  const entId = (await api(ent.page, 'GET', '/api/v1/me')).json.enterprise_id;
  const officer = (await api(admin.page, 'GET', `/api/v1/enterprises/${entId}`)).json.officer_id;
  const c = await api(admin.page, 'POST', '/api/v1/channels', { kind: 'webhook', name: `会失败的渠道 ${stamp}`,
    target: `http://127.0.0.1:${rx.httpPort}/hook/dead-${stamp}`, secret: 'a-wrong-secret', user_id: officer });
  assert.equal(c.status, 201, c.text);
  const rq = await api(ent.page, 'POST', '/api/v1/requests', { enterprise_id: entId, category: 'financing',
    title: `贷款贴息咨询 ${stamp}`, description: '想了解技改贷款贴息的申报条件。' });
  assert.equal(rq.status, 201, rq.text);
  await ent.context.close();
  /* one attempt (notify.max_attempts 1), refused for the wrong signature: dead */
  let dead = null;
  for (let i = 0; i < 60 && !dead; i++) {
    const l = (await api(admin.page, 'GET', '/api/v1/notifications?state=dead&limit=100')).json.items;
    dead = l.find((n) => n.channel_id === c.json.id) || null;
    if (!dead)
      await admin.page.waitForTimeout(500);
  }
  assert.ok(dead, 'the notice to the refusing channel is dead after one attempt');

  await open(admin.page, '#/outbox?state=dead');
  const row = admin.page.locator('#view table.outbox tr', { hasText: `会失败的渠道 ${stamp}` });
  await row.waitFor();
  assert.match(await row.textContent(), /已放弃/);
  assert.match(await row.textContent(), /诉求提交/);
  await admin.page.click(`[data-testid=ob-history-${dead.id}]`);
  await admin.page.locator('.modal table').waitFor();
  await admin.page.keyboard.press('Escape');
  /* fix the secret, resend: it is sent */
  await api(admin.page, 'PATCH', `/api/v1/channels/${c.json.id}`, { secret: SECRET });
  await admin.page.click(`[data-testid=ob-resend-${dead.id}]`);
  let sent = false;
  for (let i = 0; i < 60 && !sent; i++) {
    sent = (await api(admin.page, 'GET', `/api/v1/notifications/${dead.id}`)).json.state === 'sent';
    if (!sent)
      await admin.page.waitForTimeout(500);
  }
  assert.ok(sent, 'the resent notice is sent');
  assert.ok(rx.messages.some((m) => m.dest === `dead-${stamp}` && m.verified));
  await api(admin.page, 'DELETE', `/api/v1/channels/${c.json.id}`);
  assertClean(admin.problems, 'the admin on #/outbox');
  await admin.context.close();
});

test('my notification settings on the account page: an error next to its field, then saved', { skip, timeout: 120000 }, async () => {
  const o = await user('officer01');
  await open(o.page, '#/account');
  await o.page.locator('[data-testid=prefs] form').waitFor();
  await o.page.check('[data-testid=prefs] [data-testid="ev-request.overdue"]');
  await o.page.fill('[data-testid=prefs-from]', '22:00');
  await o.page.fill('[data-testid=prefs-to]', '07:30');
  await o.page.fill('[data-testid=prefs-email]', 'not an address');
  let answer = o.page.waitForResponse((r) => r.url().endsWith('/api/v1/me/notify') && r.request().method() === 'PUT');
  await o.page.click('[data-testid=prefs-save]');
  assert.equal((await answer).status(), 422);
  const err = o.page.locator('[data-testid=prefs] .field.has-error:has([name=email]) .field-error');
  await err.waitFor();
  assert.match(await err.textContent(), /电子邮箱/);
  dropStatus(o.problems, 422);
  await o.page.fill('[data-testid=prefs-email]', 'officer01@example.com');
  answer = o.page.waitForResponse((r) => r.url().endsWith('/api/v1/me/notify') && r.request().method() === 'PUT');
  await o.page.click('[data-testid=prefs-save]');
  assert.equal((await answer).status(), 200);
  const p = (await api(o.page, 'GET', '/api/v1/me/notify')).json;
  assert.deepEqual([p.events, p.quiet_from, p.quiet_to, p.email], [['request.overdue'], '22:00', '07:30', 'officer01@example.com']);
  assertClean(o.problems, 'officer01 on #/account');
  await o.context.close();
});

test('the settings page: the notices\' settings, a bad value next to its field, the SMTP password never shown', { skip, timeout: 120000 }, async () => {
  const a = await user('admin', ADMIN_PW());
  const before = (await api(a.page, 'GET', '/api/v1/settings')).json;
  await open(a.page, '#/settings');
  const form = a.page.locator('.settings-notify form');
  await form.waitFor();
  assert.equal(await form.locator('[name="notify.allowed_hosts"]').inputValue(), before['notify.allowed_hosts']);
  await form.locator('[name="notify.max_attempts"]').fill('0');
  let answer = a.page.waitForResponse((r) => r.url().endsWith('/api/v1/settings') && r.request().method() === 'PATCH');
  await form.locator('[data-testid=settings-notify-save]').click();
  assert.equal((await answer).status(), 422);
  await form.locator('.field.has-error:has([name="notify.max_attempts"]) .field-error').waitFor();
  dropStatus(a.problems, 422);
  await form.locator('[name="notify.max_attempts"]').fill('5');
  await form.locator('[name="smtp.password"]').fill('smtp-pass-never-shown');
  answer = a.page.waitForResponse((r) => r.url().endsWith('/api/v1/settings') && r.request().method() === 'PATCH');
  await form.locator('[data-testid=settings-notify-save]').click();
  const sent = JSON.parse((await answer).request().postData());
  /* only what changed goes to the server */
  assert.deepEqual(Object.keys(sent).sort(), ['notify.max_attempts', 'smtp.password']);
  const now = (await api(a.page, 'GET', '/api/v1/settings')).json;
  assert.equal(now['notify.max_attempts'], '5');
  assert.equal(now['smtp.password'], '');
  assert.equal(now['smtp.password_set'], true);
  /* the page again: the password field is empty and says one is set */
  await open(a.page, '#/settings');
  const pw = a.page.locator('.settings-notify [name="smtp.password"]');
  await pw.waitFor();
  assert.equal(await pw.inputValue(), '');
  assert.match(await pw.getAttribute('placeholder'), /已设置/);
  assert.ok(!(await a.page.content()).includes('smtp-pass-never-shown'));
  const r = await api(a.page, 'PATCH', '/api/v1/settings', { 'notify.max_attempts': before['notify.max_attempts'], 'smtp.password': '' });
  assert.equal(r.status, 200, r.text);
  assertClean(a.problems, 'admin on #/settings');
  await a.context.close();
});

test('axe and screenshots: channels, the add dialog, the outbox, the account page and the settings in Chinese and English at 1440 and 390 px', { skip, timeout: 480000 }, async () => {
  const found = [];
  for (const lang of ['zh', 'en']) {
    for (const vp of [DESKTOP, PHONE]) {
      const w = vp.width;
      const a = await user('admin', ADMIN_PW(), vp, lang);
      await open(a.page, '#/channels');
      await a.page.locator('#view table.channels').waitFor();
      found.push(...await axe(a.page, `${lang} ${w} #/channels`));
      await noOverflow(a.page, `${lang} ${w} #/channels`);
      await fullShot(a.page, join(OUT, `channels-${lang}-${w}.png`));
      await a.page.click('[data-testid=ch-add]');
      await a.page.locator('.modal form').waitFor();
      found.push(...await axe(a.page, `${lang} ${w} add dialog`));
      await a.page.screenshot({ path: join(OUT, `channel-dialog-${lang}-${w}.png`) });
      await a.page.keyboard.press('Escape');
      await open(a.page, '#/outbox');
      await a.page.locator('#view [data-testid=ob-list] table').waitFor();
      found.push(...await axe(a.page, `${lang} ${w} #/outbox`));
      await noOverflow(a.page, `${lang} ${w} #/outbox`);
      await fullShot(a.page, join(OUT, `outbox-${lang}-${w}.png`));
      await open(a.page, '#/account');
      await a.page.locator('[data-testid=prefs] form').waitFor();
      found.push(...await axe(a.page, `${lang} ${w} #/account`));
      await noOverflow(a.page, `${lang} ${w} #/account`);
      await fullShot(a.page, join(OUT, `account-notify-${lang}-${w}.png`));
      await open(a.page, '#/settings');
      await a.page.locator('.settings-notify form').waitFor();
      found.push(...await axe(a.page, `${lang} ${w} #/settings`));
      await noOverflow(a.page, `${lang} ${w} #/settings`);
      await a.page.locator('.settings-notify').scrollIntoViewIfNeeded();
      await a.page.screenshot({ path: join(OUT, `settings-notify-${lang}-${w}.png`) });
      assertClean(a.problems, `admin ${lang} ${w}`);
      await a.context.close();
    }
  }
  assert.deepEqual(found, [], `serious or critical accessibility violations:\n  ${found.join('\n  ')}`);
});
