/*
 * ui.js -- small pieces every page uses: page header, panels, loading and
 * error states, the "under construction" panel, tables, pager, badges,
 * toasts, a confirm dialog and form fields with their error line.
 */
import { h, clear } from './dom.js';
import { t, has, getLang } from '../i18n.js';

/* The label of an API field name ("unit_id" → 招商单位), or the name itself. */
export function fieldLabel(field) {
  if (!field)
    return '';
  const base = String(field).replace(/\[\d+\]/g, '').split('.').pop();
  return has(`field.${base}`) ? t(`field.${base}`) : field;
}

/*
 * Text for an API error, or for one problem of an import ({line, field,
 * code, message, params}), in the current language: err.<code> from the
 * dictionaries with the error's params filled in; in English the server's
 * own message when it is English (it names the values).  opts.field: name
 * the field first ("招商单位：…") when the text is shown away from the field.
 * A code the browser does not know shows the server's message (in Chinese
 * after a generic sentence), never a raw key.
 */
export function errorText(err, opts = {}) {
  if (!err)
    return '';
  const params = { ...((err.info && err.info.params) || err.params || {}) };
  if (params.hint && has(`err.hint.${params.hint}`))
    params.hint = t(`err.hint.${params.hint}`);
  /* a reason makes the code precise: err.invalid.range, err.invalid_credit_code.checksum */
  const key = params.reason && has(`err.${err.code}.${params.reason}`) ? `err.${err.code}.${params.reason}` : `err.${err.code}`;
  const cjk = /[\u3000-\u9fff\uff00-\uffef]/;
  let text;
  if (getLang() === 'en' && err.message && !cjk.test(err.message) && err.status !== 0)
    text = err.message;                     // the server's own sentence is English
  else if (err.code && has(key))
    text = t(key, params);
  else if (err.status === 403)
    text = t('err.forbidden');
  else if (err.status === 503)
    text = t('err.busy');
  else if (err.message && opts.oneLanguage && getLang() === 'zh' && !cjk.test(err.message))
    text = t('err.invalid');                // one language in a cell: the English sentence goes to a tooltip
  else if (err.message)
    text = getLang() === 'zh' && !cjk.test(err.message)
      ? t('err.generic', { status: err.status || '', message: err.message }) : err.message;
  else
    text = t('err.generic', { status: err.status || '', message: err.code || '' });
  /* a value the server did not give: drop it with its quotes */
  text = text.replace(/[“"「]?\{\w+\}[”"」]?/g, '').replace(/（）|\(\)/g, '');
  return opts.field && err.field ? `${fieldLabel(err.field)}：${text}` : text;
}

/* A value that is not there, where a number belongs (a table cell, after a
 * figure): a dash to the eye and a word (暂无 / none, or word) to a screen
 * reader.  Inside a sentence say the word itself (common.noneWord). */
export function noneMark(word) {
  return h('span', { class: 'none-mark' }, h('span', { 'aria-hidden': 'true' }, '—'),
    h('span', { class: 'sr-only' }, word || t('common.noneWord')));
}

/* A field in a table of problems: its label in the UI's language (the
 * name as the API writes it in a tooltip), the name only when unlabelled. */
export function fieldCell(field) {
  if (!field)
    return t('common.none');
  const label = fieldLabel(field);
  return label === field ? h('span', { class: 'mono' }, field) : h('span', { title: field }, label);
}

/* The problem of an import row in the UI's language only (never two
 * languages in one cell); the server's sentence and code in a tooltip. */
export function problemCell(x) {
  return h('span', { title: [x.code, x.message].filter(Boolean).join(': ') }, errorText(x, { oneLanguage: true }));
}

/*
 * The problems of a refused import ([{line, field, code, message, params}])
 * as a table: line, the field's label, the code, the problem in the UI's
 * language.  testid names the table for the tests.
 */
export function importErrors(errors, testid) {
  return h('div', { class: 'table-wrap', tabindex: '0' }, h('table', { class: 'table table-compact table-errors', dataset: { testid } },
    h('thead', null, h('tr', null, [t('imp.line'), t('imp.field'), t('imp.message')]
      .map((l) => h('th', { scope: 'col' }, l)))),
    h('tbody', null, errors.map((x) => h('tr', { dataset: { line: String(x.line ?? '') } },
      h('td', { class: 'al-r nowrap imp-line' },
        x.line === undefined || x.line === null ? t('common.none') : t('ind.imp.lineN', { line: x.line })),
      h('td', { class: 'nowrap' }, fieldCell(x.field)),
      h('td', { class: 'wrap' }, problemCell(x)))))));
}

export function pageHeader(title, subtitle, ...actions) {
  return h('header', { class: 'page-head' },
    h('div', { class: 'page-head-text' },
      h('h1', { class: 'page-title' }, title),
      subtitle ? h('p', { class: 'page-sub' }, subtitle) : null),
    actions.length ? h('div', { class: 'page-actions' }, actions) : null);
}

export function panel(title, body, opts = {}) {
  return h('section', { class: ['panel', opts.class] },
    title ? h('div', { class: 'panel-head' },
      h('h2', { class: 'panel-title' }, title),
      opts.extra ? h('div', { class: 'panel-extra' }, opts.extra) : null) : null,
    h('div', { class: 'panel-body' }, body));
}

export function loading() {
  return h('div', { class: 'state state-loading', role: 'status' }, h('span', { class: 'spinner' }), t('common.loading'));
}

export function empty(text) {
  return h('div', { class: 'state state-empty' }, text || t('common.empty'));
}

export function errorBox(err, retry) {
  return h('div', { class: 'state state-error', role: 'alert' },
    h('strong', null, t('common.loadError')),
    h('span', null, errorText(err)),
    retry ? h('button', { class: 'btn btn-small', type: 'button', on: { click: retry } }, t('common.retry')) : null);
}

/* The panel for a module that is not built yet: what it will do. */
export function wip(moduleKey, note) {
  const items = t(`wip.${moduleKey}.items`).split('|');
  return h('section', { class: 'panel wip', dataset: { testid: 'wip' } },
    h('div', { class: 'wip-badge' }, h('span', { class: 'wip-dot' }), t('wip.badge')),
    h('p', { class: 'wip-lead' }, t(`wip.${moduleKey}.lead`)),
    h('p', { class: 'wip-sub' }, t('wip.lead')),
    h('ul', { class: 'wip-list' }, items.map((s) => h('li', null, s))),
    note ? h('p', { class: 'wip-note wip-api' }, note) : null,
    h('p', { class: 'wip-note' }, t('wip.note')));
}

/* Is err the server saying this API path does not exist (yet)? */
export function isMissingApi(err) {
  return err && (err.status === 404 || err.status === 405) && !err.field;
}

/*
 * table(columns, rows): columns are {key, label, cell(row) -> node|string,
 * class (cells), align ('l' 'c' 'r'), narrowHide (hidden on a tablet)}.  A cell
 * without a value shows noneMark().  Returns a scrollable wrapper.
 */
export function table(columns, rows, opts = {}) {
  const head = h('thead', null, h('tr', null, columns.map((c) =>
    h('th', { class: [c.align && `al-${c.align}`, c.narrowHide && 'hide-narrow'], scope: 'col' }, c.label))));
  const body = h('tbody', null, rows.map((r) => h('tr', { class: opts.rowClass ? opts.rowClass(r) : null },
    columns.map((c) => {
      const v = c.cell ? c.cell(r) : r[c.key];
      return h('td', { class: [c.class, c.align && `al-${c.align}`, c.narrowHide && 'hide-narrow'], dataset: { col: c.key } },
        v === null || v === undefined || v === '' ? noneMark() : v);
    }))));
  const tbl = h('table', { class: ['table', opts.class] }, head, body);
  return h('div', { class: 'table-wrap', tabindex: '0' }, tbl, rows.length ? null : empty());
}

/* Pager for {total, limit, offset}; go(offset) loads another page. */
export function pager(total, limit, offset, go) {
  const pages = Math.max(1, Math.ceil(total / limit));
  const page = Math.floor(offset / limit) + 1;
  return h('nav', { class: 'pager', 'aria-label': 'pagination' },
    h('span', { class: 'pager-info' }, t('common.pageInfo', { total, page, pages })),
    h('button', { class: 'btn btn-small', type: 'button', disabled: page <= 1,
      on: { click: () => go(Math.max(0, offset - limit)) } }, t('common.prev')),
    h('button', { class: 'btn btn-small', type: 'button', disabled: page >= pages,
      on: { click: () => go(offset + limit) } }, t('common.next')));
}

export function badge(text, kind) {
  return h('span', { class: ['badge', kind && `badge-${kind}`] }, text);
}

let toastBox = null;
export function toast(text, kind = 'ok') {
  if (!toastBox || !toastBox.isConnected) {
    toastBox = h('div', { class: 'toasts', 'aria-live': 'polite' });
    document.body.appendChild(toastBox);
  }
  const el = h('div', { class: ['toast', `toast-${kind}`] }, text);
  toastBox.appendChild(el);
  setTimeout(() => el.remove(), 3200);
}

/* The controls inside el that Tab reaches, in order. */
function focusables(el) {
  return [...el.querySelectorAll('a[href], button, input, select, textarea, [tabindex]:not([tabindex="-1"])')]
    .filter((x) => !x.disabled && x.tabIndex >= 0 && x.getClientRects().length > 0);
}

/* A modal dialog: focus goes in, stays in (Tab wraps) and returns to what
 * had it when the dialog closes.  Returns {el, close}; content is any node. */
export function modal(title, content, opts = {}) {
  const prev = document.activeElement;
  let open = true;
  const close = () => {
    if (!open)
      return;
    open = false;
    wrap.remove();
    document.removeEventListener('keydown', onKey);
    if (prev && prev.focus)
      prev.focus();
    if (opts.onClose)
      opts.onClose();
  };
  /* Tab and Shift+Tab go round the dialog's controls; Escape closes it */
  const onKey = (e) => {
    if (e.key === 'Escape') {
      close();
      return;
    }
    if (e.key !== 'Tab')
      return;
    const items = focusables(box);
    if (!items.length) {
      e.preventDefault();
      return;
    }
    const i = items.indexOf(document.activeElement);
    if (e.shiftKey && i <= 0) {
      e.preventDefault();
      items[items.length - 1].focus();
    } else if (!e.shiftKey && (i === -1 || i === items.length - 1)) {
      e.preventDefault();
      items[0].focus();
    }
  };
  const box = h('div', { class: ['modal', opts.class], role: 'dialog', 'aria-modal': 'true', 'aria-label': title },
    h('div', { class: 'modal-head' },
      h('h2', { class: 'modal-title' }, title),
      h('button', { class: 'modal-x', type: 'button', 'aria-label': t('common.cancel'), on: { click: close } }, '×')),
    h('div', { class: 'modal-body' }, content));
  const wrap = h('div', { class: 'modal-back', on: { mousedown: (e) => { if (e.target === wrap) close(); } } }, box);
  document.body.appendChild(wrap);
  document.addEventListener('keydown', onKey);
  const first = box.querySelector('input:not([disabled]), select, textarea, button.btn');
  (first || box.querySelector('.modal-x')).focus();
  return { el: box, close };
}

/* Confirm dialog; resolves true when confirmed. */
export function confirmBox(text, danger = false) {
  return new Promise((resolve) => {
    let done = false;
    const finish = (v) => {
      if (done)
        return;
      done = true;
      m.close();
      resolve(v);
    };
    const m = modal(t('common.confirm'), [
      h('p', { class: 'confirm-text' }, text),
      h('div', { class: 'form-actions' },
        h('button', { class: 'btn', type: 'button', on: { click: () => finish(false) } }, t('common.cancel')),
        h('button', { class: ['btn', danger ? 'btn-danger' : 'btn-primary'], type: 'button', dataset: { testid: 'confirm-ok' },
          on: { click: () => finish(true) } }, t('common.confirm'))),
    ], { class: 'modal-small', onClose: () => finish(false) });
  });
}

/*
 * A labelled form field with a line for its error.  control is an input,
 * select or textarea with a name; field(...).error(text) shows an error.
 */
export function field(label, control, hint) {
  const id = control.id || `f-${control.name || Math.random().toString(36).slice(2)}`;
  control.id = id;
  const err = h('div', { class: 'field-error', role: 'alert', dataset: { field: control.name || '' } });
  const el = h('div', { class: 'field' },
    h('label', { class: 'field-label', for: id }, label),
    control,
    err,
    hint ? h('div', { class: 'field-hint' }, hint) : null);
  el.setError = (text) => {
    err.textContent = text || '';
    el.classList.toggle('has-error', Boolean(text));
    if (text)
      control.setAttribute('aria-invalid', 'true');
    else
      control.removeAttribute('aria-invalid');
  };
  return el;
}

/* Clear every field error inside form. */
export function clearErrors(form) {
  for (const f of form.querySelectorAll('.field'))
    if (f.setError)
      f.setError('');
}

/* Show err next to its field inside form, or in the form's error line. */
export function showFormError(form, err) {
  const text = errorText(err);
  if (err && err.field) {
    const ctl = form.querySelector(`[name="${CSS.escape(err.field)}"]`);
    const f = ctl && ctl.closest('.field');
    if (f && f.setError) {
      f.setError(text);
      ctl.focus();
      return;
    }
  }
  const line = form.querySelector('.form-error');
  if (line)   /* away from its field: say which one */
    line.textContent = errorText(err, { field: true });
}

export function formErrorLine() {
  return h('div', { class: 'form-error', role: 'alert' });
}

export function select(name, options, value) {
  return h('select', { name, class: 'input' }, options.map(([v, label]) =>
    h('option', { value: String(v), selected: String(v) === String(value ?? '') }, label)));
}

export function input(name, props = {}) {
  return h('input', { name, class: 'input', type: 'text', ...props });
}

export { clear };
