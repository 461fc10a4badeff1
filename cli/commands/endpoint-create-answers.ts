/**
 * The answers of `aes endpoint create`: taken from its flags, and asked on the terminal for what the
 * flags leave open. Loaded only when the command runs, since it needs the code generator.
 */
import {
  ScaffoldError,
  wsdlOperations,
  type EndpointAnswers,
  type EndpointKind,
  type EndpointPhase,
} from '../../scaffold/index.js';
import {
  checkDestination,
  checkEndpointName,
  operationNames,
  roleFlag,
  rolesOf,
  type Role,
} from '../../scaffold/internal.js';
import { Prompter } from '../prompt.js';
import type { FetchOptions } from '../wsdl-timeout.js';

/** The flags of `aes endpoint create`, as commander parses them. */
export interface EndpointCreateFlags extends Partial<Readonly<Record<Role, string>>> {
  readonly project: string;
  readonly kind?: string;
  readonly phase?: string;
  readonly name?: string;
  readonly wsdl?: string;
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
function missingFlags(f: EndpointCreateFlags): string[] {
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

/**
 * The answers to every question: from the flags, or asked on the terminal when `interactive`. A WSDL
 * given as URL is fetched (to list its operations) under `fetchOptions`.
 */
export async function answers(
  flags: EndpointCreateFlags,
  interactive: boolean,
  fetchOptions: FetchOptions,
): Promise<EndpointAnswers> {
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
    for (const r of ['pop', 'popped', 'build', 'popMany', 'put', 'putMany', 'lookup'] as const) {
      const v = flags[r];
      if (v !== undefined) picked[r] = v;
    }
    if (required.some((r) => picked[r] === undefined)) {
      const ops = operationNames(
        await wsdlOperations(wsdl, { ...fetchOptions, allowNetwork: flags.allowNetwork === true }),
      );
      for (const r of required) {
        picked[r] ??= (await ask.choose(`Operation for ${r}:`, ops)) ?? '';
      }
      for (const r of optional) {
        if (picked[r] !== undefined) continue;
        const question =
          r === 'lookup'
            ? 'Operation telling whether the target already holds a message id (for alreadyDelivered(), optional):'
            : `Operation for ${r} (batch mode, optional):`;
        const v = await ask.choose(question, ops, true);
        // A lookup left out on purpose is not looked for by name later.
        if (v !== undefined) picked[r] = v;
        else if (r === 'lookup') picked[r] = 'none';
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
