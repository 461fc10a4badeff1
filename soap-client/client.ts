/**
 * The runtime behind generated clients: creates node-soap's client for one service port with the
 * deserializers the generated types promise, and calls operations with deadlines, typed faults and
 * WS-Security.
 */
import { fileURLToPath } from 'node:url';
import {
  BasicAuthSecurity,
  BearerSecurity,
  createClientAsync,
  WSSecurity,
  type Client,
  type IOptions,
  type ISecurity,
} from 'soap';
import { coerce, type Coercion, type CoercionTable } from './coerce.js';
import { faultOf, SoapCallError, SoapFaultError } from './errors.js';
import { SoapHttpClient } from './http-client.js';
import { withStandardImports } from './standard-imports.js';
import { dropUndefinedAttributes } from './request.js';
import { LEXICAL_BUILTINS, NUMBER_BUILTINS } from './xsd-builtins.js';

/** Default deadline of one call. */
export const DEFAULT_CALL_TIMEOUT_MS = 60_000;

export type SecurityOptions =
  | {
      readonly kind: 'ws-security';
      readonly username: string;
      readonly password: string;
      /** @defaultValue 'PasswordText' */
      readonly passwordType?: 'PasswordText' | 'PasswordDigest';
      readonly hasTimeStamp?: boolean;
      readonly hasNonce?: boolean;
      readonly mustUnderstand?: boolean;
    }
  | { readonly kind: 'basic'; readonly username: string; readonly password: string }
  | { readonly kind: 'bearer'; readonly token: string }
  /** Any node-soap security object (certificates, NTLM, ...). */
  | { readonly kind: 'custom'; readonly security: ISecurity };

export interface SoapClientOptions {
  /** Endpoint URL instead of the WSDL's `soap:address`. */
  readonly endpoint?: string;
  /** Deadline of each call, unless the call sets its own. @defaultValue DEFAULT_CALL_TIMEOUT_MS */
  readonly timeoutMs?: number;
  readonly security?: SecurityOptions;
  /** HTTP headers sent with every call. */
  readonly httpHeaders?: Readonly<Record<string, string>>;
  /** Where node-soap reads the WSDL at run time. @defaultValue the file the client was generated from */
  readonly wsdl?: string | URL;
  /** Further node-soap options (they override the ones the generated client sets). */
  readonly soapOptions?: IOptions;
  /**
   * Read the standard schemas a WSDL imports by URL (W3C, OASIS: the catalog `aes gen` uses,
   * docs/codegen.md) from the package's copies instead of the network, as generation did; false
   * fetches them from their URLs. Locations outside the catalog go to `soapOptions.wsdl_options
   * .overrideImportLocation` when given. @defaultValue true
   */
  readonly standardSchemas?: boolean;
}

export interface CallOptions {
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
  /** HTTP headers for this call. */
  readonly httpHeaders?: Readonly<Record<string, string>>;
}

/**
 * How an operation is bound: `soap:binding style` and the output's `soap:body use`. `rpc`: an
 * operation without input parts is sent with `null` arguments, the one form node-soap writes
 * (with `{}` it refuses: "invalid message definition for rpc style binding"). `encoded`: the
 * result is decoded (see `BodyUse`).
 */
export type OperationBinding =
  'document/literal' | 'document/encoded' | 'rpc/literal' | 'rpc/encoded';

/** What a generated client knows of its port. */
export interface PortInfo {
  readonly wsdl: string | URL;
  readonly service: string;
  readonly port: string;
  readonly soapVersion: '1.1' | '1.2';
  /** Local names of schema simple types whose values arrive as numbers or booleans. */
  readonly deserializers: Readonly<Record<string, 'number' | 'boolean'>>;
  /** Named coercion specs the operations' output specs refer to. */
  readonly coercions?: CoercionTable;
}

function toNumber(text: string): number {
  if (text === 'INF') return Number.POSITIVE_INFINITY;
  if (text === '-INF') return Number.NEGATIVE_INFINITY;
  return Number(text);
}

function toBoolean(text: string): boolean {
  return text === 'true' || text === '1';
}

/** node-soap's `customDeserializer` matching the generated types (see docs/codegen.md). */
export function deserializers(
  extra: Readonly<Record<string, 'number' | 'boolean'>>,
): Record<string, (text: string) => unknown> {
  const out: Record<string, (text: string) => unknown> = {};
  for (const [name, kind] of Object.entries(extra))
    out[name] = kind === 'number' ? toNumber : toBoolean;
  for (const name of NUMBER_BUILTINS) out[name] = toNumber;
  // Bracket access: consumers may compile this source with noPropertyAccessFromIndexSignature.
  out['boolean'] = toBoolean;
  for (const name of LEXICAL_BUILTINS) out[name] = (text: string) => text;
  return out;
}

function securityOf(options: SecurityOptions): ISecurity {
  switch (options.kind) {
    case 'ws-security':
      return new WSSecurity(options.username, options.password, {
        passwordType: options.passwordType ?? 'PasswordText',
        ...(options.hasTimeStamp === undefined ? {} : { hasTimeStamp: options.hasTimeStamp }),
        ...(options.hasNonce === undefined ? {} : { hasNonce: options.hasNonce }),
        ...(options.mustUnderstand === undefined ? {} : { mustUnderstand: options.mustUnderstand }),
      });
    case 'basic':
      return new BasicAuthSecurity(options.username, options.password);
    case 'bearer':
      return new BearerSecurity(options.token);
    case 'custom':
      return options.security;
  }
}

/** Creates node-soap's client for `port`, configured by `options`. */
export async function createPortClient(
  port: PortInfo,
  options: SoapClientOptions = {},
): Promise<Client> {
  const wsdl = options.wsdl ?? port.wsdl;
  const location =
    wsdl instanceof URL ? (wsdl.protocol === 'file:' ? fileURLToPath(wsdl) : wsdl.href) : wsdl;
  let client: Client;
  try {
    const soapOptions: IOptions = {
      forceSoap12Headers: port.soapVersion === '1.2',
      handleNilAsNull: true,
      customDeserializer: deserializers(port.deserializers),
      ...options.soapOptions,
    };
    if (options.standardSchemas !== false) {
      soapOptions.wsdl_options = withStandardImports(soapOptions.wsdl_options);
    }
    // SOAP calls over Node's http unless the options bring an HTTP client of their own.
    if (soapOptions.httpClient === undefined && soapOptions.request === undefined)
      soapOptions.httpClient = new SoapHttpClient(soapOptions);
    client = await createClientAsync(location, soapOptions);
  } catch (err) {
    throw new SoapCallError(
      'SOAP_WSDL',
      `cannot load WSDL '${location}': ${err instanceof Error ? err.message : String(err)}`,
      err,
    );
  }
  if (options.endpoint !== undefined) client.setEndpoint(options.endpoint);
  if (options.security !== undefined) client.setSecurity(securityOf(options.security));
  for (const [k, v] of Object.entries(options.httpHeaders ?? {})) client.addHttpHeader(k, v);
  return client;
}

type Callback = (err: unknown, result: unknown) => void;
type PortMethod = (
  args: unknown,
  cb: Callback,
  options: Record<string, unknown>,
  headers: Record<string, string>,
) => void;

function member(obj: unknown, name: string): unknown {
  return typeof obj === 'object' && obj !== null
    ? (obj as Record<string, unknown>)[name]
    : undefined;
}

/** Base class of every generated client: one service port of one WSDL. */
export abstract class GeneratedSoapClient {
  /** node-soap's client, for what the generated methods do not cover (headers, events, last request). */
  readonly soapClient: Client;
  readonly #port: PortInfo;
  readonly #timeoutMs: number;

  protected constructor(soapClient: Client, port: PortInfo, options: SoapClientOptions) {
    this.soapClient = soapClient;
    this.#port = port;
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
  }

  /**
   * Calls `operation` with `input` and resolves to node-soap's parsed result, with numbers and
   * booleans converted where `output` (and for a fault's detail, `faultDetail`) says, as
   * `binding` requires.
   */
  protected async invokeOperation(
    operation: string,
    input: unknown,
    options: CallOptions = {},
    output?: Coercion,
    faultDetail?: Coercion,
    binding: OperationBinding = 'document/literal',
  ): Promise<unknown> {
    const table = this.#port.coercions ?? {};
    let result: unknown;
    try {
      result = await this.#call(operation, input, options, binding.startsWith('rpc/'));
    } catch (err) {
      if (err instanceof SoapFaultError && faultDetail !== undefined) {
        const fault = { ...err.fault, detail: coerce(err.fault.detail, faultDetail, table) };
        throw new SoapFaultError(operation, fault, err.statusCode, err.cause);
      }
      throw err;
    }
    // node-soap parses an empty response element (`<PopResponse/>`) as null: its declared type
    // is an object with none of its fields, which is `{}`.
    return coerce(
      result ?? {},
      output,
      table,
      binding.endsWith('/encoded') ? 'encoded' : 'literal',
    );
  }

  #call(operation: string, input: unknown, options: CallOptions, rpc: boolean): Promise<unknown> {
    const method = member(
      member(member(this.soapClient, this.#port.service), this.#port.port),
      operation,
    );
    if (typeof method !== 'function') {
      return Promise.reject(
        new SoapCallError(
          'SOAP_WSDL',
          `node-soap has no operation ${this.#port.service}.${this.#port.port}.${operation}`,
        ),
      );
    }
    const call = method as PortMethod;
    const timeoutMs = options.timeoutMs ?? this.#timeoutMs;
    const controller = new AbortController();
    const args = dropUndefinedAttributes(input ?? {});
    const noParts = typeof args === 'object' && args !== null && Object.keys(args).length === 0;
    return new Promise<unknown>((resolve, reject) => {
      let settled = false;
      const finish = (fn: () => void): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        fn();
      };
      const timer = setTimeout(() => {
        controller.abort();
        finish(() =>
          reject(
            new SoapCallError('SOAP_TIMEOUT', `${operation}: no response within ${timeoutMs} ms`),
          ),
        );
      }, timeoutMs);
      const onAbort = (): void => {
        controller.abort();
        finish(() =>
          reject(
            new SoapCallError('SOAP_ABORTED', `${operation}: aborted`, options.signal?.reason),
          ),
        );
      };
      if (options.signal?.aborted === true) {
        onAbort();
        return;
      }
      options.signal?.addEventListener('abort', onAbort, { once: true });
      try {
        call.call(
          member(member(this.soapClient, this.#port.service), this.#port.port),
          rpc && noParts ? null : args,
          (err, result) => {
            if (err === null || err === undefined) {
              finish(() => resolve(result));
              return;
            }
            const fault = faultOf(err);
            finish(() =>
              reject(
                fault === undefined
                  ? new SoapCallError(
                      'SOAP_TRANSPORT',
                      `${operation}: ${err instanceof Error ? err.message : JSON.stringify(err)}`,
                      err,
                    )
                  : new SoapFaultError(operation, fault.fault, fault.statusCode, err),
              ),
            );
          },
          { timeout: timeoutMs, signal: controller.signal },
          { ...options.httpHeaders },
        );
      } catch (err) {
        // node-soap refused the request before sending it (input its WSDL cannot encode).
        controller.abort();
        finish(() =>
          reject(
            new SoapCallError(
              'SOAP_REQUEST',
              `${operation}: cannot build the request: ${err instanceof Error ? err.message : String(err)}`,
              err,
            ),
          ),
        );
      }
    });
  }
}
