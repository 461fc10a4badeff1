/**
 * `aes endpoint create`: an endpoint in an aes project: the typed client of the system it talks to
 * (as `aes gen` makes it), an endpoint class with the chosen operations wired in, its entry module,
 * its settings in aes.config.json and a test against `aes mock` and the embedded broker. All or
 * nothing: every answer is checked and every file rendered before the first one is written.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { parseDestination } from '../../transports/index.js';
import { generateSources, wsdlFolderName } from '../generate.js';
import { toPascal } from '../names.js';
import type { OperationShape } from '../operations.js';
import { ScaffoldError } from './errors.js';
import { FieldResolver, type FieldType } from './fields.js';
import { writeFiles, type PlannedFile } from './file-set.js';
import {
  access,
  dotPath,
  findDocument,
  findIdField,
  findPutFields,
  findPutList,
  findRecord,
  idExpression,
  itemsStatement,
  payloadExpression,
  requestLiteral,
} from './mapping.js';
import { readProjectConfig, CONFIG_FILE } from './project-config.js';
import { render } from './templates.js';
import { operationNames, wsdlOperations, type PortOperations } from './wsdl-operations.js';

export type EndpointKind = 'outbound' | 'inbound';
export type EndpointPhase = 'single' | 'double';

/** The answers of `aes endpoint create` (each a prompt and a flag). */
export interface EndpointAnswers {
  /** The project folder. @defaultValue '.' */
  readonly project?: string;
  readonly kind: EndpointKind;
  /** Outbound only. */
  readonly phase?: EndpointPhase;
  readonly name: string;
  /** Path or URL of the WSDL of the system the endpoint talks to. */
  readonly wsdl: string;
  readonly pop?: string;
  readonly popped?: string;
  readonly build?: string;
  readonly popMany?: string;
  readonly put?: string;
  readonly putMany?: string;
  /** Outbound: where records go; inbound: the queue consumed. */
  readonly destination: string;
  /** Re-create an existing endpoint. */
  readonly force?: boolean;
  /** Fetch a WSDL given as URL. */
  readonly allowNetwork?: boolean;
}

export interface CreatedEndpoint {
  readonly name: string;
  /** Written files, relative to the project. */
  readonly files: readonly string[];
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;
const URL_LIKE = /^[a-z][a-z0-9+.-]+:\/\//i;

/** Checks an endpoint name (the folder's name, prefix of message ids). */
export function checkEndpointName(name: string): void {
  if (!NAME.test(name)) {
    throw new ScaffoldError(
      'SCAFFOLD_USAGE',
      `--name '${name}' is not an endpoint name: letters, digits, '_', '.', '-', starting with a letter or digit, at most 100 characters`,
    );
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
  if (kind === 'inbound') return { required: ['put'], optional: ['putMany'] };
  return phase === 'double'
    ? { required: ['pop', 'popped', 'build'], optional: ['popMany'] }
    : { required: ['pop', 'popped'], optional: ['popMany'] };
}

export type Role = 'pop' | 'popped' | 'build' | 'popMany' | 'put' | 'putMany';

/** The flag of a role: `--pop-many` for popMany. */
export function roleFlag(role: Role): string {
  return `--${role.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

function envName(name: string): string {
  return `${name.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}_URL`;
}

type Op = OperationShape & { readonly method: string };

/** Picks the port that has every chosen operation. */
function portFor(
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

export async function createEndpoint(answers: EndpointAnswers): Promise<CreatedEndpoint> {
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
  const stray = (['pop', 'popped', 'build', 'popMany', 'put', 'putMany'] as const).filter(
    (r) => answers[r] !== undefined && !required.includes(r) && !optional.includes(r),
  );
  if (stray.length > 0) {
    throw new ScaffoldError(
      'SCAFFOLD_USAGE',
      `${stray.map(roleFlag).join(', ')} do not apply to ${answers.kind === 'inbound' ? 'an inbound' : `a ${answers.phase ?? ''} phase outbound`} endpoint`,
    );
  }
  const config = await readProjectConfig(project);
  const folder = path.join(project, config.endpointsFolder, answers.name);
  if (existsSync(folder) && answers.force !== true) {
    throw new ScaffoldError(
      'SCAFFOLD_EXISTS',
      `endpoint '${answers.name}' exists already (${path.relative(process.cwd(), folder) || folder}); --force re-creates it`,
    );
  }

  // The WSDL: a local one is copied into wsdl/ (with the local files it imports), a URL is used as is.
  const remote = URL_LIKE.test(answers.wsdl);
  const source = remote ? answers.wsdl : path.resolve(answers.wsdl);
  if (!remote && !existsSync(source)) {
    throw new ScaffoldError('SCAFFOLD_USAGE', `--wsdl: no such file '${answers.wsdl}'`);
  }
  const loadOptions = { allowNetwork: answers.allowNetwork === true };
  const original = await wsdlOperations(source, loadOptions);
  const all = operationNames(original);
  const chosen = [...required, ...optional].flatMap((r) => {
    const v = answers[r];
    return v === undefined ? [] : [v];
  });
  portFor(original.ports, chosen, answers.wsdl, all);

  const files: PlannedFile[] = [];
  let location = source;
  const staging = await mkdtemp(path.join(project, '.aes-endpoint-'));
  try {
    if (!remote) {
      const rootDir = path.dirname(source);
      for (const file of original.model.loaded.files) {
        if (URL_LIKE.test(file)) continue;
        const rel = path.relative(rootDir, file);
        if (rel.startsWith('..') || path.isAbsolute(rel)) continue; // outside the WSDL's folder: read in place
        const text = original.model.loaded.sources.get(file) ?? (await readFile(file, 'utf8'));
        const target = path.join(project, 'wsdl', rel);
        if (
          existsSync(target) &&
          (await readFile(target, 'utf8')) !== text &&
          answers.force !== true
        ) {
          throw new ScaffoldError(
            'SCAFFOLD_EXISTS',
            `wsdl/${rel} exists with other content; --force replaces it`,
          );
        }
        files.push({ path: target, text });
        const staged = path.join(staging, 'wsdl', rel);
        await mkdir(path.dirname(staged), { recursive: true });
        await writeFile(staged, text);
      }
      location = path.join(staging, 'wsdl', path.basename(source));
    }
    const genFolder = wsdlFolderName(source);
    const { files: generated, summary } = await generateSources(
      location,
      path.join(staging, 'generated', genFolder),
      loadOptions,
    );
    for (const f of generated)
      files.push({ path: path.join(project, 'generated', genFolder, f.name), text: f.text });
    const w = remote ? original : await wsdlOperations(location, loadOptions);
    const port = portFor(w.ports, chosen, answers.wsdl, all);
    const client = summary.clients.find((c) => c.service === port.service && c.port === port.port);
    if (client === undefined)
      throw new ScaffoldError(
        'SCAFFOLD_OPERATION',
        `${answers.wsdl}: no client for port ${port.port}`,
      );
    const data = endpointData(
      answers,
      new FieldResolver(w.model.mapper),
      port,
      client.className,
      genFolder,
      config.endpointsFolder,
    );
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
  return { name: answers.name, files: files.map((f) => path.relative(project, f.path)) };
}

function op(port: PortOperations, name: string | undefined): Op | undefined {
  return name === undefined ? undefined : port.operations.find((o) => o.name === name);
}

function shape(
  resolver: FieldResolver,
  expr: OperationShape['input'],
): { type: FieldType; nullable: boolean } {
  if (expr === undefined) return { type: { kind: 'object', fields: [] }, nullable: false };
  const r = resolver.resolve(expr);
  return { type: r.type, nullable: r.nullable };
}

/** Everything the endpoint templates print. */
function endpointData(
  a: EndpointAnswers,
  resolver: FieldResolver,
  port: PortOperations,
  clientClass: string,
  genFolder: string,
  endpointsFolder: string,
) {
  const depth = endpointsFolder.split(/[\\/]/).filter((s) => s !== '' && s !== '.').length + 1;
  const up = '../'.repeat(depth);
  const script: Record<string, unknown> = {};
  const common = {
    name: a.name,
    className: toPascal(a.name),
    clientClass,
    clientModule: `${up}generated/${genFolder}/index.generated.js`,
    testClientModule: `../generated/${genFolder}/index.generated.js`,
    testEndpointModule: `../${endpointsFolder.replace(/\\/g, '/').replace(/^\.\/|\/$/g, '')}/${a.name}/${a.name}.js`,
    wsdlLocation: URL_LIKE.test(a.wsdl)
      ? `'${a.wsdl}'`
      : `fileURLToPath(new URL('../wsdl/${path.basename(a.wsdl)}', import.meta.url))`,
    kind: a.kind,
    system: a.kind === 'inbound' ? 'target' : 'source',
    wsdlShown: URL_LIKE.test(a.wsdl) ? a.wsdl : `wsdl/${path.basename(a.wsdl)}`,
    wsdlUrl: URL_LIKE.test(a.wsdl) ? a.wsdl : undefined,
    destination: a.destination,
    env: envName(a.name),
    service: port.service,
    port: port.port,
  };
  if (a.kind === 'inbound') {
    const put = op(port, a.put);
    if (put === undefined) throw new ScaffoldError('SCAFFOLD_USAGE', 'missing --put');
    const req = shape(resolver, put.input).type;
    const fields = findPutFields(put.name, req);
    const values = new Map<string, string>([[fields.payload, 'JSON.stringify(delivery.payload)']]);
    if (fields.messageId !== undefined) values.set(fields.messageId, "delivery.messageId ?? ''");
    script.put = {
      operation: put.name,
      ...(fields.messageId === undefined ? {} : { idField: fields.messageId }),
      response: {},
    };
    const putMany = op(port, a.putMany);
    let putManyData;
    if (putMany !== undefined) {
      const manyReq = shape(resolver, putMany.input).type;
      const list = findPutList(putMany.name, manyReq);
      const itemValues = new Map<string, string>([
        [list.fields.payload, 'JSON.stringify(delivery.payload)'],
      ]);
      if (list.fields.messageId !== undefined)
        itemValues.set(list.fields.messageId, "delivery.messageId ?? ''");
      const item = requestLiteral(putMany.name, list.item, { values: itemValues }, '      ');
      putManyData = {
        op: putMany.name,
        method: putMany.method,
        request: requestLiteral(putMany.name, manyReq, {
          values: new Map(),
          lists: new Map([[list.path, () => `deliveries.map((delivery) => (${item}))`]]),
        }),
      };
    }
    return {
      ...common,
      template: 'inbound',
      put: { op: put.name, method: put.method, request: requestLiteral(put.name, req, { values }) },
      putMany: putManyData,
      messageIdField: fields.messageId,
      payloadPath: JSON.stringify(fields.payload.split('.')),
      script: JSON.stringify(script, null, 2),
    };
  }
  const double = a.phase === 'double';
  const pop = op(port, a.pop);
  const popped = op(port, a.popped);
  if (pop === undefined || popped === undefined)
    throw new ScaffoldError('SCAFFOLD_USAGE', 'missing --pop or --popped');
  const popOut = shape(resolver, pop.output);
  const record = findRecord(pop.name, popOut.type, !double);
  const poppedId = findIdField(popped.name, shape(resolver, popped.input).type);
  const poppedValue = poppedId.field.type.kind === 'number' ? 'Number(fifoId)' : 'fifoId';
  const fifo: Record<string, unknown> = {
    generate: 3,
    pop: {
      operation: pop.name,
      idField: dotPath({ fields: [...record.holder.fields, record.id] }),
      ...(double || record.payload === undefined
        ? {}
        : { payloadField: dotPath({ fields: [...record.holder.fields, record.payload] }) }),
      response: {},
      empty: {},
    },
    popped: { operation: popped.name, idField: poppedId.path, response: {} },
  };
  let buildData;
  if (double) {
    const build = op(port, a.build);
    if (build === undefined) throw new ScaffoldError('SCAFFOLD_USAGE', 'missing --build');
    const buildId = findIdField(build.name, shape(resolver, build.input).type);
    const buildOut = shape(resolver, build.output);
    const doc = findDocument(build.name, buildOut.type);
    fifo.build = {
      operation: build.name,
      idField: buildId.path,
      payloadField: doc.path,
      response: {},
    };
    buildData = {
      op: build.name,
      method: build.method,
      request: requestLiteral(build.name, shape(resolver, build.input).type, {
        values: new Map([
          [buildId.path, buildId.field.type.kind === 'number' ? 'Number(fifoId)' : 'fifoId'],
        ]),
      }),
      document: `decodePayload(${access('response', doc.chain, true)})`,
    };
  }
  script.fifo = fifo;
  const popMany = op(port, a.popMany);
  let popManyData;
  if (popMany !== undefined) {
    const manyOut = shape(resolver, popMany.output);
    const manyRecord = findRecord(popMany.name, manyOut.type, !double);
    popManyData = {
      op: popMany.name,
      method: popMany.method,
      request: requestLiteral(popMany.name, shape(resolver, popMany.input).type, {
        values: new Map(),
        limit: 'limit',
      }),
      items: itemsStatement(manyRecord.holder, true),
      id: idExpression(manyRecord.id),
      idRaw: access('item', [manyRecord.id]),
      idOptional: manyRecord.id.optional,
      payload: manyRecord.payload === undefined ? 'null' : payloadExpression(manyRecord.payload),
    };
  }
  return {
    ...common,
    template: double ? 'double-phase' : 'outbound',
    pop: {
      op: pop.name,
      method: pop.method,
      request: requestLiteral(pop.name, shape(resolver, pop.input).type, {
        values: new Map(),
        limit: '1',
      }),
      items: itemsStatement(record.holder, true),
      id: idExpression(record.id),
      idRaw: access('item', [record.id]),
      idOptional: record.id.optional,
      payload: record.payload === undefined ? 'null' : payloadExpression(record.payload),
    },
    popped: {
      op: popped.name,
      method: popped.method,
      request: requestLiteral(popped.name, shape(resolver, popped.input).type, {
        values: new Map([[poppedId.path, poppedValue]]),
      }),
    },
    build: buildData,
    popMany: popManyData,
    batchSize: popMany === undefined ? 1 : 2,
    script: JSON.stringify(script, null, 2),
  };
}
