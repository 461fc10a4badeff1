/** `aes describe <wsdl>`: what a WSDL offers, for a person reading an unknown service. */
import type { Command } from 'commander';
import { parseMaps } from './gen.js';
import type { RegisterCommand } from './register-command.js';
import { addExamples, type Example } from '../examples.js';
import { addTimeoutOption, withWsdlFetch, type TimeoutFlags } from '../wsdl-timeout.js';

const EXAMPLES: readonly Example[] = [
  { does: 'what a WSDL offers', line: 'aes describe wsdl/source-system.wsdl' },
  {
    does: 'a WSDL by URL, waiting up to 2 minutes for it, as JSON',
    line: 'aes describe https://erp.example/orders?wsdl --allow-network --timeout 2m --json',
  },
];

interface DescribeFlags extends TimeoutFlags {
  readonly map: string[];
  readonly catalog?: string;
  readonly allowNetwork?: boolean;
  /** `--no-standard-schemas` sets it false. */
  readonly standardSchemas: boolean;
  readonly strict?: boolean;
  readonly json?: boolean;
}

export const registerDescribe: RegisterCommand = (program: Command, setExitCode) => {
  const command = addExamples(program.command('describe'), EXAMPLES)
    .description(
      'print the services, ports and operations of a WSDL with their input and output shapes',
    )
    .argument('<wsdl>', 'WSDL file or URL')
    .option(
      '--map <url=path>',
      'read a remote import from a local file (repeatable)',
      (v: string, p: string[]) => [...p, v],
      [],
    )
    .option('--catalog <file>', 'OASIS XML catalog mapping remote imports to local files')
    .option('--allow-network', 'fetch a WSDL given as URL, and remote imports, over HTTP(S)')
    .option(
      '--no-standard-schemas',
      'do not answer standard schema URLs (W3C, OASIS) from the copies built into aes',
    );
  addTimeoutOption(command)
    .option('--strict', 'treat dangling references as errors')
    .option('--json', 'print JSON instead of text')
    .action(async (wsdl: string, flags: DescribeFlags) => {
      const { describeWsdl, formatDescription } = await import('../../codegen/index.js');
      const d = await withWsdlFetch(flags, flags.json === true, (fetchOptions) =>
        describeWsdl(wsdl, {
          map: parseMaps(flags.map),
          ...(flags.catalog === undefined ? {} : { catalog: flags.catalog }),
          allowNetwork: flags.allowNetwork === true,
          standardSchemas: flags.standardSchemas,
          strict: flags.strict === true,
          ...fetchOptions,
        }),
      );
      process.stdout.write(
        flags.json === true ? `${JSON.stringify(d, null, 2)}\n` : formatDescription(d),
      );
      setExitCode(0);
    });
};
