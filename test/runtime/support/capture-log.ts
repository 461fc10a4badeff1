/** A node logger whose JSON lines are kept as records, for tests that check what was logged. */
import { Writable } from 'node:stream';
import { createLogger, type LogRecord } from '../../../runtime/node/index.js';

export function captureLog(): { log: ReturnType<typeof createLogger>; records: LogRecord[] } {
  const records: LogRecord[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) {
        records.push(JSON.parse(line) as LogRecord);
      }
      done();
    },
  });
  return { log: createLogger({ stream, format: 'json', level: 'debug' }), records };
}
