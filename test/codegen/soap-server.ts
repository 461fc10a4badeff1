/** Loopback SOAP servers for the codegen round trips: node-soap's server, or fixed replies. */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { listen, type IServices } from 'soap';
import { corpusDir } from './support.js';

export interface Served {
  readonly url: string;
  close(): Promise<void>;
}

export interface ServeOptions {
  /**
   * Pick the operation by the body's element, as rpc servers do, not by SOAPAction: node-soap's
   * server takes the first operation with a matching SOAPAction, and some WSDLs (SOAPBuilders
   * interop) give every operation the same one.
   */
  readonly ignoreSoapAction?: boolean;
}

async function open(server: Server, urlPath: string): Promise<Served> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${urlPath}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** node-soap's server for `wsdl` (a path, relative ones from the corpus) at `urlPath`. */
export async function serve(
  wsdl: string,
  urlPath: string,
  services: IServices,
  options: ServeOptions = {},
): Promise<Served> {
  const server = createServer((_req, res) => {
    res.statusCode = 404;
    res.end();
  });
  const served = await open(server, urlPath);
  const file = path.resolve(corpusDir(), wsdl);
  // `uri` lets node-soap resolve the WSDL's relative schema imports and includes.
  const soapServer = listen(server, {
    path: urlPath,
    services,
    xml: readFileSync(file, 'utf8'),
    uri: file,
  });
  if (options.ignoreSoapAction === true) {
    // Called for every request before node-soap reads it.
    soapServer.authorizeConnection = (req: IncomingMessage) => {
      delete req.headers.soapaction;
      return true;
    };
  }
  return served;
}

/** A server that answers every POST with `reply(requestBody)` as SOAP 1.1 XML. */
export async function serveReplies(
  urlPath: string,
  reply: (request: string) => string,
): Promise<Served> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      res.setHeader('Content-Type', 'text/xml; charset=utf-8');
      res.end(reply(Buffer.concat(chunks).toString('utf8')));
    });
  });
  return open(server, urlPath);
}
