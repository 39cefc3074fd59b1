// The browser's two languages: web/i18n/zh.js and web/i18n/en.js have the
// same keys, and each text uses the same {placeholders} in both, so that no
// page shows a raw key or an unfilled "{name}" in either language.
import { test } from 'node:test';
import assert from 'node:assert/strict';

const zh = (await import('../../web/i18n/zh.js')).default;
const en = (await import('../../web/i18n/en.js')).default;

const holes = (s) => [...String(s).matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

test('Chinese and English have the same keys', () => {
  const z = Object.keys(zh).sort(), e = Object.keys(en).sort();
  assert.deepEqual(z.filter((k) => !(k in en)), [], 'keys only in zh.js');
  assert.deepEqual(e.filter((k) => !(k in zh)), [], 'keys only in en.js');
  assert.ok(z.length > 500, `only ${z.length} keys`);
});

test('each text has the same placeholders in both languages', () => {
  const differ = Object.keys(zh).filter((k) => k in en && holes(zh[k]).join() !== holes(en[k]).join())
    .map((k) => `${k}: zh {${holes(zh[k])}} en {${holes(en[k])}}`);
  assert.deepEqual(differ, []);
});

test('every text is a string and none is empty in Chinese', () => {
  // English may leave a Chinese measure word out ('家' after a count: '')
  for (const [name, d] of [['zh', zh], ['en', en]])
    assert.deepEqual(Object.keys(d).filter((k) => typeof d[k] !== 'string'), [], name);
  assert.deepEqual(Object.keys(zh).filter((k) => zh[k].trim() === ''), []);
});
