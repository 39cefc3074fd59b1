// No upload blocks the zone (issue 9, findings 2 and 5): every HTTP import
// is a background job outside any request's transaction (202, then
// GET /api/v1/imports/{id}); the race import's duplicate check is indexed,
// so 16,000 leads of one company import in linear time while other writes
// go on; a job is cancelled by its owner or an admin and stopped by SIGTERM
// without writing anything of an all-or-nothing import; and an XLSX bomb
// leaves the server's memory bounded.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import zlib from 'node:zlib';
import { freshDb, startServer, adminServer, Client, demoAdminPassword, demoUsers, importJob, waitJob, BIN, STORE } from './lib.mjs';
import { crc32 } from './xlsx.mjs';

const DEMO_PW = 'demo-password';
const LEADS = '/api/v1/race/import?kind=leads';
let db, srv, adminPw;
let as;   // demoUsers(srv, adminPw), once the server runs

// n leads of one company (the worst case of a rescan: every row has the
// same company key), unit given or the recruiter's own.
function leadsCsv(n, company, unit) {
  const rows = [unit ? 'unit,company,captured_on' : 'company,captured_on'];
  for (let i = 0; i < n; i++)
    rows.push(`${unit ? unit + ',' : ''}${company},2024-0${1 + (i % 9)}-1${i % 10}`);
  return rows.join('\n') + '\n';
}

async function leadsTotal(c) {
  const r = await c.get('/api/v1/leads?limit=1');
  assert.equal(r.status, 200, r.text);
  return r.json.total;
}

// Poll until the job shows one of the statuses (it must not end before).
async function until(c, id, statuses) {
  for (const t0 = Date.now(); Date.now() - t0 < 60000;) {
    const j = (await c.get(`/api/v1/imports/${id}`)).json;
    if (statuses.includes(j.status)) return j;
    assert.ok(!['done', 'failed', 'cancelled'].includes(j.status), `the job ended before ${statuses}: ${JSON.stringify(j)}`);
    await new Promise((res) => setTimeout(res, 10));
  }
  throw new Error(`job ${id} never reached ${statuses}`);
}

// fn(login) against a demo server of its own whose imports wait 50 µs
// before each row, so that a test can act while one runs.
async function withSlowServer(fn) {
  const sdb = freshDb();
  const slow = await startServer(sdb.url, ['--demo'], { ZONEOPS_TEST_ROW_DELAY_US: '50' });
  try {
    await fn(demoUsers(slow, await demoAdminPassword(slow), DEMO_PW));
  } finally {
    await slow.stop();
    sdb.cleanup();
  }
}

before(async () => {
  db = freshDb();
  srv = await startServer(db.url, ['--demo']);
  adminPw = await demoAdminPassword(srv);
  as = demoUsers(srv, adminPw, DEMO_PW);
});

after(async () => {
  const code = srv ? await srv.stop() : 0;
  db?.cleanup();
  if (code !== 0) throw new Error(`server exited ${code}:\n${srv.output().stderr.slice(-4000)}`);
});

describe('imports are jobs', () => {
  test('every HTTP import answers 202 with a job to poll', async () => {
    const admin = await as('admin');
    for (const [path, body] of [
      [LEADS, 'unit,company,captured_on\nib,作业甲公司,2024-02-01\n'],
      ['/api/v1/race/import?kind=trips', 'user,start_on,end_on\nrec.ib.1,2024-02-03,2024-02-04\n'],
      ['/api/v1/indicators/import?dry_run=1', 'period,region,indicator,value\n2021-10,无此区,budget_revenue,1\n'],
      ['/api/v1/indicators/targets/import?dry_run=1', 'year,region,indicator,value\n2021,无此区,budget_revenue,1\n'],
    ]) {
      const { res, job } = await importJob(admin, path, body);
      assert.equal(res.status, 202, `${path}: ${res.text}`);
      assert.equal(res.json.url, `/api/v1/imports/${res.json.id}`);
      assert.equal(res.json.status, 'queued');
      assert.equal(job.status, 'done', JSON.stringify(job));
    }
  });

  test('16,000 leads of one company import in linear time while other writes succeed', async () => {
    const admin = await as('admin');
    const rec = await as('rec.ib.1');
    const before0 = await leadsTotal(admin);
    const times = { 4000: [], 16000: [] };
    const writes = [];
    let seq = 0;
    // another write at every poll: a street (another table) and a lead of
    // the same unit, each of which must succeed, not wait for the import
    let last = 0;
    const write = async (j) => {
      if (performance.now() - last < 100) return;
      last = performance.now();
      const s = await admin.post('/api/v1/streets', { name: `并发街道${seq}` });
      const l = await rec.post('/api/v1/leads', { company: `并发线索${seq++}公司`, captured_on: '2024-03-01' });
      writes.push([j.status, s.status, l.status]);
    };
    for (const n of [4000, 16000, 4000, 16000]) {
      const t0 = performance.now();
      const { res, job } = await importJob(admin, LEADS, leadsCsv(n, '同一家线性公司', 'ib'), { onPoll: write });
      times[n].push(performance.now() - t0);
      assert.equal(res.status, 202, res.text);
      assert.equal(job.status, 'done', JSON.stringify(job.report));
      assert.equal(job.report.created, n);
      assert.equal(job.report.duplicates, 0);
    }
    const t4 = Math.min(...times[4000]), t16 = Math.min(...times[16000]);
    const ratio = t16 / t4;
    console.log(`# ${STORE}: 4,000 rows ${t4.toFixed(0)} ms, 16,000 rows ${t16.toFixed(0)} ms: ratio ${ratio.toFixed(2)}`
      + ` (linear 4, quadratic 16; a noisy shared machine: below 8 passes); ${writes.length} writes meanwhile`);
    assert.ok(ratio < 8, `16,000 rows took ${ratio.toFixed(2)} x the time of 4,000 (linear is 4)`);
    const bad = writes.filter(([, s, l]) => s !== 201 || l !== 201);
    assert.deepEqual(bad, [], 'every write during the imports succeeded');
    assert.ok(writes.length >= 4, `writes during the imports: ${writes.length}`);
    assert.equal(await leadsTotal(admin), before0 + 40000 + seq);
  });

  test('other writes succeed while an import writes', async () => {
    // on a slowed server the writes below certainly meet the import's
    // write (on this one the imports above may end before a poll sees them
    // writing)
    await withSlowServer(async (login) => {
      const admin = await login('admin');
      const rec = await login('rec.ib.1');
      const before0 = await leadsTotal(admin);
      const r = await admin.req('POST', LEADS, leadsCsv(20000, '并发写入公司', 'ib'),
        { 'Content-Type': 'text/csv', 'X-CSRF-Token': admin.csrf });
      assert.equal(r.status, 202, r.text);
      await until(admin, r.json.id, ['writing']);
      const s = await admin.post('/api/v1/streets', { name: '导入期间新增街道' });
      const l = await rec.post('/api/v1/leads', { company: '导入期间新增线索公司', captured_on: '2024-03-01' });
      assert.equal(s.status, 201, s.text);
      assert.equal(l.status, 201, l.text);
      const job = await waitJob(admin, r.json.id);
      assert.equal(job.status, 'done', JSON.stringify(job.report));
      assert.equal(job.report.created, 20000);
      assert.equal(await leadsTotal(admin), before0 + 20001);
    });
  });

  test('cancel: its owner or an admin stops a running import, which then writes nothing', async () => {
    // on a slowed server the imports are still running when cancelled,
    // however idle the machine
    await withSlowServer(async (login) => {
      const rec = await login('rec.ib.2');
      const other = await login('rec.ib.1');
      const admin = await login('admin');
      const before0 = await leadsTotal(admin);
      const csv = leadsCsv(40000, '撤销测试公司');
      // cancelled by its owner while its rows are checked
      let r = await rec.req('POST', LEADS, csv, { 'Content-Type': 'text/csv', 'X-CSRF-Token': rec.csrf });
      assert.equal(r.status, 202, r.text);
      await until(rec, r.json.id, ['reading', 'validating']);
      assert.equal((await other.post(`/api/v1/imports/${r.json.id}/cancel`)).status, 404, 'not another recruiter');
      let c = await rec.post(`/api/v1/imports/${r.json.id}/cancel`);
      assert.equal(c.status, 202, c.text);
      assert.equal(c.json.cancel_requested, true);
      let job = await waitJob(rec, r.json.id);
      assert.equal(job.status, 'cancelled', JSON.stringify(job));
      assert.equal(job.report.fatal.code, 'cancelled');
      assert.equal(job.report.written, false);
      assert.equal(await leadsTotal(admin), before0);
      // an ended job: 409
      c = await rec.post(`/api/v1/imports/${r.json.id}/cancel`);
      assert.equal(c.status, 409, c.text);
      assert.equal(c.json.error.code, 'import_finished');
      assert.equal(c.json.error.params.status, 'cancelled');
      // cancelled by an admin while it writes: the write rolls back
      r = await rec.req('POST', LEADS, csv, { 'Content-Type': 'text/csv', 'X-CSRF-Token': rec.csrf });
      assert.equal(r.status, 202, r.text);
      await until(rec, r.json.id, ['writing']);
      c = await admin.post(`/api/v1/imports/${r.json.id}/cancel`);
      assert.equal(c.status, 202, c.text);
      job = await waitJob(rec, r.json.id);
      assert.equal(job.status, 'cancelled', JSON.stringify(job));
      assert.equal(job.report.written, false);
      assert.equal(await leadsTotal(admin), before0, 'nothing of the cancelled import was written');
      assert.equal((await admin.post('/api/v1/imports/999999999/cancel')).status, 404);
    });
  });
});

// ---- XLSX bombs: a few kilobytes of deflate, repeated ----

// Raw deflate of head, count x (a 4 MiB run of unit), tail: each piece is
// compressed once with a full flush (byte-aligned, not final), so the run's
// compressed bytes can be repeated; the tail ends the stream.
function deflateRun(head, unit, count, tail) {
  const full = { level: 9, finishFlush: zlib.constants.Z_FULL_FLUSH };
  const run = Buffer.alloc(Math.floor((4 << 20) / unit.length) * unit.length, unit);
  const block = zlib.deflateRawSync(run, full);
  return Buffer.concat([zlib.deflateRawSync(Buffer.from(head), full), ...Array(count).fill(block),
    zlib.deflateRawSync(Buffer.from(tail))]);
}

// A ZIP of [name, data, {deflated, size}] entries; a deflated entry declares
// size (a lie: small) and no checksum -- the reader must not trust either.
function zipOf(entries) {
  const locals = [], centrals = [];
  let offset = 0;
  for (const [name, data, o = {}] of entries) {
    const fname = Buffer.from(name), crc = o.deflated ? 0 : crc32(data), size = o.deflated ? o.size : data.length;
    const lh = Buffer.alloc(30);
    lh.writeUInt32LE(0x04034b50, 0); lh.writeUInt16LE(20, 4); lh.writeUInt16LE(o.deflated ? 8 : 0, 8);
    lh.writeUInt32LE(crc, 14); lh.writeUInt32LE(data.length, 18); lh.writeUInt32LE(size, 22);
    lh.writeUInt16LE(fname.length, 26);
    const ch = Buffer.alloc(46);
    ch.writeUInt32LE(0x02014b50, 0); ch.writeUInt16LE(20, 4); ch.writeUInt16LE(20, 6); ch.writeUInt16LE(o.deflated ? 8 : 0, 10);
    ch.writeUInt32LE(crc, 16); ch.writeUInt32LE(data.length, 20); ch.writeUInt32LE(size, 24);
    ch.writeUInt16LE(fname.length, 28); ch.writeUInt32LE(offset, 42);
    locals.push(lh, fname, data);
    centrals.push(ch, fname);
    offset += lh.length + fname.length + data.length;
  }
  const cd = Buffer.concat(centrals), end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0); end.writeUInt16LE(entries.length, 8); end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12); end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

const NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"';
const WORKBOOK = Buffer.from(`<workbook ${NS} xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">`
  + '<sheets><sheet name="A" sheetId="1" r:id="rId1"/></sheets></workbook>');

// about 1.2 MB: shared strings of 240 x 4 MiB of <si/> (200 million
// strings; the reader refuses at its 64 MiB table), and a sheet whose one
// attribute value is 240 x 4 MiB (expat would hold it whole)
const BOMBS = {
  '<si/>': () => zipOf([['xl/workbook.xml', WORKBOOK],
    ['xl/sharedStrings.xml', deflateRun(`<sst ${NS}>`, '<si/>', 240, '</sst>'), { deflated: true, size: 1000 }]]),
  'attribute': () => zipOf([['xl/workbook.xml', WORKBOOK],
    ['xl/worksheets/sheet1.xml', deflateRun(`<worksheet ${NS}><sheetData><row r="1"><c r="A1" s="`, 'x', 240,
      '"><v>1</v></c></row></sheetData></worksheet>'), { deflated: true, size: 1000 }]]),
};

describe('an XLSX bomb', () => {
  test('is refused and the server\'s peak memory stays bounded', async () => {
    const own = await adminServer();
    try {
      const c = new Client(own.srv.url, own.token);
      const status = `/proc/${own.srv.proc.pid}/status`;
      const hwm = () => Number(/VmHWM:\s+(\d+)/.exec(readFileSync(status, 'utf8'))[1]);
      const sanitized = /asan/.test(BIN);
      for (const [what, make] of Object.entries(BOMBS)) {
        const bomb = make();
        assert.ok(bomb.length > 900000 && bomb.length < 2000000, `${what}: ${bomb.length} bytes`);
        writeFileSync(`/proc/${own.srv.proc.pid}/clear_refs`, '5');   // the peak starts again from now
        const base = hwm();
        const { res, job } = await importJob(c, `${LEADS}&format=xlsx`, bomb, { type: 'application/octet-stream' });
        assert.equal(res.status, 202, res.text);
        assert.equal(job.status, 'failed', JSON.stringify(job));
        assert.equal(job.report.fatal.code, 'xlsx_limit', JSON.stringify(job.report.fatal));
        const grew = hwm() - base;
        console.log(`# ${what} bomb of ${bomb.length} bytes: refused (${job.report.fatal.message}); peak RSS +${grew} KiB`);
        if (!sanitized)   // ASan's allocator keeps freed memory in quarantine
          assert.ok(grew < 100 * 1024, `the ${what} bomb grew the server's peak RSS by ${grew} KiB`);
      }
      assert.equal((await c.get('/healthz')).status, 200);
    } finally {
      await own.close();
    }
  });
});

describe('SIGTERM', () => {
  test('stops the server within seconds during an import; the job is failed, nothing written', async () => {
    // 50 µs before each row: the import is still writing when the stop comes
    const own = await adminServer([], { ZONEOPS_TEST_ROW_DELAY_US: '50' });
    let stopped = false;
    try {
      const c = new Client(own.srv.url, own.token);
      const r = await c.req('POST', LEADS, leadsCsv(60000, '停机测试公司', 'ib'), { 'Content-Type': 'text/csv' });
      assert.equal(r.status, 202, r.text);
      await until(c, r.json.id, ['writing']);
      const t0 = Date.now();
      const code = await own.srv.stop();
      stopped = true;
      const took = Date.now() - t0;
      assert.equal(code, 0, own.srv.output().stderr.slice(-2000));
      assert.ok(took < 5000, `the server took ${took} ms to stop`);
      const again = await startServer(own.db.url);
      try {
        const c2 = new Client(again.url, own.token);
        const job = (await c2.get(`/api/v1/imports/${r.json.id}`)).json;
        assert.equal(job.status, 'failed', JSON.stringify(job));
        assert.equal(job.report.fatal.code, 'interrupted');
        assert.equal(await leadsTotal(c2), 0, 'nothing of the interrupted import was written');
      } finally {
        await again.stop();
      }
    } finally {
      if (!stopped) await own.srv.kill9();
      own.db.cleanup();
    }
  });
});
