/*
 * enterprise.js -- one enterprise (#/enterprises/{id}) as its file (一企一档):
 * its record, its links (双挂钩: chief service officer, department, street)
 * with the officer's assignment history and reassignment, its development
 * plans (js/plans.js: editable by the officer who serves it, leaders and
 * admins), its yearly facts by year (the table of facts.js), the policies
 * granted or pushed to it, its land and 亩均 class (用地与亩均, js/landp.js:
 * plots, the race project of origin, the class over the years), its
 * requests and visits, and a one-time kiosk login code.  It prints as one
 * document (print styles in app.css).  Also the create/edit dialog used by
 * the registry: a refused credit code shows its reason beside the field,
 * and an admin may accept a code that fails only the checksum by giving a
 * reason (credit_code_note).
 */
import { h, replace, fmtTime } from '../dom.js';
import { get, post, patch } from '../api.js';
import { t, num } from '../../i18n.js';
import {
  pageHeader, panel, errorBox, input, table, badge, loading, modal, field, clearErrors, showFormError,
  formErrorLine, toast, errorText, empty,
} from '../ui.js';
import { streets, departments, localName, cachedOrEmpty, statusBadge, catLabel, categories, day, requestOverdueBadge } from '../svc.js';
import { newRequest } from './requests.js';
import { can } from '../perm.js';
import { industries, industryName } from '../industry.js';
import { factsTable } from './facts.js';
import { staffLand } from '../landp.js';
import { plansPanel, policiesPanel } from '../plans.js';

/* Field rules the route table cannot say: who edits the whole record and
 * who reassigns the officer (an enterprise account edits its contact
 * fields on its portal). */
const CAN_EDIT = ['admin', 'leader', 'officer'];
const CAN_ASSIGN = ['admin', 'leader'];

/* Officers to choose from: the workload list, or (admin) the users with that role. */
export async function officerOptions(ctx) {
  let items = await cachedOrEmpty('/api/v1/officers');
  if (!items.length && ctx.user.role === 'admin') {
    try {
      items = (await get('/api/v1/users', { role: 'officer', limit: 1000 })).items || [];
    } catch {
      items = [];
    }
  }
  return items.map((o) => ({ id: o.id, name: o.display_name || o.username }));
}

const capital = (e) => e.registered_capital ?? e.registered_capital_wan;

export async function render(ctx, id) {
  const load = async () => {
    let e;
    try {
      e = await get(`/api/v1/enterprises/${id}`);
      e.industry_name = industryName(await industries(), e.industry);
    } catch (err) {
      if (ctx.alive())
        replace(ctx.el, pageHeader(t('ent.detail')), back(), errorBox(err, load));
      return;
    }
    if (ctx.alive())
      draw(ctx, e, load);
  };
  await load();
}

function back() {
  return h('p', { class: 'back' }, h('a', { href: '#/enterprises' }, `‹ ${t('ent.backToList')}`));
}

function kv(label, value, opts = {}) {
  return h('div', { class: 'kv' }, h('dt', null, label),
    h('dd', { class: opts.class, dataset: opts.key ? { key: opts.key } : undefined },
      value === null || value === undefined || value === '' ? t('common.none') : value));
}

function draw(ctx, e, reload) {
  const role = ctx.user.role;
  const actions = [];
  if (CAN_EDIT.includes(role))
    actions.push(h('button', { class: 'btn btn-primary', type: 'button', dataset: { testid: 'ent-edit' },
      on: { click: () => editEnterprise(ctx, e, reload) } }, t('common.edit')));
  if (can(ctx.user, 'POST /api/v1/visits'))
    actions.push(h('a', { class: 'btn', href: `#/visits/new?enterprise_id=${e.id}` }, t('visit.new')));
  if (can(ctx.user, 'POST /api/v1/requests'))
    actions.push(h('button', { class: 'btn', type: 'button', dataset: { testid: 'ent-request' },
      on: { click: () => newRequest(ctx, { id: e.id, name: e.name }, (r) => { location.hash = `#/requests/${r.id}`; }) } },
    t('req.new')));
  if (can(ctx.user, 'POST /api/v1/enterprises/{id}/kiosk-code'))
    actions.push(h('button', { class: 'btn', type: 'button', dataset: { testid: 'kiosk-code' },
      on: { click: () => kioskCode(e) } }, t('ent.kioskCode')));
  actions.push(h('button', { class: 'btn no-print', type: 'button', dataset: { testid: 'ent-print' },
    on: { click: () => window.print() } }, t('plan.print')));
  /* the plans: the editors of the enterprise (an officer the ones it serves) */
  const planEdit = can(ctx.user, 'POST /api/v1/enterprises/{id}/plans') && (role !== 'officer' || e.officer_id === ctx.user.id);

  const info = h('dl', { class: 'kv-grid' },
    kv(t('ent.creditCode'), e.credit_code, { class: 'mono', key: 'credit_code' }),
    kv(t('ent.name'), e.name, { key: 'name' }),
    kv(t('ent.street'), e.street_name || e.street),
    kv(t('ent.industry'), e.industry_name),
    kv(t('ent.contact_name'), e.contact_name, { key: 'contact_name' }),
    kv(t('ent.contact_phone'), e.contact_phone, { key: 'contact_phone' }),
    kv(t('ent.employees'), num(e.employees), { key: 'employees' }),
    kv(t('ent.registered_capital'), capital(e) === undefined ? null : `${num(capital(e))} ${t('ent.wan')}`),
    kv(t('ent.land_mu'), e.land_mu ? `${num(e.land_mu, 1)} ${t('ent.mu')}` : null),
    kv(t('ent.founded_on'), e.founded_on),
    e.credit_code_note ? kv(t('ent.credit_code_note'), e.credit_code_note) : null);

  const links = h('dl', { class: 'kv-grid kv-grid-3' },
    kv(t('ent.officer'), e.officer_name, { key: 'officer' }),
    kv(t('ent.department'), e.department_name),
    kv(t('ent.street'), e.street_name || e.street));
  const history = h('div', null, loading());
  const assign = CAN_ASSIGN.includes(role) ? h('button', { class: 'btn btn-small', type: 'button', dataset: { testid: 'reassign' },
    on: { click: () => reassign(ctx, e, reload) } }, t('ent.reassign')) : null;

  const reqBox = h('div', null, loading());
  const visitBox = h('div', null, loading());
  const factsBox = can(ctx.user, 'GET /api/v1/enterprises/{id}/facts') ? h('div', null, loading()) : null;

  replace(ctx.el,
    back(),
    pageHeader(e.name, null, ...actions),
    h('div', { class: 'title-badges' }, e.key ? badge(t('ent.keyEnterprise'), 'blue') : badge(t('ent.ordinary'), 'gray')),
    panel(t('ent.record'), info),
    panel(t('ent.links'), [links, h('h3', { class: 'sub-title' }, t('ent.officerHistory')), history], { extra: assign }),
    can(ctx.user, 'GET /api/v1/enterprises/{id}/plans') ? plansPanel(ctx, e.id, planEdit) : null,
    factsBox ? panel(t('ent.facts'), factsBox, {
      extra: can(ctx.user, 'POST /api/v1/facts/import') ? h('a', { href: '#/facts' }, t('facts.import')) : null }) : null,
    can(ctx.user, 'GET /api/v1/enterprises/{id}/policies') ? policiesPanel(ctx, e.id) : null,
    role !== 'enterprise' && can(ctx.user, 'GET /api/v1/land/enterprises/{id}') ? staffLand(ctx, e.id) : null,
    h('div', { class: 'two-col' },
      panel(t('ent.requests'), reqBox, { extra: h('a', { href: '#/requests' }, t('ent.allRequests')) }),
      panel(t('ent.visits'), visitBox)));

  if (role === 'enterprise')
    replace(history, empty());
  else
    get(`/api/v1/enterprises/${e.id}/officers`).then((r) => {
      if (!ctx.alive())
        return;
      replace(history, table([
        { key: 'officer_name', label: t('ent.officer'), class: 'strong nowrap' },
        { key: 'started_at', label: t('ent.startedAt'), class: 'nowrap', cell: (x) => fmtTime(x.started_at, false) },
        { key: 'ended_at', label: t('ent.endedAt'), class: 'nowrap', cell: (x) => (x.ended_at ? fmtTime(x.ended_at, false) : badge(t('ent.current'), 'green')) },
        { key: 'assigned_by_name', label: t('ent.assignedBy'), class: 'nowrap' },
      ], r.items || [], { class: 'table-compact' }));
    }).catch((err) => { if (ctx.alive()) replace(history, h('p', { class: 'muted' }, errorText(err))); });

  if (factsBox)
    Promise.all([get(`/api/v1/enterprises/${e.id}/facts`), get('/api/v1/facts/defs')]).then(([f, d]) => {
      if (ctx.alive())
        replace(factsBox, factsTable(d.items || [], f, 'ent-facts'));
    }).catch((err) => { if (ctx.alive()) replace(factsBox, h('p', { class: 'muted' }, errorText(err))); });

  if (!can(ctx.user, 'GET /api/v1/requests'))
    replace(reqBox, empty());
  else
    Promise.all([get('/api/v1/requests', { enterprise_id: e.id, limit: 20 }), categories()]).then(([r, cats]) => {
      if (!ctx.alive())
        return;
      const items = (r.items || []).filter((x) => x.enterprise_id === undefined || x.enterprise_id === e.id);
      replace(reqBox, table([
        { key: 'title', label: t('req.title'), cell: (x) => h('a', { href: `#/requests/${x.id}` }, x.title) },
        { key: 'category', label: t('req.category'), class: 'nowrap', cell: (x) => catLabel(x.category, cats) },
        { key: 'status', label: t('req.status'), class: 'nowrap', cell: (x) => [statusBadge(x.status), requestOverdueBadge(x)] },
      ], items, { class: 'table-compact', rowClass: (x) => (x.overdue ? 'row-overdue' : null) }));
    }).catch((err) => { if (ctx.alive()) replace(reqBox, h('p', { class: 'muted' }, errorText(err))); });

  if (!can(ctx.user, 'GET /api/v1/visits'))
    replace(visitBox, empty());
  else
    get('/api/v1/visits', { enterprise_id: e.id, limit: 20 }).then((r) => {
      if (!ctx.alive())
        return;
      const items = (r.items || []).filter((x) => x.enterprise_id === undefined || x.enterprise_id === e.id);
      replace(visitBox, table([
        { key: 'visited_on', label: t('visit.date'), class: 'nowrap', cell: (x) => h('a', { href: `#/visits/${x.id}` }, day(x.visited_on)) },
        { key: 'visitor_name', label: t('visit.visitor'), class: 'nowrap', cell: (x) => x.visitor_name || x.department_name },
        { key: 'people_met', label: t('visit.people'), class: 'wrap' },
      ], items, { class: 'table-compact' }));
    }).catch((err) => { if (ctx.alive()) replace(visitBox, h('p', { class: 'muted' }, errorText(err))); });
}

/* The one-time kiosk login code, large, for the staff member to read out. */
async function kioskCode(e) {
  let r;
  try {
    r = await post(`/api/v1/enterprises/${e.id}/kiosk-code`, {});
  } catch (err) {
    toast(errorText(err), 'error');
    return;
  }
  const digits = String(r.code || '');
  modal(t('ent.kioskCode'), [
    h('p', null, t('ent.kioskCodeFor', { name: e.name })),
    h('div', { class: 'big-code', dataset: { testid: 'kiosk-code-value' }, 'aria-label': digits.split('').join(' ') },
      digits.slice(0, 3), h('span', { class: 'big-code-gap' }), digits.slice(3)),
    h('p', { class: 'muted' }, t('ent.kioskCodeHint', { code: e.credit_code })),
    r.expires_at ? h('p', { class: 'muted' }, t('ent.kioskCodeExpires', { at: fmtTime(r.expires_at, false) })) : null,
  ], { class: 'modal-small' });
}

/* Reassign the chief service officer (keeps history on the server). */
async function reassign(ctx, e, reload) {
  const officers = await officerOptions(ctx);
  const sel = h('select', { name: 'officer_id', class: 'input' },
    h('option', { value: '' }, t('ent.noOfficer')),
    officers.map((o) => h('option', { value: String(o.id), selected: o.id === e.officer_id }, o.name)));
  const errLine = formErrorLine();
  const f = h('form', { class: 'form', novalidate: true },
    field(t('ent.officer'), sel),
    errLine,
    h('div', { class: 'form-actions' },
      h('button', { class: 'btn', type: 'button', on: { click: () => m.close() } }, t('common.cancel')),
      h('button', { class: 'btn btn-primary', type: 'submit', dataset: { testid: 'reassign-save' } }, t('common.save'))));
  const m = modal(t('ent.reassign'), f, { class: 'modal-small' });
  f.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(f);
    try {
      await patch(`/api/v1/enterprises/${e.id}`, { officer_id: sel.value ? Number(sel.value) : null });
      m.close();
      toast(t('ent.reassigned'));
      if (ctx.alive())
        reload();
    } catch (err) {
      showFormError(f, err);
    }
  });
}

/* Text for a credit-code error: the reason in words, then what exactly is
 * wrong (from the error's params, in the UI's language). */
export function creditCodeError(err) {
  const params = (err.info && err.info.params) || {};
  const reason = params.reason || err.reason || (err.info && err.info.reason);
  const base = reason ? t(`ent.reason.${reason}`) : errorText(err);
  const detail = reason ? errorText(err) : '';
  return detail && detail !== base ? `${base}\n${detail}` : base;
}

/*
 * Create (ent null) or edit an enterprise in a dialog; onSaved(enterprise)
 * runs after a successful save.
 */
export async function editEnterprise(ctx, ent, onSaved) {
  const creating = !ent;
  const isAdmin = ctx.user.role === 'admin';
  const [sts, depts, officers] = await Promise.all([streets(), departments(), officerOptions(ctx)]);
  const v = (k) => (ent && ent[k] !== null && ent[k] !== undefined ? ent[k] : '');
  const code = input('credit_code', { value: v('credit_code'), maxlength: 40, autocomplete: 'off', class: 'input mono',
    placeholder: '91320691XXXXXXXXXX', spellcheck: 'false' });
  const name = input('name', { value: v('name'), maxlength: 200, required: true });
  const street = h('select', { name: 'street_id', class: 'input' }, h('option', { value: '' }, t('ent.chooseStreet')),
    sts.map((s) => h('option', { value: String(s.id), selected: s.id === ent?.street_id }, localName(s))));
  const industry = input('industry', { value: v('industry'), maxlength: 8, placeholder: 'C38' });
  const key = h('input', { type: 'checkbox', name: 'key', checked: Boolean(ent && ent.key) });
  const officer = h('select', { name: 'officer_id', class: 'input' }, h('option', { value: '' }, t('ent.noOfficer')),
    officers.map((o) => h('option', { value: String(o.id), selected: o.id === ent?.officer_id }, o.name)));
  const dept = h('select', { name: 'department_id', class: 'input' }, h('option', { value: '' }, t('ent.noDepartment')),
    depts.map((d) => h('option', { value: String(d.id), selected: d.id === ent?.department_id }, localName(d))));
  const contact = input('contact_name', { value: v('contact_name'), maxlength: 64 });
  const phone = input('contact_phone', { value: v('contact_phone'), maxlength: 32, type: 'tel' });
  const employees = input('employees', { value: v('employees'), type: 'number', min: 0, step: 1 });
  const cap = input('registered_capital', { value: ent ? capital(ent) ?? '' : '', type: 'number', min: 0, step: 1 });
  const land = input('land_mu', { value: v('land_mu'), type: 'number', min: 0, step: 0.1 });
  const founded = input('founded_on', { value: v('founded_on'), type: 'date' });
  const note = h('textarea', { name: 'credit_code_note', class: 'input textarea', rows: 2, maxlength: 500 });
  const fCode = field(t('ent.creditCode'), code, t('ent.creditCodeHint'));
  fCode.classList.add('field-wide');
  const fNote = field(t('ent.credit_code_note'), note, t('ent.noteHint'));
  fNote.classList.add('field-wide', 'field-note');
  fNote.hidden = true;
  const errLine = formErrorLine();
  const saveBtn = h('button', { class: 'btn btn-primary', type: 'submit', dataset: { testid: 'ent-save' } }, t('common.save'));
  const f = h('form', { class: 'form', novalidate: true },
    h('div', { class: 'form-grid' },
      fCode, fNote,
      field(t('ent.name'), name),
      field(t('ent.street'), street),
      field(t('ent.industry'), industry, t('ent.industryHint')),
      h('div', { class: 'field field-check' }, h('label', { class: 'check' }, key, t('ent.keyEnterprise'))),
      field(t('ent.officer'), officer),
      field(t('ent.department'), dept),
      field(t('ent.contact_name'), contact),
      field(t('ent.contact_phone'), phone),
      field(t('ent.employees'), employees),
      field(`${t('ent.registered_capital')}（${t('ent.wan')}）`, cap),
      field(`${t('ent.land_mu')}（${t('ent.mu')}）`, land),
      field(t('ent.founded_on'), founded)),
    errLine,
    h('div', { class: 'form-actions' },
      h('button', { class: 'btn', type: 'button', on: { click: () => m.close() } }, t('common.cancel')),
      saveBtn));
  const m = modal(creating ? t('ent.new') : t('ent.editTitle'), f, { class: 'modal-wide' });
  code.addEventListener('input', () => { fCode.setError(''); });

  const numOrNull = (el) => (el.value === '' ? null : Number(el.value));
  f.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(f);
    errLine.textContent = '';
    const body = {
      credit_code: code.value,
      name: name.value.trim(),
      street_id: street.value ? Number(street.value) : null,
      industry: industry.value.trim().toUpperCase(),
      key: key.checked,
      officer_id: officer.value ? Number(officer.value) : null,
      department_id: dept.value ? Number(dept.value) : null,
      contact_name: contact.value.trim(),
      contact_phone: phone.value.trim(),
      employees: numOrNull(employees),
      registered_capital: numOrNull(cap),
      land_mu: numOrNull(land),
      founded_on: founded.value,
    };
    for (const k of Object.keys(body))
      if (body[k] === null && creating)
        delete body[k];
    if (!fNote.hidden && note.value.trim())
      body.credit_code_note = note.value.trim();
    saveBtn.disabled = true;
    saveBtn.textContent = t('common.saving');
    try {
      const saved = creating ? await post('/api/v1/enterprises', body) : await patch(`/api/v1/enterprises/${ent.id}`, body);
      m.close();
      toast(creating ? t('ent.created') : t('common.saved'));
      if (onSaved)
        onSaved(saved || ent);
    } catch (err) {
      saveBtn.disabled = false;
      saveBtn.textContent = t('common.save');
      if (err.field === 'credit_code' || err.code === 'invalid_credit_code' || err.code === 'duplicate_credit_code') {
        fCode.setError(err.code === 'duplicate_credit_code' ? errorText(err) : creditCodeError(err));
        if (err.reason === 'checksum' && isAdmin) {
          fNote.hidden = false;
          note.focus();
        } else {
          code.focus();
        }
        return;
      }
      if (err.field === 'credit_code_note') {
        fNote.hidden = false;
        fNote.setError(errorText(err));
        return;
      }
      showFormError(f, err);
    }
  });
}
