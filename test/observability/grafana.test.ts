/**
 * docs/grafana/aes.json is an importable dashboard whose every query names metrics that exist:
 * aes metrics from the catalogue, process metrics from prom-client's defaults.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  METRICS,
  getMetricSpec,
  labelNames,
  processMetricNames,
} from '../../runtime/observability/index.js';

const DASHBOARD = new URL('../../docs/grafana/aes.json', import.meta.url);

interface Target {
  expr?: string;
  datasource?: { uid?: string };
}
interface Panel {
  type: string;
  title: string;
  datasource?: { uid?: string };
  targets?: Target[];
  panels?: Panel[];
}
interface Variable {
  name: string;
  type: string;
  query?: string | { query?: string };
}

/** Metric names a PromQL expression uses: identifiers followed by a selector or range. */
function metricNames(expr: string): string[] {
  const out = new Set<string>();
  // A name is an identifier directly followed by `{` or `[`, or standing alone as an argument.
  for (const m of expr.matchAll(/\b([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(?=[{[])/g)) {
    if (m[1] !== undefined) out.add(m[1]);
  }
  return [...out];
}

/** Label names a PromQL expression groups by or selects on. */
function labelsUsed(expr: string): string[] {
  const out = new Set<string>();
  for (const m of expr.matchAll(/\bby\s*\(([^)]*)\)/g)) {
    for (const l of (m[1] ?? '').split(',')) out.add(l.trim());
  }
  for (const m of expr.matchAll(/([a-z_]+)\s*(?:=~|!~|!=|=)\s*"/g)) if (m[1]) out.add(m[1]);
  return [...out].filter((l) => l !== '');
}

test('the dashboard queries only metrics and labels that exist', async () => {
  const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as {
    uid: string;
    title: string;
    panels: Panel[];
    templating: { list: Variable[] };
  };
  assert.equal(dashboard.uid, 'aes-overview');
  const variables = new Map(dashboard.templating.list.map((v) => [v.name, v]));
  assert.equal(variables.get('datasource')?.type, 'datasource');
  assert.equal(variables.get('node')?.type, 'query');
  assert.equal(variables.get('endpoint')?.type, 'query');

  const process = new Set(await processMetricNames());
  // Added by Prometheus or by service discovery, not by aes.
  const targetLabels = new Set(['node', 'job', 'instance', 'cluster', 'le']);
  const exprs: { where: string; expr: string }[] = [];
  for (const v of dashboard.templating.list) {
    const q = typeof v.query === 'string' ? v.query : v.query?.query;
    if (v.type === 'query' && q !== undefined) exprs.push({ where: `variable ${v.name}`, expr: q });
  }
  const panels = dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
  for (const p of panels.filter((x) => x.type !== 'row')) {
    assert.equal(p.datasource?.uid, '${datasource}', `${p.title}: datasource variable`);
    assert.ok((p.targets ?? []).length > 0, `${p.title}: no query`);
    for (const t of p.targets ?? []) {
      assert.equal(t.datasource?.uid, '${datasource}', `${p.title}: target datasource`);
      assert.ok(t.expr !== undefined, `${p.title}: no expr`);
      exprs.push({ where: p.title, expr: t.expr });
    }
  }
  const used = new Set<string>();
  for (const { where, expr } of exprs) {
    // label_values(metric, label)
    const lv = /label_values\((\w+)[^,]*,\s*(\w+)\)/.exec(expr);
    const names = lv?.[1] !== undefined ? [lv[1]] : metricNames(expr);
    assert.ok(names.length > 0, `${where}: no metric in ${expr}`);
    for (const name of names) {
      if (name === 'up' || process.has(name)) continue;
      const base = name.replace(/_(bucket|sum|count)$/, '');
      const spec = getMetricSpec(name) ?? getMetricSpec(base);
      assert.ok(spec !== undefined, `${where}: '${name}' is not in the catalogue`);
      if (spec.name !== name) assert.equal(spec.type, 'histogram', `${where}: ${name}`);
      used.add(spec.name);
      const known = new Set([...labelNames(spec), ...targetLabels]);
      for (const label of labelsUsed(expr)) {
        assert.ok(known.has(label), `${where}: ${spec.name} has no label '${label}'`);
      }
    }
    if (lv?.[2] !== undefined) assert.ok(targetLabels.has(lv[2]) || lv[2] === 'endpoint');
  }
  // The dashboard covers the catalogue's main groups.
  for (const group of ['cluster', 'endpoint', 'transport', 'broker']) {
    assert.ok(
      METRICS.some((m) => m.group === group && used.has(m.name)),
      `no panel shows a ${group} metric`,
    );
  }
});
