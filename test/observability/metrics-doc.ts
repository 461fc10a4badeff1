/**
 * docs/metrics.md as generated from the catalogue and formatted by prettier (the repository's
 * `format:check` covers Markdown). `npm run docs:metrics` writes it (write-metrics-doc.ts); the
 * docs test compares.
 */
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';
import { renderMetricsDoc } from '../../runtime/observability/index.js';

export const METRICS_DOC_PATH = fileURLToPath(new URL('../../docs/metrics.md', import.meta.url));

export async function formattedMetricsDoc(): Promise<string> {
  const options = (await prettier.resolveConfig(METRICS_DOC_PATH)) ?? {};
  return prettier.format(await renderMetricsDoc(), { ...options, filepath: METRICS_DOC_PATH });
}
