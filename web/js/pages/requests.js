/*
 * requests.js -- 诉求办理 (for an enterprise: 我的诉求).  The list with
 * filters by status, category, department and overdue (overdue rows in
 * red); raising a request; #/requests/{id} shows one request with its
 * history and the actions the server lists for this user now
 * (allowed_actions: accept to a department, start, wait for the
 * enterprise, resume, escalate to a department of the next level with a
 * reason, return it one level down, resolve, close, reopen, rate 1–5);
 * the departments that held it and their hand-overs; the workflow's rules
 * are the server's, not copied here.  A request not accepted in time is
 * marked 受理超时 (accept_overdue), one handled late 超期 (overdue).
 * Staff may propose an open request for the next joint meeting (提交联席会商);
 * the meeting's decision shows in the history in words (meeting_decided).
 */
import { h, replace, fmtTime } from '../dom.js';
import { get, post } from '../api.js';
import { t, has } from '../../i18n.js';
import {
  pageHeader, panel, errorBox, wip, isMissingApi, input, table, pager, loading, modal, field,
  clearErrors, showFormError, formErrorLine, toast, errorText,
} from '../ui.js';
import {
  categories, departments, localName, catLabel, statusBadge, levelLabel, day, enterprisePicker,
  departmentSelect, categorySelect, REQUEST_STATUSES, stars, requestOverdueBadge,
} from '../svc.js';
import { provisionalMark } from './calendar.js';
import { canPropose, proposeDialog, decisionDetail } from './meetings.js';

const LIMIT = 20;
export const LEVELS = ['district', 'city', 'province'];

export async function render(ctx) {
  if (/^\d+$/.test(ctx.sub[0] || ''))
    return detail(ctx, Number(ctx.sub[0]));
  return list(ctx);
}

function titleKey(ctx) {
  return ctx.user.role === 'enterprise' ? 'req.titleEnt' : 'req.titleStaff';
}

async function list(ctx) {
  const ent = ctx.user.role === 'enterprise';
  const status = h('select', { name: 'status', class: 'input' }, h('option', { value: '' }, t('common.all')),
    REQUEST_STATUSES.map((s) => h('option', { value: s, selected: s === ctx.query.get('status') }, t(`req.status.${s}`))));
  const category = categorySelect('category', ctx.query.get('category') || '');
  const dept = ent ? null : departmentSelect('department_id', ctx.query.get('department_id') || '');
  const overdue = h('input', { type: 'checkbox', name: 'overdue', checked: ctx.query.get('overdue') === '1' });
  const form = h('form', { class: 'filters', role: 'search' },
    h('label', { class: 'filter' }, h('span', null, t('req.status')), status),
    h('label', { class: 'filter' }, h('span', null, t('req.category')), category),
    dept ? h('label', { class: 'filter' }, h('span', null, t('req.department')), dept) : null,
    h('label', { class: 'filter check' }, overdue, h('span', null, t('req.overdueOnly'))));
  const result = h('div', { class: 'result' }, loading());
  const canRaise = ctx.user.role !== 'statistician';
  const raise = canRaise ? h('button', { class: 'btn btn-primary', type: 'button', dataset: { testid: 'req-new' },
    on: { click: () => newRequest(ctx, null, (r) => { location.hash = `#/requests/${r.id}`; }) } }, `＋ ${t('req.new')}`) : null;
  replace(ctx.el, pageHeader(t(titleKey(ctx)), t(ent ? 'req.subtitleEnt' : 'req.subtitle'), raise), panel(null, [form, result]));

  let offset = 0;
  let seq = 0;
  const load = async () => {
    const mine = ++seq;
    let res;
    let cats;
    let depts;
    try {
      [res, cats, depts] = await Promise.all([get('/api/v1/requests', {
        status: status.value, category: category.value, department_id: dept ? dept.value : '',
        overdue: overdue.checked ? 1 : '', limit: LIMIT, offset,
      }), categories(), departments()]);
    } catch (e) {
      if (!ctx.alive() || mine !== seq)
        return;
      replace(result, isMissingApi(e) ? wip('requests', t('common.apiMissing', { path: '/api/v1/requests' })) : errorBox(e, load));
      return;
    }
    if (!ctx.alive() || mine !== seq)
      return;
    const items = res.items || [];
    const total = res.total ?? items.length;
    replace(result,
      table([
        { key: 'id', label: t('req.no'), class: 'nowrap muted', align: 'r' },
        { key: 'title', label: t('req.title'), class: 'strong', cell: (r) => h('a', { href: `#/requests/${r.id}`, dataset: { testid: 'req-link' } }, r.title) },
        ent ? null : { key: 'enterprise_name', label: t('req.enterprise') },
        { key: 'category', label: t('req.category'), class: 'nowrap', cell: (r) => catLabel(r.category, cats) },
        { key: 'status', label: t('req.status'), class: 'nowrap', cell: (r) => [statusBadge(r.status), requestOverdueBadge(r)] },
        { key: 'department_name', label: t('req.department'), class: 'nowrap', narrowHide: true,
          cell: (r) => deptName(r.department_id, r.department_name, depts) },
        { key: 'level', label: t('req.level'), class: 'nowrap', narrowHide: true, cell: (r) => levelLabel(r.level) },
        { key: 'due_on', label: t('req.due'), class: 'nowrap', cell: (r) => runningDue(r) },
        { key: 'rating', label: t('req.rating'), class: 'nowrap', narrowHide: true, cell: (r) => (r.rating ? stars(r.rating) : null) },
        { key: 'updated_at', label: t('req.updated'), class: 'nowrap muted', narrowHide: true, cell: (r) => fmtTime(r.updated_at, false) },
      ].filter(Boolean), items, { class: 'table-req', rowClass: (r) => (r.overdue ? 'row-overdue' : null) }),
      total > 0 ? pager(total, res.limit || LIMIT, res.offset ?? offset, (o) => { offset = o; load(); }) : null);
  };
  form.addEventListener('submit', (e) => { e.preventDefault(); offset = 0; load(); });
  for (const el of [status, category, dept, overdue].filter(Boolean))
    el.addEventListener('change', () => { offset = 0; load(); });
  await load();
}

/* The deadline that runs now: acceptance while submitted, else handling,
 * marked when provisional. */
function runningDue(r) {
  const accepting = r.status === 'submitted' && r.accept_due_on;
  const d = accepting ? r.accept_due_on : r.due_on;
  if (!d)
    return null;
  return h('span', { class: r.overdue ? 'neg' : null, dataset: { due: accepting ? 'accept' : 'handle' } },
    accepting ? t('esc.acceptBy', { day: day(d) }) : day(d),
    provisionalMark(accepting ? r.accept_due_provisional : r.due_provisional));
}

/* ---------- one request ---------- */

function kv(label, value, key) {
  return h('div', { class: 'kv' }, h('dt', null, label),
    h('dd', { dataset: key ? { key } : undefined }, value === null || value === undefined || value === '' ? t('common.none') : value));
}

export function actionLabel(a) {
  return has(`req.act.${a}`) ? t(`req.act.${a}`) : has(`esc.act.${a}`) ? t(`esc.act.${a}`) : a;
}

/* A history entry's action, as something done (English: "Accepted"). */
export function eventLabel(a) {
  return has(`req.ev.${a}`) ? t(`req.ev.${a}`) : has(`esc.ev.${a}`) ? t(`esc.ev.${a}`) : actionLabel(a);
}

/* The department's name in the current language, from the reference list. */
function deptName(id, fallback, depts) {
  const d = id && depts ? depts.find((x) => x.id === Number(id)) : null;
  return d ? localName(d) : fallback;
}

async function detail(ctx, id) {
  const load = async () => {
    let r;
    let cats;
    let depts;
    try {
      [r, cats, depts] = await Promise.all([get(`/api/v1/requests/${id}`), categories(), departments()]);
    } catch (e) {
      if (ctx.alive())
        replace(ctx.el, backLink(), pageHeader(t(titleKey(ctx))), errorBox(e, load));
      return;
    }
    if (ctx.alive())
      drawDetail(ctx, r, cats, load, depts);
  };
  await load();
}

function backLink() {
  return h('p', { class: 'back' }, h('a', { href: '#/requests' }, `‹ ${t('req.backToList')}`));
}

function drawDetail(ctx, r, cats, reload, depts) {
  const ent = ctx.user.role === 'enterprise';
  /* exactly what the server says this user may do now */
  const acts = r.allowed_actions || [];
  /* a problem still open may go to the next joint meeting */
  const propose = canPropose(ctx.user) && r.status !== 'resolved' && r.status !== 'closed'
    ? h('button', { class: 'btn', type: 'button', dataset: { testid: 'action-propose' },
      on: { click: () => proposeDialog(r, () => { if (ctx.alive()) reload(); }) } }, t('mtg.propose')) : null;
  const actionBar = h('div', { class: 'action-bar', dataset: { testid: 'req-actions' } },
    acts.length ? acts.map((a) => h('button', {
      class: ['btn', a === acts[0] ? 'btn-primary' : (a === 'reopen' || a === 'escalate' || a === 'return') && 'btn-warn'], type: 'button',
      dataset: { testid: `action-${a}` }, on: { click: () => runAction(ctx, r, a, reload) },
    }, actionLabel(a))) : propose ? null : h('span', { class: 'muted' }, t('req.noActions')), propose);

  const history = r.history || [];
  const timeline = h('ol', { class: 'timeline', dataset: { testid: 'history' } }, history.map((ev) => h('li', {
    class: ['tl-item', `tl-${ev.action}`], dataset: { action: ev.action },
  },
  h('div', { class: 'tl-dot' }),
  h('div', { class: 'tl-body' },
    h('div', { class: 'tl-head' },
      h('strong', { class: 'tl-action' }, eventLabel(ev.action)),
      ev.to_status && ev.from_status !== ev.to_status ? h('span', { class: 'tl-status' },
        ev.from_status ? [statusBadge(ev.from_status), ' → '] : null, statusBadge(ev.to_status)) : null,
      h('span', { class: 'tl-meta' }, `${fmtTime(ev.at, false)} · ${ev.display_name || ev.username || t('common.none')}`)),
    ev.detail ? h('div', { class: 'tl-detail' }, ev.action === 'meeting_decided' ? decisionDetail(ev.detail, !ent, depts)
      : detailText(ev.detail, depts)) : null))));

  const info = h('dl', { class: 'kv-grid' },
    ent ? null : kv(t('req.enterprise'), r.enterprise_id ? h('a', { href: `#/enterprises/${r.enterprise_id}` }, r.enterprise_name || `#${r.enterprise_id}`) : r.enterprise_name),
    kv(t('req.category'), catLabel(r.category, cats), 'category'),
    kv(t('req.status'), [statusBadge(r.status), requestOverdueBadge(r)], 'status'),
    kv(t('req.department'), deptName(r.department_id, r.department_name, depts), 'department'),
    kv(t('req.level'), levelLabel(r.level), 'level'),
    r.accept_due_on ? kv(t('esc.acceptDue'), h('span', { class: r.accept_overdue ? 'neg' : null }, day(r.accept_due_on),
      provisionalMark(r.accept_due_provisional)), 'accept_due_on') : null,
    kv(t('req.due'), r.due_on ? h('span', { class: r.overdue && !r.accept_overdue ? 'neg' : null }, day(r.due_on),
      provisionalMark(r.due_provisional)) : null, 'due_on'),
    r.resolved_level ? kv(t('esc.resolvedLevel'), levelLabel(r.resolved_level), 'resolved_level') : null,
    (r.departments || []).length > 1 ? kv(t('esc.departments'), h('ol', { class: 'esc-chain', dataset: { testid: 'req-departments' } },
      r.departments.map((d) => h('li', { dataset: { id: String(d.id) } }, `${localName(d)}（${levelLabel(d.level)}）`))), 'departments') : null,
    kv(t('req.source'), r.source ? (has(`req.src.${r.source}`) ? t(`req.src.${r.source}`) : r.source) : null),
    kv(t('req.createdAt'), fmtTime(r.created_at, false)),
    kv(t('req.rating'), r.rating ? [stars(r.rating), r.rating_comment ? h('span', { class: 'muted' }, ` ${r.rating_comment}`) : null] : null, 'rating'),
    r.resolution ? kv(t('req.resolution'), r.resolution) : null);

  replace(ctx.el,
    backLink(),
    pageHeader(r.title, `${t('req.no')} ${r.id}`),
    h('div', { class: ['req-banner', r.overdue && 'req-banner-overdue'] },
      statusBadge(r.status), requestOverdueBadge(r),
      r.status === 'submitted' && r.accept_due_on ? h('span', { class: 'muted' }, t('esc.acceptBy', { day: day(r.accept_due_on) }))
        : r.due_on ? h('span', { class: 'muted' }, t('req.dueOn', { day: day(r.due_on) })) : null),
    panel(t('req.actions'), actionBar),
    h('div', { class: 'two-col' },
      panel(t('req.info'), [info, r.description ? h('div', { class: 'req-desc' }, h('h3', { class: 'sub-title' }, t('req.description')), h('p', { class: 'pre' }, r.description)) : null]),
      panel(t('req.history', { n: history.length }), history.length ? timeline : h('p', { class: 'muted' }, t('common.empty')))));
}

/* An event's detail ({reason, level, …} or text) as one line of text. */
export function detailText(d, depts) {
  if (typeof d === 'string' && d.startsWith('{')) {
    try {
      return detailText(JSON.parse(d), depts);
    } catch { /* plain text */ }
  }
  if (!d || typeof d !== 'object')
    return d === null || d === undefined ? '' : String(d);
  const parts = [];
  const o = { ...d };
  if (o.department_id && depts) {
    const dep = depts.find((x) => x.id === Number(o.department_id));
    if (dep)
      o.department = localName(dep);
  }
  if (o.department)
    delete o.department_id;
  if (o.from_department_id) {
    const from = depts ? depts.find((x) => x.id === Number(o.from_department_id)) : null;
    if (from && o.department)
      o.department = `${localName(from)} → ${o.department}`;
    delete o.from_department_id;
  }
  delete o.due_provisional;
  if (o.level && o.from_level) {
    parts.push(`${levelLabel(o.from_level)} → ${levelLabel(o.level)}`);
    delete o.level;
    delete o.from_level;
  }
  const auto = o.automatic;
  delete o.automatic;
  for (const [k, v] of Object.entries(o)) {
    if (v === null || v === undefined || v === '')
      continue;
    let text = String(v);
    if (k === 'source')
      text = has(`req.src.${v}`) ? t(`req.src.${v}`) : text;
    else if (k === 'level')
      text = levelLabel(v);
    else if (k === 'rating')
      text = `${'★'.repeat(Number(v) || 0)}（${v}）`;
    parts.push(`${has(`req.f.${k}`) ? t(`req.f.${k}`) : k}${t('req.colon')}${text}`);
  }
  if (auto)
    parts.push(t('req.automatic'));
  return parts.join(t('req.semicolon'));
}

/* The form for one action; submitting posts the transition. */
function runAction(ctx, r, action, reload) {
  const parts = [];
  let body = () => ({});
  if (action === 'accept') {
    const sel = departmentSelect('department_id', r.department_id || '', t('req.chooseDepartment'));
    parts.push(field(t('req.department'), sel));
    body = () => ({ department_id: sel.value ? Number(sel.value) : null });
  } else if (action === 'escalate' || action === 'return') {
    /* a department of the next level up (escalate) or down (return) */
    const up = action === 'escalate';
    const level = LEVELS[LEVELS.indexOf(r.level || 'district') + (up ? 1 : -1)];
    const sel = h('select', { name: 'department_id', class: 'input', dataset: { testid: 'esc-department' } },
      up ? h('option', { value: '' }, t('esc.chooseDepartment', { level: levelLabel(level) }))
        : h('option', { value: '' }, t('esc.returnDefault')));
    departments().then((ds) => {
      for (const d of ds.filter((x) => x.level === level))
        sel.appendChild(h('option', { value: String(d.id) }, localName(d)));
    });
    const reason = h('textarea', { name: 'reason', class: 'input textarea', rows: 3, maxlength: 1000, required: true });
    const contact = up ? input('contact', { maxlength: 1000 }) : null;
    parts.push(field(up ? t('req.escalateTo') : t('esc.returnTo'), sel), field(t('req.reason'), reason),
      contact ? field(t('req.contact'), contact) : null);
    body = () => ({ ...(sel.value ? { department_id: Number(sel.value) } : {}), ...(up ? { level } : {}),
      reason: reason.value.trim(), ...(contact && contact.value.trim() ? { contact: contact.value.trim() } : {}) });
  } else if (action === 'resolve') {
    const res = h('textarea', { name: 'resolution', class: 'input textarea', rows: 3, maxlength: 2000 });
    parts.push(field(t('req.resolution'), res));
    body = () => ({ resolution: res.value.trim() });
  } else if (action === 'reopen') {
    const reason = h('textarea', { name: 'reason', class: 'input textarea', rows: 3, maxlength: 1000 });
    parts.push(field(t('req.reopenReason'), reason));
    body = () => ({ reason: reason.value.trim() });
  } else if (action === 'wait') {
    const d = h('textarea', { name: 'detail', class: 'input textarea', rows: 3, maxlength: 1000 });
    parts.push(field(t('req.waitFor'), d));
    body = () => (d.value.trim() ? { detail: d.value.trim() } : {});
  } else if (action === 'rate') {
    const picker = ratingPicker();
    const comment = h('textarea', { name: 'comment', class: 'input textarea', rows: 2, maxlength: 1000 });
    parts.push(h('div', { class: 'field' }, h('span', { class: 'field-label' }, t('req.rating')), picker,
      h('div', { class: 'field-error', role: 'alert', dataset: { field: 'rating' } })), field(t('req.comment'), comment));
    body = () => ({ rating: picker.value(), comment: comment.value.trim() });
  } else {
    parts.push(h('p', null, t(`req.confirm.${action}`)));
  }
  const errLine = formErrorLine();
  const ok = h('button', { class: 'btn btn-primary', type: 'submit', dataset: { testid: 'action-submit' } }, actionLabel(action));
  const f = h('form', { class: 'form', novalidate: true }, parts, errLine,
    h('div', { class: 'form-actions' },
      h('button', { class: 'btn', type: 'button', on: { click: () => m.close() } }, t('common.cancel')), ok));
  const m = modal(`${actionLabel(action)} · ${r.title}`, f, { class: 'modal-small' });
  f.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(f);
    errLine.textContent = '';
    const b = { action, ...body() };
    if (action === 'rate' && !b.rating) {
      errLine.textContent = t('req.chooseRating');
      return;
    }
    if (action === 'escalate' && !b.department_id) {
      f.querySelector('[name=department_id]').closest('.field').setError(t('err.required'));
      return;
    }
    if ((action === 'escalate' || action === 'return') && !b.reason) {
      f.querySelector('[name=reason]').closest('.field').setError(t('err.required'));
      return;
    }
    if (action === 'accept' && !b.department_id) {
      f.querySelector('[name=department_id]').closest('.field').setError(t('err.required'));
      return;
    }
    ok.disabled = true;
    try {
      const after = await post(`/api/v1/requests/${r.id}/transitions`, b);
      m.close();
      toast(t('req.done', { action: actionLabel(action) }));
      if (action === 'rate' && after && after.status !== r.status && has(`req.afterRate.${after.status}`))
        toast(t(`req.afterRate.${after.status}`), after.status === 'closed' ? 'ok' : 'error');
      if (ctx.alive())
        reload();
    } catch (err) {
      ok.disabled = false;
      showFormError(f, err);
      if (!err.field || !f.querySelector(`[name="${err.field}"]`))
        errLine.textContent = errorText(err);
    }
  });
}

/* Five star buttons; .value() is 1–5 or 0. */
export function ratingPicker(big = false) {
  let value = 0;
  const btns = [1, 2, 3, 4, 5].map((n) => h('button', {
    class: ['star', big && 'star-big'], type: 'button', 'aria-label': t('req.stars', { n }), 'aria-pressed': 'false',
    dataset: { testid: `star-${n}`, n: String(n) }, on: { click: () => set(n) },
  }, '★'));
  const label = h('span', { class: 'star-label' });
  const set = (n) => {
    value = n;
    btns.forEach((b, i) => {
      b.classList.toggle('on', i < n);
      b.setAttribute('aria-pressed', String(i === n - 1));
    });
    label.textContent = t(`req.rate${n}`);
  };
  const el = h('div', { class: 'rating', role: 'group', 'aria-label': t('req.rating') }, btns, label);
  el.value = () => value;
  return el;
}

/*
 * Raise a request in a dialog.  ent ({id, name}) fixes the enterprise;
 * staff otherwise pick one; an enterprise account raises for itself.
 */
export async function newRequest(ctx, ent, onCreated) {
  const isEnt = ctx.user.role === 'enterprise';
  const picker = isEnt || ent ? null : enterprisePicker({ name: 'enterprise_id' });
  const category = categorySelect('category', '', t('req.chooseCategory'));
  const title = input('title', { maxlength: 200, required: true, placeholder: t('req.titlePh') });
  const desc = h('textarea', { name: 'description', class: 'input textarea', rows: 5, maxlength: 4000, placeholder: t('req.descPh') });
  const errLine = formErrorLine();
  const save = h('button', { class: 'btn btn-primary', type: 'submit', dataset: { testid: 'req-save' } }, t('req.submit'));
  const f = h('form', { class: 'form', novalidate: true },
    ent ? h('p', { class: 'muted' }, t('req.forEnterprise', { name: ent.name })) : null,
    picker ? field(t('req.enterprise'), picker) : null,
    field(t('req.category'), category),
    field(t('req.title'), title),
    field(t('req.description'), desc),
    errLine,
    h('div', { class: 'form-actions' },
      h('button', { class: 'btn', type: 'button', on: { click: () => m.close() } }, t('common.cancel')), save));
  const m = modal(t('req.new'), f);
  if (picker)
    picker.input.focus();
  f.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(f);
    errLine.textContent = '';
    const body = { category: category.value, title: title.value.trim(), description: desc.value.trim(), source: isEnt ? 'portal' : 'staff' };
    if (!isEnt)
      body.enterprise_id = ent ? ent.id : picker.value();
    const missing = [];
    if (!isEnt && !body.enterprise_id)
      missing.push('enterprise_id');
    if (!body.category)
      missing.push('category');
    if (!body.title)
      missing.push('title');
    if (missing.length) {
      for (const k of missing)
        f.querySelector(`[name=${k}]`).closest('.field').setError(t('err.required'));
      return;
    }
    save.disabled = true;
    try {
      const r = await post('/api/v1/requests', body);
      m.close();
      toast(t('req.created'));
      if (onCreated)
        onCreated(r);
    } catch (err) {
      save.disabled = false;
      showFormError(f, err);
    }
  });
}

