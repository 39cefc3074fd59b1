/*
 * kiosk.js -- 24小时政务服务自助区: the enterprise portal as a full-screen
 * touch kiosk at #/kiosk, outside the staff shell.  Log in with the
 * unified social credit code and the password or a one-time code from
 * staff; then three big buttons: 我要反映问题 (#/kiosk/raise), 查看办理进度
 * (#/kiosk/progress[/ID]) and 政策推送 (#/kiosk/inbox[/ID]: grants to
 * confirm or decline, pushes to mute, request updates; the unread count
 * on the button).  Every touch
 * target is at least 64px.  After 2 idle minutes (localStorage
 * 'zoneops.kioskIdleMs' overrides, for tests) the session ends and the
 * kiosk login comes back; the last 20 s (at most half the timeout) count
 * down on screen.
 *
 * The session is a kiosk's on the server too (a one-time code, or the
 * password with kiosk: true): a session-only cookie, ended by the server
 * after 2 minutes without a request and 15 minutes after the login.  While
 * someone is busy on the screen the kiosk asks /me at most every 30 s so
 * that typing a long text does not count as idle; leaving the kiosk (the
 * logout, the idle timer, another page, closing or reloading the page)
 * deletes the session on the server.
 */
import { h, replace, fmtTime } from './dom.js';
import { get, post, del, setCsrf } from './api.js';
import { t, getLang, setLang } from '../i18n.js';
import { errorText } from './ui.js';
import { categories, catLabel, localName, statusBadge, day, CATEGORY_CODES, levelLabel, requestOverdueBadge } from './svc.js';
import { eventLabel } from './pages/requests.js';
import {
  loadInbox, markRead, confirmGrant, declineGrant, mutePolicy, unmutePolicy, itemBody, awaitsAnswer, itemTitle, inboxStateBadge,
  pushClause, inboxErrorText, amountText, clauseList, requestUpdate,
} from './policy.js';

const IDLE_KEY = 'zoneops.kioskIdleMs';
const IDLE_DEFAULT = 120000;
const WARN_MS = 20000;
const PING_MS = 30000;   // activity on the screen reaches the server this often at most

/* Delete the kiosk's session on the server, also while the page goes away
 * (keepalive outlives it). */
function endSession(csrf) {
  try {
    fetch('/api/v1/session', { method: 'DELETE', keepalive: true, credentials: 'same-origin',
      headers: csrf ? { 'X-CSRF-Token': csrf } : {} }).catch(() => {});
  } catch { /* gone either way */ }
}

function idleMs() {
  try {
    const v = Number(localStorage.getItem(IDLE_KEY));
    return Number.isFinite(v) && v >= 1000 ? v : IDLE_DEFAULT;
  } catch {
    return IDLE_DEFAULT;
  }
}

/*
 * The kiosk controller.  opts: zoneName() → text; onExit() leaves kiosk
 * mode for the staff login.  k.show(user|null, notice) draws the current
 * #/kiosk screen; k.route() after a hash change; k.expired() when the API
 * says 401; k.stop() when leaving.
 */
export function createKiosk(root, opts) {
  const st = { user: null, ent: null, notice: '', last: Date.now(), timer: 0, token: 0, pinged: 0 };
  const main = h('main', { class: 'kiosk-main', id: 'kiosk-main' });
  const who = h('div', { class: 'kiosk-who' });
  const countdown = h('div', { class: 'kiosk-idle', role: 'status', 'aria-live': 'assertive', hidden: true, dataset: { testid: 'kiosk-countdown' } });
  const zone = h('div', { class: 'kiosk-zone' });
  const shell = h('div', { class: 'kiosk', dataset: { testid: 'kiosk' } },
    h('header', { class: 'kiosk-top' },
      h('div', { class: 'brand-mark', 'aria-hidden': 'true' }, '区'),
      h('div', { class: 'kiosk-brand' }, zone, h('div', { class: 'kiosk-sub' }, t('kiosk.subtitle'))),
      who,
      h('button', { class: 'kiosk-lang', type: 'button', dataset: { testid: 'kiosk-lang' },
        on: { click: () => setLang(getLang() === 'zh' ? 'en' : 'zh') } }, t('top.lang'))),
    main, countdown);

  const activity = () => {
    st.last = Date.now();
    if (!countdown.hidden)
      countdown.hidden = true;
    /* the server's idle limit moves with requests only: tell it (a 401
     * here is the app's "session ended") */
    if (st.user && st.user.kiosk && st.last - st.pinged >= PING_MS) {
      st.pinged = st.last;
      get('/api/v1/me').catch(() => {});
    }
  };
  /* closing or reloading the page ends a kiosk's session */
  const onHide = () => {
    if (st.user && st.user.kiosk)
      endSession(st.user.csrf_token);
  };
  window.addEventListener('pagehide', onHide);
  const EVENTS = ['pointerdown', 'pointermove', 'keydown', 'wheel', 'touchstart', 'input'];

  function startIdle() {
    stopIdle();
    st.last = Date.now();
    st.pinged = st.last;
    for (const ev of EVENTS)
      document.addEventListener(ev, activity, { passive: true, capture: true });
    st.timer = setInterval(() => {
      const limit = idleMs();
      const left = limit - (Date.now() - st.last);
      if (left <= 0) {
        logout('idle');
        return;
      }
      if (left <= Math.min(WARN_MS, limit / 2)) {
        countdown.hidden = false;
        replace(countdown,
          h('div', { class: 'kiosk-idle-box' },
            h('div', { class: 'kiosk-idle-num', dataset: { testid: 'kiosk-seconds' } }, String(Math.ceil(left / 1000))),
            h('div', null, t('kiosk.idleWarn')),
            h('button', { class: 'kbtn kbtn-primary', type: 'button' }, t('kiosk.stay'))));
      }
    }, 250);
  }
  function stopIdle() {
    clearInterval(st.timer);
    st.timer = 0;
    for (const ev of EVENTS)
      document.removeEventListener(ev, activity, { capture: true });
    countdown.hidden = true;
  }

  async function logout(why) {
    stopIdle();
    st.token++;
    try {
      await del('/api/v1/session', { noAuthRedirect: true });
    } catch { /* gone either way */ }
    setCsrf(null);
    st.user = null;
    st.ent = null;
    if (opts.onLogout)
      opts.onLogout();
    if (location.hash !== '#/kiosk')
      history.replaceState(null, '', '#/kiosk');
    show(null, why === 'idle' ? t('kiosk.idleOut') : t('kiosk.loggedOut'));
  }

  function header() {
    zone.textContent = opts.zoneName();
    if (!st.user) {
      replace(who);
      return;
    }
    replace(who,
      h('span', { class: 'kiosk-ent', dataset: { testid: 'kiosk-ent' } }, st.ent ? st.ent.name : st.user.display_name),
      h('button', { class: 'kbtn kbtn-ghost', type: 'button', dataset: { testid: 'kiosk-logout' }, on: { click: () => logout('user') } }, t('kiosk.logout')));
  }

  function sub() {
    return (location.hash.split('?')[0] || '').split('/').slice(2).filter(Boolean);
  }

  function go(path) {
    location.hash = `#/kiosk${path ? `/${path}` : ''}`;
  }

  /* Draw the screen for the current hash. */
  async function route() {
    header();
    document.title = `${t('kiosk.title')} · ${opts.zoneName()}`;
    const token = ++st.token;
    const alive = () => token === st.token;
    main.dataset.ready = '0';
    if (!st.user) {
      loginScreen();
      main.dataset.screen = 'login';
      main.dataset.ready = '1';
      return;
    }
    const [screen, arg] = sub();
    main.dataset.screen = screen || 'home';
    try {
      if (screen === 'raise')
        await raiseScreen(alive);
      else if (screen === 'progress' && /^\d+$/.test(arg || ''))
        await requestScreen(Number(arg), alive);
      else if (screen === 'progress')
        await progressScreen(alive);
      else if (screen === 'inbox' && /^[\w-]+$/.test(arg || ''))
        await inboxItemScreen(arg, alive);
      else if (screen === 'inbox')
        await inboxScreen(alive);
      else
        homeScreen(alive);
    } catch (e) {
      if (alive() && e.status !== 401)
        replace(main, h('div', { class: 'kiosk-card kiosk-error', role: 'alert' }, errorText(e)), homeButton());
    }
    if (alive())
      main.dataset.ready = '1';
  }

  async function show(user, notice) {
    st.notice = notice || '';
    if (!shell.isConnected)
      replace(root, shell);
    if (user && user.role === 'enterprise') {
      st.user = user;
      try {
        st.ent = user.enterprise_id ? await get(`/api/v1/enterprises/${user.enterprise_id}`) : null;
      } catch {
        st.ent = null;
      }
      startIdle();
    } else {
      st.user = null;
      st.ent = null;
      stopIdle();
    }
    await route();
  }

  /* ---------- screens ---------- */

  function homeButton() {
    return h('button', { class: 'kbtn kbtn-back', type: 'button', dataset: { testid: 'kiosk-home' }, on: { click: () => go('') } }, `‹ ${t('kiosk.home')}`);
  }

  function loginScreen() {
    let useCode = false;
    const notice = st.notice ? h('div', { class: 'kiosk-notice', role: 'status', dataset: { testid: 'kiosk-notice' } }, st.notice) : null;
    const code = h('input', { class: 'kinput mono', name: 'credit_code', id: 'kiosk-code', autocomplete: 'off', maxlength: 40,
      inputmode: 'text', spellcheck: 'false', placeholder: t('kiosk.creditPh') });
    const secret = h('input', { class: 'kinput', name: 'password', id: 'kiosk-secret', type: 'password', autocomplete: 'off', maxlength: 256 });
    const secretLabel = h('label', { class: 'klabel', for: 'kiosk-secret' }, t('kiosk.password'));
    const err = h('div', { class: 'kiosk-err', role: 'alert', dataset: { testid: 'kiosk-error' } });
    const tabPw = h('button', { class: 'ktab active', type: 'button', dataset: { testid: 'kiosk-tab-password' } }, t('kiosk.byPassword'));
    const tabCode = h('button', { class: 'ktab', type: 'button', dataset: { testid: 'kiosk-tab-code' } }, t('kiosk.byCode'));
    const setMode = (c) => {
      useCode = c;
      tabPw.classList.toggle('active', !c);
      tabCode.classList.toggle('active', c);
      secretLabel.textContent = c ? t('kiosk.oneTimeCode') : t('kiosk.password');
      secret.name = c ? 'code' : 'password';
      secret.type = c ? 'text' : 'password';
      secret.inputMode = c ? 'numeric' : 'text';
      secret.maxLength = c ? 6 : 256;
      secret.value = '';
      err.textContent = '';
    };
    tabPw.addEventListener('click', () => setMode(false));
    tabCode.addEventListener('click', () => setMode(true));
    const submit = h('button', { class: 'kbtn kbtn-primary kbtn-block', type: 'submit', dataset: { testid: 'kiosk-login' } }, t('kiosk.login'));
    const form = h('form', { class: 'kiosk-form', novalidate: true },
      h('div', { class: 'ktabs', role: 'group' }, tabPw, tabCode),
      h('label', { class: 'klabel', for: 'kiosk-code' }, t('ent.creditCode')), code,
      secretLabel, secret, err, submit);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      err.textContent = '';
      const cc = code.value.trim();
      if (!cc) {
        err.textContent = t('kiosk.needCode');
        code.focus();
        return;
      }
      if (!secret.value) {
        err.textContent = useCode ? t('kiosk.needOneTime') : t('kiosk.needPassword');
        secret.focus();
        return;
      }
      submit.disabled = true;
      try {
        /* kiosk: true -- a kiosk's session on the server, with the password too */
        const body = { credit_code: cc, kiosk: true };
        body[useCode ? 'code' : 'password'] = useCode ? secret.value.trim() : secret.value;
        const me = await post('/api/v1/session', body, { noAuthRedirect: true });
        if (me.role !== 'enterprise' || me.must_change_password) {
          setCsrf(me.csrf_token);
          await del('/api/v1/session', { noAuthRedirect: true }).catch(() => {});
          setCsrf(null);
          err.textContent = me.role !== 'enterprise' ? t('kiosk.notEnterprise') : t('kiosk.mustChange');
          submit.disabled = false;
          return;
        }
        setCsrf(me.csrf_token);
        if (opts.onLogin)
          opts.onLogin(me);
        history.replaceState(null, '', '#/kiosk');
        await show(me);
      } catch (ex) {
        err.textContent = ex.code === 'invalid_credentials' ? t('kiosk.badLogin') : errorText(ex);
        submit.disabled = false;
        secret.select();
      }
    });
    replace(main,
      h('div', { class: 'kiosk-login' },
        h('h1', { class: 'kiosk-title' }, t('kiosk.welcome')),
        h('p', { class: 'kiosk-lead' }, t('kiosk.loginLead')),
        notice, form,
        h('div', { class: 'kiosk-foot' },
          h('a', { class: 'kiosk-staff', href: '#/', dataset: { testid: 'kiosk-staff-login' },
            on: { click: (e) => { e.preventDefault(); opts.onExit(); } } }, t('kiosk.staffLogin')))));
    code.focus();
  }

  function homeScreen(alive) {
    const big = (id, label, hint, ic) => h('button', { class: ['kiosk-big', `kiosk-big-${id}`], type: 'button', dataset: { testid: `kiosk-${id}` },
      on: { click: () => go(id) } },
    h('span', { class: 'kiosk-big-icon', 'aria-hidden': 'true' }, ic),
    h('span', { class: 'kiosk-big-label' }, label),
    h('span', { class: 'kiosk-big-hint' }, hint));
    /* the unread count on the inbox's button, when the server gives it */
    get('/api/v1/inbox').then((r) => {
      const btn = main.querySelector('[data-testid=kiosk-inbox]');
      if (!alive() || !btn || !r.unread)
        return;
      btn.appendChild(h('span', { class: 'kiosk-count', role: 'img', dataset: { testid: 'kiosk-unread' }, 'aria-label': t('inbox.unreadN', { n: r.unread }) },
        String(r.unread)));
    }).catch(() => {});
    replace(main,
      h('h1', { class: 'kiosk-title' }, t('kiosk.hello', { name: st.ent ? st.ent.name : st.user.display_name })),
      h('p', { class: 'kiosk-lead' }, t('kiosk.choose')),
      h('div', { class: 'kiosk-bigs' },
        big('raise', t('kiosk.raise'), t('kiosk.raiseHint'), '✎'),
        big('progress', t('kiosk.progress'), t('kiosk.progressHint'), '⌕'),
        big('inbox', t('kiosk.inbox'), t('kiosk.inboxHint'), '✉')));
  }

  async function raiseScreen(alive) {
    const cats = await categories();
    if (!alive())
      return;
    const list = cats.length ? cats : CATEGORY_CODES.map((code) => ({ code, name: t(`cat.${code}`) }));
    let chosen = null;
    const title = h('input', { class: 'kinput', name: 'title', id: 'kiosk-title', maxlength: 200, placeholder: t('req.titlePh') });
    const desc = h('textarea', { class: 'kinput ktextarea', name: 'description', id: 'kiosk-desc', rows: 4, maxlength: 4000, placeholder: t('req.descPh') });
    const err = h('div', { class: 'kiosk-err', role: 'alert' });
    const tiles = list.map((c) => h('button', { class: 'kiosk-cat', type: 'button', dataset: { testid: `kiosk-cat-${c.code}`, code: c.code },
      'aria-pressed': 'false', on: { click: () => pick(c.code) } }, localName(c)));
    const pick = (code) => {
      chosen = code;
      for (const b of tiles) {
        b.classList.toggle('on', b.dataset.code === code);
        b.setAttribute('aria-pressed', String(b.dataset.code === code));
      }
      err.textContent = '';
    };
    const submit = h('button', { class: 'kbtn kbtn-primary kbtn-block', type: 'submit', dataset: { testid: 'kiosk-submit' } }, t('kiosk.submit'));
    const form = h('form', { class: 'kiosk-form kiosk-form-wide', novalidate: true },
      h('div', { class: 'klabel' }, t('kiosk.step1')),
      h('div', { class: 'kiosk-cats' }, tiles),
      h('label', { class: 'klabel', for: 'kiosk-title' }, t('kiosk.step2')), title,
      h('label', { class: 'klabel', for: 'kiosk-desc' }, t('kiosk.step3')), desc,
      err, submit);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      err.textContent = '';
      if (!chosen) {
        err.textContent = t('kiosk.needCategory');
        return;
      }
      if (!title.value.trim()) {
        err.textContent = t('kiosk.needTitle');
        title.focus();
        return;
      }
      submit.disabled = true;
      try {
        const r = await post('/api/v1/requests', { category: chosen, title: title.value.trim(), description: desc.value.trim(), source: 'kiosk' });
        if (!alive())
          return;
        replace(main,
          h('div', { class: 'kiosk-card kiosk-done', dataset: { testid: 'kiosk-raised' } },
            h('div', { class: 'kiosk-done-mark', 'aria-hidden': 'true' }, '✓'),
            h('h1', { class: 'kiosk-title' }, t('kiosk.raised')),
            h('p', { class: 'kiosk-lead' }, t('kiosk.raisedNo', { id: r.id })),
            r.due_on ? h('p', { class: 'kiosk-lead' }, t('req.dueOn', { day: day(r.due_on) })) : null,
            h('div', { class: 'kiosk-row' },
              h('button', { class: 'kbtn kbtn-primary', type: 'button', dataset: { testid: 'kiosk-see' }, on: { click: () => go(`progress/${r.id}`) } }, t('kiosk.seeIt')),
              h('button', { class: 'kbtn', type: 'button', on: { click: () => go('') } }, t('kiosk.home')))));
      } catch (ex) {
        err.textContent = errorText(ex);
        submit.disabled = false;
      }
    });
    replace(main, homeButton(), h('h1', { class: 'kiosk-title' }, t('kiosk.raise')), form);
  }

  async function progressScreen(alive) {
    const [r, cats] = await Promise.all([get('/api/v1/requests', { limit: 50 }), categories()]);
    if (!alive())
      return;
    const items = r.items || [];
    replace(main, homeButton(), h('h1', { class: 'kiosk-title' }, t('kiosk.progress')),
      items.length ? h('div', { class: 'kiosk-list', dataset: { testid: 'kiosk-list' } }, items.map((x) => h('button', {
        class: ['kiosk-item', x.overdue && 'overdue'], type: 'button', dataset: { testid: 'kiosk-item', id: String(x.id) },
        on: { click: () => go(`progress/${x.id}`) },
      },
      h('span', { class: 'kiosk-item-title' }, x.title),
      h('span', { class: 'kiosk-item-meta' }, `${t('req.no')} ${x.id} · ${catLabel(x.category, cats)} · ${fmtTime(x.updated_at || x.created_at, false)}`),
      h('span', { class: 'kiosk-item-status' }, statusBadge(x.status), requestOverdueBadge(x)))))
        : h('div', { class: 'kiosk-card' }, t('kiosk.noRequests')));
  }

  async function requestScreen(id, alive) {
    const [r, cats] = await Promise.all([get(`/api/v1/requests/${id}`), categories()]);
    if (!alive())
      return;
    const hist = r.history || [];
    const actions = h('div', { class: 'kiosk-actions' });
    /* exactly the actions the server lists for the enterprise now */
    const allowed = r.allowed_actions || [];
    const err = h('div', { class: 'kiosk-err', role: 'alert' });
    const send = async (body) => {
      err.textContent = '';
      try {
        await post(`/api/v1/requests/${id}/transitions`, body);
        if (alive())
          await requestScreen(id, alive);
      } catch (ex) {
        err.textContent = errorText(ex);
      }
    };
    let rating = 0;
    const starsEl = [1, 2, 3, 4, 5].map((n) => h('button', { class: 'kstar', type: 'button', 'aria-label': t('req.stars', { n }),
      dataset: { testid: `kiosk-star-${n}` }, on: { click: () => { rating = n; starsEl.forEach((s, i) => s.classList.toggle('on', i < n)); } } }, '★'));
    if (allowed.length)
      replace(actions,
        allowed.includes('rate') ? [h('div', { class: 'klabel' }, t('kiosk.rateIt')), h('div', { class: 'kstars' }, starsEl)] : null,
        h('div', { class: 'kiosk-row' },
          allowed.includes('rate') ? h('button', { class: 'kbtn kbtn-primary', type: 'button', dataset: { testid: 'kiosk-rate' },
            on: { click: () => (rating ? send({ action: 'rate', rating, comment: '' }) : (err.textContent = t('req.chooseRating'))) } }, t('kiosk.sendRating')) : null,
          allowed.includes('resume') ? h('button', { class: 'kbtn kbtn-primary', type: 'button', dataset: { testid: 'kiosk-resume' },
            on: { click: () => send({ action: 'resume' }) } }, t('req.act.resume')) : null,
          allowed.includes('reopen') ? h('button', { class: 'kbtn kbtn-warn', type: 'button', dataset: { testid: 'kiosk-reopen' },
            on: { click: () => send({ action: 'reopen', reason: t('kiosk.reopenReason') }) } }, t('kiosk.reopen')) : null),
        err);
    replace(main, h('button', { class: 'kbtn kbtn-back', type: 'button', on: { click: () => go('progress') } }, `‹ ${t('kiosk.progress')}`),
      h('div', { class: 'kiosk-card', dataset: { testid: 'kiosk-request' } },
        h('h1', { class: 'kiosk-title' }, r.title),
        h('div', { class: 'kiosk-status' }, statusBadge(r.status), requestOverdueBadge(r)),
        h('dl', { class: 'kiosk-kv' },
          h('dt', null, t('req.no')), h('dd', null, String(r.id)),
          h('dt', null, t('req.category')), h('dd', null, catLabel(r.category, cats)),
          h('dt', null, t('req.department')), h('dd', null, r.department_name || t('kiosk.notYet')),
          h('dt', null, t('req.level')), h('dd', null, levelLabel(r.level)),
          h('dt', null, t('req.due')), h('dd', null, r.due_on ? day(r.due_on) : t('kiosk.notYet'))),
        r.description ? h('p', { class: 'pre' }, r.description) : null,
        actions,
        h('h2', { class: 'kiosk-h2' }, t('req.history', { n: hist.length })),
        h('ol', { class: 'kiosk-history' }, hist.map((ev) => h('li', null,
          h('span', { class: 'kh-time' }, fmtTime(ev.at, false)),
          h('strong', null, eventLabel(ev.action)),
          ev.to_status ? statusBadge(ev.to_status) : null)))));
  }

  /* 政策推送: the inbox as large tiles; one opens its screen. */
  async function inboxScreen(alive) {
    const { items } = await loadInbox();
    if (!alive())
      return;
    replace(main, homeButton(), h('h1', { class: 'kiosk-title' }, t('kiosk.inbox')),
      items.length ? h('div', { class: 'kiosk-list', dataset: { testid: 'kiosk-inbox-list' } }, items.map((x) => h('button', {
        class: ['kiosk-item', 'kiosk-msg', `kiosk-msg-${x.kind}`, !x.read && 'unread'], type: 'button',
        dataset: { testid: 'kiosk-msg', id: String(x.id), kind: x.kind }, on: { click: () => go(`inbox/${x.id}`) },
      },
      h('span', { class: 'kiosk-item-title' }, x.read ? null : h('span', { class: 'kiosk-dot', role: 'img', 'aria-label': t('inbox.unread') }), itemTitle(x)),
      h('span', { class: 'kiosk-item-meta' }, t(`inbox.kind.${x.kind}`), ' · ', fmtTime(x.created_at, false),
        x.kind === 'grant' ? [' · ', h('strong', null, amountText(x.amount))] : null),
      h('span', { class: 'kiosk-item-status' }, inboxStateBadge(x)))))
        : h('div', { class: 'kiosk-card', dataset: { testid: 'kiosk-inbox-empty' } }, t('portal.noPush')));
  }

  /* One message: read when opened; a grant is confirmed or declined here. */
  async function inboxItemScreen(id, alive) {
    const { items } = await loadInbox();
    if (!alive())
      return;
    const x = items.find((i) => String(i.id) === id);
    const back = h('button', { class: 'kbtn kbtn-back', type: 'button', on: { click: () => go('inbox') } }, `‹ ${t('kiosk.inbox')}`);
    if (!x) {
      replace(main, back, h('div', { class: 'kiosk-card' }, t('err.not_found')));
      return;
    }
    if (!x.read)
      markRead(x.id).catch(() => {});
    const b = itemBody(x);
    const err = h('div', { class: 'kiosk-err', role: 'alert', dataset: { testid: 'kiosk-error' } });
    const act = async (fn, done, note) => {
      err.textContent = '';
      try {
        await fn();
        if (alive())
          doneScreen(done, note);
      } catch (e) {
        err.textContent = inboxErrorText(e);
      }
    };
    let body;
    if (x.kind === 'grant') {
      body = [
        h('p', { class: 'kiosk-lead' }, t('inbox.grantLead', { name: b.policy_name || x.policy_code || '', year: b.year ?? '' })),
        h('div', { class: 'kiosk-amount', dataset: { testid: 'kiosk-amount' } }, amountText(x.amount)),
        h('h2', { class: 'kiosk-h2' }, t('inbox.why')),
        clauseList(b.clauses, b.missing, { large: true }),
        h('div', { class: 'kiosk-status' }, inboxStateBadge(x)),
        awaitsAnswer(x) ? declineBox(x, act, err) : null,
      ];
    } else if (x.kind === 'push') {
      const c = pushClause(x);
      const muted = x.state === 'muted' || x.muted;
      body = [
        h('p', { class: 'kiosk-lead' }, t('inbox.pushLead', { name: b.policy_name || x.policy_code || '' })),
        c.plain ? h('p', { class: 'kiosk-plain' }, c.plain) : null,
        clauseList([{ text: c.text, value: c.value, result: false }], null, { large: true }),
        h('p', { class: 'kiosk-note' }, t('inbox.pushNote')),
        h('div', { class: 'kiosk-row' }, muted
          ? h('button', { class: 'kbtn', type: 'button', dataset: { testid: 'kiosk-unmute' }, on: { click: () => act(() => unmutePolicy(x.id), t('inbox.unmuted')) } }, t('inbox.unmute'))
          : h('button', { class: 'kbtn', type: 'button', dataset: { testid: 'kiosk-mute' }, on: { click: () => act(() => mutePolicy(x.id), t('inbox.mutedDone'), t('inbox.mutedNote')) } }, t('inbox.mute'))),
        err,
      ];
    } else {
      body = [
        requestUpdate(x),
        x.request_id ? h('div', { class: 'kiosk-row' }, h('button', { class: 'kbtn kbtn-primary', type: 'button', on: { click: () => go(`progress/${x.request_id}`) } },
          t('inbox.openRequest', { id: x.request_id }))) : null,
      ];
    }
    replace(main, back, h('div', { class: 'kiosk-card', dataset: { testid: 'kiosk-message', kind: x.kind } },
      h('h1', { class: 'kiosk-title' }, itemTitle(x)), body));
  }

  /* Confirm, or decline with a reason (a few common ones as tiles). */
  function declineBox(x, act, err) {
    const reason = h('textarea', { class: 'kinput ktextarea', name: 'reason', id: 'kiosk-reason', rows: 3, maxlength: 500, dataset: { testid: 'kiosk-reason' } });
    const box = h('div', { class: 'kiosk-decline', hidden: true },
      h('label', { class: 'klabel', for: 'kiosk-reason' }, t('inbox.declineReason')),
      h('div', { class: 'kiosk-cats' }, ['notNeeded', 'wrongData', 'later'].map((k) => h('button', { class: 'kiosk-cat', type: 'button',
        on: { click: () => { reason.value = t(`inbox.reason.${k}`); } } }, t(`inbox.reason.${k}`)))),
      reason,
      h('div', { class: 'kiosk-row' }, h('button', { class: 'kbtn kbtn-warn', type: 'button', dataset: { testid: 'kiosk-decline-go' }, on: { click: () => {
        if (!reason.value.trim()) {
          err.textContent = t('inbox.needReason');
          reason.focus();
          return;
        }
        act(() => declineGrant(x.id, reason.value.trim()), t('inbox.declined'), t('inbox.declinedNote'));
      } } }, t('inbox.declineSend'))));
    return h('div', { class: 'kiosk-actions' },
      h('p', { class: 'kiosk-note' }, t('inbox.confirmNote')),
      h('div', { class: 'kiosk-row' },
        h('button', { class: 'kbtn kbtn-primary', type: 'button', dataset: { testid: 'kiosk-confirm' },
          on: { click: () => act(() => confirmGrant(x.id), t('inbox.confirmed')) } }, t('inbox.confirm')),
        h('button', { class: 'kbtn', type: 'button', dataset: { testid: 'kiosk-decline' },
          on: { click: () => { box.hidden = false; reason.focus(); } } }, t('inbox.decline'))),
      box, err);
  }

  /* After an answer: a check for a confirmation, a plain mark otherwise. */
  function doneScreen(text, note) {
    const ok = !note;
    replace(main,
      h('div', { class: 'kiosk-card kiosk-done', dataset: { testid: 'kiosk-done' } },
        h('div', { class: ['kiosk-done-mark', !ok && 'kiosk-done-plain'], 'aria-hidden': 'true' }, ok ? '✓' : '–'),
        h('h1', { class: 'kiosk-title' }, text),
        note ? h('p', { class: 'kiosk-lead' }, note) : null,
        h('div', { class: 'kiosk-row' },
          h('button', { class: 'kbtn kbtn-primary', type: 'button', on: { click: () => go('inbox') } }, t('kiosk.inbox')),
          h('button', { class: 'kbtn', type: 'button', on: { click: () => go('') } }, t('kiosk.home')))));
  }

  return {
    show,
    route,
    expired: () => {
      stopIdle();
      st.user = null;
      st.ent = null;
      history.replaceState(null, '', '#/kiosk');
      show(null, t('kiosk.expired'));
    },
    /* Leaving kiosk mode: a kiosk's session ends with it, unless
     * opts.keepSession (the kiosk is only drawn again: a new language). */
    stop: (o = {}) => {
      stopIdle();
      st.token++;
      window.removeEventListener('pagehide', onHide);
      if (!o.keepSession && st.user && st.user.kiosk) {
        endSession(st.user.csrf_token);
        st.user = null;
        st.ent = null;
        setCsrf(null);
        if (opts.onLogout)
          opts.onLogout();
      }
    },
    active: () => shell.isConnected,
  };
}
