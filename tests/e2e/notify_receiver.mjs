// A local stand-in on 127.0.0.1 for the places zoneops sends notices to
// (issue 13): WeCom's and DingTalk's group robots, a generic webhook and an
// SMTP server with STARTTLS.  Tests import it:
//
//   const rx = await startReceiver({ dingSecret: 'SEC...', webhookSecret: 'k' });
//   ... zoneops sends to http://127.0.0.1:${rx.httpPort}/cgi-bin/webhook/send?key=K
//       and smtp://127.0.0.1:${rx.smtpPort} with ZONEOPS_CA_FILE=rx.certFile ...
//   await rx.waitFor(() => rx.unique.length >= 1);
//   await rx.stop();
//
// HTTP (one port):
//   POST /cgi-bin/webhook/send?key=K       WeCom: {"msgtype":"markdown","markdown":{"content"}}
//   POST /robot/send?access_token=T        DingTalk: {"msgtype":"markdown","markdown":{"title","text"}};
//        with opts.dingSecret the query must carry timestamp and sign = Base64(HMAC-SHA256(secret,
//        timestamp "\n" secret)), else {"errcode":310000,"errmsg":"sign not match ..."} (DingTalk's shape);
//        opts.dingMaxSkewMs: also refuse a timestamp further than that from the receiver's clock
//   POST /hook/NAME                        a webhook: with opts.webhookSecret the header
//        X-Zoneops-Signature must be sha256=<hex HMAC-SHA256(secret, body)>, else 401
//   ANY  /redirect                         302 to another host
//   ANY  /big                              200 with 1 MiB of body
//   ANY  /slow                             never answers
// SMTP (another port): EHLO/HELO, STARTTLS (a self-signed certificate for
// 127.0.0.1 in certFile; opts.starttls === false: not offered; opts.smtps: TLS
// from the first byte instead, smtps://), AUTH PLAIN and
// LOGIN (checked against opts.smtpUser/opts.smtpPassword when given), MAIL FROM
// (530 before STARTTLS unless opts.starttls === false), RCPT TO, DATA, RSET,
// NOOP, QUIT.  The message's RFC 2047 subject and base64 body are decoded.
//
// What arrived: messages, every accepted message in order: {channel: 'wecom' |
// 'dingtalk' | 'webhook' | 'email', dest (the key, token, hook name or the
// recipients), eventId (X-Zoneops-Event), title, body, verified (the
// signature, HMAC, or for e-mail TLS and login, checked), raw, headers, at};
// unique, the same but once per (channel, dest, eventId): what a receiver that
// drops repeats by the event id keeps; rejected, the requests refused for a bad
// signature or login; requests, the number of HTTP requests and SMTP
// transactions seen; connections, the number of TCP connections accepted.
// Control: fail(n) answers the next n requests (HTTP) or transactions (SMTP, at
// MAIL FROM) with 500 / 451; setDown(true) closes both ports (connections are
// refused) until setDown(false); restart() closes and reopens them on the same
// ports, keeping what arrived; stop() ends it all.
import http from 'node:http';
import net from 'node:net';
import tls from 'node:tls';
import crypto from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// A self-signed certificate for 127.0.0.1 in a new temporary directory.
function makeCert() {
  const dir = mkdtempSync(join(tmpdir(), 'zo-rx-'));
  const keyFile = join(dir, 'key.pem'), certFile = join(dir, 'cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2',
    '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
    '-keyout', keyFile, '-out', certFile], { stdio: 'ignore' });
  return { dir, keyFile, certFile, key: readFileSync(keyFile), cert: readFileSync(certFile) };
}

const hmacHex = (key, data) => crypto.createHmac('sha256', key).update(data).digest('hex');
export const dingSign = (secret, ts) =>
  crypto.createHmac('sha256', secret).update(`${ts}\n${secret}`).digest('base64');

function safeEqual(a, b) {
  const x = Buffer.from(String(a)), y = Buffer.from(String(b));
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}

// RFC 2047 encoded words (B and Q) in a header value, in plain Node.
export function decodeRfc2047(v) {
  return String(v)
    .replace(/\?=\s+=\?/g, '?==?')  // whitespace between encoded words is not text
    .replace(/=\?([^?]+)\?([bBqQ])\?([^?]*)\?=/g, (_, cs, enc, txt) => {
      const buf = enc.toUpperCase() === 'B' ? Buffer.from(txt, 'base64')
        : Buffer.from(txt.replace(/_/g, ' ').replace(/=([0-9A-Fa-f]{2})/g,
          (m, h) => String.fromCharCode(parseInt(h, 16))), 'latin1');
      return new TextDecoder(cs.toLowerCase() === 'utf-8' ? 'utf-8' : cs).decode(buf);
    });
}

// An RFC 5322 message into {headers (lower-case names, unfolded), body (decoded), lines (raw body lines)}.
export function parseMail(raw) {
  const i = raw.indexOf('\r\n\r\n');
  const head = i < 0 ? raw : raw.slice(0, i), rawBody = i < 0 ? '' : raw.slice(i + 4);
  const headers = {};
  for (const line of head.replace(/\r\n[ \t]+/g, ' ').split('\r\n')) {
    const c = line.indexOf(':');
    if (c > 0) headers[line.slice(0, c).trim().toLowerCase()] = line.slice(c + 1).trim();
  }
  const cte = (headers['content-transfer-encoding'] || '').toLowerCase();
  const body = cte === 'base64' ? Buffer.from(rawBody.replace(/\s+/g, ''), 'base64').toString('utf8') : rawBody;
  return { headers, body, lines: rawBody.split('\r\n').filter((l) => l !== '') };
}

export async function startReceiver(opts = {}) {
  const cert = makeCert();
  const messages = [], unique = [], rejected = [];
  const seen = new Set();
  const sockets = new Set();
  let failing = 0, requests = 0, connections = 0, down = false;
  let httpPort = opts.httpPort || 0, smtpPort = opts.smtpPort || 0;
  let httpServer = null, smtpServer = null;

  function record(m) {
    m.at = Date.now();
    messages.push(m);
    const k = `${m.channel}|${m.dest}|${m.eventId}`;
    if (!seen.has(k)) { seen.add(k); unique.push(m); }
  }
  function takeFailure() {
    if (failing > 0) { failing--; return true; }
    return false;
  }

  // ---- HTTP: the robots and the webhook ----
  function json(res, status, obj) {
    const b = JSON.stringify(obj);
    res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(b) });
    res.end(b);
  }
  function onHttp(req, res) {
    const u = new URL(req.url, 'http://127.0.0.1');
    if (u.pathname === '/slow') return;  // never answers; stop() ends the socket
    const chunks = [];
    let size = 0;
    req.on('data', (d) => { size += d.length; if (size <= (1 << 20)) chunks.push(d); });
    req.on('end', () => {
      requests++;
      const raw = Buffer.concat(chunks).toString('utf8');
      if (u.pathname === '/redirect') {
        res.writeHead(302, { Location: 'http://redirected.example/hook/x', 'Content-Length': 0 });
        return res.end();
      }
      if (u.pathname === '/big') {
        const b = Buffer.alloc(1 << 20, 'x');
        res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': b.length });
        return res.end(b);
      }
      if (takeFailure()) return json(res, 500, { errcode: -1, errmsg: 'system busy' });
      const eventId = req.headers['x-zoneops-event'] || null;
      let body = null;
      try { body = JSON.parse(raw); } catch { /* below */ }
      if (req.method !== 'POST') return json(res, 405, { errcode: 405, errmsg: 'method not allowed' });
      if (u.pathname === '/cgi-bin/webhook/send') {
        const key = u.searchParams.get('key');
        if (!key) return json(res, 200, { errcode: 93000, errmsg: 'invalid webhook url' });
        if (!body || body.msgtype !== 'markdown' || typeof body.markdown?.content !== 'string')
          return json(res, 200, { errcode: 40008, errmsg: 'invalid message type' });
        const content = body.markdown.content;
        record({ channel: 'wecom', dest: key, eventId, title: content.split('\n')[0].replace(/^#+\s*/, ''),
          body: content, verified: true, raw, headers: req.headers });
        return json(res, 200, { errcode: 0, errmsg: 'ok' });
      }
      if (u.pathname === '/robot/send') {
        const token = u.searchParams.get('access_token');
        if (!token) return json(res, 200, { errcode: 300001, errmsg: 'token is not exist' });
        let verified = null;
        if (opts.dingSecret) {
          const ts = u.searchParams.get('timestamp'), sign = u.searchParams.get('sign');
          const skewOk = !opts.dingMaxSkewMs || Math.abs(Date.now() - Number(ts)) <= opts.dingMaxSkewMs;
          verified = !!ts && /^\d+$/.test(ts) && !!sign && safeEqual(sign, dingSign(opts.dingSecret, ts)) && skewOk;
          if (!verified) {
            rejected.push({ channel: 'dingtalk', dest: token, eventId, url: req.url, raw, why: 'sign' });
            return json(res, 200, { errcode: 310000, errmsg: `sign not match, more: [https://ding-doc.dingtalk.com/doc#/serverapi2/qf2nxq]` });
          }
        }
        if (!body || body.msgtype !== 'markdown' || typeof body.markdown?.text !== 'string')
          return json(res, 200, { errcode: 40035, errmsg: '缺少参数 json' });
        record({ channel: 'dingtalk', dest: token, eventId, title: body.markdown.title ?? null,
          body: body.markdown.text, verified, raw, url: req.url, headers: req.headers });
        return json(res, 200, { errcode: 0, errmsg: 'ok' });
      }
      const hook = /^\/hook\/([^/]+)$/.exec(u.pathname);
      if (hook) {
        let verified = null;
        if (opts.webhookSecret) {
          verified = safeEqual(req.headers['x-zoneops-signature'] || '', 'sha256=' + hmacHex(opts.webhookSecret, Buffer.concat(chunks)));
          if (!verified) {
            rejected.push({ channel: 'webhook', dest: hook[1], eventId, raw, why: 'signature' });
            return json(res, 401, { error: 'bad signature' });
          }
        }
        record({ channel: 'webhook', dest: hook[1], eventId: eventId ?? body?.id ?? null,
          title: body?.title ?? null, body: body?.text ?? raw, json: body, verified, raw,
          contentType: req.headers['content-type'], headers: req.headers });
        return json(res, 200, { ok: true });
      }
      json(res, 404, { errcode: 404, errmsg: 'not found' });
    });
  }

  // ---- SMTP ----
  function onSmtp(plain, implicitTls = false) {
    const st = { tls: implicitTls, helo: false, auth: null, from: null, rcpt: [], data: null, stream: plain };
    const needAuth = opts.smtpUser !== undefined;
    let buf = '';
    const send = (line) => { try { st.stream.write(line + '\r\n'); } catch { /* gone */ } };
    const reset = () => { st.from = null; st.rcpt = []; st.data = null; };
    let authStep = null;  // AUTH LOGIN in progress: 'user' | 'pass'; AUTH PLAIN without initial: 'plain'
    let loginUser = null;
    const checkAuth = (user, pass) => {
      const ok = !needAuth || (user === opts.smtpUser && pass === opts.smtpPassword);
      if (ok) { st.auth = user; send('235 2.7.0 Authentication successful'); }
      else { rejected.push({ channel: 'email', why: 'auth', user }); send('535 5.7.8 Authentication credentials invalid'); }
    };
    const endData = () => {
      const raw = st.data.join('\r\n');
      const m = parseMail(raw);
      record({ channel: 'email', dest: st.rcpt.join(','), eventId: m.headers['x-zoneops-event'] || null,
        title: decodeRfc2047(m.headers.subject || ''), body: m.body, verified: st.tls && (!needAuth || !!st.auth),
        raw, headers: m.headers, lines: m.lines, from: st.from, to: [...st.rcpt], tls: st.tls, auth: st.auth });
      reset();
      send('250 2.0.0 OK queued');
    };
    const onLine = (line) => {
      if (st.data) {
        if (line === '.') return endData();
        st.data.push(line.startsWith('.') ? line.slice(1) : line);
        return;
      }
      if (authStep) {
        const v = Buffer.from(line, 'base64').toString('utf8');
        if (authStep === 'user') { loginUser = v; authStep = 'pass'; return send('334 UGFzc3dvcmQ6'); }
        if (authStep === 'pass') { authStep = null; return checkAuth(loginUser, v); }
        authStep = null;
        const p = v.split('\0');
        return checkAuth(p[1], p[2]);
      }
      const sp = line.indexOf(' ');
      const verb = (sp < 0 ? line : line.slice(0, sp)).toUpperCase(), arg = sp < 0 ? '' : line.slice(sp + 1);
      const offerTls = opts.starttls !== false;
      switch (verb) {
      case 'EHLO':
        st.helo = true; reset();
        send('250-127.0.0.1 zoneops test receiver');
        if (offerTls && !st.tls) send('250-STARTTLS');
        if (st.tls || !offerTls) send('250-AUTH PLAIN LOGIN');
        send('250-8BITMIME');
        return send('250 SIZE 10485760');
      case 'HELO': st.helo = true; reset(); return send('250 127.0.0.1');
      case 'STARTTLS': {
        if (!offerTls || st.tls) return send('502 5.5.1 STARTTLS not available');
        send('220 2.0.0 Ready to start TLS');
        plain.removeAllListeners('data');
        const t = new tls.TLSSocket(plain, { isServer: true, key: cert.key, cert: cert.cert });
        sockets.add(t);
        t.on('close', () => sockets.delete(t));
        t.on('error', () => {});
        t.on('data', onData);
        st.stream = t; st.tls = true; st.helo = false; st.auth = null; buf = ''; reset();
        return;
      }
      case 'AUTH': {
        if (offerTls && !st.tls) return send('538 5.7.11 Encryption required for requested authentication mechanism');
        const [mech, initial] = arg.split(' ');
        if (mech?.toUpperCase() === 'LOGIN') {
          if (initial) { loginUser = Buffer.from(initial, 'base64').toString('utf8'); authStep = 'pass'; return send('334 UGFzc3dvcmQ6'); }
          authStep = 'user'; return send('334 VXNlcm5hbWU6');
        }
        if (mech?.toUpperCase() === 'PLAIN') {
          if (!initial) { authStep = 'plain'; return send('334 '); }
          const p = Buffer.from(initial, 'base64').toString('utf8').split('\0');
          return checkAuth(p[1], p[2]);
        }
        return send('504 5.5.4 Unrecognized authentication type');
      }
      case 'MAIL':
        if (offerTls && !st.tls) return send('530 5.7.0 Must issue a STARTTLS command first');
        if (!st.helo) return send('503 5.5.1 EHLO first');
        if (needAuth && !st.auth) return send('530 5.7.0 Authentication required');
        requests++;
        if (takeFailure()) return send('451 4.3.0 Temporary failure, try again later');
        st.from = (/<([^>]*)>/.exec(arg) || [])[1] ?? arg;
        return send('250 2.1.0 OK');
      case 'RCPT':
        if (st.from === null) return send('503 5.5.1 MAIL first');
        st.rcpt.push((/<([^>]*)>/.exec(arg) || [])[1] ?? arg);
        return send('250 2.1.5 OK');
      case 'DATA':
        if (!st.rcpt.length) return send('503 5.5.1 RCPT first');
        st.data = [];
        return send('354 End data with <CR><LF>.<CR><LF>');
      case 'RSET': reset(); return send('250 2.0.0 OK');
      case 'NOOP': return send('250 2.0.0 OK');
      case 'QUIT': send('221 2.0.0 Bye'); return st.stream.end();
      default: return send('502 5.5.2 Command not recognized');
      }
    };
    function onData(d) {
      buf += d.toString('latin1');  // bytes kept as they are; the message is decoded as UTF-8 below
      let i;
      while ((i = buf.indexOf('\r\n')) >= 0) {
        const line = Buffer.from(buf.slice(0, i), 'latin1').toString('utf8');
        buf = buf.slice(i + 2);
        onLine(line);
      }
    }
    plain.on('data', onData);
    plain.on('error', () => {});
    send('220 127.0.0.1 ESMTP zoneops test receiver');
  }

  // ---- the two servers ----
  function track(s) { connections++; sockets.add(s); s.on('close', () => sockets.delete(s)); }
  function listen(server, port) {
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => { server.off('error', reject); resolve(server.address().port); });
    });
  }
  async function open() {
    httpServer = http.createServer(onHttp);
    httpServer.on('connection', track);
    smtpServer = opts.smtps
      ? tls.createServer({ key: cert.key, cert: cert.cert }, (s) => { track(s); onSmtp(s, true); })
      : net.createServer((s) => { track(s); onSmtp(s); });
    if (opts.smtps) smtpServer.on('tlsClientError', () => {});
    httpPort = await listen(httpServer, httpPort);
    smtpPort = await listen(smtpServer, smtpPort);
  }
  async function close() {
    const done = [httpServer, smtpServer].filter(Boolean).map((s) => new Promise((r) => s.close(() => r())));
    for (const s of sockets) s.destroy();
    sockets.clear();
    await Promise.all(done);
    httpServer = smtpServer = null;
  }

  await open();
  const rx = {
    get httpPort() { return httpPort; },
    get smtpPort() { return smtpPort; },
    get requests() { return requests; },
    get connections() { return connections; },
    get url() { return `http://127.0.0.1:${httpPort}`; },
    get smtpUrl() { return `${opts.smtps ? 'smtps' : 'smtp'}://127.0.0.1:${smtpPort}`; },
    certFile: cert.certFile,
    messages, unique, rejected,
    fail(n) { failing = n; },
    async setDown(v) {
      if (v && !down) { down = true; await close(); }
      else if (!v && down) { down = false; await open(); }
    },
    async restart() { if (!down) await close(); down = false; await open(); },
    async stop() { if (!down) await close(); down = true; rmSync(cert.dir, { recursive: true, force: true }); },
    // Resolves when pred() is true (checked every 50 ms); rejects after timeout ms.
    async waitFor(pred, timeout = 20000) {
      const t0 = Date.now();
      while (!pred()) {
        if (Date.now() - t0 > timeout) throw new Error(`receiver: condition not met in ${timeout} ms; ${messages.length} messages`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
  };
  return rx;
}
