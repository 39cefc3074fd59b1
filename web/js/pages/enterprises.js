/*
 * enterprises.js -- 企业服务: the enterprise registry with search, street
 * and key-enterprise filters and paging, showing each enterprise's links
 * (officer, department, street).
 */
import { h, replace } from '../dom.js';
import { get } from '../api.js';
import { t } from '../../i18n.js';
import { pageHeader, panel, errorBox, wip, isMissingApi, select, input, table, pager, badge, loading } from '../ui.js';

const LIMIT = 20;

export async function render(ctx) {
  const q = input('q', { type: 'search', placeholder: t('ent.q'), 'aria-label': t('ent.q'), maxlength: 100 });
  const street = select('street_id', [['', t('ent.allStreets')]], '');
  const key = select('key', [['', t('common.all')], ['true', t('ent.keyOnly')], ['false', t('ent.nonKey')]], '');
  const form = h('form', { class: 'filters', role: 'search' },
    h('div', { class: 'filter grow' }, q),
    h('label', { class: 'filter' }, h('span', null, t('ent.street')), street),
    h('label', { class: 'filter' }, h('span', null, t('ent.key')), key),
    h('button', { class: 'btn btn-primary', type: 'submit' }, t('common.search')),
    h('button', { class: 'btn', type: 'reset' }, t('common.reset')));
  const result = h('div', { class: 'result' }, loading());
  replace(ctx.el, pageHeader(t('ent.title'), t('ent.subtitle')), panel(null, [form, result]));

  get('/api/v1/streets').then((s) => {
    if (!ctx.alive())
      return;
    for (const st of s.items || [])
      street.appendChild(h('option', { value: String(st.id) }, st.name));
  }).catch(() => { /* the filter stays at "all" */ });

  let offset = 0;
  let seq = 0;
  const load = async () => {
    const mine = ++seq;
    let res;
    try {
      res = await get('/api/v1/enterprises', {
        q: q.value.trim(), street_id: street.value, key: key.value, limit: LIMIT, offset,
      });
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
        { key: 'name', label: t('ent.name'), cell: (r) => h('span', { class: 'strong' }, r.name,
          r.key ? badge(t('ent.keyBadge'), 'blue') : null) },
        { key: 'street_name', label: t('ent.street'), class: 'nowrap' },
        { key: 'industry', label: t('ent.industry'), narrowHide: true },
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
  form.addEventListener('reset', () => setTimeout(() => { offset = 0; load(); }, 0));
  street.addEventListener('change', () => { offset = 0; load(); });
  key.addEventListener('change', () => { offset = 0; load(); });
  await load();
}
