// End-to-end: the GB/T 4754-2017 classification the server ships
// (GET /api/v1/industries) is the reference file's, level by level and code
// by code; filters by level and parent; and the registry refuses a code the
// classification does not have, naming it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { adminServer, Client } from './lib.mjs';

// The reference file: code,level,name,parent (no quoted fields; checked).
const lines = readFileSync(new URL('../../docs/reference/gbt4754-2017.csv', import.meta.url), 'utf8').trim().split(/\r?\n/);
assert.equal(lines[0], 'code,level,name,parent');
const ref = lines.slice(1).map((l) => {
  assert.ok(!l.includes('"'), l);
  const [code, level, name, parent] = l.split(',');
  return { code, level: Number(level), name, parent: parent || null };
});

let env, admin;
before(async () => {
  env = await adminServer();
  admin = new Client(env.srv.url, env.token);
});
after(async () => { await env.close(); });

test('the whole classification, as in the reference file', async () => {
  const r = await admin.get('/api/v1/industries');
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.standard, 'GB/T 4754-2017');
  assert.equal(r.json.total, ref.length);
  const count = (items, l) => items.filter((i) => i.level === l).length;
  for (const l of [1, 2, 3, 4]) assert.equal(count(r.json.items, l), count(ref, l), `level ${l}`);
  assert.deepEqual([1, 2, 3, 4].map((l) => count(ref, l)), [20, 97, 473, 1380]);
  const byCode = new Map(r.json.items.map((i) => [i.code, i]));
  for (const x of ref) assert.deepEqual(byCode.get(x.code), x);
});

test('filters: a level, the levels up to one, the children of a code', async () => {
  let r = await admin.get('/api/v1/industries?level=1');
  assert.deepEqual(r.json.items.map((i) => i.code), 'ABCDEFGHIJKLMNOPQRST'.split(''));
  r = await admin.get('/api/v1/industries?max_level=2');
  assert.equal(r.json.total, 117);
  r = await admin.get('/api/v1/industries?parent=C38');
  assert.deepEqual(r.json.items.map((i) => i.code), ['C381', 'C382', 'C383', 'C384', 'C385', 'C386', 'C387', 'C389']);
  assert.equal((await admin.get('/api/v1/industries?parent=C99')).status, 422);
  assert.equal((await admin.get('/api/v1/industries?level=5')).status, 422);
});

test('the registry takes codes of the classification only, and names the one it refuses', async () => {
  const ok = await admin.get('/api/v1/industries?level=4&parent=C384');
  assert.ok(ok.json.items.some((i) => i.code === 'C3841' && i.name === '锂离子电池制造'));
  // 91320691MA1MXK3P7G: a valid credit code of the zone
  const r = await admin.post('/api/v1/enterprises', { credit_code: '91320691MA1MXK3P7G', name: '南通行业校验有限公司', industry: 'C3850' });
  assert.equal(r.status, 422, r.text);
  assert.equal(r.json.error.field, 'industry');
  assert.equal(r.json.error.params.reason, 'unknown_industry');
  assert.match(r.json.error.message, /C3850/);
});
