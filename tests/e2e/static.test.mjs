// The UI's files as the default build serves them (build/web, made by
// scripts/build-web.sh; make test builds it): gzip, brotli or identity as
// Accept-Encoding asks, each decompressing to the file's bytes; Vary;
// assets under /assets/HASH/ immutable; index.html no-cache with a strong
// ETag and 304; JSON answers gzip-compressed from 1 KB on, not below.
// Raw bodies through node:http (fetch would decompress them itself).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import zlib from 'node:zlib';
import { readFileSync } from 'node:fs';
import { adminServer } from './lib.mjs';

const WEB = 'build/web';
const HASH = readFileSync(`${WEB}/.version`, 'utf8').trim();
let S;

before(async () => { S = await adminServer(['--web', WEB]); });
after(async () => { await S.close(); });

function get(path, headers = {}) {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port: S.srv.port, path, headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    }).on('error', reject);
  });
}

function decode(r) {
  const ce = r.headers['content-encoding'];
  if (ce === 'gzip')
    return zlib.gunzipSync(r.body);
  if (ce === 'br')
    return zlib.brotliDecompressSync(r.body);
  assert.equal(ce, undefined);
  return r.body;
}

const cases = [
  [undefined, undefined],
  ['gzip', 'gzip'],
  ['br', 'br'],
  ['gzip, deflate, br', 'br'],
  ['br;q=0.5, gzip;q=0.9', 'gzip'],
  ['gzip;q=1.0, br;q=1', 'br'],
  ['identity', undefined],
  ['gzip;q=0, br;q=0', undefined],
  ['*', 'br'],
  ['*;q=0.3, identity;q=0.5', undefined],
  ['deflate', undefined],
  ['BR ; Q=0.8 , gzip;q=0.2', 'br'],
];

for (const [path, file, cache] of [
  ['/', 'index.html', /^no-cache$/],
  ['/index.html', 'index.html', /^no-cache$/],
  [`/assets/${HASH}/app.js`, `assets/${HASH}/app.js`, /^public, max-age=31536000, immutable$/],
  [`/assets/${HASH}/app.css`, `assets/${HASH}/app.css`, /^public, max-age=31536000, immutable$/],
  [`/assets/${HASH}/vendor/echarts.esm.min.mjs`, `assets/${HASH}/vendor/echarts.esm.min.mjs`, /immutable/],
]) {
  test(`${path}: every coding decompresses to the file; Vary; ${cache}`, async () => {
    const bytes = readFileSync(`${WEB}/${file}`);
    const etags = new Set();
    for (const [ae, want] of cases) {
      const r = await get(path, ae === undefined ? {} : { 'Accept-Encoding': ae });
      assert.equal(r.status, 200, `${path} ${ae}`);
      assert.equal(r.headers['content-encoding'], want, `${path} with Accept-Encoding: ${ae}`);
      assert.ok(decode(r).equals(bytes), `${path} ${ae}: the bytes of the file`);
      assert.match(r.headers.vary || '', /Accept-Encoding/i);
      assert.match(r.headers['cache-control'], cache);
      assert.match(r.headers.etag, /^"[0-9a-f]+"$/, 'a strong ETag');
      if (want)
        assert.ok(r.body.length < bytes.length, `${path} ${want} is smaller`);
      etags.add(`${want}:${r.headers.etag}`);
      assert.equal(r.headers['x-content-type-options'], 'nosniff');
      assert.match(r.headers['content-security-policy'], /default-src 'self'/);
    }
    assert.equal(new Set([...etags].map((e) => e.split(':')[1])).size, 3, 'one ETag per coding');
  });
}

test('index.html: 304 on If-None-Match with its ETag (whatever the coding), 200 on another', async () => {
  const r = await get('/index.html', { 'Accept-Encoding': 'br' });
  const tag = r.headers.etag;
  for (const [inm, ae] of [[tag, 'br'], [tag, 'gzip'], [`"x", ${tag}`, undefined], ['*', 'br']]) {
    const again = await get('/index.html', { 'If-None-Match': inm, ...(ae ? { 'Accept-Encoding': ae } : {}) });
    assert.equal(again.status, 304, `${inm} ${ae}`);
    assert.equal(again.body.length, 0);
    assert.equal(again.headers['cache-control'], 'no-cache');
    assert.ok(again.headers.etag);
  }
  const other = await get('/index.html', { 'If-None-Match': '"0123"', 'Accept-Encoding': 'br' });
  assert.equal(other.status, 200);
  assert.equal(other.headers['content-encoding'], 'br');
  assert.equal(other.headers.etag, tag);
});

test('index.html names its assets under /assets/HASH/', async () => {
  const r = await get('/');
  const html = r.body.toString();
  assert.match(html, new RegExp(`<script type="module" src="/assets/${HASH}/app\\.js"></script>`));
  assert.match(html, new RegExp(`href="/assets/${HASH}/app\\.css"`));
  assert.doesNotMatch(html, /echarts/, 'no chart library on the first page');
});

test('unknown and hidden files, old versions and escapes: 404', async () => {
  for (const p of ['/.version', '/assets/0000000000/app.js', `/assets/${HASH}/nope.js`, '/app.js',
    `/assets/${HASH}/app.js.br`, '/../Makefile', '/%2e%2e/Makefile', `/assets/${HASH}/../../../Makefile`,
    '/vendor/echarts.min.js', '/api/v1/nope'])
    assert.equal((await get(p)).status, 404, p);
});

test('JSON: gzip from 1 KB on when accepted, with Vary; small answers and other clients as they were', async () => {
  const auth = { Authorization: `Bearer ${S.token}` };
  const big = await get('/api/v1/industries', { ...auth, 'Accept-Encoding': 'gzip, br' });
  assert.equal(big.status, 200);
  assert.equal(big.headers['content-encoding'], 'gzip');
  assert.match(big.headers.vary || '', /Accept-Encoding/);
  const plain = await get('/api/v1/industries', auth);
  assert.equal(plain.headers['content-encoding'], undefined);
  assert.match(plain.headers.vary || '', /Accept-Encoding/);
  assert.ok(plain.body.length >= 1024);
  assert.ok(zlib.gunzipSync(big.body).equals(plain.body), 'the same JSON');
  assert.ok(big.body.length < plain.body.length / 3);
  const no = await get('/api/v1/industries', { ...auth, 'Accept-Encoding': 'gzip;q=0' });
  assert.equal(no.headers['content-encoding'], undefined);
  const small = await get('/api/v1/settings', { 'Accept-Encoding': 'gzip' });
  assert.equal(small.status, 200);
  assert.equal(small.headers['content-encoding'], undefined);
  assert.ok(small.body.length < 1024);
  assert.equal(small.headers.vary, undefined);
  JSON.parse(small.body.toString());
  const err = await get('/api/v1/nope', { 'Accept-Encoding': 'gzip' });
  assert.equal(err.status, 404);
  assert.equal(err.headers['content-encoding'], undefined);
});
