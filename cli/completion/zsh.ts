/**
 * `aes completion zsh`: a zsh completion function made from the command tree, with the
 * description of every subcommand and option. Paths complete with `_files`, folders with
 * `_path_files -/`, choices with their list. Works sourced (`source <(aes completion zsh)`) and as an
 * autoloaded `_aes` in `$fpath`.
 */
import {
  allCommands,
  argumentCases,
  kindWord,
  shellQuote,
  type CompletionCommand,
} from './command-tree.js';

/** `name:description` for `_describe`, whose names escape `:`. */
function described(name: string, description: string): string {
  return shellQuote(`${name.replace(/:/g, '\\:')}:${description}`);
}

export function zshCompletion(root: CompletionCommand, version: string): string {
  const commands = allCommands(root);
  const key = (c: CompletionCommand): string => c.path.join(' ');
  const subcommands = commands
    .filter((c) => c.subcommands.length > 0)
    .map(
      (c) =>
        `    (${shellQuote(key(c))}) reply=(${c.subcommands
          .map((s) => described(s.path.at(-1) ?? '', s.description))
          .join(' ')}) ;;`,
    );
  const options = commands.map(
    (c) =>
      `    (${shellQuote(key(c))}) reply=(${c.options
        .flatMap((o) =>
          [o.short, o.long].filter((f) => f !== undefined).map((f) => described(f, o.description)),
        )
        .join(' ')}) ;;`,
  );
  const values = commands.flatMap((c) =>
    c.options.flatMap((o) =>
      o.value === undefined
        ? []
        : [o.short, o.long]
            .filter((f) => f !== undefined)
            .map(
              (f) =>
                `    (${shellQuote(`${key(c)}|${f}`)}) REPLY=${shellQuote(kindWord(o.value ?? { kind: 'value' }))} ;;`,
            ),
    ),
  );
  const args = commands.flatMap((c) =>
    argumentCases(c).map(
      (a) =>
        `    (${shellQuote(`${key(c)}|`)}${a.index}) REPLY=${shellQuote(kindWord(a.value))} ;;`,
    ),
  );
  return `#compdef aes
# zsh completion for aes ${version}, made by \`aes completion zsh\` from its commands.
# Install: echo 'source <(aes completion zsh)' >> ~/.zshrc   (after compinit)
#      or: aes completion zsh > "\${fpath[1]}/_aes"

# The subcommands of a command (its words joined by spaces), as name:description in $reply.
_aes_subcommands() {
  reply=()
  case $1 in
${subcommands.join('\n')}
  esac
}

# The options of a command, as name:description in $reply.
_aes_options() {
  reply=()
  case $1 in
${options.join('\n')}
  esac
}

# What the option $2 of command $1 takes, in $REPLY: file, dir, value or "choices a b"; empty for a flag.
_aes_option_value() {
  REPLY=
  case "$1|$2" in
${values.join('\n')}
  esac
}

# What the positional argument number $2 (from 0) of command $1 takes, in $REPLY.
_aes_argument() {
  REPLY=
  case "$1|$2" in
${args.join('\n')}
  esac
}

# Completes a value of kind $1 (as _aes_option_value sets it).
_aes_complete_value() {
  case $1 in
    (file) _files ;;
    (dir) _path_files -/ ;;
    (choices\\ *) compadd -- \${=1#choices } ;;
    (*) return 1 ;;
  esac
}

# The command the words before the cursor name, in $REPLY, and its positional count, in $reply[1].
_aes_command() {
  local cmd=aes w i n=0
  local -a names
  for (( i = 2; i < CURRENT; i++ )); do
    w=\${words[i]}
    if [[ $w == -* ]]; then
      if [[ $w != *=* ]]; then
        _aes_option_value "$cmd" "$w"
        [[ -n $REPLY ]] && (( i++ ))
      fi
      continue
    fi
    _aes_subcommands "$cmd"
    names=(\${reply%%:*})
    if (( \${names[(Ie)$w]} )); then
      cmd="$cmd $w"
      n=0
    else
      (( n++ ))
    fi
  done
  REPLY=$cmd
  reply=($n)
}

_aes() {
  local cmd n REPLY
  local -a reply
  _aes_command
  cmd=$REPLY
  n=$reply[1]
  if [[ $PREFIX == -*=* ]]; then
    _aes_option_value "$cmd" "\${PREFIX%%=*}"
    if [[ -n $REPLY ]]; then
      compset -P '*='
      _aes_complete_value "$REPLY"
      return
    fi
  fi
  if [[ \${words[CURRENT-1]} == -* ]]; then
    _aes_option_value "$cmd" "\${words[CURRENT-1]}"
    if [[ -n $REPLY ]]; then
      _aes_complete_value "$REPLY"
      return
    fi
  fi
  if [[ $PREFIX == -* ]]; then
    _aes_options "$cmd"
    _describe -t options option reply
    return
  fi
  _aes_subcommands "$cmd"
  if (( $#reply )); then
    _describe -t commands command reply
    return
  fi
  _aes_argument "$cmd" "$n"
  _aes_complete_value "$REPLY"
}

if [[ $funcstack[1] == _aes ]]; then
  _aes "$@"
else
  compdef _aes aes
fi
`;
}
