/**
 * `aes completion bash`: a bash completion script made from the command tree. Subcommands and
 * options are completed by command; an option or argument that takes a path completes file (or
 * folder) names, one with choices its choices. `--opt=value` is understood (bash splits it at `=`).
 */
import {
  allCommands,
  argumentCases,
  kindWord,
  shellQuote,
  type CompletionCommand,
} from './command-tree.js';

function caseLine(label: string, output: string): string {
  return `    ${shellQuote(label)}) echo ${shellQuote(output)} ;;`;
}

export function bashCompletion(root: CompletionCommand, version: string): string {
  const commands = allCommands(root);
  const key = (c: CompletionCommand): string => c.path.join(' ');
  const subcommands = commands
    .filter((c) => c.subcommands.length > 0)
    .map((c) => caseLine(key(c), c.subcommands.map((s) => s.path.at(-1)).join(' ')));
  const options = commands.map((c) =>
    caseLine(
      key(c),
      c.options.flatMap((o) => [o.short, o.long].filter((f) => f !== undefined)).join(' '),
    ),
  );
  const values = commands.flatMap((c) =>
    c.options.flatMap((o) =>
      o.value === undefined
        ? []
        : [o.short, o.long]
            .filter((f) => f !== undefined)
            .map((f) => caseLine(`${key(c)}|${f}`, kindWord(o.value ?? { kind: 'value' }))),
    ),
  );
  const args = commands.flatMap((c) =>
    argumentCases(c).map(
      (a) => `    ${shellQuote(`${key(c)}|`)}${a.index}) echo ${shellQuote(kindWord(a.value))} ;;`,
    ),
  );
  return `# bash completion for aes ${version}, made by \`aes completion bash\` from its commands.
# Install: aes completion bash > /etc/bash_completion.d/aes
#      or: echo 'source <(aes completion bash)' >> ~/.bashrc

# The subcommands of a command (its words joined by spaces).
_aes_subcommands() {
  case $1 in
${subcommands.join('\n')}
  esac
}

# The options of a command.
_aes_options() {
  case $1 in
${options.join('\n')}
  esac
}

# What the option $2 of command $1 takes: file, dir, value or "choices a b"; nothing for a flag.
_aes_option_value() {
  case "$1|$2" in
${values.join('\n')}
  esac
}

# What the positional argument number $2 (from 0) of command $1 takes.
_aes_argument() {
  case "$1|$2" in
${args.join('\n')}
  esac
}

# COMPREPLY for a value of kind $1 (as _aes_option_value prints it) starting with $2.
_aes_complete_value() {
  case $1 in
    file) compopt -o filenames 2>/dev/null; mapfile -t COMPREPLY < <(compgen -f -- "$2") ;;
    dir) compopt -o filenames 2>/dev/null; mapfile -t COMPREPLY < <(compgen -d -- "$2") ;;
    choices\\ *) mapfile -t COMPREPLY < <(compgen -W "\${1#choices }" -- "$2") ;;
  esac
}

_aes() {
  local cur=\${COMP_WORDS[COMP_CWORD]} cmd=aes n=0 i w kind prev
  COMPREPLY=()
  # The command the words so far name, and how many positional arguments it has been given.
  for ((i = 1; i < COMP_CWORD; i++)); do
    w=\${COMP_WORDS[i]}
    if [[ $w == -* ]]; then
      if [[ -n $(_aes_option_value "$cmd" "$w") ]]; then
        # Its value: the next word, or the one after a "=" (--opt=value).
        if [[ \${COMP_WORDS[i + 1]} == = ]]; then ((i += 2)); else ((i += 1)); fi
      fi
      continue
    fi
    if [[ " $(_aes_subcommands "$cmd") " == *" $w "* ]]; then
      cmd="$cmd $w"
      n=0
    else
      ((n += 1))
    fi
  done
  prev=\${COMP_WORDS[COMP_CWORD - 1]}
  if [[ $cur == = ]]; then
    cur=
  elif [[ $prev == = ]]; then
    prev=\${COMP_WORDS[COMP_CWORD - 2]}
  fi
  if [[ $prev == -* && $cur != -* ]]; then
    kind=$(_aes_option_value "$cmd" "$prev")
    if [[ -n $kind ]]; then
      _aes_complete_value "$kind" "$cur"
      return 0
    fi
  fi
  if [[ $cur == -* ]]; then
    mapfile -t COMPREPLY < <(compgen -W "$(_aes_options "$cmd")" -- "$cur")
    return 0
  fi
  w=$(_aes_subcommands "$cmd")
  if [[ -n $w ]]; then
    mapfile -t COMPREPLY < <(compgen -W "$w" -- "$cur")
    return 0
  fi
  _aes_complete_value "$(_aes_argument "$cmd" "$n")" "$cur"
}

complete -F _aes aes
`;
}
