// 呼叫中心 (#/callcenter/…): the call-centre module of the console (issue
// 6), as screens on tabs, each shown with the permission the server checks
// for what it reads:
//   wall    大屏 — today's figures, refreshed every 10 s (cc_wall.js)   callcenter
//   stats   指标 — the handbook's indicators and charts (cc_stats.js)   callcenter
//   qa      质检评分 — QA forms and scores (cc_qa.js)       callcenter, .manage or .qa
//   shifts  排班考勤 — the week's shifts and attendance (cc_shifts.js)  any staff
//                     (an agent reads its own)
//   pop     来电弹屏 — the screen pop (cc_pop.js)                      orders.read
// The landing tab is the wallboard for call-centre staff and the screen pop
// for agents. Importing this module also installs Alt+P, which opens the
// screen pop over any page of the signed-in console.
//
// Wiring (app.js): import { CallcenterPage } from './callcenter.js';
//   Page(): if (id === 'callcenter') return html`<${CallcenterPage} me=${me} section=${route[1]} />`;

import { t } from './i18n.js';
import { html } from './ui.js';
import { can } from './shell.js';
import { Wallboard } from './cc_wall.js';
import { StatsPage } from './cc_stats.js';
import { QaPage } from './cc_qa.js';
import { ShiftsPage } from './cc_shifts.js';
import { ScreenPop, installScreenPopKey } from './cc_pop.js';

installScreenPopKey();

const CC_ANY = ['callcenter', 'callcenter.manage', 'callcenter.qa'];

/** The screens in tab order, with the permissions any of which shows one. */
const SCREENS = [
  { id: 'wall', anyOf: ['callcenter'] },
  { id: 'stats', anyOf: ['callcenter'] },
  { id: 'qa', anyOf: CC_ANY },
  { id: 'shifts' },
  { id: 'pop', anyOf: ['orders.read'] },
];

const allowed = (me, s) => !s.anyOf || s.anyOf.some((p) => can(me, p));

function Screen({ me, id }) {
  if (id === 'wall') return html`<${Wallboard} me=${me} />`;
  if (id === 'stats') return html`<${StatsPage} me=${me} />`;
  if (id === 'qa') return html`<${QaPage} me=${me} />`;
  if (id === 'shifts') return html`<${ShiftsPage} me=${me} />`;
  return html`<div class="panel"><${ScreenPop} /></div>`;
}

export function CallcenterPage({ me, section }) {
  const tabs = SCREENS.filter((s) => allowed(me, s));
  const landing = tabs.find((s) => s.id === (can(me, 'callcenter') ? 'wall' : 'pop')) || tabs[0];
  const screen = section ? SCREENS.find((s) => s.id === section) : landing;
  let body;
  if (!screen) body = html`<p class="panel">${t('notfound.body')}</p>`;
  else if (!tabs.includes(screen)) body = html`<p class="panel forbidden">${t('forbidden.body')}</p>`;
  else body = html`<${Screen} key=${screen.id} me=${me} id=${screen.id} />`;
  return html`<section class=${'page callcenter' + (screen ? ' cc-' + screen.id : '')}>
    <h1 tabindex="-1">${t('nav.callcenter')}</h1>
    <nav class="tabs orders-tabs" aria-label=${t('cc.screens')}>
      ${tabs.map((s) => html`<a key=${s.id} href=${'#/callcenter/' + s.id}
        aria-current=${s === screen ? 'page' : undefined}
        aria-keyshortcuts=${s.id === 'pop' ? 'Alt+P' : undefined}>${t('cc.tab.' + s.id)}
        ${s.id === 'pop' && html`<kbd aria-hidden="true">Alt+P</kbd>`}</a>`)}
    </nav>
    ${body}
  </section>`;
}
