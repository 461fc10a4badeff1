/** Reads WSDL 1.1 `definitions` and WSDL 2.0 `description` elements into the {@link WsdlModel}. */
import { CodegenError, type SourceLocation } from './errors.js';
import type { LoadedWsdl } from './loader.js';
import { SOAP11_BINDING_NS, SOAP12_BINDING_NS, WSDL11_NS } from './namespaces.js';
import { readWsdl20 } from './wsdl20-parse.js';
import {
  docOf,
  NO_BODY_BINDING,
  own,
  refKey,
  requireAttr,
  requireName,
  type Collected,
} from './wsdl-parse-util.js';
import type {
  BodyBinding,
  BindingOperation,
  MessagePart,
  PortTypeOperation,
  Service,
  SoapVersion,
  WsdlModel,
} from './wsdl-model.js';
import { collapseWhitespace, locationOf, qnameKey, resolveQName, type XmlElement } from './xml.js';

/** Which parts of a message `soap:body` carries, and which `soap:header` elements take. */
function bodyBinding(el: XmlElement | undefined): BodyBinding {
  if (el === undefined) return NO_BODY_BINDING;
  const body = el.children.find((c) => c.local === 'body' && c.ns !== WSDL11_NS);
  const parts = body?.attrs.get('parts');
  const headers = el.children
    .filter((c) => c.local === 'header' && c.ns !== WSDL11_NS)
    .flatMap((h) => {
      const message = h.attrs.get('message');
      const part = h.attrs.get('part');
      return message === undefined || part === undefined
        ? []
        : [{ message: qnameKey(resolveQName(h, message)), part: collapseWhitespace(part) }];
    });
  return {
    parts: parts === undefined ? undefined : parts.split(/\s+/).filter((p) => p !== ''),
    headers,
    use: body?.attrs.get('use') === 'encoded' ? 'encoded' : 'literal',
  };
}

function readWsdl11(def: XmlElement, out: Collected): void {
  const tns = def.attrs.get('targetNamespace') ?? '';
  const key = (name: string): string => qnameKey({ ns: tns, name });
  for (const msg of own(def, 'message')) {
    const name = requireName(msg);
    const parts: MessagePart[] = own(msg, 'part').map((p) => {
      const element = p.attrs.get('element');
      const type = p.attrs.get('type');
      return {
        name: requireName(p),
        element: element === undefined ? undefined : resolveQName(p, element),
        type: type === undefined ? undefined : resolveQName(p, type),
      };
    });
    out.messages.set(key(name), { name, parts, loc: locationOf(msg) });
  }
  for (const pt of own(def, 'portType')) {
    const name = requireName(pt);
    const operations: PortTypeOperation[] = own(pt, 'operation').map((op) => {
      const input = own(op, 'input')[0];
      const output = own(op, 'output')[0];
      return {
        name: requireAttr(op, 'name'),
        doc: docOf(op),
        input: input === undefined ? undefined : refKey(input, 'message'),
        output: output === undefined ? undefined : refKey(output, 'message'),
        faults: own(op, 'fault').map((f) => ({
          name: collapseWhitespace(f.attrs.get('name') ?? ''),
          message: refKey(f, 'message'),
        })),
        loc: locationOf(op),
      };
    });
    out.portTypes.set(key(name), { name, operations, doc: docOf(pt) });
  }
  for (const b of own(def, 'binding')) {
    const name = requireName(b);
    const soapBinding = b.children.find(
      (c) => c.local === 'binding' && (c.ns === SOAP11_BINDING_NS || c.ns === SOAP12_BINDING_NS),
    );
    const soapVersion: SoapVersion | undefined =
      soapBinding === undefined ? undefined : soapBinding.ns === SOAP12_BINDING_NS ? '1.2' : '1.1';
    const defaultStyle = soapBinding?.attrs.get('style') === 'rpc' ? 'rpc' : 'document';
    const operations = new Map<string, BindingOperation>();
    for (const op of own(b, 'operation')) {
      const opName = requireAttr(op, 'name');
      const soapOp = op.children.find((c) => c.local === 'operation' && c.ns !== WSDL11_NS);
      const input = own(op, 'input')[0];
      const body = input?.children.find((c) => c.local === 'body' && c.ns !== WSDL11_NS);
      const style = soapOp?.attrs.get('style');
      operations.set(opName, {
        name: opName,
        style: style === 'rpc' || style === 'document' ? style : defaultStyle,
        use: body?.attrs.get('use') === 'encoded' ? 'encoded' : 'literal',
        soapAction: soapOp?.attrs.get('soapAction'),
        input: bodyBinding(input),
        output: bodyBinding(own(op, 'output')[0]),
      });
    }
    out.bindings.set(key(name), {
      name,
      portType: refKey(b, 'type'),
      soapVersion,
      operations,
      loc: locationOf(b),
    });
  }
  for (const svc of own(def, 'service')) {
    out.services.push({
      name: requireAttr(svc, 'name'),
      doc: docOf(svc),
      ports: own(svc, 'port').map((p) => {
        const address = p.children.find((c) => c.local === 'address');
        return {
          name: requireAttr(p, 'name'),
          binding: refKey(p, 'binding'),
          address: address?.attrs.get('location'),
          doc: docOf(p),
        };
      }),
    });
  }
}

/**
 * Builds the service model and checks that every binding, port type and message reference resolves.
 * A dangling reference is an error in `strict` mode; otherwise it is reported in `warnings` and
 * the port (binding) or message is left out.
 */
export function readWsdlModel(
  loaded: LoadedWsdl,
  strict = false,
  warnings: string[] = [],
): WsdlModel {
  const out: Collected = {
    services: [],
    bindings: new Map(),
    portTypes: new Map(),
    messages: new Map(),
  };
  for (const def of loaded.wsdls) if (def.ns === WSDL11_NS) readWsdl11(def, out);
  readWsdl20(
    loaded.wsdls.filter((def) => def.ns !== WSDL11_NS),
    out,
  );
  const root = loaded.wsdls[0];
  const dangling = (what: string, key: string, loc: SourceLocation): boolean => {
    const err = new CodegenError('WSDL_UNKNOWN_REF', `unknown ${what} ${key}`, { location: loc });
    if (strict) throw err;
    if (!warnings.includes(err.message)) warnings.push(err.message);
    return false;
  };
  for (const pt of out.portTypes.values()) {
    for (const op of pt.operations) {
      for (const m of [op.input, op.output, ...op.faults.map((f) => f.message)]) {
        if (m !== undefined && !out.messages.has(m))
          dangling(`message in operation '${op.name}':`, m, op.loc);
      }
    }
  }
  for (const [key, b] of [...out.bindings]) {
    if (!out.portTypes.has(b.portType)) {
      dangling(`port type (interface) of binding '${b.name}':`, b.portType, b.loc);
      out.bindings.delete(key);
    }
  }
  const services: Service[] = out.services.map((svc) => ({
    ...svc,
    ports: svc.ports.filter(
      (port) =>
        out.bindings.has(port.binding) ||
        dangling(`binding of port '${port.name}':`, port.binding, { file: loaded.root }),
    ),
  }));
  return {
    version: loaded.version,
    targetNamespace: root?.attrs.get('targetNamespace') ?? '',
    doc: root === undefined ? undefined : docOf(root),
    services,
    bindings: out.bindings,
    portTypes: out.portTypes,
    messages: out.messages,
  };
}
