// End-to-end: the settings of the notices (issue 13) -- each is validated
// with an error that says what to write, and smtp.password is stored but
// never shown: not by GET /api/v1/settings (it answers "" and
// smtp.password_set), not in the audit log, not by `zoneops config`.  The
// mail server's settings are for admins only (the settings are public).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { adminServer, Client, cli } from './lib.mjs';

let S, admin;

before(async () => {
  S = await adminServer();
  admin = new Client(S.srv.url, S.token);
});
after(async () => { await S.close(); });

function assertInvalid(r, field, words) {
  assert.equal(r.status, 422, r.text);
  assert.equal(r.json.error.code, 'invalid');
  assert.equal(r.json.error.field, field);
  assert.match(r.json.error.message, words);
}

test('notify and smtp settings: defaults, and good values are kept', async () => {
  const s = (await admin.get('/api/v1/settings')).json;
  assert.equal(s['notify.max_attempts'], '8');
  assert.equal(s['notify.retry_base'], '30');
  assert.equal(s['notify.digest_time'], '08:30');
  assert.equal(s['notify.allowed_hosts'], 'qyapi.weixin.qq.com,oapi.dingtalk.com');
  assert.equal(s['smtp.password'], '');
  assert.equal(s['smtp.password_set'], false);
  const good = {
    'notify.max_attempts': '99', 'notify.retry_base': '3600', 'notify.digest_time': '23:59',
    'notify.base_url': 'https://zoneops.example.cn:8443/ops', 'notify.allowed_hosts': '127.0.0.1, qyapi.weixin.qq.com,::1',
    'smtp.url': 'smtps://[::1]:465', 'smtp.from': 'zoneops@example.cn', 'smtp.user': 'mailer',
  };
  const r = await admin.patch('/api/v1/settings', good);
  assert.equal(r.status, 200, r.text);
  for (const [k, v] of Object.entries(good)) assert.equal(r.json[k], v, k);
  // empty is allowed where it means "none"
  const e = await admin.patch('/api/v1/settings', { 'smtp.url': '', 'smtp.from': '', 'notify.allowed_hosts': '' });
  assert.equal(e.status, 200, e.text);
  assert.equal(e.json['smtp.url'], '');
});

test('notify and smtp settings: bad values are 422 invalid with what to write', async () => {
  const bad = [
    ['notify.max_attempts', '0', /1 to 99/], ['notify.max_attempts', '100', /1 to 99/], ['notify.max_attempts', 'x', /1 to 99/],
    ['notify.retry_base', '0', /1 to 3600/], ['notify.retry_base', '3601', /1 to 3600/], ['notify.retry_base', '-5', /1 to 3600/],
    ['notify.digest_time', '8:30', /HH:MM/], ['notify.digest_time', '24:00', /HH:MM/], ['notify.digest_time', '08:60', /HH:MM/],
    ['notify.base_url', 'ftp://x.cn', /http:\/\/ or https:\/\//], ['notify.base_url', 'https://', /http:\/\/ or https:\/\//],
    ['notify.base_url', '', /http:\/\/ or https:\/\//], ['notify.base_url', 'https://a b.cn', /http:\/\/ or https:\/\//],
    ['smtp.url', 'http://mail.example.cn', /smtp:\/\/host:587/], ['smtp.url', 'smtp://mail.example.cn:99999x', /smtp:\/\/host:587/],
    ['smtp.url', 'smtp://', /smtp:\/\/host:587/],
    ['notify.allowed_hosts', 'a.cn,,b.cn', /separated by commas/], ['notify.allowed_hosts', 'https://a.cn', /separated by commas/],
    ['notify.allowed_hosts', 'a.cn;b.cn', /separated by commas/],
    ['smtp.from', 'zoneops', /e-mail address/], ['smtp.from', 'Zone <z@example.cn>', /e-mail address/], ['smtp.from', 'a@b@c', /e-mail address/],
  ];
  for (const [k, v, words] of bad) assertInvalid(await admin.patch('/api/v1/settings', { [k]: v }), k, words);
  // nothing of it was stored
  const s = (await admin.get('/api/v1/settings')).json;
  assert.equal(s['notify.max_attempts'], '99');
  assert.equal(s['notify.digest_time'], '23:59');
});

test('smtp.password: stored, never shown by the API, the audit log or the CLI', async () => {
  const secret = 'hunter2-秘密';
  const r = await admin.patch('/api/v1/settings', { 'smtp.password': secret, 'smtp.user': 'mailer' });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json['smtp.password'], '');
  assert.equal(r.json['smtp.password_set'], true);
  assert.ok(!r.text.includes('hunter2'));
  const g = await admin.get('/api/v1/settings');
  assert.equal(g.json['smtp.password'], '');
  assert.equal(g.json['smtp.password_set'], true);
  assert.ok(!g.text.includes('hunter2'));
  // the audit log names the change, not the value
  const a = await admin.get('/api/v1/audit?limit=5');
  assert.equal(a.status, 200);
  const row = a.json.items.find((x) => x.entity === 'settings');
  assert.ok(row, JSON.stringify(a.json.items));
  assert.match(row.detail, /smtp\.password/);
  assert.ok(!JSON.stringify(a.json).includes('hunter2'), JSON.stringify(row));
  // the CLI: "(set)", and its own change is audited without the value
  assert.equal(cli(S.db.url, ['config', 'get', 'smtp.password']).stdout.trim(), '(set)');
  assert.match(cli(S.db.url, ['config', 'list']).stdout, /smtp\.password +\(set\)/);
  assert.equal(cli(S.db.url, ['config', 'set', 'smtp.password', 'other-hunter2']).status, 0);
  const b = await admin.get('/api/v1/audit?limit=5');
  assert.ok(!JSON.stringify(b.json).includes('hunter2'));
  // cleared
  const c = await admin.patch('/api/v1/settings', { 'smtp.password': '' });
  assert.equal(c.json['smtp.password_set'], false);
  assert.equal(cli(S.db.url, ['config', 'get', 'smtp.password']).stdout.trim(), '');
});

test('the mail server settings are for admins only: the public answer leaves them out', async () => {
  await admin.patch('/api/v1/settings', { 'smtp.url': 'smtp://mail.example.cn:587', 'smtp.password': 'hunter2' });
  for (const c of [new Client(S.srv.url)]) {
    const r = await c.get('/api/v1/settings');
    assert.equal(r.status, 200);
    assert.equal(r.json.zone_name, '经济技术开发区');
    for (const k of Object.keys(r.json)) assert.ok(!k.startsWith('smtp.'), k);
    assert.ok(!r.text.includes('mail.example.cn'));
  }
  cli(S.db.url, ['user', 'add', 'stat9', '--role', 'statistician'], 'stat9-password\n');
  const tok = cli(S.db.url, ['token', 'create', '--user', 'stat9']).stdout.trim();
  const r = await new Client(S.srv.url, tok).get('/api/v1/settings');
  assert.equal(r.status, 200);
  assert.ok(!('smtp.url' in r.json) && !('smtp.password_set' in r.json));
  assert.equal(r.json['notify.digest_time'], '23:59');
});
