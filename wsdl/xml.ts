/**
 * A small namespace-aware XML reader on `sax` that keeps the line and column of every element, so
 * errors in a WSDL can name `file:line` and the construct. The tree is read-only once built.
 */
import { TextDecoder } from 'node:util';
import sax from 'sax';
import { CodegenError } from './errors.js';

export interface XmlElement {
  /** Namespace URI of the element ('' when none). */
  readonly ns: string;
  readonly local: string;
  /** Unqualified attributes by local name; qualified ones as `{uri}local`. */
  readonly attrs: ReadonlyMap<string, string>;
  /** Namespace prefixes in scope ('' is the default namespace). */
  readonly scope: Readonly<Record<string, string>>;
  readonly children: XmlElement[];
  text: string;
  readonly file: string;
  readonly line: number;
  readonly column: number;
  /** Offsets of the element's text in the document: `<` of the start tag, after `>` of the end tag. */
  readonly start: number;
  end: number;
}

/**
 * Decodes an XML document's bytes: a byte-order mark (UTF-8, UTF-16) or the declared
 * `encoding="..."` decides, UTF-8 otherwise.
 */
export function decodeXml(bytes: Uint8Array): string {
  const b0 = bytes[0];
  const b1 = bytes[1];
  if (b0 === 0xff && b1 === 0xfe) return new TextDecoder('utf-16le').decode(bytes.subarray(2));
  if (b0 === 0xfe && b1 === 0xff) return new TextDecoder('utf-16be').decode(bytes.subarray(2));
  if (b0 === 0xef && b1 === 0xbb && bytes[2] === 0xbf)
    return new TextDecoder('utf-8').decode(bytes.subarray(3));
  const head = new TextDecoder('latin1').decode(bytes.subarray(0, 200));
  const declared = /^<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9._-]+)["']/.exec(head)?.[1];
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(declared ?? 'utf-8');
  } catch {
    decoder = new TextDecoder('utf-8');
  }
  return decoder.decode(bytes);
}

/** Parses `text` (the content of `file`) into an element tree; malformed XML is a `WSDL_XML` error. */
export function parseXml(text: string, file: string): XmlElement {
  const parser = sax.parser(true, { xmlns: true, position: true, trim: false });
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  let failure: CodegenError | undefined;
  parser.onerror = (err: Error) => {
    failure ??= new CodegenError('WSDL_XML', `malformed XML: ${err.message.split('\n')[0] ?? ''}`, {
      location: { file, line: parser.line + 1, column: parser.column + 1 },
    });
    // Stop at the first error: what follows is noise.
    throw failure;
  };
  parser.onopentag = (tag) => {
    const qtag = tag as sax.QualifiedTag;
    const attrs = new Map<string, string>();
    for (const attr of Object.values(qtag.attributes)) {
      if (attr.prefix === 'xmlns' || attr.name === 'xmlns') continue;
      attrs.set(attr.uri === '' ? attr.local : `{${attr.uri}}${attr.local}`, attr.value);
    }
    const el: XmlElement = {
      ns: qtag.uri,
      local: qtag.local,
      attrs,
      scope: qtag.ns,
      children: [],
      text: '',
      file,
      line: parser.line + 1,
      column: parser.column + 1,
      start: parser.startTagPosition - 1,
      end: parser.position,
    };
    const parent = stack[stack.length - 1];
    if (parent === undefined) root = el;
    else parent.children.push(el);
    stack.push(el);
  };
  parser.onclosetag = () => {
    const el = stack.pop();
    if (el !== undefined) el.end = parser.position;
  };
  const onText = (t: string): void => {
    const top = stack[stack.length - 1];
    if (top !== undefined) top.text += t;
  };
  parser.ontext = onText;
  parser.oncdata = onText;
  try {
    parser.write(text).close();
  } catch (err) {
    if (err instanceof CodegenError) throw err;
    throw new CodegenError('WSDL_XML', `malformed XML: ${String(err)}`, { location: { file } });
  }
  if (root === undefined) {
    throw new CodegenError('WSDL_XML', 'no root element', { location: { file } });
  }
  return root;
}

/** A QName attribute value resolved against the element's in-scope prefixes. */
export interface QName {
  readonly ns: string;
  readonly name: string;
}

export function qnameKey(q: QName): string {
  return `{${q.ns}}${q.name}`;
}

/**
 * An NCName or NMTOKEN attribute value (the `name` of a message, part, schema element, attribute
 * or type) as XSD reads it: those types have `whiteSpace="collapse"`, so `name="ResultCode "` is
 * the name `ResultCode`, which is also the only form that can be an element name on the wire.
 */
export function collapseWhitespace(value: string): string {
  return value.replace(/[\t\n\r ]+/g, ' ').trim();
}

/** The `name` attribute of `el`, whitespace collapsed (see {@link collapseWhitespace}). */
export function nameOf(el: XmlElement): string | undefined {
  const value = el.attrs.get('name');
  return value === undefined ? undefined : collapseWhitespace(value);
}

/** Resolves `prefix:local` in `el`'s scope; an undeclared prefix is a `WSDL_INVALID` error. */
export function resolveQName(el: XmlElement, value: string): QName {
  const trimmed = value.trim();
  const colon = trimmed.indexOf(':');
  const prefix = colon < 0 ? '' : trimmed.slice(0, colon);
  const name = colon < 0 ? trimmed : trimmed.slice(colon + 1);
  const ns = el.scope[prefix];
  if (ns === undefined) {
    if (prefix === '') return { ns: '', name };
    if (prefix === 'xml') return { ns: 'http://www.w3.org/XML/1998/namespace', name };
    throw new CodegenError(
      'WSDL_INVALID',
      `undeclared namespace prefix '${prefix}' in '${value}'`,
      {
        location: { file: el.file, line: el.line, column: el.column },
      },
    );
  }
  return { ns, name };
}

export function childrenNamed(
  el: XmlElement,
  ns: string | readonly string[],
  local: string,
): XmlElement[] {
  const nss = typeof ns === 'string' ? [ns] : ns;
  return el.children.filter((c) => c.local === local && nss.includes(c.ns));
}

export function locationOf(el: XmlElement): { file: string; line: number; column: number } {
  return { file: el.file, line: el.line, column: el.column };
}
