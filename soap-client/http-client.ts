/**
 * node-soap's HTTP client with a lean path for SOAP calls. node-soap sends every request through
 * axios (and follow-redirects), whose request pipeline costs several times what Node's own
 * `http.request` does: in an outbound endpoint of single-record mode, whose two calls a record are
 * most of its work, axios was the largest single share of the process's CPU. This client builds
 * each request exactly as node-soap does (`buildRequest`: headers, SOAPAction, MTOM, gzip, the
 * call's own options) and sends the common kind — a POST whose options Node's `http` covers, no
 * proxy in the environment — over Node's `http`/`https` with keep-alive; anything else (WSDL
 * fetches, streams, NTLM, response attachments, proxies, options it does not know, a redirect)
 * goes to node-soap's own path, unchanged.
 */
import { request as httpRequest, type Agent, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { brotliDecompress, gunzip, inflate } from 'node:zlib';
import { HttpClient, type IOptions } from 'soap';

/** The options node-soap's `buildRequest` makes that the lean path carries out itself. */
const LEAN_OPTIONS = new Set([
  'url',
  'method',
  'headers',
  'data',
  'transformResponse',
  'validateStatus',
  'timeout',
  'signal',
  'httpAgent',
  'httpsAgent',
  'decompress',
  'responseEncoding',
]);

/** Environment variables through which axios (proxy-from-env) sends requests to a proxy. */
const PROXY_VARIABLE = /^(?:npm_config_)?(?:https?_|all_)?proxy$/i;

/** What node-soap's `buildRequest` returns (axios request options). */
interface BuiltRequest {
  readonly url: string;
  readonly method: string;
  readonly headers: Record<string, string | number>;
  readonly data?: unknown;
  readonly validateStatus?: unknown;
  readonly timeout?: unknown;
  readonly signal?: AbortSignal;
  readonly httpAgent?: Agent;
  readonly httpsAgent?: Agent;
  readonly decompress?: boolean;
  readonly responseEncoding?: BufferEncoding;
  readonly [option: string]: unknown;
}

/** The response handed to node-soap: the fields of axios's that its client reads. */
interface LeanResponse {
  status: number;
  statusText: string;
  headers: IncomingMessage['headers'];
  data: unknown;
  config: BuiltRequest;
}

type Callback = (error: unknown, res?: unknown, body?: unknown) => unknown;
type RequestResult = ReturnType<HttpClient['request']>;

/** An error shaped as axios's for the same cause (node-soap and users read `code`). */
function requestError(message: string, code: string, config: BuiltRequest): Error {
  return Object.assign(new Error(message), { code, config });
}

function proxyConfigured(): boolean {
  return Object.entries(process.env).some(
    ([name, value]) => value !== undefined && value !== '' && PROXY_VARIABLE.test(name),
  );
}

function decoded(body: Buffer, encoding: string | undefined): Promise<Buffer> {
  const inflater =
    encoding === 'gzip' || encoding === 'x-gzip'
      ? gunzip
      : encoding === 'deflate'
        ? inflate
        : encoding === 'br'
          ? brotliDecompress
          : undefined;
  if (inflater === undefined) return Promise.resolve(body);
  return new Promise((resolve, reject) =>
    inflater(body, (err, out) => (err === null ? resolve(out) : reject(err))),
  );
}

/** node-soap's `HttpClient`, sending plain SOAP calls over Node's `http` (see the file comment). */
export class SoapHttpClient extends HttpClient {
  readonly #options: IOptions;
  /** Read once: enumerating the environment costs more than a whole lean call. */
  readonly #proxied = proxyConfigured();
  #leanCalls = 0;

  /** The environment's proxy variables are read here, when the client is created. */
  constructor(options: IOptions = {}) {
    super(options);
    this.#options = options;
  }

  /** Calls sent over the lean path so far (the rest went through node-soap's own). */
  get leanCalls(): number {
    return this.#leanCalls;
  }

  override request(
    rurl: string,
    data: unknown,
    callback: Callback,
    exheaders?: Record<string, unknown>,
    exoptions?: Record<string, unknown>,
  ): RequestResult {
    const built = this.#lean(rurl, data, exheaders, exoptions);
    if (built === undefined) return super.request(rurl, data, callback, exheaders, exoptions);
    this.#leanCalls += 1;
    const sent: Promise<unknown> = this.#send(built).then(
      (res): unknown => {
        if (res.status >= 300 && res.status < 400 && res.headers.location !== undefined) {
          // Followed as axios follows it (a POST turns into a GET on 301/302/303).
          return super.request(rurl, data, callback, exheaders, exoptions);
        }
        res.data = this.handleResponse(sent as unknown as RequestResult, res as never, res.data);
        callback(null, res, res.data);
        return res;
      },
      (err: unknown) => {
        callback(err);
        throw err;
      },
    );
    // node-soap's client ignores what `request` returns; a caller keeping it sees no rejection.
    sent.catch(() => undefined);
    return sent as unknown as RequestResult;
  }

  /** The request node-soap would make, when the lean path can make it; else `undefined`. */
  #lean(
    rurl: string,
    data: unknown,
    exheaders: Record<string, unknown> | undefined,
    exoptions: Record<string, unknown> | undefined,
  ): BuiltRequest | undefined {
    if (typeof data !== 'string' || data === '') return undefined;
    if (exoptions?.['ntlm'] === true) return undefined;
    const options = this.#options as Record<string, unknown>;
    if (options['parseResponseAttachments'] === true || options['parseReponseAttachments'] === true)
      return undefined;
    if (this.#proxied) return undefined;
    const built = this.buildRequest(rurl, data, exheaders, exoptions) as BuiltRequest | undefined;
    if (built === undefined || built.method !== 'POST' || built.validateStatus !== null)
      return undefined;
    if (!Object.keys(built).every((key) => LEAN_OPTIONS.has(key))) return undefined;
    if (typeof built.data !== 'string' && !Buffer.isBuffer(built.data)) return undefined;
    if (built.timeout !== undefined && typeof built.timeout !== 'number') return undefined;
    const protocol = new URL(built.url).protocol;
    if (protocol !== 'http:' && protocol !== 'https:') return undefined;
    return built;
  }

  #send(config: BuiltRequest): Promise<LeanResponse> {
    return new Promise<LeanResponse>((resolve, reject) => {
      const url = new URL(config.url);
      const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
      const agent = url.protocol === 'https:' ? config.httpsAgent : config.httpAgent;
      const timeoutMs = typeof config.timeout === 'number' ? config.timeout : 0;
      let timer: NodeJS.Timeout | undefined;
      const settle = (): void => {
        clearTimeout(timer);
        config.signal?.removeEventListener('abort', onAbort);
      };
      const fail = (err: Error): void => {
        settle();
        reject(err);
      };
      const req = send(url, {
        method: 'POST',
        headers: config.headers,
        ...(agent === undefined ? {} : { agent }),
      });
      const onAbort = (): void => {
        req.destroy(requestError('canceled', 'ERR_CANCELED', config));
      };
      if (timeoutMs > 0) {
        timer = setTimeout(() => {
          req.destroy(requestError(`timeout of ${timeoutMs}ms exceeded`, 'ECONNABORTED', config));
        }, timeoutMs);
      }
      if (config.signal?.aborted === true) onAbort();
      else config.signal?.addEventListener('abort', onAbort, { once: true });
      req.on('error', fail);
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', fail);
        res.on('end', () => {
          const encoding =
            config.decompress === false ? undefined : res.headers['content-encoding'];
          decoded(Buffer.concat(chunks), encoding).then((body) => {
            settle();
            resolve({
              status: res.statusCode ?? 0,
              statusText: res.statusMessage ?? '',
              headers: res.headers,
              data: body.toString(config.responseEncoding ?? 'utf8'),
              config,
            });
          }, fail);
        });
      });
      req.end(config.data as string | Buffer);
    });
  }
}
