// End-to-end: importing enterprises (CSV in UTF-8 and GBK, XLSX) through the
// API as background jobs with progress, dry runs, all-or-nothing and
// good-rows-only, per-row errors with their physical line numbers, the
// CLI, and the export to CSV and XLSX read back by the import (a round
// trip: every row an update, nothing changed) -- against a real server on
// the store under test.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { adminServer, Client, BIN, startServer } from './lib.mjs';

// ------------------------------------------------------------ credit codes

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
// A valid code of the zone (320691), numbered n (distinct for n < 10^7).
function code(n) {
  const c16 = '91320691M' + String(n).padStart(7, '0');
  const c17 = c16 + orgCheck(c16.slice(8));
  return c17 + ccCheck(c17);
}
const badCheck = (c) => c.slice(0, 17) + ALPHA[(ALPHA.indexOf(c[17]) + 1) % 31];

// ------------------------------------------------------------ files

const CN = ['统一社会信用代码', '企业名称', '所属街道', '行业代码', '重点企业', '首席服务员', '挂钩部门', '联系人',
  '联系电话', '员工人数', '注册资本(万元)', '用地面积(亩)', '成立日期'];

const q = (v) => (/[",\r\n]/.test(String(v)) ? '"' + String(v).replace(/"/g, '""') + '"' : String(v));
const csvText = (rows, header = CN, eol = '\n') =>
  [header, ...rows].map((r) => r.map(q).join(',')).join(eol) + eol;

// A good row for enterprise number n.
function row(n, over = {}) {
  const r = {
    code: code(n), name: `南通测试${n}精密机械有限公司，二期`, street: '竹行街道', industry: 'C34', key: '否',
    officer: '', dept: '', contact: '陈静', phone: `138${String(n % 1e8).padStart(8, '0')}`,
    employees: String(n % 900 + 1), capital: String(n % 5000), land: String((n % 40) / 2), founded: '2018-07-25',
    ...over,
  };
  return [r.code, r.name, r.street, r.industry, r.key, r.officer, r.dept, r.contact, r.phone, r.employees,
    r.capital, r.land, r.founded];
}

const gbk = (text) => {
  const r = spawnSync('iconv', ['-f', 'UTF-8', '-t', 'GB18030'],
    { input: Buffer.from(text, 'utf8'), maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error('iconv: ' + r.stderr);
  return r.stdout;
};

// The CLI; like lib.mjs's cli() but with a large output buffer and the
// signal in the result.
function cli(db, args) {
  const r = spawnSync(BIN, [...args, '--db', db], { input: '', encoding: 'utf8', maxBuffer: 1 << 28 });
  return { status: r.status, signal: r.signal, error: r.error, stdout: r.stdout, stderr: r.stderr };
}
const ran = (r) => `status ${r.status} signal ${r.signal} error ${r.error}\n${r.stderr}`;

// ------------------------------------------------------------ the server

let env, admin, base, tmp;

async function upload(client, bytes, query = '') {
  return client.req('POST', '/api/v1/enterprises/import' + (query ? '?' + query : ''), bytes,
    { 'Content-Type': 'application/octet-stream', ...(client.csrf ? { 'X-CSRF-Token': client.csrf } : {}) });
}

// Upload and poll the job until it ends; returns {job, seen} where seen
// lists the (status, processed_rows) observed while polling.
async function importJob(bytes, query = '', client = admin) {
  const r = await upload(client, bytes, query);
  assert.equal(r.status, 202, r.text);
  assert.ok(Number.isInteger(r.json.id), r.text);
  assert.equal(r.json.status, 'queued');
  assert.equal(r.json.url, `/api/v1/imports/${r.json.id}`);
  const seen = [];
  const t0 = Date.now();
  for (;;) {
    const g = await client.get(`/api/v1/imports/${r.json.id}`);
    assert.equal(g.status, 200, g.text);
    seen.push([g.json.status, g.json.processed_rows, g.json.total_rows]);
    if (['done', 'failed', 'cancelled'].includes(g.json.status)) return { job: g.json, seen };
    if (Date.now() - t0 > 120000) throw new Error('import did not finish: ' + g.text);
    await new Promise((res) => setTimeout(res, 25));
  }
}

async function total(query = '') {
  const r = await admin.get('/api/v1/enterprises?limit=1' + (query ? '&' + query : ''));
  assert.equal(r.status, 200, r.text);
  return r.json.total;
}

async function byCode(c) {
  const r = await admin.get('/api/v1/enterprises?limit=5&q=' + encodeURIComponent(c));
  assert.equal(r.status, 200, r.text);
  return r.json.items.find((e) => e.credit_code === c);
}

async function download(format, query = '') {
  const res = await fetch(`${base}/api/v1/enterprises/export?format=${format}${query}`,
    { headers: { Authorization: `Bearer ${env.token}` } });
  return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
}

before(async () => {
  env = await adminServer();
  base = env.srv.url;
  admin = new Client(base, env.token);
  tmp = mkdtempSync(join(tmpdir(), 'zo-import-'));
  for (const name of ['竹行街道', '新开街道'])
    assert.equal((await admin.post('/api/v1/streets', { name })).status, 201);
  assert.equal((await admin.post('/api/v1/departments', { name: '经济发展局' })).status, 201);
  const off = await admin.post('/api/v1/users',
    { username: 'wangfang', display_name: '王芳', role: 'officer', password: 'officer-password-1' });
  assert.equal(off.status, 201, off.text);
  for (const [username, role] of [['leader1', 'leader'], ['leader2', 'leader'], ['officer2', 'officer']]) {
    const u = await admin.post('/api/v1/users', { username, display_name: username, role, password: 'pw-' + username + '-123' });
    assert.equal(u.status, 201, u.text);
  }
});

after(async () => {
  rmSync(tmp, { recursive: true, force: true });
  await env.close();
});

// ------------------------------------------------------------ tests

describe('import via the API', () => {
  test('a CSV import runs as a job with progress until done', async () => {
    const rows = [];
    for (let n = 1; n <= 3000; n++) rows.push(row(n));
    rows[0] = row(1, { key: '是', officer: '王芳', dept: '经济发展局' });      // officer by display name
    rows[1] = row(2, { key: '1', officer: 'wangfang', street: '新开街道' }); // by username
    const before = await total();
    const { job, seen } = await importJob(Buffer.from(csvText(rows)), 'filename=companies.csv');
    assert.equal(job.status, 'done', JSON.stringify(job.report));
    assert.equal(job.filename, 'companies.csv');
    assert.equal(job.mode, 'all');
    assert.equal(job.total_rows, 3000);
    assert.equal(job.processed_rows, 3000);
    assert.equal(job.created_rows, 3000);
    assert.equal(job.updated_rows, 0);
    assert.equal(job.error_rows, 0);
    assert.equal(job.report.created, 3000);
    assert.equal(job.report.written, true);
    assert.deepEqual(job.report.errors, []);
    assert.equal(job.report.encoding, 'utf-8');
    assert.ok(job.finished_at >= job.created_at);
    // progress never goes backwards
    for (let i = 1; i < seen.length; i++) assert.ok(seen[i][1] >= seen[i - 1][1], JSON.stringify(seen));
    assert.equal(await total(), before + 3000);
    const e1 = await byCode(code(1));
    assert.equal(e1.name, '南通测试1精密机械有限公司，二期');   // the full-width comma is text
    assert.equal(e1.key, true);
    assert.equal(e1.officer_name, '王芳');
    assert.equal(e1.department_name, '经济发展局');
    assert.equal(e1.street_name, '竹行街道');
    const e2 = await byCode(code(2));
    assert.equal(e2.street_name, '新开街道');
    assert.equal(e2.officer_name, '王芳');
  });

  test('a dry run reports what would change and writes nothing', async () => {
    const before = await total();
    const rows = [
      row(1, { key: '是', officer: '王芳', dept: '经济发展局', name: '南通新名字有限公司', employees: '999' }), // update
      row(3),                  // update, nothing different
      row(5001), row(5002),    // creates
    ];
    const { job } = await importJob(Buffer.from(csvText(rows)), 'dry_run=1');
    assert.equal(job.status, 'done');
    assert.equal(job.dry_run, true);
    assert.equal(job.report.dry_run, true);
    assert.equal(job.report.created, 2);
    assert.equal(job.report.updated, 2);
    assert.equal(job.report.written, false);
    const ch = job.report.changes;
    assert.equal(ch.length, 4);
    assert.deepEqual(ch.map((c) => [c.line, c.action]), [[2, 'update'], [3, 'update'], [4, 'create'], [5, 'create']]);
    assert.deepEqual(ch[0].fields, {
      name: { from: '南通测试1精密机械有限公司，二期', to: '南通新名字有限公司' },
      employees: { from: '2', to: '999' },
    });
    assert.deepEqual(ch[1].fields, {});
    assert.equal(ch[2].credit_code, code(5001));
    assert.equal(await total(), before);
    assert.equal((await byCode(code(1))).name, '南通测试1精密机械有限公司，二期');
    assert.equal(await byCode(code(5001)), undefined);
  });

  const mixed = () => {
    // lines: 1 header, 2 good, 3 bad code, 4-5 a bad row with an embedded
    // newline in its name, 6 good, 7 unknown street, 8 duplicate of line 2,
    // 9 good, 10 bad date and bad number, 11 good, 12 key without officer
    const rows = [
      row(6001),
      row(6002, { code: badCheck(code(6002)) }),
      row(6003, { name: '两行\n名字' }),
      row(6004),
      row(6005, { street: '不存在街道' }),
      row(6006, { code: code(6001) }),
      row(6007),
      row(6008, { founded: '2021-02-29', employees: '十二' }),
      row(6009),
      row(6010, { key: '是' }),
    ];
    return { text: csvText(rows), good: [6001, 6004, 6007, 6009], badLines: [3, 4, 7, 8, 10, 12] };
  };

  test('all-or-nothing: one bad row and nothing is written; every bad line is reported', async () => {
    const before = await total();
    const { text, badLines } = mixed();
    const { job } = await importJob(Buffer.from(text), 'mode=all');
    assert.equal(job.status, 'done');
    assert.equal(job.total_rows, 10);
    assert.equal(job.error_rows, 6);
    assert.equal(job.report.written, false);
    assert.equal(job.report.created, 0);
    assert.deepEqual([...new Set(job.report.errors.map((e) => e.line))], badLines);
    const by = (line) => job.report.errors.filter((e) => e.line === line);
    assert.equal(by(3)[0].field, 'credit_code');
    assert.equal(by(3)[0].code, 'invalid_credit_code');
    assert.equal(by(4)[0].field, 'name');
    assert.equal(by(7)[0].field, 'street');
    assert.equal(by(7)[0].code, 'unknown_street');
    assert.equal(by(8)[0].code, 'duplicate_in_file');
    assert.match(by(8)[0].message, /line 2/);
    assert.deepEqual(by(10).map((e) => e.field).sort(), ['employees', 'founded_on']);
    assert.equal(by(12)[0].field, 'officer_id');
    assert.equal(await total(), before);
  });

  test('good rows only: the good rows are written, the bad ones reported', async () => {
    const before = await total();
    const { text, good, badLines } = mixed();
    const { job } = await importJob(gbk(text), 'mode=good');   // and in GBK
    assert.equal(job.status, 'done');
    assert.equal(job.report.encoding, 'gb18030');
    assert.equal(job.mode, 'good');
    assert.equal(job.created_rows, good.length);
    assert.equal(job.error_rows, badLines.length);
    assert.deepEqual([...new Set(job.report.errors.map((e) => e.line))], badLines);
    assert.equal(await total(), before + good.length);
    for (const n of good) assert.equal((await byCode(code(n))).name, `南通测试${n}精密机械有限公司，二期`);
    assert.equal(await byCode(code(6003)), undefined);
  });

  test('a 10,000-row file with 1% bad rows lists exactly those lines', async () => {
    const rows = [];
    const bad = [];
    for (let i = 0; i < 10000; i++) {
      const n = 100000 + i;
      const line = i + 2;
      if (i % 100 === 37) {
        const kind = (i / 100) % 4 | 0;
        rows.push(kind === 0 ? row(n, { code: badCheck(code(n)) })
          : kind === 1 ? row(n, { name: '' })
            : kind === 2 ? row(n, { land: 'abc' })
              : row(n, { street: '没有这个街道' }));
        bad.push(line);
      } else rows.push(row(n));
    }
    const before = await total();
    const file = gbk(csvText(rows, CN, '\r\n'));
    let { job, seen } = await importJob(file, 'mode=all&filename=big.csv');
    assert.equal(job.status, 'done');
    assert.equal(job.total_rows, 10000);
    assert.equal(job.error_rows, 100);
    assert.deepEqual(job.report.errors.map((e) => e.line), bad);
    assert.equal(await total(), before);
    assert.ok(seen.length >= 1);
    ({ job } = await importJob(file, 'mode=good'));
    assert.equal(job.created_rows, 9900);
    assert.deepEqual(job.report.errors.map((e) => e.line), bad);
    assert.equal(await total(), before + 9900);
  });

  test('more bad rows than the report keeps: the first 1,000 listed, every one counted', async () => {
    // the per-line error list is capped (memory stays flat however many rows are bad)
    const rows = [];
    const bad = [];
    for (let i = 0; i < 3000; i++) {
      const n = 300000 + i;
      if (i % 2) {
        rows.push(row(n, { code: badCheck(code(n)) }));
        bad.push(i + 2);
      } else rows.push(row(n));
    }
    const before = await total();
    const { job } = await importJob(Buffer.from(csvText(rows)), 'mode=good');
    assert.equal(job.status, 'done');
    assert.equal(job.total_rows, 3000);
    assert.equal(job.error_rows, 1500);
    assert.equal(job.created_rows, 1500);
    assert.equal(job.report.error_count, 1500);
    assert.equal(job.report.errors_truncated, true);
    assert.deepEqual(job.report.errors.map((e) => e.line), bad.slice(0, 1000));
    assert.equal(await total(), before + 1500);
  });

  test('a stored credit code twice in a file: the first row updates, a later one is a duplicate of it', async () => {
    let { job } = await importJob(Buffer.from(csvText([row(9101), row(9104)])));
    assert.equal(job.report.created, 2);
    const rows = [row(9101, { name: '南通改名一有限公司' }), row(9102), row(9101, { name: '南通改名二有限公司' }),
      row(9104, { land: 'abc' }), row(9104, { name: '南通改名四有限公司' }), row(9102)];
    ({ job } = await importJob(Buffer.from(csvText(rows)), 'mode=good'));
    assert.equal(job.status, 'done');
    assert.equal(job.report.created, 1);
    assert.equal(job.report.updated, 1);
    assert.deepEqual(job.report.errors.map((e) => [e.line, e.field, e.code]),
      [[4, 'credit_code', 'duplicate_in_file'], [5, 'land_mu', 'invalid_number'],
        [6, 'credit_code', 'duplicate_in_file'], [7, 'credit_code', 'duplicate_in_file']]);
    assert.match(job.report.errors[0].message, /line 2/);
    assert.match(job.report.errors[2].message, /line 5/);
    assert.match(job.report.errors[3].message, /line 3/);
    assert.equal((await byCode(code(9101))).name, '南通改名一有限公司');
    assert.equal((await byCode(code(9104))).name, `南通测试9104精密机械有限公司，二期`);
    assert.ok(await byCode(code(9102)));
  });

  test('an Excel-like workbook: serial dates, booleans, exponents, rich text, gaps', async () => {
    // made by tests/fixtures/make-excel-like.py
    const file = readFileSync(join(dirname(fileURLToPath(import.meta.url)), '../fixtures/excel-like.xlsx'));
    const { job } = await importJob(file, 'mode=good&filename=excel-like.xlsx');
    assert.equal(job.status, 'done', JSON.stringify(job.report));
    assert.equal(job.format, 'xlsx');
    assert.equal(job.total_rows, 3);
    assert.equal(job.created_rows, 2);
    assert.deepEqual(job.report.errors.map((e) => [e.line, e.field, e.code]), [[5, 'founded_on', 'invalid_date']]);
    const a = await byCode(code(30001));
    assert.equal(a.name, '南通夏普电子有限公司');   // runs joined, the phonetic run left out
    assert.equal(a.founded_on, '2020-01-01');       // serial 43831
    assert.equal(a.registered_capital_wan, 1500);   // "1.5E+3"
    assert.equal(a.employees, 120);
    assert.equal(a.key, false);
    const b = await byCode(code(30002));
    assert.equal(b.founded_on, '2000-01-01');
    assert.equal(b.street_name, '新开街道');
  });

  test('a stored key enterprise keeps its officer', async () => {
    // enterprise 1 is a key enterprise with an officer (first test)
    const hdr = ['Credit Code', 'Name', 'Officer'];
    let { job } = await importJob(Buffer.from(csvText([[code(1), '南通测试1精密机械有限公司，二期', '']], hdr)));
    assert.equal(job.error_rows, 1);
    assert.deepEqual(job.report.errors.map((e) => [e.line, e.field, e.code]), [[2, 'officer_id', 'required']]);
    ({ job } = await importJob(Buffer.from(csvText([[code(1), '南通测试1精密机械有限公司，二期', '', '否']],
      [...hdr, 'key']))));
    assert.equal(job.error_rows, 0, JSON.stringify(job.report.errors));
    assert.equal(job.updated_rows, 1);
    const e = await byCode(code(1));
    assert.equal(e.key, false);
    assert.equal(e.officer_id, null);
  });

  test('an industry code GB/T 4754-2017 does not have is a row error naming the code', async () => {
    const rows = [row(7101, { industry: 'C3850' }), row(7102, { industry: 'I6510' }), row(7103, { industry: 'c3841' })];
    const { job } = await importJob(Buffer.from(csvText(rows)), 'mode=good');
    assert.equal(job.error_rows, 2, JSON.stringify(job.report.errors));
    const [a, b] = job.report.errors;
    assert.deepEqual([a.line, a.field, a.code, a.params.reason, a.params.value], [2, 'industry', 'invalid', 'unknown_industry', 'C3850']);
    assert.match(a.message, /C3850/);
    // a 2011 code the 2017 revision divided says so, with the codes that replace it
    assert.deepEqual([b.line, b.field, b.params.reason, b.params.value, b.params.now], [3, 'industry', 'renumbered', 'I6510', 'I6511-I6519']);
    assert.match(b.message, /2011.*I6511-I6519/);
    assert.equal((await byCode(code(7103))).industry, 'C3841');
  });

  test('files that cannot be read fail with a reason', async () => {
    let { job } = await importJob(Buffer.from('credit_code,name,colour\n' + code(7001) + ',x,red\n'));
    assert.equal(job.status, 'failed');
    assert.equal(job.report.fatal.code, 'unknown_header');
    assert.match(job.report.fatal.message, /colour/);
    ({ job } = await importJob(Buffer.from('名称,电话\nx,1\n')));
    assert.equal(job.report.fatal.code, 'unknown_header');
    ({ job } = await importJob(Buffer.from('统一社会信用代码,联系人\nx,1\n')));
    assert.equal(job.report.fatal.code, 'missing_header');
    ({ job } = await importJob(Buffer.from('credit_code,name\n' + code(7001) + ',"unclosed\n'), 'format=csv'));
    assert.equal(job.report.fatal.code, 'csv_syntax');
    assert.equal(job.report.fatal.line, 2);
    ({ job } = await importJob(Buffer.from('not a workbook'), 'format=xlsx'));
    assert.equal(job.status, 'failed');
    assert.equal(job.report.fatal.code, 'not_xlsx');
    const r = await upload(admin, Buffer.alloc(0));
    assert.equal(r.status, 422);
    const m = await upload(admin, Buffer.from('a'), 'mode=some');
    assert.equal(m.status, 422);
    assert.equal(m.json.error.field, 'mode');
    const f = await upload(admin, Buffer.from('a'), 'format=ods');
    assert.equal(f.status, 422);
    assert.equal(f.json.error.field, 'format');
  });

  test('who may import and read a job', async () => {
    const leader = new Client(base);
    assert.equal((await leader.login('leader1', 'pw-leader1-123')).status, 200);
    const { job } = await importJob(Buffer.from(csvText([row(8001)])), '', leader);
    assert.equal(job.status, 'done');
    assert.equal(job.created_rows, 1);
    // the admin sees every job, another leader none but theirs
    assert.equal((await admin.get(`/api/v1/imports/${job.id}`)).status, 200);
    const other = new Client(base);
    assert.equal((await other.login('leader2', 'pw-leader2-123')).status, 200);
    assert.equal((await other.get(`/api/v1/imports/${job.id}`)).status, 404);
    assert.equal((await other.get('/api/v1/imports/999999')).status, 404);
    // an officer may export but not import
    const off = new Client(base);
    assert.equal((await off.login('officer2', 'pw-officer2-123')).status, 200);
    assert.equal((await upload(off, Buffer.from(csvText([row(8002)])))).status, 403);
    const ex = await fetch(`${base}/api/v1/enterprises/export?format=csv`, { headers: { Cookie: off.cookie } });
    assert.equal(ex.status, 200);
    // a cookie upload needs the CSRF token
    const noCsrf = await leader.req('POST', '/api/v1/enterprises/import', Buffer.from('x'), { 'Content-Type': 'text/csv' });
    assert.equal(noCsrf.status, 403);
  });
});

describe('a killed server', () => {
  test('leaves nothing of an all-or-nothing import half-written; the next start marks the job failed', async () => {
    // 100 µs before each row: the import is still writing when it is killed
    const own = await adminServer([], { ZONEOPS_TEST_ROW_DELAY_US: '100' });
    let closed = false;
    try {
      const c = new Client(own.srv.url, own.token);
      assert.equal((await c.post('/api/v1/streets', { name: '竹行街道' })).status, 201);
      const rows = [];
      for (let n = 400000; n < 420000; n++) rows.push(row(n));
      const r = await upload(c, Buffer.from(csvText(rows)), 'mode=all');
      assert.equal(r.status, 202, r.text);
      let status;
      const t0 = Date.now();
      do {
        await new Promise((res) => setTimeout(res, 20));
        status = (await c.get(`/api/v1/imports/${r.json.id}`)).json.status;
      } while (status !== 'writing' && status !== 'done' && Date.now() - t0 < 60000);
      assert.equal(status, 'writing', 'the import should still be writing');
      await new Promise((res) => setTimeout(res, 300));
      await own.srv.kill9();
      closed = true;
      const again = await startServer(own.db.url);
      try {
        const c2 = new Client(again.url, own.token);
        const t = await c2.get('/api/v1/enterprises?limit=1');
        assert.equal(t.json.total, 0);
        // the next start marks the dead process's job failed: interrupted, nothing written
        const job = await c2.get(`/api/v1/imports/${r.json.id}`);
        assert.equal(job.json.status, 'failed', job.text);
        assert.equal(job.json.report.fatal.code, 'interrupted', job.text);
      } finally {
        await again.stop();
      }
    } finally {
      if (!closed) await own.srv.kill9();
      own.db.cleanup();
    }
  });
});

describe('export', () => {
  test('CSV: UTF-8 with BOM, Chinese headers, formulas neutralised; it imports back unchanged', async () => {
    // text that a spreadsheet would run as a formula
    const evil = [row(9001, { name: '=HYPERLINK("http://evil.example","点我")' }),
      row(9002, { name: '@SUM(1+1)公司', contact: '+号联系人', phone: '+86 513 8888 0000' }),
      row(9003, { name: '-1+2企业', contact: '-张三' })];
    let { job } = await importJob(Buffer.from(csvText(evil)));
    assert.equal(job.status, 'done');
    assert.equal(job.created_rows, 3, JSON.stringify(job.report.errors));
    const n = await total();
    const d = await download('csv');
    assert.equal(d.status, 200);
    assert.match(d.headers.get('content-type'), /^text\/csv/);
    assert.match(d.headers.get('content-disposition'), /^attachment; filename="enterprises-\d{8}\.csv"; filename\*=UTF-8''enterprises-\d{8}\.csv$/);
    assert.deepEqual([...d.bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
    const text = d.bytes.toString('utf8').slice(1);
    const lines = text.split('\r\n');
    assert.equal(lines[0], [...CN, '信用代码说明'].join(','));
    assert.equal(lines.length, n + 2);   // header, rows, the empty string after the last CRLF
    const l9001 = lines.find((l) => l.startsWith(code(9001)));
    assert.ok(l9001.includes(`"'=HYPERLINK(""http://evil.example"",""点我"")"`), l9001);
    const l9002 = lines.find((l) => l.startsWith(code(9002)));
    assert.ok(l9002.includes(',\'@SUM(1+1)公司,'), l9002);
    assert.ok(l9002.includes(',\'+号联系人,\'+86 513 8888 0000,'), l9002);
    const l9003 = lines.find((l) => l.startsWith(code(9003)));
    assert.ok(l9003.includes(',\'-1+2企业,'), l9003);
    assert.ok(l9003.includes(',\'-张三,'), l9003);
    for (const l of lines.slice(1, -1))
      for (const cell of l.split(',')) assert.ok(!/^[=+\-@\t\r]/.test(cell), cell);
    // filters
    const k = await download('csv', '&key=1');
    assert.equal(k.bytes.toString('utf8').split('\r\n').length, (await total('key=1')) + 2);
    // the round trip: every row an update, no field changes, no errors
    ({ job } = await importJob(d.bytes, 'dry_run=1'));
    assert.equal(job.status, 'done');
    assert.equal(job.error_rows, 0, JSON.stringify(job.report.errors.slice(0, 5)));
    assert.equal(job.report.created, 0);
    assert.equal(job.report.updated, n);
    for (const c of job.report.changes) assert.deepEqual(c.fields, {}, JSON.stringify(c));
    ({ job } = await importJob(d.bytes, 'filename=' + encodeURIComponent('enterprises.csv')));
    assert.equal(job.updated_rows, n);
    assert.equal(job.created_rows, 0);
    assert.equal((await byCode(code(9001))).name, '=HYPERLINK("http://evil.example","点我")');
    assert.equal((await byCode(code(9003))).contact_name, '-张三');
  });

  test('XLSX: a workbook that imports back unchanged', async () => {
    const n = await total();
    const d = await download('xlsx');
    assert.equal(d.status, 200);
    assert.equal(d.headers.get('content-type'), 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    assert.match(d.headers.get('content-disposition'), /^attachment; filename="enterprises-\d{8}\.xlsx"; filename\*=UTF-8''enterprises-\d{8}\.xlsx$/);
    assert.equal(d.bytes.subarray(0, 4).toString('latin1'), 'PK\x03\x04');
    let { job } = await importJob(d.bytes, 'dry_run=1&format=xlsx');
    assert.equal(job.status, 'done', JSON.stringify(job.report));
    assert.equal(job.report.format, 'xlsx');
    assert.equal(job.error_rows, 0, JSON.stringify(job.report.errors.slice(0, 5)));
    assert.equal(job.report.updated, n);
    assert.equal(job.report.created, 0);
    for (const c of job.report.changes) assert.deepEqual(c.fields, {}, JSON.stringify(c));
    // the format also follows from the file name
    ({ job } = await importJob(d.bytes, 'filename=x.xlsx'));
    assert.equal(job.format, 'xlsx');
    assert.equal(job.updated_rows, n);
    const bad = await download('ods');
    assert.equal(bad.status, 422);
  });
});

describe('command line', () => {
  test('import of a GBK file, with errors and a dry run', async () => {
    const rows = [row(20001), row(20002, { name: '南通，全角逗号（二期）有限公司' }), row(20003)];
    const file = join(tmp, 'gbk.csv');
    writeFileSync(file, gbk(csvText(rows)));
    let r = cli(env.db.url, ['import', 'enterprises', file, '--dry-run']);
    assert.equal(r.status, 0, ran(r));
    assert.match(r.stdout, /dry run: 3 rows: 3 to create, 0 to update, 0 bad/);
    assert.equal(await byCode(code(20001)), undefined);
    r = cli(env.db.url, ['import', 'enterprises', file]);
    assert.equal(r.status, 0, ran(r));
    assert.match(r.stdout, /3 rows: 3 created, 0 updated, 0 bad/);
    assert.equal((await byCode(code(20002))).name, '南通，全角逗号（二期）有限公司');
    // bad rows: listed by line, exit status 1, nothing written in mode all
    const badFile = join(tmp, 'bad.csv');
    writeFileSync(badFile, gbk(csvText([row(20004), row(20005, { employees: '-3' }), row(20006, { street: '无' })])));
    r = cli(env.db.url, ['import', 'enterprises', badFile, '--mode', 'all']);
    assert.equal(r.status, 1);
    assert.match(r.stderr, new RegExp(`^${badFile.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: line 3: employees: `, 'm'));
    assert.match(r.stderr, /: line 4: street: /m);
    assert.match(r.stdout, /nothing written/);
    assert.equal(await byCode(code(20004)), undefined);
    r = cli(env.db.url, ['import', 'enterprises', badFile, '--mode=good', '--format', 'csv']);
    assert.equal(r.status, 1);
    assert.match(r.stdout, /1 created, 0 updated, 2 bad/);
    assert.ok(await byCode(code(20004)));
    r = cli(env.db.url, ['import', 'enterprises']);
    assert.equal(r.status, 2);
    r = cli(env.db.url, ['import', 'enterprises', join(tmp, 'missing.csv')]);
    assert.equal(r.status, 1);
  });

  test('export to CSV and XLSX files, and back', async () => {
    const n = await total();
    for (const ext of ['csv', 'xlsx']) {
      const file = join(tmp, 'out.' + ext);
      let r = cli(env.db.url, ['export', 'enterprises', file]);
      assert.equal(r.status, 0, ran(r));
      assert.match(r.stdout, new RegExp(`exported ${n} enterprises`));
      r = cli(env.db.url, ['import', 'enterprises', file, '--dry-run']);
      assert.equal(r.status, 0, ran(r));
      assert.match(r.stdout, new RegExp(`dry run: ${n} rows: 0 to create, ${n} to update, 0 bad`));
    }
    const r = cli(env.db.url, ['export', 'enterprises', join(tmp, 'x.csv'), '--format', 'pdf']);
    assert.equal(r.status, 2);
  });
});
