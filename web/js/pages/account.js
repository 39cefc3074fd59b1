/*
 * account.js -- 我的账户 (#/account, reached from the user's name in the top
 * bar): change one's own password (POST /api/v1/me/password) and manage
 * one's API tokens (GET/POST /api/v1/tokens, DELETE /api/v1/tokens/{id}).
 * passwordForm() is also the forced change after a login with a password
 * that must be changed (app.js); tokenPanel() also lists another user's
 * tokens for an admin (users.js).  My notification settings (GET/PUT
 * /api/v1/me/notify) are channels.js's prefsPanel(), imported when shown.
 */
import { h, replace, fmtTime } from '../dom.js';
import { get, post, del } from '../api.js';
import { t } from '../../i18n.js';
import {
  pageHeader, panel, errorBox, input, table, badge, loading, modal, confirmBox, field, clearErrors, showFormError,
  formErrorLine, toast, errorText,
} from '../ui.js';
import { can } from '../perm.js';

/*
 * The password form: current, new, new again.  onDone(me) gets the
 * server's answer (the caller as GET /api/v1/me) after a change.
 */
export function passwordForm(onDone, opts = {}) {
  const current = input('current', { type: 'password', autocomplete: 'current-password', maxlength: 256, required: true });
  const fresh = input('new', { type: 'password', autocomplete: 'new-password', maxlength: 256, required: true });
  const again = input('again', { type: 'password', autocomplete: 'new-password', maxlength: 256, required: true });
  const errLine = formErrorLine();
  const submit = h('button', { class: ['btn', 'btn-primary', opts.block && 'btn-block'], type: 'submit', dataset: { testid: 'password-save' } },
    t('account.change'));
  const fAgain = field(t('account.confirm'), again);
  const f = h('form', { class: 'form password-form', novalidate: true, dataset: { testid: 'password-form' } },
    h('div', { class: opts.block ? 'form-stack' : 'form-grid' },
      field(t('account.current'), current),
      field(t('account.new'), fresh, t('account.newHint')),
      fAgain),
    errLine,
    h('div', { class: 'form-actions' }, submit));
  f.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(f);
    errLine.textContent = '';
    if (fresh.value !== again.value) {
      fAgain.setError(t('account.mismatch'));
      again.focus();
      return;
    }
    submit.disabled = true;
    try {
      const me = await post('/api/v1/me/password', { current: current.value, new: fresh.value });
      f.reset();
      await onDone(me);
    } catch (ex) {
      showFormError(f, ex);
    }
    submit.disabled = false;
  });
  return f;
}

/* The secret of a new token, shown once. */
function showSecret(tok) {
  const code = h('input', { class: 'input mono token-secret', readonly: true, value: tok.token, dataset: { testid: 'token-secret' },
    'aria-label': t('account.tokens') });
  const m = modal(t('account.tokenCreated'), [
    h('p', null, t('account.tokenOnce')),
    code,
    h('div', { class: 'form-actions' },
      h('button', { class: 'btn btn-primary', type: 'button', on: { click: () => m.close() } }, t('common.confirm'))),
  ]);
  code.focus();
  code.select();
}

/*
 * The API tokens of a user (userId null: the caller's own), with a form to
 * create one (own tokens, or an admin's for userId) and a revoke button on
 * each.  alive() false: answers arriving later are dropped.
 */
export function tokenPanel(user, userId, alive = () => true) {
  const list = h('div', { class: 'token-list' }, loading());
  const query = userId ? { user_id: userId } : null;
  const load = async () => {
    let res;
    try {
      res = await get('/api/v1/tokens', query);
    } catch (e) {
      if (alive())
        replace(list, errorBox(e, load));
      return;
    }
    if (!alive())
      return;
    const items = res.items || [];
    replace(list, items.length ? table([
      { key: 'name', label: t('account.tokenName'), class: 'strong', cell: (x) => x.name || t('account.unnamed') },
      { key: 'created_at', label: t('account.created'), class: 'nowrap muted', narrowHide: true, cell: (x) => fmtTime(x.created_at, false) },
      { key: 'expires_at', label: t('account.expires'), class: 'nowrap',
        cell: (x) => [fmtTime(x.expires_at, false), x.expired ? [' ', badge(t('account.expired'), 'red')] : null] },
      { key: 'last_used_at', label: t('account.lastUsed'), class: 'nowrap muted', cell: (x) => (x.last_used_at ? fmtTime(x.last_used_at, false) : t('account.never')) },
      { key: 'actions', label: t('common.actions'), class: 'nowrap actions', cell: (x) => (can(user, 'DELETE /api/v1/tokens/{id}')
        ? h('button', { class: 'btn btn-small btn-danger-ghost', type: 'button', dataset: { testid: `token-revoke-${x.id}` },
          on: { click: () => revoke(x) } }, t('account.tokenRevoke')) : null) },
    ], items, { class: 'tokens' }) : h('p', { class: 'muted', dataset: { testid: 'token-none' } }, t('account.tokenNone')));
  };
  const revoke = async (x) => {
    if (!await confirmBox(t('account.tokenRevokeConfirm', { name: x.name || t('account.unnamed') }), true))
      return;
    try {
      await del(`/api/v1/tokens/${encodeURIComponent(x.id)}`);
      toast(t('account.tokenRevoked'));
    } catch (e) {
      toast(errorText(e), 'error');
    }
    if (alive())
      load();
  };
  let form = null;
  if (can(user, 'POST /api/v1/tokens')) {
    const name = input('name', { maxlength: 64, placeholder: t('account.tokenNamePh') });
    const days = input('expires_in_days', { type: 'number', min: 1, max: 365, step: 1, value: '90' });
    const errLine = formErrorLine();
    form = h('form', { class: 'form token-form', novalidate: true },
      h('div', { class: 'form-grid' }, field(t('account.tokenName'), name), field(t('account.tokenDays'), days)),
      errLine,
      h('div', { class: 'form-actions' },
        h('button', { class: 'btn btn-primary', type: 'submit', dataset: { testid: 'token-create' } }, `＋ ${t('account.tokenCreate')}`)));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      clearErrors(form);
      errLine.textContent = '';
      const n = Number(days.value);
      const body = { name: name.value.trim(), expires_in_days: Number.isInteger(n) ? n : days.value };
      if (userId)
        body.user_id = userId;
      try {
        const tok = await post('/api/v1/tokens', body);
        name.value = '';
        showSecret(tok);
        if (alive())
          load();
      } catch (ex) {
        showFormError(form, ex);
      }
    });
  }
  load();
  return h('div', { class: 'token-panel', dataset: { testid: 'token-panel' } },
    h('p', { class: 'muted' }, t('account.tokensLead')), form, list);
}

export async function render(ctx) {
  const u = ctx.user;
  const who = `${u.display_name || u.username} · ${u.username} · ${t(`role.${u.role}`)}`;
  const tokens = can(u, 'GET /api/v1/tokens') ? h('div', null, tokenPanel(u, null, ctx.alive)) : null;
  const parts = [pageHeader(t('account.title'), who),
    panel(t('account.password'), [h('p', { class: 'muted' }, t('account.passwordLead')),
      passwordForm(() => {
        toast(t('account.changed'));
        if (ctx.alive() && tokens)
          replace(tokens, tokenPanel(u, null, ctx.alive));
      })])];
  if (tokens)
    parts.push(panel(t('account.tokens'), tokens));
  /* my notification settings (issue 13): the channels' module, loaded with this page */
  const prefs = can(u, 'PUT /api/v1/me/notify') ? h('div', { dataset: { testid: 'prefs-panel' } }, loading()) : null;
  if (prefs)
    parts.push(panel(t('notify.prefs'), prefs));
  replace(ctx.el, ...parts);
  if (prefs)
    import('./channels.js').then((m) => { if (ctx.alive()) replace(prefs, m.prefsPanel(ctx.alive)); },
      (e) => { if (ctx.alive()) replace(prefs, errorBox(e)); });
}
