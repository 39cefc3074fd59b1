// Race import: leads, projects and trips from CSV (UTF-8 or GBK) and XLSX,
// over HTTP (POST /api/v1/race/import?kind=..., a background job: 202, then
// GET /api/v1/imports/{id} until it ends) and the CLI (zoneops import
// leads|projects|trips FILE), on a --demo server (units ib, ipb, ...; users
// leader.ib, rec.ib.1, ...; password demo-password).
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freshDb, startServer, Client, cli, demoAdminPassword, demoUsers, importJob } from './lib.mjs';
import { xlsx } from './xlsx.mjs';

const DEMO_PW = 'demo-password';
let db, srv, adminPw, dir;
let as;   // demoUsers(srv, adminPw), once the server runs

// The import as a job: {res, job} (job null when the POST is not 202).
function imp(c, kind, body, qs = '', type = 'text/csv') {
  return importJob(c, `/api/v1/race/import?kind=${kind}${qs}`, body, { type });
}

// What a job that ended wrote or would write (the importer's summary).
function summary({ res, job }) {
  assert.equal(res.status, 202, res.text);
  assert.equal(job.status, 'done', JSON.stringify(job));
  assert.equal(job.report.error_rows, 0, JSON.stringify(job.report.errors));
  const { kind, dry_run, rows, created, duplicates } = job.report;
  return { kind, dry_run, rows, created, duplicates };
}

// The row errors of a job whose rows were refused: nothing written.
function refused({ res, job }) {
  assert.equal(res.status, 202, res.text);
  assert.equal(job.status, 'done', JSON.stringify(job));
  assert.equal(job.report.written, false);
  assert.ok(job.error_rows > 0);
  return job.report.errors;
}

// The error of a job that failed on its file as a whole.
function fileError({ res, job }) {
  assert.equal(res.status, 202, res.text);
  assert.equal(job.status, 'failed', JSON.stringify(job));
  assert.deepEqual(job.report.errors, [job.report.fatal]);
  return job.report.fatal;
}

async function leadsTotal(q = '') {
  const r = await (await as('admin')).get(`/api/v1/leads?limit=1${q}`);
  assert.equal(r.status, 200, r.text);
  return r.json.total;
}

async function findLead(company) {
  const r = await (await as('admin')).get(`/api/v1/leads?limit=10&q=${encodeURIComponent(company)}`);
  assert.equal(r.status, 200, r.text);
  return r.json.items.find(l => l.company === company);
}

async function projectsTotal() {
  const r = await (await as('admin')).get('/api/v1/projects?limit=1');
  assert.equal(r.status, 200, r.text);
  return r.json.total;
}

// Trips have no list here until trips.c is written: null means "cannot tell".
async function tripsTotal() {
  const r = await (await as('admin')).get('/api/v1/trips?limit=1');
  return r.status === 200 ? r.json.total : null;
}

function file(name, content) {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}

// ------------------------------------------------------------ the server

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'zo-race-import-'));
  db = freshDb();
  srv = await startServer(db.url, ['--demo']);
  adminPw = await demoAdminPassword(srv);
  as = demoUsers(srv, adminPw, DEMO_PW);
});

after(async () => {
  const code = srv ? await srv.stop() : 0;
  db?.cleanup();
  if (dir) rmSync(dir, { recursive: true, force: true });
  if (code !== 0) throw new Error(`server exited ${code}:\n${srv.output().stderr.slice(-4000)}`);
});

describe('race import', () => {
  test('leads: Chinese headers, units and recruiters by name, duplicates flagged', async () => {
    const admin = await as('admin');
    const before0 = await leadsTotal();
    const csv = '招商单位,招商人员,企业名称,统一社会信用代码,行业,预计投资（亿元）,获取日期,是否有效,备注\n'
      + '招商局,rec.ib.1,导入甲乙科技有限公司,,C39,1.5,2024-03-05,是,first\n'
      + 'ipb,顾建平,导入甲乙科技（有限公司）,,C39,2,2024/3/6,,claimed twice\n'
      + '1,rec.ib.2,导入丙丁材料,,C26,0.25,2024年3月7日,否,\n';
    const r = await imp(admin, 'leads', csv);
    assert.deepEqual(summary(r), { kind: 'leads', dry_run: false, rows: 3, created: 3, duplicates: 1 });
    assert.equal(await leadsTotal(), before0 + 3);
    const a = await findLead('导入甲乙科技有限公司');
    assert.equal(a.unit_name, '招商局');
    assert.equal(a.est_investment, 1.5);
    assert.equal(a.captured_on, '2024-03-05');
    assert.equal(a.qualified, true);
    assert.equal(a.notes, 'first');
    assert.equal(a.duplicate, false);
    const b = await findLead('导入甲乙科技（有限公司）');
    assert.equal(b.unit_name, '投资促进局');
    assert.equal(b.recruiter_name, '顾建平');
    assert.equal(b.captured_on, '2024-03-06');
    assert.equal(b.duplicate, true);
    const c = await findLead('导入丙丁材料');
    assert.equal(c.captured_on, '2024-03-07');
    assert.equal(c.status, 'rejected');
    assert.equal(c.est_investment, 0.25);
  });

  test('bad rows: the job lists exactly those lines, nothing is stored', async () => {
    const admin = await as('admin');
    const before0 = await leadsTotal();
    const csv = 'unit,recruiter,company,est_investment,captured_on,qualified\n'
      + 'ib,rec.ib.1,坏行测试好公司,1,2024-03-05,\n'           // line 2: good
      + 'nosuch,rec.ib.1,坏行测试一,1,2024-03-05,\n'          // 3: unknown unit
      + 'ib,rec.ib.1,坏行测试二,-1,2024-03-05,\n'             // 4: negative
      + '\n'                                                   // 5: blank, skipped
      + 'ib,rec.ib.1,坏行测试三,1,2024-02-30,\n'              // 6: no such date
      + 'ib,rec.ipb.1,坏行测试四,1,2024-03-05,\n'             // 7: recruiter of another unit
      + 'ib,rec.ib.1,"坏行\n测试五",1.23456,2024-03-05,\n'    // 8-9: too many decimals
      + 'ib,rec.ib.1,坏行测试六,1,2024-03-05,maybe\n'         // 10: not a yes/no
      + 'ib,rec.ib.1,,1,2024-03-05,\n';                       // 11: no company
    const r = await imp(admin, 'leads', csv);
    const errors = refused(r);
    assert.equal(r.job.report.error_count, 7);
    assert.equal(r.job.error_rows, 7);
    assert.deepEqual(errors.map(e => [e.line, e.field]), [
      [3, 'unit_id'], [4, 'est_investment'], [6, 'captured_on'], [7, 'recruiter_id'],
      [8, 'est_investment'], [10, 'qualified'], [11, 'company'],
    ]);
    for (const e of errors) assert.ok(e.code && e.message, JSON.stringify(e));
    assert.equal(errors[1].code, 'negative_amount');
    assert.equal(await leadsTotal(), before0);
    assert.equal(await findLead('坏行测试好公司'), undefined);
  });

  test('file errors: unknown kind, unknown or missing header, empty file', async () => {
    const admin = await as('admin');
    // the parameters are checked before a job starts
    let r = await imp(admin, 'people', 'company\nx\n');
    assert.equal(r.res.status, 422);
    assert.equal(r.res.json.error.field, 'kind');
    r = await imp(admin, 'leads', '');
    assert.equal(r.res.status, 422);
    assert.equal(r.res.json.error.code, 'empty_file');
    // the file's own problems end the job failed
    let e = fileError(await imp(admin, 'leads', 'company,colour\nx,red\n'));
    assert.equal(e.code, 'unknown_header');
    assert.equal(e.line, 1);
    e = fileError(await imp(admin, 'trips', 'user,destination\nrec.ib.1,上海\n'));
    assert.equal(e.code, 'missing_header');
    e = fileError(await imp(admin, 'leads', 'company,unit\n'));
    assert.equal(e.code, 'empty_file');
  });

  test('dry run counts what would be created and writes nothing', async () => {
    const admin = await as('admin');
    const before0 = await leadsTotal();
    const csv = 'unit_id,company,captured_on\nsdb,预演公司一,2024-04-01\nsdb,预演公司二,2024-04-02\n';
    let r = await imp(admin, 'leads', csv, '&dry_run=1');
    assert.deepEqual(summary(r), { kind: 'leads', dry_run: true, rows: 2, created: 2, duplicates: 0 });
    assert.equal(r.job.dry_run, true);
    assert.equal(await leadsTotal(), before0);
    r = await imp(admin, 'leads', csv + 'sdb,预演公司三,2024-13-01\n', '&dry_run=1');
    assert.deepEqual(refused(r).map(e => e.line), [4]);
  });

  test('a GBK (GB18030) file', async () => {
    const admin = await as('admin');
    const csv = '招商单位,招商人员,企业名称,获取日期,预计投资(亿元)\n服务业发展局,leader.sdb,国标编码贸易有限公司,2024-05-10,3.25\n';
    const conv = spawnSync('iconv', ['-f', 'UTF-8', '-t', 'GB18030'], { input: Buffer.from(csv) });
    assert.equal(conv.status, 0, String(conv.stderr));
    assert.notDeepEqual(conv.stdout, Buffer.from(csv));
    const r = await imp(admin, 'leads', new Uint8Array(conv.stdout));
    assert.equal(summary(r).created, 1);
    assert.equal(r.job.report.encoding, 'gb18030');
    const l = await findLead('国标编码贸易有限公司');
    assert.equal(l.unit_name, '服务业发展局');
    assert.equal(l.recruiter_name, '钱晓燕');
    assert.equal(l.est_investment, 3.25);
  });

  test('an XLSX file: number cells, date cells', async () => {
    const admin = await as('admin');
    // 45383 = 2024-04-01 (from 1899-12-30)
    const book = xlsx([
      ['招商单位', '招商人员', '企业名称', '预计投资（亿元）', '获取日期', '是否有效'],
      ['ftz', '施卫东', '表格导入物流有限公司', 12.5, 45383, 'TRUE'],
      ['iic', 'leader.iic', '表格导入机械有限公司', 0.1, '2024-04-02', 0],
    ]);
    const r = await imp(admin, 'leads', new Uint8Array(book), '', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    assert.equal(summary(r).created, 2);
    assert.equal(r.job.format, 'xlsx');
    const a = await findLead('表格导入物流有限公司');
    assert.equal(a.captured_on, '2024-04-01');
    assert.equal(a.est_investment, 12.5);
    assert.equal(a.qualified, true);
    const b = await findLead('表格导入机械有限公司');
    assert.equal(b.est_investment, 0.1);
    assert.equal(b.status, 'rejected');
    // a bad row in an XLSX names its sheet row
    const bad = xlsx([['unit', 'company', 'captured_on'], ['iic', '表格坏行', 'yesterday']]);
    const r2 = await imp(admin, 'leads', new Uint8Array(bad));
    assert.deepEqual(refused(r2).map(e => [e.line, e.field]), [[2, 'captured_on']]);
  });

  test('projects: English headers, unit by code, a lead by id; bad dates name the field', async () => {
    const admin = await as('admin');
    const lead = await findLead('导入甲乙科技有限公司');
    const before0 = await projectsTotal();
    const csv = 'name,unit,lead_id,industry,total_investment,foreign_investment,land_mu,expected_annual_tax,signed_on,landed_on\n'
      + `导入项目甲,ib,${lead.id},C39,12,0.5,80.5,3000,2024-03-20,2024-04-15\n`
      + '导入项目乙,投资促进局,,C26,0.8,,,,,\n';
    let r = await imp(admin, 'projects', csv);
    assert.deepEqual(summary(r), { kind: 'projects', dry_run: false, rows: 2, created: 2, duplicates: 0 });
    assert.equal(await projectsTotal(), before0 + 2);
    const list = await admin.get('/api/v1/projects?limit=100&unit_id=1&major=1');
    const p = list.json.items.find(x => x.name === '导入项目甲');
    assert.ok(p, list.text);
    assert.equal(p.stage, 'landed');
    assert.equal(p.total_investment_wan, 120000);
    // signed before the lead was captured; landed before signed; negative amount
    const bad = '项目名称,招商单位,有效信息编号,总投资（亿元）,签约日期,落地日期\n'
      + `坏项目一,ib,${lead.id},1,2024-03-01,\n`
      + '坏项目二,ib,,1,2024-05-01,2024-04-01\n'
      + '坏项目三,ib,,-2,,\n';
    r = await imp(admin, 'projects', bad);
    assert.deepEqual(refused(r).map(e => [e.line, e.field]), [[2, 'signed_on'], [3, 'landed_on'], [4, 'total_investment']]);
    assert.equal(await projectsTotal(), before0 + 2);
  });

  test('trips: people by username or name; a trip ending before it starts', async () => {
    const admin = await as('admin');
    const before0 = await tripsTotal();
    const csv = '人员,出发日期,返回日期,目的地,拜访次数,拜访企业\n'
      + 'rec.ib.1,2024-03-30,2024-04-02,上海,3,甲公司；乙公司\n'
      + '陆海峰,2024-03-05,2024-03-05,苏州,2,\n';
    let r = await imp(admin, 'trips', csv);
    assert.deepEqual(summary(r), { kind: 'trips', dry_run: false, rows: 2, created: 2, duplicates: 0 });
    if (before0 !== null) assert.equal(await tripsTotal(), before0 + 2);
    r = await imp(admin, 'trips', 'user_id,start_on,end_on,visits\nrec.ib.2,2024-03-10,2024-03-08,1\nrec.ib.2,2024-03-10,2024-03-12,two\nnobody,2024-03-10,2024-03-12,1\n');
    assert.deepEqual(refused(r).map(e => [e.line, e.field]), [[2, 'end_on'], [3, 'visits'], [4, 'user_id']]);
    if (before0 !== null) assert.equal(await tripsTotal(), before0 + 2);
  });

  test('permissions: a recruiter imports only its own rows, a leader its unit', async () => {
    const rec = await as('rec.ib.1');
    const leader = await as('leader.ib');
    const before0 = await leadsTotal();
    // a recruiter: its own leads (unit and recruiter default to itself)
    let r = await imp(rec, 'leads', 'company,captured_on\n招募本人公司,2024-06-01\n');
    assert.equal(summary(r).created, 1);
    const own = await findLead('招募本人公司');
    assert.equal(own.unit_name, '招商局');
    const me = await rec.get('/api/v1/me');
    assert.equal(own.recruiter_id, me.json.id ?? me.json.user?.id, me.text);
    // ... but not another unit's, nor a colleague's, nor qualified
    r = await imp(rec, 'leads', 'unit,company,captured_on\nib,招募可以,2024-06-01\nipb,招募他单位,2024-06-01\n');
    assert.deepEqual(refused(r).map(e => [e.line, e.code]), [[3, 'forbidden']]);
    r = await imp(rec, 'leads', 'recruiter,company,captured_on,qualified\nrec.ib.2,招募同事,2024-06-01,\nrec.ib.1,招募自评,2024-06-01,是\n');
    assert.deepEqual(refused(r).map(e => [e.line, e.field, e.code]),
      [[2, 'recruiter_id', 'forbidden'], [3, 'qualified', 'forbidden']]);
    r = await imp(rec, 'trips', 'user,start_on,end_on\nrec.ib.1,2024-06-03,2024-06-05\nrec.ib.2,2024-06-03,2024-06-05\n');
    assert.deepEqual(refused(r).map(e => [e.line, e.code]), [[3, 'forbidden']]);
    // a leader: its unit's people, not another unit's
    r = await imp(leader, 'trips', 'user,start_on,end_on\nrec.ib.2,2024-06-03,2024-06-05\nrec.ipb.1,2024-06-03,2024-06-05\n');
    assert.deepEqual(refused(r).map(e => [e.line, e.code]), [[3, 'forbidden']]);
    r = await imp(leader, 'leads', '招商单位,企业名称,获取日期,是否有效\n招商局,领导导入公司,2024-06-02,是\n');
    assert.equal(summary(r).created, 1);
    r = await imp(leader, 'leads', '招商单位,企业名称,获取日期\n投资促进局,领导越权公司,2024-06-02\n');
    assert.equal(refused(r)[0].code, 'forbidden');
    assert.equal(await leadsTotal(), before0 + 2);
    // other roles may not import at all
    const off = new Client(srv.url);
    assert.equal((await off.login('officer01', DEMO_PW)).status, 200);
    r = await imp(off, 'leads', 'company,captured_on\nx,2024-06-01\n');
    assert.equal(r.res.status, 403, r.res.text);
    // a job is its owner's: another recruiter does not see it, an admin does
    const { res } = await imp(rec, 'trips', 'user,start_on,end_on\nrec.ib.1,2024-06-10,2024-06-11\n');
    const other = await as('rec.ib.2');
    assert.equal((await other.get(`/api/v1/imports/${res.json.id}`)).status, 404);
    assert.equal((await rec.get(`/api/v1/imports/${res.json.id}`)).status, 200);
    assert.equal((await (await as('admin')).get(`/api/v1/imports/${res.json.id}`)).status, 200);
  });

  test('CLI: leads, projects, trips; a bad file exits 1 naming FILE: line N: field', async () => {
    const before0 = await leadsTotal();
    const leads = file('cli-leads.csv', '招商单位,招商人员,企业名称,获取日期,预计投资(亿元)\nsic,leader.sic,命令行导入公司,2024-07-01,2\n');
    let r = cli(db.url, ['import', 'leads', leads, '--dry-run']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /dry run: 1 row: would create 1 leads/);
    assert.equal(await leadsTotal(), before0);
    r = cli(db.url, ['import', 'leads', leads]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /1 row: created 1 leads, 0 flagged duplicate/);
    assert.equal(await leadsTotal(), before0 + 1);
    const lead = await findLead('命令行导入公司');
    assert.equal(lead.unit_name, '服务业招商公司');

    const projects = file('cli-projects.csv', `项目名称,招商单位,有效信息编号,总投资(亿元),签约日期\n命令行项目,sic,${lead.id},10,2024-07-15\n`);
    r = cli(db.url, ['import', 'projects', projects]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /created 1 projects/);

    const trips = file('cli-trips.csv', 'user,start_on,end_on,destination,visits\nleader.sic,2024-07-02,2024-07-03,杭州,4\n');
    r = cli(db.url, ['import', 'trips', trips]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /created 1 trips/);

    const bad = file('cli-bad.csv', 'unit,company,captured_on\nsic,命令行好行,2024-07-01\nsic,命令行坏行,2024-07-32\nnowhere,命令行坏行二,2024-07-01\n');
    r = cli(db.url, ['import', 'leads', bad]);
    assert.equal(r.status, 1);
    const lines = r.stderr.split('\n').filter(l => l.startsWith(bad));
    assert.equal(lines.length, 2, r.stderr);
    assert.match(lines[0], new RegExp(`^${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: line 3: captured_on: `));
    assert.match(lines[1], /: line 4: unit_id: /);
    assert.equal(await findLead('命令行好行'), undefined);
    r = cli(db.url, ['import', 'leads']);
    assert.equal(r.status, 2);
  });
});
