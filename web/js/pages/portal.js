/*
 * portal.js -- the enterprise portal: 我的企业 (its own record; contact
 * person, phone and headcount are the enterprise's to keep up to date)
 * and the 政策推送 inbox (a placeholder until the policy module pushes).
 */
import { h, replace } from '../dom.js';
import { get, patch } from '../api.js';
import { t, num } from '../../i18n.js';
import { pageHeader, panel, errorBox, input, field, clearErrors, showFormError, formErrorLine, toast, badge } from '../ui.js';
import { newRequest } from './requests.js';
import { statusBadge } from '../svc.js';

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
    const raise = h('button', { class: 'btn btn-primary', type: 'button', dataset: { testid: 'req-new' },
      on: { click: () => newRequest(ctx, null, (r) => { location.hash = `#/requests/${r.id}`; }) } }, `＋ ${t('req.new')}`);
    replace(ctx.el,
      pageHeader(e.name, t('portal.mineSub'), raise),
      e.key ? h('div', { class: 'title-badges' }, badge(t('ent.keyEnterprise'), 'blue')) : null,
      h('div', { class: 'two-col' },
        panel(t('ent.record'), h('dl', { class: 'kv-grid' },
          kv(t('ent.creditCode'), h('span', { class: 'mono' }, e.credit_code), 'credit_code'),
          kv(t('ent.street'), e.street_name || e.street),
          kv(t('ent.industry'), e.industry),
          kv(t('ent.founded_on'), e.founded_on),
          kv(t('ent.officer'), e.officer_name, 'officer'),
          kv(t('ent.department'), e.department_name),
          kv(t('ent.employees'), num(e.employees)))),
        panel(t('portal.recent'), reqs.length ? h('ul', { class: 'link-list' }, reqs.map((r) => h('li', null,
          h('a', { href: `#/requests/${r.id}` }, r.title), ' ', statusBadge(r.status))))
          : h('p', { class: 'muted' }, t('portal.noRequests')), { extra: h('a', { href: '#/requests' }, t('portal.allRequests')) })),
      panel(t('portal.update'), [h('p', { class: 'muted' }, t('portal.updateHint')), f]));
  },
};

export const inbox = {
  render(ctx) {
    replace(ctx.el, pageHeader(t('nav.inbox'), t('portal.inboxSub')),
      panel(null, h('div', { class: 'state state-empty', dataset: { testid: 'inbox-empty' } }, t('portal.noPush'))));
  },
};
