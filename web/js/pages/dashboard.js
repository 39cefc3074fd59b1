/*
 * dashboard.js -- 服务看板: "有求必应、说到做到" measured for a period
 * (GET /api/v1/service/stats?from=&to=): enterprises visited and visits,
 * requests raised, resolved and overdue, median days to resolve and the
 * satisfaction rate, as KPI cards, the headline sentence, ECharts charts
 * and tables by street, department, officer and category.  A street filter
 * (&street_id=, 区街上下联动) keeps one street's enterprises; a street's
 * office (/me street_id) opens on its own street.
 */
import { h, replace } from '../dom.js';
import { get } from '../api.js';
import { t, num, has, plural, fmtPct } from '../../i18n.js';
import { pageHeader, panel, errorBox, wip, isMissingApi, input, select, table, loading, noneMark } from '../ui.js';
import { chart, hasCharts, esc } from '../chart.js';
import { today, thisYear, monthStart } from '../clock.js';
import { categories, catLabel, localName, levelLabel, streets } from '../svc.js';
import { icon } from '../icons.js';

const METRICS = ['enterprises_visited', 'visits', 'requests_raised', 'requests_resolved', 'requests_overdue',
  'median_days_to_resolve', 'satisfaction_rate', 'ratings'];
const KPI = [
  ['enterprises_visited', 'dash.unitEnt', 'enterprises'],
  ['visits', 'dash.unitTimes', 'visits'],
  ['requests_raised', 'dash.unitItem', 'requests'],
  ['requests_resolved', 'dash.unitItem', 'inspections'],
  ['requests_overdue', 'dash.unitItem', 'requests', true],
  ['median_days_to_resolve', 'dash.unitDay', 'calendar'],
  ['satisfaction_rate', '', 'service'],
];
/* One colour per measure in every chart; red only for overdue. */
const COLOR = {
  enterprises_visited: '#1d5fbf', visits: '#7a5cc4', requests_raised: '#e0a526', requests_resolved: '#2f9e6e',
  requests_overdue: '#c23a3a',
};
/* The demo data's period, which the article's figures come from. */
const DEMO = ['2021-10-15', '2021-12-15'];

/* 0.93 or 93 → "93.0%"; none: a dash with its word (noneMark). */
function pct(v) {
  if (v === null || v === undefined || v === '')
    return noneMark();
  const n = Number(v);
  return fmtPct(n <= 1 ? n * 100 : n);
}

function fmt(key, v) {
  if (key === 'satisfaction_rate')
    return pct(v);
  if (key === 'median_days_to_resolve')
    return v === null || v === undefined ? noneMark() : num(v, Number.isInteger(Number(v)) ? 0 : 1);
  return num(v);
}

function rowName(x, cats, key) {
  if (x.id === null && !x.name)
    return t(key === 'by_officer' ? 'dash.noOfficer' : 'dash.unassigned');
  if (x.category || (x.code && !x.name))
    return catLabel(x.category || x.code, cats);
  return localName(x) || x.street_name || x.department_name || x.officer_name || x.display_name || x.username
    || (x.id !== undefined ? `#${x.id}` : t('common.none'));
}

export async function render(ctx) {
  const from = input('from', { type: 'date', 'aria-label': t('dash.from'), dataset: { testid: 'dash-from' } });
  const to = input('to', { type: 'date', 'aria-label': t('dash.to'), dataset: { testid: 'dash-to' } });
  if (ctx.query.get('from'))
    from.value = ctx.query.get('from');
  if (ctx.query.get('to'))
    to.value = ctx.query.get('to');
  /* the street: the address's, else a street office's own */
  const wantStreet = ctx.query.get('street_id') || (ctx.user && ctx.user.street_id ? String(ctx.user.street_id) : '');
  const street = select('street_id', [['', t('dash.allStreets')]], '');
  street.dataset.testid = 'dash-street';
  const streetsLoaded = streets().then((items) => {
    for (const st of items)
      street.appendChild(h('option', { value: String(st.id), selected: String(st.id) === wantStreet }, localName(st)));
  });
  const preset = (label, a, b, testid) => h('button', { class: 'btn btn-small', type: 'button', dataset: { testid },
    on: { click: () => { from.value = a; to.value = b; load(); } } }, label);
  const y = thisYear();
  const form = h('form', { class: 'filters', role: 'search' },
    h('label', { class: 'filter' }, h('span', null, t('dash.from')), from),
    h('label', { class: 'filter' }, h('span', null, t('dash.to')), to),
    h('label', { class: 'filter' }, h('span', null, t('dash.street')), street),
    h('button', { class: 'btn btn-primary', type: 'submit', dataset: { testid: 'dash-apply' } }, t('common.search')),
    h('span', { class: 'presets' },
      preset(t('dash.thisMonth'), monthStart(), today(), 'dash-month'),
      preset(t('dash.thisYear'), `${y}-01-01`, today(), 'dash-year'),
      preset(t('dash.demo'), DEMO[0], DEMO[1], 'dash-demo')));
  const body = h('div', { class: 'dash-body' }, loading());
  replace(ctx.el, pageHeader(t('dash.title'), t('dash.subtitle')), panel(null, form), body);

  let seq = 0;
  const load = async () => {
    const mine = ++seq;
    let s;
    let cats;
    try {
      [s, cats] = await Promise.all([get('/api/v1/service/stats', { from: from.value, to: to.value, street_id: street.value }),
        categories()]);
    } catch (e) {
      if (ctx.alive() && mine === seq)
        replace(body, isMissingApi(e) || e.status === 501 ? wip('requests', t('common.apiMissing', { path: '/api/v1/service/stats' })) : errorBox(e, load));
      return;
    }
    if (!ctx.alive() || mine !== seq)
      return;
    if (s.from && !from.value)
      from.value = s.from;
    if (s.to && !to.value)
      to.value = s.to;
    draw(body, s, cats);
  };
  form.addEventListener('submit', (e) => { e.preventDefault(); load(); });
  street.addEventListener('change', () => load());
  await streetsLoaded;
  await load();
}

/* The headline in words: plurals in English, and no dash in the sentence
 * when nothing was resolved or rated yet ("暂无评价"). */
export function headlineText(from, to, tot) {
  const present = (v) => v !== null && v !== undefined && v !== '';
  const days = tot.median_days_to_resolve;
  return t('dash.headline', {
    from: from || '', to: to || '',
    visitedText: plural('dash.hl.visited', tot.enterprises_visited ?? 0),
    resolvedText: plural('dash.hl.resolved', tot.requests_resolved ?? 0),
    daysText: present(days) ? plural('dash.hl.days', days, { days: fmt('median_days_to_resolve', days) }) : t('dash.hl.noDays'),
    rateText: present(tot.satisfaction_rate) ? t('dash.hl.rate', { rate: pct(tot.satisfaction_rate) }) : t('dash.hl.noRate'),
  });
}

function draw(body, s, cats) {
  const tot = s.totals || {};
  const cards = h('div', { class: 'stat-grid stat-grid-7' }, KPI.map(([k, unit, ic, alert]) => h('div', {
    class: ['stat', alert && Number(tot[k]) > 0 && 'stat-alert'],
  },
  h('div', { class: 'stat-icon' }, icon(ic)),
  h('div', { class: 'stat-text' },
    h('div', { class: 'stat-label' }, t(`dash.${k}`)),
    h('div', { class: 'stat-value', dataset: { stat: k } }, fmt(k, tot[k]), unit && tot[k] !== null && tot[k] !== undefined ? h('span', { class: 'stat-unit' }, t(unit)) : null)))));

  const headline = h('p', { class: 'dash-headline', dataset: { testid: 'dash-headline' } }, headlineText(s.from, s.to, tot));

  /* the requests resolved in the period by the level that solved them */
  const lv = tot.solved_by_level;
  const levels = lv ? h('p', { class: 'dash-levels', dataset: { testid: 'dash-solved-by-level' } },
    h('span', { class: 'muted' }, `${t('esc.solvedByLevel')}${t('req.colon')}`),
    ['district', 'city', 'province'].map((l, i) => [i ? t('req.semicolon') : null,
      h('span', { dataset: { level: l, n: String(lv[l] ?? 0) } }, t('esc.solvedAt', { level: levelLabel(l), n: num(lv[l] ?? 0) }))])) : null;

  const groups = [
    ['by_street', 'dash.byStreet', ['visits', 'requests_raised', 'requests_resolved', 'requests_overdue']],
    ['by_department', 'dash.byDepartment', ['requests_raised', 'requests_resolved', 'requests_overdue']],
    ['by_category', 'dash.byCategory', ['requests_raised', 'requests_resolved', 'requests_overdue']],
    ['by_officer', 'dash.byOfficer', ['enterprises_visited', 'visits', 'requests_resolved']],
  ];
  const draws = [];
  const panels = groups.map(([key, title, series]) => {
    const rows = s[key] || [];
    const cols = METRICS.filter((m) => rows.some((r) => r[m] !== undefined));
    const chartEl = h('div', { class: ['chart', key === 'by_officer' && 'chart-tall'], dataset: { testid: `chart-${key}` } });
    const ser = series.filter((m) => cols.includes(m));
    /* Officers: the 15 busiest; enterprises without an officer only in the table. */
    const shown = key === 'by_officer'
      ? rows.filter((r) => r.id !== null).sort((a, b) => (Number(b[ser[0]]) || 0) - (Number(a[ser[0]]) || 0)).slice(0, 15) : rows;
    if (rows.length && hasCharts() && ser.length)
      draws.push(() => barChart(chartEl, shown.map((r) => rowName(r, cats, key)), ser, shown, key === 'by_officer' || key === 'by_department'));
    const tbl = table([
      { key: 'name', label: t(`${title}Col`), class: 'strong nowrap', cell: (r) => rowName(r, cats, key) },
      ...cols.map((m) => ({ key: m, label: t(`dash.col.${m}`), align: 'r', cell: (r) => fmt(m, r[m]) })),
    ], rows, { class: 'table-dash' });
    return panel(t(title), [rows.length && hasCharts() && ser.length ? chartEl : null,
      key === 'by_officer' && rows.length > 15 ? h('details', { class: 'more' }, h('summary', null, t('dash.allOfficers', { n: rows.filter((r) => r.id !== null).length })), tbl) : tbl],
    { class: 'dash-panel' });
  });
  replace(body, cards, headline, levels, h('div', { class: 'dash-grid' }, panels));
  for (const d of draws)
    d();
}

function barChart(el, names, series, rows, horizontal) {
  const cat = { type: 'category', data: names, axisTick: { show: false }, axisLabel: horizontal ? { width: 110, overflow: 'truncate' } : { interval: 0, rotate: names.length > 6 ? 30 : 0 } };
  const val = { type: 'value', minInterval: 1, splitLine: { lineStyle: { color: '#e8edf3' } } };
  chart(el, {
    grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
    legend: { top: 0, left: 'center' },
    tooltip: {
      trigger: 'axis', axisPointer: { type: 'shadow' },
      formatter: (ps) => `${esc(ps[0].name)}<br>${ps.map((p) => `${p.marker}${esc(p.seriesName)}: ${esc(num(p.value))}`).join('<br>')}`,
    },
    xAxis: horizontal ? val : cat,
    yAxis: horizontal ? { ...cat, inverse: true } : val,
    series: series.map((m) => ({
      type: 'bar', name: has(`dash.${m}`) ? t(`dash.${m}`) : m, barMaxWidth: 18,
      data: rows.map((r) => Number(r[m]) || 0),
      itemStyle: COLOR[m] ? { color: COLOR[m] } : undefined,
    })),
  });
}
