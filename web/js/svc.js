/*
 * svc.js -- what the enterprise-service pages share: reference lists
 * (request categories, departments, streets, officers) loaded once per
 * session, names in the current language, request and inspection statuses
 * with their badges, dates, and the enterprise picker (search as you type).
 */
import { h, replace } from './dom.js';
import { get } from './api.js';
import { t, getLang, has } from '../i18n.js';
import { badge } from './ui.js';

/* ---------- reference lists ---------- */

const cache = new Map();

/* A list from the API, fetched once; a failed fetch is retried next time. */
export function cached(path) {
  if (!cache.has(path)) {
    const p = get(path).then((r) => (r && r.items) || []);
    p.catch(() => cache.delete(path));
    cache.set(path, p);
  }
  return cache.get(path);
}

/* The same list, or [] when the server cannot give it. */
export function cachedOrEmpty(path) {
  return cached(path).catch(() => []);
}

export function forgetCache() {
  cache.clear();
}

export const categories = () => cachedOrEmpty('/api/v1/request-categories');
export const departments = () => cachedOrEmpty('/api/v1/departments');
export const streets = () => cachedOrEmpty('/api/v1/streets');

/* name or name_en of a reference row, by the language. */
export function localName(x) {
  if (!x)
    return '';
  return getLang() === 'en' && x.name_en ? x.name_en : x.name;
}

/* Category label: from the server's list when it has one, else ours. */
export function catLabel(code, list) {
  const c = (list || []).find((x) => x.code === code);
  if (c)
    return localName(c);
  return has(`cat.${code}`) ? t(`cat.${code}`) : code || t('common.none');
}

export const CATEGORY_CODES = ['labour', 'land', 'approval', 'financing', 'schooling', 'customs', 'policy', 'other'];

/* ---------- statuses ---------- */

export const REQUEST_STATUSES = ['submitted', 'accepted', 'in_progress', 'awaiting_enterprise', 'escalated', 'resolved', 'closed'];
const REQ_KIND = {
  submitted: 'gold', accepted: 'blue', in_progress: 'blue', awaiting_enterprise: 'gold',
  escalated: 'purple', resolved: 'green', closed: 'gray',
};
export function statusBadge(status) {
  return h('span', { class: ['badge', `badge-${REQ_KIND[status] || 'gray'}`], dataset: { status } },
    has(`req.status.${status}`) ? t(`req.status.${status}`) : status);
}

export const INSPECTION_STATUSES = ['open', 'rectifying', 'submitted', 'verified_closed'];
const INS_KIND = { open: 'gold', rectifying: 'blue', submitted: 'purple', verified_closed: 'green' };
export function inspectionBadge(status) {
  return h('span', { class: ['badge', `badge-${INS_KIND[status] || 'gray'}`], dataset: { status } },
    has(`ins.status.${status}`) ? t(`ins.status.${status}`) : status);
}

export function levelLabel(level) {
  return has(`req.level.${level}`) ? t(`req.level.${level}`) : level || t('common.none');
}

export function overdueBadge() {
  return badge(t('req.overdue'), 'red');
}

/* A request's overdue mark: 受理超时 (not accepted in time) or 办理超时
 * (not handled in time), as the server says (accept_overdue, overdue); or
 * null.  Every page that shows a request's status uses it (lists, detail,
 * the kiosk). */
export function requestOverdueBadge(r) {
  if (r.accept_overdue)
    return badge(t('esc.acceptOverdue'), 'red');
  return r.overdue ? badge(t('esc.handleOverdue'), 'red') : null;
}

/* ---------- dates ---------- */

const p2 = (n) => String(n).padStart(2, '0');

export function isoDay(d) {
  return `${d.getFullYear()}-${p2(d.getMonth() + 1)}-${p2(d.getDate())}`;
}

/* A date (YYYY-MM-DD text or unix seconds) as YYYY-MM-DD. */
export function day(v) {
  if (v === null || v === undefined || v === '')
    return t('common.none');
  if (typeof v === 'number')
    return isoDay(new Date(v * 1000));
  return String(v).slice(0, 10);
}

/* ---------- enterprise picker ---------- */

/*
 * enterprisePicker({name, value: {id, name}|null, onPick}) -> element with
 * .value() (the id or null) and .set(ent).  Typing searches
 * GET /api/v1/enterprises?q= (name or credit code) and lists the matches
 * below; arrow keys and Enter pick one.
 */
export function enterprisePicker(opts = {}) {
  let chosen = opts.value || null;
  let seq = 0;
  let timer = 0;
  let items = [];
  let active = -1;
  const listId = `ep-${Math.random().toString(36).slice(2)}`;
  const inputEl = h('input', {
    class: 'input', type: 'search', name: opts.name || 'enterprise_id', autocomplete: 'off', maxlength: 100,
    placeholder: t('picker.placeholder'), role: 'combobox', 'aria-expanded': 'false', 'aria-controls': listId,
    'aria-autocomplete': 'list', value: chosen ? chosen.name : '', dataset: { testid: 'enterprise-picker' },
  });
  const list = h('ul', { class: 'picker-list', id: listId, role: 'listbox', hidden: true });
  const wrap = h('div', { class: 'picker' }, inputEl, list);

  const close = () => {
    list.hidden = true;
    inputEl.setAttribute('aria-expanded', 'false');
    active = -1;
  };
  const pick = (e) => {
    chosen = e;
    inputEl.value = e ? e.name : '';
    close();
    if (opts.onPick)
      opts.onPick(e);
  };
  const mark = () => {
    [...list.children].forEach((li, i) => li.classList.toggle('active', i === active));
  };
  const show = () => {
    replace(list, items.length ? items.map((e, i) => h('li', {
      role: 'option', class: 'picker-item', dataset: { id: String(e.id) },
      on: { mousedown: (ev) => { ev.preventDefault(); pick(items[i]); } },
    }, h('span', { class: 'picker-name' }, e.name), h('span', { class: 'picker-code mono' }, e.credit_code)))
      : h('li', { class: 'picker-empty' }, t('picker.none')));
    list.hidden = false;
    inputEl.setAttribute('aria-expanded', 'true');
    active = -1;
  };
  const search = async () => {
    const q = inputEl.value.trim();
    const mine = ++seq;
    if (!q) {
      close();
      return;
    }
    try {
      const r = await get('/api/v1/enterprises', { q, limit: 8 });
      if (mine !== seq || document.activeElement !== inputEl)
        return;
      items = r.items || [];
      show();
    } catch {
      if (mine === seq)
        close();
    }
  };
  inputEl.addEventListener('input', () => {
    chosen = null;
    clearTimeout(timer);
    timer = setTimeout(search, 180);
  });
  inputEl.addEventListener('keydown', (e) => {
    if (list.hidden)
      return;
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      const n = items.length;
      if (!n)
        return;
      active = e.key === 'ArrowDown' ? (active + 1) % n : (active - 1 + n) % n;
      mark();
    } else if (e.key === 'Enter' && active >= 0) {
      e.preventDefault();
      pick(items[active]);
    } else if (e.key === 'Escape') {
      e.stopPropagation();
      close();
    }
  });
  inputEl.addEventListener('blur', () => setTimeout(close, 120));
  wrap.value = () => (chosen ? chosen.id : null);
  wrap.set = (e) => pick(e);
  wrap.input = inputEl;
  return wrap;
}

/* A <select> of departments, filled when the list arrives. */
export function departmentSelect(name, value, emptyLabel) {
  const sel = h('select', { name, class: 'input' }, h('option', { value: '' }, emptyLabel || t('common.all')));
  departments().then((ds) => {
    for (const d of ds)
      sel.appendChild(h('option', { value: String(d.id), selected: String(d.id) === String(value ?? '') }, localName(d)));
  });
  return sel;
}

/* A <select> of request categories, filled when the list arrives. */
export function categorySelect(name, value, emptyLabel) {
  const sel = h('select', { name, class: 'input' }, emptyLabel === null ? null : h('option', { value: '' }, emptyLabel || t('common.all')));
  categories().then((cs) => {
    const list = cs.length ? cs : CATEGORY_CODES.map((code) => ({ code, name: t(`cat.${code}`) }));
    for (const c of list)
      sel.appendChild(h('option', { value: c.code, selected: c.code === value }, localName(c)));
  });
  return sel;
}

/* Stars for a 1–5 rating. */
export function stars(n) {
  if (!n)
    return t('common.none');
  return h('span', { class: 'stars', title: `${n}/5`, 'aria-label': `${n}/5` }, '★'.repeat(n), h('span', { class: 'stars-off' }, '★'.repeat(5 - n)));
}
