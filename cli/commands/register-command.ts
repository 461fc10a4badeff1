/**
 * The shape of a command module's export, in a file of its own: every command module uses it
 * and `index.ts` imports every command module, so keeping it in `index.ts` made each command and
 * the list import each other.
 */
import type { Command } from 'commander';

/** A command module registers itself on the program; `setExitCode` reports its outcome. */
export type RegisterCommand = (program: Command, setExitCode: (code: number) => void) => void;
