/*
 * audit.js -- 审计日志 (admin): newest first, filter by kind of entity and
 * user, paging.  Each row in words, in the UI's language: who (the display
 * name), what ("修改企业" / "edited enterprise") and to what (the row's
 * label, the name as it was then: "江苏恒太照明").  A refused write is red.
 */
import { h, replace, fmtTime } from '../dom.js';
import { get } from '../api.js';
import { t, has } from '../../i18n.js';
import { pageHeader, panel, errorBox, input, select, table, pager, badge, loading } from '../ui.js';

const LIMIT = 50;
const ENTITIES = ['user', 'enterprise', 'visit', 'request', 'inspection', 'lead', 'project', 'unit', 'trip',
  'policy', 'policy_batch', 'street', 'department', 'settings', 'calendar', 'api_token', 'import_jobs', 'channel', 'notification'];

const noun = (entity) => (entity && has(`audit.ent.${entity}`) ? t(`audit.ent.${entity}`) : t('audit.record'));

/* "修改企业" / "edited enterprise": the action of an audit row in words. */
export function auditAction(r) {
  const a = r.action || '';
  if (has(`audit.do.${a}`))
    return t(`audit.do.${a}`);
  if (a.startsWith('GET ') || r.status === 401 || r.status === 403)   // a refused call, audited by the router
    return t(r.status === 401 ? 'audit.do.unauthenticated' : 'audit.do.forbidden');
  let verb;
  const m = /^(POST|PUT|PATCH|DELETE) /.exec(a);
  if (m)
    verb = t(`audit.verb.${m[1]}`);
  else if (a.startsWith('import '))
    return t('audit.sentence', { verb: t('audit.verb.import'), noun: noun(a.slice(7).replace(/ /g, '_')) });
  else {
    const tr = a.split(' ')[1];   // "request accept"
    verb = tr && has(`audit.tr.${tr}`) ? t(`audit.tr.${tr}`) : t('audit.verb.act');
  }
  return t('audit.sentence', { verb, noun: noun(r.entity) });
}

/* The detail when it is people's words (a reason, a name); the server's own
 * English note stays in a tooltip, so that a cell has one language. */
function detail(r) {
  if (!r.detail)
    return null;
  return /[\u3400-\u9fff]/.test(r.detail) ? r.detail : h('span', { class: 'muted', title: r.detail }, t('audit.detailMore'));
}

function what(r) {
  const label = r.label || (r.entity_id && r.action !== 'session.login' ? `#${r.entity_id}` : '');
  // signing in names the user already; no need to say it twice
  const self = r.entity === 'user' && r.label && r.label === r.user_name;
  return h('span', null, auditAction(r), label && !self ? h('strong', { class: 'audit-label' }, ' ', label) : null);
}

export async function render(ctx) {
  const entity = select('entity', [['', t('audit.allEntities')], ...ENTITIES.map((e) => [e, noun(e)])], '');
  entity.setAttribute('aria-label', t('audit.filterEntity'));
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
      res = await get('/api/v1/audit', { entity: entity.value, user: user.value.trim(), limit: LIMIT, offset });
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
        { key: 'username', label: t('audit.user'), class: 'nowrap',
          cell: (r) => r.user_name || (r.username === '(anonymous)' ? t('audit.anonymous')
            : r.username === '(system)' || r.username === 'cli' || !r.username ? t('audit.system') : r.username) },
        { key: 'action', label: t('audit.action'), class: 'wrap', cell: what },
        { key: 'status', label: t('audit.status'), align: 'c',
          cell: (r) => (r.status == null ? null : Number(r.status) >= 400
            ? badge(t('audit.failed', { status: r.status }), 'red') : badge(t('audit.ok'), 'green')) },
        { key: 'detail', label: t('audit.detail'), class: 'wrap', cell: detail },
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
