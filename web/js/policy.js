/*
 * policy.js -- what the policy pages, the enterprise inbox in the portal
 * and the kiosk share (issue 10, 免审即享): amounts in 万元, results and
 * states with their badges, the clause-by-clause explanation, the text of
 * a rule error with a caret under the character at fault, and the inbox
 * (its unread count on the menu's entry, reading, confirming, declining,
 * muting).  The server decides everything; this only shows it.
 */
import { h } from './dom.js';
import { get, post, del } from './api.js';
import { t, has, getLang } from '../i18n.js';
import { badge, errorText } from './ui.js';
import { can } from './perm.js';
import { statusBadge } from './svc.js';
import { eventLabel } from './pages/requests.js';

/* ---------- numbers ---------- */

const locale = () => (getLang() === 'zh' ? 'zh-CN' : 'en-US');
export const isNum = (v) => v !== null && v !== undefined && v !== '' && Number.isFinite(Number(v));

/* An amount in 万元 with two decimals ("85.05"), or — . */
export function fmtAmount(v) {
  if (!isNum(v))
    return t('common.none');
  return Number(v).toLocaleString(locale(), { minimumFractionDigits: 2, maximumFractionDigits: 2 });
}

/* The same with its unit ("85.05 万元"). */
export function amountText(v) {
  return isNum(v) ? t('pol.amountUnit', { amount: fmtAmount(v) }) : t('common.none');
}

/* A count ("1,234"). */
export function fmtCount(v) {
  return isNum(v) ? Number(v).toLocaleString(locale()) : t('common.none');
}

/* ---------- states and results ---------- */

const POLICY_KIND = { draft: 'gold', published: 'green', superseded: 'gray', withdrawn: 'gray' };
const BATCH_KIND = { pending: 'gold', approved: 'blue', rejected: 'red', closed: 'green' };
const ITEM_KIND = { granted: 'gold', confirmed: 'blue', declined: 'gray', paid: 'green' };

function stateBadge(prefix, kinds, s) {
  const el = badge(has(`${prefix}.${s}`) ? t(`${prefix}.${s}`) : s || t('common.none'), kinds[s] || 'gray');
  el.dataset.state = s || '';
  return el;
}

export const policyStateBadge = (s) => stateBadge('pol.state', POLICY_KIND, s);
export const batchStateBadge = (s) => stateBadge('pol.batchState', BATCH_KIND, s);
export const itemStateBadge = (s) => stateBadge('pol.itemState', ITEM_KIND, s);
export const POLICY_STATES = Object.keys(POLICY_KIND);
export const ITEM_STATES = Object.keys(ITEM_KIND);

/* true / false / null as 符合 / 不符合 / 待补数据. */
export function resultBadge(r) {
  const key = r === true ? 'yes' : r === false ? 'no' : 'unknown';
  const el = badge(t(`pol.result.${key}`), r === true ? 'green' : r === false ? 'red' : 'gold');
  el.dataset.result = key;
  return el;
}

/* ---------- explanations ---------- */

function mark(result) {
  const key = result === true ? 'yes' : result === false ? 'no' : 'unknown';
  return h('span', { class: ['clause-mark', `clause-${key}`], role: 'img', title: t(`pol.clause.${key}`), 'aria-label': t(`pol.clause.${key}`) },
    result === true ? '✓' : result === false ? '✗' : '?');
}

/*
 * The clauses of an explanation [{text, value, result}] as a list: the
 * clause with the years filled in, the enterprise's own numbers, met or
 * not.  missing: the facts that left it open.
 */
export function clauseList(clauses, missing, opts = {}) {
  const list = clauses || [];
  return h('div', { class: ['clauses', opts.large && 'clauses-large'], dataset: { testid: 'clauses' } },
    list.length ? h('ol', { class: 'clause-list' }, list.map((c) => h('li', {
      class: ['clause', c.result === true ? 'is-yes' : c.result === false ? 'is-no' : 'is-unknown'],
      dataset: { result: c.result === true ? 'yes' : c.result === false ? 'no' : 'unknown' },
    },
    mark(c.result),
    h('div', { class: 'clause-body' },
      c.plain && c.plain[getLang()] ? h('div', { class: 'clause-plain' }, c.plain[getLang()]) : null,
      h('code', { class: 'clause-text' }, c.text),
      c.value !== undefined && c.value !== null && c.value !== ''
        ? h('div', { class: 'clause-value' }, h('span', { class: 'clause-value-label' }, t('pol.yourValue')), h('code', null, c.value))
        : null)))) : null,
    missing && missing.length ? h('p', { class: 'clause-missing', dataset: { testid: 'missing' } },
      t('pol.missing'), ' ', missing.map((m, i) => [i ? '、' : '', h('code', null, m)])) : null);
}

/* ---------- rule errors ---------- */

const TOKEN_WORDS = ['value', 'operator', 'number', 'year', 'end', 'digits', 'boolean', 'string', 'in'];

/* A token name of the rule engine's params ("value", ")") in words. */
function tokenWord(x) {
  if (x === undefined || x === null || x === '')
    return x;
  if (TOKEN_WORDS.includes(x))
    return t(`rule.tok.${x}`);
  return `“${x}”`;
}

/*
 * The text of a rule error (422 syntax, too_long, too_deep, too_complex)
 * in the UI's language: the engine's params (expected, found) in words,
 * and a precise key for the variants of a reason.
 */
export function ruleErrorText(err) {
  const info = (err && err.info) || {};
  const p = { ...(info.params || err.params || {}) };
  let reason = p.reason || '';
  if (err.code === 'syntax') {
    if (reason === 'unknown_fact' || reason === 'unknown_function')
      reason = p.expected ? `${reason}_hint` : (/[^\x20-\x7e]/.test(p.found || '') ? `${reason}_ascii` : reason);
    else if (reason === 'character')
      reason = p.expected === ',' ? 'character_comma' : p.expected === '"' ? 'character_quote' : p.found ? 'character' : 'character_control';
    else if (reason === 'number' && p.expected === 'digits')
      reason = 'number_digits';
    if (reason === 'expected' || reason === 'type' || reason === 'empty') {
      p.expected = tokenWord(p.expected);
      p.found = p.found === 'end' ? t('rule.tok.end') : reason === 'type' ? tokenWord(p.found) : `“${p.found}”`;
    }
  } else if (err.code === 'too_long' || err.code === 'too_deep') {
    reason = 'rule';
  }
  return errorText({ code: err.code, message: err.message, status: err.status, params: { ...p, reason } });
}

/* Is err an error of the rule's text (with a line and column)? */
export function isRuleError(err) {
  return Boolean(err && err.status === 422 && ['syntax', 'too_long', 'too_deep', 'too_complex'].includes(err.code)
    && (err.field === 'condition' || err.field === 'benefit'));
}

/*
 * The rule's source with the line at fault and a caret under the
 * character at fault (1-based line and column, in characters: code points,
 * as the server counts them), then the message.  The caret's line repeats
 * the text before the column invisibly, so a wide (Chinese) character
 * moves the caret as far as it moves the text.
 */
export function caretView(source, line, column, message) {
  const lines = String(source ?? '').split('\n');
  const ln = Math.min(Math.max(1, Number(line) || 1), lines.length);
  const chars = Array.from(lines[ln - 1] || '');
  const col = Math.max(1, Number(column) || 1);
  const before = chars.slice(0, col - 1).join('');
  const at = chars[col - 1];
  const after = chars.slice(col).join('');
  const prev = ln > 1 ? lines[ln - 2] : null;
  const gutter = (n) => h('span', { class: 'caret-gutter', 'aria-hidden': 'true' }, String(n).padStart(3, ' '));
  return h('div', { class: 'caret-view', role: 'alert', dataset: { testid: 'rule-error', line: String(ln), column: String(col) } },
    h('div', { class: 'caret-where' }, t('rule.where', { line: ln, column: col })),
    h('pre', { class: 'caret-src' },
      prev !== null ? [gutter(ln - 1), ' ', prev, '\n'] : null,
      gutter(ln), ' ', before, at !== undefined ? h('mark', { class: 'caret-at' }, at) : h('mark', { class: 'caret-at caret-end' }, ' '), after, '\n',
      h('span', { class: 'caret-gutter', 'aria-hidden': 'true' }, '   '), ' ',
      h('span', { class: 'caret-pad', 'aria-hidden': 'true' }, before),
      h('span', { class: 'caret', dataset: { testid: 'caret' } }, '^')),
    h('div', { class: 'caret-msg' }, message));
}

/* ---------- the inbox ---------- */

export const INBOX_KINDS = ['grant', 'push', 'request'];

export function canInbox(user) {
  return can(user, 'GET /api/v1/inbox');
}

/* GET /api/v1/inbox → {items, unread}; the menu's count follows. */
export async function loadInbox() {
  const res = await get('/api/v1/inbox');
  setNavUnread(res.unread ?? (res.items || []).filter((x) => !x.read).length);
  return { items: res.items || [], unread: res.unread ?? 0 };
}

/* The unread count on the menu's 政策推送 entry (none at 0). */
export function setNavUnread(n) {
  const a = document.querySelector('.sidebar a.nav-link[data-route="inbox"]');
  if (!a)
    return;
  let c = a.querySelector('.nav-count');
  if (!n) {
    if (c)
      c.remove();
    return;
  }
  if (!c) {
    c = h('span', { class: 'nav-count', role: 'img', dataset: { testid: 'nav-unread' } });
    a.appendChild(c);
  }
  c.textContent = n > 99 ? '99+' : String(n);
  c.setAttribute('aria-label', t('inbox.unreadN', { n }));
  c.title = t('inbox.unreadN', { n });
}

/* Ask the server for the count (after the login, on the shell). */
export function refreshNavUnread(user) {
  if (!canInbox(user))
    return;
  get('/api/v1/inbox').then((r) => setNavUnread(r.unread ?? 0)).catch(() => {});
}

export const markRead = (id) => post(`/api/v1/inbox/${id}/read`);
export const confirmGrant = (id) => post(`/api/v1/inbox/${id}/confirm`);
export const declineGrant = (id, reason) => post(`/api/v1/inbox/${id}/decline`, { reason });
export const mutePolicy = (id) => post(`/api/v1/inbox/${id}/mute`);
export const unmutePolicy = (id) => del(`/api/v1/inbox/${id}/mute`);

/* The body of an item, whatever the server put in it. */
export function itemBody(x) {
  return (x && typeof x.body === 'object' && x.body) || {};
}

/* A grant still waiting for the enterprise's answer. */
export function awaitsAnswer(x) {
  return x.kind === 'grant' && (x.state === 'granted' || !x.state);
}

/* The headline of an item in the UI's language. */
export function itemTitle(x) {
  const b = itemBody(x);
  const name = b.policy_name || x.title || x.policy_code || '';
  if (x.kind === 'grant')
    return t('inbox.grantTitle', { name, year: b.year ?? '' });
  if (x.kind === 'push')
    return t('inbox.pushTitle', { name });
  return t('inbox.requestTitle', { title: x.title || x.request_id || '', action: b.action ? eventLabel(b.action) : t('inbox.kind.request') });
}

/* A request update: what was done and the request's status now. */
export function requestUpdate(x) {
  const b = itemBody(x);
  const d = (b.detail && typeof b.detail === 'object' && b.detail) || {};
  return h('div', { class: 'inbox-lead', dataset: { testid: 'request-update' } },
    h('p', null, b.action ? t('inbox.requestEvent', { action: eventLabel(b.action) }) : null, ' ', b.to ? statusBadge(b.to) : null),
    d.department ? h('p', null, t('inbox.requestDept', { name: d.department })) : null,
    d.resolution || d.reason ? h('p', { class: 'pre' }, d.resolution || d.reason) : null);
}

export function kindBadge(kind) {
  const el = badge(has(`inbox.kind.${kind}`) ? t(`inbox.kind.${kind}`) : kind, kind === 'grant' ? 'gold' : kind === 'push' ? 'blue' : 'purple');
  el.dataset.kind = kind;
  return el;
}

/* The state of an item as a badge: a grant's answer, a muted push. */
export function inboxStateBadge(x) {
  if (x.kind === 'grant') {
    const st = x.state || 'granted';
    const el = badge(has(`inbox.state.${st}`) ? t(`inbox.state.${st}`) : st, ITEM_KIND[st] || 'gray');
    el.dataset.state = st;
    return el;
  }
  if (x.kind === 'push' && (x.state === 'muted' || x.muted))
    return badge(t('inbox.muted'), 'gray');
  return null;
}

/* The push's clause in plain words of the UI's language, else its text. */
export function pushClause(x) {
  const b = itemBody(x);
  const c = b.clause || {};
  const plain = b.plain && (b.plain[getLang()] || b.plain.zh);
  return { text: c.text || '', value: c.value || '', plain: typeof plain === 'string' ? plain : (plain && plain.condition) || '' };
}

/* An error of an inbox action in words (a missing reason says so). */
export function inboxErrorText(err) {
  return errorText(err, { field: err && err.field && err.field !== 'reason' });
}
