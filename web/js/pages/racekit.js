/*
 * racekit.js -- what the 赛马招商 pages share: the units, months, amounts
 * in 亿元 (from total_investment or total_investment_wan), the stage that
 * follows each stage with the date field that moves a project there, and
 * who may edit.
 */
import { h } from '../dom.js';
import { get } from '../api.js';
import { t, num, getLang } from '../../i18n.js';

export const STAGES = ['lead', 'negotiating', 'signed', 'landed', 'started', 'producing'];

/* The date that puts a project into a stage (lead/negotiating have none). */
export const STAGE_DATE = { signed: 'signed_on', landed: 'landed_on', started: 'started_on', producing: 'producing_on' };

/* The stage a card may be dragged to: the next one that has a date. */
export function nextStage(stage) {
  const i = STAGES.indexOf(stage);
  for (let j = i + 1; j >= 1 && j < STAGES.length; j++)
    if (STAGE_DATE[STAGES[j]])
      return STAGES[j];
  return null;
}

export const MAJOR_YI = 10;

/* A project's total investment in 亿元. */
export function projYi(p) {
  if (p.total_investment !== undefined && p.total_investment !== null && p.total_investment !== '')
    return Number(p.total_investment) || 0;
  return (Number(p.total_investment_wan) || 0) / 10000;
}

export const isMajor = (p) => (typeof p.major === 'boolean' ? p.major : projYi(p) >= MAJOR_YI);

export const canEdit = (user) => ['admin', 'leader', 'recruiter'].includes(user.role);
export const canLead = (user) => ['admin', 'leader'].includes(user.role);

let unitCache = null;

/* The units, [{id, name, …}] (cached for the session's page views). */
export async function loadUnits() {
  if (unitCache)
    return unitCache;
  try {
    const r = await get('/api/v1/units');
    unitCache = r.items || [];
  } catch {
    return [];
  }
  return unitCache;
}

export function forgetUnits() {
  unitCache = null;
}

export const unitLabel = (u) => (getLang() === 'en' && u.name_en ? u.name_en : u.name);

/* YYYY-MM of today (local time). */
export function thisMonth(d = new Date()) {
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}`;
}

export function today(d = new Date()) {
  return `${thisMonth(d)}-${String(d.getDate()).padStart(2, '0')}`;
}

/* The months before m (YYYY-MM): prevMonth('2026-01') = '2025-12'. */
export function prevMonth(m) {
  const [y, mo] = m.split('-').map(Number);
  return mo === 1 ? `${y - 1}-12` : `${y}-${String(mo - 1).padStart(2, '0')}`;
}

export const validMonth = (m) => /^\d{4}-(0[1-9]|1[0-2])$/.test(m || '');

/* 12.34 亿元 */
export const yiText = (v, d = 2) => `${num(Number(v) || 0, d)} ${t('race.yi')}`;

export function kpi(label, value, unit, kind) {
  return h('div', { class: ['kpi', kind && `kpi-${kind}`] },
    h('span', { class: 'kpi-label' }, label),
    h('span', { class: 'kpi-value' }, value, unit ? h('small', null, ` ${unit}`) : null));
}

/* Options for a unit select: [['', all], [id, name]…]. */
export function unitOptions(units, allLabel) {
  const o = units.map((u) => [String(u.id), unitLabel(u)]);
  return allLabel === null ? o : [['', allLabel || t('race.allUnits')], ...o];
}
