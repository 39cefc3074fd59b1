// End-to-end: the accounts' hardening (issue 9).  API tokens have a name,
// an expiry and a last use, are listed and revoked by their owner and by
// admins (API and CLI) and end with a password change; Open311 takes the
// key from a header; a kiosk login gets a session-only cookie and its
// logout ends the session on the server; failed logins are throttled per
// account and address without locking the account out from elsewhere, and
// are audited; users change their own password, and one who must change it
// can do nothing else first; contact details go only to the roles that
// serve the enterprise.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import http from 'node:http';
import { adminServer, BIN, Client, cli, demoAdminPassword, DEMO_ADMIN_PASSWORD, freshDb, startServer } from './lib.mjs';

// ------------------------------------------------------------ helpers

const ALPHA = '0123456789ABCDEFGHJKLMNPQRTUWXY';
function orgCheck(b) {
  const W = [3, 7, 9, 10, 5, 8, 4, 2]; let s = 0;
  for (let i = 0; i < 8; i++) { const c = b[i]; s += (c >= '0' && c <= '9' ? Number(c) : c.charCodeAt(0) - 55) * W[i]; }
  const c = 11 - (s % 11); return c === 10 ? 'X' : c === 11 ? '0' : String(c);
}
function ccCheck(c17) {
  const W = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]; let s = 0;
  for (let i = 0; i < 17; i++) s += ALPHA.indexOf(c17[i]) * W[i];
  const c = 31 - (s % 31); return ALPHA[c === 31 ? 0 : c];
}
const makeCode = (n) => { const c16 = '91320691MA9' + String(n).padStart(5, '0'); const c17 = c16 + orgCheck(c16.slice(8)); return c17 + ccCheck(c17); };

function assertError(r, status, code, field) {
  assert.equal(r.status, status, r.text);
  if (code) assert.equal(r.json?.error?.code, code, r.text);
  if (field !== undefined) assert.equal(r.json.error.field, field, r.text);
}

// POST /api/v1/session from another loopback address (the throttle counts
// by the client's address).
function loginFrom(port, localAddress, body) {
  return new Promise((resolve, reject) => {
    const data = JSON.stringify(body);
    const req = http.request({ host: '127.0.0.1', port, path: '/api/v1/session', method: 'POST', localAddress,
      headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data) } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { text += d; });
      res.on('end', () => {
        let json = null;
        try { json = JSON.parse(text); } catch { /* not JSON */ }
        resolve({ status: res.statusCode, headers: res.headers, text, json });
      });
    });
    req.on('error', reject);
    req.end(data);
  });
}

// A CLI command with ZONEOPS_NOW set (a token made in the past).
function cliAt(now, db, args) {
  const r = spawnSync(BIN, [...args, '--db', db], { encoding: 'utf8', env: { ...process.env, ZONEOPS_NOW: now } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

let S, admin;
const users = {};   // username -> {id, password}

async function addUser(username, role, extra = {}) {
  const password = 'password-' + username;
  const r = await admin.post('/api/v1/users', { username, password, role, ...extra });
  assert.equal(r.status, 201, r.text);
  users[username] = { id: r.json.id, password };
  return users[username];
}

async function login(username, password = users[username].password) {
  const c = new Client(S.srv.url);
  const r = await c.login(username, password);
  assert.equal(r.status, 200, `login ${username}: ${r.text}`);
  c.me = r.json;
  return c;
}

before(async () => {
  S = await adminServer();
  admin = new Client(S.srv.url, S.token);
});
after(async () => { if (S) await S.close(); });

// ------------------------------------------------------------ API tokens

describe('API tokens', () => {
  test('a token has a name, an expiry and a last use; its owner lists and revokes it; revoked is 401', async () => {
    await addUser('alice', 'leader');
    await addUser('bob', 'statistician');
    const alice = await login('alice');
    const r = await alice.post('/api/v1/tokens', { name: 'nightly report', expires_in_days: 30 });
    assert.equal(r.status, 201, r.text);
    assert.match(r.json.token, /^zo_[0-9a-f]{64}$/);
    assert.equal(r.json.name, 'nightly report');
    assert.equal(r.json.user_id, users.alice.id);
    assert.equal(r.json.expires_at - r.json.created_at, 30 * 86400);
    assert.equal(r.json.last_used_at, null);
    const t = new Client(S.srv.url, r.json.token);
    assert.equal((await t.get('/api/v1/me')).json.username, 'alice');
    // listed with its last use, never with the secret
    const list = await alice.get('/api/v1/tokens');
    assert.equal(list.status, 200, list.text);
    const item = list.json.items.find((x) => x.id === r.json.id);
    assert.ok(item, list.text);
    assert.ok(item.last_used_at >= r.json.created_at, 'the use is recorded');
    assert.equal(item.expired, false);
    assert.ok(!list.text.includes(r.json.token));
    // the default life is 90 days, at most 365
    const d = await alice.post('/api/v1/tokens', {});
    assert.equal(d.json.expires_at - d.json.created_at, 90 * 86400);
    assertError(await alice.post('/api/v1/tokens', { expires_in_days: 366 }), 422, 'invalid', 'expires_in_days');
    assertError(await alice.post('/api/v1/tokens', { expires_in_days: 0 }), 422, 'invalid', 'expires_in_days');
    // another user neither lists nor revokes it; an admin does both
    const bob = await login('bob');
    assertError(await bob.get('/api/v1/tokens?user_id=' + users.alice.id), 403, 'forbidden');
    assertError(await bob.del('/api/v1/tokens/' + r.json.id), 404, 'not_found');
    assertError(await bob.post('/api/v1/tokens', { user_id: users.alice.id }), 403, 'forbidden_field');
    const seen = await admin.get('/api/v1/tokens?user_id=' + users.alice.id);
    assert.deepEqual(seen.json.items.map((x) => x.id).sort(), [r.json.id, d.json.id].sort());
    assert.equal((await admin.del('/api/v1/tokens/' + d.json.id)).status, 204);
    // the owner revokes: the token is 401 at once
    assert.equal((await alice.del('/api/v1/tokens/' + r.json.id)).status, 204);
    assertError(await t.get('/api/v1/me'), 401, 'unauthenticated');
    assert.equal((await alice.get('/api/v1/tokens')).json.items.length, 0);
    const audit = await admin.get('/api/v1/audit?entity=api_token');
    assert.ok(audit.json.items.some((x) => x.username === 'alice' && x.action === 'DELETE /api/v1/tokens/{id}'), audit.text);
  });

  test('an expired token is 401; the CLI creates with a life, lists and revokes', async () => {
    const old = cliAt('2020-01-01', S.db.url, ['token', 'create', '--user', 'alice', '--name', 'old', '--days', '1']);
    assert.equal(old.status, 0, old.stderr);
    assertError(await new Client(S.srv.url, old.stdout.trim()).get('/api/v1/me'), 401, 'unauthenticated');
    const made = cli(S.db.url, ['token', 'create', '--user', 'alice', '--name', 'ci', '--days', '7']);
    assert.equal(made.status, 0, made.stderr);
    const tok = made.stdout.trim();
    assert.equal((await new Client(S.srv.url, tok).get('/api/v1/me')).status, 200);
    const list = cli(S.db.url, ['token', 'list', '--user', 'alice']);
    assert.equal(list.status, 0, list.stderr);
    const line = list.stdout.split('\n').find((l) => / ci$/.test(l));
    assert.ok(line, list.stdout);
    assert.match(list.stdout, /old \(expired\)/);
    const id = line.trim().split(/\s+/)[0];
    const mine = await (await login('alice')).get('/api/v1/tokens');
    assert.equal(mine.json.items.find((x) => String(x.id) === id).expires_at - mine.json.items.find((x) => String(x.id) === id).created_at, 7 * 86400);
    const rev = cli(S.db.url, ['token', 'revoke', id]);
    assert.equal(rev.status, 0, rev.stderr);
    assertError(await new Client(S.srv.url, tok).get('/api/v1/me'), 401);
    assert.notEqual(cli(S.db.url, ['token', 'revoke', id]).status, 0, 'gone');
    assert.notEqual(cli(S.db.url, ['token', 'create', '--user', 'alice', '--days', '400']).status, 0);
  });

  test('Open311 takes the key from X-Api-Key or Authorization: Bearer, and still from api_key', async () => {
    const path = '/open311/v2/requests.json';
    const anon = new Client(S.srv.url);
    assert.equal((await anon.req('GET', path, undefined, { 'X-Api-Key': S.token })).status, 200);
    assert.equal((await anon.req('GET', path, undefined, { Authorization: 'Bearer ' + S.token })).status, 200);
    assert.equal((await anon.get(path + '?api_key=' + S.token)).status, 200);
    assert.equal((await anon.get(path)).status, 403);
    assert.equal((await anon.req('GET', path, undefined, { 'X-Api-Key': 'zo_' + '0'.repeat(64) })).status, 403);
  });
});

// ------------------------------------------------------------ passwords

describe('passwords', () => {
  test('changing one\'s own password ends the other sessions and revokes the tokens', async () => {
    await addUser('carl', 'officer');
    const c1 = await login('carl'), c2 = await login('carl');
    const tok = (await c1.post('/api/v1/tokens', { name: 'phone' })).json.token;
    const t = new Client(S.srv.url, tok);
    assert.equal((await t.get('/api/v1/me')).status, 200);
    assertError(await c1.post('/api/v1/me/password', { current: 'not-my-password', new: 'password-carl-2' }), 422, 'wrong_password', 'current');
    assertError(await c1.post('/api/v1/me/password', { current: users.carl.password, new: 'short' }), 422, 'invalid', 'new');
    assertError(await c1.post('/api/v1/me/password', { current: users.carl.password, new: users.carl.password }), 422, 'same_password', 'new');
    assertError(await c1.post('/api/v1/me/password', { current: users.carl.password }), 422, 'required', 'new');
    const ok = await c1.post('/api/v1/me/password', { current: users.carl.password, new: 'password-carl-2' });
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.json.must_change_password, false);
    assert.equal((await c1.get('/api/v1/me')).status, 200, 'the session that changed it stays');
    assertError(await c2.get('/api/v1/me'), 401, 'unauthenticated');
    assertError(await t.get('/api/v1/me'), 401, 'unauthenticated');
    assert.equal((await new Client(S.srv.url).login('carl', 'password-carl-2')).status, 200);
    const audit = await admin.get('/api/v1/audit?user=carl');
    assert.ok(audit.json.items.some((x) => x.action === 'password.change' && x.status === 200), audit.text);
    assert.ok(audit.json.items.some((x) => x.action === 'password.change_failed' && x.status === 422), audit.text);
    users.carl.password = 'password-carl-2';
  });

  test('a password set by an admin (API) or the CLI revokes the user\'s tokens too', async () => {
    const viaCli = cli(S.db.url, ['token', 'create', '--user', 'carl']).stdout.trim();
    const t = new Client(S.srv.url, viaCli);
    assert.equal((await t.get('/api/v1/me')).status, 200);
    const pw = cli(S.db.url, ['user', 'passwd', 'carl'], 'password-carl-3\n');
    assert.equal(pw.status, 0, pw.stderr);
    assertError(await t.get('/api/v1/me'), 401);
    const again = new Client(S.srv.url, cli(S.db.url, ['token', 'create', '--user', 'carl']).stdout.trim());
    assert.equal((await again.get('/api/v1/me')).status, 200);
    const p = await admin.patch('/api/v1/users/' + users.carl.id, { password: 'password-carl-4' });
    assert.equal(p.status, 200, p.text);
    assertError(await again.get('/api/v1/me'), 401);
    users.carl.password = 'password-carl-4';
  });

  test('a user who must change its password does nothing else first', async () => {
    const add = cli(S.db.url, ['user', 'add', 'dora', '--role', 'leader', '--must-change'], 'password-dora\n');
    assert.equal(add.status, 0, add.stderr);
    const c = new Client(S.srv.url);
    const r = await c.login('dora', 'password-dora');
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.must_change_password, true);
    assertError(await c.get('/api/v1/enterprises'), 403, 'password_change_required');
    assertError(await c.post('/api/v1/tokens', {}), 403, 'password_change_required');
    const tok = new Client(S.srv.url, cli(S.db.url, ['token', 'create', '--user', 'dora']).stdout.trim());
    assertError(await tok.get('/api/v1/enterprises'), 403, 'password_change_required');
    assert.equal((await c.get('/api/v1/me')).json.must_change_password, true);
    assert.equal((await c.get('/api/v1/settings')).status, 200, 'public routes stay public');
    const ok = await c.post('/api/v1/me/password', { current: 'password-dora', new: 'password-dora-2' });
    assert.equal(ok.status, 200, ok.text);
    assert.equal((await c.get('/api/v1/enterprises')).status, 200);
    assert.equal((await c.get('/api/v1/me')).json.must_change_password, false);
    // an admin sets the flag through the API too, and the users list shows it
    const u = await admin.patch('/api/v1/users/' + (await c.get('/api/v1/me')).json.id, { must_change_password: true });
    assert.equal(u.json.must_change_password, true);
    assertError(await c.get('/api/v1/enterprises'), 403, 'password_change_required');
    assert.equal((await c.del('/api/v1/session')).status, 204, 'logging out is allowed');
  });

  test('the demo admin must change the printed one-time password first', async () => {
    const db = freshDb();
    const srv = await startServer(db.url, ['--demo']);
    try {
      const m = /one-time password[^\n]*\n\s*\n\s*(\S+)/.exec(srv.output().stdout);
      assert.ok(m, srv.output().stdout);
      const c = new Client(srv.url);
      const r = await c.login('admin', m[1]);
      assert.equal(r.json.must_change_password, true);
      assertError(await c.get('/api/v1/summary'), 403, 'password_change_required');
      await c.del('/api/v1/session');
      assert.equal(await demoAdminPassword(srv), DEMO_ADMIN_PASSWORD);
      const d = new Client(srv.url);
      assert.equal((await d.login('admin', DEMO_ADMIN_PASSWORD)).json.must_change_password, false);
      assert.equal((await d.get('/api/v1/summary')).status, 200);
    } finally {
      const code = await srv.stop();
      db.cleanup();
      assert.equal(code, 0, srv.output().stderr.slice(-2000));
    }
  });
});

// ------------------------------------------------------------ kiosk and throttling

describe('kiosk sessions and login throttling', () => {
  let ent, code;
  before(async () => {
    code = makeCode(7001);
    const e = await admin.post('/api/v1/enterprises', { credit_code: code, name: '自助终端测试有限公司', contact_name: '周经理' });
    assert.equal(e.status, 201, e.text);
    ent = e.json.id;
    await addUser('ent.kiosk', 'enterprise', { enterprise_id: ent });
  });

  test('a kiosk login gets a session-only cookie; its logout ends the session on the server', async () => {
    const issued = await admin.post(`/api/v1/enterprises/${ent}/kiosk-code`, {});
    const k = new Client(S.srv.url);
    const r = await k.req('POST', '/api/v1/session', { credit_code: code, code: issued.json.code });
    assert.equal(r.status, 200, r.text);
    const sc = r.headers.get('set-cookie');
    assert.match(sc, /zo_session=[0-9a-f]{64}; Path=\/; HttpOnly; SameSite=Strict/);
    assert.doesNotMatch(sc, /Max-Age|Expires/i, 'a session-only cookie');
    const cookie = k.cookie;
    k.csrf = r.json.csrf_token;
    assert.equal(r.json.kiosk, true);
    assert.equal((await k.get('/api/v1/me')).json.kiosk, true);
    assert.equal((await k.del('/api/v1/session')).status, 204);
    // the same cookie again: gone on the server, not only in the browser
    const replay = new Client(S.srv.url);
    replay.cookie = cookie;
    assertError(await replay.get('/api/v1/me'), 401, 'unauthenticated');
    // the kiosk's password login is a kiosk session too; the portal's is not
    const p = await new Client(S.srv.url).req('POST', '/api/v1/session', { credit_code: code, password: users['ent.kiosk'].password, kiosk: true });
    assert.equal(p.status, 200, p.text);
    assert.doesNotMatch(p.headers.get('set-cookie'), /Max-Age|Expires/i);
    const q = await new Client(S.srv.url).req('POST', '/api/v1/session', { credit_code: code, password: users['ent.kiosk'].password });
    assert.match(q.headers.get('set-cookie'), /Max-Age=43200/);
    assert.equal(q.json.kiosk, false);
  });

  test('ten wrong passwords from one address do not lock the user out from another', async () => {
    await addUser('erin', 'statistician');
    const port = S.srv.port;
    for (let i = 1; i <= 10; i++)
      assertError(await loginFrom(port, '127.0.0.2', { username: 'erin', password: 'guess-' + i }), 401, 'invalid_credentials');
    const slow = await loginFrom(port, '127.0.0.2', { username: 'erin', password: users.erin.password });
    assertError(slow, 429, 'too_many_attempts');
    // the real user, elsewhere
    const real = await loginFrom(port, '127.0.0.3', { username: 'erin', password: users.erin.password });
    assert.equal(real.status, 200, real.text);
    assert.ok(Number(slow.headers['retry-after']) > 0, 'Retry-After');
    assert.equal(slow.json.error.params.retry_after, slow.headers['retry-after']);
    // every failure is in the audit log (the throttled attempt too)
    const audit = await admin.get('/api/v1/audit?user=erin&limit=100');
    const failed = audit.json.items.filter((x) => x.action === 'login.failed');
    assert.equal(failed.filter((x) => x.status === 401 && x.ip === '127.0.0.2').length, 10, audit.text);
    assert.equal(failed.filter((x) => x.status === 429).length, 1, audit.text);
    assert.equal(failed[0].entity_id, String(users.erin.id));
    assert.ok(audit.json.items.some((x) => x.action === 'session.login' && x.ip === '127.0.0.3'));
  });

  test('an enterprise\'s username and credit-code logins share one bucket', async () => {
    const port = S.srv.port;
    for (let i = 0; i < 5; i++)
      assertError(await loginFrom(port, '127.0.0.4', { username: 'ent.kiosk', password: 'guess-' + i }), 401);
    for (let i = 0; i < 5; i++)
      assertError(await loginFrom(port, '127.0.0.4', { credit_code: code, password: 'guess-' + i }), 401);
    assertError(await loginFrom(port, '127.0.0.4', { credit_code: code, code: '000000' }), 429, 'too_many_attempts');
    assertError(await loginFrom(port, '127.0.0.4', { username: 'ent.kiosk', password: users['ent.kiosk'].password }), 429);
    assert.equal((await loginFrom(port, '127.0.0.5', { username: 'ent.kiosk', password: users['ent.kiosk'].password })).status, 200);
    const audit = await admin.get('/api/v1/audit?user=' + code);
    assert.ok(audit.json.items.some((x) => x.action === 'login.failed' && x.entity_id === String(users['ent.kiosk'].id)), audit.text);
  });
});

// ------------------------------------------------------------ contact details

describe('contact details', () => {
  const ids = {};
  const as = {};
  before(async () => {
    const dept = await admin.post('/api/v1/departments', { name: '联系方式测试部门' });
    assert.equal(dept.status, 201, dept.text);
    const unit = (await admin.get('/api/v1/units')).json.items[0].id;
    await addUser('off.mine', 'officer');
    await addUser('off.other', 'officer');
    await addUser('dept.mine', 'department', { department_id: dept.json.id });
    await addUser('rec.c', 'recruiter', { unit_id: unit });
    await addUser('stat.c', 'statistician');
    await addUser('lead.c', 'leader');
    const mk = async (n, extra) => {
      const r = await admin.post('/api/v1/enterprises', { credit_code: makeCode(n), name: `联系方式测试${n}有限公司`,
        contact_name: `联系人${n}`, contact_phone: `0513-8000${n}`, ...extra });
      assert.equal(r.status, 201, r.text);
      return r.json.id;
    };
    ids.served = await mk(7101, { officer_id: users['off.mine'].id, department_id: dept.json.id });
    ids.other = await mk(7102, { officer_id: users['off.other'].id });
    for (const u of ['off.mine', 'dept.mine', 'rec.c', 'stat.c', 'lead.c'])
      as[u] = new Client(S.srv.url, cli(S.db.url, ['token', 'create', '--user', u]).stdout.trim());
  });

  const sees = async (who, id) => {
    const one = await as[who].get('/api/v1/enterprises/' + id);
    assert.equal(one.status, 200, one.text);
    const listed = (await as[who].get('/api/v1/enterprises?limit=1000')).json.items.find((x) => x.id === id);
    assert.equal('contact_name' in one.json, 'contact_name' in listed, `${who}: list and detail agree`);
    assert.equal('contact_name' in one.json, 'contact_phone' in one.json);
    return 'contact_name' in one.json ? one.json.contact_name : null;
  };
  const exported = async (who) => {
    const r = await as[who].get('/api/v1/enterprises/export?format=csv');
    assert.equal(r.status, 200, r.text);
    return r.text.replace(/^\uFEFF/, '').split('\r\n');
  };

  test('recruiters and statisticians get no contact name or phone, in the API or the export', async () => {
    for (const who of ['rec.c', 'stat.c']) {
      assert.equal(await sees(who, ids.served), null, who);
      assert.equal(await sees(who, ids.other), null, who);
      const lines = await exported(who);
      assert.doesNotMatch(lines[0], /联系人|联系电话/, `${who}: no contact columns`);
      assert.ok(!lines.join('\n').includes('0513-8000'), `${who}: no phone in the export`);
    }
  });

  test('the officer and the department of an enterprise see its contact; a leader sees all', async () => {
    assert.equal(await sees('off.mine', ids.served), '联系人7101');
    assert.equal(await sees('off.mine', ids.other), null);
    assert.equal(await sees('dept.mine', ids.served), '联系人7101');
    assert.equal(await sees('dept.mine', ids.other), null);
    assert.equal(await sees('lead.c', ids.other), '联系人7102');
    const lines = await exported('off.mine');
    assert.match(lines[0], /联系人,联系电话/);
    assert.ok(lines.some((l) => l.includes('联系人7101,0513-80007101')), 'its own enterprise filled');
    const other = lines.find((l) => l.includes('联系方式测试7102'));
    assert.ok(other && !other.includes('0513-80007102'), 'another officer\'s enterprise empty');
    assert.match((await exported('lead.c')).join('\n'), /联系人7102,0513-80007102/);
  });
});
