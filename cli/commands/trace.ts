/**
 * `aes trace ID [--json]`: the steps of one record (by message id or FIFO id) from every node of
 * the cluster, merged by time, each with its node; nodes that could not be asked are named.
 */
import { InvalidArgumentError } from 'commander';
import { addConfigOption, configFile, type ConfigFlags } from '../config-option.js';
import type { RegisterCommand } from './register-command.js';
import { stdoutPaint, tableStyle } from '../colour.js';
import { addExamples, type Example } from '../examples.js';

/** The default of `--timeout-ms` (runtime/node/lineage-trace.ts's, repeated: a leaf import). */
const DEFAULT_TIMEOUT_MS = 10_000;

const EXAMPLES: readonly Example[] = [
  { does: 'where is record orders-out:42', line: 'aes trace orders-out:42' },
  { does: 'by its FIFO id, as JSON', line: 'aes trace 42 --json' },
  {
    does: 'asking another node, waiting at most 3 s for each',
    line: 'aes trace orders-out:42 -c /etc/aes/node.json --address tcp://node-b:7420 --timeout-ms 3000',
  },
];

function positiveInteger(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) === 0) {
    throw new InvalidArgumentError('expected a positive integer');
  }
  return Number(value);
}

export const registerTrace: RegisterCommand = (program, setExitCode) => {
  addConfigOption(
    addExamples(program.command('trace'), EXAMPLES).description(
      "print a record's steps from every node: popped, published, confirmed, put attempts, delivered, dead-lettered, replayed",
    ),
  )
    .argument('<id>', 'a message id (orders-out:42) or a FIFO id (42)')
    .option('--address <address>', "another node's cluster address (tcp://host:port)")
    .option(
      '--timeout-ms <ms>',
      `how long to wait for each node's answer (default ${DEFAULT_TIMEOUT_MS})`,
      positiveInteger,
      DEFAULT_TIMEOUT_MS,
    )
    .option('--json', 'print JSON')
    .action(
      async (
        id: string,
        flags: ConfigFlags & { address?: string; timeoutMs: number; json?: boolean },
      ) => {
        const { formatRecordTrace, loadConfig, traceRecord } =
          await import('../../runtime/node/index.js');
        const config = await loadConfig(configFile(flags));
        const trace = await traceRecord(config, id, {
          timeoutMs: flags.timeoutMs,
          ...(flags.address === undefined ? {} : { address: flags.address }),
        });
        process.stdout.write(
          flags.json === true
            ? `${JSON.stringify(trace, null, 2)}\n`
            : `${formatRecordTrace(trace, tableStyle(stdoutPaint()))}\n`,
        );
        // Steps may be missing: a node could not be asked.
        setExitCode(trace.unreachable.length > 0 ? 1 : 0);
      },
    );
};
