/*
 * first-login.mjs -- the demo admin's first login, for scripts/test.sh:
 * `node tests/browser/first-login.mjs URL ONE_TIME_PASSWORD` logs in as
 * admin with the password `serve --demo` printed, changes it (the server
 * refuses everything else until then) and prints the new one for
 * ZONEOPS_ADMIN_PASSWORD.  Not a test file itself.
 */
import { Client, DEMO_ADMIN_PASSWORD } from '../e2e/lib.mjs';

const [url, once] = process.argv.slice(2);
if (!url || !once) {
  process.stderr.write('usage: node tests/browser/first-login.mjs URL ONE_TIME_PASSWORD\n');
  process.exit(2);
}
const c = new Client(url.replace(/\/+$/, ''));
const r = await c.login('admin', once);
if (r.status !== 200) {
  process.stderr.write(`login: ${r.status} ${r.text}\n`);
  process.exit(1);
}
const ch = await c.post('/api/v1/me/password', { current: once, new: DEMO_ADMIN_PASSWORD });
if (ch.status !== 200) {
  process.stderr.write(`password change: ${ch.status} ${ch.text}\n`);
  process.exit(1);
}
await c.del('/api/v1/session');
process.stdout.write(`${DEMO_ADMIN_PASSWORD}\n`);
