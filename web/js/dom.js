/*
 * dom.js -- building DOM without innerHTML.  Every string ends up in a
 * text node or an attribute set through the DOM, so data is never parsed
 * as markup.
 *
 *   h('button', { class: 'btn', type: 'button', on: { click: fn } }, 'Save')
 *
 * props: class, text, dataset {k: v}, on {event: fn}, style {prop: v},
 * any other key is set as an attribute (false/null/undefined skip it,
 * true sets it empty).  Children: nodes, strings, numbers, arrays; null and
 * false are skipped.
 */

const SVG_NS = 'http://www.w3.org/2000/svg';

function append(el, child) {
  if (child === null || child === undefined || child === false)
    return;
  if (Array.isArray(child)) {
    for (const c of child)
      append(el, c);
    return;
  }
  if (child instanceof Node)
    el.appendChild(child);
  else
    el.appendChild(document.createTextNode(String(child)));
}

function apply(el, props) {
  if (!props)
    return;
  for (const [k, v] of Object.entries(props)) {
    if (v === null || v === undefined || v === false)
      continue;
    if (k === 'class')
      el.setAttribute('class', Array.isArray(v) ? v.filter(Boolean).join(' ') : v);
    else if (k === 'text')
      el.textContent = String(v);
    else if (k === 'dataset')
      Object.assign(el.dataset, v);
    else if (k === 'on')
      for (const [ev, fn] of Object.entries(v))
        el.addEventListener(ev, fn);
    else if (k === 'style')
      Object.assign(el.style, v);
    else if (k === 'value' && 'value' in el)
      el.value = v;
    else if (k === 'checked' || k === 'selected' || k === 'disabled')
      el[k] = Boolean(v);
    else
      el.setAttribute(k, v === true ? '' : String(v));
  }
}

export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  apply(el, props);
  append(el, children);
  return el;
}

/* SVG element (icons). */
export function s(tag, props, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  apply(el, props);
  append(el, children);
  return el;
}

export function clear(el) {
  while (el.firstChild)
    el.removeChild(el.firstChild);
  return el;
}

export function replace(el, ...children) {
  clear(el);
  append(el, children);
  return el;
}

/* Date from unix seconds or an ISO string, as "YYYY-MM-DD HH:MM[:SS]". */
export function fmtTime(v, seconds = true) {
  if (v === null || v === undefined || v === '')
    return '—';
  const d = typeof v === 'number' ? new Date(v * 1000) : new Date(v);
  if (Number.isNaN(d.getTime()))
    return String(v);
  const p = (n) => String(n).padStart(2, '0');
  const base = `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
  return seconds ? `${base}:${p(d.getSeconds())}` : base;
}
