// 质检评分 (#/callcenter/qa): supervisors' QA forms and the scores they fill
// (docs/callcenter.md "QA forms and scores"). Three panels:
//  - 评分表: the latest version of each form (GET /callcenter/qa-forms); a
//    new form or a new version of one, with items {key, label, weight,
//    max_score} and the weights' sum in view as it is typed. A sum other
//    than 100 is refused here, naming the field, before anything is sent
//    (the server refuses it too: qa_form.weights_invalid). Saving a form
//    equal to its latest version makes no version, and the page says so.
//  - 监听评分: one monitored call (call id as in the queue log, or a waybill)
//    of one roster agent, a score per item that may not exceed the item's
//    maximum; the weighted score (Σ weight × score ÷ max) is previewed as
//    typed and the saved score is the server's.
//  - 评分记录: an agent's scores, newest first (GET /callcenter/qa-scores).
// Forms and scoring need callcenter.qa; the others with a call-centre
// permission read. Keys: Enter submits the form it is in; Alt+P screen pop.

import { api } from './api.js';
import { t } from './i18n.js';
import { html, useState, useEffect, Field, Notice, Loading, formatTime } from './ui.js';
import { can } from './shell.js';

const EMPTY_ITEM = { key: '', label: '', weight: '', max_score: '' };
const NEW_FORM = { code: '', name: '', items: [{ ...EMPTY_ITEM }], existing: false };

const weightSum = (items) => items.reduce((s, i) => s + (Number.parseInt(i.weight, 10) || 0), 0);

/** The weighted score as the server computes it, to hundredths (a preview). */
export function previewScore(items, scores) {
  let s = 0;
  for (const i of items) {
    const v = Number(scores[i.key]);
    if (scores[i.key] === '' || scores[i.key] === undefined || Number.isNaN(v)) return null;
    s += (i.weight * v) / i.max_score;
  }
  return Math.round(s * 100) / 100;
}

/** Turn an API error's field into the editor's error map. */
function fieldErrors(e) {
  return { [e.field || '_']: e.message };
}

function FormEditor({ forms, onSaved }) {
  const [f, setF] = useState(NEW_FORM);
  const [errors, setErrors] = useState({});
  const [notice, setNotice] = useState(null);
  const [busy, setBusy] = useState(false);
  const sum = weightSum(f.items);

  const pick = (code) => {
    setErrors({});
    setNotice(null);
    const form = forms.find((x) => x.code === code);
    if (!form) return setF(NEW_FORM);
    setF({
      code: form.code, name: form.name, existing: true,
      items: form.items.map((i) => ({ ...i, weight: String(i.weight), max_score: String(i.max_score) })),
    });
  };
  const setItem = (i, key) => (e) => {
    const v = e.currentTarget.value;
    setF((x) => ({ ...x, items: x.items.map((it, j) => (j === i ? { ...it, [key]: v } : it)) }));
  };
  const addItem = () => setF((x) => ({ ...x, items: [...x.items, { ...EMPTY_ITEM }] }));
  const dropItem = (i) => setF((x) => ({ ...x, items: x.items.filter((_, j) => j !== i) }));

  async function save(e) {
    e.preventDefault();
    setNotice(null);
    if (sum !== 100) {
      setErrors({ items: t('cc.qa.err.sum', { sum }) });
      return;
    }
    const items = f.items.map((i) => ({
      key: i.key.trim(), label: i.label.trim(),
      weight: Number.parseInt(i.weight, 10), max_score: Number.parseInt(i.max_score, 10),
    }));
    const errs = {};
    items.forEach((i, n) => {
      if (!Number.isInteger(i.max_score) || i.max_score < 1 || i.max_score > 100) {
        errs[`items[${n}].max_score`] = t('cc.qa.err.max');
      }
      if (!Number.isInteger(i.weight) || i.weight < 1 || i.weight > 100) errs[`items[${n}].weight`] = t('cc.qa.err.weight');
    });
    if (Object.keys(errs).length) return setErrors(errs);
    setErrors({});
    setBusy(true);
    try {
      const r = await api('POST', '/api/v1/callcenter/qa-forms', {
        body: { code: f.code.trim(), name: f.name.trim(), items },
      });
      const same = forms.some((x) => x.id === r.id);
      setNotice({ kind: same ? 'info' : 'ok',
        text: t(same ? 'cc.qa.unchanged' : 'cc.qa.saved', { code: r.code, version: r.version }) });
      setF((x) => ({ ...x, existing: true }));
      onSaved(r);
    } catch (err) {
      setErrors(fieldErrors(err));
    } finally {
      setBusy(false);
    }
  }

  const err = (k) => errors[k];
  return html`<form class="form panel cc-qa-form" id="cc-qa-form" novalidate onSubmit=${save}
      aria-labelledby="cc-qa-form-title">
    <h2 id="cc-qa-form-title">${t('cc.qa.form')}</h2>
    <${Field} id="cc-qa-pick" name="pick" as="select" label=${t('cc.qa.pick')}
      value=${f.existing ? f.code : ''} onChange=${(e) => pick(e.currentTarget.value)}>
      <option value="">${t('cc.qa.new')}</option>
      ${forms.map((x) => html`<option key=${x.code} value=${x.code}>${x.code} · ${x.name} · v${x.version}</option>`)}
    <//>
    <div class="cc-two">
      <${Field} id="cc-qa-code" name="code" label=${t('cc.qa.code')} value=${f.code} readOnly=${f.existing}
        hint=${t('cc.qa.code.hint')} error=${err('code')} autocomplete="off"
        onInput=${(e) => { const v = e.currentTarget.value; setF((x) => ({ ...x, code: v })); }} />
      <${Field} id="cc-qa-name" name="name" label=${t('cc.qa.name')} value=${f.name} error=${err('name')}
        autocomplete="off" onInput=${(e) => { const v = e.currentTarget.value; setF((x) => ({ ...x, name: v })); }} />
    </div>
    <fieldset class="cc-items" data-field="items">
      <legend>${t('cc.qa.items')}</legend>
      <table class="data cc-items-table">
        <thead><tr><th scope="col">${t('cc.qa.key')}</th><th scope="col">${t('cc.qa.label')}</th>
          <th scope="col">${t('cc.qa.weight')}</th><th scope="col">${t('cc.qa.max')}</th><th></th></tr></thead>
        <tbody>${f.items.map((it, i) => html`<tr key=${i} data-index=${i}>
          ${['key', 'label', 'weight', 'max_score'].map((k) => {
            const name = `items[${i}].${k}`;
            return html`<td key=${k}><input name=${name} aria-label=${t('cc.qa.' + (k === 'max_score' ? 'max' : k)) + ' ' + (i + 1)}
              value=${it[k]} inputmode=${k === 'weight' || k === 'max_score' ? 'numeric' : undefined}
              aria-invalid=${err(name) ? 'true' : undefined} autocomplete="off" onInput=${setItem(i, k)} />
              ${err(name) && html`<p class="field-error" role="alert">${err(name)}</p>`}</td>`;
          })}
          <td><button type="button" class="link" disabled=${f.items.length < 2}
            onClick=${() => dropItem(i)}>${t('cc.qa.remove')}</button></td>
        </tr>`)}</tbody>
      </table>
      <p class=${'cc-sum' + (sum === 100 ? ' ok' : ' bad')} id="cc-qa-sum" aria-live="polite">
        ${t('cc.qa.sum', { sum })}</p>
      ${err('items') && html`<p class="field-error" role="alert" id="cc-qa-items-error">${err('items')}</p>`}
      <button type="button" onClick=${addItem}>${t('cc.qa.add')}</button>
    </fieldset>
    ${err('_') && html`<${Notice} kind="error">${err('_')}<//>`}
    <div class="actions">
      <button type="submit" class="primary" disabled=${busy}>${t(f.existing ? 'cc.qa.save_version' : 'cc.qa.save')}</button>
      ${notice && html`<${Notice} kind=${notice.kind}>${notice.text}<//>`}
    </div>
  </form>`;
}

function ScoreForm({ forms, agents, onSaved }) {
  const [formCode, setFormCode] = useState('');
  const [agentId, setAgentId] = useState('');
  const [callId, setCallId] = useState('');
  const [waybill, setWaybill] = useState('');
  const [comment, setComment] = useState('');
  const [scores, setScores] = useState({});
  const [errors, setErrors] = useState({});
  const [notice, setNotice] = useState(null);
  const [busy, setBusy] = useState(false);
  const form = forms.find((x) => x.code === formCode) || forms[0];
  useEffect(() => { setScores({}); setErrors({}); }, [form && form.id]);
  if (!form) return html`<div class="panel"><h2>${t('cc.qa.score')}</h2><p class="muted">${t('cc.qa.no_forms')}</p></div>`;
  const preview = previewScore(form.items, scores);

  async function submit(e) {
    e.preventDefault();
    setNotice(null);
    const errs = {};
    const items = form.items.map((it, i) => {
      const raw = scores[it.key];
      const v = Number(raw);
      if (raw === undefined || raw === '' || !Number.isInteger(v) || v < 0) errs[`items[${i}].score`] = t('cc.qa.err.score');
      else if (v > it.max_score) errs[`items[${i}].score`] = t('cc.qa.err.above', { max: it.max_score });
      return { key: it.key, score: v };
    });
    if (!agentId) errs.agent_id = t('cc.qa.err.agent');
    if (!callId.trim() && !waybill.trim()) errs.call_id = t('cc.qa.err.target');
    if (Object.keys(errs).length) return setErrors(errs);
    setErrors({});
    setBusy(true);
    try {
      const body = { form_id: form.id, agent_id: Number(agentId), items };
      if (callId.trim()) body.call_id = callId.trim();
      if (waybill.trim()) body.waybill_no = waybill.trim().toUpperCase();
      if (comment.trim()) body.comment = comment.trim();
      const r = await api('POST', '/api/v1/callcenter/qa-scores', { body });
      setNotice(t('cc.qa.scored', { score: r.score, agent: r.agent.name }));
      setScores({});
      setCallId('');
      setWaybill('');
      setComment('');
      onSaved(r);
    } catch (err) {
      setErrors(fieldErrors(err));
    } finally {
      setBusy(false);
    }
  }

  return html`<form class="form panel cc-score-form" id="cc-score-form" novalidate onSubmit=${submit}
      aria-labelledby="cc-score-title">
    <h2 id="cc-score-title">${t('cc.qa.score')}</h2>
    <div class="cc-two">
      <${Field} id="cc-score-form-code" name="form_id" as="select" label=${t('cc.qa.form_pick')}
        value=${form.code} error=${errors.form_id} onChange=${(e) => setFormCode(e.currentTarget.value)}>
        ${forms.map((x) => html`<option key=${x.code} value=${x.code}>${x.code} · ${x.name} · v${x.version}</option>`)}
      <//>
      <${Field} id="cc-score-agent" name="agent_id" as="select" label=${t('cc.col.agent')} value=${agentId}
        error=${errors.agent_id} onChange=${(e) => setAgentId(e.currentTarget.value)}>
        <option value="">${t('cc.choose')}</option>
        ${agents.map((a) => html`<option key=${a.id} value=${a.id}>${a.agent}${a.user ? ' · ' + a.user.display_name : ''}</option>`)}
      <//>
      <${Field} id="cc-score-call" name="call_id" label=${t('cc.qa.call_id')} value=${callId} autocomplete="off"
        error=${errors.call_id} hint=${t('cc.qa.target.hint')} onInput=${(e) => setCallId(e.currentTarget.value)} />
      <${Field} id="cc-score-waybill" name="waybill_no" label=${t('cc.qa.waybill')} value=${waybill} autocomplete="off"
        error=${errors.waybill_no} onInput=${(e) => setWaybill(e.currentTarget.value)} />
    </div>
    <table class="data cc-score-items">
      <thead><tr><th scope="col">${t('cc.qa.label')}</th><th scope="col">${t('cc.qa.weight')}</th>
        <th scope="col">${t('cc.qa.max')}</th><th scope="col">${t('cc.qa.points')}</th></tr></thead>
      <tbody>${form.items.map((it, i) => {
        const name = `items[${i}].score`;
        return html`<tr key=${it.key} data-key=${it.key}>
          <th scope="row">${it.label}</th><td class="num">${it.weight}</td><td class="num">${it.max_score}</td>
          <td><input type="number" min="0" max=${it.max_score} step="1" name=${name} inputmode="numeric"
            aria-label=${it.label} aria-invalid=${errors[name] ? 'true' : undefined}
            value=${scores[it.key] ?? ''}
            onInput=${(e) => { const v = e.currentTarget.value; setScores((s) => ({ ...s, [it.key]: v })); }} />
            ${errors[name] && html`<p class="field-error" role="alert">${errors[name]}</p>`}</td>
        </tr>`;
      })}</tbody>
    </table>
    ${errors.items && html`<p class="field-error" role="alert">${errors.items}</p>`}
    <p class="cc-preview" id="cc-score-preview">${t('cc.qa.preview')}
      <strong>${preview === null ? '—' : preview}</strong></p>
    <${Field} id="cc-score-comment" name="comment" label=${t('cc.qa.comment')} value=${comment} maxlength="200"
      error=${errors.comment} onInput=${(e) => setComment(e.currentTarget.value)} />
    ${errors._ && html`<${Notice} kind="error">${errors._}<//>`}
    <div class="actions">
      <button type="submit" class="primary" disabled=${busy}>${t('cc.qa.submit')}</button>
      ${notice && html`<${Notice} kind="ok">${notice}<//>`}
    </div>
  </form>`;
}

function ScoreList({ agents, tick }) {
  const [agentId, setAgentId] = useState('');
  const [state, setState] = useState({ items: null, error: null });
  useEffect(() => {
    let live = true;
    api('GET', '/api/v1/callcenter/qa-scores', { query: { agent_id: agentId || undefined, limit: 100 } })
      .then((r) => live && setState({ items: r.items, error: null }))
      .catch((e) => live && setState({ items: [], error: e.message }));
    return () => { live = false; };
  }, [agentId, tick]);
  const items = state.items || [];
  const avg = items.length ? Math.round((items.reduce((s, x) => s + x.score, 0) / items.length) * 100) / 100 : null;
  return html`<section class="panel cc-score-list" aria-labelledby="cc-scores-title">
    <h2 id="cc-scores-title">${t('cc.qa.list')}</h2>
    <${Field} id="cc-scores-agent" name="agent_id" as="select" label=${t('cc.col.agent')} value=${agentId}
      onChange=${(e) => setAgentId(e.currentTarget.value)}>
      <option value="">${t('cc.all')}</option>
      ${agents.map((a) => html`<option key=${a.id} value=${a.id}>${a.agent}${a.user ? ' · ' + a.user.display_name : ''}</option>`)}
    <//>
    ${state.error && html`<${Notice} kind="error">${state.error}<//>`}
    ${state.items === null ? html`<${Loading} />` : !items.length ? html`<p class="muted">${t('cc.qa.none')}</p>` : html`
      <p id="cc-scores-avg">${t('cc.qa.avg', { n: items.length, avg })}</p>
      <div class="table-wrap"><table class="data" id="cc-scores-table">
        <thead><tr><th scope="col">${t('cc.qa.when')}</th><th scope="col">${t('cc.col.agent')}</th>
          <th scope="col">${t('cc.qa.form_pick')}</th><th scope="col">${t('cc.qa.target')}</th>
          <th scope="col">${t('cc.qa.result')}</th><th scope="col">${t('cc.qa.supervisor')}</th>
          <th scope="col">${t('cc.qa.comment')}</th></tr></thead>
        <tbody>${items.map((s) => html`<tr key=${s.id} data-id=${s.id}>
          <td class="nowrap">${formatTime(s.created_at)}</td><td>${s.agent.name}</td>
          <td>${s.form.code} v${s.form.version}</td>
          <td>${s.call_id || ''}${s.call_id && s.waybill_no ? ' · ' : ''}${s.waybill_no
            ? html`<a class="waybill-link" href=${'#/tracking/' + s.waybill_no}>${s.waybill_no}</a>` : ''}</td>
          <td class="num cc-score">${s.score}</td><td>${s.supervisor || ''}</td><td>${s.comment || ''}</td>
        </tr>`)}</tbody>
      </table></div>`}
  </section>`;
}

export function QaPage({ me }) {
  const [forms, setForms] = useState(null);
  const [agents, setAgents] = useState([]);
  const [error, setError] = useState(null);
  const [tick, setTick] = useState(0);
  const qa = can(me, 'callcenter.qa');

  async function loadForms() {
    try {
      const r = await api('GET', '/api/v1/callcenter/qa-forms');
      setForms(r.items);
    } catch (e) {
      setForms([]);
      setError(e.message);
    }
  }
  useEffect(() => {
    loadForms();
    api('GET', '/api/v1/callcenter/agents').then((r) => setAgents(r.items)).catch((e) => setError(e.message));
  }, []);

  if (forms === null) return html`<${Loading} />`;
  return html`<div class="cc-qa">
    ${error && html`<${Notice} kind="error">${error}<//>`}
    ${!qa && html`<p class="muted">${t('cc.qa.readonly')}</p>`}
    <div class="cc-qa-grid">
      ${qa && html`<${FormEditor} forms=${forms} onSaved=${loadForms} />`}
      ${qa && html`<${ScoreForm} forms=${forms} agents=${agents} onSaved=${() => setTick((n) => n + 1)} />`}
    </div>
    ${!qa && forms.length > 0 && html`<div class="table-wrap"><table class="data">
      <thead><tr><th>${t('cc.qa.code')}</th><th>${t('cc.qa.name')}</th><th>v</th><th>${t('cc.qa.items')}</th></tr></thead>
      <tbody>${forms.map((f) => html`<tr key=${f.id}><td>${f.code}</td><td>${f.name}</td><td>${f.version}</td>
        <td>${f.items.map((i) => `${i.label} ${i.weight}%`).join('，')}</td></tr>`)}</tbody></table></div>`}
    <${ScoreList} agents=${agents} tick=${tick} />
  </div>`;
}
