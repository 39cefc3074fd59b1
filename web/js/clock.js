/*
 * clock.js -- the server's clock in the browser: the one "today".
 *
 * The server's clock (now_sec(): the system time, or ZONEOPS_NOW for tests
 * and demonstrations) decides what "today", "this month" and "this year"
 * are, not the machine the browser runs on.  Every answer that carries the
 * server's clock -- GET /api/v1/me, the login's answer, GET /api/v1/settings
 * (which the pages before a login ask for anyway), GET /healthz -- comes
 * through learn() (api.js calls it), which keeps the difference between the
 * server's "now" and the machine's; the clock runs on from there.  Dates are the zone's (the offset of the
 * server's "now", +08:00), whatever time zone the browser is in.  Before
 * any answer: the machine's clock in the zone's offset.
 *
 * Timestamps (a request's history, "updated at") are formatted elsewhere
 * (dom.js fmtTime) and are not "today": they stay as they are.
 */

let skew = 0;            // ms: the server's clock minus the machine's
let offset = 480;        // the zone's UTC offset in minutes (+08:00)

const p2 = (n) => String(n).padStart(2, '0');

/* Learn the server's clock from an answer with "now" (ISO 8601 with an
 * offset, "2027-03-15T10:00:00+08:00"); anything else is ignored. */
export function learn(answer) {
  const now = answer && typeof answer.now === 'string' ? answer.now : '';
  const m = /([+-])(\d\d):(\d\d)$/.exec(now);
  const at = Date.parse(now);
  if (!m || Number.isNaN(at))
    return;
  skew = at - Date.now();
  offset = (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
}

/* The server's time now, in ms since the epoch. */
export function nowMs() {
  return Date.now() + skew;
}

/* The zone's calendar fields of the server's time now (or of ms). */
export function zoneParts(ms = nowMs()) {
  const d = new Date(ms + offset * 60000);
  return { y: d.getUTCFullYear(), m: d.getUTCMonth() + 1, d: d.getUTCDate(),
    hh: d.getUTCHours(), mm: d.getUTCMinutes(), ss: d.getUTCSeconds() };
}

const dayText = (z) => `${z.y}-${p2(z.m)}-${p2(z.d)}`;

/* Today, YYYY-MM-DD. */
export function today() {
  return dayText(zoneParts());
}

/* This month, YYYY-MM. */
export function thisMonth() {
  return today().slice(0, 7);
}

/* This year, a number. */
export function thisYear() {
  return zoneParts().y;
}

/* The first day of this month, YYYY-MM-DD. */
export function monthStart() {
  return `${thisMonth()}-01`;
}

/* The server's time now as "YYYY-MM-DD HH:MM:SS" (the wall's clock). */
export function nowText() {
  const z = zoneParts();
  return `${dayText(z)} ${p2(z.hh)}:${p2(z.mm)}:${p2(z.ss)}`;
}
