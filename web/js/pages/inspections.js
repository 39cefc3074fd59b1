/*
 * inspections.js -- 营商环境巡察: findings of business-environment
 * inspections, the responsible department, the rectification deadline and
 * status (待整改 → 整改中 → 已提交整改材料 → 已验收销号); overdue in red.
 * Admins and leaders record findings and verify or reject the evidence;
 * the responsible department starts and submits its rectification.  The
 * actions offered on a finding are the server's allowed_actions.
 */
import { h, replace, fmtTime } from '../dom.js';
import { get, post } from '../api.js';
import { t, has, getLang } from '../../i18n.js';
import {
  pageHeader, panel, errorBox, wip, isMissingApi, input, table, pager, loading, modal, field, clearErrors,
  showFormError, formErrorLine, toast, errorText,
} from '../ui.js';
import { inspectionBadge, overdueBadge, day, departmentSelect, departments, INSPECTION_STATUSES } from '../svc.js';
import { detailText } from './requests.js';

const LIMIT = 20;
const MANAGERS = ['admin', 'leader'];

const insAct = (a) => (has(`ins.act.${a}`) ? t(`ins.act.${a}`) : a);
const insEv = (a) => (has(`ins.ev.${a}`) ? t(`ins.ev.${a}`) : insAct(a));
export const INS_CATEGORIES = ['monitoring', 'service_quality', 'policy', 'enforcement', 'growth', 'other'];
const insCat = (x) => (getLang() === 'zh' && x.category_name) || (has(`ins.cat.${x.category}`) ? t(`ins.cat.${x.category}`) : x.category_name || x.category);

export async function render(ctx) {
  if (/^\d+$/.test(ctx.sub[0] || ''))
    return detail(ctx, Number(ctx.sub[0]));
  return list(ctx);
}

async function list(ctx) {
  const status = h('select', { name: 'status', class: 'input' }, h('option', { value: '' }, t('common.all')),
    INSPECTION_STATUSES.map((s) => h('option', { value: s }, t(`ins.status.${s}`))));
  const dept = departmentSelect('department_id', '');
  const cat = h('select', { name: 'category', class: 'input' }, h('option', { value: '' }, t('common.all')),
    INS_CATEGORIES.map((c) => h('option', { value: c }, t(`ins.cat.${c}`))));
  const overdue = h('input', { type: 'checkbox', name: 'overdue' });
  const form = h('form', { class: 'filters', role: 'search' },
    h('label', { class: 'filter' }, h('span', null, t('req.status')), status),
    h('label', { class: 'filter' }, h('span', null, t('ins.department')), dept),
    h('label', { class: 'filter' }, h('span', null, t('ins.category')), cat),
    h('label', { class: 'filter check' }, overdue, h('span', null, t('req.overdueOnly'))));
  const result = h('div', { class: 'result' }, loading());
  const add = MANAGERS.includes(ctx.user.role) ? h('button', { class: 'btn btn-primary', type: 'button', dataset: { testid: 'ins-new' },
    on: { click: () => create(ctx, load) } }, `＋ ${t('ins.new')}`) : null;
  replace(ctx.el, pageHeader(t('ins.title'), t('ins.subtitle'), add), panel(null, [form, result]));

  let offset = 0;
  let seq = 0;
  const load = async () => {
    const mine = ++seq;
    let res;
    try {
      res = await get('/api/v1/inspections', { status: status.value, department_id: dept.value, category: cat.value, overdue: overdue.checked ? 1 : '', limit: LIMIT, offset });
    } catch (e) {
      if (!ctx.alive() || mine !== seq)
        return;
      replace(result, isMissingApi(e) ? wip('inspections', t('common.apiMissing', { path: '/api/v1/inspections' })) : errorBox(e, load));
      return;
    }
    if (!ctx.alive() || mine !== seq)
      return;
    const items = res.items || [];
    const total = res.total ?? items.length;
    replace(result,
      table([
        { key: 'id', label: t('req.no'), align: 'r', class: 'muted nowrap' },
        { key: 'title', label: t('ins.finding'), class: 'strong', cell: (x) => h('a', { href: `#/inspections/${x.id}` }, x.title) },
        { key: 'category', label: t('ins.category'), class: 'nowrap', narrowHide: true, cell: (x) => insCat(x) },
        { key: 'department_name', label: t('ins.department'), class: 'nowrap' },
        { key: 'status', label: t('req.status'), class: 'nowrap', cell: (x) => [inspectionBadge(x.status), x.overdue ? overdueBadge() : null] },
        { key: 'due_on', label: t('ins.due'), class: 'nowrap', cell: (x) => (x.due_on ? h('span', { class: x.overdue ? 'neg' : null }, day(x.due_on)) : null) },
        { key: 'updated_at', label: t('req.updated'), class: 'nowrap muted', narrowHide: true, cell: (x) => fmtTime(x.updated_at, false) },
      ], items, { rowClass: (x) => (x.overdue ? 'row-overdue' : null) }),
      total > 0 ? pager(total, res.limit || LIMIT, res.offset ?? offset, (o) => { offset = o; load(); }) : null);
  };
  for (const el of [status, dept, cat, overdue])
    el.addEventListener('change', () => { offset = 0; load(); });
  form.addEventListener('submit', (e) => { e.preventDefault(); load(); });
  await load();
}

function create(ctx, reload) {
  const title = input('title', { maxlength: 200, required: true });
  const desc = h('textarea', { name: 'description', class: 'input textarea', rows: 4, maxlength: 4000 });
  const dept = departmentSelect('department_id', '', t('req.chooseDepartment'));
  const due = input('due_on', { type: 'date', required: true });
  const category = h('select', { name: 'category', class: 'input' },
    INS_CATEGORIES.map((c) => h('option', { value: c, selected: c === 'service_quality' }, t(`ins.cat.${c}`))));
  const errLine = formErrorLine();
  const save = h('button', { class: 'btn btn-primary', type: 'submit', dataset: { testid: 'ins-save' } }, t('common.save'));
  const f = h('form', { class: 'form', novalidate: true },
    field(t('ins.finding'), title),
    field(t('ins.description'), desc),
    h('div', { class: 'form-grid' }, field(t('ins.department'), dept), field(t('ins.due'), due)),
    field(t('ins.category'), category),
    errLine,
    h('div', { class: 'form-actions' }, h('button', { class: 'btn', type: 'button', on: { click: () => m.close() } }, t('common.cancel')), save));
  const m = modal(t('ins.new'), f);
  f.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(f);
    save.disabled = true;
    try {
      const x = await post('/api/v1/inspections', {
        title: title.value.trim(), description: desc.value.trim(), department_id: dept.value ? Number(dept.value) : null,
        due_on: due.value, category: category.value,
      });
      m.close();
      toast(t('ins.created'));
      if (x && x.id)
        location.hash = `#/inspections/${x.id}`;
      else if (ctx.alive())
        reload();
    } catch (err) {
      save.disabled = false;
      showFormError(f, err);
    }
  });
}

async function detail(ctx, id) {
  const load = async () => {
    let x;
    let depts;
    try {
      [x, depts] = await Promise.all([get(`/api/v1/inspections/${id}`), departments()]);
    } catch (e) {
      if (ctx.alive())
        replace(ctx.el, pageHeader(t('ins.title')), errorBox(e, load));
      return;
    }
    if (!ctx.alive())
      return;
    const kv = (label, value, key) => h('div', { class: 'kv' }, h('dt', null, label),
      h('dd', { dataset: key ? { key } : undefined }, value === null || value === undefined || value === '' ? t('common.none') : value));
    /* exactly what the server says this user may do now */
    const acts = x.allowed_actions || [];
    const history = x.history || [];
    replace(ctx.el,
      h('p', { class: 'back' }, h('a', { href: '#/inspections' }, `‹ ${t('ins.backToList')}`)),
      pageHeader(x.title, `${t('req.no')} ${x.id}`),
      h('div', { class: ['req-banner', x.overdue && 'req-banner-overdue'] }, inspectionBadge(x.status), x.overdue ? overdueBadge() : null,
        x.due_on ? h('span', { class: 'muted' }, t('ins.dueOn', { day: day(x.due_on) })) : null),
      panel(t('req.actions'), h('div', { class: 'action-bar' }, acts.length ? acts.map((a, i) => h('button', {
        class: ['btn', i === 0 && 'btn-primary', a === 'reject' && 'btn-danger-ghost'], type: 'button', dataset: { testid: `ins-action-${a}` },
        on: { click: () => act(ctx, x, a, load) },
      }, insAct(a))) : h('span', { class: 'muted' }, t('req.noActions')))),
      h('div', { class: 'two-col' },
        panel(t('ins.info'), [h('dl', { class: 'kv-grid' },
          kv(t('ins.department'), x.department_name),
          kv(t('ins.category'), insCat(x)),
          kv(t('ins.due'), x.due_on ? h('span', { class: x.overdue ? 'neg' : null }, day(x.due_on)) : null),
          kv(t('ins.createdAt'), fmtTime(x.created_at, false)),
          kv(t('ins.evidence'), x.evidence, 'evidence')),
        x.description ? h('p', { class: 'pre req-desc' }, x.description) : null]),
        panel(t('req.history', { n: history.length }), history.length ? h('ol', { class: 'timeline' }, history.map((ev) => h('li', { class: 'tl-item', dataset: { action: ev.action } },
          h('div', { class: 'tl-dot' }),
          h('div', { class: 'tl-body' },
            h('div', { class: 'tl-head' }, h('strong', null, insEv(ev.action)),
              ev.to_status ? h('span', { class: 'tl-status' }, inspectionBadge(ev.to_status)) : null,
              h('span', { class: 'tl-meta' }, `${fmtTime(ev.at, false)} · ${ev.display_name || ev.username || t('common.none')}`)),
            ev.detail ? h('div', { class: 'tl-detail' }, detailText(ev.detail)) : null)))) : h('p', { class: 'muted' }, t('common.empty')))));
  };
  await load();
}

function act(ctx, x, action, reload) {
  const parts = [];
  let body = () => ({});
  if (action === 'submit') {
    const ev = h('textarea', { name: 'evidence', class: 'input textarea', rows: 4, maxlength: 4000, required: true });
    parts.push(field(t('ins.evidence'), ev, t('ins.evidenceHint')));
    body = () => ({ evidence: ev.value.trim() });
  } else if (action === 'reject') {
    const reason = h('textarea', { name: 'reason', class: 'input textarea', rows: 3, maxlength: 1000, required: true });
    parts.push(field(t('req.reason'), reason));
    body = () => ({ reason: reason.value.trim() });
  } else {
    parts.push(h('p', null, t(`ins.confirm.${action}`)));
  }
  const errLine = formErrorLine();
  const ok = h('button', { class: 'btn btn-primary', type: 'submit', dataset: { testid: 'ins-confirm' } }, insAct(action));
  const f = h('form', { class: 'form', novalidate: true }, parts, errLine,
    h('div', { class: 'form-actions' }, h('button', { class: 'btn', type: 'button', on: { click: () => m.close() } }, t('common.cancel')), ok));
  const m = modal(`${insAct(action)} · ${x.title}`, f, { class: 'modal-small' });
  f.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(f);
    errLine.textContent = '';
    const b = { action, ...body() };
    if ((action === 'submit' && !b.evidence) || (action === 'reject' && !b.reason)) {
      f.querySelector('textarea').closest('.field').setError(t('err.required'));
      return;
    }
    ok.disabled = true;
    try {
      await post(`/api/v1/inspections/${x.id}/transitions`, b);
      m.close();
      toast(t('req.done', { action: insAct(action) }));
      if (ctx.alive())
        reload();
    } catch (err) {
      ok.disabled = false;
      showFormError(f, err);
      if (!err.field)
        errLine.textContent = errorText(err);
    }
  });
}
