/**
 * The status page's "Dead letters" section, a part of its inline script: every node's dead
 * letters from `/dead-letters.json?scope=cluster`, one section per endpoint and node, with replay
 * and drop buttons (per letter and per endpoint) that POST with the token and `?node=` naming the
 * node that owns them, which the node the page came from forwards to. A node whose dead letters
 * could not be read is shown as unreachable, with why. Rendered with `textContent` only. It uses
 * the page's `cell`, `age`, `say` and `tokenInput`.
 */
export const DEAD_LETTERS_SCRIPT = `
// Dead letters: one message by id, or every one of an endpoint ('all'), on the node that has it.
async function deadLetterAct(action, node, endpoint, messageId) {
  const what = action + ' ' + (messageId === undefined ? 'all of ' + endpoint : messageId);
  // A drop deletes for good: asked first (a replay keeps the id, so a second copy is harmless).
  if (action === 'drop' && !confirm(what + ' on node ' + node + ': delete for good?')) return;
  const path = (messageId === undefined
    ? 'api/endpoints/' + encodeURIComponent(endpoint) + '/dead-letters/' + action
    : 'api/dead-letters/' + encodeURIComponent(messageId) + '/' + action) +
    '?node=' + encodeURIComponent(node);
  try {
    const res = await fetch(path, {
      method: 'POST',
      headers: tokenInput.value ? { authorization: 'Bearer ' + tokenInput.value } : {},
    });
    const body = await res.json().catch(() => ({}));
    const n = (body.replayed || body.dropped || []).length;
    if (res.ok) say(what + ': done (' + n + ' message' + (n === 1 ? '' : 's') + ') on node ' + node, true);
    else say(what + ': refused (' + res.status + ') ' + (body.error || ''), false);
  } catch (err) {
    say(what + ': ' + err, false);
  }
  refreshDeadLetters();
}
function deadLetterButtons(parent, node, endpoint, messageId) {
  for (const action of ['replay', 'drop']) {
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = messageId === undefined ? action + ' all' : action;
    b.dataset.dlAction = action;
    b.addEventListener('click', () => deadLetterAct(action, node, endpoint, messageId));
    parent.appendChild(b);
  }
}
function renderEndpointLetters(root, node, e) {
  const section = document.createElement('section');
  section.dataset.node = node;
  section.dataset.endpoint = e.endpoint;
  const h = document.createElement('h3');
  h.textContent = e.endpoint + ' on ' + node + ': ';
  const count = document.createElement('span');
  count.className = 'count';
  count.textContent = e.count + (e.truncated ? '+' : '');
  h.appendChild(count);
  h.appendChild(document.createTextNode(' dead letter' + (e.count === 1 ? '' : 's') + ' in ' + e.queue + ' '));
  if (e.count > 0) deadLetterButtons(h, node, e.endpoint);
  section.appendChild(h);
  if (e.letters.length > 0) {
    const table = document.createElement('table');
    const head = document.createElement('tr');
    for (const t of ['message id', 'reason', 'endpoint', 'age', 'deliveries', 'from', '']) {
      const th = document.createElement('th');
      th.textContent = t;
      head.appendChild(th);
    }
    table.appendChild(head);
    for (const l of e.letters) {
      const row = document.createElement('tr');
      row.dataset.messageId = l.messageId;
      cell(row, l.messageId, 'message-id');
      cell(row, l.reason, 'error');
      cell(row, l.endpoint, 'endpoint');
      cell(row, age(l.ageMs), 'age');
      cell(row, l.deliveryCount, 'deliveries');
      cell(row, l.originalDestination, 'from');
      deadLetterButtons(cell(row, '', 'actions'), node, e.endpoint, l.messageId);
      table.appendChild(row);
    }
    section.appendChild(table);
  }
  if (e.more > 0) {
    const more = document.createElement('p');
    more.className = 'more';
    more.textContent = 'and ' + e.more + ' more (aes dlq list shows them all)';
    section.appendChild(more);
  }
  root.appendChild(section);
}
function renderDeadLetters(data) {
  const root = document.getElementById('dead-letters');
  root.replaceChildren();
  for (const n of data.nodes) {
    for (const e of n.endpoints) renderEndpointLetters(root, n.node, e);
  }
  for (const n of data.nodes) {
    if (!n.notice) continue;
    const p = document.createElement('p');
    p.className = 'more notice';
    p.textContent = 'node ' + n.node + ': ' + n.notice;
    root.appendChild(p);
  }
  for (const u of data.unreachable) {
    const p = document.createElement('p');
    p.className = 'down unreachable';
    p.dataset.node = u.node;
    p.textContent = 'node ' + u.node + ' unreachable (' + u.error + '): its dead letters are not listed';
    root.appendChild(p);
  }
}
async function refreshDeadLetters() {
  const state = document.getElementById('dead-letters-state');
  try {
    const res = await fetch('dead-letters.json?scope=cluster', { cache: 'no-store' });
    const body = await res.json().catch(() => ({}));
    if (!res.ok) throw new Error(res.status + ' ' + (body.error || ''));
    renderDeadLetters(body);
    state.textContent = 'read ' + new Date().toLocaleTimeString() + ' from ' +
      body.nodes.map((n) => n.node).join(', ') +
      (body.unreachable.length ? '; unreachable: ' + body.unreachable.map((u) => u.node).join(', ') : '');
    state.className = body.unreachable.length ? 'down' : '';
  } catch (err) {
    state.textContent = 'not read: ' + err.message;
    state.className = 'down';
  }
}
`;
