/**
 * `aes dlq list | show | replay | drop`: the dead letters of the node's broker, reached as a
 * STOMP client at the broker the config names (or `--broker-url`), `list` and `show` through
 * RabbitMQ's management API where there is one. A shell over `runtime/dead-letters/`.
 */
import { InvalidArgumentError, type Command } from 'commander';
import { DEFAULT_CONFIG_FILE } from '../../runtime/config/defaults.js';
import {
  BROWSE_METHODS,
  DEFAULT_DLQ_TIMEOUT_MS,
  type BrowseMethod,
} from '../../runtime/dead-letters/defaults.js';
import type { DeadLetterFilter, DeadLetterOptions } from '../../runtime/internal.js';
import { collect } from '../option-helpers.js';
import type { RegisterCommand } from './register-command.js';
import { stdoutPaint, tableStyle } from '../colour.js';
import { addExamples, type Example } from '../examples.js';

const DLQ_EXAMPLES: readonly Example[] = [
  { does: "every endpoint's dead letters", line: 'aes dlq list' },
  { does: 'replay those of one queue, ids kept', line: 'aes dlq replay --queue /queue/orders' },
];

const LIST_EXAMPLES: readonly Example[] = [
  { does: "every endpoint's dead letters", line: 'aes dlq list' },
  {
    does: "one endpoint's, older than an hour, as JSON",
    line: 'aes dlq list --endpoint orders-in --older-than 1h --json',
  },
  {
    does: "through RabbitMQ's management API on another port",
    line: 'aes dlq list --management-url http://mq1:8080 --browse management',
  },
];

const SHOW_EXAMPLES: readonly Example[] = [
  { does: 'one message: fields, headers, body', line: 'aes dlq show orders-out:1234' },
];

const REPLAY_EXAMPLES: readonly Example[] = [
  { does: 'back where they came from, ids kept', line: 'aes dlq replay --queue /queue/orders' },
  { does: 'two of them by id', line: 'aes dlq replay orders-out:1234 orders-out:1240' },
  { does: 'every one', line: 'aes dlq replay --all' },
];

const DROP_EXAMPLES: readonly Example[] = [
  { does: 'those older than a week', line: 'aes dlq drop --older-than 7d' },
  {
    does: 'one by id, through another broker URL',
    line: 'aes dlq drop orders-out:1234 --broker-url stomp://aes:s3cret@127.0.0.1:61613',
  },
];

interface CommonFlags {
  readonly config: string;
  readonly brokerUrl?: string;
  readonly managementUrl?: string;
  readonly browse?: BrowseMethod;
  readonly dlq: readonly string[];
  readonly timeoutMs: number;
  readonly json?: boolean;
}

interface FilterFlags extends CommonFlags {
  readonly endpoint?: string;
  readonly queue?: string;
  readonly olderThan?: string;
  readonly newerThan?: string;
  readonly all?: boolean;
}

function positiveInteger(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) === 0) {
    throw new InvalidArgumentError('expected a positive integer');
  }
  return Number(value);
}

function browseMethod(value: string): BrowseMethod {
  if (!(BROWSE_METHODS as readonly string[]).includes(value)) {
    throw new InvalidArgumentError(`expected one of ${BROWSE_METHODS.join(', ')}`);
  }
  return value as BrowseMethod;
}

/** What `list` and `show` add: how they read. */
function addReading(command: Command): Command {
  return command
    .option(
      '--management-url <url>',
      "RabbitMQ's management API to read through (default: broker.managementUrl, else the STOMP broker's host on port 15672)",
    )
    .option(
      '--browse <how>',
      'auto: the management API where there is one, else STOMP; management: only it; stomp: a STOMP browse',
      browseMethod,
      'auto',
    );
}

function addCommon(command: Command): Command {
  return command
    .option('-c, --config <file>', 'the node config file', DEFAULT_CONFIG_FILE)
    .option(
      '--broker-url <url>',
      "the broker to reach instead of the config's (e.g. stomp://login:passcode@host:port)",
    )
    .option(
      '--dlq <queue>',
      "a dead-letter queue to read besides the endpoints' (e.g. /queue/orders.dlq); repeatable",
      collect,
      [],
    )
    .option(
      '--timeout-ms <ms>',
      `deadline of the whole command (default ${DEFAULT_DLQ_TIMEOUT_MS})`,
      positiveInteger,
      DEFAULT_DLQ_TIMEOUT_MS,
    )
    .option('--json', 'print JSON');
}

function addFilters(command: Command): Command {
  return command
    .option('--endpoint <name>', 'only those dead-lettered by this endpoint')
    .option('--queue <queue>', 'only those that came from this queue (orders or /queue/orders)')
    .option(
      '--older-than <age>',
      'only those dead-lettered at least this long ago (90s, 15m, 2h, 7d)',
    )
    .option('--newer-than <age>', 'only those dead-lettered less than this long ago');
}

async function options(
  flags: FilterFlags,
  messageIds: readonly string[] = [],
): Promise<DeadLetterOptions> {
  const { parseAge } = await import('../../runtime/internal.js');
  const filter: DeadLetterFilter = {
    messageIds,
    ...(flags.endpoint === undefined ? {} : { endpoint: flags.endpoint }),
    ...(flags.queue === undefined ? {} : { queue: flags.queue }),
    ...(flags.olderThan === undefined
      ? {}
      : { olderThanMs: parseAge(flags.olderThan, '--older-than') }),
    ...(flags.newerThan === undefined
      ? {}
      : { newerThanMs: parseAge(flags.newerThan, '--newer-than') }),
  };
  return {
    filter,
    queues: flags.dlq,
    timeoutMs: flags.timeoutMs,
    ...(flags.brokerUrl === undefined ? {} : { brokerUrl: flags.brokerUrl }),
    ...(flags.managementUrl === undefined ? {} : { managementUrl: flags.managementUrl }),
    ...(flags.browse === undefined ? {} : { browse: flags.browse }),
    onNotice: (notice) => process.stderr.write(`aes dlq: ${notice}\n`),
  };
}

function print(json: boolean | undefined, value: unknown, text: string): void {
  process.stdout.write(json === true ? `${JSON.stringify(value, null, 2)}\n` : `${text}\n`);
}

export const registerDlq: RegisterCommand = (program, setExitCode) => {
  const dlq = addExamples(program.command('dlq'), DLQ_EXAMPLES).description(
    'list, show, replay and drop the dead letters of the node’s broker',
  );

  addReading(addFilters(addCommon(addExamples(dlq.command('list'), LIST_EXAMPLES))))
    .description('list the dead-letter queues of the endpoints and their messages')
    .action(async (flags: FilterFlags) => {
      const { loadConfig } = await import('../../runtime/node/index.js');
      const { listDeadLetters, deadLetterListJson, formatDeadLetterList } =
        await import('../../runtime/internal.js');
      const list = await listDeadLetters(await loadConfig(flags.config), await options(flags));
      print(
        flags.json,
        deadLetterListJson(list),
        formatDeadLetterList(list, tableStyle(stdoutPaint())),
      );
      setExitCode(0);
    });

  addReading(addCommon(addExamples(dlq.command('show'), SHOW_EXAMPLES)))
    .description('show one dead letter with its headers and body')
    .argument('<message-id>', 'its aes-message-id (as `aes dlq list` shows it)')
    .action(async (messageId: string, flags: CommonFlags) => {
      const { loadConfig } = await import('../../runtime/node/index.js');
      const { showDeadLetter, deadLetterJson, formatDeadLetter } =
        await import('../../runtime/internal.js');
      const letter = await showDeadLetter(
        await loadConfig(flags.config),
        messageId,
        await options(flags),
      );
      print(flags.json, deadLetterJson(letter, true), formatDeadLetter(letter));
      setExitCode(0);
    });

  addFilters(addCommon(addExamples(dlq.command('replay'), REPLAY_EXAMPLES)))
    .description(
      'publish dead letters back to their original queue, keeping their message ids, then remove them',
    )
    .argument('[message-ids...]', 'these dead letters (else those the filters select)')
    .option('--all', 'every dead letter (required without ids or filters)')
    .action(async (messageIds: string[], flags: FilterFlags) => {
      const { loadConfig } = await import('../../runtime/node/index.js');
      const { replayDeadLetters } = await import('../../runtime/internal.js');
      const replayed = await replayDeadLetters(await loadConfig(flags.config), {
        ...(await options(flags, messageIds)),
        all: flags.all === true,
      });
      print(
        flags.json,
        { replayed },
        [
          stdoutPaint()(
            'success',
            `replayed ${replayed.length} dead letter${replayed.length === 1 ? '' : 's'}`,
          ),
          ...replayed.map((r) => `  ${r.messageId} → ${r.destination}`),
        ].join('\n'),
      );
      setExitCode(0);
    });

  addFilters(addCommon(addExamples(dlq.command('drop'), DROP_EXAMPLES)))
    .description('remove dead letters for good')
    .argument('[message-ids...]', 'these dead letters (else those the filters select)')
    .option('--all', 'every dead letter (required without ids or filters)')
    .action(async (messageIds: string[], flags: FilterFlags) => {
      const { loadConfig } = await import('../../runtime/node/index.js');
      const { dropDeadLetters } = await import('../../runtime/internal.js');
      const dropped = await dropDeadLetters(await loadConfig(flags.config), {
        ...(await options(flags, messageIds)),
        all: flags.all === true,
      });
      print(
        flags.json,
        { dropped },
        [
          stdoutPaint()(
            'success',
            `dropped ${dropped.length} dead letter${dropped.length === 1 ? '' : 's'}`,
          ),
          ...dropped.map((id) => `  ${id}`),
        ].join('\n'),
      );
      setExitCode(0);
    });
};
