// The senders of issue 13 through `zoneops notify send`, against the local
// receiver (notify_receiver.mjs): each kind arrives with its content and
// verified signature, e-mail only over STARTTLS, and the outbound safety
// holds (hosts not allowed, redirects, big answers, errors, timeouts).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { BIN, freshDb } from './lib.mjs';
import { startReceiver } from './notify_receiver.mjs';

const DING_SECRET = 'SECf3c1b2a0d9e8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0';
const HOOK_SECRET = 'whsec-1b2c3d4e';
let db, rx, env;

// The CLI, asynchronously: the receiver answers in this process.
function run(args, extraEnv = {}) {
  return new Promise((resolve) => {
    const p = spawn(BIN, [...args, '--db', db.url], { env: { ...process.env, ...env, ...extraEnv } });
    let stdout = '', stderr = '';
    p.stdout.on('data', (d) => { stdout += d; });
    p.stderr.on('data', (d) => { stderr += d; });
    p.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}
const send = (...a) => run(['notify', 'send', ...a]);
async function config(key, value) {
  const r = await run(['config', 'set', key, value]);
  assert.equal(r.status, 0, r.stderr);
}

before(async () => {
  db = freshDb();
  rx = await startReceiver({ dingSecret: DING_SECRET, webhookSecret: HOOK_SECRET, smtpUser: 'mailer', smtpPassword: 'mail-pw-1' });
  env = { ZONEOPS_CA_FILE: rx.certFile };
  const m = await run(['migrate']);
  assert.equal(m.status, 0, m.stderr);
  await config('notify.allowed_hosts', 'qyapi.weixin.qq.com,oapi.dingtalk.com,127.0.0.1');
  await config('smtp.url', rx.smtpUrl);
  await config('smtp.from', 'zoneops@zone.example');
  await config('smtp.user', 'mailer');
  await config('smtp.password', 'mail-pw-1');
});

after(async () => {
  await rx?.stop();
  db?.cleanup();
});

test('WeCom: markdown content arrives once, with the event id', async () => {
  const n = rx.messages.length;
  const r = await send('--kind', 'wecom', '--target', `${rx.url}/cgi-bin/webhook/send?key=wecom-key-1`,
    '--title', '诉求即将逾期', '--text', '**园区某企业** 的诉求明天到期（剩 1 个工作日）');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^sent zo-\S+ \(HTTP 200, \d+ ms\)/);
  assert.equal(rx.messages.length, n + 1);
  const m = rx.messages.at(-1);
  assert.equal(m.channel, 'wecom');
  assert.equal(m.dest, 'wecom-key-1');
  assert.equal(JSON.parse(m.raw).msgtype, 'markdown');
  assert.match(m.body, /诉求即将逾期/);
  assert.match(m.body, /\*\*园区某企业\*\* 的诉求明天到期/);
  assert.equal(m.eventId, r.stdout.split(' ')[1]);
});

test('DingTalk: the signed URL verifies; a wrong secret is refused with DingTalk\'s errcode', async () => {
  const target = `${rx.url}/robot/send?access_token=ding-token-1`;
  const r = await send('--kind', 'dingtalk', '--target', target, '--secret', DING_SECRET, '--title', '政策批次待审批', '--text', '第 3 批');
  assert.equal(r.status, 0, r.stderr);
  const m = rx.messages.at(-1);
  assert.equal(m.channel, 'dingtalk');
  assert.equal(m.verified, true);
  assert.equal(m.title, '政策批次待审批');
  assert.match(m.body, /第 3 批/);
  assert.match(m.url, /^\/robot\/send\?access_token=ding-token-1&timestamp=\d{13}&sign=[A-Za-z0-9%]+$/);

  const n = rx.messages.length;
  const bad = await send('--kind', 'dingtalk', '--target', target, '--secret', 'SECwrongwrongwrong');
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /errcode 310000: sign not match/);
  assert.doesNotMatch(bad.stderr, /SECwrong|ding-token-1|sign=/);
  assert.equal(rx.messages.length, n);
});

test('webhook: JSON body with X-Zoneops-Signature (verified) and X-Zoneops-Event', async () => {
  const r = await send('--kind', 'webhook', '--target', `${rx.url}/hook/ops`, '--secret', HOOK_SECRET, '--title', 'T1', '--text', '正文');
  assert.equal(r.status, 0, r.stderr);
  const m = rx.messages.at(-1);
  assert.equal(m.channel, 'webhook');
  assert.equal(m.verified, true);
  assert.equal(m.contentType, 'application/json');
  assert.equal(m.json.id, m.eventId);
  assert.equal(m.json.event, 'test');
  assert.equal(m.title, 'T1');
  assert.equal(m.body, '正文');

  const bad = await send('--kind', 'webhook', '--target', `${rx.url}/hook/ops`, '--secret', 'not-the-key');
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /HTTP 401/);
  assert.ok(rx.rejected.some((x) => x.channel === 'webhook'));
});

test('e-mail over STARTTLS with login: subject and body decode', async () => {
  const title = '土地异议已提交：一个足够长的中文标题，需要 RFC 2047 分成几个编码字';
  const text = '企业：某某科技有限公司\n期限：3 个工作日\n' + '链接 '.repeat(40);
  const r = await send('--kind', 'email', '--target', 'officer@zone.example', '--title', title, '--text', text);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^sent zo-\S+ \(\d+ ms\)/);
  const m = rx.messages.at(-1);
  assert.equal(m.channel, 'email');
  assert.equal(m.tls, true);
  assert.equal(m.auth, 'mailer');
  assert.equal(m.verified, true);
  assert.equal(m.title, title);
  assert.equal(m.body, `${title}\n\n${text}\n`);
  assert.deepEqual(m.to, ['officer@zone.example']);
  assert.equal(m.from, 'zoneops@zone.example');
  assert.equal(m.eventId, r.stdout.split(' ')[1]);
  assert.match(m.headers['message-id'], /^<zo-[^@\s]+@zoneops>$/);
  assert.equal(m.headers['content-type'], 'text/plain; charset=UTF-8');
  assert.equal(m.headers['content-transfer-encoding'], 'base64');
  assert.equal(m.headers['mime-version'], '1.0');
  assert.ok(m.headers.date);
  assert.ok(m.lines.every((l) => l.length <= 76), 'base64 lines of at most 76');
  assert.ok(m.raw.split('\r\n').every((l) => l.length <= 76), 'no line over 76 (RFC 2047)');
});

test('e-mail: a wrong password, a 451 and a server without STARTTLS are failures', async () => {
  await config('smtp.password', 'wrong');
  const n = rx.messages.length;
  const bad = await send('--kind', 'email', '--target', 'officer@zone.example');
  assert.equal(bad.status, 1);
  assert.doesNotMatch(bad.stderr, /wrong/);
  await config('smtp.password', 'mail-pw-1');

  rx.fail(1);
  const busy = await send('--kind', 'email', '--target', 'officer@zone.example');
  assert.equal(busy.status, 1);
  assert.match(busy.stderr, /451/);

  const plain = await startReceiver({ starttls: false });
  try {
    await config('smtp.url', plain.smtpUrl);
    const r = await send('--kind', 'email', '--target', 'officer@zone.example');
    assert.equal(r.status, 1);
    assert.match(r.stderr, /not sent: .*(SSL|TLS)/i);
    assert.equal(plain.messages.length, 0);
  } finally {
    await config('smtp.url', rx.smtpUrl);
    await plain.stop();
  }
  assert.equal(rx.messages.length, n);
});

test('e-mail over smtps:// (TLS from the start)', async () => {
  const implicit = await startReceiver({ smtps: true, smtpUser: 'mailer', smtpPassword: 'mail-pw-1' });
  try {
    await config('smtp.url', implicit.smtpUrl);
    const r = await run(['notify', 'send', '--kind', 'email', '--target', 'officer@zone.example', '--title', 'smtps'],
      { ZONEOPS_CA_FILE: implicit.certFile });   // each receiver makes its own certificate
    assert.equal(r.status, 0, r.stderr);
    assert.equal(implicit.messages.length, 1);
    assert.equal(implicit.messages[0].title, 'smtps');
    assert.equal(implicit.messages[0].verified, true);
    // its certificate is not trusted without ZONEOPS_CA_FILE
    const untrusted = await run(['notify', 'send', '--kind', 'email', '--target', 'officer@zone.example'], { ZONEOPS_CA_FILE: '' });
    assert.equal(untrusted.status, 1);
    assert.equal(implicit.messages.length, 1);
  } finally {
    await config('smtp.url', rx.smtpUrl);
    await implicit.stop();
  }
});

test('a host not in notify.allowed_hosts is refused without a connection', async () => {
  const before = rx.connections;
  for (const target of [`http://localhost:${rx.httpPort}/hook/ops`, `http://127.0.0.1@localhost:${rx.httpPort}/hook/ops`,
    `ftp://127.0.0.1:${rx.httpPort}/x`, `smtp://127.0.0.1:${rx.smtpPort}`]) {
    const r = await send('--kind', 'webhook', '--target', target);
    assert.equal(r.status, 1, target);
    assert.match(r.stderr, /not in notify\.allowed_hosts|scheme|user name/, target);
  }
  assert.equal(rx.connections, before);
});

test('a redirect is not followed', async () => {
  const r = await send('--kind', 'webhook', '--target', `${rx.url}/redirect`);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /redirect not followed \(HTTP 302\)/);
});

test('a 1 MiB answer is cut off cleanly', async () => {
  const r = await send('--kind', 'webhook', '--target', `${rx.url}/big`);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /answer larger than 64 KiB/);
});

test('a 500 answer is a failure with its status; the query stays out of the error', async () => {
  rx.fail(1);
  const r = await send('--kind', 'wecom', '--target', `${rx.url}/cgi-bin/webhook/send?key=very-secret-key`);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /HTTP 500/);
  assert.doesNotMatch(r.stderr, /very-secret-key/);
  const down = await send('--kind', 'wecom', '--target', `http://127.0.0.1:1/cgi-bin/webhook/send?key=very-secret-key`);
  assert.equal(down.status, 1);
  assert.doesNotMatch(down.stderr, /very-secret-key/);
});

test('an answer that never comes times out after 15 s', async () => {
  const t0 = Date.now();
  const r = await send('--kind', 'webhook', '--target', `${rx.url}/slow`);
  const s = (Date.now() - t0) / 1000;
  assert.equal(r.status, 1);
  assert.match(r.stderr, /timed out/);
  assert.ok(s >= 14 && s < 30, `${s} s`);
});
