/** What the WSDL 1.1 and WSDL 2.0 readers share: the collected components and element helpers. */
import { CodegenError } from './errors.js';
import type { Binding, BodyBinding, PortType, Service, WsdlMessage } from './wsdl-model.js';
import { collapseWhitespace, locationOf, qnameKey, resolveQName, type XmlElement } from './xml.js';
import { docText } from './schema-parse.js';

/** The components read from every document, keyed `{namespace}name`. */
export interface Collected {
  services: Service[];
  bindings: Map<string, Binding>;
  portTypes: Map<string, PortType>;
  messages: Map<string, WsdlMessage>;
}

export const NO_BODY_BINDING: BodyBinding = { parts: undefined, headers: [], use: 'literal' };

export function docOf(el: XmlElement): string | undefined {
  return docText(el.children.find((c) => c.local === 'documentation' && c.ns === el.ns));
}

/** The children of `el` in its own namespace named `local`. */
export function own(el: XmlElement, local: string): XmlElement[] {
  return el.children.filter((c) => c.local === local && c.ns === el.ns);
}

export function requireAttr(el: XmlElement, name: string): string {
  const v = el.attrs.get(name);
  if (v === undefined) {
    throw new CodegenError('WSDL_INVALID', `${el.local} without '${name}' attribute`, {
      location: locationOf(el),
    });
  }
  return v;
}

/**
 * The `name` of a message, part, port type, binding or fault, whitespace collapsed as XSD reads an
 * NCName: a part named `ResultCode ` travels as `<ResultCode>`, and references to these names are
 * QNames, which are read trimmed. Operation, service and port names stay as written: node-soap keys
 * its client by them.
 */
export function requireName(el: XmlElement): string {
  return collapseWhitespace(requireAttr(el, 'name'));
}

/** The `{namespace}name` key of the QName in attribute `attr` (required). */
export function refKey(el: XmlElement, attr: string): string {
  return qnameKey(resolveQName(el, requireAttr(el, attr)));
}
