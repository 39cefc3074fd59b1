/*
 * leads.js -- 有效信息 (#/leads): the leads list with filters (unit, month,
 * status, search), a form to add one (a duplicate company is flagged with
 * its first claimer), qualify / reject for the unit's leader (a zone
 * leader -- bound to no unit -- and admins too), 更正 of a qualified or
 * rejected lead by them with a written reason (the lead is frozen: its
 * recruiter no longer changes it), and 转为项目: the project form prefilled
 * from the lead (POST /api/v1/projects).
 * Also exports projectForm for other pages.  导入: the CSV/XLSX import panel
 * (raceimport.js) for admins, leaders and recruiters.
 */
import { h, replace } from '../dom.js';
import { get, post, patch } from '../api.js';
import { t, num } from '../../i18n.js';
import { industries, industryCell } from '../industry.js';
import { pageHeader, panel, errorBox, wip, isMissingApi, select, loading, modal, field, input, table, badge,
  formErrorLine, showFormError, clearErrors, toast, errorText } from '../ui.js';
import { canEdit, canLead, loadUnits, unitLabel, unitOptions, validMonth } from './racekit.js';
import { today } from '../clock.js';
import { raceImportPanel } from './raceimport.js';

const STATUS_BADGE = { pending: 'gold', qualified: 'green', rejected: 'gray' };
export const leadStatus = (x) => x.status || (x.qualified === true ? 'qualified' : x.qualified === false && x.rejected ? 'rejected' : 'pending');

/* The people who can be a lead's or a trip's recruiter: admins pick from
 * the users (GET /api/v1/users is admin only); others are themselves. */
export async function peopleFor(user) {
  if (user.role !== 'admin')
    return [{ id: user.id, name: user.display_name || user.username, unit_id: user.unit_id, role: user.role }];
  try {
    const r = await get('/api/v1/users', { limit: 500 });
    return (r.items || []).filter((u) => u.role === 'recruiter' || u.role === 'leader')
      .map((u) => ({ id: u.id, name: u.display_name || u.username, unit_id: u.unit_id, role: u.role }));
  } catch {
    return [];
  }
}

export async function render(ctx) {
  const units = await loadUnits();
  if (!ctx.alive())
    return;
  const q = ctx.query;
  const mine = ctx.user.unit_id && ctx.user.role !== 'admin' ? String(ctx.user.unit_id) : '';
  const unitSel = select('unit_id', unitOptions(units), q.get('unit_id') ?? mine);
  const monthIn = h('input', { class: 'input', type: 'month', name: 'month', value: validMonth(q.get('month')) ? q.get('month') : '' });
  const statusSel = select('status', [['', t('leads.allStatus')], ...['pending', 'qualified', 'rejected'].map((s) => [s, t(`leads.st.${s}`)])], q.get('status') || '');
  const search = input('q', { placeholder: t('leads.searchPh'), value: q.get('q') || '', maxlength: 100 });
  const list = h('div', { dataset: { testid: 'leads' } }, loading());
  const filters = h('form', { class: 'filters', role: 'search', novalidate: true },
    h('div', { class: 'filter grow' }, search),
    h('label', { class: 'filter' }, h('span', null, t('race.unit')), unitSel),
    h('label', { class: 'filter' }, h('span', null, t('ranking.month')), monthIn),
    h('label', { class: 'filter' }, h('span', null, t('leads.status')), statusSel),
    h('button', { class: 'btn btn-primary', type: 'submit' }, t('common.search')));
  filters.addEventListener('submit', (e) => { e.preventDefault(); load(); });
  for (const c of [unitSel, monthIn, statusSel])
    c.addEventListener('change', () => load());
  const addBtn = canEdit(ctx.user) ? h('button', { class: 'btn btn-primary', type: 'button', dataset: { testid: 'lead-new' },
    on: { click: () => leadForm(ctx, units, load) } }, t('leads.new')) : null;
  /* Import (CSV/XLSX): a panel shown by the header's button. */
  const importBox = h('div', { hidden: true, dataset: { testid: 'rimp-box' } });
  const importBtn = canEdit(ctx.user) ? h('button', { class: 'btn', type: 'button', 'aria-expanded': 'false', dataset: { testid: 'rimp-open' },
    on: { click: () => {
      if (!importBox.firstChild)
        importBox.appendChild(raceImportPanel(ctx, 'leads', () => load()));
      importBox.hidden = !importBox.hidden;
      importBtn.setAttribute('aria-expanded', String(!importBox.hidden));
    } } }, t('rimp.open')) : null;
  replace(ctx.el, pageHeader(t('leads.title'), t('leads.subtitle'), importBtn, addBtn), importBox, filters, list);

  const unitName = new Map(units.map((u) => [String(u.id), unitLabel(u)]));
  async function load() {
    let r;
    try {
      r = await get('/api/v1/leads', { unit_id: unitSel.value, month: monthIn.value, status: statusSel.value, q: search.value.trim(), limit: 200 });
    } catch (e) {
      if (ctx.alive())
        replace(list, isMissingApi(e) || e.status === 501 ? wip('race', t('common.apiMissing', { path: '/api/v1/leads' })) : errorBox(e, load));
      return;
    }
    const indMap = await industries();
    if (!ctx.alive())
      return;
    if (!ctx.alive())
      return;
    const items = r.items || [];
    /* the unit's leader, a leader bound to no unit, an admin (the API's race_may_lead) */
    const canJudge = (x) => ctx.user.role === 'admin'
      || (ctx.user.role === 'leader' && (!ctx.user.unit_id || String(ctx.user.unit_id) === String(x.unit_id)));
    const act = (x, status) => async () => {
      try {
        await patch(`/api/v1/leads/${x.id}`, { status });
        toast(t(`leads.done.${status}`, { company: x.company }));
        load();
      } catch (e) {
        toast(errorText(e), 'error');
      }
    };
    replace(list, panel(null, table([
      { key: 'company', label: t('leads.company'), cell: (x) => h('span', null, h('strong', null, x.company),
        x.duplicate ? [' ', h('span', { title: x.duplicate_unit_name ? t('leads.dupOf', { unit: x.duplicate_unit_name }) : null }, badge(t('leads.duplicate'), 'red'))] : null,
        x.credit_code ? h('div', { class: 'muted mono small' }, x.credit_code) : null) },
      { key: 'unit', label: t('race.unit'), cell: (x) => unitName.get(String(x.unit_id)) || x.unit_name || '' },
      { key: 'rec', label: t('leads.recruiter'), cell: (x) => x.recruiter_name || (x.recruiter_id ? `#${x.recruiter_id}` : '') },
      { key: 'industry', label: t('board.industry'), narrowHide: true, cell: (x) => industryCell(indMap, x.industry) },
      { key: 'est', label: t('leads.est'), align: 'r', cell: (x) => num(x.est_investment, 2) },
      { key: 'captured_on', label: t('leads.capturedOn') },
      { key: 'status', label: t('leads.status'), align: 'c', cell: (x) => { const s = leadStatus(x); return badge(t(`leads.st.${s}`), STATUS_BADGE[s] || 'gray'); } },
      { key: 'act', label: t('common.actions'), cell: (x) => {
        const s = leadStatus(x);
        const btns = [];
        if (s === 'pending' && canJudge(x) && !x.duplicate) {
          btns.push(h('button', { class: 'btn btn-small btn-primary', type: 'button', dataset: { testid: `qualify-${x.id}` }, on: { click: act(x, 'qualified') } }, t('leads.qualify')));
          btns.push(h('button', { class: 'btn btn-small', type: 'button', dataset: { testid: `reject-${x.id}` }, on: { click: act(x, 'rejected') } }, t('leads.reject')));
        }
        if (s !== 'pending' && canJudge(x))
          btns.push(h('button', { class: 'btn btn-small', type: 'button', dataset: { testid: `correct-${x.id}` },
            on: { click: () => correctForm(x, load) } }, t('leads.correct')));
        if (s === 'qualified' && canEdit(ctx.user)) {
          if (x.project_id)
            btns.push(h('a', { class: 'btn btn-small', href: `#/board?unit=${x.unit_id}` }, t('leads.hasProject')));
          else
            btns.push(h('button', { class: 'btn btn-small btn-primary', type: 'button', dataset: { testid: `to-project-${x.id}` },
              on: { click: () => projectForm(ctx, units, x, load) } }, t('leads.toProject')));
        }
        return btns.length ? h('div', { class: 'row-actions' }, btns) : '';
      } },
    ], items, { rowClass: (x) => `lead-${x.id}` })));
    for (const tr of list.querySelectorAll('tbody tr'))
      tr.dataset.lead = (tr.className.match(/lead-(\d+)/) || [])[1] || '';
  }
  await load();
}

function leadForm(ctx, units, done) {
  const unitSel = select('unit_id', unitOptions(units, null), ctx.user.unit_id || (units[0] && units[0].id));
  if (ctx.user.role !== 'admin' && ctx.user.unit_id)
    unitSel.disabled = true;
  const recSel = select('recruiter_id', [[ctx.user.id, ctx.user.display_name || ctx.user.username]], ctx.user.id);
  const company = input('company', { required: true, maxlength: 200, dataset: { testid: 'lead-company' } });
  const credit = input('credit_code', { maxlength: 18, class: 'input mono' });
  const industry = input('industry', { maxlength: 40, placeholder: 'C39' });
  const est = input('est_investment', { type: 'number', min: 0, step: '0.01', dataset: { testid: 'lead-est' } });
  const captured = input('captured_on', { type: 'date', value: today(), max: today() });
  const notes = h('textarea', { class: 'input', name: 'notes', rows: 3, maxlength: 2000 });
  const err = formErrorLine();
  const save = h('button', { class: 'btn btn-primary', type: 'submit', dataset: { testid: 'lead-save' } }, t('common.save'));
  const form = h('form', { class: 'form form-grid', novalidate: true },
    field(t('race.unit'), unitSel), field(t('leads.recruiter'), recSel),
    field(t('leads.company'), company), field(t('leads.creditCode'), credit),
    field(t('board.industry'), industry), field(t('leads.est'), est),
    field(t('leads.capturedOn'), captured), field(t('leads.notes'), notes),
    err, h('div', { class: 'form-actions' }, h('button', { class: 'btn', type: 'button', on: { click: () => m.close() } }, t('common.cancel')), save));
  const m = modal(t('leads.new'), form);
  peopleFor(ctx.user).then((people) => {
    const fill = () => {
      const mineUnit = people.filter((p) => String(p.unit_id) === unitSel.value);
      const list = mineUnit.length ? mineUnit : people;
      if (!list.length)
        return;
      replace(recSel, list.map((p) => h('option', { value: String(p.id) }, `${p.name}（${t(`role.${p.role}`)}）`)));
      const rec = list.find((p) => p.role === 'recruiter');
      if (rec)
        recSel.value = String(rec.id);
    };
    fill();
    unitSel.addEventListener('change', fill);
  });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    err.textContent = '';
    if (!company.value.trim()) {
      company.closest('.field').setError(t('err.required'));
      company.focus();
      return;
    }
    save.disabled = true;
    const body = {
      unit_id: Number(unitSel.value), recruiter_id: Number(recSel.value), company: company.value.trim(),
      industry: industry.value.trim(), est_investment: est.value === '' ? 0 : Number(est.value),
      captured_on: captured.value, notes: notes.value.trim(),
    };
    if (credit.value.trim())
      body.credit_code = credit.value.trim().toUpperCase();
    try {
      const r = await post('/api/v1/leads', body);
      m.close();
      if (r && r.duplicate) {
        const who = r.first_claim || r.claimed_by || r.first || {};
        const unit = r.duplicate_unit_name || who.unit_name || who.name || (r.duplicate_unit_id ? `#${r.duplicate_unit_id}` : '');
        toast(t('leads.dupToast', { unit }), 'error');
      } else {
        toast(t('leads.saved', { company: body.company }));
      }
      done();
    } catch (ex) {
      save.disabled = false;
      showFormError(form, ex);
    }
  });
}

/*
 * The correction of a frozen (qualified or rejected) lead x by its unit's
 * leader or an admin: company, date, amount, status, notes and the reason
 * the API requires (PATCH /api/v1/leads/{id} with reason; a 422 shows
 * under the field it names).  Only the changed fields are sent.
 */
function correctForm(x, done) {
  const s = leadStatus(x);
  const company = input('company', { required: true, maxlength: 200, value: x.company || '' });
  const est = input('est_investment', { type: 'number', min: 0, step: '0.01', value: String(x.est_investment ?? 0) });
  const captured = input('captured_on', { type: 'date', value: x.captured_on || '', max: today() });
  const status = select('status', ['pending', 'qualified', 'rejected'].map((v) => [v, t(`leads.st.${v}`)]), s);
  const notes = h('textarea', { class: 'input', name: 'notes', rows: 2, maxlength: 2000 }, x.notes || '');
  const reason = h('textarea', { class: 'input', name: 'reason', rows: 2, maxlength: 500, required: true,
    dataset: { testid: 'lead-reason' } });
  const save = h('button', { class: 'btn btn-primary', type: 'submit', dataset: { testid: 'lead-correct-save' } }, t('common.save'));
  const form = h('form', { class: 'form form-grid', novalidate: true },
    h('p', { class: 'muted form-wide' }, t('leads.correctText', { status: t(`leads.st.${s}`) })),
    field(t('leads.company'), company), field(t('leads.capturedOn'), captured),
    field(t('leads.est'), est), field(t('leads.status'), status),
    field(t('leads.notes'), notes), field(t('leads.reason'), reason, t('leads.reasonHint')),
    formErrorLine(), h('div', { class: 'form-actions' },
      h('button', { class: 'btn', type: 'button', on: { click: () => m.close() } }, t('common.cancel')), save));
  const m = modal(t('leads.correctTitle', { company: x.company }), form);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    form.querySelector('.form-error').textContent = '';
    const body = {};
    if (company.value.trim() !== x.company)
      body.company = company.value.trim();
    if (captured.value !== x.captured_on)
      body.captured_on = captured.value;
    if (Number(est.value || 0) !== Number(x.est_investment ?? 0))
      body.est_investment = Number(est.value || 0);
    if (status.value !== s)
      body.status = status.value;
    if (notes.value.trim() !== (x.notes || ''))
      body.notes = notes.value.trim();
    if (!Object.keys(body).length) {
      m.close();
      return;
    }
    if (!reason.value.trim()) {
      reason.closest('.field').setError(t('err.required'));
      reason.focus();
      return;
    }
    body.reason = reason.value.trim();
    save.disabled = true;
    try {
      await patch(`/api/v1/leads/${x.id}`, body);
      m.close();
      toast(t('leads.corrected', { company: body.company || x.company }));
      done();
    } catch (ex) {
      save.disabled = false;
      showFormError(form, ex);
    }
  });
}

/* The project form, prefilled from lead (may be null). */
export function projectForm(ctx, units, lead, done) {
  const l = lead || {};
  const unitSel = select('unit_id', unitOptions(units, null), l.unit_id || ctx.user.unit_id || (units[0] && units[0].id));
  const name = input('name', { required: true, maxlength: 200, value: l.company ? t('leads.projectName', { company: l.company }) : '', dataset: { testid: 'project-name' } });
  const industry = input('industry', { maxlength: 40, value: l.industry || '' });
  const total = input('total_investment', { type: 'number', min: 0, step: '0.01', value: l.est_investment ?? '' });
  const foreign = input('foreign_investment', { type: 'number', min: 0, step: '0.01' });
  const land = input('land_mu', { type: 'number', min: 0, step: '0.1' });
  const tax = input('expected_annual_tax', { type: 'number', min: 0, step: '1' });
  const signed = input('signed_on', { type: 'date', max: today() });
  const err = formErrorLine();
  const save = h('button', { class: 'btn btn-primary', type: 'submit', dataset: { testid: 'project-save' } }, t('common.save'));
  const form = h('form', { class: 'form form-grid', novalidate: true },
    field(t('projects.name'), name), field(t('race.unit'), unitSel),
    field(t('board.industry'), industry), field(t('projects.total'), total),
    field(t('projects.foreign'), foreign), field(t('projects.land'), land),
    field(t('projects.tax'), tax), field(t('projects.signedOn'), signed, t('projects.signedHint')),
    lead ? h('p', { class: 'muted form-wide' }, t('projects.fromLead', { company: l.company, day: l.captured_on || '' })) : null,
    err, h('div', { class: 'form-actions' }, h('button', { class: 'btn', type: 'button', on: { click: () => m.close() } }, t('common.cancel')), save));
  const m = modal(t('projects.new'), form);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    err.textContent = '';
    if (!name.value.trim()) {
      name.closest('.field').setError(t('err.required'));
      return;
    }
    const n = (c) => (c.value === '' ? undefined : Number(c.value));
    const body = {
      name: name.value.trim(), unit_id: Number(unitSel.value), industry: industry.value.trim(),
      total_investment: n(total) ?? 0, foreign_investment: n(foreign), land_mu: n(land), expected_annual_tax: n(tax),
    };
    if (lead)
      body.lead_id = lead.id;
    if (l.recruiter_id)
      body.recruiter_id = l.recruiter_id;
    if (signed.value)
      body.signed_on = signed.value;
    save.disabled = true;
    try {
      await post('/api/v1/projects', body);
      m.close();
      toast(t('projects.saved', { name: body.name }));
      if (done)
        done();
    } catch (ex) {
      save.disabled = false;
      showFormError(form, ex);
    }
  });
}
