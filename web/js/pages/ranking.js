/*
 * ranking.js -- 赛马排名 (#/race?month=YYYY-MM): the monthly race of the
 * units from GET /api/v1/race — rank and its change against the previous
 * month, score, every metric's raw value and 0–100 score; a badge and a
 * note when the month is published (frozen); publish a closed month
 * (one before this month: admins and zone leaders, i.e. leaders bound to
 * no unit), withdraw a publication with a reason (admins, DELETE
 * /api/v1/race/publish) and export (XLSX); each unit's score over the year (ECharts, one request
 * per month); a click on a metric lists the leads or projects behind it;
 * the recruiters' ranking and the quotas (days out, visits, gaps in red).
 * Admins edit the weights (GET/PUT /api/v1/race/weights, partial allowed,
 * a 422 under the weight it names); the ranking is reloaded after saving.
 * A published month keeps the weights it was published with.
 *
 * Without ?month= the page opens on the month GET /api/v1/race answers
 * without one (the latest month with data) and says so; a month without
 * activity (has_data false) says so instead of ranking zeros; only units
 * that scored have a rank (and a medal, and a change against the month
 * before); the trend leaves out the months without activity.
 *
 * ctx.wall: drawn inside the wall screen (large type, read only); the rows
 * are split into pages that fit the window (ctx.paging).
 */
import { h, replace, fmtTime } from '../dom.js';
import { api, get, post, put } from '../api.js';
import { t, num, fmtPct } from '../../i18n.js';
import { industries, industryCell } from '../industry.js';
import { pageHeader, panel, errorBox, wip, isMissingApi, modal, toast, badge, table, empty, loading,
  errorText, confirmBox, field, input, formErrorLine, showFormError, clearErrors, noneMark } from '../ui.js';
import { chart, hasCharts, esc } from '../chart.js';
import { loadUnits, unitLabel, validMonth, prevMonth, projYi, isMajor, fitPages } from './racekit.js';
import { thisMonth } from '../clock.js';

export const METRICS = ['leads', 'signed_investment', 'signed_count', 'landed', 'speed_days', 'major', 'quota'];
/* The weights' keys for the metrics (the API calls speed "speed"). */
const WEIGHT_KEY = { leads: 'leads', signed_investment: 'signed_investment', signed_count: 'signed_count',
  landed: 'landed', speed_days: 'speed', major: 'major', quota: 'quota' };

const monthOf = (d) => (typeof d === 'string' ? d.slice(0, 7) : '');

function fmtValue(k, v) {
  if (v === null || v === undefined)
    return noneMark();
  if (k === 'signed_investment')
    return num(v, 2);
  if (k === 'speed_days')
    return num(v, 1);
  if (k === 'quota')
    return fmtPct(v, { fraction: true });
  return num(v);
}

export async function render(ctx) {
  const wall = Boolean(ctx.wall);
  const q = ctx.query || new URLSearchParams();
  const asked = validMonth(q.get('month')) ? q.get('month') : null;
  replace(ctx.el, loading());
  /* no month asked: the server's latest month with data, which it names */
  let race;
  let units = [];
  try {
    [race, units] = await Promise.all([get('/api/v1/race', asked ? { month: asked } : {}), loadUnits()]);
  } catch (e) {
    if (!ctx.alive())
      return;
    replace(ctx.el, isMissingApi(e) ? wip('race', t('common.apiMissing', { path: '/api/v1/race' })) : errorBox(e, () => render(ctx)));
    return;
  }
  if (!ctx.alive())
    return;
  const month = race.month || asked || thisMonth();
  const monthIn = h('input', { class: 'input', type: 'month', name: 'month', value: month, max: thisMonth(),
    dataset: { testid: 'race-month' }, 'aria-label': t('ranking.month') });
  monthIn.addEventListener('change', () => {
    if (validMonth(monthIn.value))
      location.hash = `#/race?month=${monthIn.value}`;
  });
  const exportA = h('a', { class: 'btn', href: `/api/v1/race/export?month=${month}`, download: `race-${month}.xlsx`,
    dataset: { testid: 'race-export' } }, t('ranking.export'));
  const publishBtn = h('button', { class: 'btn btn-primary', type: 'button', hidden: true, dataset: { testid: 'race-publish' } },
    t('ranking.publish'));
  const withdrawBtn = h('button', { class: 'btn', type: 'button', hidden: true, dataset: { testid: 'race-withdraw' } },
    t('ranking.withdraw'));
  /* Publishing is the zone's act (an admin, a leader bound to no unit), for a month that is over. */
  const mayPublish = !wall && (ctx.user.role === 'admin' || (ctx.user.role === 'leader' && !ctx.user.unit_id));
  const closed = month < thisMonth();
  const status = h('div', { class: 'race-status', dataset: { testid: 'race-status' } });
  const which = asked ? null : h('p', { class: 'note race-which', dataset: { testid: 'race-which' } },
    race.has_data === false ? t('race2.noDataAnywhere', { month }) : t('race2.latestMonth', { month }));
  const rankBox = h('div', { dataset: { testid: 'ranking' } }, loading());
  const trend = h('div');
  const people = h('div', { class: 'rk-people' });
  replace(ctx.el,
    wall ? h('h1', { class: 'wall-title page-title' }, t('ranking.wallTitle', { month }))
      : pageHeader(t('ranking.title'), t('ranking.subtitle'),
        h('label', { class: 'inline-field' }, h('span', null, t('ranking.month')), monthIn),
        exportA, publishBtn, withdrawBtn, h('a', { class: 'btn', href: '#/wall', dataset: { testid: 'to-wall' } }, t('wall.enter'))),
    wall ? null : which, status, rankBox, wall ? null : trend, wall ? null : people);
  const unitName = new Map(units.map((u) => [String(u.id), unitLabel(u)]));
  const nameOf = (u) => unitName.get(String(u.unit_id)) || u.name || `#${u.unit_id}`;

  /* Published: badge, note and (admins) the withdrawal; else the publish
   * button when the month is over, or a note that it is not. */
  const drawStatus = () => {
    replace(status,
      race.published ? badge(t('ranking.published'), 'green') : badge(t('ranking.draft'), 'gray'),
      h('span', { class: 'muted' }, race.published
        ? t('ranking.publishedNote', { at: race.published_at ? fmtTime(race.published_at, false) : '' })
        : t('ranking.draftNote')),
      !race.published && mayPublish && !closed
        ? h('span', { class: 'muted', dataset: { testid: 'race-open' } }, t('ranking.openNote', { month })) : null,
      race.weights ? h('span', { class: 'muted race-weights', dataset: { testid: 'race-weights' } }, t('ranking.weights'),
        METRICS.map((k) => `${t(`metric.${k}`)} ${num(race.weights[WEIGHT_KEY[k]] ?? 0)}`).join(' · ')) : null,
      !wall && ctx.user.role === 'admin' ? h('button', { class: 'btn btn-small', type: 'button', dataset: { testid: 'weights-edit' },
        on: { click: () => weightsEditor(race, reload) } }, t('weights.edit')) : null);
    publishBtn.hidden = race.published || !mayPublish || !closed;
    withdrawBtn.hidden = wall || !race.published || ctx.user.role !== 'admin';
  };
  drawStatus();
  publishBtn.addEventListener('click', async () => {
    if (!(await confirmBox(t('ranking.publishConfirm', { month }))))
      return;
    publishBtn.disabled = true;
    try {
      const r = await post('/api/v1/race/publish', { month });
      race = r && r.units ? r : await get('/api/v1/race', { month });
      toast(t('ranking.publishedToast', { month }));
      if (ctx.alive()) {
        drawStatus();
        drawTable();
      }
    } catch (e) {
      toast(errorText(e), 'error');
    }
    publishBtn.disabled = false;
  });

  withdrawBtn.addEventListener('click', () => withdrawDialog(month, (r) => {
    race = r;
    if (ctx.alive()) {
      drawStatus();
      drawTable();
    }
  }));

  /* After the weights changed: the month again (a draft is recomputed). */
  const reload = async () => {
    try {
      const r = await get('/api/v1/race', { month });
      if (!ctx.alive())
        return;
      race = r;
      drawStatus();
      drawTable();
    } catch (e) {
      if (ctx.alive())
        toast(errorText(e), 'error');
    }
  };

  const drawTable = () => {
    const prev = race.previous || {};
    /* by rank, the units without a score (rank null) last */
    const rows = [...(race.units || [])].sort((a, b) => (a.rank ?? Infinity) - (b.rank ?? Infinity));
    const change = (u) => {
      const p = prev[u.unit_id] ?? prev[String(u.unit_id)];
      if (u.rank === null || u.rank === undefined || p === undefined || p === null)
        return h('span', { class: 'rk-same' }, noneMark(t(u.rank === null || u.rank === undefined ? 'race2.unranked' : 'ranking.noPrevious')));
      const d = Number(p) - Number(u.rank);
      if (d > 0)
        return h('span', { class: 'rk-up', title: t('ranking.was', { rank: p }) }, `↑${d}`);
      if (d < 0)
        return h('span', { class: 'rk-down', title: t('ranking.was', { rank: p }) }, `↓${-d}`);
      return h('span', { class: 'rk-same', title: t('ranking.was', { rank: p }) }, h('span', { 'aria-hidden': 'true' }, '–'),
        h('span', { class: 'sr-only' }, t('ranking.same')));
    };
    const metricCell = (k) => (u) => {
      const m = (u.metrics || {})[k] || {};
      const body = [h('span', { class: 'rk-val' }, fmtValue(k, m.value)), h('small', { class: 'rk-score' }, num(m.score ?? 0, 1))];
      if (wall)
        return h('span', { class: 'rk-metric' }, body);
      return h('button', { class: 'rk-metric rk-drill', type: 'button', dataset: { testid: `cell-${u.unit_id}-${k}`, metric: k },
        title: t('ranking.drill'), on: { click: () => drill(u, k) } }, body);
    };
    const cols = [
      { key: 'rank', label: t('ranking.rank'), align: 'c', cell: (u) => (u.rank === null || u.rank === undefined
        ? h('span', { class: 'rk-rank rk-unranked', title: t('race2.unranked') }, noneMark(t('race2.unranked')))
        : h('span', { class: ['rk-rank', u.rank <= 3 && `rk-top${u.rank}`] }, String(u.rank))) },
      { key: 'chg', label: t('ranking.change'), align: 'c', cell: change },
      { key: 'unit', label: t('race.unit'), cell: (u) => h('strong', null, nameOf(u)) },
      { key: 'score', label: t('ranking.score'), align: 'r', cell: (u) => h('strong', { class: 'rk-total', dataset: { testid: `score-${u.unit_id}` } }, num(u.score, 1)) },
      ...METRICS.map((k) => ({ key: k, label: t(`metric.${k}`), align: 'r', cell: metricCell(k) })),
    ];
    if (race.has_data === false) {   /* a month without activity: nothing to rank */
      replace(rankBox, panel(wall ? null : t('ranking.table', { month }),
        h('div', { class: 'state state-empty', dataset: { testid: 'race-nodata' } }, t('race2.noData', { month }))));
      ctx.paging = null;
      return;
    }
    replace(rankBox, panel(wall ? null : t('ranking.table', { month }), [
      table(cols, rows, { class: 'rk-table', rowClass: (u) => `rk-row-${u.unit_id}` }),
      wall ? null : h('p', { class: 'muted rk-foot' }, t('ranking.foot')),
    ]));
    for (const tr of rankBox.querySelectorAll('tbody tr'))
      tr.dataset.unit = (tr.className.match(/rk-row-(\S+)/) || [])[1] || '';
    if (wall)
      ctx.paging = fitPages([...rankBox.querySelectorAll('tbody tr')].map((tr) => [tr]));
  };
  drawTable();

  /* The leads or projects behind a number. */
  const drill = async (u, k) => {
    const body = h('div', { class: 'drill', dataset: { testid: 'drill' } }, loading());
    modal(`${nameOf(u)} · ${t(`metric.${k}`)} · ${month}`, body, { class: 'modal-wide' });
    try {
      if (k === 'leads') {
        const r = await get('/api/v1/leads', { unit_id: u.unit_id, month, status: 'qualified', limit: 500 });
        const indMap = await industries();
        const items = (r.items || []).filter((x) => !x.captured_on || monthOf(x.captured_on) === month)
          .filter((x) => !x.duplicate);
        replace(body, table([
          { key: 'company', label: t('leads.company'), cell: (x) => x.company },
          { key: 'industry', label: t('board.industry'), cell: (x) => industryCell(indMap, x.industry) },
          { key: 'est', label: t('leads.est'), align: 'r', cell: (x) => num(x.est_investment, 2) },
          { key: 'captured_on', label: t('leads.capturedOn') },
          { key: 'rec', label: t('leads.recruiter'), cell: (x) => x.recruiter_name || (x.recruiter_id ? `#${x.recruiter_id}` : '') },
        ], items));
        return;
      }
      if (k === 'quota') {
        replace(body, await quotaTable(u.unit_id));
        return;
      }
      const r = await get('/api/v1/projects', { unit_id: u.unit_id, month, limit: 500 });
      const field = k === 'landed' ? 'landed_on' : 'signed_on';
      let items = (r.items || []).filter((p) => String(p.unit_id) === String(u.unit_id) && monthOf(p[field]) === month);
      if (k === 'major')
        items = items.filter(isMajor);
      if (k === 'speed_days')
        items = items.filter((p) => p.lead_id || p.lead_on);
      const days = (p) => {
        const a = Date.parse(p.lead_on || p.captured_on || '');
        const b = Date.parse(p.signed_on || '');
        return Number.isFinite(a) && Number.isFinite(b) ? Math.round((b - a) / 86400000) : null;
      };
      replace(body, table([
        { key: 'name', label: t('projects.name'), cell: (p) => p.name },
        { key: 'stage', label: t('projects.stage'), cell: (p) => t(`stage.${p.stage}`) },
        { key: 'inv', label: t('race.investmentYi'), align: 'r', cell: (p) => h('span', null, num(projYi(p), 2), isMajor(p) ? [' ', badge(t('race.majorBadge'), 'red')] : null) },
        { key: 'signed_on', label: t('stage.signed') },
        { key: 'landed_on', label: t('stage.landed') },
        k === 'speed_days' ? { key: 'days', label: t('metric.speed_days'), align: 'r', cell: (p) => days(p) } : null,
      ].filter(Boolean), items));
    } catch (e) {
      replace(body, errorBox(e));
    }
  };

  const quotaTable = async (unitId) => {
    const r = await get('/api/v1/quotas', { month, unit_id: unitId });
    const items = (r.items || []).filter((x) => !unitId || String(x.unit_id) === String(unitId));
    const gapText = (x) => {
      if (!x.gap)
        return null;
      if (x.gap_from)
        return `${t('quota.gapFrom')} ${x.gap_from} – ${x.gap_to || ''}`;
      if (typeof x.gap === 'object')
        return x.gap.from ? `${x.gap.from} – ${x.gap.to || ''}` : t('quota.gap');
      return typeof x.gap === 'string' ? x.gap : t('quota.gap');
    };
    return table([
      { key: 'name', label: t('quota.name'), cell: (x) => x.name || `#${x.user_id}` },
      { key: 'role', label: t('quota.role'), cell: (x) => t(`role.${x.role}`) },
      { key: 'unit', label: t('race.unit'), cell: (x) => unitName.get(String(x.unit_id)) || '' },
      { key: 'days_out', label: t('quota.daysOut'), align: 'r',
        cell: (x) => h('span', { class: x.role === 'recruiter' && Number(x.days_out) < 15 ? 'neg' : null }, num(x.days_out ?? 0)) },
      { key: 'visits', label: t('quota.visits'), align: 'r',
        cell: (x) => h('span', { class: x.role === 'leader' && Number(x.visits) < 5 ? 'neg' : null }, num(x.visits ?? 0)) },
      { key: 'met', label: t('quota.met'), align: 'c', cell: (x) => (x.quota_met ? badge(t('quota.yes'), 'green') : badge(t('quota.no'), 'red')) },
      { key: 'gap', label: t('quota.gapCol'), cell: (x) => { const g = gapText(x); return g ? h('span', { class: 'neg gap' }, g) : t('quota.noGap'); } },
    ], items, { rowClass: (x) => (x.quota_met ? null : 'row-warn') });
  };

  if (wall)
    return;

  /* Recruiters and quotas (each may fail alone). */
  const recBox = h('div', null, loading());
  const quotaBox = h('div', { dataset: { testid: 'quotas' } }, loading());
  replace(people, panel(t('ranking.recruiters'), recBox), panel(t('quota.title'), quotaBox));
  const softFail = (box, e, path) => replace(box, isMissingApi(e) || e.status === 501
    ? h('p', { class: 'muted' }, t('common.apiMissing', { path })) : errorBox(e));
  quotaTable(null).then((n) => ctx.alive() && replace(quotaBox, n), (e) => ctx.alive() && softFail(quotaBox, e, '/api/v1/quotas'));
  get('/api/v1/race/recruiters', { month }).then((r) => {
    if (!ctx.alive())
      return;
    /* by rank, the recruiters without a score (rank null) last */
    const items = [...(r.items || r.recruiters || [])].sort((a, b) => (a.rank ?? Infinity) - (b.rank ?? Infinity));
    const val = (x, k) => (x.metrics && x.metrics[k] ? x.metrics[k].value : x[k]);
    replace(recBox, table([
      { key: 'rank', label: t('ranking.rank'), align: 'c', cell: (x) => (x.rank === null || x.rank === undefined
        ? h('span', { class: 'rk-unranked', title: t('race2.unranked') }, '—') : String(x.rank)) },
      { key: 'name', label: t('quota.name'), cell: (x) => x.name || x.display_name || `#${x.user_id}` },
      { key: 'unit', label: t('race.unit'), cell: (x) => unitName.get(String(x.unit_id)) || x.unit_name || '' },
      { key: 'leads', label: t('metric.leads'), align: 'r', cell: (x) => num(val(x, 'leads') ?? 0) },
      { key: 'si', label: t('metric.signed_investment'), align: 'r', cell: (x) => num(val(x, 'signed_investment') ?? 0, 2) },
      { key: 'days', label: t('quota.daysOut'), align: 'r', cell: (x) => num(val(x, 'days_out') ?? 0) },
      { key: 'score', label: t('ranking.score'), align: 'r', cell: (x) => (x.score === undefined ? noneMark() : num(x.score, 1)) },
    ], items));
  }, (e) => ctx.alive() && softFail(recBox, e, '/api/v1/race/recruiters'));

  /* The year's trend: one request per month up to this one. */
  const year = month.slice(0, 4);
  const last = Number(month.slice(5, 7));
  const months = Array.from({ length: last }, (_, i) => `${year}-${String(i + 1).padStart(2, '0')}`);
  const chartEl = h('div', { class: 'chart chart-tall', dataset: { testid: 'trend-chart' } });
  replace(trend, panel(t('ranking.trend', { year }), hasCharts() ? chartEl : empty(),
    { extra: h('span', { class: 'muted' }, t('ranking.trendHint')) }));
  const all = await Promise.all(months.map((m) => (m === month ? Promise.resolve(race)
    : get('/api/v1/race', { month: m }).catch(() => null))));
  if (!ctx.alive() || !hasCharts())
    return;
  /* the months with activity only: a month nobody scored is no point of anyone's line */
  const active = months.map((m, i) => [m, all[i]]).filter(([, a]) => a && a.has_data !== false);
  const answers = active.map(([, a]) => a);
  if (!active.length) {
    replace(trend, panel(t('ranking.trend', { year }), h('p', { class: 'muted', dataset: { testid: 'trend-empty' } }, t('race2.trendEmpty'))));
    return;
  }
  const series = (race.units || []).map((u) => ({
    name: nameOf(u), type: 'line', smooth: false, symbolSize: 6, connectNulls: false,
    data: answers.map((a) => {
      const x = a && (a.units || []).find((y) => String(y.unit_id) === String(u.unit_id));
      return x ? Number(x.score) : null;
    }),
  }));
  chart(chartEl, {
    grid: { left: 12, right: 16, top: 40, bottom: 8, containLabel: true },
    legend: { top: 0, type: 'scroll' },
    tooltip: { trigger: 'axis', valueFormatter: (v) => (v === null || v === undefined ? t('common.noneWord') : num(v, 1)),
      formatter: (ps) => `${esc(ps[0].axisValue)}<br>${ps.map((p) => `${p.marker}${esc(p.seriesName)}: ${p.value === null || p.value === undefined ? esc(t('common.noneWord')) : esc(num(p.value, 1))}`).join('<br>')}` },
    xAxis: { type: 'category', data: active.map(([m]) => m), axisTick: { show: false } },
    yAxis: { type: 'value', min: 0, max: 100, name: t('ranking.score'), splitLine: { lineStyle: { color: '#e8edf3' } } },
    series,
  });
}

/*
 * The admins' dialog that withdraws month's publication with a written
 * reason (DELETE /api/v1/race/publish {month, reason}); done(r) gets the
 * month's live race that the answer carries.
 */
function withdrawDialog(month, done) {
  const reason = h('textarea', { class: 'input', name: 'reason', rows: 3, maxlength: 500, required: true,
    dataset: { testid: 'withdraw-reason' } });
  const save = h('button', { class: 'btn btn-danger', type: 'submit', dataset: { testid: 'withdraw-save' } }, t('ranking.withdraw'));
  const form = h('form', { class: 'form', novalidate: true },
    h('p', { class: 'muted' }, t('ranking.withdrawText')),
    field(t('ranking.withdrawReason'), reason, t('ranking.withdrawHint')), formErrorLine(),
    h('div', { class: 'form-actions' },
      h('button', { class: 'btn', type: 'button', on: { click: () => m.close() } }, t('common.cancel')), save));
  const m = modal(t('ranking.withdrawTitle', { month }), form);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    form.querySelector('.form-error').textContent = '';
    if (!reason.value.trim()) {
      reason.closest('.field').setError(t('err.required'));
      reason.focus();
      return;
    }
    save.disabled = true;
    try {
      const r = await api('DELETE', '/api/v1/race/publish', { month, reason: reason.value.trim() });
      m.close();
      toast(t('ranking.withdrawnToast', { month }));
      done(r);
    } catch (ex) {
      save.disabled = false;
      showFormError(form, ex);   /* a 422 under the reason, anything else on the form's line */
    }
  });
}

/* The weights' keys in the order of the table's metrics. */
const WEIGHTS = METRICS.map((k) => [WEIGHT_KEY[k], k]);

/*
 * The admins' dialog for the race weights: the current ones from GET
 * /api/v1/race/weights, PUT only those changed; done() reloads the ranking.
 */
function weightsEditor(race, done) {
  const body = h('div', { class: 'weights-body' }, loading());
  const err = formErrorLine();
  const save = h('button', { class: 'btn btn-primary', type: 'submit', disabled: true, dataset: { testid: 'weights-save' } }, t('common.save'));
  const sum = h('p', { class: 'muted', dataset: { testid: 'weights-sum' } });
  const form = h('form', { class: 'form', novalidate: true },
    h('p', { class: 'muted' }, t('weights.note')),
    race.published ? h('p', { class: 'note' }, t('weights.publishedMonth', { month: race.month || '' })) : null,
    body, sum, err,
    h('div', { class: 'form-actions' },
      h('button', { class: 'btn', type: 'button', on: { click: () => m.close() } }, t('common.cancel')), save));
  const m = modal(t('weights.title'), form);
  const inputs = {};
  let current = {};
  const showSum = () => {
    const total = Object.values(inputs).reduce((a, c) => a + (Number(c.value) || 0), 0);
    sum.textContent = t('weights.sum', { sum: num(total, 2) });
  };
  get('/api/v1/race/weights').then((w) => {
    current = w || {};
    replace(body, h('div', { class: 'form-grid' }, WEIGHTS.map(([key, metric]) => {
      inputs[key] = input(key, { type: 'number', min: 0, step: 'any', value: String(current[key] ?? 0), class: 'input input-num',
        dataset: { testid: `weight-${key}` } });
      inputs[key].addEventListener('input', showSum);
      return field(t(`metric.${metric}`), inputs[key]);
    })));
    showSum();
    save.disabled = false;
    const first = body.querySelector('input');
    if (first)
      first.focus();
  }, (e) => replace(body, errorBox(e)));

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    err.textContent = '';
    const changed = {};
    let bad = null;
    for (const [key] of WEIGHTS) {
      const c = inputs[key];
      const v = c.value.trim() === '' ? NaN : Number(c.value);
      if (!Number.isFinite(v) || v < 0) {
        c.closest('.field').setError(t('weights.bad'));
        bad = bad || c;
        continue;
      }
      if (v !== Number(current[key]))
        changed[key] = v;
    }
    if (bad) {
      bad.focus();
      return;
    }
    if (!Object.keys(changed).length) {
      m.close();
      return;
    }
    save.disabled = true;
    try {
      await put('/api/v1/race/weights', changed);
      m.close();
      toast(t('weights.saved'));
      if (done)
        await done();
    } catch (ex) {
      save.disabled = false;
      /* A 422 names a weight (its input) or "weights" (the sum). */
      showFormError(form, ex);
      if (!ex.field || !inputs[ex.field])
        err.textContent = errorText(ex);
    }
  });
}

export { prevMonth };
