/**
 * The `aes` command tree as the completion scripts need it, read from the commander program that
 * runs the commands: each command's subcommands, options and positional arguments, and what kind
 * of value each option and argument takes. The scripts are made from this, so they list exactly
 * the commands and flags of the `aes` that printed them.
 */
import type { Argument, Command, Option } from 'commander';

/** What a shell offers for a value: file names, folder names, a fixed list, or nothing. */
export type CompletionValue =
  | { readonly kind: 'file' }
  | { readonly kind: 'dir' }
  | { readonly kind: 'choices'; readonly choices: readonly string[] }
  | { readonly kind: 'value' };

export interface CompletionOption {
  /** `--config`; absent for a short-only option. */
  readonly long?: string;
  /** `-c`. */
  readonly short?: string;
  readonly description: string;
  /** The value the option takes; absent for a flag. */
  readonly value?: CompletionValue;
}

export interface CompletionCommand {
  /** The words that run it: `['aes', 'endpoint', 'create']`. */
  readonly path: readonly string[];
  readonly description: string;
  readonly subcommands: readonly CompletionCommand[];
  readonly options: readonly CompletionOption[];
  /** The positional arguments' values, in order. */
  readonly arguments: readonly CompletionValue[];
  /** The last argument takes any number of words. */
  readonly variadic: boolean;
}

const FILE: CompletionValue = { kind: 'file' };
const DIR: CompletionValue = { kind: 'dir' };
const VALUE: CompletionValue = { kind: 'value' };

/**
 * The kind of value a placeholder (`<file|url...>`, `<dir>`, `<url=path>`) or an argument's name
 * (`wsdl`, `config`, `dir`) names. A pair such as `url=path` starts with something else than a
 * path, so it gets no file names.
 */
export function valueKindOf(placeholder: string, choices?: readonly string[]): CompletionValue {
  if (choices !== undefined && choices.length > 0) return { kind: 'choices', choices };
  const words = placeholder.toLowerCase();
  if (words.includes('=')) return VALUE;
  if (/\bdir\b/.test(words)) return DIR;
  if (/\b(file|path|wsdl|config)\b/.test(words)) return FILE;
  return VALUE;
}

function optionOf(option: Option): CompletionOption {
  const placeholder = /[<[]([^>\]]+)[>\]]/.exec(option.flags)?.[1];
  const takesValue = option.required || option.optional;
  return {
    ...(option.long === undefined ? {} : { long: option.long }),
    ...(option.short === undefined ? {} : { short: option.short }),
    description: oneLine(option.description),
    ...(takesValue ? { value: valueKindOf(placeholder ?? '', option.argChoices) } : {}),
  };
}

function argumentOf(argument: Argument): CompletionValue {
  return valueKindOf(argument.name(), argument.argChoices);
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** commander adds `-h, --help` to every command when it prints help; it is not in `options`. */
const HELP: CompletionOption = { long: '--help', short: '-h', description: 'display help' };

/**
 * `help [command]`, which commander answers for every command with subcommands without listing
 * it among them: its argument is one of those subcommands.
 */
function helpCommand(path: readonly string[], subcommands: readonly string[]): CompletionCommand {
  return {
    path: [...path, 'help'],
    description: 'display help for command',
    subcommands: [],
    options: [],
    arguments: [{ kind: 'choices', choices: subcommands }],
    variadic: false,
  };
}

/** `command` and everything under it. */
export function commandTree(command: Command, parent: readonly string[] = []): CompletionCommand {
  const path = [...parent, command.name()];
  const args = command.registeredArguments;
  const subcommands = command.commands.map((sub) => commandTree(sub, path));
  const names = command.commands.map((sub) => sub.name());
  return {
    path,
    description: oneLine(command.description()),
    subcommands: names.length === 0 ? [] : [...subcommands, helpCommand(path, names)],
    options: [...command.options.map(optionOf), HELP],
    arguments: args.map(argumentOf),
    variadic: args.at(-1)?.variadic === true,
  };
}

/** Every command of the tree, the root first, each before its subcommands. */
export function allCommands(root: CompletionCommand): CompletionCommand[] {
  return [root, ...root.subcommands.flatMap(allCommands)];
}

/** `text` as one single-quoted word for bash and zsh: `it's` becomes `'it'\''s'`. */
export function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** `text` as one single-quoted word for fish, where `\` and `'` are escaped inside the quotes. */
export function fishQuote(text: string): string {
  return `'${text.replace(/[\\']/g, (c) => `\\${c}`)}'`;
}

/** What a shell function prints for a value kind: `file`, `dir`, `value` or `choices a b`. */
export function kindWord(value: CompletionValue): string {
  return value.kind === 'choices' ? `choices ${value.choices.join(' ')}` : value.kind;
}

/**
 * A command's positional arguments as `case` labels (argument index → kind), in order; a variadic
 * last argument is `*`, which matches every later index once the earlier labels did not.
 */
export function argumentCases(
  command: CompletionCommand,
): { readonly index: string; readonly value: CompletionValue }[] {
  const last = command.arguments.length - 1;
  return command.arguments.map((value, i) => ({
    index: i === last && command.variadic ? '*' : String(i),
    value,
  }));
}
