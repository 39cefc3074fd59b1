/*
 * settings.js -- 系统设置 (admin): the zone's names and city, the working
 * days a submitted request may wait for acceptance (accept_days), and which
 * department is a street's office (街道办事处, 区街上下联动: PATCH
 * /api/v1/departments/{id} {street_id}), and how notices go out (消息提醒:
 * the links' address, the hosts notices may go to, attempts and backoff,
 * the digest's time, the SMTP server; the password is write-only).
 */
import { h, replace } from '../dom.js';
import { get, patch } from '../api.js';
import { t } from '../../i18n.js';
import { pageHeader, panel, errorBox, input, select, table, field, clearErrors, showFormError, formErrorLine, toast, errorText } from '../ui.js';
import { localName, levelLabel, forgetCache } from '../svc.js';

const FIELDS = ['zone_name', 'zone_name_en', 'city_name', 'accept_days'];
const NOTIFY_FIELDS = ['notify.base_url', 'notify.allowed_hosts', 'notify.digest_time', 'notify.max_attempts',
  'notify.retry_base', 'smtp.url', 'smtp.from', 'smtp.user', 'smtp.password'];

export async function render(ctx) {
  let s, depts, streets;
  try {
    [s, depts, streets] = await Promise.all([get('/api/v1/settings'), get('/api/v1/departments'), get('/api/v1/streets')]);
  } catch (e) {
    if (ctx.alive())
      replace(ctx.el, pageHeader(t('settings.title'), t('settings.subtitle')), errorBox(e, () => render(ctx)));
    return;
  }
  if (!ctx.alive())
    return;
  const inputs = FIELDS.map((k) => input(k, { value: s[k] ?? '', maxlength: 100 }));
  const errLine = formErrorLine();
  const save = h('button', { class: 'btn btn-primary', type: 'submit', dataset: { testid: 'settings-save' } }, t('common.save'));
  const form = h('form', { class: 'form form-narrow', novalidate: true },
    FIELDS.map((k, i) => field(t(`settings.${k}`), inputs[i])),
    errLine,
    h('div', { class: 'form-actions' }, save));
  onSave(form, save, errLine, async () => {
    const body = {};
    FIELDS.forEach((k, i) => { body[k] = inputs[i].value.trim(); });
    const res = await patch('/api/v1/settings', body);
    ctx.settingsChanged(res && typeof res === 'object' ? { ...s, ...res } : { ...s, ...body });
  });
  replace(ctx.el, pageHeader(t('settings.title'), t('settings.subtitle')), panel(null, form),
    panel(t('settings.notify'), notifyForm(s), { class: 'settings-notify' }),
    panel(t('settings.offices'), [h('p', { class: 'muted' }, t('settings.officesHelp')),
      officesTable(depts.items || [], streets.items || [])], { class: 'settings-offices' }));
}

/* Save a settings form with fn (which throws the API's error): the
 * button busy meanwhile, "saved" or the error next to its field. */
function onSave(form, save, errLine, fn) {
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    errLine.textContent = '';
    save.disabled = true;
    save.textContent = t('common.saving');
    try {
      await fn();
      toast(t('common.saved'));
    } catch (ex) {
      showFormError(form, ex);
    }
    save.disabled = false;
    save.textContent = t('common.save');
  });
}

/* The notices' settings: what changed is sent; the SMTP password only when
 * one is typed (it is never shown: the field says whether one is set). */
function notifyForm(s) {
  const inputs = NOTIFY_FIELDS.map((k) => (k === 'smtp.password'
    ? input(k, { type: 'password', autocomplete: 'new-password', maxlength: 200,
      placeholder: s['smtp.password_set'] ? t('settings.smtp.passwordSet') : '' })
    : input(k, { value: s[k] ?? '', maxlength: 200 })));
  const errLine = formErrorLine();
  const save = h('button', { class: 'btn btn-primary', type: 'submit', dataset: { testid: 'settings-notify-save' } }, t('common.save'));
  const form = h('form', { class: 'form form-narrow', novalidate: true },
    h('p', { class: 'muted' }, t('settings.notifyHelp')),
    NOTIFY_FIELDS.map((k, i) => field(t(`settings.${k}`), inputs[i], t(`settings.${k}.hint`))),
    errLine,
    h('div', { class: 'form-actions' }, save));
  onSave(form, save, errLine, async () => {
    const body = {};
    NOTIFY_FIELDS.forEach((k, i) => {
      const v = inputs[i].value.trim();
      if (k === 'smtp.password' ? v !== '' : v !== (s[k] ?? ''))
        body[k] = v;
    });
    if (!Object.keys(body).length)
      return;
    await patch('/api/v1/settings', body);
    Object.assign(s, body);
    if (body['smtp.password'] !== undefined) {
      const pw = inputs[NOTIFY_FIELDS.indexOf('smtp.password')];
      s['smtp.password_set'] = true;
      delete s['smtp.password'];
      pw.value = '';
      pw.placeholder = t('settings.smtp.passwordSet');
    }
  });
  return form;
}

/* Every department with a choice of the street it is the office of. */
function officesTable(depts, streets) {
  const opts = [['', t('settings.noStreet')], ...streets.map((st) => [st.id, localName(st)])];
  const streetCell = (d) => {
    const sel = select('street_id', opts, d.street_id ?? '');
    sel.setAttribute('aria-label', t('settings.streetOf', { name: localName(d) }));
    sel.dataset.testid = `dept-street-${d.id}`;
    sel.addEventListener('change', async () => {
      sel.disabled = true;
      try {
        const res = await patch(`/api/v1/departments/${d.id}`, { street_id: sel.value ? Number(sel.value) : null });
        d.street_id = res.street_id;
        forgetCache();
        toast(t('common.saved'));
      } catch (ex) {
        sel.value = d.street_id ?? '';
        toast(errorText(ex), 'error');
      }
      sel.disabled = false;
    });
    return sel;
  };
  return table([
    { key: 'name', label: t('settings.department'), class: 'strong', cell: (d) => localName(d) },
    { key: 'level', label: t('settings.level'), cell: (d) => levelLabel(d.level) },
    { key: 'street_id', label: t('settings.street'), cell: streetCell },
  ], depts, { class: 'table-compact' });
}
