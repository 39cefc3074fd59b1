/*
 * users.js -- 用户管理 (admin): list with search, role filter and paging;
 * create and edit in a dialog (with "must change the password at the next
 * sign-in"); a user's API tokens in a dialog (list, create, revoke);
 * delete after confirmation.  A field error from the API
 * ({"error":{"field":…}}) is shown under that field.
 */
import { h, replace, fmtTime } from '../dom.js';
import { get, post, patch, del } from '../api.js';
import { t, getLang } from '../../i18n.js';
import { can } from '../perm.js';
import { tokenPanel } from './account.js';
import {
  pageHeader, panel, errorBox, select, input, table, pager, badge, loading, modal, confirmBox, field,
  clearErrors, showFormError, formErrorLine, toast, errorText,
} from '../ui.js';

const LIMIT = 20;
export const ROLES = ['admin', 'leader', 'recruiter', 'officer', 'department', 'statistician', 'enterprise'];
const ROLE_KIND = { admin: 'red', leader: 'gold', recruiter: 'blue', officer: 'green', enterprise: 'gray' };

export async function render(ctx) {
  const q = input('q', { type: 'search', placeholder: t('users.search'), 'aria-label': t('users.search'), maxlength: 64 });
  const role = select('role', [['', t('common.all')], ...ROLES.map((r) => [r, t(`role.${r}`)])], '');
  role.setAttribute('aria-label', t('users.role'));
  const form = h('form', { class: 'filters', role: 'search' },
    h('div', { class: 'filter grow' }, q),
    h('label', { class: 'filter' }, h('span', null, t('users.role')), role),
    h('button', { class: 'btn btn-primary', type: 'submit' }, t('common.search')));
  const result = h('div', { class: 'result' }, loading());
  const addBtn = h('button', { class: 'btn btn-primary', type: 'button', dataset: { testid: 'user-new' },
    on: { click: () => edit(null) } }, `＋ ${t('users.new')}`);
  replace(ctx.el, pageHeader(t('users.title'), t('users.subtitle'), addBtn), panel(null, [form, result]));

  let units = [];
  let departments = null;   // null: the server gave no list
  const unitsLoaded = Promise.all([
    get('/api/v1/units').then((u) => { units = u.items || []; }).catch(() => {}),
    get('/api/v1/departments').then((d) => { departments = d.items || []; }).catch(() => {}),
  ]);
  const deptName = (id) => {
    const d = departments && departments.find((x) => x.id === id);
    if (!d)
      return `${t('users.department_id')} #${id}`;
    return getLang() === 'en' && d.name_en ? d.name_en : d.name;
  };
  const unitName = (id) => {
    const u = units.find((x) => x.id === id);
    if (!u)
      return `#${id}`;
    return getLang() === 'en' && u.name_en ? u.name_en : u.name;
  };

  let offset = 0;
  let seq = 0;
  const load = async () => {
    const mine = ++seq;
    let res;
    try {
      res = await get('/api/v1/users', { q: q.value.trim(), role: role.value, limit: LIMIT, offset });
      await unitsLoaded;
    } catch (e) {
      if (ctx.alive() && mine === seq)
        replace(result, errorBox(e, load));
      return;
    }
    if (!ctx.alive() || mine !== seq)
      return;
    const items = res.items || [];
    const total = res.total ?? items.length;
    if (!items.length && offset > 0 && total > 0) {
      offset = Math.max(0, offset - LIMIT);
      load();
      return;
    }
    replace(result,
      table([
        { key: 'id', label: 'ID', class: 'nowrap muted', align: 'r', narrowHide: true },
        { key: 'username', label: t('users.username'), class: 'mono nowrap' },
        { key: 'display_name', label: t('users.display_name'), class: 'strong nowrap' },
        { key: 'role', label: t('users.role'), cell: (r) => [badge(t(`role.${r.role}`), ROLE_KIND[r.role]),
          r.must_change_password ? [' ', badge(t('users.mustChangeBadge'), 'gold')] : null] },
        { key: 'belongs', label: t('users.belongs'),
          cell: (r) => (r.unit_id ? unitName(r.unit_id)
            : r.department_id ? deptName(r.department_id)
              : r.enterprise_id ? `${t('users.enterprise_id')} #${r.enterprise_id}` : null) },
        { key: 'created_at', label: t('users.created_at'), class: 'nowrap muted', narrowHide: true, cell: (r) => fmtTime(r.created_at, false) },
        { key: 'actions', label: t('common.actions'), class: 'nowrap actions', cell: (r) => [
          h('button', { class: 'btn btn-small', type: 'button', dataset: { testid: `edit-${r.username}` },
            on: { click: () => edit(r) } }, t('common.edit')),
          can(ctx.user, 'GET /api/v1/tokens') ? h('button', { class: 'btn btn-small', type: 'button', dataset: { testid: `tokens-${r.username}` },
            on: { click: () => tokens(r) } }, t('users.tokens')) : null,
          r.id === ctx.user.id ? null : h('button', { class: 'btn btn-small btn-danger-ghost', type: 'button',
            dataset: { testid: `delete-${r.username}` }, on: { click: () => remove(r) } }, t('common.delete')),
        ] },
      ], items),
      total > 0 ? pager(total, res.limit || LIMIT, res.offset ?? offset, (o) => { offset = o; load(); }) : null);
  };

  /* A user's API tokens: listed, created for it, revoked. */
  const tokens = (u) => {
    let open = true;
    modal(t('users.tokensOf', { name: u.display_name || u.username }), tokenPanel(ctx.user, u.id, () => open && ctx.alive()),
      { onClose: () => { open = false; } });
  };

  const remove = async (u) => {
    if (!await confirmBox(t('users.deleteConfirm', { name: u.display_name || u.username }), true))
      return;
    try {
      await del(`/api/v1/users/${encodeURIComponent(u.id)}`);
      toast(t('users.deleted'));
    } catch (e) {
      toast(errorText(e), 'error');
    }
    if (ctx.alive())
      load();
  };

  const edit = async (u) => {
    await unitsLoaded;
    const creating = !u;
    const username = input('username', { value: u ? u.username : '', maxlength: 64, autocomplete: 'off',
      readonly: !creating, required: creating });
    const display = input('display_name', { value: u ? u.display_name : '', maxlength: 64, required: true });
    const roleSel = select('role', ROLES.map((r) => [r, t(`role.${r}`)]), u ? u.role : 'officer');
    const password = input('password', { type: 'password', autocomplete: 'new-password', maxlength: 256,
      placeholder: creating ? '' : t('users.passwordKeep') });
    const mustChange = h('input', { type: 'checkbox', name: 'must_change_password', checked: Boolean(u && u.must_change_password) });
    const unitSel = select('unit_id', [['', t('users.noUnit')], ...units.map((x) => [x.id, getLang() === 'en' && x.name_en ? x.name_en : x.name])],
      u && u.unit_id ? u.unit_id : '');
    const ent = input('enterprise_id', { type: 'number', min: 1, step: 1, value: u && u.enterprise_id ? u.enterprise_id : '' });
    let dept = select('department_id', [['', t('users.noDepartment')]], '');
    const fUnit = field(t('users.unit_id'), unitSel);
    const fEnt = field(t('users.enterprise_id'), ent);
    const fDept = field(t('users.department_id'), dept);
    const want = u && u.department_id ? String(u.department_id) : '';
    if (departments) {
      for (const x of departments)
        dept.appendChild(h('option', { value: String(x.id) }, getLang() === 'en' && x.name_en ? x.name_en : x.name));
      dept.value = want;
    } else {
      /* No department list from the server: enter the id. */
      const num = input('department_id', { type: 'number', min: 1, step: 1, value: want, id: dept.id });
      dept.replaceWith(num);
      dept = num;
    }
    const sync = () => {
      const r = roleSel.value;
      fUnit.hidden = !(r === 'recruiter' || r === 'leader');
      fEnt.hidden = r !== 'enterprise';
      fDept.hidden = r !== 'department';
    };
    roleSel.addEventListener('change', sync);
    sync();
    const errLine = formErrorLine();
    const saveBtn = h('button', { class: 'btn btn-primary', type: 'submit', dataset: { testid: 'user-save' } }, t('common.save'));
    const f = h('form', { class: 'form', novalidate: true },
      h('div', { class: 'form-grid' },
        field(t('users.username'), username),
        field(t('users.display_name'), display),
        field(t('users.role'), roleSel),
        field(t('users.password'), password, creating ? t('users.passwordHint') : t('users.passwordKeep')),
        fUnit, fDept, fEnt),
      h('div', { class: 'field field-check' }, h('label', { class: 'check' }, mustChange, t('users.mustChange'))),
      errLine,
      h('div', { class: 'form-actions' },
        h('button', { class: 'btn', type: 'button', on: { click: () => m.close() } }, t('common.cancel')),
        saveBtn));
    const m = modal(creating ? t('users.new') : t('users.edit'), f);
    const idOf = (el, show) => {
      if (!show || el.value === '')
        return null;
      const n = Number(el.value);
      return Number.isInteger(n) && n > 0 ? n : el.value;
    };
    f.addEventListener('submit', async (e) => {
      e.preventDefault();
      clearErrors(f);
      errLine.textContent = '';
      const r = roleSel.value;
      const body = {
        display_name: display.value.trim(),
        role: r,
        unit_id: idOf(unitSel, !fUnit.hidden),
        enterprise_id: idOf(ent, !fEnt.hidden),
        department_id: idOf(dept, !fDept.hidden),
        must_change_password: mustChange.checked,
      };
      if (creating)
        body.username = username.value.trim();
      if (password.value || creating)
        body.password = password.value;
      saveBtn.disabled = true;
      saveBtn.textContent = t('common.saving');
      try {
        if (creating)
          await post('/api/v1/users', body);
        else
          await patch(`/api/v1/users/${encodeURIComponent(u.id)}`, body);
        m.close();
        toast(creating ? t('users.created') : t('users.updated'));
        if (ctx.alive())
          load();
      } catch (ex) {
        showFormError(f, ex);
        saveBtn.disabled = false;
        saveBtn.textContent = t('common.save');
      }
    });
  };

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    offset = 0;
    load();
  });
  role.addEventListener('change', () => { offset = 0; load(); });
  await load();
}
