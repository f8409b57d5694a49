// 排班考勤 (#/callcenter/shifts): one week (Monday to Sunday, China time)
// as a grid of roster agents by day, each cell the agent's shifts with
// their attendance; adding shifts for a week in one request (agents × days
// × one start and end time, written all or none by POST /callcenter/shifts,
// an overlap refused naming the agent and day); recording attendance of a
// shift (present with clock-in/out, or absent with a reason: POST
// /callcenter/attendance); and each agent's attendance rate for the week as
// the server computes it (GET /callcenter/own: attended ÷ begun shifts; a
// begun shift without a record counts as missed). Writing needs
// callcenter.manage; an agent without it sees its own shifts only.
//
// Keys: [ and ] previous and next week, T this week (outside fields);
// Enter submits the form it is in; Esc closes the attendance form.

import { api } from './api.js';
import { t } from './i18n.js';
import { html, useState, useEffect, Field, Notice, Loading } from './ui.js';
import { can } from './shell.js';
import { DAY, cstDate, cst, hhmm, weekStart, fmtRate } from './cc_common.js';

const DAYS = [0, 1, 2, 3, 4, 5, 6];

/** "YYYY-MM-DD" + "HH:MM" China time → epoch ms (NaN when malformed). */
const at = (date, time) => (/^\d\d:\d\d$/.test(time) ? Date.parse(`${date}T${time}:00+08:00`) : NaN);

function AttendanceMark({ s, now }) {
  const a = s.attendance;
  if (!a) {
    const begun = Date.parse(s.start) <= now;
    return html`<span class=${'cc-att ' + (begun ? 'none' : 'future')}>${t(begun ? 'cc.att.none' : 'cc.att.future')}</span>`;
  }
  if (a.status === 'absent') return html`<span class="cc-att absent" title=${a.reason || ''}>${t('cc.att.absent')}${a.reason ? '：' + a.reason : ''}</span>`;
  return html`<span class="cc-att present">${a.late_min > 0 ? t('cc.att.late', { n: a.late_min }) : t('cc.att.present')}</span>`;
}

function AddShifts({ agents, week, onDone }) {
  const [picked, setPicked] = useState([]);
  const [days, setDays] = useState([0, 1, 2, 3, 4]);
  const [start, setStart] = useState('09:00');
  const [end, setEnd] = useState('18:00');
  const [errors, setErrors] = useState({});
  const [notice, setNotice] = useState(null);
  const [busy, setBusy] = useState(false);
  const toggle = (list, set, v) => (e) => {
    const on = e.currentTarget.checked;
    set(on ? [...list.filter((x) => x !== v), v] : list.filter((x) => x !== v));
  };

  async function submit(e) {
    e.preventDefault();
    setNotice(null);
    const errs = {};
    if (!picked.length) errs.agents = t('cc.sh.err.agents');
    if (!days.length) errs.days = t('cc.sh.err.days');
    if (Number.isNaN(at('2026-01-01', start))) errs.start = t('cc.sh.err.time');
    if (Number.isNaN(at('2026-01-01', end))) errs.end = t('cc.sh.err.time');
    if (Object.keys(errs).length) return setErrors(errs);
    const shifts = [];
    const where = [];
    for (const id of picked) {
      for (const d of [...days].sort()) {
        const date = cstDate(week + d * DAY);
        const s = at(date, start);
        let en = at(date, end);
        if (en <= s) en += DAY; // a night shift ends the next day
        shifts.push({ agent_id: id, start: cst(s), end: cst(en) });
        where.push({ id, d });
      }
    }
    setErrors({});
    setBusy(true);
    try {
      const r = await api('POST', '/api/v1/callcenter/shifts', { body: { shifts } });
      setNotice(t('cc.sh.added', { n: r.shifts.length }));
      onDone();
    } catch (err) {
      // shifts[i].start → which agent and day the server refused.
      const m = /^shifts\[(\d+)\]\.(\w+)$/.exec(err.field || '');
      if (m && where[+m[1]]) {
        const w = where[+m[1]];
        const a = agents.find((x) => x.id === w.id);
        setErrors({ _: `${a ? a.agent : w.id} · ${t('cc.day.' + w.d)}：${err.message}` });
      } else setErrors({ _: err.message });
    } finally {
      setBusy(false);
    }
  }

  return html`<form class="form panel cc-add-shifts" id="cc-add-shifts" novalidate onSubmit=${submit}
      aria-labelledby="cc-add-title">
    <h2 id="cc-add-title">${t('cc.sh.add')}</h2>
    <div class="cc-two">
      <fieldset class="cc-checks" data-field="agents">
        <legend>${t('cc.sh.agents')}</legend>
        ${agents.filter((a) => a.employed).map((a) => html`<label key=${a.id} class="check">
          <input type="checkbox" name="agents" value=${a.id} checked=${picked.includes(a.id)}
            onChange=${toggle(picked, setPicked, a.id)} /> ${a.agent}${a.user ? ' · ' + a.user.display_name : ''}</label>`)}
        ${errors.agents && html`<p class="field-error" role="alert">${errors.agents}</p>`}
      </fieldset>
      <fieldset class="cc-checks cc-days" data-field="days">
        <legend>${t('cc.sh.days')}</legend>
        ${DAYS.map((d) => html`<label key=${d} class="check">
          <input type="checkbox" name="days" value=${d} checked=${days.includes(d)}
            onChange=${toggle(days, setDays, d)} /> ${t('cc.day.' + d)} ${cstDate(week + d * DAY).slice(5)}</label>`)}
        ${errors.days && html`<p class="field-error" role="alert">${errors.days}</p>`}
      </fieldset>
    </div>
    <div class="cc-two">
      <${Field} id="cc-sh-start" name="start" type="time" label=${t('cc.sh.start')} value=${start}
        error=${errors.start} onInput=${(e) => setStart(e.currentTarget.value)} />
      <${Field} id="cc-sh-end" name="end" type="time" label=${t('cc.sh.end')} value=${end}
        error=${errors.end} hint=${t('cc.sh.end.hint')} onInput=${(e) => setEnd(e.currentTarget.value)} />
    </div>
    ${errors._ && html`<${Notice} kind="error">${errors._}<//>`}
    <div class="actions">
      <button type="submit" class="primary" disabled=${busy}>${t('cc.sh.submit')}</button>
      ${notice && html`<${Notice} kind="ok">${notice}<//>`}
    </div>
  </form>`;
}

function AttendanceForm({ shift, onDone, onClose }) {
  const date = cstDate(Date.parse(shift.start));
  const a = shift.attendance;
  const [status, setStatus] = useState(a ? a.status : 'present');
  const [clockIn, setClockIn] = useState(a && a.clock_in ? hhmm(Date.parse(a.clock_in)) : hhmm(Date.parse(shift.start)));
  const [clockOut, setClockOut] = useState(a && a.clock_out ? hhmm(Date.parse(a.clock_out)) : '');
  const [reason, setReason] = useState(a && a.reason ? a.reason : '');
  const [errors, setErrors] = useState({});
  const [busy, setBusy] = useState(false);
  useEffect(() => { const el = document.getElementById('cc-att-status-present'); if (el) el.focus(); }, [shift.id]);

  async function submit(e) {
    e.preventDefault();
    const body = { shift_id: shift.id, status };
    const errs = {};
    if (status === 'present') {
      const inMs = at(date, clockIn);
      if (Number.isNaN(inMs)) errs.clock_in = t('cc.sh.err.time');
      else body.clock_in = cst(inMs);
      if (clockOut) {
        let out = at(date, clockOut);
        if (Number.isNaN(out)) errs.clock_out = t('cc.sh.err.time');
        else {
          if (out <= inMs) out += DAY; // clocked out after midnight
          body.clock_out = cst(out);
        }
      }
    } else if (!reason.trim()) errs.reason = t('cc.sh.err.reason');
    else body.reason = reason.trim();
    if (Object.keys(errs).length) return setErrors(errs);
    setErrors({});
    setBusy(true);
    try {
      await api('POST', '/api/v1/callcenter/attendance', { body });
      onDone();
    } catch (err) {
      setErrors({ [err.field && err.field !== 'shift_id' ? err.field : '_']: err.message });
    } finally {
      setBusy(false);
    }
  }

  return html`<form class="form panel cc-att-form" id="cc-att-form" novalidate onSubmit=${submit}
      onKeyDown=${(e) => { if (e.key === 'Escape') { e.preventDefault(); onClose(); } }}
      aria-labelledby="cc-att-title">
    <h2 id="cc-att-title">${t('cc.sh.att', { agent: shift.agent.name, date, from: hhmm(Date.parse(shift.start)), to: hhmm(Date.parse(shift.end)) })}</h2>
    <div class="cc-radios" role="radiogroup" aria-label=${t('cc.sh.status')}>
      ${['present', 'absent'].map((s) => html`<label key=${s} class="check">
        <input type="radio" name="status" id=${'cc-att-status-' + s} value=${s} checked=${status === s}
          onChange=${() => setStatus(s)} /> ${t('cc.att.' + s)}</label>`)}
    </div>
    ${status === 'present' ? html`<div class="cc-two">
      <${Field} id="cc-att-in" name="clock_in" type="time" label=${t('cc.sh.clock_in')} value=${clockIn}
        error=${errors.clock_in} onInput=${(e) => setClockIn(e.currentTarget.value)} />
      <${Field} id="cc-att-out" name="clock_out" type="time" label=${t('cc.sh.clock_out')} value=${clockOut}
        error=${errors.clock_out} onInput=${(e) => setClockOut(e.currentTarget.value)} />
    </div>` : html`<${Field} id="cc-att-reason" name="reason" label=${t('cc.sh.reason')} value=${reason}
        maxlength="200" hint=${t('cc.sh.reason.hint')} error=${errors.reason}
        onInput=${(e) => setReason(e.currentTarget.value)} />`}
    ${errors._ && html`<${Notice} kind="error">${errors._}<//>`}
    <div class="actions">
      <button type="submit" class="primary" disabled=${busy}>${t('cc.sh.record')}</button>
      <button type="button" onClick=${onClose}>${t('cc.close')} <kbd>Esc</kbd></button>
    </div>
  </form>`;
}

export function ShiftsPage({ me }) {
  const [week, setWeek] = useState(() => weekStart(Date.now()));
  const [agents, setAgents] = useState(null);
  const [shifts, setShifts] = useState([]);
  const [own, setOwn] = useState(null);
  const [error, setError] = useState(null);
  const [open, setOpen] = useState(null);
  const [tick, setTick] = useState(0);
  const manage = can(me, 'callcenter.manage');
  const figures = can(me, 'callcenter');

  useEffect(() => {
    let live = true;
    const from = cst(week);
    const to = cst(week + 7 * DAY);
    Promise.all([
      api('GET', '/api/v1/callcenter/agents'),
      api('GET', '/api/v1/callcenter/shifts', { query: { from, to } }),
      figures ? api('GET', '/api/v1/callcenter/own', { query: { from, to } }) : Promise.resolve(null),
    ]).then(([a, s, o]) => {
      if (!live) return;
      setAgents(a.items);
      setShifts(s.items);
      setOwn(o);
      setError(null);
    }).catch((e) => { if (live) { setError(e.message); setAgents((x) => x || []); } });
    return () => { live = false; };
  }, [week, tick]);

  useEffect(() => {
    function onKey(e) {
      if (e.altKey || e.ctrlKey || e.metaKey) return;
      const tag = e.target && e.target.tagName;
      if (tag === 'INPUT' || tag === 'SELECT' || tag === 'TEXTAREA') return;
      if (e.key === '[') setWeek((w) => w - 7 * DAY);
      else if (e.key === ']') setWeek((w) => w + 7 * DAY);
      else if (e.key === 't' || e.key === 'T') setWeek(weekStart(Date.now()));
      else return;
      e.preventDefault();
      setOpen(null);
    }
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  const reload = () => setTick((n) => n + 1);
  if (agents === null) return html`<${Loading} />`;
  const now = Date.now();
  // Roster agents plus anyone with a shift this week (an agent reading its own).
  const rows = [...agents];
  for (const s of shifts) if (!rows.some((a) => a.id === s.agent.id)) rows.push({ id: s.agent.id, agent: s.agent.name });
  const cell = (id, d) => shifts.filter((s) => s.agent.id === id
    && Date.parse(s.start) >= week + d * DAY && Date.parse(s.start) < week + (d + 1) * DAY);
  const openShift = open && shifts.find((s) => s.id === open);

  return html`<div class="cc-shifts">
    <div class="cc-week-nav">
      <button type="button" aria-keyshortcuts="[" onClick=${() => setWeek((w) => w - 7 * DAY)}>${t('cc.sh.prev')} <kbd>[</kbd></button>
      <strong id="cc-week">${cstDate(week)} — ${cstDate(week + 6 * DAY)}</strong>
      <button type="button" aria-keyshortcuts="]" onClick=${() => setWeek((w) => w + 7 * DAY)}>${t('cc.sh.next')} <kbd>]</kbd></button>
      <button type="button" aria-keyshortcuts="T" onClick=${() => setWeek(weekStart(Date.now()))}>${t('cc.sh.this')} <kbd>T</kbd></button>
    </div>
    ${error && html`<${Notice} kind="error">${error}<//>`}
    <div class="table-wrap"><table class="data cc-week" id="cc-week-grid">
      <caption class="sr-only">${t('cc.sh.grid')}</caption>
      <thead><tr><th scope="col">${t('cc.col.agent')}</th>
        ${DAYS.map((d) => html`<th scope="col" key=${d}>${t('cc.day.' + d)}<br /><span class="muted">${cstDate(week + d * DAY).slice(5)}</span></th>`)}
        ${figures && html`<th scope="col"><abbr class="cc-kpi" title=${t('cc.ak.attendance.def')}>${t('cc.ak.attendance')}</abbr></th>`}
      </tr></thead>
      <tbody>${rows.map((a) => {
        const o = own && own.agents[a.agent];
        return html`<tr key=${a.id} data-agent=${a.agent}>
          <th scope="row">${a.agent}${a.user ? html`<br /><span class="muted">${a.user.display_name}</span>` : ''}</th>
          ${DAYS.map((d) => html`<td key=${d} data-day=${d} class="cc-day">
            ${cell(a.id, d).map((s) => html`<div key=${s.id} class="cc-shift" data-shift=${s.id}>
              ${manage ? html`<button type="button" class="link" aria-expanded=${open === s.id ? 'true' : 'false'}
                title=${t('cc.sh.record')} onClick=${() => setOpen(s.id)}>${hhmm(Date.parse(s.start))}–${hhmm(Date.parse(s.end))}</button>`
                : html`<span>${hhmm(Date.parse(s.start))}–${hhmm(Date.parse(s.end))}</span>`}
              <${AttendanceMark} s=${s} now=${now} /></div>`)}
          </td>`)}
          ${figures && html`<td class="num cc-rate" data-key="attendance">${o
            ? html`${fmtRate(o.attendance)} <span class="muted">(${o.shifts_attended}/${o.shifts_scheduled})</span>` : '—'}</td>`}
        </tr>`;
      })}</tbody>
    </table></div>
    ${!rows.length && html`<p class="muted">${t('cc.sh.no_agents')}</p>`}
    ${openShift && html`<${AttendanceForm} key=${openShift.id} shift=${openShift}
      onClose=${() => setOpen(null)} onDone=${() => { setOpen(null); reload(); }} />`}
    ${manage && html`<${AddShifts} agents=${agents} week=${week} onDone=${reload} />`}
    <p class="keys muted">${t('cc.sh.keys')}</p>
  </div>`;
}

