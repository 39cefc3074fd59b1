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

document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
