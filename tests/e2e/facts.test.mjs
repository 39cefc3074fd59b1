// End-to-end: the enterprises' yearly facts (issue 10) on a --demo server:
// the import over HTTP (POST /api/v1/facts/import, a background job) and
// the CLI (zoneops import facts FILE), CSV in UTF-8 and GBK and XLSX, mode
// all (a bad row writes nothing and is named by its line) and good, dry
// run, replace on re-import, every row error's code; the fact definitions
// (GET/POST /api/v1/facts/defs); an enterprise's facts
// (GET /api/v1/enterprises/{id}/facts) and who may read them.  The years
// used (2010, 2011) are not the demo's.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freshDb, startServer, Client, cli, demoAdminPassword, importJob, waitJob } from './lib.mjs';
import { xlsx } from './xlsx.mjs';

let db, srv, dir;
const as = {};          // user -> Client with an API token
let ents;               // a few demo enterprises [{id, credit_code}]
let own;                // ent.hengtai's enterprise id

// Valid credit codes of the zone that no demo enterprise has (GB 32100).
const UNREGISTERED = '91320691M007770129';

before(async () => {
  db = freshDb();
  dir = mkdtempSync(join(tmpdir(), 'zo-facts-'));
  srv = await startServer(db.url, ['--demo']);
  await demoAdminPassword(srv);
  for (const user of ['admin', 'stats', 'officer01', 'leader.ib', 'ent.hengtai', 'dept.qfzx']) {
    const t = cli(db.url, ['token', 'create', '--user', user]);
    assert.equal(t.status, 0, t.stderr);
    as[user] = new Client(srv.url, t.stdout.trim());
  }
  own = (await as['ent.hengtai'].get('/api/v1/me')).json.enterprise_id;
  const list = await as.admin.get('/api/v1/enterprises?limit=5');
  ents = list.json.items.filter((e) => e.id !== own).slice(0, 3);
  const mine = await as.admin.get(`/api/v1/enterprises/${own}`);
  ents.unshift(mine.json);   // ents[0] is ent.hengtai's
  assert.equal(ents.length, 4);
});

after(async () => {
  const code = await srv.stop();
  db.cleanup();
  rmSync(dir, { recursive: true, force: true });
  if (code !== 0) throw new Error(`server exited ${code}:\n${srv.output().stderr.slice(-4000)}`);
});

const csv = (rows, header = ['credit_code', 'year', 'fact', 'value']) =>
  [header, ...rows].map((r) => r.join(',')).join('\n') + '\n';
const gbk = (text) => spawnSync('iconv', ['-f', 'UTF-8', '-t', 'GB18030'], { input: Buffer.from(text, 'utf8') }).stdout;
const run = (user, body, query = '', type = 'text/csv') =>
  importJob(as[user], `/api/v1/facts/import${query ? '?' + query : ''}`, body, { type });
const factsOf = async (id, user = 'admin') => (await as[user].get(`/api/v1/enterprises/${id}/facts`));
const yearOf = (r, y) => (r.json.years.find((x) => x.year === y) || { facts: {} }).facts;
const errs = (job) => job.report.errors.map((e) => [e.line, e.field, e.code]);

describe('import over HTTP', () => {
  test('mode all: a bad row writes nothing and names its line', async () => {
    const c = ents[1].credit_code;
    const { res, job } = await run('admin', csv([[c, 2010, 'revenue', '12000.5'], [c, 2010, 'tax_paid', 'lots'],
      [c, 2010, 'employees', '120']]), 'filename=facts.csv');
    assert.equal(res.status, 202, res.text);
    assert.equal(job.status, 'done');
    assert.equal(job.report.written, false);
    assert.equal(job.report.error_rows, 1);
    assert.deepEqual(errs(job), [[3, 'value', 'not_a_number']]);
    assert.equal(job.report.errors[0].params.value, 'lots');
    assert.deepEqual(yearOf(await factsOf(ents[1].id), 2010), {});
  });

  test('mode good: the good rows are written, exactly', async () => {
    const c = ents[1].credit_code;
    const { job } = await run('admin', csv([[c, 2010, 'revenue', '12345678.1234'], [c, 2010, 'tax_paid', 'lots'],
      [c, 2010, 'employees', '120'], [c, 2010, 'high_tech', '1'], [c, 2010, 'rd_spending', '0.0001'],
      [c, 2011, 'exports', '-3.25']]), 'mode=good');
    assert.equal(job.status, 'done');
    assert.equal(job.report.written, true);
    assert.deepEqual([job.report.created, job.report.updated, job.report.unchanged, job.report.error_rows], [5, 0, 0, 1]);
    assert.deepEqual(job.report.years, [2011, 2010]);
    const r = await factsOf(ents[1].id);
    assert.equal(r.status, 200);
    assert.equal(r.json.enterprise_id, ents[1].id);
    assert.deepEqual(r.json.years.map((y) => y.year).filter((y) => y < 2020), [2011, 2010], 'newest year first');
    assert.deepEqual(yearOf(r, 2010), { employees: 120, high_tech: 1, rd_spending: 0.0001, revenue: 12345678.1234 });
    assert.match(r.text, /"revenue":12345678\.1234[,}]/, 'printed exactly');
    assert.deepEqual(yearOf(r, 2011), { exports: -3.25 });
  });

  test('a re-import replaces the value of (credit_code, year, fact); a dry run writes nothing', async () => {
    const c = ents[1].credit_code;
    const file = csv([[c, 2010, 'revenue', '13000'], [c, 2010, 'employees', '120.0000'], [c.toLowerCase(), 2011, 'imports_x', '1']]);
    let { job } = await run('admin', file, 'mode=good&dry_run=1');
    assert.equal(job.dry_run, true);
    assert.deepEqual([job.report.created, job.report.updated, job.report.unchanged], [0, 1, 1]);
    assert.deepEqual(errs(job), [[4, 'fact', 'unknown_fact']]);
    assert.equal(yearOf(await factsOf(ents[1].id), 2010).revenue, 12345678.1234, 'the dry run wrote nothing');
    ({ job } = await run('admin', file, 'mode=good'));
    assert.deepEqual([job.report.created, job.report.updated, job.report.unchanged], [0, 1, 1]);
    const f = yearOf(await factsOf(ents[1].id), 2010);
    assert.equal(f.revenue, 13000);
    assert.equal(f.employees, 120);
  });

  test('every row error has its code, field and line', async () => {
    const c = ents[2].credit_code;
    const bad = c.slice(0, 17) + (c[17] === '0' ? '1' : '0');
    const rows = [
      [c, 2010, 'revenu', '5'],                   // 2 unknown_fact
      [UNREGISTERED, 2010, 'revenue', '5'],       // 3 unknown_enterprise
      [c, 2010, 'tax_paid', 'abc'],               // 4 not_a_number
      [c, 2010, 'tax_paid', '1.23456'],           // 5 too_precise
      [c, 2010, 'high_tech', '2'],                // 6 invalid_bool
      [c, 1899, 'revenue', '5'],                  // 7 invalid_year
      [c, 2200, 'revenue', '5'],                  // 8 invalid_year
      [c, 'last', 'revenue', '5'],                // 9 invalid_year
      [bad, 2010, 'revenue', '5'],                // 10 invalid_credit_code (checksum)
      ['9132069170805', 2010, 'revenue', '5'],    // 11 invalid_credit_code (length)
      [c, 2010, 'output_value', '1e15'],          // 12 out_of_range
      [c, 2010, 'value_added', ''],               // 13 required
      [c, 2010, 'revenue', '7'],                  // 14 good
      [c, 2010, '营业收入', '8'],                 // 15 duplicate_in_file (the label names revenue)
    ];
    const { job } = await run('admin', csv(rows));
    assert.equal(job.report.written, false);
    assert.deepEqual(errs(job), [
      [2, 'fact', 'unknown_fact'], [3, 'credit_code', 'unknown_enterprise'], [4, 'value', 'not_a_number'],
      [5, 'value', 'too_precise'], [6, 'value', 'invalid_bool'], [7, 'year', 'invalid_year'], [8, 'year', 'invalid_year'],
      [9, 'year', 'invalid_year'], [10, 'credit_code', 'invalid_credit_code'], [11, 'credit_code', 'invalid_credit_code'],
      [12, 'value', 'out_of_range'], [13, 'value', 'required'], [15, 'fact', 'duplicate_in_file']]);
    const by = Object.fromEntries(job.report.errors.map((e) => [e.line, e]));
    assert.deepEqual(by[2].params, { value: 'revenu' });
    assert.deepEqual(by[3].params, { value: UNREGISTERED });
    assert.deepEqual([by[6].params.reason, by[6].params.value, by[6].params.fact], ['zero_one', '2', 'high_tech']);
    assert.deepEqual([by[7].params.value, by[7].params.min, by[7].params.max], ['1899', '1900', '2199']);
    assert.equal(by[10].params.reason, 'checksum');
    assert.equal(by[11].params.reason, 'length');
    assert.equal(by[15].params.line, '14');
    assert.deepEqual(yearOf(await factsOf(ents[2].id), 2010), {});
  });

  test('a credit code registered with a failing checksum (an admin\'s note) takes facts; lower case and full width are normalised', async () => {
    const bad = ents[3].credit_code.slice(0, 8) + '77770001';
    const code = bad + '0' + 'Y';
    const e = await as.admin.post('/api/v1/enterprises', { credit_code: code, name: '早期赋码测试企业', credit_code_note: '早期赋码，登记如此' });
    assert.equal(e.status, 201, e.text);
    const { job } = await run('admin', csv([[code.toLowerCase(), 2010, 'revenue', 5], [code.replace(/7/g, '７'), 2011, 'revenue', 6]]));
    assert.deepEqual([errs(job), job.report.created], [[], 2]);
    assert.deepEqual(yearOf(await factsOf(e.json.id), 2011), { revenue: 6 });
  });

  test('GBK CSV with Chinese headers and labels; XLSX with number cells', async () => {
    const c = ents[3].credit_code;
    let { job } = await run('admin', gbk(csv([[c, '2010年', '营业收入', '８００'], [c, 2010, '高新技术企业', 0]],
      ['统一社会信用代码', '年度', '指标', '数值'])));
    assert.equal(job.status, 'done', JSON.stringify(job.report));
    assert.equal(job.report.encoding, 'gb18030');
    assert.deepEqual(errs(job), []);
    assert.deepEqual(yearOf(await factsOf(ents[3].id), 2010), { high_tech: 0, revenue: 800 });
    ({ job } = await run('admin', xlsx([['credit_code', 'year', 'fact', 'value'],
      [c, 2011, 'revenue', { num: '12345.678900000001' }], [c, { num: '2011' }, 'tax_paid', { num: '61.799999999999997' }],
      [c, 2011, 'employees', 57], [c, 2011, 'rd_spending', { num: '1.5E-3' }], [c, 2011, 'exports', { num: '1.23456' }]]),
    'mode=good&filename=facts.xlsx', 'application/octet-stream'));
    assert.equal(job.format, 'xlsx');
    assert.deepEqual(errs(job), [[6, 'value', 'too_precise']]);
    assert.deepEqual(yearOf(await factsOf(ents[3].id), 2011), { employees: 57, rd_spending: 0.0015, revenue: 12345.6789, tax_paid: 61.8 });
  });
});

describe('who may import and read', () => {
  test('statisticians and officers import facts and follow their own jobs; leaders and enterprises may not', async () => {
    const c = ents[1].credit_code;
    for (const user of ['stats', 'officer01']) {
      const { res, job } = await run(user, csv([[c, 2011, 'new_employees', user === 'stats' ? 12 : 13]]));
      assert.equal(res.status, 202, `${user}: ${res.text}`);
      assert.equal(job.status, 'done');
      assert.equal(job.report.written, true);
      // someone else's job is 404 to them
      const other = user === 'stats' ? 'officer01' : 'stats';
      assert.equal((await as[other].get(`/api/v1/imports/${res.json.id}`)).status, 404);
    }
    assert.equal(yearOf(await factsOf(ents[1].id), 2011).new_employees, 13);
    for (const user of ['leader.ib', 'ent.hengtai', 'dept.qfzx']) {
      const { res } = await run(user, csv([[c, 2011, 'new_employees', 1]]));
      assert.equal(res.status, 403, `${user}: ${res.text}`);
      assert.equal(res.json.error.code, 'forbidden');
    }
  });

  test("an enterprise reads its own facts only; another's is 404; staff read any", async () => {
    await run('admin', csv([[ents[0].credit_code, 2010, 'tax_paid', '300']]));
    const mine = await factsOf(own, 'ent.hengtai');
    assert.equal(mine.status, 200);
    assert.equal(yearOf(mine, 2010).tax_paid, 300);
    const theirs = await factsOf(ents[1].id, 'ent.hengtai');
    assert.equal(theirs.status, 404);
    assert.equal(theirs.json.error.code, 'not_found');
    for (const user of ['officer01', 'leader.ib', 'dept.qfzx', 'stats'])
      assert.equal((await factsOf(ents[1].id, user)).status, 200, user);
    assert.equal((await factsOf(999999999)).status, 404);
    assert.equal((await new Client(srv.url).get(`/api/v1/enterprises/${own}/facts`)).status, 401);
  });
});

describe('fact definitions', () => {
  test('GET lists the built-ins first, with labels, units and types', async () => {
    const r = await as['ent.hengtai'].get('/api/v1/facts/defs');
    assert.equal(r.status, 200);
    const names = r.json.items.map((d) => d.name);
    assert.deepEqual(names.slice(0, 12), ['revenue', 'tax_paid', 'rd_spending', 'output_value', 'value_added', 'employees',
      'new_employees', 'energy_tce', 'emissions_t', 'exports', 'high_tech', 'listed']);
    assert.deepEqual(r.json.items[1], { name: 'tax_paid', label: '纳税额', label_en: 'tax paid', unit: '万元', unit_en: '×10k yuan',
      type: 'number', builtin: true });
    assert.equal(r.json.items[10].type, 'bool');
  });

  test('an admin declares a fact; names are checked; a taken name or label is 409; others are 403', async () => {
    const post = (user, body) => as[user].post('/api/v1/facts/defs', body);
    let r = await post('admin', { name: 'patents', label: '有效发明专利数', label_en: 'patents in force', unit: '件', unit_en: 'patents' });
    assert.equal(r.status, 201, r.text);
    assert.deepEqual(r.json, { name: 'patents', label: '有效发明专利数', label_en: 'patents in force', unit: '件', unit_en: 'patents',
      type: 'number', builtin: false });
    r = await post('admin', { name: 'green_factory', label: '绿色工厂', type: 'bool', unit: 'x' });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.unit, '', 'a yes/no fact has no unit');
    r = await post('admin', { name: 'patents', label: '专利' });
    assert.deepEqual([r.status, r.json.error.code, r.json.error.field], [409, 'fact_exists', 'name']);
    r = await post('admin', { name: 'turnover', label: '营业收入' });
    assert.deepEqual([r.status, r.json.error.code, r.json.error.field], [409, 'fact_exists', 'label']);
    r = await post('admin', { name: 'industry', label: '行业' });
    assert.deepEqual([r.status, r.json.error.code, r.json.error.params.reason], [422, 'invalid', 'reserved']);
    r = await post('admin', { name: 'Bad-Name', label: '坏' });
    assert.deepEqual([r.status, r.json.error.code, r.json.error.params.reason], [422, 'invalid', 'syntax']);
    r = await post('admin', { name: 'x1', label: '' });
    assert.deepEqual([r.status, r.json.error.code, r.json.error.field], [422, 'required', 'label']);
    r = await post('admin', { name: 'x2', label: 'x', type: 'text' });
    assert.deepEqual([r.status, r.json.error.field], [422, 'type']);
    r = await post('admin', { name: 'x3', label: 'x', colour: 'red' });
    assert.deepEqual([r.status, r.json.error.code], [422, 'unknown_field']);
    for (const user of ['stats', 'officer01', 'ent.hengtai'])
      assert.equal((await post(user, { name: 'x4', label: 'x' })).status, 403, user);
    const defs = (await as.admin.get('/api/v1/facts/defs')).json.items;
    assert.deepEqual(defs.slice(12).map((d) => [d.name, d.builtin]), [['green_factory', false], ['patents', false]]);
  });

  test('a declared fact is imported by name or label, a yes/no one as 0/1', async () => {
    const c = ents[2].credit_code;
    const { job } = await run('admin', csv([[c, 2011, 'patents', 14], [c, 2011, '绿色工厂', 1], [c, 2010, 'green_factory', 3]]));
    assert.deepEqual(errs(job), [[4, 'value', 'invalid_bool']]);
    const { job: ok } = await run('admin', csv([[c, 2011, 'PATENTS', 14], [c, 2011, '绿色工厂', 1]]));
    assert.deepEqual([ok.report.created, ok.report.written], [2, true]);
    assert.deepEqual(yearOf(await factsOf(ents[2].id), 2011), { green_factory: 1, patents: 14 });
  });
});

describe('the command line', () => {
  test('zoneops import facts: all, good, dry run, errors by line', async () => {
    const c = ents[3].credit_code;
    const file = join(dir, 'facts.csv');
    writeFileSync(file, csv([[c, 2010, 'energy_tce', '1500.25'], [c, 2010, 'emissions_t', 'n/a'], [c, 2010, 'listed', 1]]));
    let r = cli(db.url, ['import', 'facts', file]);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /facts\.csv: line 3: value: value "n\/a" is not a number/);
    assert.equal(yearOf(await factsOf(ents[3].id), 2010).energy_tce, undefined, 'mode all wrote nothing');
    r = cli(db.url, ['import', 'facts', file, '--mode', 'good', '--dry-run']);
    assert.match(r.stdout, /dry run: 3 rows for 1 enterprises: 2 to add, 0 to replace, 0 unchanged, 1 bad; years 2010; nothing written/);
    assert.equal(yearOf(await factsOf(ents[3].id), 2010).energy_tce, undefined, 'the dry run wrote nothing');
    r = cli(db.url, ['import', 'facts', file, '--mode', 'good']);
    assert.equal(r.status, 1, 'bad rows: exit 1 even when the good ones are written');
    assert.match(r.stdout, /3 rows for 1 enterprises: 2 added, 0 replaced, 0 unchanged, 1 bad/);
    const f = yearOf(await factsOf(ents[3].id), 2010);
    assert.deepEqual([f.energy_tce, f.listed], [1500.25, 1]);
    writeFileSync(file, csv([[c, 2010, 'energy_tce', '1600'], [c, 2010, 'listed', 1]]));
    r = cli(db.url, ['import', 'facts', file]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /2 rows for 1 enterprises: 0 added, 1 replaced, 1 unchanged, 0 bad; years 2010\n/);
    assert.equal(yearOf(await factsOf(ents[3].id), 2010).energy_tce, 1600);
    r = cli(db.url, ['import', 'facts', '--help']);
    assert.equal(r.status, 0);
    assert.match(r.stdout, /import facts FILE \[--dry-run\] \[--mode all\|good\] \[--format csv\|xlsx\]/);
  });
});

// Files larger than the importer's bulk flush (FACT_BULK_FLUSH, 20,000 rows)
// and its commits in mode good (1,000 rows), into a database that already
// holds some of their facts: the counts are exact and the values read back.
// A dry run must write nothing -- so a second dry run counts the same.
describe('the bulk path: files over several flushes', () => {
  const FACTS = ['revenue', 'tax_paid', 'rd_spending', 'output_value', 'value_added', 'employees', 'new_employees',
    'energy_tce', 'emissions_t', 'exports'];
  const YEARS = 60;                            // 1901..1960: no other test's, nor the demo's
  let list;                                    // 40 enterprises [{id, credit_code}]
  const keys = [];                             // every (enterprise, year, fact) of the big file, in its order
  const value = (i, v = 0) => (((i * 7919 + v * 104729) % 1000000) / 100).toString();
  const line = (k, val) => [k.code, k.year, k.fact, val];
  const summary = (r) => {
    const m = r.stdout.match(/(\d+) rows for (\d+) enterprises: (\d+) (?:added|to add), (\d+) (?:replaced|to replace), (\d+) unchanged, (\d+) bad/);
    assert.ok(m, r.stdout + r.stderr);
    return m.slice(1).map(Number);
  };
  const file = (name, rows) => {
    const f = join(dir, name);
    writeFileSync(f, csv(rows));
    return f;
  };

  before(async () => {
    const r = await as.admin.get('/api/v1/enterprises?limit=40');
    list = r.json.items.map((e) => ({ id: e.id, code: e.credit_code }));
    assert.equal(list.length, 40);
    for (let y = 1901; y < 1901 + YEARS; y++)
      for (const e of list)
        for (const fact of FACTS) keys.push({ id: e.id, code: e.code, year: y, fact });
  });

  const readBack = async (e, expect) => {
    // the long synchronous CLI runs kept the event loop from seeing the
    // server close an idle keep-alive connection: let it, before a request
    await new Promise((resolve) => setTimeout(resolve, 100));
    const got = (await factsOf(e.id)).json.years.filter((y) => y.year < 1901 + YEARS);
    const want = {};
    keys.forEach((k, i) => {
      if (k.id === e.id && expect(i) !== undefined) (want[k.year] ??= {})[k.fact] = Number(expect(i));
    });
    assert.deepEqual(Object.fromEntries(got.map((y) => [y.year, y.facts])), want, `the facts of enterprise ${e.id}`);
  };

  test('mode all: added / replaced / unchanged exact over flushes; a dry run writes nothing', async () => {
    // before: every third fact, half of them with the value the big file has
    const prior = keys.map((k, i) => (i % 3 === 0 ? line(k, value(i, i % 2)) : null)).filter(Boolean);
    let r = cli(db.url, ['import', 'facts', file('prior.csv', prior)]);
    assert.equal(r.status, 0, r.stderr);
    const N = keys.length;                     // 24,000: two flushes
    assert.deepEqual(summary(r), [N / 3, 40, N / 3, 0, 0, 0]);
    const big = file('big.csv', keys.map((k, i) => line(k, value(i))));
    const expected = [N, 40, (2 * N) / 3, N / 6, N / 6, 0];
    for (let n = 0; n < 2; n++) {
      r = cli(db.url, ['import', 'facts', big, '--dry-run']);
      assert.equal(r.status, 0, r.stderr);
      assert.deepEqual(summary(r), expected, `dry run ${n + 1}`);
      assert.match(r.stdout, /nothing written/);
    }
    await readBack(list[7], (i) => (i % 3 === 0 ? value(i, i % 2) : undefined));
    r = cli(db.url, ['import', 'facts', big]);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(summary(r), expected);
    r = cli(db.url, ['import', 'facts', big, '--dry-run']);
    assert.deepEqual(summary(r), [N, 40, 0, 0, N, 0], 'everything is stored');
    for (const e of [list[0], list[39]]) await readBack(e, (i) => value(i));
  });

  // mode all reads the file once, writing each batch as it goes (one in a
  // thread while the next is checked): a bad row after the first batch
  // went out must still leave every stored fact as it was
  test('mode all: a bad row after a written batch writes nothing', async () => {
    const BAD = 22000;                         // past the first flush of 20,000
    const rows = keys.map((k, i) => line(k, i === BAD ? '1.23456' : value(i, 5)));
    rows.push([list[0].code, 1999, 'exports', '7']);   // a new fact after the bad row
    const r = cli(db.url, ['import', 'facts', file('late-bad.csv', rows)]);
    assert.equal(r.status, 1, 'a bad row in mode all: exit 1');
    assert.match(r.stderr, new RegExp(`late-bad\\.csv: line ${BAD + 2}: value: value "1\\.23456" has more than 4 decimals`));
    assert.equal(r.stderr.match(/late-bad\.csv: line \d+:/g).length, 1, 'one bad row');
    for (const e of [list[0], list[39]]) await readBack(e, (i) => value(i));
    assert.equal(yearOf(await factsOf(list[0].id), 1999).exports, undefined, 'nothing after the bad row either');
  });

  test('mode good: bad rows among the batches; the good rows written and counted exactly', async () => {
    // a new value for every fourth fact, a bad value for every 4,999th row,
    // and some rows of a new year
    const rows = keys.map((k, i) => line(k, i % 4999 === 0 ? 'x' : value(i, i % 4 === 0 ? 3 : 0)));
    for (const e of list.slice(0, 5)) rows.push([e.code, 1999, 'revenue', '1.5']);
    const bad = keys.filter((k, i) => i % 4999 === 0).length;
    const replaced = keys.filter((k, i) => i % 4999 !== 0 && i % 4 === 0).length;
    const f = file('good.csv', rows);
    const N = keys.length;
    let r = cli(db.url, ['import', 'facts', f, '--mode', 'good', '--dry-run']);
    assert.equal(r.status, 1);
    assert.deepEqual(summary(r), [N + 5, 40, 5, replaced, N - bad - replaced, bad]);
    r = cli(db.url, ['import', 'facts', f, '--mode', 'good']);
    assert.equal(r.status, 1, 'bad rows: exit 1');
    assert.deepEqual(summary(r), [N + 5, 40, 5, replaced, N - bad - replaced, bad]);
    assert.match(r.stderr, /good\.csv: line 2: value: value "x" is not a number/);
    const now = (i) => (i % 4999 === 0 ? value(i) : value(i, i % 4 === 0 ? 3 : 0));
    for (const e of [list[0], list[21]]) await readBack(e, now);
    assert.deepEqual(yearOf(await factsOf(list[4].id), 1999), { revenue: 1.5 });
  });
});
