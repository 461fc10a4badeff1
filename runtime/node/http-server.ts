/**
 * The node's HTTP surface: `/metrics` (Prometheus text from the node's registry), `/healthz`
 * (the process serves requests) and `/readyz` (every endpoint runs; 503 with the reasons
 * otherwise).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export interface HttpSurfaceHost {
  readonly registry: Registry;
  /** Empty when ready; else why not. */
  notReady(): string[];
}

export interface HttpSurface {
  readonly url: string;
  close(): Promise<void>;
}

export async function startHttpSurface(
  host: string,
  port: number,
  surface: HttpSurfaceHost,
): Promise<HttpSurface> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/metrics') {
      surface.registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': surface.registry.contentType }).end(text),
        (err: unknown) => res.writeHead(500).end(`${String(err)}\n`),
      );
      return;
    }
    if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
      return;
    }
    if (path === '/readyz') {
      const reasons = surface.notReady();
      res
        .writeHead(reasons.length === 0 ? 200 : 503, { 'content-type': 'application/json' })
        .end(`${JSON.stringify({ ready: reasons.length === 0, reasons })}\n`);
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${shown}:${address.port}`,
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
      return closing;
    },
  };
}
