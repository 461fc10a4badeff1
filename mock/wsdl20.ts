/**
 * A WSDL 2.0 document as the mock serves it: node-soap's server reads WSDL 1.1, so it runs on the
 * document's WSDL 1.1 equivalent, the same text `aes gen` writes beside a WSDL 2.0 client.
 */
import path from 'node:path';
import { isUrl, wsdl11Equivalent, type WsdlDocumentModel } from '../wsdl/index.js';
import { MockError } from './errors.js';

/** The WSDL 1.1 equivalent of a WSDL 2.0 document, relative locations as seen from its folder. */
export function wsdl11Of(model: WsdlDocumentModel): string {
  const root = model.loaded.root;
  const text = wsdl11Equivalent(
    model.wsdl,
    model.loaded,
    isUrl(root) ? process.cwd() : path.dirname(root),
    `<!-- The WSDL 1.1 equivalent of ${path.basename(root).replace(/--/g, '- -')} (WSDL 2.0), which aes mock serves with node-soap -->`,
  );
  if (text === undefined)
    throw new MockError('MOCK_UNSERVABLE', `nothing to serve: ${root} has no SOAP endpoint`);
  return text;
}

/** Where the WSDL 1.1 equivalent of the root document at URL path `rootPath` is served. */
export function wsdl11PathBeside(rootPath: string): string {
  return `${rootPath.replace(/\.[^./]*$/, '')}.wsdl11.wsdl`;
}
