/*
 * trips.js -- 外出招商 (#/trips?month=YYYY-MM): the trips of a month (GET
 * /api/v1/trips) and a form to add one (POST /api/v1/trips {user_id,
 * start_on, end_on, destination, visits, companies}); a 422 shows under
 * its field (a trip ending before it starts names end_on).  导入: the CSV/XLSX
 * import panel (raceimport.js) for admins, leaders and recruiters.  Without
 * ?month= it opens on the latest month with data (the month GET
 * /api/v1/quotas answers without one, as the ranking) and says so; a month
 * without trips says so.
 */
import { h, replace } from '../dom.js';
import { get, post } from '../api.js';
import { t, num } from '../../i18n.js';
import { pageHeader, panel, errorBox, wip, isMissingApi, select, loading, modal, field, input, table,
  formErrorLine, showFormError, clearErrors, toast, empty } from '../ui.js';
import { canEdit, loadUnits, unitLabel, unitOptions, validMonth } from './racekit.js';
import { thisMonth, today } from '../clock.js';
import { peopleFor } from './leads.js';
import { raceImportPanel } from './raceimport.js';

export async function render(ctx) {
  const asked = validMonth(ctx.query.get('month')) ? ctx.query.get('month') : null;
  /* no month asked: the latest month with data, as the server names it */
  const [units, latest] = await Promise.all([loadUnits(),
    asked ? null : get('/api/v1/quotas').then((q) => (validMonth(q && q.month) ? q.month : null), () => null)]);
  if (!ctx.alive())
    return;
  const month = asked || latest || thisMonth();
  const which = asked ? null : h('p', { class: 'note', dataset: { testid: 'trips-which' } }, t('race2.latestMonth', { month }));
  const monthIn = h('input', { class: 'input', type: 'month', name: 'month', value: month, dataset: { testid: 'trips-month' } });
  const unitSel = select('unit_id', unitOptions(units), ctx.user.role === 'admin' ? '' : (ctx.user.unit_id || ''));
  const list = h('div', { dataset: { testid: 'trips' } }, loading());
  const addBtn = canEdit(ctx.user) ? h('button', { class: 'btn btn-primary', type: 'button', dataset: { testid: 'trip-new' },
    on: { click: () => tripForm(ctx, load) } }, t('trips.new')) : null;
  const importBox = h('div', { hidden: true, dataset: { testid: 'rimp-box' } });
  const importBtn = canEdit(ctx.user) ? h('button', { class: 'btn', type: 'button', 'aria-expanded': 'false', dataset: { testid: 'rimp-open' },
    on: { click: () => {
      if (!importBox.firstChild)
        importBox.appendChild(raceImportPanel(ctx, 'trips', () => load()));
      importBox.hidden = !importBox.hidden;
      importBtn.setAttribute('aria-expanded', String(!importBox.hidden));
    } } }, t('rimp.open')) : null;
  replace(ctx.el, pageHeader(t('trips.title'), t('trips.subtitle'), importBtn, addBtn), importBox,
    h('div', { class: 'filters' },
      h('label', { class: 'filter' }, h('span', null, t('ranking.month')), monthIn),
      h('label', { class: 'filter' }, h('span', null, t('race.unit')), unitSel)), which, list);
  monthIn.addEventListener('change', () => {
    if (which)
      which.hidden = monthIn.value !== month;
    load();
  });
  unitSel.addEventListener('change', load);
  const unitName = new Map(units.map((u) => [String(u.id), unitLabel(u)]));

  async function load() {
    let r;
    try {
      r = await get('/api/v1/trips', { month: monthIn.value, unit_id: unitSel.value, limit: 500 });
    } catch (e) {
      if (ctx.alive())
        replace(list, isMissingApi(e) || e.status === 501 ? wip('race', t('common.apiMissing', { path: '/api/v1/trips' })) : errorBox(e, load));
      return;
    }
    if (!ctx.alive())
      return;
    const items = r.items || [];
    if (!items.length) {   /* a month without trips says so */
      replace(list, panel(null, h('div', { dataset: { testid: 'trips-empty' } },
        empty(t('race2.tripsEmpty', { month: monthIn.value || month })))));
      return;
    }
    const days = (x) => {
      const a = Date.parse(x.start_on);
      const b = Date.parse(x.end_on);
      return Number.isFinite(a) && Number.isFinite(b) ? Math.round((b - a) / 86400000) + 1 : null;
    };
    replace(list, panel(null, table([
      { key: 'who', label: t('quota.name'), cell: (x) => x.user_name || x.name || `#${x.user_id}` },
      { key: 'unit', label: t('race.unit'), cell: (x) => unitName.get(String(x.unit_id)) || x.unit_name || '' },
      { key: 'start_on', label: t('trips.start') },
      { key: 'end_on', label: t('trips.end') },
      { key: 'days', label: t('trips.days'), align: 'r', cell: (x) => num(x.days ?? days(x) ?? 0) },
      { key: 'destination', label: t('trips.destination') },
      { key: 'visits', label: t('quota.visits'), align: 'r', cell: (x) => num(x.visits ?? 0) },
      { key: 'companies', label: t('trips.companies'), narrowHide: true,
        cell: (x) => (Array.isArray(x.companies) ? x.companies.join('、') : x.companies) },
    ], items)));
  }
  await load();
}

function tripForm(ctx, done) {
  const userSel = select('user_id', [[ctx.user.id, ctx.user.display_name || ctx.user.username]], ctx.user.id);
  peopleFor(ctx.user).then((people) => {
    if (people.length)
      replace(userSel, people.map((p) => h('option', { value: String(p.id) }, `${p.name}（${t(`role.${p.role}`)}）`)));
  });
  const start = input('start_on', { type: 'date', value: today() });
  const end = input('end_on', { type: 'date', value: today() });
  const dest = input('destination', { maxlength: 200, required: true });
  const visits = input('visits', { type: 'number', min: 0, step: 1, value: 0 });
  const companies = h('textarea', { class: 'input', name: 'companies', rows: 2, maxlength: 2000, placeholder: t('trips.companiesPh') });
  const err = formErrorLine();
  const save = h('button', { class: 'btn btn-primary', type: 'submit', dataset: { testid: 'trip-save' } }, t('common.save'));
  const form = h('form', { class: 'form form-grid', novalidate: true },
    field(t('quota.name'), userSel), field(t('trips.destination'), dest),
    field(t('trips.start'), start), field(t('trips.end'), end),
    field(t('quota.visits'), visits), field(t('trips.companies'), companies),
    err, h('div', { class: 'form-actions' }, h('button', { class: 'btn', type: 'button', on: { click: () => m.close() } }, t('common.cancel')), save));
  const m = modal(t('trips.new'), form);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    err.textContent = '';
    save.disabled = true;
    try {
      await post('/api/v1/trips', {
        user_id: Number(userSel.value), start_on: start.value, end_on: end.value, destination: dest.value.trim(),
        visits: Number(visits.value) || 0, companies: companies.value.trim(),
      });
      m.close();
      toast(t('trips.saved'));
      done();
    } catch (ex) {
      save.disabled = false;
      showFormError(form, ex);
    }
  });
}
