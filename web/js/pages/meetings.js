/*
 * meetings.js -- 联席会商 (joint consultations).  #/meetings lists the
 * meetings (upcoming and held) under a dashboard block (items decided,
 * tasks done on time, problems solved through consultation), the pending
 * proposals, and for a department's or a street's user 我的会商任务 (the
 * follow-up tasks that fall to it, marked done with a note).
 * #/meetings/{id} is one meeting: its details and participants, the agenda
 * (requests, inspection findings and topics, the tasks of earlier meetings
 * still open marked as carried over), the decision per item (lead
 * department, co-operating departments and streets, follow-up tasks with
 * a deadline in working days or a date), mark held, and the minutes (a
 * printable HTML page and a .docx).  Conveners (admins, leaders, the
 * service center: the server's rule) edit; participants read and update
 * their tasks.  An overdue task says 已超期 in words, not only in red.
 */
import { h, replace } from '../dom.js';
import { get, post, patch, put } from '../api.js';
import { t, num, fmtPct, getLang } from '../../i18n.js';
import {
  pageHeader, panel, errorBox, table, loading, modal, field, clearErrors, formErrorLine, toast, errorText,
  badge, input, empty, confirmBox,
} from '../ui.js';
import { departments, streets, localName, day, statusBadge } from '../svc.js';
import { can } from '../perm.js';
import { provisionalMark } from './calendar.js';
import { thisYear } from '../clock.js';

const API = '/api/v1/meetings';
const LEVELS = ['district', 'district_street'];
const KINDS = ['request', 'finding', 'topic'];

/* ---------- who may do what ---------- */

/* A convener: the server says so (can_convene) when it tells; else a role
 * that may create meetings and is not a department's (the service center's
 * users are told by the server). */
function isConvener(user, answer) {
  if (answer && typeof answer.can_convene === 'boolean')
    return answer.can_convene;
  return can(user, `POST ${API}`) && user.role !== 'department';
}

/* May user propose a request for the next meeting (officers, departments, conveners)? */
export function canPropose(user) {
  return user && user.role !== 'enterprise' && can(user, 'POST /api/v1/meeting-proposals');
}

/* ---------- small pieces ---------- */

/* The reference lists, for names in the UI's language (a reference in an
 * answer may carry the Chinese name only). */
let refs = { departments: [], streets: [] };
async function loadRefs() {
  const [d, st] = await Promise.all([departments(), streets()]);
  refs = { departments: d, streets: st };
  return refs;
}

/* The name of a department (kind 'departments') or a street ('streets'). */
function refName(x, kind) {
  if (!x)
    return null;
  const full = refs[kind].find((y) => y.id === x.id);
  return localName(full || x) || null;
}

const joinNames = (list) => list.filter(Boolean).join(t('mtg.sep')) || null;

/* Departments and streets ({departments, streets}) as one line. */
function units(p) {
  return joinNames([...((p && p.departments) || []).map((x) => refName(x, 'departments')),
    ...((p && p.streets) || []).map((x) => refName(x, 'streets'))]);
}

/* 2026-12-10 09:30 */
function when(m) {
  return [day(m.held_on), m.starts_at || ''].filter(Boolean).join(' ');
}

function meetingStatus(m) {
  return badge(t(`mtg.status.${m.status === 'held' ? 'held' : 'planned'}`), m.status === 'held' ? 'green' : 'blue');
}

function kv(label, value, key) {
  return h('div', { class: 'kv' }, h('dt', null, label),
    h('dd', { dataset: key ? { key } : undefined }, value === null || value === undefined || value === '' ? t('common.none') : value));
}

/* The department or street a task falls to. */
function assignee(x) {
  return refName(x.department, 'departments') || refName(x.street, 'streets');
}

/* A task's state in words: 已完成 (on the day), 已超期, 进行中. */
function taskState(x) {
  if (x.status === 'done')
    return h('span', { class: 'mtg-state', dataset: { state: 'done' } }, badge(t('mtg.task.done'), 'green'),
      x.done_on ? h('span', { class: 'muted' }, ` ${day(x.done_on)}`) : null);
  if (x.overdue)
    return h('span', { class: 'mtg-state', dataset: { state: 'overdue' } }, badge(t('mtg.task.overdue'), 'red'));
  return h('span', { class: 'mtg-state', dataset: { state: 'open' } }, badge(t('mtg.task.open'), 'gold'));
}

function due(x) {
  if (!x.due_on)
    return null;
  return h('span', { class: x.overdue ? 'neg' : null }, day(x.due_on), provisionalMark(x.due_provisional));
}

/*
 * The follow-up tasks as a table.  opts.meeting: a column for the meeting
 * it came from; opts.carried: marked 往次遗留; opts.canUpdate(task): offer
 * 标记完成 / 重新打开; opts.reload after a change.
 */
function taskTable(tasks, opts = {}) {
  const cols = [
    { key: 'title', label: t('mtg.task.title'), class: 'strong wrap', cell: (x) => [
      opts.carried ? h('span', { class: 'tag mtg-carried' }, t('mtg.carried')) : null, x.title,
      opts.showItem && x.item ? h('div', { class: 'muted small' }, t('mtg.task.forItem', { title: x.item.title || '' })) : null] },
    { key: 'assignee', label: t('mtg.task.assignee'), class: 'nowrap', cell: assignee },
    { key: 'due_on', label: t('mtg.task.due'), class: 'nowrap', cell: due },
    { key: 'status', label: t('mtg.task.status'), class: 'nowrap', cell: (x) => [taskState(x),
      x.done_note ? h('div', { class: 'muted small wrap' }, x.done_note) : null] },
    opts.meeting ? { key: 'meeting', label: t('mtg.task.meeting'), class: 'nowrap', cell: (x) => (x.meeting
      ? h('a', { href: `#/meetings/${x.meeting.id}` }, `${day(x.meeting.held_on)} ${x.meeting.title}`) : null) } : null,
    opts.canUpdate ? { key: 'act', label: t('common.actions'), class: 'nowrap', cell: (x) => (opts.canUpdate(x)
      ? h('button', { class: ['btn', 'btn-small', x.status !== 'done' && 'btn-primary'], type: 'button',
        dataset: { testid: `task-${x.status === 'done' ? 'reopen' : 'done'}`, task: String(x.id) },
        on: { click: () => updateTask(x, opts.reload) } }, t(x.status === 'done' ? 'mtg.task.reopen' : 'mtg.task.markDone')) : null) } : null,
  ].filter(Boolean);
  return table(cols, tasks, { class: 'table-compact mtg-tasks', rowClass: (x) => (x.overdue && x.status !== 'done' ? 'row-overdue' : null) });
}

/* Mark a task done (with a note) or open again. */
function updateTask(x, reload) {
  const done = x.status !== 'done';
  const note = h('textarea', { name: 'note', class: 'input textarea', rows: 3, maxlength: 1000 });
  const errLine = formErrorLine();
  const ok = h('button', { class: 'btn btn-primary', type: 'submit', dataset: { testid: 'task-save' } },
    t(done ? 'mtg.task.markDone' : 'mtg.task.reopen'));
  const f = h('form', { class: 'form', novalidate: true },
    h('p', { class: 'muted' }, x.title),
    done ? field(t('mtg.task.note'), note, t('mtg.task.noteHint')) : h('p', null, t('mtg.task.reopenConfirm')),
    errLine,
    h('div', { class: 'form-actions' }, h('button', { class: 'btn', type: 'button', on: { click: () => m.close() } }, t('common.cancel')), ok));
  const m = modal(t(done ? 'mtg.task.markDone' : 'mtg.task.reopen'), f, { class: 'modal-small' });
  f.addEventListener('submit', async (e) => {
    e.preventDefault();
    errLine.textContent = '';
    ok.disabled = true;
    try {
      await patch(`/api/v1/meeting-tasks/${x.id}`, done ? { status: 'done', ...(note.value.trim() ? { note: note.value.trim() } : {}) } : { status: 'open' });
      m.close();
      toast(t(done ? 'mtg.task.doneToast' : 'mtg.task.reopened'));
      if (reload)
        reload();
    } catch (err) {
      ok.disabled = false;
      errLine.textContent = errorText(err, { field: true });
    }
  });
}

/*
 * Show an API error next to its control: the control named exactly as the
 * field ("tasks[1].due_on"), else the closest group whose data-field is a
 * prefix of it ("partners.departments[0]" → the group "partners.departments",
 * "tasks[1]" → the task's row), else the form's error line.
 */
function placeError(form, err, errLine, at) {
  const text = errorText(err);
  const f = at || (err && err.field ? String(err.field) : '');
  if (f) {
    const ctl = form.querySelector(`[name="${CSS.escape(f)}"]`);
    const fld = ctl && ctl.closest('.field');
    if (fld && fld.setError) {
      fld.setError(text);
      ctl.focus();
      return;
    }
    let groups = [...form.querySelectorAll('[data-field]')].filter((g) => g.dataset.field && (f === g.dataset.field
      || f.startsWith(`${g.dataset.field}[`) || f.startsWith(`${g.dataset.field}.`)));
    groups = groups.sort((a, b) => b.dataset.field.length - a.dataset.field.length);
    const g = groups.find((x) => x.querySelector('.group-error'));
    if (g) {
      const line = g.querySelector('.group-error');
      line.textContent = errorText(err, { field: true });
      g.classList.add('has-error');
      const first = g.querySelector('input, select, textarea');
      if (first)
        first.focus();
      return;
    }
  }
  errLine.textContent = errorText(err, { field: true });
}

function clearAll(form, errLine) {
  clearErrors(form);
  errLine.textContent = '';
  for (const g of form.querySelectorAll('.group-error'))
    g.textContent = '';
  for (const g of form.querySelectorAll('.has-error'))
    g.classList.remove('has-error');
}

/* A group of checkboxes (departments or streets) named by its API field;
 * .values() the ids ticked, in the list's order. */
function checkGroup(fieldName, legend, list, chosen, testid) {
  const set = new Set((chosen || []).map((x) => Number(x.id ?? x)));
  const boxes = list.map((x) => h('label', { class: 'check-item' },
    h('input', { type: 'checkbox', value: String(x.id), checked: set.has(Number(x.id)) }), h('span', null, localName(x))));
  const el = h('fieldset', { class: 'field check-group', dataset: { field: fieldName, testid } },
    h('legend', { class: 'field-label' }, legend),
    h('div', { class: 'check-grid' }, boxes),
    h('div', { class: 'field-error group-error', role: 'alert' }));
  el.values = () => boxes.map((b) => b.querySelector('input')).filter((i) => i.checked).map((i) => Number(i.value));
  return el;
}

/* ---------- the list ---------- */

export async function render(ctx) {
  await loadRefs();
  if (/^\d+$/.test(ctx.sub[0] || ''))
    return detail(ctx, Number(ctx.sub[0]));
  return list(ctx);
}

async function list(ctx) {
  const u = ctx.user;
  const status = h('select', { name: 'status', class: 'input', dataset: { testid: 'mtg-status' } },
    [['', t('common.all')], ['planned', t('mtg.upcoming')], ['held', t('mtg.held')]].map(([v, l]) =>
      h('option', { value: v, selected: v === (ctx.query.get('status') || '') }, l)));
  /* the first answer tells whether this user convenes (can_convene) */
  let first;
  try {
    first = await get(API, { status: status.value });
  } catch (e) {
    if (ctx.alive())
      replace(ctx.el, pageHeader(t('mtg.title'), t('mtg.subtitle')), errorBox(e, () => list(ctx)));
    return;
  }
  if (!ctx.alive())
    return;
  const convener = isConvener(u, first);
  const add = convener ? h('button', { class: 'btn btn-primary', type: 'button', dataset: { testid: 'mtg-new' },
    on: { click: () => editMeeting(null, (m) => { location.hash = `#/meetings/${m.id}`; }) } }, `＋ ${t('mtg.new')}`) : null;
  const statsBox = can(u, `GET ${API}/stats`) ? h('div', { class: 'mtg-stats', dataset: { testid: 'mtg-stats' } }, loading()) : null;
  const tasksBox = u.role === 'department' && can(u, 'GET /api/v1/meeting-tasks') ? h('div', { dataset: { testid: 'my-tasks' } }, loading()) : null;
  const propBox = convener && can(u, 'GET /api/v1/meeting-proposals') ? h('div', { dataset: { testid: 'mtg-proposals' } }, loading()) : null;
  const result = h('div', { class: 'result' }, meetingsTable(first.items || []));
  replace(ctx.el,
    pageHeader(t('mtg.title'), t('mtg.subtitle'), add),
    statsBox,
    tasksBox ? panel(t('mtg.myTasks'), tasksBox, { class: 'mtg-my-tasks' }) : null,
    propBox ? panel(t('mtg.proposals'), propBox) : null,
    panel(t('mtg.list'), [h('form', { class: 'filters', role: 'search', on: { submit: (e) => { e.preventDefault(); load(); } } },
      h('label', { class: 'filter' }, h('span', null, t('mtg.statusLabel')), status)), result]));

  let seq = 0;
  const load = async () => {
    const mine = ++seq;
    let res;
    try {
      res = await get(API, { status: status.value });
    } catch (e) {
      if (ctx.alive() && mine === seq)
        replace(result, errorBox(e, load));
      return;
    }
    if (!ctx.alive() || mine !== seq)
      return;
    replace(result, meetingsTable(res.items || []));
  };
  status.addEventListener('change', load);
  await Promise.all([statsBox && loadStats(ctx, statsBox), tasksBox && loadMyTasks(ctx, tasksBox),
    propBox && loadProposals(ctx, propBox)]);
}

function meetingsTable(items) {
  return table([
    { key: 'held_on', label: t('mtg.when'), class: 'nowrap', cell: when },
    { key: 'title', label: t('mtg.meetingTitle'), class: 'strong', cell: (m) => h('a', { href: `#/meetings/${m.id}`, dataset: { testid: 'mtg-link' } }, m.title) },
    { key: 'level', label: t('mtg.level'), class: 'nowrap', narrowHide: true, cell: (m) => t(`mtg.level.${m.level}`) },
    { key: 'place', label: t('mtg.place'), narrowHide: true },
    { key: 'participants', label: t('mtg.participants'), class: 'wrap', cell: (m) => units(m.participants) },
    { key: 'item_count', label: t('mtg.items'), align: 'r', cell: (m) => num(m.item_count) },
    { key: 'open_task_count', label: t('mtg.openTasks'), align: 'r', cell: (m) => `${num(m.open_task_count)} / ${num(m.task_count)}` },
    { key: 'status', label: t('mtg.statusLabel'), class: 'nowrap', cell: meetingStatus },
  ], items, { class: 'mtg-table' });
}

/* The dashboard block: this year's meetings, items decided, tasks done on time, problems solved. */
async function loadStats(ctx, box) {
  let s;
  try {
    s = await get(`${API}/stats`, { year: thisYear() });
  } catch (e) {
    if (ctx.alive())
      replace(box, errorBox(e));
    return;
  }
  if (!ctx.alive())
    return;
  const tk = s.tasks || {};
  const rate = tk.total ? fmtPct((100 * (tk.done_on_time || 0)) / tk.total) : t('common.none');
  const card = (label, value, sub, key, alert) => h('div', { class: ['kpi', alert && 'kpi-alert'], dataset: { kpi: key } },
    h('span', { class: 'kpi-label' }, label), h('span', { class: 'kpi-value' }, value, sub ? h('small', null, ` ${sub}`) : null));
  const byStreet = (s.by_street || []).filter((x) => x.street);
  replace(box,
    h('h2', { class: 'sr-only' }, t('mtg.statsTitle', { year: s.year || '' })),
    h('div', { class: 'race-summary' },
      card(t('mtg.kpi.meetings', { year: s.year || '' }), num(s.meetings), null, 'meetings'),
      card(t('mtg.kpi.itemsDecided'), num(s.items_decided), null, 'items_decided'),
      card(t('mtg.kpi.onTime'), num(tk.done_on_time), t('mtg.kpi.ofTasks', { total: num(tk.total), rate }), 'done_on_time'),
      card(t('mtg.kpi.open'), num(tk.open), tk.overdue ? t('mtg.kpi.overdueN', { n: num(tk.overdue) }) : null, 'open', tk.overdue > 0),
      card(t('mtg.kpi.solved'), num(s.requests_solved), null, 'requests_solved')),
    byStreet.length ? h('details', { class: 'more mtg-by-street' }, h('summary', null, t('mtg.byStreet')),
      table([
        { key: 'street', label: t('mtg.street'), cell: (x) => localName(x.street) },
        { key: 'tasks', label: t('mtg.kpi.tasks'), align: 'r', cell: (x) => num(x.tasks) },
        { key: 'done_on_time', label: t('mtg.kpi.onTime'), align: 'r', cell: (x) => num(x.done_on_time) },
      ], byStreet, { class: 'table-compact' })) : null);
}

/* 我的会商任务: the open ones first; done ones below. */
async function loadMyTasks(ctx, box) {
  let res;
  const reload = () => loadMyTasks(ctx, box);
  try {
    res = await get('/api/v1/meeting-tasks', { mine: 1 });
  } catch (e) {
    if (ctx.alive())
      replace(box, errorBox(e, reload));
    return;
  }
  if (!ctx.alive())
    return;
  const items = res.items || [];
  const open = items.filter((x) => x.status !== 'done');
  const done = items.filter((x) => x.status === 'done');
  replace(box,
    items.length ? null : empty(t('mtg.noTasks')),
    open.length ? taskTable(open, { meeting: true, showItem: true, canUpdate: () => true, reload }) : null,
    done.length ? h('details', { class: 'more' }, h('summary', null, t('mtg.doneTasks', { n: done.length })),
      taskTable(done, { meeting: true, showItem: true, canUpdate: () => true, reload })) : null);
}

async function loadProposals(ctx, box) {
  let res;
  try {
    res = await get('/api/v1/meeting-proposals');
  } catch (e) {
    if (ctx.alive())
      replace(box, errorBox(e));
    return;
  }
  if (!ctx.alive())
    return;
  const items = res.items || [];
  replace(box, items.length ? [h('p', { class: 'muted mtg-lead' }, t('mtg.proposalsLead')), itemTable(items)] : empty(t('mtg.noProposals')));
}

function itemTable(items) {
  return table([
    { key: 'kind', label: t('mtg.item.kind'), class: 'nowrap', cell: (x) => t(`mtg.kind.${x.kind}`) },
    { key: 'title', label: t('mtg.item.title'), class: 'strong', cell: itemTitle },
    { key: 'proposed_by', label: t('mtg.proposedBy'), class: 'nowrap', cell: (x) => (x.proposed_by ? x.proposed_by.name : null) },
    { key: 'note', label: t('mtg.item.note'), class: 'wrap' },
    { key: 'meeting', label: t('mtg.task.meeting'), class: 'nowrap', cell: (x) => (x.meeting
      ? h('a', { href: `#/meetings/${x.meeting.id}` }, `${day(x.meeting.held_on)} ${x.meeting.title}`) : badge(t('mtg.unscheduled'), 'gold')) },
  ], items, { class: 'table-compact' });
}

function itemTitle(x) {
  const title = x.title || (x.request && x.request.title) || '';
  if (x.request && x.request.id)
    return [h('a', { class: 'mtg-title-link', href: `#/${x.kind === 'finding' ? 'inspections' : 'requests'}/${x.request.id}` }, title),
      x.request.enterprise ? h('span', { class: 'muted' }, ` · ${x.request.enterprise.name}`) : null];
  return title;
}

/* ---------- create / edit a meeting ---------- */

async function editMeeting(m, onSaved) {
  const { departments: depts, streets: sts } = await loadRefs();
  const title = input('title', { maxlength: 200, required: true, value: m ? m.title : '' });
  const heldOn = input('held_on', { type: 'date', required: true, value: m ? m.held_on : '' });
  const startsAt = input('starts_at', { type: 'time', value: m ? m.starts_at : '' });
  const place = input('place', { maxlength: 200, value: m ? m.place : '' });
  const chair = input('chair', { maxlength: 100, value: m ? m.chair : '' });
  const level = h('select', { name: 'level', class: 'input' }, LEVELS.map((l) =>
    h('option', { value: l, selected: l === (m ? m.level : 'district') }, t(`mtg.level.${l}`))));
  const p = (m && m.participants) || {};
  const dGroup = checkGroup('departments', t('mtg.depts'), depts, p.departments, 'mtg-departments');
  const sGroup = checkGroup('streets', t('mtg.streets'), sts, p.streets, 'mtg-streets');
  const showStreets = () => { sGroup.hidden = level.value !== 'district_street'; };
  level.addEventListener('change', showStreets);
  showStreets();
  const errLine = formErrorLine();
  const save = h('button', { class: 'btn btn-primary', type: 'submit', dataset: { testid: 'mtg-save' } }, t('common.save'));
  const f = h('form', { class: 'form', novalidate: true },
    field(t('mtg.meetingTitle'), title),
    h('div', { class: 'form-grid' }, field(t('mtg.date'), heldOn), field(t('mtg.time'), startsAt)),
    h('div', { class: 'form-grid' }, field(t('mtg.place'), place), field(t('mtg.chair'), chair)),
    field(t('mtg.level'), level),
    dGroup, sGroup, errLine,
    h('div', { class: 'form-actions' }, h('button', { class: 'btn', type: 'button', on: { click: () => dlg.close() } }, t('common.cancel')), save));
  const dlg = modal(m ? t('mtg.edit') : t('mtg.new'), f, { class: 'modal-wide' });
  f.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearAll(f, errLine);
    const body = {
      title: title.value.trim(), held_on: heldOn.value, level: level.value, departments: dGroup.values(),
      streets: level.value === 'district_street' ? sGroup.values() : [],
    };
    if (startsAt.value)
      body.starts_at = startsAt.value;
    body.place = place.value.trim();
    body.chair = chair.value.trim();
    const missing = [['title', body.title], ['held_on', body.held_on]].filter(([, v]) => !v);
    if (missing.length) {
      for (const [k] of missing)
        f.querySelector(`[name=${k}]`).closest('.field').setError(t('err.required'));
      return;
    }
    save.disabled = true;
    try {
      const saved = m ? await patch(`${API}/${m.id}`, body) : await post(API, body);
      dlg.close();
      toast(t(m ? 'mtg.saved' : 'mtg.created'));
      onSaved(saved || m);
    } catch (err) {
      save.disabled = false;
      placeError(f, err, errLine);
    }
  });
}

/* ---------- one meeting ---------- */

async function detail(ctx, id) {
  const load = async () => {
    let m;
    let depts;
    try {
      [m, { departments: depts }] = await Promise.all([get(`${API}/${id}`), loadRefs()]);
    } catch (e) {
      if (ctx.alive())
        replace(ctx.el, backLink(), pageHeader(t('mtg.title')), errorBox(e, load));
      return;
    }
    if (ctx.alive())
      drawDetail(ctx, m, load, depts);
  };
  await load();
}

function backLink() {
  return h('p', { class: 'back no-print' }, h('a', { href: '#/meetings' }, `‹ ${t('mtg.backToList')}`));
}

/* 一、二、三… for the agenda, as the minutes number them (up to 99). */
const CN = ['', '一', '二', '三', '四', '五', '六', '七', '八', '九'];
function cnNumber(n) {
  if (n < 10)
    return CN[n];
  const tens = Math.floor(n / 10);
  return `${tens > 1 ? CN[tens] : ''}十${CN[n % 10]}`;
}
function itemNo(i) {
  return t('mtg.itemNo', { n: getLang() === 'zh' ? cnNumber(i + 1) : i + 1 });
}

function drawDetail(ctx, m, reload, depts) {
  const u = ctx.user;
  const convener = isConvener(u, m);
  const planned = m.status !== 'held';
  const minutes = `${API}/${m.id}/minutes`;
  const actions = [
    convener ? h('button', { class: 'btn', type: 'button', dataset: { testid: 'mtg-edit' },
      on: { click: () => editMeeting(m, () => reload()) } }, t('mtg.edit')) : null,
    convener ? h('button', { class: 'btn', type: 'button', dataset: { testid: 'mtg-add-item' },
      on: { click: () => addItem(m, reload) } }, `＋ ${t('mtg.addItem')}`) : null,
    convener && planned ? h('button', { class: 'btn btn-primary', type: 'button', dataset: { testid: 'mtg-held' },
      on: { click: () => markHeld(m, reload) } }, t('mtg.markHeld')) : null,
    h('a', { class: 'btn', href: minutes, target: '_blank', rel: 'noopener', dataset: { testid: 'mtg-minutes' } }, t('mtg.minutesHtml')),
    h('a', { class: 'btn', href: `${minutes}.docx`, download: `${m.title}.docx`, dataset: { testid: 'mtg-docx' } }, t('mtg.minutesDocx')),
  ];
  const p = m.participants || {};
  const info = h('dl', { class: 'kv-grid' },
    kv(t('mtg.when'), when(m), 'when'),
    kv(t('mtg.place'), m.place, 'place'),
    kv(t('mtg.chair'), m.chair, 'chair'),
    kv(t('mtg.level'), t(`mtg.level.${m.level}`), 'level'),
    kv(t('mtg.convener'), m.convener ? m.convener.name : null, 'convener'),
    kv(t('mtg.statusLabel'), meetingStatus(m), 'status'),
    kv(t('mtg.depts'), units({ departments: p.departments }), 'departments'),
    m.level === 'district_street' || (p.streets || []).length ? kv(t('mtg.streets'), units({ streets: p.streets }), 'streets') : null);
  const items = m.items || [];
  const carried = m.carried_tasks || [];
  /* a participant updates the tasks that fall to it (its department, or
   * the street its department stands for); a convener any */
  const own = (depts || []).find((d) => d.id === u.department_id);
  const myStreet = u.street_id || (own && (own.street_id || (own.street && own.street.id))) || 0;
  const mineTask = (x) => convener || (u.role === 'department' && ((x.department && x.department.id === u.department_id)
    || (x.street && myStreet && x.street.id === myStreet)));
  replace(ctx.el,
    backLink(),
    pageHeader(m.title, `${when(m)}${m.place ? ` · ${m.place}` : ''}`, ...actions.filter(Boolean)),
    panel(t('mtg.info'), info),
    panel(t('mtg.agenda', { n: items.length }), items.length
      ? h('ol', { class: 'mtg-agenda', dataset: { testid: 'agenda' } }, items.map((x, i) => agendaItem(m, x, i, { convener, mineTask, reload })))
      : empty(t('mtg.noItems')), { class: 'mtg-agenda-panel' }),
    carried.length || convener ? panel(t('mtg.carriedTitle', { n: carried.length }), carried.length
      ? [h('p', { class: 'muted mtg-lead' }, t('mtg.carriedLead')), h('div', { dataset: { testid: 'carried' } },
        taskTable(carried, { carried: true, meeting: true, showItem: true, canUpdate: mineTask, reload }))]
      : empty(t('mtg.noCarried')), { class: 'mtg-carried-panel' }) : null);
}

function agendaItem(m, x, i, o) {
  const decided = Boolean(x.decision);
  const partnerNames = units(x.partners);
  return h('li', { class: ['mtg-item', decided ? 'mtg-item-decided' : 'mtg-item-open'], dataset: { item: String(x.id), kind: x.kind } },
    h('div', { class: 'mtg-item-head' },
      h('span', { class: 'mtg-item-no' }, itemNo(i)),
      h('h3', { class: 'mtg-item-title' }, itemTitle(x)),
      h('span', { class: 'tag' }, t(`mtg.kind.${x.kind}`)),
      x.request && x.request.status ? statusBadge(x.request.status) : null,
      decided ? badge(t('mtg.decided'), 'green') : badge(t('mtg.pending'), 'gold'),
      o.convener ? h('button', { class: ['btn', 'btn-small', !decided && 'btn-primary', 'no-print'], type: 'button',
        dataset: { testid: 'item-decide' }, on: { click: () => decide(m, x, o.reload) } }, t(decided ? 'mtg.editDecision' : 'mtg.recordDecision')) : null),
    x.proposed_by || x.note ? h('p', { class: 'muted mtg-item-note' },
      x.proposed_by ? t('mtg.proposedByName', { name: x.proposed_by.name }) : null,
      x.proposed_by && x.note ? t('req.semicolon') : null, x.note || null) : null,
    decided ? h('dl', { class: 'mtg-decision', dataset: { testid: 'decision' } },
      kv(t('mtg.decision'), h('span', { class: 'pre' }, x.decision), 'decision'),
      kv(t('mtg.lead'), refName(x.lead_department, 'departments'), 'lead'),
      kv(t('mtg.partners'), partnerNames, 'partners')) : null,
    (x.tasks || []).length ? taskTable(x.tasks, { canUpdate: o.mineTask, reload: o.reload }) : null);
}

async function markHeld(m, reload) {
  if (!await confirmBox(t('mtg.heldConfirm', { title: m.title })))
    return;
  try {
    await patch(`${API}/${m.id}`, { status: 'held' });
    toast(t('mtg.heldDone'));
    reload();
  } catch (err) {
    toast(errorText(err, { field: true }), 'error');
  }
}

function addItem(m, reload) {
  const kind = h('select', { name: 'kind', class: 'input', dataset: { testid: 'item-kind' } },
    KINDS.map((k) => h('option', { value: k }, t(`mtg.kind.${k}`))));
  const reqId = input('request_id', { type: 'number', min: 1, step: 1, inputmode: 'numeric' });
  const title = input('title', { maxlength: 200 });
  const note = h('textarea', { name: 'note', class: 'input textarea', rows: 3, maxlength: 2000 });
  const reqField = field(t('mtg.item.requestId'), reqId, t('mtg.item.requestHint'));
  const titleField = field(t('mtg.item.title'), title);
  const sync = () => {
    reqField.hidden = kind.value === 'topic';
    reqField.querySelector('.field-label').textContent = t(kind.value === 'finding' ? 'mtg.item.findingId' : 'mtg.item.requestId');
  };
  kind.addEventListener('change', sync);
  sync();
  const errLine = formErrorLine();
  const save = h('button', { class: 'btn btn-primary', type: 'submit', dataset: { testid: 'item-save' } }, t('mtg.addItem'));
  const f = h('form', { class: 'form', novalidate: true }, field(t('mtg.item.kind'), kind), reqField, titleField,
    field(t('mtg.item.note'), note), errLine,
    h('div', { class: 'form-actions' }, h('button', { class: 'btn', type: 'button', on: { click: () => dlg.close() } }, t('common.cancel')), save));
  const dlg = modal(t('mtg.addItem'), f, { class: 'modal-small' });
  f.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearAll(f, errLine);
    const body = { kind: kind.value };
    if (kind.value !== 'topic') {
      if (!reqId.value) {
        reqField.setError(t('err.required'));
        return;
      }
      body.request_id = Number(reqId.value);
    }
    if (title.value.trim())
      body.title = title.value.trim();
    if (note.value.trim())
      body.note = note.value.trim();
    save.disabled = true;
    try {
      await post(`${API}/${m.id}/items`, body);
      dlg.close();
      toast(t('mtg.itemAdded'));
      reload();
    } catch (err) {
      save.disabled = false;
      placeError(f, err, errLine);
    }
  });
}

/* ---------- the decision on an item ---------- */

/* One follow-up task's row: title, who (a department or a street), deadline
 * in working days or a date.  Named as the API's fields so an error finds it. */
function taskRow(i, depts, sts, x, onRemove) {
  const pre = `tasks[${i}]`;
  const title = input(`${pre}.title`, { maxlength: 200, value: x ? x.title : '', 'aria-label': t('mtg.task.title') });
  const who = h('select', { name: `${pre}.department_id`, class: 'input', 'aria-label': t('mtg.task.assignee'), dataset: { testid: 'task-assignee' } },
    h('option', { value: '' }, t('mtg.task.chooseAssignee')),
    h('optgroup', { label: t('mtg.depts') }, depts.map((d) => h('option', { value: `d${d.id}`,
      selected: Boolean(x && x.department && x.department.id === d.id) }, localName(d)))),
    sts.length ? h('optgroup', { label: t('mtg.streets') }, sts.map((s) => h('option', { value: `s${s.id}`,
      selected: Boolean(x && x.street && x.street.id === s.id) }, localName(s)))) : null);
  const mode = h('select', { name: `${pre}.mode`, class: 'input', 'aria-label': t('mtg.task.dueKind'), dataset: { testid: 'task-mode' } },
    h('option', { value: 'days' }, t('mtg.task.workdays')), h('option', { value: 'date', selected: Boolean(x && x.due_on && !x.due_workdays) }, t('mtg.task.date')));
  const days = input(`${pre}.due_workdays`, { type: 'number', min: 1, max: 365, step: 1, value: x && x.due_workdays ? String(x.due_workdays) : '10',
    'aria-label': t('mtg.task.workdays') });
  const date = input(`${pre}.due_on`, { type: 'date', value: x && x.due_on ? x.due_on : '', 'aria-label': t('mtg.task.date') });
  const wrapF = (ctl) => {
    const err = h('div', { class: 'field-error', role: 'alert' });
    const el = h('div', { class: 'field' }, ctl, err);
    el.setError = (text) => {
      err.textContent = text || '';
      el.classList.toggle('has-error', Boolean(text));
      if (text)
        ctl.setAttribute('aria-invalid', 'true');
      else
        ctl.removeAttribute('aria-invalid');
    };
    return el;
  };
  const daysF = wrapF(days);
  const dateF = wrapF(date);
  const sync = () => { daysF.hidden = mode.value !== 'days'; dateF.hidden = mode.value !== 'date'; };
  mode.addEventListener('change', sync);
  sync();
  const row = h('div', { class: 'mtg-task-row', dataset: { field: pre, testid: 'task-row' } },
    h('span', { class: 'mtg-task-no', 'aria-hidden': 'true' }, `${i + 1}.`),
    wrapF(title), wrapF(who), h('div', { class: 'field' }, mode), daysF, dateF,
    h('button', { class: 'btn btn-small btn-danger-ghost', type: 'button', 'aria-label': t('mtg.task.remove', { n: i + 1 }),
      on: { click: onRemove } }, '×'),
    h('div', { class: 'field-error group-error', role: 'alert' }));
  row.value = () => {
    const v = { title: title.value.trim() };
    if (who.value.startsWith('d'))
      v.department_id = Number(who.value.slice(1));
    else if (who.value.startsWith('s'))
      v.street_id = Number(who.value.slice(1));
    if (mode.value === 'days')
      v.due_workdays = days.value === '' ? null : Number(days.value);
    else
      v.due_on = date.value;
    return v;
  };
  row.isEmpty = () => !title.value.trim() && !who.value;
  return row;
}

async function decide(m, x, reload) {
  const { departments: depts, streets: sts } = await loadRefs();
  const decision = h('textarea', { name: 'decision', class: 'input textarea', rows: 4, maxlength: 4000, value: x.decision || '' });
  const lead = h('select', { name: 'lead_department_id', class: 'input', dataset: { testid: 'lead' } },
    h('option', { value: '' }, t('mtg.chooseLead')),
    depts.map((d) => h('option', { value: String(d.id), selected: Boolean(x.lead_department && x.lead_department.id === d.id) }, localName(d))));
  const pt = x.partners || {};
  const pDepts = checkGroup('partners.departments', t('mtg.partnerDepts'), depts, pt.departments, 'partner-departments');
  const pStreets = checkGroup('partners.streets', t('mtg.partnerStreets'), sts, pt.streets, 'partner-streets');
  const rowsBox = h('div', { class: 'mtg-task-rows' });
  const seed = (x.tasks || []).length ? x.tasks : [null];
  let rows = [];
  const draw = (values) => {
    rows = values.map((v, i) => taskRow(i, depts, sts, v, () => {
      const keep = rows.filter((_, j) => j !== i).map((r) => r.value());
      draw(keep.map(asTask));
    }));
    replace(rowsBox, rows);
  };
  /* a row's value back into the shape of a task, to draw it again */
  const asTask = (v) => ({ title: v.title, department: v.department_id ? { id: v.department_id } : null,
    street: v.street_id ? { id: v.street_id } : null, due_workdays: v.due_workdays || 0, due_on: v.due_on || '' });
  draw(seed);
  const more = h('button', { class: 'btn btn-small', type: 'button', dataset: { testid: 'task-add' },
    on: { click: () => { draw([...rows.map((r) => asTask(r.value())), null]); rows[rows.length - 1].querySelector('input').focus(); } } },
  `＋ ${t('mtg.task.add')}`);
  const errLine = formErrorLine();
  const save = h('button', { class: 'btn btn-primary', type: 'submit', dataset: { testid: 'decision-save' } }, t('mtg.saveDecision'));
  const f = h('form', { class: 'form', novalidate: true },
    h('p', { class: 'muted' }, itemTitle(x)),
    field(t('mtg.decision'), decision),
    field(t('mtg.lead'), lead),
    pDepts, pStreets,
    h('fieldset', { class: 'field mtg-task-set', dataset: { field: 'tasks' } },
      h('legend', { class: 'field-label' }, t('mtg.task.heading')),
      h('p', { class: 'field-hint' }, t('mtg.task.hint', { day: day(m.held_on) })),
      rowsBox, more, h('div', { class: 'field-error group-error', role: 'alert' })),
    errLine,
    h('div', { class: 'form-actions' }, h('button', { class: 'btn', type: 'button', on: { click: () => dlg.close() } }, t('common.cancel')), save));
  const dlg = modal(t('mtg.recordDecision'), f, { class: 'modal-wide' });
  f.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearAll(f, errLine);
    if (!decision.value.trim()) {
      decision.closest('.field').setError(t('err.required'));
      decision.focus();
      return;
    }
    const body = {
      decision: decision.value.trim(),
      lead_department_id: lead.value ? Number(lead.value) : null,
      partners: { departments: pDepts.values(), streets: pStreets.values() },
      tasks: rows.filter((r) => !r.isEmpty()).map((r) => r.value()),
    };
    save.disabled = true;
    try {
      await put(`${API}/${m.id}/items/${x.id}/decision`, body);
      dlg.close();
      toast(t('mtg.decisionSaved'));
      reload();
    } catch (err) {
      save.disabled = false;
      /* the rows sent are the non-empty ones: tasks[i] counts those */
      placeError(f, err, errLine, rowField(err, rows));
    }
  });
}

/* tasks[i] in an error counts the rows sent (empty rows are left out):
 * the field naming that row on the form. */
function rowField(err, rows) {
  const mt = /^tasks\[(\d+)\](.*)$/.exec((err && err.field) || '');
  if (!mt)
    return null;
  const sent = rows.map((r, j) => (r.isEmpty() ? -1 : j)).filter((j) => j >= 0);
  const j = sent[Number(mt[1])];
  return j === undefined ? null : `tasks[${j}]${mt[2]}`;
}

/* ---------- the request page's pieces ---------- */

/* 提交联席会商: propose request r for the next joint meeting. */
export function proposeDialog(r, onDone) {
  const note = h('textarea', { name: 'note', class: 'input textarea', rows: 3, maxlength: 2000 });
  const errLine = formErrorLine();
  const ok = h('button', { class: 'btn btn-primary', type: 'submit', dataset: { testid: 'propose-save' } }, t('mtg.propose'));
  const f = h('form', { class: 'form', novalidate: true },
    h('p', null, t('mtg.proposeLead')),
    field(t('mtg.proposeNote'), note, t('mtg.proposeHint')),
    errLine,
    h('div', { class: 'form-actions' }, h('button', { class: 'btn', type: 'button', on: { click: () => dlg.close() } }, t('common.cancel')), ok));
  const dlg = modal(`${t('mtg.propose')} · ${r.title}`, f, { class: 'modal-small' });
  f.addEventListener('submit', async (e) => {
    e.preventDefault();
    errLine.textContent = '';
    ok.disabled = true;
    try {
      const item = await post('/api/v1/meeting-proposals', { request_id: r.id, ...(note.value.trim() ? { note: note.value.trim() } : {}) });
      dlg.close();
      toast(item && (item.meeting_id || item.meeting) ? t('mtg.proposedFor') : t('mtg.proposedPending'));
      if (onDone)
        onDone(item);
    } catch (err) {
      ok.disabled = false;
      errLine.textContent = errorText(err, { field: true });
    }
  });
}

/*
 * A meeting_decided history event's detail in words: 会商决定：…；牵头单位：…
 * with the meeting's title and date, linked to the meeting when link is
 * true (an enterprise reads the outcome, not the meeting); depts (the
 * reference list) names the lead department in the UI's language.
 */
export function decisionDetail(d, link, depts) {
  let o = d;
  if (typeof o === 'string') {
    try {
      o = JSON.parse(o);
    } catch {
      return o;
    }
  }
  if (!o || typeof o !== 'object')
    return '';
  /* the lead department: a reference, or its (Chinese) name as recorded then */
  const ld = o.lead_department;
  const known = ld && (depts || []).find((x) => (typeof ld === 'object' ? x.id === ld.id : x.name === ld));
  const lead = known ? localName(known) : ld && typeof ld === 'object' ? localName(ld) : ld;
  const meeting = [day(o.held_on), o.meeting_title].filter(Boolean).join(' ');
  return h('span', { class: 'mtg-event', dataset: { testid: 'meeting-decided' } },
    h('span', null, `${t('mtg.ev.decision')}${t('req.colon')}${String(o.decision || '').replace(/[。．.；;，,\s]+$/, '')}`),
    lead ? [t('req.semicolon'), h('span', null, `${t('mtg.ev.lead')}${t('req.colon')}${lead}`)] : null,
    meeting ? [t('req.semicolon'), h('span', null, `${t('mtg.ev.meeting')}${t('req.colon')}`),
      link && o.meeting_id ? h('a', { class: 'mtg-title-link', href: `#/meetings/${o.meeting_id}`, dataset: { testid: 'meeting-link' } }, meeting)
        : meeting] : null);
}
