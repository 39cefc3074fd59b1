// End-to-end: the enterprise name search gives exactly what a substring
// scan gives (issue 15).  Generated names over a small alphabet -- Chinese
// characters, Latin letters in both cases, digits, full-width digits and
// lower-case full-width letters -- are written through the import (the
// bulk path), through POST (one at a time) and renamed through PATCH and
// through a second import; then
// every 1- and 2-character query over the alphabet, and longer pieces of
// the names, are compared with a brute-force filter here: lower(name)
// contains lower(q) (ASCII case folded, as both stores' lower() does; the
// alphabet has nothing else that lower() would change), or, for a query of
// ASCII letters and digits, the credit code contains it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { adminServer, Client, importJob } from './lib.mjs';

const ALPHA = '0123456789ABCDEFGHJKLMNPQRTUWXY';
function orgCheck(body8) {
  const W = [3, 7, 9, 10, 5, 8, 4, 2];
  let s = 0;
  for (let i = 0; i < 8; i++) {
    const c = body8[i];
    s += (c >= '0' && c <= '9' ? Number(c) : c.charCodeAt(0) - 55) * W[i];
  }
  const c = 11 - (s % 11);
  return c === 10 ? 'X' : c === 11 ? '0' : String(c);
}
function ccCheck(code17) {
  const W = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
  let s = 0;
  for (let i = 0; i < 17; i++) s += ALPHA.indexOf(code17[i]) * W[i];
  const c = 31 - (s % 31);
  return ALPHA[c === 31 ? 0 : c];
}
const makeCode = (n) => {
  const c16 = '91320691MA1' + String(n).padStart(5, '0');
  const c17 = c16 + orgCheck(c16.slice(8));
  return c17 + ccCheck(c17);
};

// The alphabet: common and rare Chinese characters, ASCII letters of both
// cases, digits, full-width digits, lower-case full-width letters.
const CHARS = [...'南通科技公司鑫泰AaBbXx1209１２ａｂ'];
let seed = 15;
const rnd = (n) => {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed % n;
};
const makeName = () => {
  const len = 1 + rnd(7);
  let s = '';
  for (let i = 0; i < len; i++) s += CHARS[rnd(CHARS.length)];
  return s + '厂' + rnd(1000);   // unique enough, and never only letters and digits
};
const lowerAscii = (s) => s.replace(/[A-Z]/g, (c) => c.toLowerCase());

let admin;
let client;
const ents = new Map();   // id -> { code, name }

before(async () => {
  admin = await adminServer();
  client = new Client(admin.srv.url, admin.token);
  // 400 through the import
  const rows = ['credit_code,name'];
  const names = new Set();
  for (let n = 1; n <= 400; n++) {
    let name = makeName();
    while (names.has(name)) name = makeName();
    names.add(name);
    rows.push(`${makeCode(n)},${name}`);
  }
  const { job } = await importJob(client, '/api/v1/enterprises/import?mode=all&filename=gen.csv', rows.join('\n') + '\n');
  assert.equal(job.status, 'done', JSON.stringify(job));
  // 40 one at a time
  for (let n = 401; n <= 440; n++) {
    const r = await client.post('/api/v1/enterprises', { credit_code: makeCode(n), name: makeName() });
    assert.equal(r.status, 201, r.text);
  }
  for (let off = 0; ; off += 1000) {
    const r = await client.get(`/api/v1/enterprises?limit=1000&offset=${off}`);
    for (const e of r.json.items) ents.set(e.id, { code: e.credit_code, name: e.name });
    if (r.json.items.length < 1000) break;
  }
  assert.equal(ents.size, 440);
  // 30 renamed (their old grams must go)
  const ids = [...ents.keys()];
  for (let i = 0; i < 30; i++) {
    const id = ids[rnd(ids.length)];
    const name = makeName();
    const r = await client.patch(`/api/v1/enterprises/${id}`, { name });
    assert.equal(r.status, 200, r.text);
    ents.get(id).name = name;
  }
  // 30 renamed by importing their codes again (the import's bulk path)
  const again = ['credit_code,name'];
  const picked = new Set();
  while (picked.size < 30) picked.add(ids[rnd(ids.length)]);
  for (const id of picked) {
    const name = makeName();
    again.push(`${ents.get(id).code},${name}`);
    ents.get(id).name = name;
  }
  const re = await importJob(client, '/api/v1/enterprises/import?mode=all&filename=again.csv', again.join('\n') + '\n');
  assert.equal(re.job.status, 'done', JSON.stringify(re.job));
});

after(async () => {
  await admin?.close();
});

function expected(q) {
  const lq = lowerAscii(q);
  const alnum = /^[0-9A-Za-z]+$/.test(q);
  const out = [];
  for (const [id, e] of ents) {
    if (lowerAscii(e.name).includes(lq) || (alnum && e.code.includes(q.toUpperCase()))) out.push(id);
  }
  return out.sort((a, b) => a - b);
}

async function check(q) {
  const want = expected(q);
  const r = await client.get(`/api/v1/enterprises?q=${encodeURIComponent(q)}&limit=1000&sort=id`);
  assert.equal(r.status, 200, r.text);
  const got = r.json.items.map((e) => e.id);
  assert.deepEqual(got, want, `q=${q}: items`);
  assert.equal(r.json.total, want.length, `q=${q}: total`);
}

test('every 1-character query matches exactly what a scan finds', async () => {
  for (const c of CHARS) await check(c);
  await check('厂');
  await check('Z');
});

test('every 2-character query matches exactly what a scan finds', async () => {
  for (const a of CHARS) for (const b of CHARS) await check(a + b);
});

test('longer pieces of names, and sorted pages, match a scan', async () => {
  const names = [...ents.values()].map((e) => e.name);
  for (let i = 0; i < 150; i++) {
    const n = [...names[rnd(names.length)]];
    const from = rnd(n.length);
    const len = 3 + rnd(4);
    await check(n.slice(from, from + len).join(''));
  }
  // a page of a common gram, newest first
  const want = expected('南').reverse().slice(0, 7);
  const r = await client.get(`/api/v1/enterprises?q=${encodeURIComponent('南')}&limit=7&sort=-id`);
  assert.deepEqual(r.json.items.map((e) => e.id), want);
});

test('an import larger than two bulk batches (20,000 names each): nothing of it when its last row is bad, all of its grams merged when it is good', async () => {
  /* 41,000 names over ten characters none of the other tests use (and no
   * digits or letters, which the credit codes would match), so that the
   * import writes two batches in the background while it reads on (the
   * second waiting for the first) and the rest at the end, its grams
   * through the stage and one merge each (service/enterprise.c); then
   * counts compared with a scan here.  First with a bad last row: mode all
   * writes the batches before it finds that row and must leave nothing. */
  const TEN = [...'甲乙丙丁戊己庚辛壬癸'];
  const nameOf = (i) => `${TEN[i % 10]}${TEN[Math.floor(i / 10) % 10]}${TEN[Math.floor(i / 100) % 10]}`
    + `${TEN[Math.floor(i / 1000) % 10]}${TEN[Math.floor(i / 10000) % 10]}号`;
  const rows = ['credit_code,name'];
  const big = [];
  const N = 41000;
  for (let i = 0; i < N; i++) {
    big.push(nameOf(i));
    rows.push(`${makeCode(10000 + i)},${nameOf(i)}`);
  }
  const url = '/api/v1/enterprises/import?mode=all&filename=big.csv';
  const bad = await importJob(client, url, [...rows, `${makeCode(10000 + N)},`].join('\n') + '\n');
  assert.equal(bad.job.status, 'done', JSON.stringify(bad.job));
  assert.equal(bad.job.report.created, 0);
  assert.deepEqual(bad.job.report.errors.map((e) => [e.line, e.field, e.code]), [[N + 2, 'name', 'required']]);
  for (const q of ['甲', '号', nameOf(0), nameOf(N - 1)])
    assert.equal((await client.get(`/api/v1/enterprises?q=${encodeURIComponent(q)}&limit=1`)).json.total, 0, q);
  assert.equal((await client.get(`/api/v1/enterprises?q=${makeCode(10000)}&limit=1`)).json.total, 0);
  const { job } = await importJob(client, url, rows.join('\n') + '\n');
  assert.equal(job.status, 'done', JSON.stringify(job));
  assert.equal(job.report.created, N);
  for (const q of ['甲乙', '癸癸', '乙丙丁', '丙号', '甲乙丙丁戊号', '壬', nameOf(N - 1), nameOf(0), nameOf(20000), nameOf(39999)]) {
    const want = big.filter((n) => n.includes(q)).length;
    const r = await client.get(`/api/v1/enterprises?q=${encodeURIComponent(q)}&limit=5`);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.total, want, `q=${q}: total`);
    for (const e of r.json.items)
      assert.ok(e.name.includes(q), `q=${q}: ${e.name}`);
  }
});
