/**
 * Reads WSDL 2.0 `description` elements into the {@link WsdlModel}: interfaces become port types
 * (with the operations and faults of every interface they extend), each input, output and fault
 * element a synthesised one-part message, SOAP bindings bindings of every interface operation
 * (`wsoap:action` as the SOAP action, `wsoap:version` as the SOAP version, 1.2 when absent), and
 * endpoints ports. Interfaces are resolved across all descriptions read, imported ones included.
 */
import { CodegenError } from './errors.js';
import { isWsdl20SoapNs } from './namespaces.js';
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
  BindingOperation,
  WsdlMessage,
  PortTypeOperation,
  SoapVersion,
} from './wsdl-model.js';
import { locationOf, qnameKey, resolveQName, type XmlElement } from './xml.js';

/** An interface as written: its own operations and faults, and the interfaces it extends. */
interface InterfaceDecl {
  readonly key: string;
  readonly el: XmlElement;
  readonly extends: readonly string[];
  readonly faults: ReadonlyMap<string, XmlElement>;
  readonly operations: readonly PortTypeOperation[];
}

/** A SOAP binding attribute (`wsoap:version`, `wsoap:action`, ...) in any WSDL 2.0 SOAP namespace. */
function soapAttr(el: XmlElement, local: string): string | undefined {
  for (const [k, v] of el.attrs) {
    const close = k.indexOf('}');
    if (k.startsWith('{') && k.slice(close + 1) === local && isWsdl20SoapNs(k.slice(1, close)))
      return v;
  }
  return undefined;
}

/**
 * The one-part message of an input, output or fault: its `element`, or no part for a `#none`,
 * `#any` or `#other` content model (kept in `content`).
 */
function messageOf(el: XmlElement, name: string, partName: string): WsdlMessage {
  const value = el.attrs.get('element')?.trim();
  const loc = locationOf(el);
  // WSDL 2.0 part 1, 2.5.2: without `element` the content model is #other (not XML).
  if (value === undefined || value === '#other') return { name, parts: [], loc, content: '#other' };
  if (value === '#none' || value === '#any') return { name, parts: [], loc, content: value };
  if (value.startsWith('#')) {
    throw new CodegenError(
      'WSDL_INVALID',
      `${el.local} element="${value}": the content tokens are #any, #none and #other`,
      { location: loc },
    );
  }
  return {
    name,
    parts: [{ name: partName, element: resolveQName(el, value), type: undefined }],
    loc,
  };
}

function readInterface(desc: XmlElement, iface: XmlElement, out: Collected): InterfaceDecl {
  const tns = desc.attrs.get('targetNamespace') ?? '';
  const key = (name: string): string => qnameKey({ ns: tns, name });
  const name = requireName(iface);
  const faults = new Map(own(iface, 'fault').map((f) => [requireName(f), f]));
  const message = (opName: string, dir: string, el: XmlElement | undefined): string | undefined => {
    if (el === undefined) return undefined;
    const k = key(`${name}#${opName}#${dir}`);
    out.messages.set(k, messageOf(el, `${opName}${dir}`, 'body'));
    return k;
  };
  const operations: PortTypeOperation[] = own(iface, 'operation').map((op) => {
    const opName = requireAttr(op, 'name');
    const pattern = op.attrs.get('pattern')?.trim();
    return {
      name: opName,
      doc: docOf(op),
      input: message(opName, 'Input', own(op, 'input')[0]),
      // In-only and robust-in-only operations answer nothing, whatever else they list.
      output: /\/(robust-)?in-only\/?$/.test(pattern ?? '')
        ? undefined
        : message(opName, 'Output', own(op, 'output')[0]),
      // Resolved once every interface is read: a fault may be declared by an extended interface.
      faults: [...own(op, 'outfault'), ...own(op, 'infault')].map((f) => ({
        name: resolveQName(f, requireAttr(f, 'ref')).name,
        message: refKey(f, 'ref'),
      })),
      loc: locationOf(op),
      ...(pattern === undefined ? {} : { pattern }),
    };
  });
  const extendsAttr = iface.attrs.get('extends');
  return {
    key: key(name),
    el: iface,
    extends:
      extendsAttr === undefined
        ? []
        : extendsAttr
            .split(/\s+/)
            .filter((s) => s !== '')
            .map((q) => qnameKey(resolveQName(iface, q))),
    faults,
    operations,
  };
}

/** `decl` and every interface it extends, nearest first, each once (cycles are tolerated). */
function lineage(decl: InterfaceDecl, all: ReadonlyMap<string, InterfaceDecl>): InterfaceDecl[] {
  const seen = new Set<string>();
  const out: InterfaceDecl[] = [];
  const visit = (d: InterfaceDecl): void => {
    if (seen.has(d.key)) return;
    seen.add(d.key);
    out.push(d);
    for (const k of d.extends) {
      const base = all.get(k);
      if (base === undefined) {
        throw new CodegenError('WSDL_UNKNOWN_REF', `interface '${d.key}' extends unknown ${k}`, {
          location: locationOf(d.el),
        });
      }
      visit(base);
    }
  };
  visit(decl);
  return out;
}

function nsOf(key: string): string {
  return key.slice(1, key.indexOf('}'));
}

/** Turns each interface into a port type: inherited operations appended, fault refs resolved. */
function finishInterfaces(decls: ReadonlyMap<string, InterfaceDecl>, out: Collected): void {
  for (const decl of decls.values()) {
    const family = lineage(decl, decls);
    const operations: PortTypeOperation[] = [];
    for (const d of family) {
      for (const op of d.operations)
        if (!operations.some((o) => o.name === op.name)) operations.push(op);
    }
    const resolved = operations.map((op) => ({
      ...op,
      faults: op.faults.map((f) => {
        const owner = family.find((d) => nsOf(d.key) === nsOf(f.message) && d.faults.has(f.name));
        const faultEl = owner?.faults.get(f.name);
        if (owner === undefined || faultEl === undefined) return f;
        const k = `${owner.key}#fault#${f.name}`;
        if (!out.messages.has(k)) {
          out.messages.set(k, messageOf(faultEl, f.name, 'detail'));
        }
        return { name: f.name, message: k };
      }),
    }));
    const name = decl.key.slice(decl.key.indexOf('}') + 1);
    out.portTypes.set(decl.key, { name, operations: resolved, doc: docOf(decl.el) });
  }
}

/** SOAP 1.1 and 1.2 over HTTP: the only SOAP protocols a WSDL 1.1 SOAP binding can say. */
function isHttpProtocol(protocol: string | undefined): boolean {
  return protocol === undefined || /\/bindings\/HTTP\/?$/i.test(protocol.trim());
}

/**
 * The interface of every binding that an endpoint uses, by binding key, from the endpoint's
 * service: a binding may leave `interface` out (a reusable binding), and then the service's holds.
 */
function serviceInterfaces(descriptions: readonly XmlElement[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const desc of descriptions) {
    for (const svc of own(desc, 'service')) {
      if (svc.attrs.get('interface') === undefined) continue;
      const iface = refKey(svc, 'interface');
      for (const e of own(svc, 'endpoint')) {
        const binding = refKey(e, 'binding');
        if (!out.has(binding)) out.set(binding, iface);
      }
    }
  }
  return out;
}

function readBinding(
  desc: XmlElement,
  b: XmlElement,
  out: Collected,
  fromServices: ReadonlyMap<string, string>,
): void {
  const tns = desc.attrs.get('targetNamespace') ?? '';
  const name = requireName(b);
  const type = b.attrs.get('type') ?? '';
  const soap = isWsdl20SoapNs(type) && isHttpProtocol(soapAttr(b, 'protocol'));
  const version = soapAttr(b, 'version')?.trim();
  const soapVersion: SoapVersion | undefined = !soap
    ? undefined
    : version === '1.1' || (version === undefined && /soap11\/?$/.test(type))
      ? '1.1'
      : '1.2';
  const key = qnameKey({ ns: tns, name });
  const portType =
    b.attrs.get('interface') === undefined ? (fromServices.get(key) ?? '') : refKey(b, 'interface');
  const explicit = new Map<string, string | undefined>();
  for (const op of own(b, 'operation'))
    explicit.set(resolveQName(op, requireAttr(op, 'ref')).name, soapAttr(op, 'action'));
  // Every operation of the interface is bound; `binding/operation` only adds its SOAP action.
  const operations = new Map<string, BindingOperation>();
  for (const op of out.portTypes.get(portType)?.operations ?? []) {
    operations.set(op.name, {
      name: op.name,
      style: 'document',
      use: 'literal',
      soapAction: explicit.get(op.name),
      input: NO_BODY_BINDING,
      output: NO_BODY_BINDING,
    });
  }
  out.bindings.set(key, {
    name,
    portType,
    soapVersion,
    operations,
    loc: locationOf(b),
  });
}

/** Reads every WSDL 2.0 description (root and imported) into `out`. */
export function readWsdl20(descriptions: readonly XmlElement[], out: Collected): void {
  const decls = new Map<string, InterfaceDecl>();
  for (const desc of descriptions) {
    for (const iface of own(desc, 'interface')) {
      const decl = readInterface(desc, iface, out);
      decls.set(decl.key, decl);
    }
  }
  finishInterfaces(decls, out);
  const fromServices = serviceInterfaces(descriptions);
  for (const desc of descriptions)
    for (const b of own(desc, 'binding')) readBinding(desc, b, out, fromServices);
  for (const desc of descriptions) {
    for (const svc of own(desc, 'service')) {
      out.services.push({
        name: requireAttr(svc, 'name'),
        doc: docOf(svc),
        ports: own(svc, 'endpoint').map((e) => ({
          name: requireAttr(e, 'name'),
          binding: refKey(e, 'binding'),
          address: e.attrs.get('address'),
          doc: docOf(e),
        })),
      });
    }
  }
}
