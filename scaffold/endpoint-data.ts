/**
 * The answers of `aes endpoint create`, and what its templates print for them: the names, the
 * imports, and the request builders and response readers of the chosen operations.
 */
import path from 'node:path';
import { toPascal, type OperationShape } from '../codegen/internal.js';
import { isUrl } from '../wsdl/index.js';
import { ScaffoldError } from './errors.js';
import type { FieldResolver, FieldType } from './fields.js';
import { dotPathOf } from './candidates.js';
import {
  access,
  findIdField,
  findLookupAnswer,
  findPutList,
  idExpression,
  itemsStatement,
  payloadExpression,
  requestLiteral,
} from './mapping.js';
import {
  documentWiring,
  putWiring,
  recordWiring,
  requestIdWiring,
  type RecordWiring,
} from './wiring.js';
import type { PortOperations } from './wsdl-operations.js';
import type { EndpointSample, SampleAnswers } from './sample.js';

export type EndpointKind = 'outbound' | 'inbound';
export type EndpointPhase = 'single' | 'double';

/**
 * The answers of `aes endpoint create` (each a prompt and a flag). The field answers (`idField`,
 * `payloadField`, ...) are dot paths (`a.b[].c`) saying where a record's id and payload sit where
 * the messages give no clear evidence (docs/scaffolding.md).
 */
export interface EndpointAnswers extends SampleAnswers {
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
  /**
   * Inbound: the target's operation that tells whether it holds a message id, for
   * `alreadyDelivered()`; `none` for no lookup.
   */
  readonly lookup?: string;
  /** Outbound: the pop response's field holding a record's id (`a.b[].id`). */
  readonly idField?: string;
  /**
   * Outbound single phase: the record's field (or the record itself) that is the payload; inbound:
   * the put request's text field taking the payload.
   */
  readonly payloadField?: string;
  /** Outbound: the popped request's field taking the record id. */
  readonly poppedIdField?: string;
  /** Double phase: the build request's field taking the record id. */
  readonly buildIdField?: string;
  /** Double phase: the build response's field holding the document. */
  readonly documentField?: string;
  /** Inbound: the put request's field taking the message id; `none` for none. */
  readonly messageIdField?: string;
  /** Outbound: where records go; inbound: the queue consumed. */
  readonly destination: string;
  /** Re-create an existing endpoint. */
  readonly force?: boolean;
  /** Fetch a WSDL given as URL. */
  readonly allowNetwork?: boolean;
}

/** The content type of a SOAP message of `version` (without its action). */
function contentType(version: '1.1' | '1.2'): string {
  return version === '1.1' ? 'text/xml; charset=utf-8' : 'application/soap+xml; charset=utf-8';
}

/** The HTTP headers posting a captured request, as a TypeScript literal: its type and action. */
function postHeaders(sample: {
  readonly soap: '1.1' | '1.2';
  readonly soapAction?: string | undefined;
}): string {
  const action = JSON.stringify(sample.soapAction ?? '');
  return JSON.stringify(
    sample.soap === '1.1'
      ? { 'content-type': contentType('1.1'), SOAPAction: action }
      : { 'content-type': `${contentType('1.2')}; action=${action}` },
  );
}

function envName(name: string): string {
  return `${name.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}_URL`;
}

type Op = OperationShape & { readonly method: string };

function op(port: PortOperations, name: string | undefined): Op | undefined {
  return name === undefined ? undefined : port.operations.find((o) => o.name === name);
}

/**
 * What the templates need to call a pop operation (`pop`, or `popMany` with `limit` records)
 * and read the records of its response.
 */
function popCall(resolver: FieldResolver, pop: Op, record: RecordWiring, limit: string) {
  return {
    op: pop.name,
    method: pop.method,
    request: requestLiteral(pop.name, shape(resolver, pop.input).type, {
      values: new Map(),
      limit,
    }),
    items: itemsStatement(record.holder),
    id: idExpression(record.id),
    idRaw: access('item', record.id),
    idOptional: record.id.some((f) => f.optional),
    payload:
      record.payload === undefined
        ? 'null'
        : payloadExpression(record.payload.chain, record.payload.whole),
  };
}

function shape(
  resolver: FieldResolver,
  expr: OperationShape['input'],
): { type: FieldType; nullable: boolean } {
  if (expr === undefined) return { type: { kind: 'object', fields: [] }, nullable: false };
  const r = resolver.resolve(expr);
  return { type: r.type, nullable: r.nullable };
}

/**
 * Everything the endpoint templates print. `copiedWsdl` is where a local WSDL sits in the
 * project, relative to its `wsdl/` folder (below it when its imports reach above its own folder).
 */
export function endpointData(
  a: EndpointAnswers,
  resolver: FieldResolver,
  port: PortOperations,
  clientClass: string,
  genFolder: string,
  endpointsFolder: string,
  copiedWsdl: string = path.basename(a.wsdl),
  sample?: EndpointSample['data'],
) {
  const depth = endpointsFolder.split(/[\\/]/).filter((s) => s !== '' && s !== '.').length + 1;
  const up = '../'.repeat(depth);
  const script: Record<string, unknown> = {};
  const notes: string[] = [];
  const common = {
    name: a.name,
    className: toPascal(a.name),
    clientClass,
    clientModule: `${up}generated/${genFolder}/index.generated.js`,
    testClientModule: `../generated/${genFolder}/index.generated.js`,
    testEndpointModule: `../${endpointsFolder.replace(/\\/g, '/').replace(/^\.\/|\/$/g, '')}/${a.name}/${a.name}.js`,
    wsdlLocation: isUrl(a.wsdl)
      ? `'${a.wsdl}'`
      : `fileURLToPath(new URL('../wsdl/${copiedWsdl}', import.meta.url))`,
    kind: a.kind,
    system: a.kind === 'inbound' ? 'target' : 'source',
    wsdlShown: isUrl(a.wsdl) ? a.wsdl : `wsdl/${copiedWsdl}`,
    wsdlUrl: isUrl(a.wsdl) ? a.wsdl : undefined,
    destination: a.destination,
    env: envName(a.name),
    service: port.service,
    port: port.port,
  };
  if (a.kind === 'inbound') {
    const put = op(port, a.put);
    if (put === undefined) throw new ScaffoldError('SCAFFOLD_USAGE', 'missing --put');
    const req = shape(resolver, put.input).type;
    const wired = putWiring(put.name, req, a);
    const fields = {
      messageId: wired.messageId === undefined ? undefined : dotPathOf(wired.messageId),
      payload: dotPathOf(wired.payload),
    };
    const values = new Map<string, string>([[fields.payload, 'JSON.stringify(delivery.payload)']]);
    if (fields.messageId !== undefined) values.set(fields.messageId, "delivery.messageId ?? ''");
    script.put = {
      operation: put.name,
      ...(fields.messageId === undefined ? {} : { idField: fields.messageId }),
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
    const lookup = a.lookup === 'none' ? undefined : op(port, a.lookup);
    let lookupData;
    if (lookup !== undefined) {
      const lookupReq = shape(resolver, lookup.input).type;
      const lookupId = findIdField(lookup.name, lookupReq);
      const answer = findLookupAnswer(lookup.name, shape(resolver, lookup.output).type);
      lookupData = {
        op: lookup.name,
        method: lookup.method,
        request: requestLiteral(lookup.name, lookupReq, {
          values: new Map([
            [
              lookupId.path,
              lookupId.field.type.kind === 'number' ? 'Number(messageId)' : 'messageId',
            ],
          ]),
        }),
        found: `${access('response', answer.chain, true)} === true`,
      };
    }
    return {
      ...common,
      template: 'inbound',
      lookup: lookupData,
      put: { op: put.name, method: put.method, request: requestLiteral(put.name, req, { values }) },
      putMany: putManyData,
      messageIdField: fields.messageId,
      payloadPath: JSON.stringify(fields.payload.split('.')),
      sample: sample === undefined ? undefined : { ...sample, headers: postHeaders(sample) },
      script: JSON.stringify(script, null, 2),
      notes,
    };
  }
  const double = a.phase === 'double';
  const pop = op(port, a.pop);
  const popped = op(port, a.popped);
  if (pop === undefined || popped === undefined)
    throw new ScaffoldError('SCAFFOLD_USAGE', 'missing --pop or --popped');
  const popOut = shape(resolver, pop.output);
  const record = recordWiring(pop.name, popOut.type, a, !double);
  notes.push(...record.notes);
  const recordId = record.id[record.id.length - 1];
  const poppedId = requestIdWiring(
    popped.name,
    shape(resolver, popped.input).type,
    'poppedIdField',
    a.poppedIdField,
    recordId,
  );
  const poppedValue = poppedId.field.type.kind === 'number' ? 'Number(fifoId)' : 'fifoId';
  const whole = record.payload?.whole === true;
  const fifo: Record<string, unknown> = {
    generate: 3,
    pop: {
      operation: pop.name,
      idField: dotPathOf([...record.holder, ...record.id]),
      ...(double || record.payload === undefined || whole
        ? {}
        : { payloadField: dotPathOf([...record.holder, ...record.payload.chain]) }),
      empty: {},
    },
    popped: { operation: popped.name, idField: dotPathOf(poppedId.chain) },
  };
  let buildData;
  if (double) {
    const build = op(port, a.build);
    if (build === undefined) throw new ScaffoldError('SCAFFOLD_USAGE', 'missing --build');
    const buildId = requestIdWiring(
      build.name,
      shape(resolver, build.input).type,
      'buildIdField',
      a.buildIdField,
      recordId,
    );
    const buildOut = shape(resolver, build.output);
    const doc = documentWiring(build.name, buildOut.type, a.documentField);
    fifo.build = {
      operation: build.name,
      idField: dotPathOf(buildId.chain),
      payloadField: dotPathOf(doc),
    };
    buildData = {
      op: build.name,
      method: build.method,
      request: requestLiteral(build.name, shape(resolver, build.input).type, {
        values: new Map([
          [
            dotPathOf(buildId.chain),
            buildId.field.type.kind === 'number' ? 'Number(fifoId)' : 'fifoId',
          ],
        ]),
      }),
      document: `decodePayload(${access('response', doc, true)})`,
    };
  }
  script.fifo = fifo;
  const popMany = op(port, a.popMany);
  const popManyData =
    popMany === undefined
      ? undefined
      : popCall(
          resolver,
          popMany,
          recordWiring(popMany.name, shape(resolver, popMany.output).type, a, !double),
          'limit',
        );
  return {
    ...common,
    template: double ? 'double-phase' : 'outbound',
    pop: popCall(resolver, pop, record, '1'),
    popped: {
      op: popped.name,
      method: popped.method,
      request: requestLiteral(popped.name, shape(resolver, popped.input).type, {
        values: new Map([[dotPathOf(poppedId.chain), poppedValue]]),
      }),
    },
    build: buildData,
    popMany: popManyData,
    batchSize: popMany === undefined ? 1 : 2,
    payloadWhole: whole,
    sample:
      sample === undefined
        ? undefined
        : {
            ...sample,
            popped:
              sample.popped === undefined
                ? undefined
                : { ...sample.popped, headers: postHeaders(sample.popped) },
            contentType: contentType(sample.soap),
            reader: double ? 'idsOf' : 'recordsOf',
            read: double ? 'idsOf(response)' : 'recordsOf(response).map((record) => record.id)',
          },
    recordIdPath: JSON.stringify(record.id.map((f) => f.name)),
    script: JSON.stringify(script, null, 2),
    notes,
  };
}
