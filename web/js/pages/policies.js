/*
 * policies.js -- 政策推送, the policy library of 免审即享 (issue 10):
 *
 *   #/policies                 the library: search, tags, each policy's rule
 *                              as code beside its plain Chinese (English);
 *                              charts of the amounts granted by policy and
 *                              by street (GET /api/v1/policies/stats)
 *   #/policies/new             the editor for a new draft
 *   #/policies/{id}            one version: its rule, versions, cases (run
 *                              them: publish is offered once they all pass),
 *                              the match for a year (eligible with amounts
 *                              and clause explanations, unknown with the
 *                              missing facts, near with the failed clause),
 *                              one enterprise's explanation, push, batches
 *   #/policies/{id}/edit       the editor (a draft in place; a published
 *                              version gets a new draft version)
 *   #/policies/batch/{id}      a batch: approve or reject (leaders), items
 *                              and their states, mark paid, XLSX export
 *
 * Every button is offered by the user's permissions (/me); a rule the
 * server refuses (422 syntax …) is shown under the character at fault.
 */
import { h, replace, fmtTime } from '../dom.js';
import { get, post, patch } from '../api.js';
import { t, getLang } from '../../i18n.js';
import {
  pageHeader, panel, errorBox, errorText, loading, empty, table, pager, badge, toast, modal, confirmBox, field,
  input, select, formErrorLine, clearErrors, showFormError,
} from '../ui.js';
import { can } from '../perm.js';
import { chart, hasCharts, esc } from '../chart.js';
import { enterprisePicker } from '../svc.js';
import { planCategories, planCatLabel } from '../plans.js';
import { thisYear } from '../clock.js';
import {
  fmtAmount, amountText, fmtCount, isNum, policyStateBadge, batchStateBadge, itemStateBadge, resultBadge, clauseList,
  ruleErrorText, isRuleError, caretView, POLICY_STATES, ITEM_STATES,
} from '../policy.js';

const PAGE = 20;
const OP = {
  create: 'POST /api/v1/policies',
  edit: 'PATCH /api/v1/policies/{id}',
  test: 'POST /api/v1/policies/{id}/test',
  publish: 'POST /api/v1/policies/{id}/publish',
  match: 'GET /api/v1/policies/{id}/match',
  explain: 'GET /api/v1/policies/{id}/explain',
  push: 'POST /api/v1/policies/{id}/push',
  batches: 'GET /api/v1/policies/{id}/batches',
  makeBatch: 'POST /api/v1/policies/{id}/batches',
  stats: 'GET /api/v1/policies/stats',
  batch: 'GET /api/v1/batches/{id}',
  allBatches: 'GET /api/v1/batches',
  approve: 'POST /api/v1/batches/{id}/approve',
  reject: 'POST /api/v1/batches/{id}/reject',
  paid: 'POST /api/v1/batches/{id}/paid',
  export: 'GET /api/v1/batches/{id}/export',
  facts: 'GET /api/v1/facts/defs',
};

export async function render(ctx) {
  const [a, b] = ctx.sub;
  if (a === 'new')
    return editor(ctx, null);
  if (a === 'batch' && /^\d+$/.test(b || ''))
    return batchPage(ctx, Number(b));
  if (/^\d+$/.test(a || '') && b === 'edit')
    return editor(ctx, Number(a));
  if (/^\d+$/.test(a || ''))
    return detail(ctx, Number(a));
  return library(ctx);
}

const yearOptions = (top, n = 8) => Array.from({ length: n }, (_, i) => [top - i, String(top - i)]);

function backLink(href, text) {
  return h('p', { class: 'back' }, h('a', { href, dataset: { testid: 'back' } }, `‹ ${text}`));
}

/* The plain words of a rule in the UI's language. */
function plainOf(p) {
  const pl = p.plain || {};
  return pl[getLang()] || pl.zh || {};
}

/* The plan categories a policy serves (一企一档), as chips. */
function planChips(plans, cats) {
  return (plans || []).length ? h('span', { class: 'pol-tags', dataset: { testid: 'pol-plans' } },
    h('span', { class: 'muted small' }, `${t('pol.plans')}：`), plans.map((x) => h('span', { class: 'tag' }, planCatLabel(x, cats)))) : null;
}

/* The plans multi-select of the editor: a checkbox per category. */
function plansPicker(cats, chosen) {
  const boxes = cats.map((c) => h('label', { class: 'check' },
    h('input', { type: 'checkbox', name: 'plans', value: c.name, checked: (chosen || []).includes(c.name) }), ' ', planCatLabel(c.name, cats)));
  const el = h('fieldset', { class: 'field field-wide pol-plans', dataset: { testid: 'pol-plans-pick' } },
    h('legend', { class: 'field-label' }, t('pol.plans')),
    h('div', { class: 'check-row' }, boxes),
    h('div', { class: 'field-hint' }, t('pol.plansHint')));
  el.read = () => boxes.map((b) => b.querySelector('input')).filter((i) => i.checked).map((i) => i.value);
  return el;
}

function tagChips(tags) {
  return (tags || []).length ? h('span', { class: 'pol-tags' }, tags.map((x) => h('span', { class: 'tag' }, x))) : null;
}

/*
 * The rule: for the condition and the benefit, the code (monospace) beside
 * its plain Chinese (or English).
 */
function ruleView(p) {
  const pl = plainOf(p);
  const row = (key, code, words) => h('div', { class: 'rule-row', dataset: { part: key } },
    h('div', { class: 'rule-label' }, t(`pol.${key}`)),
    h('pre', { class: 'rule-code', dataset: { testid: `code-${key}` } }, code || t('common.none')),
    h('p', { class: 'rule-plain', dataset: { testid: `plain-${key}` } }, words || t('common.noneWord')));
  return h('div', { class: 'rule-view' },
    h('div', { class: 'rule-row rule-head', 'aria-hidden': 'true' },
      h('div', null), h('div', null, t('pol.code')), h('div', null, t('pol.plain'))),
    row('condition', p.condition, pl.condition),
    row('benefit', p.benefit, pl.benefit));
}

/* ---------- the library ---------- */

async function library(ctx) {
  const q = input('q', { type: 'search', value: ctx.query.get('q') || '', placeholder: t('pol.searchPh'), maxlength: 100 });
  q.setAttribute('aria-label', t('pol.search'));
  q.dataset.testid = 'pol-search';
  const state = select('state', [['', t('common.all')], ...POLICY_STATES.map((s) => [s, t(`pol.state.${s}`)])], ctx.query.get('state') || '');
  state.dataset.testid = 'pol-state';
  let tag = ctx.query.get('tag') || '';
  const tagsEl = h('div', { class: 'pol-tagbar', role: 'group', 'aria-label': t('pol.tags') });
  const list = h('div', { class: 'pol-list', dataset: { testid: 'pol-list' } }, loading());
  const form = h('form', { class: 'filters', role: 'search' },
    h('label', { class: 'filter grow' }, h('span', null, t('pol.search')), q),
    h('label', { class: 'filter' }, h('span', null, t('pol.stateLabel')), state),
    h('button', { class: 'btn', type: 'submit' }, t('pol.searchBtn')));
  const create = can(ctx.user, OP.create) ? h('a', { class: 'btn btn-primary', href: '#/policies/new', dataset: { testid: 'pol-new' } }, `＋ ${t('pol.new')}`) : null;
  const statsBox = can(ctx.user, OP.stats) ? h('div', { class: 'pol-stats' }) : null;
  /* a leader's work first: the batches waiting for approval */
  const pendingBox = can(ctx.user, OP.approve) && can(ctx.user, OP.allBatches) ? h('div', { dataset: { testid: 'pending-batches' } }) : null;
  replace(ctx.el, pageHeader(t('pol.title'), t('pol.subtitle'), create), pendingBox, panel(null, [form, tagsEl, list]), statsBox);
  if (pendingBox)
    get('/api/v1/batches', { state: 'pending' }).then((r) => {
      const items = (r && r.items) || [];
      if (ctx.alive() && items.length)
        replace(pendingBox, panel(t('pol.pendingTitle', { n: items.length }), batchTable(items, true), { class: 'pol-pending' }));
    }).catch(() => {});

  let seq = 0;
  const load = async () => {
    if (!ctx.alive())
      return;
    const mine = ++seq;
    const params = { q: q.value.trim(), tag, state: state.value };
    const qs = new URLSearchParams(Object.entries(params).filter(([, v]) => v));
    history.replaceState(null, '', `#/policies${qs.toString() ? `?${qs}` : ''}`);
    let res;
    try {
      res = await get('/api/v1/policies', params);
    } catch (e) {
      if (ctx.alive() && mine === seq)
        replace(list, errorBox(e, load));
      return;
    }
    if (!ctx.alive() || mine !== seq)
      return;
    replace(tagsEl, (res.tags || []).length ? [h('span', { class: 'pol-tagbar-label' }, t('pol.tags')),
      h('button', { class: ['chip', !tag && 'on'], type: 'button', 'aria-pressed': String(!tag), on: { click: () => { tag = ''; load(); } } }, t('common.all')),
      res.tags.map((x) => h('button', { class: ['chip', tag === x.tag && 'on'], type: 'button', 'aria-pressed': String(tag === x.tag),
        dataset: { tag: x.tag }, on: { click: () => { tag = tag === x.tag ? '' : x.tag; load(); } } }, x.tag, h('span', { class: 'chip-n' }, String(x.count))))] : null);
    const items = res.items || [];
    replace(list, items.length ? items.map(policyCard) : empty(t('pol.none')));
  };
  form.addEventListener('submit', (e) => { e.preventDefault(); load(); });
  state.addEventListener('change', load);
  await Promise.all([load(), statsBox ? statsPanel(ctx, statsBox) : null]);
}

function policyCard(p) {
  const pl = plainOf(p);
  return h('article', { class: 'pol-card', dataset: { testid: 'pol-card', code: p.code, id: String(p.id) } },
    h('div', { class: 'pol-card-head' },
      h('a', { class: 'pol-name', href: `#/policies/${p.id}`, dataset: { testid: 'pol-link' } }, p.name),
      h('span', { class: 'mono muted' }, p.code), h('span', { class: 'pol-ver' }, t('pol.versionN', { n: p.version })),
      policyStateBadge(p.state), tagChips(p.tags)),
    p.summary ? h('p', { class: 'pol-summary' }, p.summary) : null,
    h('div', { class: 'pol-card-rule' },
      h('div', { class: 'pol-card-code' },
        h('div', { class: 'rule-label' }, t('pol.condition')), h('pre', { class: 'rule-code' }, p.condition),
        h('div', { class: 'rule-label' }, t('pol.benefit')), h('pre', { class: 'rule-code' }, p.benefit)),
      h('div', { class: 'pol-card-plain', lang: getLang() === 'zh' ? 'zh-CN' : 'en' },
        h('div', { class: 'rule-label' }, t('pol.plainCondition')), h('p', { class: 'rule-plain', dataset: { testid: 'plain' } }, pl.condition || t('common.noneWord')),
        h('div', { class: 'rule-label' }, t('pol.plainBenefit')), h('p', { class: 'rule-plain' }, pl.benefit || t('common.noneWord')))));
}

/* ---------- charts: the amounts granted by policy and by street ---------- */

async function statsPanel(ctx, box) {
  const year = select('year', [['', t('pol.allYears')], ...yearOptions(thisYear())], ctx.query.get('year') || '');
  year.setAttribute('aria-label', t('pol.year'));
  year.dataset.testid = 'pol-stats-year';
  const body = h('div', null, loading());
  replace(box, panel(t('pol.statsTitle'), body, { extra: year }));
  const load = async () => {
    let s;
    try {
      s = await get('/api/v1/policies/stats', { year: year.value });
    } catch (e) {
      if (ctx.alive())
        replace(body, errorBox(e, load));
      return;
    }
    if (!ctx.alive())
      return;
    const byPolicy = (s.by_policy || []).filter((r) => isNum(r.amount));
    const byStreet = (s.by_street || []).filter((r) => isNum(r.amount));
    if (!byPolicy.length && !byStreet.length) {
      replace(body, empty(t('pol.statsNone')));
      return;
    }
    const c1 = h('div', { class: 'chart', dataset: { testid: 'chart-policy' } });
    const c2 = h('div', { class: 'chart', dataset: { testid: 'chart-street' } });
    replace(body,
      h('div', { class: 'two-col pol-charts' },
        h('div', null, h('h3', { class: 'ind-chart-title' }, t('pol.byPolicy')), hasCharts() ? c1 : null),
        h('div', null, h('h3', { class: 'ind-chart-title' }, t('pol.byStreet')), hasCharts() ? c2 : null)),
      h('details', { class: 'more', open: !hasCharts() }, h('summary', null, t('pol.statsTable')),
        h('div', { class: 'two-col' },
          table([
            { key: 'name', label: t('pol.policy'), cell: (r) => h('a', { href: `#/policies/${r.policy_id}` }, r.name || r.code) },
            { key: 'granted', label: t('pol.granted'), align: 'r', cell: (r) => fmtCount(r.granted) },
            { key: 'confirmed', label: t('pol.confirmed'), align: 'r', cell: (r) => fmtCount(r.confirmed) },
            { key: 'paid', label: t('pol.paid'), align: 'r', cell: (r) => fmtCount(r.paid) },
            { key: 'amount', label: t('pol.amountWan'), align: 'r', cell: (r) => fmtAmount(r.amount) },
          ], byPolicy, { class: 'table-compact' }),
          table([
            { key: 'street', label: t('pol.street') },
            { key: 'granted', label: t('pol.granted'), align: 'r', cell: (r) => fmtCount(r.granted) },
            { key: 'amount', label: t('pol.amountWan'), align: 'r', cell: (r) => fmtAmount(r.amount) },
          ], byStreet, { class: 'table-compact' }))));
    barChart(c1, byPolicy.map((r) => ({ name: r.name || r.code, amount: Number(r.amount), n: r.granted })));
    barChart(c2, byStreet.map((r) => ({ name: r.street || t('pol.noStreet'), amount: Number(r.amount), n: r.granted })));
  };
  year.addEventListener('change', load);
  await load();
}

function barChart(el, rows) {
  if (!hasCharts() || !rows.length)
    return;
  const data = [...rows].sort((a, b) => a.amount - b.amount);
  chart(el, {
    grid: { left: 8, right: 56, top: 8, bottom: 8, containLabel: true },
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' },
      formatter: (ps) => {
        const r = data[ps[0].dataIndex];
        return `${esc(r.name)}<br>${esc(amountText(r.amount))}<br>${esc(t('pol.grantedN', { n: fmtCount(r.n) }))}`;
      } },
    xAxis: { type: 'value', name: t('pol.wan'), axisLabel: { formatter: (v) => fmtCount(v) } },
    yAxis: { type: 'category', data: data.map((r) => r.name), axisLabel: { width: 150, overflow: 'truncate' } },
    series: [{ type: 'bar', data: data.map((r) => r.amount), barMaxWidth: 26,
      label: { show: true, position: 'right', formatter: (p) => fmtAmount(p.value) } }],
  });
}

/* ---------- one policy ---------- */

async function detail(ctx, id) {
  let p;
  let pcats;
  try {
    [p, pcats] = await Promise.all([get(`/api/v1/policies/${id}`), planCategories()]);
  } catch (e) {
    if (ctx.alive())
      replace(ctx.el, backLink('#/policies', t('pol.back')), pageHeader(t('pol.title')), errorBox(e, () => detail(ctx, id)));
    return;
  }
  if (!ctx.alive())
    return;
  const u = ctx.user;
  const draft = p.state === 'draft';
  const published = p.state === 'published';
  const actions = [];
  if (can(u, OP.edit) && (draft || published))
    actions.push(h('a', { class: 'btn', href: `#/policies/${p.id}/edit`, dataset: { testid: 'pol-edit' } }, draft ? t('pol.editDraft') : t('pol.revise')));
  const publishBtn = draft && can(u, OP.publish)
    ? h('button', { class: 'btn btn-primary', type: 'button', disabled: true, title: t('pol.publishFirst'), dataset: { testid: 'pol-publish' } }, t('pol.publish'))
    : null;
  if (publishBtn)
    actions.push(publishBtn);
  if (published && can(u, OP.push))
    actions.push(h('button', { class: 'btn', type: 'button', dataset: { testid: 'pol-push' }, on: { click: () => pushDialog(p) } }, t('pol.push')));
  const casesBox = h('div');
  replace(ctx.el,
    backLink('#/policies', t('pol.back')),
    pageHeader(p.name, `${p.code} · ${t('pol.versionN', { n: p.version })}`, actions),
    h('div', { class: 'title-badges' }, policyStateBadge(p.state), tagChips(p.tags), planChips(p.plans, pcats)),
    p.summary ? h('p', { class: 'pol-lead' }, p.summary) : null,
    panel(t('pol.rule'), ruleView(p)),
    casesBox,
    can(u, OP.match) && !draft ? matchPanel(ctx, p) : null,
    h('div', { class: 'two-col' },
      can(u, OP.explain) && !draft ? explainPanel(p) : null,
      panel(t('pol.versions'), versionsTable(p))),
    can(u, OP.batches) ? batchesPanel(ctx, p) : null);
  casesPanel(ctx, p, casesBox, publishBtn);
  if (publishBtn)
    publishBtn.addEventListener('click', () => publish(ctx, p, publishBtn));
}

function versionsTable(p) {
  const vs = [...(p.versions || [])].sort((a, b) => b.version - a.version);
  return table([
    { key: 'version', label: t('pol.version'), cell: (v) => (v.id === p.id ? h('strong', null, t('pol.versionN', { n: v.version }), ' ', badge(t('pol.thisOne'), 'blue'))
      : h('a', { href: `#/policies/${v.id}` }, t('pol.versionN', { n: v.version }))) },
    { key: 'state', label: t('pol.stateLabel'), cell: (v) => policyStateBadge(v.state) },
    { key: 'created_at', label: t('pol.createdAt'), class: 'nowrap muted', cell: (v) => fmtTime(v.created_at, false) },
  ], vs, { class: 'table-compact' });
}

async function publish(ctx, p, btn) {
  if (!(await confirmBox(t('pol.publishConfirm', { name: p.name, version: p.version }))))
    return;
  btn.disabled = true;
  try {
    await post(`/api/v1/policies/${p.id}/publish`);
    toast(t('pol.published'));
    if (ctx.alive())
      detail(ctx, p.id);
  } catch (e) {
    toast(errorText(e), 'error');
  }
}

function pushDialog(p) {
  const year = select('year', yearOptions(thisYear()), thisYear());
  const errLine = formErrorLine();
  const out = h('div', { dataset: { testid: 'push-result' } });
  const go = h('button', { class: 'btn btn-primary', type: 'submit', dataset: { testid: 'push-go' } }, t('pol.pushGo'));
  const form = h('form', { class: 'form', novalidate: true },
    h('p', { class: 'muted' }, t('pol.pushLead')),
    field(t('pol.year'), year), errLine, out,
    h('div', { class: 'form-actions' }, go));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    errLine.textContent = '';
    go.disabled = true;
    try {
      const r = await post(`/api/v1/policies/${p.id}/push`, { year: Number(year.value) });
      replace(out, h('p', { class: 'pol-push-result' }, t('pol.pushed', { n: fmtCount(r.pushed), muted: fmtCount(r.skipped_muted), cap: fmtCount(r.skipped_cap), already: fmtCount(r.skipped_already ?? 0) }),
        r.with_plan ? ` ${t('pol.pushedWithPlan', { n: fmtCount(r.with_plan) })}` : null));
    } catch (ex) {
      showFormError(form, ex);
    }
    go.disabled = false;
  });
  modal(t('pol.pushTitle', { name: p.name }), form);
}

/* ---------- cases ---------- */

function expectText(x) {
  if (!x)
    return t('common.none');
  const r = x.result === true ? t('pol.result.yes') : x.result === false ? t('pol.result.no') : t('pol.result.unknown');
  return x.result === true && isNum(x.amount) ? `${r} · ${amountText(x.amount)}` : r;
}

function factsText(c) {
  const parts = Object.entries(c.facts || {}).map(([k, v]) => `${k} = ${v}`);
  for (const [k, v] of Object.entries(c.registry || {}))
    parts.push(`${k} = ${v}`);
  return parts.join('\n');
}

/*
 * The cases with their expectations; "run" posts them to …/test and shows
 * each one's outcome.  The publish button (drafts) is enabled only when
 * every case passed in this run.
 */
function casesPanel(ctx, p, box, publishBtn) {
  const cases = p.cases || [];
  const out = h('div', { class: 'cases-out', dataset: { testid: 'cases-out' } });
  const runBtn = can(ctx.user, OP.test) && cases.length
    ? h('button', { class: 'btn btn-small', type: 'button', dataset: { testid: 'cases-run' } }, t('pol.runCases')) : null;
  const rows = (results) => table([
    { key: 'name', label: t('pol.caseName'), class: 'strong' },
    { key: 'year', label: t('pol.year'), class: 'nowrap' },
    { key: 'facts', label: t('pol.caseFacts'), cell: (c) => h('pre', { class: 'case-facts' }, factsText(c)) },
    { key: 'expect', label: t('pol.expected'), class: 'nowrap', cell: (c) => expectText(c.expect) },
    results ? { key: 'got', label: t('pol.got'), cell: () => null } : null,
  ].filter(Boolean), cases, { class: 'table-compact table-cases' });
  const draw = (res) => {
    const tbl = rows(res);
    if (res) {
      const trs = tbl.querySelectorAll('tbody tr');
      (res.cases || []).forEach((r, i) => {
        const tr = trs[i];
        if (!tr)
          return;
        tr.dataset.ok = r.ok ? '1' : '0';
        tr.classList.toggle('row-alert', !r.ok);
        replace(tr.lastChild,
          badge(r.ok ? t('pol.pass') : t('pol.fail'), r.ok ? 'green' : 'red'), ' ',
          expectText({ result: r.result, amount: r.amount }),
          r.ok ? null : h('details', { class: 'case-why' }, h('summary', null, t('pol.why')), clauseList(r.clauses, r.missing)));
      });
    }
    replace(out, tbl);
  };
  draw(null);
  const summary = h('div', { class: 'cases-summary', role: 'status', dataset: { testid: 'cases-summary' } },
    cases.length ? (publishBtn ? t('pol.runBeforePublish') : '') : t('pol.noCases'));
  if (runBtn)
    runBtn.addEventListener('click', async () => {
      runBtn.disabled = true;
      replace(summary, loading());
      try {
        const res = await post(`/api/v1/policies/${p.id}/test`);
        if (!ctx.alive())
          return;
        draw(res);
        const ok = res.failed === 0 && res.passed > 0;
        replace(summary, badge(ok ? t('pol.allPass') : t('pol.someFail'), ok ? 'green' : 'red'), ' ',
          t('pol.passedN', { passed: res.passed, failed: res.failed }));
        summary.dataset.ok = ok ? '1' : '0';
        if (publishBtn) {
          publishBtn.disabled = !ok;
          publishBtn.title = ok ? '' : t('pol.publishFirst');
        }
      } catch (e) {
        replace(summary, h('span', { class: 'neg' }, errorText(e)));
      }
      runBtn.disabled = false;
    });
  replace(box, panel(t('pol.cases', { n: cases.length }), [summary, out], { extra: runBtn }));
}

/* ---------- the match ---------- */

const MATCH_TABS = ['eligible', 'unknown', 'near'];

function matchPanel(ctx, p) {
  const year = select('year', yearOptions(thisYear()), Number(ctx.query.get('year')) || thisYear());
  year.dataset.testid = 'match-year';
  year.setAttribute('aria-label', t('pol.year'));
  const run = h('button', { class: 'btn btn-primary btn-small', type: 'button', dataset: { testid: 'match-run' } }, t('pol.matchRun'));
  const body = h('div', { class: 'match-body', dataset: { testid: 'match' } }, h('p', { class: 'muted' }, t('pol.matchLead')));
  const mayBatch = p.state === 'published' && can(ctx.user, OP.makeBatch);
  const load = async () => {
    run.disabled = true;
    replace(body, loading());
    let m;
    try {
      m = await get(`/api/v1/policies/${p.id}/match`, { year: year.value });
    } catch (e) {
      if (ctx.alive())
        replace(body, errorBox(e, load));
      run.disabled = false;
      return;
    }
    run.disabled = false;
    if (ctx.alive())
      drawMatch(ctx, p, m, body, mayBatch);
  };
  run.addEventListener('click', load);
  return panel(t('pol.match'), body, { extra: h('div', { class: 'panel-tools' }, h('label', { class: 'inline-field' }, h('span', null, t('pol.year')), year), run) });
}

function drawMatch(ctx, p, m, body, mayBatch) {
  const tot = m.totals || {};
  const count = (k) => tot[k] ?? (m[k] || []).length;
  let tab = 'eligible';
  let offset = 0;
  let filter = '';
  const tabs = h('div', { class: 'tabs', role: 'tablist' });
  const list = h('div', { role: 'tabpanel' });
  const find = input('find', { type: 'search', placeholder: t('pol.findPh'), maxlength: 60 });
  find.setAttribute('aria-label', t('pol.find'));
  const batchBtn = mayBatch && count('eligible') > 0
    ? h('button', { class: 'btn btn-primary', type: 'button', dataset: { testid: 'batch-make' }, on: { click: () => makeBatch(ctx, p, m.year) } },
      t('pol.makeBatch', { n: fmtCount(count('eligible')) })) : null;
  const drawList = () => {
    replace(tabs, MATCH_TABS.map((k) => h('button', { class: ['tab', tab === k && 'on'], type: 'button', role: 'tab', 'aria-selected': String(tab === k),
      dataset: { testid: `tab-${k}` }, on: { click: () => { tab = k; offset = 0; drawList(); } } }, t(`pol.tab.${k}`), h('span', { class: 'tab-n' }, fmtCount(count(k))))));
    const needle = filter.toLowerCase();
    const rows = (m[tab] || []).filter((r) => !needle || `${r.name || ''} ${r.credit_code || ''}`.toLowerCase().includes(needle));
    const page = rows.slice(offset, offset + PAGE);
    replace(list, matchTable(tab, page, p, m.year), rows.length > PAGE ? pager(rows.length, PAGE, offset, (o) => { offset = o; drawList(); }) : null);
  };
  find.addEventListener('input', () => { filter = find.value.trim(); offset = 0; drawList(); });
  replace(body,
    h('div', { class: 'race-summary match-kpis' },
      kpi(t('pol.tab.eligible'), fmtCount(count('eligible')), 'eligible'),
      kpi(t('pol.totalAmount'), fmtAmount(tot.amount), 'amount', t('pol.wan')),
      kpi(t('pol.tab.unknown'), fmtCount(count('unknown')), 'unknown'),
      kpi(t('pol.tab.near'), fmtCount(count('near')), 'near'),
      batchBtn),
    h('div', { class: 'match-bar' }, tabs, find),
    list);
  drawList();
}

function kpi(label, value, key, unit) {
  return h('div', { class: 'kpi', dataset: { testid: `kpi-${key}` } }, h('span', { class: 'kpi-label' }, label),
    h('span', { class: 'kpi-value' }, value, unit ? h('small', null, ` ${unit}`) : null));
}

function entCell(r) {
  return h('div', null, h('div', { class: 'strong' }, r.name || t('common.none')), h('div', { class: 'mono muted small' }, r.credit_code));
}

function matchTable(tab, rows, p, year) {
  if (!rows.length)
    return empty(t(`pol.none.${tab}`));
  const why = (content) => h('details', { class: 'why' }, h('summary', null, t('pol.why')), content);
  const cols = [{ key: 'name', label: t('pol.enterprise'), cell: entCell }];
  if (tab === 'eligible')
    cols.push(
      { key: 'amount', label: t('pol.amountWan'), align: 'r', class: 'nowrap strong', cell: (r) => fmtAmount(r.amount) },
      { key: 'clauses', label: t('pol.explanation'), cell: (r) => why(clauseList(r.clauses)) });
  else if (tab === 'unknown')
    cols.push({ key: 'missing', label: t('pol.missingFacts'), cell: (r) => h('span', { class: 'missing-list' },
      (r.missing || []).map((x, i) => [i ? '、' : '', h('code', null, x)])) });
  else
    cols.push({ key: 'clause', label: t('pol.failedClause'), cell: (r) => clauseList(r.clause ? [r.clause] : []) });
  return h('div', { dataset: { testid: `match-${tab}` } }, table(cols, rows, { class: 'table-compact table-match' }));
}

async function makeBatch(ctx, p, year) {
  if (!(await confirmBox(t('pol.makeBatchConfirm', { name: p.name, year }))))
    return;
  try {
    const b = await post(`/api/v1/policies/${p.id}/batches`, { year: Number(year) });
    toast(t('pol.batchMade'));
    location.hash = `#/policies/batch/${b.id}`;
  } catch (e) {
    toast(errorText(e), 'error');
  }
}

/* One enterprise's explanation for a year: why it qualifies or not. */
function explainPanel(p) {
  const picker = enterprisePicker({ name: 'enterprise_id' });
  const year = select('year', yearOptions(thisYear()), thisYear());
  year.setAttribute('aria-label', t('pol.year'));
  year.dataset.testid = 'explain-year';
  const out = h('div', { dataset: { testid: 'explain' } });
  const go = h('button', { class: 'btn btn-small', type: 'submit', dataset: { testid: 'explain-go' } }, t('pol.explainGo'));
  const form = h('form', { class: 'filters', novalidate: true },
    h('label', { class: 'filter grow' }, h('span', null, t('pol.enterprise')), picker),
    h('label', { class: 'filter' }, h('span', null, t('pol.year')), year), go);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const ent = picker.value();
    if (!ent) {
      replace(out, h('p', { class: 'neg' }, t('pol.pickEnterprise')));
      return;
    }
    replace(out, loading());
    try {
      const x = await get(`/api/v1/policies/${p.id}/explain`, { enterprise_id: ent, year: year.value });
      replace(out, h('div', { class: 'explain-result' },
        h('div', { class: 'explain-head' }, resultBadge(x.result), x.result === true ? h('strong', null, amountText(x.amount)) : null),
        clauseList(x.clauses, x.missing)));
    } catch (ex) {
      replace(out, h('p', { class: 'neg', role: 'alert' }, errorText(ex)));
    }
  });
  return panel(t('pol.explain'), [h('p', { class: 'muted' }, t('pol.explainLead')), form, out]);
}

/* ---------- batches ---------- */

function batchesPanel(ctx, p) {
  const body = h('div', null, loading());
  const load = async () => {
    let r;
    try {
      r = await get(`/api/v1/policies/${p.id}/batches`);
    } catch (e) {
      if (ctx.alive())
        replace(body, errorBox(e, load));
      return;
    }
    if (!ctx.alive())
      return;
    const items = r.items || [];
    replace(body, items.length ? batchTable(items, false) : empty(t('pol.noBatches')));
  };
  load();
  return panel(t('pol.batches'), body);
}

/* Batches as a table; withPolicy: a column naming the policy. */
function batchTable(items, withPolicy) {
  return table([
    { key: 'id', label: t('pol.batchNo'), cell: (b) => h('a', { href: `#/policies/batch/${b.id}`, dataset: { testid: 'batch-link' } }, `#${b.id}`) },
    withPolicy ? { key: 'policy_name', label: t('pol.policy'), cell: (b) => b.policy_name || b.policy_code } : null,
    { key: 'year', label: t('pol.year') },
    { key: 'state', label: t('pol.stateLabel'), cell: (b) => batchStateBadge(b.state) },
    ...['granted', 'confirmed', 'paid'].map((k) => ({ key: k, label: t(`pol.itemState.${k}`), align: 'r', cell: (b) => fmtCount((b.counts || {})[k]) })),
    { key: 'amount', label: t('pol.amountWan'), align: 'r', cell: (b) => fmtAmount(b.amount) },
    { key: 'created_at', label: t('pol.createdAt'), class: 'nowrap muted', narrowHide: true, cell: (b) => fmtTime(b.created_at, false) },
  ].filter(Boolean), items, { class: 'table-compact' });
}

async function batchPage(ctx, id) {
  let b;
  try {
    b = await get(`/api/v1/batches/${id}`);
  } catch (e) {
    if (ctx.alive())
      replace(ctx.el, backLink('#/policies', t('pol.back')), pageHeader(t('pol.batchTitle', { id })), errorBox(e, () => batchPage(ctx, id)));
    return;
  }
  if (!ctx.alive())
    return;
  const u = ctx.user;
  const again = () => { if (ctx.alive()) batchPage(ctx, id); };
  const actions = [];
  if (b.state === 'pending' && can(u, OP.approve))
    actions.push(h('button', { class: 'btn btn-primary', type: 'button', dataset: { testid: 'batch-approve' },
      on: { click: () => approve(b, again) } }, t('pol.approve')));
  if (b.state === 'pending' && can(u, OP.reject))
    actions.push(h('button', { class: 'btn btn-danger-ghost', type: 'button', dataset: { testid: 'batch-reject' },
      on: { click: () => reject(b, again) } }, t('pol.reject')));
  if (can(u, OP.export))
    actions.push(h('a', { class: 'btn', href: `/api/v1/batches/${b.id}/export`, download: `batch-${b.id}.xlsx`, dataset: { testid: 'batch-export' } },
      t('pol.exportXlsx')));
  const c = b.counts || {};
  replace(ctx.el,
    backLink(`#/policies/${b.policy_id}`, b.policy_name || t('pol.back')),
    pageHeader(t('pol.batchTitle', { id: b.id }), `${b.policy_name || ''} · ${b.policy_code || ''} · ${t('pol.yearN', { year: b.year })}`, actions),
    h('div', { class: 'title-badges' }, batchStateBadge(b.state)),
    h('p', { class: 'muted pol-batch-flow' }, t(`pol.batchFlow.${b.state}`)),
    h('div', { class: 'race-summary' },
      ['granted', 'confirmed', 'declined', 'paid'].map((k) => kpi(t(`pol.itemState.${k}`), fmtCount(c[k] ?? 0), k)),
      kpi(t('pol.totalAmount'), fmtAmount(b.amount), 'amount', t('pol.wan'))),
    b.note || b.reason ? h('p', { class: 'pol-reason' }, t('pol.rejectedBecause', { reason: b.note || b.reason })) : null,
    panel(t('pol.items'), batchItems(ctx, b, again)));
}

async function approve(b, again) {
  if (!(await confirmBox(t('pol.approveConfirm', { n: fmtCount((b.counts || {}).granted ?? (b.items || []).length), amount: amountText(b.amount) }))))
    return;
  try {
    await post(`/api/v1/batches/${b.id}/approve`);
    toast(t('pol.approved'));
    again();
  } catch (e) {
    toast(errorText(e), 'error');
  }
}

function reject(b, again) {
  const reason = h('textarea', { class: 'input textarea', name: 'reason', rows: 3, maxlength: 500, required: true });
  const f = field(t('pol.rejectReason'), reason);
  const errLine = formErrorLine();
  const form = h('form', { class: 'form', novalidate: true }, f, errLine,
    h('div', { class: 'form-actions' }, h('button', { class: 'btn btn-danger', type: 'submit', dataset: { testid: 'reject-go' } }, t('pol.reject'))));
  const m = modal(t('pol.rejectTitle', { id: b.id }), form);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    if (!reason.value.trim()) {
      f.setError(t('err.required'));
      reason.focus();
      return;
    }
    try {
      await post(`/api/v1/batches/${b.id}/reject`, { reason: reason.value.trim() });
      m.close();
      toast(t('pol.rejected'));
      again();
    } catch (ex) {
      showFormError(form, ex);
    }
  });
}

/* The items, filtered by state and paged here; confirmed ones can be
 * ticked and marked paid once the batch is approved. */
function batchItems(ctx, b, again) {
  const items = b.items || [];
  const mayPay = b.state === 'approved' && can(ctx.user, OP.paid);
  const chosen = new Set();
  let state = '';
  let offset = 0;
  const stateSel = select('state', [['', t('common.all')], ...ITEM_STATES.map((s) => [s, t(`pol.itemState.${s}`)])], '');
  stateSel.setAttribute('aria-label', t('pol.stateLabel'));
  stateSel.dataset.testid = 'items-state';
  const payBtn = mayPay ? h('button', { class: 'btn btn-primary btn-small', type: 'button', disabled: true, dataset: { testid: 'batch-pay' } }, t('pol.markPaid', { n: 0 })) : null;
  const all = mayPay ? h('button', { class: 'btn btn-small', type: 'button', dataset: { testid: 'pick-confirmed' } }, t('pol.pickConfirmed')) : null;
  const list = h('div');
  const sync = () => {
    if (!payBtn)
      return;
    payBtn.disabled = chosen.size === 0;
    payBtn.textContent = t('pol.markPaid', { n: chosen.size });
  };
  const draw = () => {
    const rows = items.filter((x) => !state || x.state === state);
    const page = rows.slice(offset, offset + PAGE);
    const cols = [
      mayPay ? { key: 'pick', label: '', cell: (x) => (x.state === 'confirmed' ? h('input', { type: 'checkbox', checked: chosen.has(x.id),
        'aria-label': t('pol.pickItem', { name: x.name }), dataset: { testid: 'pick' },
        on: { change: (e) => { if (e.target.checked) chosen.add(x.id); else chosen.delete(x.id); sync(); } } }) : h('span')) } : null,
      { key: 'name', label: t('pol.enterprise'), cell: entCell },
      { key: 'amount', label: t('pol.amountWan'), align: 'r', class: 'nowrap strong', cell: (x) => fmtAmount(x.amount) },
      { key: 'state', label: t('pol.stateLabel'), cell: (x) => itemStateBadge(x.state) },
      { key: 'reason', label: t('pol.declineReason'), class: 'wrap', cell: (x) => x.reason || null },
    ].filter(Boolean);
    replace(list, table(cols, page, { class: 'table-compact table-items', rowClass: (x) => `item-${x.state}` }),
      rows.length > PAGE ? pager(rows.length, PAGE, offset, (o) => { offset = o; draw(); }) : null);
  };
  stateSel.addEventListener('change', () => { state = stateSel.value; offset = 0; draw(); });
  if (all)
    all.addEventListener('click', () => {
      for (const x of items)
        if (x.state === 'confirmed')
          chosen.add(x.id);
      sync();
      draw();
    });
  if (payBtn)
    payBtn.addEventListener('click', async () => {
      if (!(await confirmBox(t('pol.markPaidConfirm', { n: chosen.size }))))
        return;
      payBtn.disabled = true;
      try {
        await post(`/api/v1/batches/${b.id}/paid`, { item_ids: [...chosen] });
        toast(t('pol.paidDone'));
        again();
      } catch (e) {
        toast(errorText(e), 'error');
        sync();
      }
    });
  draw();
  return [h('div', { class: 'filters' }, h('label', { class: 'filter' }, h('span', null, t('pol.stateLabel')), stateSel), all, payBtn), list];
}

/* ---------- the editor ---------- */

const REGISTRY_NUM = new Set(['founded_year', 'land_mu']);
const REGISTRY_BOOL = new Set(['key']);

/* "name = value" lines into an object; errors name the line. */
function parseLines(text, kind) {
  const out = {};
  const lines = String(text || '').split('\n');
  for (let i = 0; i < lines.length; i++) {
    const s = lines[i].trim();
    if (!s)
      continue;
    const m = /^([^=＝]+?)\s*[=＝]\s*(.*)$/.exec(s);
    if (!m || !m[2])
      throw new Error(t('pol.caseLineBad', { line: i + 1, text: s }));
    const k = m[1].trim();
    let v = m[2].trim().replace(/^["“](.*)["”]$/, '$1');
    if (kind === 'facts' || REGISTRY_NUM.has(k)) {
      if (!/^-?\d+(\.\d+)?$/.test(v))
        throw new Error(t('pol.caseNumBad', { line: i + 1, name: k }));
      v = Number(v);
    } else if (REGISTRY_BOOL.has(k)) {
      if (!/^(true|false|1|0|是|否)$/i.test(v))
        throw new Error(t('pol.caseBoolBad', { line: i + 1, name: k }));
      v = /^(true|1|是)$/i.test(v);
    }
    out[k] = v;
  }
  return out;
}

const linesOf = (o) => Object.entries(o || {}).map(([k, v]) => `${k} = ${v}`).join('\n');

/* One case as a small form; .read() gives the case or throws. */
function caseEditor(c, onRemove) {
  const name = input('case_name', { value: c.name || '', maxlength: 100 });
  const year = input('case_year', { value: c.year ?? thisYear(), type: 'number', min: 1900, max: 2199 });
  const facts = h('textarea', { class: 'input textarea mono', name: 'case_facts', rows: 3, spellcheck: 'false', placeholder: 'rd_spending[2025] = 850.5' }, linesOf(c.facts));
  const reg = h('textarea', { class: 'input textarea mono', name: 'case_registry', rows: 2, spellcheck: 'false', placeholder: 'key = true' }, linesOf(c.registry));
  const ex = c.expect || {};
  const result = select('case_result', [['true', t('pol.result.yes')], ['false', t('pol.result.no')], ['null', t('pol.result.unknown')]], String(ex.result ?? 'true'));
  const amount = input('case_amount', { value: ex.amount ?? '', inputmode: 'decimal' });
  const err = h('div', { class: 'field-error', role: 'alert' });
  const el = h('fieldset', { class: 'case-edit', dataset: { testid: 'case-edit' } },
    h('legend', null, t('pol.case')),
    h('div', { class: 'form-grid form-grid-3' }, field(t('pol.caseName'), name), field(t('pol.year'), year),
      h('div', { class: 'field case-remove' }, h('button', { class: 'btn btn-small btn-danger-ghost', type: 'button', on: { click: () => { el.remove(); onRemove(); } } }, t('pol.caseRemove')))),
    h('div', { class: 'form-grid' },
      field(t('pol.caseFacts'), facts, t('pol.caseFactsHint')),
      field(t('pol.caseRegistry'), reg, t('pol.caseRegistryHint'))),
    h('div', { class: 'form-grid form-grid-3' }, field(t('pol.expectResult'), result), field(t('pol.expectAmount'), amount)),
    err);
  el.read = () => {
    err.textContent = '';
    try {
      if (!name.value.trim())
        throw new Error(t('pol.caseNeedName'));
      const r = result.value === 'true' ? true : result.value === 'false' ? false : null;
      const expect = { result: r };
      if (r === true && amount.value.trim() !== '') {
        if (!/^-?\d+(\.\d+)?$/.test(amount.value.trim()))
          throw new Error(t('pol.caseAmountBad'));
        expect.amount = Number(amount.value.trim());
      }
      return { name: name.value.trim(), year: Number(year.value), facts: parseLines(facts.value, 'facts'), registry: parseLines(reg.value, 'registry'), expect };
    } catch (e) {
      err.textContent = e.message;
      throw e;
    }
  };
  return el;
}

/* The facts a rule may name, as chips that insert the name where the cursor is. */
function factsHelp(user, target) {
  if (!can(user, OP.facts))
    return null;
  const box = h('details', { class: 'more facts-help' }, h('summary', null, t('pol.factsHelp')));
  get('/api/v1/facts/defs').then((r) => {
    const en = getLang() === 'en';
    box.appendChild(h('div', { class: 'fact-chips' }, (r.items || []).map((d) => h('button', {
      class: 'chip', type: 'button', title: `${en ? d.label_en || d.label : d.label}${d.unit ? ` (${en ? d.unit_en || d.unit : d.unit})` : ''}`,
      on: { click: () => insertAt(target(), d.name) },
    }, h('code', null, d.name), ' ', en ? d.label_en || d.label : d.label))));
  }).catch(() => box.remove());
  return box;
}

function insertAt(ta, text) {
  const s = ta.selectionStart ?? ta.value.length;
  const e = ta.selectionEnd ?? s;
  ta.setRangeText(text, s, e, 'end');
  ta.focus();
  ta.dispatchEvent(new Event('input'));
}

async function editor(ctx, id) {
  let p = null;
  if (id) {
    try {
      p = await get(`/api/v1/policies/${id}`);
    } catch (e) {
      if (ctx.alive())
        replace(ctx.el, backLink('#/policies', t('pol.back')), pageHeader(t('pol.editTitle')), errorBox(e, () => editor(ctx, id)));
      return;
    }
    if (!ctx.alive())
      return;
  }
  const v = p || { tags: [], cases: [] };
  const code = input('code', { value: v.code || '', maxlength: 64, readonly: Boolean(p), spellcheck: 'false', class: 'input mono' });
  const name = input('name', { value: v.name || '', maxlength: 200 });
  const summary = h('textarea', { class: 'input textarea', name: 'summary', rows: 2, maxlength: 2000 }, v.summary || '');
  const tags = input('tags', { value: (v.tags || []).join('，'), maxlength: 300, placeholder: t('pol.tagsPh') });
  const plans = plansPicker(await planCategories(), v.plans);
  if (!ctx.alive())
    return;
  const cond = h('textarea', { class: 'input textarea rule-input', name: 'condition', rows: 4, spellcheck: 'false', dataset: { testid: 'rule-condition' } }, v.condition || '');
  const ben = h('textarea', { class: 'input textarea rule-input', name: 'benefit', rows: 2, spellcheck: 'false', dataset: { testid: 'rule-benefit' } }, v.benefit || '');
  const condErr = h('div', { class: 'rule-error-box' });
  const benErr = h('div', { class: 'rule-error-box' });
  let lastFocus = cond;
  cond.addEventListener('focus', () => { lastFocus = cond; });
  ben.addEventListener('focus', () => { lastFocus = ben; });
  cond.addEventListener('input', () => replace(condErr));
  ben.addEventListener('input', () => replace(benErr));
  const cases = h('div', { class: 'case-list' });
  const addCase = (c) => cases.appendChild(caseEditor(c, () => {}));
  (v.cases || []).forEach(addCase);
  const errLine = formErrorLine();
  const save = h('button', { class: 'btn btn-primary', type: 'submit', dataset: { testid: 'pol-save' } }, t('pol.saveDraft'));
  const form = h('form', { class: 'form pol-editor', novalidate: true },
    panel(t('pol.basics'), h('div', { class: 'form-grid' },
      field(t('pol.codeLabel'), code, p ? t('pol.codeFixed') : t('pol.codeHint')), field(t('pol.name'), name),
      h('div', { class: 'field-wide' }, field(t('pol.summary'), summary)), field(t('pol.tags'), tags, t('pol.tagsHint')), plans)),
    panel(t('pol.rule'), [
      h('p', { class: 'muted' }, t('pol.ruleHint')),
      field(t('pol.conditionLabel'), cond, t('pol.conditionHint')), condErr,
      field(t('pol.benefitLabel'), ben, t('pol.benefitHint')), benErr,
      factsHelp(ctx.user, () => lastFocus)]),
    panel(t('pol.casesEdit'), [h('p', { class: 'muted' }, t('pol.casesHint')), cases,
      h('button', { class: 'btn btn-small', type: 'button', dataset: { testid: 'case-add' }, on: { click: () => addCase({ expect: { result: true } }) } }, `＋ ${t('pol.caseAdd')}`)]),
    errLine,
    h('div', { class: 'form-actions form-actions-left' }, save, h('a', { class: 'btn', href: p ? `#/policies/${p.id}` : '#/policies' }, t('common.cancel'))));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    replace(condErr);
    replace(benErr);
    errLine.textContent = '';
    let body;
    try {
      body = {
        code: code.value.trim(), name: name.value.trim(), summary: summary.value.trim(),
        tags: tags.value.split(/[,，、;；\s]+/).map((x) => x.trim()).filter(Boolean),
        plans: plans.read(),
        condition: cond.value, benefit: ben.value,
        cases: [...cases.querySelectorAll('.case-edit')].map((c) => c.read()),
      };
    } catch {
      errLine.textContent = t('pol.casesBad');
      return;
    }
    save.disabled = true;
    try {
      const r = p ? await patch(`/api/v1/policies/${p.id}`, body) : await post('/api/v1/policies', body);
      toast(p && p.state !== 'draft' ? t('pol.newVersion', { n: r.version }) : t('pol.saved'));
      location.hash = `#/policies/${r.id}`;
    } catch (ex) {
      save.disabled = false;
      if (isRuleError(ex)) {
        const src = ex.field === 'condition' ? cond : ben;
        replace(ex.field === 'condition' ? condErr : benErr,
          caretView(src.value, ex.info.line, ex.info.column ?? (ex.info.params || {}).column, ruleErrorText(ex)));
        src.setAttribute('aria-invalid', 'true');
        src.focus();
      } else {
        showFormError(form, ex);
      }
    }
  });
  replace(ctx.el,
    backLink(p ? `#/policies/${p.id}` : '#/policies', p ? p.name : t('pol.back')),
    pageHeader(p ? (p.state === 'draft' ? t('pol.editTitle') : t('pol.reviseTitle', { n: p.version + 1 })) : t('pol.newTitle'),
      p ? `${p.code} · ${t('pol.versionN', { n: p.version })}` : t('pol.newSub')),
    form);
}
