/*
 * chart.js -- ECharts, loaded on demand and drawn when seen.
 *
 * ECharts (its ES module, a megabyte that the login page and the kiosk
 * never fetch) is imported the first time a chart comes near the viewport,
 * and each chart is drawn then (chart()): a page shows its numbers at once
 * and does not wait for the library, and charts further down the page cost
 * nothing until the user scrolls to them.  Then window.echarts, with one
 * registry, so the charts of a page are disposed when the page goes away
 * and resized with the window.  A page that needs ECharts itself (the land
 * map registers its plots) awaits loadCharts() and draws with chartNow().
 */

let loadingCharts = null;
let failed = false;

/* Load ECharts once; resolves true when it is there (false when it could
 * not be loaded: pages then show their tables without charts). */
export function loadCharts() {
  if (!loadingCharts)
    loadingCharts = import('../vendor/echarts.esm.min.mjs').then((m) => {
      window.echarts = m;
      failed = false;
      return true;
    }, (e) => {
      console.warn('charts unavailable', e);   // eslint-disable-line no-console
      loadingCharts = null;   // try again on the next page
      failed = true;
      return false;
    });
  return loadingCharts;
}

const charts = new Set();
let resizeTimer = 0;

window.addEventListener('resize', () => {
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(resizeAll, 120);
});

/* Whether a page should lay out its charts: ECharts is there, or will be
 * loaded when they are seen (false after it failed to load). */
export function hasCharts() {
  return !failed;
}

/* Common look: the UI's font and colours. */
export const palette = ['#1d5fbf', '#e0a526', '#2f9e6e', '#c23a3a', '#7a5cc4', '#3aa0c2'];
const FONT_FALLBACK = 'sans-serif';
const font = () => getComputedStyle(document.documentElement).getPropertyValue('--font').trim() || FONT_FALLBACK;

/* Make a chart in el now (ECharts loaded: after loadCharts() resolved
 * true); the chart el held before is disposed.  Returns the instance, or
 * null without ECharts. */
export function chartNow(el, option) {
  if (typeof window.echarts !== 'object' || window.echarts === null)
    return null;
  const old = window.echarts.getInstanceByDom(el);
  if (old)
    old.dispose();
  const c = window.echarts.init(el, null, { renderer: 'canvas' });
  const still = window.matchMedia('(prefers-reduced-motion: reduce)').matches;
  c.setOption({ color: palette, textStyle: { fontFamily: font() }, animation: !still, animationDuration: 400, ...option });
  charts.add(c);
  return c;
}

/* Charts waiting to be seen: el -> what to do when it comes near the
 * viewport (a chart's option, or a function). */
const waiting = new Map();
let watcher = null;

function seen(entries) {
  for (const e of entries) {
    if (!e.isIntersecting)
      continue;
    const el = e.target;
    const job = waiting.get(el);
    watcher.unobserve(el);
    waiting.delete(el);
    if (typeof job === 'function') {
      job();
      continue;
    }
    loadCharts().then((ok) => {
      if (!el.isConnected || waiting.has(el))
        return;   // gone, or given a newer option meanwhile
      if (ok)
        chartNow(el, job);
      else
        el.hidden = true;   // no library: the page's table has the numbers
    });
  }
}

/* Run fn once el comes within half a screen of the viewport (at once,
 * on the next frame, when it is there already). */
export function whenNear(el, fn) {
  watch(el, fn);
}

function watch(el, job) {
  if (!watcher)
    watcher = new IntersectionObserver(seen, { rootMargin: '50% 0px' });
  waiting.set(el, job);
  watcher.unobserve(el);
  watcher.observe(el);
}

/* Draw option in el when el is first seen (ECharts loaded then); a chart
 * el held before is replaced when the new one is drawn. */
export function chart(el, option) {
  watch(el, option);
}

export function resizeAll() {
  for (const c of charts)
    if (!c.isDisposed())
      c.resize();
}

export function disposeAll() {
  if (watcher)
    watcher.disconnect();
  waiting.clear();
  for (const c of charts)
    if (!c.isDisposed())
      c.dispose();
  charts.clear();
}

/* Escape text for an HTML tooltip formatter (ECharts puts its result in
 * the DOM as markup). */
export function esc(v) {
  return String(v ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
}
