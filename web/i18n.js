/*
 * i18n.js -- the UI's two languages.  Chinese is the default; the choice of
 * English is remembered in localStorage.  t(key, params) looks a key up in
 * the current language, falls back to Chinese, then to the key itself, and
 * fills {name} placeholders from params.
 */

import zh from './i18n/zh.js';
import en from './i18n/en.js';

const STORE_KEY = 'zoneops.lang';

const dicts = { zh, en };
const listeners = new Set();

function stored() {
  try {
    return localStorage.getItem(STORE_KEY);
  } catch {
    return null;
  }
}

let lang = stored() === 'en' ? 'en' : 'zh';

export function getLang() {
  return lang;
}

export function setLang(next) {
  lang = next === 'en' ? 'en' : 'zh';
  try {
    if (lang === 'zh')
      localStorage.removeItem(STORE_KEY);
    else
      localStorage.setItem(STORE_KEY, lang);
  } catch {
    /* private mode: the choice lasts for this page only */
  }
  document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
  for (const fn of listeners)
    fn(lang);
}

export function onLangChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

export function has(key) {
  return key in dicts[lang] || key in zh;
}

export function t(key, params) {
  let s = dicts[lang][key];
  if (s === undefined)
    s = zh[key];
  if (s === undefined)
    return key;
  if (params)
    s = s.replace(/\{(\w+)\}/g, (m, name) => (name in params ? String(params[name]) : m));
  return s;
}

/* Number formatting in the current language. */
export function num(v, digits) {
  if (v === null || v === undefined || v === '' || Number.isNaN(Number(v)))
    return t('common.none');
  const opts = digits === undefined ? {} : { minimumFractionDigits: digits, maximumFractionDigits: digits };
  return Number(v).toLocaleString(lang === 'zh' ? 'zh-CN' : 'en-US', opts);
}

/* The one rule for numbers every page follows (and the bulletin, in C):
 *   percentages  one decimal always: "93.0%", "83.3%"   (fmtPct)
 *   growth       signed, one decimal always: "+12.8%", "+14.0%", "−3.1%", "0.0%"
 *                (fmtGrowth; the sign is U+2212, the bulletin's table writes "-")
 *   amounts      at most two decimals, no trailing zeros: "61.8", "5.54" (fmtAmount)
 * A value that is missing is t('common.none'), never a dash inside a sentence:
 * sentences use their own words for "no data" (e.g. 暂无评价). */
const isNum = (v) => v !== null && v !== undefined && v !== '' && Number.isFinite(Number(v));

export function fmtPct(v, { fraction = false } = {}) {
  if (!isNum(v))
    return t('common.none');
  return `${num(Number(v) * (fraction ? 100 : 1), 1)}%`;
}

export function fmtGrowth(g) {
  if (!isNum(g))
    return t('common.none');
  const r = Math.round(Number(g) * 10) / 10;
  return `${r > 0 ? '+' : r < 0 ? '−' : ''}${num(Math.abs(r), 1)}%`;
}

export function fmtAmount(v) {
  if (!isNum(v))
    return t('common.none');
  return Number(v).toLocaleString(lang === 'zh' ? 'zh-CN' : 'en-US', { maximumFractionDigits: 2 });
}

/* English plurals: plural(n, 'problem') → "1 problem", "2 problems"; in
 * Chinese the counted word does not change.  Keys: KEY.one / KEY.other. */
export function plural(key, n, params = {}) {
  const k = lang === 'en' && Number(n) === 1 && has(`${key}.one`) ? `${key}.one` : has(`${key}.other`) ? `${key}.other` : key;
  return t(k, { n: num(n), ...params });
}

document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
