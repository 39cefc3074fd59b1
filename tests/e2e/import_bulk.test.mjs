// The bulk write paths of the leads, indicator values and targets imports
// (issue 15): the rows go out with COPY (PostgreSQL) or prepared multi-row
// INSERTs (SQLite) in batches, the duplicates of leads and the counts of
// targets are found set-based -- and everything a user sees must be as when
// the rows were written one by one: the duplicates (within the file, with
// stored leads, across batches of 10,000), created/updated counts, values
// read back, dry runs that write nothing, bad rows that write nothing.
// Against a --demo server (units ib, ipb, sic, ...; regions 南通开发区, 崇川区, ...)
// through the command line, read back with SQL.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freshDb, startServer, cli, demoAdminPassword } from './lib.mjs';

let db, srv, dir;

function sql(statement) {
  const r = db.url.startsWith('sqlite:')
    ? spawnSync('sqlite3', [db.url.slice(7), statement], { encoding: 'utf8' })
    : spawnSync('psql', [db.url, '-q', '-At', '-F', '|', '-c', statement], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error('sql failed: ' + r.stderr);
  return r.stdout.trim();
}

function file(name, content) {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}

function run(args) {
  const r = cli(db.url, args);
  return r;
}

const leadsCount = () => Number(sql('SELECT count(*) FROM leads'));

// company → [id, unit code, duplicate_of's company or '', status]
function leadsOf(prefix) {
  const rows = sql(`SELECT l.company, u.code, COALESCE(d.company, ''), l.status FROM leads l JOIN units u ON u.id = l.unit_id`
    + ` LEFT JOIN leads d ON d.id = l.duplicate_of WHERE l.company LIKE '${prefix}%' ORDER BY l.id`);
  return rows ? rows.split('\n').map(l => l.split('|')) : [];
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'zo-import-bulk-'));
  db = freshDb();
  srv = await startServer(db.url, ['--demo']);
  await demoAdminPassword(srv);
});

after(async () => {
  const code = srv ? await srv.stop() : 0;
  db?.cleanup();
  if (dir) rmSync(dir, { recursive: true, force: true });
  if (code !== 0) throw new Error(`server exited ${code}:\n${srv.output().stderr.slice(-4000)}`);
});

describe('bulk imports keep the one-by-one semantics', () => {
  test('leads: duplicates of stored leads and of the file\'s own, by key and by credit code; dry run first', () => {
    // a stored claim of 甲乙科技 by ib
    const seed = file('seed.csv', 'unit,company,captured_on\nib,批量甲乙科技有限公司,2024-07-01\n');
    assert.equal(run(['import', 'leads', seed]).status, 0);
    const csv = 'unit,company,credit_code,captured_on,qualified\n'
      + 'ipb,批量甲乙科技（集团）,,2024-07-02,\n'          // dup of the stored ib lead
      + 'ib,批量丙丁制造有限公司,,2024-07-02,\n'           // a claim
      + 'ipb,批量丙丁制造,,2024-07-02,\n'                  // dup of the line above (the file's own)
      + 'sic,批量丙丁制造公司,,2024-07-02,\n'              // dup of the ib claim, not of the ipb duplicate
      + 'ipb,批量戊己,,2024-07-02,否\n'                    // rejected: no claim
      + 'sic,批量戊己有限公司,,2024-07-02,\n'              // so a claim
      + 'ib,批量戊己集团,,2024-07-02,\n'                   // dup of the sic claim
      + 'ib,批量庚辛,91320691708051321X,2024-07-02,\n'     // a claim by credit code
      + 'sic,批量壬癸,91320691708051321X,2024-07-02,\n'    // dup by credit code
      + 'sic,批量庚辛公司,,2024-07-02,\n';                 // dup by key of the ib 庚辛
    const f = file('leads.csv', csv);
    const before0 = leadsCount();
    let r = run(['import', 'leads', f, '--dry-run']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /dry run: 10 rows: would create 10 leads, 6 flagged duplicate; nothing written/);
    assert.equal(leadsCount(), before0, 'the dry run wrote nothing');
    r = run(['import', 'leads', f]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /10 rows: created 10 leads, 6 flagged duplicate/);
    assert.deepEqual(leadsOf('批量'), [
      ['批量甲乙科技有限公司', 'ib', '', 'pending'],
      ['批量甲乙科技（集团）', 'ipb', '批量甲乙科技有限公司', 'pending'],
      ['批量丙丁制造有限公司', 'ib', '', 'pending'],
      ['批量丙丁制造', 'ipb', '批量丙丁制造有限公司', 'pending'],
      ['批量丙丁制造公司', 'sic', '批量丙丁制造有限公司', 'pending'],
      ['批量戊己', 'ipb', '', 'rejected'],
      ['批量戊己有限公司', 'sic', '', 'pending'],
      ['批量戊己集团', 'ib', '批量戊己有限公司', 'pending'],
      ['批量庚辛', 'ib', '', 'pending'],
      ['批量壬癸', 'sic', '批量庚辛', 'pending'],
      ['批量庚辛公司', 'sic', '批量庚辛', 'pending'],
    ]);
    // the API's duplicate check sees the imported claims
    const again = file('again.csv', 'unit,company,captured_on\nsdb,批量丙丁制造集团,2024-07-03\n');
    assert.match(run(['import', 'leads', again]).stdout, /created 1 leads, 1 flagged duplicate/);
    assert.deepEqual(leadsOf('批量丙丁制造集团'), [['批量丙丁制造集团', 'sdb', '批量丙丁制造有限公司', 'pending']]);
  });

  test('leads: a bad row writes nothing; a duplicate across batches of 10,000', () => {
    const before0 = leadsCount();
    const bad = file('bad.csv', 'unit,company,captured_on\nib,批量好行,2024-07-01\nib,批量坏行,2024-07-32\n');
    const r0 = run(['import', 'leads', bad]);
    assert.equal(r0.status, 1);
    assert.match(r0.stderr, /line 3: captured_on/);
    assert.equal(leadsCount(), before0);
    const rows = ['unit,company,captured_on', 'ib,跨批公司甲,2024-07-01'];
    for (let i = 0; i < 10040; i++)
      rows.push(`ib,跨批填充${i},2024-07-01`);
    rows.push('ipb,跨批公司甲有限公司,2024-07-02', 'sic,跨批填充5,2024-07-02', 'ipb,跨批填充10020,2024-07-02');
    const f = file('big.csv', rows.join('\n') + '\n');
    const r = run(['import', 'leads', f]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /10044 rows: created 10044 leads, 3 flagged duplicate/);
    assert.equal(leadsCount(), before0 + 10044);
    assert.deepEqual(leadsOf('跨批公司甲'), [['跨批公司甲', 'ib', '', 'pending'],
      ['跨批公司甲有限公司', 'ipb', '跨批公司甲', 'pending']]);
    assert.deepEqual(leadsOf('跨批填充5').at(-1), ['跨批填充5', 'sic', '跨批填充5', 'pending']);
    assert.deepEqual(leadsOf('跨批填充10020').at(-1), ['跨批填充10020', 'ipb', '跨批填充10020', 'pending']);
  });

  test('projects: rows read back, links to leads and enterprises; dry run; a bad row writes nothing', () => {
    const [e1, e2] = sql('SELECT credit_code, name FROM enterprises ORDER BY id LIMIT 2').split('\n').map(l => l.split('|'));
    const seed = file('plead.csv', 'unit,recruiter,company,credit_code,captured_on\n'
      + `ib,rec.ib.1,批量项目线索甲,${e1[0]},2024-06-01\nipb,,批量项目线索乙,,2024-06-02\n`);
    assert.equal(run(['import', 'leads', seed]).status, 0);
    const lead = (c) => sql(`SELECT id FROM leads WHERE company = '${c}'`);
    const [la, lb] = [lead('批量项目线索甲'), lead('批量项目线索乙')];
    const projects = (w) => sql("SELECT p.name || ' ' || u.code || ' ' || COALESCE(l.company, '-') || ' ' || COALESCE(r.username, '-')"
      + " || ' ' || p.stage || ' ' || p.lead_on || ' ' || p.landed_on || ' ' || COALESCE(e.name, '-') || ' '"
      + " || p.total_investment_wan || ' ' || CAST(round(p.land_mu * 10) AS BIGINT) || ' ' || p.industry FROM projects p JOIN units u ON u.id = p.unit_id"
      + ' LEFT JOIN leads l ON l.id = p.lead_id LEFT JOIN users r ON r.id = p.recruiter_id'
      + ` LEFT JOIN enterprises e ON e.id = p.enterprise_id WHERE ${w} ORDER BY p.id`);
    const count = () => Number(sql('SELECT count(*) FROM projects'));
    const csv = 'name,unit,lead_id,recruiter,industry,total_investment,land_mu,signed_on,landed_on\n'
      + `批量项目一,ib,${la},,C39,1.5,12.5,2024-07-01,2024-08-01\n`    // linked by the lead's credit code
      + `批量项目二,ib,${la},rec.ib.2,,2,0,2024-07-01,\n`               // signed, not landed: no link
      + `${e2[1]},ib,,,,0.5,0,2024-07-01,2024-08-02\n`                    // linked by its own name
      + `批量项目四,ipb,${lb},,,0,0,,\n`                                  // a lead only
      + '批量项目五,sic,,,,0,0,2024-07-03,2024-08-03\n';                 // landed, nothing to link
    const f = file('projects.csv', csv);
    const before0 = count();
    const top = Number(sql('SELECT COALESCE(max(id), 0) FROM projects'));
    let r = run(['import', 'projects', f, '--dry-run']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /dry run: 5 rows: would create 5 projects; nothing written/);
    assert.equal(count(), before0, 'the dry run wrote nothing');
    r = run(['import', 'projects', f]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /5 rows: created 5 projects/);
    assert.deepEqual(projects(`p.id > ${top}`).split('\n'), [
      `批量项目一 ib 批量项目线索甲 rec.ib.1 landed 2024-06-01 2024-08-01 ${e1[1]} 15000 125 C39`,
      '批量项目二 ib 批量项目线索甲 rec.ib.2 signed 2024-06-01  - 20000 0 ',
      `${e2[1]} ib - - landed  2024-08-02 ${e2[1]} 5000 0 `,
      '批量项目四 ipb 批量项目线索乙 - negotiating 2024-06-02  - 0 0 ',
      '批量项目五 sic - - landed  2024-08-03 - 0 0',
    ]);
    // a bad row (the lead of another unit) writes nothing
    const bad = file('projects-bad.csv', `name,unit,lead_id\n批量项目坏一,ib,${la}\n批量项目坏二,ib,${lb}\n`);
    r = run(['import', 'projects', bad]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /line 3: lead_id/);
    assert.equal(count(), before0 + 5);
  });

  test('projects: across batches of 10,000, the links after the boundary', () => {
    const [e1] = sql('SELECT credit_code, name FROM enterprises ORDER BY id LIMIT 1').split('\n').map(l => l.split('|'));
    const la = sql("SELECT id FROM leads WHERE company = '批量项目线索甲'");
    const top = Number(sql('SELECT COALESCE(max(id), 0) FROM projects'));
    const rows = ['name,unit,lead_id,signed_on,landed_on', `跨批项目首,ib,${la},2024-07-01,2024-08-01`];
    // leads thousands of ids apart (the leads' test above stored 10,044), named in both batches
    const far = [3000, 9000, 6000].map(k => sql(`SELECT id FROM leads WHERE company = '跨批填充${k}' AND unit_id =`
      + " (SELECT id FROM units WHERE code = 'ib') ORDER BY id LIMIT 1"));
    for (let i = 0; i < 10040; i++) {
      rows.push(`跨批项目填充${i},${['ib', 'ipb', 'sic'][i % 3]},,,`);
      if (i === 5000 || i === 10020)
        rows.push(`跨批项目远线索${i},ib,${far[i === 5000 ? 0 : 1]},,`);
    }
    rows.push(`跨批项目尾,ib,${la},2024-07-01,2024-08-01`, `${e1[1]},sic,,2024-07-01,2024-08-01`,
      `跨批项目远线索末,ib,${far[2]},,`);
    const r = run(['import', 'projects', file('pbig.csv', rows.join('\n') + '\n')]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /10046 rows: created 10046 projects/);
    assert.equal(Number(sql(`SELECT count(*) FROM projects WHERE id > ${top}`)), 10046);
    assert.equal(sql(`SELECT p.name || ' ' || p.stage || ' ' || l.company || ' ' || p.lead_on FROM projects p JOIN leads l`
      + ` ON l.id = p.lead_id WHERE p.id > ${top} AND p.name LIKE '跨批项目远线索%' ORDER BY p.id`),
      ['跨批项目远线索5000 negotiating 跨批填充3000 2024-07-01', '跨批项目远线索10020 negotiating 跨批填充9000 2024-07-01',
       '跨批项目远线索末 negotiating 跨批填充6000 2024-07-01'].join('\n'));
    const linked = sql(`SELECT p.name || ' ' || p.stage || ' ' || COALESCE(e.name, '-') || ' ' || COALESCE(p.lead_id, 0) FROM projects p`
      + ` LEFT JOIN enterprises e ON e.id = p.enterprise_id WHERE p.id > ${top} AND p.enterprise_id IS NOT NULL ORDER BY p.id`);
    assert.deepEqual(linked.split('\n'), [`跨批项目首 landed ${e1[1]} ${la}`, `跨批项目尾 landed ${e1[1]} ${la}`,
      `${e1[1]} landed ${e1[1]} 0`]);
    // the file's order is the order of the ids
    assert.equal(sql(`SELECT name FROM projects WHERE id > ${top} ORDER BY id LIMIT 3`), '跨批项目首\n跨批项目填充0\n跨批项目填充1');
    assert.equal(sql(`SELECT count(*) FROM projects WHERE id > ${top} AND stage = 'lead' AND lead_id IS NULL`), '10040');
  });

  test('trips: written with one copy, read back; dry run; a bad row writes nothing', () => {
    const trips = () => sql("SELECT u.username || ' ' || t.start_on || ' ' || t.end_on || ' ' || t.destination || ' ' || t.visits"
      + " FROM trips t JOIN users u ON u.id = t.user_id WHERE t.destination LIKE '批量%' ORDER BY t.id");
    const f = file('trips.csv', 'user,start_on,end_on,destination,visits,companies\n'
      + 'leader.ib,2024-07-02,2024-07-03,批量杭州,4,甲；乙\nrec.ib.1,2024/7/5,2024-07-05,批量苏州,0,\n');
    let r = run(['import', 'trips', f, '--dry-run']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /dry run: 2 rows: would create 2 trips; nothing written/);
    assert.equal(trips(), '');
    r = run(['import', 'trips', f]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /2 rows: created 2 trips/);
    assert.equal(trips(), 'leader.ib 2024-07-02 2024-07-03 批量杭州 4\nrec.ib.1 2024-07-05 2024-07-05 批量苏州 0');
    const bad = file('trips-bad.csv', 'user,start_on,end_on,destination\nleader.ib,2024-08-01,2024-08-01,批量南京\n'
      + 'admin,2024-08-01,2024-08-01,批量无锡\n');
    r = run(['import', 'trips', bad]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /line 3: user_id/);
    assert.equal(trips().split('\n').length, 2);
  });

  test('targets: a file that updates some targets and adds others; dry run; bad rows', () => {
    const t0 = file('t0.csv', 'year,region,indicator,value\n2031,南通开发区,budget_revenue,70\n2031,崇川区,budget_revenue,100\n');
    let r = run(['import', 'targets', t0]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /2 targets for 2031: 2 new, 0 updated/);
    // one changed, one the same value (still counted updated, as before), two new
    const t1 = file('t1.csv', 'year,region,indicator,value\n2031,南通开发区,budget_revenue,75.5\n'
      + '2031,崇川区,budget_revenue,100\n2031,崇川区,tax_revenue,12.3456\n2032,南通开发区,budget_revenue,80\n');
    const all = () => sql("SELECT g.name || ' ' || t.indicator || ' ' || t.year || ' ' || t.value FROM indicator_targets t"
      + ' JOIN regions g ON g.id = t.region_id WHERE t.year >= 2031 ORDER BY t.year, g.id, t.indicator');
    const stored = all();
    r = run(['import', 'targets', t1, '--dry-run']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /dry run: 4 targets for 2031, 2032: 2 new, 2 updated; nothing written/);
    assert.equal(all(), stored, 'the dry run wrote nothing');
    r = run(['import', 'targets', t1]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /4 targets for 2031, 2032: 2 new, 2 updated/);
    assert.deepEqual(all().split('\n'), ['南通开发区 budget_revenue 2031 755000', '崇川区 budget_revenue 2031 1000000',
      '崇川区 tax_revenue 2031 123456', '南通开发区 budget_revenue 2032 800000']);
    const bad = file('t2.csv', 'year,region,indicator,value\n2031,崇川区,trade_total,1\n2031,无此区,budget_revenue,1\n');
    assert.equal(run(['import', 'targets', bad]).status, 1);
    assert.equal(all().split('\n').length, 4, 'a bad row writes nothing');
  });

  test('values: periods replaced, values read back; dry run; a duplicate row refused', () => {
    const count = (w) => Number(sql(`SELECT count(*) FROM indicator_values WHERE ${w}`));
    const v0 = file('v0.csv', 'period,region,indicator,value\n2032-01,南通开发区,budget_revenue,1\n'
      + '2032-01,崇川区,budget_revenue,2\n2032-02,崇川区,budget_revenue,3\n');
    let r = run(['import', 'indicators', v0]);
    assert.equal(r.status, 0, r.stderr);
    const v1 = file('v1.csv', 'period,region,indicator,value\n2032-02,南通开发区,tax_revenue,4.5\n'
      + '2032-03,崇川区,budget_revenue,0.0001\n2032-02,崇川区,budget_revenue,6\n');
    r = run(['import', 'indicators', v1, '--dry-run']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /dry run: 3 values for 2032-02, 2032-03; would replace 1 existing value of those periods/);
    assert.equal(count('year = 2032'), 3);
    r = run(['import', 'indicators', v1]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /3 values for 2032-02, 2032-03; replaced 1 existing value of those periods/);
    assert.equal(sql("SELECT g.name || ' ' || v.indicator || ' ' || v.month || ' ' || v.value FROM indicator_values v"
      + ' JOIN regions g ON g.id = v.region_id WHERE v.year = 2032 ORDER BY v.month, g.id, v.indicator'),
      ['南通开发区 budget_revenue 1 10000', '崇川区 budget_revenue 1 20000', '南通开发区 tax_revenue 2 45000',
       '崇川区 budget_revenue 2 60000', '崇川区 budget_revenue 3 1'].join('\n'));
    const dup = file('v2.csv', 'period,region,indicator,value\n2032-04,崇川区,budget_revenue,1\n2032-04,崇川区,一般公共预算收入,2\n'
      + '2032-04,崇川区,budget_revenue,3\n');
    r = run(['import', 'indicators', dup]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /line 3: indicator: the same region, indicator and period as line 2/);
    assert.match(r.stderr, /line 4: indicator: the same region, indicator and period as line 2/);
    assert.equal(count('year = 2032 AND month = 4'), 0);
  });
});
