/*
 * settings.js -- 系统设置 (admin): the zone's names and city, and the working
 * days a submitted request may wait for acceptance (accept_days).
 */
import { h, replace } from '../dom.js';
import { get, patch } from '../api.js';
import { t } from '../../i18n.js';
import { pageHeader, panel, errorBox, input, field, clearErrors, showFormError, formErrorLine, toast } from '../ui.js';

const FIELDS = ['zone_name', 'zone_name_en', 'city_name', 'accept_days'];

export async function render(ctx) {
  let s;
  try {
    s = await get('/api/v1/settings');
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
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    errLine.textContent = '';
    const body = {};
    FIELDS.forEach((k, i) => { body[k] = inputs[i].value.trim(); });
    save.disabled = true;
    save.textContent = t('common.saving');
    try {
      const res = await patch('/api/v1/settings', body);
      toast(t('common.saved'));
      ctx.settingsChanged(res && typeof res === 'object' ? { ...s, ...res } : { ...s, ...body });
    } catch (ex) {
      showFormError(form, ex);
    }
    save.disabled = false;
    save.textContent = t('common.save');
  });
  replace(ctx.el, pageHeader(t('settings.title'), t('settings.subtitle')), panel(null, form));
}
