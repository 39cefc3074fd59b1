// End-to-end: the route × role matrix of docs/permissions.md against a
// demo server.  Every route of src/app/routes.c is called as a demo user of
// every role (an API token each) and without credentials, and the answer
// is compared with the table: 401, 403, or anything else for ✓ and own.
// The table is the reference: a route of routes.c the table lacks, or a row
// of the table routes.c lacks, fails.
//
// The calls change nothing the later calls depend on: writes send bodies
// that fail validation after the permission check ({} → 400/422), ids that
// do not exist (→ 404), or parameters that are refused (an import's format).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Client, cli, freshDb, startServer, demoAdminPassword } from './lib.mjs';

const root = new URL('../../', import.meta.url);
const ROLES = ['admin', 'leader', 'recruiter', 'officer', 'department', 'statistician', 'enterprise', 'anonymous'];
const USERS = { admin: 'admin', leader: 'leader.ib', recruiter: 'rec.ib.1', officer: 'officer01',
  department: 'dept.qfzx', statistician: 'stats', enterprise: 'ent.hengtai' };
// Land (issue 11): a department user writes only when its department is a
// land bureau (the demo's 自然资源和规划分局, dept.zrgh); the table's "own"
// is that user's answer, and dept.qfzx's refusal is checked below.
const LAND = /^\/api\/v1\/(plots|land)(\/|$)/;
const LAND_DEPARTMENT = 'dept.zrgh';
const NOID = 999999999;   // an id no table has

// ---------------------------------------------------------------- the sources

// The routes of routes.c: `{ "GET", "/api/v1/users/{id}", handler, P_ADMIN, flags, max },`
export function routeTable(text = readFileSync(new URL('src/app/routes.c', root), 'utf8')) {
  const re = /^\s*\{\s*"([A-Z]+)"\s*,\s*"([^"]+)"\s*,\s*(\w+)\s*,\s*(P_\w+)\s*,\s*([^,]+),/gm;
  return [...text.matchAll(re)].map((m) => ({ method: m[1], path: m[2], perm: m[4], raw: /R_RAW/.test(m[5]) }));
}

// The rows of the table in docs/permissions.md: {method, path, want: {role: '✓'|'own'|'403'|'401'}}.
export function matrix(text = readFileSync(new URL('docs/permissions.md', root), 'utf8')) {
  const rows = [];
  for (const line of text.split('\n')) {
    const m = /^\|\s*(GET|POST|PUT|PATCH|DELETE)\s*\|/.exec(line);
    if (!m) continue;
    const cells = line.split('|').slice(1, -1).map((c) => c.trim());
    const [method, path, ...answers] = cells;
    const want = Object.fromEntries(ROLES.map((r, i) => [r, answers[i]]));
    rows.push({ method, path: path.replace(/`/g, ''), want });
  }
  return rows;
}

const ROUTES = routeTable();
const ROWS = matrix();
const key = (x) => `${x.method} ${x.path}`;

// ---------------------------------------------------------------- the server

let db, srv;
const as = {};        // role -> Client (anonymous: no token)
const tokens = {};    // role -> API token
const me = {};        // role -> /me
const ids = {};       // cache: `${role} ${list}` -> first id or undefined

before(async () => {
  db = freshDb();
  srv = await startServer(db.url, ['--demo']);
  await demoAdminPassword(srv);   // first, or the admin may do nothing else
  for (const [role, user] of Object.entries(USERS)) {
    const t = cli(db.url, ['token', 'create', '--user', user]);
    assert.equal(t.status, 0, `token for ${user}: ${t.stderr}`);
    tokens[role] = t.stdout.trim();
    as[role] = new Client(srv.url, tokens[role]);
    me[role] = (await as[role].get('/api/v1/me')).json;
    assert.equal(me[role].role, role, `${user} is a ${role}`);
  }
  as.anonymous = new Client(srv.url);
  const t = cli(db.url, ['token', 'create', '--user', LAND_DEPARTMENT]);
  assert.equal(t.status, 0, `token for ${LAND_DEPARTMENT}: ${t.stderr}`);
  as.landDepartment = new Client(srv.url, t.stdout.trim());
});

after(async () => {
  const code = await srv.stop();
  db.cleanup();
  if (code !== 0) throw new Error(`server exited ${code}:\n${srv.output().stderr.slice(-4000)}`);
});

// The first id of a list as role sees it (else as the admin sees it).
async function firstId(role, list) {
  for (const who of [role, 'admin']) {
    const k = `${who} ${list}`;
    if (!(k in ids)) {
      const r = who === 'anonymous' ? { status: 401 } : await as[who].get(`${list}?limit=1`);
      ids[k] = r.status === 200 && r.json.items?.length ? r.json.items[0].id : undefined;
    }
    if (ids[k] !== undefined) return ids[k];
  }
  return NOID;
}

// The concrete request for route as role: path, query, body, content type.
async function requestFor(route, role) {
  const read = route.method === 'GET';
  let path = route.path;
  let query = {};
  let body;
  let type = 'application/json';
  if (path.includes('{id}')) {
    let id = NOID;
    if (read && path === '/api/v1/users/{id}') id = me.admin.id;
    else if (read && path === '/api/v1/enterprises/{id}' && role === 'enterprise') id = me.enterprise.enterprise_id;
    else if (read && path === '/api/v1/officers/{id}/enterprises') id = me.officer.id;
    else if (read && path.startsWith('/open311/v2/requests/')) id = await firstId(role === 'anonymous' ? 'admin' : role, '/api/v1/requests');
    else if (read && !path.startsWith('/api/v1/imports/')) id = await firstId(role, /^(\/api\/v1\/[a-z-]+)\//.exec(path)[1]);
    path = path.replace('{id}', String(id));
  }
  path = path.replace('{year}', read ? '2021' : '2199').replace('{format}', 'json')
    .replace('/services/{code}', '/services/labour').replace('{code}', 'no-such-code');
  if (path.startsWith('/open311/')) {
    const key = role === 'anonymous' ? {} : { api_key: tokens[role] };
    if (read) {
      query = key;
    } else {
      // a malformed address_id: 400 for whoever may file a request
      body = new URLSearchParams({ ...key, service_code: 'labour', address_id: '0' }).toString();
      type = 'application/x-www-form-urlencoded';
    }
  } else if (!read) {
    body = route.method === 'DELETE' ? undefined : '{}';
    if (route.raw) {
      type = 'text/csv';
      query = { format: 'none' };   // an import: 422 before a job starts
    }
  }
  const qs = new URLSearchParams(query).toString();
  return { path: qs ? `${path}?${qs}` : path, body, type };
}

function verdict(status, want) {
  if (want === '401') return status === 401;
  if (want === '403') return status === 403;
  return status !== 401 && status !== 403;
}

// ---------------------------------------------------------------- the tests

test('docs/permissions.md has a row for every route of routes.c and no other', () => {
  assert.ok(ROUTES.length >= 80, `parsed ${ROUTES.length} routes from routes.c`);
  assert.ok(ROWS.length >= 80, `parsed ${ROWS.length} rows from docs/permissions.md`);
  const inC = new Set(ROUTES.map(key)), inDoc = new Set(ROWS.map(key));
  assert.deepEqual(ROUTES.map(key).filter((k) => !inDoc.has(k)), [], 'routes of routes.c missing from docs/permissions.md');
  assert.deepEqual(ROWS.map(key).filter((k) => !inC.has(k)), [], 'rows of docs/permissions.md not in routes.c');
  assert.equal(inDoc.size, ROWS.length, 'each route has one row');
  for (const row of ROWS)
    for (const role of ROLES)
      assert.ok(['✓', 'own', '403', '401'].includes(row.want[role]), `${key(row)} ${role}: "${row.want[role]}" is not ✓, own, 403 or 401`);
});

test('the table and the route table agree on who is logged in: 401 only for anonymous, only on non-public routes', () => {
  for (const row of ROWS) {
    const route = ROUTES.find((r) => key(r) === key(row));
    if (!route) continue;   // reported by the test above
    for (const role of ROLES.filter((r) => r !== 'anonymous'))
      assert.notEqual(row.want[role], '401', `${key(row)}: a logged-in ${role} is never 401`);
    const open311 = route.path.startsWith('/open311/');
    if (route.perm === 'P_PUBLIC')
      assert.ok(row.want.anonymous !== '401', `${key(row)} is public`);
    else if (!open311)
      assert.equal(row.want.anonymous, '401', `${key(row)} needs a login`);
  }
});

for (const route of ROUTES) {
  test(`${key(route)}: every role answered as docs/permissions.md says`, async () => {
    const row = ROWS.find((r) => key(r) === key(route));
    assert.ok(row, `${key(route)} has no row in docs/permissions.md`);
    const wrong = [];
    for (const role of ROLES) {
      const { path, body, type } = await requestFor(route, role);
      const who = role === 'department' && LAND.test(route.path) ? 'landDepartment' : role;
      const res = await as[who].req(route.method, path, body, body === undefined ? {} : { 'Content-Type': type });
      if (!verdict(res.status, row.want[role]))
        wrong.push(`${role}: ${route.method} ${path} answered ${res.status} (table: ${row.want[role]}) ${res.text.slice(0, 160)}`);
      // a 403 the router gives names the role; the table's 403 must be that one
      if (row.want[role] === '403' && res.status === 403 && !route.path.startsWith('/open311/'))
        if (res.json?.error?.code !== 'forbidden')
          wrong.push(`${role}: ${route.method} ${path}: 403 ${res.json?.error?.code}, not forbidden`);
    }
    assert.deepEqual(wrong, [], `${key(route)}:\n  ${wrong.join('\n  ')}`);
  });
}

test('GET /api/v1/me lists exactly the API routes the table allows each role', () => {
  for (const role of ROLES.filter((r) => r !== 'anonymous')) {
    const want = ROWS.filter((r) => r.path.startsWith('/api/') && ['✓', 'own'].includes(r.want[role])).map(key).sort();
    assert.deepEqual([...me[role].permissions].sort(), want, `${role}: /me permissions`);
  }
});

// ---------------------------------------------------------------- row-level scope

// What the route table cannot say (docs/permissions.md, "Field rules"): per
// role, a lead of the caller's unit vs another unit's, a target of its unit
// vs another's, publishing an open vs a closed month.  "Its unit" is the
// demo's 招商局 (ib) of leader.ib and rec.ib.1; the other unit is 投资促进局
// (ipb).  Besides the table's roles, a zone leader: a leader bound to no unit.
// Writes send a body that fails validation after the permission check
// (→ 422), except publishing a closed month, which is published and then
// withdrawn by the admin.
describe('row-level scope of leads, targets and publishing', () => {
  const ROW_ROLES = [...ROLES.slice(0, 2), 'zone', ...ROLES.slice(2)];
  const OPEN = {}, lead = {}, unit = {};
  const CLOSED = '2020-01';
  const only = (allowed, other = 403) => Object.fromEntries(ROW_ROLES.map((r) =>
    [r, r === 'anonymous' ? 401 : (allowed[r] ?? other)]));
  before(async () => {
    // the demo's zone leader (区领导): a leader bound to no unit
    const t = cli(db.url, ['token', 'create', '--user', 'leader.zone']);
    assert.equal(t.status, 0, t.stderr);
    as.zone = new Client(srv.url, t.stdout.trim());
    for (const u of (await as.admin.get('/api/v1/units')).json.items) unit[u.code] = u.id;
    const ipb = cli(db.url, ['token', 'create', '--user', 'rec.ipb.1']);
    const recIpb = new Client(srv.url, ipb.stdout.trim());
    // an old date: not the first lead of any list the table's calls read
    for (const [k, c, u] of [['own', as.recruiter, 'ib'], ['other', recIpb, 'ipb']]) {
      const r = await c.post('/api/v1/leads', { unit_id: unit[u], company: `行级权限测试${k}有限公司`, captured_on: '2015-01-05' });
      assert.equal(r.status, 201, r.text);
      lead[k] = r.json.id;
    }
    // the current month in zone time (GET /race without month opens on the latest month with data)
    OPEN.month = new Date(Date.now() + 8 * 3600e3).toISOString().slice(0, 7);
  });

  const bad = { captured_on: 'not-a-date' };
  const target = (code) => ({ year: 2199, items: [{ unit_id: unit[code], leads: -1 }] });
  const CASES = [
    ['GET a lead of its unit', (c) => c.get(`/api/v1/leads/${lead.own}`),
      only({ admin: 200, leader: 200, zone: 200, recruiter: 200 })],
    ['GET a lead of another unit', (c) => c.get(`/api/v1/leads/${lead.other}`),
      only({ admin: 200, leader: 200, zone: 200, recruiter: 404 })],
    ['PATCH a lead of its unit', (c) => c.patch(`/api/v1/leads/${lead.own}`, bad),
      only({ admin: 422, leader: 422, zone: 422, recruiter: 422 })],
    ['PATCH a lead of another unit', (c) => c.patch(`/api/v1/leads/${lead.other}`, bad),
      only({ admin: 422, leader: 403, zone: 422, recruiter: 404 })],
    ['PUT the targets of its unit', (c) => c.req('PUT', '/api/v1/unit-targets', target('ib')),
      only({ admin: 422, leader: 422, zone: 422 })],
    ['PUT the targets of another unit', (c) => c.req('PUT', '/api/v1/unit-targets', target('ipb')),
      only({ admin: 422, leader: 403, zone: 422 })],
    ['publish the open month', (c) => c.post('/api/v1/race/publish', { month: OPEN.month }),
      only({ admin: 422, zone: 422 })],
    ['publish a closed month (then withdrawn)', async (c) => {
      const r = await c.post('/api/v1/race/publish', { month: CLOSED });
      if (r.status === 201) {
        const w = await as.admin.req('DELETE', '/api/v1/race/publish', { month: CLOSED, reason: '权限测试后撤回' });
        assert.equal(w.status, 200, w.text);
      }
      return r;
    }, only({ admin: 201, zone: 201 })],
    ['withdraw a publication without a reason', (c) => c.req('DELETE', '/api/v1/race/publish', { month: CLOSED }),
      only({ admin: 422 })],
  ];
  for (const [name, call, want] of CASES) {
    test(`${name}: every role answered by the race's rules`, async () => {
      const wrong = [];
      for (const role of ROW_ROLES) {
        const r = await call(as[role]);
        if (r.status !== want[role])
          wrong.push(`${role}: ${r.status} (want ${want[role]}) ${r.text.slice(0, 160)}`);
      }
      assert.deepEqual(wrong, [], `${name}:\n  ${wrong.join('\n  ')}`);
    });
  }
});

// Land writes: the route admits every department user, the handler only a
// land bureau's (docs/permissions.md "land bureau's users only").
test('land writes: a department that is not a land bureau is 403 forbidden', async () => {
  for (const route of ROUTES.filter((r) => LAND.test(r.path) && r.method !== 'GET' && r.perm === 'P_LAND_WRITE')) {
    const { path, body, type } = await requestFor(route, 'department');
    const res = await as.department.req(route.method, path, body, body === undefined ? {} : { 'Content-Type': type });
    assert.equal(res.status, 403, `${key(route)} as dept.qfzx: ${res.status} ${res.text.slice(0, 160)}`);
    assert.equal(res.json?.error?.code, 'forbidden');
  }
});

// Streets (区街上下联动, docs/permissions.md "Streets"): a street's office is a
// department user whose department has a street_id.  On the demo, dept.street1
// (竹行街道办事处) reads exactly the enterprises of 竹行街道, its requests are
// among those of its street's enterprises, and another street's enterprise is
// 404 -- while the route table's department column (dept.qfzx) reads them all.
test("a street's office reads its street's enterprises and requests only", async () => {
  const t = cli(db.url, ['token', 'create', '--user', 'dept.street1']);
  assert.equal(t.status, 0, t.stderr);
  const office = new Client(srv.url, t.stdout.trim());
  const mine = (await office.get('/api/v1/me')).json;
  assert.equal(mine.role, 'department');
  assert.ok(mine.street_id > 0, 'dept.street1 is a street office');
  assert.equal(me.department.street_id, null, 'dept.qfzx is not');
  const all = (await as.admin.get(`/api/v1/enterprises?street_id=${mine.street_id}&limit=1000`)).json;
  const seen = (await office.get('/api/v1/enterprises?limit=1000')).json;
  assert.ok(all.total > 0);
  assert.deepEqual(seen.items.map((e) => e.id).sort(), all.items.map((e) => e.id).sort());
  assert.ok(seen.items.every((e) => e.street_id === mine.street_id));
  const other = (await as.admin.get('/api/v1/enterprises?limit=1000')).json.items.find((e) => e.street_id !== mine.street_id);
  assert.equal((await office.get(`/api/v1/enterprises/${other.id}`)).status, 404);
  assert.equal((await as.department.get(`/api/v1/enterprises/${other.id}`)).status, 200);
  const reqs = (await office.get('/api/v1/requests?limit=200')).json;
  const streetOf = new Map(all.items.map((e) => [e.id, e.street_id]));
  assert.ok(reqs.total > 0, 'the demo hands requests to street offices');
  assert.ok(reqs.items.every((q) => streetOf.get(q.enterprise_id) === mine.street_id || q.department_id === mine.department_id),
    'only its street\'s requests and those assigned to it');
});
