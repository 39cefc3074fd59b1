// End-to-end: HTTP framing that libmicrohttpd 0.9.75 lets through, limits,
// keep-alive, the header deadline and the per-address connection cap.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { adminServer, rawHttp, statusOf, bodyOf } from './lib.mjs';

let S;
before(async () => { S = await adminServer(['--header-timeout', '2', '--per-ip', '6']); });
after(async () => { await S.close(); });

const cases = [
  ['two Content-Length headers', 'POST /api/v1/session HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\n{}', 'bad_framing'],
  ['Content-Length with Transfer-Encoding', 'POST /api/v1/session HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', 'bad_framing'],
  ['duplicate Host', 'GET /healthz HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n', 'bad_framing'],
  ['control byte in a header value', 'GET /healthz HTTP/1.1\r\nHost: a\r\nX-Test: a\x01b\r\n\r\n', 'bad_header'],
  ['%00 in the path', 'GET /index.html%00.txt HTTP/1.1\r\nHost: a\r\n\r\n', 'bad_path'],
  ['overlong UTF-8 in the path', 'GET /%c0%ae%c0%ae/etc HTTP/1.1\r\nHost: a\r\n\r\n', 'bad_path'],
  ['invalid UTF-8 in the path', 'GET /%ff HTTP/1.1\r\nHost: a\r\n\r\n', 'bad_path'],
  ['broken percent-escape', 'GET /%zz HTTP/1.1\r\nHost: a\r\n\r\n', 'bad_path'],
  ['invalid UTF-8 in the query', 'GET /api/v1/me?q=%ff HTTP/1.1\r\nHost: a\r\n\r\n', 'bad_query'],
];

for (const [name, req, code] of cases) {
  test(`400 for ${name}`, async () => {
    const raw = await rawHttp(S.srv.port, req);
    assert.equal(statusOf(raw), 400, raw);
    assert.equal(bodyOf(raw).error.code, code);
  });
}

test('Content-Length over the limit is 413 before the body is read', async () => {
  const raw = await rawHttp(S.srv.port, `POST /api/v1/streets HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer ${S.token}\r\nContent-Length: 99999999\r\n\r\n`);
  assert.equal(statusOf(raw), 413, raw);
  // a caller the route does not admit learns only that
  const anon = await rawHttp(S.srv.port, 'POST /api/v1/streets HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999\r\n\r\n');
  assert.equal(statusOf(anon), 401, anon);
});

test('a chunked body that outgrows the limit is 413', async () => {
  const chunk = 'x'.repeat(0x10000);
  let req = `POST /api/v1/streets HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer ${S.token}\r\nTransfer-Encoding: chunked\r\n\r\n`;
  for (let i = 0; i < 20; i++) req += '10000\r\n' + chunk + '\r\n';
  req += '0\r\n\r\n';
  const raw = await rawHttp(S.srv.port, req, 4000);
  assert.equal(statusOf(raw), 413, raw.slice(0, 200));
});

test('keep-alive: two requests on one connection, no Connection: close', async () => {
  const raw = await rawHttp(S.srv.port, 'GET /healthz HTTP/1.1\r\nHost: a\r\n\r\nGET /healthz HTTP/1.1\r\nHost: a\r\n\r\n', 1000);
  const answers = raw.match(/HTTP\/1\.1 200/g) || [];
  assert.equal(answers.length, 2, raw);
  assert.doesNotMatch(raw, /Connection: close/i);
});

test('a slow drip of headers is cut off at the header deadline', async () => {
  const t0 = Date.now();
  const closed = await new Promise(resolve => {
    const s = net.connect(S.srv.port, '127.0.0.1');
    s.on('error', () => {});
    s.write('GET /healthz HTTP/1.1\r\n');
    const iv = setInterval(() => { if (!s.destroyed) s.write('X-Drip: 1\r\n'); }, 300);
    s.on('close', () => { clearInterval(iv); resolve(Date.now() - t0); });
    setTimeout(() => { clearInterval(iv); s.destroy(); resolve(-1); }, 10000);
  });
  assert.ok(closed > 0, 'connection was never closed');
  assert.ok(closed < 6000, `closed after ${closed} ms`);
});

test('per-address connection cap: the 7th idle connection is refused', async () => {
  const socks = [];
  for (let i = 0; i < 6; i++) {
    const s = net.connect(S.srv.port, '127.0.0.1');
    s.on('error', () => {});
    await new Promise(r => s.once('connect', r));
    socks.push(s);
  }
  await new Promise(r => setTimeout(r, 200));
  const extra = await rawHttp(S.srv.port, 'GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n', 1000);
  assert.notEqual(statusOf(extra), 200, 'expected refusal, got: ' + extra.slice(0, 80));
  socks.forEach(s => s.destroy());
  await new Promise(r => setTimeout(r, 300));
  const after_ = await rawHttp(S.srv.port, 'GET /healthz HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
  assert.equal(statusOf(after_), 200);
});
