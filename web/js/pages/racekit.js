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

/* The date that puts a project into a stage (a lead has none). */
export const STAGE_DATE = { negotiating: 'negotiating_on', signed: 'signed_on', landed: 'landed_on', started: 'started_on',
  producing: 'producing_on' };

/* A card may go back one stage (PATCH {back_from, reason}): not a lead,
 * nor a project from a qualified lead at 洽谈 (it negotiates from the
 * lead's day). */
export const mayGoBack = (p) => STAGES.indexOf(p.stage) > 0 && !(p.stage === 'negotiating' && p.lead_id);

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

/*
 * The wall screen's pages: groups (each an array of elements: a board's
 * swimlane, a table's row) split into pages that fit the window below the
 * first group's top.  Returns {count, show(i)}: show(i) hides every group
 * but page i's.  A group taller than the window is a page of its own.
 */
export function fitPages(groups) {
  const shown = (g, on) => g.forEach((el) => { el.style.display = on ? '' : 'none'; });
  groups.forEach((g) => shown(g, true));
  const pages = [];
  if (groups.length) {
    const rect = (g) => {
      const rs = g.map((el) => el.getBoundingClientRect());
      return { top: Math.min(...rs.map((r) => r.top)), bottom: Math.max(...rs.map((r) => r.bottom)) };
    };
    const first = rect(groups[0]).top;
    const avail = Math.max(80, window.innerHeight - first - 12);
    let cur = [];
    let start = first;
    groups.forEach((g, i) => {
      const r = rect(g);
      if (cur.length && r.bottom - start > avail) {
        pages.push(cur);
        cur = [];
        start = r.top;
      }
      cur.push(i);
    });
    pages.push(cur);
  }
  return {
    count: Math.max(1, pages.length),
    show(i) {
      const keep = new Set(pages[i] || pages[0] || []);
      groups.forEach((g, k) => shown(g, keep.has(k)));
    },
  };
}
