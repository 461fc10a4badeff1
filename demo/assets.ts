/**
 * The files `aes demo` ships beside its code: the WSDLs of its source and target systems. They
 * live in the package's `demo/wsdl/` folder, which sits beside this module when it runs from
 * source (`demo/assets.ts`) and two levels up when it runs built (`dist/demo/assets.js`).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SOURCE_FILE = 'source-system.wsdl';
const TARGET_FILE = 'target-system.wsdl';

function wsdlDir(): string {
  const candidates = [
    fileURLToPath(new URL('./wsdl/', import.meta.url)),
    fileURLToPath(new URL('../../demo/wsdl/', import.meta.url)),
  ];
  // An installed package always has one (package.json `files` lists demo/); else name the first.
  return candidates.find((dir) => existsSync(join(dir, SOURCE_FILE))) ?? (candidates[0] as string);
}

/** The folder holding the demo's WSDLs. */
export const DEMO_WSDL_DIR = wsdlDir();
/** The source system: a FIFO served one record at a time (Pop / Popped / Build). */
export const DEMO_SOURCE_WSDL = join(DEMO_WSDL_DIR, SOURCE_FILE);
/** The target system: Put stores one record. */
export const DEMO_TARGET_WSDL = join(DEMO_WSDL_DIR, TARGET_FILE);
