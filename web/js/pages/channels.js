/*
 * channels.js -- reminders (issue 13) in the browser:
 *   - 通知渠道 (#/channels): the channels the user reads (GET
 *     /api/v1/channels), add / edit / delete those it manages, and a
 *     "send a test message" button per channel that shows what the
 *     receiver answered (POST /api/v1/channels/{id}/test);
 *   - 通知发件箱 (#/outbox, export outbox): the admins' outbox with a state
 *     filter, attempts, last error, next attempt and 重新发送 on dead rows;
 *   - prefsPanel(): "my notification settings" on the account page (GET/PUT
 *     /api/v1/me/notify).
 * A channel's secret never comes back from the server (has_secret); the
 * form sends one only when the user types it.
 */
import { h, replace, fmtTime } from '../dom.js';
import { get, post, patch, put, del } from '../api.js';
import { t, num } from '../../i18n.js';
import {
  pageHeader, panel, errorBox, input, table, badge, loading, modal, confirmBox, field, clearErrors, showFormError,
  formErrorLine, toast, errorText, select, pager,
} from '../ui.js';
import { can } from '../perm.js';
import { localName, cachedOrEmpty } from '../svc.js';

const API = '/api/v1/channels';
const KINDS = ['wecom', 'dingtalk', 'webhook', 'email'];
const STATES = ['pending', 'sending', 'sent', 'dead'];
const STATE_BADGE = { pending: 'gold', sending: 'blue', sent: 'green', dead: 'red' };

/* The event kinds there are (the server's list, from /me/notify). */
let kindsP = null;
function eventKinds() {
  if (!kindsP) {
    kindsP = get('/api/v1/me/notify').then((r) => r.kinds || []);
    kindsP.catch(() => { kindsP = null; });
  }
  return kindsP;
}

export const eventName = (k) => t(`notify.ev.${k}`);

/* "all events" or the events' names */
function eventsText(list) {
  return list && list.length ? list.map(eventName).join('、') : t('notify.allEvents');
}

/* A group of checkboxes, one per event kind; .values() the ticked ones. */
function eventChecks(kinds, chosen, testid) {
  const set = new Set(chosen || []);
  const boxes = kinds.map((k) => h('label', { class: 'check-item' },
    h('input', { type: 'checkbox', value: k, checked: set.has(k), dataset: { testid: `ev-${k}` } }), h('span', null, eventName(k))));
  const el = h('fieldset', { class: 'field check-group', dataset: { field: 'events', testid } },
    h('legend', { class: 'field-label' }, t('notify.events')),
    h('div', { class: 'check-grid' }, boxes),
    h('div', { class: 'field-hint' }, t('notify.eventsHint')),
    h('div', { class: 'field-error group-error', role: 'alert' }));
  el.values = () => boxes.map((b) => b.querySelector('input')).filter((i) => i.checked).map((i) => i.value);
  return el;
}

/* An error of the events group (it has no single control to mark). */
function showError(form, errLine, err) {
  if (err && err.field === 'events') {
    const g = form.querySelector('[data-field="events"]');
    g.classList.add('has-error');
    g.querySelector('.group-error').textContent = errorText(err);
    return;
  }
  showFormError(form, err);
}

function clearAll(form, errLine) {
  clearErrors(form);
  errLine.textContent = '';
  for (const g of form.querySelectorAll('.check-group')) {
    g.classList.remove('has-error');
    g.querySelector('.group-error').textContent = '';
  }
}

/* ---------- the channels ---------- */

function ownerText(c) {
  return `${t(`notify.owner.${c.owner}`)} · ${c.owner_name || '—'}`;
}

/* The owners the user may give a new channel: [[value, label]], value "department_id:3". */
async function ownerOptions(u) {
  const out = [[`user_id:${u.id}`, `${t('notify.owner.user')} · ${t('notify.myself')}`]];
  if (u.role === 'admin') {
    const [deps, units, users] = await Promise.all([cachedOrEmpty('/api/v1/departments'), cachedOrEmpty('/api/v1/units'),
      get('/api/v1/users', { limit: 1000 }).then((r) => r.items || []).catch(() => [])]);
    for (const d of deps) out.push([`department_id:${d.id}`, `${t('notify.owner.department')} · ${localName(d)}`]);
    for (const x of units) out.push([`unit_id:${x.id}`, `${t('notify.owner.unit')} · ${localName(x)}`]);
    for (const x of users.filter((x) => x.id !== u.id && x.role !== 'enterprise'))
      out.push([`user_id:${x.id}`, `${t('notify.owner.user')} · ${x.display_name || x.username}`]);
    return out;
  }
  if (u.role === 'department' && u.department_id) {
    const d = (await cachedOrEmpty('/api/v1/departments')).find((x) => x.id === u.department_id);
    out.unshift([`department_id:${u.department_id}`, `${t('notify.owner.department')} · ${d ? localName(d) : u.department_id}`]);
  }
  if ((u.role === 'recruiter' || u.role === 'leader') && u.unit_id) {
    const x = (await cachedOrEmpty('/api/v1/units')).find((y) => y.id === u.unit_id);
    out.unshift([`unit_id:${u.unit_id}`, `${t('notify.owner.unit')} · ${x ? localName(x) : u.unit_id}`]);
  }
  return out;
}

/* The add / edit dialog; ch null: a new channel.  onSaved(channel). */
async function editChannel(u, ch, onSaved) {
  const [kinds, owners] = await Promise.all([eventKinds().catch(() => []), ch ? [] : ownerOptions(u)]);
  const kind = select('kind', KINDS.map((k) => [k, t(`notify.kind.${k}`)]), ch ? ch.kind : 'wecom');
  kind.disabled = Boolean(ch);
  kind.dataset.testid = 'ch-kind';
  const target = input('target', { value: ch ? ch.target : '', maxlength: 2048, required: true, dataset: { testid: 'ch-target' }, autocomplete: 'off' });
  const secret = input('secret', { type: 'password', maxlength: 256, autocomplete: 'new-password', dataset: { testid: 'ch-secret' },
    placeholder: ch && ch.has_secret ? t('notify.secretKeep') : '' });
  const clearSecret = ch && ch.has_secret ? h('label', { class: 'check-item' },
    h('input', { type: 'checkbox', name: 'clear_secret', dataset: { testid: 'ch-clear-secret' } }), h('span', null, t('notify.secretClear'))) : null;
  const name = input('name', { value: ch ? ch.name : '', maxlength: 100, dataset: { testid: 'ch-name' } });
  const owner = ch ? null : select('department_id', owners, owners[0] && owners[0][0]);
  if (owner) owner.dataset.testid = 'ch-owner';
  const enabled = h('input', { type: 'checkbox', name: 'enabled', checked: ch ? ch.enabled : true, dataset: { testid: 'ch-enabled' } });
  const events = eventChecks(kinds, ch ? ch.events : [], 'ch-events');
  const targetField = field(t('notify.target'), target, ' ');
  targetField.classList.add('field-wide');
  const setHint = () => { targetField.querySelector('.field-hint').textContent = t(`notify.targetHint.${kind.value}`); };
  kind.addEventListener('change', setHint);
  setHint();
  const errLine = formErrorLine();
  const f = h('form', { class: 'form channel-form', novalidate: true, dataset: { testid: 'ch-form' } },
    h('div', { class: 'form-grid' },
      field(t('notify.kind'), kind),
      field(t('notify.name'), name),
      targetField,
      field(t('notify.secret'), secret, t('notify.secretHint')),
      owner ? field(t('notify.owner'), owner) : h('div', { class: 'field' }, h('span', { class: 'field-label' }, t('notify.owner')),
        h('div', { class: 'field-static' }, ownerText(ch)))),
    clearSecret,
    events,
    h('label', { class: 'check-item' }, enabled, h('span', null, t('notify.enabled'))),
    errLine,
    h('div', { class: 'form-actions' },
      h('button', { class: 'btn', type: 'button', on: { click: () => m.close() } }, t('common.cancel')),
      h('button', { class: 'btn btn-primary', type: 'submit', dataset: { testid: 'ch-save' } }, t('common.save'))));
  const m = modal(ch ? t('notify.editChannel') : t('notify.addChannel'), f, { class: 'modal-wide' });
  f.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearAll(f, errLine);
    const body = { name: name.value.trim(), target: target.value.trim(), events: events.values(), enabled: enabled.checked };
    if (secret.value) body.secret = secret.value;
    else if (clearSecret && clearSecret.querySelector('input').checked) body.secret = '';
    try {
      let saved;
      if (ch) {
        saved = await patch(`${API}/${encodeURIComponent(ch.id)}`, body);
      } else {
        const [key, id] = owner.value.split(':');
        saved = await post(API, { kind: kind.value, ...body, [key]: Number(id) });
      }
      m.close();
      toast(t('common.saved'));
      onSaved(saved);
    } catch (ex) {
      /* an owner's error belongs to the one owner control */
      if (ex && ['unit_id', 'user_id'].includes(ex.field) && owner)
        ex.field = 'department_id';
      showError(f, errLine, ex);
    }
  });
}

/* The test button's result, next to the button. */
async function sendTest(c, out, btn) {
  btn.disabled = true;
  replace(out, t('notify.testing'));
  out.className = 'ch-test-result muted';
  try {
    const r = await post(`${API}/${encodeURIComponent(c.id)}/test`, {});
    replace(out, t('notify.testOk', { status: r.http_status || '—', ms: num(r.ms) }));
    out.className = 'ch-test-result ok';
    toast(t('notify.testOkShort'));
  } catch (e) {
    replace(out, t('notify.testFailed', { error: e.message || errorText(e) }));
    out.className = 'ch-test-result bad';
  }
  btn.disabled = false;
}

function channelTable(u, items, reload) {
  const actions = (c) => {
    if (!c.can_edit)
      return h('span', { class: 'muted' }, t('notify.readOnly'));
    const out = h('div', { class: 'ch-test-result', 'aria-live': 'polite', dataset: { testid: `ch-test-result-${c.id}` } });
    const test = h('button', { class: 'btn btn-small', type: 'button', dataset: { testid: `ch-test-${c.id}` } }, t('notify.sendTest'));
    test.addEventListener('click', () => sendTest(c, out, test));
    return h('div', { class: 'ch-actions' },
      h('div', { class: 'btn-row' }, test,
        h('button', { class: 'btn btn-small', type: 'button', dataset: { testid: `ch-edit-${c.id}` },
          on: { click: () => editChannel(u, c, reload) } }, t('common.edit')),
        h('button', { class: 'btn btn-small btn-danger-ghost', type: 'button', dataset: { testid: `ch-delete-${c.id}` },
          on: { click: () => remove(c, reload) } }, t('common.delete'))),
      out);
  };
  return table([
    { key: 'name', label: t('notify.name'), cell: (c) => [h('span', { class: 'strong' }, c.name || t(`notify.kind.${c.kind}`)),
      /* on a phone the kind and a disabled channel show here (their columns are hidden) */
      h('div', { class: 'ch-meta' }, badge(t(`notify.kind.${c.kind}`), 'blue'), c.enabled ? null : badge(t('notify.off'), 'gray')),
      h('div', { class: 'muted small ch-target' }, c.kind === 'email' ? c.target : hostOf(c.target))] },
    { key: 'kind', label: t('notify.kind'), class: 'nowrap', narrowHide: true, cell: (c) => badge(t(`notify.kind.${c.kind}`), 'blue') },
    { key: 'owner', label: t('notify.owner'), cell: ownerText },
    { key: 'events', label: t('notify.events'), class: 'wrap', narrowHide: true, cell: (c) => eventsText(c.events) },
    { key: 'enabled', label: t('notify.enabled'), class: 'nowrap', narrowHide: true,
      cell: (c) => (c.enabled ? badge(t('notify.on'), 'green') : badge(t('notify.off'), 'gray')) },
    { key: 'has_secret', label: t('notify.secret'), class: 'nowrap', narrowHide: true,
      cell: (c) => (c.has_secret ? t('notify.secretSet') : t('notify.secretNone')) },
    { key: 'actions', label: t('common.actions'), cell: actions },
  ], items, { class: 'channels' });
}

/* The host of a URL (the key in its query stays off the screen). */
function hostOf(url) {
  try {
    const x = new URL(url);
    return `${x.protocol}//${x.host}${x.pathname}`;
  } catch {
    return url;
  }
}

async function remove(c, reload) {
  if (!await confirmBox(t('notify.deleteConfirm', { name: c.name || t(`notify.kind.${c.kind}`) }), true))
    return;
  try {
    await del(`${API}/${encodeURIComponent(c.id)}`);
    toast(t('notify.deleted'));
  } catch (e) {
    toast(errorText(e), 'error');
  }
  reload();
}

export async function render(ctx) {
  const u = ctx.user;
  const box = h('div', { dataset: { testid: 'ch-list' } }, loading());
  const load = async () => {
    let res;
    try {
      res = await get(API);
    } catch (e) {
      if (ctx.alive())
        replace(box, errorBox(e, load));
      return;
    }
    if (ctx.alive())
      replace(box, channelTable(u, res.items || [], load));
  };
  const add = can(u, `POST ${API}`) ? h('button', { class: 'btn btn-primary', type: 'button', dataset: { testid: 'ch-add' },
    on: { click: () => editChannel(u, null, load) } }, `＋ ${t('notify.addChannel')}`) : null;
  replace(ctx.el, pageHeader(t('nav.channels'), t('notify.channelsLead'), add), panel(t('notify.channelList'), box));
  await load();
}

/* ---------- the outbox (admins) ---------- */

function destText(n) {
  if (n.channel_name)
    return n.channel_name;
  const who = n.dest.startsWith('u:') ? t('notify.destUser') : n.dest.startsWith('e:') ? t('notify.destEnterprise')
    : `${t(`notify.kind.${n.kind}`)}${n.channel_id ? '' : ` (${t('notify.channelGone')})`}`;
  return n.target ? `${who} · ${n.target}` : who;
}

async function showHistory(n) {
  const body = h('div', null, loading());
  modal(t('notify.history', { id: n.id }), body, { class: 'modal-wide' });
  try {
    const one = await get(`/api/v1/notifications/${encodeURIComponent(n.id)}`);
    replace(body, table([
      { key: 'at', label: t('notify.at'), class: 'nowrap', cell: (a) => fmtTime(a.at) },
      { key: 'ok', label: t('notify.result'), class: 'nowrap', cell: (a) => (a.ok ? badge(t('notify.ok'), 'green') : badge(t('notify.failed'), 'red')) },
      { key: 'http_status', label: 'HTTP', align: 'r', cell: (a) => (a.http_status ? String(a.http_status) : null) },
      { key: 'error', label: t('notify.lastError'), class: 'wrap' },
      { key: 'instance', label: t('notify.instance'), class: 'nowrap muted', narrowHide: true },
    ], one.history || []));
  } catch (e) {
    replace(body, errorBox(e));
  }
}

async function renderOutbox(ctx) {
  const state = select('state', [['', t('common.all')], ...STATES.map((s) => [s, t(`notify.state.${s}`)])], ctx.query.get('state') || '');
  state.dataset.testid = 'ob-state';
  const box = h('div', { dataset: { testid: 'ob-list' } }, loading());
  let offset = 0;
  const limit = 50;
  const load = async () => {
    let res;
    try {
      res = await get('/api/v1/notifications', { state: state.value, limit, offset });
    } catch (e) {
      if (ctx.alive())
        replace(box, errorBox(e, load));
      return;
    }
    if (!ctx.alive())
      return;
    const resend = async (n, btn) => {
      btn.disabled = true;
      try {
        await post(`/api/v1/notifications/${encodeURIComponent(n.id)}/resend`, {});
        toast(t('notify.resent'));
      } catch (e) {
        toast(errorText(e), 'error');
      }
      load();
    };
    replace(box, table([
      { key: 'created_at', label: t('notify.created'), class: 'nowrap muted', narrowHide: true, cell: (n) => fmtTime(n.created_at, false) },
      { key: 'event', label: t('notify.event'), cell: (n) => [eventName(n.event), n.title ? h('div', { class: 'muted small' }, n.title) : null] },
      { key: 'dest', label: t('notify.dest'), class: 'wrap', cell: destText },
      { key: 'state', label: t('notify.stateLabel'), class: 'nowrap', cell: (n) => badge(t(`notify.state.${n.state}`), STATE_BADGE[n.state]) },
      { key: 'attempts', label: t('notify.attempts'), align: 'r', narrowHide: true, cell: (n) => num(n.attempts) },
      { key: 'next_at', label: t('notify.nextAt'), class: 'nowrap', narrowHide: true,
        cell: (n) => (n.state === 'pending' ? fmtTime(n.next_at, false) : null) },
      { key: 'last_error', label: t('notify.lastError'), class: 'wrap ob-error' },
      { key: 'actions', label: t('common.actions'), class: 'nowrap', cell: (n) => h('div', { class: 'btn-row' },
        h('button', { class: 'btn btn-small', type: 'button', dataset: { testid: `ob-history-${n.id}` }, on: { click: () => showHistory(n) } },
          t('notify.attemptsShow')),
        n.state === 'dead' && can(ctx.user, 'POST /api/v1/notifications/{id}/resend')
          ? h('button', { class: 'btn btn-small btn-primary', type: 'button', dataset: { testid: `ob-resend-${n.id}` },
            on: { click: (e) => resend(n, e.currentTarget) } }, t('notify.resend')) : null) },
    ], res.items || [], { class: 'outbox' }),
    res.total > limit ? pager(res.total, limit, offset, (o) => { offset = o; load(); }) : null);
  };
  state.addEventListener('change', () => { offset = 0; load(); });
  replace(ctx.el, pageHeader(t('nav.outbox'), t('notify.outboxLead')),
    panel(t('notify.outboxList'), [h('form', { class: 'filters', role: 'search', on: { submit: (e) => { e.preventDefault(); load(); } } },
      h('label', { class: 'filter' }, h('span', null, t('notify.stateLabel')), state)), box]));
  await load();
}

/* the page as app.js takes it ('channels.js#outbox') */
export const outbox = { render: renderOutbox };

/* ---------- my notification settings (the account page) ---------- */

export function prefsPanel(alive = () => true) {
  const box = h('div', { dataset: { testid: 'prefs' } }, loading());
  const show = (p) => {
    const events = eventChecks(p.kinds || [], p.events, 'prefs-events');
    const from = input('quiet_from', { type: 'time', value: p.quiet_from, dataset: { testid: 'prefs-from' } });
    const to = input('quiet_to', { type: 'time', value: p.quiet_to, dataset: { testid: 'prefs-to' } });
    const email = input('email', { type: 'email', value: p.email, maxlength: 254, autocomplete: 'email', dataset: { testid: 'prefs-email' } });
    const lang = select('lang', [['zh', '中文'], ['en', 'English']], p.lang);
    lang.dataset.testid = 'prefs-lang';
    const errLine = formErrorLine();
    const f = h('form', { class: 'form prefs-form', novalidate: true },
      h('p', { class: 'muted' }, t('notify.prefsLead')),
      events,
      h('div', { class: 'form-grid' },
        field(t('notify.quietFrom'), from, t('notify.quietHint')),
        field(t('notify.quietTo'), to),
        field(t('notify.email'), email, t('notify.emailHint')),
        field(t('notify.lang'), lang)),
      errLine,
      h('div', { class: 'form-actions' }, h('button', { class: 'btn btn-primary', type: 'submit', dataset: { testid: 'prefs-save' } }, t('common.save'))));
    f.addEventListener('submit', async (e) => {
      e.preventDefault();
      clearAll(f, errLine);
      try {
        const saved = await put('/api/v1/me/notify', { events: events.values(), quiet_from: from.value, quiet_to: to.value,
          email: email.value.trim(), lang: lang.value });
        toast(t('common.saved'));
        if (alive())
          show(saved);
      } catch (ex) {
        showError(f, errLine, ex);
      }
    });
    replace(box, f);
  };
  get('/api/v1/me/notify').then((p) => { if (alive()) show(p); }, (e) => { if (alive()) replace(box, errorBox(e)); });
  return box;
}

