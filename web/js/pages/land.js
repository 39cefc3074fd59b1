/*
 * land.js -- 亩均效益 (#/land), the land bureau's page of issue 11: plots,
 * space regeneration (空间再造) and the per-mu efficiency evaluation
 * (亩均效益综合评价).  One tab per path, each a link (#/land/TAB), the
 * chosen evaluation carried in ?evaluation=ID from tab to tab:
 *
 *   results     the evaluation of a year: its ranking with A/B/C/D/T class
 *               chips, filters, the class distribution by street and by
 *               industry (ECharts), each enterprise's card (indicators
 *               against the benchmarks, class over the years); publish,
 *               finalize, a new evaluation (preset, scope, classing, weights)
 *   objections  the enterprises' objections and the decision on each
 *   low         low-efficiency land (plots mostly used by class D, idle or
 *               low-efficiency) with its area; XLSX
 *   plots       the plots: filters, create and edit, who uses each (the
 *               users' area may not exceed the plot's), import with the job
 *               progress of the other imports
 *   regen       regeneration: plots vacating → cleared → redeveloping →
 *               redeveloped with enterprises moved, area freed, project
 *   map         the plots' outlines drawn by ECharts (registerMap, no
 *               tiles) coloured by status or by class, with a legend
 *   measures    the differentiated measures of a year (surcharge by the
 *               consecutive years in class D); XLSX for the power utility
 *
 * Who edits: the buttons are offered by the /me permissions and, for a
 * department user, only when its department is a land bureau (the server's
 * land_require_editor() refuses the others).
 */
import { h, replace, fmtTime } from '../dom.js';
import { get, post, patch, put } from '../api.js';
import { t, num, getLang } from '../../i18n.js';
import {
  pageHeader, panel, errorBox, errorText, loading, empty, table, pager, badge, toast, modal, confirmBox, field,
  input, select, formErrorLine, clearErrors, showFormError,
} from '../ui.js';
import { can } from '../perm.js';
import { chart, chartNow, hasCharts, loadCharts, esc } from '../chart.js';
import { enterprisePicker, departments, streets, localName } from '../svc.js';
import { importForm, kpi } from './importer.js';
import { thisYear } from '../clock.js';

const TABS = ['results', 'objections', 'low', 'plots', 'regen', 'map', 'measures'];
const PAGE = 50;
const CLASSES = ['A', 'B', 'C', 'D', 'T'];
const CLASS_COLOR = { A: '#2f9e6e', B: '#1d5fbf', C: '#e0a526', D: '#c23a3a', T: '#8a96a8' };
export const STATUSES = ['in_use', 'idle', 'low_efficiency', 'vacating', 'cleared', 'redeveloping', 'redeveloped'];
const STATUS_COLOR = {
  in_use: '#1d5fbf', idle: '#e0a526', low_efficiency: '#c23a3a', vacating: '#7a5cc4',
  cleared: '#8a96a8', redeveloping: '#3aa0c2', redeveloped: '#2f9e6e',
};
const STATUS_KIND = {
  in_use: 'blue', idle: 'gold', low_efficiency: 'red', vacating: 'purple', cleared: 'gray', redeveloping: 'blue', redeveloped: 'green',
};
const REGEN = ['vacating', 'cleared', 'redeveloping', 'redeveloped'];
const LAND_USES = ['industrial', 'service', 'residential', 'ecological'];
const PRESET_INDICATORS = {
  zhejiang: ['tax_per_mu', 'va_per_mu', 'va_per_energy', 'va_per_emission', 'labour_productivity', 'rd_ratio'],
  jiangsu: ['tax_per_mu', 'revenue_per_mu', 'tax_per_energy'],
};
const PRESET_WEIGHTS = {
  zhejiang: { tax_per_mu: 30, va_per_mu: 20, va_per_energy: 20, va_per_emission: 10, labour_productivity: 10, rd_ratio: 10 },
  jiangsu: { tax_per_mu: 45, revenue_per_mu: 35, tax_per_energy: 20 },
};
const SHARES = { A: 0.2, B: 0.4, C: 0.35 };
const THRESHOLDS = { A: 80, B: 60, C: 40 };

const OP = {
  evaluations: 'GET /api/v1/land/evaluations',
  evaluate: 'POST /api/v1/land/evaluations',
  publish: 'POST /api/v1/land/evaluations/{id}/publish',
  finalize: 'POST /api/v1/land/evaluations/{id}/finalize',
  export: 'GET /api/v1/land/evaluations/{id}/export',
  distribution: 'GET /api/v1/land/evaluations/{id}/distribution',
  evalPlots: 'GET /api/v1/land/evaluations/{id}/plots',
  enterprise: 'GET /api/v1/land/enterprises/{id}',
  objections: 'GET /api/v1/land/objections',
  decide: 'POST /api/v1/land/objections/{id}/decision',
  low: 'GET /api/v1/land/low-efficiency',
  lowExport: 'GET /api/v1/land/low-efficiency/export',
  plots: 'GET /api/v1/plots',
  plot: 'GET /api/v1/plots/{id}',
  createPlot: 'POST /api/v1/plots',
  editPlot: 'PATCH /api/v1/plots/{id}',
  users: 'PUT /api/v1/plots/{id}/users',
  geojson: 'GET /api/v1/plots/geojson',
  importPlots: 'POST /api/v1/plots/import',
  importJob: 'GET /api/v1/imports/{id}',
  measures: 'GET /api/v1/land/measures',
  measuresExport: 'GET /api/v1/land/measures/export',
  projects: 'GET /api/v1/projects',
};

/* ---------- shared pieces ---------- */

/* A street's name (as the API gives it, in Chinese) in the UI's language:
 * the streets' list has the English names.  Set by render(). */
let streetName = (name) => name;

/* May the user edit land records?  The permission of the route, and for a
 * department user a department that is a land bureau. */
async function landEditor(user) {
  if (!can(user, OP.createPlot))
    return false;
  if (user.role !== 'department')
    return true;
  const ds = await departments();
  const d = ds.find((x) => String(x.id) === String(user.department_id));
  return Boolean(d && d.land_bureau);
}

const mu = (v) => (v === null || v === undefined ? t('common.none') : `${num(v)} ${t('land.mu')}`);
const pct = (v) => (v === null || v === undefined ? t('common.none') : `${num(Number(v) * 100, 0)}%`);
const score = (v) => (v === null || v === undefined ? t('common.none') : num(v, 2));

/* A class as a chip: the letter, its meaning as the title (A 优先发展). */
export function classChip(c, extra) {
  if (!c)
    return h('span', { class: 'muted' }, t('common.none'));
  return h('span', { class: ['land-class', `land-class-${c}`], title: t(`land.class.${c}`), dataset: { class: c } },
    c, extra ? h('span', { class: 'sr-only' }, ` ${t(`land.class.${c}`)}`) : null);
}

/* The class a result ends with: the decided one after an objection. */
function classCell(r) {
  if (r.final_class && r.final_class !== r.class)
    return h('span', { class: 'land-class-change', title: t('land.classChanged') }, classChip(r.class), ' → ', classChip(r.final_class));
  return classChip(r.class);
}

function statusBadge(s) {
  return h('span', { class: ['badge', `badge-${STATUS_KIND[s] || 'gray'}`], dataset: { status: s || '' } }, s ? t(`land.status.${s}`) : t('common.none'));
}

function stateBadge(s) {
  const kind = { draft: 'gray', published: 'gold', final: 'green', open: 'gold', upheld: 'green', rejected: 'red' }[s] || 'gray';
  return badge(t(`land.state.${s}`), kind);
}

const indLabel = (name) => t(`land.ind.${name}`);
const indUnit = (name) => t(`land.unit.${name}`);

function entCell(r, onOpen) {
  const name = onOpen
    ? h('button', { class: 'link-btn strong', type: 'button', dataset: { testid: 'land-ent', id: String(r.enterprise_id) }, on: { click: () => onOpen(r) } }, r.name || t('common.none'))
    : h('div', { class: 'strong' }, r.name || t('common.none'));
  return h('div', null, name, h('div', { class: 'mono muted small' }, r.credit_code || ''));
}

/* A <select> labelled for screen readers. */
function labelled(el, label, testid) {
  el.setAttribute('aria-label', label);
  if (testid)
    el.dataset.testid = testid;
  return el;
}

function filterBox(label, control) {
  return h('label', { class: 'filter' }, h('span', null, label), control);
}

function xlsxLink(href, testid, label) {
  return h('a', { class: 'btn', href, download: '', dataset: { testid } }, label || t('land.xlsx'));
}

/* The evaluations newest first (GET /land/evaluations), [] when none. */
async function evaluations() {
  const r = await get('/api/v1/land/evaluations');
  return (r && r.items) || [];
}

function evalLabel(e) {
  return t('land.evalOption', { year: e.year, preset: t(`land.preset.${e.preset}`), state: t(`land.state.${e.state}`), id: e.id });
}

/* The evaluation a tab starts with: ?evaluation=, else the newest
 * published or final one, else the newest. */
function pickEval(items, ctx, wantPublished) {
  const q = Number(ctx.query.get('evaluation'));
  return items.find((e) => e.id === q)
    || (wantPublished ? items.find((e) => e.state !== 'draft') : null)
    || items[0] || null;
}

/* Remember the chosen evaluation in the address (tab links carry it). */
function rememberEval(ctx, id) {
  const tab = TABS.includes(ctx.sub[0]) ? ctx.sub[0] : 'results';
  history.replaceState(null, '', `#/land/${tab}${id ? `?evaluation=${id}` : ''}`);
  ctx.query.set('evaluation', String(id || ''));
  for (const a of document.querySelectorAll('.land-tabs a.tab'))
    a.href = `#/land/${a.dataset.tab}${id ? `?evaluation=${id}` : ''}`;
}

function evalSelect(items, cur, testid = 'land-eval') {
  return labelled(select('evaluation', items.map((e) => [e.id, evalLabel(e)]), cur ? cur.id : ''), t('land.evaluation'), testid);
}

/* ---------- the page ---------- */

export async function render(ctx) {
  const tab = TABS.includes(ctx.sub[0]) ? ctx.sub[0] : 'results';
  const [editor, st] = await Promise.all([landEditor(ctx.user), streets()]);
  const en = new Map(st.map((x) => [x.name, localName(x)]));
  streetName = (name) => (name ? en.get(name) || name : name);
  if (!ctx.alive())
    return;
  const ev = ctx.query.get('evaluation');
  const tabs = h('nav', { class: 'tabs land-tabs', 'aria-label': t('land.tabs') },
    TABS.map((k) => h('a', { class: ['tab', k === tab && 'on'], href: `#/land/${k}${ev ? `?evaluation=${ev}` : ''}`,
      'aria-current': k === tab ? 'page' : null, dataset: { tab: k, testid: `land-tab-${k}` } }, t(`land.tab.${k}`))));
  const body = h('div', { class: 'land-body', dataset: { testid: `land-${tab}` } }, loading());
  replace(ctx.el, pageHeader(t('land.title'), t(`land.lead.${tab}`)), tabs, body);
  const env = { ctx, body, editor, user: ctx.user };
  await {
    results: resultsTab, objections: objectionsTab, low: lowTab, plots: plotsTab, regen: regenTab, map: mapTab, measures: measuresTab,
  }[tab](env);
}

/* Load, then draw; an error replaces box with a retry. */
async function loadInto(env, box, load, draw) {
  let data;
  try {
    data = await load();
  } catch (e) {
    if (env.ctx.alive())
      replace(box, errorBox(e, () => loadInto(env, box, load, draw)));
    return;
  }
  if (env.ctx.alive())
    await draw(data);
}

/* ---------- 评价结果 ---------- */

async function resultsTab(env) {
  const { ctx, body, editor } = env;
  await loadInto(env, body, evaluations, (items) => {
    const newBtn = editor && can(env.user, OP.evaluate)
      ? h('button', { class: 'btn btn-primary', type: 'button', dataset: { testid: 'land-eval-new' }, on: { click: () => newEvaluation(env, items) } },
        `＋ ${t('land.newEval')}`) : null;
    if (!items.length) {
      replace(body, panel(t('land.tab.results'), [empty(t('land.noEvals')), newBtn]));
      return;
    }
    const cur = pickEval(items, ctx, true);
    const sel = evalSelect(items, cur);
    const view = h('div', null, loading());
    sel.addEventListener('change', () => {
      rememberEval(ctx, sel.value);
      showEvaluation(env, Number(sel.value), view);
    });
    replace(body, h('div', { class: 'filters land-evalbar' }, filterBox(t('land.evaluation'), sel), newBtn), view);
    return showEvaluation(env, cur.id, view);
  });
}

async function showEvaluation(env, id, box) {
  replace(box, loading());
  await loadInto(env, box, () => get(`/api/v1/land/evaluations/${id}`), (e) => {
    const c = e.counts || {};
    const dist = h('div', { dataset: { testid: 'land-dist' } });
    replace(box,
      panel(t('land.evalTitle', { year: e.year, id: e.id }), [
        h('div', { class: 'title-badges' }, stateBadge(e.state),
          e.state === 'published' && e.publish_until ? h('span', { class: 'muted' }, t('land.publishedUntil', { date: e.publish_until })) : null),
        h('p', { class: 'muted land-params' }, paramsText(e)),
        h('div', { class: 'race-summary land-counts' }, CLASSES.map((k) => h('div', { class: ['kpi', `kpi-class-${k}`] },
          h('span', { class: 'kpi-label' }, classChip(k), ' ', t(`land.class.${k}`)),
          h('span', { class: 'kpi-value', dataset: { kpi: k } }, num(c[k] ?? 0))))),
      ], { extra: evalActions(env, e, () => showEvaluation(env, id, box)) }),
      dist,
      panel(t('land.ranking'), rankingView(env, e)));
    if (can(env.user, OP.distribution))
      distribution(env, e, dist);
  });
}

function paramsText(e) {
  const p = e.params || {};
  const cl = p.classing || {};
  const classing = cl.mode === 'thresholds'
    ? t('land.byThresholds', { A: cl.A, B: cl.B, C: cl.C })
    : t('land.byShares', { A: pct(cl.A ?? SHARES.A), B: pct(cl.B ?? SHARES.B), C: pct(cl.C ?? SHARES.C) });
  return [t(`land.preset.${e.preset}`), t(`land.scope.${e.scope || 'industrial'}`), classing,
    t('land.capN', { cap: num(p.cap ?? 2) }), t('land.minLandN', { mu: num(p.min_land_mu ?? 3) })].join(' · ');
}

function evalActions(env, e, again) {
  const u = env.user;
  const acts = [];
  if (can(u, OP.export))
    acts.push(xlsxLink(`/api/v1/land/evaluations/${e.id}/export`, 'land-eval-export'));
  if (env.editor && e.state === 'draft' && can(u, OP.publish))
    acts.push(h('button', { class: 'btn btn-primary', type: 'button', dataset: { testid: 'land-publish' }, on: { click: () => publishDialog(e, again) } }, t('land.publish')));
  if (env.editor && e.state === 'published' && can(u, OP.finalize))
    acts.push(h('button', { class: 'btn btn-primary', type: 'button', dataset: { testid: 'land-finalize' }, on: { click: () => finalize(e, again) } }, t('land.finalize')));
  return acts.length ? h('div', { class: 'panel-tools' }, acts) : null;
}

function publishDialog(e, again) {
  const days = input('days', { type: 'number', min: 1, max: 90, value: 7, inputmode: 'numeric' });
  const form = h('form', { class: 'form', novalidate: true },
    h('p', { class: 'muted' }, t('land.publishText', { year: e.year })),
    field(t('land.publishDays'), days), formErrorLine(),
    h('div', { class: 'form-actions' }, h('button', { class: 'btn btn-primary', type: 'submit', dataset: { testid: 'land-publish-go' } }, t('land.publish'))));
  const m = modal(t('land.publish'), form, { class: 'modal-small' });
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(form);
    try {
      await post(`/api/v1/land/evaluations/${e.id}/publish`, { days: Number(days.value) });
      m.close();
      toast(t('land.published'));
      again();
    } catch (err) {
      formError(form, err);
    }
  });
}

async function finalize(e, again) {
  if (!(await confirmBox(t('land.finalizeConfirm', { year: e.year }))))
    return;
  try {
    await post(`/api/v1/land/evaluations/${e.id}/finalize`);
    toast(t('land.finalized'));
    again();
  } catch (err) {
    toast(errorText(err), 'error');
  }
}

/* The ranking with its filters (class, street, industry, name), paged here. */
function rankingView(env, e) {
  const results = e.results || [];
  const uniq = (k) => [...new Set(results.map((r) => r[k]).filter(Boolean))].sort();
  const cls = labelled(select('class', [['', t('common.all')], ...CLASSES.map((k) => [k, `${k} ${t(`land.class.${k}`)}`])], ''), t('land.class'), 'land-f-class');
  const street = labelled(select('street', [['', t('common.all')], ...uniq('street').map((s) => [s, streetName(s)])], ''), t('land.street'), 'land-f-street');
  const industry = labelled(select('industry', [['', t('common.all')], ...uniq('industry').map((s) => [s, s])], ''), t('land.industry'), 'land-f-industry');
  const find = labelled(input('q', { type: 'search', maxlength: 60, placeholder: t('land.findPh') }), t('land.find'), 'land-f-q');
  const list = h('div');
  let offset = 0;
  const open = (r) => enterpriseCard(env, r, e);
  const cols = [
    { key: 'rank', label: t('land.rank'), align: 'r', class: 'nowrap', cell: (r) => (r.rank ?? null) },
    { key: 'name', label: t('land.enterprise'), cell: (r) => entCell(r, can(env.user, OP.enterprise) ? open : null) },
    { key: 'street', label: t('land.street'), narrowHide: true, cell: (r) => streetName(r.street) },
    { key: 'industry', label: t('land.industry'), narrowHide: true },
    { key: 'land_mu', label: t('land.landMu'), align: 'r', class: 'nowrap', cell: (r) => [num(r.land_mu),
      r.land_source === 'registry' ? h('span', { class: 'muted small', title: t('land.fromRegistry') }, ' *') : null] },
    { key: 'score', label: t('land.score'), align: 'r', class: 'nowrap strong', cell: (r) => score(r.score) },
    { key: 'class', label: t('land.class'), class: 'nowrap', cell: classCell },
    { key: 'note', label: t('land.note'), class: 'wrap small', cell: (r) => [
      r.reason ? t(`land.reason.${r.reason}`) : null,
      (r.imputed || []).length ? h('span', { class: 'land-imputed', title: t('land.imputedHint') },
        t('land.imputedN', { list: r.imputed.map(indLabel).join('、') })) : null] },
  ];
  const draw = () => {
    const needle = find.value.trim().toLowerCase();
    const rows = results.filter((r) => (!cls.value || (r.final_class || r.class) === cls.value)
      && (!street.value || r.street === street.value) && (!industry.value || r.industry === industry.value)
      && (!needle || `${r.name || ''} ${r.credit_code || ''}`.toLowerCase().includes(needle)));
    const tbl = table(cols, rows.slice(offset, offset + PAGE), { class: 'table-compact land-ranking', rowClass: (r) => `land-row-${r.class}` });
    tbl.dataset.testid = 'land-ranking';
    replace(list, h('p', { class: 'muted small' }, t('land.shownN', { n: num(rows.length), total: num(results.length) })), tbl,
      rows.length > PAGE ? pager(rows.length, PAGE, offset, (o) => { offset = o; draw(); }) : null);
  };
  for (const el of [cls, street, industry])
    el.addEventListener('change', () => { offset = 0; draw(); });
  find.addEventListener('input', () => { offset = 0; draw(); });
  draw();
  return [h('div', { class: 'filters' }, filterBox(t('land.class'), cls), filterBox(t('land.street'), street),
    filterBox(t('land.industry'), industry), h('label', { class: 'filter grow' }, h('span', null, t('land.find')), find)),
  h('p', { class: 'muted small' }, t('land.registryNote')), list];
}

/* The class distribution by street and by industry: stacked bars, and the
 * numbers as tables below. */
async function distribution(env, e, box) {
  replace(box, loading());
  await loadInto(env, box, () => get(`/api/v1/land/evaluations/${e.id}/distribution`), (d) => {
    const en = getLang() === 'en';
    const streetsRows = (d.by_street || []).map((r) => ({ ...r, label: streetName(r.street) || t('land.noStreet') }));
    const indRows = (d.by_industry || []).map((r) => ({ ...r, label: `${r.section} ${(en ? r.label_en : r.label) || ''}`.trim() }));
    if (!streetsRows.length && !indRows.length) {
      replace(box);
      return;
    }
    const c1 = h('div', { class: 'chart land-chart', dataset: { testid: 'land-chart-street' } });
    const c2 = h('div', { class: 'chart land-chart', dataset: { testid: 'land-chart-industry' } });
    const cols = (label) => [{ key: 'label', label }, ...CLASSES.map((k) => ({ key: k, label: k, align: 'r', cell: (r) => num(r[k] ?? 0) }))];
    replace(box, panel(t('land.distribution'), [
      h('div', { class: 'two-col' },
        h('div', null, h('h3', { class: 'ind-chart-title' }, t('land.byStreet')), hasCharts() ? c1 : null),
        h('div', null, h('h3', { class: 'ind-chart-title' }, t('land.byIndustry')), hasCharts() ? c2 : null)),
      h('details', { class: 'more', open: !hasCharts() }, h('summary', null, t('land.distTable')),
        h('div', { class: 'two-col' }, table(cols(t('land.street')), streetsRows, { class: 'table-compact' }),
          table(cols(t('land.industry')), indRows, { class: 'table-compact' }))),
    ]));
    classBars(c1, streetsRows);
    classBars(c2, indRows);
  });
}

function classBars(el, rows) {
  if (!hasCharts() || !rows.length)
    return;
  const data = [...rows].reverse();
  el.style.height = `${Math.max(220, 36 * data.length + 70)}px`;
  chart(el, {
    grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
    legend: { top: 0, data: CLASSES.map((k) => ({ name: k })), formatter: (k) => `${k} ${t(`land.class.${k}`)}` },
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' },
      formatter: (ps) => `${esc(data[ps[0].dataIndex].label)}<br>${ps.map((p) => `${p.marker}${esc(p.seriesName)} ${esc(t(`land.class.${p.seriesName}`))}: ${esc(num(p.value))}`).join('<br>')}` },
    xAxis: { type: 'value', minInterval: 1 },
    yAxis: { type: 'category', data: data.map((r) => r.label), axisLabel: { width: 130, overflow: 'truncate' } },
    series: CLASSES.map((k) => ({ name: k, type: 'bar', stack: 'n', barMaxWidth: 24, itemStyle: { color: CLASS_COLOR[k] },
      data: data.map((r) => r[k] ?? 0) })),
  });
}

/* ---------- an enterprise's card ---------- */

async function enterpriseCard(env, r, e) {
  const bodyEl = h('div', { class: 'land-card', dataset: { testid: 'land-card' } }, loading());
  modal(r.name || t('land.enterprise'), bodyEl, { class: 'modal-wide' });
  await loadInto(env, bodyEl, () => get(`/api/v1/land/enterprises/${r.enterprise_id}`), (d) => {
    const ent = d.enterprise || {};
    const years = d.years || [];
    replace(bodyEl,
      h('dl', { class: 'kv-grid land-kv' },
        kv(t('land.creditCode'), h('span', { class: 'mono' }, ent.credit_code || r.credit_code)),
        kv(t('land.street'), streetName(ent.street) || t('common.none')),
        kv(t('land.industry'), ent.industry || t('common.none')),
        kv(t('land.landMu'), [mu(ent.land_mu), ' ', h('span', { class: 'muted small' }, t(`land.source.${ent.land_source || 'registry'}`))]),
        d.project ? kv(t('land.originProject'), `${d.project.name}${d.project.stage ? ` · ${t(`stage.${d.project.stage}`)}` : ''}`) : null),
      h('h3', { class: 'land-h3' }, t('land.indicatorsOf', { year: e.year })),
      indicatorTable(r.indicators || {}, 'land-card-indicators'),
      h('h3', { class: 'land-h3' }, t('land.classOverYears')),
      years.length ? h('div', { class: 'land-years', dataset: { testid: 'land-card-years' } }, years.map((y) => h('div', { class: 'land-year' },
        h('span', { class: 'land-year-n' }, String(y.year)), classChip(y.final_class || y.class, true),
        h('span', { class: 'muted small' }, y.score !== null && y.score !== undefined ? `${score(y.score)} · ${t('land.rankOf', { rank: y.rank ?? t('common.noneWord'), of: y.of ?? t('common.noneWord') })}` : (y.reason ? t(`land.reason.${y.reason}`) : ''))))) : empty(t('land.noYears')),
      (d.plots || []).length ? [h('h3', { class: 'land-h3' }, t('land.itsPlots')), table([
        { key: 'code', label: t('land.code'), class: 'mono' }, { key: 'name', label: t('land.plotName') },
        { key: 'area_mu', label: t('land.areaMu'), align: 'r', cell: (p) => num(p.area_mu) },
        { key: 'status', label: t('land.status'), cell: (p) => statusBadge(p.status) }], d.plots, { class: 'table-compact' })] : null,
      (d.measures || []).length ? [h('h3', { class: 'land-h3' }, t('land.tab.measures')), table([
        { key: 'year', label: t('land.year') }, { key: 'years_in_d', label: t('land.yearsInD'), align: 'r' },
        { key: 'surcharge', label: t('land.surcharge'), align: 'r', cell: (m) => t('land.yuanKwh', { v: num(m.surcharge, 2) }) }], d.measures, { class: 'table-compact' })] : null);
  });
}

function kv(k, v) {
  return h('div', { class: 'kv' }, h('dt', null, k), h('dd', null, v));
}

/* Indicators against their benchmarks: value, benchmark, a bar of
 * value ÷ benchmark (the tick is the benchmark), weight and score. */
export function indicatorTable(inds, testid) {
  const rows = Object.entries(inds).map(([name, x]) => ({ name, ...x }));
  const tbl = table([
    { key: 'name', label: t('land.indicator'), cell: (x) => [indLabel(x.name), h('div', { class: 'muted small' }, indUnit(x.name))] },
    { key: 'value', label: t('land.value'), align: 'r', class: 'nowrap', cell: (x) => (x.value === null || x.value === undefined ? null : num(x.value, 2)) },
    { key: 'benchmark', label: t('land.benchmark'), align: 'r', class: 'nowrap', cell: (x) => num(x.benchmark) },
    { key: 'ratio', label: t('land.ratio'), cell: (x) => ratioBar(x.value, x.benchmark) },
    { key: 'weight', label: t('land.weight'), align: 'r', cell: (x) => num(x.weight) },
    { key: 'score', label: t('land.score'), align: 'r', class: 'nowrap strong', cell: (x) => [score(x.score),
      x.imputed ? h('span', { class: 'badge badge-gold land-imp', title: t('land.imputedHint') }, t('land.imputed')) : null] },
  ], rows, { class: 'table-compact land-ind' });
  if (testid)
    tbl.dataset.testid = testid;
  return tbl;
}

function ratioBar(value, bench) {
  if (value === null || value === undefined || !Number(bench))
    return h('span', { class: 'muted' }, t('common.none'));
  const r = Number(value) / Number(bench);
  const w = Math.max(0, Math.min(r, 2)) * 50;
  return h('div', { class: 'land-ratio', title: `${num(r * 100, 0)}%` },
    h('div', { class: 'land-ratio-track' }, h('div', { class: ['land-ratio-bar', r >= 1 ? 'good' : 'low'], style: { width: `${w}%` } }),
      h('div', { class: 'land-ratio-tick' })),
    h('span', { class: 'small nowrap' }, `${num(r * 100, 0)}%`));
}

/* ---------- a new evaluation ---------- */

function newEvaluation(env, items) {
  const y0 = thisYear() - 1;
  const year = input('year', { type: 'number', min: 2000, max: 2199, value: items[0] ? items[0].year : y0, inputmode: 'numeric', dataset: { testid: 'land-new-year' } });
  const preset = select('preset', Object.keys(PRESET_INDICATORS).map((k) => [k, t(`land.preset.${k}`)]), 'zhejiang');
  const scope = select('scope', [['industrial', t('land.scope.industrial')], ['all', t('land.scope.all')]], 'industrial');
  const mode = select('classing.mode', [['shares', t('land.mode.shares')], ['thresholds', t('land.mode.thresholds')]], 'shares');
  const cut = Object.fromEntries(['A', 'B', 'C'].map((k) => [k, input(`classing.${k}`, { inputmode: 'decimal', value: SHARES[k] })]));
  const cap = input('cap', { inputmode: 'decimal', placeholder: '2' });
  const minLand = input('min_land_mu', { inputmode: 'decimal', placeholder: '3' });
  const weightsBox = h('div', { class: 'form-grid form-grid-3' });
  const drawWeights = () => replace(weightsBox, PRESET_INDICATORS[preset.value].map((n) => h('div', { class: 'land-weight' },
    field(`${indLabel(n)} · ${t('land.weight')}`, input(`weights.${n}`, { inputmode: 'decimal', placeholder: String(PRESET_WEIGHTS[preset.value][n]) })),
    field(`${t('land.benchmark')} (${indUnit(n)})`, input(`benchmarks.${n}`, { inputmode: 'decimal', placeholder: t('land.presetDefault') })))));
  preset.addEventListener('change', drawWeights);
  mode.addEventListener('change', () => {
    for (const k of ['A', 'B', 'C'])
      cut[k].value = mode.value === 'shares' ? SHARES[k] : THRESHOLDS[k];
  });
  drawWeights();
  const save = h('button', { class: 'btn btn-primary', type: 'submit', dataset: { testid: 'land-new-go' } }, t('land.evaluate'));
  const form = h('form', { class: 'form', novalidate: true },
    h('div', { class: 'form-grid form-grid-3' }, field(t('land.year'), year), field(t('land.preset'), preset), field(t('land.scope'), scope)),
    h('fieldset', { class: 'land-fieldset' }, h('legend', { class: 'field-label' }, t('land.classing')),
      h('div', { class: 'form-grid form-grid-4' }, field(t('land.mode'), mode),
        ['A', 'B', 'C'].map((k) => field(`${k} ${t(`land.class.${k}`)}`, cut[k]))),
      h('p', { class: 'field-hint' }, t('land.classingHint'))),
    h('div', { class: 'form-grid' }, field(t('land.cap'), cap, t('land.capHint')), field(t('land.minLand'), minLand, t('land.minLandHint'))),
    h('fieldset', { class: 'land-fieldset' }, h('legend', { class: 'field-label' }, t('land.weightsTitle')),
      h('p', { class: 'field-hint' }, t('land.weightsHint')), weightsBox),
    formErrorLine(),
    h('div', { class: 'form-actions' }, save));
  const m = modal(t('land.newEval'), form, { class: 'modal-wide' });
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(form);
    const numOf = (el) => (el.value.trim() === '' ? undefined : Number(el.value.trim()));
    const body = { year: Number(year.value), preset: preset.value, scope: scope.value,
      classing: { mode: mode.value, A: numOf(cut.A), B: numOf(cut.B), C: numOf(cut.C) } };
    if (numOf(cap) !== undefined)
      body.cap = numOf(cap);
    if (numOf(minLand) !== undefined)
      body.min_land_mu = numOf(minLand);
    for (const kind of ['weights', 'benchmarks']) {
      const o = {};
      for (const el of weightsBox.querySelectorAll(`input[name^="${kind}."]`))
        if (numOf(el) !== undefined)
          o[el.name.slice(kind.length + 1)] = numOf(el);
      if (Object.keys(o).length)
        body[kind] = o;
    }
    save.disabled = true;
    try {
      const e = await post('/api/v1/land/evaluations', body);
      m.close();
      toast(t('land.evaluated', { n: num((e.results || []).length) }));
      rememberEval(env.ctx, e.id);
      resultsTab(env);
    } catch (err) {
      formError(form, err);
    } finally {
      save.disabled = false;
    }
  });
}

/* ---------- 异议 ---------- */

async function objectionsTab(env) {
  const { ctx, body } = env;
  await loadInto(env, body, evaluations, (items) => {
    const cur = pickEval(items, ctx, true);
    const sel = labelled(select('evaluation', [['', t('land.allEvals')], ...items.map((e) => [e.id, evalLabel(e)])], cur ? cur.id : ''), t('land.evaluation'), 'land-eval');
    const state = labelled(select('state', [['', t('common.all')], ...['open', 'upheld', 'rejected'].map((s) => [s, t(`land.state.${s}`)])], ctx.query.get('state') || ''),
      t('land.state'), 'land-obj-state');
    const list = h('div', null, loading());
    const load = () => loadInto(env, list, () => get('/api/v1/land/objections', { evaluation_id: sel.value, state: state.value }),
      (r) => drawObjections(env, list, (r && r.items) || [], load));
    sel.addEventListener('change', () => { rememberEval(ctx, sel.value); load(); });
    state.addEventListener('change', load);
    replace(body, panel(t('land.tab.objections'), [h('div', { class: 'filters' },
      filterBox(t('land.evaluation'), sel), filterBox(t('land.state'), state)), list]));
    return load();
  });
}

function drawObjections(env, list, items, again) {
  const mayDecide = env.editor && can(env.user, OP.decide);
  const tbl = table([
    { key: 'name', label: t('land.enterprise'), cell: (o) => entCell(o) },
    { key: 'year', label: t('land.year'), class: 'nowrap' },
    { key: 'class', label: t('land.class'), cell: (o) => (o.new_class && o.new_class !== o.class
      ? h('span', null, classChip(o.class), ' → ', classChip(o.new_class)) : classChip(o.class)) },
    { key: 'text', label: t('land.objText'), class: 'wrap', cell: (o) => [h('p', { class: 'land-obj-text' }, o.text),
      (o.files || []).length ? h('ul', { class: 'land-files' }, o.files.map((f) => h('li', null,
        h('a', { href: `/api/v1/land/objections/${o.id}/files/${f.id}`, download: f.name }, f.name),
        h('span', { class: 'muted small' }, ` ${num(Math.ceil((f.size || 0) / 1024))} KB`)))) : null] },
    { key: 'created_at', label: t('land.submitted'), class: 'nowrap small', cell: (o) => fmtTime(o.created_at, false) },
    { key: 'state', label: t('land.state'), cell: (o) => [stateBadge(o.state),
      o.decision_note ? h('div', { class: 'small muted' }, o.decision_note) : null] },
    mayDecide ? { key: 'act', label: t('land.actions'), cell: (o) => (o.state === 'open'
      ? h('button', { class: 'btn btn-small', type: 'button', dataset: { testid: 'land-decide', id: String(o.id) }, on: { click: () => decide(o, again) } }, t('land.decide'))
      : null) } : null,
  ].filter(Boolean), items, { class: 'table-compact' });
  tbl.dataset.testid = 'land-objections';
  replace(list, items.length ? tbl : empty(t('land.noObjections')));
}

function decide(o, again) {
  const decision = select('decision', [['rejected', t('land.state.rejected')], ['upheld', t('land.state.upheld')]], 'rejected');
  const newClass = select('new_class', [['', t('common.none')], ...['A', 'B', 'C', 'D'].map((k) => [k, `${k} ${t(`land.class.${k}`)}`])], '');
  const note = h('textarea', { class: 'input textarea', name: 'note', rows: 3, maxlength: 1000 });
  const classField = field(t('land.newClass'), newClass, t('land.newClassHint'));
  const sync = () => { classField.hidden = decision.value !== 'upheld'; };
  decision.addEventListener('change', sync);
  sync();
  const form = h('form', { class: 'form', novalidate: true },
    h('p', { class: 'land-obj-text' }, o.text),
    field(t('land.decision'), decision), classField, field(t('land.decisionNote'), note), formErrorLine(),
    h('div', { class: 'form-actions' }, h('button', { class: 'btn btn-primary', type: 'submit', dataset: { testid: 'land-decide-go' } }, t('common.save'))));
  const m = modal(t('land.decideTitle', { name: o.name }), form);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(form);
    const b = { decision: decision.value, note: note.value.trim() };
    if (decision.value === 'upheld' && newClass.value)
      b.new_class = newClass.value;
    try {
      await post(`/api/v1/land/objections/${o.id}/decision`, b);
      m.close();
      toast(t('land.decided'));
      again();
    } catch (err) {
      formError(form, err);
    }
  });
}

/* ---------- 低效用地 ---------- */

async function lowTab(env) {
  const { ctx, body } = env;
  await loadInto(env, body, evaluations, (items) => {
    const cur = pickEval(items, ctx, true);
    const sel = items.length ? evalSelect(items, cur) : null;
    const view = h('div', null, loading());
    const load = () => loadInto(env, view, () => get('/api/v1/land/low-efficiency', { evaluation_id: sel ? sel.value : '' }),
      (r) => drawLow(env, view, r));
    if (sel)
      sel.addEventListener('change', () => { rememberEval(ctx, sel.value); load(); });
    replace(body, sel ? h('div', { class: 'filters' }, filterBox(t('land.evaluation'), sel)) : null, view);
    return load();
  });
}

function plotUsers(users) {
  return (users || []).length ? h('ul', { class: 'land-users' }, users.map((u) => h('li', null,
    u.name || u.credit_code || `#${u.enterprise_id}`, ' ', h('span', { class: 'muted small' }, mu(u.area_mu)), u.class ? [' ', classChip(u.class)] : null))) : null;
}

function drawLow(env, view, r) {
  const items = r.items || [];
  const q = r.evaluation_id ? `?evaluation_id=${r.evaluation_id}` : '';
  const tbl = table([
    { key: 'code', label: t('land.code'), class: 'mono nowrap' },
    { key: 'name', label: t('land.plotName') },
    { key: 'street', label: t('land.street'), narrowHide: true, cell: (x) => streetName(x.street) },
    { key: 'area_mu', label: t('land.areaMu'), align: 'r', class: 'nowrap strong', cell: (p) => num(p.area_mu) },
    { key: 'status', label: t('land.status'), cell: (p) => statusBadge(p.status) },
    { key: 'class', label: t('land.plotClass'), cell: (p) => classChip(p.class) },
    { key: 'd_share', label: t('land.dShare'), align: 'r', cell: (p) => pct(p.d_share) },
    { key: 'why', label: t('land.why'), cell: (p) => t(`land.why.${p.why}`) },
    { key: 'users', label: t('land.users'), class: 'wrap', cell: (p) => plotUsers(p.users) },
  ], items, { class: 'table-compact' });
  tbl.dataset.testid = 'land-low';
  replace(view, panel(r.year ? t('land.lowOf', { year: r.year }) : t('land.tab.low'), [
    h('div', { class: 'race-summary' },
      h('div', { class: 'kpi' }, h('span', { class: 'kpi-label' }, t('land.lowCount')), h('span', { class: 'kpi-value', dataset: { kpi: 'count' } }, num(r.count ?? items.length))),
      h('div', { class: 'kpi kpi-alert' }, h('span', { class: 'kpi-label' }, t('land.lowArea')),
        h('span', { class: 'kpi-value', dataset: { kpi: 'area_mu', testid: 'land-low-area' } }, num(r.area_mu ?? 0), h('small', null, ` ${t('land.mu')}`)))),
    h('p', { class: 'muted small' }, t('land.lowRule')),
    tbl,
  ], { extra: can(env.user, OP.lowExport) ? xlsxLink(`/api/v1/land/low-efficiency/export${q}`, 'land-low-export') : null }));
}

/* ---------- 地块 ---------- */

async function plotsTab(env) {
  const { ctx, body, editor, user } = env;
  const st = await streets();
  if (!ctx.alive())
    return;
  const status = labelled(select('status', [['', t('common.all')], ...STATUSES.map((s) => [s, t(`land.status.${s}`)])], ctx.query.get('status') || ''), t('land.status'), 'land-p-status');
  const street = labelled(select('street_id', [['', t('common.all')], ...st.map((s) => [s.id, localName(s)])], ''), t('land.street'), 'land-p-street');
  const use = labelled(select('land_use', [['', t('common.all')], ...LAND_USES.map((s) => [s, t(`land.use.${s}`)])], ''), t('land.landUse'), 'land-p-use');
  const q = labelled(input('q', { type: 'search', maxlength: 60, placeholder: t('land.plotFindPh') }), t('land.find'), 'land-p-q');
  const list = h('div', null, loading());
  let offset = 0;
  const load = () => loadInto(env, list, () => get('/api/v1/plots', { status: status.value, street_id: street.value, land_use: use.value, q: q.value.trim(), limit: PAGE, offset }),
    (r) => drawPlots(env, list, r, load, (o) => { offset = o; load(); }));
  const form = h('form', { class: 'filters', role: 'search', on: { submit: (e) => { e.preventDefault(); offset = 0; load(); } } },
    filterBox(t('land.status'), status), filterBox(t('land.street'), street), filterBox(t('land.landUse'), use),
    h('label', { class: 'filter grow' }, h('span', null, t('land.find')), q),
    h('button', { class: 'btn', type: 'submit' }, t('land.search')));
  for (const el of [status, street, use])
    el.addEventListener('change', () => { offset = 0; load(); });
  const newBtn = editor ? h('button', { class: 'btn btn-primary', type: 'button', dataset: { testid: 'land-plot-new' },
    on: { click: () => plotForm(env, null, load) } }, `＋ ${t('land.newPlot')}`) : null;
  const parts = [panel(t('land.tab.plots'), [form, list], { extra: newBtn })];
  if (editor && can(user, OP.importPlots) && can(user, OP.importJob)) {
    const [imp, result] = importForm(ctx, {
      path: '/api/v1/plots/import',
      testid: 'land-import',
      accept: '.csv,.xlsx,.geojson,.json,text/csv,application/geo+json,application/json,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
      formatOf: (f) => (/\.xlsx$/i.test(f.name) ? 'xlsx' : /\.(geo)?json$/i.test(f.name) ? 'geojson' : 'csv'),
      fileHint: t('land.importHint'),
      columns: t('land.importColumns'),
      template: { headers: ['code', 'name', 'area_mu', 'street', 'land_use', 'status', 'geometry', 'crs', 'users'], filename: 'plots-template.csv' },
      onDone: () => load(),
    });
    parts.push(h('details', { class: 'more land-import' }, h('summary', null, t('land.importTitle')), imp), result);
  }
  replace(body, ...parts);
  await load();
}

function drawPlots(env, list, r, again, go) {
  const items = r.items || [];
  const cols = [
    { key: 'code', label: t('land.code'), class: 'mono nowrap' },
    { key: 'name', label: t('land.plotName') },
    { key: 'street', label: t('land.street'), narrowHide: true, cell: (x) => streetName(x.street) },
    { key: 'land_use', label: t('land.landUse'), narrowHide: true, cell: (p) => (p.land_use ? t(`land.use.${p.land_use}`) : null) },
    { key: 'area_mu', label: t('land.areaMu'), align: 'r', class: 'nowrap', cell: (p) => num(p.area_mu) },
    { key: 'users', label: t('land.usersArea'), align: 'r', class: 'nowrap', cell: (p) => t('land.usersOf', { n: num((p.users || []).length), area: num(p.users_area_mu ?? 0) }) },
    { key: 'status', label: t('land.status'), cell: (p) => statusBadge(p.status) },
    { key: 'project', label: t('land.project'), class: 'wrap', cell: (p) => (p.project ? p.project.name : null) },
    env.editor ? { key: 'act', label: t('land.actions'), class: 'nowrap', cell: (p) => h('span', { class: 'land-acts' },
      h('button', { class: 'btn btn-small', type: 'button', dataset: { testid: 'land-plot-edit', code: p.code }, on: { click: () => plotForm(env, p, again) } }, t('land.edit')),
      can(env.user, OP.users) ? h('button', { class: 'btn btn-small', type: 'button', dataset: { testid: 'land-plot-users', code: p.code }, on: { click: () => usersForm(env, p, again) } }, t('land.users')) : null) } : null,
  ].filter(Boolean);
  const tbl = table(cols, items, { class: 'table-compact' });
  tbl.dataset.testid = 'land-plots';
  const total = r.total ?? items.length;
  replace(list, tbl, total > (r.limit || PAGE) ? pager(total, r.limit || PAGE, r.offset || 0, go) : null);
}

/* Create (p null) or edit a plot. */
async function plotForm(env, p0, again) {
  let p = p0;
  if (p && p.id && can(env.user, OP.plot)) {
    try {
      p = await get(`/api/v1/plots/${p.id}`);
    } catch (e) {
      toast(errorText(e), 'error');
      return;
    }
  }
  const v = p || { land_use: 'industrial', status: 'in_use' };
  const st = await streets();
  const projects = can(env.user, OP.projects) ? await get('/api/v1/projects', { limit: 500 }).then((x) => x.items || []).catch(() => []) : null;
  const numIn = (name, extra = {}) => input(name, { inputmode: 'decimal', value: v[name] ?? '', ...extra });
  const code = input('code', { value: v.code || '', maxlength: 64, class: 'input mono', dataset: { testid: 'land-plot-code' } });
  const name = input('name', { value: v.name || '', maxlength: 200, dataset: { testid: 'land-plot-name' } });
  const area = numIn('area_mu', { dataset: { testid: 'land-plot-area' } });
  const street = select('street_id', [['', t('common.none')], ...st.map((s) => [s.id, localName(s)])], v.street_id ?? '');
  const use = select('land_use', LAND_USES.map((s) => [s, t(`land.use.${s}`)]), v.land_use);
  const status = select('status', STATUSES.map((s) => [s, t(`land.status.${s}`)]), v.status);
  const project = projects ? select('project_id', [['', t('common.none')], ...projects.map((x) => [x.id, x.name])], v.project_id ?? '')
    : numIn('project_id');
  const note = h('textarea', { class: 'input textarea', name: 'note', rows: 2, maxlength: 2000 }, v.note || '');
  const eventNote = input('event_note', { maxlength: 500 });
  const geometry = h('textarea', { class: 'input textarea mono', name: 'geometry', rows: 4, spellcheck: 'false', placeholder: '{"type":"Polygon","coordinates":[[[120.9,32.0],…]]}' },
    v.geometry ? JSON.stringify(v.geometry) : '');
  const crs = select('crs', [['EPSG:4326', 'WGS 84 (EPSG:4326)'], ['EPSG:4490', 'CGCS2000 (EPSG:4490)']], v.crs || 'EPSG:4326');
  const save = h('button', { class: 'btn btn-primary', type: 'submit', dataset: { testid: 'land-plot-save' } }, t('common.save'));
  const form = h('form', { class: 'form', novalidate: true },
    h('div', { class: 'form-grid form-grid-3' }, field(t('land.code'), code), field(t('land.plotName'), name), field(t('land.areaMu'), area)),
    h('div', { class: 'form-grid form-grid-3' }, field(t('land.street'), street), field(t('land.landUse'), use), field(t('land.status'), status, p ? t('land.statusHint') : null)),
    p ? field(t('land.eventNote'), eventNote) : null,
    h('fieldset', { class: 'land-fieldset' }, h('legend', { class: 'field-label' }, t('land.regenTitle')),
      h('div', { class: 'form-grid form-grid-3' }, field(t('land.toMove'), numIn('to_move')), field(t('land.moved'), numIn('moved')),
        field(t('land.areaFreed'), numIn('area_freed_mu'))),
      h('div', { class: 'form-grid' }, field(t('land.project'), project), field(t('land.investmentWan'), numIn('investment_wan')))),
    h('div', { class: 'form-grid' }, h('div', { class: 'field-wide' }, field(t('land.geometry'), geometry, t('land.geometryHint'))), field(t('land.crs'), crs)),
    field(t('land.note'), note),
    p && (p.events || []).length ? h('details', { class: 'more' }, h('summary', null, t('land.history')), table([
      { key: 'at', label: t('land.when'), class: 'nowrap', cell: (x) => fmtTime(x.at, false) },
      { key: 'from', label: t('land.change'), cell: (x) => [statusBadge(x.from_status), ' → ', statusBadge(x.to_status)] },
      { key: 'note', label: t('land.note') }, { key: 'user', label: t('land.by') }], p.events, { class: 'table-compact' })) : null,
    formErrorLine(),
    h('div', { class: 'form-actions' }, save));
  const m = modal(p ? t('land.editPlot', { code: p.code }) : t('land.newPlot'), form, { class: 'modal-wide' });
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(form);
    const body = plotBody(form, p);
    if (!body)
      return;
    if (p && body.status && eventNote.value.trim())
      body.event_note = eventNote.value.trim();
    save.disabled = true;
    try {
      const r = p ? await patch(`/api/v1/plots/${p.id}`, body) : await post('/api/v1/plots', body);
      m.close();
      toast(p ? t('land.plotSaved', { code: r.code }) : t('land.plotCreated', { code: r.code }));
      again();
    } catch (err) {
      formError(form, err);
    } finally {
      save.disabled = false;
    }
  });
}

const PLOT_NUMBERS = ['area_mu', 'to_move', 'moved', 'area_freed_mu', 'investment_wan', 'project_id', 'street_id'];

/* The body of the plot form: every field for a new plot (p null), the
 * changed ones of plot p; null after showing an error under its field. */
function plotBody(form, p) {
  const body = {};
  for (const el of form.querySelectorAll('input[name], select[name], textarea[name]')) {
    const k = el.name;
    const s = el.value.trim();
    if (k === 'event_note' || (k === 'geometry' && s === '' && !(p && p.geometry)))
      continue;
    if (k === 'geometry') {
      try {
        body.geometry = s === '' ? null : JSON.parse(s);
      } catch {
        field0(form, k).setError(t('land.geometryNotJson'));
        return null;
      }
    } else if (PLOT_NUMBERS.includes(k)) {
      if (s !== '' && !Number.isFinite(Number(s))) {
        field0(form, k).setError(t('land.err.value', { value: s }));
        return null;
      }
      if (s !== '' || (p && p[k] !== null && p[k] !== undefined))
        body[k] = s === '' ? null : Number(s);
    } else if (s !== '' || p) {
      body[k] = s;
    }
  }
  if (p)
    for (const k of Object.keys(body))
      if (JSON.stringify(body[k]) === JSON.stringify(p[k] ?? (k === 'note' ? '' : null)))
        delete body[k];
  return body;
}

/* A field whose control is an enterprise picker: the label names its
 * input, the list of matches stays beside it. */
function pickerField(label, picker) {
  const f = field(label, picker.input);
  picker.input.replaceWith(picker);
  picker.prepend(picker.input);
  return f;
}

/* showFormError(), with a sentence of ours for a bad number the server
 * calls invalid_parameter (its code for any bad field), and a refused
 * status change naming the statuses in words. */
function formError(form, err0) {
  let err = err0;
  const pr = (err && err.info && err.info.params) || {};
  if (err && err.code === 'bad_transition' && pr.from && pr.to)   /* the statuses in words */
    err = Object.assign(Object.create(Object.getPrototypeOf(err)), err,
      { message: '', info: { ...err.info, params: { from: t(`land.status.${pr.from}`), to: t(`land.status.${pr.to}`) } } });
  const base = err && err.field ? String(err.field).replace(/\[\d+\]/g, '').split('.').pop() : '';
  const ctl = base && err.code === 'invalid_parameter' ? form.querySelector(`[name="${CSS.escape(err.field)}"]`) : null;
  const f = ctl && ctl.closest('.field');
  if (f && f.setError) {
    const params = (err.info && err.info.params) || {};
    f.setError(t(base.endsWith('area_mu') ? 'land.err.area' : 'land.err.value', { value: params.value ?? '' }));
    ctl.focus();
    return;
  }
  showFormError(form, err);
}

function field0(form, name) {
  return form.querySelector(`[name="${name}"]`).closest('.field');
}

/* Who uses plot p: rows of enterprise and area; the total against the
 * plot's area; a 422 shows under the row's field or under the total. */
function usersForm(env, p, again) {
  const rows = h('div', { class: 'land-user-rows' });
  const total = h('output', { name: 'users', class: 'land-users-total', dataset: { testid: 'land-users-total' } });
  const sync = () => {
    const sum = [...rows.querySelectorAll('input[name$=".area_mu"]')].reduce((a, el) => a + (Number(el.value) || 0), 0);
    total.textContent = t('land.usersTotal', { sum: num(sum), area: num(p.area_mu) });
    total.classList.toggle('over', sum > Number(p.area_mu));
  };
  const renumber = () => [...rows.children].forEach((row, i) => {
    row.querySelector('input[type=search]').name = `users[${i}].enterprise_id`;
    row.querySelector('input[name$=".area_mu"]').name = `users[${i}].area_mu`;
    row.querySelector('legend').textContent = t('land.userN', { n: i + 1 });
  });
  const addRow = (u) => {
    const picker = enterprisePicker({ name: 'users[0].enterprise_id', value: u ? { id: u.enterprise_id, name: u.name } : null });
    const area = input('users[0].area_mu', { inputmode: 'decimal', value: u ? u.area_mu : '', dataset: { testid: 'land-user-area' } });
    area.addEventListener('input', sync);
    const row = h('fieldset', { class: 'land-user-row' }, h('legend', { class: 'sr-only' }),
      pickerField(t('land.enterprise'), picker), field(t('land.areaMu'), area),
      h('button', { class: 'btn btn-small btn-danger-ghost', type: 'button', on: { click: () => { row.remove(); renumber(); sync(); } } }, t('land.remove')));
    row.picker = picker;
    rows.appendChild(row);
    renumber();
    sync();
  };
  (p.users || []).forEach(addRow);
  const save = h('button', { class: 'btn btn-primary', type: 'submit', dataset: { testid: 'land-users-save' } }, t('common.save'));
  const form = h('form', { class: 'form', novalidate: true },
    h('p', { class: 'muted' }, t('land.usersLead', { code: p.code, area: num(p.area_mu) })),
    rows,
    h('button', { class: 'btn btn-small land-add', type: 'button', dataset: { testid: 'land-user-add' }, on: { click: () => addRow(null) } }, `＋ ${t('land.addUser')}`),
    field(t('land.usersTotalLabel'), total),
    formErrorLine(),
    h('div', { class: 'form-actions' }, save));
  const m = modal(t('land.usersTitle', { code: p.code }), form, { class: 'modal-wide' });
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(form);
    const list = [];
    for (const row of rows.children) {
      const id = row.picker.value();
      const area = row.querySelector('input[name$=".area_mu"]');
      if (!id) {
        row.picker.input.closest('.field').setError(t('land.pickEnterprise'));
        return;
      }
      list.push({ enterprise_id: id, area_mu: area.value.trim() === '' ? null : Number(area.value) });
    }
    save.disabled = true;
    try {
      await put(`/api/v1/plots/${p.id}/users`, list);
      m.close();
      toast(t('land.usersSaved', { code: p.code }));
      again();
    } catch (err) {
      formError(form, err);
    } finally {
      save.disabled = false;
    }
  });
}

/* ---------- 空间再造 ---------- */

async function regenTab(env) {
  const { body } = env;
  const load = () => Promise.all(REGEN.map((s) => get('/api/v1/plots', { status: s, limit: 500 }).then((r) => (r && r.items) || [])));
  await loadInto(env, body, load, (lists) => {
    const all = lists.flat();
    const sum = (k) => all.reduce((a, p) => a + (Number(p[k]) || 0), 0);
    const again = () => regenTab(env);
    replace(body,
      h('div', { class: 'race-summary', dataset: { testid: 'land-regen-kpis' } },
        kpi(t('land.regenPlots'), all.length, 'plots'),
        kpi(t('land.regenArea'), sum('area_mu'), 'area_mu'),
        kpi(t('land.moved'), sum('moved'), 'moved'),
        kpi(t('land.toMove'), sum('to_move'), 'to_move'),
        kpi(t('land.areaFreed'), sum('area_freed_mu'), 'area_freed_mu')),
      all.length ? h('div', { class: 'land-regen', dataset: { testid: 'land-regen' } }, REGEN.map((s, i) => h('section', { class: 'land-regen-col', 'aria-label': t(`land.status.${s}`) },
        h('h2', { class: 'land-regen-head' }, statusBadge(s), h('span', { class: 'muted small' }, t('land.nPlotsArea', { n: num(lists[i].length), area: num(lists[i].reduce((a, p) => a + (Number(p.area_mu) || 0), 0)) }))),
        lists[i].map((p) => regenCard(env, p, again)))))
        : panel(null, empty(t('land.noRegen'))));
  });
}

function regenCard(env, p, again) {
  const next = REGEN[REGEN.indexOf(p.status) + 1];
  const moved = Number(p.moved) || 0;
  const toMove = Number(p.to_move) || 0;
  const w = toMove > 0 ? Math.min(100, Math.round((moved * 100) / toMove)) : 0;
  return h('article', { class: 'land-regen-card', dataset: { code: p.code } },
    h('div', { class: 'strong' }, p.name || p.code), h('div', { class: 'mono muted small' }, p.code),
    h('div', { class: 'land-regen-row' }, h('span', null, t('land.areaMu')), h('strong', null, num(p.area_mu))),
    toMove ? h('div', { class: 'land-regen-move' },
      h('div', { class: 'land-regen-row' }, h('span', null, t('land.movedOf')), h('strong', null, `${num(moved)} / ${num(toMove)}`)),
      h('div', { class: 'progress', role: 'progressbar', 'aria-label': t('land.movedOf'), 'aria-valuemin': '0', 'aria-valuemax': '100', 'aria-valuenow': String(w) },
        h('div', { class: 'progress-bar', style: { width: `${w}%` } }))) : null,
    p.area_freed_mu ? h('div', { class: 'land-regen-row' }, h('span', null, t('land.areaFreed')), h('strong', null, mu(p.area_freed_mu))) : null,
    p.project ? h('div', { class: 'land-regen-project' }, h('span', { class: 'muted small' }, t('land.project')), ' ', p.project.name,
      p.project.stage ? [' ', badge(t(`stage.${p.project.stage}`), 'blue')] : null) : null,
    p.investment_wan ? h('div', { class: 'muted small' }, t('land.investmentN', { v: num(Number(p.investment_wan) / 10000, 2) })) : null,
    env.editor && can(env.user, OP.editPlot) ? h('div', { class: 'land-acts' },
      next ? h('button', { class: 'btn btn-small', type: 'button', dataset: { testid: 'land-regen-next', code: p.code },
        on: { click: () => advance(p, next, again) } }, `→ ${t(`land.status.${next}`)}`) : null,
      h('button', { class: 'btn btn-small', type: 'button', on: { click: () => plotForm(env, p, again) } }, t('land.edit'))) : null);
}

function advance(p, next, again) {
  const note = input('note', { maxlength: 500 });
  const form = h('form', { class: 'form', novalidate: true },
    h('p', null, t('land.advanceText', { code: p.code, from: t(`land.status.${p.status}`), to: t(`land.status.${next}`) })),
    field(t('land.eventNote'), note), formErrorLine(),
    h('div', { class: 'form-actions' }, h('button', { class: 'btn btn-primary', type: 'submit', dataset: { testid: 'land-advance-go' } }, t('common.save'))));
  const m = modal(t('land.advanceTitle'), form, { class: 'modal-small' });
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(form);
    const b = { status: next };
    if (note.value.trim())
      b.event_note = note.value.trim();
    try {
      await patch(`/api/v1/plots/${p.id}`, b);
      m.close();
      toast(t('land.advanced', { code: p.code, to: t(`land.status.${next}`) }));
      again();
    } catch (err) {
      formError(form, err);
    }
  });
}

/* ---------- 地图 ---------- */

async function mapTab(env) {
  const { ctx, body } = env;
  const [geo, items] = await Promise.all([
    get('/api/v1/plots/geojson').catch((e) => ({ error: e })),
    can(env.user, OP.evaluations) ? evaluations().catch(() => []) : [],
  ]);
  if (!ctx.alive())
    return;
  if (geo.error) {
    replace(body, errorBox(geo.error, () => mapTab(env)));
    return;
  }
  const feats = (geo.features || []).filter((f) => f && f.geometry);
  if (!feats.length) {
    replace(body, panel(t('land.tab.map'), h('div', { class: 'state state-empty land-map-empty', dataset: { testid: 'land-map-empty' } },
      h('strong', null, t('land.mapEmpty')), h('span', null, t('land.mapEmptyHint')),
      env.editor ? h('a', { class: 'btn btn-small', href: '#/land/plots' }, t('land.toPlots')) : null)));
    return;
  }
  /* the map registers the plots with ECharts itself: the library first */
  const withCharts = await loadCharts();
  if (!ctx.alive())
    return;
  const cur = pickEval(items, ctx, true);
  const mode = labelled(select('color', [['status', t('land.colorStatus')], ...(cur ? [['class', t('land.colorClass')]] : [])],
    ctx.query.get('color') === 'status' || !cur ? 'status' : 'class'), t('land.colorBy'), 'land-map-color');
  const sel = cur ? evalSelect(items, cur, 'land-map-eval') : null;
  const mapEl = h('div', { class: 'land-map', dataset: { testid: 'land-map-chart' }, role: 'img', 'aria-label': t('land.mapLabel', { n: feats.length }) });
  const legend = h('div', { class: 'land-legend', dataset: { testid: 'land-legend' } });
  const note = h('p', { class: 'muted small' });
  replace(body, panel(t('land.tab.map'), [
    h('div', { class: 'filters' }, filterBox(t('land.colorBy'), mode), sel ? filterBox(t('land.evaluation'), sel) : null),
    h('div', { class: 'land-map-wrap' }, withCharts ? mapEl : null, legend), note]));
  if (withCharts)
    window.echarts.registerMap('zone-plots', { type: 'FeatureCollection', features: feats.map((f) => ({ ...f, properties: { ...f.properties, name: String(f.properties.code) } })) });
  let c = null;
  const draw = async () => {
    let byPlot = null;
    if (mode.value === 'class' && sel) {
      try {
        const r = await get(`/api/v1/land/evaluations/${sel.value}/plots`);
        byPlot = new Map(((r && r.items) || []).map((x) => [String(x.plot_id), x]));
      } catch (e) {
        toast(errorText(e), 'error');
      }
      if (!ctx.alive())
        return;
    }
    const cats = byPlot ? [...CLASSES, 'none'] : STATUSES;
    const colors = byPlot ? { ...CLASS_COLOR, none: '#d5dbe3' } : STATUS_COLOR;
    const catOf = (f) => (byPlot ? ((byPlot.get(String(f.properties.id)) || {}).class || 'none') : f.properties.status);
    const catLabel = (k) => (byPlot ? (k === 'none' ? t('land.noClass') : `${k} ${t(`land.class.${k}`)}`) : t(`land.status.${k}`));
    const rows = feats.map((f) => ({ f, cat: catOf(f), ev: byPlot ? byPlot.get(String(f.properties.id)) : null }));
    drawLegend(legend, cats, colors, catLabel, rows);
    note.textContent = byPlot ? t('land.mapClassNote') : '';
    if (!withCharts)
      return;
    if (!c)
      c = chartNow(mapEl, {});
    c.setOption(mapOption(rows, colors), { notMerge: true });
    mapEl.dataset.drawn = mode.value;
  };
  mode.addEventListener('change', () => { draw(); });
  if (sel)
    sel.addEventListener('change', () => { rememberEval(ctx, sel.value); if (mode.value === 'class') draw(); });
  await draw();
}

function mapOption(rows, colors) {
  return {
    tooltip: { trigger: 'item', confine: true, formatter: (p) => {
      const r = p.data && p.data.row;
      if (!r)
        return esc(p.name);
      const x = r.f.properties;
      const cls = r.ev ? r.ev.class : null;
      return [`<strong>${esc(x.code)}</strong> ${esc(x.name || '')}`,
        `${esc(t('land.areaMu'))}: ${esc(num(x.area_mu))}`,
        `${esc(t('land.status'))}: ${esc(x.status ? t(`land.status.${x.status}`) : t('common.noneWord'))}`,
        `${esc(t('land.plotClass'))}: ${esc(cls ? `${cls} ${t(`land.class.${cls}`)}` : t('land.noClass'))}`,
        x.street ? `${esc(t('land.street'))}: ${esc(streetName(x.street))}` : ''].filter(Boolean).join('<br>');
    } },
    series: [{
      type: 'map', map: 'zone-plots', roam: true, aspectScale: 0.85, layoutCenter: ['50%', '50%'], layoutSize: '95%',
      selectedMode: false,
      /* the codes on hover only: a label would cover a small plot's colour */
      label: { show: false, fontSize: 12, color: '#1c2733', textBorderColor: '#ffffff', textBorderWidth: 3, formatter: (p) => p.name },
      itemStyle: { borderColor: '#ffffff', borderWidth: 1.2 },
      emphasis: { label: { show: true, fontWeight: 'bold' }, itemStyle: { areaColor: null, borderColor: '#0d2b55', borderWidth: 2 } },
      data: rows.map((r) => ({ name: String(r.f.properties.code), row: r, itemStyle: { areaColor: colors[r.cat] || '#d5dbe3' },
        emphasis: { itemStyle: { areaColor: colors[r.cat] || '#d5dbe3' } } })),
      nameProperty: 'name',
    }],
  };
}

/* The legend: a swatch, the label, how many plots and their area. */
function drawLegend(box, cats, colors, label, rows) {
  replace(box, h('h3', { class: 'land-legend-title' }, t('land.legend')), h('ul', { class: 'land-legend-list' }, cats.map((k) => {
    const mine = rows.filter((r) => r.cat === k);
    return h('li', { dataset: { cat: k } }, h('span', { class: 'land-swatch', style: { background: colors[k] }, 'aria-hidden': 'true' }),
      h('span', { class: 'land-legend-label' }, label(k)),
      h('span', { class: 'muted small nowrap' }, t('land.nPlotsArea', { n: num(mine.length), area: num(mine.reduce((a, r) => a + (Number(r.f.properties.area_mu) || 0), 0)) })));
  })));
}

/* ---------- 差别化措施 ---------- */

async function measuresTab(env) {
  const { ctx, body } = env;
  await loadInto(env, body, () => evaluations().catch(() => []), (items) => {
    const years = [...new Set(items.filter((e) => e.state === 'final').map((e) => e.year))];
    const y0 = Number(ctx.query.get('year')) || years[0] || thisYear() - 1;
    const opts = [...new Set([...years, y0])].sort((a, b) => b - a);
    const year = labelled(select('year', opts.map((y) => [y, t('land.yearN', { year: y })]), y0), t('land.year'), 'land-m-year');
    const view = h('div', null, loading());
    const load = () => loadInto(env, view, () => get('/api/v1/land/measures', { year: year.value }), (m) => drawMeasures(env, view, m));
    year.addEventListener('change', load);
    replace(body, h('div', { class: 'filters' }, filterBox(t('land.year'), year)), view);
    return load();
  });
}

function drawMeasures(env, view, m) {
  const items = m.items || [];
  const tbl = table([
    { key: 'name', label: t('land.enterprise'), cell: (x) => entCell(x) },
    { key: 'street', label: t('land.street'), narrowHide: true, cell: (x) => streetName(x.street) },
    { key: 'years_in_d', label: t('land.yearsInD'), align: 'r' },
    { key: 'surcharge', label: t('land.surcharge'), align: 'r', class: 'nowrap strong', cell: (x) => t('land.yuanKwh', { v: num(x.surcharge, 2) }) },
  ], items, { class: 'table-compact' });
  tbl.dataset.testid = 'land-measures';
  replace(view, panel(t('land.measuresOf', { year: m.year }), [
    h('p', { class: 'muted' }, t('land.measuresRule')),
    h('ul', { class: 'land-rates' }, (m.rates || []).map((r) => h('li', null, t('land.rateLine', { years: r.years, v: num(r.surcharge, 2) })))),
    items.length ? tbl : empty(t('land.noMeasures')),
  ], { extra: can(env.user, OP.measuresExport) ? xlsxLink(`/api/v1/land/measures/export?year=${m.year}`, 'land-measures-export', t('land.xlsxUtility')) : null }));
}
