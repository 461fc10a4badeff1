/**
 * The status page a node serves at `/`: plain HTML with a small inline script that polls
 * `/status.json` and renders members and endpoints with `textContent` only (names and errors are
 * data, never markup), and start / stop / restart buttons that POST with the node's token. Its
 * "Dead letters" section (status-page-dead-letters.ts) reads every node's from
 * `/dead-letters.json?scope=cluster` on load, on its button and after each replay
 * or drop — never on a timer, since each read browses the broker, which counts a delivery on every
 * dead letter — and has replay and drop buttons, per letter and per endpoint, behind the same
 * token. Its "Where is record X" box asks `/trace.json` for a record's steps across the cluster.
 * Its live console (`console-page.ts`) polls `/console.json`.
 * No external assets; the Content-Security-Policy allows exactly this script and style.
 */
import { createHash } from 'node:crypto';
import { CONSOLE_HTML, CONSOLE_SCRIPT, CONSOLE_STYLE } from './console-page.js';
import { DEAD_LETTERS_SCRIPT } from './status-page-dead-letters.js';

/** How often the page asks for `/status.json`. */
export const STATUS_REFRESH_MS = 2_000;

const STYLE = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #222; }
h1 { font-size: 1.3em; } h2 { font-size: 1.1em; margin-top: 1.5em; }
table { border-collapse: collapse; }
th, td { border-bottom: 1px solid #ddd; padding: 0.25em 0.75em; text-align: left; vertical-align: top; }
th { background: #f4f4f4; }
td.error { color: #a00; max-width: 30em; overflow-wrap: anywhere; }
.state-running, .state-attached, .up { color: #070; font-weight: 600; }
.state-standby { color: #555; }
.state-failed, .state-backoff, .down, .broker-down { color: #a00; font-weight: 600; }
#message { min-height: 1.4em; font-weight: 600; }
#message.bad { color: #a00; } #message.good { color: #070; }
button { margin-right: 0.3em; }
h3 { font-size: 1em; margin: 1em 0 0.3em; }
p.more { color: #555; margin: 0.3em 0; }
`;

const SCRIPT = `
'use strict';
const REFRESH_MS = ${STATUS_REFRESH_MS};
const tokenInput = document.getElementById('token');
tokenInput.value = sessionStorage.getItem('aes-token') || '';
tokenInput.addEventListener('change', () => sessionStorage.setItem('aes-token', tokenInput.value));

function cell(row, text, className) {
  const td = document.createElement('td');
  td.textContent = text === null || text === undefined ? '-' : String(text);
  if (className) td.className = className;
  row.appendChild(td);
  return td;
}
function age(ms) {
  if (ms === null || ms === undefined) return '-';
  return ms < 10000 ? ms + ' ms' : Math.round(ms / 1000) + ' s';
}
// A broker that is not connected shows beside the state: running (broker reconnecting 12 s).
function brokerDown(e) {
  return !!e.broker && e.broker.state !== 'connected' && e.broker.state !== 'closed';
}
// With coordination: standby (owner: b, token 42, lease 3 s, warm).
function leaseText(l) {
  if (!l) return '';
  if (l.shared) return l.role === 'owner' ? ' (shared, token ' + l.token + ', lease ' + age(l.ageMs) + ')' : ' (shared, not running here)';
  if (l.owner === null) return ' (owner: none)';
  return ' (owner: ' + l.owner + (l.token === null ? '' : ', token ' + l.token) + ', lease ' + age(l.ageMs) + (l.warm ? ', warm' : '') + ')';
}
function stateText(e) {
  const state = e.state + leaseText(e.lease);
  return brokerDown(e) ? state + ' (broker ' + e.broker.state + ' ' + age(e.broker.ageMs) + ')' : state;
}
function say(text, good) {
  const m = document.getElementById('message');
  m.textContent = text;
  m.className = good ? 'good' : 'bad';
}
async function act(action, endpoint) {
  try {
    const res = await fetch('api/endpoints/' + encodeURIComponent(endpoint) + '/' + action, {
      method: 'POST',
      headers: tokenInput.value ? { authorization: 'Bearer ' + tokenInput.value } : {},
    });
    const body = await res.json().catch(() => ({}));
    if (res.ok) say(action + ' ' + endpoint + ': done on ' + body.node, true);
    else say(action + ' ' + endpoint + ': refused (' + res.status + ') ' + (body.error || ''), false);
  } catch (err) {
    say(action + ' ' + endpoint + ': ' + err, false);
  }
  refresh();
}
function render(data) {
  document.getElementById('updated').textContent = new Date().toLocaleTimeString();
  const members = document.getElementById('members');
  members.replaceChildren();
  for (const m of data.members) {
    const row = document.createElement('tr');
    row.dataset.member = m.name;
    cell(row, m.name + (m.self ? ' (this node)' : ''));
    cell(row, m.connected ? 'connected' : 'unreachable', m.connected ? 'up' : 'down');
    cell(row, m.since ? new Date(m.since).toLocaleString() : '', 'since');
    cell(row, m.httpUrl);
    cell(row, m.error || '', 'error');
    members.appendChild(row);
  }
  const endpoints = document.getElementById('endpoints');
  endpoints.replaceChildren();
  for (const node of data.cluster.nodes) {
    if (node.error !== undefined) {
      const row = document.createElement('tr');
      row.dataset.unreachable = node.node;
      cell(row, node.node, 'node');
      cell(row, '-');
      cell(row, 'unreachable', 'down');
      for (let i = 0; i < 5; i++) cell(row, '-');
      const since = node.since ? 'since ' + new Date(node.since).toLocaleString() + ': ' : '';
      const via = node.via ? '; ' + node.via.join(', ') + ' still linked to it' : '';
      cell(row, since + node.error + via, 'error');
      cell(row, '');
      endpoints.appendChild(row);
      continue;
    }
    for (const e of node.endpoints) {
      const row = document.createElement('tr');
      row.dataset.endpoint = e.name;
      row.dataset.node = node.node;
      cell(row, node.node, 'node');
      cell(row, e.name, 'name');
      const stateCell = cell(row, stateText(e), 'state state-' + e.state + (brokerDown(e) ? ' broker-down' : ''));
      if (brokerDown(e)) stateCell.title = e.broker.url + ' since ' + e.broker.since + (e.broker.error ? ': ' + e.broker.error : '');
      cell(row, e.pid, 'pid');
      cell(row, e.restarts, 'restarts');
      cell(row, e.step, 'step');
      cell(row, age(e.stepAgeMs), 'age');
      cell(row, e.counters ? (e.counters.completed + e.counters.delivered) : null, 'records');
      cell(row, e.lastError || (e.lease && e.lease.error), 'error');
      const buttons = cell(row, '', 'actions');
      for (const action of ['start', 'stop', 'restart']) {
        const b = document.createElement('button');
        b.type = 'button';
        b.textContent = action;
        b.dataset.action = action;
        b.addEventListener('click', () => act(action, e.name));
        buttons.appendChild(b);
      }
      endpoints.appendChild(row);
    }
  }
}
async function refresh() {
  try {
    const res = await fetch('status.json', { cache: 'no-store' });
    if (!res.ok) throw new Error('status.json: ' + res.status);
    render(await res.json());
  } catch (err) {
    document.getElementById('updated').textContent = 'not refreshed: ' + err;
  }
}
${DEAD_LETTERS_SCRIPT}
// Where is record X: the cluster's lineage of one message id or FIFO id, asked on submit only.
async function traceRecord(event) {
  event.preventDefault();
  const id = document.getElementById('trace-id').value.trim();
  const state = document.getElementById('trace-state');
  const steps = document.getElementById('trace-steps');
  steps.replaceChildren();
  if (!id) {
    state.textContent = 'give a message id or a FIFO id';
    state.className = 'down';
    return;
  }
  state.textContent = 'asking every node…';
  state.className = '';
  try {
    const res = await fetch('trace.json?id=' + encodeURIComponent(id), { cache: 'no-store' });
    const data = await res.json().catch(() => ({}));
    if (!res.ok) throw new Error(res.status + ' ' + (data.error || ''));
    for (const s of data.steps) {
      const row = document.createElement('tr');
      row.dataset.step = s.step;
      cell(row, new Date(s.atMs).toISOString(), 'time');
      cell(row, s.node, 'node');
      cell(row, s.endpoint, 'endpoint');
      cell(row, s.messageId, 'message-id');
      cell(row, s.step, 'step');
      cell(row, s.attempt, 'attempt');
      cell(row, s.outcome, s.outcome === 'failed' ? 'error' : 'outcome');
      cell(row, s.detail, 'detail');
      steps.appendChild(row);
    }
    const missing = data.unreachable.map((u) => u.node + ' (' + u.error + ')');
    state.textContent = data.steps.length + ' steps; nodes asked: ' + data.nodes.join(', ') +
      (missing.length ? '; unreachable, their steps missing: ' + missing.join('; ') : '');
    state.className = missing.length ? 'down' : '';
  } catch (err) {
    state.textContent = 'not found: ' + err.message;
    state.className = 'down';
  }
}
document.getElementById('trace-form').addEventListener('submit', traceRecord);
refresh();
setInterval(refresh, REFRESH_MS);
refreshDeadLetters();
document.getElementById('dead-letters-refresh').addEventListener('click', refreshDeadLetters);
`;

function hash(text: string): string {
  return `'sha256-${createHash('sha256').update(text).digest('base64')}'`;
}

/** Allows this page's own inline script and style, requests to this server, nothing else. */
export const STATUS_PAGE_CSP = [
  "default-src 'none'",
  `script-src ${hash(SCRIPT)} ${hash(CONSOLE_SCRIPT)}`,
  `style-src ${hash(STYLE)} ${hash(CONSOLE_STYLE)}`,
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const HTML_ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Text made safe for HTML content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}

/** The page for node `node`. */
export function renderStatusPage(node: string): string {
  const name = escapeHtml(node);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>aes ${name}</title>
<style>${STYLE}</style>
<style>${CONSOLE_STYLE}</style>
</head>
<body>
<h1>aes node <span id="node">${name}</span></h1>
<p>Updated <span id="updated">-</span>.
<label>Control token <input id="token" type="password" autocomplete="off" size="40"></label>
(the node's cluster secret; see docs/operations.md)</p>
<p id="message" role="status"></p>
${CONSOLE_HTML}
<h2>Cluster members</h2>
<table>
<thead><tr><th>node</th><th>link</th><th>since</th><th>HTTP</th><th>why not linked</th></tr></thead>
<tbody id="members"></tbody>
</table>
<h2>Endpoints</h2>
<table>
<thead><tr><th>node</th><th>endpoint</th><th>state</th><th>pid</th><th>restarts</th><th>step</th><th title="how long it has been in this step: the in-flight age while it works on a record">in step for</th><th>records</th><th>last error</th><th></th></tr></thead>
<tbody id="endpoints"></tbody>
</table>
<h2>Where is record X</h2>
<form id="trace-form"><label>Message id or FIFO id <input id="trace-id" type="search" autocomplete="off" size="40" placeholder="orders-out:42"></label>
<button type="submit">trace</button></form>
<p id="trace-state" role="status"></p>
<table>
<thead><tr><th>time (UTC)</th><th>node</th><th>endpoint</th><th>message id</th><th>step</th><th>try</th><th>outcome</th><th>detail</th></tr></thead>
<tbody id="trace-steps"></tbody>
</table>
<h2>Dead letters</h2>
<p>Every node's endpoints, newest first (<span id="dead-letters-state">-</span>)
<button id="dead-letters-refresh" type="button">read again</button>.
Replay sends a message back to where it came from with its message id, so the endpoint takes it once.</p>
<div id="dead-letters"></div>
<script>${SCRIPT}</script>
<script>${CONSOLE_SCRIPT}</script>
</body>
</html>
`;
}
