/*
 * portal.js -- the enterprise portal: 我的企业 (its own record; contact
 * person, phone and headcount are the enterprise's to keep up to date)
 * and its 亩均效益评价 (js/landp.js: class, indicators, objection), its
 * development plans (一企一档, js/plans.js: it sees and corrects its own)
 * with the policies granted or pushed to it, and the 政策推送 inbox (grants
 * of 免审即享 to confirm, policy pushes -- saying which of its plans the
 * policy serves -- and request updates).
 */
import { h, replace, fmtTime } from '../dom.js';
import { get, patch } from '../api.js';
import { t, num, getLang } from '../../i18n.js';
import {
  pageHeader, panel, errorBox, input, field, clearErrors, showFormError, formErrorLine, toast, badge, loading, modal, confirmBox,
} from '../ui.js';
import {
  loadInbox, refreshNavUnread, markRead, confirmGrant, declineGrant, mutePolicy, unmutePolicy, itemBody, awaitsAnswer, itemTitle,
  kindBadge, inboxStateBadge, pushClause, inboxErrorText, amountText, clauseList, requestUpdate, INBOX_KINDS,
} from '../policy.js';
import { newRequest } from './requests.js';
import { statusBadge } from '../svc.js';
import { can } from '../perm.js';
import { portalLand } from '../landp.js';
import { industries, industryName } from '../industry.js';
import { plansPanel, policiesPanel } from '../plans.js';

export const myEnterprise = {
  async render(ctx) {
    const id = ctx.user.enterprise_id;
    let e;
    let reqs = [];
    try {
      [e, reqs] = await Promise.all([
        get(`/api/v1/enterprises/${id}`),
        get('/api/v1/requests', { limit: 5 }).then((r) => r.items || []).catch(() => []),
      ]);
    } catch (err) {
      if (ctx.alive())
        replace(ctx.el, pageHeader(t('portal.mine')), errorBox(err, () => myEnterprise.render(ctx)));
      return;
    }
    if (!ctx.alive())
      return;
    const kv = (label, value, key) => h('div', { class: 'kv' }, h('dt', null, label),
      h('dd', { dataset: key ? { key } : undefined }, value === null || value === undefined || value === '' ? t('common.none') : value));
    const contact = input('contact_name', { value: e.contact_name || '', maxlength: 64 });
    const phone = input('contact_phone', { value: e.contact_phone || '', maxlength: 32, type: 'tel' });
    const employees = input('employees', { value: e.employees ?? '', type: 'number', min: 0, step: 1 });
    const errLine = formErrorLine();
    const save = h('button', { class: 'btn btn-primary', type: 'submit', dataset: { testid: 'portal-save' } }, t('common.save'));
    const f = h('form', { class: 'form', novalidate: true },
      h('div', { class: 'form-grid form-grid-3' },
        field(t('ent.contact_name'), contact), field(t('ent.contact_phone'), phone), field(t('ent.employees'), employees)),
      errLine, h('div', { class: 'form-actions form-actions-left' }, save));
    f.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      clearErrors(f);
      save.disabled = true;
      try {
        await patch(`/api/v1/enterprises/${id}`, {
          contact_name: contact.value.trim(), contact_phone: phone.value.trim(),
          employees: employees.value === '' ? null : Number(employees.value),
        });
        toast(t('common.saved'));
      } catch (err) {
        showFormError(f, err);
      }
      save.disabled = false;
    });
    const ind = await industries();
    if (!ctx.alive())
      return;
    const raise = h('button', { class: 'btn btn-primary', type: 'button', dataset: { testid: 'req-new' },
      on: { click: () => newRequest(ctx, null, (r) => { location.hash = `#/requests/${r.id}`; }) } }, `＋ ${t('req.new')}`);
    replace(ctx.el,
      pageHeader(e.name, t('portal.mineSub'), raise),
      e.key ? h('div', { class: 'title-badges' }, badge(t('ent.keyEnterprise'), 'blue')) : null,
      h('div', { class: 'two-col' },
        panel(t('ent.record'), h('dl', { class: 'kv-grid' },
          kv(t('ent.creditCode'), h('span', { class: 'mono' }, e.credit_code), 'credit_code'),
          kv(t('ent.street'), e.street_name || e.street),
          kv(t('ent.industry'), industryName(ind, e.industry)),
          kv(t('ent.founded_on'), e.founded_on),
          kv(t('ent.officer'), e.officer_name, 'officer'),
          kv(t('ent.department'), e.department_name),
          kv(t('ent.employees'), num(e.employees)))),
        panel(t('portal.recent'), reqs.length ? h('ul', { class: 'link-list' }, reqs.map((r) => h('li', null,
          h('a', { href: `#/requests/${r.id}` }, r.title), ' ', statusBadge(r.status))))
          : h('p', { class: 'muted' }, t('portal.noRequests')), { extra: h('a', { href: '#/requests' }, t('portal.allRequests')) })),
      can(ctx.user, 'GET /api/v1/enterprises/{id}/plans') ? plansPanel(ctx, id, can(ctx.user, 'POST /api/v1/enterprises/{id}/plans')) : null,
      can(ctx.user, 'GET /api/v1/enterprises/{id}/policies') ? policiesPanel(ctx, id) : null,
      can(ctx.user, 'GET /api/v1/land/enterprises/{id}') ? portalLand(ctx, id) : null,
      panel(t('portal.update'), [h('p', { class: 'muted' }, t('portal.updateHint')), f]));
  },
};

/*
 * The inbox (政策推送): grants to confirm (the amount and the clause-by-
 * clause explanation with the enterprise's own numbers; confirm, or
 * decline with a reason), pushes ("you may qualify if …", mute the
 * policy), request updates.  Opening an item marks it read; the menu's
 * count follows.
 */
export const inbox = {
  async render(ctx) {
    const open = new Set(ctx.sub[0] ? [ctx.sub[0]] : []);
    let kind = ctx.query.get('kind') || '';
    const list = h('div', { class: 'inbox-list', dataset: { testid: 'inbox-list' } });
    const tabs = h('div', { class: 'tabs', role: 'tablist' });
    replace(ctx.el, pageHeader(t('nav.inbox'), t('portal.inboxSub')), panel(null, [tabs, list]));
    let items = [];
    const load = async () => {
      try {
        ({ items } = await loadInbox());
      } catch (err) {
        if (ctx.alive())
          replace(list, errorBox(err, load));
        return;
      }
      if (ctx.alive())
        draw();
    };
    const draw = () => {
      const n = (k) => items.filter((x) => !k || (k === 'todo' ? awaitsAnswer(x) : x.kind === k)).length;
      replace(tabs, ['', 'todo', ...INBOX_KINDS].map((k) => h('button', {
        class: ['tab', kind === k && 'on'], type: 'button', role: 'tab', 'aria-selected': String(kind === k), dataset: { testid: `inbox-tab-${k || 'all'}` },
        on: { click: () => { kind = k; draw(); } },
      }, k ? t(k === 'todo' ? 'inbox.todo' : `inbox.kind.${k}`) : t('common.all'), h('span', { class: 'tab-n' }, String(n(k))))));
      const shown = items.filter((x) => !kind || (kind === 'todo' ? awaitsAnswer(x) : x.kind === kind));
      replace(list, shown.length ? shown.map((x) => inboxItem(ctx, x, open, load))
        : h('div', { class: 'state state-empty', dataset: { testid: 'inbox-empty' } }, items.length ? t('inbox.noneHere') : t('portal.noPush')));
    };
    list.appendChild(loading());
    await load();
  },
};

/* One item: a row that opens (and marks read) its details. */
function inboxItem(ctx, x, open, reload) {
  const key = String(x.id);
  const detail = h('div', { class: 'inbox-detail', hidden: !open.has(key) });
  const head = h('button', {
    class: ['inbox-head', !x.read && 'unread'], type: 'button', 'aria-expanded': String(open.has(key)),
    dataset: { testid: 'inbox-item', id: String(x.id), kind: x.kind },
  },
  x.read ? h('span', { class: 'inbox-dot', 'aria-hidden': 'true' }) : h('span', { class: 'inbox-dot', role: 'img', 'aria-label': t('inbox.unread') }),
  kindBadge(x.kind),
  h('span', { class: 'inbox-title' }, itemTitle(x)),
  x.kind === 'grant' && x.amount !== null && x.amount !== undefined ? h('span', { class: 'inbox-amount' }, amountText(x.amount)) : null,
  inboxStateBadge(x),
  h('span', { class: 'inbox-time muted' }, fmtTime(x.created_at, false)));
  const el = h('article', { class: ['inbox-item', `inbox-${x.kind}`], dataset: { id: String(x.id) } }, head, detail);
  const show = async () => {
    const opening = detail.hidden;
    detail.hidden = !opening;
    head.setAttribute('aria-expanded', String(opening));
    if (opening) {
      open.add(key);
      replace(detail, inboxDetail(ctx, x, reload));
    } else {
      open.delete(key);
    }
    if (opening && !x.read) {
      try {
        await markRead(x.id);
        x.read = true;
        head.classList.remove('unread');
        refreshNavUnread(ctx.user);
      } catch { /* shown as unread until the next time */ }
    }
  };
  head.addEventListener('click', show);
  if (open.has(key)) {
    replace(detail, inboxDetail(ctx, x, reload));
    if (!x.read)
      markRead(x.id).then(() => { x.read = true; head.classList.remove('unread'); refreshNavUnread(ctx.user); }).catch(() => {});
  }
  return el;
}

function inboxDetail(ctx, x, reload) {
  const b = itemBody(x);
  const err = h('div', { class: 'form-error', role: 'alert' });
  const act = async (fn, done) => {
    err.textContent = '';
    try {
      await fn();
      toast(done);
      await reload();
    } catch (e) {
      err.textContent = inboxErrorText(e);
    }
  };
  if (x.kind === 'grant') {
    const answer = awaitsAnswer(x) ? h('div', { class: 'form-actions form-actions-left' },
      h('button', { class: 'btn btn-primary', type: 'button', dataset: { testid: 'grant-confirm' },
        on: { click: async () => { if (await confirmBox(t('inbox.confirmAsk', { amount: amountText(x.amount) }))) act(() => confirmGrant(x.id), t('inbox.confirmed')); } } }, t('inbox.confirm')),
      h('button', { class: 'btn btn-danger-ghost', type: 'button', dataset: { testid: 'grant-decline' },
        on: { click: () => declineDialog(x, reload) } }, t('inbox.decline'))) : null;
    return [
      h('p', { class: 'inbox-lead' }, t('inbox.grantLead', { name: b.policy_name || x.policy_code || '', year: b.year ?? '' })),
      h('div', { class: 'inbox-big-amount', dataset: { testid: 'grant-amount' } }, amountText(x.amount)),
      h('h3', { class: 'sub-title' }, t('inbox.why')),
      clauseList(b.clauses, b.missing),
      x.state === 'declined' && (b.reason || x.reason) ? h('p', { class: 'muted' }, t('inbox.declinedBecause', { reason: b.reason || x.reason })) : null,
      h('p', { class: 'muted small' }, t(`inbox.grantState.${x.state || 'granted'}`)),
      answer, err];
  }
  if (x.kind === 'push') {
    const c = pushClause(x);
    const muted = x.state === 'muted' || x.muted;
    return [
      h('p', { class: 'inbox-lead' }, t(c.text ? 'inbox.pushLead' : 'inbox.pushPlanLead', { name: b.policy_name || x.policy_code || '' })),
      b.plan ? h('p', { class: 'inbox-plan', dataset: { testid: 'push-plan' } }, b.plan[getLang()] || b.plan.zh) : null,
      c.plain ? h('p', { class: 'inbox-plain', dataset: { testid: 'push-plain' } }, c.plain) : null,
      c.text ? clauseList([{ text: c.text, value: c.value, result: false }]) : null,
      h('p', { class: 'muted small' }, t('inbox.pushNote')),
      h('div', { class: 'form-actions form-actions-left' },
        muted ? h('button', { class: 'btn', type: 'button', dataset: { testid: 'push-unmute' }, on: { click: () => act(() => unmutePolicy(x.id), t('inbox.unmuted')) } }, t('inbox.unmute'))
          : h('button', { class: 'btn', type: 'button', dataset: { testid: 'push-mute' }, on: { click: () => act(() => mutePolicy(x.id), t('inbox.mutedDone')) } }, t('inbox.mute'))),
      err];
  }
  return [
    requestUpdate(x),
    x.request_id ? h('p', null, h('a', { href: `#/requests/${x.request_id}`, dataset: { testid: 'inbox-request' } }, t('inbox.openRequest', { id: x.request_id }))) : null];
}

function declineDialog(x, reload) {
  const reason = h('textarea', { class: 'input textarea', name: 'reason', rows: 3, maxlength: 500, required: true, dataset: { testid: 'decline-reason' } });
  const f = field(t('inbox.declineReason'), reason, t('inbox.declineHint'));
  const errLine = formErrorLine();
  const form = h('form', { class: 'form', novalidate: true }, f, errLine,
    h('div', { class: 'form-actions' }, h('button', { class: 'btn btn-danger', type: 'submit', dataset: { testid: 'decline-go' } }, t('inbox.decline'))));
  const m = modal(t('inbox.declineTitle'), form);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    if (!reason.value.trim()) {
      f.setError(t('inbox.needReason'));
      reason.focus();
      return;
    }
    try {
      await declineGrant(x.id, reason.value.trim());
      m.close();
      toast(t('inbox.declined'));
      await reload();
    } catch (ex) {
      showFormError(form, ex);
    }
  });
}
