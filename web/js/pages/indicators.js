/*
 * indicators.js -- 指标评估: the month's cumulative indicators of the
 * zone and the city's other districts; per indicator a bar chart (the zone
 * highlighted) and a table with growth and the ranks by total and by
 * growth.  Values arrive in 万元 (fdi in 万美元) and are shown in 亿.
 */
import { h, replace } from '../dom.js';
import { get } from '../api.js';
import { t, num, getLang } from '../../i18n.js';
import { pageHeader, panel, errorBox, wip, isMissingApi, select, table, empty, loading } from '../ui.js';
import { chart, hasCharts } from '../chart.js';

export const INDICATORS = ['budget_revenue', 'tax_revenue', 'industrial_sales', 'service_sales', 'fdi', 'trade_total'];
const USD = new Set(['fdi']);

/* Growth in percent: from value and prev when both are known, else the
 * server's growth (a fraction when |g| < 5 and prev is unknown is unlikely
 * to be a percent, but we cannot tell: we take it as percent). */
function growthPct(it) {
  const v = Number(it.value);
  const p = Number(it.prev_value);
  if (it.prev_value !== null && it.prev_value !== undefined && p > 0 && Number.isFinite(v))
    return ((v - p) / p) * 100;
  if (it.growth === null || it.growth === undefined)
    return null;
  return Number(it.growth);
}

function pct(g) {
  if (g === null || !Number.isFinite(g))
    return t('common.none');
  return `${g > 0 ? '+' : ''}${num(g, 1)}%`;
}

export async function render(ctx) {
  const now = new Date();
  const years = [];
  for (let y = now.getFullYear() + 1; y >= now.getFullYear() - 5; y--)
    years.push([y, String(y)]);
  const yearSel = select('year', years, '');
  const monthSel = select('month', Array.from({ length: 12 }, (_, i) => [i + 1, String(i + 1)]), '');
  yearSel.setAttribute('aria-label', t('ind.year'));
  monthSel.setAttribute('aria-label', t('ind.month'));
  const period = h('span', { class: 'period' });
  const body = h('div', { class: 'ind-body' }, loading());
  replace(ctx.el,
    pageHeader(t('ind.title'), t('ind.subtitle'),
      h('label', { class: 'inline-field' }, h('span', null, t('ind.year')), yearSel),
      h('label', { class: 'inline-field' }, h('span', null, t('ind.month')), monthSel)),
    h('div', { class: 'period-line' }, period),
    body);

  let seq = 0;
  const load = async (params) => {
    const mine = ++seq;
    replace(body, loading());
    let res;
    try {
      res = await get('/api/v1/indicators', params);
    } catch (e) {
      /* Without a period the server may insist on one: ask for last month. */
      if (!params && e.status === 422) {
        const d = new Date(now.getFullYear(), now.getMonth() - 1, 1);
        return load({ year: d.getFullYear(), month: d.getMonth() + 1 });
      }
      if (!ctx.alive() || mine !== seq)
        return;
      replace(body, isMissingApi(e) ? wip('indicators', t('common.apiMissing', { path: '/api/v1/indicators' }))
        : errorBox(e, () => load(params)));
      return;
    }
    if (!ctx.alive() || mine !== seq)
      return;
    const year = res.year ?? (params && params.year);
    const month = res.month ?? (params && params.month);
    if (year && ![...yearSel.options].some((o) => o.value === String(year)))
      yearSel.appendChild(h('option', { value: String(year) }, String(year)));
    if (year)
      yearSel.value = String(year);
    if (month)
      monthSel.value = String(month);
    period.textContent = year && month ? t('ind.period', { year, month }) : '';
    draw(body, res.items || []);
  };
  const change = () => load({ year: yearSel.value, month: monthSel.value });
  yearSel.addEventListener('change', change);
  monthSel.addEventListener('change', change);
  await load(null);
}

function draw(body, items) {
  if (!items.length) {
    replace(body, panel(null, empty(t('ind.none'))));
    return;
  }
  const names = [...INDICATORS, ...new Set(items.map((i) => i.indicator).filter((k) => !INDICATORS.includes(k)))];
  const panels = [];
  const charts = [];
  for (const key of names) {
    const rows = items.filter((i) => i.indicator === key).map((i) => ({ ...i, g: growthPct(i) }));
    if (!rows.length)
      continue;
    rows.sort((a, b) => (Number(b.value) || 0) - (Number(a.value) || 0));
    rows.forEach((r, i) => { r.rank = i + 1; });
    const byGrowth = rows.filter((r) => r.g !== null).sort((a, b) => b.g - a.g);
    byGrowth.forEach((r, i) => { r.grank = i + 1; });
    const unit = USD.has(key) ? t('ind.unit.yiUsd') : t('ind.unit.yi');
    const yi = (v) => (v === null || v === undefined ? null : Number(v) / 10000);
    const zone = rows.find((r) => r.is_zone);
    const title = getLang() === 'en' ? `${t(`ind.${key}`)} (${unit})` : `${t(`ind.${key}`)}（${unit}）`;
    const chartEl = h('div', { class: 'chart chart-small' });
    const summary = zone ? h('p', { class: 'ind-summary' }, t('ind.summary', {
      name: zone.region_name, value: num(yi(zone.value), 2), unit, growth: pct(zone.g), rank: zone.rank, grank: zone.grank ?? t('common.none'),
    })) : null;
    const tbl = table([
      { key: 'rank', label: t('ind.rank'), align: 'c', class: 'nowrap' },
      { key: 'region_name', label: t('ind.region'), class: 'nowrap', cell: (r) => [r.region_name,
        r.is_zone ? h('span', { class: 'badge badge-blue' }, t('ind.zone')) : null] },
      { key: 'value', label: t('ind.value'), align: 'r', cell: (r) => num(yi(r.value), 2) },
      { key: 'prev_value', label: t('ind.prev'), align: 'r', cell: (r) => num(yi(r.prev_value), 2) },
      { key: 'g', label: t('ind.growth'), align: 'r',
        cell: (r) => h('span', { class: r.g !== null && r.g < 0 ? 'neg' : 'pos' }, pct(r.g)) },
      { key: 'grank', label: t('ind.growthRank'), align: 'c', cell: (r) => r.grank ?? null },
    ], rows, { class: 'table-compact', rowClass: (r) => (r.is_zone ? 'row-zone' : null) });
    panels.push(panel(title, [summary, hasCharts() ? chartEl : null, tbl], { class: 'ind-panel' }));
    charts.push([chartEl, rows, yi, unit]);
  }
  replace(body, h('div', { class: 'ind-grid' }, panels));
  for (const [el, rows, yi, unit] of charts) {
    chart(el, {
      grid: { left: 8, right: 16, top: 16, bottom: 8, containLabel: true },
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' },
        valueFormatter: (v) => `${num(v, 2)} ${unit}` },
      xAxis: { type: 'category', data: rows.map((r) => r.region_name),
        axisLabel: { interval: 0, rotate: rows.length > 6 ? 30 : 0, fontSize: 11 }, axisTick: { show: false } },
      yAxis: { type: 'value', splitLine: { lineStyle: { color: '#e8edf3' } } },
      series: [{
        type: 'bar', barMaxWidth: 36,
        data: rows.map((r) => ({
          value: Number((yi(r.value) || 0).toFixed(2)),
          itemStyle: { color: r.is_zone ? '#1d5fbf' : '#b4c3d6', borderRadius: [3, 3, 0, 0] },
        })),
        label: { show: true, position: 'top', fontSize: 10, formatter: (p) => num(p.value, 1) },
      }],
    });
  }
}
