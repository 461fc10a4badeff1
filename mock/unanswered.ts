/**
 * The fault for a request node-soap cannot answer. Given a well-formed envelope whose body names
 * no operation of the port, node-soap answers 500 with its internal TypeError (`Cannot read
 * properties of undefined …`: bare text on a SOAP 1.1 port, a Receiver fault's reason on a 1.2
 * one); the mock answers a Client/Sender fault instead, in the port's SOAP version, naming what
 * the body holds and the port's operations.
 */
import { parseXml, type XmlElement } from '../wsdl/index.js';

const ENVELOPES = {
  '1.1': 'http://schemas.xmlsoap.org/soap/envelope/',
  '1.2': 'http://www.w3.org/2003/05/soap-envelope',
} as const;

export interface UnansweredFault {
  readonly statusCode: number;
  readonly contentType: string;
  readonly body: string;
}

/**
 * node-soap's own failure to answer, as its message, or undefined for a real answer. It is a
 * bare internal error's text (SOAP 1.1 ports), or a fault whose reason is such an error, a
 * JavaScript `TypeError` (SOAP 1.2 ports); neither is ever what a script or the sample data said.
 */
export function internalFailure(statusCode: number, body: string): string | undefined {
  if (statusCode < 500) return undefined;
  if (!body.trimStart().startsWith('<')) return body.trim().split('\n')[0] ?? '';
  return /<soap:Text>(TypeError: [^<]*)<\/soap:Text>/.exec(body)?.[1]?.replace(/&apos;/g, "'");
}

/** A Client (1.1) / Sender (1.2) fault saying why the request got no answer. */
export function unansweredFault(
  request: string,
  version: '1.1' | '1.2',
  port: string,
  operations: readonly string[],
  reason: string,
): UnansweredFault {
  const holds = bodyElementOf(request);
  const text =
    `aes mock: no answer on port ${port}` +
    (holds === undefined ? '' : `: the request's body holds <${holds}>, which is no operation's`) +
    `; its operations: ${operations.join(', ')} (node-soap: ${reason})`;
  const ns = ENVELOPES[version];
  const fault =
    version === '1.1'
      ? `<soap:Fault><faultcode>soap:Client</faultcode><faultstring>${escapeXml(text)}</faultstring></soap:Fault>`
      : `<soap:Fault><soap:Code><soap:Value>soap:Sender</soap:Value></soap:Code><soap:Reason><soap:Text xml:lang="en">${escapeXml(text)}</soap:Text></soap:Reason></soap:Fault>`;
  return {
    statusCode: version === '1.1' ? 500 : 400,
    contentType:
      version === '1.1' ? 'text/xml; charset=utf-8' : 'application/soap+xml; charset=utf-8',
    body: `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="${ns}"><soap:Body>${fault}</soap:Body></soap:Envelope>`,
  };
}

/** The first element in the envelope's Body, as `{namespace}local` or `local`. */
function bodyElementOf(request: string): string | undefined {
  let envelope: XmlElement;
  try {
    envelope = parseXml(request, 'the request');
  } catch {
    return undefined;
  }
  const body = envelope.children.find((c) => c.local === 'Body');
  const first = body?.children[0];
  if (first === undefined) return undefined;
  return first.ns === '' ? first.local : `{${first.ns}}${first.local}`;
}

function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}
