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
