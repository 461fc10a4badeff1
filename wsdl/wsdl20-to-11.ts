/**
 * node-soap, the runtime under generated clients, reads WSDL 1.1 only. For a WSDL 2.0 document the
 * generator writes the WSDL 1.1 equivalent of its SOAP bindings (document/literal, the schemas
 * copied verbatim) for the client to load at run time.
 */
import path from 'node:path';
import type { LoadedWsdl } from './loader.js';
import {
  isWsdl20Ns,
  isXsdNs,
  SOAP11_BINDING_NS,
  SOAP12_BINDING_NS,
  WSDL11_NS,
} from './namespaces.js';
import type { WsdlModel } from './wsdl-model.js';
import type { XmlElement } from './xml.js';

function escapeAttr(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}

function isUrl(loc: string): boolean {
  return /^[a-z][a-z0-9+.-]+:\/\//i.test(loc);
}

function splitKey(key: string): { ns: string; name: string } {
  const close = key.indexOf('}');
  return { ns: key.slice(1, close), name: key.slice(close + 1) };
}

/** A schema element's text, made to stand alone: in-scope prefixes declared, locations re-based. */
function schemaText(el: XmlElement, source: string, folderAbs: string): string {
  let text = source.slice(el.start, el.end);
  const startTag = text.slice(0, text.indexOf('>'));
  const declarations = Object.entries(el.scope)
    .filter(([prefix]) => prefix !== 'xml')
    .filter(
      ([prefix]) => !new RegExp(`\\sxmlns${prefix === '' ? '' : `:${prefix}`}\\s*=`).test(startTag),
    )
    .map(([prefix, uri]) => ` xmlns${prefix === '' ? '' : `:${prefix}`}="${escapeAttr(uri)}"`)
    .join('');
  const nameEnd = /^<[^\s/>]+/.exec(text)?.[0].length ?? 0;
  text = text.slice(0, nameEnd) + declarations + text.slice(nameEnd);
  return text.replace(
    /(schemaLocation\s*=\s*)(["'])([^"']*)\2/g,
    (_m, attr: string, q: string, loc: string) => {
      if (isUrl(loc) || isUrl(el.file))
        return `${attr}${q}${isUrl(el.file) ? new URL(loc, el.file).href : loc}${q}`;
      const rel = path
        .relative(folderAbs, path.resolve(path.dirname(el.file), loc))
        .split(path.sep)
        .join('/');
      return `${attr}${q}${escapeAttr(rel)}${q}`;
    },
  );
}

/**
 * The WSDL 1.1 text of a WSDL 2.0 model's SOAP endpoints, or undefined when there are none.
 * `folderAbs` is where the file will live (relative schema locations are re-based on it).
 */
export function wsdl11Equivalent(
  model: WsdlModel,
  loaded: LoadedWsdl,
  folderAbs: string,
  banner: string,
): string | undefined {
  const prefixes = new Map<string, string>();
  const q = (key: string): string => {
    const { ns, name } = splitKey(key);
    let prefix = prefixes.get(ns);
    if (prefix === undefined) {
      prefix = `n${prefixes.size}`;
      prefixes.set(ns, prefix);
    }
    return `${prefix}:${name}`;
  };
  const messageName = (key: string): string => splitKey(key).name.replace(/[^A-Za-z0-9_.-]/g, '_');
  const body: string[] = [];
  const types = loaded.schemas
    .filter(
      (s) => loaded.wsdls.some((w) => isWsdl20Ns(w.ns) && w.file === s.el.file) && isXsdNs(s.el.ns),
    )
    .map((s) => schemaText(s.el, loaded.sources.get(s.el.file) ?? '', folderAbs));
  body.push(`  <types>\n    ${types.join('\n    ')}\n  </types>`);
  for (const [key, msg] of model.messages) {
    const parts = msg.parts
      .filter((p) => p.element !== undefined)
      .map(
        (p) =>
          `<part name="parameters" element="${q(`{${p.element?.ns ?? ''}}${p.element?.name ?? ''}`)}"/>`,
      );
    body.push(`  <message name="${escapeAttr(messageName(key))}">${parts.join('')}</message>`);
  }
  const messageRef = (key: string): string => q(`{${splitKey(key).ns}}${messageName(key)}`);
  for (const [key, pt] of model.portTypes) {
    const ops = pt.operations.map((op) =>
      [
        `    <operation name="${escapeAttr(op.name)}">`,
        op.input === undefined ? '' : `<input message="${messageRef(op.input)}"/>`,
        op.output === undefined ? '' : `<output message="${messageRef(op.output)}"/>`,
        ...op.faults.map(
          (f) => `<fault name="${escapeAttr(f.name)}" message="${messageRef(f.message)}"/>`,
        ),
        '</operation>',
      ].join(''),
    );
    body.push(
      `  <portType name="${escapeAttr(splitKey(key).name)}">\n${ops.join('\n')}\n  </portType>`,
    );
  }
  let soapPorts = 0;
  for (const [key, b] of model.bindings) {
    if (b.soapVersion === undefined) continue;
    const soap = b.soapVersion === '1.2' ? 'soap12' : 'soap';
    const pt = model.portTypes.get(b.portType);
    const ops = (pt?.operations ?? []).map((op) =>
      [
        `    <operation name="${escapeAttr(op.name)}"><${soap}:operation soapAction=""/>`,
        op.input === undefined ? '' : `<input><${soap}:body use="literal"/></input>`,
        op.output === undefined ? '' : `<output><${soap}:body use="literal"/></output>`,
        ...op.faults.map(
          (f) =>
            `<fault name="${escapeAttr(f.name)}"><${soap}:fault name="${escapeAttr(f.name)}" use="literal"/></fault>`,
        ),
        '</operation>',
      ].join(''),
    );
    body.push(
      `  <binding name="${escapeAttr(splitKey(key).name)}" type="${q(b.portType)}">\n    <${soap}:binding style="document" transport="http://schemas.xmlsoap.org/soap/http"/>\n${ops.join('\n')}\n  </binding>`,
    );
  }
  for (const svc of model.services) {
    const ports = svc.ports.flatMap((port) => {
      const b = model.bindings.get(port.binding);
      if (b?.soapVersion === undefined) return [];
      soapPorts += 1;
      const soap = b.soapVersion === '1.2' ? 'soap12' : 'soap';
      return [
        `    <port name="${escapeAttr(port.name)}" binding="${q(port.binding)}"><${soap}:address location="${escapeAttr(port.address ?? 'http://localhost/')}"/></port>`,
      ];
    });
    body.push(`  <service name="${escapeAttr(svc.name)}">\n${ports.join('\n')}\n  </service>`);
  }
  if (soapPorts === 0) return undefined;
  const xmlns = [...prefixes.entries()]
    .map(([ns, prefix]) => ` xmlns:${prefix}="${escapeAttr(ns)}"`)
    .join('');
  return [
    banner,
    `<definitions xmlns="${WSDL11_NS}" xmlns:soap="${SOAP11_BINDING_NS}" xmlns:soap12="${SOAP12_BINDING_NS}"${xmlns} targetNamespace="${escapeAttr(model.targetNamespace)}">`,
    ...body,
    '</definitions>',
    '',
  ].join('\n');
}
