/**
 * A message captured from the real system (`--sample`), which the generated test checks the
 * endpoint's wiring against: what the test expects then comes from the system's data and the
 * user's statement about it, not from the paths the scaffold was given, so a wrong but type-valid
 * path fails it (docs/scaffolding.md, "Checking the wiring against a captured sample").
 *
 * - Outbound: a response of the pop operation, and `--sample-ids`, the ids of the records it holds,
 *   oldest first, as the source system shows them. The test reads the response through the
 *   endpoint's `recordsOf` (or `idsOf`) and expects those ids.
 * - Inbound: a request of the put operation that the target accepted, and `--sample-payload`, the
 *   document (the message body) it carried. The test puts that document through the endpoint and
 *   expects it where the captured request has it.
 *
 * Everything is checked before anything is written: the files are read, each must be a SOAP
 * envelope whose body holds the operation's element, and an inbound capture must hold the document.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { CodegenError, decodeXml, parseXml, type XmlElement } from '../wsdl/index.js';
import type { OperationShape } from '../codegen/internal.js';
import { ScaffoldError } from './errors.js';
import type { PlannedFile } from './file-set.js';

/** The sample flags of `aes endpoint create`. */
export interface SampleAnswers {
  /** A SOAP message captured from the system: a pop response (outbound), a put request (inbound). */
  readonly sample?: string;
  /** Outbound: the ids of the records in the sample, oldest first, comma-separated. */
  readonly sampleIds?: string;
  /** Inbound: a file holding the document the sample request carried (the message body). */
  readonly samplePayload?: string;
  /**
   * Outbound, with `sample`: a request of the popped operation captured from the source, the one
   * that removed the sample's first record.
   */
  readonly samplePopped?: string;
}

const SOAP_11 = 'http://schemas.xmlsoap.org/soap/envelope/';
const SOAP_12 = 'http://www.w3.org/2003/05/soap-envelope';

/** What the generated test needs of a sample. */
export interface EndpointSample {
  /** The copies in the project's `test/samples/`. */
  readonly files: readonly PlannedFile[];
  /** For the templates. */
  readonly data: {
    /** The capture, relative to the test file. */
    readonly file: string;
    /** The SOAP version of the captured envelope. */
    readonly soap: '1.1' | '1.2';
    /** Outbound: the ids expected, as a TypeScript literal. */
    readonly ids?: string;
    /** Inbound: the document's file, relative to the test file. */
    readonly payloadFile?: string;
    /** Inbound: the put operation's SOAP action ('' when none). */
    readonly soapAction?: string;
    /** Outbound: the captured popped request, if any. */
    readonly popped?:
      | {
          readonly file: string;
          readonly soap: '1.1' | '1.2';
          /** The popped operation's SOAP action ('' when none). */
          readonly soapAction: string;
        }
      | undefined;
  };
}

function usage(message: string): ScaffoldError {
  return new ScaffoldError('SCAFFOLD_USAGE', message);
}

/** `--sample-ids 1001,1002`: the ids, trimmed; refused when one is empty or repeated. */
export function parseSampleIds(text: string): string[] {
  const ids = text.split(',').map((s) => s.trim());
  if (ids.some((id) => id === '')) {
    throw usage(
      `--sample-ids '${text}' has an empty id: give the ids of the sample's records, oldest first, separated by commas`,
    );
  }
  const repeated = ids.find((id, i) => ids.indexOf(id) !== i);
  if (repeated !== undefined) {
    throw usage(`--sample-ids names '${repeated}' twice: a record id names one record`);
  }
  return ids;
}

/**
 * Refuses sample flags that do not fit the endpoint's kind or each other, before anything is
 * loaded.
 */
export function checkSampleAnswers(kind: 'outbound' | 'inbound', a: SampleAnswers): void {
  const needs = kind === 'outbound' ? '--sample-ids' : '--sample-payload';
  if (kind === 'outbound' && a.samplePayload !== undefined) {
    throw usage(
      '--sample-payload applies to an inbound endpoint; an outbound one takes --sample-ids (the ids of the records in --sample)',
    );
  }
  if (kind === 'inbound' && a.samplePopped !== undefined) {
    throw usage(
      '--sample-popped applies to an outbound endpoint (a popped request captured from the source)',
    );
  }
  if (a.sample === undefined && a.samplePopped !== undefined) {
    throw usage(
      '--sample-popped needs --sample and --sample-ids: the pop response whose first record it removed, and that record id',
    );
  }
  if (kind === 'inbound' && a.sampleIds !== undefined) {
    throw usage(
      '--sample-ids applies to an outbound endpoint; an inbound one takes --sample-payload (the document --sample carried)',
    );
  }
  const stated = kind === 'outbound' ? a.sampleIds : a.samplePayload;
  if (a.sample === undefined && stated !== undefined) {
    throw usage(
      `${needs} needs --sample: ${kind === 'outbound' ? 'a response of --pop captured from the source system' : 'a request of --put that the target system accepted'}`,
    );
  }
  if (a.sample !== undefined && stated === undefined) {
    throw usage(
      kind === 'outbound'
        ? '--sample needs --sample-ids: the ids of the records in it, oldest first, as the source system shows them'
        : '--sample needs --sample-payload: a file holding the document the captured request carried',
    );
  }
  if (a.sampleIds !== undefined) parseSampleIds(a.sampleIds);
}

async function readFlagFile(flag: string, file: string): Promise<Buffer> {
  if (!existsSync(path.resolve(file))) throw usage(`${flag}: no such file '${file}'`);
  try {
    return await readFile(path.resolve(file));
  } catch (err) {
    throw new ScaffoldError(
      'SCAFFOLD_SAMPLE',
      `${flag}: cannot read '${file}': ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}

function where(el: XmlElement): string {
  return `${el.file}:${el.line}`;
}

/**
 * The element the captured envelope's body holds, checked against the operation's message:
 * `direction` is `output` for a response, `input` for a request.
 */
function bodyElement(
  root: XmlElement,
  file: string,
  op: OperationShape,
  direction: 'input' | 'output',
  flag: string,
): { element: XmlElement; soap: '1.1' | '1.2' } {
  const what = direction === 'output' ? `a response of ${op.name}` : `a request of ${op.name}`;
  if (root.local !== 'Envelope' || (root.ns !== SOAP_11 && root.ns !== SOAP_12)) {
    throw new ScaffoldError(
      'SCAFFOLD_SAMPLE',
      `${flag} ${file}: the root element is <${root.local}>${root.ns === '' ? '' : ` in ${root.ns}`}, not a SOAP 1.1 or 1.2 <Envelope>: capture the whole message, ${what}`,
    );
  }
  const body = root.children.find((c) => c.local === 'Body' && c.ns === root.ns);
  const element = body?.children[0];
  if (body === undefined || element === undefined) {
    throw new ScaffoldError(
      'SCAFFOLD_SAMPLE',
      `${flag} ${file}: the envelope (${where(root)}) has no element in its Body: it should hold ${what}`,
    );
  }
  if (element.local === 'Fault' && element.ns === root.ns) {
    throw new ScaffoldError(
      'SCAFFOLD_SAMPLE',
      `${flag} ${file}: the body holds a SOAP Fault (${where(element)}), not ${what}`,
    );
  }
  const message = direction === 'output' ? op.outputMessage : op.inputMessage;
  const part = message?.parts[0];
  const expected =
    op.style === 'rpc'
      ? direction === 'input'
        ? op.name
        : undefined
      : message?.parts.length === 1
        ? part?.element?.name
        : undefined;
  if (expected !== undefined && element.local !== expected) {
    throw new ScaffoldError(
      'SCAFFOLD_SAMPLE',
      `${flag} ${file}: the body holds <${element.local}> (${where(element)}), not <${expected}>: it should be ${what}`,
    );
  }
  return { element, soap: root.ns === SOAP_11 ? '1.1' : '1.2' };
}

/** The capture's text as UTF-8, its XML declaration saying so. */
function asUtf8(text: string): string {
  return text.replace(/^(<\?xml[^>]*\bencoding\s*=\s*["'])[^"']*(["'])/, '$1UTF-8$2');
}

function parseCapture(text: string, file: string, flag: string): XmlElement {
  try {
    return parseXml(text, file);
  } catch (err) {
    // Its message names the file, line and column already: no second line for its cause.
    if (err instanceof CodegenError) {
      throw new ScaffoldError('SCAFFOLD_SAMPLE', `${flag} ${err.message}`);
    }
    throw err;
  }
}

/** Whether `text` is `document`: the same text, or JSON of the same value. */
export function holdsDocument(text: string, document: string): boolean {
  const a = text.trim();
  const b = document.trim();
  if (a === b) return true;
  try {
    return isDeepStrictEqual(JSON.parse(a), JSON.parse(b));
  } catch {
    return false;
  }
}

/** Whether `el` or an element inside it passes `test`. */
function anyElement(el: XmlElement, test: (el: XmlElement) => boolean): boolean {
  return test(el) || el.children.some((c) => anyElement(c, test));
}

/** A capture read and checked: its text, the element its body holds, its SOAP version. */
interface Capture {
  readonly text: string;
  readonly element: XmlElement;
  readonly soap: '1.1' | '1.2';
}

/** Reads `file` and checks it is a capture of `op`'s response (outbound) or request (inbound). */
async function readCapture(
  kind: 'outbound' | 'inbound',
  op: OperationShape,
  file: string,
  flag = '--sample',
): Promise<Capture> {
  const text = decodeXml(await readFlagFile(flag, file));
  const root = parseCapture(text, file, flag);
  return { text, ...bodyElement(root, file, op, kind === 'outbound' ? 'output' : 'input', flag) };
}

/**
 * Checks `file` as the `--sample` of an endpoint of `kind` whose pop (outbound) or put (inbound)
 * operation is `op`, as the flag is checked: throws the `ScaffoldError` that says what is wrong.
 */
export async function checkCapture(
  kind: 'outbound' | 'inbound',
  op: OperationShape,
  file: string,
): Promise<void> {
  await readCapture(kind, op, file);
}

/**
 * Reads and checks the sample of endpoint `name` (none without `--sample`), for the operation
 * it captures: pop (outbound) or put (inbound). `samples` is the project's `test/samples` folder.
 */
export async function readSample(
  a: SampleAnswers & { readonly kind: 'outbound' | 'inbound'; readonly name: string },
  op: OperationShape,
  samples: string,
  poppedOp?: OperationShape,
): Promise<EndpointSample | undefined> {
  if (a.sample === undefined) return undefined;
  checkSampleAnswers(a.kind, a);
  const { text, element, soap } = await readCapture(a.kind, op, a.sample);
  if (a.kind === 'outbound') {
    const file = `${a.name}.pop.xml`;
    const ids = parseSampleIds(a.sampleIds ?? '');
    const files: PlannedFile[] = [{ path: path.join(samples, file), text: asUtf8(text) }];
    let popped: EndpointSample['data']['popped'];
    if (a.samplePopped !== undefined && poppedOp !== undefined) {
      // A request, of the popped operation: read as an inbound capture is.
      const capture = await readCapture('inbound', poppedOp, a.samplePopped, '--sample-popped');
      const first = ids[0] ?? '';
      const holdsId = (el: XmlElement): boolean =>
        (el.children.length === 0 && el.text.trim() === first) ||
        [...el.attrs.values()].some((v) => v.trim() === first);
      if (!anyElement(capture.element, holdsId)) {
        throw new ScaffoldError(
          'SCAFFOLD_SAMPLE',
          `--sample-popped ${a.samplePopped}: the request holds the id '${first}' (the first of --sample-ids) nowhere; capture the ${poppedOp.name} request that removed that record`,
        );
      }
      const poppedFile = `${a.name}.popped.xml`;
      files.push({ path: path.join(samples, poppedFile), text: asUtf8(capture.text) });
      popped = { file: poppedFile, soap: capture.soap, soapAction: poppedOp.soapAction ?? '' };
    }
    return { files, data: { file, soap, ids: JSON.stringify(ids), popped } };
  }
  const payloadFile = a.samplePayload ?? '';
  const document = (await readFlagFile('--sample-payload', payloadFile))
    .toString('utf8')
    .replace(/^\uFEFF/, '');
  if (document.trim() === '') throw usage(`--sample-payload ${payloadFile}: the file is empty`);
  const holdsIt = (el: XmlElement): boolean =>
    el.children.length === 0 && holdsDocument(el.text, document);
  if (!anyElement(element, holdsIt)) {
    throw new ScaffoldError(
      'SCAFFOLD_SAMPLE',
      `--sample ${a.sample}: no element of the request holds the document of --sample-payload ${payloadFile}; capture a request that carried it, or give the document it carried`,
    );
  }
  const file = `${a.name}.put.xml`;
  const docFile = `${a.name}.payload${path.extname(payloadFile) || '.txt'}`;
  return {
    files: [
      { path: path.join(samples, file), text: asUtf8(text) },
      { path: path.join(samples, docFile), text: document },
    ],
    data: { file, soap, payloadFile: docFile, soapAction: op.soapAction ?? '' },
  };
}
