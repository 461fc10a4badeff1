/** The metric catalogue follows Prometheus' conventions, and docs/metrics.md matches it. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type {
  CALL_OUTCOMES,
  ENDPOINT_STATES,
  ENDPOINT_STEPS,
  TRANSPORT_STATES,
} from '../../runtime/observability/index.js';
import {
  ENDPOINT_EVENTS,
  METRICS,
  TRANSPORT_SCHEMES,
  labelNames,
} from '../../runtime/observability/index.js';
import { zeroCounters } from '../../runtime/endpoint/progress.js';
import type { CallOutcome, EndpointStep } from '../../runtime/index.js';
import type { EndpointState } from '../../runtime/supervisor/lifecycle.js';
import { registeredSchemes, type TransportState } from '../../transports/index.js';

/** True only when `A` and `B` are the same set of string literals (checked by the compiler). */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const sameSets: [
  Same<(typeof ENDPOINT_STATES)[number], EndpointState>,
  Same<(typeof ENDPOINT_STEPS)[number], EndpointStep>,
  Same<(typeof CALL_OUTCOMES)[number], CallOutcome>,
  Same<(typeof TRANSPORT_STATES)[number], TransportState>,
] = [true, true, true, true];
import { METRICS_DOC_PATH, formattedMetricsDoc } from './metrics-doc.js';

test('every metric follows the naming conventions and has bounded, documented labels', () => {
  const names = new Set<string>();
  for (const m of METRICS) {
    assert.ok(!names.has(m.name), `${m.name} twice`);
    names.add(m.name);
    assert.match(m.name, /^aes_[a-z]+_[a-z0-9_]+$/, m.name);
    assert.ok(m.name.startsWith(`aes_${m.group}_`), `${m.name} is not in group ${m.group}`);
    assert.ok(m.help.length > 10 && !m.help.includes('\n'), `${m.name}: help`);
    assert.equal(m.name.endsWith('_total'), m.type === 'counter', `${m.name}: _total iff counter`);
    if (m.type === 'histogram') {
      assert.ok(m.name.endsWith('_seconds') && m.unit === 'seconds', `${m.name}: _seconds`);
      const b = m.buckets ?? [];
      assert.ok(b.length >= 5, `${m.name}: buckets`);
      for (let i = 1; i < b.length; i += 1) assert.ok((b[i] ?? 0) > (b[i - 1] ?? 0), m.name);
    } else {
      assert.equal(m.buckets, undefined, `${m.name}: buckets on a ${m.type}`);
    }
    if (m.unit === 'bytes') assert.match(m.name, /_bytes(_total)?$/, m.name);
    if (m.unit === 'seconds') assert.match(m.name, /_seconds$/, m.name);
    const labels = labelNames(m);
    assert.equal(new Set(labels).size, labels.length, `${m.name}: duplicate label`);
    for (const l of m.labels) {
      assert.match(l.name, /^[a-z][a-z_]*$/, `${m.name}: label ${l.name}`);
      assert.ok(
        !['le', 'node', 'job', 'instance'].includes(l.name),
        `${m.name}: reserved ${l.name}`,
      );
      assert.ok(l.help.length > 3, `${m.name}: label ${l.name} undocumented`);
    }
    // Endpoint-process metrics are merged at the node under the `endpoint` label.
    if (m.source === 'endpoint') assert.ok(labels.includes('endpoint'), m.name);
  }
});

test('docs/metrics.md is generated from the catalogue (run `npm run docs:metrics`)', async () => {
  const committed = readFileSync(METRICS_DOC_PATH, 'utf8');
  assert.equal(committed, await formattedMetricsDoc(), 'docs/metrics.md is out of date');
  for (const m of METRICS) assert.ok(committed.includes(`\`${m.name}\``), m.name);
});

test("fixed label values are exactly the runtime's own sets", () => {
  assert.deepEqual(sameSets, [true, true, true, true]);
  assert.deepEqual([...ENDPOINT_EVENTS].sort(), Object.keys(zeroCounters()).sort());
  for (const scheme of registeredSchemes()) {
    assert.ok((TRANSPORT_SCHEMES as readonly string[]).includes(scheme), scheme);
  }
});
