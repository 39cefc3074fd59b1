#!/usr/bin/env node
// bench/sync-writes.mjs -- N small API writes, one after another on one
// kept-alive connection (each its own transaction with its audit row):
// POST /api/v1/streets as an admin.  Prints the total milliseconds.
//   node bench/sync-writes.mjs URL TOKEN [N]
const [url, token, n = '1000'] = process.argv.slice(2);
const t0 = performance.now();
for (let i = 0; i < Number(n); i++) {
  const r = await fetch(`${url}/api/v1/streets`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ name: `基准街道${i}` }),
  });
  if (r.status !== 201) throw new Error(`write ${i}: ${r.status} ${await r.text()}`);
  await r.arrayBuffer();
}
console.log((performance.now() - t0).toFixed(0));
