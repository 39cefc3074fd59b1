// End-to-end: the JSON API of a real server on a fresh database.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { adminServer, Client, cli } from './lib.mjs';

let S, admin;

before(async () => {
  S = await adminServer();
  admin = new Client(S.srv.url, S.token);
});
after(async () => { await S.close(); });

function assertError(r, status, code) {
  assert.equal(r.status, status, r.text);
  assert.ok(r.json && r.json.error, 'error body: ' + r.text);
  assert.equal(typeof r.json.error.message, 'string');
  assert.ok('field' in r.json.error);
  if (code) assert.equal(r.json.error.code, code);
}

test('healthz answers and names the store', async () => {
  const r = await new Client(S.srv.url).get('/healthz');
  assert.equal(r.status, 200);
  assert.equal(r.json.status, 'ok');
  assert.equal(r.json.store, process.env.ZONEOPS_STORE || 'sqlite');
});

test('security headers on API, error and static responses', async () => {
  const c = new Client(S.srv.url);
  for (const p of ['/healthz', '/api/v1/me', '/api/v1/nope', '/index.html']) {
    const r = await c.get(p);
    assert.match(r.headers.get('content-security-policy') || '', /frame-ancestors 'none'/, p);
    assert.equal(r.headers.get('x-content-type-options'), 'nosniff', p);
    assert.equal(r.headers.get('referrer-policy'), 'no-referrer', p);
  }
});

test('bearer token: /me returns the user; a wrong token is 401', async () => {
  const r = await admin.get('/api/v1/me');
  assert.equal(r.status, 200);
  assert.equal(r.json.username, 'admin');
  assert.equal(r.json.role, 'admin');
  assertError(await new Client(S.srv.url, 'zo_' + '0'.repeat(64)).get('/api/v1/me'), 401, 'unauthenticated');
  assertError(await new Client(S.srv.url).get('/api/v1/me'), 401, 'unauthenticated');
});

test('unknown route 404, wrong method 405 with Allow', async () => {
  assertError(await admin.get('/api/v1/no-such-thing'), 404, 'not_found');
  assertError(await admin.req('POST', '/api/v1/no-such-thing', {}), 404, 'not_found');
  const r = await admin.req('PUT', '/api/v1/me', {});
  assertError(r, 405, 'method_not_allowed');
  assert.match(r.headers.get('allow'), /GET/);
});

test('login: wrong password 401 JSON, right one sets an HttpOnly SameSite=Strict cookie', async () => {
  const c = new Client(S.srv.url);
  assertError(await c.login('admin', 'wrong-password'), 401, 'invalid_credentials');
  assertError(await c.login('nobody-here', 'wrong-password'), 401, 'invalid_credentials');
  assertError(await c.req('POST', '/api/v1/session', { username: 'admin' }), 422, 'required');
  const r = await c.req('POST', '/api/v1/session', { username: 'admin', password: S.password });
  assert.equal(r.status, 200);
  const sc = r.headers.get('set-cookie');
  assert.match(sc, /zo_session=[0-9a-f]{64}/);
  assert.match(sc, /HttpOnly/);
  assert.match(sc, /SameSite=Strict/);
  assert.match(r.json.csrf_token, /^[0-9a-f]{64}$/);
});

test('cookie writes need the CSRF token; logout ends the session', async () => {
  const c = new Client(S.srv.url);
  assert.equal((await c.login('admin', S.password)).status, 200);
  const me = await c.get('/api/v1/me');
  assert.equal(me.status, 200);
  assert.equal(me.json.csrf_token, c.csrf);
  // no token
  assertError(await c.req('POST', '/api/v1/streets', { name: '无令牌街道' }), 403, 'csrf_failed');
  // wrong token
  assertError(await c.req('POST', '/api/v1/streets', { name: '错令牌街道' }, { 'X-CSRF-Token': 'f'.repeat(64) }), 403, 'csrf_failed');
  // right token
  const ok = await c.post('/api/v1/streets', { name: '有令牌街道' });
  assert.equal(ok.status, 201, ok.text);
  assert.equal(ok.json.name, '有令牌街道');
  assert.ok(Number.isInteger(ok.json.id));
  const out = await c.del('/api/v1/session');
  assert.equal(out.status, 204);
  assertError(await c.get('/api/v1/me'), 401);
});

test('the 11th wrong password for one account within a minute is 429', async () => {
  const add = cli(S.db.url, ['user', 'add', 'victim', '--role', 'statistician'], 'victim-password\n');
  assert.equal(add.status, 0, add.stderr);
  const c = new Client(S.srv.url);
  for (let i = 1; i <= 10; i++) assertError(await c.login('victim', 'bad-' + i), 401, 'invalid_credentials');
  const r = await c.login('victim', 'bad-11');
  assertError(r, 429, 'too_many_attempts');
  assert.ok(r.headers.get('retry-after'));
  // even the right password is refused while throttled
  assertError(await c.login('victim', 'victim-password'), 429);
  // other accounts are not affected
  assert.equal((await c.login('admin', S.password)).status, 200);
});

test('malformed and hostile JSON bodies are 400 naming the problem', async () => {
  const post = body => admin.req('POST', '/api/v1/streets', body);
  assertError(await post('{"name": '), 400, 'malformed_json');
  assertError(await post('{"name":"a","name":"b"}'), 400, 'duplicate_key');
  assertError(await post('{"name":"a\\u0000b"}'), 400, 'null_character');
  assertError(await post(Buffer.from([0x7b, 0x22, 0x6e, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d])), 400, 'invalid_utf8');
  assertError(await post('{"a":' .repeat(20) + '1' + '}'.repeat(20)), 400, 'too_deep');
  assertError(await post('{"name":"x","n":123456789012345678901234567890}'), 400, 'number_out_of_range');
  assertError(await post('{"name":"x","n":9007199254740993}'), 400, 'number_out_of_range');
  assertError(await post('[1,2]'), 400, 'body_not_object');
});

test('a body over the limit is 413', async () => {
  const big = JSON.stringify({ name: 'x'.repeat(2 * 1024 * 1024) });
  assertError(await admin.req('POST', '/api/v1/streets', big), 413, 'body_too_large');
  // the login route has a smaller limit
  assertError(await new Client(S.srv.url).req('POST', '/api/v1/session', JSON.stringify({ username: 'a', password: 'p'.repeat(8000) })), 413);
});

test('users: create 201 with id, read, list with total, update, delete', async () => {
  const r = await admin.post('/api/v1/users', { username: 'li.ming', display_name: '李明', role: 'statistician', password: 'statpass-123' });
  assert.equal(r.status, 201, r.text);
  assert.ok(Number.isInteger(r.json.id));
  assert.equal(r.json.display_name, '李明');
  assert.ok(!('password' in r.json) && !('password_hash' in r.json));
  const id = r.json.id;
  const g = await admin.get(`/api/v1/users/${id}`);
  assert.equal(g.status, 200);
  assert.equal(g.json.username, 'li.ming');
  const l = await admin.get('/api/v1/users?limit=1&offset=0');
  assert.equal(l.status, 200);
  assert.equal(l.json.items.length, 1);
  assert.ok(l.json.total >= 2);
  assert.equal(l.json.limit, 1);
  const f = await admin.get('/api/v1/users?role=statistician&q=li.m');
  assert.ok(f.json.items.some(u => u.id === id));
  const p = await admin.patch(`/api/v1/users/${id}`, { display_name: '李明明', password: 'new-password-9' });
  assert.equal(p.status, 200, p.text);
  assert.equal(p.json.display_name, '李明明');
  const c = new Client(S.srv.url);
  assert.equal((await c.login('li.ming', 'new-password-9')).status, 200);
  assert.equal((await c.get('/api/v1/users')).status, 403);
  const d = await admin.del(`/api/v1/users/${id}`);
  assert.equal(d.status, 204);
  assertError(await admin.get(`/api/v1/users/${id}`), 404, 'not_found');
  assertError(await c.get('/api/v1/me'), 401);
});

test('user validation: 422 with the field, 409 for a duplicate', async () => {
  assertError(await admin.post('/api/v1/users', { username: 'x', role: 'admin', password: 'longenough1' }), 422);
  assert.equal((await admin.post('/api/v1/users', { username: 'ok.name', role: 'boss', password: 'longenough1' })).json.error.field, 'role');
  assert.equal((await admin.post('/api/v1/users', { username: 'ok.name', role: 'admin', password: 'short' })).json.error.field, 'password');
  assert.equal((await admin.post('/api/v1/users', { username: 'ok.name', role: 'recruiter', password: 'longenough1' })).json.error.field, 'unit_id');
  assert.equal((await admin.post('/api/v1/users', { username: 'ok.name', role: 'enterprise', password: 'longenough1' })).json.error.field, 'enterprise_id');
  assert.equal((await admin.post('/api/v1/users', { username: 'ok.name', role: 'admin', password: 'longenough1', extra: 1 })).json.error.field, 'extra');
  assertError(await admin.post('/api/v1/users', { username: 'admin', role: 'admin', password: 'longenough1' }), 409, 'exists');
  assertError(await admin.get('/api/v1/users?limit=0'), 422, 'invalid_parameter');
  assertError(await admin.get('/api/v1/users/abc'), 404);
});

test('roles: a non-admin cannot manage users or read the audit log', async () => {
  cli(S.db.url, ['user', 'add', 'stat2', '--role', 'statistician'], 'stat2-password\n');
  const tok = cli(S.db.url, ['token', 'create', '--user', 'stat2']).stdout.trim();
  const c = new Client(S.srv.url, tok);
  assertError(await c.get('/api/v1/users'), 403, 'forbidden');
  assertError(await c.get('/api/v1/audit'), 403, 'forbidden');
  assertError(await c.req('PATCH', '/api/v1/settings', { zone_name: 'x' }), 403, 'forbidden');
  assert.equal((await c.get('/api/v1/settings')).status, 200);
});

test('every write is in the audit log with who, what and which record', async () => {
  const r = await admin.post('/api/v1/departments', { name: '审计测试局', level: 'district' });
  assert.equal(r.status, 201);
  const a = await admin.get('/api/v1/audit?limit=5');
  assert.equal(a.status, 200);
  const row = a.json.items.find(x => x.entity === 'department' && x.entity_id === String(r.json.id));
  assert.ok(row, JSON.stringify(a.json.items));
  assert.equal(row.username, 'admin');
  assert.equal(row.action, 'POST /api/v1/departments');
  assert.equal(row.status, 201);
  assert.ok(Math.abs(row.at - Date.now() / 1000) < 60);
  // a failed write leaves no audit row and no record
  const dup = await admin.post('/api/v1/departments', { name: '审计测试局' });
  assertError(dup, 409, 'conflict');
  const b = await admin.get('/api/v1/audit?limit=1');
  assert.equal(b.json.items[0].id, row.id);
});

test('settings: admin changes the zone name; CLI reads it', async () => {
  const r = await admin.patch('/api/v1/settings', { zone_name: '测试开发区' });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.zone_name, '测试开发区');
  assertError(await admin.patch('/api/v1/settings', { no_such_key: 'x' }), 422, 'unknown_field');
  assert.equal(cli(S.db.url, ['config', 'get', 'zone_name']).stdout.trim(), '测试开发区');
});

test('metrics: Prometheus text with per-route counts and a latency histogram, for admins', async () => {
  await admin.get('/api/v1/me');
  assert.equal((await new Client(S.srv.url).get('/metrics')).status, 401);
  const r = await admin.get('/metrics');
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /text\/plain/);
  assert.match(r.text, /zoneops_http_requests_total\{method="GET",route="\/api\/v1\/me",status="200"\} \d+/);
  assert.match(r.text, /zoneops_http_request_duration_seconds_bucket\{method="GET",route="\/api\/v1\/me",le="\+Inf"\} \d+/);
  assert.match(r.text, /route="unmatched"|route="\/api\/v1\/no-such-thing"|status="404"/);
});

test('static files: type, ETag and 304; no path escapes web/', async () => {
  const c = new Client(S.srv.url);
  const r = await c.get('/');
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /text\/html/);
  const etag = r.headers.get('etag');
  assert.ok(etag);
  const again = await c.req('GET', '/', undefined, { 'If-None-Match': etag });
  assert.equal(again.status, 304);
  for (const p of ['/../Makefile', '/%2e%2e/Makefile', '/..%2fMakefile', '/vendor/../../Makefile'])
    assert.equal((await c.get(p)).status, 404, p);
});
