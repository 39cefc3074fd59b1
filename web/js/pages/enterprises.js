/*
 * enterprises.js -- 企业名录: the enterprise registry with search (any part
 * of the name or the credit code), filters by street, industry, officer
 * and key enterprise, sorting and paging; new enterprises, import and
 * export.  #/enterprises/{id} is one enterprise (enterprise.js),
 * #/enterprises/import the import (importer.js).
 */
import { h, replace } from '../dom.js';
import { get } from '../api.js';
import { t, num } from '../../i18n.js';
import { pageHeader, panel, errorBox, wip, isMissingApi, select, input, table, pager, badge, loading } from '../ui.js';
import { streets, localName, cachedOrEmpty } from '../svc.js';
import * as detail from './enterprise.js';
import * as importer from './importer.js';
import { industries, industryCell, industryFilter } from '../industry.js';

const LIMIT = 20;
export const CAN_CREATE = ['admin', 'leader', 'officer'];
export const CAN_IMPORT = ['admin', 'leader'];
const SORTS = ['', 'name', '-name', '-founded_on', 'founded_on', '-employees', 'employees', '-registered_capital', 'registered_capital'];

export async function render(ctx) {
  if (ctx.sub[0] === 'import')
    return importer.render(ctx);
  if (/^\d+$/.test(ctx.sub[0] || ''))
    return detail.render(ctx, Number(ctx.sub[0]));
  return list(ctx);
}

async function list(ctx) {
  const role = ctx.user.role;
  const isOfficer = role === 'officer';
  const ind = await industries();
  if (!ctx.alive())
    return;
  const q = input('q', { type: 'search', placeholder: t('ent.q'), 'aria-label': t('ent.q'), maxlength: 100 });
  const street = select('street_id', [['', t('ent.allStreets')]], '');
  const key = select('key', [['', t('common.all')], ['true', t('ent.keyOnly')], ['false', t('ent.nonKey')]], '');
  const industry = industryFilter(ind);
  const officer = select('officer_id', [['', t('ent.allOfficers')]], '');
  if (isOfficer)
    officer.appendChild(h('option', { value: String(ctx.user.id) }, t('ent.mine')));
  const want = ctx.query.get('officer_id');
  const sort = select('sort', SORTS.map((s) => [s, t(`ent.sort.${s || 'default'}`)]), '');
  const form = h('form', { class: 'filters', role: 'search' },
    h('div', { class: 'filter grow' }, q),
    h('label', { class: 'filter' }, h('span', null, t('ent.street')), street),
    h('div', { class: 'filter', role: 'group', 'aria-label': t('ent.industry') }, h('span', null, t('ent.industry')), industry.el),
    h('label', { class: 'filter' }, h('span', null, t('ent.officer')), officer),
    h('label', { class: 'filter' }, h('span', null, t('ent.key')), key),
    h('label', { class: 'filter' }, h('span', null, t('ent.sortBy')), sort),
    h('button', { class: 'btn btn-primary', type: 'submit' }, t('common.search')),
    h('button', { class: 'btn', type: 'reset' }, t('common.reset')));
  const result = h('div', { class: 'result' }, loading());

  const actions = [];
  if (CAN_CREATE.includes(role))
    actions.push(h('button', { class: 'btn btn-primary', type: 'button', dataset: { testid: 'ent-new' },
      on: { click: () => detail.editEnterprise(ctx, null, (e) => { location.hash = `#/enterprises/${e.id}`; }) } },
    `＋ ${t('ent.new')}`));
  if (CAN_IMPORT.includes(role))
    actions.push(h('a', { class: 'btn', href: '#/enterprises/import', dataset: { testid: 'ent-import' } }, t('ent.import')));
  if (role !== 'enterprise') {
    const exportLink = (fmt) => h('a', { class: 'btn', download: '', dataset: { testid: `ent-export-${fmt}` },
      href: `/api/v1/enterprises/export?format=${fmt}`,
      on: { click: (e) => { e.currentTarget.href = exportHref(fmt); } } }, t(`ent.export.${fmt}`));
    actions.push(exportLink('csv'), exportLink('xlsx'));
  }
  replace(ctx.el, pageHeader(t('ent.title'), t('ent.subtitle'), ...actions), panel(null, [form, result]));

  streets().then((items) => {
    if (!ctx.alive())
      return;
    for (const st of items)
      street.appendChild(h('option', { value: String(st.id) }, localName(st)));
  });
  const officersLoaded = (isOfficer ? Promise.resolve([]) : cachedOrEmpty('/api/v1/officers')).then((items) => {
    if (!ctx.alive())
      return;
    for (const o of items)
      officer.appendChild(h('option', { value: String(o.id) }, o.display_name || o.username));
    if (want)
      officer.value = want;
  });
  if (isOfficer)
    officer.value = want || String(ctx.user.id);   // an officer sees their own enterprises first

  const params = () => ({
    q: q.value.trim(), street_id: street.value, key: key.value, industry: industry.value(),
    officer_id: officer.value, sort: sort.value,
  });
  const exportHref = (fmt) => {
    const p = new URLSearchParams({ format: fmt });
    for (const [k, v] of Object.entries(params()))
      if (v)
        p.set(k, v);
    return `/api/v1/enterprises/export?${p}`;
  };

  let offset = 0;
  let seq = 0;
  const load = async () => {
    const mine = ++seq;
    let res;
    try {
      res = await get('/api/v1/enterprises', { ...params(), limit: LIMIT, offset });
    } catch (e) {
      if (!ctx.alive() || mine !== seq)
        return;
      replace(result, isMissingApi(e) ? wip('enterprises', t('common.apiMissing', { path: '/api/v1/enterprises' }))
        : errorBox(e, load));
      return;
    }
    if (!ctx.alive() || mine !== seq)
      return;
    const items = res.items || [];
    const total = res.total ?? items.length;
    const lim = res.limit || LIMIT;
    replace(result,
      table([
        { key: 'credit_code', label: t('ent.creditCode'), class: 'mono nowrap' },
        { key: 'name', label: t('ent.name'), cell: (r) => h('span', { class: 'strong' },
          h('a', { href: `#/enterprises/${r.id}`, dataset: { testid: 'ent-link' } }, r.name),
          r.key ? badge(t('ent.keyBadge'), 'blue') : null) },
        { key: 'street_name', label: t('ent.street'), class: 'nowrap', cell: (r) => r.street_name || r.street },
        { key: 'industry', label: t('ent.industry'), narrowHide: true, cell: (r) => industryCell(ind, r.industry) },
        { key: 'employees', label: t('ent.employees'), align: 'r', narrowHide: true, cell: (r) => num(r.employees) },
        { key: 'officer_name', label: t('ent.officer'), class: 'nowrap' },
        { key: 'department_name', label: t('ent.department'), class: 'nowrap' },
      ], items, { class: 'table-ent' }),
      total > 0 ? pager(total, lim, res.offset ?? offset, (o) => { offset = o; load(); }) : null);
  };

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    offset = 0;
    load();
  });
  form.addEventListener('reset', () => setTimeout(() => {
    if (isOfficer)
      officer.value = String(ctx.user.id);
    industry.reset();
    offset = 0;
    load();
  }, 0));
  for (const el of [street, key, officer, sort, industry.section, industry.division])
    el.addEventListener('change', () => { offset = 0; load(); });
  if (want && !isOfficer)
    await officersLoaded;
  await load();
}
