/**
 * `aes broker`: runs the embedded durable STOMP broker alone, until SIGINT or SIGTERM.
 * A thin shell over `startBroker` from broker/.
 */
import { readFileSync } from 'node:fs';
import { InvalidArgumentError, Option } from 'commander';
import { DEFAULT_BROKER_HOST, DEFAULT_BROKER_PORT, isLoopbackHost } from '../../broker/defaults.js';
import { BrokerOptionsError } from '../../broker/errors.js';
import type { BrokerOptions, BrokerTlsOptions } from '../../broker/index.js';
import { collect, untilSignal } from '../option-helpers.js';
import type { RegisterCommand } from './register-command.js';
import { stderrPaint } from '../colour.js';
import { addExamples, type Example } from '../examples.js';

const EXAMPLES: readonly Example[] = [
  { does: 'a broker on the default port, data in data/broker', line: 'aes broker' },
  {
    does: 'on every interface, with one login, on another port',
    line: 'aes broker --bind 0.0.0.0 --port 61614 --user aes:s3cret',
  },
  {
    does: 'stomp+ssl:// with mutual TLS',
    line: 'aes broker --tls-cert broker.pem --tls-key broker-key.pem --tls-client-ca clients-ca.pem',
  },
];

interface BrokerFlags {
  readonly port: number;
  readonly bind: string;
  readonly dataDir: string;
  readonly user: readonly string[];
  readonly usersFile?: string;
  readonly maxFrameBytes?: number;
  readonly maxHeaders?: number;
  readonly maxHeaderBytes?: number;
  readonly maxPendingBytes?: number;
  readonly maxTransactionBytes?: number;
  readonly maxConnections?: number;
  readonly heartbeatMs?: number;
  readonly connectTimeoutMs?: number;
  readonly maxDeliveries?: number;
  readonly deadLetterSuffix?: string;
  readonly prefetch?: number;
  readonly heapHeadroomMb?: number;
  readonly memoryBudgetMb?: number;
  readonly tlsCert?: string;
  readonly tlsKey?: string;
  readonly tlsClientCa?: string;
}

function integer(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('expected a non-negative integer');
  return Number(value);
}

/** `login:passcode` flags and a JSON users file → the broker's users map. */
function users(flags: BrokerFlags): Record<string, string> | undefined {
  if (flags.user.length === 0 && flags.usersFile === undefined) return undefined;
  const out: Record<string, string> = {};
  if (flags.usersFile !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(flags.usersFile, 'utf8'));
    } catch (err) {
      throw new BrokerOptionsError(
        '--users-file',
        `cannot be read as JSON: ${(err as Error).message}`,
      );
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new BrokerOptionsError('--users-file', 'must hold a JSON object of login → passcode');
    }
    for (const [login, passcode] of Object.entries(parsed)) {
      if (typeof passcode !== 'string') {
        throw new BrokerOptionsError(`--users-file: ${login}`, 'must be a passcode string');
      }
      out[login] = passcode;
    }
  }
  for (const pair of flags.user) {
    const colon = pair.indexOf(':');
    if (colon <= 0) throw new BrokerOptionsError('--user', `'${pair}' is not login:passcode`);
    out[pair.slice(0, colon)] = pair.slice(colon + 1);
  }
  return out;
}

/** Reads a PEM file named by `flag`; an unreadable file is an error naming both. */
function pemFile(flag: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new BrokerOptionsError(flag, `cannot read ${path}: ${(err as Error).message}`);
  }
}

/** `--tls-cert`, `--tls-key` and `--tls-client-ca` → the broker's `tls` option. */
function tls(flags: BrokerFlags): BrokerTlsOptions | undefined {
  const { tlsCert, tlsKey, tlsClientCa } = flags;
  if (tlsCert === undefined && tlsKey === undefined) {
    if (tlsClientCa !== undefined) {
      throw new BrokerOptionsError('--tls-client-ca', 'needs --tls-cert and --tls-key');
    }
    return undefined;
  }
  if (tlsCert === undefined || tlsKey === undefined) {
    throw new BrokerOptionsError(
      tlsCert === undefined ? '--tls-key' : '--tls-cert',
      'needs --tls-cert and --tls-key together',
    );
  }
  const cert = pemFile('--tls-cert', tlsCert);
  const key = pemFile('--tls-key', tlsKey);
  return tlsClientCa === undefined
    ? { cert, key }
    : { cert, key, clientCa: pemFile('--tls-client-ca', tlsClientCa) };
}

function toOptions(flags: BrokerFlags): BrokerOptions {
  const u = users(flags);
  const t = tls(flags);
  const optional = {
    maxFrameBytes: flags.maxFrameBytes,
    maxHeaders: flags.maxHeaders,
    maxHeaderBytes: flags.maxHeaderBytes,
    maxPendingBytes: flags.maxPendingBytes,
    maxTransactionBytes: flags.maxTransactionBytes,
    maxConnections: flags.maxConnections,
    heartbeatSendMs: flags.heartbeatMs,
    heartbeatReceiveMs: flags.heartbeatMs,
    connectTimeoutMs: flags.connectTimeoutMs,
    maxDeliveries: flags.maxDeliveries,
    deadLetterSuffix: flags.deadLetterSuffix,
    defaultPrefetch: flags.prefetch,
    heapHeadroomMb: flags.heapHeadroomMb,
    memoryBudgetMb: flags.memoryBudgetMb,
  };
  return {
    dataDir: flags.dataDir,
    port: flags.port,
    host: flags.bind,
    ...(u === undefined ? {} : { users: u }),
    ...(t === undefined ? {} : { tls: t }),
    ...Object.fromEntries(Object.entries(optional).filter(([, v]) => v !== undefined)),
  };
}

export const registerBroker: RegisterCommand = (program, setExitCode) => {
  addExamples(program.command('broker'), EXAMPLES)
    .description('run the embedded durable STOMP broker alone (until SIGINT/SIGTERM)')
    .addOption(
      new Option('-p, --port <port>', 'TCP port (0 picks a free one)')
        .argParser(integer)
        .default(DEFAULT_BROKER_PORT),
    )
    .option('-b, --bind <address>', 'address to listen on', DEFAULT_BROKER_HOST)
    .option('-d, --data-dir <dir>', 'message store directory', 'data/broker')
    .option(
      '-u, --user <login:passcode>',
      'accept this login (repeatable); with no --user/--users-file any CONNECT is accepted',
      collect,
      [],
    )
    .option('--users-file <file>', 'JSON file mapping each login to its passcode')
    .option('--max-frame-bytes <n>', 'largest frame, headers and body (default 16 MiB)', integer)
    .option('--max-headers <n>', 'most headers in one frame (default 64)', integer)
    .option('--max-header-bytes <n>', 'largest header block (default 64 KiB)', integer)
    .option(
      '--max-pending-bytes <n>',
      'output pending per connection before it is throttled (default 8 MiB)',
      integer,
    )
    .option(
      '--max-transaction-bytes <n>',
      'SEND bytes one transaction may buffer (default 64 MiB)',
      integer,
    )
    .option('--max-connections <n>', 'concurrent connections (default 1024)', integer)
    .option(
      '--heartbeat-ms <n>',
      'heart-beat interval offered and wanted, 0 off (default 10000)',
      integer,
    )
    .option(
      '--connect-timeout-ms <n>',
      'deadline for CONNECT after accept (default 10000)',
      integer,
    )
    .option('--max-deliveries <n>', 'deliveries before dead-lettering (default 5)', integer)
    .option('--dead-letter-suffix <suffix>', "dead-letter queue name suffix (default '.dlq')")
    .option('--prefetch <n>', 'unacked messages per subscription by default (default 100)', integer)
    .option(
      '--heap-headroom-mb <n>',
      'MiB the V8 heap may grow between full collections, 0 for V8 defaults (default 128)',
      integer,
    )
    .option(
      '--memory-budget-mb <n>',
      'MiB of message records held in memory before they are committed to disk (default 64)',
      integer,
    )
    .option('--tls-cert <file>', 'serve stomp+ssl:// with this PEM certificate (chain)')
    .option('--tls-key <file>', "the certificate's PEM private key")
    .option(
      '--tls-client-ca <file>',
      'require client certificates signed by this PEM CA (mutual TLS)',
    )
    .action(async (flags: BrokerFlags) => {
      const options = toOptions(flags);
      const loopback = isLoopbackHost(options.host ?? '');
      if (!loopback && options.users === undefined) {
        process.stderr.write(
          `aes broker: ${stderrPaint()('warning', 'warning:')} listening on ${options.host ?? ''} without --user/--users-file: any client may connect\n`,
        );
      }
      // Listening for the stop signal before the broker announces itself: a supervisor may send
      // SIGTERM the moment it reads "listening", and the default action would skip the close.
      const signalled = untilSignal();
      const { describeQuarantined, startBroker } = await import('../../broker/index.js');
      const broker = await startBroker(options);
      for (const q of broker.quarantined()) {
        process.stderr.write(
          `aes broker: ${stderrPaint()('warning', 'corrupt record set aside:')} ${describeQuarantined(q)}\n`,
        );
      }
      broker.listen({
        storeHealth: (failure) =>
          process.stderr.write(
            failure === undefined
              ? `aes broker: the store writes again; SENDs are taken\n`
              : `aes broker: ${stderrPaint()('error', 'error:')} the store cannot write: ${failure.message}; SENDs are refused until it can (nothing receipted is lost)\n`,
          ),
        // Stored records are decoded when delivered: a corrupt one is set aside then.
        unreadable: (e) =>
          process.stderr.write(
            e.setAside === undefined
              ? `aes broker: ${stderrPaint()('error', 'error:')} ${e.destination}#${e.seq} could not be read for delivery: ${e.reason}\n`
              : `aes broker: ${stderrPaint()('warning', 'corrupt record set aside:')} ${describeQuarantined(e.setAside)}\n`,
          ),
      });
      process.stdout.write(
        `aes broker: listening on ${broker.url}, data in ${broker.options.dataDir}\n`,
      );
      const signal = await signalled;
      process.stdout.write(`aes broker: ${signal}, closing\n`);
      await broker.close();
      setExitCode(0);
    });
};
