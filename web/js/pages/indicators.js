/*
 * indicators.js -- 指标评估, the monthly report page: for one period
 * (1-M月累计) the generated report paragraph, every indicator of every
 * region (value, growth, rank by total, rank by growth, tax share),
 * the zone's progress against its annual targets beside the time
 * progress M/12, a bar chart by region and the zone's month-by-month
 * trend over two years, bulletin downloads and, for statisticians and
 * admins, the import of indicator and target files.
 *
 * Sources: GET /api/v1/indicators/evaluation?period= (values in 亿,
 * growth in percent), GET /api/v1/indicators/report?period= ({text}),
 * GET /api/v1/indicators?year=&month= (the month table in 万元, used for
 * the trend, for the latest period, and as the evaluation's stand-in when
 * the evaluation is refused or not there), bulletin downloads, imports.
 *
 * Colours: growth follows the Chinese market convention throughout the
 * page: a rise is red (.g-up), a fall green (.g-down), zero neutral.
 * Print (@media print): navigation, controls, charts and the import panel
 * are hidden; the paragraph, the progress and the table remain.
 */
import { h, replace } from '../dom.js';
import { get } from '../api.js';
import { t, has, getLang, fmtAmount, fmtGrowth, fmtPct as fmtPctOf } from '../../i18n.js';
import { pageHeader, panel, errorBox, errorText, isMissingApi, select, empty, loading, toast, badge, importErrors } from '../ui.js';
import { chart, hasCharts, whenNear, esc } from '../chart.js';
import { thisYear } from '../clock.js';
import { jobProgress, runImportJob, jobOutcome } from './importer.js';

/* The issue's order; codes the server adds are appended in its order. */
export const INDICATORS = ['budget_revenue', 'tax_revenue', 'industrial_sales', 'service_sales', 'fdi_utilised', 'fdi', 'trade_total'];
const USD = new Set(['fdi', 'fdi_utilised']);
const IMPORTERS = new Set(['admin', 'statistician']);
/* Who may read the evaluation, the paragraph and the bulletin (the others see the month table). */
const READERS = new Set(['admin', 'leader', 'statistician']);
const ZONE_COLOR = '#1d5fbf';
const PEER_COLOR = '#b4c3d6';

/* ---------- formatting ---------- */

const locale = () => (getLang() === 'zh' ? 'zh-CN' : 'en-US');
const isNum = (v) => v !== null && v !== undefined && v !== '' && Number.isFinite(Number(v));

/* A value: at most two decimals, no trailing zeros (1485, 61.8, 5.54). */
export const fmtValue = fmtAmount;

/* Growth in percent: the one rule (i18n.js): signed, one decimal always. */
export { fmtGrowth };

/* A fraction (0..1) as a percent with one decimal. */
const fmtPct = (f) => fmtPctOf(f, { fraction: true });

/* The growth as a coloured span: up red, down green (Chinese convention). */
function growthSpan(g) {
  const n = isNum(g) ? Number(g) : null;
  const rounded = n === null ? 0 : Math.round(n * 10) / 10;
  return h('span', { class: ['growth', rounded > 0 && 'g-up', rounded < 0 && 'g-down'] }, fmtGrowth(g));
}

function indName(ind) {
  if (getLang() === 'en' && has(`ind.${ind.code}`))
    return t(`ind.${ind.code}`);
  return ind.name && ind.name !== ind.code ? ind.name : t(`ind.${ind.code}`);
}

function unitName(ind) {
  const usd = USD.has(ind.code) || /美元|USD/i.test(ind.unit || '');
  if (getLang() === 'en' || !ind.unit)
    return usd ? t('ind.unit.yiUsd') : t('ind.unit.yi');
  return ind.unit;
}

function withUnit(ind) {
  return getLang() === 'en' ? `${indName(ind)} (${unitName(ind)})` : `${indName(ind)}（${unitName(ind)}）`;
}

const periodOf = (y, m) => `${y}-${String(m).padStart(2, '0')}`;

/* ---------- data ---------- */

/* Ranks among the rows with a number, 1 = highest, ties share the best. */
function rankBy(rows, key, out) {
  const vals = rows.filter((r) => isNum(r[key])).map((r) => Number(r[key]));
  for (const r of rows)
    r[out] = isNum(r[key]) ? 1 + vals.filter((v) => v > Number(r[key])).length : null;
}

/*
 * The evaluation computed here from the month table (万元 → 亿), for a
 * reader the evaluation refuses or a server without it: no targets.
 */
function fromMonthTable(res, year, month) {
  const items = res.items || [];
  const codes = [...new Set(items.map((i) => i.indicator))];
  codes.sort((a, b) => (INDICATORS.indexOf(a) + 1 || 99) - (INDICATORS.indexOf(b) + 1 || 99));
  const indicators = codes.map((code) => {
    const regions = items.filter((i) => i.indicator === code).map((i) => ({
      region_id: i.region_id, name: i.region_name, is_zone: Boolean(i.is_zone),
      value: isNum(i.value) ? Number(i.value) / 10000 : null,
      growth: isNum(i.prev_value) && Number(i.prev_value) > 0 && isNum(i.value)
        ? (Number(i.value) / Number(i.prev_value) - 1) * 100 : (isNum(i.growth) ? Number(i.growth) : null),
      target: null, progress: null,
    }));
    rankBy(regions, 'value', 'rank_total');
    rankBy(regions, 'growth', 'rank_growth');
    return { code, name: t(`ind.${code}`), unit: USD.has(code) ? '亿美元' : '亿元', regions };
  });
  const budget = indicators.find((i) => i.code === 'budget_revenue');
  const tax = indicators.find((i) => i.code === 'tax_revenue');
  let taxShare = [];
  if (budget && tax) {
    taxShare = budget.regions.map((b) => {
      const tr = tax.regions.find((x) => x.region_id === b.region_id);
      return { region_id: b.region_id, name: b.name, is_zone: b.is_zone,
        share: tr && isNum(tr.value) && b.value > 0 ? tr.value / b.value : null };
    });
    rankBy(taxShare, 'share', 'rank');
  }
  return { period: periodOf(year, month), year, month, time_progress: month / 12, indicators, tax_share: taxShare, derived: true };
}

/* Accept the evaluation in the shape the brief gives, tolerating small
 * differences (region_name for name, ranks under other names).  The
 * server sends time_progress, progress and share in percent (83.3) or as
 * fractions (0.833); here they become fractions. */
function normalise(ev, year, month) {
  const zoneId = ev.zone_region_id ?? ev.zone?.region_id ?? null;
  const anyShare = (ev.tax_share || []).find((x) => isNum(x.share));
  const percent = isNum(ev.time_progress) ? Number(ev.time_progress) > 1.0001 : Boolean(anyShare && Number(anyShare.share) > 1.5);
  const frac = (v) => (isNum(v) ? Number(v) / (percent ? 100 : 1) : null);
  const indicators = (ev.indicators || []).map((ind) => ({
    ...ind,
    code: ind.code || ind.indicator,
    regions: (ind.regions || []).map((r) => ({
      ...r,
      name: r.name ?? r.region_name,
      is_zone: Boolean(r.is_zone ?? (zoneId !== null && r.region_id === zoneId)),
      rank_total: r.rank_total ?? r.rank ?? null,
      rank_growth: r.rank_growth ?? r.growth_rank ?? null,
      progress: frac(r.progress),
    })),
  }));
  const taxShare = (ev.tax_share || []).map((s) => ({
    ...s,
    name: s.name ?? s.region_name,
    is_zone: Boolean(s.is_zone ?? (zoneId !== null && s.region_id === zoneId)),
    rank: s.rank ?? s.rank_share ?? null,
    share: frac(s.share),
  }));
  const y = ev.year ?? year;
  const m = ev.month ?? month;
  return { ...ev, year: y, month: m, time_progress: isNum(ev.time_progress) ? frac(ev.time_progress) : m / 12, indicators, tax_share: taxShare };
}

/* The month table per period, kept while the page lives (an import clears it). */
const monthCache = new Map();
function monthTable(year, month) {
  const key = periodOf(year, month);
  if (!monthCache.has(key))
    monthCache.set(key, get('/api/v1/indicators', { year, month }).catch((e) => {
      monthCache.delete(key);
      throw e;
    }));
  return monthCache.get(key);
}

/* ---------- the page ---------- */

export async function render(ctx) {
  monthCache.clear();
  const canImport = IMPORTERS.has(ctx.user && ctx.user.role);
  const canRead = READERS.has(ctx.user && ctx.user.role);

  const yearSel = select('year', [], '');
  const monthSel = select('month', Array.from({ length: 12 }, (_, i) => [i + 1, t('ind.monthN', { month: i + 1 })]), '');
  yearSel.setAttribute('aria-label', t('ind.year'));
  monthSel.setAttribute('aria-label', t('ind.month'));
  yearSel.dataset.testid = 'ind-year';
  monthSel.dataset.testid = 'ind-month';
  const setYears = (latest) => {
    const top = Math.max(latest || 0, thisYear());
    replace(yearSel, Array.from({ length: 8 }, (_, i) => top - i).map((y) => h('option', { value: String(y) }, String(y))));
  };
  setYears(0);

  const downloads = h('div', { class: 'ind-downloads', dataset: { testid: 'ind-downloads' } });
  const printBtn = h('button', { class: 'btn', type: 'button', dataset: { testid: 'ind-print' }, on: { click: () => window.print() } },
    t('ind.print'));
  const periodLine = h('div', { class: 'period-line' });
  const body = h('div', { class: 'ind-body' }, loading());
  const importBox = canImport ? importPanel(ctx, () => load(current)) : null;

  replace(ctx.el,
    pageHeader(t('ind.title'), t('ind.subtitle'),
      h('label', { class: 'inline-field' }, h('span', null, t('ind.year')), yearSel),
      h('label', { class: 'inline-field' }, h('span', null, t('ind.month')), monthSel),
      printBtn),
    periodLine,
    body,
    importBox);

  let seq = 0;
  let current = null;

  const load = async (p) => {
    const mine = ++seq;
    current = p;
    replace(body, loading());
    const { year, month } = p;
    if (![...yearSel.options].some((o) => o.value === String(year)))
      setYears(year);
    yearSel.value = String(year);
    monthSel.value = String(month);
    const period = periodOf(year, month);
    /* A period chosen here goes into the address (a link to it); #/indicators stays "the latest". */
    if (p.chosen || ctx.query.has('period')) {
      const q = new URLSearchParams(ctx.query);
      q.set('period', period);
      history.replaceState(null, '', `#/indicators?${q}`);
    }
    replace(periodLine, h('span', { class: 'period', dataset: { testid: 'ind-period' } }, t(month === 1 ? 'ind.period1' : 'ind.period', { year, month })));
    replace(downloads, t('ind.download'), ['md', 'html', 'xlsx'].map((f) =>
      h('a', { class: 'btn btn-small', href: `/api/v1/indicators/bulletin?period=${period}&format=${f}`, download: `bulletin-${period}.${f}`,
        dataset: { format: f } }, f.toUpperCase())));

    let ev;
    let reportText = null;
    let reportErr = null;
    const fallback = async () => fromMonthTable(await monthTable(year, month), year, month);
    const evP = !canRead ? fallback() : get('/api/v1/indicators/evaluation', { period }).then((r) => normalise(r, year, month), async (e) => {
      /* Refused (a reader without the right) or not there yet: the month table. */
      if (e.status === 403 || e.status === 501 || isMissingApi(e))
        return fallback();
      throw e;
    });
    const repP = !canRead ? Promise.resolve() : get('/api/v1/indicators/report', { period }).then((r) => { reportText = r && (r.text ?? r.paragraph ?? ''); },
      (e) => { reportErr = e; });
    try {
      [ev] = await Promise.all([evP, repP]);
    } catch (e) {
      if (!ctx.alive() || mine !== seq)
        return;
      replace(body, errorBox(e, () => load(p)));
      return;
    }
    if (!ctx.alive() || mine !== seq)
      return;
    const tp = ev.time_progress;
    periodLine.appendChild(h('span', { class: 'ind-time', dataset: { testid: 'ind-time' } },
      t('ind.timeProgress', { pct: fmtPct(tp) })));
    draw(ctx, body, ev, canRead ? reportBlock(reportText, reportErr, downloads) : null, () => mine === seq);
  };

  const change = () => load({ year: Number(yearSel.value), month: Number(monthSel.value), chosen: true });
  yearSel.addEventListener('change', change);
  monthSel.addEventListener('change', change);

  /* The period asked for (#/indicators?period=2026-10), else the latest with data. */
  const asked = /^(\d{4})-(\d{1,2})$/.exec(ctx.query.get('period') || '');
  if (asked && Number(asked[2]) >= 1 && Number(asked[2]) <= 12) {
    await load({ year: Number(asked[1]), month: Number(asked[2]) });
    return;
  }
  let latest;
  try {
    latest = await get('/api/v1/indicators');
  } catch (e) {
    if (ctx.alive())
      replace(body, errorBox(e, () => render(ctx)));
    return;
  }
  if (!ctx.alive())
    return;
  if (!latest.year || !latest.month) {
    replace(body, panel(null, empty(t('ind.noData'))));
    return;
  }
  await load({ year: latest.year, month: latest.month });
}

function draw(ctx, body, ev, report, stillMine) {
  const inds = [...ev.indicators].filter((i) => i.regions && i.regions.length);
  inds.sort((a, b) => (INDICATORS.indexOf(a.code) + 1 || 99) - (INDICATORS.indexOf(b.code) + 1 || 99));
  if (!inds.length) {
    replace(body, report, panel(null, empty(t('ind.none'))));
    return;
  }
  const barEl = h('div', { class: 'chart ind-chart', dataset: { testid: 'ind-bar' } });
  const trendEl = h('div', { class: 'chart ind-chart', dataset: { testid: 'ind-trend' } });
  const chartable = inds.filter((i) => i.code !== 'tax_revenue' || inds.length === 1);
  const indSel = select('indicator', chartable.map((i) => [i.code, indName(i)]), chartable[0].code);
  indSel.setAttribute('aria-label', t('ind.chartIndicator'));
  indSel.dataset.testid = 'ind-chart-select';

  replace(body,
    report,
    progressBlock(ev, inds),
    panel(t('ind.tableTitle'), [evalTable(ev, inds), ev.derived ? h('p', { class: 'field-hint' }, t('ind.derived')) : null],
      { class: 'ind-table-panel' }),
    hasCharts() ? panel(t('ind.charts'), h('div', { class: 'ind-charts' },
      h('div', { class: 'ind-chart-box' }, h('h3', { class: 'ind-chart-title', dataset: { testid: 'ind-bar-title' } }), barEl),
      h('div', { class: 'ind-chart-box' }, h('h3', { class: 'ind-chart-title', dataset: { testid: 'ind-trend-title' } }), trendEl)),
    { class: 'ind-charts-panel', extra: h('label', { class: 'inline-field' }, h('span', null, t('ind.chartIndicator')), indSel) }) : null);

  if (!hasCharts())
    return;
  const showCharts = () => {
    const ind = chartable.find((i) => i.code === indSel.value) || chartable[0];
    barEl.previousSibling.textContent = t('ind.barTitle', { name: withUnit(ind) });
    trendEl.previousSibling.textContent = t('ind.trendTitle', { name: withUnit(ind) });
    barChart(barEl, ind);
    /* the trend asks for 23 month tables: only once its chart is seen */
    whenNear(trendEl, () => loadTrend(ev, ind, trendEl, () => ctx.alive() && stillMine() && indSel.value === ind.code));
  };
  indSel.addEventListener('change', showCharts);
  showCharts();
}

/* The report paragraph, its copy button and the bulletin downloads. */
function reportBlock(text, err, downloads) {
  const para = h('p', { class: 'ind-report-text', dataset: { testid: 'ind-report' } },
    text || (err ? t('ind.reportUnavailable', { reason: errorText(err) }) : t('ind.reportEmpty')));
  if (!text)
    para.classList.add('muted');
  const copyBtn = h('button', { class: 'btn btn-small', type: 'button', dataset: { testid: 'ind-copy' }, disabled: !text,
    on: { click: () => copyText(text) } }, t('ind.copy'));
  return h('section', { class: 'panel ind-report' },
    h('div', { class: 'panel-head' },
      h('h2', { class: 'panel-title' }, t('ind.report')),
      h('div', { class: 'panel-extra ind-report-actions' }, copyBtn, downloads)),
    h('div', { class: 'panel-body' }, para));
}

async function copyText(text) {
  try {
    if (navigator.clipboard && window.isSecureContext)
      await navigator.clipboard.writeText(text);
    else {
      const ta = h('textarea', { class: 'copy-buffer', readonly: true });
      ta.value = text;
      document.body.appendChild(ta);
      ta.select();
      const ok = document.execCommand('copy');
      ta.remove();
      if (!ok)
        throw new Error('copy');
    }
    toast(t('ind.copied'));
  } catch {
    toast(t('ind.copyFailed'), 'error');
  }
}

/* The zone's progress against each annual target, beside M/12. */
function progressBlock(ev, inds) {
  const tp = Number(ev.time_progress) || 0;
  const rows = [];
  for (const ind of inds) {
    const z = ind.regions.find((r) => r.is_zone);
    if (!z || !isNum(z.progress) || !isNum(z.target))
      continue;
    rows.push(h('div', { class: 'ind-prog-row', dataset: { code: ind.code } },
      h('div', { class: 'ind-prog-name' }, indName(ind)),
      progressBar(Number(z.progress), tp, false, indName(ind)),
      h('div', { class: 'ind-prog-text' },
        t('ind.progressText', { value: fmtValue(z.value), target: fmtValue(z.target), unit: unitName(ind), pct: fmtPct(z.progress) }), ' ',
        Number(z.progress) >= tp ? badge(t('ind.ahead'), 'green') : badge(t('ind.behind'), 'gold'))));
  }
  if (!rows.length)
    return null;
  return panel(t('ind.progressTitle'), [
    h('p', { class: 'ind-prog-legend' },
      h('span', { class: 'ind-legend-bar' }), t('ind.legendDone'), ' ',
      h('span', { class: 'ind-legend-bar behind' }), t('ind.behind'), ' ',
      h('span', { class: 'ind-legend-mark' }), t('ind.legendTime', { pct: fmtPct(tp) })),
    h('div', { class: 'ind-prog', dataset: { testid: 'ind-progress' } }, rows),
  ], { class: 'ind-progress-panel' });
}

/* name: what the bar measures, read out with the share done (a11y). */
function progressBar(progress, tp, small, name) {
  const w = Math.max(0, Math.min(1, progress)) * 100;
  return h('div', { class: ['ind-bar', small && 'ind-bar-small', progress >= tp ? 'ahead' : 'behind'],
    role: 'progressbar', 'aria-valuemin': '0', 'aria-valuemax': '100', 'aria-valuenow': String(Math.round(progress * 100)),
    'aria-label': name, 'aria-valuetext': t('a11y.progress', { name, value: fmtPct(progress) }) },
  h('div', { class: 'ind-bar-fill', style: { width: `${w}%` } }),
  h('div', { class: 'ind-bar-time', style: { left: `${Math.max(0, Math.min(1, tp)) * 100}%` }, title: t('ind.legendTime', { pct: fmtPct(tp) }) }));
}

/* One table: a heading row per indicator, then its regions. */
function evalTable(ev, inds) {
  const tp = Number(ev.time_progress) || 0;
  const anyTarget = inds.some((i) => i.regions.some((r) => isNum(r.target)));
  const cols = [
    [t('ind.region'), 'l'], [t('ind.value'), 'r'], [t('ind.growth'), 'r'],
    [t('ind.rankTotal'), 'c'], [t('ind.rankGrowth'), 'c'],
  ];
  if (anyTarget)
    cols.push([t('ind.target'), 'r'], [t('ind.progress'), 'l']);
  const n = cols.length;
  const rank = (v) => (isNum(v) ? String(v) : t('common.none'));
  const groups = [];
  for (const ind of inds) {
    groups.push(h('tr', { class: 'ind-group', dataset: { code: ind.code } }, h('th', { colspan: String(n), scope: 'colgroup' }, withUnit(ind))));
    for (const r of ind.regions) {
      const cells = [
        h('td', { class: 'nowrap' }, r.name, r.is_zone ? [' ', badge(t('ind.zone'), 'blue')] : null),
        h('td', { class: 'al-r' }, fmtValue(r.value)),
        h('td', { class: 'al-r' }, growthSpan(r.growth)),
        h('td', { class: 'al-c' }, rank(r.rank_total)),
        h('td', { class: 'al-c' }, rank(r.rank_growth)),
      ];
      if (anyTarget)
        cells.push(h('td', { class: 'al-r' }, fmtValue(r.target)),
          h('td', { class: 'ind-cell-prog' }, isNum(r.progress)
            ? [progressBar(Number(r.progress), tp, true, `${indName(ind)} ${r.name}`), h('span', { class: 'ind-cell-pct' }, fmtPct(r.progress))] : t('common.none')));
      groups.push(h('tr', { class: r.is_zone ? 'row-zone' : null, dataset: { code: ind.code, region: String(r.region_id ?? '') } }, cells));
    }
    /* 税占比 follows the budget revenue. */
    if (ind.code === 'budget_revenue' && ev.tax_share && ev.tax_share.length) {
      groups.push(h('tr', { class: 'ind-group', dataset: { code: 'tax_share' } },
        h('th', { colspan: String(n), scope: 'colgroup' }, t('ind.taxShareTitle'))));
      for (const s of ev.tax_share) {
        const cells = [
          h('td', { class: 'nowrap' }, s.name, s.is_zone ? [' ', badge(t('ind.zone'), 'blue')] : null),
          h('td', { class: 'al-r', dataset: { testid: s.is_zone ? 'ind-zone-share' : null } }, fmtPct(s.share, 1)),
          h('td', { class: 'al-r' }, t('common.none')),
          h('td', { class: 'al-c' }, rank(s.rank)),
          h('td', { class: 'al-c' }, t('common.none')),
        ];
        if (anyTarget)
          cells.push(h('td', null, ''), h('td', null, ''));
        groups.push(h('tr', { class: s.is_zone ? 'row-zone' : null, dataset: { code: 'tax_share', region: String(s.region_id ?? '') } }, cells));
      }
    }
  }
  return h('div', { class: 'table-wrap', tabindex: '0' },
    h('table', { class: 'table table-compact ind-table', dataset: { testid: 'ind-table' } },
      h('thead', null, h('tr', null, cols.map(([label, al]) => h('th', { class: `al-${al}`, scope: 'col' }, label)))),
      h('tbody', null, groups)));
}

function barChart(el, ind) {
  const rows = [...ind.regions].filter((r) => isNum(r.value)).sort((a, b) => Number(b.value) - Number(a.value));
  const unit = unitName(ind);
  chart(el, {
    grid: { left: 8, right: 16, top: 24, bottom: 8, containLabel: true },
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' },
      formatter: (ps) => {
        const r = rows[ps[0].dataIndex];
        return `${esc(r.name)}<br>${esc(fmtValue(r.value))} ${esc(unit)}<br>${esc(t('ind.growth'))} ${esc(fmtGrowth(r.growth))}`;
      } },
    xAxis: { type: 'category', data: rows.map((r) => r.name),
      axisLabel: { interval: 0, rotate: rows.length > 6 ? 30 : 0, fontSize: 11 }, axisTick: { show: false } },
    yAxis: { type: 'value', splitLine: { lineStyle: { color: '#e8edf3' } } },
    series: [{
      type: 'bar', barMaxWidth: 36,
      data: rows.map((r) => ({
        value: Number(Number(r.value).toFixed(2)),
        itemStyle: { color: r.is_zone ? ZONE_COLOR : PEER_COLOR, borderRadius: [3, 3, 0, 0] },
      })),
      label: { show: true, position: 'top', fontSize: 10, formatter: (p) => fmtValue(p.value) },
    }],
  });
}

/* The zone's cumulative value month by month, this year and last. */
async function loadTrend(ev, ind, el, wanted) {
  const y = Number(ev.year);
  const m = Number(ev.month);
  const asks = [];
  for (const yy of [y - 1, y])
    for (let mm = 1; mm <= (yy === y ? m : 12); mm++)
      asks.push([yy, mm]);
  const answers = await Promise.all(asks.map(([yy, mm]) => monthTable(yy, mm).catch(() => null)));
  if (!wanted())
    return null;
  const series = { [y - 1]: Array(12).fill(null), [y]: Array(12).fill(null) };
  asks.forEach(([yy, mm], i) => {
    const res = answers[i];
    const it = res && (res.items || []).find((x) => x.is_zone && x.indicator === ind.code);
    if (it && isNum(it.value))
      series[yy][mm - 1] = Number(it.value) / 10000;
  });
  const unit = unitName(ind);
  const months = Array.from({ length: 12 }, (_, i) => t('ind.monthN', { month: i + 1 }));
  const line = (yy, color, dashed) => ({
    name: String(yy), type: 'line', data: series[yy].map((v) => (v === null ? null : Number(v.toFixed(2)))),
    symbolSize: 6, connectNulls: false, itemStyle: { color },
    lineStyle: { color, width: 2, type: dashed ? 'dashed' : 'solid' },
  });
  chart(el, {
    grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
    legend: { top: 0, right: 0 },
    tooltip: { trigger: 'axis', valueFormatter: (v) => (v === null || v === undefined ? t('common.none') : `${fmtValue(v)} ${unit}`) },
    xAxis: { type: 'category', data: months, axisTick: { show: false } },
    yAxis: { type: 'value', splitLine: { lineStyle: { color: '#e8edf3' } } },
    series: [line(y - 1, '#9aa8b9', true), line(y, ZONE_COLOR, false)],
  });
}

/* ---------- import (statisticians and admins) ---------- */

function importPanel(ctx, reload) {
  const kind = select('kind', [['indicators', t('ind.imp.kindValues')], ['targets', t('ind.imp.kindTargets')]], 'indicators');
  kind.dataset.testid = 'ind-imp-kind';
  const file = h('input', { type: 'file', name: 'file', id: 'ind-imp-file', class: 'input-file',
    accept: '.csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', dataset: { testid: 'ind-imp-file' } });
  const dry = h('input', { type: 'checkbox', name: 'dry_run', checked: true, dataset: { testid: 'ind-imp-dry' } });
  const go = h('button', { class: 'btn btn-primary', type: 'submit', dataset: { testid: 'ind-imp-run' } }, t('ind.imp.run'));
  const hint = h('div', { class: 'field-hint' });
  const setHint = () => { hint.textContent = kind.value === 'targets' ? t('ind.imp.colsTargets') : t('ind.imp.colsValues'); };
  setHint();
  kind.addEventListener('change', setHint);
  dry.addEventListener('change', () => { go.textContent = dry.checked ? t('ind.imp.run') : t('ind.imp.runReal'); });
  const errLine = h('div', { class: 'form-error', role: 'alert' });
  const result = h('div', { class: 'ind-imp-result', dataset: { testid: 'ind-imp-result' } });

  const form = h('form', { class: 'form ind-imp-form', novalidate: true },
    h('div', { class: 'ind-imp-controls' },
      h('label', { class: 'inline-field' }, h('span', null, t('ind.imp.kind')), kind),
      h('div', { class: 'field' }, h('label', { class: 'field-label', for: 'ind-imp-file' }, t('ind.imp.file')), file, hint),
      h('label', { class: 'check' }, dry, h('span', null, t('ind.imp.dry')))),
    errLine,
    h('div', { class: 'form-actions form-actions-left' }, go),
    result);

  let busy = false;
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (busy)
      return;
    errLine.textContent = '';
    const f = file.files && file.files[0];
    if (!f) {
      errLine.textContent = t('ind.imp.noFile');
      return;
    }
    const format = /\.xlsx$/i.test(f.name) ? 'xlsx' : 'csv';
    const isDry = dry.checked;
    const targets = kind.value === 'targets';
    const path = targets ? '/api/v1/indicators/targets/import' : '/api/v1/indicators/import';
    busy = true;
    go.disabled = true;
    const view = jobProgress('ind-imp');
    replace(result, view.el);
    try {
      const params = { format, filename: f.name };
      if (isDry)
        params.dry_run = 1;
      const job = await runImportJob(ctx, path, params, f, view);
      if (!job)
        return;
      const out = jobOutcome(job);
      replace(result, importResult(out, isDry, targets));
      if (!isDry && out.verdict === 'ok') {
        toast(t('ind.imp.done'));
        monthCache.clear();
        reload();
      }
    } catch (err) {
      if (ctx.alive())
        replace(result, h('p', { class: 'import-verdict bad', dataset: { testid: 'ind-imp-verdict' } }, errorText(err)));
    } finally {
      busy = false;
      go.disabled = false;
    }
  });

  return panel(t('ind.imp.title'), form, { class: 'ind-import' });
}

/* What the importer's summary in a job's report holds (indicators.h). */
const SUMMARY = { values: ['rows', 'inserted', 'replaced', 'periods'], targets: ['rows', 'created', 'updated', 'years'] };

/* The counts of a good import (jobOutcome's), or the rows refused with
 * their lines, the file's problem, or a cancel. */
function importResult({ verdict, report, errors, total, fatal }, isDry, targets) {
  if (verdict === 'ok') {
    const res = Object.fromEntries(SUMMARY[targets ? 'targets' : 'values'].map((k) => [k, report[k]]));
    const counts = Object.entries(res).filter(([, v]) => typeof v === 'number');
    const lists = Object.entries(res).filter(([, v]) => Array.isArray(v) && v.length);
    return h('div', { class: 'ind-imp-ok' },
      h('p', { class: 'import-verdict good', dataset: { testid: 'ind-imp-verdict' } },
        isDry ? [badge(t('ind.imp.dryBadge'), 'gold'), ' ', t('ind.imp.dryOk')] : t('ind.imp.done')),
      counts.length ? h('div', { class: 'race-summary' }, counts.map(([k, v]) =>
        h('div', { class: 'kpi' },
          h('span', { class: 'kpi-label' }, has(`ind.imp.count.${k}`) ? t(`ind.imp.count.${k}`) : k),
          h('span', { class: 'kpi-value', dataset: { kpi: k } }, v.toLocaleString(locale()))))) : null,
      lists.map(([k, v]) => h('p', { class: 'field-hint', dataset: { list: k } },
        `${has(`ind.imp.count.${k}`) ? t(`ind.imp.count.${k}`) : k}：${v.map((x) => (typeof x === 'object' ? JSON.stringify(x) : String(x))).join('，')}`)));
  }
  const text = verdict === 'refused' ? t('ind.imp.refused', { n: total })
    : verdict === 'cancelled' ? t('imp.cancelledNothing') : errorText(fatal);
  const p = h('p', { class: 'import-verdict bad', dataset: { testid: 'ind-imp-verdict' } }, text);
  if (verdict === 'cancelled' || !errors.length)
    return p;
  return [p,
    importErrors(errors, 'ind-imp-errors'),
  ];
}
