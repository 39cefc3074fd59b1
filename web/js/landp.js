/*
 * landp.js -- the enterprise's side of the per-mu evaluation (亩均效益评价,
 * issue 11), from GET /api/v1/land/enterprises/{id}:
 *
 *   portalLand(ctx, id)  the portal's section: the class per year in plain
 *                        words (what it means, the measures such as the
 *                        electricity surcharge in D, why a T is not
 *                        evaluated), the indicators against the benchmarks
 *                        with a bar each, and while an evaluation is
 *                        published an objection (text, then files one by
 *                        one with progress), then the objection's state
 *                        and decision;
 *   staffLand(ctx, id)   the staff enterprise page's 用地与亩均: land and
 *                        plots, the race project of origin (first lead ..
 *                        landed), the class over the years.
 *
 * Every string goes into the DOM as text (dom.js), never as markup.
 */
import { h, replace, fmtTime } from './dom.js';
import { get, post, uploadProgress } from './api.js';
import { t, has, num } from '../i18n.js';
import { panel, loading, errorText, table, badge, field, formErrorLine, toast } from './ui.js';

export const CLASSES = ['A', 'B', 'C', 'D', 'T'];
const MAX_FILE = 10 * 1024 * 1024;      // the server's limit per file
const MAX_FILES = 5;
const BAR_CAP = 2;                      // the bars stop at twice the benchmark (the default cap)

/* Indicators whose value is a ratio, shown as a percentage. */
const PERCENT = new Set(['rd_ratio']);

/* The class as a chip: letter and name ("A 优先发展"). */
export function classChip(cls, opts = {}) {
  if (!cls)
    return t('common.none');
  const c = CLASSES.includes(cls) ? cls : 'T';
  return h('span', { class: ['landp-chip', `landp-chip-${c}`, opts.big && 'landp-chip-big'], dataset: { cls: c } },
    h('span', { class: 'landp-chip-letter' }, c),
    h('span', { class: 'landp-chip-name' }, t(`landp.class.${c}`)));
}

/* The class that counts: the final class once an objection changed it. */
export const classOf = (y) => y.final_class || y.class;

const indName = (k) => (has(`landp.ind.${k}`) ? t(`landp.ind.${k}`) : k);
const indUnit = (k) => (has(`landp.unit.${k}`) ? t(`landp.unit.${k}`) : '');

function indValue(k, v) {
  if (v === null || v === undefined || v === '')
    return t('common.none');
  /* as exact as given (up to 3 decimals): a benchmark of 24.097 stays 24.097 */
  return PERCENT.has(k) ? `${num(Math.round(Number(v) * 10000) / 100)}%` : num(v);
}

function sizeText(n) {
  if (n >= 1024 * 1024)
    return `${num(n / 1024 / 1024, 1)} MB`;
  return `${num(Math.max(1, Math.round(n / 1024)))} KB`;
}

/* An error in the words of this section when it has them (landp.err.<code>). */
function errText(err) {
  if (err && err.code && has(`landp.err.${err.code}`))
    return t(`landp.err.${err.code}`, (err.info && err.info.params) || {});
  return errorText(err);
}

/* The indicators against the benchmarks: a table with a bullet bar per row
 * (the bar is decoration; the numbers are in the cells beside it). */
export function indicatorTable(indicators) {
  const rows = Object.entries(indicators || {}).map(([k, x]) => ({ k, ...x }));
  if (!rows.length)
    return null;
  const ratio = (x) => (x.value === null || x.value === undefined || !Number(x.benchmark) ? null : Number(x.value) / Number(x.benchmark));
  const bar = (x) => {
    const r = ratio(x);
    if (r === null)       // no value: the value's cell says why
      return null;
    const w = Math.max(0, Math.min(r, BAR_CAP)) / BAR_CAP * 100;
    return h('div', { class: 'landp-bullet' },
      h('div', { class: 'landp-bar', 'aria-hidden': 'true' },
        h('span', { class: ['landp-bar-fill', r >= 1 ? 'landp-bar-ok' : 'landp-bar-low'], style: { width: `${w.toFixed(1)}%` } }),
        h('span', { class: 'landp-bar-mark' })),
      h('span', { class: 'landp-bar-text' }, `${num(r * 100, 0)}%`));
  };
  return h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': t('landp.indicators') },
    h('table', { class: 'table table-compact landp-ind', dataset: { testid: 'landp-indicators' } },
      h('thead', null, h('tr', null,
        h('th', { scope: 'col' }, t('landp.col.indicator')),
        h('th', { scope: 'col', class: 'al-r' }, t('landp.col.value')),
        h('th', { scope: 'col', class: 'al-r' }, t('landp.col.benchmark')),
        h('th', { scope: 'col', class: 'al-r' }, t('landp.col.score')),
        h('th', { scope: 'col', class: 'landp-col-bar' }, t('landp.col.ratio')),
        h('th', { scope: 'col', class: 'al-r hide-narrow' }, t('landp.col.weight')))),
      h('tbody', null, rows.map((x) => h('tr', { dataset: { ind: x.k } },
        h('th', { scope: 'row', class: 'landp-ind-name' }, indName(x.k),
          indUnit(x.k) ? h('span', { class: 'landp-unit' }, indUnit(x.k)) : null),
        /* data-label: the column's name above the value when a phone stacks the row */
        h('td', { class: 'al-r nowrap', dataset: { label: t('landp.col.value') } }, indValue(x.k, x.value),
          x.imputed ? h('span', { class: 'landp-note' }, t('landp.imputedShort')) : null),
        h('td', { class: 'al-r nowrap', dataset: { label: t('landp.col.benchmark') } }, indValue(x.k, x.benchmark)),
        h('td', { class: 'al-r nowrap strong', dataset: { label: t('landp.col.score') } }, num(x.score, 2)),
        h('td', { class: 'landp-col-bar', dataset: { label: t('landp.col.ratio') } }, bar(x)),
        h('td', { class: 'al-r nowrap hide-narrow', dataset: { label: t('landp.col.weight') } }, num(x.weight)))))));
}

/* One year's headline: the class, the state, score and rank, and in plain
 * words what the class means (or why the enterprise was not evaluated). */
function yearHead(y, measure) {
  const cls = classOf(y);
  const facts = [];
  if (y.score !== null && y.score !== undefined)
    facts.push(h('div', { class: 'kv' }, h('dt', null, t('landp.score')), h('dd', { dataset: { key: 'score' } }, num(y.score, 2))));
  if (y.rank)
    facts.push(h('div', { class: 'kv' }, h('dt', null, t('landp.rank')), h('dd', null, t('landp.rankOf', { rank: num(y.rank), of: num(y.of) }))));
  facts.push(h('div', { class: 'kv' }, h('dt', null, t('landp.state')), h('dd', null, stateBadge(y.state))));
  if (y.state === 'published' && y.publish_until)
    facts.push(h('div', { class: 'kv' }, h('dt', null, t('landp.publishUntil')), h('dd', null, y.publish_until)));
  return h('div', { class: 'landp-head' },
    h('div', { class: 'landp-class', dataset: { testid: 'landp-class', cls } },
      h('div', { class: 'landp-year' }, t('landp.yearN', { year: y.year })),
      classChip(cls, { big: true }),
      y.final_class && y.final_class !== y.class
        ? h('div', { class: 'landp-was small' }, t('landp.changed', { from: y.class })) : null),
    h('div', { class: 'landp-what' },
      h('p', { class: 'landp-meaning', dataset: { testid: 'landp-meaning' } },
        cls === 'T' && y.reason ? t(`landp.reason.${y.reason}`) : t(`landp.meaning.${cls}`)),
      measure && Number(measure.surcharge) > 0 ? h('p', { class: 'landp-measure', role: 'note', dataset: { testid: 'landp-surcharge' } },
        t('landp.surcharge', { years: measure.years_in_d, rate: num(measure.surcharge, 2) })) : null,
      h('dl', { class: 'kv-grid kv-grid-3' }, facts)));
}

function stateBadge(state) {
  return badge(t(`landp.evalState.${state}`), state === 'published' ? 'gold' : 'green');
}

function objBadge(state) {
  return badge(t(`landp.obj.state.${state}`), { open: 'gold', upheld: 'green', rejected: 'gray' }[state] || 'gray');
}

/* ---------- the portal ---------- */

/* The section for the portal; loads by itself, reloads after an objection. */
export function portalLand(ctx, id) {
  const body = h('div', { dataset: { testid: 'landp' } }, loading());
  let pick = null;                 // the year shown
  const load = async () => {
    let d;
    try {
      d = await get(`/api/v1/land/enterprises/${id}`);
    } catch (err) {
      if (ctx.alive())
        replace(body, h('p', { class: 'muted' }, errorText(err)));
      return;
    }
    if (!ctx.alive())
      return;
    const years = d.years || [];
    if (!years.length) {
      replace(body, h('p', { class: 'muted', dataset: { testid: 'landp-none' } }, t('landp.none')));
      return;
    }
    if (pick === null || !years.some((y) => y.year === pick))
      pick = years[0].year;
    const draw = () => {
      const y = years.find((x) => x.year === pick);
      const m = (d.measures || []).find((x) => x.year === y.year);
      replace(body,
        years.length > 1 ? h('div', { class: 'tabs', role: 'tablist', 'aria-label': t('landp.years') }, years.map((x) => h('button', {
          class: ['tab', x.year === pick && 'on'], type: 'button', role: 'tab', 'aria-selected': String(x.year === pick),
          dataset: { testid: `landp-year-${x.year}` }, on: { click: () => { pick = x.year; draw(); } },
        }, t('landp.yearN', { year: x.year }), h('span', { class: ['tab-n', `landp-n-${classOf(x)}`] }, classOf(x))))) : null,
        yearHead(y, m),
        classOf(y) !== 'T' && y.indicators && Object.keys(y.indicators).length ? [
          h('h3', { class: 'sub-title' }, t('landp.indicators')),
          h('p', { class: 'muted small' }, t('landp.indHint')),
          indicatorTable(y.indicators)] : null,
        objectionPart(ctx, y, load));
    };
    draw();
  };
  load();
  return panel(t('landp.title'), body, { class: 'landp' });
}

/* The objection: its state and decision when there is one (with more files
 * while it is open), else the form while the evaluation is published. */
function objectionPart(ctx, y, reload) {
  const o = y.objection;
  if (o) {
    const open = o.state === 'open';
    const files = o.files || [];
    return h('section', { class: 'landp-obj', dataset: { testid: 'landp-objection', state: o.state }, 'aria-labelledby': `landp-obj-${y.year}` },
      h('h3', { class: 'sub-title', id: `landp-obj-${y.year}` }, t('landp.obj.mine'), ' ', objBadge(o.state)),
      h('p', { class: 'landp-obj-text' }, o.text),
      h('p', { class: 'muted small' }, t('landp.obj.submittedAt', { at: fmtTime(o.created_at, false) })),
      files.length ? h('ul', { class: 'landp-files', dataset: { testid: 'landp-obj-files' } }, files.map((f) => h('li', null,
        h('a', { href: `/api/v1/land/objections/${o.id}/files/${f.id}`, download: f.name }, f.name), ' ',
        h('span', { class: 'muted small' }, sizeText(f.size))))) : null,
      open ? h('p', { class: 'landp-pending' }, t('landp.obj.pendingHint')) : h('div', { class: 'landp-decision', dataset: { testid: 'landp-decision' } },
        h('p', null, h('strong', null, t(`landp.obj.decided.${o.state}`))),
        o.state === 'upheld' && o.new_class ? h('p', null, t('landp.obj.newClass'), ' ', classChip(o.new_class)) : null,
        o.decision_note ? h('p', null, h('span', { class: 'muted' }, `${t('landp.obj.note')}：`), o.decision_note) : null,
        o.decided_at ? h('p', { class: 'muted small' }, t('landp.obj.decidedAt', { at: fmtTime(o.decided_at, false) })) : null),
      open && y.state === 'published' && files.length < MAX_FILES ? filePicker(o, files.length, reload) : null);
  }
  if (y.state !== 'published')
    return null;
  return objectionForm(ctx, y, reload);
}

/* A file input with the checks the server makes (size, count) done first,
 * and a list that shows each file's upload. */
function fileInput(already) {
  const inp = h('input', { type: 'file', name: 'files', multiple: true, class: 'input landp-file', dataset: { testid: 'landp-file' } });
  const list = h('ul', { class: 'landp-uploads', 'aria-live': 'polite' });
  const rows = new Map();
  const check = () => {
    const files = [...inp.files];
    const problems = [];
    if (files.length + already > MAX_FILES)
      problems.push(t('landp.obj.tooMany', { max: MAX_FILES, left: MAX_FILES - already }));
    for (const f of files)
      if (f.size > MAX_FILE)
        problems.push(t('landp.obj.tooBig', { name: f.name, size: sizeText(f.size) }));
      else if (f.size === 0)
        problems.push(t('landp.obj.emptyFile', { name: f.name }));
    return problems;
  };
  const row = (f) => {
    const bar = h('progress', { max: 100, value: 0, 'aria-label': f.name });
    const state = h('span', { class: 'landp-up-state' }, t('landp.obj.waiting'));
    const li = h('li', { class: 'landp-up', dataset: { name: f.name } },
      h('span', { class: 'landp-up-name' }, f.name), h('span', { class: 'muted small' }, sizeText(f.size)), bar, state);
    rows.set(f, { li, bar, state });
    return li;
  };
  inp.addEventListener('change', () => {
    rows.clear();
    replace(list, [...inp.files].map(row));
  });
  /* upload every chosen file, one after another; returns the failures */
  const send = async (objectionId) => {
    const failed = [];
    for (const f of [...inp.files]) {
      const r = rows.get(f) || (list.appendChild(row(f)), rows.get(f));
      r.li.classList.add('landp-up-busy');
      r.state.textContent = t('landp.obj.uploading');
      try {
        await uploadProgress(`/api/v1/land/objections/${objectionId}/files`, { filename: f.name }, f, (sent, total) => {
          const pct = total ? Math.round(sent / total * 100) : 0;
          r.bar.value = pct;
          r.state.textContent = t('landp.obj.uploadingPct', { pct });
        });
        r.bar.value = 100;
        r.state.textContent = t('landp.obj.uploaded');
        r.li.classList.add('landp-up-ok');
      } catch (err) {
        r.state.textContent = t('landp.obj.failed', { msg: errText(err) });
        r.li.classList.add('landp-up-bad');
        failed.push(f.name);
      }
      r.li.classList.remove('landp-up-busy');
    }
    return failed;
  };
  return { inp, list, check, send };
}

function objectionForm(ctx, y, reload) {
  const text = h('textarea', { class: 'input textarea', name: 'text', rows: 4, maxlength: 4000, dataset: { testid: 'landp-obj-text' },
    placeholder: t('landp.obj.textPh') });
  const files = fileInput(0);
  const fText = field(t('landp.obj.text'), text);
  const fFiles = field(t('landp.obj.files'), files.inp, t('landp.obj.filesHint', { max: MAX_FILES }));
  const errLine = formErrorLine();
  const send = h('button', { class: 'btn btn-primary', type: 'submit', dataset: { testid: 'landp-obj-send' } }, t('landp.obj.submit'));
  const form = h('form', { class: 'form landp-obj-form', novalidate: true },
    fText, fFiles, files.list, errLine, h('div', { class: 'form-actions form-actions-left' }, send));
  files.inp.addEventListener('change', () => fFiles.setError(files.check().join('\n')));
  text.addEventListener('input', () => fText.setError(''));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    fText.setError('');
    errLine.textContent = '';
    if (!text.value.trim()) {
      fText.setError(t('landp.obj.needText'));
      text.focus();
      return;
    }
    const problems = files.check();
    fFiles.setError(problems.join('\n'));
    if (problems.length) {
      files.inp.focus();
      return;
    }
    send.disabled = true;
    send.textContent = t('landp.obj.sending');
    let o;
    try {
      o = await post(`/api/v1/land/evaluations/${y.evaluation_id}/objections`, { text: text.value.trim() });
    } catch (err) {
      send.disabled = false;
      send.textContent = t('landp.obj.submit');
      if (err.field === 'text')
        fText.setError(errText(err));
      else
        errLine.textContent = errText(err);
      return;
    }
    const failed = await files.send(o.id);
    if (!ctx.alive())
      return;
    if (failed.length) {
      /* the objection stands; say which files did not go, and let the list stay */
      errLine.textContent = t('landp.obj.someFailed', { names: failed.join('、') });
      toast(t('landp.obj.sent'));
      setTimeout(() => { if (ctx.alive()) reload(); }, 4000);
      return;
    }
    toast(t('landp.obj.sent'));
    reload();
  });
  return h('section', { class: 'landp-obj', dataset: { testid: 'landp-obj-form' }, 'aria-labelledby': `landp-objf-${y.year}` },
    h('h3', { class: 'sub-title', id: `landp-objf-${y.year}` }, t('landp.obj.title')),
    h('p', { class: 'muted' }, t('landp.obj.intro')),
    form);
}

/* More files for an open objection. */
function filePicker(o, already, reload) {
  const files = fileInput(already);
  const f = field(t('landp.obj.addFiles'), files.inp, t('landp.obj.filesLeft', { left: MAX_FILES - already }));
  const go = h('button', { class: 'btn', type: 'submit', dataset: { testid: 'landp-obj-upload' } }, t('landp.obj.upload'));
  const form = h('form', { class: 'form landp-obj-more', novalidate: true }, f, files.list, h('div', { class: 'form-actions form-actions-left' }, go));
  files.inp.addEventListener('change', () => f.setError(files.check().join('\n')));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const problems = files.check();
    f.setError(problems.join('\n'));
    if (problems.length || !files.inp.files.length)
      return;
    go.disabled = true;
    const failed = await files.send(o.id);
    go.disabled = false;
    if (!failed.length)
      reload();
  });
  return form;
}

/* ---------- the staff enterprise page ---------- */

/* 用地与亩均: one record from the race's first lead to the 亩均 class. */
export function staffLand(ctx, id) {
  const body = h('div', { dataset: { testid: 'landp-staff' } }, loading());
  get(`/api/v1/land/enterprises/${id}`).then((d) => {
    if (ctx.alive())
      replace(body, staffBody(d));
  }).catch((err) => { if (ctx.alive()) replace(body, h('p', { class: 'muted' }, errorText(err))); });
  return panel(t('landp.staffTitle'), body, { class: 'landp', extra: h('a', { href: '#/land' }, t('landp.toLand')) });
}

function staffBody(d) {
  const e = d.enterprise || {};
  const p = d.project;
  const steps = p ? [['lead_on', 'stage.lead'], ['signed_on', 'stage.signed'], ['landed_on', 'stage.landed']]
    .filter(([k]) => p[k]).map(([k, label]) => h('li', null, h('span', { class: 'muted' }, t(label)), ' ', p[k])) : [];
  const origin = p ? h('div', { class: 'landp-origin', dataset: { testid: 'landp-project' } },
    h('a', { href: `#/board?project=${encodeURIComponent(p.id)}`, class: 'strong' }, p.name),
    h('span', { class: 'muted' }, ' · ', [p.unit, p.stage ? t(`stage.${p.stage}`) : null].filter(Boolean).join(' · ')),
    steps.length ? h('ol', { class: 'landp-steps' }, steps) : null)
    : h('p', { class: 'muted' }, t('landp.noProject'));
  const measures = new Map((d.measures || []).map((m) => [m.year, m]));
  const years = d.years || [];
  return [
    h('dl', { class: 'kv-grid kv-grid-3' },
      h('div', { class: 'kv' }, h('dt', null, t('landp.land')),
        h('dd', { dataset: { key: 'land_mu' } }, e.land_mu === null || e.land_mu === undefined ? t('common.none')
          : `${num(e.land_mu, 2)} ${t('landp.mu')}`, e.land_source ? h('span', { class: 'muted small' }, ` ${t(`landp.source.${e.land_source}`)}`) : null)),
      h('div', { class: 'kv' }, h('dt', null, t('landp.latest')),
        h('dd', null, years.length ? classChip(classOf(years[0])) : t('landp.notEvaluated'))),
      h('div', { class: 'kv' }, h('dt', null, t('landp.project')), h('dd', null, origin))),
    h('h3', { class: 'sub-title' }, t('landp.plots')),
    (d.plots || []).length ? table([
      { key: 'code', label: t('landp.col.code'), class: 'mono nowrap' },
      { key: 'name', label: t('landp.col.name') },
      { key: 'area_mu', label: t('landp.col.area'), align: 'r', cell: (x) => num(x.area_mu, 2) },
      { key: 'status', label: t('landp.col.status'), class: 'nowrap', cell: (x) => t(`landp.plotStatus.${x.status}`) },
    ], d.plots, { class: 'table-compact' }) : h('p', { class: 'muted' }, t('landp.noPlots')),
    h('h3', { class: 'sub-title' }, t('landp.history')),
    years.length ? table([
      { key: 'year', label: t('landp.col.year'), class: 'nowrap' },
      { key: 'class', label: t('landp.col.class'), class: 'nowrap', cell: (y) => [classChip(classOf(y)),
        y.final_class && y.final_class !== y.class ? h('span', { class: 'muted small' }, ` ${t('landp.changed', { from: y.class })}`) : null,
        y.reason ? h('span', { class: 'muted small' }, ` ${t(`landp.reasonShort.${y.reason}`)}`) : null] },
      { key: 'score', label: t('landp.score'), align: 'r', cell: (y) => (y.score === null || y.score === undefined ? null : num(y.score, 2)) },
      { key: 'rank', label: t('landp.rank'), align: 'r', class: 'nowrap', cell: (y) => (y.rank ? `${num(y.rank)} / ${num(y.of)}` : null) },
      { key: 'state', label: t('landp.state'), class: 'nowrap', cell: (y) => stateBadge(y.state) },
      { key: 'objection', label: t('landp.col.objection'), class: 'nowrap', cell: (y) => (y.objection ? objBadge(y.objection.state) : null) },
      { key: 'surcharge', label: t('landp.col.surcharge'), align: 'r', class: 'nowrap', cell: (y) => {
        const m = measures.get(y.year);
        return m && Number(m.surcharge) > 0 ? t('landp.perKwh', { rate: num(m.surcharge, 2) }) : null;
      } },
    ], years, { class: 'table-compact landp-years' }) : h('p', { class: 'muted' }, t('landp.notEvaluated')),
  ];
}
