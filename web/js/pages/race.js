/*
 * race.js -- 赛马招商 battle board (挂图作战): every project in a column by
 * stage, filterable by unit.  Investment in 亿元 (total_investment_wan /
 * 10000); a project of ≥ 10亿元 (100000万元) is a major project.
 */
import { h, replace } from '../dom.js';
import { get } from '../api.js';
import { t, num, getLang } from '../../i18n.js';
import { pageHeader, errorBox, wip, isMissingApi, select, loading } from '../ui.js';
import { STAGES } from './overview.js';

export const MAJOR_WAN = 100000;
const LIMIT = 500;

export const yi = (wan) => (Number(wan) || 0) / 10000;
const isMajor = (p) => (typeof p.major === 'boolean' ? p.major : Number(p.total_investment_wan) >= MAJOR_WAN);

export async function render(ctx) {
  const unitSel = select('unit', [['', t('race.allUnits')]], '');
  unitSel.dataset.testid = 'unit-filter';
  const summary = h('div', { class: 'race-summary' });
  const board = h('div', { class: 'board', dataset: { testid: 'board' } }, loading());
  const note = h('div', { class: 'note' });
  replace(ctx.el,
    pageHeader(t('race.title'), t('race.subtitle'),
      h('label', { class: 'inline-field' }, h('span', null, t('race.unit')), unitSel)),
    summary, note, board);

  let units = [];
  let projects;
  let total = 0;
  try {
    const [u, p] = await Promise.all([
      get('/api/v1/units').catch(() => ({ items: [] })),
      get('/api/v1/projects', { limit: LIMIT }),
    ]);
    units = u.items || [];
    projects = p.items || [];
    total = p.total ?? projects.length;
  } catch (e) {
    if (!ctx.alive())
      return;
    replace(board, isMissingApi(e) ? wip('race', t('common.apiMissing', { path: '/api/v1/projects' }))
      : errorBox(e, () => render(ctx)));
    return;
  }
  if (!ctx.alive())
    return;

  /* Units from the list, plus any a project names that the list lacks. */
  const unitName = new Map(units.map((u) => [String(u.id), getLang() === 'en' && u.name_en ? u.name_en : u.name]));
  for (const p of projects)
    if (p.unit_id != null && !unitName.has(String(p.unit_id)))
      unitName.set(String(p.unit_id), p.unit_name || `#${p.unit_id}`);
  replace(unitSel, h('option', { value: '' }, t('race.allUnits')),
    [...unitName].map(([id, name]) => h('option', { value: id }, name)));
  if (total > projects.length)
    note.textContent = t('race.truncated', { n: projects.length, total });

  const draw = () => {
    const uid = unitSel.value;
    const shown = uid ? projects.filter((p) => String(p.unit_id) === uid) : projects;
    const sumWan = shown.reduce((a, p) => a + (Number(p.total_investment_wan) || 0), 0);
    const majors = shown.filter(isMajor).length;
    replace(summary,
      kpi(t('race.projects'), num(shown.length), ''),
      kpi(t('race.investment'), num(yi(sumWan), 2), t('race.yi')),
      kpi(t('race.major'), num(majors), '', 'alert'));
    const stages = [...STAGES, ...new Set(shown.map((p) => p.stage).filter((s) => !STAGES.includes(s)))];
    replace(board, stages.map((st) => {
      const list = shown.filter((p) => p.stage === st)
        .sort((a, b) => (Number(b.total_investment_wan) || 0) - (Number(a.total_investment_wan) || 0));
      const colWan = list.reduce((a, p) => a + (Number(p.total_investment_wan) || 0), 0);
      return h('section', { class: ['board-col', `stage-${st}`], dataset: { stage: st } },
        h('header', { class: 'board-col-head' },
          h('span', { class: 'board-col-title' }, t(`stage.${st}`)),
          h('span', { class: 'board-col-count' }, num(list.length)),
          h('span', { class: 'board-col-sum' }, `${num(yi(colWan), 2)} ${t('race.yi')}`)),
        h('div', { class: 'board-col-body' },
          list.length ? list.map(card) : h('div', { class: 'board-empty' }, t('race.emptyColumn'))));
    }));
  };

  const card = (p) => {
    const major = isMajor(p);
    const fdi = Number(p.foreign_investment_wan_usd) || 0;
    return h('article', { class: ['proj', major && 'proj-major'], dataset: { id: String(p.id) } },
      h('div', { class: 'proj-top' },
        h('span', { class: 'proj-name', title: p.name }, p.name),
        major ? h('span', { class: 'badge badge-red' }, t('race.majorBadge')) : null),
      h('div', { class: 'proj-money' },
        h('strong', null, num(yi(p.total_investment_wan), 2)), ` ${t('race.yi')}`,
        fdi > 0 ? h('span', { class: 'proj-fdi' }, `${t('race.foreign')} ${num(yi(fdi), 2)} ${t('race.yiUsd')}`) : null),
      h('div', { class: 'proj-meta' },
        h('span', null, unitName.get(String(p.unit_id)) || p.unit_name || ''),
        p.signed_on ? h('span', null, `${t('race.signedOn')} ${p.signed_on}`) : null));
  };

  unitSel.addEventListener('change', draw);
  draw();
}

function kpi(label, value, unit, kind) {
  return h('div', { class: ['kpi', kind && `kpi-${kind}`] },
    h('span', { class: 'kpi-label' }, label),
    h('span', { class: 'kpi-value' }, value, unit ? h('small', null, ` ${unit}`) : null));
}
