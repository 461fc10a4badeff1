/**
 * `aes mock --wsdl <file|url>`: serves the WSDL's SOAP ports with sample or scripted answers until
 * SIGINT or SIGTERM. A thin shell over `startMock` from mock/.
 */
import { InvalidArgumentError, Option } from 'commander';
import { DEFAULT_MOCK_HOST } from '../../mock/defaults.js';
import type { MockOptions } from '../../mock/index.js';
import { parseMaps } from './gen.js';
import { collect, untilSignal } from '../option-helpers.js';
import type { RegisterCommand } from './register-command.js';
import { stderrPaint } from '../colour.js';
import { addExamples, type Example } from '../examples.js';
import { addTimeoutOption, withWsdlFetch, type TimeoutFlags } from '../wsdl-timeout.js';

const EXAMPLES: readonly Example[] = [
  {
    does: "serve a WSDL's ports with sample answers on a free port",
    line: 'aes mock --wsdl wsdl/source-system.wsdl',
  },
  {
    does: 'on port 8080, answering as a script says',
    line: 'aes mock --wsdl wsdl/source-system.wsdl --port 8080 --script source-script.json',
  },
];

interface MockFlags extends TimeoutFlags {
  readonly wsdl: string;
  readonly port: number;
  readonly host: string;
  readonly script?: string;
  readonly service?: string;
  readonly portName?: string;
  readonly seed?: number;
  readonly map: string[];
  readonly catalog?: string;
  readonly allowNetwork?: boolean;
  /** `--no-standard-schemas` sets it false. */
  readonly standardSchemas: boolean;
  readonly json?: boolean;
}

function integer(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('expected a non-negative integer');
  return Number(value);
}

export const registerMock: RegisterCommand = (program, setExitCode) => {
  const command = addExamples(program.command('mock'), EXAMPLES)
    .description(
      'serve a SOAP service from a WSDL 1.1 with sample or scripted answers (until SIGINT/SIGTERM)',
    )
    .requiredOption('--wsdl <file|url>', 'the WSDL to serve')
    .addOption(
      new Option('-p, --port <n>', 'TCP port (0 picks a free one)').argParser(integer).default(0),
    )
    .option('--host <address>', 'address to listen on', DEFAULT_MOCK_HOST)
    .option(
      '--script <file>',
      'JSON script: responses, faults, delays, FIFO and put (docs/mock.md)',
    )
    .option('--service <name>', 'serve only this service')
    .option('--port-name <name>', 'serve only this port')
    .addOption(new Option('--seed <n>', 'seed of the sample data (default 1)').argParser(integer))
    .option(
      '--map <url=path>',
      'read a remote import from a local file (repeatable; a URL ending in / maps a prefix)',
      collect,
      [],
    )
    .option('--catalog <file>', 'OASIS XML catalog mapping remote imports to local files')
    .option('--allow-network', 'fetch a remote WSDL and its imports over HTTP(S)')
    .option(
      '--no-standard-schemas',
      'do not answer standard schema URLs (W3C, OASIS) from the copies built into aes',
    );
  addTimeoutOption(command)
    .option('--json', 'print the endpoints as one JSON line instead of text')
    .action(async (flags: MockFlags) => {
      const options: MockOptions = {
        port: flags.port,
        host: flags.host,
        map: parseMaps(flags.map),
        allowNetwork: flags.allowNetwork === true,
        standardSchemas: flags.standardSchemas,
        ...(flags.catalog === undefined ? {} : { catalog: flags.catalog }),
        ...(flags.script === undefined ? {} : { script: flags.script }),
        ...(flags.service === undefined ? {} : { service: flags.service }),
        ...(flags.portName === undefined ? {} : { portName: flags.portName }),
        ...(flags.seed === undefined ? {} : { seed: flags.seed }),
      };
      // Before the mock announces its address: a SIGTERM sent on reading it must close the mock.
      const signalled = untilSignal();
      const { startMock } = await import('../../mock/index.js');
      const mock = await withWsdlFetch(flags, flags.json === true, (fetchOptions) =>
        startMock(flags.wsdl, { ...options, ...fetchOptions }),
      );
      if (flags.json === true) {
        process.stdout.write(
          `${JSON.stringify({ url: mock.url, state: mock.stateUrl, endpoints: mock.endpoints })}\n`,
        );
      } else {
        process.stdout.write(`aes mock: serving ${flags.wsdl} at ${mock.url}\n`);
        for (const e of mock.endpoints) {
          process.stdout.write(
            `  ${e.service}/${e.port} (SOAP ${e.soapVersion}, ${e.operations.length} operations): ${e.url}\n` +
              `    WSDL: ${e.wsdlUrl}\n`,
          );
        }
        process.stdout.write(`  state: ${mock.stateUrl}\n`);
      }
      for (const n of mock.notes) process.stderr.write(`aes mock: note: ${n}\n`);
      const warning = stderrPaint(flags.json === true)('warning', 'warning:');
      for (const w of mock.warnings) process.stderr.write(`aes mock: ${warning} ${w}\n`);
      const signal = await signalled;
      process.stderr.write(`aes mock: ${signal}, closing\n`);
      await mock.close();
      setExitCode(0);
    });
};
