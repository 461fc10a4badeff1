/**
 * `aes endpoint create`: asks, in order, inbound or outbound; single or double phase; the name; the
 * WSDL; its operations for pop / popped / build / put (and the optional batch ones); the
 * destination. Every answer is also a flag; with all of them given it asks nothing, and without a
 * terminal a missing one is an error naming the flags.
 */
import type { Command } from 'commander';
import {
  checkDestination,
  checkEndpointName,
  createEndpoint,
  operationNames,
  roleFlag,
  rolesOf,
  ScaffoldError,
  wsdlOperations,
  type EndpointAnswers,
  type EndpointKind,
  type EndpointPhase,
  type Role,
} from '../../codegen/index.js';
import { Prompter } from '../prompt.js';

interface Flags {
  readonly project: string;
  readonly kind?: string;
  readonly phase?: string;
  readonly name?: string;
  readonly wsdl?: string;
  readonly pop?: string;
  readonly popped?: string;
  readonly build?: string;
  readonly popMany?: string;
  readonly put?: string;
  readonly putMany?: string;
  readonly destination?: string;
  readonly force?: boolean;
  readonly allowNetwork?: boolean;
}

const KINDS = ['outbound', 'inbound'] as const;
const PHASES = ['single', 'double'] as const;

function oneOf<T extends string>(flag: string, value: string, allowed: readonly T[]): T {
  const found = allowed.find((a) => a === value);
  if (found === undefined) {
    throw new ScaffoldError(
      'SCAFFOLD_USAGE',
      `${flag} '${value}' is not one of ${allowed.join(', ')}`,
    );
  }
  return found;
}

/** The flags still missing for a non-interactive run. */
function missingFlags(f: Flags): string[] {
  const missing: string[] = [];
  if (f.kind === undefined) missing.push('--kind');
  if (f.kind === 'outbound' && f.phase === undefined) missing.push('--phase');
  if (f.name === undefined) missing.push('--name');
  if (f.wsdl === undefined) missing.push('--wsdl');
  if (f.kind !== undefined && KINDS.includes(f.kind as EndpointKind)) {
    const phase = f.phase === 'double' ? 'double' : 'single';
    for (const r of rolesOf(f.kind as EndpointKind, phase).required) {
      if (f[r] === undefined) missing.push(roleFlag(r));
    }
  } else {
    missing.push('the operation flags (--pop, --popped, --build or --put)');
  }
  if (f.destination === undefined) missing.push('--destination');
  return missing;
}

async function answers(flags: Flags, interactive: boolean): Promise<EndpointAnswers> {
  if (!interactive) {
    const missing = missingFlags(flags);
    if (missing.length > 0) {
      throw new ScaffoldError(
        'SCAFFOLD_USAGE',
        `not a terminal, so nothing can be asked: give ${missing.join(', ')} (see aes endpoint create --help)`,
      );
    }
  }
  const prompt = interactive ? new Prompter(process.stdin, process.stdout) : undefined;
  try {
    const ask = prompt as Prompter; // only reached when a flag is missing, hence interactive
    const kind =
      flags.kind !== undefined
        ? oneOf('--kind', flags.kind, KINDS)
        : ((await ask.choose('Inbound or outbound?', ['outbound', 'inbound'])) as EndpointKind);
    let phase: EndpointPhase | undefined;
    if (kind === 'outbound') {
      phase =
        flags.phase !== undefined
          ? oneOf('--phase', flags.phase, PHASES)
          : ((await ask.choose('Single or double phase?', ['single', 'double'])) as EndpointPhase);
    } else if (flags.phase !== undefined) {
      throw new ScaffoldError('SCAFFOLD_USAGE', '--phase applies to outbound endpoints only');
    }
    const name = flags.name ?? (await ask.ask('Endpoint name', undefined, checkEndpointName));
    checkEndpointName(name);
    const system = kind === 'inbound' ? 'target' : 'source';
    const wsdl = flags.wsdl ?? (await ask.ask(`WSDL of the ${system} system (path or URL)`));
    const { required, optional } = rolesOf(kind, phase);
    const picked: Partial<Record<Role, string>> = {};
    // Every operation flag is passed on, so that one that does not apply is refused, not ignored.
    for (const r of ['pop', 'popped', 'build', 'popMany', 'put', 'putMany'] as const) {
      const v = flags[r];
      if (v !== undefined) picked[r] = v;
    }
    if (required.some((r) => picked[r] === undefined)) {
      const ops = operationNames(
        await wsdlOperations(wsdl, { allowNetwork: flags.allowNetwork === true }),
      );
      for (const r of required) {
        picked[r] ??= (await ask.choose(`Operation for ${r}:`, ops)) ?? '';
      }
      for (const r of optional) {
        if (picked[r] !== undefined) continue;
        const v = await ask.choose(`Operation for ${r} (batch mode, optional):`, ops, true);
        if (v !== undefined) picked[r] = v;
      }
    }
    const destination =
      flags.destination ??
      (await ask.ask(
        kind === 'inbound' ? 'Queue to consume' : 'Destination to publish to',
        `/queue/${name}`,
        checkDestination,
      ));
    return {
      project: flags.project,
      kind,
      ...(phase === undefined ? {} : { phase }),
      name,
      wsdl,
      ...picked,
      destination,
      force: flags.force === true,
      allowNetwork: flags.allowNetwork === true,
    };
  } finally {
    prompt?.close();
  }
}

export function registerEndpointCreate(
  endpoint: Command,
  setExitCode: (code: number) => void,
): void {
  endpoint
    .command('create')
    .description('add an endpoint to the project: typed client, endpoint class, config entry, test')
    .option('--project <dir>', 'the project folder', '.')
    .option('--kind <kind>', 'outbound (source FIFO to queue) or inbound (queue to target)')
    .option(
      '--phase <phase>',
      'outbound: single (pop returns the record) or double (pop an id, build the document)',
    )
    .option('--name <name>', "the endpoint's name (its folder; prefix of its message ids)")
    .option(
      '--wsdl <file|url>',
      'WSDL of the system the endpoint talks to (a file is copied into wsdl/)',
    )
    .option('--pop <operation>', 'outbound: the operation handing out the oldest record (or id)')
    .option('--popped <operation>', 'outbound: the operation removing a record')
    .option('--build <operation>', "double phase: the operation making a record's document")
    .option(
      '--pop-many <operation>',
      'outbound, optional: the operation handing out several records (batch mode)',
    )
    .option('--put <operation>', 'inbound: the operation taking one message')
    .option(
      '--put-many <operation>',
      'inbound, optional: the operation taking several messages (batch mode)',
    )
    .option(
      '--destination <destination>',
      'outbound: where records go; inbound: the queue consumed (/queue/<name> or /topic/<name>)',
    )
    .option(
      '--force',
      're-create an existing endpoint (its files are rewritten; its config entry is kept)',
    )
    .option('--allow-network', 'fetch a WSDL given as URL, and its imports')
    .action(async (flags: Flags) => {
      const interactive = process.stdin.isTTY && process.stdout.isTTY;
      const created = await createEndpoint(await answers(flags, interactive));
      process.stdout.write(
        `created endpoint '${created.name}'\n${created.files.map((f) => `  ${f}\n`).join('')}`,
      );
      setExitCode(0);
    });
}
