/**
 * The live console of the status page: per endpoint of this node a small inline SVG chart of
 * records/s (and errors/s) over the last 15 minutes, the last minute's rates and error ratio, the
 * in-flight age, counters summed over the endpoint's processes and the last error (or when it
 * recovered); per queue of the embedded broker the messages ready, unacknowledged and dead
 * lettered. It polls `/console.json` and renders with `textContent` and SVG attributes only.
 * Each chart carries its data (`data-samples`: `[bucket start ms, done, errors]` per bucket), so
 * that a test (or a curious person) reads exactly what was drawn.
 */
import { CONSOLE_REFRESH_MS } from './console.js';

export const CONSOLE_STYLE = `
#console-endpoints { display: flex; flex-wrap: wrap; gap: 1em; }
.console-endpoint { border: 1px solid #ddd; border-radius: 4px; padding: 0.5em 0.75em; min-width: 22em; }
.console-endpoint h3 { margin: 0 0 0.3em; }
.console-endpoint dl { display: grid; grid-template-columns: auto auto; gap: 0 1em; margin: 0.3em 0; }
.console-endpoint dt { color: #555; } .console-endpoint dd { margin: 0; }
svg.rate { background: #fafafa; border: 1px solid #eee; display: block; }
svg.rate polyline.done { fill: none; stroke: #1565c0; stroke-width: 1.5; }
svg.rate polyline.errors { fill: none; stroke: #c62828; stroke-width: 1; }
svg.rate text { font-size: 9px; fill: #555; }
dd.last-error.failing { color: #a00; font-weight: 600; } dd.last-error.recovered { color: #070; }
`;

export const CONSOLE_SCRIPT = `
'use strict';
(() => {
// cell() and age() are the page's own (status-page.ts): its script runs before this one.
const REFRESH_MS = ${CONSOLE_REFRESH_MS};
const SVG = 'http://www.w3.org/2000/svg';
const W = 270, H = 60;
function svgEl(name, attrs) {
  const el = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
}
function time(iso) { return iso ? new Date(iso).toLocaleTimeString() : '-'; }
// One point per bucket: x by its place, y by its rate per second; the top is the highest rate.
function chart(history) {
  const perSecond = history.bucketMs / 1000;
  const samples = history.samples;
  const rates = samples.map((s) => s.done / perSecond);
  const errors = samples.map((s) => s.errors / perSecond);
  const max = Math.max(1, ...rates, ...errors);
  const step = samples.length > 1 ? W / (samples.length - 1) : W;
  const points = (values) => values.map((v, i) => (i * step).toFixed(1) + ',' + (H - (v / max) * (H - 10)).toFixed(1)).join(' ');
  const svg = svgEl('svg', { class: 'rate', width: W, height: H, viewBox: '0 0 ' + W + ' ' + H, role: 'img' });
  svg.dataset.bucketMs = String(history.bucketMs);
  svg.dataset.max = String(max);
  svg.dataset.samples = JSON.stringify(samples.map((s) => [s.atMs, s.done, s.errors]));
  const title = svgEl('title', {});
  title.textContent = 'records/s (blue) and errors/s (red), last ' + Math.round((samples.length * history.bucketMs) / 60000) + ' min';
  svg.appendChild(title);
  svg.appendChild(svgEl('polyline', { class: 'done', points: points(rates) }));
  svg.appendChild(svgEl('polyline', { class: 'errors', points: points(errors) }));
  const label = svgEl('text', { x: 2, y: 9 });
  label.textContent = max.toFixed(max < 10 ? 1 : 0) + '/s';
  svg.appendChild(label);
  return svg;
}
function fact(dl, name, text, className) {
  const dt = document.createElement('dt');
  dt.textContent = name;
  const dd = document.createElement('dd');
  dd.textContent = text;
  dd.className = className;
  dl.appendChild(dt);
  dl.appendChild(dd);
  return dd;
}
function lastErrorText(e) {
  if (!e) return ['-', 'last-error'];
  if (e.recoveredAt) return ['recovered at ' + time(e.recoveredAt) + ' (was: ' + e.message + ' at ' + time(e.at) + ')', 'last-error recovered'];
  return [e.message + ' (at ' + time(e.at) + ')', 'last-error failing'];
}
function renderEndpoint(e) {
  const box = document.createElement('section');
  box.className = 'console-endpoint';
  box.dataset.endpoint = e.name;
  const h = document.createElement('h3');
  h.textContent = e.name + ' — ' + e.state;
  box.appendChild(h);
  box.appendChild(chart(e.history));
  const dl = document.createElement('dl');
  const r = e.recent;
  fact(dl, 'records/s (1 min)', r.recordsPerSecond, 'rate');
  fact(dl, 'error rate (1 min)', r.errorRatio === null ? '-' : (r.errorRatio * 100).toFixed(1) + '% (' + r.errorsPerSecond + '/s)', 'error-rate');
  fact(dl, 'in flight for', e.inFlight ? age(e.inFlight.ageMs) + ' (' + e.inFlight.ids.join(', ') + ')' : 'nothing in flight', 'in-flight');
  const t = e.totals;
  fact(dl, 'records done', t.completed + t.delivered, 'done-total');
  fact(dl, 'errors', t.errors, 'errors-total');
  fact(dl, 'processes', e.processes + ' (restarts ' + e.restarts + ')', 'processes');
  const [text, className] = lastErrorText(e.lastError);
  fact(dl, 'last error', text, className);
  box.appendChild(dl);
  return box;
}
function renderQueues(broker) {
  const body = document.getElementById('console-queues');
  const note = document.getElementById('console-broker-note');
  body.replaceChildren();
  if (broker.kind !== 'embedded') {
    note.textContent = broker.note + ' (' + broker.urls.join(', ') + ')';
    return;
  }
  note.textContent = broker.destinations.length === 0 ? 'no queues yet' : '';
  for (const d of broker.destinations) {
    const row = document.createElement('tr');
    row.dataset.destination = d.destination;
    cell(row, d.destination, 'destination');
    cell(row, d.ready, 'ready');
    cell(row, d.unacked, 'unacked');
    cell(row, d.consumers, 'consumers');
    cell(row, d.deadLetter ? d.deadLetter.depth : '-', 'dead-letter');
    cell(row, d.deadLetter ? d.deadLetter.queues.join(', ') : d.deadLetterOf.length ? 'dead letters of ' + d.deadLetterOf.join(', ') : '', 'note');
    body.appendChild(row);
  }
}
async function refreshConsole() {
  const state = document.getElementById('console-updated');
  try {
    const res = await fetch('console.json', { cache: 'no-store' });
    if (!res.ok) throw new Error('console.json: ' + res.status);
    const data = await res.json();
    const root = document.getElementById('console-endpoints');
    root.replaceChildren(...data.endpoints.map(renderEndpoint));
    renderQueues(data.broker);
    state.textContent = time(data.at);
    state.dataset.at = data.at;
  } catch (err) {
    state.textContent = 'not refreshed: ' + err;
  }
}
refreshConsole();
setInterval(refreshConsole, REFRESH_MS);
})();
`;

/** The console's part of the page (its script is added by the page). */
export const CONSOLE_HTML = `<h2>Live console <small>(this node; updated <span id="console-updated">-</span>)</small></h2>
<div id="console-endpoints"></div>
<h3>Queues of the embedded broker</h3>
<p id="console-broker-note" class="more"></p>
<table>
<thead><tr><th>destination</th><th>ready</th><th>unacked</th><th>consumers</th><th>dead letters</th><th></th></tr></thead>
<tbody id="console-queues"></tbody>
</table>`;
