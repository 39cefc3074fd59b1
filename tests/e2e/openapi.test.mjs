// End-to-end: docs/openapi.json against the route table (src/app/routes.c)
// and against a running server.  Every GET is called and its 200 body
// validated against the documented schema; every operation is called
// without credentials, with the wrong role, with bad bodies and bad query
// parameters, and the error bodies are validated against the Error schema
// and the codes documented for that status.  The Open311 GeoReport v2
// operations (/open311/v2/…) are checked by their own rules: api_key
// instead of a login, form-encoded POST bodies, JSON and XML, and the
// error document [{code, description}].  The schema checker is the small
// one below (no npm dependencies).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { adminServer, Client, cli, freshDb, startServer, demoAdminPassword } from './lib.mjs';

const root = new URL('../../', import.meta.url);
const spec = JSON.parse(readFileSync(new URL('docs/openapi.json', root), 'utf8'));
const routesC = readFileSync(new URL('src/app/routes.c', root), 'utf8');

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
// Open311 GeoReport v2 operations, and those of them that take an api_key.
const isO311 = (o) => o.path.startsWith('/open311/');
const usesApiKey = (o) => o.op.security.some((s) => 'open311ApiKey' in s);
// The roles an x-roles value lets in.
const ROLES = () => deref(spec.components.schemas.Role).enum;
function rolesOf(x) {
  if (Array.isArray(x)) return x;
  return { public: ROLES(), any: ROLES(), staff: ROLES().filter((r) => r !== 'enterprise'), admin: ['admin'] }[x];
}

// The route table: `{ "GET",    "/api/v1/users/{id}",  handler,  P_ADMIN, flags, max },`
function routeTable() {
  const re = /^\s*\{\s*"([A-Z]+)"\s*,\s*"([^"]+)"\s*,\s*(\w+)\s*,\s*(P_\w+)/gm;
  const out = [];
  for (const m of routesC.matchAll(re)) out.push({ method: m[1], path: m[2], handler: m[3], perm: m[4] });
  return out;
}

// The x-roles value of each permission: the common sets of http.h by name,
// the role sets routes.c defines (`#define P_VISIT (ROLE_ADMIN | …)`) as
// the list of their roles in the order of the Role schema.
function permRoles() {
  const out = { P_PUBLIC: 'public', P_ANY: 'any', P_STAFF: 'staff', P_ADMIN: 'admin' };
  // a set named after another (`#define P_LAND_READ P_STAFF`) is that one
  for (const m of routesC.matchAll(/^#define\s+(P_\w+)\s+(P_\w+)\s*$/gm))
    if (m[2] in out) out[m[1]] = out[m[2]];
  for (const m of routesC.matchAll(/^#define\s+(P_\w+)\s+\(([^)]*)\)/gm)) {
    // a union may name a set too: (P_STAFF | ROLE_ENTERPRISE)
    const roles = m[2].split('|').map((x) => x.trim()).flatMap((x) => (x.startsWith('P_') ? rolesOf(out[x]) || [x] : [x.replace(/^ROLE_/, '').toLowerCase()]));
    out[m[1]] = ROLES().filter((r) => roles.includes(r));
    assert.equal(out[m[1]].length, new Set(roles).size, `${m[1]}: unknown role in ${m[2]}`);
  }
  return out;
}

// ------------------------------------------------------------ schema checker

// Validate value against an OpenAPI 3.0 schema; returns a list of problems.
// Supports $ref, oneOf, type, nullable, enum, required, properties,
// additionalProperties (false or a schema), items, minItems, maxItems,
// minimum, maximum, minLength, maxLength, pattern.  With strict, an object property that the
// schema does not document is a problem too (the spec must be complete even
// where it allows more).
export function check(value, schema, at = '$', strict = true, errs = []) {
  schema = deref(schema);
  if (schema === undefined || schema === true) return errs;
  if (schema.oneOf) {
    const results = schema.oneOf.map((s) => check(value, s, at, strict));
    const ok = results.filter((r) => r.length === 0).length;
    if (ok !== 1) {
      const best = results.reduce((a, b) => (b.length < a.length ? b : a));
      errs.push(`${at}: matches ${ok} of the ${schema.oneOf.length} oneOf schemas` + (ok ? '' : ` (closest: ${best.slice(0, 5).join('; ')})`));
    }
    return errs;
  }
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
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems) errs.push(`${at}: fewer than ${schema.minItems} items`);
    if (schema.maxItems !== undefined && value.length > schema.maxItems) errs.push(`${at}: more than ${schema.maxItems} items`);
    if (schema.items) value.forEach((v, i) => check(v, schema.items, `${at}[${i}]`, strict, errs));
  }
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
  const medias = Object.keys(r.content || {});
  if (!medias.length) {
    assert.equal(res.text, '', `${label} ${status}: documented without a body`);
    return;
  }
  const type = res.headers.get('content-type') || '';
  const media = medias.find((m) => type.startsWith(m));
  assert.ok(media, `${label} ${status}: content-type ${type}, documented ${medias.join(', ')}`);
  if (media === 'text/xml') {
    assert.match(res.text, /^<\?xml version="1\.0" encoding="utf-8"\?>\n<[a-z_]+>/, `${label} ${status}: an XML document`);
    if (status >= 400) assert.equal(xmlRoot(res.text), 'errors', `${label} ${status}: <errors>`);
    return;
  }
  if (media !== 'application/json') return;
  assert.ok(res.json !== null, `${label} ${status}: body is not JSON: ${res.text.slice(0, 300)}`);
  assertValid(res.json, r.content[media].schema, `${label} ${status}`);
  if (status >= 400 && Array.isArray(res.json)) {
    // the Open311 error document
    assert.ok(!code, `${label} ${status}: expected the Error format with ${code}, got ${res.text.slice(0, 300)}`);
    assert.equal(res.json[0].code, status, `${label}: [0].code is the status`);
    return;
  }
  if (status >= 400) {
    if (code) assert.equal(res.json.error.code, code, `${label}: error code`);
    const listed = /Codes: (.*)\.$/.exec(r.description || '');
    if (listed) {
      const codes = [...listed[1].matchAll(/`([a-z_]+)`/g)].map((m) => m[1]);
      assert.ok(codes.includes(res.json.error.code), `${label} ${status}: code ${res.json.error.code} is not among the documented ${codes.join(', ')}`);
    }
  }
}

// The root element's name of an XML document.
const xmlRoot = (text) => /^<\?xml[^>]*\?>\s*<([A-Za-z_][\w.-]*)>/.exec(text)?.[1];

// Path parameters that need no record: a request category, a year, the
// Open311 format, a file of an objection (the unauthenticated calls).
const PATH_DEFAULTS = { code: 'labour', year: '2021', format: 'json', fid: '1', item_id: '1', plan_id: '1' };

// A concrete URL for an operation: {id} from ids (the others default to
// PATH_DEFAULTS), query from query.
function url(o, ids = {}, query = {}) {
  const p = o.path.replace(/\{(\w+)\}/g, (_, n) => {
    const v = ids[n] ?? PATH_DEFAULTS[n];
    assert.ok(v !== undefined, `${o.method} ${o.path}: no value for {${n}}`);
    return encodeURIComponent(v);
  });
  const q = new URLSearchParams(query).toString();
  return q ? `${p}?${q}` : p;
}

// The media type of an operation's request body (the first documented).
const bodyMedia = (o) => o.op.requestBody && Object.keys(o.op.requestBody.content)[0];
const bodySchema = (o) => o.op.requestBody && o.op.requestBody.content[bodyMedia(o)].schema;
const bodyExample = (o) => o.op.requestBody && deref(bodySchema(o)).example;
const formEncode = (fields) => new URLSearchParams(fields).toString();

// Call o; a body goes in o's media type (JSON, a form, or raw text).
function call(client, o, ids, { body, query, headers } = {}) {
  const h = { ...(headers || {}) };
  if (client.csrf && o.method !== 'GET') h['X-CSRF-Token'] = client.csrf;
  const media = bodyMedia(o);
  if (body !== undefined && media && media !== 'application/json') {
    h['Content-Type'] = h['Content-Type'] || media;
    if (media === 'application/x-www-form-urlencoded' && typeof body === 'object') body = formEncode(body);
  }
  return client.req(o.method, url(o, ids, query), body, h);
}

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
  const ERROR = '#/components/schemas/Error', O311 = '#/components/schemas/Open311Errors';
  for (const o of OPS) {
    const label = `${o.method} ${o.path}`;
    assert.ok(o.op.operationId && !ids.has(o.op.operationId), `${label}: unique operationId`);
    ids.add(o.op.operationId);
    assert.ok(Object.keys(o.op.responses).some((s) => /^2/.test(s)), `${label}: a 2xx response`);
    assert.ok(Array.isArray(o.op.security), `${label}: security listed (empty for public)`);
    const xr = o.op['x-roles'];
    if (Array.isArray(xr)) {
      assert.ok(xr.length > 0 && new Set(xr).size === xr.length && xr.every((r) => ROLES().includes(r)), `${label}: x-roles lists roles of the Role schema`);
      assert.deepEqual(xr, ROLES().filter((r) => xr.includes(r)), `${label}: x-roles in the Role schema's order`);
    } else {
      assert.ok(['public', 'any', 'staff', 'admin'].includes(xr), `${label}: x-roles`);
    }
    assert.equal(o.op.security.length === 0, xr === 'public', `${label}: public iff no security`);
    assert.ok(o.op.description.includes(xr === 'public' ? '' : 'Roles: ') || isO311(o), `${label}: the description names the roles`);
    if (isO311(o)) {
      // Open311: api_key (or nothing), JSON and XML, its own error document
      if (o.op.security.length)
        assert.deepEqual([o.op.security, xr], [[{ open311ApiKey: [] }], 'any'], `${label}: an api_key, any role's`);
      const fmt = o.params.find((p) => p.in === 'path' && p.name === 'format');
      assert.deepEqual(fmt && deref(fmt.schema).enum, ['json', 'xml'], `${label}: {format} is json or xml`);
      for (const [s, r] of Object.entries(o.op.responses)) {
        const rr = deref(r);
        assert.ok(rr.description, `${label} ${s}: description`);
        const schema = rr.content?.['application/json']?.schema;
        assert.ok(schema, `${label} ${s}: a JSON body`);
        const refs = schema.oneOf ? schema.oneOf.map((x) => x.$ref) : [schema.$ref];
        if (Number(s) >= 400) {
          assert.ok(refs.length && refs.every((x) => x === ERROR || x === O311), `${label} ${s}: Open311Errors or Error`);
          assert.equal(!!rr.content['text/xml'], refs.includes(O311), `${label} ${s}: an XML alternative iff Open311 errors`);
        } else {
          assert.ok(rr.content['text/xml'], `${label} ${s}: an XML alternative`);
        }
      }
      if (o.method === 'POST') {
        assert.deepEqual(Object.keys(o.op.requestBody.content), ['application/x-www-form-urlencoded'], `${label}: a form body`);
        assert.ok(o.op.responses['201'], `${label}: a create answers 201`);
      }
      continue;
    }
    for (const [s, r] of Object.entries(o.op.responses)) {
      const rr = deref(r);
      assert.ok(rr.description, `${label} ${s}: description`);
      if (Number(s) >= 400 && rr.content)
        assert.equal(rr.content['application/json'].schema.$ref, ERROR, `${label} ${s}: Error schema`);
    }
    // a create answers 201, an upload (every import is a job) and a job's
    // cancel 202, a transition of an existing record 200
    if (o.method === 'POST' && o.path !== '/api/v1/session') {
      const upload = o.op.requestBody && bodyMedia(o) !== 'application/json';
      // a policy's, a batch's or an inbox item's step (publish, approve, confirm, ...) changes it: 200
      // a channel's test message and a notice's resend (issue 13) too
      const step = /^\/api\/v1\/(policies|batches|inbox|land\/evaluations|land\/objections|channels|notifications)\/\{id\}\/(publish|test|push|approve|reject|paid|read|confirm|decline|mute|finalize|decision|resend)$/.test(o.path);
      // the calendar's .ics (one year, at most 1 MiB, read at once) loads as PUT /calendar/{year} does: 200
      const want = o.path.endsWith('/transitions') || o.path === '/api/v1/me/password' || step ||
        o.path === '/api/v1/calendar/import' ? '200'
        : upload || o.path.endsWith('/cancel') ? '202' : '201';
      assert.ok(o.op.responses[want], `${label}: answers ${want}`);
    }
    if (o.method !== 'GET' && xr !== 'public') {
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
    if (s.oneOf) s.oneOf.forEach((x, i) => visit(x, `${at}.oneOf[${i}]`));
    if (s.type === 'object' || s.properties) {
      // x-all-optional: every property is optional (documented all the same)
      if (s['x-all-optional']) assert.ok(!s.required && s.properties, `${at}: x-all-optional with properties and without required`);
      else assert.ok(Array.isArray(s.required) && s.required.length > 0, `${at}: object schema without required`);
      for (const k of s.required || []) assert.ok(s.properties && k in s.properties, `${at}: required "${k}" is not a property`);
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
    assert.ok(ex, `${o.method} ${o.path}: request schema (${bodyMedia(o)}) has an example`);
    assertValid(ex, bodySchema(o), `${o.method} ${o.path} example`);
  }
});

test('schema checker: catches what it should', () => {
  const s = { $ref: '#/components/schemas/User' };
  const good = { id: 1, username: 'a', display_name: 'A', role: 'admin', unit_id: null, enterprise_id: null, department_id: 2, created_at: 1, updated_at: 1, must_change_password: false };
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
  // oneOf: exactly one
  const login = { $ref: '#/components/schemas/LoginRequest' };
  assert.deepEqual(check({ username: 'a', password: 'b' }, login), []);
  assert.deepEqual(check({ credit_code: 'x', code: '123456' }, login), []);
  assert.ok(check({ password: 'b' }, login).some((e) => /matches 0 of the 3 oneOf/.test(e)));
  const either = { oneOf: [{ type: 'integer' }, { type: 'number' }] };
  assert.ok(check(1, either).some((e) => /matches 2 of/.test(e)));
  assert.deepEqual(check(1.5, either), []);
  assert.ok(check([], { $ref: '#/components/schemas/Open311Errors' }).some((e) => /fewer than 1/.test(e)));
  assert.deepEqual(check([{ code: 403, description: 'x' }], { $ref: '#/components/schemas/Open311Errors' }), []);
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
  const perm = permRoles();
  for (const r of routeTable()) {
    const o = opOf(r.method, r.path);
    assert.ok(r.perm in perm, `${r.method} ${r.path}: ${r.perm} is neither a common set nor defined in routes.c`);
    // Open311: the router lets everyone in, the handlers take the api_key
    const want = r.path.startsWith('/open311/') && r.perm === 'P_PUBLIC' && usesApiKey(o) ? 'any' : perm[r.perm];
    assert.deepEqual(o.op['x-roles'], want, `${r.method} ${r.path}: ${r.perm}`);
  }
});

// ========================================================= a running server

// Ids for the path parameters of o in the database behind ctx: {id} from
// the first item of the list the path starts with (the requests for the
// Open311 request), the user, import and enterprise ids the suites keep;
// the others from PATH_DEFAULTS.  undefined: nothing to read here.
async function firstId(ctx, list) {
  const r = await ctx.admin.get(list);
  assert.equal(r.status, 200, `${list}: ${r.text.slice(0, 300)}`);
  return r.json.items.length ? r.json.items[0].id : undefined;
}
async function pathIds(ctx, o) {
  if (!o.path.includes('{id}')) return {};
  let id;
  if (o.path === '/api/v1/users/{id}') id = ctx.adminId;
  else if (o.path.startsWith('/api/v1/imports/{id}')) id = ctx.importId;
  else if (o.path.startsWith('/open311/v2/requests/')) id = await firstId(ctx, '/api/v1/requests');
  else if (o.path === '/api/v1/land/enterprises/{id}') id = await firstId(ctx, '/api/v1/enterprises');
  else if (o.path === '/api/v1/land/objections/{id}/files/{fid}') {
    // a file of the first objection that has one
    const r = await ctx.admin.get('/api/v1/land/objections');
    const o1 = r.json.items.find((x) => x.files.length);
    return o1 ? { id: o1.id, fid: o1.files[0].id } : undefined;
  } else id = await firstId(ctx, /^(\/api\/v1\/(?:land\/)?[a-z-]+)\/\{id\}/.exec(o.path)[1]);
  return id === undefined ? undefined : { id };
}

// Query parameters a GET needs to answer 200: the Open311 api_key, and
// one of days or category for the due date.
function readQuery(ctx, o) {
  if (usesApiKey(o)) return { api_key: ctx.token };
  if (o.path === '/api/v1/calendar/due') return { from: '2022-03-01', days: '5' };
  if (o.path === '/api/v1/policies/{id}/explain') return { enterprise_id: String(ctx.explainId ?? 1), year: '2025' };
  return {};
}

// The read checks, shared by the empty and the demo database: every GET
// answers 200 as documented, the Open311 ones in JSON and in XML.
function readChecks(name, ctx) {
  for (const o of OPS.filter((x) => x.method === 'GET')) {
    test(`${name}: GET ${o.path} answers 200 as documented`, todo(`${name} GET ${o.path}`), async () => {
      const ids = await pathIds(ctx, o);
      if (ids === undefined) return; // nothing to read in this database
      // the bulletin is a file of a period's data: none yet is 404 no_data
      if (name === 'empty' && o.path === '/api/v1/indicators/bulletin') {
        expectDoc(o, await call(ctx.admin, o, ids, { query: readQuery(ctx, o) }), 404, 'no_data');
        return;
      }
      const client = isO311(o) ? new Client(ctx.url) : ctx.admin;
      const res = await call(client, o, ids, { query: readQuery(ctx, o) });
      expectDoc(o, res, 200);
      if (isO311(o)) {
        const xml = await call(client, o, { ...ids, format: 'xml' }, { query: readQuery(ctx, o) });
        expectDoc(o, xml, 200);
        const root = { discovery: 'discovery', services: 'services', service_definition: 'service_definition' };
        assert.equal(xmlRoot(xml.text), o.path.includes('/requests') ? 'service_requests'
          : o.path.includes('/services/') ? root.service_definition : o.path.includes('/services') ? root.services : root.discovery);
      }
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
          for (const v of values) expectDoc(o, await call(ctx.admin, o, {}, { query: { ...readQuery(ctx, o), [p.name]: v } }), 200);
        });
      if (o.op.responses['422'] && (s.enum || s.type === 'integer' || s.type === 'boolean'))
        test(`${name}: GET ${o.path}?${p.name}=<bad> is 422 invalid_parameter`, todo(`bad-param GET ${o.path} ${p.name}`), async () => {
          for (const v of ['bogus', '12abc', ...(s.minimum !== undefined ? [String(s.minimum - 1)] : [])]) {
            const query = { ...readQuery(ctx, o), [p.name]: v };
            if (o.path === '/api/v1/indicators') Object.assign(query, p.name === 'year' ? { month: '1' } : { year: '2025' }, { [p.name]: v });
            const res = await call(ctx.admin, o, {}, { query });
            expectDoc(o, res, 422, 'invalid_parameter');
            assert.equal(res.json.error.field, p.name, `${o.path}?${p.name}=${v}: field`);
          }
        });
    }
  }
}

// Every operation that needs a login, without one: 401 (the Open311 ones
// without an api_key: 403 in their format, JSON and XML).
function unauthenticatedChecks(name, ctx) {
  test(`${name}: every operation that needs a login answers 401 unauthenticated without one`, async () => {
    const anon = new Client(ctx.url);
    for (const o of OPS.filter((x) => x.op.security.length && !isO311(x))) {
      const res = await call(anon, o, { id: ctx.adminId }, { body: o.op.requestBody ? bodyExample(o) : undefined });
      expectDoc(o, res, 401, 'unauthenticated');
    }
  });
  test(`${name}: every Open311 operation that needs an api_key answers 403 without one, or with a wrong one`, async () => {
    const anon = new Client(ctx.url);
    for (const o of OPS.filter(usesApiKey)) {
      const body = o.op.requestBody ? { ...bodyExample(o) } : undefined;
      if (body) delete body.api_key;
      for (const format of ['json', 'xml']) {
        expectDoc(o, await call(anon, o, { id: '1', format }, { body }), 403);
        expectDoc(o, await call(anon, o, { id: '1', format }, { body, query: { api_key: 'zo_' + '0'.repeat(64) } }), 403);
      }
      // a wrong key in the headers Open311 also reads (X-Api-Key, Authorization: Bearer)
      expectDoc(o, await call(anon, o, { id: '1' }, { body, headers: { 'X-Api-Key': 'zo_' + '0'.repeat(64) } }), 403);
      expectDoc(o, await call(anon, o, { id: '1' }, { body, headers: { Authorization: 'Bearer zo_' + '0'.repeat(64) } }), 403);
    }
  });
}

// Open311 behaviour beyond the reads: formats, filters and errors.
function open311Checks(name, ctx) {
  test(`${name}: Open311 answers an unknown format 404 in JSON, an unknown service 404 in the format asked`, async () => {
    const anon = new Client(ctx.url);
    for (const o of OPS.filter(isO311)) {
      const res = await call(anon, o, { id: '1', format: 'yaml' }, { query: readQuery(ctx, o), body: o.op.requestBody ? bodyExample(o) : undefined });
      expectDoc(o, res, 404);
      assert.match(res.headers.get('content-type'), /^application\/json/);
    }
    const svc = opOf('GET', '/open311/v2/services/{code}.{format}');
    expectDoc(svc, await call(anon, svc, { code: 'no-such-service' }), 404);
    expectDoc(svc, await call(anon, svc, { code: 'no-such-service', format: 'xml' }), 404);
    const one = opOf('GET', '/open311/v2/requests/{id}.{format}');
    for (const id of ['999999', 'abc'])
      expectDoc(one, await call(anon, one, { id }, { query: { api_key: ctx.token } }), 404);
  });

  test(`${name}: Open311 GET requests answers bad filters 400 in its format`, async () => {
    const anon = new Client(ctx.url);
    const o = opOf('GET', '/open311/v2/requests.{format}');
    for (const bad of [{ start_date: 'yesterday' }, { end_date: '2021-13-01' }, { status: 'pending' }, { service_request_id: '1,x' },
      { start_date: '2021-01-01', end_date: '2021-12-31' }, { start_date: '2021-02-01', end_date: '2021-01-01' }])
      for (const format of ['json', 'xml'])
        expectDoc(o, await call(anon, o, { format }, { query: { api_key: ctx.token, ...bad } }), 400);
    for (const good of [{ status: 'open' }, { status: 'closed,open' }, { service_code: 'labour,land' },
      { start_date: '2021-10-01', end_date: '2021-12-01T00:00:00Z' }, { service_request_id: '1,2,3' }])
      expectDoc(o, await call(anon, o, {}, { query: { api_key: ctx.token, ...good } }), 200);
  });

  test(`${name}: Open311 POST requests is form-encoded and answers errors 400 in its format`, async () => {
    const anon = new Client(ctx.url);
    const o = opOf('POST', '/open311/v2/requests.{format}');
    const base = { api_key: ctx.token, service_code: 'labour', description: '测试' };
    for (const format of ['json', 'xml']) {
      expectDoc(o, await call(anon, o, { format }, { body: { api_key: ctx.token, address_id: '91320691708051321X' } }), 400);
      expectDoc(o, await call(anon, o, { format }, { body: { ...base, service_code: 'no-such-service', address_id: '91320691708051321X' } }), 400);
      expectDoc(o, await call(anon, o, { format }, { body: { ...base, address_id: 'not-a-code' } }), 400);
      expectDoc(o, await call(anon, o, { format }, { body: { ...base, address_id: '91320691708051321X', lat: '95', long: '120' } }), 400);
      expectDoc(o, await call(anon, o, { format }, { body: 'api_key=' + ctx.token + '&service_code=labour&service_code=land' }), 400);
      // a JSON body is not a form
      expectDoc(o, await anon.req('POST', url(o, { format }), { ...base, address_id: '91320691708051321X' }), 400);
    }
    // staff name the enterprise
    expectDoc(o, await call(anon, o, {}, { body: base }), 400);
  });
}

describe('empty database (one admin)', () => {
  const ctx = {};
  let S;
  before(async () => {
    S = await adminServer();
    ctx.url = S.srv.url;
    ctx.token = S.token;
    ctx.admin = new Client(S.srv.url, S.token);
    ctx.adminId = (await ctx.admin.get('/api/v1/me')).json.id;
    ctx.importId = await dryRunImport(ctx.admin);
    // a calendar year, for the due dates
    const cal = opOf('PUT', '/api/v1/calendar/{year}');
    expectDoc(cal, await call(ctx.admin, cal, { year: '2022' }, { body: bodyExample(cal) }), 200);
  });
  after(async () => { await S.close(); });

  readChecks('empty', ctx);
  unauthenticatedChecks('empty', ctx);
  open311Checks('empty', ctx);

  test('empty: the static UI and the text endpoints have their documented content types', async () => {
    const anon = new Client(ctx.url);
    expectDoc(opOf('GET', '/'), await anon.get('/'), 200);
    const m = await ctx.admin.get('/metrics');
    expectDoc(opOf('GET', '/metrics'), m, 200);
    assert.match(m.text, /zoneops_http_requests_total\{method="GET",route="\/"/);
  });

  test('empty: creates answer 201 with the documented record', async () => {
    const u = await call(ctx.admin, opOf('POST', '/api/v1/users'), {}, { body: bodyExample(opOf('POST', '/api/v1/users')) });
    expectDoc(opOf('POST', '/api/v1/users'), u, 201);
    assert.equal(u.json.username, 'zhang.wei');
    expectDoc(opOf('POST', '/api/v1/streets'), await call(ctx.admin, opOf('POST', '/api/v1/streets'), {}, { body: bodyExample(opOf('POST', '/api/v1/streets')) }), 201);
    expectDoc(opOf('POST', '/api/v1/departments'), await call(ctx.admin, opOf('POST', '/api/v1/departments'), {}, { body: bodyExample(opOf('POST', '/api/v1/departments')) }), 201);
    const ent = opOf('POST', '/api/v1/enterprises');
    const e = await call(ctx.admin, ent, {}, { body: bodyExample(ent) });
    expectDoc(ent, e, 201);
    ctx.entId = e.json.id;
    // the lists now have items to validate
    for (const p of ['/api/v1/users', '/api/v1/streets', '/api/v1/departments', '/api/v1/audit', '/api/v1/enterprises']) {
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
    expectDoc(ent, await call(ctx.admin, ent, {}, { body: bodyExample(ent) }), 409, 'duplicate_credit_code');
  });

  test('empty: an invalid credit code is 422 invalid_credit_code with its reason', async () => {
    const ent = opOf('POST', '/api/v1/enterprises');
    for (const [code, reason] of [['9132069170805132', 'length'], ['91320691708051321I', 'character'], ['91320691708051321Y', 'checksum']]) {
      const r = await call(ctx.admin, ent, {}, { body: { credit_code: code, name: '校验测试' } });
      expectDoc(ent, r, 422, 'invalid_credit_code');
      assert.deepEqual([r.json.error.field, r.json.error.reason], ['credit_code', reason], code);
    }
    // an admin accepts a checksum-failing code with a written reason
    const ok = await call(ctx.admin, ent, {}, { body: { credit_code: '91320691708051321Y', name: '早期代码企业', credit_code_note: '早期赋码，工商登记如此' } });
    expectDoc(ent, ok, 201);
    assert.equal(ok.json.credit_code_note, '早期赋码，工商登记如此');
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
    const pe = opOf('PATCH', '/api/v1/enterprises/{id}');
    expectDoc(pe, await call(ctx.admin, pe, { id: ctx.entId }, { body: bodyExample(pe) }), 200);
    expectDoc(pe, await call(ctx.admin, pe, { id: 999999 }, { body: bodyExample(pe) }), 404, 'not_found');
    expectDoc(pe, await call(ctx.admin, pe, { id: ctx.entId }, { body: { founded_on: '2021-02-30' } }), 422, 'invalid');
    const cat = opOf('PATCH', '/api/v1/request-categories/{code}');
    expectDoc(cat, await call(ctx.admin, cat, {}, { body: bodyExample(cat) }), 200);
    expectDoc(cat, await call(ctx.admin, cat, { code: 'no-such-category' }, { body: bodyExample(cat) }), 404, 'not_found');
    expectDoc(cat, await call(ctx.admin, cat, {}, { body: { limit_class: 'A', limit_days: 5 } }), 422, 'invalid');
    const cal = opOf('PUT', '/api/v1/calendar/{year}');
    const loaded = await call(ctx.admin, cal, { year: '2022' }, { body: bodyExample(cal) });
    expectDoc(cal, loaded, 200);
    assert.deepEqual([loaded.json.loaded, loaded.json.holidays, loaded.json.makeup_days], [true, 1, 1]);
    expectDoc(cal, await call(ctx.admin, cal, { year: '2021' }, { body: bodyExample(cal) }), 422, 'invalid_date');
    expectDoc(cal, await call(ctx.admin, cal, { year: '21' }, { body: bodyExample(cal) }), 422, 'invalid_parameter');
    const cg = opOf('GET', '/api/v1/calendar/{year}');
    expectDoc(cg, await call(ctx.admin, cg, { year: '2022' }), 200);
    expectDoc(cg, await call(ctx.admin, cg, { year: '1800' }), 422, 'invalid_parameter');
    const due = opOf('GET', '/api/v1/calendar/due');
    expectDoc(due, await call(ctx.admin, due, {}, { query: { from: '2022-01-01', days: '3' } }), 200);
    const prov = await call(ctx.admin, due, {}, { query: { from: '2023-01-01', days: '3' } });
    expectDoc(due, prov, 200);
    assert.equal(prov.json.provisional, true);
    expectDoc(due, await call(ctx.admin, due, {}), 422, 'required');
  });

  // (as the admin: not the operations only an enterprise account may call)
  for (const o of OPS.filter((x) => x.op.requestBody && deref(bodySchema(x)).additionalProperties === false &&
    rolesOf(x.op['x-roles']).includes('admin'))) {
    test(`empty: ${o.method} ${o.path} with an unknown field is 422 unknown_field`, todo(`unknown-field ${o.method} ${o.path}`), async () => {
      const body = { ...bodyExample(o), no_such_field: 1 };
      if (o.path === '/api/v1/users') body.username = 'unknown.field';
      if (o.path === '/api/v1/streets' || o.path === '/api/v1/departments') body.name = '未知字段测试';
      const id = o.path.startsWith('/api/v1/enterprises/') ? ctx.entId : ctx.adminId;
      const res = await call(ctx.admin, o, { id }, { body });
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
    expectDoc(login, await c.req('POST', '/api/v1/session', { username: 'admin', credit_code: '91320691708051321X', password: 'x' }), 422, 'invalid');
    expectDoc(login, await c.req('POST', '/api/v1/session', { credit_code: '91320691708051321X', code: '123456' }), 401, 'invalid_credentials');
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
    // a cookie session posting to Open311 needs the CSRF token too (Error format)
    const o311 = opOf('POST', '/open311/v2/requests.{format}');
    expectDoc(o311, await c.req('POST', url(o311), formEncode(bodyExample(o311)), { 'Content-Type': 'application/x-www-form-urlencoded' }), 403, 'csrf_failed');
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
    for (const [method, path] of [['PUT', '/api/v1/users'], ['DELETE', '/api/v1/calendar/2021'], ['PUT', '/open311/v2/requests.json']]) {
      const r = await ctx.admin.req(method, path, {});
      assert.equal(r.status, 405, `${method} ${path}`);
      assertValid(r.json, { $ref: '#/components/schemas/Error' }, `${method} ${path} 405`);
      const specPath = OPS.find((o) => url(o, { id: '1' }) === path).path;
      const documentedMethods = OPS.filter((o) => o.path === specPath).map((o) => o.method).sort();
      assert.deepEqual(r.headers.get('allow').split(/,\s*/).sort(), documentedMethods, `${method} ${path}: Allow`);
    }
  });
});

// A dry-run import of the example CSV by client; resolves with the job id
// once the job is finished.
async function dryRunImport(client) {
  const o = opOf('POST', '/api/v1/enterprises/import');
  const res = await call(client, o, {}, { body: bodyExample(o), query: { dry_run: 'true', filename: 'enterprises.csv' } });
  expectDoc(o, res, 202);
  return (await importDone(client, res.json.url)).id;
}
async function importDone(client, jobUrl) {
  const get = opOf('GET', '/api/v1/imports/{id}');
  for (let i = 0; i < 200; i++) {
    const r = await client.get(jobUrl);
    expectDoc(get, r, 200);
    if (['done', 'failed', 'cancelled'].includes(r.json.status)) return r.json;
    await new Promise((res) => setTimeout(res, 50));
  }
  assert.fail(`import ${jobUrl} did not finish`);
}

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
    await demoAdminPassword(srv);   // first, or the admin may do nothing else
    ctx.url = srv.url;
    ctx.token = tokenFor('admin');
    ctx.admin = new Client(srv.url, ctx.token);
    ctx.adminId = (await ctx.admin.get('/api/v1/me')).json.id;
    ctx.stats = new Client(srv.url, tokenFor('stats'));
    ctx.ent = new Client(srv.url, tokenFor('ent.hengtai'));
    // a client of every role
    ctx.tokens = {};
    for (const [role, user] of Object.entries({ admin: 'admin', leader: 'leader.ib', recruiter: 'rec.ib.1', officer: 'officer01',
      department: 'dept.qfzx', statistician: 'stats', enterprise: 'ent.hengtai' }))
      ctx.tokens[role] = tokenFor(user);
    ctx.as = Object.fromEntries(Object.entries(ctx.tokens).map(([role, t]) => [role, new Client(srv.url, t)]));
    ctx.importId = await dryRunImport(ctx.admin);
    // the demo seeds no leads or trips: record one of each, as documented
    const lead = opOf('POST', '/api/v1/leads'), trip = opOf('POST', '/api/v1/trips');
    expectDoc(lead, await call(ctx.admin, lead, {}, { body: bodyExample(lead) }), 201);
    const recruiter = (await ctx.as.recruiter.get('/api/v1/me')).json.id;
    expectDoc(trip, await call(ctx.admin, trip, {}, { body: { ...bodyExample(trip), user_id: recruiter } }), 201);
    // reminders (issue 13): a channel as documented, and one for the officer of ent.hengtai, whose
    // new request (made here) is a notice in the outbox
    const ch = opOf('POST', '/api/v1/channels');
    expectDoc(ch, await call(ctx.admin, ch, {}, { body: bodyExample(ch) }), 201);
    const ent = (await ctx.ent.get('/api/v1/me')).json.enterprise_id;
    const officer = (await ctx.admin.get(`/api/v1/enterprises/${ent}`)).json.officer_id;
    expectDoc(ch, await call(ctx.admin, ch, {}, { body: { kind: 'email', target: 'officer@example.com', user_id: officer } }), 201);
    const rq = opOf('POST', '/api/v1/requests');
    expectDoc(rq, await call(ctx.ent, rq, {}, { body: { ...bodyExample(rq), enterprise_id: ent } }), 201);
  });
  after(async () => {
    const code = await srv.stop();
    db.cleanup();
    if (code !== 0) throw new Error(`server exited ${code}:\n${srv.output().stderr.slice(-4000)}`);
  });

  readChecks('demo', ctx);
  queryChecks('demo', ctx);
  open311Checks('demo', ctx);

  // every list, with every item checked (the demo lists have at most 1000)
  for (const o of OPS.filter((x) => x.method === 'GET' && /List$/.test(deref(x.op.responses['200']).content?.['application/json']?.schema.$ref || '')))
    test(`demo: GET ${o.path}?limit=1000 has items and every item matches its schema`, todo(`demo GET ${o.path}`), async () => {
      const ids = await pathIds(ctx, o);
      assert.ok(ids, `${o.path}: demo data`);
      const r = await ctx.admin.get(url(o, ids, { limit: '1000' }));
      assert.ok(r.json.items.length > 0, `${o.path}: demo data`);
      assert.equal(r.json.items.length, r.json.total, `${o.path}: every item on the page`);
      expectDoc(o, r, 200);
    });

  test('demo: a request and an inspection finding in every status, with their history, match their schemas', async () => {
    for (const [list, get, statuses] of [
      ['/api/v1/requests', opOf('GET', '/api/v1/requests/{id}'), deref(spec.components.schemas.Request).properties.status.enum],
      ['/api/v1/inspections', opOf('GET', '/api/v1/inspections/{id}'), deref(spec.components.schemas.Inspection).properties.status.enum],
    ]) {
      const items = (await ctx.admin.get(list + '?limit=1000')).json.items;
      for (const status of statuses) {
        const some = items.filter((x) => x.status === status).slice(0, 3);
        assert.ok(some.length, `${list}: a case in status ${status} in the demo data`);
        for (const x of some) {
          const r = await call(ctx.admin, get, { id: x.id });
          expectDoc(get, r, 200);
          assert.ok(r.json.history.length > 0 && r.json.history[0].action === 'create', `${list}/${x.id}: history`);
        }
      }
    }
    // the requests' list with kind=inspection lists inspection findings
    const both = opOf('GET', '/api/v1/requests');
    const ins = await call(ctx.admin, both, {}, { query: { kind: 'inspection', status: 'open', limit: '1000' } });
    expectDoc(both, ins, 200);
    assert.ok(ins.json.items.every((x) => x.kind === 'inspection' && x.status === 'open'));
    expectDoc(both, await call(ctx.as.officer, both, {}, { query: { kind: 'inspection' } }), 403, 'forbidden');
  });

  test('demo: every role sees its part of the service data as documented', async () => {
    for (const [role, client] of Object.entries(ctx.as)) {
      for (const path of ['/api/v1/requests', '/api/v1/visits', '/api/v1/inspections', '/api/v1/enterprises', '/api/v1/request-categories']) {
        const o = opOf('GET', path);
        const r = await call(client, o, {}, { query: { limit: '1000' } });
        if (r.status === 403) {
          assert.ok(o.op.responses['403'], `${role} GET ${path}: 403 documented`);
          expectDoc(o, r, 403, 'forbidden');
          continue;
        }
        expectDoc(o, r, 200);
        if (role === 'enterprise' && path === '/api/v1/requests')
          assert.ok(r.json.items.length > 0 && r.json.items.every((x) => x.enterprise_id === r.json.items[0].enterprise_id));
      }
    }
    const visit = opOf('GET', '/api/v1/visits/{id}');
    const withRequests = (await ctx.admin.get('/api/v1/visits?limit=1000')).json.items.find((v) => v.request_count > 0);
    const v = await call(ctx.admin, visit, { id: withRequests.id });
    expectDoc(visit, v, 200);
    assert.equal(v.json.requests.length, withRequests.request_count);
  });

  test('demo: the service dashboard for 2021 has the article\'s figures', async () => {
    const o = opOf('GET', '/api/v1/service/stats');
    const r = await call(ctx.admin, o, {}, { query: { from: '2021-01-01', to: '2021-12-31' } });
    expectDoc(o, r, 200);
    assert.deepEqual([r.json.totals.enterprises_visited, r.json.totals.requests_resolved], [496, 560]);
    expectDoc(o, await call(ctx.admin, o, {}, { query: { from: '2021-12-31', to: '2021-01-01' } }), 422, 'invalid_parameter');
    expectDoc(o, await call(ctx.admin, o, {}, { query: { to: '2021-02-30' } }), 422, 'invalid_parameter');
  });

  test('demo: writes of the enterprise service answer as documented', async () => {
    const ent = (await ctx.admin.get('/api/v1/enterprises?limit=1')).json.items[0];
    const kiosk = opOf('POST', '/api/v1/enterprises/{id}/kiosk-code');
    const k = await call(ctx.admin, kiosk, { id: ent.id });
    expectDoc(kiosk, k, 201);
    const login = opOf('POST', '/api/v1/session');
    const kl = await new Client(ctx.url).req('POST', '/api/v1/session', { credit_code: ent.credit_code.toLowerCase(), code: k.json.code });
    expectDoc(login, kl, 200);
    assert.equal(kl.json.role, 'enterprise');
    expectDoc(login, await new Client(ctx.url).req('POST', '/api/v1/session', { credit_code: ent.credit_code, code: k.json.code }), 401, 'invalid_credentials');
    expectDoc(kiosk, await call(ctx.admin, kiosk, { id: 999999 }), 404, 'not_found');

    const create = opOf('POST', '/api/v1/requests');
    const body = { ...bodyExample(create), enterprise_id: ent.id };
    const rq = await call(ctx.admin, create, {}, { body });
    expectDoc(create, rq, 201);
    expectDoc(create, await call(ctx.as.statistician, create, {}, { body }), 403, 'forbidden');
    expectDoc(create, await call(ctx.admin, create, {}, { body: { ...body, category: 'no-such' } }), 422, 'invalid');
    const tr = opOf('POST', '/api/v1/requests/{id}/transitions');
    const dept = (await ctx.admin.get('/api/v1/departments')).json.items[0].id;
    const acc = await call(ctx.admin, tr, { id: rq.json.id }, { body: { action: 'accept', department_id: dept } });
    expectDoc(tr, acc, 200);
    assert.equal(acc.json.status, 'accepted');
    expectDoc(tr, await call(ctx.admin, tr, { id: rq.json.id }, { body: { action: 'accept', department_id: dept } }), 409, 'illegal_transition');
    expectDoc(tr, await call(ctx.admin, tr, { id: rq.json.id }, { body: { action: 'escalate', level: 'city' } }), 422, 'required');
    expectDoc(tr, await call(ctx.admin, tr, { id: rq.json.id }, { body: { action: 'escalate', department_id: dept, reason: 'x' } }), 422, 'not_next_level');
    expectDoc(tr, await call(ctx.admin, tr, { id: rq.json.id }, { body: { action: 'rate', rating: 5 } }), 403, 'forbidden');
    expectDoc(tr, await call(ctx.admin, tr, { id: 999999 }, { body: { action: 'start' } }), 404, 'not_found');
    const city = (await ctx.admin.get('/api/v1/departments')).json.items.find((d) => d.level === 'city').id;
    for (const step of [{ action: 'escalate', department_id: city, reason: '需市级协调' }, { action: 'return', reason: '请区级补充材料' },
      { action: 'escalate', department_id: city, level: 'city', reason: '材料已补充' }, { action: 'wait', reason: '等待企业补充材料' },
      { action: 'resume' }, { action: 'start' }, { action: 'resolve', resolution: '已协调解决' }])
      expectDoc(tr, await call(ctx.admin, tr, { id: rq.json.id }, { body: step }), 200);

    const ic = opOf('POST', '/api/v1/inspections');
    const ins = await call(ctx.admin, ic, {}, { body: { ...bodyExample(ic), department_id: dept } });
    expectDoc(ic, ins, 201);
    expectDoc(ic, await call(ctx.admin, ic, {}, { body: { ...bodyExample(ic), department_id: dept, due_on: '2021-13-01' } }), 422, 'invalid_date');
    const it = opOf('POST', '/api/v1/inspections/{id}/transitions');
    for (const step of [{ action: 'start' }, bodyExample(it), { action: 'reject', reason: '证据不足' }])
      expectDoc(it, await call(ctx.admin, it, { id: ins.json.id }, { body: step }), 200);
    expectDoc(it, await call(ctx.admin, it, { id: ins.json.id }, { body: { action: 'verify' } }), 409, 'illegal_transition');
    expectDoc(it, await call(ctx.as.officer, it, { id: ins.json.id }, { body: { action: 'start' } }), 403, 'forbidden');

    const vc = opOf('POST', '/api/v1/visits');
    const vis = await call(ctx.admin, vc, {}, { body: { ...bodyExample(vc), enterprise_id: ent.id } });
    expectDoc(vc, vis, 201);
    assert.equal(vis.json.requests.length, 1);
    expectDoc(vc, await call(ctx.admin, vc, {}, { body: { ...bodyExample(vc), enterprise_id: ent.id, visited_on: '2999-01-01' } }), 422, 'invalid_date');
    const bad = await call(ctx.admin, vc, {}, { body: { ...bodyExample(vc), enterprise_id: ent.id, problems: [{ category: 'labour' }] } });
    expectDoc(vc, bad, 422, 'required');
    assert.equal(bad.json.error.field, 'problems[0].title');

    const pe = opOf('PATCH', '/api/v1/enterprises/{id}');
    const mine = (await ctx.ent.get('/api/v1/me')).json.enterprise_id;
    expectDoc(pe, await call(ctx.ent, pe, { id: mine }, { body: bodyExample(pe) }), 200);
    expectDoc(pe, await call(ctx.ent, pe, { id: mine }, { body: { name: '改名' } }), 403, 'forbidden_field');
    expectDoc(pe, await call(ctx.ent, pe, { id: mine === ent.id ? ent.id + 1 : ent.id }, { body: bodyExample(pe) }), 404, 'not_found');
  });

  test('demo: import and export answer as documented', async () => {
    const imp = opOf('POST', '/api/v1/enterprises/import');
    // the export imports again unchanged: every row an update
    const exp = opOf('GET', '/api/v1/enterprises/export');
    const csv = await call(ctx.admin, exp, {}, { query: { format: 'csv', key: 'true' } });
    expectDoc(exp, csv, 200);
    assert.match(csv.headers.get('content-disposition'), /^attachment; filename="enterprises-\d{8}\.csv"; filename\*=UTF-8''enterprises-\d{8}\.csv$/);
    const rows = Number(csv.headers.get('x-row-count'));
    assert.ok(rows > 0);
    const xlsx = await call(ctx.admin, exp, {}, { query: { format: 'xlsx' } });
    expectDoc(exp, xlsx, 200);
    const started = await call(ctx.admin, imp, {}, { body: csv.text, query: { dry_run: '1', filename: 'export.csv' } });
    expectDoc(imp, started, 202);
    const job = await importDone(ctx.admin, started.json.url);
    assert.deepEqual([job.status, job.report.created, job.report.updated + job.report.error_rows], ['done', 0, rows]);
    // a file that is not a table fails with a fatal error
    const broken = await call(ctx.admin, imp, {}, { body: 'PK\u0003\u0004 not a zip', query: { format: 'xlsx' } });
    expectDoc(imp, broken, 202);
    const failed = await importDone(ctx.admin, broken.json.url);
    assert.equal(failed.status, 'failed');
    assert.ok(failed.report.fatal && failed.report.errors[0].code === failed.report.fatal.code);
    expectDoc(imp, await call(ctx.admin, imp, {}, { body: '' }), 422, 'empty_file');
    expectDoc(imp, await call(ctx.admin, imp, {}, { body: bodyExample(imp), query: { dry_run: 'maybe' } }), 422, 'invalid_parameter');
    // an import job is its owner's (and the admins'); an ended one is not cancelled
    const get = opOf('GET', '/api/v1/imports/{id}');
    expectDoc(get, await call(ctx.as.leader, get, { id: ctx.importId }), 404, 'not_found');
    const cancel = opOf('POST', '/api/v1/imports/{id}/cancel');
    expectDoc(cancel, await call(ctx.as.leader, cancel, { id: ctx.importId }), 404, 'not_found');
    expectDoc(cancel, await call(ctx.admin, cancel, { id: ctx.importId }), 409, 'import_finished');
    // the race and indicator imports are jobs too, their summaries in the report
    for (const [path, query, who, key] of [['/api/v1/race/import', { kind: 'leads', dry_run: '1' }, ctx.admin, 'duplicates'],
      ['/api/v1/indicators/import', { dry_run: '1' }, ctx.stats, 'periods'],
      ['/api/v1/indicators/targets/import', { dry_run: '1' }, ctx.stats, 'years']]) {
      const op = opOf('POST', path);
      const started = await call(who, op, {}, { body: bodyExample(op), query });
      expectDoc(op, started, 202);
      const done = await importDone(who, started.json.url);
      assert.equal(done.status, 'done', JSON.stringify(done));
      assert.ok(key in done.report, `${path}: ${JSON.stringify(done.report)}`);
    }
  });

  test('demo: the export imports again unchanged (every row an update)', todo('export roundtrip'), async () => {
    const exp = opOf('GET', '/api/v1/enterprises/export');
    const imp = opOf('POST', '/api/v1/enterprises/import');
    for (const format of ['csv', 'xlsx']) {
      const file = await fetch(ctx.url + url(exp, {}, { format }), { headers: { Authorization: `Bearer ${ctx.token}` } });
      const rows = Number(file.headers.get('x-row-count'));
      const body = new Uint8Array(await file.arrayBuffer());
      const started = await call(ctx.admin, imp, {}, { body, query: { dry_run: '1', format }, headers: { 'Content-Type': file.headers.get('content-type') } });
      expectDoc(imp, started, 202);
      const job = await importDone(ctx.admin, started.json.url);
      assert.deepEqual([format, job.status, job.report.created, job.report.updated, job.report.error_rows], [format, 'done', 0, rows, 0],
        JSON.stringify(job.report.errors.slice(0, 3)));
    }
  });

  test('demo: import query parameters are 422 invalid_parameter', todo('import bad-param'), async () => {
    const imp = opOf('POST', '/api/v1/enterprises/import');
    for (const [p, v] of [['format', 'ods'], ['mode', 'some'], ['filename', 'x'.repeat(300)]]) {
      const r = await call(ctx.admin, imp, {}, { body: bodyExample(imp), query: { dry_run: '1', [p]: v } });
      expectDoc(imp, r, 422, 'invalid_parameter');
      assert.equal(r.json.error.field, p);
    }
  });

  test('demo: Open311 files a request form-encoded, in JSON and XML, and follows it', async () => {
    const anon = new Client(ctx.url);
    const post = opOf('POST', '/open311/v2/requests.{format}');
    const one = opOf('GET', '/open311/v2/requests/{id}.{format}');
    const ent = (await ctx.admin.get('/api/v1/enterprises?limit=2')).json.items;
    const created = await call(anon, post, {}, { body: { ...bodyExample(post), api_key: ctx.token, address_id: ent[0].credit_code } });
    expectDoc(post, created, 201);
    const id = created.json[0].service_request_id;
    const got = await call(anon, one, { id }, { query: { api_key: ctx.token } });
    expectDoc(one, got, 200);
    assert.deepEqual([got.json[0].address_id, got.json[0].status, got.json[0].service_code], [ent[0].credit_code, 'open', 'labour']);
    const xml = await call(anon, post, { format: 'xml' }, { body: { ...bodyExample(post), api_key: ctx.token, address_id: ent[0].credit_code } });
    expectDoc(post, xml, 201);
    assert.equal(xmlRoot(xml.text), 'service_requests');
    // an enterprise key: its own enterprise by default, another is 403
    const mine = (await ctx.ent.get('/api/v1/me')).json.enterprise_id;
    const other = ent.find((e) => e.id !== mine);
    const own = await call(anon, post, {}, { body: { api_key: ctx.tokens.enterprise, service_code: 'policy', description: '政策咨询' } });
    expectDoc(post, own, 201);
    expectDoc(post, await call(anon, post, {}, { body: { api_key: ctx.tokens.enterprise, service_code: 'policy', address_id: other.credit_code } }), 403);
    // the enterprise follows its own request, not others'
    expectDoc(one, await call(anon, one, { id: own.json[0].service_request_id }, { query: { api_key: ctx.tokens.enterprise } }), 200);
    expectDoc(one, await call(anon, one, { id }, { query: { api_key: ctx.tokens.enterprise } }), mine === ent[0].id ? 200 : 404);
    const list = opOf('GET', '/open311/v2/requests.{format}');
    const l = await call(anon, list, {}, { query: { api_key: ctx.tokens.enterprise } });
    expectDoc(list, l, 200);
    assert.ok(l.json.length > 0 && l.json.every((x) => x.address_id === l.json[0].address_id));
  });

  test('demo: Open311 POST scopes staff keys as the JSON API', todo('open311 post scope'), async () => {
    const anon = new Client(ctx.url);
    const post = opOf('POST', '/open311/v2/requests.{format}');
    const ents = (await ctx.admin.get('/api/v1/enterprises?limit=1000')).json.items;
    const me = (await ctx.as.officer.get('/api/v1/me')).json;
    const notMine = ents.find((e) => e.officer_id !== me.id);
    for (const role of ['statistician', 'recruiter'])
      expectDoc(post, await call(anon, post, {}, { body: { api_key: ctx.tokens[role], service_code: 'labour', address_id: notMine.credit_code } }), 403);
    expectDoc(post, await call(anon, post, {}, { body: { api_key: ctx.tokens.officer, service_code: 'labour', address_id: notMine.credit_code } }), 403);
    // a department's request is assigned to it, so that it can follow it
    const d = await call(anon, post, {}, { body: { api_key: ctx.tokens.department, service_code: 'labour', address_id: notMine.credit_code } });
    expectDoc(post, d, 201);
    expectDoc(opOf('GET', '/open311/v2/requests/{id}.{format}'),
      await call(anon, opOf('GET', '/open311/v2/requests/{id}.{format}'), { id: d.json[0].service_request_id }, { query: { api_key: ctx.tokens.department } }), 200);
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
      expectDoc(o, await call(ctx.ent, o, { id: ctx.adminId }), 403, 'forbidden');
  });

  test('demo: every operation answers 403 forbidden to each role its x-roles leaves out', async () => {
    let n = 0;
    for (const o of OPS.filter((x) => !isO311(x) && x.op['x-roles'] !== 'public')) {
      const allowed = rolesOf(o.op['x-roles']);
      for (const role of ROLES().filter((r) => !allowed.includes(r))) {
        expectDoc(o, await call(ctx.as[role], o, { id: ctx.adminId }, { body: bodyExample(o) }), 403, 'forbidden');
        n++;
      }
    }
    assert.ok(n > 50, `${n} checks`);
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
    const overdue = (await ctx.admin.get('/api/v1/requests?overdue=true&limit=1000')).json;
    assert.ok(overdue.items.length > 0 && overdue.items.every((x) => x.overdue === true));
    const c38 = (await ctx.admin.get('/api/v1/enterprises?industry=c38&limit=1000')).json;
    assert.ok(c38.items.length > 0 && c38.items.every((e) => e.industry.startsWith('C38')));
    const two = (await ctx.admin.get('/api/v1/enterprises?q=' + encodeURIComponent('照明') + '&limit=1000')).json;
    assert.ok(two.items.length > 0 && two.items.every((e) => e.name.includes('照明')));
  });
});
