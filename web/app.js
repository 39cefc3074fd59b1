/*
 * app.js -- the browser shell: login, top bar, navigation and hash routing
 * (#/overview, #/race, #/requests/12?x=y, …).  Each module page is a module
 * under js/pages/ exporting render(ctx); the shell gives it a container,
 * the rest of the path (ctx.sub) and query (ctx.query), and tells it when
 * it is no longer shown (ctx.alive() turns false), so late answers from
 * the API are dropped.  #/kiosk without a staff session is the full-screen
 * enterprise kiosk (js/kiosk.js), outside the shell; a kiosk's session
 * (the server says so: "kiosk" in /me) is used there and nowhere else.  A
 * user who must change its password sees only the change form until it
 * has (the server refuses everything else); the user's name in the top bar
 * leads to #/account (own password, API tokens).
 *
 * Nothing but the shell loads up front: a page's module (and ECharts, for a
 * page that draws charts) is imported when the page is first shown, the
 * kiosk and the wall screen when they are, so the login page and the kiosk
 * fetch no chart library.
 */
import { h, replace } from './js/dom.js';
import { get, post, del, setCsrf, onUnauthorized, ApiError } from './js/api.js';
import { t, has, getLang, setLang, onLangChange } from './i18n.js';
import { icon } from './js/icons.js';
import { errorText, loading } from './js/ui.js';
import { disposeAll, resizeAll } from './js/chart.js';
import { forgetCache } from './js/svc.js';
import { can, canAll } from './js/perm.js';
/* used by the shell itself (the calendar's reminder, the forced password change) */
import * as calendar from './js/pages/calendar.js';
import * as account from './js/pages/account.js';

/* Pages that call no API of their own (modules still to come, the kiosk's
 * instructions) are for the zone's own staff: whoever may read the overview. */
const ZONE_STAFF = ['GET /api/v1/summary'];

/*
 * The navigation, in order.  needs: the API operations the page calls
 * (the "permissions" of /me, see js/perm.js); a page is in the menu only
 * when the user may call every one of them, so no entry leads to a page
 * the server refuses.  scope: a link the user must have (the enterprise
 * portal is for accounts of an enterprise).  section: entries shown
 * together under a heading (企业服务).  page: the page's module, a file
 * under js/pages/, imported when the page is first shown ('portal.js#inbox':
 * that export of the module instead of the module; ECharts comes when a
 * page's first chart is seen, js/chart.js).  A new page is one line here: { id: 'x', group: 'work', needs: [...], page: 'x.js' }.
 */
const ROUTES = [
  { id: 'my-enterprise', group: 'work', needs: ['GET /api/v1/enterprises/{id}', 'PATCH /api/v1/enterprises/{id}'], scope: 'enterprise_id', page: 'portal.js#myEnterprise' },
  { id: 'overview', group: 'work', needs: ['GET /api/v1/summary', 'GET /api/v1/projects'], page: 'overview.js' },
  { id: 'race', group: 'work', section: 'race', needs: ['GET /api/v1/race', 'GET /api/v1/quotas'], page: 'ranking.js' },
  { id: 'board', group: 'work', section: 'race', needs: ['GET /api/v1/projects', 'GET /api/v1/unit-targets'], page: 'race.js' },
  { id: 'leads', group: 'work', section: 'race', needs: ['GET /api/v1/leads'], page: 'leads.js' },
  { id: 'trips', group: 'work', section: 'race', needs: ['GET /api/v1/trips'], page: 'trips.js' },
  { id: 'enterprises', group: 'work', section: 'service', needs: ['GET /api/v1/enterprises', 'GET /api/v1/officers'], page: 'enterprises.js' },
  { id: 'officers', group: 'work', section: 'service', needs: ['GET /api/v1/officers', 'GET /api/v1/officers/{id}/enterprises'], page: 'officers.js' },
  { id: 'visits', group: 'work', section: 'service', needs: ['GET /api/v1/visits'], page: 'visits.js' },
  { id: 'service', group: 'work', section: 'service', needs: ['GET /api/v1/service/stats'], page: 'dashboard.js' },
  { id: 'facts', group: 'work', section: 'service', needs: ['GET /api/v1/facts/defs', 'POST /api/v1/facts/import'], page: 'facts.js' },
  { id: 'requests', group: 'work', needs: ['GET /api/v1/requests'], page: 'requests.js' },
  { id: 'inbox', group: 'work', needs: ['GET /api/v1/inbox'], scope: 'enterprise_id', page: 'portal.js#inbox' },
  /* the library; an enterprise reads its pushes in its inbox instead */
  { id: 'policies', group: 'work', needs: ['GET /api/v1/policies', 'GET /api/v1/policies/{id}/match'], page: 'policies.js' },
  { id: 'indicators', group: 'work', needs: ['GET /api/v1/indicators'], page: 'indicators.js' },
  { id: 'land', group: 'work', needs: ['GET /api/v1/land/evaluations', 'GET /api/v1/plots'], page: 'land.js' },
  { id: 'inspections', group: 'work', needs: ['GET /api/v1/inspections'], page: 'inspections.js' },
  /* 联席会商: every staff role that reads meetings (an enterprise never does) */
  { id: 'meetings', group: 'work', needs: ['GET /api/v1/meetings', 'GET /api/v1/meetings/{id}'], page: 'meetings.js' },
  { id: 'kiosk', group: 'work', needs: ZONE_STAFF, page: 'kioskinfo.js' },
  /* reminders (issue 13): the channels of one's own, one's department or unit (an admin all, a leader reads
   * all); the outbox for admins */
  { id: 'channels', group: 'work', needs: ['GET /api/v1/channels', 'POST /api/v1/channels'], page: 'channels.js' },
  { id: 'users', group: 'admin', needs: ['GET /api/v1/users', 'POST /api/v1/users'], page: 'users.js' },
  { id: 'audit', group: 'admin', needs: ['GET /api/v1/audit'], page: 'audit.js' },
  { id: 'settings', group: 'admin', needs: ['PATCH /api/v1/settings'], page: 'settings.js' },
  { id: 'calendar', group: 'admin', needs: ['GET /api/v1/calendar/{year}', 'PUT /api/v1/calendar/{year}'], page: 'calendar.js' },
  { id: 'outbox', group: 'admin', needs: ['GET /api/v1/notifications', 'POST /api/v1/notifications/{id}/resend'], page: 'channels.js#outbox' },
  /* not in the menu: the user's name in the top bar leads there */
  { id: 'account', group: 'self', needs: ['GET /api/v1/me', 'POST /api/v1/me/password'], page: 'account.js' },
];

/* Where a role lands after login (else the first entry it sees). */
const HOME = { officer: 'enterprises', department: 'requests', enterprise: 'my-enterprise' };

const NAV_KEY = 'zoneops.nav';
const root = document.getElementById('app');

const state = {
  user: null,          // the /me answer
  settings: null,      // /settings answer or null
  token: 0,            // increases on every page render
  loginNotice: '',     // message shown above the login form
  shell: null,         // {view, nav, zone, ...} while the shell is shown
  kiosk: null,         // the kiosk controller while kiosk mode is shown
  wall: null,          // the wall screen while #/wall is shown
};

/* ---------- helpers ---------- */

function visibleRoutes() {
  const u = state.user;
  return ROUTES.filter((r) => canAll(u, r.needs) && (!r.scope || (u && u[r.scope])));
}

function currentId() {
  const m = /^#\/([\w-]+)/.exec(location.hash || '');
  return m ? m[1] : '';
}

/* The path after the page id and the query: #/requests/12?x=1 → ['12'], x=1. */
function currentSub() {
  const [path, query] = (location.hash || '').replace(/^#\/?/, '').split('?');
  return { sub: path.split('/').slice(1).filter(Boolean).map(decodeURIComponent), query: new URLSearchParams(query || '') };
}

/* The label of a route for the signed-in role (an enterprise's 我的诉求). */
function navLabel(id) {
  const role = state.user ? state.user.role : '';
  return has(`nav.${id}.${role}`) ? t(`nav.${id}.${role}`) : t(`nav.${id}`);
}

/* The page module of a route. */
async function loadPage(route) {
  if (typeof route.page !== 'string')
    return route.page;
  const [file, name] = route.page.split('#');
  const mod = await import(`./js/pages/${file}`);
  return name ? mod[name] : mod;
}

const isKioskHash = (hash = location.hash) => /^#\/kiosk(\/|\?|$)/.test(hash || '');
const isWallHash = (hash = location.hash) => /^#\/wall(\/|\?|$)/.test(hash || '');

/* Kiosk mode: #/kiosk without a staff session. */
function wantsKiosk() {
  return isKioskHash() && (!state.user || state.user.role === 'enterprise');
}

async function showKiosk(notice) {
  state.shell = null;
  disposeAll();
  document.body.classList.remove('nav-open');
  const { createKiosk } = await import('./js/kiosk.js');
  if (!isKioskHash())
    return;   // left while it loaded
  if (!state.kiosk || !state.kiosk.active())
    state.kiosk = createKiosk(root, {
      zoneName,
      onLogin: (me) => { state.user = me; forgetCache(); },
      onLogout: () => { state.user = null; forgetCache(); },
      onExit: () => { leaveKiosk(); },
    });
  state.kiosk.show(state.user, notice);
}

function leaveKiosk() {
  if (state.kiosk)
    state.kiosk.stop();
  state.kiosk = null;
  history.replaceState(null, '', '#/');
  if (state.user && state.user.role === 'enterprise' && !state.user.kiosk)
    showShell();
  else
    showLogin();
}

/* Wall screen: #/wall with a staff session (outside the shell). */
function wantsWall() {
  return isWallHash() && can(state.user, 'GET /api/v1/race');
}

function stopWall() {
  if (state.wall)
    state.wall.stop();
  state.wall = null;
}

async function showWall() {
  stopWall();
  state.shell = null;
  disposeAll();
  document.body.classList.remove('nav-open');
  const { createWall } = await import('./js/wall.js');
  if (!isWallHash() || state.wall)
    return;   // left (or shown again) while it loaded
  state.wall = createWall(root, {
    user: state.user,
    zoneName,
    onExit: () => { location.hash = '#/race'; },
  });
}

function zoneName() {
  const s = state.settings;
  if (!s)
    return t('app.name');
  if (getLang() === 'en' && s.zone_name_en)
    return s.zone_name_en;
  return s.zone_name || t('app.name');
}

function langButton(cls) {
  return h('button', {
    class: ['btn-lang', cls], type: 'button', title: t('top.langTitle'), dataset: { testid: 'lang' },
    on: { click: () => setLang(getLang() === 'zh' ? 'en' : 'zh') },
  }, icon('globe'), h('span', null, t('top.lang')));
}

/* ---------- login ---------- */

function showLogin() {
  state.shell = null;
  stopWall();
  if (state.kiosk)
    state.kiosk.stop();
  state.kiosk = null;
  disposeAll();
  document.title = `${t('login.title')} · ${t('app.name')}`;
  const err = h('div', { class: 'login-error', role: 'alert', dataset: { testid: 'login-error' } });
  const notice = state.loginNotice ? h('div', { class: 'login-notice' }, state.loginNotice) : null;
  const user = h('input', { class: 'input', name: 'username', id: 'login-username', autocomplete: 'username',
    required: true, maxlength: 64, autofocus: true });
  const pass = h('input', { class: 'input', name: 'password', id: 'login-password', type: 'password',
    autocomplete: 'current-password', required: true, maxlength: 256 });
  const submit = h('button', { class: 'btn btn-primary btn-block', type: 'submit' }, t('login.submit'));
  const form = h('form', { class: 'login-form', novalidate: true, on: { submit: onSubmit } },
    h('label', { class: 'field-label', for: 'login-username' }, t('login.username')), user,
    h('label', { class: 'field-label', for: 'login-password' }, t('login.password')), pass,
    err, submit);

  async function onSubmit(e) {
    e.preventDefault();
    err.textContent = '';
    if (!user.value.trim()) {
      err.textContent = `${t('login.username')}：${t('err.required')}`;
      user.focus();
      return;
    }
    if (!pass.value) {
      err.textContent = `${t('login.password')}：${t('err.required')}`;
      pass.focus();
      return;
    }
    submit.disabled = true;
    submit.textContent = t('login.busy');
    try {
      const me = await post('/api/v1/session', { username: user.value.trim(), password: pass.value },
        { noAuthRedirect: true });
      state.loginNotice = '';
      await startSession(me);
    } catch (ex) {
      err.textContent = errorText(ex);
      submit.disabled = false;
      submit.textContent = t('login.submit');
      pass.select();
    }
  }

  replace(root,
    h('div', { class: 'login-page' },
      h('div', { class: 'login-top' }, langButton('on-dark')),
      h('div', { class: 'login-card' },
        h('div', { class: 'login-brand' },
          h('div', { class: 'brand-mark', 'aria-hidden': 'true' }, '区'),
          h('div', null,
            h('div', { class: 'login-app' }, t('app.name')),
            h('div', { class: 'login-sub' }, t('login.subtitle')))),
        h('h1', { class: 'login-title' }, t('login.title')),
        notice, form,
        h('p', { class: 'login-foot' }, t('login.footer'))),
      h('a', { class: 'login-kiosk', href: '#/kiosk', dataset: { testid: 'to-kiosk' } }, icon('kiosk'), t('login.kiosk'))));
  (user.value ? pass : user).focus();
}

/* ---------- session ---------- */

/* settings: the answer of /settings when already asked (boot asks it with /me). */
async function startSession(me, settings) {
  state.user = me;
  forgetCache();
  setCsrf(me.csrf_token);
  if (me.must_change_password) {
    showPasswordChange();
    return;
  }
  /* a kiosk's session serves the kiosk only */
  if (me.kiosk && !isKioskHash())
    history.replaceState(null, '', '#/kiosk');
  try {
    state.settings = await (settings || get('/api/v1/settings'));
  } catch (e) {
    if (e.status === 401)
      return;
    state.settings = null;   // the name falls back to the product's
  }
  if (wantsKiosk())
    showKiosk();
  else if (wantsWall())
    showWall();
  else
    showShell();
}

onUnauthorized(() => {
  if (!state.user)
    return;
  state.user = null;
  setCsrf(null);
  forgetCache();
  if (state.kiosk && state.kiosk.active()) {
    state.kiosk.expired();
    return;
  }
  state.loginNotice = t('login.expired');
  showLogin();
});

async function logout() {
  try {
    await del('/api/v1/session', { noAuthRedirect: true });
  } catch {
    /* the session is gone either way */
  }
  state.user = null;
  setCsrf(null);
  forgetCache();
  state.loginNotice = t('login.loggedOut');
  showLogin();
}

/* The password must be changed before anything else: the form alone. */
function showPasswordChange() {
  state.shell = null;
  stopWall();
  if (state.kiosk)
    state.kiosk.stop({ keepSession: true });
  state.kiosk = null;
  disposeAll();
  document.title = `${t('account.mustTitle')} · ${t('app.name')}`;
  const form = account.passwordForm((me) => startSession({ ...state.user, ...me }), { block: true });
  replace(root,
    h('div', { class: 'login-page' },
      h('div', { class: 'login-top' }, langButton('on-dark')),
      h('div', { class: 'login-card', dataset: { testid: 'must-change' } },
        h('div', { class: 'login-brand' },
          h('div', { class: 'brand-mark', 'aria-hidden': 'true' }, '区'),
          h('div', null,
            h('div', { class: 'login-app' }, t('app.name')),
            h('div', { class: 'login-sub' }, state.user.display_name || state.user.username))),
        h('h1', { class: 'login-title' }, t('account.mustTitle')),
        h('div', { class: 'login-notice' }, t('account.mustLead')),
        form,
        h('p', { class: 'login-foot' },
          h('button', { class: 'btn btn-small', type: 'button', dataset: { testid: 'must-change-logout' }, on: { click: logout } },
            t('top.logout'))))));
  form.querySelector('input').focus();
}

/* The kiosk page's button: end the staff session and turn this screen into the kiosk. */
async function enterKiosk() {
  try {
    await del('/api/v1/session', { noAuthRedirect: true });
  } catch { /* gone either way */ }
  state.user = null;
  setCsrf(null);
  forgetCache();
  history.pushState(null, '', '#/kiosk');
  showKiosk();
}

/* ---------- shell ---------- */

function isNarrow() {
  return window.matchMedia('(max-width: 1024px)').matches;
}

function showShell() {
  stopWall();
  const u = state.user;
  const navOpen = () => document.body.classList.contains('nav-open');
  const setNavOpen = (open) => {
    document.body.classList.toggle('nav-open', open);
    menuBtn.setAttribute('aria-expanded', String(open));
  };
  const toggleNav = () => {
    if (isNarrow()) {
      setNavOpen(!navOpen());
    } else {
      const collapsed = !document.body.classList.contains('nav-collapsed');
      document.body.classList.toggle('nav-collapsed', collapsed);
      try {
        localStorage.setItem(NAV_KEY, collapsed ? 'collapsed' : '');
      } catch { /* ignore */ }
      setTimeout(resizeAll, 220);
    }
  };
  try {
    document.body.classList.toggle('nav-collapsed', localStorage.getItem(NAV_KEY) === 'collapsed');
  } catch { /* ignore */ }

  const menuBtn = h('button', { class: 'btn-icon menu-btn', type: 'button', 'aria-label': t('top.menu'),
    'aria-controls': 'sidebar', 'aria-expanded': 'false', dataset: { testid: 'menu' }, on: { click: toggleNav } },
  icon('menu'));

  const zone = h('span', { class: 'zone-name', dataset: { testid: 'zone-name' } }, zoneName());
  const topbar = h('header', { class: 'topbar' },
    menuBtn,
    h('div', { class: 'brand' },
      h('div', { class: 'brand-mark', 'aria-hidden': 'true' }, '区'),
      h('div', { class: 'brand-text' }, zone, h('span', { class: 'brand-app' }, t('app.name')))),
    h('div', { class: 'top-right' },
      langButton(),
      h('button', { class: 'btn-ghost user-chip', type: 'button', title: t('top.account'), dataset: { testid: 'user' },
        on: { click: () => { location.hash = '#/account'; } } },
        icon('user'),
        h('span', { class: 'user-name' }, u.display_name || u.username),
        (u.display_name || u.username) === t(`role.${u.role}`) ? null
          : h('span', { class: 'user-role' }, t(`role.${u.role}`))),
      h('button', { class: 'btn-ghost logout', type: 'button', 'aria-label': t('top.logout'), dataset: { testid: 'logout' }, on: { click: logout } },
        icon('logout'), h('span', null, t('top.logout')))));

  const groups = [['work', t('nav.group.work')], ['admin', t('nav.group.admin')]];
  const routes = visibleRoutes();
  const links = new Map();
  const link = (r, sub) => {
    const a = h('a', { class: ['nav-link', sub && 'nav-sub'], href: `#/${r.id}`, title: navLabel(r.id), dataset: { route: r.id },
      on: { click: () => { if (isNarrow()) setNavOpen(false); } } },
    icon(r.id), h('span', { class: 'nav-text' }, navLabel(r.id)));
    links.set(r.id, a);
    return h('li', null, a);
  };
  const sections = new Map();
  const nav = h('nav', { class: 'sidebar', id: 'sidebar', 'aria-label': t('top.menu') },
    groups.map(([g, label]) => {
      const items = routes.filter((r) => r.group === g);
      if (!items.length)
        return null;
      const lis = [];
      for (const r of items) {
        if (!r.section) {
          lis.push(link(r));
          continue;
        }
        if (!sections.has(r.section)) {
          const ul = h('ul', { class: 'nav-list nav-section-list', 'aria-label': t(`nav.section.${r.section}`) });
          sections.set(r.section, ul);
          lis.push(h('li', { class: 'nav-section', dataset: { section: r.section } },
            h('div', { class: 'nav-section-title', title: t(`nav.section.${r.section}`) },
              icon(r.section === 'service' ? 'enterprises' : r.section), h('span', { class: 'nav-text' }, t(`nav.section.${r.section}`))),
            ul));
        }
        sections.get(r.section).appendChild(link(r, true));
      }
      return h('div', { class: 'nav-group' },
        h('div', { class: 'nav-group-title' }, label),
        h('ul', { class: 'nav-list' }, lis));
    }));
  const scrim = h('div', { class: 'scrim', on: { click: () => setNavOpen(false) } });
  const view = h('main', { class: 'view', id: 'view', tabindex: '-1' });

  /* the first Tab stop: past the top bar and the menu to the page */
  const skipLink = h('a', { class: 'skip-link', href: '#view', dataset: { testid: 'skip-link' },
    on: { click: (e) => { e.preventDefault(); focusContent(view); } } }, t('a11y.skip'));

  replace(root, h('div', { class: 'app' }, skipLink, topbar, nav, scrim, view));
  state.shell = { view, links, zone, setNavOpen };
  import('./js/policy.js').then((m) => m.refreshNavUnread(u));
  calendar.showReminder(view, u.role === 'admin');   /* from 1 November: load next year's calendar (issue 12) */
  renderRoute();
}

/* Focus the page's heading (else the content itself), without scrolling. */
function focusContent(view) {
  const head = view.querySelector('h1');
  const target = head || view;
  if (head && !head.hasAttribute('tabindex'))
    head.setAttribute('tabindex', '-1');
  target.focus({ preventScroll: true });
}

/* Called by the settings page after a save. */
function settingsChanged(s) {
  state.settings = s;
  if (state.shell)
    state.shell.zone.textContent = zoneName();
}

async function renderRoute() {
  if (!state.shell)
    return;
  const routes = visibleRoutes();
  let id = currentId();
  if (!id && routes.length) {
    const home = routes.find((r) => r.id === HOME[state.user.role]) || routes[0];
    history.replaceState(null, '', `#/${home.id}`);
    id = home.id;
  }
  const route = routes.find((r) => r.id === id);
  const { view, links } = state.shell;
  for (const [rid, a] of links) {
    a.classList.toggle('active', rid === id);
    if (rid === id)
      a.setAttribute('aria-current', 'page');
    else
      a.removeAttribute('aria-current');
  }
  disposeAll();
  const moved = state.token > 0;
  const token = ++state.token;
  view.dataset.route = id;
  view.dataset.ready = '0';
  view.scrollTop = 0;
  window.scrollTo(0, 0);
  const container = h('div', { class: 'page', dataset: { page: id } });
  replace(view, calendar.reminder(), container);
  const { sub, query } = currentSub();
  const ctx = {
    el: container,
    user: state.user,
    settings: state.settings,
    sub,
    query,
    alive: () => token === state.token && state.shell !== null,
    settingsChanged,
    enterKiosk,
  };
  if (!route) {
    const exists = ROUTES.some((r) => r.id === id);
    const title = exists ? t('common.forbidden') : t('common.notFound');
    replace(container,
      h('header', { class: 'page-head' }, h('h1', { class: 'page-title' }, title)),
      h('div', { class: 'panel' }, h('div', { class: 'panel-body' },
        exists ? t('common.noPermission') : t('common.notFoundText'))));
    document.title = `${title} · ${zoneName()}`;
    view.dataset.ready = '1';
    return;
  }
  document.title = `${navLabel(id)} · ${zoneName()}`;
  container.appendChild(loading());
  try {
    const page = await loadPage(route);
    if (!ctx.alive())
      return;
    await page.render(ctx);
  } catch (e) {
    if (ctx.alive() && !(e instanceof ApiError && e.status === 401)) {
      console.warn('page failed', id, e);   // eslint-disable-line no-console
      replace(container, h('div', { class: 'state state-error', role: 'alert' }, errorText(e) || String(e)));
    }
  }
  if (ctx.alive()) {
    view.dataset.ready = '1';
    /* a change of page by the user (not the first one after login, not when
     * the page has put focus in a field of its own) moves focus to its heading */
    const act = document.activeElement;
    if (moved && (!act || act === document.body || !view.contains(act)))
      focusContent(view);
  }
}

/* ---------- start ---------- */

window.addEventListener('hashchange', () => {
  if (wantsKiosk()) {
    if (state.kiosk && state.kiosk.active())
      state.kiosk.route();
    else
      showKiosk();
    return;
  }
  if (state.kiosk && state.kiosk.active()) {
    /* Leaving #/kiosk: a kiosk's session ends there (stop() logs it out);
     * an enterprise logged in at its portal goes back to it, else the login. */
    state.kiosk.stop();
    state.kiosk = null;
    if (state.user && !state.user.kiosk)
      showShell();
    else
      showLogin();
    return;
  }
  if (wantsWall()) {
    showWall();
    return;
  }
  if (state.wall) {
    showShell();
    return;
  }
  renderRoute();
});
window.matchMedia('(max-width: 1024px)').addEventListener('change', () => {
  document.body.classList.remove('nav-open');
  setTimeout(resizeAll, 50);
});
onLangChange(() => {
  if (state.kiosk && state.kiosk.active()) {
    state.kiosk.stop({ keepSession: true });
    state.kiosk = null;
    showKiosk();
  } else if (state.user && state.user.must_change_password) {
    showPasswordChange();
  } else if (state.wall) {
    showWall();
  } else if (state.shell) {
    showShell();
  } else if (!state.user) {
    showLogin();
  }
});

async function boot() {
  replace(root, h('div', { class: 'boot' }, loading()));
  /* the settings (public: the zone's name) asked at once with /me, not after it */
  const settings = get('/api/v1/settings', null, { noAuthRedirect: true });
  settings.catch(() => {});
  try {
    const me = await get('/api/v1/me', null, { noAuthRedirect: true });
    await startSession(me, settings);
  } catch (e) {
    if (e.status && e.status !== 401)
      state.loginNotice = errorText(e);
    /* The kiosk shows the zone's name before anyone logs in; the settings'
     * answer also gives the pages before a login the server's clock
     * (js/clock.js). */
    try {
      state.settings = await settings;
    } catch {
      state.settings = null;
    }
    if (isKioskHash())
      showKiosk();
    else
      showLogin();
  }
}

boot();
