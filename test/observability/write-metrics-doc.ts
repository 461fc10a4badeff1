/** `npm run docs:metrics`: writes docs/metrics.md from the metric catalogue. */
import { writeFileSync } from 'node:fs';
import { METRICS_DOC_PATH, formattedMetricsDoc } from './metrics-doc.js';

writeFileSync(METRICS_DOC_PATH, await formattedMetricsDoc());
console.log(`wrote ${METRICS_DOC_PATH}`);
