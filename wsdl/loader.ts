/**
 * Loads a WSDL (1.1 or 2.0) or XSD and every document it imports or includes, offline by default:
 * a remote location is read from the built-in catalog of standard schemas, else through a `--map`
 * mapping or an OASIS XML catalog, and from the network only when `allowNetwork` is set.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { debuglog } from 'node:util';
import { DEFAULT_FETCH_TIMEOUT_MS } from './defaults.js';
import {
  CodegenError,
  formatLocation,
  WsdlFetchTimeoutError,
  type SourceLocation,
} from './errors.js';
import { createLocationMapper, isUrl, type LocationMapper } from './location-map.js';
import { isBuiltinNs, isWsdl20Ns, isXsdNs, WSDL11_NS } from './namespaces.js';
import { standardSchemaDir } from './standard-catalog.js';
import { childrenNamed, decodeXml, locationOf, parseXml, type XmlElement } from './xml.js';

const trace = debuglog('aes-codegen');

/**
 * Told when a remote document is fetched, so that a caller can show that it waits (a server that
 * accepted the connection and is slow to answer). Each `fetchStarted` is followed by one
 * `fetchEnded` for the same URL, whether the fetch succeeded or not.
 */
export interface FetchListener {
  /** A fetch of `url` began. */
  fetchStarted?(url: string): void;
  /** The fetch of `url` ended: the document arrived, or the fetch failed or ran out of time. */
  fetchEnded?(url: string): void;
}

export interface LoadOptions {
  /** Remote URL (or URL prefix ending in `/`) to local path. */
  readonly map?: Readonly<Record<string, string>>;
  /** An OASIS XML catalog (`uri`, `system`, `rewriteURI`, `rewriteSystem` entries). */
  readonly catalog?: string;
  /**
   * Read the remote locations of well-known standard schemas (W3C, OASIS: `STANDARD_SCHEMAS`)
   * from the copies shipped in the package, before `map`, `catalog` and the network; false is
   * `--no-standard-schemas`. @defaultValue true
   */
  readonly standardSchemas?: boolean;
  /** Read remote documents over HTTP(S). Off by default. */
  readonly allowNetwork?: boolean;
  /** Deadline for each remote fetch. @defaultValue DEFAULT_FETCH_TIMEOUT_MS */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
  /** Told when each remote fetch starts and ends. */
  readonly fetchListener?: FetchListener;
}

/**
 * One `wsdl:import`/`include`, `xsd:import`, `xsd:include` or `xsd:redefine` that was followed:
 * the location as written and where it was read from. `aes endpoint create` copies the local
 * documents a WSDL reaches by relative locations; this is how it knows which those are.
 */
export interface DocumentReference {
  /** The referring document (absolute path or URL). */
  readonly from: string;
  /** The `location` / `schemaLocation` as written. */
  readonly location: string;
  /** Where it was read from: an absolute path or URL, after the catalog and `--map`. */
  readonly target: string;
  /** The referring element. */
  readonly at: SourceLocation;
}

/** One `xsd:schema` with the namespace it defines (chameleon includes take the includer's). */
export interface SchemaDocument {
  readonly el: XmlElement;
  readonly targetNamespace: string;
}

export interface LoadedWsdl {
  /** The root location as given, resolved (absolute path or URL). */
  readonly root: string;
  readonly version: '1.1' | '2.0' | 'xsd';
  /** WSDL `definitions`/`description` elements, root first. */
  readonly wsdls: readonly XmlElement[];
  readonly schemas: readonly SchemaDocument[];
  /** Every file read, in load order. */
  readonly files: readonly string[];
  /** Suspicious but readable input (e.g. an import whose document declares another namespace). */
  readonly warnings: readonly string[];
  /** The text of every document read, by location. */
  readonly sources: ReadonlyMap<string, string>;
  /** Every reference followed, in load order (one per referring element). */
  readonly references: readonly DocumentReference[];
}

async function readText(file: string, referrer: SourceLocation | undefined): Promise<string> {
  try {
    return decodeXml(await readFile(file));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new CodegenError(
      'WSDL_NOT_FOUND',
      referrer === undefined || referrer.file === file
        ? `cannot read '${file}' (${code ?? String(err)})`
        : `imported document '${file}' cannot be read (${code ?? String(err)})`,
      { ...(referrer === undefined ? {} : { location: referrer }), cause: err },
    );
  }
}

class Loader {
  readonly #options: LoadOptions;
  #mapper: LocationMapper = () => undefined;
  /** Copies in the built-in catalog live here (`standardSchemas` on). */
  readonly #standardDir = standardSchemaDir() + path.sep;
  readonly #texts = new Map<string, Promise<string>>();
  readonly #visited = new Set<string>();
  readonly wsdls: XmlElement[] = [];
  readonly schemas: SchemaDocument[] = [];
  readonly files: string[] = [];
  readonly warnings: string[] = [];
  readonly sources = new Map<string, string>();
  readonly references: DocumentReference[] = [];

  constructor(options: LoadOptions) {
    this.#options = options;
  }

  async init(): Promise<void> {
    this.#mapper = await createLocationMapper(this.#options, (file) => readText(file, { file }));
  }

  /** Resolves `ref` against `base` (a path or URL), through the mappings for remote URLs. */
  resolve(base: string | undefined, ref: string): string {
    let loc: string;
    if (isUrl(ref)) loc = ref;
    else if (base !== undefined && isUrl(base)) loc = new URL(ref, base).href;
    else loc = path.resolve(base === undefined ? process.cwd() : path.dirname(base), ref);
    if (loc.startsWith('file://')) return fileURLToPath(loc);
    if (isUrl(loc)) {
      const hit = this.#mapper(loc);
      if (hit !== undefined) return hit.startsWith('file://') ? fileURLToPath(hit) : hit;
    }
    return loc;
  }

  /** Records that `el` of `from` refers to `location`, read from `target`. */
  #refer(from: string, location: string, target: string, el: XmlElement): void {
    this.references.push({ from, location, target, at: locationOf(el) });
  }

  async read(loc: string, referrer: SourceLocation | undefined): Promise<XmlElement> {
    let text = this.#texts.get(loc);
    if (text === undefined) {
      text = isUrl(loc) ? this.#fetch(loc, referrer) : readText(loc, referrer);
      this.#texts.set(loc, text);
      this.files.push(loc);
    }
    const source = await text;
    this.sources.set(loc, source);
    return parseXml(source, loc);
  }

  async #fetch(url: string, referrer: SourceLocation | undefined): Promise<string> {
    const where = referrer === undefined ? {} : { location: referrer };
    if (this.#options.allowNetwork !== true) {
      throw new CodegenError(
        'WSDL_REMOTE_IMPORT',
        `remote document '${url}' is not read offline: map it to a local copy with --map ${url}=<path> (or a --catalog entry), or pass --allow-network (${this.#options.standardSchemas === false ? 'the built-in catalog of standard schemas is off' : 'the built-in catalog of standard schemas has no copy of it'})`,
        where,
      );
    }
    trace('fetch %s', url);
    const timeoutMs = this.#options.timeoutMs ?? DEFAULT_FETCH_TIMEOUT_MS;
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal =
      this.#options.signal === undefined
        ? timeout
        : AbortSignal.any([timeout, this.#options.signal]);
    const listener = this.#options.fetchListener;
    listener?.fetchStarted?.(url);
    try {
      const res = await fetch(url, { signal });
      if (!res.ok) throw new Error(`HTTP ${res.status} ${res.statusText}`);
      return decodeXml(new Uint8Array(await res.arrayBuffer()));
    } catch (err) {
      // The caller's own abort is not a timeout, even when the deadline passed since.
      if (timeout.aborted && this.#options.signal?.aborted !== true) {
        throw new WsdlFetchTimeoutError(url, timeoutMs, { ...where, cause: err });
      }
      throw new CodegenError(
        'WSDL_FETCH',
        `cannot fetch '${url}': ${err instanceof Error ? err.message : String(err)}`,
        {
          ...where,
          cause: err,
        },
      );
    } finally {
      listener?.fetchEnded?.(url);
    }
  }

  async loadWsdl(loc: string, referrer: SourceLocation | undefined): Promise<void> {
    if (this.#visited.has(loc)) return;
    this.#visited.add(loc);
    const root = await this.read(loc, referrer);
    if (isXsdNs(root.ns) && root.local === 'schema') {
      await this.loadSchemaElement(root, loc, undefined);
      return;
    }
    const wsdl11 = root.ns === WSDL11_NS && root.local === 'definitions';
    const wsdl20 = isWsdl20Ns(root.ns) && root.local === 'description';
    if (!wsdl11 && !wsdl20) {
      throw new CodegenError(
        'WSDL_INVALID',
        `root element {${root.ns}}${root.local} is neither a WSDL 1.1 definitions, a WSDL 2.0 description nor an xsd:schema`,
        { location: locationOf(root) },
      );
    }
    this.wsdls.push(root);
    for (const child of root.children) {
      if (child.ns !== root.ns) continue;
      if (child.local === 'import' || child.local === 'include') {
        const ref = child.attrs.get('location');
        if (ref === undefined) continue;
        const target = this.resolve(loc, ref);
        if (this.#skipBuiltin(target, child.attrs.get('namespace'))) continue;
        this.#refer(loc, ref, target, child);
        await this.loadWsdl(target, locationOf(child));
      } else if (child.local === 'types') {
        for (const schema of child.children) {
          if (!isXsdNs(schema.ns)) continue;
          if (schema.local === 'schema') await this.loadSchemaElement(schema, loc, undefined);
          else if (schema.local === 'import') await this.#loadTypesImport(schema, loc);
        }
      }
    }
  }

  /** An `xs:import` straight under `types`, as WSDL 2.0 allows (and some WSDL 1.1 writers do). */
  async #loadTypesImport(el: XmlElement, loc: string): Promise<void> {
    const ref = el.attrs.get('schemaLocation');
    if (ref === undefined) return;
    const target = this.resolve(loc, ref);
    if (this.#skipBuiltin(target, el.attrs.get('namespace'))) return;
    this.#refer(loc, ref, target, el);
    await this.#loadSchemaFile(target, locationOf(el), undefined, el.attrs.get('namespace'));
  }

  /**
   * An import of a built-in namespace (XML Schema, SOAP encoding, `xml:`) is satisfied without
   * reading it offline, unless the user mapped it to a file of their own: the generator knows
   * these namespaces by heart, also when the built-in catalog has a copy (`xml.xsd`).
   */
  #skipBuiltin(target: string, ns: string | undefined): boolean {
    if (ns === undefined || !isBuiltinNs(ns) || this.#options.allowNetwork === true) return false;
    return isUrl(target) || target.startsWith(this.#standardDir);
  }

  async loadSchemaElement(
    schema: XmlElement,
    loc: string,
    chameleonNs: string | undefined,
  ): Promise<void> {
    const declared = schema.attrs.get('targetNamespace');
    const tns = declared ?? chameleonNs ?? '';
    this.schemas.push({ el: schema, targetNamespace: tns });
    for (const child of childrenNamed(schema, schema.ns, 'import')) {
      const ref = child.attrs.get('schemaLocation');
      if (ref === undefined) continue;
      const target = this.resolve(loc, ref);
      if (this.#skipBuiltin(target, child.attrs.get('namespace'))) continue;
      this.#refer(loc, ref, target, child);
      await this.#loadSchemaFile(
        target,
        locationOf(child),
        undefined,
        child.attrs.get('namespace'),
      );
    }
    for (const child of [
      ...childrenNamed(schema, schema.ns, 'include'),
      ...childrenNamed(schema, schema.ns, 'redefine'),
    ]) {
      const ref = child.attrs.get('schemaLocation');
      if (ref === undefined) continue;
      const target = this.resolve(loc, ref);
      this.#refer(loc, ref, target, child);
      await this.#loadSchemaFile(target, locationOf(child), tns);
    }
  }

  async #loadSchemaFile(
    loc: string,
    referrer: SourceLocation,
    chameleonNs: string | undefined,
    expectedNs?: string,
  ): Promise<void> {
    const key = `${loc}#${chameleonNs ?? ''}`;
    if (this.#visited.has(key)) return;
    this.#visited.add(key);
    const root = await this.read(loc, referrer);
    if (!(isXsdNs(root.ns) && root.local === 'schema')) {
      // Some WSDLs import a WSDL through xsd:import; take its schemas.
      if (root.ns === WSDL11_NS && root.local === 'definitions') {
        await this.loadWsdl(loc, referrer);
        return;
      }
      throw new CodegenError('WSDL_INVALID', `imported document '${loc}' is not an xsd:schema`, {
        location: referrer,
      });
    }
    const declared = root.attrs.get('targetNamespace');
    if (expectedNs !== undefined && (declared ?? '') !== expectedNs) {
      this.warnings.push(
        `${formatLocation(referrer)}: xsd:import of namespace ${expectedNs} reads '${loc}', whose targetNamespace is ${declared ?? '(none)'}`,
      );
    }
    await this.loadSchemaElement(root, loc, declared === undefined ? chameleonNs : undefined);
  }
}

/** Reads `location` (a path or URL) and everything it imports. */
export async function loadWsdl(location: string, options: LoadOptions = {}): Promise<LoadedWsdl> {
  const loader = new Loader(options);
  await loader.init();
  const root = loader.resolve(undefined, location);
  await loader.loadWsdl(root, undefined);
  const first = loader.wsdls[0];
  const version = first === undefined ? 'xsd' : first.ns === WSDL11_NS ? '1.1' : '2.0';
  trace('loaded %s: %d files, %d schemas', root, loader.files.length, loader.schemas.length);
  return {
    root,
    version,
    wsdls: loader.wsdls,
    schemas: loader.schemas,
    files: loader.files,
    warnings: loader.warnings,
    sources: loader.sources,
    references: loader.references,
  };
}
