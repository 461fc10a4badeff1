/**
 * The Examples section at the end of every command's `--help`, as mature CLIs print it: what an
 * example does, then the command line. Each command module declares its own; the examples are
 * kept with the command so that a test can parse every one against the real command tree.
 */
import type { Command } from 'commander';

export interface Example {
  /** What the example does, shown as a `#` comment above it. */
  readonly does: string;
  /** The command line, starting with `aes`. */
  readonly line: string;
}

const EXAMPLES = new WeakMap<Command, readonly Example[]>();

/** Adds `examples` to the end of `command`'s help; returns `command`. */
export function addExamples(command: Command, examples: readonly Example[]): Command {
  const earlier = EXAMPLES.get(command);
  EXAMPLES.set(command, [...(earlier ?? []), ...examples]);
  // One section however often examples are added: it reads the list when help is printed.
  if (earlier === undefined) {
    command.addHelpText('after', () => formatExamples(EXAMPLES.get(command) ?? []));
  }
  return command;
}

/** The examples declared on `command` (none: an empty list). */
export function examplesOf(command: Command): readonly Example[] {
  return EXAMPLES.get(command) ?? [];
}

/** The help text's section: a blank line, `Examples:`, then each example. */
export function formatExamples(examples: readonly Example[]): string {
  const body = examples.map((e) => `  # ${e.does}\n  $ ${e.line}`).join('\n\n');
  return `\nExamples:\n${body}\n`;
}
