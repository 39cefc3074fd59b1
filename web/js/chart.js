/*
 * chart.js -- ECharts, loaded on demand (loadCharts(): its ES module, a
 * megabyte that the login page and the kiosk never fetch; app.js awaits it
 * before showing a page marked charts: true), then window.echarts, with one
 * registry, so the charts of a page are disposed when the page goes away
 * and resized with the window.
 */

let loadingCharts = null;

/* Load ECharts once; resolves true when it is there (false when it could
 * not be loaded: pages then show their tables without charts). */
export function loadCharts() {
  if (!loadingCharts)
    loadingCharts = import('../vendor/echarts.esm.min.mjs').then((m) => {
      window.echarts = m;
      return true;
    }, (e) => {
      console.warn('charts unavailable', e);   // eslint-disable-line no-console
      loadingCharts = null;   // try again on the next page
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

export function hasCharts() {
  return typeof window.echarts === 'object' && window.echarts !== null;
}

/* Common look: the UI's font and colours. */
export const palette = ['#1d5fbf', '#e0a526', '#2f9e6e', '#c23a3a', '#7a5cc4', '#3aa0c2'];
const FONT_FALLBACK = 'sans-serif';
const font = () => getComputedStyle(document.documentElement).getPropertyValue('--font').trim() || FONT_FALLBACK;

/* Make a chart in el with option; returns the instance or null when
 * ECharts did not load (the caller's table still shows the numbers). */
export function chart(el, option) {
  if (!hasCharts())
    return null;
  const c = window.echarts.init(el, null, { renderer: 'canvas' });
  const still = window.matchMedia('(prefers-reduced-motion: reduce)').matches;
  c.setOption({ color: palette, textStyle: { fontFamily: font() }, animation: !still, animationDuration: 400, ...option });
  charts.add(c);
  return c;
}

export function resizeAll() {
  for (const c of charts)
    if (!c.isDisposed())
      c.resize();
}

export function disposeAll() {
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
