// Charts of the call-centre screens, drawn by ECharts 5 (the npm package,
// served from /vendor/echarts like Preact) with its SVG renderer: the
// console's CSP allows only our own scripts and no eval, and the SVG
// renderer needs neither a canvas nor inline script. The 1 MB library is
// loaded the first time a chart is shown, not with the console. Options are
// built here from the server's figures; a chart never computes one.

import { t } from './i18n.js';
import { html, useEffect, useRef, useState } from './ui.js';

let loading = null;

/** The ECharts module, loaded once. */
export function loadECharts() {
  if (!loading) loading = import('/vendor/echarts/dist/echarts.esm.min.mjs');
  return loading;
}

/** The bar colour of each series (also what the browser tests look for). */
export const COLORS = {
  offered: '#1d4e89',
  answered: '#1e7b43',
  abandoned: '#b3261e',
  service_level: '#e08a00',
  occupancy: '#2c6cb0',
};

const pct = (v) => (v === null || v === undefined ? null : Math.round(v * 10000) / 100);

/**
 * Offered, answered and abandoned as bars and the service level as a line
 * (right axis, %), one group per label.
 * @param {{label:string, f:object}[]} rows  f: a queue or centre figures object
 */
export function volumeOption(rows) {
  const bar = (key) => ({
    name: t('cc.kpi.' + key), type: 'bar', itemStyle: { color: COLORS[key] },
    data: rows.map((r) => r.f[key]),
  });
  return {
    animation: false,
    aria: { enabled: true },
    grid: { left: 48, right: 56, top: 40, bottom: 36 },
    tooltip: { trigger: 'axis' },
    legend: { top: 0 },
    xAxis: { type: 'category', data: rows.map((r) => r.label) },
    yAxis: [
      { type: 'value', name: t('cc.chart.calls'), minInterval: 1 },
      { type: 'value', name: t('cc.kpi.service_level'), min: 0, max: 100,
        axisLabel: { formatter: '{value}%' } },
    ],
    series: [
      bar('offered'), bar('answered'), bar('abandoned'),
      { name: t('cc.kpi.service_level'), type: 'line', yAxisIndex: 1, connectNulls: false,
        itemStyle: { color: COLORS.service_level }, data: rows.map((r) => pct(r.f.service_level)) },
    ],
  };
}

/** One bar per agent: occupancy in % (a missing figure is no bar). */
export function occupancyOption(agents) {
  return {
    animation: false,
    aria: { enabled: true },
    grid: { left: 48, right: 24, top: 24, bottom: 56 },
    tooltip: { trigger: 'axis', valueFormatter: (v) => (v === null ? '—' : v + '%') },
    xAxis: { type: 'category', data: agents.map(([name]) => name), axisLabel: { rotate: 30 } },
    yAxis: { type: 'value', name: t('cc.ak.occupancy'), min: 0,
      axisLabel: { formatter: '{value}%' } },
    series: [{
      name: t('cc.ak.occupancy'), type: 'bar', itemStyle: { color: COLORS.occupancy },
      data: agents.map(([, a]) => pct(a.occupancy)),
    }],
  };
}

/**
 * A chart box. @p option is re-applied whenever it changes (build it in a
 * useMemo); the chart is disposed with the component.
 */
export function Chart({ id, title, option, tall }) {
  const box = useRef(null);
  const chart = useRef(null);
  const [error, setError] = useState(null);

  useEffect(() => {
    let live = true;
    loadECharts().then((ec) => {
      if (!live || !box.current) return;
      if (!chart.current) chart.current = ec.init(box.current, null, { renderer: 'svg' });
      chart.current.setOption(option, true);
      box.current.dataset.ready = '1';
    }).catch((e) => { if (live) setError(String(e && e.message || e)); });
    return () => { live = false; };
  }, [option]);

  useEffect(() => {
    const onResize = () => chart.current && chart.current.resize();
    window.addEventListener('resize', onResize);
    return () => {
      window.removeEventListener('resize', onResize);
      if (chart.current) chart.current.dispose();
      chart.current = null;
    };
  }, []);

  return html`<figure class="cc-chart">
    <figcaption>${title}</figcaption>
    ${error ? html`<p class="notice notice-error" role="alert">${t('cc.chart.failed')}: ${error}</p>`
      : html`<div ref=${box} id=${id} class=${'cc-chart-box' + (tall ? ' tall' : '')}></div>`}
  </figure>`;
}
