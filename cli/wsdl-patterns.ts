/**
 * `aes gen --wsdl` arguments as the shell may leave them: a pattern such as `wsdl/*.wsdl` that
 * matched nothing (sh passes it on as written), or any pattern at all (Windows' cmd expands
 * none). A path or URL that is not a pattern, or names an existing file, is kept as given; a
 * pattern (`*` and `?` in its last segment) is expanded here, in name order.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { isUrl } from '../wsdl/index.js';

export interface ExpandedWsdlArgs {
  /** The documents to read, patterns expanded. */
  readonly documents: readonly string[];
  /** Patterns that matched no file. */
  readonly unmatched: readonly string[];
}

function isPattern(arg: string): boolean {
  return /[*?]/.test(path.basename(arg)) && !/[*?]/.test(path.dirname(arg));
}

function patternRegExp(pattern: string): RegExp {
  const body = pattern
    .split('')
    .map((c) =>
      c === '*' ? '[^/\\\\]*' : c === '?' ? '[^/\\\\]' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&'),
    )
    .join('');
  return new RegExp(`^${body}$`);
}

export function expandWsdlArgs(args: readonly string[]): ExpandedWsdlArgs {
  const documents: string[] = [];
  const unmatched: string[] = [];
  for (const arg of args) {
    if (isUrl(arg) || !isPattern(arg) || existsSync(arg)) {
      documents.push(arg);
      continue;
    }
    const dir = path.dirname(arg);
    const match = patternRegExp(path.basename(arg));
    let names: string[] = [];
    try {
      names = readdirSync(dir, { withFileTypes: true })
        .filter((e) => e.isFile() && match.test(e.name))
        .map((e) => e.name)
        .sort();
    } catch {
      // No such folder: the pattern matches nothing.
    }
    if (names.length === 0) unmatched.push(arg);
    for (const name of names) documents.push(dir === '.' ? name : path.join(dir, name));
  }
  return { documents, unmatched };
}
