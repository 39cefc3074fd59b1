// End-to-end: the HTTP server's part of the hardening issue.  Nothing an
// anonymous client sends costs memory (refused at the head, before the
// body), bodies have a deadline, a declared oversize body is refused at
// once, large uploads are capped in number and go to a file, framing shapes
// the library lets through are refused, X-Forwarded-For counts only from a
// trusted proxy, /metrics is for admins (or on its own address), refusals
// are audited, --secure-cookies sends HSTS, and SIGTERM ends the server
// within seconds whatever runs.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { adminServer, startServer, freshDb, cli, Client, rawHttp, statusOf, bodyOf, demoAdminPassword } from './lib.mjs';

const sleep = ms => new Promise(r => setTimeout(r, ms));

function status(pid) {
  const s = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = k => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(s)[1]);
  return { rss: kb('VmRSS') / 1024, hwm: kb('VmHWM') / 1024 };
}

// Send head, then up to `total` body bytes as fast as the socket takes
// them, until the server answers; resolves {status, sent, raw, ms}.
function upload(port, head, total, { chunk = 64 * 1024, rate = 0 } = {}) {
  return new Promise(resolve => {
    const t0 = Date.now();
    const s = net.connect(port, '127.0.0.1');
    const piece = Buffer.alloc(rate ? 1 : chunk, 0x61);
    let sent = 0, raw = '', done = false, answered = -1, timer = null;
    const finish = () => {
      if (done) return;
      done = true;
      clearInterval(timer);
      s.destroy();
      resolve({ status: statusOf(raw), sent: answered >= 0 ? answered : sent, raw, ms: Date.now() - t0 });
    };
    // the bytes sent when the answer began; then stop sending, read the rest
    s.on('data', d => {
      if (answered < 0) answered = sent;
      raw += d;
      if (raw.includes('\r\n\r\n')) setTimeout(finish, 50);
    });
    s.on('error', finish);
    s.on('close', finish);
    s.on('connect', () => {
      s.write(head);
      if (rate) {   // `rate` bytes a second, one at a time
        timer = setInterval(() => { if (!done && sent < total) { s.write(piece); sent++; } }, 1000 / rate);
        return;
      }
      const pump = () => {
        while (!done && answered < 0 && sent < total) {
          sent += piece.length;
          if (!s.write(piece)) { s.once('drain', pump); return; }
        }
      };
      pump();
    });
    setTimeout(finish, 90000);
  });
}

const head = (path, len, extra = '') =>
  `POST ${path} HTTP/1.1\r\nHost: a\r\n${extra}Content-Type: text/csv\r\nContent-Length: ${len}\r\n\r\n`;

describe('unauthenticated bodies', () => {
  let S;
  before(async () => { S = await adminServer(['--body-timeout', '60']); });
  after(async () => { await S.close(); });

  test('8 anonymous 64 MiB uploads get 401 before the body is read, and RSS stays flat', async () => {
    const pid = S.srv.proc.pid;
    await fetch(S.srv.url + '/healthz');
    const before0 = status(pid);
    const total = 64 << 20;
    const rs = await Promise.all(Array.from({ length: 8 }, () =>
      upload(S.srv.port, head('/api/v1/enterprises/import', total), total)));
    const after0 = status(pid);
    for (const r of rs) {
      assert.equal(r.status, 401, r.raw.slice(0, 300));
      assert.equal(bodyOf(r.raw).error.code, 'unauthenticated');
      // socket buffers take some megabytes before the answer arrives
      assert.ok(r.sent < total / 2, `the answer came after ${r.sent} of ${total} bytes`);
    }
    assert.ok(after0.hwm - before0.hwm < 20, `peak RSS grew from ${before0.hwm} to ${after0.hwm} MiB`);
    // the server still answers
    assert.equal((await fetch(S.srv.url + '/healthz')).status, 200);
  });

  test('a declared body over the route\'s limit is 413 at once, whoever asks', async () => {
    // the login route takes 4 KiB; 10 MiB declared, nothing sent
    const t0 = Date.now();
    const raw = await rawHttp(S.srv.port, head('/api/v1/session', 10 << 20), 5000);
    assert.equal(statusOf(raw), 413, raw);
    assert.ok(Date.now() - t0 < 2000, `answered after ${Date.now() - t0} ms`);
    // an admin on the enterprise import (64 MiB) declaring 65 MiB
    const r = await upload(S.srv.port, head('/api/v1/enterprises/import', 65 << 20, `Authorization: Bearer ${S.token}\r\n`), 65 << 20);
    assert.equal(r.status, 413, r.raw.slice(0, 300));
    assert.ok(r.sent < 16 << 20, `the answer came after ${r.sent} bytes`);
    // anonymous on the same route: the server's default limit, then 401
    const a = await rawHttp(S.srv.port, head('/api/v1/enterprises/import', 2 << 20), 3000);
    assert.equal(statusOf(a), 401, a);
  });

  test('an admitted upload above the spool threshold arrives through a file and imports', async () => {
    const gen = spawnSync('node', ['bench/gen.mjs', '--enterprises', '9000', '--seed', '3'], { encoding: 'utf8', maxBuffer: 64 << 20 });
    assert.equal(gen.status, 0, gen.stderr);
    const csv = Buffer.from(gen.stdout);
    assert.ok(csv.length > 1 << 20, `${csv.length} bytes`);
    const pid = S.srv.proc.pid;
    const c = new Client(S.srv.url, S.token);
    const r = await c.req('POST', '/api/v1/enterprises/import?filename=big.csv&dry_run=true', csv, { 'Content-Type': 'text/csv' });
    assert.equal(r.status, 202, r.text);
    let job;
    for (let i = 0; i < 300; i++) {
      job = (await c.get(r.json.url)).json;
      if (job.status === 'done' || job.status === 'failed') break;
      await sleep(100);
    }
    assert.equal(job.status, 'done', JSON.stringify(job).slice(0, 500));
    assert.equal(job.report.total_rows, 9000);
    assert.ok(status(pid).rss < 200, 'RSS ' + status(pid).rss);
  });
});

describe('upload slots and body deadlines', () => {
  let S, leaderToken;
  before(async () => {
    S = await adminServer(['--max-uploads', '2', '--max-uploads-per-user', '1', '--body-timeout', '3']);
    assert.equal(cli(S.db.url, ['user', 'add', 'lead1', '--role', 'leader'], 'leader-password-1\n').status, 0);
    assert.equal(cli(S.db.url, ['user', 'add', 'lead2', '--role', 'leader'], 'leader-password-1\n').status, 0);
    leaderToken = n => cli(S.db.url, ['token', 'create', '--user', `lead${n}`]).stdout.trim();
  });
  after(async () => { await S.close(); });

  test('uploads are capped per caller (429) and in all (503), before the body', async () => {
    const big = 8 << 20;
    const auth = t => `Authorization: Bearer ${t}\r\n`;
    // one upload of the admin's under way (a slow body holds its slot)
    const slow = net.connect(S.srv.port, '127.0.0.1');
    slow.on('error', () => {});
    await new Promise(r => slow.once('connect', r));
    slow.write(head('/api/v1/enterprises/import', big, auth(S.token)) + 'credit_code,name\n');
    await sleep(300);
    const second = await rawHttp(S.srv.port, head('/api/v1/enterprises/import', big, auth(S.token)), 3000);
    assert.equal(statusOf(second), 429, second);
    assert.equal(bodyOf(second).error.code, 'too_many_uploads');
    assert.match(second, /Retry-After: \d+/i);
    // another caller still gets a slot; a third finds none left
    const t1 = leaderToken(1), t2 = leaderToken(2);
    const other = net.connect(S.srv.port, '127.0.0.1');
    other.on('error', () => {});
    await new Promise(r => other.once('connect', r));
    other.write(head('/api/v1/enterprises/import', big, auth(t1)) + 'x');
    await sleep(300);
    const third = await rawHttp(S.srv.port, head('/api/v1/enterprises/import', big, auth(t2)), 3000);
    assert.equal(statusOf(third), 503, third);
    slow.destroy();
    other.destroy();
  });

  test('a body that takes longer than --body-timeout is answered 408 and closed', async () => {
    const r = await upload(S.srv.port, head('/api/v1/session', 1000), 1000, { rate: 20 });
    assert.equal(r.status, 408, r.raw);
    assert.equal(bodyOf(r.raw).error.code, 'body_timeout');
    assert.ok(r.ms < 5500, `after ${r.ms} ms`);
  });
});

describe('the minimum body rate', () => {
  let S;
  before(async () => { S = await adminServer(['--body-timeout', '60', '--body-min-rate', '1024']); });
  after(async () => { await S.close(); });

  test('a body slower than --body-min-rate after the grace period is answered 408', async () => {
    const r = await upload(S.srv.port, head('/api/v1/session', 4000), 4000, { rate: 50 });
    assert.equal(r.status, 408, r.raw);
    assert.ok(r.ms > 4500 && r.ms < 8000, `after ${r.ms} ms`);
  });
});

describe('framing', () => {
  let S;
  before(async () => { S = await adminServer(); });
  after(async () => { await S.close(); });

  const P = 'POST /api/v1/session HTTP/1.1\r\nHost: a\r\n';
  const body = '{"username":"admin","password":"x"}';
  const chunked = body.length.toString(16) + '\r\n' + body + '\r\n0\r\n\r\n';
  const shapes = [
    ['Transfer-Encoding: chunked, identity', P + 'Transfer-Encoding: chunked, identity\r\n\r\n' + chunked],
    ['Transfer-Encoding: identity, chunked', P + 'Transfer-Encoding: identity, chunked\r\n\r\n' + chunked],
    ['Transfer-Encoding: xchunked', P + 'Transfer-Encoding: xchunked\r\n\r\n' + chunked],
    ['Transfer-Encoding: identity', P + 'Transfer-Encoding: identity\r\n\r\n' + chunked],
    ['two Transfer-Encoding headers', P + 'Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n' + chunked],
    ['a space before the colon', P + 'Transfer-Encoding : chunked\r\n\r\n' + chunked],
    ['a tab before the colon', P + 'Transfer-Encoding\t: chunked\r\n\r\n' + chunked],
    ['a folded Transfer-Encoding', P + 'Transfer-Encoding:\r\n chunked\r\n\r\n' + chunked],
    ['a folded header', 'GET /healthz HTTP/1.1\r\nHost: a\r\nX-A: a\r\n b\r\n\r\n'],
    ['bare LF line ends', 'GET /healthz HTTP/1.1\nHost: a\nX-A: b\n\n'],
    ['one bare LF', 'GET /healthz HTTP/1.1\r\nHost: a\nX-A: b\r\n\r\n'],
    ['a NUL in a header value', 'GET /healthz HTTP/1.1\r\nHost: a\r\nX-A: ab\x00cd\r\n\r\n'],
    ['a NUL at the end of the last value', 'GET /healthz HTTP/1.1\r\nHost: a\r\nX-A: ab\x00\r\n\r\n'],
    ['a NUL in the Transfer-Encoding', P + 'Transfer-Encoding: chunked\x00x\r\n\r\n' + chunked],
    ['a NUL in the request line', 'GET /healthz\x00x HTTP/1.1\r\nHost: a\r\n\r\n'],
    ['a NUL in the query', 'GET /healthz?a=b\x00c HTTP/1.1\r\nHost: a\r\n\r\n'],
  ];
  for (const [name, req] of shapes) {
    test(`400 for ${name}`, async () => {
      const raw = await rawHttp(S.srv.port, Buffer.from(req, 'latin1'), 2500);
      assert.equal(statusOf(raw), 400, JSON.stringify(raw.slice(0, 300)));
      assert.match(bodyOf(raw)?.error?.code ?? '', /^bad_(framing|header)$/, raw);
    });
  }

  test('500 query arguments: 414 at once', async () => {
    const q = Array.from({ length: 500 }, (_, i) => `a${i}=1`).join('&');
    const raw = await rawHttp(S.srv.port, `GET /healthz?${q} HTTP/1.1\r\nHost: a\r\n\r\n`, 2500);
    assert.equal(statusOf(raw), 414, raw.slice(0, 200));
    assert.equal(bodyOf(raw).error.code, 'too_many_parameters');
    // 100 are fine
    const ok = Array.from({ length: 100 }, (_, i) => `a${i}=1`).join('&');
    assert.equal(statusOf(await rawHttp(S.srv.port, `GET /healthz?${ok} HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n`)), 200);
  });

  test('well-formed heads still pass: empty values, tabs, no space after the colon, cookies, keep-alive', async () => {
    const raw = await rawHttp(S.srv.port, 'GET /healthz HTTP/1.1\r\nHost:a\r\nX-E:\r\nX-F: \r\nX-T:\tt  \r\n'
      + 'Cookie: a=b; zo_session=x\r\nTransfer-Encoding: CHUNKED\r\n\r\n0\r\n\r\nGET /healthz HTTP/1.0\r\n\r\n', 1500);
    assert.equal((raw.match(/HTTP\/1\.1 200/g) || []).length, 2, raw);
  });
});

// The audit rows of refusals, newest first.
async function refusals(S, q = '') {
  const r = await new Client(S.srv.url, S.token).get('/api/v1/audit?limit=50' + q);
  assert.equal(r.status, 200, r.text);
  return r.json.items.filter(i => i.status === 401 || i.status === 403);
}

describe('client address behind a trusted proxy', () => {
  test('without --trusted-proxy, X-Forwarded-For is ignored', async () => {
    const S = await adminServer();
    try {
      const r = await fetch(S.srv.url + '/api/v1/users', { headers: { 'X-Forwarded-For': '203.0.113.9' } });
      assert.equal(r.status, 401);
      const rows = await refusals(S);
      assert.equal(rows[0].ip, '127.0.0.1');
    } finally { await S.close(); }
  });

  test('with --trusted-proxy, the right-most address that is not a trusted proxy', async () => {
    const S = await adminServer(['--trusted-proxy', '127.0.0.0/8', '--trusted-proxy', '10.1.0.0/16']);
    try {
      let r = await fetch(S.srv.url + '/api/v1/users', { headers: { 'X-Forwarded-For': '198.51.100.1, 203.0.113.9, 10.1.2.3' } });
      assert.equal(r.status, 401);
      r = await fetch(S.srv.url + '/api/v1/users', { headers: { 'X-Forwarded-For': '2001:db8::7' } });
      assert.equal(r.status, 401);
      const rows = await refusals(S);
      assert.equal(rows[0].ip, '2001:db8::7');
      assert.equal(rows[1].ip, '203.0.113.9');
    } finally { await S.close(); }
  });

  test('a bad --trusted-proxy is refused at start', () => {
    const db = freshDb();
    const r = cli(db.url, ['serve', '--trusted-proxy', '10.0.0.0/99', '--listen', '127.0.0.1:0']);
    db.cleanup();
    assert.equal(r.status, 2);
    assert.match(r.stderr, /trusted-proxy/);
  });
});

describe('/metrics, refusal audit, HSTS', () => {
  let S;
  before(async () => { S = await adminServer(['--metrics-listen', '127.0.0.1:0', '--secure-cookies']); });
  after(async () => { await S.close(); });

  test('/metrics is 401 anonymous, 200 for an admin, and served alone on --metrics-listen', async () => {
    assert.equal((await fetch(S.srv.url + '/metrics')).status, 401);
    const r = await new Client(S.srv.url, S.token).get('/metrics');
    assert.equal(r.status, 200);
    assert.match(r.text, /zoneops_http_requests_total/);
    const m = /metrics on http:\/\/127\.0\.0\.1:(\d+)\/metrics/.exec(S.srv.output().stderr);
    assert.ok(m, S.srv.output().stderr);
    const mr = await fetch(`http://127.0.0.1:${m[1]}/metrics`);
    assert.equal(mr.status, 200);
    assert.match(await mr.text(), /zoneops_http_request_duration_seconds/);
    assert.equal((await fetch(`http://127.0.0.1:${m[1]}/api/v1/me`)).status, 404);
  });

  test('401 and 403 answers are written to the audit log with the caller, address and route', async () => {
    assert.equal(cli(S.db.url, ['user', 'add', 'stat1', '--role', 'statistician'], 'stat-password-1\n').status, 0);
    const anon = await fetch(S.srv.url + '/api/v1/users/7');
    assert.equal(anon.status, 401);
    const stat = new Client(S.srv.url);
    assert.equal((await stat.login('stat1', 'stat-password-1')).status, 200);
    assert.equal((await stat.get('/api/v1/audit')).status, 403);
    // a cookie write without the CSRF token
    assert.equal((await stat.req('POST', '/api/v1/regions', { name: 'x' })).status, 403);
    const rows = await refusals(S);
    const [csrf, forbidden, unauth] = rows;
    assert.equal(csrf.username, 'stat1');
    assert.equal(csrf.action, 'POST /api/v1/regions');
    assert.match(csrf.detail, /csrf_failed/);
    assert.equal(forbidden.status, 403);
    assert.equal(forbidden.action, 'GET /api/v1/audit');
    assert.match(forbidden.detail, /forbidden/);
    assert.equal(unauth.status, 401);
    assert.equal(unauth.action, 'GET /api/v1/users/{id}');
    assert.equal(unauth.entity_id, '7');
    assert.equal(unauth.ip, '127.0.0.1');
    assert.equal(unauth.username, '(anonymous)');
    assert.equal(unauth.user_id, null);
    assert.match(unauth.detail, /^unauthenticated: GET \/api\/v1\/users\/7/);
  });

  test('refusal rows are capped per address and minute', async () => {
    for (let i = 0; i < 70; i++)
      assert.equal((await fetch(S.srv.url + '/api/v1/users')).status, 401);
    const r = await new Client(S.srv.url, S.token).get('/api/v1/audit?limit=200');
    const rows = r.json.items.filter(x => x.status === 401 && x.action === 'GET /api/v1/users');
    // 30 a minute: at most two minutes' worth, and the last row says so
    assert.ok(rows.length >= 20 && rows.length <= 60, `${rows.length} rows`);
    assert.ok(rows.some(x => /not logged/.test(x.detail)), JSON.stringify(rows[0]));
  });

  test('--secure-cookies sends Strict-Transport-Security', async () => {
    const r = await fetch(S.srv.url + '/healthz');
    assert.equal(r.headers.get('strict-transport-security'), 'max-age=31536000');
  });
});

describe('SIGTERM', () => {
  // the demo's admin, its printed password changed on the first start
  const pws = new Map();
  async function demoServer(db) {
    const srv = await startServer(db.url, ['--demo']);
    if (!pws.has(db.url)) pws.set(db.url, await demoAdminPassword(srv));
    const admin = new Client(srv.url);
    assert.equal((await admin.login('admin', pws.get(db.url))).status, 200);
    return { srv, admin };
  }

  async function stopTimed(srv) {
    const t0 = Date.now();
    await Promise.race([srv.stop(), sleep(15000)]);
    const ms = Date.now() - t0;
    if (srv.proc.exitCode === null && srv.proc.signalCode === null) await srv.kill9();
    return ms;
  }

  test('a long synchronous import does not keep the server alive; nothing of it is written', async () => {
    const db = freshDb();
    let srv, admin;
    try {
      ({ srv, admin } = await demoServer(db));
      let csv = 'unit,recruiter,company,est_investment,captured_on\n';
      // one company claimed 16,000 times: the duplicate check makes it long
      for (let i = 0; i < 16000; i++) csv += 'ib,rec.ib.1,停机测试企业,1,2024-03-05\n';
      const pending = admin.req('POST', '/api/v1/race/import?kind=leads', csv,
        { 'Content-Type': 'text/csv', 'X-CSRF-Token': admin.csrf }).catch(e => ({ error: e }));
      await sleep(1500);
      const ms = await stopTimed(srv);
      await pending;
      assert.ok(ms < 5000, `the server took ${ms} ms to stop`);
      ({ srv, admin } = await demoServer(db));
      const r = await admin.get('/api/v1/leads?limit=1&q=' + encodeURIComponent('停机测试企业'));
      assert.equal(r.json.total, 0);
      await srv.stop();
    } finally {
      if (srv && srv.proc.exitCode === null && srv.proc.signalCode === null) await srv.kill9();
      db.cleanup();
    }
  });

  test('a running import job does not keep the server alive; a mode-all job leaves nothing', async () => {
    const db = freshDb();
    let srv, admin;
    try {
      // (generated first: a kept-alive connection idle longer than the
      // header deadline is closed by the server)
      const gen = spawnSync('node', ['bench/gen.mjs', '--enterprises', '150000', '--seed', '5', '--key-share', '0'], { encoding: 'utf8', maxBuffer: 256 << 20 });
      ({ srv, admin } = await demoServer(db));
      const before0 = (await admin.get('/api/v1/enterprises?limit=1')).json.total;
      const r = await admin.req('POST', '/api/v1/enterprises/import?filename=e.csv', Buffer.from(gen.stdout),
        { 'Content-Type': 'text/csv', 'X-CSRF-Token': admin.csrf });
      assert.equal(r.status, 202, r.text);
      // stop when the rows are checked: the write pass begins
      for (let i = 0; i < 1500; i++) {
        const j = (await admin.get(r.json.url)).json;
        if (j.status !== 'reading' && j.status !== 'queued' && (j.status !== 'validating' || j.processed_rows >= 150000)) break;
        await sleep(10);
      }
      const ms = await stopTimed(srv);
      assert.ok(ms < 5000, `the server took ${ms} ms to stop`);
      ({ srv, admin } = await demoServer(db));
      assert.equal((await admin.get('/api/v1/enterprises?limit=1')).json.total, before0);
      const job = (await admin.get(r.json.url)).json;
      assert.notEqual(job.status, 'done');
      await srv.stop();
    } finally {
      if (srv && srv.proc.exitCode === null && srv.proc.signalCode === null) await srv.kill9();
      db.cleanup();
    }
  });
});
