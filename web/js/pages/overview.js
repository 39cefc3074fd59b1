/*
 * overview.js -- 首页: counts from GET /api/v1/summary and a bar chart of
 * projects by stage.
 */
import { h, replace } from '../dom.js';
import { get } from '../api.js';
import { t, num } from '../../i18n.js';
import { pageHeader, panel, errorBox, empty } from '../ui.js';
import { chart, hasCharts, esc } from '../chart.js';
import { icon } from '../icons.js';

export const STAGES = ['lead', 'negotiating', 'signed', 'landed', 'started', 'producing'];

const CARDS = [
  ['enterprises', 'overview.unitEnterprise', 'enterprises', '#enterprises'],
  ['key_enterprises', 'overview.unitEnterprise', 'enterprises', '#enterprises'],
  ['projects', 'overview.unitProject', 'race', '#race'],
  ['major_projects', 'overview.unitProject', 'race', '#race'],
  ['officers', 'overview.unitPerson', 'users', null],
  ['users', 'overview.unitPerson', 'users', null],
];

export async function render(ctx) {
  const load = async () => {
    let s;
    let projects = null;
    try {
      [s, projects] = await Promise.all([
        get('/api/v1/summary'),
        get('/api/v1/projects', { limit: 1000 }).then((r) => r.items || []).catch(() => null),
      ]);
    } catch (e) {
      if (ctx.alive())
        replace(ctx.el, pageHeader(t('overview.title'), t('overview.subtitle')), errorBox(e, load));
      return;
    }
    if (!ctx.alive())
      return;
    draw(ctx, s, projects);
  };
  await load();
}

function draw(ctx, s, projects) {
  const cards = h('div', { class: 'stat-grid' }, CARDS.map(([key, unit, ic, href]) => {
    const body = [
      h('div', { class: 'stat-icon' }, icon(ic)),
      h('div', { class: 'stat-text' },
        h('div', { class: 'stat-label' }, t(`overview.${key}`)),
        h('div', { class: 'stat-value', dataset: { stat: key } },
          num(s[key]), h('span', { class: 'stat-unit' }, t(unit)))),
    ];
    return href ? h('a', { class: ['stat', key.startsWith('major') && 'stat-alert'], href: `#/${href.slice(1)}` }, body)
      : h('div', { class: 'stat' }, body);
  }));

  const byStage = new Map((s.projects_by_stage || []).map((x) => [x.stage, Number(x.count) || 0]));
  const stages = [...STAGES, ...[...byStage.keys()].filter((k) => !STAGES.includes(k))];
  const counts = stages.map((k) => byStage.get(k) || 0);
  const labels = stages.map((k) => t(`stage.${k}`));
  const chartEl = h('div', { class: 'chart', dataset: { testid: 'stage-chart' } });
  const total = counts.reduce((a, b) => a + b, 0);

  /* The funnel as a table too: readable without the chart. */
  const funnel = h('div', { class: 'stage-strip' }, stages.map((k, i) =>
    h('a', { class: 'stage-cell', href: '#/race' },
      h('span', { class: 'stage-name' }, labels[i]),
      h('span', { class: 'stage-count' }, num(counts[i])))));

  const unitPanel = projects && projects.length ? byUnit(projects) : null;
  replace(ctx.el,
    pageHeader(t('overview.title'), t('overview.subtitle')),
    cards,
    h('div', { class: 'ov-grid' },
      panel(t('overview.byStage'), [
        total === 0 ? empty() : (hasCharts() ? chartEl : null),
        funnel,
      ], { extra: h('span', { class: 'muted' }, t('overview.byStageHint')) }),
      unitPanel ? unitPanel.node : null));
  if (unitPanel)
    unitPanel.draw();

  const wan = stages.map((k) => {
    const x = (s.projects_by_stage || []).find((y) => y.stage === k);
    return x && x.total_investment_wan !== undefined ? Number(x.total_investment_wan) / 10000 : null;
  });
  const hasMoney = wan.some((v) => v !== null);
  if (total > 0)
    chart(chartEl, {
      grid: { left: 12, right: 12, top: hasMoney ? 60 : 40, bottom: 8, containLabel: true },
      legend: hasMoney ? { top: 0, left: 'center' } : undefined,
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
      /* every stage named, slanted on a phone */
      xAxis: { type: 'category', data: labels, axisTick: { show: false }, axisLabel: { interval: 0, rotate: phone() ? 35 : 0 } },
      yAxis: [
        { type: 'value', minInterval: 1, name: t('overview.count'), nameTextStyle: { align: 'left' }, splitLine: { lineStyle: { color: '#e8edf3' } } },
        hasMoney ? { type: 'value', name: t('race.investmentYi'), nameTextStyle: { align: 'right' }, splitLine: { show: false } } : null,
      ].filter(Boolean),
      series: [{
        type: 'bar', data: counts, barMaxWidth: 56, name: t('overview.count'),
        itemStyle: { borderRadius: [4, 4, 0, 0] },
        label: { show: true, position: 'insideTop', color: '#fff', fontWeight: 600 },
      }, hasMoney ? {
        type: 'line', yAxisIndex: 1, name: t('race.investmentYi'),
        data: wan.map((v) => (v === null ? null : Number(v.toFixed(2)))),
        symbolSize: 7, lineStyle: { width: 2 },
        tooltip: { valueFormatter: (v) => `${num(v, 2)} ${t('race.yi')}` },
      } : null].filter(Boolean),
    });
}

/* A phone's width: charts name fewer ticks and slant their labels. */
const phone = () => window.innerWidth <= 640;

/* The race at a glance: per unit, total investment, projects, majors. */
function byUnit(projects) {
  const units = new Map();
  for (const p of projects) {
    const k = p.unit_name || `#${p.unit_id}`;
    const u = units.get(k) || { name: k, count: 0, wan: 0, major: 0 };
    u.count++;
    u.wan += Number(p.total_investment_wan) || 0;
    if (p.major === true || Number(p.total_investment_wan) >= 100000)
      u.major++;
    units.set(k, u);
  }
  const rows = [...units.values()].sort((a, b) => a.wan - b.wan);
  const el = h('div', { class: 'chart', dataset: { testid: 'unit-chart' } });
  const node = panel(t('overview.byUnit'), hasCharts() ? el : null,
    { extra: h('a', { href: '#/race', class: 'muted' }, t('overview.byUnitHint')) });
  const draw = () => chart(el, {
    grid: { left: 12, right: 56, top: 8, bottom: 8, containLabel: true },
    tooltip: {
      trigger: 'axis', axisPointer: { type: 'shadow' },
      formatter: (ps) => {
        const r = rows[ps[0].dataIndex];
        return `${esc(r.name)}<br>${esc(t('race.projects'))}: ${num(r.count)}<br>${esc(t('race.investmentYi'))}: ${num(r.wan / 10000, 2)}`
          + `<br>${esc(t('race.major'))}: ${num(r.major)}`;
      },
    },
    xAxis: { type: 'value', splitNumber: phone() ? 3 : undefined, splitLine: { lineStyle: { color: '#e8edf3' } } },
    yAxis: { type: 'category', data: rows.map((r) => r.name), axisTick: { show: false } },
    series: [{
      type: 'bar', name: t('race.investmentYi'), barMaxWidth: 22,
      data: rows.map((r) => Number((r.wan / 10000).toFixed(2))),
      itemStyle: { borderRadius: [0, 4, 4, 0] },
      label: { show: true, position: 'right', formatter: (x) => `${num(x.value, 1)}` },
    }],
  });
  return { node, draw };
}
