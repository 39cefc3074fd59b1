// End-to-end: the indicator import (values and annual targets, CLI and
// HTTP, CSV with Chinese headers, all-or-nothing with line numbers, a
// period replaced as a whole) and the monthly bulletin (md with YAML front
// matter, a printable html page rendered in Chromium, xlsx with numbers as
// numbers), with the roles that may import and read -- against a real
// server on the store under test.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { adminServer, Client, BIN, STORE, cli, importJob } from './lib.mjs';

const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

// ------------------------------------------------------------ helpers

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
function creditCode(n) {
  const c16 = '91320691M' + String(n).padStart(7, '0');
  const c17 = c16 + orgCheck(c16.slice(8));
  return c17 + ccCheck(c17);
}

// Run SQL directly on the database under test (regions have no API).
function sql(url, statement) {
  const r = url.startsWith('sqlite:')
    ? spawnSync('sqlite3', [url.slice(7), statement], { encoding: 'utf8' })
    : spawnSync('psql', [url, '-q', '-At', '-c', statement], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error('sql failed: ' + r.stderr);
  return r.stdout.trim();
}

function unzipEntry(file, entry) {
  const r = spawnSync('python3', ['-c',
    'import sys, zipfile; sys.stdout.buffer.write(zipfile.ZipFile(sys.argv[1]).read(sys.argv[2]))', file, entry],
    { encoding: 'utf8' });
  if (r.status !== 0) throw new Error('not a zip with ' + entry + ': ' + r.stderr);
  return r.stdout;
}

// The front matter: the block between the first two '---' lines.
function frontMatter(md) {
  const lines = md.split('\n');
  assert.equal(lines[0], '---', 'the file starts with ---');
  const end = lines.indexOf('---', 1);
  assert.ok(end > 1, 'the front matter ends with ---');
  return { block: lines.slice(1, end).join('\n'), rest: lines.slice(end + 1).join('\n') };
}

// Parse it with PyYAML when present, else a small strict parser for
// `key: "quoted"` and `key: ["a", "b"]` lines.
function parseYaml(block) {
  const py = spawnSync('python3', ['-c', 'import yaml'], { encoding: 'utf8' });
  if (py.status === 0) {
    const r = spawnSync('python3', ['-c',
      'import sys, yaml, json; d = yaml.safe_load(sys.stdin.read()); print(json.dumps(d, default=str, ensure_ascii=False))'],
      { input: block, encoding: 'utf8' });
    assert.equal(r.status, 0, 'YAML parses: ' + r.stderr);
    return JSON.parse(r.stdout);
  }
  const out = {};
  for (const line of block.split('\n')) {
    const m = /^([a-z_]+): (.*)$/.exec(line);
    assert.ok(m, `front matter line "${line}" is key: value`);
    const v = m[2];
    if (v.startsWith('[')) out[m[1]] = JSON.parse(v);
    else { assert.match(v, /^"(?:[^"\\]|\\.)*"$/, `${m[1]} is a quoted string`); out[m[1]] = JSON.parse(v); }
  }
  return out;
}

const REGIONS = [['南通开发区', 1], ['崇川区', 0], ['海门区', 0], ['通州区', 0]];

// 2021-10 and 2020-10 for four regions (亿元; fdi 亿美元).
const GOOD_CSV = '\uFEFF期间,地区,指标,数值\n' + [
  '2021-10,南通开发区,一般公共预算收入,61.8',
  '2021-10,南通开发区,税收收入,53.77',
  '2021-10,南通开发区,工业应税销售,1485',
  '2021-10,南通开发区,实际利用外资,5.54',
  '2021-10,南通开发区,进出口总额,453.8',
  '2021-10,崇川区,budget_revenue,80',
  '2021-10,崇川区,tax_revenue,71.44',
  '2021-10,海门区,budget_revenue,90.5',
  '2021-10,海门区,tax_revenue,70',
  '2021-10,通州区,budget_revenue,50',
  '2020-10,南通开发区,budget_revenue,54.79',
  '2020-10,崇川区,budget_revenue,75',
  '2020-10,海门区,budget_revenue,78.56',
  '2020-10,通州区,budget_revenue,43.9',
  '2020-10,南通开发区,fdi_utilised,5',
].join('\n') + '\n';

// ------------------------------------------------------------ the suite

describe('indicator import and bulletin', () => {
  let env, admin, stat, leader, ent, work, tokens = {};

  before(async () => {
    env = await adminServer();
    admin = new Client(env.srv.url, env.token);
    work = mkdtempSync(join(tmpdir(), 'zo-bulletin-'));
    const vals = REGIONS.map(([n, z], i) => `('${n}', ${z}, ${i + 1})`).join(', ');
    sql(env.db.url, `INSERT INTO regions (name, is_zone, sort) VALUES ${vals}`);
    const e = await admin.post('/api/v1/enterprises', { credit_code: creditCode(4242), name: '南通指标测试有限公司' });
    assert.equal(e.status, 201, e.text);
    for (const [name, body] of [
      ['stat1', { role: 'statistician' }], ['leader1', { role: 'leader' }],
      ['ent1', { role: 'enterprise', enterprise_id: e.json.id }]]) {
      const r = await admin.post('/api/v1/users', { username: name, password: 'password-' + name, ...body });
      assert.equal(r.status, 201, r.text);
      const t = cli(env.db.url, ['token', 'create', '--user', name]);
      assert.equal(t.status, 0, t.stderr);
      tokens[name] = t.stdout.trim();
    }
    stat = new Client(env.srv.url, tokens.stat1);
    leader = new Client(env.srv.url, tokens.leader1);
    ent = new Client(env.srv.url, tokens.ent1);
  });

  after(async () => {
    if (work) rmSync(work, { recursive: true, force: true });
    if (env) await env.close();
  });

  const count = (where = '') => Number(sql(env.db.url, `SELECT count(*) FROM indicator_values ${where}`));
  // an HTTP import is a job: {res, job} once it has ended
  const upload = (client, path, body) => importJob(client, path, body);
  // the report of a job that wrote (or would write) every row
  const written = ({ res, job }) => {
    assert.equal(res.status, 202, res.text);
    assert.equal(job.status, 'done', JSON.stringify(job));
    assert.equal(job.error_rows, 0, JSON.stringify(job.report.errors));
    return job.report;
  };
  // the row errors of a job that wrote nothing
  const refused = ({ res, job }) => {
    assert.equal(res.status, 202, res.text);
    assert.equal(job.status, 'done', JSON.stringify(job));
    assert.equal(job.report.written, false);
    return job.report.errors;
  };

  test('CLI: a good file imports; values are exact integers in 万', () => {
    const f = join(work, 'good.csv');
    writeFileSync(f, GOOD_CSV);
    const dry = cli(env.db.url, ['import', 'indicators', f, '--dry-run']);
    assert.equal(dry.status, 0, dry.stderr);
    assert.match(dry.stdout, /dry run: 15 values/);
    assert.equal(count(), 0, 'a dry run writes nothing');
    const r = cli(env.db.url, ['import', 'indicators', f]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(count(), 15);
    assert.equal(sql(env.db.url, "SELECT value FROM indicator_values v JOIN regions g ON g.id = v.region_id"
      + " WHERE g.name = '南通开发区' AND indicator = 'budget_revenue' AND year = 2021 AND month = 10"), '618000');
    assert.equal(sql(env.db.url, "SELECT value FROM indicator_values WHERE indicator = 'fdi_utilised' AND year = 2021"), '55400');
  });

  test('CLI: a bad row writes nothing and names its line and field', () => {
    const f = join(work, 'bad.csv');
    writeFileSync(f, 'period,region,indicator,value\n2022-03,南通开发区,budget_revenue,10\n2022-03,崇川区,budget_revenue,1e3\n'
      + '2022-03,无名区,budget_revenue,1\n2022-13,海门区,budget_revenue,1\n');
    const r = cli(env.db.url, ['import', 'indicators', f]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /line 3: value: /);
    assert.match(r.stderr, /line 4: region: /);
    assert.match(r.stderr, /line 5: period: /);
    assert.equal(count('WHERE year = 2022'), 0, 'nothing half-imported');
  });

  test('HTTP: 2021-13 is a row error with its line; nothing written', async () => {
    const before = count();
    const r = await upload(stat, '/api/v1/indicators/import?format=csv',
      'period,region,indicator,value\n2021-10,南通开发区,budget_revenue,1\n2021-13,南通开发区,trade_total,2\n');
    const errors = refused(r);
    assert.equal(r.job.report.error_count, 1);
    assert.equal(errors.length, 1);
    assert.deepEqual({ ...errors[0], message: undefined },
      { line: 3, field: 'period', code: 'invalid_period', message: undefined,
        params: { value: '2021-13', min: '1', max: '12' } });
    assert.equal(count(), before, 'the period 2021-10 was not replaced');
  });

  test('HTTP: a bad row in a big file names the line; negative, non-number, unknown indicator', async () => {
    const rows = ['期间,地区,指标,数值'];
    const inds = ['budget_revenue', 'tax_revenue', 'industrial_sales', 'trade_total'];
    for (let i = 0; i < 40; i++) rows.push(`2019-${String(1 + (i % 10)).padStart(2, '0')},崇川区,${inds[Math.floor(i / 10)]},${i}.5`);
    rows[17] = '2019-11,崇川区,budget_revenue,-3';
    rows[25] = '2019-11,崇川区,tax_revenue,abc';
    rows[30] = '2019-11,崇川区,gdp,1';
    const r = await upload(stat, '/api/v1/indicators/import', rows.join('\r\n') + '\r\n');
    assert.deepEqual(refused(r).map(e => [e.line, e.field, e.code]),
      [[18, 'value', 'negative'], [26, 'value', 'not_a_number'], [31, 'indicator', 'unknown_indicator']]);
    assert.equal(count('WHERE year = 2019'), 0);
    const h = await upload(stat, '/api/v1/indicators/import', 'period,region,name,value\n2021-10,崇川区,x,1\n');
    assert.equal(h.job.status, 'failed');
    assert.equal(h.job.report.fatal.code, 'unknown_header');
  });

  test('HTTP: re-importing a period replaces it as a whole; dry run reports counts', async () => {
    // a new period first
    const csv = 'period,region,indicator,value\n2021-09,南通开发区,budget_revenue,55\n2021-09,崇川区,budget_revenue,70\n'
      + '2021-09,海门区,budget_revenue,80\n';
    let r = written(await upload(stat, '/api/v1/indicators/import', csv));
    assert.equal(r.inserted, 3);
    assert.deepEqual(r.periods, ['2021-09']);
    assert.equal(count('WHERE year = 2021 AND month = 9'), 3);
    r = written(await upload(stat, '/api/v1/indicators/import?dry_run=1',
      'period,region,indicator,value\n2021-09,南通开发区,budget_revenue,56.1234\n'));
    assert.equal(r.dry_run, true);
    assert.equal(r.replaced, 3);
    assert.equal(count('WHERE year = 2021 AND month = 9'), 3, 'dry run wrote nothing');
    r = written(await upload(stat, '/api/v1/indicators/import',
      'period,region,indicator,value\n2021-09,南通开发区,budget_revenue,56.1234\n'));
    assert.equal(r.replaced, 3);
    assert.equal(count('WHERE year = 2021 AND month = 9'), 1);
    assert.equal(sql(env.db.url, 'SELECT value FROM indicator_values WHERE year = 2021 AND month = 9'), '561234');
    assert.equal(count('WHERE year = 2021 AND month = 10'), 10, 'other periods untouched');
    // the audit log has the import
    assert.ok(Number(sql(env.db.url, "SELECT count(*) FROM audit_log WHERE action = 'import indicators'")) >= 2);
  });

  test('targets: CLI and HTTP upsert per region, indicator and year', async () => {
    const f = join(work, 'targets.csv');
    writeFileSync(f, '年份,地区,指标,目标值\n2021,南通开发区,一般公共预算收入,70\n2021,崇川区,budget_revenue,100\n');
    const c = cli(env.db.url, ['import', 'targets', f]);
    assert.equal(c.status, 0, c.stderr);
    assert.match(c.stdout, /2 targets for 2021: 2 new, 0 updated/);
    const r = written(await upload(stat, '/api/v1/indicators/targets/import',
      'year,region,indicator,value\n2021,南通开发区,budget_revenue,75.5\n2022,南通开发区,budget_revenue,80\n'));
    assert.equal(r.created, 1);
    assert.equal(r.updated, 1);
    assert.equal(sql(env.db.url, "SELECT value FROM indicator_targets t JOIN regions g ON g.id = t.region_id"
      + " WHERE g.name = '南通开发区' AND year = 2021"), '755000');
    assert.equal(Number(sql(env.db.url, 'SELECT count(*) FROM indicator_targets')), 3);
    const bad = await upload(stat, '/api/v1/indicators/targets/import',
      'year,region,indicator,value\n2021-10,南通开发区,budget_revenue,1\n2021,南通开发区,budget_revenue,1.23456\n');
    assert.deepEqual(refused(bad).map(e => [e.line, e.field]), [[2, 'year'], [3, 'value']]);
  });

  test('permissions: statistician and admin import, leader reads the bulletin, enterprise sees nothing', async () => {
    const csv = 'period,region,indicator,value\n2018-01,崇川区,budget_revenue,1\n';
    assert.equal(written(await upload(admin, '/api/v1/indicators/import?dry_run=1', csv)).dry_run, true);
    assert.equal((await upload(leader, '/api/v1/indicators/import', csv)).res.status, 403);
    assert.equal((await upload(ent, '/api/v1/indicators/import', csv)).res.status, 403);
    assert.equal((await upload(ent, '/api/v1/indicators/targets/import', csv)).res.status, 403);
    assert.equal((await ent.get('/api/v1/indicators/bulletin?period=2021-10')).status, 403);
    assert.equal((await leader.get('/api/v1/indicators/bulletin?period=2021-10')).status, 200);
    assert.equal((await new Client(env.srv.url).get('/api/v1/indicators/bulletin?period=2021-10')).status, 401);
    assert.equal(count('WHERE year = 2018'), 0);
  });

  test('bulletin md: a Jekyll post whose front matter parses as YAML', async () => {
    const r = cli(env.db.url, ['report', 'monthly', '--period', '2021-10', '--format', 'md']);
    assert.equal(r.status, 0, r.stderr);
    const { block, rest } = frontMatter(r.stdout);
    const y = parseYaml(block);
    assert.equal(y.layout, 'post');
    assert.equal(y.title, '南通开发区2021年1-10月主要经济指标');
    assert.match(String(y.date), /^2021-10-31[ T]00:00:00/);
    assert.ok(y.categories && y.tags, 'categories and tags');
    assert.match(rest, /<p class="report">1-10月，南通开发区完成一般公共预算收入61\.8亿元，增长12\.8%/);
    assert.match(rest, /其中税占比87%/);
    assert.match(rest, /<table class="indicators">/);
    assert.match(rest, /<tr class="zone"><th scope="rowgroup"[^>]*>一般公共预算收入<\/th><th scope="row">南通开发区<\/th><td class="num">61\.8<\/td>/);
    // one rule for growth and shares in the table: one decimal, growth signed
    // ("+12.8", "+31.0", "-3.1"), never "31" beside "12.8"
    const cells = [...rest.matchAll(/<tr[^>]*>(?:<th[^>]*>[^<]*<\/th>)+((?:<td[^>]*>[^<]*<\/td>)+)<\/tr>/g)]
      .map((m) => [...m[1].matchAll(/<td[^>]*>([^<]*)<\/td>/g)].map((c) => c[1]));
    assert.ok(cells.length >= 10, rest);
    for (const c of cells) {
      assert.match(c[2], /^([+-]\d+\.\d|0\.0|—)$/, 'growth ' + c.join('|'));
      assert.match(c[5], /^(\d+\.\d)?$/, 'tax share ' + c.join('|'));
    }
    assert.ok(cells.some((c) => c[2] === '+12.8'), 'the zone budget growth');
    // the same over HTTP, as a download
    const h = await leader.get('/api/v1/indicators/bulletin?period=2021-10&format=md');
    assert.equal(h.status, 200);
    assert.match(h.headers.get('content-type'), /^text\/markdown/);
    assert.match(h.headers.get('content-disposition'), /attachment; filename="2021-10-31-indicators-2021-10\.md"/);
    assert.equal(h.text, r.stdout);
    // bad parameters
    assert.equal((await leader.get('/api/v1/indicators/bulletin?period=2021-13')).status, 422);
    assert.equal((await leader.get('/api/v1/indicators/bulletin?period=2021-10&format=pdf')).status, 422);
    assert.equal((await leader.get('/api/v1/indicators/bulletin?period=2005-10')).status, 404);
    const x = cli(env.db.url, ['report', 'monthly', '--period', '2021-10', '--format', 'xlsx']);
    assert.equal(x.status, 2, 'xlsx needs -o');
  });

  test('bulletin md: Liquid written into region names stays text when Jekyll builds the site', async () => {
    // a statistician names regions: {{ … }} and {% … %} must not run as Liquid
    const evil = '{{ site.secret }}{% include x %}';
    const zone = '南通{{ page.x }}开发区';
    sql(env.db.url, `UPDATE regions SET name = '${evil}' WHERE name = '海门区'`);
    sql(env.db.url, `UPDATE regions SET name = '${zone}' WHERE name = '南通开发区'`);
    try {
      const r = cli(env.db.url, ['report', 'monthly', '--period', '2021-10', '--format', 'md']);
      assert.equal(r.status, 0, r.stderr);
      assert.doesNotMatch(r.stdout, /\{\{|\{%|%\}|\}\}/, 'no live Liquid anywhere in the file');
      assert.doesNotMatch(r.stdout, /[{}]/, 'not a brace of the data');
      const { block, rest } = frontMatter(r.stdout);
      // the title still says the zone's name exactly once YAML is read
      assert.equal(parseYaml(block).title, `${zone}2021年1-10月主要经济指标`);
      // and the page shows the names as written (HTML character references)
      assert.match(rest, /<th scope="row">&#123;&#123; site\.secret &#125;&#125;&#123;% include x %&#125;<\/th>/);
      const h = await leader.get('/api/v1/indicators/bulletin?period=2021-10&format=md');
      assert.equal(h.text, r.stdout);
    } finally {
      sql(env.db.url, `UPDATE regions SET name = '海门区' WHERE name = '${evil}'`);
      sql(env.db.url, `UPDATE regions SET name = '南通开发区' WHERE name = '${zone}'`);
    }
  });

  test('bulletin html renders in Chromium with the paragraph and the table', async (t) => {
    const file = join(work, 'bulletin.html');
    const r = cli(env.db.url, ['report', 'monthly', '--period', '2021-10', '--format', 'html', '-o', file]);
    assert.equal(r.status, 0, r.stderr);
    const html = readFileSync(file, 'utf8');
    assert.match(html, /^<!DOCTYPE html>/);
    assert.match(html, /<meta charset="utf-8">/);
    const h = await leader.get('/api/v1/indicators/bulletin?period=2021-10&format=html');
    assert.equal(h.status, 200);
    assert.equal(h.text, html);
    if (!existsSync(CHROMIUM)) {
      t.skip(`no browser at ${CHROMIUM}`);
      return;
    }
    const { chromium } = await import('playwright-core');
    const profile = mkdtempSync(join(tmpdir(), 'zoneops-ui-'));
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      env: { ...process.env, TMPDIR: profile, HOME: profile },
      args: [
        '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync',
      ],
    });
    try {
      const page = await browser.newPage();
      const problems = [];
      page.on('console', m => { if (m.type() === 'error') problems.push(m.text()); });
      page.on('pageerror', e => problems.push(e.message));
      await page.goto('file://' + file);
      assert.equal(await page.title(), '南通开发区2021年1-10月主要经济指标');
      const p = await page.textContent('p.report');
      assert.match(p, /^1-10月，南通开发区完成一般公共预算收入61\.8亿元/);
      const rows = await page.$$eval('table.indicators tbody tr', trs => trs.length);
      assert.equal(rows, 6 * REGIONS.length);
      const zone = await page.$$eval('tr.zone th[scope=row]', ths => ths.map(t => t.textContent));
      assert.deepEqual(zone, Array(6).fill('南通开发区'));
      const bg = await page.$eval('tr.zone td', td => getComputedStyle(td).backgroundColor);
      assert.notEqual(bg, 'rgba(0, 0, 0, 0)', 'the zone is highlighted');
      const pdf = await page.pdf({ format: 'A4' });
      assert.ok(pdf.length > 1000, 'it prints');
      assert.deepEqual(problems, []);
    } finally {
      await browser.close();
      rmSync(profile, { recursive: true, force: true });
    }
  });

  test('bulletin xlsx: a workbook with numbers as numbers', async (t) => {
    const file = join(work, 'bulletin.xlsx');
    const r = cli(env.db.url, ['report', 'monthly', '--period', '2021-10', '--format', 'xlsx', '-o', file]);
    assert.equal(r.status, 0, r.stderr);
    const buf = readFileSync(file);
    assert.equal(buf.subarray(0, 4).toString('latin1'), 'PK\x03\x04');
    const sheet = unzipEntry(file, 'xl/worksheets/sheet1.xml');
    assert.match(sheet, /<c r="C5" s="\d+"><v>61\.8<\/v><\/c>/, 'the zone\'s budget revenue as a number');
    assert.match(sheet, /<v>1485<\/v>/);
    assert.match(sheet, /<v>5\.54<\/v>/);
    const styles = unzipEntry(file, 'xl/styles.xml');
    assert.match(styles, /formatCode="0\.0%"/);
    const shared = unzipEntry(file, 'xl/sharedStrings.xml');
    assert.match(shared, /1-10月，南通开发区完成一般公共预算收入61\.8亿元/);
    // over HTTP
    const h = await fetch(env.srv.url + '/api/v1/indicators/bulletin?period=2021-10&format=xlsx',
      { headers: { Authorization: 'Bearer ' + tokens.leader1 } });
    assert.equal(h.status, 200);
    assert.match(h.headers.get('content-type'), /spreadsheetml/);
    assert.match(h.headers.get('content-disposition'), /indicators-2021-10\.xlsx/);
    const body = Buffer.from(await h.arrayBuffer());
    assert.equal(body.subarray(0, 4).toString('latin1'), 'PK\x03\x04');
    // LibreOffice, when installed: convert to CSV and read the value back
    const which = spawnSync('sh', ['-c', 'command -v soffice || command -v libreoffice'], { encoding: 'utf8' });
    if (which.status !== 0) {
      t.diagnostic('LibreOffice (soffice) is not installed: the headless CSV conversion was skipped');
      return;
    }
    const out = mkdtempSync(join(tmpdir(), 'zo-soffice-'));
    try {
      const c = spawnSync(which.stdout.trim(), ['--headless', '-env:UserInstallation=file://' + out + '/profile',
        '--convert-to', 'csv', '--outdir', out, file], { encoding: 'utf8', timeout: 120000 });
      assert.equal(c.status, 0, c.stderr);
      const csv = readFileSync(join(out, 'bulletin.csv'), 'utf8');
      assert.match(csv, /南通开发区,61\.80/);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
