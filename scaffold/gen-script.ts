/**
 * The project's `gen` script (`aes gen --wsdl wsdl/*.wsdl --out generated`) regenerates the
 * clients of the WSDLs at the top of `wsdl/`. A WSDL that `aes endpoint create` copies one folder
 * down (its imports reach above its own folder: wsdl-copy.ts) is added to the script by name, so
 * that `npm run gen` regenerates it too. Only the script's text changes in package.json.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { PlannedFile } from './file-set.js';

/**
 * package.json with `wsdlPath` (relative to the project, `/` separators) added to its `gen`
 * script's `--wsdl` list; `undefined` when the script names it already, or is not an `aes gen
 * --wsdl` command (then the caller tells the user what to run).
 */
export async function genScriptNaming(
  project: string,
  wsdlPath: string,
): Promise<PlannedFile | undefined> {
  const file = path.join(project, 'package.json');
  if (!existsSync(file)) return undefined;
  const text = await readFile(file, 'utf8');
  let gen: unknown;
  try {
    gen = (JSON.parse(text) as { scripts?: Record<string, unknown> }).scripts?.gen;
  } catch {
    return undefined;
  }
  if (typeof gen !== 'string' || !/\baes gen\b.*\s--wsdl\s/.test(gen)) return undefined;
  if (gen.split(/\s+/).includes(wsdlPath)) return undefined;
  const literal = JSON.stringify(gen);
  if (text.split(literal).length !== 2) return undefined;
  const updated = gen.replace(/(\s--wsdl\s+)/, `$1${wsdlPath} `);
  return { path: file, text: text.replace(literal, JSON.stringify(updated)) };
}
