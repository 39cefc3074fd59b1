/*
 * calendar.js -- 工作日历 (admin): the working-day calendar of one year
 * that request deadlines are counted on.  Weekends and statutory holidays
 * are off, make-up working days (调休) on weekends are on.  A year view;
 * clicking a day switches it between working day and day off, with a note
 * (e.g. 国庆节); saving PUTs the year.  A year can also be loaded from an
 * iCalendar file (.ics, the format of public holiday feeds): POST
 * /api/v1/calendar/import.  No calendar cliff: while a year is not loaded,
 * due dates through it are provisional (Monday-Friday); loading it
 * recomputes them, and the page says how many.  From 1 November admins
 * are reminded to load next year (GET /api/v1/calendar/status), here and
 * in the banner of reminderBanner().
 */
import { h, replace } from '../dom.js';
import { get, put, upload } from '../api.js';
import { t, getLang } from '../../i18n.js';
import { pageHeader, panel, errorBox, loading, toast, errorText, input } from '../ui.js';
import { isoDay } from '../svc.js';
import { thisYear } from '../clock.js';

/* The mark beside a provisional date (counted Monday-Friday through a year
 * not loaded yet), or null. */
export function provisionalMark(provisional) {
  return provisional ? h('span', { class: 'tag cal-prov', title: t('cal.provisionalTitle'), dataset: { testid: 'due-provisional' } },
    t('cal.provisionalMark')) : null;
}

/* The calendar's status, or null when it cannot be read. */
async function status() {
  try {
    return await get('/api/v1/calendar/status');
  } catch {
    return null;
  }
}

/* The reminder to load next year, or null: for the calendar page and, for
 * admins, above every page. */
export async function reminderBanner() {
  const s = await status();
  if (!s || !s.remind)
    return null;
  return h('div', { class: 'note cal-remind', role: 'status', dataset: { testid: 'cal-remind' } },
    t('cal.remind', { year: s.next_year }), ' ',
    h('a', { href: `#/calendar/${s.next_year}` }, t('cal.remindLink', { year: s.next_year })));
}

/* The reminder as a banner above every page for admins (until closed, for
 * the session): showReminder() when the shell is built, reminder() by
 * each page change. */
let reminderEl = null;
export async function showReminder(view, admin) {
  reminderEl = null;
  if (!admin || sessionStorage.getItem('cal-remind-closed'))
    return;
  const b = await reminderBanner();
  if (!b)
    return;
  b.classList.add('cal-remind-banner');
  b.dataset.testid = 'cal-remind-banner';
  const close = h('button', { type: 'button', class: 'btn btn-small', 'aria-label': t('cal.remindClose') }, '×');
  close.addEventListener('click', () => {
    sessionStorage.setItem('cal-remind-closed', '1');
    reminderEl = null;
    b.remove();
  });
  b.appendChild(close);
  reminderEl = b;
  if (view.isConnected && !b.isConnected)
    view.prepend(b);
}
export const reminder = () => reminderEl;

/* After a year is loaded: the banner goes once next year is in. */
async function recheckReminder() {
  if (reminderEl && !((await status()) || { remind: true }).remind) {
    reminderEl.remove();
    reminderEl = null;
  }
}

export async function render(ctx) {
  const st = await status();
  if (!ctx.alive())
    return;
  const year0 = st ? st.year : thisYear();
  const years = [...new Set([2021, 2022, year0 - 1, year0, year0 + 1, ...((st && st.loaded) || [])])]
    .sort((a, b) => a - b);
  const want = Number(ctx.sub[0]) || Number(ctx.query.get('year')) || year0;
  const yearSel = h('select', { class: 'input', name: 'year', 'aria-label': t('cal.year') },
    years.map((y) => h('option', { value: String(y), selected: y === want }, String(y))));
  if (!years.includes(want))
    yearSel.appendChild(h('option', { value: String(want), selected: true }, String(want)));
  const body = h('div', null, loading());
  const remind = st && st.remind && !reminderEl ? await reminderBanner() : null;
  if (!ctx.alive())
    return;
  replace(ctx.el, pageHeader(t('cal.title'), t('cal.subtitle'),
    h('label', { class: 'inline-field' }, t('cal.year'), yearSel)), remind, body);
  yearSel.addEventListener('change', () => { location.hash = `#/calendar/${yearSel.value}`; });
  await load(ctx, body, want);
}

const defaultWork = (d) => d.getDay() !== 0 && d.getDay() !== 6;

async function load(ctx, body, year) {
  let cal;
  try {
    cal = await get(`/api/v1/calendar/${year}`);
  } catch (e) {
    if (ctx.alive())
      replace(body, errorBox(e, () => load(ctx, body, year)));
    return;
  }
  if (!ctx.alive())
    return;
  const given = cal.days || [];   // the exceptions: holidays and make-up working days
  /* day → {workday, note} */
  const days = new Map();
  for (let d = new Date(year, 0, 1); d.getFullYear() === year; d.setDate(d.getDate() + 1))
    days.set(isoDay(d), { workday: defaultWork(d), note: '' });
  for (const g of given)
    if (days.has(g.day))
      days.set(g.day, { workday: Boolean(g.workday), note: g.note || '' });

  let selected = null;
  const noteInput = input('note', { maxlength: 32, placeholder: t('cal.notePh') });
  const selLabel = h('strong');
  const toggle = h('button', { class: 'btn btn-small', type: 'button' });
  const editor = h('div', { class: 'cal-editor', hidden: true }, selLabel, toggle,
    h('label', { class: 'inline-field' }, t('cal.note'), noteInput));
  const saveBtn = h('button', { class: 'btn btn-primary', type: 'button', dataset: { testid: 'cal-save' } }, t('common.save'));
  const months = h('div', { class: 'cal-year' });
  const counts = h('span', { class: 'muted' });

  const cellFor = new Map();
  const paint = (k) => {
    const v = days.get(k);
    const d = new Date(`${k}T00:00:00`);
    const cell = cellFor.get(k);
    const weekend = !defaultWork(d);
    cell.className = ['cal-day', v.workday ? 'work' : 'off', weekend && v.workday && 'makeup', !v.workday && (!weekend || v.note) && 'holiday',
      k === selected && 'sel'].filter(Boolean).join(' ');
    cell.title = `${k} ${v.workday ? t('cal.workday') : t('cal.dayOff')}${v.note ? ` · ${v.note}` : ''}`;
  };
  const recount = () => {
    const work = [...days.values()].filter((v) => v.workday).length;
    counts.textContent = t('cal.counts', { work, off: days.size - work });
  };
  const select = (k) => {
    const prev = selected;
    selected = k;
    if (prev)
      paint(prev);
    paint(k);
    const v = days.get(k);
    selLabel.textContent = k;
    toggle.textContent = v.workday ? t('cal.makeOff') : t('cal.makeWork');
    noteInput.value = v.note;
    editor.hidden = false;
  };
  toggle.addEventListener('click', () => {
    const v = days.get(selected);
    v.workday = !v.workday;
    select(selected);
    recount();
  });
  noteInput.addEventListener('input', () => {
    days.get(selected).note = noteInput.value;
    paint(selected);
  });

  const wk = t('cal.weekdays').split('|');
  for (let m = 0; m < 12; m++) {
    const first = new Date(year, m, 1);
    const lead = (first.getDay() + 6) % 7;   // weeks start on Monday
    const cells = [];
    for (let i = 0; i < lead; i++)
      cells.push(h('span', { class: 'cal-pad' }));
    for (let d = new Date(first); d.getMonth() === m; d.setDate(d.getDate() + 1)) {
      const k = isoDay(d);
      const c = h('button', { type: 'button', dataset: { day: k }, on: { click: () => select(k) } }, String(d.getDate()));
      cellFor.set(k, c);
      cells.push(c);
    }
    const name = getLang() === 'en' ? first.toLocaleString('en-US', { month: 'long' }) : `${m + 1}月`;
    months.appendChild(h('div', { class: 'cal-month' },
      h('div', { class: 'cal-month-name' }, name),
      h('div', { class: 'cal-grid' }, wk.map((w) => h('span', { class: 'cal-wd' }, w)), cells)));
  }
  for (const k of days.keys())
    paint(k);
  recount();

  saveBtn.addEventListener('click', async () => {
    const out = [];
    for (const [k, v] of days) {
      const d = new Date(`${k}T00:00:00`);
      /* Only exceptions: a day off on a weekday or a weekend day with a
       * note (a holiday), a working weekend day (调休). */
      if (v.workday !== defaultWork(d) || (v.note && !v.workday))
        out.push({ day: k, workday: v.workday, note: v.note });
    }
    saveBtn.disabled = true;
    try {
      const r = await put(`/api/v1/calendar/${year}`, { days: out });
      toast(r && r.recomputed ? t('cal.recomputed', { n: r.recomputed }) : t('common.saved'));
      await recheckReminder();
      if (ctx.alive())
        await load(ctx, body, year);
    } catch (e) {
      toast(errorText(e), 'error');
    }
    saveBtn.disabled = false;
  });

  const legend = h('div', { class: 'cal-legend' },
    h('span', { class: 'cal-day work' }, '1'), t('cal.workday'),
    h('span', { class: 'cal-day off' }, '1'), t('cal.weekend'),
    h('span', { class: 'cal-day off holiday' }, '1'), t('cal.holiday'),
    h('span', { class: 'cal-day work makeup' }, '1'), t('cal.makeup'));
  replace(body,
    cal.loaded === false ? h('p', { class: 'note', dataset: { testid: 'cal-not-loaded' } }, t('cal.notLoaded', { year }),
      ' ', t('cal.provisional')) : null,
    panel(t('cal.yearTitle', { year }), [h('div', { class: 'cal-tools' }, legend, counts), editor, months,
      h('div', { class: 'form-actions form-actions-left' }, saveBtn)]),
    importPanel(ctx, body, year));
}

/* Load the year from an .ics file of holidays and make-up days. */
function importPanel(ctx, body, year) {
  const file = h('input', { type: 'file', accept: '.ics,text/calendar', id: 'cal-ics', name: 'ics',
    dataset: { testid: 'cal-ics' } });
  const result = h('p', { class: 'muted', role: 'status', 'aria-live': 'polite', dataset: { testid: 'cal-ics-result' } });
  const btn = h('button', { class: 'btn', type: 'button', dataset: { testid: 'cal-import' } }, t('cal.importBtn', { year }));
  btn.addEventListener('click', async () => {
    const f = file.files && file.files[0];
    if (!f) {
      result.textContent = t('cal.importPick');
      return;
    }
    btn.disabled = true;
    result.className = 'muted';
    try {
      const r = await upload('/api/v1/calendar/import', { year, source: f.name.slice(0, 200) }, f);
      toast(t('cal.imported', { holidays: r.holidays, makeup: r.makeup_days, n: r.recomputed || 0 }));
      await recheckReminder();
      if (ctx.alive())
        await load(ctx, body, year);
      return;
    } catch (e) {
      result.className = 'form-error';
      result.textContent = errorText(e);
    }
    btn.disabled = false;
  });
  return panel(t('cal.importTitle'), [
    h('p', { class: 'muted' }, t('cal.importHelp')),
    h('div', { class: 'form-actions form-actions-left' },
      h('label', { for: 'cal-ics', class: 'inline-field' }, t('cal.importFile'), file), btn),
    result]);
}
