// Shared by the call-centre screens (callcenter.js and cc_*.js): China-time
// dates and the periods people pick (today, yesterday, this week, this
// month, a custom range of days), how an indicator's value is written (rates
// as percentages, durations as seconds or h:mm:ss, a figure without a
// denominator as a dash: the API sends null, never 0), and the indicators in
// the order the tables show them, with their kind. The names and definitions
// of the indicators are in i18n.js (cc.kpi.* for queues and the centre,
// cc.ak.* for agents), transcribed from docs/kpi-definitions.md. Nothing
// here computes an indicator: every figure is the server's.

import { t } from './i18n.js';

export const SECOND = 1000;
export const HOUR = 3600 * SECOND;
export const DAY = 24 * HOUR;
const CST = 8 * HOUR;

/** The China date (YYYY-MM-DD) of epoch ms. */
export const cstDate = (ms) => new Date(ms + CST).toISOString().slice(0, 10);
/** 00:00 China time of a YYYY-MM-DD date, as epoch ms (NaN when not a date). */
export const dayStart = (date) => Date.parse(`${date}T00:00:00+08:00`);
/** RFC 3339 in China time, whole seconds, as the API writes it. */
export const cst = (ms) => new Date(Math.floor(ms / 1000) * 1000 + CST).toISOString()
  .replace(/\.\d{3}Z$/, '+08:00');
/** "HH:MM:SS" China time of epoch ms. */
export const clock = (ms) => new Date(ms + CST).toISOString().slice(11, 19);
/** "HH:MM" China time of epoch ms. */
export const hhmm = (ms) => new Date(ms + CST).toISOString().slice(11, 16);
/** Monday = 0 … Sunday = 6, in China time. */
export const weekday = (ms) => (new Date(ms + CST).getUTCDay() + 6) % 7;
/** 00:00 China time of the Monday of the week holding @p ms. */
export const weekStart = (ms) => dayStart(cstDate(ms)) - weekday(ms) * DAY;

export const PERIODS = ['today', 'yesterday', 'week', 'month', 'custom'];

/**
 * The period [from, to) in epoch ms for a kind of PERIODS at @p now; custom
 * takes two dates, both included as people say them. Returns {error, field}
 * when the custom dates are not a range.
 */
export function periodRange(kind, now, custom = {}) {
  const today = dayStart(cstDate(now));
  if (kind === 'today') return { from: today, to: today + DAY };
  if (kind === 'yesterday') return { from: today - DAY, to: today };
  if (kind === 'week') {
    const from = weekStart(now);
    return { from, to: from + 7 * DAY };
  }
  if (kind === 'month') {
    const d = cstDate(now);
    const from = dayStart(d.slice(0, 8) + '01');
    const [y, m] = d.split('-').map(Number);
    const next = m === 12 ? `${y + 1}-01-01` : `${y}-${String(m + 1).padStart(2, '0')}-01`;
    return { from, to: dayStart(next) };
  }
  const from = dayStart(custom.from || '');
  const last = dayStart(custom.to || '');
  if (Number.isNaN(from)) return { error: t('cc.err.date'), field: 'from' };
  if (Number.isNaN(last)) return { error: t('cc.err.date'), field: 'to' };
  if (last < from) return { error: t('cc.err.range'), field: 'to' };
  if (last + DAY - from > 400 * DAY) return { error: t('cc.err.too_long'), field: 'to' };
  return { from, to: last + DAY };
}

const pad = (n) => String(n).padStart(2, '0');

/** A duration in seconds: "38.7 秒" under a minute, else m:ss or h:mm:ss. */
export function fmtDuration(v) {
  if (v === null || v === undefined) return '—';
  if (v < 60) return `${v} ${t('cc.unit.s')}`;
  const s = Math.round(v);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h ? `${h}:${pad(m)}:${pad(s % 60)}` : `${m}:${pad(s % 60)}`;
}

/** A fraction 0..1 as a percentage with two decimals. */
export const fmtRate = (v) => (v === null || v === undefined ? '—' : `${(v * 100).toFixed(2)}%`);

/** An indicator value of kind int, rate, secs, num, bool, fen or str. */
export function fmtValue(kind, v) {
  if (v === null || v === undefined) return '—';
  switch (kind) {
    case 'rate': return fmtRate(v);
    case 'secs': return fmtDuration(v);
    case 'bool': return v ? t('cc.pass') : t('cc.fail');
    case 'fen': return `¥${(v / 100).toFixed(2)}`;
    default: return String(v);
  }
}

/** Queue (and centre) indicators, in table order: [key, kind]. */
export const QUEUE_KPIS = [
  ['offered', 'int'], ['answered', 'int'], ['abandoned', 'int'], ['timed_out', 'int'],
  ['finished', 'int'], ['unfinished', 'int'], ['withdrawn', 'int'],
  ['asa_s', 'secs'], ['avg_wait_s', 'secs'], ['longest_wait_s', 'secs'],
  ['avg_abandon_s', 'secs'], ['abandon_rate', 'rate'], ['service_level', 'rate'],
  ['service_level_answered', 'rate'], ['avg_talk_s', 'secs'], ['talk_s', 'secs'],
];

/** What only the centre has: the roster, turnover and cost. */
export const CENTRE_KPIS = [
  ['agents', 'int'], ['headcount_start', 'int'], ['headcount_end', 'int'], ['leavers', 'int'],
  ['turnover_rate', 'rate'], ['cost_fen', 'fen'], ['cost_per_call_fen', 'fen'],
];

/** Per-agent indicators, in table order. */
export const AGENT_KPIS = [
  ['answered', 'int'], ['asa_s', 'secs'], ['service_level_answered', 'rate'],
  ['talk_s', 'secs'], ['avg_talk_s', 'secs'], ['acw_s', 'secs'], ['avg_handle_s', 'secs'],
  ['handling_time_pass', 'bool'], ['logged_in_s', 'secs'], ['paused_s', 'secs'],
  ['occupancy', 'rate'], ['calls_per_hour', 'num'], ['ring_no_answer', 'int'],
  ['scheduled_s', 'secs'], ['actual_work_rate', 'rate'], ['qa_forms', 'int'], ['qa_score', 'num'],
  ['shifts_scheduled', 'int'], ['shifts_attended', 'int'], ['attendance', 'rate'],
  ['waybills_entered', 'int'], ['waybills_corrected', 'int'], ['waybill_accuracy', 'rate'],
  ['waybill_accuracy_pass', 'bool'],
];
