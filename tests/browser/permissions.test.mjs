/*
 * permissions.test.mjs -- the menu follows the route table: for a user of
 * each role of the demo, every menu entry leads to a page the server lets
 * it use.  The test opens each entry in turn and fails on any API answer
 * 403 while the page loads (its first call and the ones after), and checks
 * that the menu shows exactly the pages whose operations GET /api/v1/me
 * grants: a recruiter has no visits, requests or inspections, an officer
 * no inspections.
 *
 *   ZONEOPS_URL=http://127.0.0.1:PORT ZONEOPS_ADMIN_PASSWORD=… node --test tests/browser/
 *
 * Needs a --demo server (password demo-password for every demo account).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DEMO_PASSWORD, PASSWORD, skip, launch, shutdown, newPage, login, ready } from './lib.mjs';

before(async () => {
  if (!skip)
    await launch();
});
after(shutdown);

/* A demo account of each role, and the menu entries it must not see. */
const USERS = [
  { user: 'rec.ib.1', role: 'recruiter', never: ['visits', 'requests', 'inspections', 'meetings', 'users', 'audit', 'settings', 'calendar'] },
  { user: 'officer01', role: 'officer', never: ['inspections', 'leads', 'trips', 'users', 'audit', 'settings', 'calendar'] },
  { user: 'leader.ib', role: 'leader', never: ['users', 'audit', 'settings', 'calendar', 'my-enterprise', 'inbox'] },
  { user: 'dept.qfzx', role: 'department', never: ['overview', 'race', 'board', 'leads', 'trips', 'indicators', 'users'] },
  { user: 'stats', role: 'statistician', never: ['leads', 'trips', 'users', 'audit', 'settings', 'calendar'] },
  { user: 'ent.hengtai', role: 'enterprise', never: ['overview', 'enterprises', 'visits', 'inspections', 'meetings', 'users'] },
  { user: 'admin', role: 'admin', never: ['my-enterprise', 'inbox'] },
];

for (const { user, role, never } of USERS) {
  test(`${role} (${user}): every menu entry opens a page the server allows`, { skip }, async () => {
    const { context, page, problems } = await newPage();
    /* every API answer, by the page it came during */
    const answers = [];
    page.on('response', (r) => {
      if (/\/api\/v1\//.test(r.url()))
        answers.push({ hash: new URL(page.url()).hash, status: r.status(), what: `${r.request().method()} ${new URL(r.url()).pathname}` });
    });
    await login(page, problems, user, user === 'admin' ? PASSWORD : DEMO_PASSWORD);
    await page.locator('#view[data-ready="1"]').waitFor();
    const me = await page.evaluate(async () => (await fetch('/api/v1/me')).json());
    assert.equal(me.role, role);
    assert.ok(Array.isArray(me.permissions) && me.permissions.length > 0, '/me lists the permissions');

    const menu = await page.locator('.sidebar a.nav-link').evaluateAll((as) => as.map((a) => a.dataset.route));
    assert.ok(menu.length > 0, 'a menu');
    for (const id of never)
      assert.ok(!menu.includes(id), `${role} sees no "${id}" entry (menu: ${menu.join(', ')})`);

    for (const id of menu) {
      const start = answers.length;
      await page.click(`.sidebar a.nav-link[data-route="${id}"]`);
      await ready(page, id);
      const mine = answers.slice(start);
      const refused = mine.filter((a) => a.status === 403 || a.status === 401);
      assert.deepEqual(refused, [], `#/${id}: the page's API calls are allowed for ${role}`);
      assert.equal(await page.locator('#view .state-error').count(), 0, `#/${id}: no error panel for ${role}`);
      assert.notEqual((await page.locator('#view h1.page-title').first().textContent()).trim(), '无权访问',
        `#/${id}: not the "no permission" page`);
    }
    await context.close();
  });
}
