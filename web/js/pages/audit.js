/*
 * audit.js -- 审计日志 (admin): newest first, filter by entity and user,
 * paging.  A status of 400 or more is shown in red.
 */
import { h, replace, fmtTime } from '../dom.js';
import { get } from '../api.js';
import { t } from '../../i18n.js';
import { pageHeader, panel, errorBox, input, table, pager, badge, loading } from '../ui.js';

const LIMIT = 50;

export async function render(ctx) {
  const entity = input('entity', { placeholder: t('audit.filterEntity'), 'aria-label': t('audit.filterEntity'), maxlength: 64 });
  const user = input('user', { placeholder: t('audit.filterUser'), 'aria-label': t('audit.filterUser'), maxlength: 64 });
  const form = h('form', { class: 'filters', role: 'search' },
    h('div', { class: 'filter' }, entity),
    h('div', { class: 'filter' }, user),
    h('button', { class: 'btn btn-primary', type: 'submit' }, t('common.search')),
    h('button', { class: 'btn', type: 'reset' }, t('common.reset')));
  const result = h('div', { class: 'result' }, loading());
  replace(ctx.el, pageHeader(t('audit.title'), t('audit.subtitle')), panel(null, [form, result]));

  let offset = 0;
  let seq = 0;
  const load = async () => {
    const mine = ++seq;
    let res;
    try {
      res = await get('/api/v1/audit', { entity: entity.value.trim(), user: user.value.trim(), limit: LIMIT, offset });
    } catch (e) {
      if (ctx.alive() && mine === seq)
        replace(result, errorBox(e, load));
      return;
    }
    if (!ctx.alive() || mine !== seq)
      return;
    const items = res.items || [];
    const total = res.total ?? items.length;
    replace(result,
      table([
        { key: 'at', label: t('audit.at'), class: 'nowrap mono', cell: (r) => fmtTime(r.at) },
        { key: 'username', label: t('audit.user'), class: 'nowrap' },
        { key: 'action', label: t('audit.action'), class: 'mono' },
        { key: 'entity', label: t('audit.entity'), class: 'nowrap',
          cell: (r) => (r.entity ? `${r.entity}${r.entity_id ? ` #${r.entity_id}` : ''}` : null) },
        { key: 'status', label: t('audit.status'), align: 'c',
          cell: (r) => (r.status == null ? null : badge(String(r.status), Number(r.status) >= 400 ? 'red' : 'green')) },
        { key: 'detail', label: t('audit.detail'), class: 'wrap' },
        { key: 'ip', label: t('audit.ip'), class: 'nowrap mono muted', narrowHide: true },
      ], items, { class: 'table-compact', rowClass: (r) => (Number(r.status) >= 400 ? 'row-alert' : null) }),
      total > 0 ? pager(total, res.limit || LIMIT, res.offset ?? offset, (o) => { offset = o; load(); }) : null);
  };
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    offset = 0;
    load();
  });
  form.addEventListener('reset', () => setTimeout(() => { offset = 0; load(); }, 0));
  await load();
}
