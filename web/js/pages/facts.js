/*
 * facts.js -- #/facts, the enterprises' yearly facts (年度指标数据) that the
 * policies are matched against: the fact definitions (an admin declares
 * more: POST /api/v1/facts/defs), the import of a CSV/XLSX file
 * (credit_code,year,fact,value; the import component of importer.js: job
 * progress, cancel, refused rows by line) and one enterprise's facts by
 * year.  factsTable() is also the panel of the enterprise page
 * (enterprise.js).
 */
import { h, replace } from '../dom.js';
import { get, post } from '../api.js';
import { t, getLang } from '../../i18n.js';
import {
  pageHeader, panel, table, badge, loading, errorBox, empty, modal, field, input, select, clearErrors,
  showFormError, formErrorLine, toast,
} from '../ui.js';
import { enterprisePicker } from '../svc.js';
import { can } from '../perm.js';
import { importForm, kpi } from './importer.js';

const TEMPLATE = ['统一社会信用代码', '年度', '指标', '数值'];

/* A definition's label and unit in the current language. */
export function factLabel(d) {
  return getLang() === 'en' && d.label_en ? d.label_en : d.label;
}
function factUnit(d) {
  return getLang() === 'en' && d.unit_en ? d.unit_en : d.unit;
}

/* A value as the table shows it: yes/no, or the exact decimal (at most 4
 * decimals, grouped). */
export function factValue(v, d) {
  if (v === null || v === undefined)
    return t('common.none');
  if (d && d.type === 'bool')
    return Number(v) ? t('common.yes') : t('common.no');
  return Number(v).toLocaleString(getLang() === 'zh' ? 'zh-CN' : 'en-US', { maximumFractionDigits: 4 });
}

/*
 * The facts of GET /api/v1/enterprises/{id}/facts as a table: a row per
 * fact that has a value (in the order of the definitions, then any other),
 * a column per year, newest first.  testid names the table.
 */
export function factsTable(defs, data, testid = 'facts-table') {
  const years = (data && data.years) || [];
  if (!years.length)
    return empty(t('facts.none'));
  const seen = new Set(years.flatMap((y) => Object.keys(y.facts || {})));
  const byName = new Map(defs.map((d) => [d.name, d]));
  const names = [...defs.map((d) => d.name).filter((n) => seen.has(n)), ...[...seen].filter((n) => !byName.has(n)).sort()];
  const rows = names.map((n) => ({ name: n, def: byName.get(n) }));
  const cols = [
    { key: 'fact', label: t('facts.fact'), cell: (r) => h('span', { class: 'fact-name' },
      r.def ? factLabel(r.def) : r.name,
      r.def && factUnit(r.def) ? h('span', { class: 'muted small' }, ` (${factUnit(r.def)})`) : null,
      h('span', { class: 'mono muted small fact-code' }, ` ${r.name}`)) },
    ...years.map((y) => ({ key: String(y.year), label: t('facts.yearN', { year: y.year }), align: 'r', class: 'num nowrap',
      cell: (r) => (y.facts && r.name in y.facts ? factValue(y.facts[r.name], r.def) : null) })),
  ];
  const tbl = table(cols, rows, { class: 'table-compact' });
  tbl.dataset.testid = testid;
  return tbl;
}

export async function render(ctx) {
  const defsBox = h('div', null, loading());
  const lookupBox = h('div', { dataset: { testid: 'facts-lookup-result' } });
  let defs = [];

  const loadDefs = async () => {
    try {
      defs = (await get('/api/v1/facts/defs')).items || [];
    } catch (err) {
      if (ctx.alive())
        replace(defsBox, errorBox(err, loadDefs));
      return;
    }
    if (ctx.alive())
      replace(defsBox, defsTable(defs));
  };

  let picked = null;
  const lookup = async (ent) => {
    picked = ent;
    if (!ent) {
      replace(lookupBox);
      return;
    }
    replace(lookupBox, loading());
    try {
      const data = await get(`/api/v1/enterprises/${ent.id}/facts`);
      if (ctx.alive() && picked === ent)
        replace(lookupBox,
          h('p', { class: 'fact-ent' }, h('a', { href: `#/enterprises/${ent.id}` }, ent.name), ' ',
            h('span', { class: 'mono muted small' }, ent.credit_code || '')),
          factsTable(defs, data));
    } catch (err) {
      if (ctx.alive())
        replace(lookupBox, errorBox(err, () => lookup(ent)));
    }
  };
  const picker = enterprisePicker({ name: 'enterprise', onPick: lookup });
  picker.input.setAttribute('aria-label', t('facts.lookupHint'));

  const newBtn = can(ctx.user, 'POST /api/v1/facts/defs')
    ? h('button', { class: 'btn btn-small', type: 'button', dataset: { testid: 'fact-new' },
      on: { click: () => declareFact(loadDefs) } }, t('facts.new'))
    : null;

  const parts = [
    pageHeader(t('facts.title'), t('facts.subtitle')),
    panel(t('facts.defs'), defsBox, { extra: newBtn }),
  ];
  if (can(ctx.user, 'POST /api/v1/facts/import')) {
    const [form, result] = importForm(ctx, {
      path: '/api/v1/facts/import',
      testid: 'facts-import',
      fileHint: t('facts.fileHint'),
      columns: t('facts.columns'),
      template: { headers: TEMPLATE, filename: 'facts-template.csv' },
      labels: { created: t('facts.added'), updated: t('facts.replaced'), wouldCreate: t('facts.wouldAdd'),
        wouldUpdate: t('facts.wouldReplace') },
      kpis: (job) => kpi(t('facts.unchanged'), (job.report || {}).unchanged, 'unchanged'),
      onDone: () => { if (picked) lookup(picked); },
    });
    parts.push(panel(t('facts.import'), form), result);
  }
  parts.push(panel(t('facts.lookup'), [h('div', { class: 'field' }, picker,
    h('div', { class: 'field-hint' }, t('facts.lookupHint'))), lookupBox]));
  replace(ctx.el, ...parts);
  await loadDefs();
}

function defsTable(defs) {
  const tbl = table([
    { key: 'name', label: t('facts.name'), class: 'mono nowrap' },
    { key: 'label', label: t('facts.fact'), cell: (d) => factLabel(d) },
    { key: 'unit', label: t('facts.unit'), class: 'nowrap', cell: (d) => factUnit(d) || null },
    { key: 'type', label: t('facts.type'), class: 'nowrap', cell: (d) => t(`facts.type.${d.type}`) },
    { key: 'builtin', label: t('facts.origin'), class: 'nowrap',
      cell: (d) => (d.builtin ? badge(t('facts.builtin'), 'gray') : badge(t('facts.declared'), 'blue')) },
  ], defs, { class: 'table-compact' });
  tbl.dataset.testid = 'fact-defs';
  return tbl;
}

/* The admin's dialog: declare a fact. */
function declareFact(reload) {
  const name = input('name', { maxlength: 32, autocomplete: 'off', class: 'input mono', dataset: { testid: 'fact-name' } });
  const label = input('label', { maxlength: 32, dataset: { testid: 'fact-label' } });
  const labelEn = input('label_en', { maxlength: 64 });
  const unit = input('unit', { maxlength: 16 });
  const unitEn = input('unit_en', { maxlength: 32 });
  const type = select('type', [['number', t('facts.type.number')], ['bool', t('facts.type.bool')]], 'number');
  const save = h('button', { class: 'btn btn-primary', type: 'submit', dataset: { testid: 'fact-save' } }, t('common.save'));
  const form = h('form', { class: 'form', novalidate: true },
    field(t('facts.name'), name, t('facts.nameHint')),
    h('div', { class: 'form-grid' }, field(t('facts.label'), label), field(t('facts.labelEn'), labelEn)),
    h('div', { class: 'form-grid' }, field(t('facts.unit'), unit), field(t('facts.unitEn'), unitEn)),
    field(t('facts.type'), type, t('facts.typeHint')),
    formErrorLine(),
    h('div', { class: 'form-actions' }, save));
  const m = modal(t('facts.newTitle'), form);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    save.disabled = true;
    const body = { name: name.value.trim(), label: label.value.trim(), type: type.value };
    for (const [k, el] of [['label_en', labelEn], ['unit', unit], ['unit_en', unitEn]])
      if (el.value.trim())
        body[k] = el.value.trim();
    try {
      const d = await post('/api/v1/facts/defs', body);
      m.close();
      toast(t('facts.declaredToast', { name: d.name }));
      reload();
    } catch (err) {
      showFormError(form, err);
    } finally {
      save.disabled = false;
    }
  });
}
