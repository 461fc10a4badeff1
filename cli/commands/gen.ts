/** `aes gen --wsdl <file|url>... [--out dir]`: typed TypeScript clients from WSDLs. */
import type { Command } from 'commander';
import { CodegenError } from '../../wsdl/errors.js';
import type { WsdlSummary } from '../../codegen/index.js';
import { collect } from '../option-helpers.js';
import {
  addTimeoutOption,
  withWsdlFetch,
  type FetchOptions,
  type TimeoutFlags,
} from '../wsdl-timeout.js';
import type { RegisterCommand } from './register-command.js';
import { stderrPaint, stdoutPaint } from '../colour.js';
import { addExamples, type Example } from '../examples.js';

const EXAMPLES: readonly Example[] = [
  {
    does: 'typed clients for two WSDLs into generated/',
    line: 'aes gen --wsdl wsdl/source-system.wsdl wsdl/target-system.wsdl',
  },
  {
    does: 'a WSDL by URL, its remote imports read from local copies',
    line: 'aes gen --wsdl https://erp.example/orders?wsdl --allow-network --map https://erp.example/types.xsd=wsdl/types.xsd --out src/generated',
  },
  {
    does: 'only list its services, ports and operations',
    line: 'aes gen --describe --wsdl wsdl/source-system.wsdl',
  },
];

interface GenFlags extends TimeoutFlags {
  readonly wsdl: string[];
  readonly out: string;
  readonly map: string[];
  readonly catalog?: string;
  readonly allowNetwork?: boolean;
  /** `--no-standard-schemas` sets it false. */
  readonly standardSchemas: boolean;
  readonly strict?: boolean;
  readonly quiet?: boolean;
  readonly json?: boolean;
  readonly describe?: boolean;
  readonly runtime?: string;
}

/** `--map url=path` pairs; the URL may itself contain `=`, so split at the last one. */
export function parseMaps(pairs: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.lastIndexOf('=');
    if (at <= 0 || at === pair.length - 1) {
      throw new CodegenError('GEN_USAGE', `--map '${pair}' is not <url>=<path>`);
    }
    out[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return out;
}

function summaryLine(s: WsdlSummary): string {
  const clients =
    s.clients.length === 0
      ? 'no client'
      : `${s.clients.map((c) => c.className).join(', ')} (${s.operations} operations)`;
  return `${s.folder}/: ${s.types} types (of ${s.schemaTypes} in the schema)${s.families > 0 ? ` + ${s.families} subtype unions` : ''}, ${clients}`;
}

export const registerGen: RegisterCommand = (program: Command, setExitCode) => {
  const command = addExamples(program.command('gen'), EXAMPLES)
    .description('generate typed TypeScript (types and SOAP clients) from WSDL 1.1/2.0 documents')
    .requiredOption('--wsdl <file|url...>', 'WSDL documents to read (each gets a folder in --out)')
    .option('--out <dir>', 'output folder', 'generated')
    .option(
      '--map <url=path>',
      'read a remote import from a local file (repeatable; a URL ending in / maps a prefix)',
      collect,
      [],
    )
    .option('--catalog <file>', 'OASIS XML catalog mapping remote imports to local files')
    .option('--allow-network', 'fetch remote imports over HTTP(S) (offline by default)')
    .option(
      '--no-standard-schemas',
      'do not answer standard schema URLs (W3C, OASIS) from the copies built into aes',
    );
  addTimeoutOption(command)
    .option(
      '--strict',
      'treat references to unknown types, elements, messages or bindings as errors',
    )
    .option(
      '--runtime <module>',
      'module the generated clients import their runtime from',
      'aes-endpoint-server/soap-client',
    )
    .option('--describe', 'print services, ports and operations instead of generating')
    .option('--quiet', 'print nothing but errors')
    .option('--json', 'print a machine-readable summary on stdout')
    .action(async (flags: GenFlags) => {
      const quiet = flags.quiet === true || flags.json === true;
      await withWsdlFetch(flags, quiet, (fetchOptions) => run(flags, fetchOptions));
      setExitCode(0);
    });
};

/** `aes gen` once its flags are read: describes or generates, and prints what it did. */
async function run(given: GenFlags, fetchOptions: FetchOptions): Promise<void> {
  const { describeWsdl, formatDescription, generate } = await import('../../codegen/index.js');
  const { expandWsdlArgs } = await import('../wsdl-patterns.js');
  const { documents, unmatched } = expandWsdlArgs(given.wsdl);
  if (documents.length === 0) {
    throw new CodegenError('GEN_USAGE', `--wsdl: no file matches ${unmatched.join(', ')}`);
  }
  if (unmatched.length > 0 && given.quiet !== true && given.json !== true) {
    process.stderr.write(`aes gen: no file matches ${unmatched.join(', ')}; skipped\n`);
  }
  const flags = { ...given, wsdl: [...documents] };
  const options = {
    map: parseMaps(flags.map),
    ...(flags.catalog === undefined ? {} : { catalog: flags.catalog }),
    allowNetwork: flags.allowNetwork === true,
    standardSchemas: flags.standardSchemas,
    strict: flags.strict === true,
    ...fetchOptions,
  };
  if (flags.describe === true) {
    const descriptions = [];
    for (const w of flags.wsdl) descriptions.push(await describeWsdl(w, options));
    process.stdout.write(
      flags.json === true
        ? `${JSON.stringify(descriptions, null, 2)}\n`
        : descriptions.map(formatDescription).join('\n'),
    );
    return;
  }
  const tty = process.stderr.isTTY && flags.quiet !== true && flags.json !== true;
  const started = performance.now();
  const results = await generate(flags.wsdl, {
    ...options,
    out: flags.out,
    ...(flags.runtime === undefined ? {} : { runtimeModule: flags.runtime }),
    onProgress: ({ done, total, source }) => {
      if (!tty) return;
      process.stderr.write(
        done < total ? `\r\x1b[Kgenerating ${done + 1}/${total} ${source}` : '\r\x1b[K',
      );
    },
  });
  const seconds = ((performance.now() - started) / 1000).toFixed(2);
  if (flags.json === true) {
    process.stdout.write(
      `${JSON.stringify({ out: flags.out, seconds: Number(seconds), wsdls: results }, null, 2)}\n`,
    );
  } else if (flags.quiet !== true) {
    for (const r of results) {
      process.stdout.write(`${summaryLine(r)}\n`);
      for (const n of r.notes) process.stdout.write(`  note: ${n}\n`);
    }
    const wrote = `wrote ${results.length} WSDL(s) into ${flags.out}`;
    process.stdout.write(`${stdoutPaint()('success', wrote)} in ${seconds} s\n`);
  }
  if (flags.quiet !== true) {
    for (const r of results)
      for (const w of r.warnings) {
        process.stderr.write(
          `aes: ${stderrPaint(flags.json === true)('warning', 'warning:')} ${w}\n`,
        );
      }
  }
}
