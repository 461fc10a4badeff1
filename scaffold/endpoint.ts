/**
 * `aes endpoint create`: an endpoint in an aes project: the typed client of the system it talks to
 * (as `aes gen` makes it), an endpoint class with the chosen operations wired in, its entry module,
 * its settings in aes.config.json and a test against `aes mock` and the embedded broker. All or
 * nothing: every answer is checked and every file rendered before the first one is written.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { makeDir } from '../util/index.js';
import path from 'node:path';
import { parseDestination } from '../transports/index.js';
import { generateSources, type LoadOptions } from '../codegen/index.js';
import { wsdlFolderName } from '../codegen/internal.js';
import { isUrl } from '../wsdl/index.js';
import { ScaffoldError } from './errors.js';
import {
  endpointData,
  type EndpointAnswers,
  type EndpointKind,
  type EndpointPhase,
} from './endpoint-data.js';
import { FieldResolver, type FieldType } from './fields.js';
import { lookupCandidates } from './mapping.js';
import { FIELD_ANSWERS, FieldAnswerError, fieldFlag, type FieldAnswer } from './candidates.js';
import { writeFiles, type PlannedFile } from './file-set.js';
import { readProjectConfig, CONFIG_FILE } from './project-config.js';
import { render } from './templates.js';
import { planWsdlCopy } from './wsdl-copy.js';
import { genScriptNaming } from './gen-script.js';
import { checkSampleAnswers, readSample } from './sample.js';
import {
  operationNames,
  wsdlOperations,
  type PortOperations,
  type WsdlOperations,
} from './wsdl-operations.js';

export type { EndpointAnswers, EndpointKind, EndpointPhase } from './endpoint-data.js';

export interface CreatedEndpoint {
  readonly name: string;
  /** Written files, relative to the project. */
  readonly files: readonly string[];
  /** What the scaffold chose on its own and the user should know (a detected lookup). */
  readonly notes: readonly string[];
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;
/** The shape of an operation without input or output. */
const EMPTY_REQUEST: FieldType = { kind: 'object', fields: [] };

/** Checks an endpoint name (the folder's name, prefix of message ids). */
export function checkEndpointName(name: string): void {
  if (!NAME.test(name)) {
    throw new ScaffoldError(
      'SCAFFOLD_USAGE',
      `--name '${name}' is not an endpoint name: letters, digits, '_', '.', '-', starting with a letter or digit, at most 100 characters`,
    );
  }
}

/**
 * Checks that the endpoint `name` is not in the project yet (its folder under `endpointsFolder`),
 * unless `force` re-creates it.
 */
export function checkEndpointAbsent(
  project: string,
  endpointsFolder: string,
  name: string,
  force: boolean,
): void {
  const folder = path.join(project, endpointsFolder, name);
  if (existsSync(folder) && !force) {
    throw new ScaffoldError(
      'SCAFFOLD_EXISTS',
      `endpoint '${name}' exists already (${path.relative(process.cwd(), folder) || folder}); --force re-creates it`,
    );
  }
}

/** Checks that a WSDL given as a file (not a URL) exists. */
export function checkWsdlFile(wsdl: string): void {
  if (!isUrl(wsdl) && !existsSync(path.resolve(wsdl))) {
    throw new ScaffoldError('SCAFFOLD_USAGE', `--wsdl: no such file '${wsdl}'`);
  }
}

/** Checks a destination (`/queue/<name>` or `/topic/<name>`). */
export function checkDestination(destination: string): void {
  try {
    parseDestination(destination);
  } catch (err) {
    throw new ScaffoldError(
      'SCAFFOLD_USAGE',
      `--destination '${destination}' is not a destination: /queue/<name> or /topic/<name>`,
      { cause: err },
    );
  }
}

/** The roles an endpoint of this kind and phase fills, required ones first. */
export function rolesOf(
  kind: EndpointKind,
  phase: EndpointPhase | undefined,
): {
  readonly required: readonly Role[];
  readonly optional: readonly Role[];
} {
  if (kind === 'inbound') return { required: ['put'], optional: ['putMany', 'lookup'] };
  return phase === 'double'
    ? { required: ['pop', 'popped', 'build'], optional: ['popMany'] }
    : { required: ['pop', 'popped'], optional: ['popMany'] };
}

export type Role = 'pop' | 'popped' | 'build' | 'popMany' | 'put' | 'putMany' | 'lookup';

/** The flag of a role: `--pop-many` for popMany. */
export function roleFlag(role: Role): string {
  return `--${role.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/** Picks the port that has every chosen operation (throws naming those available). */
export function portFor(
  ports: readonly PortOperations[],
  chosen: readonly string[],
  wsdl: string,
  all: string[],
): PortOperations {
  for (const name of chosen) {
    if (!all.includes(name)) {
      throw new ScaffoldError(
        'SCAFFOLD_OPERATION',
        `${wsdl}: there is no operation '${name}' (available: ${all.join(', ') || 'none'})`,
      );
    }
  }
  const port = ports.find((p) => chosen.every((c) => p.operations.some((o) => o.name === c)));
  if (port === undefined) {
    throw new ScaffoldError(
      'SCAFFOLD_OPERATION',
      `${wsdl}: no single SOAP port has all of ${chosen.join(', ')}`,
    );
  }
  return port;
}

/** The operations `answers` name for their roles (a lookup of `none` is none). */
function chosenOperations(answers: EndpointAnswers): string[] {
  const { required, optional } = rolesOf(answers.kind, answers.phase);
  return [...required, ...optional].flatMap((r) => {
    const v = answers[r];
    return v === undefined || (r === 'lookup' && v === 'none') ? [] : [v];
  });
}

/** The field answers each kind and phase takes. */
function fieldAnswersOf(kind: EndpointKind, phase: EndpointPhase | undefined): FieldAnswer[] {
  if (kind === 'inbound') return ['payloadField', 'messageIdField'];
  return phase === 'double'
    ? ['idField', 'poppedIdField', 'buildIdField', 'documentField']
    : ['idField', 'payloadField', 'poppedIdField'];
}

/** Refuses a field flag that does not apply to the endpoint's kind and phase. */
function checkFieldAnswers(answers: EndpointAnswers): void {
  const takes = fieldAnswersOf(answers.kind, answers.phase);
  const stray = FIELD_ANSWERS.filter((f) => answers[f] !== undefined && !takes.includes(f));
  if (stray.length > 0) {
    throw new ScaffoldError(
      'SCAFFOLD_USAGE',
      `${stray.map(fieldFlag).join(', ')} do not apply to ${answers.kind === 'inbound' ? 'an inbound' : `a ${answers.phase ?? ''} phase outbound`} endpoint (it takes ${takes.map(fieldFlag).join(', ')})`,
    );
  }
}

/**
 * Checks that every field of `answers`' operations is wired on clear evidence or by an answer:
 * throws `AmbiguousFieldError` (naming the flag and the candidates) for the first that is not, or
 * the `ScaffoldError` of an operation or path that does not fit.
 */
export function checkWiring(w: WsdlOperations, answers: EndpointAnswers): void {
  const port = portFor(w.ports, chosenOperations(answers), answers.wsdl, operationNames(w));
  endpointData(answers, new FieldResolver(w.model.mapper), port, 'Client', 'client', 'endpoints');
}

/**
 * Checks `fieldPath` as the answer to the field question `answer`, the other answers being `answers`, as
 * its flag is checked: throws the `FieldAnswerError` of a path that is not in the message or names
 * a field of a type that cannot carry what `answer` is for. Errors of other answers (a later field
 * without clear evidence, an operation that does not fit) are not this answer's: they are left for
 * the next question, or for `createEndpoint` to report.
 */
export function checkFieldAnswer(
  w: WsdlOperations,
  answers: EndpointAnswers,
  answer: FieldAnswer,
  fieldPath: string,
): void {
  try {
    checkWiring(w, { ...answers, [answer]: fieldPath });
  } catch (err) {
    if (err instanceof FieldAnswerError && err.answer === answer) throw err;
  }
}

/**
 * What the generated test cannot check without a sample: a field path given by flag (or answer) is
 * checked against a mock scripted from that same path, so a wrong but type-valid one passes it.
 */
function unsampledNotes(answers: EndpointAnswers): string[] {
  if (answers.kind === 'inbound') {
    return answers.payloadField === undefined || answers.sample !== undefined
      ? []
      : [
          "the generated test checks --payload-field only against itself: --sample <a put request the target accepted> with --sample-payload <the document it carried> checks it against the target's own data",
        ];
  }
  const notes: string[] = [];
  if (answers.idField !== undefined && answers.sample === undefined) {
    notes.push(
      "the generated test checks --id-field only against itself: --sample <a pop response captured from the source> with --sample-ids <its record ids> checks it against the source's own data",
    );
  }
  if (answers.poppedIdField !== undefined && answers.samplePopped === undefined) {
    notes.push(
      "the generated test checks --popped-id-field only against itself: --sample-popped <the popped request that removed the sample's first record>, with --sample and --sample-ids, checks it against the source's own data",
    );
  }
  return notes;
}

/** How a WSDL given as URL is fetched: each fetch's deadline, a cancel signal, a listener. */
export type EndpointFetchOptions = Pick<LoadOptions, 'timeoutMs' | 'signal' | 'fetchListener'>;

/**
 * Writes the endpoint `answers` describe into their project. A WSDL given as URL is fetched (with
 * `allowNetwork`) under `fetchOptions`.
 */
export async function createEndpoint(
  answers: EndpointAnswers,
  fetchOptions: EndpointFetchOptions = {},
): Promise<CreatedEndpoint> {
  const project = path.resolve(answers.project ?? '.');
  checkEndpointName(answers.name);
  checkDestination(answers.destination);
  if (answers.kind === 'outbound' && answers.phase === undefined) {
    throw new ScaffoldError(
      'SCAFFOLD_USAGE',
      'an outbound endpoint needs --phase single or double',
    );
  }
  const { required, optional } = rolesOf(answers.kind, answers.phase);
  const missing = required.filter((r) => answers[r] === undefined || answers[r] === '');
  if (missing.length > 0) {
    throw new ScaffoldError('SCAFFOLD_USAGE', `missing ${missing.map(roleFlag).join(', ')}`);
  }
  const stray = (['pop', 'popped', 'build', 'popMany', 'put', 'putMany', 'lookup'] as const).filter(
    (r) => answers[r] !== undefined && !required.includes(r) && !optional.includes(r),
  );
  if (stray.length > 0) {
    throw new ScaffoldError(
      'SCAFFOLD_USAGE',
      `${stray.map(roleFlag).join(', ')} do not apply to ${answers.kind === 'inbound' ? 'an inbound' : `a ${answers.phase ?? ''} phase outbound`} endpoint`,
    );
  }
  checkFieldAnswers(answers);
  checkSampleAnswers(answers.kind, answers);
  const config = await readProjectConfig(project);
  checkEndpointAbsent(project, config.endpointsFolder, answers.name, answers.force === true);

  // The WSDL: a local one is copied into wsdl/ (with the local files it imports), a URL is used as is.
  const remote = isUrl(answers.wsdl);
  const source = remote ? answers.wsdl : path.resolve(answers.wsdl);
  checkWsdlFile(answers.wsdl);
  const loadOptions = { ...fetchOptions, allowNetwork: answers.allowNetwork === true };
  const original = await wsdlOperations(source, loadOptions);
  const all = operationNames(original);
  const chosen = chosenOperations(answers);
  // Before anything is staged: a field without clear evidence is refused, naming its flag.
  checkWiring(original, answers);

  const files: PlannedFile[] = [];
  const notes: string[] = [];
  let location = source;
  let copiedWsdl: string | undefined;
  const staging = await mkdtemp(path.join(project, '.aes-endpoint-'));
  try {
    if (!remote) {
      // Every document the WSDL reaches by relative locations, keeping their layout (wsdl-copy.ts),
      // so that they resolve from the copy when generating now and in node-soap at run time.
      const copy = planWsdlCopy(original.model.loaded);
      for (const doc of copy.documents) {
        const text =
          original.model.loaded.sources.get(doc.source) ?? (await readFile(doc.source, 'utf8'));
        const target = path.join(project, 'wsdl', doc.target);
        if (
          existsSync(target) &&
          (await readFile(target, 'utf8')) !== text &&
          answers.force !== true
        ) {
          throw new ScaffoldError(
            'SCAFFOLD_EXISTS',
            `wsdl/${doc.target} exists with other content; --force replaces it`,
          );
        }
        files.push({ path: target, text });
        const staged = path.join(staging, 'wsdl', doc.target);
        await makeDir(path.dirname(staged));
        await writeFile(staged, text);
      }
      location = path.join(staging, 'wsdl', copy.wsdl);
      copiedWsdl = copy.wsdl;
      if (copy.wsdl.includes('/')) {
        const script = await genScriptNaming(project, `wsdl/${copy.wsdl}`);
        if (script !== undefined) files.push(script);
        notes.push(
          script !== undefined
            ? `the WSDL is copied to wsdl/${copy.wsdl}, below wsdl/, because what it imports or includes reaches above its own folder; package.json's gen script names it`
            : `the WSDL is copied to wsdl/${copy.wsdl}, below wsdl/, because what it imports or includes reaches above its own folder; if the project's gen script does not name it, run aes gen --wsdl wsdl/${copy.wsdl} --out generated`,
        );
      }
    }
    const genFolder = wsdlFolderName(source);
    const { files: generated, summary } = await generateSources(
      location,
      path.join(staging, 'generated', genFolder),
      loadOptions,
    );
    for (const f of generated) {
      const target = path.join(project, 'generated', genFolder, f.name);
      if (
        existsSync(target) &&
        (await readFile(target, 'utf8')) !== f.text &&
        answers.force !== true
      ) {
        // Another endpoint's client, made from another WSDL of the same file name (or an older copy).
        throw new ScaffoldError(
          'SCAFFOLD_EXISTS',
          `generated/${genFolder}/ holds a client made from another WSDL (or another version of it); --force replaces it`,
        );
      }
      files.push({ path: target, text: f.text });
    }
    const w = remote ? original : await wsdlOperations(location, loadOptions);
    const port = portFor(w.ports, chosen, answers.wsdl, all);
    const client = summary.clients.find((c) => c.service === port.service && c.port === port.port);
    if (client === undefined)
      throw new ScaffoldError(
        'SCAFFOLD_OPERATION',
        `${answers.wsdl}: no client for port ${port.port}`,
      );
    const resolver = new FieldResolver(w.model.mapper);
    let chosenAnswers = answers;
    if (answers.kind === 'inbound' && answers.lookup === undefined) {
      const typeOf = (expr: (typeof port.operations)[number]['input']) =>
        expr === undefined ? EMPTY_REQUEST : resolver.resolve(expr).type;
      const [found] = lookupCandidates(
        port.operations
          .filter((o) => o.name !== answers.put && o.name !== answers.putMany)
          .map((o) => ({ name: o.name, request: typeOf(o.input), response: typeOf(o.output) })),
      );
      if (found !== undefined) {
        chosenAnswers = { ...answers, lookup: found };
        notes.push(
          `alreadyDelivered() asks the target with '${found}' (found by its name and shape): check it, or re-create with --lookup none`,
        );
      }
    }
    const captured = port.operations.find(
      (o) => o.name === (answers.kind === 'inbound' ? answers.put : answers.pop),
    );
    const sample =
      captured === undefined
        ? undefined
        : await readSample(
            answers,
            captured,
            path.join(project, 'test', 'samples'),
            port.operations.find((o) => o.name === answers.popped),
          );
    const data = endpointData(
      chosenAnswers,
      resolver,
      port,
      client.className,
      genFolder,
      config.endpointsFolder,
      copiedWsdl,
      sample?.data,
    );
    notes.push(...data.notes);
    if (sample !== undefined) files.push(...sample.files);
    notes.push(...unsampledNotes(answers));
    const base = path.join(project, config.endpointsFolder, answers.name);
    files.push({ path: path.join(base, 'index.ts'), text: render('endpoint/index.ts', data) });
    files.push({
      path: path.join(base, `${answers.name}.ts`),
      text: render(`endpoint/${data.template}.ts`, data),
    });
    files.push({
      path: path.join(project, 'test', `${answers.name}.test.ts`),
      text: render(`endpoint/${answers.kind}.test.ts`, data),
    });
    files.push({
      path: path.join(project, CONFIG_FILE),
      text: config.withEndpoint(answers.name, answers.kind),
    });
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  await writeFiles(files);
  return { name: answers.name, files: files.map((f) => path.relative(project, f.path)), notes };
}
