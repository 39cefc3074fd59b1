// End-to-end: the Open311 GeoReport v2 front door (/open311/v2/…) in JSON
// and XML, against a real server on a fresh database.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { adminServer, Client, cli, rawHttp, statusOf, bodyOf } from './lib.mjs';

let S, admin, base;
const ent = {};      // enterprises: a, b → {id, code, name}
const keys = {};     // api keys: admin, entA, entB, dept, deptOther
let deptId, deptOtherId;

// ---- unified social credit codes (GB 32100-2015) for the fixtures ----
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

// ---- a tiny, strict XML parser: enough to check well-formedness ----
function parseXml(text) {
  let i = 0;
  const decl = /^<\?xml version="1\.0" encoding="utf-8"\?>\s*/.exec(text);
  assert.ok(decl, 'XML declaration with encoding="utf-8": ' + text.slice(0, 60));
  i = decl[0].length;
  const unescape = s => {
    assert.ok(!/&(?!(amp|lt|gt|quot|apos);)/.test(s), 'unescaped & in ' + s);
    return s.replace(/&(amp|lt|gt|quot|apos);/g, (m, e) => ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" })[e]);
  };
  function element() {
    const open = /^<([A-Za-z_][\w.-]*)(\/?)>/.exec(text.slice(i));
    assert.ok(open, 'element expected at ' + i + ': ' + text.slice(i, i + 40));
    i += open[0].length;
    const node = { name: open[1], children: [], text: '' };
    if (open[2]) return node;
    for (;;) {
      const lt = text.indexOf('<', i);
      assert.ok(lt >= 0, 'unterminated <' + node.name + '>');
      const chunk = text.slice(i, lt);
      assert.ok(!chunk.includes('>'), 'raw > in text: ' + chunk);
      node.text += unescape(chunk);
      i = lt;
      if (text.startsWith('</', i)) {
        const close = `</${node.name}>`;
        assert.ok(text.startsWith(close, i), `expected ${close} at ${text.slice(i, i + 30)}`);
        i += close.length;
        if (node.children.length) node.text = node.text.trim() === '' ? '' : node.text;
        return node;
      }
      node.children.push(element());
    }
  }
  const root = element();
  assert.equal(text.slice(i).trim(), '', 'nothing after the root element');
  return root;
}
const child = (n, name) => n.children.find(c => c.name === name);
const val = (n, name) => { const c = child(n, name); assert.ok(c, `<${name}> in <${n.name}>`); return c.text; };

// ---- HTTP helpers ----
function form(fields) {
  return Object.entries(fields).map(([k, v]) => encodeURIComponent(k) + '=' + encodeURIComponent(v).replace(/%20/g, '+')).join('&');
}
async function o311(method, path, body) {
  const headers = {};
  if (body !== undefined) headers['Content-Type'] = 'application/x-www-form-urlencoded; charset=utf-8';
  const res = await fetch(base + path, { method, headers, body });
  const text = await res.text();
  let json = null;
  if (/json/.test(res.headers.get('content-type') || '')) json = JSON.parse(text);
  return { status: res.status, type: res.headers.get('content-type'), text, json };
}
const post = (fmt, fields) => o311('POST', `/open311/v2/requests.${fmt}`, typeof fields === 'string' ? fields : form(fields));
const q = obj => '?' + new URLSearchParams(obj).toString();

function jsonError(r, status) {
  assert.equal(r.status, status, r.text);
  assert.equal(r.type, 'application/json; charset=utf-8');
  assert.ok(Array.isArray(r.json) && r.json.length >= 1, r.text);
  assert.equal(r.json[0].code, status);
  assert.equal(typeof r.json[0].description, 'string');
}
function xmlError(r, status) {
  assert.equal(r.status, status, r.text);
  assert.equal(r.type, 'text/xml; charset=utf-8');
  const doc = parseXml(r.text);
  assert.equal(doc.name, 'errors');
  const e = child(doc, 'error');
  assert.equal(val(e, 'code'), String(status));
  assert.ok(val(e, 'description').length > 0);
}

before(async () => {
  S = await adminServer();
  base = S.srv.url;
  admin = new Client(S.srv.url, S.token);
  keys.admin = S.token;
  const token = user => {
    const t = cli(S.db.url, ['token', 'create', '--user', user]);
    assert.equal(t.status, 0, t.stderr);
    return t.stdout.trim();
  };
  let r = await admin.post('/api/v1/streets', { name: '竹行街道' });
  assert.ok(r.status < 300, r.text);
  const streetId = r.json.id;
  r = await admin.post('/api/v1/departments', { name: '人力资源和社会保障局' });
  assert.ok(r.status < 300, r.text);
  deptId = r.json.id;
  r = await admin.post('/api/v1/departments', { name: '自然资源和规划分局' });
  assert.ok(r.status < 300, r.text);
  deptOtherId = r.json.id;
  r = await admin.post('/api/v1/users', { username: 'officer-c', display_name: '首席服务员', role: 'officer', password: 'password-officer-c' });
  assert.equal(r.status, 201, r.text);
  const officerId = r.json.id;
  for (const [k, serial, name] of [['a', 'MA1X0001', '南通恒泰精密机械有限公司'], ['b', 'MA1X0002', '南通朗固新材料有限公司'],
    ['c', 'MA1X0003', '南通星源生物科技有限公司']]) {
    const code = creditCode(serial);
    const extra = k === 'c' ? { key: true, officer_id: officerId } : {};
    r = await admin.post('/api/v1/enterprises', { credit_code: code, name, street_id: streetId, industry: 'C34', ...extra });
    assert.equal(r.status, 201, r.text);
    ent[k] = { id: r.json.id, code, name };
  }
  for (const [u, body] of [
    ['ent-a', { role: 'enterprise', enterprise_id: ent.a.id }],
    ['ent-b', { role: 'enterprise', enterprise_id: ent.b.id }],
    ['dept-hr', { role: 'department', department_id: deptId }],
    ['dept-land', { role: 'department', department_id: deptOtherId }],
  ]) {
    r = await admin.post('/api/v1/users', { username: u, display_name: u, password: 'password-' + u, ...body });
    assert.equal(r.status, 201, r.text);
  }
  // working-day calendars (no holidays: plain weekdays) for this year and the next, so that accept works
  for (const y of [new Date().getUTCFullYear(), new Date().getUTCFullYear() + 1]) {
    const c = await admin.req('PUT', `/api/v1/calendar/${y}`, { days: [], source: 'e2e test' });
    assert.ok(c.status < 300, c.text);
  }
  keys.entA = token('ent-a');
  keys.entB = token('ent-b');
  keys.dept = token('dept-hr');
  keys.deptOther = token('dept-land');
  keys.officer = token('officer-c');
});
after(async () => { await S.close(); });

test('discovery in JSON and XML lists the GeoReport v2 endpoint and its formats', async () => {
  const j = await o311('GET', '/open311/v2/discovery.json');
  assert.equal(j.status, 200, j.text);
  assert.equal(j.type, 'application/json; charset=utf-8');
  for (const k of ['changeset', 'contact', 'key_service']) assert.equal(typeof j.json[k], 'string', k);
  assert.equal(j.json.endpoints.length, 1);
  const ep = j.json.endpoints[0];
  assert.equal(ep.specification, 'http://wiki.open311.org/GeoReport_v2');
  assert.equal(ep.url, `${base}/open311/v2`);   // built from the Host header
  assert.equal(ep.type, 'production');
  assert.deepEqual(ep.formats.sort(), ['application/json', 'text/xml']);
  assert.match(ep.changeset, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)$/);

  const x = await o311('GET', '/open311/v2/discovery.xml');
  assert.equal(x.status, 200);
  assert.equal(x.type, 'text/xml; charset=utf-8');
  const doc = parseXml(x.text);
  assert.equal(doc.name, 'discovery');
  assert.equal(val(doc, 'contact'), j.json.contact);
  assert.equal(val(doc, 'key_service'), j.json.key_service);   // contains an apostrophe: escaped, round-trips
  const xep = child(child(doc, 'endpoints'), 'endpoint');
  assert.equal(val(xep, 'specification'), 'http://wiki.open311.org/GeoReport_v2');
  assert.equal(val(xep, 'url'), `${base}/open311/v2`);
  assert.deepEqual(child(xep, 'formats').children.map(c => [c.name, c.text]).sort(),
    [['format', 'application/json'], ['format', 'text/xml']]);

  // the URL follows the Host header (and a proxy's X-Forwarded-Proto); a Host unfit for a URL is not echoed
  const raw = async headers => {
    const res = await rawHttp(S.srv.port, `GET /open311/v2/discovery.json HTTP/1.1\r\n${headers}Connection: close\r\n\r\n`);
    assert.equal(statusOf(res), 200, res);
    return bodyOf(res).endpoints[0].url;
  };
  assert.equal(await raw('Host: zone.example.cn\r\n'), 'http://zone.example.cn/open311/v2');
  assert.equal(await raw('Host: zone.example.cn:8443\r\nX-Forwarded-Proto: https\r\n'), 'https://zone.example.cn:8443/open311/v2');
  assert.equal(await raw('Host: evil.example/<x>"\r\n'), 'http://localhost/open311/v2');
});

test('services are the request categories, in JSON and XML', async () => {
  const j = await o311('GET', '/open311/v2/services.json');
  assert.equal(j.status, 200, j.text);
  assert.ok(Array.isArray(j.json) && j.json.length >= 8);
  const names = j.json.map(s => s.service_name);
  for (const n of ['用工', '用地', '审批', '融资', '子女入学', '海关通关', '政策咨询', '其他']) assert.ok(names.includes(n), n);
  for (const s of j.json) {
    assert.deepEqual(Object.keys(s), ['service_code', 'service_name', 'description', 'metadata', 'type', 'keywords', 'group']);
    assert.equal(s.metadata, false);
    assert.equal(s.type, 'realtime');
    assert.equal(s.group, '企业服务');
    assert.equal(typeof s.service_code, 'string');
    assert.ok(s.keywords.includes(s.service_name));
  }
  const cats = await admin.get('/api/v1/request-categories');
  if (cats.status === 200) {
    const list = Array.isArray(cats.json) ? cats.json : cats.json.items;
    assert.deepEqual(j.json.map(s => s.service_code).sort(), list.map(c => c.code).sort());
  }

  const x = await o311('GET', '/open311/v2/services.xml');
  assert.equal(x.status, 200);
  assert.equal(x.type, 'text/xml; charset=utf-8');
  const doc = parseXml(x.text);
  assert.equal(doc.name, 'services');
  assert.equal(doc.children.length, j.json.length);
  doc.children.forEach((s, i) => {
    assert.equal(s.name, 'service');
    assert.equal(val(s, 'service_code'), j.json[i].service_code);
    assert.equal(val(s, 'service_name'), j.json[i].service_name);
    assert.equal(val(s, 'description'), j.json[i].description);
    assert.equal(val(s, 'metadata'), 'false');
    assert.equal(val(s, 'type'), 'realtime');
    assert.equal(val(s, 'group'), '企业服务');
  });
});

test('service definition: known code without attributes, unknown 404, unknown format 404', async () => {
  const code = (await o311('GET', '/open311/v2/services.json')).json[0].service_code;
  const j = await o311('GET', `/open311/v2/services/${code}.json`);
  assert.equal(j.status, 200, j.text);
  assert.deepEqual(j.json, { service_code: code, attributes: [] });
  const x = await o311('GET', `/open311/v2/services/${code}.xml`);
  const doc = parseXml(x.text);
  assert.equal(doc.name, 'service_definition');
  assert.equal(val(doc, 'service_code'), code);
  assert.deepEqual(child(doc, 'attributes').children, []);
  jsonError(await o311('GET', '/open311/v2/services/no-such-code.json'), 404);
  xmlError(await o311('GET', '/open311/v2/services/no-such-code.xml'), 404);
  for (const p of ['/open311/v2/services.html', '/open311/v2/discovery.yaml', `/open311/v2/services/${code}.csv`,
    '/open311/v2/requests.txt?api_key=' + keys.admin, '/open311/v2/requests/1.JSON?api_key=' + keys.admin])
    jsonError(await o311('GET', p), 404);
  jsonError(await post('html', { api_key: keys.admin, service_code: code }), 404);
});

let reqStaff, reqEnt, reqSpecial;
const longDesc = '车间扩产后急需招聘数控操作工三十名，希望人社部门协助对接职业院校和人力资源市场，并落实稳岗补贴政策。谢谢！';
// U+FFFE is valid UTF-8 (so it is stored) but not allowed in XML 1.0: dropped from the XML
const special = `<b>"Tom" & 'Jerry'</b> ]]> a<b && c>d 5 > 3\t\n第二行 ✓ 😀 \uFFFE\uFFFF end`;

test('POST requests: staff key with a credit code as address_id (form-encoded)', async () => {
  const r = await post('json', {
    api_key: keys.admin, jurisdiction_id: 'zone.example.cn', service_code: 'labour',
    address_id: '  ' + ent.a.code.toLowerCase() + '　',   // trimmed, folded to upper case
    description: longDesc, first_name: '建国', last_name: '王', phone: '0513-85551234', email: 'wang@example.cn',
    lat: '31.9802', long: '120.9561', address_string: '南通开发区通盛大道1号', device_id: 'dev-1', account_id: '42',
    'attribute[X]': '1',
  });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.type, 'application/json; charset=utf-8');
  assert.equal(r.json.length, 1);
  assert.deepEqual(Object.keys(r.json[0]), ['service_request_id', 'service_notice', 'account_id']);
  assert.match(r.json[0].service_request_id, /^[1-9]\d*$/);
  assert.equal(r.json[0].service_notice, '受理后15个工作日内办结');
  assert.equal(r.json[0].account_id, null);
  reqStaff = r.json[0].service_request_id;

  // the request as the JSON API sees it
  const g = await admin.get(`/api/v1/requests/${reqStaff}`);
  assert.equal(g.status, 200, g.text);
  assert.equal(g.json.source, 'open311');
  assert.equal(g.json.enterprise_id, ent.a.id);
  assert.equal(g.json.category, 'labour');
  assert.equal(g.json.title, [...longDesc].slice(0, 40).join(''));
  assert.ok(g.json.description.startsWith(longDesc + '\n\n—— Open311 ——\n'), g.json.description);
  for (const s of ['联系人：建国 王', '电话：0513-85551234', '邮箱：wang@example.cn', '地址：南通开发区通盛大道1号', '位置：31.9802, 120.9561'])
    assert.ok(g.json.description.includes(s), s);
  assert.ok(!g.json.description.includes('dev-1'));

  // the audit log has the write, by the key's user
  const a = await admin.get('/api/v1/audit?limit=5');
  if (a.status === 200) {
    const items = a.json.items || a.json;
    assert.ok(items.some(e => e.entity === 'request' && String(e.entity_id) === reqStaff && e.username === 'admin'), a.text);
  }
});

test('POST requests: an enterprise key files for its own enterprise, never another', async () => {
  // no address_id: its own enterprise; raw form with '+' and %XX, XML reply
  const r = await post('xml', `api_key=${keys.entA}&service_code=land&description=%E7%94%A8%E5%9C%B0+%E6%89%A9%E5%BB%BA+%2B+%26`);
  assert.equal(r.status, 201, r.text);
  assert.equal(r.type, 'text/xml; charset=utf-8');
  const doc = parseXml(r.text);
  assert.equal(doc.name, 'service_requests');
  const rq = child(doc, 'request');
  reqEnt = val(rq, 'service_request_id');
  assert.match(reqEnt, /^[1-9]\d*$/);
  assert.equal(val(rq, 'service_notice'), '受理后1个月内办结');
  assert.equal(val(rq, 'account_id'), '');
  const g = await admin.get(`/api/v1/requests/${reqEnt}`);
  assert.equal(g.status, 200, g.text);
  assert.equal(g.json.enterprise_id, ent.a.id);
  assert.equal(g.json.description, '用地 扩建 + &');
  assert.equal(g.json.source, 'open311');

  // its own code is fine, another enterprise's is 403 (json and xml)
  const own = await post('json', { api_key: keys.entA, service_code: 'policy', address_id: ent.a.code });
  assert.equal(own.status, 201, own.text);
  const g2 = await admin.get(`/api/v1/requests/${own.json[0].service_request_id}`);
  assert.equal(g2.json.title, '政策咨询');   // no description: the category's name
  jsonError(await post('json', { api_key: keys.entA, service_code: 'policy', address_id: ent.b.code }), 403);
  xmlError(await post('xml', { api_key: keys.entA, service_code: 'policy', address_id: ent.b.code }), 403);
  jsonError(await post('json', { api_key: keys.entA, service_code: 'policy', address_id: creditCode('MA1X0999') }), 403);
});

test('POST requests: api_key missing or invalid is 403 in the spec error format', async () => {
  jsonError(await post('json', { service_code: 'labour', address_id: ent.a.code }), 403);
  xmlError(await post('xml', { service_code: 'labour', address_id: ent.a.code }), 403);
  jsonError(await post('json', { api_key: '', service_code: 'labour', address_id: ent.a.code }), 403);
  jsonError(await post('json', { api_key: 'zo_' + '0'.repeat(64), service_code: 'labour', address_id: ent.a.code }), 403);
  xmlError(await post('xml', { api_key: 'nonsense', service_code: 'labour', address_id: ent.a.code }), 403);
});

test('POST requests: bad input is 400 and nothing is stored', async () => {
  const before = (await o311('GET', '/open311/v2/requests.json' + q({ api_key: keys.admin }))).json.length;
  const k = keys.admin;
  // service_code unknown or missing
  jsonError(await post('json', { api_key: k, service_code: 'no-such', address_id: ent.a.code }), 400);
  xmlError(await post('xml', { api_key: k, service_code: 'no-such', address_id: ent.a.code }), 400);
  jsonError(await post('json', { api_key: k, address_id: ent.a.code }), 400);
  jsonError(await post('json', { api_key: k, service_code: '', address_id: ent.a.code }), 400);
  // address_id: required for staff, must be a credit code, must be registered (400: documented choice)
  jsonError(await post('json', { api_key: k, service_code: 'labour' }), 400);
  jsonError(await post('json', { api_key: k, service_code: 'labour', address_id: '12345' }), 400);
  jsonError(await post('json', { api_key: k, service_code: 'labour', address_id: ent.a.code.slice(0, 17) + 'I' }), 400);
  jsonError(await post('json', { api_key: k, service_code: 'labour', address_id: creditCode('MA1X0999') }), 400);
  xmlError(await post('xml', { api_key: k, service_code: 'labour', address_id: creditCode('MA1X0999') }), 400);
  // malformed form bodies
  jsonError(await post('json', `api_key=${k}&service_code=labour&address_id=${ent.a.code}&description=%ZZ`), 400);
  jsonError(await post('json', `api_key=${k}&service_code=labour&address_id=${ent.a.code}&description=%C0%AF`), 400);
  jsonError(await post('json', `api_key=${k}&service_code=labour&address_id=${ent.a.code}&description=a%00b`), 400);
  jsonError(await post('json', `api_key=${k}&service_code=labour&service_code=land&address_id=${ent.a.code}`), 400);
  jsonError(await post('json', { api_key: k, service_code: 'labour', address_id: ent.a.code, description: 'x'.repeat(4001) }), 400);
  jsonError(await post('json', { api_key: k, service_code: 'labour', address_id: ent.a.code, lat: '31.9' }), 400);
  jsonError(await post('json', { api_key: k, service_code: 'labour', address_id: ent.a.code, lat: 'north', long: '120' }), 400);
  const r = await fetch(base + '/open311/v2/requests.json', { method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ api_key: k, service_code: 'labour', address_id: ent.a.code }) });
  assert.equal(r.status, 400);
  // 4000 characters exactly is fine
  const ok = await post('json', { api_key: k, service_code: 'other', address_id: ent.b.code, description: '长'.repeat(4000) });
  assert.equal(ok.status, 201, ok.text);
  const after = (await o311('GET', '/open311/v2/requests.json' + q({ api_key: keys.admin }))).json.length;
  assert.equal(after, before + 1);
});

test('XML special characters in a description round-trip escaped', async () => {
  const r = await post('json', { api_key: keys.entB, service_code: 'customs', description: special });
  assert.equal(r.status, 201, r.text);
  reqSpecial = r.json[0].service_request_id;
  const x = await o311('GET', `/open311/v2/requests/${reqSpecial}.xml` + q({ api_key: keys.entB }));
  assert.equal(x.status, 200, x.text);
  assert.ok(x.text.includes('&lt;b&gt;&quot;Tom&quot; &amp; &apos;Jerry&apos;&lt;/b&gt; ]]&gt;'), x.text);
  assert.ok(!/[\u0000-\u0008\u000b\u000c\u000e-\u001f\uFFFE\uFFFF]/.test(x.text), 'no characters XML 1.0 forbids');
  const rq = child(parseXml(x.text), 'request');
  const expected = special.replace(/[\uFFFE\uFFFF]/g, '');
  assert.equal(val(rq, 'description'), expected);
  // JSON keeps the text as stored
  const j = await o311('GET', `/open311/v2/requests/${reqSpecial}.json` + q({ api_key: keys.entB }));
  assert.equal(j.json[0].description, special);
  // control characters are refused when filing (400), so they never reach the XML
  jsonError(await post('json', { api_key: keys.entB, service_code: 'customs', description: 'bell\u0007' }), 400);
});

function checkRequestShape(o) {
  assert.deepEqual(Object.keys(o), ['service_request_id', 'status', 'status_notes', 'service_name', 'service_code',
    'description', 'agency_responsible', 'service_notice', 'requested_datetime', 'updated_datetime',
    'expected_datetime', 'address', 'address_id', 'zipcode', 'lat', 'long', 'media_url']);
  assert.ok(['open', 'closed'].includes(o.status));
  assert.match(o.requested_datetime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$/);
  assert.match(o.updated_datetime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$/);
  for (const k of ['zipcode', 'lat', 'long', 'media_url']) assert.equal(o[k], null);
}

test('GET requests/{id}: one-element array in JSON and XML; unknown 404; api_key required', async () => {
  const j = await o311('GET', `/open311/v2/requests/${reqStaff}.json` + q({ api_key: keys.admin }));
  assert.equal(j.status, 200, j.text);
  assert.equal(j.json.length, 1);
  const o = j.json[0];
  checkRequestShape(o);
  assert.equal(o.service_request_id, reqStaff);
  assert.equal(o.status, 'open');
  assert.equal(o.service_code, 'labour');
  assert.equal(o.service_name, '用工');
  assert.equal(o.address, ent.a.name);
  assert.equal(o.address_id, ent.a.code);
  assert.ok(o.description.startsWith(longDesc));
  assert.equal(o.service_notice, '受理后15个工作日内办结');
  assert.ok(Math.abs(Date.parse(o.requested_datetime) - Date.now()) < 120000, o.requested_datetime);

  const x = await o311('GET', `/open311/v2/requests/${reqStaff}.xml` + q({ api_key: keys.admin }));
  assert.equal(x.status, 200);
  const doc = parseXml(x.text);
  assert.equal(doc.name, 'service_requests');
  assert.equal(doc.children.length, 1);
  const rq = doc.children[0];
  assert.equal(rq.name, 'request');
  assert.deepEqual(rq.children.map(c => c.name), Object.keys(o));
  for (const k of Object.keys(o)) assert.equal(val(rq, k), o[k] === null ? '' : String(o[k]), k);

  jsonError(await o311('GET', '/open311/v2/requests/999999.json' + q({ api_key: keys.admin })), 404);
  xmlError(await o311('GET', '/open311/v2/requests/999999.xml' + q({ api_key: keys.admin })), 404);
  jsonError(await o311('GET', '/open311/v2/requests/abc.json' + q({ api_key: keys.admin })), 404);
  jsonError(await o311('GET', `/open311/v2/requests/${reqStaff}.json`), 403);
  xmlError(await o311('GET', `/open311/v2/requests/${reqStaff}.xml` + q({ api_key: 'zo_nope' })), 403);
  jsonError(await o311('GET', '/open311/v2/requests.json'), 403);
  xmlError(await o311('GET', '/open311/v2/requests.xml' + q({ api_key: 'zo_nope' })), 403);
});

test('an enterprise key sees only its own enterprise\'s requests', async () => {
  // A's request: invisible to B (404, absent from lists and id lookups)
  jsonError(await o311('GET', `/open311/v2/requests/${reqStaff}.json` + q({ api_key: keys.entB })), 404);
  xmlError(await o311('GET', `/open311/v2/requests/${reqEnt}.xml` + q({ api_key: keys.entB })), 404);
  const lb = await o311('GET', '/open311/v2/requests.json' + q({ api_key: keys.entB }));
  assert.equal(lb.status, 200);
  assert.ok(lb.json.length >= 1);
  assert.ok(lb.json.every(o => o.address_id === ent.b.code), lb.text);
  assert.ok(!lb.json.some(o => o.service_request_id === reqStaff || o.service_request_id === reqEnt));
  const ids = await o311('GET', '/open311/v2/requests.json' + q({ api_key: keys.entB, service_request_id: `${reqStaff},${reqSpecial},${reqEnt}` }));
  assert.deepEqual(ids.json.map(o => o.service_request_id), [reqSpecial]);
  // A sees its own
  const la = await o311('GET', '/open311/v2/requests.json' + q({ api_key: keys.entA }));
  assert.ok(la.json.every(o => o.address_id === ent.a.code));
  assert.ok(la.json.some(o => o.service_request_id === reqStaff) && la.json.some(o => o.service_request_id === reqEnt));
  assert.ok(!la.json.some(o => o.service_request_id === reqSpecial));
});

test('GET requests: filters by status, service_code, dates and ids; department scope', async () => {
  const list = async params => {
    const r = await o311('GET', '/open311/v2/requests.json' + q({ api_key: keys.admin, ...params }));
    assert.equal(r.status, 200, r.text);
    r.json.forEach(checkRequestShape);
    return r.json.map(o => o.service_request_id);
  };
  const all = await list({});
  for (const id of [reqStaff, reqEnt, reqSpecial]) assert.ok(all.includes(id), id);
  // newest first
  assert.deepEqual([...all].sort((a, b) => Number(b) - Number(a)), all);

  // accept reqStaff to the HR department, start, resolve and close it: then it is closed
  for (const [action, extra] of [['accept', { department_id: deptId }], ['start', {}], ['resolve', { resolution: '已对接职业院校，招聘会已安排' }], ['close', {}]]) {
    const t = await admin.post(`/api/v1/requests/${reqStaff}/transitions`, { action, ...extra });
    assert.equal(t.status, 200, `${action}: ${t.text}`);
  }
  const closed = await list({ status: 'closed' });
  assert.deepEqual(closed, [reqStaff]);
  const open = await list({ status: 'open' });
  assert.ok(!open.includes(reqStaff) && open.includes(reqEnt) && open.includes(reqSpecial));
  assert.deepEqual((await list({ status: 'open,closed' })).sort(), [...all].sort());
  jsonError(await o311('GET', '/open311/v2/requests.json' + q({ api_key: keys.admin, status: 'resolved' })), 400);

  const one = (await o311('GET', `/open311/v2/requests/${reqStaff}.json` + q({ api_key: keys.admin }))).json[0];
  assert.equal(one.status, 'closed');
  assert.equal(one.agency_responsible, '人力资源和社会保障局');
  assert.equal(one.status_notes, '已对接职业院校，招聘会已安排');   // the resolution
  assert.match(one.expected_datetime, /^\d{4}-\d\d-\d\dT23:59:59\+08:00$/);

  // service_code, one or several
  const lab = await list({ service_code: 'labour' });
  assert.ok(lab.includes(reqStaff) && !lab.includes(reqEnt));
  const two = await list({ service_code: 'labour,land' });
  assert.ok(two.includes(reqStaff) && two.includes(reqEnt) && !two.includes(reqSpecial));
  assert.deepEqual(await list({ service_code: 'no-such' }), []);

  // dates: w3 datetimes with any offset; at most 90 days
  const now = Date.now();
  const iso = t => new Date(t).toISOString().replace(/\.\d+Z$/, 'Z');
  assert.deepEqual((await list({ start_date: iso(now - 3600e3), end_date: iso(now + 3600e3) })).sort(), [...all].sort());
  assert.deepEqual(await list({ start_date: iso(now + 3600e3) }), []);
  assert.deepEqual(await list({ end_date: iso(now - 86400e3) }), []);
  assert.deepEqual(await list({ start_date: '2021-10-15T00:00:00+08:00', end_date: '2021-12-15T23:59:59+08:00' }), []);
  const today = new Date(now + 8 * 3600e3).toISOString().slice(0, 10);
  assert.deepEqual((await list({ start_date: today + 'T00:00:00+08:00' })).sort(), [...all].sort());
  for (const bad of [{ start_date: 'yesterday' }, { end_date: '2021-13-01T00:00:00Z' }, { start_date: '2021-02-29T00:00:00Z' },
    { start_date: '2021-01-01T00:00:00Z', end_date: '2021-06-01T00:00:00Z' },
    { start_date: '2021-06-01T00:00:00Z', end_date: '2021-05-01T00:00:00Z' }])
    jsonError(await o311('GET', '/open311/v2/requests.json' + q({ api_key: keys.admin, ...bad })), 400);

  // ids override every other argument
  assert.deepEqual(await list({ service_request_id: `${reqEnt},${reqStaff}`, status: 'closed', service_code: 'customs',
    start_date: '2021-01-01T00:00:00Z', end_date: '2021-01-02T00:00:00Z' }), [reqEnt, reqStaff]);
  assert.deepEqual(await list({ service_request_id: `${reqEnt},999999,${reqEnt}` }), [reqEnt]);
  jsonError(await o311('GET', '/open311/v2/requests.json' + q({ api_key: keys.admin, service_request_id: '1,x' })), 400);

  // a department key: what is assigned to its department only
  const hr = await o311('GET', '/open311/v2/requests.json' + q({ api_key: keys.dept }));
  assert.deepEqual(hr.json.map(o => o.service_request_id), [reqStaff]);
  const land = await o311('GET', '/open311/v2/requests.json' + q({ api_key: keys.deptOther }));
  assert.deepEqual(land.json, []);
  jsonError(await o311('GET', `/open311/v2/requests/${reqStaff}.json` + q({ api_key: keys.deptOther })), 404);

  // the XML list has the same requests in the same order
  const x = await o311('GET', '/open311/v2/requests.xml' + q({ api_key: keys.admin }));
  const doc = parseXml(x.text);
  assert.deepEqual(doc.children.map(c => val(c, 'service_request_id')), all);
});

test('an officer key sees the requests of the enterprises it serves', async () => {
  const r = await post('json', { api_key: keys.admin, service_code: 'financing', address_id: ent.c.code, description: '流动资金贷款' });
  assert.equal(r.status, 201, r.text);
  const id = r.json[0].service_request_id;
  const l = await o311('GET', '/open311/v2/requests.json' + q({ api_key: keys.officer }));
  assert.equal(l.status, 200, l.text);
  assert.deepEqual(l.json.map(o => o.service_request_id), [id]);
  assert.equal((await o311('GET', `/open311/v2/requests/${id}.json` + q({ api_key: keys.officer }))).status, 200);
  jsonError(await o311('GET', `/open311/v2/requests/${reqEnt}.json` + q({ api_key: keys.officer })), 404);
  // and may file for them
  const f = await post('xml', { api_key: keys.officer, service_code: 'policy', address_id: ent.c.code });
  assert.equal(f.status, 201, f.text);
});
