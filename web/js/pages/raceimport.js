/*
 * raceimport.js -- the import panel of the 赛马招商 pages (leads, trips):
 * a CSV or XLSX file of leads, projects or trips goes to the server as it
 * is (POST /api/v1/race/import?kind=…&dry_run=1, raw body, X-CSRF-Token
 * from api.js) and is imported as a job, followed with a progress bar and
 * a cancel button (importer.js).  A dry run comes first; the real import
 * is offered only after a dry run of the same file and kind passed.  The
 * job's report has {kind, dry_run, rows, created, duplicates}, or the
 * "errors" ([{line, field, code, message}]) listed with their line numbers
 * -- nothing is written when any row is bad.
 */
import { h, replace } from '../dom.js';
import { t, num } from '../../i18n.js';
import { panel, select, toast, badge, errorText, importErrors } from '../ui.js';
import { jobProgress, runImportJob, jobOutcome } from './importer.js';

export const IMPORT_KINDS = ['leads', 'projects', 'trips'];

/* The panel; kind is the page's default kind, reload() runs after a real import. */
export function raceImportPanel(ctx, kind, reload) {
  const kindSel = select('kind', IMPORT_KINDS.map((k) => [k, t(`rimp.kind.${k}`)]), kind);
  kindSel.dataset.testid = 'rimp-kind';
  const file = h('input', { type: 'file', name: 'file', id: `rimp-file-${kind}`, class: 'input-file',
    accept: '.csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', dataset: { testid: 'rimp-file' } });
  const hint = h('div', { class: 'field-hint', dataset: { testid: 'rimp-columns' } });
  const setHint = () => { hint.textContent = t(`rimp.cols.${kindSel.value}`); };
  setHint();
  const dryBtn = h('button', { class: 'btn', type: 'button', dataset: { testid: 'rimp-dry' } }, t('rimp.dry'));
  const runBtn = h('button', { class: 'btn btn-primary', type: 'button', disabled: true, dataset: { testid: 'rimp-run' },
    title: t('rimp.runHint') }, t('rimp.run'));
  const errLine = h('div', { class: 'form-error', role: 'alert' });
  const result = h('div', { class: 'rimp-result', dataset: { testid: 'rimp-result' }, 'aria-live': 'polite' });

  /* The file and kind of the last dry run that passed. */
  let passed = null;
  const reset = () => {
    passed = null;
    runBtn.disabled = true;
    replace(result);
  };
  kindSel.addEventListener('change', () => { setHint(); reset(); });
  file.addEventListener('change', reset);

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
    if (!dry && !(passed && passed.file === f && passed.kind === kindSel.value)) {
      errLine.textContent = t('rimp.dryFirst');
      return;
    }
    const k = kindSel.value;
    busy = true;
    dryBtn.disabled = true;
    runBtn.disabled = true;
    const view = jobProgress('rimp');
    replace(result, view.el);
    try {
      const params = { kind: k, format: /\.xlsx$/i.test(f.name) ? 'xlsx' : 'csv', filename: f.name };
      if (dry)
        params.dry_run = 1;
      const job = await runImportJob(ctx, '/api/v1/race/import', params, f, view);
      if (!job)
        return;
      const out = jobOutcome(job);
      if (out.verdict !== 'ok') {
        passed = null;
        replace(result, badResult(out));
      } else if (dry) {
        replace(result, goodResult(out.report, dry));
        passed = { file: f, kind: k };
      } else {
        replace(result, goodResult(out.report, dry));
        passed = null;
        toast(t('rimp.done', { n: num(out.report.created || 0) }));
        if (reload)
          reload();
      }
    } catch (err) {
      passed = null;
      if (ctx.alive())
        replace(result, h('p', { class: 'import-verdict bad', dataset: { testid: 'rimp-verdict' } }, errorText(err)));
    } finally {
      busy = false;
      dryBtn.disabled = false;
      runBtn.disabled = !passed;
    }
  };
  dryBtn.addEventListener('click', () => start(true));
  runBtn.addEventListener('click', () => start(false));

  const form = h('form', { class: 'form rimp-form', novalidate: true, on: { submit: (e) => { e.preventDefault(); start(true); } } },
    h('div', { class: 'rimp-controls' },
      h('label', { class: 'inline-field' }, h('span', null, t('rimp.kind')), kindSel),
      h('div', { class: 'field' }, h('label', { class: 'field-label', for: file.id }, t('imp.file')), file, hint)),
    h('p', { class: 'muted small' }, t('rimp.note')),
    errLine,
    h('div', { class: 'form-actions form-actions-left' }, dryBtn, runBtn),
    result);
  return panel(t('rimp.title'), form, { class: 'rimp-panel' });
}

function goodResult(res, dry) {
  const kpi = (key, label) => h('div', { class: 'kpi' },
    h('span', { class: 'kpi-label' }, label),
    h('span', { class: 'kpi-value', dataset: { kpi: key } }, num(res[key] ?? 0)));
  return h('div', { class: 'rimp-ok' },
    h('p', { class: 'import-verdict good', dataset: { testid: 'rimp-verdict' } },
      dry ? [badge(t('imp.dryBadge'), 'gold'), ' ', t('rimp.dryOk')] : t('rimp.doneVerdict')),
    h('div', { class: 'race-summary' },
      kpi('rows', t('rimp.rows')),
      kpi('created', dry ? t('rimp.wouldCreate') : t('rimp.created')),
      kpi('duplicates', t('rimp.duplicates'))));
}

/* A job that wrote nothing: its rows refused (each by its line), the file
 * refused as a whole, or cancelled. */
function badResult({ verdict, errors, total, fatal }) {
  const text = verdict === 'refused' ? t('rimp.refused', { n: num(total) })
    : verdict === 'cancelled' ? t('imp.cancelledNothing') : errorText(fatal);
  const p = h('p', { class: 'import-verdict bad', dataset: { testid: 'rimp-verdict' } }, text);
  if (verdict === 'cancelled' || !errors.length)
    return p;
  return [p,
    importErrors(errors, 'rimp-errors'),
    total > errors.length ? h('p', { class: 'muted small' }, t('rimp.more', { n: num(total - errors.length) })) : null,
  ];
}
