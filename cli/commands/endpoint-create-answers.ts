/**
 * The answers of `aes endpoint create`: taken from its flags, and asked on the terminal for what the
 * flags leave open. Loaded only when the command runs, since it needs the code generator.
 */
import path from 'node:path';
import {
  ScaffoldError,
  wsdlOperations,
  type EndpointAnswers,
  type EndpointKind,
  type EndpointPhase,
  type WsdlOperations,
} from '../../scaffold/index.js';
import {
  AmbiguousFieldError,
  FIELD_ANSWERS,
  checkDestination,
  checkEndpointAbsent,
  checkEndpointName,
  checkFieldAnswer,
  checkRoleOperation,
  checkWiring,
  checkCapture,
  checkWsdlFile,
  fieldFlag,
  operationNames,
  parseSampleIds,
  readSample,
  portFor,
  readProjectConfig,
  roleFlag,
  rolesOf,
  type FieldAnswer,
  type Role,
} from '../../scaffold/internal.js';
import { expandHome, pathCompleter } from '../path-completer.js';
import { Prompter } from '../prompt.js';
import type { FetchOptions } from '../wsdl-timeout.js';

/** The flags of `aes endpoint create`, as commander parses them. */
export interface EndpointCreateFlags
  extends Partial<Readonly<Record<Role, string>>>, Partial<Readonly<Record<FieldAnswer, string>>> {
  readonly project: string;
  readonly kind?: string;
  readonly phase?: string;
  readonly name?: string;
  readonly wsdl?: string;
  readonly destination?: string;
  readonly force?: boolean;
  readonly allowNetwork?: boolean;
  readonly sample?: string;
  readonly sampleIds?: string;
  readonly samplePayload?: string;
  readonly samplePopped?: string;
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

/** A WSDL given on the terminal, with the operations it was checked to have. */
interface AskedWsdl {
  readonly wsdl: string;
  readonly operations: WsdlOperations;
}

/**
 * The WSDL answer `answer` (a path, `~` expanded, or a URL), loaded; refused when the file is missing,
 * the WSDL does not load or has no SOAP operation.
 */
async function loadWsdl(
  answer: string,
  options: FetchOptions & { readonly allowNetwork: boolean },
): Promise<AskedWsdl> {
  const wsdl = expandHome(answer);
  checkWsdlFile(wsdl);
  const operations = await wsdlOperations(wsdl, options);
  if (operationNames(operations).length === 0) {
    throw new ScaffoldError('SCAFFOLD_OPERATION', `${wsdl}: no SOAP port has an operation`);
  }
  return { wsdl, operations };
}

/** How many field questions one run asks at most (each settles one field; there are six). */
const MAX_FIELD_QUESTIONS = FIELD_ANSWERS.length;

/**
 * Asks, one at a time, for each field the scaffold has no clear evidence for (docs/scaffolding.md):
 * the candidates are listed as paths with their types, chosen by number or name; any other path of
 * the message is taken too when its flag would take it (a deeper field, one not named like an id),
 * and a path that is not there, or names a field of the wrong type, is refused and asked again.
 */
async function askFields(
  ask: Prompter,
  chosen: EndpointAnswers,
  w: WsdlOperations,
): Promise<EndpointAnswers> {
  let current = chosen;
  const asked: FieldAnswer[] = [];
  for (;;) {
    try {
      checkWiring(w, current);
      return await askSample(ask, current, w, asked);
    } catch (err) {
      // Not a question (an operation that does not fit, a path given wrong): createEndpoint says so.
      if (
        !(err instanceof AmbiguousFieldError) ||
        current[err.answer] !== undefined ||
        asked.length >= MAX_FIELD_QUESTIONS
      )
        return current;
      asked.push(err.answer);
      const { answer, candidates, paths } = err;
      const before = current;
      const picked = await ask.choose({
        question: `${err.question} No clear evidence (${fieldFlag(answer)} says it without asking); a number, or a path:`,
        choices: candidates,
        other: (typed) => {
          checkFieldAnswer(w, before, answer, typed);
          return typed;
        },
      });
      if (picked === undefined) return current;
      // A choice stands for its path; anything else was taken by `other`, as the path typed.
      const index = candidates.indexOf(picked);
      current = { ...current, [answer]: index < 0 ? picked : (paths[index] ?? picked) };
    }
  }
}

/**
 * After the wizard asked where a record's id (outbound) or the payload (inbound) sits, offers to
 * check that choice against a message captured from the system (`--sample`, docs/scaffolding.md):
 * the capture, then the ids of its records or the document it carried, each checked as its flag
 * is and asked again when refused. Enter leaves it out.
 */
async function askSample(
  ask: Prompter,
  answers: EndpointAnswers,
  w: WsdlOperations,
  asked: readonly FieldAnswer[],
): Promise<EndpointAnswers> {
  const outbound = answers.kind === 'outbound';
  const checked: readonly FieldAnswer[] = outbound
    ? ['idField', 'poppedIdField']
    : ['payloadField'];
  if (!asked.some((f) => checked.includes(f)) || answers.sample !== undefined) {
    return answers;
  }
  const name = outbound ? answers.pop : answers.put;
  const op = w.ports.flatMap((p) => p.operations).find((o) => o.name === name);
  if (op === undefined) return answers;
  const sample = await ask.ask({
    question: outbound
      ? `To check that choice against the source's own data: a '${op.name}' response captured from it (a file; none to skip)`
      : `To check that choice against the target's own data: a '${op.name}' request it accepted (a file; none to skip)`,
    fallback: 'none',
    parse: async (answer) => {
      if (answer === 'none') return undefined;
      const file = expandHome(answer);
      await checkCapture(answers.kind, op, file);
      return file;
    },
    complete: pathCompleter(),
  });
  if (sample === undefined) return answers;
  if (outbound) {
    const sampleIds = await ask.ask({
      question:
        'The ids of the records in it, oldest first, as the source shows them (comma-separated)',
      parse: (answer) => {
        parseSampleIds(answer);
        return answer;
      },
    });
    const popped = w.ports.flatMap((p) => p.operations).find((o) => o.name === answers.popped);
    if (!asked.includes('poppedIdField') || popped === undefined) {
      return { ...answers, sample, sampleIds };
    }
    const samplePopped = await ask.ask({
      question: `And a '${popped.name}' request captured from the source, the one that removed the first of those records (a file; none to skip)`,
      fallback: 'none',
      parse: async (answer) => {
        if (answer === 'none') return undefined;
        const file = expandHome(answer);
        await readSample(
          { kind: 'outbound', name: answers.name, sample, sampleIds, samplePopped: file },
          op,
          '',
          popped,
        );
        return file;
      },
      complete: pathCompleter(),
    });
    return {
      ...answers,
      sample,
      sampleIds,
      ...(samplePopped === undefined ? {} : { samplePopped }),
    };
  }
  const samplePayload = await ask.ask({
    question: 'A file holding the document that request carried',
    parse: async (answer) => {
      const file = expandHome(answer);
      await readSample(
        { kind: 'inbound', name: answers.name, sample, samplePayload: file },
        op,
        '',
      );
      return file;
    },
    complete: pathCompleter(),
  });
  return { ...answers, sample, samplePayload };
}

/**
 * The answers to every question: from the flags, or asked on the terminal when `interactive`. A WSDL
 * given as URL is fetched (to list its operations) under `fetchOptions`. On the terminal a refused
 * answer is asked again (cli/prompt.ts); a refused flag is an error at once.
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
  const force = flags.force === true;
  const loadOptions = { ...fetchOptions, allowNetwork: flags.allowNetwork === true };
  // Before any question: a folder that is not a project is no answer to ask again.
  const project = path.resolve(flags.project);
  const { endpointsFolder } = interactive
    ? await readProjectConfig(project)
    : { endpointsFolder: undefined };
  const prompt = interactive ? new Prompter(process.stdin, process.stdout) : undefined;
  try {
    const ask = prompt as Prompter; // only reached when a flag is missing, hence interactive
    const kind =
      flags.kind !== undefined
        ? oneOf('--kind', flags.kind, KINDS)
        : ((await ask.choose({
            question: 'Inbound or outbound?',
            choices: KINDS,
          })) as EndpointKind);
    let phase: EndpointPhase | undefined;
    if (kind === 'outbound') {
      phase =
        flags.phase !== undefined
          ? oneOf('--phase', flags.phase, PHASES)
          : ((await ask.choose({
              question: 'Single or double phase?',
              choices: PHASES,
            })) as EndpointPhase);
    } else if (flags.phase !== undefined) {
      throw new ScaffoldError('SCAFFOLD_USAGE', '--phase applies to outbound endpoints only');
    }
    const checkName = (name: string): string => {
      checkEndpointName(name);
      if (endpointsFolder !== undefined) checkEndpointAbsent(project, endpointsFolder, name, force);
      return name;
    };
    const name =
      flags.name !== undefined
        ? checkName(flags.name)
        : await ask.ask({ question: 'Endpoint name', parse: checkName });
    let wsdl: string;
    let asked: WsdlOperations | undefined; // the WSDL answered, loaded to check it
    if (flags.wsdl !== undefined) {
      wsdl = flags.wsdl;
    } else {
      ({ wsdl, operations: asked } = await ask.ask({
        question: `WSDL of the ${kind === 'inbound' ? 'target' : 'source'} system (path or URL)`,
        parse: (answer) => loadWsdl(answer, loadOptions),
        complete: pathCompleter(),
      }));
    }
    const { required, optional } = rolesOf(kind, phase);
    const picked: Partial<Record<Role, string>> = {};
    // Every operation flag is passed on, so that one that does not apply is refused, not ignored.
    for (const r of ['pop', 'popped', 'build', 'popMany', 'put', 'putMany', 'lookup'] as const) {
      const v = flags[r];
      if (v !== undefined) picked[r] = v;
    }
    if (required.some((r) => picked[r] === undefined)) {
      const loaded = asked ?? (await wsdlOperations(wsdl, loadOptions));
      const ops = operationNames(loaded);
      // A choice is refused when its messages do not fit the role, or when no single SOAP port has
      // it with the operations chosen before it.
      const fits =
        (role: Role) =>
        (choice: string): void => {
          checkRoleOperation(loaded, role, choice, phase);
          // (An operation flag the WSDL lacks is createEndpoint's error, not a refused choice.)
          const chosen = Object.values(picked).filter((v) => ops.includes(v));
          portFor(loaded.ports, [...chosen, choice], wsdl, ops);
        };
      for (const r of required) {
        picked[r] ??=
          (await ask.choose({ question: `Operation for ${r}:`, choices: ops, check: fits(r) })) ??
          '';
      }
      for (const r of optional) {
        if (picked[r] !== undefined) continue;
        const question =
          r === 'lookup'
            ? 'Operation telling whether the target already holds a message id (for alreadyDelivered(), optional):'
            : `Operation for ${r} (batch mode, optional):`;
        const v = await ask.choose({ question, choices: ops, optional: true, check: fits(r) });
        // A lookup left out on purpose is not looked for by name later.
        if (v !== undefined) picked[r] = v;
        else if (r === 'lookup') picked[r] = 'none';
      }
    }
    const destination =
      flags.destination ??
      (await ask.ask({
        question: kind === 'inbound' ? 'Queue to consume' : 'Destination to publish to',
        fallback: `/queue/${name}`,
        parse: (answer) => {
          checkDestination(answer);
          return answer;
        },
      }));
    const fields: Partial<Record<FieldAnswer, string>> = {};
    for (const f of FIELD_ANSWERS) {
      const v = flags[f];
      if (v !== undefined) fields[f] = v;
    }
    const chosen: EndpointAnswers = {
      project: flags.project,
      kind,
      ...(phase === undefined ? {} : { phase }),
      name,
      wsdl,
      ...picked,
      ...fields,
      destination,
      force,
      allowNetwork: flags.allowNetwork === true,
      ...(flags.sample === undefined ? {} : { sample: flags.sample }),
      ...(flags.sampleIds === undefined ? {} : { sampleIds: flags.sampleIds }),
      ...(flags.samplePayload === undefined ? {} : { samplePayload: flags.samplePayload }),
      ...(flags.samplePopped === undefined ? {} : { samplePopped: flags.samplePopped }),
    };
    if (!interactive) return chosen;
    return await askFields(ask, chosen, asked ?? (await wsdlOperations(wsdl, loadOptions)));
  } finally {
    prompt?.close();
  }
}
