// 呼叫中心指标 (#/callcenter/stats): the handbook's indicators for a period,
// a queue and an agent, as GET /api/v1/callcenter/stats computes them
// (docs/kpi-definitions.md; each name carries its definition on hover),
// with the parameters the answer used, and ECharts charts of the calls by
// hour (a period of one day) or by day (up to 62 days), by queue, and each
// agent's occupancy. One request answers it all: the hour or day chart is
// the answer's "buckets" (bucket=hour|day); a period longer than 62 days
// has no such chart. The export buttons download the same figures as CSV
// or Excel (format=csv|xlsx, the files `parceldesk report callcenter`
// writes), and the command line for them is printed too.
//
// Keys: the form applies as it changes (Enter in a field applies at once);
// Alt+P anywhere opens the screen pop.

import { t } from './i18n.js';
import { api } from './api.js';
import { html, useState, useEffect, useMemo, useRef, Field, Notice, Loading } from './ui.js';
import {
  DAY, PERIODS, periodRange, cstDate, cst, hhmm, fmtValue,
  QUEUE_KPIS, CENTRE_KPIS, AGENT_KPIS,
} from './cc_common.js';
import { Chart, volumeOption, occupancyOption } from './cc_chart.js';

const MAX_DAY_BUCKETS = 62;

/** Names and definitions: cc.kpi.* (queues, centre) and cc.ak.* (agents). */
const KpiName = ({ ns, k }) => html`<abbr class="cc-kpi" title=${t(`${ns}.${k}.def`)}
  data-def=${k}>${t(`${ns}.${k}`)}</abbr>`;

/** The time chart's bucket for a period: hours for a day, days up to 62 days, else none. */
function bucketKind(from, to) {
  const span = to - from;
  return span <= DAY ? 'hour' : span <= MAX_DAY_BUCKETS * DAY ? 'day' : null;
}

/** The query of GET /callcenter/stats for a range and the filters (and extras). */
function statsQuery(range, filters, extra = {}) {
  return {
    from: cst(range.from), to: cst(range.to), queue: filters.queue, agent: filters.agent,
    service_level_s: filters.sl, ...extra,
  };
}

/** The link that downloads the figures shown (the answer's parameters) as @p format. */
function exportHref(p, format) {
  const q = new URLSearchParams({ from: p.from, to: p.to });
  if (p.queue) q.set('queue', p.queue);
  if (p.agent) q.set('agent', p.agent);
  q.set('service_level_s', String(p.service_level_s));
  q.set('format', format);
  return `/api/v1/callcenter/stats?${q}`;
}

function IndicatorTable({ data }) {
  const queues = Object.keys(data.queues);
  const cols = [['centre', data.centre], ...queues.map((q) => [q, data.queues[q]])];
  return html`<div class="table-wrap"><table class="data cc-kpis" id="cc-kpi-table">
    <caption class="sr-only">${t('cc.stats.table')}</caption>
    <thead><tr><th scope="col">${t('cc.col.kpi')}</th>
      ${cols.map(([name]) => html`<th scope="col" key=${name} data-col=${name}>
        ${name === 'centre' ? t('cc.col.centre') : name}</th>`)}</tr></thead>
    <tbody>
      ${QUEUE_KPIS.map(([k, kind]) => html`<tr key=${k} data-key=${k}>
        <th scope="row"><${KpiName} ns="cc.kpi" k=${k} /></th>
        ${cols.map(([name, f]) => html`<td key=${name} class="num" data-col=${name}>
          ${fmtValue(kind, f[k])}</td>`)}
      </tr>`)}
      ${CENTRE_KPIS.map(([k, kind]) => html`<tr key=${k} data-key=${k} class="cc-centre-only">
        <th scope="row"><${KpiName} ns="cc.kpi" k=${k} /></th>
        <td class="num" data-col="centre">${fmtValue(kind, data.centre[k])}</td>
        ${queues.map((q) => html`<td key=${q} data-col=${q}></td>`)}
      </tr>`)}
    </tbody>
  </table></div>`;
}

function AgentTable({ agents }) {
  if (!agents.length) return html`<p class="muted">${t('cc.stats.no_agents')}</p>`;
  return html`<div class="table-wrap"><table class="data cc-agents" id="cc-agent-table">
    <caption class="sr-only">${t('cc.stats.agents')}</caption>
    <thead><tr><th scope="col">${t('cc.col.agent')}</th>
      ${AGENT_KPIS.map(([k]) => html`<th scope="col" key=${k} data-key=${k}>
        <${KpiName} ns="cc.ak" k=${k} /></th>`)}</tr></thead>
    <tbody>${agents.map(([name, a]) => html`<tr key=${name} data-agent=${name}>
      <th scope="row">${name}${a.user ? html` <span class="muted">(${a.user})</span>` : ''}</th>
      ${AGENT_KPIS.map(([k, kind]) => html`<td key=${k} class="num" data-key=${k}>
        ${fmtValue(kind, a[k])}</td>`)}
    </tr>`)}</tbody>
  </table></div>`;
}

function Parameters({ p, source }) {
  return html`<dl class="facts cc-params" id="cc-params">
    <dt>${t('cc.p.period')}</dt><dd>${p.from.replace('T', ' ')} — ${p.to.replace('T', ' ')}</dd>
    <dt>${t('cc.p.queue')}</dt><dd>${p.queue ?? t('cc.all')}</dd>
    <dt>${t('cc.p.agent')}</dt><dd>${p.agent ?? t('cc.all')}</dd>
    <dt>${t('cc.p.sl')}</dt><dd>${p.service_level_s} ${t('cc.unit.s')}</dd>
    <dt>${t('cc.p.handling')}</dt><dd>${p.handling_standard_s} ${t('cc.unit.s')}</dd>
    <dt>${t('cc.p.until')}</dt><dd>${p.agent_time_until.replace('T', ' ')}</dd>
    <dt>${t('cc.p.own')}</dt><dd>${p.own_records ? t('cc.yes') : t('cc.no')}</dd>
    <dt>${t('cc.p.lines')}</dt><dd>${source.lines} (${t('cc.p.unknown', { n: source.unknown_verbs })})</dd>
  </dl>`;
}

/** The command line that writes the same files as the export buttons. */
function exportCommand(p) {
  const q = (s) => (/^[\w:+.\-/]+$/.test(s) ? s : `'${s.replace(/'/g, "'\\''")}'`);
  let cmd = `parceldesk report callcenter --db URL --from ${p.from} --to ${p.to}`;
  if (p.queue) cmd += ` --queue ${q(p.queue)}`;
  if (p.agent) cmd += ` --agent ${q(p.agent)}`;
  if (p.service_level_s !== 20) cmd += ` --service-level-s ${p.service_level_s}`;
  return cmd;
}

/** The hour or day chart from the answer's buckets, none after now. */
function TimeChart({ kind, buckets }) {
  const option = useMemo(() => {
    const now = Date.now();
    const rows = buckets.filter((b) => Date.parse(b.from) < now).map((b) => {
      const from = Date.parse(b.from);
      return { label: kind === 'hour' ? hhmm(from) : cstDate(from).slice(5), f: b };
    });
    return volumeOption(rows);
  }, [buckets, kind]);
  const title = t(kind === 'hour' ? 'cc.chart.by_hour' : 'cc.chart.by_day');
  return html`<${Chart} id="cc-chart-time" title=${title} option=${option} />`;
}

export function StatsPage() {
  const [form, setForm] = useState({ kind: 'today', from: '', to: '', queue: '', agent: '', sl: '20' });
  const [applied, setApplied] = useState(form);
  const [state, setState] = useState({ data: null, error: null, loading: true });
  const [known, setKnown] = useState({ queues: [], agents: [] });
  const [fieldErr, setFieldErr] = useState({});
  const timer = useRef(null);

  // Apply the form shortly after it changes (a threshold typed digit by
  // digit asks once), or at once on Enter.
  const set = (key) => (e) => {
    const v = e.currentTarget.value;
    setForm((f) => {
      const next = { ...f, [key]: v };
      // A custom range starts as today, so that it is never empty.
      if (key === 'kind' && v === 'custom') {
        next.from = f.from || cstDate(Date.now());
        next.to = f.to || cstDate(Date.now());
      }
      return next;
    });
  };
  useEffect(() => {
    clearTimeout(timer.current);
    timer.current = setTimeout(() => setApplied(form), 350);
    return () => clearTimeout(timer.current);
  }, [form]);

  // Keyed on the values, so that applying an unchanged form asks nothing again.
  const range = useMemo(() => periodRange(applied.kind, Date.now(), applied),
    [applied.kind, applied.from, applied.to]);
  const filters = useMemo(() => ({
    queue: applied.queue || undefined, agent: applied.agent || undefined, sl: applied.sl,
  }), [applied.queue, applied.agent, applied.sl]);

  useEffect(() => {
    const errs = {};
    if (range.error) errs[range.field] = range.error;
    if (!/^\d+$/.test(applied.sl) || +applied.sl < 1 || +applied.sl > 3600) errs.service_level_s = t('cc.err.sl');
    setFieldErr(errs);
    if (Object.keys(errs).length) return;
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    const bucket = bucketKind(range.from, range.to) || undefined;
    api('GET', '/api/v1/callcenter/stats', { query: statsQuery(range, filters, { bucket }) }).then((data) => {
      if (!live) return;
      setState({ data, error: null, loading: false });
      // The filters offer what unfiltered answers have shown so far.
      setKnown((k) => ({
        queues: [...new Set([...k.queues, ...Object.keys(data.queues)])].sort(),
        agents: [...new Set([...k.agents, ...Object.keys(data.agents)])].sort(),
      }));
    }).catch((e) => {
      if (!live) return;
      if (e.field) setFieldErr({ [e.field]: e.message });
      setState({ data: null, error: e.message, loading: false });
    });
    return () => { live = false; };
  }, [range.from, range.to, range.error, filters]);

  const data = state.data;
  const agents = useMemo(() => (data ? Object.entries(data.agents) : []), [data]);
  const queueOption = useMemo(() => (data && Object.keys(data.queues).length
    ? volumeOption(Object.entries(data.queues).map(([q, f]) => ({ label: q, f }))) : null), [data]);
  const agentOption = useMemo(() => (agents.length ? occupancyOption(agents) : null), [agents]);
  const kind = data && data.parameters.bucket;

  return html`<div class="cc-stats">
    <form class="form search-form cc-stats-form" novalidate aria-label=${t('cc.stats.form')}
        onSubmit=${(e) => { e.preventDefault(); clearTimeout(timer.current); setApplied(form); }}>
      <div class="search-grid">
        <${Field} id="cc-period" name="period" as="select" label=${t('cc.p.period')} value=${form.kind}
          onChange=${set('kind')}>
          ${PERIODS.map((p) => html`<option key=${p} value=${p}>${t('cc.period.' + p)}</option>`)}
        <//>
        ${form.kind === 'custom' && html`
          <${Field} id="cc-from" name="from" type="date" label=${t('cc.p.from')} value=${form.from}
            error=${fieldErr.from} onInput=${set('from')} />
          <${Field} id="cc-to" name="to" type="date" label=${t('cc.p.to')} value=${form.to}
            error=${fieldErr.to} onInput=${set('to')} />`}
        <${Field} id="cc-queue" name="queue" as="select" label=${t('cc.p.queue')} value=${form.queue}
          error=${fieldErr.queue} onChange=${set('queue')}>
          <option value="">${t('cc.all')}</option>
          ${known.queues.map((q) => html`<option key=${q} value=${q}>${q}</option>`)}
        <//>
        <${Field} id="cc-agent" name="agent" as="select" label=${t('cc.p.agent')} value=${form.agent}
          error=${fieldErr.agent} onChange=${set('agent')}>
          <option value="">${t('cc.all')}</option>
          ${known.agents.map((a) => html`<option key=${a} value=${a}>${a}</option>`)}
        <//>
        <${Field} id="cc-sl" name="service_level_s" type="number" min="1" max="3600" inputmode="numeric"
          label=${t('cc.p.sl')} value=${form.sl} error=${fieldErr.service_level_s} onInput=${set('sl')} />
      </div>
    </form>
    ${state.error && !Object.keys(fieldErr).length && html`<${Notice} kind="error">${state.error}<//>`}
    ${state.loading && !data && html`<${Loading} />`}
    ${data && html`<div class=${state.loading ? 'cc-stale' : ''} aria-busy=${state.loading ? 'true' : 'false'}>
      <${Parameters} p=${data.parameters} source=${data.source} />
      <h2>${t('cc.stats.table')}</h2>
      <${IndicatorTable} data=${data} />
      <h2>${t('cc.stats.agents')}</h2>
      <${AgentTable} agents=${agents} />
      <h2>${t('cc.stats.charts')}</h2>
      <div class="cc-charts">
        ${kind && data.buckets ? html`<${TimeChart} kind=${kind} buckets=${data.buckets} />`
          : html`<p class="muted">${t('cc.chart.too_long')}</p>`}
        ${queueOption && html`<${Chart} id="cc-chart-queues" title=${t('cc.chart.by_queue')} option=${queueOption} />`}
        ${agentOption && html`<${Chart} id="cc-chart-agents" title=${t('cc.chart.by_agent')} option=${agentOption} />`}
      </div>
      <h2>${t('cc.stats.export')}</h2>
      <p class="cc-export-links">
        <a id="cc-export-csv" href=${exportHref(data.parameters, 'csv')} download>${t('cc.export.csv')}</a>
        <a id="cc-export-xlsx" href=${exportHref(data.parameters, 'xlsx')} download>${t('cc.export.xlsx')}</a>
      </p>
      <p class="muted">${t('cc.export.cli')}</p>
      <div class="cc-export" id="cc-export">
        <code>${exportCommand(data.parameters)} --format csv</code>
        <code>${exportCommand(data.parameters)} --format xlsx --output callcenter.xlsx</code>
      </div>
    </div>`}
  </div>`;
}
