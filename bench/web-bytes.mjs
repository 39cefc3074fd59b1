// bench/web-bytes.mjs URL -- what the login page and the kiosk cost a
// browser: Debian's Chromium (playwright-core) opens each in a fresh
// context (cold: empty cache), then again in a new tab of the same context
// (warm: a returning user), and counts, from the DevTools protocol, the
// requests that went to the network and the bytes transferred (headers and
// bodies as sent, i.e. compressed: encodedDataLength).  Prints one JSON
// line per page and visit.
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const base = process.argv[2];
const PAGES = [
  ['login', '/', '#login-username'],
  ['kiosk', '/#/kiosk', '[data-testid="kiosk"]'],
];

async function visit(context, url, ready) {
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  const reqs = new Map();
  cdp.on('Network.requestWillBeSent', (e) => { reqs.set(e.requestId, { url: e.request.url, bytes: 0, cached: false, status: 0 }); });
  cdp.on('Network.requestServedFromCache', (e) => { if (reqs.has(e.requestId)) reqs.get(e.requestId).cached = true; });
  cdp.on('Network.responseReceived', (e) => {
    const r = reqs.get(e.requestId);
    if (r) {
      r.status = e.response.status;
      r.cached = r.cached || e.response.fromDiskCache || e.response.fromPrefetchCache;
      r.encoding = e.response.headers['content-encoding'] || e.response.headers['Content-Encoding'] || '';
    }
  });
  cdp.on('Network.loadingFinished', (e) => { if (reqs.has(e.requestId)) reqs.get(e.requestId).bytes = e.encodedDataLength; });
  await page.goto(url, { waitUntil: 'load' });
  await page.locator(ready).first().waitFor();
  await page.waitForLoadState('networkidle');
  await page.close();
  const net = [...reqs.values()].filter((r) => !r.cached && !r.url.startsWith('data:'));
  return {
    requests: net.length,
    bytes: net.reduce((a, r) => a + r.bytes, 0),
    chart_library: [...reqs.values()].some((r) => /echarts/.test(r.url)),
    detail: net.map((r) => `${r.status} ${r.encoding || 'identity'} ${r.bytes} ${r.url.replace(base, '')}`),
  };
}

const profile = mkdtempSync(join(tmpdir(), 'zoneops-bench-'));
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  env: { ...process.env, TMPDIR: profile, HOME: profile },
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  for (const [name, path, ready] of PAGES) {
    const context = await browser.newContext();
    const cold = await visit(context, base + path, ready);
    const warm = await visit(context, base + path, ready);
    await context.close();
    console.log(JSON.stringify({ page: name, cold, warm }));
  }
} finally {
  await browser.close();
  rmSync(profile, { recursive: true, force: true });
}
