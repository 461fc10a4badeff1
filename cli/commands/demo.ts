/**
 * `aes demo`: the main job on loopback in one command. The first SIGINT/SIGTERM stops the demo
 * cleanly (endpoints drained, every process ended, the folder removed); a second one forces:
 * the endpoint processes are killed and the command exits at once.
 */
import { InvalidArgumentError } from 'commander';
import {
  DEFAULT_DEMO_RECORDS,
  DEFAULT_DEMO_STALL_TIMEOUT_MS,
  DEMO_PORT_COUNT,
  MAX_DEMO_RECORDS,
  MAX_DEMO_STALL_TIMEOUT_MS,
} from '../../demo/defaults.js';
import type { RegisterCommand } from './register-command.js';
import { stderrPaint } from '../colour.js';
import { addExamples, type Example } from '../examples.js';

const EXAMPLES: readonly Example[] = [
  { does: 'the main job with the default number of records', line: 'aes demo' },
  {
    does: 'more records, a target that fails 20% of its puts, and keep it up afterwards',
    line: 'aes demo --records 5000 --target-faults 0.2 --keep-running',
  },
  { does: 'the outcome as JSON (progress on stderr)', line: 'aes demo --json' },
];

function wholeNumber(min: number, max: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || n < min || n > max)
      throw new InvalidArgumentError(`expected a whole number ${min}..${max}`);
    return n;
  };
}

interface DemoFlags {
  readonly records: number;
  readonly keepRunning?: boolean;
  readonly stallTimeout: number;
  readonly portBase?: number;
  readonly targetFaults: number;
  readonly json?: boolean;
}

function share(value: string): number {
  const n = Number(value);
  if (!/^(0|1|0?\.\d+|1\.0*)$/.test(value) || n < 0 || n > 1)
    throw new InvalidArgumentError('expected a share 0..1 (e.g. 0.2)');
  return n;
}

export const registerDemo: RegisterCommand = (program, setExitCode) => {
  addExamples(program.command('demo'), EXAMPLES)
    .description(
      'the main job on loopback: a source and a target SOAP system, a three-node cluster, an outbound and an inbound endpoint; prints progress and "N popped, N delivered, 0 lost, 0 duplicates"',
    )
    .option(
      '-n, --records <n>',
      `records in the source system's FIFO (1..${MAX_DEMO_RECORDS})`,
      wholeNumber(1, MAX_DEMO_RECORDS),
      DEFAULT_DEMO_RECORDS,
    )
    .option('--keep-running', 'keep everything up after the summary until Ctrl-C')
    .option(
      '--stall-timeout <seconds>',
      'give up when no record moved for this long',
      wholeNumber(1, MAX_DEMO_STALL_TIMEOUT_MS / 1000),
      DEFAULT_DEMO_STALL_TIMEOUT_MS / 1000,
    )
    .option(
      '--port-base <port>',
      `fixed ports from this one up (${DEMO_PORT_COUNT} of them) instead of free ones`,
      wholeNumber(1024, 65_536 - DEMO_PORT_COUNT),
    )
    .option(
      '--target-faults <share>',
      'share of Put calls the target answers with a SOAP fault (retried by the inbound endpoint)',
      share,
      0,
    )
    .option(
      '--json',
      'progress on stderr, and the outcome on stdout as JSON: {"outcome","tally","exitCode","dir","kept"}',
    )
    .action(async (flags: DemoFlags) => {
      const { runDemo } = await import('../../demo/index.js');
      const abort = new AbortController();
      let pids: () => number[] = () => [];
      let signals = 0;
      const onSignal = (signal: NodeJS.Signals): void => {
        signals += 1;
        if (signals === 1) {
          process.stderr.write(`aes demo: ${signal}: stopping (send it again to force)\n`);
          abort.abort();
          return;
        }
        process.stderr.write(`aes demo: ${signal} again: forcing\n`);
        for (const pid of pids()) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            // already gone
          }
        }
        process.exit(130);
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      try {
        const result = await runDemo(
          {
            records: flags.records,
            keepRunning: flags.keepRunning === true,
            stallTimeoutMs: flags.stallTimeout * 1000,
            targetFaults: flags.targetFaults,
            ...(flags.portBase === undefined ? {} : { portBase: flags.portBase }),
          },
          {
            out: flags.json === true ? process.stderr : process.stdout,
            signal: abort.signal,
            onStarted: (running) => {
              pids = () => running.endpointPids();
            },
          },
        );
        if (flags.json === true) process.stdout.write(`${JSON.stringify(result)}\n`);
        if (result.outcome === 'failed') {
          process.stderr.write(
            `aes demo: ${stderrPaint()('error', 'not exactly once:')} ${result.tally.lost} lost, ${result.tally.duplicates} duplicates; the folder ${result.dir} is kept\n`,
          );
        } else if (result.outcome === 'stalled') {
          process.stderr.write(
            `aes demo: ${stderrPaint()('error', 'records stopped flowing before the end;')} the folder ${result.dir} is kept\n`,
          );
        }
        setExitCode(result.exitCode);
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });
};
