/*
 * plans.js -- 一企一档: an enterprise's development plans (技术改造, 产品升级,
 * 科技创新, 企业上市, 市场拓展, 人才引进 and the categories an admin adds),
 * shared by the visit form (a block of plan rows), the enterprise's file
 * (the staff page and the portal: the plans with add, correct, delete for
 * those who may) and the policies granted or pushed to it.
 */
import { h, replace, fmtTime } from './dom.js';
import { get, post, patch, del } from './api.js';
import { t, num, getLang } from '../i18n.js';
import {
  panel, table, loading, errorText, modal, field, input, select, clearErrors, showFormError, formErrorLine, toast,
  confirmBox, badge,
} from './ui.js';
import { cachedOrEmpty, localName, day } from './svc.js';
import { today } from './clock.js';
import { amountText } from './policy.js';

export const planCategories = () => cachedOrEmpty('/api/v1/plan-categories');
export const HORIZONS = ['this_year', '1_3_years'];

/* A category's name in the UI's language. */
export function planCatLabel(name, cats) {
  const c = (cats || []).find((x) => x.name === name);
  return c ? localName(c) : name;
}

/*
 * The fields of one plan: category, horizon, year, amount (万元) and the
 * description.  el is the block, read() the body (year and amount null
 * when empty), name(prefix) renames the controls so that an error's field
 * (plans[1].year) finds its control.
 */
export function planFields(cats, value = {}) {
  const y = Number(today().slice(0, 4));
  const category = select('category', [['', t('plan.chooseCategory')], ...cats.map((c) => [c.name, localName(c)])], value.category);
  const horizon = select('horizon', HORIZONS.map((k) => [k, t(`plan.horizon.${k}`)]), value.horizon || 'this_year');
  const year = input('year', { type: 'number', min: y - 1, max: y + 5, step: 1, value: value.year ?? '', placeholder: String(y) });
  const amount = input('amount_wan', { type: 'number', min: 0, step: 1, value: value.amount_wan ?? '' });
  const desc = h('textarea', { name: 'description', class: 'input textarea', rows: 2, maxlength: 1000, placeholder: t('plan.descPh') });
  desc.value = value.description || '';
  const controls = { category, horizon, year, amount_wan: amount, description: desc };
  const fDesc = field(t('plan.description'), desc);
  fDesc.classList.add('field-wide');
  const el = h('div', { class: 'form-grid plan-grid' },
    field(t('plan.category'), category), field(t('plan.horizonLabel'), horizon),
    field(t('plan.year'), year), field(t('plan.amount'), amount), fDesc);
  const numOrNull = (c) => (c.value === '' ? null : Number(c.value));
  return {
    el,
    read: () => ({ category: category.value, description: desc.value.trim(), horizon: horizon.value,
      year: numOrNull(year), amount_wan: numOrNull(amount) }),
    name: (prefix) => { for (const [k, c] of Object.entries(controls)) c.name = `${prefix}${k}`; },
  };
}

/* ---------- the visit form's block ---------- */

/* Plan rows to add to a visit: {el, read(), clear()}; read() renames the
 * controls plans[i].x in row order and gives the rows with a category. */
export async function visitPlansBlock() {
  const cats = await planCategories();
  const rows = h('div', { class: 'plans', dataset: { testid: 'plans' } });
  const add = () => {
    const f = planFields(cats);
    const row = h('div', { class: 'problem plan-row' });
    const rm = h('button', { class: 'btn btn-small btn-danger-ghost', type: 'button', on: { click: () => row.remove() } }, t('visit.removeProblem'));
    row.append(h('div', { class: 'problem-head' }, h('strong', null, t('plan.one')), rm), f.el);
    row.plan = f;
    rows.appendChild(row);
    row.querySelector('select').focus();
  };
  const el = h('div', null,
    h('h3', { class: 'sub-title' }, t('plan.visitTitle')),
    h('p', { class: 'muted' }, t('plan.visitHint')),
    rows,
    h('div', null, h('button', { class: 'btn btn-small', type: 'button', dataset: { testid: 'add-plan' }, on: { click: add } }, `＋ ${t('plan.add')}`)));
  return {
    el,
    read: () => [...rows.children].map((r, i) => {
      r.plan.name(`plans[${i}].`);
      return r.plan.read();
    }).filter((p) => p.category || p.description),
    clear: () => replace(rows),
  };
}

/* ---------- the file's plans ---------- */

/* A body without the empty optional fields (a new plan takes the defaults). */
function compact(body, creating) {
  const out = { ...body };
  for (const k of ['year', 'amount_wan'])
    if (out[k] === null && creating)
      delete out[k];
  return out;
}

/* Add (plan null) or correct a plan of enterprise id in a dialog. */
async function editPlan(id, plan, done) {
  const cats = await planCategories();
  const f = planFields(cats, plan || {});
  const errLine = formErrorLine();
  const form = h('form', { class: 'form', novalidate: true }, f.el, errLine,
    h('div', { class: 'form-actions' },
      h('button', { class: 'btn', type: 'button', on: { click: () => m.close() } }, t('common.cancel')),
      h('button', { class: 'btn btn-primary', type: 'submit', dataset: { testid: 'plan-save' } }, t('common.save'))));
  const m = modal(plan ? t('plan.edit') : t('plan.add'), form, { class: 'modal-wide' });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    try {
      const body = compact(f.read(), !plan);
      if (plan)
        await patch(`/api/v1/enterprises/${id}/plans/${plan.id}`, body);
      else
        await post(`/api/v1/enterprises/${id}/plans`, body);
      m.close();
      toast(t('common.saved'));
      done();
    } catch (err) {
      showFormError(form, err);
    }
  });
}

/* The plans as a table; edit: the row actions. */
export function plansTable(items, cats, edit) {
  return table([
    { key: 'category', label: t('plan.category'), class: 'nowrap strong', cell: (p) => planCatLabel(p.category, cats) },
    { key: 'description', label: t('plan.description'), class: 'wrap' },
    { key: 'horizon', label: t('plan.horizonLabel'), class: 'nowrap', cell: (p) => t(`plan.horizon.${p.horizon}`) },
    { key: 'year', label: t('plan.year'), class: 'nowrap', align: 'r', cell: (p) => String(p.year) },
    { key: 'amount_wan', label: t('plan.amount'), align: 'r', class: 'nowrap', cell: (p) => (p.amount_wan === null ? null : num(p.amount_wan)) },
    { key: 'visit', label: t('plan.source'), class: 'nowrap', cell: (p) => (p.visit_id
      ? h('a', { href: `#/visits/${p.visit_id}` }, t('plan.fromVisit', { date: day(p.visited_on) }))
      : t('plan.entered')) },
    edit ? { key: 'actions', label: t('common.actions'), class: 'nowrap no-print', cell: (p) => [
      h('button', { class: 'btn btn-small', type: 'button', dataset: { testid: 'plan-edit' }, 'aria-label': `${t('common.edit')} ${planCatLabel(p.category, cats)}`,
        on: { click: () => edit.change(p) } }, t('common.edit')), ' ',
      h('button', { class: 'btn btn-small btn-danger-ghost', type: 'button', dataset: { testid: 'plan-delete' }, 'aria-label': `${t('common.delete')} ${planCatLabel(p.category, cats)}`,
        on: { click: () => edit.remove(p) } }, t('common.delete'))] } : null,
  ].filter(Boolean), items, { class: 'table-compact', rowClass: () => 'plan' });
}

/* The panel of enterprise id's plans; editable: add, correct, delete. */
export function plansPanel(ctx, id, editable) {
  const body = h('div', { dataset: { testid: 'ent-plans' } }, loading());
  const load = async () => {
    try {
      const [r, cats] = await Promise.all([get(`/api/v1/enterprises/${id}/plans`), planCategories()]);
      if (!ctx.alive())
        return;
      const edit = editable ? {
        change: (p) => editPlan(id, p, load),
        remove: async (p) => {
          if (!(await confirmBox(t('plan.deleteAsk', { category: planCatLabel(p.category, cats) }), true)))
            return;
          try {
            await del(`/api/v1/enterprises/${id}/plans/${p.id}`);
            toast(t('plan.deleted'));
            load();
          } catch (err) {
            toast(errorText(err), 'error');
          }
        },
      } : null;
      replace(body, r.items.length ? plansTable(r.items, cats, edit) : h('p', { class: 'muted' }, t('plan.none')));
    } catch (err) {
      if (ctx.alive())
        replace(body, h('p', { class: 'muted' }, errorText(err)));
    }
  };
  load();
  const add = editable ? h('button', { class: 'btn btn-small no-print', type: 'button', dataset: { testid: 'plan-add' },
    on: { click: () => editPlan(id, null, load) } }, `＋ ${t('plan.add')}`) : null;
  return panel(t('plan.title'), body, { class: 'plans-panel', extra: add });
}

/* ---------- policies granted or pushed ---------- */

export function policiesPanel(ctx, id) {
  const body = h('div', { dataset: { testid: 'ent-policies' } }, loading());
  get(`/api/v1/enterprises/${id}/policies`).then((r) => {
    if (!ctx.alive())
      return;
    const lang = getLang();
    replace(body, table([
      { key: 'title', label: t('plan.policy'), class: 'strong', cell: (x) => x.title || x.policy_code },
      { key: 'kind', label: t('plan.policyKind'), class: 'nowrap', cell: (x) => badge(t(`plan.kind.${x.kind}`), x.kind === 'grant' ? 'green' : 'blue') },
      { key: 'amount', label: t('plan.policyAmount'), align: 'r', class: 'nowrap', cell: (x) => (x.amount === null ? null : amountText(x.amount)) },
      { key: 'why', label: t('plan.policyWhy'), class: 'wrap', cell: (x) => {
        const b = x.body || {};
        if (b.plan)
          return b.plan[lang] || b.plan.zh;
        return b.plain ? b.plain[lang] || b.plain.zh : null;
      } },
      { key: 'created_at', label: t('plan.policyAt'), class: 'nowrap', cell: (x) => fmtTime(x.created_at, false) },
    ], r.items || [], { class: 'table-compact' }));
  }).catch((err) => { if (ctx.alive()) replace(body, h('p', { class: 'muted' }, errorText(err))); });
  return panel(t('plan.policies'), body);
}
