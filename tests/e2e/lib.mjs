// Shared helpers for the end-to-end tests: start the real zoneops binary on
// a free 127.0.0.1 port against a fresh database, and talk HTTP to it.
//
// Environment (set by scripts/test.sh):
//   ZONEOPS_BIN      the binary to test (build/zoneops or build/zoneops-asan)
//   ZONEOPS_STORE    sqlite | postgresql
//   ZONEOPS_PG_URL   for postgresql: a URL whose database may create others
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';

export const BIN = process.env.ZONEOPS_BIN || 'build/zoneops';
export const STORE = process.env.ZONEOPS_STORE || 'sqlite';

let dbCounter = 0;

// A fresh, empty database URL of the store under test.
export function freshDb() {
  if (STORE === 'postgresql') {
    const base = process.env.ZONEOPS_PG_URL;
    const name = `zo_e2e_${process.pid}_${++dbCounter}_${Date.now() % 100000}`;
    const r = spawnSync('psql', [base, '-q', '-c', `CREATE DATABASE ${name}`], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error('createdb failed: ' + r.stderr);
    return { url: base.replace(/\/[^/]*$/, '/' + name), cleanup() {
      spawnSync('psql', [base, '-q', '-c', `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`]);
    } };
  }
  const dir = mkdtempSync(join(tmpdir(), 'zo-e2e-'));
  return { url: `sqlite:${dir}/zoneops.db`, dir, cleanup() { rmSync(dir, { recursive: true, force: true }); } };
}

// Run a CLI command; returns {status, stdout, stderr}.
export function cli(db, args, input) {
  const r = spawnSync(BIN, [...args, '--db', db], { input: input ?? '', encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

// Start `zoneops serve`; resolves {url, port, proc, stop(), kill9(), output()}.
// env: more environment for the server (e.g. ZONEOPS_TEST_ROW_DELAY_US, so
// that an import is still running when a test cancels, stops or kills it).
export function startServer(db, extra = [], env = {}) {
  return new Promise((resolve, reject) => {
    const proc = spawn(BIN, ['serve', '--db', db, '--listen', '127.0.0.1:0', '--web', 'web', ...extra],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let out = '', err = '';
    let done = false;
    const timer = setTimeout(() => { if (!done) { done = true; proc.kill('SIGKILL'); reject(new Error('server did not start:\n' + err)); } }, 90000);
    proc.stdout.on('data', d => { out += d; });
    proc.stderr.on('data', d => {
      err += d;
      const m = /serving on http:\/\/127\.0\.0\.1:(\d+)\//.exec(err);
      if (m && !done) {
        done = true;
        clearTimeout(timer);
        const port = Number(m[1]);
        resolve({
          port, url: `http://127.0.0.1:${port}`, proc,
          output: () => ({ stdout: out, stderr: err }),
          stop: () => new Promise(res => { if (proc.exitCode !== null) return res(proc.exitCode); proc.once('exit', c => res(c)); proc.kill('SIGTERM'); }),
          kill9: () => new Promise(res => { proc.once('exit', () => res()); proc.kill('SIGKILL'); }),
        });
      }
    });
    proc.on('exit', code => { if (!done) { done = true; clearTimeout(timer); reject(new Error(`server exited ${code}:\n${err}`)); } });
  });
}

// A logged-out HTTP client with a cookie jar and the CSRF token.
export class Client {
  constructor(base, token) { this.base = base; this.token = token; this.cookie = null; this.csrf = null; }
  async req(method, path, body, headers = {}) {
    const h = { ...headers };
    if (this.token) h.Authorization = `Bearer ${this.token}`;
    if (this.cookie) h.Cookie = this.cookie;
    let payload;
    if (body !== undefined) {
      payload = (typeof body === 'string' || body instanceof Uint8Array) ? body : JSON.stringify(body);
      h['Content-Type'] = h['Content-Type'] || 'application/json';
    }
    const res = await fetch(this.base + path, { method, headers: h, body: payload });
    const sc = res.headers.get('set-cookie');
    if (sc) {
      const m = /zo_session=([^;]*)/.exec(sc);
      if (m) this.cookie = m[1] ? `zo_session=${m[1]}` : null;
    }
    const text = await res.text();
    let json = null;
    try { json = text ? JSON.parse(text) : null; } catch { /* not JSON */ }
    return { status: res.status, headers: res.headers, text, json };
  }
  async login(username, password) {
    const r = await this.req('POST', '/api/v1/session', { username, password });
    if (r.status === 200) this.csrf = r.json.csrf_token;
    return r;
  }
  get(p) { return this.req('GET', p); }
  post(p, b) { return this.req('POST', p, b, this.csrf ? { 'X-CSRF-Token': this.csrf } : {}); }
  patch(p, b) { return this.req('PATCH', p, b, this.csrf ? { 'X-CSRF-Token': this.csrf } : {}); }
  del(p) { return this.req('DELETE', p, undefined, this.csrf ? { 'X-CSRF-Token': this.csrf } : {}); }
}

// Send raw bytes on a new connection; resolves with everything the server
// sent before closing (or after `wait` ms of silence).
export function rawHttp(port, data, wait = 1500) {
  return new Promise(resolve => {
    const s = net.connect(port, '127.0.0.1');
    let buf = Buffer.alloc(0);
    let t = setTimeout(() => s.destroy(), wait);
    s.on('data', d => { buf = Buffer.concat([buf, d]); clearTimeout(t); t = setTimeout(() => s.destroy(), 300); });
    s.on('close', () => { clearTimeout(t); resolve(buf.toString('utf8')); });
    s.on('error', () => {});
    s.write(data);
  });
}

export function statusOf(raw) {
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(raw);
  return m ? Number(m[1]) : 0;
}

export function bodyOf(raw) {
  const i = raw.indexOf('\r\n\r\n');
  try { return JSON.parse(raw.slice(i + 4)); } catch { return null; }
}

// A server with an admin (password known) and its API token.
export async function adminServer(extra = [], env = {}) {
  const db = freshDb();
  const add = cli(db.url, ['user', 'add', 'admin', '--role', 'admin'], 'admin-password-1\n');
  if (add.status !== 0) throw new Error('user add failed: ' + add.stderr);
  const tok = cli(db.url, ['token', 'create', '--user', 'admin']);
  if (tok.status !== 0) throw new Error('token create failed: ' + tok.stderr);
  const srv = await startServer(db.url, extra, env);
  return { db, srv, token: tok.stdout.trim(), password: 'admin-password-1',
    async close() {
      const code = await srv.stop();
      db.cleanup();
      // a sanitizer report (leak, UB) makes the server exit non-zero
      if (code !== 0) throw new Error(`server exited ${code}:\n${srv.output().stderr.slice(-4000)}`);
    } };
}

// The password the demo admin is given by demoAdminPassword().
export const DEMO_ADMIN_PASSWORD = 'demo-admin-password';

// A --demo server prints a one-time password for user admin that must be
// changed before anything else: read it from srv's standard output, log in
// with it, change it to DEMO_ADMIN_PASSWORD through the API and return
// that.  Call it before creating the admin's API tokens (a password change
// revokes them).
export async function demoAdminPassword(srv) {
  let pw = null;
  for (let i = 0; i < 100 && !pw; i++) {
    const m = /one-time password[^\n]*\n\s*\n\s*(\S+)/.exec(srv.output().stdout);
    if (m) pw = m[1];
    else await new Promise((res) => setTimeout(res, 50));
  }
  if (!pw) throw new Error('no admin password on stdout:\n' + srv.output().stdout);
  const c = new Client(srv.url);
  const r = await c.login('admin', pw);
  if (r.status !== 200) throw new Error(`demo admin login: ${r.status} ${r.text}`);
  const ch = await c.post('/api/v1/me/password', { current: pw, new: DEMO_ADMIN_PASSWORD });
  if (ch.status !== 200) throw new Error(`demo admin password change: ${ch.status} ${ch.text}`);
  await c.del('/api/v1/session');
  return DEMO_ADMIN_PASSWORD;
}

// Every HTTP import is a background job: POST the file to an import route
// (202 {id, url, ...}) and follow GET /api/v1/imports/{id} until the job
// ends (done, failed or cancelled).  Returns {res, job}: res the POST's
// answer, job the ended job with its report (null when res is not 202).
// onPoll(job) sees every answer while it runs.
export const JOB_ENDED = ['done', 'failed', 'cancelled'];
export async function importJob(client, path, body, { type = 'text/csv', timeout = 120000, onPoll } = {}) {
  const res = await client.req('POST', path, body,
    { 'Content-Type': type, ...(client.csrf ? { 'X-CSRF-Token': client.csrf } : {}) });
  if (res.status !== 202) return { res, job: null };
  return { res, job: await waitJob(client, res.json.id, { timeout, onPoll }) };
}

export async function waitJob(client, id, { timeout = 120000, onPoll } = {}) {
  const t0 = Date.now();
  for (;;) {
    const g = await client.get(`/api/v1/imports/${id}`);
    if (g.status !== 200) throw new Error(`GET /api/v1/imports/${id}: ${g.status} ${g.text}`);
    if (JOB_ENDED.includes(g.json.status)) return g.json;
    if (onPoll) await onPoll(g.json);
    if (Date.now() - t0 > timeout) throw new Error(`import ${id} did not end: ${g.text}`);
    await new Promise((res) => setTimeout(res, 20));
  }
}

// Logged-in clients of a demo server, one per user, made on first use:
// const as = demoUsers(srv, adminPw); const rec = await as('rec.ib.1').
export function demoUsers(srv, adminPw, password = 'demo-password') {
  const clients = {};
  return async (user) => {
    if (clients[user]) return clients[user];
    const c = new Client(srv.url);
    const r = await c.login(user, user === 'admin' ? adminPw : password);
    if (r.status !== 200) throw new Error(`login ${user}: ${r.status} ${r.text}`);
    clients[user] = c;
    return c;
  };
}
