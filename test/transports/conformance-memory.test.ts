import { randomUUID } from 'node:crypto';
import { runConformance } from './conformance.js';

runConformance(
  {
    name: 'memory',
    capabilities: {
      network: false,
      noAuthReason: 'memory:// has no credentials',
      headers: true,
      queueNeedsSubscriber: false,
    },
    url: () => Promise.resolve(`memory://${randomUUID()}`),
  },
  undefined,
);
