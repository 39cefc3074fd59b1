/*
 * race.js -- 挂图作战 (#/board): every live project as a card on a board of
 * stage (columns) × unit (swimlanes), investment in 亿元, major projects
 * (≥ 10亿元) marked 重大, the total of every column; filters by industry and
 * unit.  Dragging a card (HTML5 drag and drop) to the next stage (洽谈,
 * 签约, 落地, 开工, 投产) — or its "→" button — asks for the date and
 * PATCHes /api/v1/projects/{id} (洽谈: negotiating_on); a 422 is shown in
 * the dialog.  "↩" moves a card back one stage with a written reason
 * (PATCH {back_from, reason}, audited; 409 when someone moved it).  Below,
 * each unit's annual targets against 时序进度 (GET /api/v1/unit-targets);
 * admins and leaders edit them for a chosen year in a dialog (PUT
 * /api/v1/unit-targets {year, items:[{unit_id, signed_investment (亿元),
 * landed_projects, leads}]}; a 422 shows under the field it names): a
 * unit's leader its own unit's row only, an admin and a zone leader (a
 * leader bound to no unit) every unit's.
 *
 * ctx.wall: drawn inside the wall screen (large type, read only, no filters);
 * the swimlanes are split into pages that fit the window (ctx.paging, which
 * the wall screen turns).
 */
import { h, replace } from '../dom.js';
import { get, patch, put } from '../api.js';
import { t, num, fmtPct } from '../../i18n.js';
import { industries as loadIndustries, industryCell, industryOptions } from '../industry.js';
import { pageHeader, panel, errorBox, wip, isMissingApi, select, loading, modal, field, input,
  formErrorLine, showFormError, clearErrors, toast, badge, table, errorText, noneMark } from '../ui.js';
import { STAGES, STAGE_DATE, nextStage, projYi, isMajor, canEdit, canLead, loadUnits, unitLabel, unitOptions,
  kpi, yiText, mayGoBack, fitPages } from './racekit.js';
import { today, thisYear } from '../clock.js';

export { STAGES };
const LIMIT = 500;

/* Kept for pages that import it (overview): 亿元 from 万元. */
export const MAJOR_WAN = 100000;
export const yi = (wan) => (Number(wan) || 0) / 10000;

export async function render(ctx) {
  const wall = Boolean(ctx.wall);
  const editable = !wall && canEdit(ctx.user);
  const unitSel = select('unit', [['', t('race.allUnits')]], '');
  unitSel.dataset.testid = 'unit-filter';
  const indSel = select('industry', [['', t('board.allIndustries')]], '');
  indSel.dataset.testid = 'industry-filter';
  const summary = h('div', { class: 'race-summary' });
  const board = h('div', { class: 'swim', dataset: { testid: 'board' } }, loading());
  const note = h('div', { class: 'note' });
  const targets = h('div', { dataset: { testid: 'targets' } });
  const filters = wall ? null : h('div', { class: 'filters' },
    h('label', { class: 'inline-field' }, h('span', null, t('race.unit')), unitSel),
    h('label', { class: 'inline-field' }, h('span', null, t('board.industry')), indSel),
    h('a', { class: 'btn btn-small', href: '#/wall', dataset: { testid: 'to-wall' } }, t('wall.enter')));
  replace(ctx.el,
    wall ? h('h1', { class: 'wall-title page-title' }, t('board.title')) : pageHeader(t('board.title'), t('race.subtitle')),
    filters, summary, note, board, targets);

  let units = [];
  let projects;
  let total = 0;
  const load = async () => {
    const [u, p] = await Promise.all([loadUnits(), get('/api/v1/projects', { limit: LIMIT })]);
    units = u;
    projects = p.items || [];
    total = p.total ?? projects.length;
  };
  try {
    await load();
  } catch (e) {
    if (!ctx.alive())
      return;
    replace(board, isMissingApi(e) ? wip('race', t('common.apiMissing', { path: '/api/v1/projects' }))
      : errorBox(e, () => render(ctx)));
    return;
  }
  if (!ctx.alive())
    return;

  const indMap = await loadIndustries();
  if (!ctx.alive())
    return;
  /* Units from the list, plus any a project names that the list lacks. */
  const unitName = new Map(units.map((u) => [String(u.id), unitLabel(u)]));
  for (const p of projects)
    if (p.unit_id != null && !unitName.has(String(p.unit_id)))
      unitName.set(String(p.unit_id), p.unit_name || `#${p.unit_id}`);
  replace(unitSel, h('option', { value: '' }, t('race.allUnits')),
    [...unitName].map(([id, name]) => h('option', { value: id }, name)));
  const industries = [...new Set(projects.map((p) => p.industry).filter(Boolean))].sort();
  replace(indSel, h('option', { value: '' }, t('board.allIndustries')),
    industryOptions(indMap, industries));
  if (ctx.query && ctx.query.get('unit'))
    unitSel.value = ctx.query.get('unit');

  let dragged = null;   // the project being dragged

  const draw = () => {
    const uid = unitSel.value;
    const ind = indSel.value;
    const shown = projects.filter((p) => (!uid || String(p.unit_id) === uid) && (!ind || (p.industry || '').startsWith(ind)));
    note.textContent = total > projects.length ? t('race.truncated', { n: projects.length, total }) : '';
    const sum = shown.reduce((a, p) => a + projYi(p), 0);
    replace(summary,
      kpi(t('race.projects'), num(shown.length), ''),
      kpi(t('race.investment'), num(sum, 2), t('race.yi')),
      kpi(t('race.major'), num(shown.filter(isMajor).length), '', 'alert'));
    const stages = [...STAGES, ...new Set(shown.map((p) => p.stage).filter((s) => s && !STAGES.includes(s)))];
    const lanes = [...unitName.keys()].filter((id) => !uid || id === uid);
    if (shown.some((p) => p.unit_id == null))
      lanes.push('');
    board.style.setProperty('--stages', String(stages.length));
    const head = [h('div', { class: 'swim-corner' }, t('race.unit')), stages.map((st) => {
      const list = shown.filter((p) => p.stage === st);
      const s = list.reduce((a, p) => a + projYi(p), 0);
      return h('div', { class: ['board-col', 'swim-head', `stage-${st}`], dataset: { stage: st } },
        h('span', { class: 'board-col-title' }, t(`stage.${st}`)),
        h('span', { class: 'board-col-count' }, num(list.length)),
        h('span', { class: 'board-col-sum', dataset: { testid: `col-sum-${st}` } }, yiText(s)));
    })];
    const rows = lanes.map((id) => {
      const mine = shown.filter((p) => String(p.unit_id ?? '') === id);
      const laneSum = mine.reduce((a, p) => a + projYi(p), 0);
      return [
        h('div', { class: 'swim-label', dataset: { unit: id } },
          h('strong', null, id ? unitName.get(id) : t('board.noUnit')),
          h('span', null, `${num(mine.length)} · ${yiText(laneSum)}`)),
        stages.map((st) => cell(st, id, mine.filter((p) => p.stage === st))),
      ];
    });
    replace(board, head, rows);
    if (wall)   /* the wall turns the pages of swimlanes that fit the window */
      ctx.paging = fitPages(lanes.map((id) => [...board.querySelectorAll('.swim-label, .swim-cell')]
        .filter((el) => el.dataset.unit === id)));
  };

  const cell = (st, unitId, list) => {
    list.sort((a, b) => projYi(b) - projYi(a));
    const el = h('div', { class: ['swim-cell', `stage-${st}`], dataset: { stage: st, unit: unitId } },
      list.map(card));
    if (editable) {
      el.addEventListener('dragover', (e) => {
        if (dragged && nextStage(dragged.stage) === st && String(dragged.unit_id ?? '') === unitId) {
          e.preventDefault();
          e.dataTransfer.dropEffect = 'move';
          el.classList.add('drop-ok');
        }
      });
      el.addEventListener('dragleave', () => el.classList.remove('drop-ok'));
      el.addEventListener('drop', (e) => {
        e.preventDefault();
        el.classList.remove('drop-ok');
        const p = dragged;
        dragged = null;
        if (p && nextStage(p.stage) === st)
          askDate(p, st);
      });
    }
    return el;
  };

  const card = (p) => {
    const major = isMajor(p);
    const next = editable ? nextStage(p.stage) : null;
    const el = h('article', { class: ['proj', major && 'proj-major', next && 'proj-drag'], dataset: { id: String(p.id), stage: p.stage },
      draggable: next ? 'true' : null, title: next ? t('board.dragHint', { stage: t(`stage.${next}`) }) : null },
    h('div', { class: 'proj-top' },
      h('span', { class: 'proj-name', title: p.name }, p.name),
      major ? h('span', { class: 'badge badge-red' }, t('race.majorBadge')) : null),
    h('div', { class: 'proj-money' },
      h('strong', null, num(projYi(p), 2)), ` ${t('race.yi')}`),
    h('div', { class: 'proj-meta' },
      industryCell(indMap, p.industry),
      p.signed_on ? h('span', null, `${t('race.signedOn')} ${p.signed_on}`)
        : p.negotiating_on ? h('span', null, t('race2.negotiatingOn', { date: p.negotiating_on })) : null,
      editable && mayGoBack(p) ? h('button', { class: 'proj-next proj-back', type: 'button', dataset: { testid: `back-${p.id}` },
        title: t('race2.backTitle'), 'aria-label': t('race2.backLabel', { name: p.name }),
        on: { click: () => askBack(p) } }, `↩ ${t('race2.back')}`) : null,
      next ? h('button', { class: 'proj-next', type: 'button', dataset: { testid: `advance-${p.id}` },
        'aria-label': t('board.moveTo', { stage: t(`stage.${next}`) }),
        on: { click: () => askDate(p, next) } }, `→ ${t(`stage.${next}`)}`) : null));
    if (next) {
      el.addEventListener('dragstart', (e) => {
        dragged = p;
        e.dataTransfer.effectAllowed = 'move';
        e.dataTransfer.setData('text/plain', String(p.id));
        el.classList.add('dragging');
        board.classList.add('is-dragging');
        for (const c of board.querySelectorAll(`.swim-cell[data-stage="${next}"][data-unit="${String(p.unit_id ?? '')}"]`))
          c.classList.add('drop-target');
      });
      el.addEventListener('dragend', () => {
        el.classList.remove('dragging');
        board.classList.remove('is-dragging');
        for (const c of board.querySelectorAll('.drop-target, .drop-ok'))
          c.classList.remove('drop-target', 'drop-ok');
      });
    }
    return el;
  };

  /* The dialog for the date that moves p to stage st. */
  const askDate = (p, st) => {
    const key = STAGE_DATE[st];
    const date = input(key, { type: 'date', value: today(), required: true, dataset: { testid: 'stage-date' } });
    const err = formErrorLine();
    const save = h('button', { class: 'btn btn-primary', type: 'submit', dataset: { testid: 'stage-save' } }, t('common.save'));
    const form = h('form', { class: 'form', novalidate: true },
      h('p', { class: 'muted' }, t('board.moveText', { name: p.name, from: t(`stage.${p.stage}`), to: t(`stage.${st}`) })),
      field(st === 'negotiating' ? t('race2.dateNegotiating') : t(`board.date.${st}`), date), err,
      h('div', { class: 'form-actions' },
        h('button', { class: 'btn', type: 'button', on: { click: () => m.close() } }, t('common.cancel')), save));
    const m = modal(t('board.moveTitle', { stage: t(`stage.${st}`) }), form, { class: 'modal-small' });
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      clearErrors(form);
      err.textContent = '';
      if (!date.value) {
        form.querySelector('.field').setError(t('err.required'));
        return;
      }
      save.disabled = true;
      try {
        await patch(`/api/v1/projects/${p.id}`, { [key]: date.value });
        m.close();
        toast(t('board.moved', { name: p.name, stage: t(`stage.${st}`) }));
        await load();
        if (ctx.alive()) {
          draw();
          drawTargets();
        }
      } catch (ex) {
        save.disabled = false;
        /* A 422 names the field: the date goes under the date input. */
        if (ex.field && ex.field !== key) {
          err.textContent = errorText(ex, { field: true });
        } else {
          showFormError(form, ex);
          if (!ex.field)
            err.textContent = errorText(ex);
        }
      }
    });
  };

  /* The dialog that moves p back one stage, with a written reason. */
  const askBack = (p) => {
    const reason = h('textarea', { class: 'input', name: 'reason', rows: 3, maxlength: 500, required: true,
      dataset: { testid: 'back-reason' } });
    const err = formErrorLine();
    const save = h('button', { class: 'btn btn-primary', type: 'submit', dataset: { testid: 'back-save' } }, t('race2.back'));
    const form = h('form', { class: 'form', novalidate: true },
      h('p', { class: 'muted' }, t('race2.backText', { name: p.name, stage: t(`stage.${p.stage}`) })),
      field(t('race2.backReason'), reason, t('race2.backHint')), err,
      h('div', { class: 'form-actions' },
        h('button', { class: 'btn', type: 'button', on: { click: () => m.close() } }, t('common.cancel')), save));
    const m = modal(t('race2.backTitle'), form, { class: 'modal-small' });
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      clearErrors(form);
      err.textContent = '';
      if (!reason.value.trim()) {
        reason.closest('.field').setError(t('err.required'));
        reason.focus();
        return;
      }
      save.disabled = true;
      try {
        const r = await patch(`/api/v1/projects/${p.id}`, { back_from: p.stage, reason: reason.value.trim() });
        m.close();
        toast(t('race2.backDone', { name: p.name, stage: t(`stage.${r && r.stage ? r.stage : 'lead'}`) }));
        await load();
        if (ctx.alive()) {
          draw();
          drawTargets();
        }
      } catch (ex) {
        save.disabled = false;
        showFormError(form, ex);   /* a 422 under the reason; 409 (moved meanwhile) on the form's line */
        if (!ex.field || ex.field !== 'reason')
          err.textContent = errorText(ex);
      }
    });
  };

  const drawTargets = async () => {
    let year = thisYear();
    let r;
    try {
      r = await get('/api/v1/unit-targets');   /* the server's year, by its clock */
      year = r.year || year;
    } catch (e) {
      if (ctx.alive())
        replace(targets, panel(t('targets.title', { year }), isMissingApi(e) || e.status === 501
          ? h('p', { class: 'muted' }, t('common.apiMissing', { path: '/api/v1/unit-targets' })) : errorBox(e, drawTargets)));
      return;
    }
    if (!ctx.alive())
      return;
    /* the units whose targets the caller sets (the API's race_may_lead) */
    const own = ctx.user.role === 'leader' && ctx.user.unit_id
      ? units.filter((u) => String(u.id) === String(ctx.user.unit_id)) : units;
    replace(targets, targetsPanel(r, year, unitName,
      !wall && canLead(ctx.user) && own.length ? { onEdit: () => targetsEditor(r.year || year, own, drawTargets) } : null));
  };

  unitSel.addEventListener('change', draw);
  indSel.addEventListener('change', draw);
  draw();
  /* ?project=ID (a link from an enterprise's 用地与亩均): show that card */
  const want = ctx.query && ctx.query.get('project');
  const mark = want && board.querySelector(`.proj[data-id="${CSS.escape(want)}"]`);
  if (mark) {
    mark.classList.add('proj-focus');
    mark.setAttribute('tabindex', '-1');
    mark.scrollIntoView({ block: 'center' });
    mark.focus({ preventScroll: true });
  }
  await drawTargets();
}

/* time_progress as 0..100 (the API may give 0..1). */
const pct = (v) => {
  if (v === null || v === undefined || v === '')
    return null;
  const n = Number(v);
  if (!Number.isFinite(n))
    return null;
  return n <= 1.0001 ? n * 100 : n;
};

/* Status from the points behind time: green ≤ 10, yellow 10–30, red > 30. */
export function statusOf(progressPct, timePct) {
  if (progressPct === null || timePct === null)
    return 'gray';
  const behind = timePct - progressPct;
  return behind > 30 ? 'red' : behind >= 10 ? 'yellow' : 'green';
}

const STATUS_BADGE = { green: 'green', yellow: 'gold', red: 'red', gray: 'gray' };

/* No target set at all: gray, whatever the API says. */
const rowStatus = (x) => (['signed_investment', 'landed_projects', 'leads'].every((k) => !(Number(x[k]) > 0)) ? 'gray' : (x.status || 'gray'));

export function targetsPanel(r, year, unitName, opts) {
  const items = r.items || [];
  const time = pct(r.time_progress ?? (items[0] && items[0].time_progress));
  const metric = (x, k, digits) => {
    const target = Number(x[k]);
    const actual = Number((x.actual || {})[k]) || 0;
    const given = x.progress && typeof x.progress === 'object' ? pct(x.progress[k]) : null;
    const p = given !== null ? given : (target > 0 ? (actual / target) * 100 : null);
    const st = (x.statuses && x.statuses[k]) || statusOf(p, pct(x.time_progress) ?? time);
    return h('div', { class: ['tgt', `tgt-${st}`], dataset: { metric: k } },
      h('div', { class: 'tgt-num' }, num(actual, digits), h('small', null, ` / ${target > 0 ? num(target, digits) : t('targets.noTarget')}`)),
      h('div', { class: 'tgt-bar' },
        h('span', { class: 'tgt-fill', style: { width: `${Math.max(0, Math.min(100, p || 0))}%` } }),
        time !== null ? h('span', { class: 'tgt-time', style: { left: `${Math.min(100, time)}%` } }) : null),
      h('div', { class: 'tgt-pct' }, p === null ? noneMark(t('targets.noTarget')) : fmtPct(p),
        st !== 'gray' ? h('span', { class: 'tgt-st' }, ` ${t(`targets.st.${st}`)}`) : null));
  };
  const cols = [
    { key: 'name', label: t('race.unit'), cell: (x) => (unitName && unitName.get(String(x.unit_id))) || x.name || `#${x.unit_id}` },
    { key: 'si', label: t('targets.signedInvestment'), cell: (x) => metric(x, 'signed_investment', 2) },
    { key: 'lp', label: t('targets.landedProjects'), cell: (x) => metric(x, 'landed_projects', 0) },
    { key: 'ld', label: t('targets.leads'), cell: (x) => metric(x, 'leads', 0) },
    { key: 'st', label: t('targets.status'), align: 'c',
      cell: (x) => { const s = rowStatus(x); return badge(t(`targets.st.${s}`), STATUS_BADGE[s] || 'gray'); } },
  ];
  const edit = opts && opts.onEdit ? h('button', { class: 'btn btn-small', type: 'button', dataset: { testid: 'targets-edit' },
    on: { click: opts.onEdit } }, t('targets.edit')) : null;
  return panel(t('targets.title', { year: r.year || year }), [
    h('p', { class: 'muted tgt-legend', dataset: { testid: 'time-progress' } }, t('targets.legend', { time: time === null ? t('common.noneWord') : fmtPct(time),
      upto: r.time_progress_month ? t('race2.monthEnd', { m: r.time_progress_month }) : t('race2.noFullMonth') })),
    table(cols, items, { class: 'tgt-table', rowClass: (x) => `tgt-row-${rowStatus(x)}` }),
  ], { extra: edit });
}

/* The three targets of a unit: the input's name is "<field>-<unit id>". */
const TARGET_FIELDS = [
  { key: 'signed_investment', label: 'targets.signedInvestment', step: '0.01' },
  { key: 'landed_projects', label: 'targets.landedProjects', step: '1' },
  { key: 'leads', label: 'targets.leads', step: '1' },
];

/*
 * The dialog that edits the targets of units (every unit for admins and
 * zone leaders, its own for a unit's leader) for a year; done() redraws
 * the panel after saving.
 */
export function targetsEditor(year0, units, done) {
  const yearIn = input('year', { type: 'number', min: 1900, max: 2199, step: 1, value: String(year0), class: 'input input-narrow',
    dataset: { testid: 'targets-year' } });
  const body = h('div', { class: 'tgt-edit', dataset: { testid: 'targets-form-body' } }, loading());
  const err = formErrorLine();
  const save = h('button', { class: 'btn btn-primary', type: 'submit', dataset: { testid: 'targets-save' } }, t('common.save'));
  const form = h('form', { class: 'form', novalidate: true },
    field(t('targets.year'), yearIn, t('targets.editHint')), body, err,
    h('div', { class: 'form-actions' },
      h('button', { class: 'btn', type: 'button', on: { click: () => m.close() } }, t('common.cancel')), save));
  const m = modal(t('targets.editTitle'), form, { class: 'modal-wide' });
  let rows = [];   // [{unit_id, name, inputs: {key: input}}]

  const fill = async () => {
    const y = Number(yearIn.value);
    err.textContent = '';
    if (!Number.isInteger(y) || y < 1900 || y > 2199) {
      yearIn.closest('.field').setError(t('targets.badYear'));
      return;
    }
    yearIn.closest('.field').setError('');
    replace(body, loading());
    save.disabled = true;
    let r;
    try {
      r = await get('/api/v1/unit-targets', { year: y });
    } catch (e) {
      replace(body, errorBox(e, fill));
      return;
    }
    if (Number(yearIn.value) !== y)
      return;
    const byUnit = new Map((r.items || []).map((x) => [String(x.unit_id), x]));
    const list = units.length ? units.map((u) => ({ id: u.id, name: unitLabel(u) }))
      : (r.items || []).map((x) => ({ id: x.unit_id, name: x.name }));
    rows = list.map((u) => {
      const cur = byUnit.get(String(u.id)) || {};
      const inputs = {};
      for (const f of TARGET_FIELDS) {
        const v = Number(cur[f.key]) || 0;
        inputs[f.key] = input(`${f.key}-${u.id}`, { type: 'number', min: 0, step: f.step, value: String(v), class: 'input input-num',
          'aria-label': `${u.name} ${t(f.label)}`, dataset: { testid: `target-${u.id}-${f.key}` } });
      }
      return { unit_id: u.id, name: u.name, inputs };
    });
    replace(body, h('div', { class: 'table-wrap', tabindex: '0' }, h('table', { class: 'table table-compact tgt-edit-table' },
      h('thead', null, h('tr', null, h('th', { scope: 'col' }, t('race.unit')),
        TARGET_FIELDS.map((f) => h('th', { scope: 'col', class: 'al-r' }, t(f.label))))),
      h('tbody', null, rows.map((row) => h('tr', { dataset: { unit: String(row.unit_id) } },
        h('th', { scope: 'row' }, row.name),
        TARGET_FIELDS.map((f) => {
          const ctl = row.inputs[f.key];
          const e = h('div', { class: 'field-error', role: 'alert' });
          const cell = h('td', { class: 'al-r field' }, ctl, e);
          cell.setError = (text) => {
            e.textContent = text || '';
            cell.classList.toggle('has-error', Boolean(text));
            if (text)
              ctl.setAttribute('aria-invalid', 'true');
            else
              ctl.removeAttribute('aria-invalid');
          };
          return cell;
        })))))));
    save.disabled = false;
  };
  yearIn.addEventListener('change', fill);

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    err.textContent = '';
    const y = Number(yearIn.value);
    if (!Number.isInteger(y) || y < 1900 || y > 2199) {
      yearIn.closest('.field').setError(t('targets.badYear'));
      return;
    }
    /* Checked here first: a number ≥ 0, whole for counts. */
    let bad = null;
    const items = rows.map((row) => {
      const item = { unit_id: Number(row.unit_id) };
      for (const f of TARGET_FIELDS) {
        const ctl = row.inputs[f.key];
        const raw = ctl.value.trim();
        const v = raw === '' ? 0 : Number(raw);
        const whole = f.key !== 'signed_investment';
        if (!Number.isFinite(v) || v < 0 || (whole && !Number.isInteger(v))) {
          ctl.closest('.field').setError(t(whole ? 'targets.badCount' : 'targets.badAmount'));
          bad = bad || ctl;
        }
        item[f.key] = v;
      }
      return item;
    });
    if (bad) {
      bad.focus();
      return;
    }
    save.disabled = true;
    try {
      await put('/api/v1/unit-targets', { year: y, items });
      m.close();
      toast(t('targets.saved', { year: y }));
      if (done)
        done();
    } catch (ex) {
      save.disabled = false;
      /* The API names the field (and, for a unit, its id in the message). */
      if (ex.field === 'year') {
        yearIn.closest('.field').setError(errorText(ex));
        return;
      }
      const label = TARGET_FIELDS.find((f) => f.key === ex.field);
      err.textContent = label ? `${t(label.label)}：${errorText(ex)}`
        : errorText(ex, { field: true });
    }
  });
  fill();
}

export { unitOptions };
