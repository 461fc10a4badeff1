/** Helpers of the observability tests: read values out of Prometheus' text format. */
import assert from 'node:assert/strict';

/** The value of the sample whose line starts with `series` (name and labels, exactly). */
export function sample(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  assert.ok(line !== undefined, `no sample ${series} in:\n${text.slice(0, 4000)}`);
  return Number(line.slice(line.lastIndexOf(' ') + 1));
}

/** The sample's value, or undefined when the series is absent. */
export function maybeSample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

/** Metric family names (`# TYPE` lines) in an exposition. */
export function families(text: string): Set<string> {
  return new Set(
    text
      .split('\n')
      .filter((l) => l.startsWith('# TYPE '))
      .map((l) => l.split(' ')[2] ?? ''),
  );
}
