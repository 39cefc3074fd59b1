// End-to-end: docs/openapi.json against the route table (src/http/routes.c)
// and against a running server.  Every GET is called and its 200 body
// validated against the documented schema; every operation is called
// without credentials, with the wrong role, with bad bodies and bad query
// parameters, and the error bodies are validated against the Error schema
// and the codes documented for that status.  The schema checker is the
// small one below (no npm dependencies).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { adminServer, Client, cli, freshDb, startServer } from './lib.mjs';

const root = new URL('../../', import.meta.url);
const spec = JSON.parse(readFileSync(new URL('docs/openapi.json', root), 'utf8'));
const routesC = readFileSync(new URL('src/http/routes.c', root), 'utf8');

const METHODS = ['get', 'post', 'put', 'patch', 'delete', 'head', 'options'];

// Behaviour of the server that contradicts the spec and is reported as a
// bug.  The check still runs, as a TODO: it shows in the output and
// passes once the server is fixed (then delete the entry).
// Known server bugs: key → description; their checks run as TODO until fixed.
const KNOWN_BUGS = {
};
const todo = (key) => (KNOWN_BUGS[key] ? { todo: 'server bug: ' + KNOWN_BUGS[key] } : {});

// ---------------------------------------------------------------- spec access

function lookup(ref) {
  assert.ok(ref.startsWith('#/'), `only local $refs: ${ref}`);
  let o = spec;
  for (const k of ref.slice(2).split('/')) {
    o = o?.[k.replace(/~1/g, '/').replace(/~0/g, '~')];
    assert.ok(o !== undefined, `unresolved $ref ${ref}`);
  }
  return o;
}
const deref = (o) => { while (o && o.$ref) o = lookup(o.$ref); return o; };

// [{method: 'GET', path, op, params}] for every operation of the spec.
function operations() {
  const out = [];
  for (const [path, item] of Object.entries(spec.paths))
    for (const m of METHODS)
      if (item[m]) out.push({ method: m.toUpperCase(), path, op: item[m], params: [...(item.parameters || []), ...(item[m].parameters || [])].map(deref) });
  return out;
}
const OPS = operations();
const opOf = (method, path) => {
  const o = OPS.find((x) => x.method === method && x.path === path);
  assert.ok(o, `${method} ${path} is not in the spec`);
  return o;
};

// The route table: `{ "GET",    "/api/v1/users/{id}",  handler,  P_ADMIN, flags, max },`
function routeTable() {
  const re = /^\s*\{\s*"([A-Z]+)"\s*,\s*"([^"]+)"\s*,\s*(\w+)\s*,\s*(P_\w+)/gm;
  const out = [];
  for (const m of routesC.matchAll(re)) out.push({ method: m[1], path: m[2], handler: m[3], perm: m[4] });
  return out;
}

// ------------------------------------------------------------ schema checker

// Validate value against an OpenAPI 3.0 schema; returns a list of problems.
// Supports $ref, type, nullable, enum, required, properties,
// additionalProperties (false or a schema), items, minimum, maximum,
// minLength, maxLength, pattern.  With strict, an object property that the
// schema does not document is a problem too (the spec must be complete even
// where it allows more).
export function check(value, schema, at = '$', strict = true, errs = []) {
  schema = deref(schema);
  if (schema === undefined || schema === true) return errs;
  if (value === null) {
    if (!schema.nullable) errs.push(`${at}: null, but the schema is not nullable`);
    return errs;
  }
  const t = schema.type;
  const typeOk = {
    integer: () => Number.isInteger(value),
    number: () => typeof value === 'number' && Number.isFinite(value),
    string: () => typeof value === 'string',
    boolean: () => typeof value === 'boolean',
    array: () => Array.isArray(value),
    object: () => typeof value === 'object' && !Array.isArray(value),
  };
  if (t) {
    if (!typeOk[t]) { errs.push(`${at}: unknown schema type ${t}`); return errs; }
    if (!typeOk[t]()) { errs.push(`${at}: expected ${t}, got ${JSON.stringify(value)}`); return errs; }
  }
  if (schema.enum && !schema.enum.includes(value)) errs.push(`${at}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`);
  if (typeof value === 'number') {
    if (schema.minimum !== undefined && value < schema.minimum) errs.push(`${at}: ${value} < minimum ${schema.minimum}`);
    if (schema.maximum !== undefined && value > schema.maximum) errs.push(`${at}: ${value} > maximum ${schema.maximum}`);
  }
  if (typeof value === 'string') {
    const n = [...value].length;
    if (schema.minLength !== undefined && n < schema.minLength) errs.push(`${at}: shorter than ${schema.minLength}`);
    if (schema.maxLength !== undefined && n > schema.maxLength) errs.push(`${at}: longer than ${schema.maxLength}`);
    if (schema.pattern && !new RegExp(schema.pattern, 'u').test(value)) errs.push(`${at}: ${JSON.stringify(value)} does not match ${schema.pattern}`);
  }
  if (Array.isArray(value) && schema.items)
    value.forEach((v, i) => check(v, schema.items, `${at}[${i}]`, strict, errs));
  if (typeOk.object() && (schema.properties || schema.required || schema.additionalProperties !== undefined)) {
    const props = schema.properties || {};
    for (const k of schema.required || [])
      if (!(k in value)) errs.push(`${at}: missing required property "${k}"`);
    for (const [k, v] of Object.entries(value)) {
      if (k in props) check(v, props[k], `${at}.${k}`, strict, errs);
      else if (schema.additionalProperties === false) errs.push(`${at}: property "${k}" is not allowed`);
      else if (typeof schema.additionalProperties === 'object') check(v, schema.additionalProperties, `${at}.${k}`, strict, errs);
      else if (strict) errs.push(`${at}: property "${k}" is not documented`);
    }
  }
  return errs;
}

function assertValid(value, schema, what) {
  const errs = check(value, schema);
  assert.deepEqual(errs, [], `${what} does not match its schema:\n  ${errs.slice(0, 20).join('\n  ')}\nbody: ${JSON.stringify(value).slice(0, 1500)}`);
}

// The documented response of op for status (following $ref).
function documented(o, status) {
  const r = o.op.responses[String(status)];
  assert.ok(r, `${o.method} ${o.path}: status ${status} is not documented (documented: ${Object.keys(o.op.responses).join(', ')})`);
  return deref(r);
}

// Assert that res has the status, that the status is documented for o, and
// that the body matches the documented schema; for errors also that the
// code is expected and among the codes the description lists.
function expectDoc(o, res, status, code) {
  const label = `${o.method} ${o.path}`;
  assert.equal(res.status, status, `${label}: expected ${status}${code ? ' ' + code : ''}, got ${res.status}: ${res.text.slice(0, 500)}`);
  const r = documented(o, status);
  const media = r.content && Object.keys(r.content)[0];
  if (!media) {
    assert.equal(res.text, '', `${label} ${status}: documented without a body`);
    return;
  }
  assert.ok((res.headers.get('content-type') || '').startsWith(media), `${label} ${status}: content-type ${res.headers.get('content-type')}, documented ${media}`);
  if (media !== 'application/json') return;
  assert.ok(res.json !== null, `${label} ${status}: body is not JSON: ${res.text.slice(0, 300)}`);
  assertValid(res.json, r.content[media].schema, `${label} ${status}`);
  if (status >= 400) {
    if (code) assert.equal(res.json.error.code, code, `${label}: error code`);
    const listed = /Codes: (.*)\.$/.exec(r.description || '');
    if (listed) {
      const codes = [...listed[1].matchAll(/`([a-z_]+)`/g)].map((m) => m[1]);
      assert.ok(codes.includes(res.json.error.code), `${label} ${status}: code ${res.json.error.code} is not among the documented ${codes.join(', ')}`);
    }
  }
}

// A concrete URL for an operation: {id} from ids, query from query.
function url(o, ids = {}, query = {}) {
  const p = o.path.replace(/\{(\w+)\}/g, (_, n) => {
    assert.ok(ids[n] !== undefined, `${o.method} ${o.path}: no value for {${n}}`);
    return encodeURIComponent(ids[n]);
  });
  const q = new URLSearchParams(query).toString();
  return q ? `${p}?${q}` : p;
}

function call(client, o, ids, { body, query, headers } = {}) {
  const h = { ...(headers || {}) };
  if (client.csrf && o.method !== 'GET') h['X-CSRF-Token'] = client.csrf;
  return client.req(o.method, url(o, ids, query), body, h);
}

const bodyExample = (o) => o.op.requestBody && deref(o.op.requestBody.content['application/json'].schema).example;
const hasPathParams = (o) => o.path.includes('{');

// ============================================================ the spec alone

test('spec: OpenAPI 3.0.3 with the security schemes and the Error schema', () => {
  assert.equal(spec.openapi, '3.0.3');
  const ss = spec.components.securitySchemes;
  assert.deepEqual(ss.sessionCookie, { ...ss.sessionCookie, type: 'apiKey', in: 'cookie', name: 'zo_session' });
  assert.deepEqual(ss.csrfToken, { ...ss.csrfToken, type: 'apiKey', in: 'header', name: 'X-CSRF-Token' });
  assert.deepEqual(ss.bearerToken, { ...ss.bearerToken, type: 'http', scheme: 'bearer' });
  const err = deref(spec.components.schemas.Error);
  assert.deepEqual(err.required, ['error']);
  assert.deepEqual(err.properties.error.required, ['code', 'message', 'field']);
  for (const c of ['malformed_json', 'duplicate_key', 'null_character', 'invalid_utf8', 'too_deep', 'number_out_of_range',
    'body_not_object', 'body_required', 'body_too_large', 'bad_framing', 'bad_header', 'bad_path', 'bad_query',
    'unauthenticated', 'forbidden', 'csrf_failed', 'not_found', 'method_not_allowed', 'conflict', 'exists', 'invalid',
    'invalid_type', 'invalid_parameter', 'unknown_field', 'required', 'too_many_attempts', 'busy', 'internal'])
    assert.ok(err.properties.error.properties.code.enum.includes(c), `error code ${c} documented`);
});

test('spec: every $ref resolves, every operation has an id, a 2xx response and security', () => {
  const walk = (o) => {
    if (Array.isArray(o)) return o.forEach(walk);
    if (o && typeof o === 'object') for (const [k, v] of Object.entries(o)) (k === '$ref' ? lookup(v) : walk(v));
  };
  walk(spec);
  const ids = new Set();
  for (const o of OPS) {
    const label = `${o.method} ${o.path}`;
    assert.ok(o.op.operationId && !ids.has(o.op.operationId), `${label}: unique operationId`);
    ids.add(o.op.operationId);
    assert.ok(Object.keys(o.op.responses).some((s) => /^2/.test(s)), `${label}: a 2xx response`);
    assert.ok(Array.isArray(o.op.security), `${label}: security listed (empty for public)`);
    assert.ok(['public', 'any', 'staff', 'admin'].includes(o.op['x-roles']), `${label}: x-roles`);
    assert.equal(o.op.security.length === 0, o.op['x-roles'] === 'public', `${label}: public iff no security`);
    for (const [s, r] of Object.entries(o.op.responses)) {
      const rr = deref(r);
      assert.ok(rr.description, `${label} ${s}: description`);
      if (Number(s) >= 400 && rr.content)
        assert.equal(rr.content['application/json'].schema.$ref, '#/components/schemas/Error', `${label} ${s}: Error schema`);
    }
    if (o.method === 'POST' && o.path !== '/api/v1/session')
      assert.ok(o.op.responses['201'], `${label}: a create answers 201`);
    if (o.method !== 'GET' && o.op['x-roles'] !== 'public') {
      assert.deepEqual(o.op.security, [{ bearerToken: [] }, { sessionCookie: [], csrfToken: [] }], `${label}: a cookie write needs the CSRF token`);
      assert.ok(o.op.responses['403'], `${label}: 403 csrf_failed documented`);
    }
  }
});

test('spec: every object schema of a response lists its required properties', () => {
  const seen = new Set();
  const visit = (s, at) => {
    if (s && s.$ref) { if (seen.has(s.$ref)) return; seen.add(s.$ref); return visit(lookup(s.$ref), s.$ref); }
    if (!s || typeof s !== 'object') return;
    if (s.type === 'object' || s.properties) {
      assert.ok(Array.isArray(s.required) && s.required.length > 0, `${at}: object schema without required`);
      for (const k of s.required) assert.ok(s.properties && k in s.properties, `${at}: required "${k}" is not a property`);
      for (const [k, v] of Object.entries(s.properties || {})) visit(v, `${at}.${k}`);
    }
    if (s.items) visit(s.items, `${at}[]`);
  };
  for (const o of OPS)
    for (const [st, r] of Object.entries(o.op.responses))
      for (const [media, c] of Object.entries(deref(r).content || {}))
        if (media === 'application/json') visit(c.schema, `${o.method} ${o.path} ${st}`);
  assert.ok(seen.size > 10);
});

test('spec: request body examples match their schemas', () => {
  for (const o of OPS.filter((x) => x.op.requestBody)) {
    const ex = bodyExample(o);
    assert.ok(ex, `${o.method} ${o.path}: request schema has an example`);
    assertValid(ex, o.op.requestBody.content['application/json'].schema, `${o.method} ${o.path} example`);
  }
});

test('schema checker: catches what it should', () => {
  const s = { $ref: '#/components/schemas/User' };
  const good = { id: 1, username: 'a', display_name: 'A', role: 'admin', unit_id: null, enterprise_id: null, department_id: 2, created_at: 1, updated_at: 1 };
  assert.deepEqual(check(good, s), []);
  const bad = (patch, re) => {
    const v = { ...good, ...patch };
    for (const k of Object.keys(patch)) if (patch[k] === undefined) delete v[k];
    const errs = check(v, s);
    assert.ok(errs.some((e) => re.test(e)), `expected ${re} in ${JSON.stringify(errs)}`);
  };
  bad({ id: undefined }, /missing required property "id"/);
  bad({ id: '1' }, /expected integer/);
  bad({ id: 1.5 }, /expected integer/);
  bad({ role: 'root' }, /not one of/);
  bad({ username: null }, /not nullable/);
  bad({ extra: 1 }, /not documented/);
  assert.deepEqual(check({ items: [], total: 0, limit: 0, offset: 0 }, { $ref: '#/components/schemas/UserList' }), []);
  assert.ok(check({ items: [{}], total: 0, limit: 0, offset: 0 }, { $ref: '#/components/schemas/UserList' }).length > 0);
  assert.ok(check({ error: { code: 'nope', message: 'x', field: null } }, { $ref: '#/components/schemas/Error' }).length > 0);
});

// ================================================== the spec and routes.c

test('route table ⇄ spec: the same (method, path) pairs', () => {
  const routes = routeTable();
  assert.ok(routes.length >= 20, `parsed ${routes.length} routes from routes.c`);
  const inC = new Set(routes.map((r) => `${r.method} ${r.path}`));
  const inSpec = new Set(OPS.map((o) => `${o.method} ${o.path}`));
  const missing = [...inC].filter((k) => !inSpec.has(k));
  const extra = [...inSpec].filter((k) => !inC.has(k) && k !== 'GET /');
  assert.deepEqual(missing, [], 'routes of routes.c missing from docs/openapi.json');
  assert.deepEqual(extra, [], 'operations of docs/openapi.json not in routes.c');
});

test('route table ⇄ spec: x-roles matches the permission column', () => {
  const perm = { P_PUBLIC: 'public', P_ANY: 'any', P_STAFF: 'staff', P_ADMIN: 'admin' };
  for (const r of routeTable()) {
    const o = opOf(r.method, r.path);
    assert.equal(o.op['x-roles'], perm[r.perm], `${r.method} ${r.path}: ${r.perm}`);
  }
});

// ========================================================= a running server

// The read checks, shared by the empty and the demo database.
function readChecks(name, ctx) {
  for (const o of OPS.filter((x) => x.method === 'GET')) {
    test(`${name}: GET ${o.path} answers 200 as documented`, todo(`${name} GET ${o.path}`), async () => {
      const ids = {};
      if (hasPathParams(o)) {
        if (o.path === '/api/v1/users/{id}') ids.id = ctx.adminId;
        else {
          const list = await ctx.admin.get(o.path.replace(/\/\{id\}$/, ''));
          assert.equal(list.status, 200);
          if (!list.json.items.length) return; // nothing to read in this database
          ids.id = list.json.items[0].id;
        }
      }
      const res = await call(ctx.admin, o, ids);
      expectDoc(o, res, 200);
    });
  }
}

// Query-parameter variants: every enum value, and a bad value for every
// validated parameter (integer or enum) of operations documenting 422.
function queryChecks(name, ctx) {
  for (const o of OPS.filter((x) => x.method === 'GET' && !hasPathParams(x))) {
    for (const p of o.params.filter((x) => x.in === 'query')) {
      const s = deref(p.schema);
      const values = s.enum || (s.type === 'boolean' ? ['true', 'false'] : []);
      if (values.length)
        test(`${name}: GET ${o.path}?${p.name}= each documented value`, todo(`values GET ${o.path} ${p.name}`), async () => {
          for (const v of values) expectDoc(o, await call(ctx.admin, o, {}, { query: { [p.name]: v } }), 200);
        });
      if (o.op.responses['422'] && (s.enum || s.type === 'integer' || s.type === 'boolean'))
        test(`${name}: GET ${o.path}?${p.name}=<bad> is 422 invalid_parameter`, todo(`bad-param GET ${o.path} ${p.name}`), async () => {
          for (const v of ['bogus', '12abc', ...(s.minimum !== undefined ? [String(s.minimum - 1)] : [])]) {
            const query = { [p.name]: v };
            if (o.path === '/api/v1/indicators') Object.assign(query, p.name === 'year' ? { month: '1' } : { year: '2025' }, { [p.name]: v });
            const res = await call(ctx.admin, o, {}, { query });
            expectDoc(o, res, 422, 'invalid_parameter');
            assert.equal(res.json.error.field, p.name, `${o.path}?${p.name}=${v}: field`);
          }
        });
    }
  }
}

// Every authenticated operation without credentials: 401.
function unauthenticatedChecks(name, ctx) {
  test(`${name}: every operation that needs a login answers 401 unauthenticated without one`, async () => {
    const anon = new Client(ctx.url);
    for (const o of OPS.filter((x) => x.op.security.length)) {
      const res = await call(anon, o, { id: ctx.adminId }, { body: o.op.requestBody ? bodyExample(o) : undefined });
      expectDoc(o, res, 401, 'unauthenticated');
    }
  });
}

describe('empty database (one admin)', () => {
  const ctx = {};
  let S;
  before(async () => {
    S = await adminServer();
    ctx.url = S.srv.url;
    ctx.admin = new Client(S.srv.url, S.token);
    ctx.adminId = (await ctx.admin.get('/api/v1/me')).json.id;
  });
  after(async () => { await S.close(); });

  readChecks('empty', ctx);
  unauthenticatedChecks('empty', ctx);

  test('empty: the static UI and the text endpoints have their documented content types', async () => {
    const anon = new Client(ctx.url);
    expectDoc(opOf('GET', '/'), await anon.get('/'), 200);
    const m = await anon.get('/metrics');
    expectDoc(opOf('GET', '/metrics'), m, 200);
    assert.match(m.text, /zoneops_http_requests_total\{method="GET",route="\/"/);
  });

  test('empty: creates answer 201 with the documented record', async () => {
    const u = await call(ctx.admin, opOf('POST', '/api/v1/users'), {}, { body: bodyExample(opOf('POST', '/api/v1/users')) });
    expectDoc(opOf('POST', '/api/v1/users'), u, 201);
    assert.equal(u.json.username, 'zhang.wei');
    expectDoc(opOf('POST', '/api/v1/streets'), await call(ctx.admin, opOf('POST', '/api/v1/streets'), {}, { body: bodyExample(opOf('POST', '/api/v1/streets')) }), 201);
    expectDoc(opOf('POST', '/api/v1/departments'), await call(ctx.admin, opOf('POST', '/api/v1/departments'), {}, { body: bodyExample(opOf('POST', '/api/v1/departments')) }), 201);
    // the lists now have items to validate
    for (const p of ['/api/v1/users', '/api/v1/streets', '/api/v1/departments', '/api/v1/audit']) {
      const r = await ctx.admin.get(p);
      assert.ok(r.json.items.length > 0, p);
      expectDoc(opOf('GET', p), r, 200);
    }
    const again = await call(ctx.admin, opOf('POST', '/api/v1/users'), {}, { body: bodyExample(opOf('POST', '/api/v1/users')) });
    expectDoc(opOf('POST', '/api/v1/users'), again, 409, 'exists');
    for (const p of ['/api/v1/streets', '/api/v1/departments']) {
      const o = opOf('POST', p);
      expectDoc(o, await call(ctx.admin, o, {}, { body: bodyExample(o) }), 409);
    }
  });

  test('empty: PATCH and DELETE answer as documented', async () => {
    const create = opOf('POST', '/api/v1/users');
    const u = await call(ctx.admin, create, {}, { body: { username: 'li.na', role: 'statistician', password: 'correct-horse-2' } });
    expectDoc(create, u, 201);
    const patch = opOf('PATCH', '/api/v1/users/{id}');
    expectDoc(patch, await call(ctx.admin, patch, { id: u.json.id }, { body: bodyExample(patch) }), 200);
    expectDoc(patch, await call(ctx.admin, patch, { id: u.json.id }, { body: { username: 'other' } }), 422, 'read_only');
    expectDoc(patch, await call(ctx.admin, patch, { id: u.json.id }, { body: { role: 'recruiter' } }), 422, 'invalid');
    expectDoc(patch, await call(ctx.admin, patch, { id: ctx.adminId }, { body: { role: 'leader' } }), 409, 'self_demotion');
    const sp = opOf('PATCH', '/api/v1/settings');
    const s = await call(ctx.admin, sp, {}, { body: bodyExample(sp) });
    expectDoc(sp, s, 200);
    assert.equal(s.json.city_name, '南通市');
    expectDoc(sp, await call(ctx.admin, sp, {}, { body: { city_name: 5 } }), 422, 'invalid_type');
    const del = opOf('DELETE', '/api/v1/users/{id}');
    expectDoc(del, await call(ctx.admin, del, { id: u.json.id }), 204);
    expectDoc(del, await call(ctx.admin, del, { id: u.json.id }), 404, 'not_found');
    expectDoc(del, await call(ctx.admin, del, { id: ctx.adminId }), 409, 'self_delete');
    const get = opOf('GET', '/api/v1/users/{id}');
    expectDoc(get, await call(ctx.admin, get, { id: u.json.id }), 404, 'not_found');
    expectDoc(get, await call(ctx.admin, get, { id: 'abc' }), 404, 'not_found');
  });

  for (const o of OPS.filter((x) => x.op.requestBody && deref(x.op.requestBody.content['application/json'].schema).additionalProperties === false)) {
    test(`empty: ${o.method} ${o.path} with an unknown field is 422 unknown_field`, todo(`unknown-field ${o.method} ${o.path}`), async () => {
      const body = { ...bodyExample(o), no_such_field: 1 };
      if (o.path === '/api/v1/users') body.username = 'unknown.field';
      if (o.path === '/api/v1/streets' || o.path === '/api/v1/departments') body.name = '未知字段测试';
      const res = await call(ctx.admin, o, { id: ctx.adminId }, { body });
      expectDoc(o, res, 422, 'unknown_field');
      assert.equal(res.json.error.field, 'no_such_field');
    });
  }

  test('empty: bad JSON bodies are 400 with their codes', async () => {
    const o = opOf('POST', '/api/v1/users');
    const raw = (body) => ctx.admin.req('POST', '/api/v1/users', body);
    expectDoc(o, await raw('{"username":'), 400, 'malformed_json');
    expectDoc(o, await raw('{"a":1,"a":2}'), 400, 'duplicate_key');
    expectDoc(o, await raw('[1]'), 400, 'body_not_object');
    expectDoc(o, await ctx.admin.req('POST', '/api/v1/users'), 400, 'body_required');
    expectDoc(o, await raw('{"a":' + '['.repeat(10) + ']'.repeat(10) + '}'), 400, 'too_deep');
    expectDoc(o, await raw('{"a":9007199254740993}'), 400, 'number_out_of_range');
    expectDoc(o, await raw({ username: 5, role: 'admin', password: 'correct-horse-3' }), 422, 'invalid_type');
    expectDoc(o, await raw({ role: 'admin', password: 'correct-horse-3' }), 422);
  });

  test('empty: login, CSRF and logout as documented', async () => {
    const login = opOf('POST', '/api/v1/session');
    const c = new Client(ctx.url);
    const bad = await c.req('POST', '/api/v1/session', { username: 'admin', password: 'wrong-password' });
    expectDoc(login, bad, 401, 'invalid_credentials');
    expectDoc(login, await c.req('POST', '/api/v1/session', { username: 'admin' }), 422, 'required');
    expectDoc(login, await c.req('POST', '/api/v1/session', 'x'.repeat(5000)), 413, 'body_too_large');
    const ok = await c.req('POST', '/api/v1/session', { username: 'admin', password: S.password });
    expectDoc(login, ok, 200);
    assert.match(ok.headers.get('set-cookie'), /zo_session=[^;]+;.*HttpOnly.*SameSite=Strict/);
    c.csrf = ok.json.csrf_token;
    const me = await c.get('/api/v1/me');
    expectDoc(opOf('GET', '/api/v1/me'), me, 200);
    assert.equal(me.json.csrf_token, c.csrf);
    const sp = opOf('PATCH', '/api/v1/settings');
    const noCsrf = await c.req('PATCH', '/api/v1/settings', {});
    expectDoc(sp, noCsrf, 403, 'csrf_failed');
    assert.equal(noCsrf.json.error.field, 'X-CSRF-Token');
    expectDoc(sp, await call(c, sp, {}, { body: {} }), 200);
    const logout = opOf('DELETE', '/api/v1/session');
    expectDoc(logout, await c.req('DELETE', '/api/v1/session'), 403, 'csrf_failed');
    expectDoc(logout, await call(c, logout, {}), 204);
    expectDoc(opOf('GET', '/api/v1/me'), await c.get('/api/v1/me'), 401, 'unauthenticated');
  });

  test('empty: a new password ends the user\'s sessions', todo('password ends sessions'), async () => {
    const create = opOf('POST', '/api/v1/users');
    const u = await call(ctx.admin, create, {}, { body: { username: 'wang.fang', role: 'leader', password: 'correct-horse-4' } });
    expectDoc(create, u, 201);
    const c = new Client(ctx.url);
    assert.equal((await c.login('wang.fang', 'correct-horse-4')).status, 200);
    expectDoc(opOf('GET', '/api/v1/me'), await c.get('/api/v1/me'), 200);
    const patch = opOf('PATCH', '/api/v1/users/{id}');
    expectDoc(patch, await call(ctx.admin, patch, { id: u.json.id }, { body: { password: 'correct-horse-5' } }), 200);
    expectDoc(opOf('GET', '/api/v1/me'), await c.get('/api/v1/me'), 401, 'unauthenticated');
  });

  test('empty: 10 failed logins of an account in a minute, then 429 with Retry-After', async () => {
    const login = opOf('POST', '/api/v1/session');
    const c = new Client(ctx.url);
    for (let i = 0; i < 10; i++)
      expectDoc(login, await c.req('POST', '/api/v1/session', { username: 'nobody', password: 'wrong-password' }), 401, 'invalid_credentials');
    const r = await c.req('POST', '/api/v1/session', { username: 'nobody', password: 'wrong-password' });
    expectDoc(login, r, 429, 'too_many_attempts');
    assert.ok(Number(r.headers.get('retry-after')) > 0);
  });

  test('empty: unknown path 404 and wrong method 405 use the Error schema', async () => {
    const r404 = await ctx.admin.get('/api/v1/no-such-thing');
    assert.equal(r404.status, 404);
    assertValid(r404.json, { $ref: '#/components/schemas/Error' }, '404');
    const r405 = await ctx.admin.req('PUT', '/api/v1/users', {});
    assert.equal(r405.status, 405);
    assertValid(r405.json, { $ref: '#/components/schemas/Error' }, '405');
    assert.equal(r405.json.error.code, 'method_not_allowed');
    // Allow lists exactly the methods the spec documents for the path
    const documentedMethods = OPS.filter((o) => o.path === '/api/v1/users').map((o) => o.method).sort();
    assert.deepEqual(r405.headers.get('allow').split(/,\s*/).sort(), documentedMethods);
  });
});

describe('demo database', () => {
  const ctx = {};
  let srv, db;
  const tokenFor = (user) => {
    const t = cli(db.url, ['token', 'create', '--user', user]);
    assert.equal(t.status, 0, t.stderr);
    return t.stdout.trim();
  };
  before(async () => {
    db = freshDb();
    srv = await startServer(db.url, ['--demo']);
    ctx.url = srv.url;
    ctx.admin = new Client(srv.url, tokenFor('admin'));
    ctx.adminId = (await ctx.admin.get('/api/v1/me')).json.id;
    ctx.stats = new Client(srv.url, tokenFor('stats'));
    ctx.ent = new Client(srv.url, tokenFor('ent.hengtai'));
  });
  after(async () => {
    const code = await srv.stop();
    db.cleanup();
    if (code !== 0) throw new Error(`server exited ${code}:\n${srv.output().stderr.slice(-4000)}`);
  });

  readChecks('demo', ctx);
  queryChecks('demo', ctx);

  for (const o of OPS.filter((x) => x.method === 'GET' && /List$/.test(deref(x.op.responses['200']).content?.['application/json']?.schema.$ref || '')))
    test(`demo: GET ${o.path}?limit=1000 has items and every item matches its schema`, todo(`demo GET ${o.path}`), async () => {
      const r = await ctx.admin.get(url(o, {}, { limit: '1000' }));
      assert.ok(r.json.items.length > 0, `${o.path}: demo data`);
      expectDoc(o, r, 200);
    });

  test('demo: indicators have values with growth', async () => {
    const ind = await ctx.admin.get('/api/v1/indicators');
    expectDoc(opOf('GET', '/api/v1/indicators'), ind, 200);
    assert.ok(ind.json.items.length > 0);
    assert.ok(ind.json.items.some((i) => i.growth !== null));
  });

  test('demo: admin-only operations answer 403 forbidden to a statistician', async () => {
    for (const o of OPS.filter((x) => x.op['x-roles'] === 'admin'))
      expectDoc(o, await call(ctx.stats, o, { id: ctx.adminId }, { body: bodyExample(o) }), 403, 'forbidden');
  });

  test('demo: staff operations answer 403 forbidden to an enterprise account', async () => {
    for (const o of OPS.filter((x) => x.op['x-roles'] === 'staff'))
      expectDoc(o, await call(ctx.ent, o, {}), 403, 'forbidden');
  });

  test('demo: an enterprise account sees only its own enterprise', async () => {
    const list = opOf('GET', '/api/v1/enterprises');
    const mine = await ctx.ent.get('/api/v1/enterprises');
    expectDoc(list, mine, 200);
    assert.equal(mine.json.total, 1);
    const me = (await ctx.ent.get('/api/v1/me')).json;
    assert.equal(mine.json.items[0].id, me.enterprise_id);
    const get = opOf('GET', '/api/v1/enterprises/{id}');
    expectDoc(get, await call(ctx.ent, get, { id: me.enterprise_id }), 200);
    const other = (await ctx.admin.get('/api/v1/enterprises')).json.items.find((e) => e.id !== me.enterprise_id);
    expectDoc(get, await call(ctx.ent, get, { id: other.id }), 404, 'not_found');
  });

  test('demo: filters narrow the lists as documented', async () => {
    const major = (await ctx.admin.get('/api/v1/projects?major=true&limit=1000')).json;
    assert.ok(major.items.length > 0 && major.items.every((p) => p.major && p.total_investment_wan >= 100000));
    const all = (await ctx.admin.get('/api/v1/projects?limit=1000')).json;
    assert.equal(all.total, all.items.length);
    const unit = all.items[0].unit_id;
    const byUnit = (await ctx.admin.get(`/api/v1/projects?unit_id=${unit}&limit=1000`)).json;
    assert.ok(byUnit.items.length > 0 && byUnit.items.every((p) => p.unit_id === unit));
    const key = (await ctx.admin.get('/api/v1/enterprises?key=true&limit=1000')).json;
    assert.ok(key.items.length > 0 && key.items.every((e) => e.key === true));
    const s = (await ctx.admin.get('/api/v1/summary')).json;
    assert.equal(s.key_enterprises, key.total);
    assert.equal(s.major_projects, major.total);
    const ind = (await ctx.admin.get('/api/v1/indicators')).json;
    const prev = (await ctx.admin.get(`/api/v1/indicators?year=${ind.year - 1}&month=${ind.month}`)).json;
    assert.equal(prev.year, ind.year - 1);
    assert.ok(prev.items.length > 0);
  });
});
