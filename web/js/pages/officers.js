/*
 * officers.js -- 首席服务员: every chief service officer's workload at a
 * glance (enterprises, key enterprises, open and overdue requests, visits
 * in the last 90 days); #/officers/{id} lists one officer's enterprises.
 * Reassigning is done on the enterprise's page.
 */
import { h, replace } from '../dom.js';
import { get } from '../api.js';
import { t, num, plural } from '../../i18n.js';
import { pageHeader, panel, errorBox, wip, isMissingApi, table, badge, loading, input } from '../ui.js';
import { industries, industryCell } from '../industry.js';

const SORTS = ['enterprises', 'key_enterprises', 'open_requests', 'overdue_requests', 'visits_90d'];

export async function render(ctx) {
  if (/^\d+$/.test(ctx.sub[0] || ''))
    return one(ctx, Number(ctx.sub[0]));
  return list(ctx);
}

async function list(ctx) {
  const q = input('q', { type: 'search', placeholder: t('off.search'), 'aria-label': t('off.search'), maxlength: 64 });
  const sort = h('select', { name: 'sort', class: 'input' }, h('option', { value: '' }, t('off.sortName')),
    SORTS.map((s) => h('option', { value: s }, t(`off.${s}`))));
  const form = h('form', { class: 'filters', role: 'search' },
    h('div', { class: 'filter grow' }, q),
    h('label', { class: 'filter' }, h('span', null, t('ent.sortBy')), sort));
  const summary = h('div', { class: 'race-summary' });
  const result = h('div', { class: 'result' }, loading());
  replace(ctx.el, pageHeader(t('off.title'), t('off.subtitle')), summary, panel(null, [form, result]));

  let items = [];
  const draw = () => {
    const term = q.value.trim().toLowerCase();
    let rows = items.filter((o) => !term || `${o.display_name} ${o.username}`.toLowerCase().includes(term));
    if (sort.value)
      rows = [...rows].sort((a, b) => (Number(b[sort.value]) || 0) - (Number(a[sort.value]) || 0));
    replace(result, table([
      { key: 'display_name', label: t('off.name'), class: 'strong nowrap',
        cell: (o) => h('a', { href: `#/officers/${o.id}`, dataset: { testid: 'officer-link' } }, o.display_name || o.username) },
      { key: 'username', label: t('users.username'), class: 'mono nowrap muted', narrowHide: true },
      { key: 'enterprises', label: t('off.enterprises'), align: 'r', cell: (o) => num(o.enterprises) },
      { key: 'key_enterprises', label: t('off.key_enterprises'), align: 'r', cell: (o) => num(o.key_enterprises) },
      { key: 'open_requests', label: t('off.open_requests'), align: 'r', cell: (o) => num(o.open_requests) },
      { key: 'overdue_requests', label: t('off.overdue_requests'), align: 'r',
        cell: (o) => (Number(o.overdue_requests) > 0 ? h('span', { class: 'neg' }, num(o.overdue_requests)) : num(o.overdue_requests)) },
      { key: 'visits_90d', label: t('off.visits_90d'), align: 'r', cell: (o) => num(o.visits_90d) },
    ], rows, { rowClass: (o) => (Number(o.overdue_requests) > 0 ? 'row-overdue' : null) }));
  };
  const load = async () => {
    try {
      items = (await get('/api/v1/officers')).items || [];
    } catch (e) {
      if (ctx.alive())
        replace(result, isMissingApi(e) ? wip('enterprises', t('common.apiMissing', { path: '/api/v1/officers' })) : errorBox(e, load));
      return;
    }
    if (!ctx.alive())
      return;
    const sum = (k) => items.reduce((a, o) => a + (Number(o[k]) || 0), 0);
    replace(summary,
      kpi(t('off.count'), items.length),
      kpi(t('off.key_enterprises'), sum('key_enterprises')),
      kpi(t('off.open_requests'), sum('open_requests')),
      kpi(t('off.overdue_requests'), sum('overdue_requests'), sum('overdue_requests') > 0),
      kpi(t('off.visits_90d'), sum('visits_90d')));
    draw();
  };
  form.addEventListener('submit', (e) => { e.preventDefault(); draw(); });
  q.addEventListener('input', draw);
  sort.addEventListener('change', draw);
  await load();
}

function kpi(label, value, alert) {
  return h('div', { class: ['kpi', alert && 'kpi-alert'] }, h('span', { class: 'kpi-label' }, label), h('span', { class: 'kpi-value' }, num(value)));
}

async function one(ctx, id) {
  let ents;
  let officer = null;
  try {
    const [r, all] = await Promise.all([
      get(`/api/v1/officers/${id}/enterprises`),
      get('/api/v1/officers').then((x) => x.items || []).catch(() => []),
    ]);
    ents = r.items || [];
    officer = all.find((o) => o.id === id) || r.officer || null;
  } catch (e) {
    if (ctx.alive())
      replace(ctx.el, pageHeader(t('off.title')), errorBox(e, () => one(ctx, id)));
    return;
  }
  if (!ctx.alive())
    return;
  const ind = await industries();
  if (!ctx.alive())
    return;
  const name = officer ? officer.display_name || officer.username : `#${id}`;
  replace(ctx.el,
    h('p', { class: 'back' }, h('a', { href: '#/officers' }, `‹ ${t('off.backToList')}`)),
    pageHeader(`${t('off.one')} · ${name}`, plural('off.oneSub', ents.length)),
    officer ? h('div', { class: 'race-summary' },
      kpi(t('off.enterprises'), officer.enterprises), kpi(t('off.key_enterprises'), officer.key_enterprises),
      kpi(t('off.open_requests'), officer.open_requests), kpi(t('off.overdue_requests'), officer.overdue_requests, officer.overdue_requests > 0),
      kpi(t('off.visits_90d'), officer.visits_90d)) : null,
    panel(t('off.theirEnterprises'), table([
      { key: 'credit_code', label: t('ent.creditCode'), class: 'mono nowrap' },
      { key: 'name', label: t('ent.name'), cell: (e) => h('span', { class: 'strong' },
        h('a', { href: `#/enterprises/${e.id}` }, e.name), e.key ? badge(t('ent.keyBadge'), 'blue') : null) },
      { key: 'street_name', label: t('ent.street'), class: 'nowrap', cell: (e) => e.street_name || e.street },
      { key: 'industry', label: t('ent.industry'), cell: (e) => industryCell(ind, e.industry) },
      { key: 'department_name', label: t('ent.department'), class: 'nowrap' },
    ], ents, { class: 'table-ent' })));
}
