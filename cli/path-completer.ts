/**
 * Tab completion of file-system paths for the questions that take one (`aes endpoint create`'s WSDL),
 * in the shape `node:readline`'s `completer` option wants: the candidates, and the part of the line
 * they complete. Only the last path segment is completed, so that a double Tab lists names, not whole
 * paths, as a shell does; a folder ends with `/`; `~` is the home folder.
 */
import type { Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';

/** What `node:readline` does with a completer's answer: candidates, and the text they replace. */
export type CompleterResult = [candidates: string[], completeOn: string];

/** Where relative paths and `~` start from; both default to this process's. */
export interface PathCompleterOptions {
  /** @defaultValue `process.cwd()` */
  readonly cwd?: string;
  /** @defaultValue `os.homedir()` */
  readonly home?: string;
}

/** `path` with a leading `~` (alone or before `/`) as `home`, as a shell would expand it. */
export function expandHome(typed: string, home: string = homedir()): string {
  return typed === '~' || typed.startsWith('~/') ? home + typed.slice(1) : typed;
}

/** The folder `typed` (the text up to its last `/`) names, `~` expanded, from `cwd`. */
function folderOf(typed: string, cwd: string, home: string): string {
  const expanded = expandHome(typed, home);
  return path.resolve(cwd, expanded === '' ? '.' : expanded);
}

async function isFolder(folder: string, entry: Dirent): Promise<boolean> {
  if (entry.isDirectory()) return true;
  if (!entry.isSymbolicLink()) return false;
  try {
    return (await stat(path.join(folder, entry.name))).isDirectory();
  } catch {
    return false; // a dangling link is offered as a file
  }
}

/**
 * Completes the path `line` ends with (the text before the cursor; leading blanks are ignored).
 * Names starting with `.` are offered only when the segment typed starts with `.`. An unreadable
 * or missing folder has no candidates.
 */
export async function completePath(
  line: string,
  options: PathCompleterOptions = {},
): Promise<CompleterResult> {
  const typed = line.trimStart();
  if (typed === '~') return [['~/'], '~'];
  const slash = typed.lastIndexOf('/');
  const folderPart = typed.slice(0, slash + 1);
  const segment = typed.slice(slash + 1);
  const folder = folderOf(folderPart, options.cwd ?? process.cwd(), options.home ?? homedir());
  let entries: Dirent[];
  try {
    entries = await readdir(folder, { withFileTypes: true });
  } catch {
    return [[], segment];
  }
  const candidates: string[] = [];
  for (const entry of entries) {
    if (!entry.name.startsWith(segment)) continue;
    if (entry.name.startsWith('.') && !segment.startsWith('.')) continue;
    candidates.push((await isFolder(folder, entry)) ? `${entry.name}/` : entry.name);
  }
  return [candidates.sort(), segment];
}

/** `completePath` as a readline completer over `options`. */
export function pathCompleter(
  options: PathCompleterOptions = {},
): (line: string) => Promise<CompleterResult> {
  return (line) => completePath(line, options);
}
