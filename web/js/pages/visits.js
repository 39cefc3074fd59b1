/*
 * visits.js -- 企业走访: visits to enterprises by officers and departments.
 * The list (by date range); #/visits/new records a visit with the problems
 * raised, each of which becomes a tracked request, and the enterprise's
 * plans learnt (一企一档, js/plans.js); #/visits/{id} is one visit with
 * links to its requests and its plans.
 */
import { h, replace, fmtTime } from '../dom.js';
import { get, post } from '../api.js';
import { t, num } from '../../i18n.js';
import {
  pageHeader, panel, errorBox, wip, isMissingApi, input, table, pager, loading, field, clearErrors,
  showFormError, formErrorLine, toast, errorText,
} from '../ui.js';
import { today } from '../clock.js';
import { day, enterprisePicker, categorySelect, categories, catLabel, statusBadge } from '../svc.js';
import { visitPlansBlock, plansTable, planCategories } from '../plans.js';

const LIMIT = 20;
const CAN_VISIT = ['admin', 'leader', 'officer', 'department'];

export async function render(ctx) {
  if (ctx.sub[0] === 'new')
    return create(ctx);
  if (/^\d+$/.test(ctx.sub[0] || ''))
    return detail(ctx, Number(ctx.sub[0]));
  return list(ctx);
}

async function list(ctx) {
  const from = input('from', { type: 'date', 'aria-label': t('visit.from') });
  const to = input('to', { type: 'date', 'aria-label': t('visit.to') });
  const ent = enterprisePicker({ name: 'enterprise_id', onPick: () => { offset = 0; load(); } });
  const form = h('form', { class: 'filters', role: 'search' },
    h('div', { class: 'filter grow' }, ent),
    h('label', { class: 'filter' }, h('span', null, t('visit.from')), from),
    h('label', { class: 'filter' }, h('span', null, t('visit.to')), to),
    h('button', { class: 'btn btn-primary', type: 'submit' }, t('common.search')),
    h('button', { class: 'btn', type: 'reset' }, t('common.reset')));
  const result = h('div', { class: 'result' }, loading());
  const add = CAN_VISIT.includes(ctx.user.role)
    ? h('a', { class: 'btn btn-primary', href: '#/visits/new', dataset: { testid: 'visit-new' } }, `＋ ${t('visit.new')}`) : null;
  replace(ctx.el, pageHeader(t('visit.title'), t('visit.subtitle'), add), panel(null, [form, result]));

  let offset = 0;
  let seq = 0;
  const load = async () => {
    const mine = ++seq;
    let res;
    try {
      res = await get('/api/v1/visits', { enterprise_id: ent.value() || '', from: from.value, to: to.value, limit: LIMIT, offset });
    } catch (e) {
      if (!ctx.alive() || mine !== seq)
        return;
      replace(result, isMissingApi(e) ? wip('enterprises', t('common.apiMissing', { path: '/api/v1/visits' })) : errorBox(e, load));
      return;
    }
    if (!ctx.alive() || mine !== seq)
      return;
    const items = res.items || [];
    const total = res.total ?? items.length;
    replace(result,
      table([
        { key: 'visited_on', label: t('visit.date'), class: 'nowrap', cell: (v) => h('a', { href: `#/visits/${v.id}` }, day(v.visited_on)) },
        { key: 'enterprise_name', label: t('req.enterprise'), class: 'strong',
          cell: (v) => h('a', { href: `#/enterprises/${v.enterprise_id}` }, v.enterprise_name || `#${v.enterprise_id}`) },
        { key: 'visitor_name', label: t('visit.visitor'), class: 'nowrap' },
        { key: 'department_name', label: t('visit.department'), class: 'nowrap', narrowHide: true },
        { key: 'people_met', label: t('visit.people'), class: 'wrap', narrowHide: true },
        { key: 'problems', label: t('visit.problems'), align: 'r',
          cell: (v) => num(v.request_count ?? (v.request_ids || v.problems || []).length) },
      ], items),
      total > 0 ? pager(total, res.limit || LIMIT, res.offset ?? offset, (o) => { offset = o; load(); }) : null);
  };
  form.addEventListener('submit', (e) => { e.preventDefault(); offset = 0; load(); });
  form.addEventListener('reset', () => setTimeout(() => { ent.set(null); offset = 0; load(); }, 0));
  from.addEventListener('change', () => { offset = 0; load(); });
  to.addEventListener('change', () => { offset = 0; load(); });
  await load();
}

/* ---------- record a visit ---------- */

async function create(ctx) {
  let preset = null;
  const eid = ctx.query.get('enterprise_id');
  if (eid && /^\d+$/.test(eid)) {
    try {
      preset = await get(`/api/v1/enterprises/${eid}`);
    } catch { /* pick by hand */ }
  }
  if (!ctx.alive())
    return;
  const ent = enterprisePicker({ name: 'enterprise_id', value: preset ? { id: preset.id, name: preset.name } : null });
  const date = input('visited_on', { type: 'date', value: today(), max: today(), required: true });
  const people = input('people_met', { maxlength: 200, placeholder: t('visit.peoplePh') });
  const notes = h('textarea', { name: 'notes', class: 'input textarea', rows: 4, maxlength: 4000 });
  const problems = h('div', { class: 'problems', dataset: { testid: 'problems' } });
  const addProblem = () => {
    const row = h('div', { class: 'problem' });
    const cat = categorySelect('category', '', null);
    const title = input('title', { maxlength: 200, placeholder: t('req.titlePh') });
    const desc = h('textarea', { name: 'description', class: 'input textarea', rows: 2, maxlength: 4000, placeholder: t('req.descPh') });
    const rm = h('button', { class: 'btn btn-small btn-danger-ghost', type: 'button', on: { click: () => row.remove() } }, t('visit.removeProblem'));
    row.append(
      h('div', { class: 'problem-head' }, h('strong', null, t('visit.problem')), rm),
      h('div', { class: 'form-grid' }, field(t('req.category'), cat), field(t('req.title'), title)),
      field(t('req.description'), desc));
    row.read = () => ({ category: cat.value, title: title.value.trim(), description: desc.value.trim() });
    problems.appendChild(row);
    title.focus();
  };
  const plans = await visitPlansBlock();
  if (!ctx.alive())
    return;
  const errLine = formErrorLine();
  const save = h('button', { class: 'btn btn-primary', type: 'submit', dataset: { testid: 'visit-save' } }, t('common.save'));
  const f = h('form', { class: 'form', novalidate: true },
    h('div', { class: 'form-grid' }, field(t('req.enterprise'), ent), field(t('visit.date'), date)),
    field(t('visit.people'), people),
    field(t('visit.notes'), notes),
    h('h3', { class: 'sub-title' }, t('visit.problemsRaised')),
    h('p', { class: 'muted' }, t('visit.problemsHint')),
    problems,
    h('div', null, h('button', { class: 'btn btn-small', type: 'button', dataset: { testid: 'add-problem' }, on: { click: addProblem } }, `＋ ${t('visit.addProblem')}`)),
    plans.el,
    errLine,
    h('div', { class: 'form-actions form-actions-left' }, save, h('a', { class: 'btn', href: '#/visits' }, t('common.cancel'))));
  const out = h('div');
  replace(ctx.el,
    h('p', { class: 'back' }, h('a', { href: '#/visits' }, `‹ ${t('visit.backToList')}`)),
    pageHeader(t('visit.new'), t('visit.newSub')),
    panel(null, f), out);

  f.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(f);
    errLine.textContent = '';
    const rows = [...problems.children].map((r) => r.read()).filter((p) => p.title || p.description);
    const body = {
      enterprise_id: ent.value(), visited_on: date.value, people_met: people.value.trim(), notes: notes.value.trim(), problems: rows,
      plans: plans.read().map((p) => Object.fromEntries(Object.entries(p).filter(([, v]) => v !== null))),
    };
    if (!body.enterprise_id) {
      ent.closest('.field').setError(t('picker.choose'));
      return;
    }
    const untitled = rows.findIndex((p) => !p.title);
    if (untitled >= 0) {
      errLine.textContent = t('visit.problemNeedsTitle', { n: untitled + 1 });
      return;
    }
    save.disabled = true;
    try {
      const v = await post('/api/v1/visits', body);
      toast(t('visit.saved'));
      if (!ctx.alive())
        return;
      const ids = v.request_ids || [];
      replace(out, panel(t('visit.saved'), [
        h('p', null, t('visit.savedText', { n: ids.length })),
        (v.plans || []).length ? h('p', null, t('plan.savedText', { n: v.plans.length })) : null,
        h('ul', { class: 'link-list' }, ids.map((id) => h('li', null, h('a', { href: `#/requests/${id}` }, `${t('req.no')} ${id}`)))),
        h('p', null, h('a', { class: 'btn', href: `#/visits/${v.id}` }, t('visit.open'))),
      ]));
      f.reset();
      replace(problems);
      plans.clear();
      date.value = today();
      save.disabled = false;
    } catch (err) {
      save.disabled = false;
      if (err.field === 'enterprise_id')
        ent.closest('.field').setError(errorText(err));
      else
        showFormError(f, err);
    }
  });
}

/* ---------- one visit ---------- */

async function detail(ctx, id) {
  let v;
  let cats;
  let pcats;
  try {
    [v, cats, pcats] = await Promise.all([get(`/api/v1/visits/${id}`), categories(), planCategories()]);
  } catch (e) {
    if (ctx.alive())
      replace(ctx.el, pageHeader(t('visit.title')), errorBox(e, () => detail(ctx, id)));
    return;
  }
  if (!ctx.alive())
    return;
  const kv = (label, value) => h('div', { class: 'kv' }, h('dt', null, label), h('dd', null, value || t('common.none')));
  const reqs = v.requests || (v.request_ids || []).map((rid) => ({ id: rid }));
  replace(ctx.el,
    h('p', { class: 'back' }, h('a', { href: '#/visits' }, `‹ ${t('visit.backToList')}`)),
    pageHeader(`${t('visit.one')} · ${v.enterprise_name || `#${v.enterprise_id}`}`, day(v.visited_on)),
    panel(t('visit.record'), h('dl', { class: 'kv-grid' },
      kv(t('req.enterprise'), h('a', { href: `#/enterprises/${v.enterprise_id}` }, v.enterprise_name || `#${v.enterprise_id}`)),
      kv(t('visit.date'), day(v.visited_on)),
      kv(t('visit.visitor'), v.visitor_name),
      kv(t('visit.department'), v.department_name),
      kv(t('visit.people'), v.people_met),
      kv(t('req.createdAt'), fmtTime(v.created_at, false)))),
    v.notes ? panel(t('visit.notes'), h('p', { class: 'pre' }, v.notes)) : null,
    panel(t('visit.problemsRaised'), reqs.length ? table([
      { key: 'id', label: t('req.no'), align: 'r', cell: (r) => h('a', { href: `#/requests/${r.id}` }, String(r.id)) },
      { key: 'title', label: t('req.title'), cell: (r) => (r.title ? h('a', { href: `#/requests/${r.id}` }, r.title) : null) },
      { key: 'category', label: t('req.category'), cell: (r) => (r.category ? catLabel(r.category, cats) : null) },
      { key: 'status', label: t('req.status'), cell: (r) => (typeof r.status === 'string' && r.status ? statusBadge(r.status) : null) },
    ], reqs) : h('p', { class: 'muted' }, t('visit.noProblems'))),
    (v.plans || []).length ? panel(t('plan.visitTitle'), plansTable(v.plans, pcats, null)) : null);
}
