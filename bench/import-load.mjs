#!/usr/bin/env node
// bench/import-load.mjs -- what a large import costs everyone else: /healthz
// and a small write, timed before and during the import of a file.  Node
// only, no npm dependencies.  Driven by bench/imports.sh.
//
//   node bench/import-load.mjs --url http://127.0.0.1:PORT --token TOKEN \
//        --file enterprises.csv [--path /api/v1/enterprises/import?mode=all] \
//        [--baseline 10] [--health-ms 50] [--write-ms 200]
//
// 1. baseline: for --baseline seconds, GET /healthz every --health-ms and
//    POST /api/v1/streets (a new street: one row and its audit row, a write
//    transaction like any other) every --write-ms, each waiting for its
//    answer before the next;
// 2. the import: POST the file to --path (202, a job), then the same two
//    loops while GET /api/v1/imports/{id} is polled every 500 ms, until the
//    job ends;
// 3. prints one JSON object: for each phase and each probe the number of
//    requests, how many were not 2xx (by status), the median, p99 and
//    longest latency in ms, and the job (status, rows, seconds by phase).
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

const args = Object.fromEntries(process.argv.slice(2).reduce((a, x, i, all) =>
  (x.startsWith('--') ? [...a, [x.slice(2), all[i + 1]]] : a), []));
const URL_ = args.url, TOKEN = args.token, FILE = args.file;
const PATH = args.path || '/api/v1/enterprises/import?mode=all&filename=bench.csv';
const BASELINE = Number(args.baseline || 10) * 1000;
const HEALTH_MS = Number(args['health-ms'] || 50), WRITE_MS = Number(args['write-ms'] || 200);
if (!URL_ || !TOKEN || !FILE) {
  console.error('usage: import-load.mjs --url URL --token TOKEN --file FILE [--path PATH] [--baseline S]');
  process.exit(2);
}
const auth = { Authorization: `Bearer ${TOKEN}` };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function timed(fn) {
  const t0 = performance.now();
  let status = 0;
  try {
    const r = await fn();
    status = r.status;
    await r.arrayBuffer();
  } catch {
    status = -1;   // no answer (connection refused, reset)
  }
  return { ms: performance.now() - t0, status };
}

let seq = 0;
const probes = {
  healthz: () => fetch(`${URL_}/healthz`),
  write: () => fetch(`${URL_}/api/v1/streets`, { method: 'POST', headers: { ...auth, 'Content-Type': 'application/json' },
    body: JSON.stringify({ name: `压测街道${process.pid}-${seq++}` }) }),
};

// Run every probe in its own loop until stop() is true; samples by probe.
function load(stop) {
  const samples = Object.fromEntries(Object.keys(probes).map((k) => [k, []]));
  const every = { healthz: HEALTH_MS, write: WRITE_MS };
  const loops = Object.keys(probes).map(async (k) => {
    while (!stop()) {
      const t0 = performance.now();
      samples[k].push(await timed(probes[k]));
      await sleep(Math.max(0, every[k] - (performance.now() - t0)));
    }
  });
  return { samples, done: Promise.all(loops) };
}

function summary(list) {
  const ms = list.map((x) => x.ms).sort((a, b) => a - b);
  const q = (p) => (ms.length ? ms[Math.min(ms.length - 1, Math.floor(p * ms.length))] : null);
  const bad = {};
  for (const x of list) if (x.status < 200 || x.status > 299) bad[x.status] = (bad[x.status] || 0) + 1;
  const r = (v) => (v === null ? null : Math.round(v * 10) / 10);
  return { n: list.length, not_2xx: bad, p50: r(q(0.5)), p99: r(q(0.99)), max: r(ms[ms.length - 1] ?? null) };
}

const out = {};
// 1. baseline
{
  const until = performance.now() + BASELINE;
  const l = load(() => performance.now() >= until);
  await l.done;
  out.baseline = Object.fromEntries(Object.entries(l.samples).map(([k, v]) => [k, summary(v)]));
}
// 2. the import
{
  const body = readFileSync(FILE);
  let ended = false;
  const l = load(() => ended);
  const t0 = performance.now();
  let started, answer;
  for (let tries = 0; ; tries++) {
    try {
      started = await fetch(URL_ + PATH, { method: 'POST', headers: { ...auth, 'Content-Type': 'application/octet-stream' }, body });
      answer = await started.json();
      break;
    } catch (e) {
      if (tries === 2) throw e;   /* a dropped keep-alive connection: once more */
    }
  }
  const uploaded = (performance.now() - t0) / 1000;
  const phases = {};
  let job = answer, last = performance.now(), phase = 'queued';
  if (started.status !== 202) {
    ended = true;
    job = { status: `HTTP ${started.status}`, answer };
  }
  while (!ended) {
    await sleep(500);
    try {
      const g = await fetch(`${URL_}/api/v1/imports/${answer.id}`, { headers: auth });
      job = await g.json();
    } catch {
      continue;   /* a dropped keep-alive connection: ask again */
    }
    const now = performance.now();
    phases[phase] = (phases[phase] || 0) + (now - last) / 1000;
    last = now;
    phase = job.status;
    ended = ['done', 'failed', 'cancelled'].includes(job.status);
  }
  await l.done;
  out.import = Object.fromEntries(Object.entries(l.samples).map(([k, v]) => [k, summary(v)]));
  out.job = { status: job.status, total_rows: job.total_rows, created_rows: job.created_rows, error_rows: job.error_rows,
    seconds: Math.round(((performance.now() - t0) / 1000) * 10) / 10, upload_seconds: Math.round(uploaded * 10) / 10,
    phases: Object.fromEntries(Object.entries(phases).map(([k, v]) => [k, Math.round(v * 10) / 10])),
    fatal: job.report?.fatal?.code };
}
console.log(JSON.stringify(out));
