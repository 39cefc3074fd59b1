// End-to-end: the enterprise registry (credit codes, create/read/update,
// permissions, officers and their history, search, list filters and
// sorting), the officers' workload and the kiosk's logins, against a real
// server on the store under test.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { adminServer, Client, freshDb, startServer, demoAdminPassword } from './lib.mjs';

// ------------------------------------------------------------ credit codes

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
function complete(code16) {
  const c17 = code16 + orgCheck(code16.slice(8));
  return c17 + ccCheck(c17);
}
// A valid code registered in the zone (320691), numbered n.
const makeCode = (n) => complete('91320691MA1' + String(n).padStart(5, '0'));
// Only the final check character wrong.
const badFinal = (code) => code.slice(0, 17) + ALPHA[(ALPHA.indexOf(code[17]) + 1) % 31];
// Only the organisation check digit wrong (the final one recomputed).
function badOrg(code) {
  const d = code[16] === '0' ? '1' : '0';
  const c17 = code.slice(0, 16) + d;
  return c17 + ccCheck(c17);
}
// Full-width letters and digits, ideographic spaces around.
const fullWidth = (s) => '\u3000 ' + [...s].map((c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0)).join('') + ' \u3000';

// Real codes of well-known companies (both check characters verified).
const REAL = {
  '914403001922038216': '华为技术有限公司',
  '91440300708461136T': '深圳市腾讯计算机系统有限公司',
  '91330100799655058B': '阿里巴巴（中国）有限公司',
  '91110000802100433B': '北京百度网讯科技有限公司',
  '91110108551385082Q': '小米科技有限责任公司',
  '91440300192317458F': '比亚迪股份有限公司',
  '91520000214434146R': '贵州茅台酒股份有限公司',
  '91350100M000100Y43': '示例公司（GB 32100 附录示例）',
};

// ------------------------------------------------------------ helpers

function assertError(r, status, code, field) {
  assert.equal(r.status, status, r.text);
  assert.ok(r.json && r.json.error, 'error body: ' + r.text);
  if (code) assert.equal(r.json.error.code, code, r.text);
  if (field !== undefined) assert.equal(r.json.error.field, field, r.text);
}

// Run SQL on the server's database (for rows another module writes).
function sql(url, stmt) {
  const r = url.startsWith('sqlite:')
    ? spawnSync('sqlite3', ['-cmd', '.timeout 5000', url.slice('sqlite:'.length), stmt], { encoding: 'utf8' })
    : spawnSync('psql', [url, '-q', '-v', 'ON_ERROR_STOP=1', '-c', stmt], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error('sql failed: ' + r.stderr);
  return r.stdout;
}

const chinaDay = (offset = 0) => new Date(Date.now() + 8 * 3600e3 + offset * 86400e3).toISOString().slice(0, 10);

async function login(url, username, password) {
  const c = new Client(url);
  const r = await c.login(username, password);
  assert.equal(r.status, 200, r.text);
  return c;
}

// Every enterprise of a list query, page by page.
async function allEnterprises(c, query = '') {
  const items = [];
  for (;;) {
    const r = await c.get(`/api/v1/enterprises?limit=1000&offset=${items.length}` + query);
    assert.equal(r.status, 200, r.text);
    items.push(...r.json.items);
    if (items.length >= r.json.total || r.json.items.length === 0) return { items, total: r.json.total };
  }
}

// ------------------------------------------------------------ registry

describe('enterprise registry', () => {
  let S, admin, ids = {}, streets = [], depts = [], users = {};

  before(async () => {
    S = await adminServer();
    admin = new Client(S.srv.url, S.token);
    for (const name of ['竹行街道', '新开街道']) {
      const r = await admin.post('/api/v1/streets', { name });
      assert.equal(r.status, 201, r.text);
      streets.push(r.json);
    }
    const d = await admin.post('/api/v1/departments', { name: '企业发展服务中心' });
    assert.equal(d.status, 201, d.text);
    depts.push(d.json);
    for (const [username, role] of [['officer.a', 'officer'], ['officer.b', 'officer'], ['leader.a', 'leader'],
      ['stats.a', 'statistician'], ['other.admin', 'admin']]) {
      const r = await admin.post('/api/v1/users', { username, role, display_name: username, password: 'password-' + username });
      assert.equal(r.status, 201, r.text);
      users[username] = r.json;
    }
  });
  after(async () => { await S.close(); });

  test('real credit codes of well-known companies are accepted', async () => {
    let i = 0;
    for (const [code, name] of Object.entries(REAL)) {
      const r = await admin.post('/api/v1/enterprises', { credit_code: code, name, industry: 'C' + (38 + (i++ % 2)) });
      assert.equal(r.status, 201, r.text);
      assert.equal(r.json.credit_code, code);
      ids[code] = r.json.id;
    }
  });

  test('create returns the whole record; read it back', async () => {
    const code = makeCode(1);
    const body = {
      credit_code: code, name: '南通测试照明股份有限公司', street: '竹行街道', industry: 'c38', key: true,
      officer_id: users['officer.a'].id, department_id: depts[0].id, contact_name: '张建华',
      contact_phone: '0513-8359 1234', employees: 860, registered_capital: 12000, land_mu: 126.5,
      founded_on: '2004-06-18',
    };
    const r = await admin.post('/api/v1/enterprises', body);
    assert.equal(r.status, 201, r.text);
    const e = r.json;
    assert.ok(Number.isInteger(e.id));
    assert.equal(e.credit_code, code);
    assert.equal(e.name, body.name);
    assert.equal(e.street, '竹行街道');
    assert.equal(e.street_name, '竹行街道');
    assert.equal(e.street_id, streets[0].id);
    assert.equal(e.industry, 'C38');
    assert.equal(e.key, true);
    assert.equal(e.officer_id, users['officer.a'].id);
    assert.equal(e.officer_name, 'officer.a');
    assert.equal(e.department_id, depts[0].id);
    assert.equal(e.department_name, '企业发展服务中心');
    assert.equal(e.contact_name, '张建华');
    assert.equal(e.contact_phone, '0513-8359 1234');
    assert.equal(e.employees, 860);
    assert.equal(e.registered_capital, 12000);
    assert.equal(e.registered_capital_wan, 12000);
    assert.equal(e.land_mu, 126.5);
    assert.equal(e.founded_on, '2004-06-18');
    assert.equal(e.credit_code_note, '');
    ids.main = e.id;
    const g = await admin.get('/api/v1/enterprises/' + e.id);
    assert.equal(g.status, 200);
    assert.deepEqual(g.json, e);
    const audit = await admin.get('/api/v1/audit?entity=enterprise');
    assert.ok(audit.json.items.some((a) => a.entity_id === String(e.id) && a.status === 201), audit.text);
    // street_id works as well as the street's name
    const r2 = await admin.post('/api/v1/enterprises', { credit_code: makeCode(2), name: '南通第二企业有限公司', street_id: streets[1].id });
    assert.equal(r2.status, 201, r2.text);
    assert.equal(r2.json.street, '新开街道');
    assert.equal(r2.json.key, false);
    assert.equal(r2.json.officer_id, null);
    ids.second = r2.json.id;
  });

  test('every credit-code problem is refused with its reason', async () => {
    const good = makeCode(3);
    const cases = [
      [good.slice(0, 17), 'length', /18/],
      [good + '0', 'length', /19/],
      ['', null, null],
      [good.slice(0, 8) + 'I' + good.slice(9), 'character', /character 9 'I'/],
      [good.slice(0, 8) + 'O' + good.slice(9), 'character', /character 9 'O'/],
      [good.slice(0, 8) + 'S' + good.slice(9), 'character', /character 9 'S'/],
      [good.slice(0, 8) + 'V' + good.slice(9), 'character', /character 9 'V'/],
      [good.slice(0, 8) + 'Z' + good.slice(9), 'character', /character 9 'Z'/],
      [good.slice(0, 17) + '一', 'character', /character 18 '一'/],
      ['B' + good.slice(1), 'character', /character 1 'B'/],
      [good.slice(0, 6) + 'A' + good.slice(7), 'character', /character 7 'A'/],
      [badFinal(good), 'checksum', /character 18/],
      [badOrg(good), 'checksum', /character 17/],
    ];
    for (const [code, reason, msg] of cases) {
      const r = await admin.post('/api/v1/enterprises', { credit_code: code, name: '坏代码有限公司' });
      if (reason === null) {
        assertError(r, 422, 'required', 'credit_code');
        continue;
      }
      assertError(r, 422, 'invalid_credit_code', 'credit_code');
      assert.equal(r.json.error.reason, reason, `${code}: ${r.text}`);
      assert.match(r.json.error.message, msg, code);
      // English for API clients, and the params the browser says it with in Chinese
      assert.match(r.json.error.message, /^[a-z][^\u3000-\u303f]*$/i, 'the message is English (without Chinese punctuation)');
      assert.equal(r.json.error.params.reason, reason);
      const want = { length: ['length'], character: ['position', 'char', 'hint'], checksum: ['position', 'expected', 'actual'] };
      for (const k of want[reason]) assert.ok(r.json.error.params[k], `${code}: params.${k}: ${r.text}`);
      if (reason === 'checksum') assert.match(r.json.error.message, /credit_code_note\)$/, 'the whole message');
    }
    assertError(await admin.post('/api/v1/enterprises', { name: '无代码有限公司' }), 422, 'required', 'credit_code');
    // nothing was stored
    const all = await allEnterprises(admin);
    assert.ok(!all.items.some((e) => e.name === '坏代码有限公司'));
  });

  test('full-width, lower-case and spaced codes are normalised', async () => {
    for (const [n, typed] of [[4, (c) => fullWidth(c.toLowerCase())], [11, (c) => '  ' + c.toLowerCase() + '\t'], [12, (c) => '\u3000' + c]]) {
      const code = makeCode(n);
      const r = await admin.post('/api/v1/enterprises', { credit_code: typed(code), name: '南通规范化企业' + n + '有限公司' });
      assert.equal(r.status, 201, r.text);
      assert.equal(r.json.credit_code, code);
    }
    // real codes typed in lower case and full width
    const r = await admin.post('/api/v1/enterprises', { credit_code: fullWidth('91350100m000100y43'), name: '重复' });
    assertError(r, 409, 'duplicate_credit_code', 'credit_code');
  });

  test('duplicate credit codes are refused with 409 duplicate_credit_code', async () => {
    const code = makeCode(5);
    assert.equal((await admin.post('/api/v1/enterprises', { credit_code: code, name: '南通原有企业有限公司' })).status, 201);
    for (const again of [code, code.toLowerCase(), fullWidth(code)])
      assertError(await admin.post('/api/v1/enterprises', { credit_code: again, name: '南通重复企业有限公司' }), 409,
        'duplicate_credit_code', 'credit_code');
    // PATCH to another enterprise's code
    assertError(await admin.patch('/api/v1/enterprises/' + ids.second, { credit_code: code }), 409, 'duplicate_credit_code', 'credit_code');
  });

  test('an admin may accept a checksum-failing code with a written reason, which the audit keeps', async () => {
    const code = badFinal(makeCode(6));
    // without a reason
    let r = await admin.post('/api/v1/enterprises', { credit_code: code, name: '南通早期代码有限公司' });
    assertError(r, 422, 'invalid_credit_code', 'credit_code');
    assert.equal(r.json.error.reason, 'checksum');
    // with too short a reason
    assertError(await admin.post('/api/v1/enterprises', { credit_code: code, name: '南通早期代码有限公司', credit_code_note: '对' }),
      422, 'invalid', 'credit_code_note');
    // a leader may not, with or without a reason
    const leader = await login(S.srv.url, 'leader.a', 'password-leader.a');
    r = await leader.post('/api/v1/enterprises', { credit_code: code, name: '南通早期代码有限公司' });
    assertError(r, 422, 'invalid_credit_code', 'credit_code');
    assert.equal(r.json.error.reason, 'checksum');
    assert.match(r.json.error.message, /admin/);
    assertError(await leader.post('/api/v1/enterprises', { credit_code: code, name: '南通早期代码有限公司', credit_code_note: '营业执照原件如此，已核实' }),
      403, 'forbidden_field', 'credit_code_note');
    // only the checksum may be overridden
    r = await admin.post('/api/v1/enterprises', { credit_code: code.slice(0, 17), name: '南通早期代码有限公司', credit_code_note: '营业执照原件如此，已核实' });
    assert.equal(r.json.error.reason, 'length');
    // the admin with a reason
    const note = '营业执照原件如此，已与市场监管局核实';
    r = await admin.post('/api/v1/enterprises', { credit_code: code, name: '南通早期代码有限公司', credit_code_note: note });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.credit_code, code);
    assert.equal(r.json.credit_code_note, note);
    const audit = await admin.get('/api/v1/audit?entity=enterprise');
    const row = audit.json.items.find((a) => a.entity_id === String(r.json.id));
    assert.ok(row, audit.text);
    assert.match(row.detail, /checksum/);
    assert.ok(row.detail.includes(note), row.detail);
    // later edits by others keep working on that record (the same code and reason may be sent back)
    const p = await leader.patch('/api/v1/enterprises/' + r.json.id, { employees: 12, credit_code: code.toLowerCase(), credit_code_note: note });
    assert.equal(p.status, 200, p.text);
    assert.equal(p.json.employees, 12);
    assertError(await leader.patch('/api/v1/enterprises/' + r.json.id, { credit_code_note: '改掉管理员的理由' }), 403, 'forbidden_field', 'credit_code_note');
    assert.equal((await admin.get('/api/v1/enterprises/' + r.json.id)).json.credit_code_note, note);
  });

  test('field validation gives 422 with the field', async () => {
    const base = (n) => ({ credit_code: makeCode(100 + n), name: '南通校验有限公司' + n });
    const bad = [
      [{ name: '' }, 'required', 'name'],
      [{ name: 'x'.repeat(201) }, 'invalid', 'name'],
      [{ industry: 'Z99' }, 'invalid', 'industry'],
      [{ industry: 'C99' }, 'invalid', 'industry'],
      [{ industry: 'C3' }, 'invalid', 'industry'],
      [{ industry: 'C9911' }, 'invalid', 'industry'],
      [{ industry: 'C381x' }, 'invalid', 'industry'],
      [{ industry: 'C381122' }, 'invalid', 'industry'],
      [{ founded_on: '2023-02-29' }, 'invalid', 'founded_on'],
      [{ founded_on: '2023/01/01' }, 'invalid', 'founded_on'],
      [{ registered_capital: 1.5 }, 'invalid', 'registered_capital'],
      [{ registered_capital: -1 }, 'invalid', 'registered_capital'],
      [{ registered_capital: '100' }, 'invalid_type', 'registered_capital'],
      [{ employees: -3 }, 'invalid', 'employees'],
      [{ employees: 2.5 }, 'invalid', 'employees'],
      [{ land_mu: -1 }, 'invalid', 'land_mu'],
      [{ land_mu: 'x' }, 'invalid_type', 'land_mu'],
      [{ officer_id: users['leader.a'].id }, 'invalid', 'officer_id'],
      [{ officer_id: 999999 }, 'invalid', 'officer_id'],
      [{ department_id: 999999 }, 'invalid', 'department_id'],
      [{ street: '不存在街道' }, 'invalid', 'street'],
      [{ street_id: 999999 }, 'invalid', 'street_id'],
      [{ street: '竹行街道', street_id: streets[1].id }, 'invalid', 'street_id'],
      [{ contact_phone: 'call me' }, 'invalid', 'contact_phone'],
      [{ key: 'yes' }, 'invalid_type', 'key'],
      [{ key: true }, 'required', 'officer_id'],
      [{ nonsense: 1 }, 'unknown_field', 'nonsense'],
    ];
    let n = 0;
    for (const [extra, code, field] of bad)
      assertError(await admin.post('/api/v1/enterprises', { ...base(n++), ...extra }), 422, code, field);
    // a whole number written as 3000.0 is fine
    const ok = await admin.post('/api/v1/enterprises', { ...base(99), registered_capital: 3000.0, industry: 'I65', founded_on: '2020-02-29' });
    assert.equal(ok.status, 201, ok.text);
    assert.equal(ok.json.registered_capital, 3000);
  });

  test('PATCH changes only the given fields; null clears optional ones', async () => {
    const before = (await admin.get('/api/v1/enterprises/' + ids.main)).json;
    let r = await admin.patch('/api/v1/enterprises/' + ids.main, { contact_phone: '13900001111', employees: 900 });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.contact_phone, '13900001111');
    assert.equal(r.json.employees, 900);
    for (const k of ['name', 'credit_code', 'street_id', 'industry', 'key', 'officer_id', 'registered_capital', 'land_mu', 'founded_on'])
      assert.deepEqual(r.json[k], before[k], k);
    r = await admin.patch('/api/v1/enterprises/' + ids.main, { contact_phone: null, street: null, department_id: null, founded_on: null, land_mu: null });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.contact_phone, '');
    assert.equal(r.json.street_id, null);
    assert.equal(r.json.street, null);
    assert.equal(r.json.department_id, null);
    assert.equal(r.json.founded_on, '');
    assert.equal(r.json.land_mu, 0);
    assertError(await admin.patch('/api/v1/enterprises/' + ids.main, { name: null }), 422, 'required', 'name');
    assertError(await admin.patch('/api/v1/enterprises/' + ids.main, { credit_code: badFinal(makeCode(1)) }), 422, 'invalid_credit_code', 'credit_code');
    assertError(await admin.patch('/api/v1/enterprises/999999', { employees: 1 }), 404, 'not_found');
    // renaming is searchable at once
    r = await admin.patch('/api/v1/enterprises/' + ids.main, { name: '南通改名照明股份有限公司', street: '新开街道' });
    assert.equal(r.status, 200, r.text);
    const s = await admin.get('/api/v1/enterprises?q=' + encodeURIComponent('改名'));
    assert.deepEqual(s.json.items.map((e) => e.id), [ids.main]);
    assert.equal((await admin.get('/api/v1/enterprises?q=' + encodeURIComponent('测试照明'))).json.total, 0);
  });

  test('a key enterprise has exactly one officer; reassignment keeps the history', async () => {
    // key without an officer
    assertError(await admin.patch('/api/v1/enterprises/' + ids.second, { key: true }), 422, 'required', 'officer_id');
    assertError(await admin.patch('/api/v1/enterprises/' + ids.main, { officer_id: null }), 422, 'required', 'officer_id');
    assertError(await admin.patch('/api/v1/enterprises/' + ids.main, { officer_id: users['stats.a'].id }), 422, 'invalid', 'officer_id');
    let h = await admin.get(`/api/v1/enterprises/${ids.main}/officers`);
    assert.equal(h.status, 200, h.text);
    assert.equal(h.json.items.length, 1);
    assert.equal(h.json.items[0].officer_id, users['officer.a'].id);
    assert.equal(h.json.items[0].ended_at, null);
    // reassign by a leader
    const leader = await login(S.srv.url, 'leader.a', 'password-leader.a');
    const r = await leader.patch('/api/v1/enterprises/' + ids.main, { officer_id: users['officer.b'].id });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.officer_id, users['officer.b'].id);
    h = await admin.get(`/api/v1/enterprises/${ids.main}/officers`);
    assert.equal(h.json.items.length, 2, h.text);
    const [first, second] = h.json.items;
    assert.equal(first.officer_id, users['officer.a'].id);
    assert.ok(Number.isInteger(first.ended_at), h.text);
    assert.equal(second.officer_id, users['officer.b'].id);
    assert.equal(second.ended_at, null);
    assert.equal(second.assigned_by, users['leader.a'].id);
    assert.equal(second.officer_name, 'officer.b');
    // the same officer again changes nothing
    await leader.patch('/api/v1/enterprises/' + ids.main, { officer_id: users['officer.b'].id, key: true });
    assert.equal((await admin.get(`/api/v1/enterprises/${ids.main}/officers`)).json.items.length, 2);
    // key with an officer in the same request
    const k = await admin.patch('/api/v1/enterprises/' + ids.second, { key: true, officer_id: users['officer.a'].id });
    assert.equal(k.status, 200, k.text);
    assert.equal((await admin.get(`/api/v1/enterprises/${ids.second}/officers`)).json.items.length, 1);
    assertError(await admin.get('/api/v1/enterprises/999999/officers'), 404, 'not_found');
  });

  test('officers create, and edit only the enterprises they serve', async () => {
    const off = await login(S.srv.url, 'officer.a', 'password-officer.a');
    let r = await off.post('/api/v1/enterprises', { credit_code: makeCode(7), name: '南通走访新企业有限公司' });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.officer_id, users['officer.a'].id, 'an officer serves what it registers');
    const mine = r.json.id;
    r = await off.patch('/api/v1/enterprises/' + mine, { employees: 33, key: true });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.key, true);
    assertError(await off.patch('/api/v1/enterprises/' + ids.main, { employees: 1 }), 403, 'forbidden');
    assertError(await off.patch('/api/v1/enterprises/' + mine, { officer_id: users['officer.b'].id }), 403, 'forbidden_field', 'officer_id');
    assertError(await off.post('/api/v1/enterprises', { credit_code: makeCode(8), name: '南通他人企业有限公司', officer_id: users['officer.b'].id }),
      403, 'forbidden_field', 'officer_id');
    // read-only roles
    const stats = await login(S.srv.url, 'stats.a', 'password-stats.a');
    assert.equal((await stats.get('/api/v1/enterprises/' + mine)).status, 200);
    assertError(await stats.post('/api/v1/enterprises', { credit_code: makeCode(9), name: 'x' }), 403, 'forbidden');
    assertError(await stats.patch('/api/v1/enterprises/' + mine, { employees: 1 }), 403, 'forbidden');
    assertError(await stats.post(`/api/v1/enterprises/${mine}/kiosk-code`, {}), 403, 'forbidden');
  });

  test('an enterprise account sees and changes only its own record, and only its contact', async () => {
    const u = await admin.post('/api/v1/users', { username: 'ent.main', role: 'enterprise', enterprise_id: ids.main, password: 'password-ent-main' });
    assert.equal(u.status, 201, u.text);
    const ent = await login(S.srv.url, 'ent.main', 'password-ent-main');
    const own = await ent.get('/api/v1/enterprises/' + ids.main);
    assert.equal(own.status, 200);
    const list = await ent.get('/api/v1/enterprises');
    assert.equal(list.json.total, 1);
    assert.deepEqual(list.json.items.map((e) => e.id), [ids.main]);
    assert.equal((await ent.get('/api/v1/enterprises?q=' + encodeURIComponent('南通'))).json.total, 1);
    let r = await ent.patch('/api/v1/enterprises/' + ids.main, { contact_name: '李四', contact_phone: '0513-1234567', employees: 901 });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.contact_name, '李四');
    assert.equal(r.json.employees, 901);
    for (const f of ['name', 'credit_code', 'key', 'officer_id', 'industry', 'registered_capital', 'street'])
      assertError(await ent.patch('/api/v1/enterprises/' + ids.main, { contact_name: '王五', [f]: null }), 403, 'forbidden_field', f);
    assert.equal((await ent.get('/api/v1/enterprises/' + ids.main)).json.contact_name, '李四');
    // another enterprise does not exist for it
    assertError(await ent.get('/api/v1/enterprises/' + ids.second), 404, 'not_found');
    assertError(await ent.patch('/api/v1/enterprises/' + ids.second, { contact_name: '王五' }), 404, 'not_found');
    assertError(await ent.get(`/api/v1/enterprises/${ids.second}/officers`), 403, 'forbidden');
    assertError(await ent.post('/api/v1/enterprises', { credit_code: makeCode(10), name: 'x' }), 403, 'forbidden');
    assertError(await ent.post(`/api/v1/enterprises/${ids.main}/kiosk-code`, {}), 403, 'forbidden');
    assertError(await ent.get('/api/v1/officers'), 403, 'forbidden');
  });

  test('list: filters, sorting, paging', async () => {
    const off = users['officer.a'].id;
    const rows = [
      ['C3812', '南通排序甲有限公司', { industry: 'C38', employees: 50, registered_capital: 500, founded_on: '2010-01-01', street: '竹行街道' }],
      ['C3813', '南通排序乙有限公司', { industry: 'C39', employees: 10, registered_capital: 9000, founded_on: '2001-05-05', street: '新开街道', key: true, officer_id: off }],
      ['C3814', '南通排序丙有限公司', { industry: 'I65', employees: 700, registered_capital: 100, founded_on: '2019-09-09', street: '竹行街道', officer_id: off }],
      ['C3815', '南通排序丁有限公司', { industry: 'C', employees: 300, registered_capital: 2500, founded_on: '1998-12-31' }],
      ['C3816', '南通排序戊有限公司', { industry: 'c3811', employees: 301, registered_capital: 2501, founded_on: '1998-12-30' }],
    ];
    let n = 200;
    for (const [, name, extra] of rows) {
      const r = await admin.post('/api/v1/enterprises', { credit_code: makeCode(n++), name, ...extra });
      assert.equal(r.status, 201, r.text);
    }
    const all = (await allEnterprises(admin)).items;
    assert.equal(all.length, (await allEnterprises(admin)).total);
    const check = async (query, pred) => {
      const got = await allEnterprises(admin, query);
      const want = all.filter(pred).map((e) => e.id).sort((a, b) => a - b);
      assert.deepEqual(got.items.map((e) => e.id).sort((a, b) => a - b), want, query);
      assert.equal(got.total, want.length, query);
      assert.ok(want.length > 0, 'the filter finds something: ' + query);
    };
    await check(`&street_id=${streets[0].id}`, (e) => e.street_id === streets[0].id);
    await check('&industry=C', (e) => e.industry.startsWith('C'));
    await check('&industry=c38', (e) => e.industry.startsWith('C38'));
    await check('&industry=C3811', (e) => e.industry === 'C3811');
    await check('&industry=I6', (e) => e.industry.startsWith('I6'));
    await check(`&officer_id=${off}`, (e) => e.officer_id === off);
    await check('&key=true', (e) => e.key);
    await check('&key=0', (e) => !e.key);
    await check(`&key=true&officer_id=${off}&industry=C`, (e) => e.key && e.officer_id === off && e.industry.startsWith('C'));
    assertError(await admin.get('/api/v1/enterprises?industry=C38%25'), 422, 'invalid_parameter', 'industry');
    assertError(await admin.get('/api/v1/enterprises?industry=Z1'), 422, 'invalid_parameter', 'industry');

    const order = async (sort) => (await allEnterprises(admin, '&sort=' + sort)).items;
    const cmp = (k, dir) => (a, b) => (a[k] < b[k] ? -dir : a[k] > b[k] ? dir : dir * (a.id - b.id));
    for (const [sort, key] of [['employees', 'employees'], ['registered_capital', 'registered_capital'], ['founded_on', 'founded_on'], ['id', 'id']]) {
      assert.deepEqual((await order(sort)).map((e) => e.id), [...all].sort(cmp(key, 1)).map((e) => e.id), sort);
      assert.deepEqual((await order('-' + sort)).map((e) => e.id), [...all].sort(cmp(key, -1)).map((e) => e.id), '-' + sort);
    }
    // by name: the store's collation; descending is the exact reverse
    const byName = (await order('name')).map((e) => e.id);
    assert.deepEqual((await order('-name')).map((e) => e.id), [...byName].reverse());
    assert.equal(byName.length, all.length);
    for (const bad of ['salary', 'name;DROP', '-', 'NAME'])
      assertError(await admin.get('/api/v1/enterprises?sort=' + encodeURIComponent(bad)), 422, 'invalid_parameter', 'sort');

    // paging walks the whole list once
    const seen = [];
    for (let off2 = 0; off2 < all.length; off2 += 3) {
      const p = (await admin.get(`/api/v1/enterprises?sort=-employees&limit=3&offset=${off2}`)).json;
      assert.equal(p.total, all.length);
      assert.equal(p.limit, 3);
      assert.equal(p.offset, off2);
      seen.push(...p.items.map((e) => e.id));
    }
    assert.deepEqual(seen, [...all].sort(cmp('employees', -1)).map((e) => e.id));
    const past = (await admin.get(`/api/v1/enterprises?offset=${all.length + 5}`)).json;
    assert.equal(past.items.length, 0);
    assert.equal(past.total, all.length);
  });

  test('search by any part of the name or the credit code equals a substring scan', async () => {
    const all = (await allEnterprises(admin)).items;
    const queries = ['南', '通', '有限', '南通', '排序', '排序丙', '照明股份', '公司', '（', '中国）', 'a', 'MA1',
      'ma100', makeCode(201).slice(5, 12), '9144', 'X', '%', '_', '\\', '不存在的词', '司有'];
    for (const q of queries) {
      const got = await allEnterprises(admin, '&q=' + encodeURIComponent(q));
      const want = all.filter((e) => e.name.toLowerCase().includes(q.toLowerCase()) || e.credit_code.includes(q.toUpperCase()));
      assert.deepEqual(got.items.map((e) => e.id).sort((a, b) => a - b), want.map((e) => e.id).sort((a, b) => a - b), 'q=' + q);
      assert.equal(got.total, want.length, 'q=' + q);
    }
  });

  test('officers: workload at a glance, and each officer\'s enterprises', async () => {
    const a = users['officer.a'].id, b = users['officer.b'].id;
    const all = (await allEnterprises(admin)).items;
    const entOfA = all.filter((e) => e.officer_id === a);
    const target = entOfA[0].id;
    // requests and visits are written by other modules: put rows in directly
    const now = Math.floor(Date.now() / 1000);
    const past = chinaDay(-30), future = chinaDay(30);
    const reqs = [
      ['submitted', ''], ['accepted', past], ['in_progress', future], ['awaiting_enterprise', past],
      ['resolved', past], ['closed', past], ['escalated', past],
    ];
    for (const [status, due] of reqs)
      sql(S.db.url, `INSERT INTO requests (kind, enterprise_id, category, title, status, due_on, created_at, updated_at)
        VALUES ('request', ${target}, 'other', 'x', '${status}', '${due}', ${now}, ${now})`);
    sql(S.db.url, `INSERT INTO requests (kind, enterprise_id, category, title, status, due_on, created_at, updated_at)
        VALUES ('inspection', ${target}, 'other', 'x', 'accepted', '${past}', ${now}, ${now})`);
    for (const [who, day] of [[a, chinaDay(-1)], [a, chinaDay(-89)], [a, chinaDay(-120)], [b, chinaDay(-5)]])
      sql(S.db.url, `INSERT INTO visits (enterprise_id, visited_on, visitor_id, created_at) VALUES (${target}, '${day}', ${who}, ${now})`);

    const r = await admin.get('/api/v1/officers');
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.total, 2);
    const byId = Object.fromEntries(r.json.items.map((o) => [o.id, o]));
    assert.deepEqual(byId[a], {
      id: a, username: 'officer.a', display_name: 'officer.a',
      enterprises: entOfA.length, key_enterprises: entOfA.filter((e) => e.key).length,
      open_requests: 6, overdue_requests: 2, visits_90d: 2,
    });
    assert.equal(byId[b].enterprises, all.filter((e) => e.officer_id === b).length);
    assert.equal(byId[b].visits_90d, 1);
    assert.equal(byId[b].open_requests, 0);
    // any staff member may look; the officer's enterprises
    const stats = await login(S.srv.url, 'stats.a', 'password-stats.a');
    assert.equal((await stats.get('/api/v1/officers')).status, 200);
    const mine = await stats.get(`/api/v1/officers/${a}/enterprises?limit=1000&sort=-id`);
    assert.equal(mine.status, 200, mine.text);
    assert.deepEqual(mine.json.items.map((e) => e.id), entOfA.map((e) => e.id).sort((x, y) => y - x));
    assert.equal(mine.json.total, entOfA.length);
    assertError(await admin.get(`/api/v1/officers/${users['leader.a'].id}/enterprises`), 404, 'not_found');
    assertError(await admin.get('/api/v1/officers/999999/enterprises'), 404, 'not_found');
  });

  test('kiosk: a one-time code logs the enterprise in once; credit code and password too', async () => {
    const code = (await admin.get('/api/v1/enterprises/' + ids.main)).json.credit_code;
    const r = await admin.post(`/api/v1/enterprises/${ids.main}/kiosk-code`, {});
    assert.equal(r.status, 201, r.text);
    assert.match(r.json.code, /^\d{6}$/);
    const now = Math.floor(Date.now() / 1000);
    assert.ok(Math.abs(r.json.expires_at - (now + 600)) < 30, r.text);
    // stored hashed, never in clear
    assert.ok(!sql(S.db.url, 'SELECT code_hash FROM kiosk_codes').includes(r.json.code + '\n'));
    const audit = await admin.get('/api/v1/audit?entity=enterprise');
    assert.ok(!audit.text.includes(r.json.code));

    const kiosk = new Client(S.srv.url);
    const wrong = String((Number(r.json.code) + 1) % 1000000).padStart(6, '0');
    assertError(await kiosk.req('POST', '/api/v1/session', { credit_code: code, code: wrong }), 401, 'invalid_credentials');
    const ok = await kiosk.req('POST', '/api/v1/session', { credit_code: fullWidth(code.toLowerCase()), code: r.json.code });
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.json.role, 'enterprise');
    assert.equal(ok.json.enterprise_id, ids.main);
    assert.equal(ok.json.username, 'ent.main');
    assert.match(ok.headers.get('set-cookie'), /zo_session=[0-9a-f]{64}/);
    kiosk.csrf = ok.json.csrf_token;
    assert.equal((await kiosk.get('/api/v1/me')).json.enterprise_id, ids.main);
    // once only
    assertError(await new Client(S.srv.url).req('POST', '/api/v1/session', { credit_code: code, code: r.json.code }), 401, 'invalid_credentials');
    // a code of one enterprise does not open another
    const r2 = await admin.post(`/api/v1/enterprises/${ids.main}/kiosk-code`, {});
    const other = (await admin.get('/api/v1/enterprises/' + ids.second)).json.credit_code;
    assertError(await new Client(S.srv.url).req('POST', '/api/v1/session', { credit_code: other, code: r2.json.code }), 401, 'invalid_credentials');
    // an enterprise without an account: 401 (and the code is not spent)
    const r3 = await admin.post(`/api/v1/enterprises/${ids.second}/kiosk-code`, {});
    assert.equal(r3.status, 201);
    assertError(await new Client(S.srv.url).req('POST', '/api/v1/session', { credit_code: other, code: r3.json.code }), 401, 'invalid_credentials');
    // officers issue codes only for their own enterprises
    const offB = await login(S.srv.url, 'officer.b', 'password-officer.b');
    assert.equal((await offB.post(`/api/v1/enterprises/${ids.main}/kiosk-code`, {})).status, 201);
    assertError(await offB.post(`/api/v1/enterprises/${ids.second}/kiosk-code`, {}), 403, 'forbidden');
    assertError(await admin.post('/api/v1/enterprises/999999/kiosk-code', {}), 404, 'not_found');

    // credit code and password
    const c = new Client(S.srv.url);
    assertError(await c.req('POST', '/api/v1/session', { credit_code: code, password: 'wrong-password' }), 401, 'invalid_credentials');
    assertError(await c.req('POST', '/api/v1/session', { credit_code: other, password: 'password-ent-main' }), 401, 'invalid_credentials');
    assertError(await c.req('POST', '/api/v1/session', { credit_code: 'nonsense', password: 'password-ent-main' }), 401, 'invalid_credentials');
    const p = await c.req('POST', '/api/v1/session', { credit_code: ' ' + code.toLowerCase(), password: 'password-ent-main' });
    assert.equal(p.status, 200, p.text);
    assert.equal(p.json.username, 'ent.main');
    assertError(await c.req('POST', '/api/v1/session', { credit_code: code }), 422, 'required', 'password');
    assertError(await c.req('POST', '/api/v1/session', { credit_code: code, username: 'ent.main', password: 'x' }), 422);
  });

  test('failed credit-code logins are throttled like usernames', async () => {
    const code = makeCode(4);   // an enterprise without an account
    const c = new Client(S.srv.url);
    let last;
    for (let i = 0; i < 12; i++) last = await c.req('POST', '/api/v1/session', { credit_code: code, code: '000000' });
    assertError(last, 429, 'too_many_attempts');
  });
});

// ------------------------------------------------------------ the demo

describe('demo zone', () => {
  let db, srv, admin;

  before(async () => {
    db = freshDb();
    srv = await startServer(db.url, ['--demo']);
    admin = await login(srv.url, 'admin', await demoAdminPassword(srv));
  });
  after(async () => {
    const code = await srv.stop();
    db.cleanup();
    if (code !== 0) throw new Error(`server exited ${code}:\n${srv.output().stderr.slice(-4000)}`);
  });

  test('search equals a brute-force substring filter (1-, 2- and 3-character queries, Chinese and codes)', async () => {
    const all = await allEnterprises(admin);
    assert.ok(all.total >= 300, 'the demo has its 300 enterprises (and more from the service history)');
    assert.equal(all.items.length, all.total);
    const codes = all.items.map((e) => e.credit_code);
    const queries = ['南', '通', '司', '科', '药', '（', '生物', '南通', '科技', '电子', '医药', '恒太', '有限公司', '股份有',
      '医药科', '照明科', '江苏恒', '精密机', '通通', '苏通', '技有', 'ma1', 'MA2', '9132', '320691', 'Y', 'zz', '不存在',
      codes[7], codes[8].toLowerCase(), codes[9].slice(3, 12)];
    for (const sort of ['', '&sort=-id']) {
      // the id order of a one- or two-character query comes from the grams
      for (const q of ['南通', '科', '生物']) {
        const got = await admin.get(`/api/v1/enterprises?limit=7&offset=3&q=${encodeURIComponent(q)}${sort}`);
        const want = all.items.filter((e) => e.name.includes(q)).map((e) => e.id).sort((a, b) => (sort ? b - a : a - b));
        assert.deepEqual(got.json.items.map((e) => e.id), want.slice(3, 10), q + sort);
        assert.equal(got.json.total, want.length);
      }
    }
    let nonEmpty = 0;
    for (const q of queries) {
      const got = await allEnterprises(admin, '&q=' + encodeURIComponent(q));
      const want = all.items.filter((e) => e.name.toLowerCase().includes(q.toLowerCase()) || e.credit_code.includes(q.toUpperCase()));
      assert.deepEqual(got.items.map((e) => e.id), want.map((e) => e.id), 'q=' + q);
      assert.equal(got.total, want.length, 'q=' + q);
      if (want.length) nonEmpty++;
    }
    assert.ok(nonEmpty >= queries.length - 3);
    // with filters and paging
    const got = await admin.get('/api/v1/enterprises?q=' + encodeURIComponent('科技') + '&key=true&limit=5&offset=2&sort=-employees');
    const want = all.items.filter((e) => e.name.includes('科技') && e.key)
      .sort((a, b) => b.employees - a.employees || b.id - a.id);
    assert.equal(got.json.total, want.length);
    assert.deepEqual(got.json.items.map((e) => e.id), want.slice(2, 7).map((e) => e.id));
  });

  test('demo officers have their key enterprises, with the assignment history', async () => {
    const o = await admin.get('/api/v1/officers');
    assert.equal(o.status, 200, o.text);
    assert.equal(o.json.total, 56);
    assert.equal(o.json.items.reduce((s, x) => s + x.key_enterprises, 0), 120);
    const key = (await allEnterprises(admin, '&key=true')).items;
    assert.equal(key.length, 120);
    assert.ok(key.every((e) => e.officer_id !== null));
    const h = await admin.get(`/api/v1/enterprises/${key[0].id}/officers`);
    assert.equal(h.json.items.length, 1);
    assert.equal(h.json.items[0].officer_id, key[0].officer_id);
    assert.equal(h.json.items[0].ended_at, null);
  });

  test('demo enterprise accounts log in with the credit code and password', async () => {
    const ht = (await allEnterprises(admin, '&q=' + encodeURIComponent('恒太'))).items;
    assert.equal(ht.length, 1);
    const c = new Client(srv.url);
    const r = await c.req('POST', '/api/v1/session', { credit_code: ht[0].credit_code, password: 'demo-password' });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.username, 'ent.hengtai');
    assert.equal(r.json.enterprise_id, ht[0].id);
    const mine = await c.get('/api/v1/enterprises');
    assert.equal(mine.json.total, 1);
    assert.equal(mine.json.items[0].id, ht[0].id);
    // and by the kiosk code an officer of the zone makes
    const k = await admin.post(`/api/v1/enterprises/${ht[0].id}/kiosk-code`, {});
    assert.equal(k.status, 201);
    const kc = new Client(srv.url);
    assert.equal((await kc.req('POST', '/api/v1/session', { credit_code: ht[0].credit_code, code: k.json.code })).status, 200);
    assertError(await kc.req('POST', '/api/v1/session', { credit_code: ht[0].credit_code, code: k.json.code }), 401, 'invalid_credentials');
  });
});
