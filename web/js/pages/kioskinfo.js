/*
 * kioskinfo.js -- 自助服务 for staff: what the 24-hour self-service kiosk
 * does, how enterprises log in (credit code + password, or a one-time
 * code generated on the enterprise's page), and a button that ends the
 * staff session and turns this screen into the kiosk.
 */
import { h, replace } from '../dom.js';
import { t } from '../../i18n.js';
import { pageHeader, panel, confirmBox } from '../ui.js';

export function render(ctx) {
  const start = h('button', { class: 'btn btn-primary', type: 'button', dataset: { testid: 'start-kiosk' },
    on: { click: async () => { if (await confirmBox(t('kinfo.confirm'))) ctx.enterKiosk(); } } }, t('kinfo.start'));
  replace(ctx.el,
    pageHeader(t('nav.kiosk'), t('kinfo.subtitle'), start),
    h('div', { class: 'two-col' },
      panel(t('kinfo.what'), h('ul', { class: 'wip-list' }, t('kinfo.items').split('|').map((x) => h('li', null, x)))),
      panel(t('kinfo.how'), [
        h('ol', { class: 'wip-list' }, t('kinfo.steps').split('|').map((x) => h('li', null, x))),
        h('p', { class: 'muted' }, t('kinfo.url'), ' ', h('a', { href: '#/kiosk', class: 'mono' }, `${location.origin}/#/kiosk`)),
      ])));
}
