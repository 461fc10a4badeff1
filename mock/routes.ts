/**
 * Where each served port lives on the mock, and the root WSDL with its `soap:address` locations
 * pointed there: node-soap's server picks the binding of a request by the path of the port's
 * address, so every port gets a path of its own (`/<service>/<port>`).
 */

export interface PortRef {
  readonly service: string;
  readonly port: string;
}

export function routeOf(ref: PortRef): string {
  return `/${encodeURIComponent(ref.service)}/${encodeURIComponent(ref.port)}`;
}

const SERVICE_RE =
  /<((?:[\w.-]+:)?)service\b[^>]*?\bname\s*=\s*["']([^"']+)["'][^>]*>([\s\S]*?)<\/\1service\s*>/g;
const PORT_RE =
  /<((?:[\w.-]+:)?)(port|endpoint)\b([^>]*?)\bname\s*=\s*["']([^"']+)["']([^>]*?)>([\s\S]*?)<\/\1\2\s*>/g;
const ADDRESS_RE = /(<(?:[\w.-]+:)?address\b[^>]*?\blocation\s*=\s*)(["'])([^"']*)\2/;

function escapeAttr(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}

/**
 * Rewrites the address of each port in `ports` that the root document itself declares to
 * `urlFor(port)`; returns the text and the ports it found (`service/port` keys).
 */
export function rewriteAddresses(
  text: string,
  ports: readonly PortRef[],
  urlFor: (ref: PortRef) => string,
): { text: string; found: Set<string> } {
  const wanted = new Set(ports.map((p) => `${p.service}/${p.port}`));
  const found = new Set<string>();
  const out = text.replace(
    SERVICE_RE,
    (svcBlock: string, _p: string, service: string, body: string) => {
      const newBody = body.replace(
        PORT_RE,
        (portBlock: string, _pp: string, _tag: string, _a: string, port: string) => {
          const key = `${service}/${port}`;
          if (!wanted.has(key) || !ADDRESS_RE.test(portBlock)) return portBlock;
          found.add(key);
          return portBlock.replace(
            ADDRESS_RE,
            (_m: string, head: string, quote: string) =>
              `${head}${quote}${escapeAttr(urlFor({ service, port }))}${quote}`,
          );
        },
      );
      return svcBlock.replace(body, () => newBody);
    },
  );
  return { text: out, found };
}

const ENDPOINT_RE = /<((?:[\w.-]+:)?)endpoint\b([^>]*?)(\/?)>/g;
const NAME_ATTR_RE = /\bname\s*=\s*["']([^"']+)["']/;
const ADDRESS_ATTR_RE = /(\baddress\s*=\s*)(["'])[^"']*\2/;

/**
 * {@link rewriteAddresses} for a WSDL 2.0 document: the `address` attribute of each endpoint in
 * `ports` that the document itself declares becomes `urlFor(port)` (added when absent).
 */
export function rewriteEndpointAddresses(
  text: string,
  ports: readonly PortRef[],
  urlFor: (ref: PortRef) => string,
): string {
  const wanted = new Set(ports.map((p) => `${p.service}/${p.port}`));
  return text.replace(SERVICE_RE, (svcBlock: string, _p: string, service: string, body: string) => {
    const newBody = body.replace(
      ENDPOINT_RE,
      (tag: string, prefix: string, attrs: string, close: string) => {
        const port = NAME_ATTR_RE.exec(attrs)?.[1];
        if (port === undefined || !wanted.has(`${service}/${port}`)) return tag;
        const url = escapeAttr(urlFor({ service, port }));
        const newAttrs = ADDRESS_ATTR_RE.test(attrs)
          ? attrs.replace(
              ADDRESS_ATTR_RE,
              (_m: string, head: string, q: string) => `${head}${q}${url}${q}`,
            )
          : `${attrs} address="${url}"`;
        return `<${prefix}endpoint${newAttrs}${close}>`;
      },
    );
    return svcBlock.replace(body, () => newBody);
  });
}
