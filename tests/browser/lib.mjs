/*
 * lib.mjs -- what the browser tests share: the browser (Debian's Chromium
 * through playwright-core), pages that record console errors, page errors
 * and failed requests, logging in, waiting for a page, and credit codes.
 * Not a test file itself (node --test runs *.test.mjs).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

export const BASE = (process.env.ZONEOPS_URL || '').replace(/\/+$/, '');
export const PASSWORD = process.env.ZONEOPS_ADMIN_PASSWORD || '';
export const SHOTS = process.env.ZONEOPS_SHOTS || '';          // directory for screenshots (optional)
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
export const DEMO_PASSWORD = 'demo-password';
export const skip = !BASE || !PASSWORD ? 'set ZONEOPS_URL and ZONEOPS_ADMIN_PASSWORD to run the browser tests' : false;

export const LAPTOP = { width: 1366, height: 768 };
export const KIOSK = { width: 1280, height: 1024 };
export const TIMEOUT = 15000;

let browser = null;
let profile = null;

export async function launch() {
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
  return browser;
}

export async function shutdown() {
  if (browser)
    await browser.close();
  if (profile)
    rmSync(profile, { recursive: true, force: true });
  browser = null;
}

/* A page that records console errors, page errors and failed requests. */
export async function newPage(viewport = LAPTOP, init) {
  const context = await browser.newContext({ viewport, locale: 'zh-CN', reducedMotion: 'reduce', acceptDownloads: true });
  context.setDefaultTimeout(TIMEOUT);
  if (init)
    await context.addInitScript(init.fn, init.arg);
  const page = await context.newPage();
  const problems = [];
  page.on('console', (m) => {
    if (m.type() === 'error')
      problems.push(`console: ${m.text()} (${m.location().url || '?'})`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => {
    /* A download the page does not read is reported as aborted. */
    if (!/\/export\?/.test(r.url()))
      problems.push(`request failed: ${r.method()} ${r.url()} ${r.failure()?.errorText}`);
  });
  page.on('response', (r) => {
    if (r.status() >= 400)
      problems.push(`HTTP ${r.status()}: ${r.request().method()} ${r.url()}`);
  });
  return { context, page, problems };
}

export function assertClean(problems, where) {
  assert.deepEqual(problems, [], `errors on ${where}:\n  ${problems.join('\n  ')}`);
}

/* Drop the 401s the login page causes on purpose (and their console lines). */
export function dropLogin401(problems) {
  const keep = problems.filter((p) => !(/HTTP 401: (GET \S+\/api\/v1\/me|POST \S+\/api\/v1\/session)$/.test(p)
    || /^console: Failed to load resource: the server responded with a status of 401/.test(p)));
  problems.length = 0;
  problems.push(...keep);
}

/* Drop the answers with this status (a refusal the test asks for). */
export function dropStatus(problems, status) {
  const keep = problems.filter((p) => !p.startsWith(`HTTP ${status}:`) && !p.includes(`status of ${status}`));
  problems.length = 0;
  problems.push(...keep);
}

export async function login(page, problems, username = 'admin', password = PASSWORD) {
  await page.goto(`${BASE}/`);
  await page.locator('#login-username').waitFor();
  await page.fill('#login-username', username);
  await page.fill('#login-password', password);
  await page.click('.login-form button[type=submit]');
  await page.locator('.topbar').waitFor();
  dropLogin401(problems);
}

/* Wait until the page for route id has finished loading. */
export async function ready(page, id) {
  await page.locator(`#view[data-route="${id}"][data-ready="1"]`).waitFor();
}

/* Go to #/hash (again, when it is the current one: fresh data) and wait
 * for its page.  Resolves after the app has seen the hash change, so the
 * previous page's "ready" cannot be mistaken for this one's. */
export async function open(page, hash) {
  await page.evaluate((h) => new Promise((resolve) => {
    if (location.hash === h) {
      window.dispatchEvent(new HashChangeEvent('hashchange'));
      resolve();
      return;
    }
    window.addEventListener('hashchange', () => resolve(), { once: true });
    location.hash = h;
  }), hash);
  await ready(page, hash.replace(/^#\//, '').split(/[/?]/)[0]);
}

export async function screenshot(page, name) {
  if (!SHOTS)
    return;
  mkdirSync(SHOTS, { recursive: true });
  await page.evaluate(() => document.querySelectorAll('.toasts').forEach((t) => t.remove()));
  await page.screenshot({ path: join(SHOTS, `${name}.png`) });
}

/* The whole page as a picture at path: the content scrolls inside #view, so
 * the window is made as tall as the content for the picture (at most
 * 6000 px), then put back. */
export async function fullShot(page, path) {
  await page.evaluate(() => document.querySelectorAll('.toasts').forEach((t) => t.remove()));
  const vp = page.viewportSize();
  const tall = await page.evaluate(() => {
    const v = document.getElementById('view');
    return Math.ceil(v ? v.scrollHeight + v.getBoundingClientRect().top : document.documentElement.scrollHeight);
  });
  if (tall > vp.height) {
    await page.setViewportSize({ width: vp.width, height: Math.min(tall, 6000) });
    await page.waitForTimeout(250);
  }
  await page.screenshot({ path, fullPage: true });
  if (tall > vp.height)
    await page.setViewportSize(vp);
}

/* ---------- unified social credit codes (GB 32100-2015) ---------- */

const CHARS = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const W31 = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
const W11 = [3, 7, 9, 10, 5, 8, 4, 2];

function orgCheck(body8) {
  const v = (c) => (/\d/.test(c) ? Number(c) : c.charCodeAt(0) - 55);
  const s = [...body8].reduce((a, c, i) => a + v(c) * W11[i], 0);
  const c = 11 - (s % 11);
  return c === 10 ? 'X' : c === 11 ? '0' : String(c);
}

function finalCheck(first17) {
  const s = [...first17].reduce((a, c, i) => a + CHARS.indexOf(c) * W31[i], 0);
  return CHARS[(31 - (s % 31)) % 31];
}

/* A valid, random credit code registered in the zone (region 320691). */
export function randomCreditCode() {
  let org = '';
  for (let i = 0; i < 8; i++)
    org += String(Math.floor(Math.random() * 10));
  const first17 = `91320691${org}${orgCheck(org)}`;
  return first17 + finalCheck(first17);
}

/* The same with a wrong final check character: fails only the checksum. */
export function badChecksum(code) {
  const good = code[17];
  const other = CHARS[(CHARS.indexOf(good) + 1) % CHARS.length];
  return code.slice(0, 17) + other;
}

/* Wait for a chart in sel (its container) to be drawn.  Charts are drawn
 * when they come near the viewport (web/js/chart.js), so it is scrolled into
 * view first, as a user would. */
export async function chartDrawn(page, sel) {
  /* a page drawing itself again (new data) replaces the container: the
   * locator then finds the new one */
  for (let tries = 1; ; tries++) {
    const box = page.locator(sel).first();
    try {
      await box.scrollIntoViewIfNeeded();
      await box.locator('canvas').first().waitFor();
      return;
    } catch (e) {
      if (tries >= 5 || !/not attached/.test(String(e && e.message)))
        throw e;
    }
  }
}

/* The API as a logged-in page's user (its session cookie and CSRF token):
 * {status, json (null when the answer is not JSON), text, type}. */
export async function pageApi(page, method, path, body) {
  return page.evaluate(async ([m, p, b]) => {
    const me = await (await fetch('/api/v1/me')).json();
    const r = await fetch(p, {
      method: m, headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': me.csrf_token || '' },
      body: b === null ? undefined : JSON.stringify(b),
    });
    const text = await r.text();
    let json = null;
    try {
      json = JSON.parse(text);
    } catch { /* not JSON */ }
    return { status: r.status, json, text, type: r.headers.get('Content-Type') || '' };
  }, [method, path, body ?? null]);
}
