/**
 * `aes mock`: serves any WSDL 1.1 or 2.0 SOAP service with node-soap's server on loopback, answering every
 * operation with schema-valid sample data or what a script says, and exposing what it saw at
 * `GET /_aes/mock/state`.
 */
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { debuglog } from 'node:util';
import * as soap from 'soap';
import {
  DEFAULT_FETCH_TIMEOUT_MS,
  isUrl,
  readWsdlDocument,
  type LoadedWsdl,
  type ModelOptions,
  type Binding,
  type Port,
  type Service,
} from '../wsdl/index.js';
import { DEFAULT_MOCK_HOST } from './defaults.js';
import { MockBehaviour, type Answer, type MockState } from './behaviour.js';
import { MockError } from './errors.js';
import { readFacets } from './facets.js';
import { importMapper } from './imports.js';
import { rewriteAddresses, rewriteEndpointAddresses, routeOf, type PortRef } from './routes.js';
import { wsdl11Of, wsdl11PathBeside } from './wsdl20.js';
import { internalFailure, unansweredFault } from './unanswered.js';
import { DEFAULT_SAMPLE_SEED, SampleBuilder, type SoapValue } from './sample.js';
import {
  loadScript,
  parseScript,
  type FaultSpec,
  type ScriptedFifoRecord,
  type MockScript,
} from './script.js';

const trace = debuglog('aes-mock');

/** Largest request body accepted; a bigger one is answered 413 and the connection closed. */
export const MAX_REQUEST_BYTES = 16 * 1024 * 1024;
export const STATE_PATH = '/_aes/mock/state';
/** The WSDL and every local document it imports, at their paths relative to a common folder. */
export const WSDL_PATH = '/_aes/mock/wsdl/';

/** Local documents by URL path under `WSDL_PATH` (relative imports resolve among them). */
function documentsOf(files: readonly string[]): Map<string, string> {
  const local = files.filter((f) => !isUrl(f)).map((f) => path.resolve(f));
  const docs = new Map<string, string>();
  if (local.length === 0) return docs;
  let common = path.dirname(local[0] ?? '');
  while (!local.every((f) => f.startsWith(common + path.sep)) && path.dirname(common) !== common)
    common = path.dirname(common);
  for (const f of local) {
    const rel = path.relative(common, f).split(path.sep).map(encodeURIComponent).join('/');
    docs.set(`${WSDL_PATH}${rel}`, f);
  }
  return docs;
}

export interface MockOptions extends ModelOptions {
  /** @defaultValue DEFAULT_MOCK_HOST (loopback) */
  readonly host?: string;
  /** 0 picks a free port. @defaultValue 0 */
  readonly port?: number;
  /** Serve only this service. */
  readonly service?: string;
  /** Serve only this port (of every served service). */
  readonly portName?: string;
  /** Seed of the sample data and of `fail.share`. @defaultValue DEFAULT_SAMPLE_SEED */
  readonly seed?: number;
  /** A script file (JSON) or an already parsed script (validated like a file). */
  readonly script?: string | { readonly json: unknown; readonly label?: string };
}

export interface MockEndpoint {
  readonly service: string;
  readonly port: string;
  readonly soapVersion: '1.1' | '1.2';
  readonly url: string;
  /**
   * The WSDL with its addresses pointing at the mock, at `WSDL_PATH` beside the documents it imports
   * (`<url>?wsdl` serves the root document alone, enough for a self-contained WSDL).
   */
  readonly wsdlUrl: string;
  readonly operations: readonly string[];
}

interface ServedPort extends PortRef {
  readonly binding: Binding;
  readonly route: string;
}

function baseUrl(address: AddressInfo): string {
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}

function isLoopback(addr: string | undefined): boolean {
  return (
    addr === '127.0.0.1' ||
    addr === '::1' ||
    addr === '::ffff:127.0.0.1' ||
    (addr?.startsWith('127.') ?? false)
  );
}

/** What a node-soap service method throws to answer a fault: an error with a `Fault` member. */
class ScriptedFault extends Error {
  readonly Fault: Record<string, unknown>;
  constructor(spec: FaultSpec, version: '1.1' | '1.2') {
    super(spec.string);
    this.Fault = soapFault(spec, version).Fault;
  }
}

/** node-soap's fault object for `spec` in the envelope of `version`. */
function soapFault(spec: FaultSpec, version: '1.1' | '1.2'): { Fault: Record<string, unknown> } {
  const local = spec.code.includes(':') ? undefined : spec.code;
  const v11: Record<string, string> = { Sender: 'Client', Receiver: 'Server' };
  const v12: Record<string, string> = { Client: 'Sender', Server: 'Receiver' };
  const statusCode = spec.statusCode ?? 500;
  if (version === '1.1') {
    const code = local === undefined ? spec.code : `soap:${v11[local] ?? local}`;
    return {
      Fault: {
        faultcode: code,
        faultstring: spec.string,
        ...(spec.detail === undefined ? {} : { detail: spec.detail }),
        statusCode,
      },
    };
  }
  const code = local === undefined ? spec.code : `soap:${v12[local] ?? local}`;
  return {
    Fault: {
      Code: { Value: code },
      Reason: { Text: spec.string },
      ...(spec.detail === undefined ? {} : { Detail: spec.detail }),
      statusCode,
    },
  };
}

/** The root WSDL's text: a fetched one as the loader read it (one fetch, under its deadline). */
async function readRoot(loaded: LoadedWsdl): Promise<string> {
  const fetched = isUrl(loaded.root) ? loaded.sources.get(loaded.root) : undefined;
  return fetched ?? readFile(loaded.root, 'utf8');
}

/** A running mock. `close()` is idempotent; `await using` closes it too. */
export class MockServer {
  readonly url: string;
  readonly endpoints: readonly MockEndpoint[];
  readonly stateUrl: string;
  /** Ports not served (non-SOAP bindings) and other remarks. */
  readonly notes: readonly string[];
  /** Facets or constructs the sample data could not satisfy. */
  readonly warnings: readonly string[];
  readonly #server: http.Server;
  readonly #behaviour: MockBehaviour;
  #closing: Promise<void> | undefined;

  constructor(init: {
    url: string;
    endpoints: MockEndpoint[];
    notes: string[];
    warnings: string[];
    server: http.Server;
    behaviour: MockBehaviour;
  }) {
    this.url = init.url;
    this.endpoints = init.endpoints;
    this.stateUrl = `${init.url}${STATE_PATH}`;
    this.notes = init.notes;
    this.warnings = init.warnings;
    this.#server = init.server;
    this.#behaviour = init.behaviour;
  }

  /** What the mock saw so far (a copy). */
  state(): MockState {
    return this.#behaviour.state();
  }

  /** Appends records to the script's FIFO. */
  pushRecords(records: readonly ScriptedFifoRecord[]): void {
    this.#behaviour.pushRecords(records);
  }

  close(): Promise<void> {
    this.#closing ??= new Promise<void>((resolve) => {
      this.#behaviour.close();
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

function selectPorts(
  services: readonly Service[],
  bindings: ReadonlyMap<string, Binding>,
  options: MockOptions,
  notes: string[],
): ServedPort[] {
  if (services.length === 0)
    throw new MockError(
      'MOCK_UNSERVABLE',
      'nothing to serve: the WSDL declares no wsdl:service (node-soap serves ports of services)',
    );
  const chosen =
    options.service === undefined ? services : services.filter((s) => s.name === options.service);
  if (chosen.length === 0)
    throw new MockError(
      'MOCK_USAGE',
      `no service '${options.service ?? ''}' in the WSDL (it has: ${services.map((s) => s.name).join(', ') || 'none'})`,
    );
  const served: ServedPort[] = [];
  for (const svc of chosen) {
    const ports: Port[] =
      options.portName === undefined
        ? [...svc.ports]
        : svc.ports.filter((p) => p.name === options.portName);
    for (const port of ports) {
      const binding = bindings.get(port.binding);
      if (binding === undefined) {
        notes.push(`port ${svc.name}/${port.name} not served: its binding is not in the WSDL`);
      } else if (binding.soapVersion === undefined) {
        notes.push(
          `port ${svc.name}/${port.name} not served: binding '${binding.name}' is not SOAP (HTTP or MIME only)`,
        );
      } else
        served.push({
          service: svc.name,
          port: port.name,
          binding,
          route: routeOf({ service: svc.name, port: port.name }),
        });
    }
  }
  if (
    options.portName !== undefined &&
    !chosen.some((s) => s.ports.some((p) => p.name === options.portName))
  )
    throw new MockError(
      'MOCK_USAGE',
      `no port '${options.portName}' (ports: ${chosen.flatMap((s) => s.ports.map((p) => `${s.name}/${p.name}`)).join(', ')})`,
    );
  if (served.length === 0)
    throw new MockError(
      'MOCK_UNSERVABLE',
      `nothing to serve: no SOAP port${notes.length > 0 ? ` (${notes.join('; ')})` : ''}`,
    );
  return served;
}

/** Reads a request body up to `MAX_REQUEST_BYTES`; undefined when it was bigger. */
function readBody(req: http.IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      // Past the limit the rest is read and dropped, so the client gets its 413; a sender that
      // goes on far beyond it is cut off.
      if (size > 4 * MAX_REQUEST_BYTES) req.destroy();
      else if (size <= MAX_REQUEST_BYTES) chunks.push(chunk);
    });
    req.on('end', () =>
      resolve(size > MAX_REQUEST_BYTES ? undefined : Buffer.concat(chunks).toString('utf8')),
    );
    req.on('error', reject);
  });
}

/**
 * Starts a mock of the WSDL at `location` (file or URL). A WSDL 2.0 document is served through its
 * WSDL 1.1 equivalent (what `aes gen` writes beside its client); a WSDL without a SOAP port is
 * refused with `MOCK_UNSERVABLE`: node-soap serves SOAP 1.1/1.2 bindings only.
 */
export async function startMock(location: string, options: MockOptions = {}): Promise<MockServer> {
  const model = await readWsdlDocument(location, options);
  if (model.wsdl.version === 'xsd')
    throw new MockError(
      'MOCK_UNSERVABLE',
      `${model.loaded.root}: an XML Schema cannot be served: give the WSDL that uses it`,
    );
  const notes: string[] = [];
  const selected = selectPorts(model.wsdl.services, model.wsdl.bindings, options, notes);
  // node-soap's server reads WSDL 1.1: a WSDL 2.0 document is served through its equivalent.
  const original = await readRoot(model.loaded);
  const wsdl20 = model.wsdl.version === '2.0';
  const rootText = wsdl20 ? wsdl11Of(model) : original;
  // node-soap routes by the path of each port's address: give every port its own.
  const internal = rewriteAddresses(rootText, selected, (r) => `http://localhost${routeOf(r)}`);
  // A port declared in an imported WSDL keeps its address; node-soap matches it by that path.
  const internalPathOf = (p: ServedPort): string =>
    internal.found.has(`${p.service}/${p.port}`)
      ? p.route
      : new URL(
          model.wsdl.services
            .find((x) => x.name === p.service)
            ?.ports.find((x) => x.name === p.port)?.address ?? 'http://localhost/',
          'http://localhost/',
        ).pathname.replace(/\/$/, '');
  const ports = selected.filter((p) => {
    if (internal.found.has(`${p.service}/${p.port}`)) return true;
    const clash = selected.find((q) => q !== p && internalPathOf(q) === internalPathOf(p));
    if (clash !== undefined) {
      notes.push(
        `port ${p.service}/${p.port} not served: declared in an imported WSDL at the same address path as ${clash.service}/${clash.port}`,
      );
      return false;
    }
    return true;
  });
  const seed = options.seed ?? DEFAULT_SAMPLE_SEED;
  const samples = new SampleBuilder(model.schema, readFacets(model.loaded.schemas), { seed });
  const known = [...new Set(ports.flatMap((p) => [...p.binding.operations.keys()]))];
  const script: MockScript =
    options.script === undefined
      ? { operations: {} }
      : typeof options.script === 'string'
        ? await loadScript(options.script, known)
        : parseScript(options.script.json, options.script.label ?? '<script>', known);

  // Sample responses, cached per port and operation (they never change for one seed).
  const cache = new Map<string, SoapValue>();
  const sampleOf = (p: ServedPort, op: string): SoapValue => {
    const key = `${p.service}/${p.port}/${op}`;
    let v = cache.get(key);
    if (v === undefined) {
      const pt = model.wsdl.portTypes.get(p.binding.portType);
      const ptOp = pt?.operations.find((o) => o.name === op);
      const bop = p.binding.operations.get(op);
      const msg = ptOp?.output === undefined ? undefined : model.wsdl.messages.get(ptOp.output);
      v = samples.message(msg, bop?.style ?? 'document', bop?.output, ptOp?.output ?? '', `${key}`);
      cache.set(key, v);
    }
    return structuredClone(v);
  };
  // Build every sample now: problems show at start, and `warnings` is complete.
  for (const p of ports) for (const op of p.binding.operations.keys()) sampleOf(p, op);
  const first = ports[0];
  const behaviour = new MockBehaviour(
    script,
    (op) => {
      const p = ports.find((x) => x.binding.operations.has(op)) ?? first;
      return p === undefined ? {} : sampleOf(p, op);
    },
    seed,
  );

  const mapImport = await importMapper(
    options.map ?? {},
    options.catalog,
    options.allowNetwork === true,
    options.standardSchemas !== false,
  );
  const soapServers = new Map<'1.1' | '1.2', soap.Server>();
  for (const version of ['1.1', '1.2'] as const) {
    const mine = ports.filter((p) => p.binding.soapVersion === version);
    if (mine.length === 0) continue;
    const services: soap.IServices = {};
    for (const p of ports) {
      const svc = (services[p.service] ??= {});
      const handlers: Record<string, soap.ISoapServiceMethod> = {};
      for (const op of p.binding.operations.keys()) {
        handlers[op] = async (args: unknown) => {
          const answer: Answer = await behaviour.answer(op, args);
          if (answer.kind === 'fault')
            throw new ScriptedFault(answer.fault, p.binding.soapVersion ?? '1.1');
          return answer.body;
        };
      }
      svc[p.port] = handlers;
    }
    const server = await new Promise<soap.Server>((resolve, reject) => {
      soap.listen(null, {
        path: '/',
        services,
        xml: internal.text,
        uri: model.loaded.root,
        suppressStack: true,
        forceSoap12Headers: version === '1.2',
        wsdl_options: {
          overrideImportLocation: (loc: string) => mapImport(loc),
          // An import node-soap fetches itself (with allowNetwork) has the loader's deadline too.
          timeout: options.timeoutMs ?? DEFAULT_FETCH_TIMEOUT_MS,
        },
        // Called once the WSDL and its imports are read, with the server itself.
        callback: (err: unknown, ready: soap.Server) => {
          if (err !== null && err !== undefined) {
            reject(
              new MockError(
                'MOCK_UNSERVABLE',
                `node-soap cannot read ${model.loaded.root}: ${err instanceof Error ? err.message : JSON.stringify(err)}`,
                { cause: err },
              ),
            );
          } else resolve(ready);
        },
      });
    });
    soapServers.set(version, server);
  }

  const routes = new Map<string, ServedPort>();
  for (const p of ports) {
    const server = soapServers.get(p.binding.soapVersion ?? '1.1');
    const known = (
      server as unknown as
        | {
            wsdl?: {
              definitions?: { services?: Record<string, { ports?: Record<string, unknown> }> };
            };
          }
        | undefined
    )?.wsdl?.definitions?.services?.[p.service]?.ports?.[p.port];
    if (known === undefined) {
      notes.push(`port ${p.service}/${p.port} not served: node-soap does not see it in the WSDL`);
      continue;
    }
    routes.set(p.route, p);
  }
  if (routes.size === 0)
    throw new MockError('MOCK_UNSERVABLE', `nothing to serve: ${notes.join('; ')}`);

  const documents = documentsOf(model.loaded.files);
  const rootDocument = [...documents].find(([, f]) => f === path.resolve(model.loaded.root))?.[0];
  // A WSDL 2.0 root's WSDL 1.1 equivalent sits beside it, so its relative imports resolve.
  const wsdl11Document =
    wsdl20 && rootDocument !== undefined ? wsdl11PathBeside(rootDocument) : undefined;
  let url = '';
  const servedRoot = (): string =>
    rewriteAddresses(rootText, ports, (r) => `${url}${routeOf(r)}`).text;
  const servedDocument = (pathname: string): string | undefined => {
    if (pathname === wsdl11Document) return servedRoot();
    if (pathname !== rootDocument) return undefined;
    return wsdl20
      ? rewriteEndpointAddresses(original, ports, (r) => `${url}${routeOf(r)}`)
      : servedRoot();
  };
  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const u = new URL(req.url ?? '/', 'http://localhost');
    const pathname = u.pathname.replace(/\/$/, '') || '/';
    if (pathname === STATE_PATH && req.method === 'GET') {
      if (!isLoopback(req.socket.remoteAddress)) {
        res.writeHead(403).end('state is served to loopback clients only\n');
        return;
      }
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify(behaviour.state()));
      return;
    }
    const text = req.method === 'GET' ? servedDocument(u.pathname) : undefined;
    const file = req.method === 'GET' ? documents.get(u.pathname) : undefined;
    if (text !== undefined || file !== undefined) {
      const body = text ?? (await readFile(file ?? ''));
      res.writeHead(200, { 'content-type': 'application/xml' }).end(body);
      return;
    }
    const route = routes.get(pathname);
    if (route === undefined) {
      res
        .writeHead(404, { 'content-type': 'text/plain' })
        .end(`no SOAP port at ${pathname}; ports: ${[...routes.keys()].join(', ')}\n`);
      return;
    }
    if (req.method === 'GET' && u.search.toLowerCase().startsWith('?wsdl')) {
      // Self-contained WSDLs only: relative imports resolve against WSDL_PATH, not here.
      res.writeHead(200, { 'content-type': 'application/xml' }).end(servedRoot());
      return;
    }
    if (req.method !== 'POST') {
      res.writeHead(405, { allow: 'GET, POST' }).end();
      return;
    }
    const body = await readBody(req);
    if (body === undefined) {
      res
        .writeHead(413, { connection: 'close' })
        .end(`request larger than ${MAX_REQUEST_BYTES} bytes\n`);
      return;
    }
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
    // node-soap trusts SOAPAction; one it cannot resolve to exactly one operation would crash it.
    const action = headers['soapaction']?.replace(/^"|"$/g, '');
    if (action !== undefined) {
      const matches = [...route.binding.operations.values()].filter((o) => o.soapAction === action);
      if (matches.length !== 1) Reflect.deleteProperty(headers, 'soapaction');
    }
    const server = soapServers.get(route.binding.soapVersion ?? '1.1');
    if (server === undefined) {
      res.writeHead(500).end();
      return;
    }
    const out = await server.processRequest(body, {
      url: internalPathOf(route),
      method: 'POST',
      headers,
    });
    const answered = typeof out.body === 'string' ? out.body : String(out.body);
    const failure = internalFailure(out.statusCode, answered);
    if (failure !== undefined) {
      const version = route.binding.soapVersion ?? '1.1';
      const operations = [...route.binding.operations.keys()];
      const fault = unansweredFault(body, version, route.route, operations, failure);
      res.writeHead(fault.statusCode, { 'content-type': fault.contentType }).end(fault.body);
      return;
    }
    const contentType: unknown = out.headers['content-type'];
    res.writeHead(out.statusCode, {
      'content-type': typeof contentType === 'string' ? contentType : 'text/xml; charset=utf-8',
    });
    res.end(out.body);
  };
  const http_ = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      trace('request failed: %s', err instanceof Error ? err.message : String(err));
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`mock: ${err instanceof Error ? err.message : String(err)}\n`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    http_.once('error', (err) =>
      reject(
        new MockError(
          'MOCK_LISTEN',
          `cannot listen on ${options.host ?? DEFAULT_MOCK_HOST}:${options.port ?? 0}: ${err.message}`,
          { cause: err },
        ),
      ),
    );
    http_.listen(options.port ?? 0, options.host ?? DEFAULT_MOCK_HOST, () => resolve());
  });
  url = baseUrl(http_.address() as AddressInfo);
  const endpoints: MockEndpoint[] = [...routes.values()].map((p) => ({
    service: p.service,
    port: p.port,
    soapVersion: p.binding.soapVersion ?? '1.1',
    url: `${url}${p.route}`,
    wsdlUrl:
      rootDocument === undefined
        ? `${url}${p.route}?wsdl`
        : `${url}${wsdl11Document ?? rootDocument}`,
    operations: [...p.binding.operations.keys()],
  }));
  trace('serving %s at %s', model.loaded.root, url);
  return new MockServer({
    url,
    endpoints,
    notes,
    warnings: [...samples.warnings],
    server: http_,
    behaviour,
  });
}
