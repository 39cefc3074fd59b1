// End-to-end: the durable outbox of issue 13 against a local stand-in for
// WeCom, DingTalk, a webhook and SMTP (notify_receiver.mjs) on 127.0.0.1.
//   - one event, one message per channel (WeCom, DingTalk, webhook, e-mail
//     over STARTTLS), the DingTalk signature and the webhook HMAC verified;
//   - the receiver down for a while: the attempts fail and are recorded
//     (GET /api/v1/notifications: attempts, last_error); back up, every
//     message arrives, each once;
//   - a channel down for an hour with the default backoff (30 s base, 8
//     attempts), the clock moved with ZONEOPS_NOW: delivered on the 8th;
//   - kill -9 between the change and the delivery (ZONEOPS_NOTIFY=off, no
//     worker): after a restart the notice arrives once (a repeat would
//     carry the same event id);
//   - kill -9 between the send and its record (a receiver that holds its
//     answer): after a restart the receiver gets the same X-Zoneops-Event;
//   - dead letters after notify.max_attempts, and resend;
//   - two instances over one PostgreSQL: 200 events, each sent once;
//   - the clock (ZONEOPS_NOW): the 08:30 digest on working days only,
//     "due soon" and "overdue" on the working-day calendar.
// Every server gets notify.allowed_hosts=127.0.0.1 and (but for the hour's
// outage) notify.retry_base=1 (retries after 1, 2, 4 ... seconds), so
// nothing waits long; the clock's minute runs beside the other tests.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { spawn, spawnSync } from 'node:child_process';
import { BIN, STORE, Client, cli, freshDb, startServer } from './lib.mjs';
import { startReceiver } from './notify_receiver.mjs';

const DING_SECRET = 'SEC0123456789abcdef-e2e';
const HOOK_SECRET = 'webhook-hmac-key-e2e';
const PW = 'notify-password-1';
const CREDIT_CODE = '91320691MA1MXK3P7G';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Poll f() until it returns a truthy value; that value, or an error after timeout ms.
async function until(what, f, timeout = 30000, every = 100) {
  const t0 = Date.now();
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() - t0 > timeout) throw new Error(`timed out (${timeout} ms) waiting for ${what}`);
    await sleep(every);
  }
}

// Rows of a query on the store under test, each an array of strings.
function sql(dbUrl, stmt) {
  const r = STORE === 'postgresql'
    ? spawnSync('psql', [dbUrl, '-q', '-At', '-F', '|', '-v', 'ON_ERROR_STOP=1', '-c', stmt], { encoding: 'utf8' })
    : spawnSync('sqlite3', ['-cmd', '.timeout 10000', dbUrl.replace(/^sqlite:/, ''), stmt], { encoding: 'utf8' });
  assert.equal(r.status, 0, `${stmt}: ${r.stderr}`);
  return r.stdout.split('\n').filter((l) => l !== '').map((l) => l.split('|'));
}
const one = (dbUrl, stmt) => sql(dbUrl, stmt)[0][0];

// The CLI with more environment (ZONEOPS_NOW).
function cliEnv(dbUrl, args, env) {
  const r = spawnSync(BIN, [...args, '--db', dbUrl], { encoding: 'utf8', env: { ...process.env, ...env } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

// The same without blocking: the receiver in this process must answer while it runs.
function cliAsync(dbUrl, args, env) {
  return new Promise((resolve) => {
    const p = spawn(BIN, [...args, '--db', dbUrl], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let stdout = '', stderr = '';
    p.stdout.on('data', (d) => { stdout += d; });
    p.stderr.on('data', (d) => { stderr += d; });
    p.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

// ---------------------------------------------------------------- a world

// A fresh database with the notify settings, an admin (API token), an
// officer, an enterprise served by the officer and its enterprise account,
// and a server (env: its environment, e.g. ZONEOPS_NOW or ZONEOPS_NOTIFY).
async function world({ settings = {}, env = {} } = {}) {
  const db = freshDb();
  assert.equal(cli(db.url, ['user', 'add', 'admin', '--role', 'admin'], 'admin-password-1\n').status, 0);
  const token = cli(db.url, ['token', 'create', '--user', 'admin']).stdout.trim();
  const conf = { 'notify.allowed_hosts': '127.0.0.1', 'notify.retry_base': '1', ...settings };
  for (const [k, v] of Object.entries(conf)) {
    const r = cli(db.url, ['config', 'set', k, v]);
    assert.equal(r.status, 0, `config set ${k}: ${r.stderr}`);
  }
  const w = { db, token, servers: [] };
  w.start = async (e = env) => {
    const srv = await startServer(db.url, [], e);
    w.servers.push(srv);
    w.srv = srv;
    w.admin = new Client(srv.url, token);
    return srv;
  };
  w.close = async () => {
    const codes = [];
    for (const s of w.servers)
      if (s.proc.exitCode === null && s.proc.signalCode === null) codes.push([await s.stop(), s]);
    db.cleanup();
    for (const [code, s] of codes)   // a sanitizer report makes the server exit non-zero
      if (code !== 0) throw new Error(`server exited ${code}:\n${s.output().stderr.slice(-4000)}`);
  };
  await w.start();
  const admin = w.admin;
  let r = await admin.post('/api/v1/users', { username: 'officer.zhou', display_name: '周明', role: 'officer', password: PW });
  assert.equal(r.status, 201, r.text);
  w.officerId = r.json.id;
  r = await admin.post('/api/v1/enterprises', { credit_code: CREDIT_CODE, name: '南通通知测试有限公司', officer_id: w.officerId });
  assert.equal(r.status, 201, r.text);
  w.entId = r.json.id;
  r = await admin.post('/api/v1/users', { username: 'ent.notify', role: 'enterprise', enterprise_id: w.entId, password: PW });
  assert.equal(r.status, 201, r.text);
  return w;
}

// The enterprise account logged in on srv.
async function entClient(srv) {
  const c = new Client(srv.url);
  const r = await c.login('ent.notify', PW);
  assert.equal(r.status, 200, r.text);
  return c;
}

// A channel through the API; its id.
async function channel(admin, body) {
  const r = await admin.post('/api/v1/channels', body);
  assert.equal(r.status, 201, `POST /api/v1/channels ${JSON.stringify(body)}: ${r.text}`);
  assert.ok(r.json.id, r.text);
  return r.json.id;
}
const hookChannel = (w, rx, name, more = {}) => channel(w.admin, {
  kind: 'webhook', target: `${rx.url}/hook/${name}`, secret: HOOK_SECRET, user_id: w.officerId,
  events: ['request.submitted'], ...more });

// The enterprise submits a request (the event: request.submitted, to its officer).
async function submit(ent, title) {
  const r = await ent.post('/api/v1/requests', { category: 'other', title, description: '通知测试' });
  assert.equal(r.status, 201, r.text);
  return r.json.id;
}

// The outbox as the store has it: [{id, state, attempts, event}] (for waiting; the API is checked separately).
function outbox(w, where = '1=1') {
  return sql(w.db.url, `SELECT n.id, n.state, n.attempts, e.kind, e.id FROM notifications n
    JOIN notify_events e ON e.id = n.event_id WHERE ${where} ORDER BY n.id`)
    .map(([id, state, attempts, kind, event]) => ({ id: +id, state, attempts: +attempts, kind, event: +event }));
}
const allSent = (w, n, where) => () => {
  const rows = outbox(w, where);
  return rows.length >= n && rows.every((x) => x.state === 'sent') ? rows : null;
};

// GET /api/v1/notifications?...: its items.
async function notifications(admin, qs = '') {
  const r = await admin.get('/api/v1/notifications' + qs);
  assert.equal(r.status, 200, r.text);
  assert.ok(Array.isArray(r.json.items), r.text);
  return r.json.items;
}

// Messages at the receiver per event id.
function perEvent(msgs) {
  const m = new Map();
  for (const x of msgs) m.set(x.eventId, (m.get(x.eventId) || 0) + 1);
  return m;
}
const hooks = (rx, name) => rx.messages.filter((m) => m.channel === 'webhook' && m.dest === name);

// ---------------------------------------------------------------- tests

test('one event: one message per channel (WeCom, DingTalk, webhook, e-mail), signatures verified', async () => {
  const rx = await startReceiver({ dingSecret: DING_SECRET, webhookSecret: HOOK_SECRET, smtpUser: 'mailer', smtpPassword: 'mail-pw-1' });
  const w = await world({
    settings: { 'smtp.url': rx.smtpUrl, 'smtp.from': 'zoneops@zone.example', 'smtp.user': 'mailer', 'smtp.password': 'mail-pw-1' },
    env: { ZONEOPS_CA_FILE: rx.certFile },
  });
  try {
    await hookChannel(w, rx, 'officer');
    await channel(w.admin, { kind: 'dingtalk', target: `${rx.url}/robot/send?access_token=tok-officer`,
      secret: DING_SECRET, user_id: w.officerId, events: ['request.submitted'] });
    await channel(w.admin, { kind: 'wecom', target: `${rx.url}/cgi-bin/webhook/send?key=key-officer`,
      user_id: w.officerId, events: ['request.submitted'] });
    await channel(w.admin, { kind: 'email', target: 'officer.zhou@zone.example', user_id: w.officerId,
      events: ['request.submitted'] });
    // a channel of another user, and one of the officer's that does not take the kind: nothing for them
    await channel(w.admin, { kind: 'webhook', target: `${rx.url}/hook/admin`, user_id: 1, events: [] });
    await hookChannel(w, rx, 'officer-digest', { events: ['digest'] });
    // secrets are stored, never returned
    const list = await w.admin.get('/api/v1/channels');
    assert.equal(list.status, 200, list.text);
    assert.ok(!list.text.includes(HOOK_SECRET) && !list.text.includes(DING_SECRET), list.text);

    const ent = await entClient(w.srv);
    const title = '申请办理海关AEO认证的咨询';
    const reqId = await submit(ent, title);
    const rows = await until('the four notices sent', allSent(w, 4));
    assert.equal(rows.length, 4, JSON.stringify(rows));
    assert.ok(rows.every((x) => x.kind === 'request.submitted' && x.attempts === 1), JSON.stringify(rows));

    const hook = hooks(rx, 'officer');
    assert.equal(hook.length, 1, JSON.stringify(rx.messages.map((m) => [m.channel, m.dest, m.eventId])));
    assert.equal(hook[0].verified, true);
    assert.match(hook[0].eventId, /^zo-\d+$/);
    assert.equal(hook[0].json.event, 'request.submitted');
    assert.equal(hook[0].json.id, hook[0].eventId);
    assert.ok(JSON.stringify(hook[0].json).includes(title), hook[0].raw);
    assert.ok(String(hook[0].json.link || '').includes(String(reqId)), hook[0].raw);
    const ding = rx.messages.filter((m) => m.channel === 'dingtalk');
    assert.equal(ding.length, 1);
    assert.equal(ding[0].dest, 'tok-officer');
    assert.equal(ding[0].verified, true);
    assert.ok(ding[0].body.includes(title), ding[0].body);
    const wecom = rx.messages.filter((m) => m.channel === 'wecom');
    assert.equal(wecom.length, 1);
    assert.equal(wecom[0].dest, 'key-officer');
    assert.ok(wecom[0].body.includes(title), wecom[0].body);
    const mail = rx.messages.filter((m) => m.channel === 'email');
    assert.equal(mail.length, 1);
    assert.deepEqual(mail[0].to, ['officer.zhou@zone.example']);
    assert.equal(mail[0].verified, true);   // over STARTTLS, logged in
    assert.equal(mail[0].eventId, hook[0].eventId);   // one event, one id on every channel
    assert.ok(mail[0].title.includes(title) || mail[0].body.includes(title), mail[0].raw);
    assert.equal(rx.messages.length, 4, JSON.stringify(rx.messages.map((m) => [m.channel, m.dest])));
    assert.equal(rx.rejected.length, 0, JSON.stringify(rx.rejected));

    // the admins' outbox shows the four, sent
    const items = await notifications(w.admin, '?state=sent');
    assert.equal(items.length, 4, JSON.stringify(items));
  } finally {
    await rx.stop();
    await w.close();
  }
});

test('the receiver down for a while: attempts recorded with their error, then every message once', async () => {
  const rx = await startReceiver({ webhookSecret: HOOK_SECRET });
  const w = await world();
  try {
    await hookChannel(w, rx, 'officer');
    await rx.setDown(true);
    const ent = await entClient(w.srv);
    for (let i = 1; i <= 5; i++) await submit(ent, `接收方宕机期间的诉求 ${i}`);
    // each has failed at least twice (after 0 s and 1 s), with its error, and is still pending
    const failed = await until('5 notices that failed twice', async () => {
      const items = await notifications(w.admin);
      return items.length === 5 && items.every((it) => it.attempts >= 2 && it.state === 'pending') ? items : null;
    }, 30000, 200);
    for (const it of failed) {
      assert.ok(typeof it.last_error === 'string' && it.last_error.length > 0, JSON.stringify(it));
      assert.ok(!it.last_error.includes(HOOK_SECRET));
    }
    // one notice with every attempt: when, by which instance, the error
    const one1 = await w.admin.get(`/api/v1/notifications/${failed[0].id}`);
    assert.equal(one1.status, 200, one1.text);
    assert.ok(one1.json.history.length >= 2, one1.text);
    for (const a of one1.json.history) {
      assert.equal(a.ok, false, one1.text);
      assert.ok(a.error.length > 0 && a.instance.length > 0 && a.at > 0, one1.text);
    }
    assert.equal(rx.messages.length, 0);
    await rx.setDown(false);
    const rows = await until('all 5 sent', allSent(w, 5), 60000, 200);
    assert.equal(rows.length, 5);
    const per = perEvent(hooks(rx, 'officer'));
    assert.equal(per.size, 5, JSON.stringify([...per]));
    for (const [id, n] of per) assert.equal(n, 1, `event ${id} arrived ${n} times`);
    // every failed attempt is kept, the last one ok
    const bad = sql(w.db.url, `SELECT notification_id FROM notification_attempts GROUP BY notification_id
      HAVING sum(ok) <> 1 OR count(*) < 3`);
    assert.deepEqual(bad, []);
    const sent = await notifications(w.admin, '?state=sent');
    assert.equal(sent.length, 5);
    assert.ok(sent.every((it) => it.attempts >= 3), JSON.stringify(sent));
  } finally {
    await rx.stop();
    await w.close();
  }
});

test('kill -9 between the change and the delivery: the notice is delivered after the restart', async () => {
  const rx = await startReceiver({ webhookSecret: HOOK_SECRET });
  const w = await world();
  try {
    await hookChannel(w, rx, 'officer');
    await w.srv.stop();
    const srv = await w.start({ ZONEOPS_NOTIFY: 'off' });   // no worker: the notice stays in the outbox
    const ent = await entClient(srv);
    await submit(ent, '重启前提交的诉求');
    const pending = outbox(w);
    assert.equal(pending.length, 1, JSON.stringify(pending));
    assert.equal(pending[0].state, 'pending');
    await sleep(1500);   // a worker, if one ran, would have sent it by now
    assert.equal(rx.messages.length, 0);
    assert.equal(outbox(w)[0].state, 'pending');
    await srv.kill9();
    assert.equal(cli(w.db.url, ['check']).status, 0);
    await w.start({});
    await until('the notice sent', allSent(w, 1));
    await rx.waitFor(() => rx.unique.length >= 1);
    const hook = hooks(rx, 'officer');
    assert.ok(hook.length >= 1 && hook.length <= 2, `${hook.length} messages`);
    assert.equal(new Set(hook.map((m) => m.eventId)).size, 1);   // a repeat carries the same event id
    assert.equal(rx.unique.length, 1);
    assert.equal(hook[0].json.event, 'request.submitted');
  } finally {
    await rx.stop();
    await w.close();
  }
});

test('a channel down for an hour, with the default backoff: the clock moves, nothing is lost', async () => {
  // notify.retry_base 30 and notify.max_attempts 8 (the defaults): attempts after 0, 30 s, 1, 2, 4, 8
  // and 16 min fail; the eighth, 32 min later (63.5 min in), finds the channel back
  const rx = await startReceiver({ webhookSecret: HOOK_SECRET });
  const T = Date.parse('2026-03-03T10:00:00+08:00') / 1000;   // a Tuesday
  const w = await world({ settings: { 'notify.retry_base': '30' } });
  try {
    await hookChannel(w, rx, 'officer');
    await w.srv.stop();
    const srv = await w.start({ ZONEOPS_NOTIFY: 'off', ZONEOPS_NOW: new Date(T * 1000).toISOString() });
    await submit(await entClient(srv), '渠道中断一小时期间的诉求');
    await srv.stop();
    await rx.setDown(true);
    const row = () => sql(w.db.url, 'SELECT state, attempts, next_at FROM notifications')[0];
    const gaps = [];
    for (let i = 0; i < 10; i++) {
      const [state, attempts, nextAt] = row();
      if (state !== 'pending') break;
      const when = +nextAt;   // the worker's next look, with the clock there
      if (when - T >= 3600) await rx.setDown(false);   // an hour later the channel is back
      const d = await cliAsync(w.db.url, ['notify', 'deliver', '--once'], { ZONEOPS_NOW: new Date(when * 1000).toISOString() });
      assert.equal(d.status, 0, d.stderr);
      const [, after, next] = row();
      assert.equal(+after, +attempts + 1, `attempt ${+attempts + 1} made at ${when - T} s`);
      gaps.push(+next - when);
    }
    const [state, attempts] = row();
    assert.equal(state, 'sent');
    assert.equal(+attempts, 8);
    // the backoff: base * 2^(n-1) after the n-th failure (a second of slack for the CLI's start)
    const want = [30, 60, 120, 240, 480, 960, 1920];
    gaps.slice(0, 7).forEach((g, i) => assert.ok(g >= want[i] && g <= want[i] + 2, `gap ${i + 1}: ${g} s, want ${want[i]}`));
    const last = +one(w.db.url, 'SELECT max(at) FROM notification_attempts') - T;
    assert.ok(last >= 3600 && last < 3900, `sent ${last} s after the event`);
    assert.equal(hooks(rx, 'officer').length, 1);
    assert.equal(one(w.db.url, 'SELECT count(*) FROM notification_attempts WHERE ok = 0'), '7');
  } finally {
    await rx.stop();
    await w.close();
  }
});

// A webhook that holds its answer to the first request (until released) and answers the others.
function holdingReceiver() {
  const got = [];
  let held = null;
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (d) => chunks.push(d));
    req.on('end', () => {
      got.push({ eventId: req.headers['x-zoneops-event'], body: Buffer.concat(chunks).toString('utf8') });
      if (got.length === 1) { held = res; return; }
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('{"ok":true}');
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({
    got, url: `http://127.0.0.1:${server.address().port}`,
    stop: () => new Promise((r) => { if (held) held.destroy(); server.closeAllConnections(); server.close(() => r()); }),
  })));
}

test('kill -9 between the send and its record: the receiver gets the same event id again', async () => {
  const rx = await holdingReceiver();
  const w = await world();
  try {
    await channel(w.admin, { kind: 'webhook', target: `${rx.url}/hook/slow-answer`, user_id: w.officerId,
      events: ['request.submitted'] });
    const ent = await entClient(w.srv);
    await submit(ent, '发送中崩溃的诉求');
    await until('the send under way', () => rx.got.length >= 1);
    await w.srv.kill9();   // the receiver has the message, zoneops has no record of it
    const row = outbox(w)[0];
    assert.equal(row.state, 'sending', JSON.stringify(row));
    // restart with the clock an hour on, past any claim's lease
    const later = new Date(Date.now() + 3600e3).toISOString();
    await w.start({ ZONEOPS_NOW: later });
    await until('the notice sent', allSent(w, 1));
    assert.equal(rx.got.length, 2, JSON.stringify(rx.got));
    assert.match(rx.got[0].eventId, /^zo-\d+$/);
    assert.equal(rx.got[1].eventId, rx.got[0].eventId);   // a receiver that drops repeats keeps one
    assert.equal(new Set(rx.got.map((g) => g.eventId)).size, 1);
    const ok = sql(w.db.url, 'SELECT count(*), sum(ok) FROM notification_attempts');
    assert.deepEqual(ok[0].map(Number), [1, 1]);   // the lost attempt has no record; the resend has
  } finally {
    await rx.stop();
    await w.close();
  }
});

test('dead letters: dead after notify.max_attempts, delivered by resend', async () => {
  const rx = await startReceiver({ webhookSecret: HOOK_SECRET });
  const w = await world({ settings: { 'notify.max_attempts': '3' } });
  try {
    await hookChannel(w, rx, 'officer');
    rx.fail(1000);   // every answer a 500
    const ent = await entClient(w.srv);
    await submit(ent, '一直失败的通知');
    const dead = await until('the notice dead', async () => {
      const items = await notifications(w.admin, '?state=dead');
      return items.length === 1 ? items[0] : null;
    }, 30000, 200);
    assert.equal(dead.attempts, 3, JSON.stringify(dead));
    assert.match(dead.last_error, /500/, JSON.stringify(dead));
    assert.equal(rx.requests, 3);
    assert.equal(rx.messages.length, 0);
    await sleep(2500);   // dead is final: no fourth attempt
    assert.equal(rx.requests, 3);
    assert.equal(outbox(w)[0].state, 'dead');
    assert.equal(one(w.db.url, 'SELECT count(*) FROM notification_attempts WHERE ok = 0'), '3');

    rx.fail(0);
    const r = await w.admin.post(`/api/v1/notifications/${dead.id}/resend`);
    assert.equal(r.status, 200, r.text);
    await until('the notice sent', allSent(w, 1));
    await rx.waitFor(() => rx.messages.length >= 1);
    assert.equal(hooks(rx, 'officer').length, 1);
    assert.equal((await w.admin.post('/api/v1/notifications/999999/resend')).status, 404);
  } finally {
    await rx.stop();
    await w.close();
  }
});

test('two instances over one PostgreSQL: 200 events, each delivered once', { skip: STORE !== 'postgresql' && 'PostgreSQL only' }, async (t) => {
  const rx = await startReceiver({ webhookSecret: HOOK_SECRET });
  const w = await world();
  try {
    await hookChannel(w, rx, 'officer');
    const a = w.srv;
    const b = await w.start({});
    const ents = [await entClient(a), await entClient(b)];
    const N = 200;
    let next = 0;
    const workers = Array.from({ length: 8 }, async () => {
      for (let i; (i = next++) < N;) await submit(ents[i % 2], `双实例诉求 ${i + 1}`);
    });
    await Promise.all(workers);
    const rows = await until(`${N} notices sent`, allSent(w, N), 120000, 250);
    assert.equal(rows.length, N);
    assert.equal(new Set(rows.map((x) => x.event)).size, N);
    assert.ok(rows.every((x) => x.attempts === 1), JSON.stringify(rows.filter((x) => x.attempts !== 1)));
    const per = perEvent(hooks(rx, 'officer'));
    assert.equal(per.size, N);
    const twice = [...per].filter(([, n]) => n !== 1);
    assert.deepEqual(twice, []);
    assert.equal(rx.messages.length, N);
    const attempts = sql(w.db.url, 'SELECT notification_id, count(*), sum(ok) FROM notification_attempts GROUP BY notification_id');
    assert.equal(attempts.length, N);
    assert.ok(attempts.every(([, n, ok]) => n === '1' && ok === '1'), JSON.stringify(attempts.filter(([, n]) => n !== '1')));
    const by = sql(w.db.url, 'SELECT instance, count(*) FROM notification_attempts GROUP BY instance ORDER BY 1');
    t.diagnostic(`attempts per instance: ${JSON.stringify(by)}`);
  } finally {
    await rx.stop();
    await w.close();
  }
});

// ---------------------------------------------------------------- the clock
//
// A server started at 08:29:30 zone time on a working day must send the
// digest after 08:30 and not before; its worker scans at its start and then
// every minute, so this waits about a minute.  That minute runs beside the
// tests above: the server is started in before() and the last test checks it.

const DAY = 86400e3;
const fmt = (t) => new Date(t).toISOString().slice(0, 10);
const parse = (s) => Date.UTC(+s.slice(0, 4), +s.slice(5, 7) - 1, +s.slice(8, 10));
const zoneToday = () => fmt(Date.now() + 8 * 3600e3);   // China time, UTC+8 all year
const at = (day, hms) => `${day}T${hms}+08:00`;

// The test's calendar, from the Monday of the week after next: D a working
// day, H (Tuesday) a holiday, D2 (Wednesday) working, S (Saturday) a make-up
// working day, W (Sunday) a weekend day.
function clockDays() {
  let t = parse(zoneToday()) + 8 * DAY;
  while (new Date(t).getUTCDay() !== 1) t += DAY;
  const c = { D: fmt(t), H: fmt(t + DAY), D2: fmt(t + 2 * DAY), S: fmt(t + 5 * DAY), W: fmt(t + 6 * DAY) };
  const EX = new Map([[c.H, false], [c.S, true]]);
  c.isWork = (d) => (EX.has(d) ? EX.get(d) : ![0, 6].includes(new Date(parse(d)).getUTCDay()));
  c.nextWork = (d) => { let x = parse(d) + DAY; while (!c.isWork(fmt(x))) x += DAY; return fmt(x); };
  c.prevWork = (d) => { let x = parse(d) - DAY; while (!c.isWork(fmt(x))) x -= DAY; return fmt(x); };
  return c;
}

// The calendar and the channels on a server at the real time, then a server
// at D 08:29:30 with two requests: r1 waiting to be accepted, r2 accepted by
// a department.  {rx, w, c, t0, srv, r1, r2, due, deptId}
async function clockStart(k) {
  const c = k.c = clockDays();
  const rx = k.rx = await startReceiver({ webhookSecret: HOOK_SECRET });
  const w = k.w = await world();
  for (const year of new Set([c.D, c.W].map((d) => +d.slice(0, 4)))) {
    const days = [[c.H, false, '测试假日'], [c.S, true, '测试调休']].filter(([d]) => +d.slice(0, 4) === year)
      .map(([day, workday, note]) => ({ day, workday, note }));
    const r = await w.admin.req('PUT', `/api/v1/calendar/${year}`, { days, source: 'notify e2e' });
    assert.equal(r.status, 200, r.text);
  }
  let r = await w.admin.post('/api/v1/departments', { name: '通知测试局' });
  assert.equal(r.status, 201, r.text);
  k.deptId = r.json.id;
  await hookChannel(w, rx, 'officer', { events: [] });   // every kind
  await channel(w.admin, { kind: 'webhook', target: `${rx.url}/hook/dept`, secret: HOOK_SECRET,
    department_id: k.deptId, events: [] });
  await w.srv.stop();

  k.t0 = Date.now();
  k.srv = await w.start({ ZONEOPS_NOW: at(c.D, '08:29:30') });
  const ent = await entClient(k.srv);
  k.r1 = await submit(ent, '时钟测试：待受理的诉求');
  k.r2 = await submit(ent, '时钟测试：办理中的诉求');
  r = await w.admin.post(`/api/v1/requests/${k.r2}/transitions`, { action: 'accept', department_id: k.deptId });
  assert.equal(r.status, 200, r.text);
  return k;
}

const clock = {};
before(() => {
  clock.ready = clockStart(clock).then(() => null, (e) => e);   // awaited by the last test
});
after(async () => {
  await clock.ready;
  if (clock.rx) await clock.rx.stop();
  if (clock.w) await clock.w.close();
});

test('the clock: the 08:30 digest on working days only; due soon and overdue on the calendar', async () => {
  const e = await clock.ready;
  if (e) throw e;
  const { rx, w, c, t0, r1, r2 } = clock;
  const got = await w.admin.get(`/api/v1/requests/${r1}`);
  assert.equal(got.json.accept_due_on, c.D2, got.text);   // H is a holiday
  const due = (await w.admin.get(`/api/v1/requests/${r2}`)).json.due_on;
  assert.match(due, /^\d{4}-\d\d-\d\d$/);

  // the digest: not before 08:30 zone time (30 s after the start), and then soon
  const digests = () => rx.messages.filter((m) => m.channel === 'webhook' && m.json?.event === 'digest');
  await until('the 08:30 digest', () => digests().length > 0, 150000, 250);
  const first = Math.min(...digests().map((m) => m.at));
  assert.ok(first - t0 >= 30000, `a digest ${first - t0} ms after a start at 08:29:30`);
  await until('the digests of the officer and the department', () =>
    new Set(digests().map((m) => m.dest)).size === 2, 10000);
  await clock.srv.stop();

  // the scan through the clock, with the CLI
  const scan = (day, hms) => {
    const s = cliEnv(w.db.url, ['notify', 'scan'], { ZONEOPS_NOW: at(day, hms) });
    assert.equal(s.status, 0, s.stderr);
  };
  const digestsOn = (day) => +one(w.db.url, `SELECT count(*) FROM notify_events WHERE kind = 'digest'
    AND created_at >= ${Date.parse(at(day, '00:00:00')) / 1000} AND created_at < ${Date.parse(at(day, '23:59:59')) / 1000}`);
  assert.equal(digestsOn(c.D), 2, 'the officer\'s and the department\'s');
  scan(c.H, '08:31:00');
  assert.equal(digestsOn(c.H), 0, 'no digest on a holiday');
  // a minute before: the CLI's clock runs on from ZONEOPS_NOW, and under
  // the sanitizers on PostgreSQL its start took more than the 1 s that
  // 08:29:59 left it
  scan(c.D2, '08:29:00');
  assert.equal(digestsOn(c.D2), 0, 'no digest before 08:30');
  scan(c.D2, '08:30:05');
  assert.equal(digestsOn(c.D2), 2, 'the digests on a working day');
  scan(c.D2, '08:45:00');
  assert.equal(digestsOn(c.D2), 2, 'one digest a day');
  scan(c.W, '08:31:00');
  assert.equal(digestsOn(c.W), 0, 'no digest on a Sunday');
  scan(c.S, '08:31:00');
  assert.equal(digestsOn(c.S), 2, 'the digests on a make-up Saturday');

  // due soon: not two working days before, on the working day before; overdue the working day after
  const events = (kind, id) => +one(w.db.url, `SELECT count(*) FROM notify_events WHERE kind = '${kind}'
    AND entity_id = ${id}`);
  scan(c.prevWork(c.prevWork(due)), '09:00:00');
  assert.equal(events('request.due_soon', r2), 0, `due ${due}: not due soon two working days before`);
  scan(c.prevWork(due), '09:00:00');
  assert.equal(events('request.due_soon', r2), 1, `due ${due}: due soon the working day before`);
  scan(c.prevWork(due), '10:00:00');
  assert.equal(events('request.due_soon', r2), 1, 'once');
  scan(due, '18:00:00');
  assert.equal(events('request.overdue', r2), 0, 'not overdue on the day it is due');
  scan(c.nextWork(due), '09:00:00');
  assert.equal(events('request.overdue', r2), 1, 'overdue the working day after');
  // r1, not accepted by D2, is overdue for acceptance after it
  assert.ok(events('request.overdue', r1) >= 1, 'overdue for acceptance');

  // delivered through the clock: `zoneops notify deliver --once` at that time
  const d = await cliAsync(w.db.url, ['notify', 'deliver', '--once'], { ZONEOPS_NOW: at(c.nextWork(due), '09:01:00') });
  assert.equal(d.status, 0, d.stderr);
  assert.deepEqual(outbox(w).filter((x) => x.state !== 'sent'), []);
  const kinds = (name) => new Set(hooks(rx, name).map((m) => m.json?.event));
  for (const k of ['request.assigned', 'request.due_soon', 'request.overdue', 'digest'])
    assert.ok(kinds('dept').has(k), `${k} to the department: ${JSON.stringify([...kinds('dept')])}`);
  for (const k of ['request.submitted', 'request.overdue', 'digest'])
    assert.ok(kinds('officer').has(k), `${k} to the officer: ${JSON.stringify([...kinds('officer')])}`);
  const twice = [...perEvent(rx.messages.map((m) => ({ eventId: `${m.dest}|${m.eventId}` })))].filter(([, n]) => n > 1);
  assert.deepEqual(twice, [], 'every message once');
});
