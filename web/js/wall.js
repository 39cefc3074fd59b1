/*
 * wall.js -- the wall screen (#/wall?interval=N): full screen, large type,
 * no navigation; shows the battle board and the month's ranking in turn,
 * N seconds each (default 30, at least 3), with a clock, the time to the
 * next view and an exit button.  Drawn by the pages' own render() with
 * ctx.wall set (read only, no filters).  A view too tall for the window
 * sets ctx.paging ({count, show(i)}: racekit.js fitPages): its pages are
 * shown in turn, N seconds each, before the next view, so that every unit
 * is seen at any screen size (data-page / data-pages on the wall).
 */
import { h, replace } from './dom.js';
import { t } from '../i18n.js';
import { errorText } from './ui.js';
import { nowText } from './clock.js';
import { disposeAll } from './chart.js';
import * as board from './pages/race.js';
import * as ranking from './pages/ranking.js';

const VIEWS = [['board', board], ['ranking', ranking]];

function interval() {
  const q = new URLSearchParams((location.hash.split('?')[1]) || '');
  const n = Number(q.get('interval'));
  return Number.isFinite(n) && n >= 3 ? n : 30;
}

/* opts: user, zoneName(), onExit(). Returns {stop()}. */
export function createWall(root, opts) {
  const st = { i: 0, page: 0, token: 0, timer: 0, tick: 0, next: 0, stopped: false, cycles: 0 };
  const main = h('main', { class: 'wall-main', dataset: { testid: 'wall-main' } });
  const clock = h('span', { class: 'wall-clock' });
  const left = h('span', { class: 'wall-left', dataset: { testid: 'wall-left' } });
  const dots = h('span', { class: 'wall-dots' });
  const wall = h('div', { class: 'wall', dataset: { testid: 'wall', view: '', cycles: '0' } },
    h('header', { class: 'wall-top' },
      h('div', { class: 'brand-mark', 'aria-hidden': 'true' }, '区'),
      h('div', { class: 'wall-brand' }, h('div', { class: 'wall-zone' }, opts.zoneName()), h('div', { class: 'wall-sub' }, t('wall.subtitle'))),
      dots, clock, left,
      h('button', { class: 'wall-btn', type: 'button', dataset: { testid: 'wall-full' },
        on: { click: () => { if (document.fullscreenElement) document.exitFullscreen().catch(() => {}); else document.documentElement.requestFullscreen().catch(() => {}); } } },
      t('wall.fullscreen')),
      h('button', { class: 'wall-btn wall-exit', type: 'button', dataset: { testid: 'wall-exit' }, on: { click: () => opts.onExit() } }, t('wall.exit'))),
    main);
  document.body.classList.add('wall-mode');
  replace(root, wall);
  document.title = `${t('wall.title')} · ${opts.zoneName()}`;

  const every = interval() * 1000;
  const tickClock = () => {
    clock.textContent = nowText();
    left.textContent = t('wall.next', { s: Math.max(0, Math.ceil((st.next - Date.now()) / 1000)) });
  };

  async function show() {
    if (st.stopped)
      return;
    const [id, mod] = VIEWS[st.i % VIEWS.length];
    const token = ++st.token;
    disposeAll();
    const el = h('div', { class: ['page', 'wall-page', `wall-${id}`] });
    replace(main, el);
    wall.dataset.view = id;
    wall.dataset.ready = '0';
    st.next = Date.now() + every;
    tickClock();
    const ctx = { el, user: opts.user, query: new URLSearchParams(), wall: true, alive: () => !st.stopped && token === st.token };
    try {
      await mod.render(ctx);
    } catch (e) {
      if (ctx.alive())
        replace(el, h('div', { class: 'state state-error', role: 'alert' }, errorText(e) || String(e)));
    }
    if (!ctx.alive())
      return;
    const pages = ctx.paging ? ctx.paging.count : 1;
    const page = Math.min(st.page, pages - 1);
    if (ctx.paging)
      ctx.paging.show(page);
    replace(dots, VIEWS.map(([v]) => h('span', { class: ['wall-dot', v === id && 'on'] }, t(`wall.view.${v}`),
      v === id && pages > 1 ? ` ${t('race2.wallPage', { page: page + 1, pages })}` : null)));
    wall.dataset.page = String(page + 1);
    wall.dataset.pages = String(pages);
    wall.dataset.ready = '1';
    clearTimeout(st.timer);
    st.timer = setTimeout(() => {
      if (page + 1 < pages)
        st.page = page + 1;
      else {
        st.page = 0;
        st.i++;
      }
      st.cycles++;
      wall.dataset.cycles = String(st.cycles);
      show();
    }, Math.max(0, st.next - Date.now()));
  }

  st.tick = setInterval(tickClock, 1000);
  show();
  return {
    stop() {
      st.stopped = true;
      st.token++;
      clearTimeout(st.timer);
      clearInterval(st.tick);
      disposeAll();
      document.body.classList.remove('wall-mode');
      if (document.fullscreenElement)
        document.exitFullscreen().catch(() => {});
    },
  };
}
