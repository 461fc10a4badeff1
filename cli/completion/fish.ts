/**
 * `aes completion fish`: fish completions made from the command tree, with descriptions. fish
 * completes an option's value itself (`-r`/`-x` with `-F` for paths, the folders, or the choices);
 * the helper functions only tell which command the line names.
 */
import {
  allCommands,
  argumentCases,
  fishQuote,
  type CompletionCommand,
  type CompletionOption,
  type CompletionValue,
} from './command-tree.js';

/** The `complete` flags that make fish offer a value of `value`. */
function valueFlags(value: CompletionValue): string {
  switch (value.kind) {
    case 'file':
      return '-r -F';
    case 'dir':
      return "-x -a '(__fish_complete_directories)'";
    case 'choices':
      return `-x -a ${fishQuote(value.choices.join(' '))}`;
    case 'value':
      return '-x';
  }
}

function optionLine(at: string, o: CompletionOption): string {
  const names = [
    ...(o.short === undefined ? [] : [`-s ${o.short.slice(1)}`]),
    ...(o.long === undefined ? [] : [`-l ${o.long.slice(2)}`]),
  ];
  const value = o.value === undefined ? '' : ` ${valueFlags(o.value)}`;
  return `complete -c aes -n ${at} ${names.join(' ')} -d ${fishQuote(o.description)}${value}`;
}

export function fishCompletion(root: CompletionCommand, version: string): string {
  const commands = allCommands(root);
  const key = (c: CompletionCommand): string => c.path.join(' ');
  const at = (c: CompletionCommand): string => fishQuote(`__aes_at ${fishQuote(key(c))}`);
  const subcommands = commands
    .filter((c) => c.subcommands.length > 0)
    .map(
      (c) =>
        `        case ${fishQuote(key(c))}\n            printf '%s\\n' ${c.subcommands.map((s) => fishQuote(s.path.at(-1) ?? '')).join(' ')}`,
    );
  const valued = commands.flatMap((c) =>
    c.options
      .filter((o) => o.value !== undefined)
      .flatMap((o) => [o.short, o.long].filter((f) => f !== undefined))
      .map((f) => fishQuote(`${key(c)}|${f}`)),
  );
  const lines: string[] = [];
  for (const c of commands) {
    for (const s of c.subcommands) {
      lines.push(
        `complete -c aes -n ${at(c)} -a ${fishQuote(s.path.at(-1) ?? '')} -d ${fishQuote(s.description)}`,
      );
    }
    for (const o of c.options) lines.push(optionLine(at(c), o));
    for (const a of argumentCases(c)) {
      if (a.value.kind === 'value') continue;
      const position = a.index === '*' ? `${c.arguments.length - 1} more` : a.index;
      const cond = fishQuote(`__aes_argument ${fishQuote(key(c))} ${position}`);
      const what =
        a.value.kind === 'file'
          ? '-F'
          : a.value.kind === 'dir'
            ? "-a '(__fish_complete_directories)'"
            : `-a ${fishQuote(a.value.choices.join(' '))}`;
      lines.push(`complete -c aes -n ${cond} ${what}`);
    }
  }
  return `# fish completion for aes ${version}, made by \`aes completion fish\` from its commands.
# Install: aes completion fish > ~/.config/fish/completions/aes.fish

# The subcommands of a command (its words joined by spaces), one a line.
function __aes_subcommands
    switch $argv[1]
${subcommands.join('\n')}
    end
end

# Whether an option (command|option) takes a value.
function __aes_takes_value
    switch "$argv[1]|$argv[2]"
        case ${valued.join(' ')}
            return 0
    end
    return 1
end

# The command the line names before the cursor, then how many positional arguments it was given.
function __aes_command
    set -l words (commandline -opc)
    set -e words[1]
    set -l cmd aes
    set -l n 0
    set -l skip 0
    for w in $words
        if test $skip -eq 1
            set skip 0
            continue
        end
        if string match -q -- '-*' $w
            if not string match -q -- '*=*' $w; and __aes_takes_value $cmd $w
                set skip 1
            end
            continue
        end
        if contains -- $w (__aes_subcommands $cmd)
            set cmd "$cmd $w"
            set n 0
        else
            set n (math $n + 1)
        end
    end
    printf '%s\\n' $cmd $n
end

# Whether the line names command $argv[1].
function __aes_at
    set -l state (__aes_command)
    test "$state[1]" = "$argv[1]"
end

# Whether the cursor is on positional argument $argv[2] of command $argv[1] ("N more": N or later).
function __aes_argument
    set -l state (__aes_command)
    test "$state[1]" = "$argv[1]"; or return 1
    string match -q -- '-*' (commandline -ct); and return 1
    if test (count $argv) -gt 2
        test $state[2] -ge $argv[2]
    else
        test $state[2] -eq $argv[2]
    end
end

complete -c aes -e
complete -c aes -f
${lines.join('\n')}
`;
}
