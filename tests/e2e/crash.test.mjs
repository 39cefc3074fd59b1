// End-to-end: kill -9 the server while clients write; every write that was
// answered 2xx is there after a restart, and the database is intact.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { freshDb, cli, startServer, Client } from './lib.mjs';

test('kill -9 during writes loses no acknowledged write', async () => {
  const db = freshDb();
  assert.equal(cli(db.url, ['user', 'add', 'admin', '--role', 'admin'], 'admin-password-1\n').status, 0);
  const token = cli(db.url, ['token', 'create', '--user', 'admin']).stdout.trim();
  let srv = await startServer(db.url);
  const c = new Client(srv.url, token);
  const acked = [];
  let stop = false;
  const writer = async (w) => {
    for (let i = 0; !stop && i < 100000; i++) {
      const name = `崩溃测试-${w}-${i}`;
      try {
        const r = await c.req('POST', '/api/v1/departments', { name });
        if (r.status === 201) acked.push(name);
      } catch { return; }  // connection refused or reset once killed
    }
  };
  const writers = [0, 1, 2, 3].map(writer);
  await new Promise(r => setTimeout(r, 1500));
  await srv.kill9();
  stop = true;
  await Promise.all(writers);
  assert.ok(acked.length > 10, `only ${acked.length} writes acknowledged`);
  const chk = cli(db.url, ['check']);
  assert.equal(chk.status, 0, chk.stderr);
  srv = await startServer(db.url);
  const list = await new Client(srv.url, token).get('/api/v1/departments');
  const names = new Set(list.json.items.map(d => d.name));
  const lost = acked.filter(n => !names.has(n));
  assert.deepEqual(lost, []);
  // each stored department has its audit row: they commit together
  const audit = await new Client(srv.url, token).get('/api/v1/audit?entity=department&limit=1');
  assert.equal(audit.json.total, list.json.total);
  await srv.stop();
  db.cleanup();
});
