// End-to-end: the audit log says who did what to what -- each row carries
// the name of what it is about as it was then (label) and the acting
// user's display name, so that the page can say "李明 登录" and
// "修改企业 江苏恒太照明" instead of "session.login", "user #1", "200".
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { adminServer, Client } from './lib.mjs';

let env, admin;
before(async () => {
  env = await adminServer();
  admin = new Client(env.srv.url, env.token);
});
after(async () => { await env.close(); });

test('rows name what they are about and who acted', async () => {
  const u = await admin.post('/api/v1/users',
    { username: 'liming', display_name: '李明', role: 'leader', password: 'leader-password-1' });
  assert.equal(u.status, 201, u.text);
  const lm = new Client(env.srv.url);
  assert.equal((await lm.login('liming', 'leader-password-1')).status, 200);
  // 91320691MA1MXK3P7G: a valid credit code of the zone
  const e = await lm.post('/api/v1/enterprises', { credit_code: '91320691MA1MXK3P7G', name: '江苏恒太照明有限公司' });
  assert.equal(e.status, 201, e.text);
  const p = await lm.patch('/api/v1/enterprises/' + e.json.id, { name: '江苏恒太照明股份有限公司' });
  assert.equal(p.status, 200, p.text);

  const rows = (await admin.get('/api/v1/audit?user=liming&limit=20')).json.items;
  const login = rows.find((r) => r.action === 'session.login');
  assert.ok(login, JSON.stringify(rows));
  assert.equal(login.user_name, '李明');
  assert.equal(login.label, '李明');
  const edits = rows.filter((r) => r.entity === 'enterprise');
  assert.deepEqual(edits.map((r) => r.label).sort(), ['江苏恒太照明有限公司', '江苏恒太照明股份有限公司'].sort());
  const made = (await admin.get('/api/v1/audit?entity=user')).json.items.find((r) => r.action.startsWith('POST'));
  assert.equal(made.label, '李明');
});
