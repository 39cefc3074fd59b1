/*
 * importer.js -- #/enterprises/import: import enterprises from a CSV
 * (UTF-8 or GBK) or XLSX file.  The file goes to the server as it is
 * (POST /api/v1/enterprises/import, raw body); the page polls the import
 * job, shows a progress bar with a cancel button, then the counts and
 * every refused row with its line number.  The user chooses all-or-nothing
 * or good rows only and can try a dry run first.
 *
 * Every import of the UI is such a job (enterprises here, leads/projects/
 * trips in raceimport.js, indicator values and targets in indicators.js,
 * yearly facts in facts.js): jobProgress() and runImportJob() below are
 * the one way they upload a file, follow the job and let its owner cancel
 * it; importForm() is the whole form with its report (enterprises, facts).
 */
import { h, replace } from '../dom.js';
import { get, post, upload } from '../api.js';
import { t, num } from '../../i18n.js';
import { pageHeader, panel, table, errorText, badge, toast, fieldCell, problemCell } from '../ui.js';

const POLL_MS = 400;
export const JOB_ENDED = ['done', 'failed', 'cancelled'];

/* The progress of an import job: a bar, a line of text and, while the job
 * runs, a cancel button (POST /api/v1/imports/{id}/cancel).  testid
 * prefixes the test ids (…-progress, …-cancel).  update(job) shows one
 * answer of the job. */
export function jobProgress(testid) {
  const bar = h('div', { class: 'progress-bar', style: { width: '0%' } });
  const prog = h('div', { class: 'progress', role: 'progressbar', 'aria-label': t('imp.progressName'), 'aria-valuemin': '0', 'aria-valuemax': '100', 'aria-valuenow': '0' }, bar);
  const text = h('div', { class: 'progress-text', dataset: { testid: `${testid}-progress` }, 'aria-live': 'polite' }, t('imp.uploading'));
  const cancel = h('button', { class: 'btn btn-small btn-danger-ghost', type: 'button', hidden: true, dataset: { testid: `${testid}-cancel` } },
    t('imp.cancel'));
  let id = null;
  cancel.addEventListener('click', async () => {
    if (id === null)
      return;
    cancel.disabled = true;
    cancel.textContent = t('imp.cancelling');
    try {
      await post(`/api/v1/imports/${id}/cancel`);
    } catch (err) {
      if (err.status !== 409)   /* it ended meanwhile: the next answer says how */
        toast(errorText(err), 'error');
    }
  });
  const update = (job) => {
    id = job.id;
    const total = Number(job.total_rows) || 0;
    const toWrite = Math.max(0, total - (Number(job.error_rows) || 0));
    const writing = job.status === 'writing';
    const done = writing ? Number(job.written_rows) || 0 : Number(job.processed_rows) || 0;
    const of = writing ? toWrite : total;
    const pct = job.status === 'done' ? 100
      : of > 0 ? Math.min(100, Math.round((done * 100) / of)) : 0;
    bar.style.width = `${pct}%`;
    prog.setAttribute('aria-valuenow', String(pct));
    text.textContent = job.status === 'queued' ? t('imp.queued')
      : job.status === 'reading' ? t('imp.reading')
      : writing ? t('imp.writing', { done: num(done), total: num(of), pct })
      : job.status === 'cancelled' ? t('imp.cancelled')
      : t('imp.progress', { done: num(done), total: total ? num(total) : '?', pct });
    const running = !JOB_ENDED.includes(job.status);
    cancel.hidden = !running;
    if (running && job.cancel_requested) {
      cancel.disabled = true;
      cancel.textContent = t('imp.cancelling');
    }
  };
  return { el: h('div', { class: 'import-progress' }, prog, text, h('div', { class: 'form-actions form-actions-left' }, cancel)), update };
}

/* Upload file to path (params in the query string) and follow the job
 * until it ends, showing each answer with view.update(job).  Resolves with
 * the ended job, or null once the page is left. */
export async function runImportJob(ctx, path, params, file, view) {
  let job = await upload(path, params, file);
  while (ctx.alive() && job && !JOB_ENDED.includes(job.status)) {
    view.update(job);
    await new Promise((r) => setTimeout(r, POLL_MS));
    if (!ctx.alive())
      return null;
    job = await get(`/api/v1/imports/${job.id}`);
  }
  if (!ctx.alive())
    return null;
  view.update(job);
  return job;
}

/* What an ended job of an all-or-nothing import (leads, indicators) says:
 * {verdict: 'ok' | 'refused' | 'failed' | 'cancelled', errors, total}.
 * refused: rows were bad, nothing was written (errors by line, total
 * counted); failed: the file as a whole (report.fatal) or the server. */
export function jobOutcome(job) {
  const rep = job.report || {};
  const errors = Array.isArray(rep.errors) ? rep.errors : [];
  const total = Number(rep.error_count) || errors.length;
  if (job.status === 'cancelled')
    return { verdict: 'cancelled', errors, total, fatal: rep.fatal };
  if (job.status === 'failed')
    return { verdict: 'failed', errors, total, fatal: rep.fatal || { code: 'internal' } };
  if ((Number(job.error_rows) || 0) > 0)
    return { verdict: 'refused', errors, total };
  return { verdict: 'ok', errors, total, report: rep };
}

/* The enterprise registry's import page. */
export async function render(ctx) {
  const [form, result] = importForm(ctx, {
    path: '/api/v1/enterprises/import',
    fileHint: t('imp.fileHint'),
    columns: t('imp.columns'),
    template: { headers: TEMPLATE_HEADERS, filename: 'enterprises-template.csv' },
  });
  replace(ctx.el,
    h('p', { class: 'back' }, h('a', { href: '#/enterprises' }, `‹ ${t('ent.backToList')}`)),
    pageHeader(t('imp.title'), t('imp.subtitle')),
    panel(t('imp.upload'), form),
    result);
}

/*
 * The import component: a file field, the mode (all-or-nothing or good
 * rows), dry run and run buttons; the job's progress with cancel, then its
 * report (counts, refused rows by line).  Returns [form, result] for the
 * page to place.  opts: path (the import route), fileHint and columns
 * (texts under the file field), template {headers, filename} (a CSV to
 * fill in), testid (prefix of the test ids, default 'import'), accept
 * (the file field's types) and formatOf(file) (the format parameter;
 * default xlsx or csv by the name's ending), labels
 * {created, updated, wouldCreate, wouldUpdate} for the counts, kpis(job,
 * dry) extra counts, onDone(job) after a real import that wrote.
 */
export function importForm(ctx, opts) {
  const tid = opts.testid || 'import';
  const file = h('input', { type: 'file', name: 'file', accept: opts.accept || '.csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    class: 'input-file', dataset: { testid: `${tid}-file` } });
  const modeAll = h('input', { type: 'radio', name: 'mode', value: 'all', checked: true });
  const modeGood = h('input', { type: 'radio', name: 'mode', value: 'good' });
  const dryBtn = h('button', { class: 'btn', type: 'button', dataset: { testid: `${tid}-dry` } }, t('imp.dryRun'));
  const runBtn = h('button', { class: 'btn btn-primary', type: 'button', dataset: { testid: `${tid}-run` } }, t('imp.run'));
  const errLine = h('div', { class: 'form-error', role: 'alert' });
  const result = h('div', { class: 'import-result', dataset: { testid: `${tid}-result` } });
  const fileId = `${tid}-file`;

  const form = h('form', { class: 'form import-form', novalidate: true },
    h('div', { class: 'field' },
      h('label', { class: 'field-label', for: fileId }, t('imp.file')),
      Object.assign(file, { id: fileId }),
      h('div', { class: 'field-hint' }, opts.fileHint, ' ',
        h('a', { href: '#', dataset: { testid: `${tid}-template` }, on: { click: (e) => template(e, opts.template) } }, t('imp.template'))),
      h('div', { class: 'field-hint' }, opts.columns)),
    h('fieldset', { class: 'radio-group' },
      h('legend', { class: 'field-label' }, t('imp.mode')),
      h('label', { class: 'radio' }, modeAll, h('span', null, h('strong', null, t('imp.modeAll')), h('small', null, t('imp.modeAllHint')))),
      h('label', { class: 'radio' }, modeGood, h('span', null, h('strong', null, t('imp.modeGood')), h('small', null, t('imp.modeGoodHint'))))),
    errLine,
    h('div', { class: 'form-actions form-actions-left' }, dryBtn, runBtn));

  let busy = false;
  const start = async (dry) => {
    if (busy)
      return;
    errLine.textContent = '';
    const f = file.files && file.files[0];
    if (!f) {
      errLine.textContent = t('imp.noFile');
      return;
    }
    const format = opts.formatOf ? opts.formatOf(f) : /\.xlsx$/i.test(f.name) ? 'xlsx' : 'csv';
    const mode = modeGood.checked ? 'good' : 'all';
    busy = true;
    dryBtn.disabled = true;
    runBtn.disabled = true;
    const view = jobProgress(tid);
    replace(result, panel(dry ? t('imp.dryTitle') : t('imp.runTitle'), view.el));
    try {
      const params = { format, mode, filename: f.name };
      if (dry)
        params.dry_run = 1;
      const job = await runImportJob(ctx, opts.path, params, f, view);
      if (!job)
        return;
      replace(result, report(job, dry, mode, () => start(false), view.el, opts));
      if (!dry && job.status === 'done') {
        toast(t('imp.finished'));
        if (opts.onDone)
          opts.onDone(job);
      }
    } catch (err) {
      if (ctx.alive())
        replace(result, h('div', { class: 'state state-error', role: 'alert' }, errorText(err)));
    } finally {
      busy = false;
      dryBtn.disabled = false;
      runBtn.disabled = false;
    }
  };
  dryBtn.addEventListener('click', () => start(true));
  runBtn.addEventListener('click', () => start(false));
  form.addEventListener('submit', (e) => { e.preventDefault(); start(false); });
  return [form, result];
}

/* A CSV with the column headers the import understands, to fill in. */
const TEMPLATE_HEADERS = ['统一社会信用代码', '企业名称', '所属街道', '行业代码', '重点企业', '首席服务员', '挂钩部门',
  '联系人', '联系电话', '员工人数', '注册资本(万元)', '用地面积(亩)', '成立日期'];
function template(e, { headers, filename }) {
  e.preventDefault();
  const blob = new Blob([`\ufeff${headers.join(',')}\r\n`], { type: 'text/csv;charset=utf-8' });
  const url = URL.createObjectURL(blob);
  const a = h('a', { href: url, download: filename, hidden: true });
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

function report(job, dry, mode, runReal, progress, opts) {
  const L = opts.labels || {};
  const tid = opts.testid || 'import';
  const rep = job.report || {};
  const errors = rep.errors || [];
  const failed = job.status === 'failed';
  const cancelled = job.status === 'cancelled';
  const errRows = job.error_rows ?? new Set(errors.map((e) => e.line)).size;
  const nothingWritten = !dry && mode === 'all' && errRows > 0;
  const counts = h('div', { class: 'race-summary' },
    kpi(t('imp.total'), job.total_rows, 'total_rows'),
    kpi(dry ? L.wouldCreate || t('imp.wouldCreate') : L.created || t('imp.created'), job.created_rows ?? rep.created, 'created_rows'),
    kpi(dry ? L.wouldUpdate || t('imp.wouldUpdate') : L.updated || t('imp.updated'), job.updated_rows ?? rep.updated, 'updated_rows'),
    opts.kpis ? opts.kpis(job, dry) : null,
    kpi(t('imp.errors'), errRows, 'error_rows', errRows > 0));
  let verdict;
  if (cancelled)
    verdict = h('p', { class: 'import-verdict bad', dataset: { testid: `${tid}-cancelled` } },
      mode === 'good' && !dry && (job.created_rows || job.updated_rows) ? t('imp.cancelledKept') : t('imp.cancelledNothing'));
  else if (failed)
    verdict = h('p', { class: 'import-verdict bad', dataset: { testid: `${tid}-failed` } }, t('imp.failed'),
      rep.fatal && (rep.fatal.code || rep.fatal.message) ? ` ${errorText(rep.fatal)}` : rep.message || job.message ? ` ${rep.message || job.message}` : '');
  else if (dry)
    verdict = h('p', { class: 'import-verdict', dataset: { testid: `${tid}-verdict` } }, badge(t('imp.dryBadge'), 'gold'), ' ', t('imp.dryDone'));
  else if (nothingWritten)
    verdict = h('p', { class: 'import-verdict bad', dataset: { testid: `${tid}-verdict` } }, t('imp.nothingWritten'));
  else
    verdict = h('p', { class: 'import-verdict good', dataset: { testid: `${tid}-verdict` } }, t('imp.done'));
  const errTable = errors.length ? table([
    { key: 'line', label: t('imp.line'), align: 'r', class: 'nowrap' },
    { key: 'field', label: t('imp.field'), class: 'nowrap', cell: (x) => fieldCell(x.field) },
    { key: 'message', label: t('imp.message'), class: 'wrap', cell: problemCell },
  ], errors, { class: 'table-compact table-errors' }) : null;
  if (errTable)
    errTable.dataset.testid = `${tid}-errors`;
  const changes = rep.changes || [];
  const changeTable = changes.length ? table([
    { key: 'line', label: t('imp.line'), align: 'r' },
    { key: 'action', label: t('imp.action'), cell: (c) => (c.action ? t(`imp.act.${c.action}`) : null) },
    { key: 'credit_code', label: t('ent.creditCode'), class: 'mono nowrap' },
    { key: 'name', label: t('ent.name') },
    { key: 'fields', label: t('imp.changedFields'), class: 'wrap', cell: (c) => Object.entries(c.fields || {}).map(([k, v]) => `${k}: ${v && v.from != null ? v.from : ''} → ${v && v.to != null ? v.to : ''}`).join('; ') },
  ], changes.slice(0, 200), { class: 'table-compact' }) : null;
  return [
    panel(dry ? t('imp.dryTitle') : t('imp.runTitle'), [
      progress, verdict, counts,
      dry && !failed && !cancelled ? h('div', { class: 'form-actions form-actions-left' },
        h('button', { class: 'btn btn-primary', type: 'button', dataset: { testid: `${opts.testid || 'import'}-run-after-dry` }, on: { click: runReal } }, t('imp.runNow'))) : null,
    ]),
    errTable ? panel(t('imp.errorRows', { n: num(errors.length) }), errTable) : null,
    changeTable ? panel(t('imp.changes', { n: num(changes.length) }), changeTable) : null,
  ];
}

/* One count of a report: its label and value (data-kpi = key). */
export function kpi(label, value, key, alert) {
  return h('div', { class: ['kpi', alert && 'kpi-alert'] },
    h('span', { class: 'kpi-label' }, label),
    h('span', { class: 'kpi-value', dataset: { kpi: key } }, num(value ?? 0)));
}
