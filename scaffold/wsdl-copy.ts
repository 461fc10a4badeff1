/**
 * Which documents `aes endpoint create` copies into a project with a local WSDL, and where they go.
 *
 * The copied WSDL is what the client is generated from and what node-soap reads at run time, so
 * every location it reaches must resolve from the copy exactly as from the original, without
 * rewriting a document: the documents reached by relative locations (`wsdl:import`, `xsd:import`,
 * `xsd:include`, `xsd:redefine`, transitively) keep their layout relative to one another, under
 * the folder that holds them all. That folder is the WSDL's own when nothing reaches above it, so
 * such a WSDL lands at the top of `wsdl/` as before; a WSDL including `../schema/x.xsd` lands one
 * folder down (`wsdl/<its folder>/x.wsdl` beside `wsdl/schema/x.xsd`).
 *
 * Not copied: remote locations (and the built-in catalog's copies of standard schemas, which answer
 * remote locations), which are read where they are at generation and run time alike, and absolute
 * paths, which resolve from anywhere.
 */
import path from 'node:path';
import { isUrl, type LoadedWsdl } from '../wsdl/index.js';

export interface CopiedDocument {
  /** Absolute path of the original. */
  readonly source: string;
  /** Where it goes, relative to the project's `wsdl/` folder, with `/` separators. */
  readonly target: string;
}

export interface WsdlCopy {
  /** The documents, the WSDL first, then in load order. */
  readonly documents: readonly CopiedDocument[];
  /** The WSDL's place, relative to the project's `wsdl/` folder, with `/` separators. */
  readonly wsdl: string;
}

/** A location written as a path relative to its document (not a URL, not absolute). */
function isRelativeLocation(location: string): boolean {
  return !isUrl(location) && !location.startsWith('file:') && !path.isAbsolute(location);
}

/** The deepest folder holding every one of `dirs` (absolute paths). */
function commonFolder(dirs: readonly string[]): string {
  const outside = (folder: string, dir: string): boolean => {
    const rel = path.relative(folder, dir);
    return rel === '..' || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel);
  };
  let common = dirs[0] ?? path.sep;
  for (const dir of dirs) {
    while (common !== path.dirname(common) && outside(common, dir)) common = path.dirname(common);
  }
  return common;
}

/**
 * The documents a local WSDL reaches by relative locations, and their places under `wsdl/`
 * keeping their layout. `loaded` is the WSDL loaded from its original place (so a missing
 * document was refused already, naming the referring document and line).
 */
export function planWsdlCopy(loaded: LoadedWsdl): WsdlCopy {
  const reached = new Set<string>([loaded.root]);
  const relative = loaded.references.filter((r) => isRelativeLocation(r.location));
  // Until nothing is added: a document first read through a remote one may be reached later.
  for (let size = 0; size !== reached.size;) {
    size = reached.size;
    for (const ref of relative) if (reached.has(ref.from)) reached.add(ref.target);
  }
  const files = [...reached];
  const root = commonFolder(files.map((f) => path.dirname(f)));
  const under = (file: string): string => path.relative(root, file).split(path.sep).join('/');
  return {
    documents: files.map((file) => ({ source: file, target: under(file) })),
    wsdl: under(loaded.root),
  };
}
