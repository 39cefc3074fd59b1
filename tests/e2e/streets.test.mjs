// End-to-end: streets as participants (区街上下联动, issue 14).  A department
// with a street_id is that street's office (街道办事处); its users read the
// enterprises of the street and their requests, raise requests for them and
// act on the requests assigned to the office.  The service dashboard is
// filtered by street and its by_street rows agree with the lists.
//
// On a fresh server: two streets (A with an office, B without), enterprises
// with known streets made here, so the expectations do not come from SQL.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { adminServer, Client, cli } from './lib.mjs';

let S, admin, office, plain;
const street = {}, dept = {}, ent = {};

const CC = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const CCW = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
const ORGW = [3, 7, 9, 10, 5, 8, 4, 2];
function creditCode(serial) {
  const body = String(serial).padStart(8, '0');
  const org = [...body].reduce((s, c, i) => s + parseInt(c, 36) * ORGW[i], 0);
  const oc = 11 - org % 11;
  const code17 = '91320691' + body + (oc === 10 ? 'X' : oc === 11 ? '0' : String(oc));
  const sum = [...code17].reduce((s, c, i) => s + CC.indexOf(c) * CCW[i], 0);
  return code17 + CC[(31 - sum % 31) % 31];
}

async function ok(p, what) {
  const r = await p;
  assert.ok(r.status >= 200 && r.status < 300, `${what}: ${r.status} ${r.text}`);
  return r.json;
}

function assertError(r, status, code, field) {
  assert.equal(r.status, status, r.text);
  assert.equal(r.json?.error?.code, code, r.text);
  if (field !== undefined) assert.equal(r.json.error.field, field, r.text);
}

function tokenClient(user) {
  const t = cli(S.db.url, ['token', 'create', '--user', user]);
  assert.equal(t.status, 0, t.stderr);
  return new Client(S.srv.url, t.stdout.trim());
}

const ids = (list) => list.map((x) => x.id).sort((a, b) => a - b);

before(async () => {
  S = await adminServer();
  admin = new Client(S.srv.url, S.token);
  for (const k of ['A', 'B']) street[k] = (await ok(admin.post('/api/v1/streets', { name: `联动街道${k}`, name_en: `Street ${k}` }), 'street')).id;
  // the office of street A is made with its street; the plain department gets none
  dept.office = await ok(admin.post('/api/v1/departments', { name: '联动街道A办事处', name_en: 'Street A Office', street_id: street.A }), 'office');
  dept.plain = await ok(admin.post('/api/v1/departments', { name: '联动测试局' }), 'department');
  // enterprises: a1, a2 in A; b1 in B; n1 in no street
  const fixtures = [['a1', 'A'], ['a2', 'A'], ['b1', 'B'], ['n1', null]];
  let n = 0;
  for (const [k, s] of fixtures) {
    const body = { credit_code: creditCode(`MA3K${String(++n).padStart(4, '0')}`), name: `联动测试企业${k}有限公司`, industry: 'C38' };
    if (s) body.street_id = street[s];
    ent[k] = (await ok(admin.post('/api/v1/enterprises', body), 'enterprise ' + k)).id;
  }
  for (const y of [new Date().getUTCFullYear(), new Date().getUTCFullYear() + 1]) {
    const c = await admin.req('PUT', `/api/v1/calendar/${y}`, { days: [], source: 'e2e test' });
    assert.ok(c.status < 300, c.text);
  }
  await ok(admin.post('/api/v1/users', { username: 'street-a', role: 'department', department_id: dept.office.id,
    password: 'password-street-a' }), 'street user');
  await ok(admin.post('/api/v1/users', { username: 'plain-dept', role: 'department', department_id: dept.plain.id,
    password: 'password-plain-dept' }), 'department user');
  office = tokenClient('street-a');
  plain = tokenClient('plain-dept');
});

after(async () => { if (S) await S.close(); });

test('a department carries its street; streets count their enterprises and name their office', async () => {
  assert.equal(dept.office.street_id, street.A);
  assert.deepEqual(dept.office.street, { id: street.A, name: '联动街道A', name_en: 'Street A' });
  assert.equal(dept.plain.street_id, null);
  assert.equal(dept.plain.street, null);
  const list = (await ok(admin.get('/api/v1/departments'), 'departments')).items;
  assert.equal(list.find((d) => d.id === dept.office.id).street.id, street.A);
  const streets = (await ok(office.get('/api/v1/streets'), 'streets')).items;
  const a = streets.find((s) => s.id === street.A), b = streets.find((s) => s.id === street.B);
  assert.equal(a.enterprise_count, 2);
  assert.equal(b.enterprise_count, 1);
  assert.deepEqual(a.office, { id: dept.office.id, name: '联动街道A办事处', name_en: 'Street A Office' });
  assert.equal(b.office, null);
  // an admin moves a department to a street and back; others may not
  const p = await ok(admin.patch(`/api/v1/departments/${dept.plain.id}`, { street_id: street.B }), 'patch');
  assert.equal(p.street.id, street.B);
  const q = await ok(admin.patch(`/api/v1/departments/${dept.plain.id}`, { street_id: null }), 'patch back');
  assert.equal(q.street, null);
  assert.equal((await office.patch(`/api/v1/departments/${dept.plain.id}`, { street_id: street.A })).status, 403);
  assertError(await admin.patch('/api/v1/departments/999999', { street_id: street.A }), 404, 'not_found');
});

test('an unknown street is 422 unknown_street naming street_id, and nothing is stored', async () => {
  const before = (await admin.get('/api/v1/departments')).json.total;
  const r = await admin.post('/api/v1/departments', { name: '不存在街道办事处', street_id: 999999 });
  assertError(r, 422, 'unknown_street', 'street_id');
  assert.equal(r.json.error.params?.street_id, '999999');
  assert.equal((await admin.get('/api/v1/departments')).json.total, before);
  assertError(await admin.patch(`/api/v1/departments/${dept.plain.id}`, { street_id: 999999 }), 422, 'unknown_street', 'street_id');
  const d = (await admin.get('/api/v1/departments')).json.items.find((x) => x.id === dept.plain.id);
  assert.equal(d.street_id, null);
  assertError(await admin.post('/api/v1/departments', { name: '类型错误', street_id: 'A' }), 422, 'invalid_type', 'street_id');
  assertError(await admin.get('/api/v1/service/stats?street_id=999999'), 422, 'unknown_street', 'street_id');
});

test("a street's office sees exactly its street's enterprises; another street's is 404", async () => {
  const l = await ok(office.get('/api/v1/enterprises'), 'list');
  assert.deepEqual(ids(l.items), [ent.a1, ent.a2].sort((a, b) => a - b));
  assert.equal(l.total, 2);
  // a filter naming another street gives nothing, its own street the same two
  assert.equal((await ok(office.get(`/api/v1/enterprises?street_id=${street.B}`), 'B')).total, 0);
  assert.equal((await ok(office.get(`/api/v1/enterprises?street_id=${street.A}`), 'A')).total, 2);
  assert.equal((await ok(office.get('/api/v1/enterprises?q=联动测试企业'), 'search')).total, 2);
  assert.equal((await ok(office.get(`/api/v1/enterprises/${ent.a1}`), 'get a1')).id, ent.a1);
  assertError(await office.get(`/api/v1/enterprises/${ent.b1}`), 404, 'not_found');
  assertError(await office.get(`/api/v1/enterprises/${ent.n1}`), 404, 'not_found');
  // an ordinary department still reads the whole registry
  assert.equal((await ok(plain.get('/api/v1/enterprises'), 'plain list')).total, 4);
  assert.equal((await ok(plain.get(`/api/v1/enterprises/${ent.b1}`), 'plain b1')).id, ent.b1);
  // the export is scoped the same way
  const x = await office.get('/api/v1/enterprises/export?format=csv');
  assert.equal(x.status, 200);
  assert.equal(x.headers.get('x-row-count'), '2');
});

test("a street's office raises requests for its street, reads its street's and acts on those assigned to it", async () => {
  const mine = await ok(office.post('/api/v1/requests', { enterprise_id: ent.a1, category: 'labour', title: '街道上报',
    description: '街道发现的问题' }), 'raise');
  assert.equal(mine.department_id, dept.office.id);
  assertError(await office.post('/api/v1/requests', { enterprise_id: ent.b1, category: 'labour', title: '越界',
    description: '别的街道' }), 403, 'forbidden', 'enterprise_id');
  // visits the same: its street's enterprises only
  const today = new Date(Date.now() + 8 * 3600e3).toISOString().slice(0, 10);
  await ok(office.post('/api/v1/visits', { enterprise_id: ent.a2, visited_on: today, people_met: '厂长', notes: '街道走访' }), 'visit a2');
  assertError(await office.post('/api/v1/visits', { enterprise_id: ent.b1, visited_on: today, people_met: '厂长',
    notes: '越界走访' }), 403, 'forbidden', 'enterprise_id');
  // a request of a2 handled by the plain department: the office reads it, does not act
  const other = await ok(admin.post('/api/v1/requests', { enterprise_id: ent.a2, category: 'labour', title: '部门办理',
    description: '由部门办理' }), 'other');
  await ok(admin.post(`/api/v1/requests/${other.id}/transitions`, { action: 'accept', department_id: dept.plain.id }), 'accept other');
  const seen = await ok(office.get(`/api/v1/requests/${other.id}`), 'office reads');
  assert.deepEqual(seen.allowed_actions, []);
  assertError(await office.post(`/api/v1/requests/${other.id}/transitions`, { action: 'start' }), 403, 'forbidden');
  // a request of b1 is not the office's business at all
  const far = await ok(admin.post('/api/v1/requests', { enterprise_id: ent.b1, category: 'labour', title: '别的街道',
    description: 'B街道' }), 'far');
  assertError(await office.get(`/api/v1/requests/${far.id}`), 404, 'not_found');
  // one assigned to the office: it accepts, starts and resolves it
  for (const action of ['accept', 'start']) await ok(office.post(`/api/v1/requests/${mine.id}/transitions`, { action }), action);
  await ok(office.post(`/api/v1/requests/${mine.id}/transitions`, { action: 'resolve', resolution: '街道协调解决' }), 'resolve');
  // the list: the requests of its street's enterprises, nothing else
  const l = await ok(office.get('/api/v1/requests?limit=100'), 'requests');
  assert.deepEqual(ids(l.items), [mine.id, other.id].sort((a, b) => a - b));
  assert.equal((await ok(plain.get('/api/v1/requests?limit=100'), 'plain requests')).total, 1);
});

test('the dashboard by street agrees with the lists', async () => {
  const all = await ok(admin.get('/api/v1/service/stats'), 'stats');
  const a = await ok(admin.get(`/api/v1/service/stats?street_id=${street.A}`), 'stats A');
  assert.equal(a.street_id, street.A);
  assert.equal(all.street_id, null);
  const rowA = all.by_street.find((s) => s.id === street.A);
  const listA = (await ok(office.get('/api/v1/requests?limit=100'), 'list A')).items;
  assert.equal(rowA.requests_raised, listA.length);
  assert.equal(a.totals.requests_raised, listA.length);
  assert.equal(a.totals.requests_resolved, listA.filter((q) => q.status === 'resolved').length);
  assert.equal(a.totals.requests_resolved, rowA.requests_resolved);
  assert.equal(a.totals.requests_overdue, (await ok(office.get('/api/v1/requests?overdue=1'), 'overdue')).total);
  // the filter keeps only street A: B's row is zero there, and the totals are A's row
  assert.equal(a.by_street.find((s) => s.id === street.B).requests_raised, 0);
  assert.equal(all.by_street.find((s) => s.id === street.B).requests_raised, 1);
  assert.equal(a.totals.visits, rowA.visits);
});
