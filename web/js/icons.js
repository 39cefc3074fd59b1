/* icons.js -- a few line icons drawn as SVG paths (24×24, stroked). */
import { s } from './dom.js';

const paths = {
  overview: ['M3 11l9-7 9 7v9a1 1 0 0 1-1 1h-5v-6H9v6H4a1 1 0 0 1-1-1z'],
  race: ['M5 21V4', 'M5 4h12l-2.5 4 2.5 4H5'],
  board: ['M3 4h18v16H3z', 'M9 4v16M15 4v16', 'M5 7h2M11 7h2M11 10h2M17 7h2'],
  leads: ['M4 4h16v12H8l-4 4z', 'M8 8h8M8 12h5'],
  trips: ['M2 16l20-8-9 13-2-6z', 'M11 15l11-7'],
  enterprises: ['M4 21V5l8-3v19', 'M12 8h8v13', 'M7 8h2M7 12h2M7 16h2M15 12h2M15 16h2', 'M2 21h20'],
  requests: ['M4 5h16v11H10l-6 4z', 'M8 9h8M8 12h5'],
  policies: ['M3 10v4h3l8 4V6l-8 4z', 'M18 9a4 4 0 0 1 0 6', 'M6 14l1.5 5h3L9.5 15'],
  indicators: ['M3 20h18', 'M6 16v-5M11 16V6M16 16v-8'],
  land: ['M3 6l6-3 6 3 6-3v15l-6 3-6-3-6 3z', 'M9 3v15M15 6v15'],
  inspections: ['M12 3l8 3v6c0 5-3.5 8-8 9-4.5-1-8-4-8-9V6z', 'M8.5 12l2.5 2.5 4.5-5'],
  meetings: ['M12 8a2 2 0 1 0 0-4 2 2 0 0 0 0 4z', 'M5 11a2 2 0 1 0 0-4 2 2 0 0 0 0 4z', 'M19 11a2 2 0 1 0 0-4 2 2 0 0 0 0 4z', 'M3 14h18', 'M6 14v6M18 14v6'],
  kiosk: ['M4 4h16v12H4z', 'M9 20h6M12 16v4'],
  officers: ['M12 11a4 4 0 1 0 0-8 4 4 0 0 0 0 8z', 'M4 21c0-4 3.5-6 8-6s8 2 8 6', 'M12 15l-1.5 3 1.5 3 1.5-3z'],
  visits: ['M9 4h6v3H9z', 'M7 5H5v16h14V5h-2', 'M8.5 13l2.5 2.5 4.5-5'],
  service: ['M4 20V10M10 20V4M16 20v-7M22 20H2'],
  facts: ['M4 4h16v16H4z', 'M4 9h16M4 14.5h16', 'M9.5 9v11', 'M13 12h4M13 17.5h4'],
  calendar: ['M4 6h16v15H4z', 'M4 10h16', 'M8 3v5M16 3v5', 'M8 14h2M14 14h2M8 17h2'],
  inbox: ['M3 13l3-8h12l3 8v6H3z', 'M3 13h5l1.5 3h5L16 13h5'],
  'my-enterprise': ['M4 21V5l8-3v19', 'M12 8h8v13', 'M7 8h2M7 12h2M7 16h2', 'M2 21h20', 'M15 15l1.5 1.5L19 13'],
  channels: ['M6 8a6 6 0 0 1 12 0c0 7 3 9 3 9H3s3-2 3-9', 'M10.3 21a1.94 1.94 0 0 0 3.4 0'],
  outbox: ['M3 13l3-8h12l3 8v6H3z', 'M3 13h5l1.5 3h5L16 13h5', 'M12 3v7M9 6l3-3 3 3'],
  users: ['M9 11a4 4 0 1 0 0-8 4 4 0 0 0 0 8z', 'M2 21c0-4 3-6 7-6s7 2 7 6', 'M16 3.5a4 4 0 0 1 0 7.5', 'M19 15c2 .7 3 2.7 3 6'],
  audit: ['M6 3h9l4 4v14H6z', 'M15 3v4h4', 'M9 11h7M9 15h7M9 19h4'],
  settings: ['M4 6h9M17 6h3M4 12h3M11 12h9M4 18h11M19 18h1', 'M15 4v4M9 10v4M17 16v4'],
  menu: ['M4 6h16M4 12h16M4 18h16'],
  logout: ['M14 4h5v16h-5', 'M10 8l-4 4 4 4', 'M6 12h10'],
  globe: ['M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18z', 'M3 12h18', 'M12 3c3 3 3 15 0 18M12 3c-3 3-3 15 0 18'],
  user: ['M12 12a4 4 0 1 0 0-8 4 4 0 0 0 0 8z', 'M4 21c0-4 3.5-6 8-6s8 2 8 6'],
};

export function icon(name, cls = 'icon') {
  return s('svg', { class: cls, viewBox: '0 0 24 24', 'aria-hidden': 'true', focusable: 'false' },
    (paths[name] || paths.overview).map((d) => s('path', { d })));
}
