/*
 * wip.js -- pages of modules whose API is not built yet: the module's
 * heading and a panel telling what it will do (from the product brief).
 * No sample data is shown.
 */
import { replace } from '../dom.js';
import { t } from '../../i18n.js';
import { pageHeader, wip } from '../ui.js';

export function module(key) {
  return {
    render(ctx) {
      replace(ctx.el, pageHeader(t(`nav.${key}`), t(`wip.${key}.lead`)), wip(key));
    },
  };
}
