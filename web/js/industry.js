/*
 * industry.js -- industries by name (GB/T 4754-2017, GET /api/v1/industries).
 * The classification is loaded once per page load and shared:
 *
 *   const ind = await industries();          // never rejects (empty on error)
 *   industryName(ind, 'C38')  → '电气机械和器材制造业' (the code when unknown)
 *   industryCell(ind, 'C38')  → a span with the name, the code as its title
 *   industryFilter(ind)       → { el, value() }: 门类 and 大类 selects; the
 *                               value is the 大类 if chosen, else the 门类
 */
import { h } from './dom.js';
import { get } from './api.js';
import { t } from '../i18n.js';

let cache = null;

export function industries() {
  if (!cache)
    cache = get('/api/v1/industries').then((r) => new Map((r.items || []).map((i) => [i.code, i])))
      .catch(() => { cache = null; return new Map(); });
  return cache;
}

export function industryName(ind, code) {
  if (!code)
    return '';
  const e = ind && ind.get(code);
  return e ? e.name : code;
}

export function industryCell(ind, code) {
  if (!code)
    return null;
  return h('span', { class: 'industry', title: code, dataset: { industry: code } }, industryName(ind, code));
}

export function industryFilter(ind, value = '') {
  const all = [...ind.values()];
  const opt = (v, label, sel) => h('option', { value: v, selected: v === sel }, label);
  const section = h('select', { name: 'industry_section', class: 'input', 'aria-label': t('industry.section') },
    opt('', t('industry.allSections'), ''), all.filter((i) => i.level === 1).map((i) => opt(i.code, `${i.code} ${i.name}`, value.slice(0, 1))));
  const division = h('select', { name: 'industry_division', class: 'input', 'aria-label': t('industry.division') });
  const fill = (sel) => {
    division.replaceChildren(opt('', t('industry.allDivisions'), sel),
      ...all.filter((i) => i.level === 2 && i.parent === section.value).map((i) => opt(i.code, i.name, sel)));
    division.disabled = !section.value;
  };
  fill(value.length >= 3 ? value.slice(0, 3) : '');
  section.addEventListener('change', () => fill(''));
  const el = h('span', { class: 'industry-filter' }, section, division);
  return { el, section, division, value: () => division.value || section.value, reset: () => { section.value = ''; fill(''); } };
}

/* <option>s for the codes present (a board's projects): each 门类 they fall
 * in, then its 大类 (and finer codes) by name; a value filters by prefix. */
export function industryOptions(ind, codes) {
  const out = [];
  const sections = [...new Set(codes.map((c) => c[0]))].sort();
  for (const s of sections) {
    out.push(h('option', { value: s }, `${s} ${industryName(ind, s)}`));
    for (const c of codes.filter((x) => x[0] === s && x.length > 1))
      out.push(h('option', { value: c }, `\u3000${industryName(ind, c)}`));
  }
  return out;
}
