// End-to-end: slow clients from several addresses cannot starve the server.
// slowhttptest (Debian package, installed by scripts/deps.sh test) sends
// slow headers (-H, slowloris) and slow bodies (-B, R-U-Dead-Yet) while
// /healthz keeps answering quickly from another address.  slowhttptest
// cannot choose its source address, so each attacker talks to a small
// relay that connects to the server from its own loopback address
// (127.0.0.2 to .6): the server sees five clients, four of them sending
// slow bodies as in the audit that filled 4 × 256 of the 1024 connections
// of the old defaults.  The connection limits
// are the defaults; the deadlines are set low so that the test takes
// seconds, not minutes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { spawn, spawnSync } from 'node:child_process';
import { adminServer, BIN } from './lib.mjs';

const have = spawnSync('slowhttptest', ['-h']).status !== null;
const SECONDS = 14;

// A relay on 127.0.0.1:port that connects each client to the server from `from`.
function relay(target, from) {
  return new Promise(resolve => {
    const stats = { conns: 0, refused: 0 };
    const srv = net.createServer(c => {
      stats.conns++;
      c.on('error', () => {});
      const u = net.connect({ port: target, host: '127.0.0.1', localAddress: from });
      u.on('error', () => { stats.refused++; c.destroy(); });
      c.pipe(u);
      u.pipe(c);
      c.on('close', () => u.destroy());
      u.on('close', () => c.destroy());
    });
    srv.maxConnections = 2000;
    srv.listen(0, '127.0.0.1', () => resolve({ port: srv.address().port, stats, close: () => srv.close() }));
  });
}

function slow(args) {
  return new Promise(resolve => {
    const p = spawn('slowhttptest', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', d => { out += d; });
    p.stderr.on('data', d => { out += d; });
    const t = setTimeout(() => p.kill('SIGKILL'), (SECONDS + 20) * 1000);
    p.on('exit', () => { clearTimeout(t); resolve(out); });
  });
}

let S;
const relays = [];
before(async () => {
  if (!have) return;
  S = await adminServer(['--header-timeout', '2', '--body-timeout', '4']);
  for (const from of ['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5', '127.0.0.6'])
    relays.push(await relay(S.srv.port, from));
});
after(async () => {
  relays.forEach(r => r.close());
  if (S) await S.close();
});

test('slowhttptest -H and -B from five addresses: /healthz keeps answering', { skip: !have && 'slowhttptest is not installed (scripts/deps.sh test)' }, async () => {
  const common = ['-c', '400', '-r', '150', '-i', '1', '-l', String(SECONDS), '-p', '3'];
  const attacks = Promise.all([
    slow(['-H', ...common, '-u', `http://127.0.0.1:${relays[0].port}/healthz`]),
    ...relays.slice(1).map(r => slow(['-B', ...common, '-s', '4000', '-u', `http://127.0.0.1:${r.port}/api/v1/session`])),
  ]);
  const times = [];
  let failures = 0;
  const t0 = Date.now();
  await new Promise(r => setTimeout(r, 2000));   // let the attackers fill their slots
  while (Date.now() - t0 < (SECONDS - 1) * 1000) {
    const s = Date.now();
    try {
      const r = await fetch(S.srv.url + '/healthz', { signal: AbortSignal.timeout(3000) });
      if (r.status !== 200) failures++;
      await r.arrayBuffer();
    } catch { failures++; }
    times.push(Date.now() - s);
    await new Promise(r => setTimeout(r, 200));
  }
  const out = await attacks;
  times.sort((a, b) => a - b);
  const p95 = times[Math.floor(times.length * 0.95)];
  assert.equal(failures, 0, `${failures} of ${times.length} probes failed`);
  // quickly: well within the probe's timeout (a sanitizer build is slower)
  assert.ok(p95 < (BIN.includes('asan') ? 2000 : 1000), `p95 ${p95} ms, max ${times.at(-1)} ms`);
  // the attackers did attack: each opened more connections than its 64
  for (const r of relays) assert.ok(r.stats.conns > 200, JSON.stringify(r.stats));
  assert.match(out[0], /slow HTTP test status|connected/i);
});
