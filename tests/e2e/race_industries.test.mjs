// Industries on the race's records (issue 12): a lead's and a project's
// industry is "" or a GB/T 4754-2017 code, as an enterprise's.  An unknown
// code is 422 invalid, field industry, reason unknown_industry with the code
// as value; a GB/T 4754-2011 code that the 2017 revision renumbered says so
// (reason renumbered, now: the 2017 codes).  A code typed in lower case or
// full-width is stored as the table writes it.  The same over the API
// (POST, PATCH) and the import (a row error naming the code, nothing
// written).  An edit that leaves a stored code as it is does not check it
// again.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { adminServer, Client, importJob } from './lib.mjs';

let s, c, unit;

before(async () => {
  s = await adminServer();
  c = new Client(s.srv.url, s.token);
  const u = await c.post('/api/v1/units', { name: '行业测试单位' });
  assert.equal(u.status, 201, u.text);
  unit = u.json.id;
});
after(async () => { await s.close(); });

function refusedIndustry(r, value, reason = 'unknown_industry') {
  assert.equal(r.status, 422, r.text);
  const e = r.json.error;
  assert.deepEqual([e.code, e.field, e.params.reason, e.params.value], ['invalid', 'industry', reason, value], r.text);
  return e;
}

const lead = (over = {}) => ({ unit_id: unit, company: `行业测试${Math.random().toString(36).slice(2, 8)}有限公司`,
  captured_on: '2026-11-02', ...over });
const project = (over = {}) => ({ unit_id: unit, name: `行业测试项目${Math.random().toString(36).slice(2, 8)}`,
  total_investment: 1, ...over });

test('a lead: an unknown code and a renumbered 2011 code are refused, a code typed loosely is stored as the table writes it', async () => {
  refusedIndustry(await c.post('/api/v1/leads', lead({ industry: '智能制造' })), '智能制造');
  refusedIndustry(await c.post('/api/v1/leads', lead({ industry: 'C3850' })), 'C3850');
  const e = refusedIndustry(await c.post('/api/v1/leads', lead({ industry: 'I6510' })), 'I6510', 'renumbered');
  assert.equal(e.params.now, 'I6511-I6519');
  assert.match(e.message, /I6510.*2011.*I6511-I6519/);

  const ok = await c.post('/api/v1/leads', lead({ industry: 'ｃ３８４１' }));
  assert.equal(ok.status, 201, ok.text);
  assert.equal(ok.json.industry, 'C3841');
  const none = await c.post('/api/v1/leads', lead());
  assert.equal(none.status, 201, none.text);
  assert.equal(none.json.industry, '');

  refusedIndustry(await c.patch(`/api/v1/leads/${ok.json.id}`, { industry: 'X99' }), 'X99');
  const moved = await c.patch(`/api/v1/leads/${ok.json.id}`, { industry: 'c39' });
  assert.equal(moved.status, 200, moved.text);
  assert.equal(moved.json.industry, 'C39');
});

test('a project: the same on POST and PATCH', async () => {
  refusedIndustry(await c.post('/api/v1/projects', project({ industry: '电子信息' })), '电子信息');
  const e = refusedIndustry(await c.post('/api/v1/projects', project({ industry: 'I6510' })), 'I6510', 'renumbered');
  assert.equal(e.params.now, 'I6511-I6519');
  const ok = await c.post('/api/v1/projects', project({ industry: 'i6513' }));
  assert.equal(ok.status, 201, ok.text);
  assert.equal(ok.json.industry, 'I6513');
  refusedIndustry(await c.patch(`/api/v1/projects/${ok.json.id}`, { industry: 'Z1' }), 'Z1');
  const renamed = await c.patch(`/api/v1/projects/${ok.json.id}`, { name: `${ok.json.name}（二期）` });
  assert.equal(renamed.status, 200, renamed.text);
  assert.equal(renamed.json.industry, 'I6513');
});

async function imp(kind, csv) {
  const { res, job } = await importJob(c, `/api/v1/race/import?kind=${kind}`, csv);
  assert.equal(res.status, 202, res.text);
  assert.equal(job.status, 'done', JSON.stringify(job));
  return job;
}

test('the import: a row with an unknown or renumbered code is a row error naming the code; nothing is written', async () => {
  const leadsBefore = (await c.get('/api/v1/leads?limit=1')).json.total;
  const job = await imp('leads', 'unit_id,company,industry,captured_on\n'
    + `${unit},导入行业甲有限公司,C3841,2026-11-03\n`
    + `${unit},导入行业乙有限公司,新能源,2026-11-03\n`
    + `${unit},导入行业丙有限公司,I6510,2026-11-03\n`);
  assert.equal(job.report.written, false, JSON.stringify(job.report));
  const errs = job.report.errors.map((x) => [x.line, x.field, x.code, x.params.reason, x.params.value, x.params.now]);
  assert.deepEqual(errs, [[3, 'industry', 'invalid', 'unknown_industry', '新能源', undefined],
    [4, 'industry', 'invalid', 'renumbered', 'I6510', 'I6511-I6519']]);
  assert.equal((await c.get('/api/v1/leads?limit=1')).json.total, leadsBefore);

  const pj = await imp('projects', 'name,unit,industry,total_investment\n'
    + `导入行业项目甲,${unit},C26,1\n`
    + `导入行业项目乙,${unit},新材料,1\n`);
  assert.equal(pj.report.written, false, JSON.stringify(pj.report));
  assert.deepEqual(pj.report.errors.map((x) => [x.line, x.field, x.params.reason, x.params.value]),
    [[3, 'industry', 'unknown_industry', '新材料']]);

  const good = await imp('projects', 'name,unit,industry,total_investment\n'
    + `导入行业项目丙,${unit},ｃ２６,1\n`);
  assert.equal(good.report.written, true, JSON.stringify(good.report));
  const p = (await c.get(`/api/v1/projects?limit=5&q=${encodeURIComponent('导入行业项目丙')}`)).json.items[0];
  assert.equal(p.industry, 'C26');
});
