// Shell completions for bash and zsh from the command tree: subcommands, options and the values
// an option lists; file names where the option names none.
#include <string>

#include "docs.h"

namespace weft::cli {

namespace {

// Names go into the scripts unquoted (bash words, zsh function names): anything else is left
// out rather than escaped.
bool plain_word(const std::string& s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
          c == '-' || c == '_' || c == '.' || c == '@' || c == ':' || c == '/' || c == '+'))
      return false;
  return true;
}

std::string single_quoted(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string join_plain(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words)
    if (plain_word(w)) out += (out.empty() ? "" : " ") + w;
  return out;
}

// ---- bash: four tables keyed by command path, one generic function walking the words.

void bash_tables(const CommandDoc& c, std::string& commands, std::string& flags,
                 std::string& valued, std::string& choices) {
  std::vector<std::string> subs, names, takes;
  for (const auto& sub : c.commands) subs.push_back(sub.name);
  for (const auto& o : c.options)
    for (const auto& n : o.names) {
      names.push_back(n);
      if (!o.value.empty()) takes.push_back(n);
      if (!o.choices.empty() && plain_word(n))
        choices += "  [" + single_quoted(c.path + " " + n) + "]=" +
                   single_quoted(join_plain(o.choices)) + "\n";
    }
  std::string key = "  [" + single_quoted(c.path) + "]=";
  if (!subs.empty()) commands += key + single_quoted(join_plain(subs)) + "\n";
  if (!names.empty()) flags += key + single_quoted(join_plain(names)) + "\n";
  if (!takes.empty()) valued += key + single_quoted(" " + join_plain(takes) + " ") + "\n";
  for (const auto& sub : c.commands) bash_tables(sub, commands, flags, valued, choices);
}

constexpr const char* kBashFunction = R"(
# Walks the words typed so far down the command tree, skipping option values; then offers the
# values of the option before the cursor, the options (after "-") or the subcommands. Nothing
# offered falls back to file names (complete -o default).
_weft() {
  local cur=${COMP_WORDS[COMP_CWORD]} path=weft value_of="" w i
  COMPREPLY=()
  for ((i = 1; i < COMP_CWORD; i++)); do
    w=${COMP_WORDS[i]}
    if [[ ${_weft_valued[$path]-} == *" $w "* ]]; then
      if ((i + 1 == COMP_CWORD)); then value_of=$w; break; fi
      ((i++))
      continue
    fi
    if [[ " ${_weft_commands[$path]-} " == *" $w "* ]]; then path="$path $w"; fi
  done
  if [[ -n $value_of ]]; then
    local values=${_weft_choices["$path $value_of"]-}
    [[ -n $values ]] && mapfile -t COMPREPLY < <(compgen -W "$values" -- "$cur")
    return 0
  fi
  if [[ $cur == -* ]]; then
    mapfile -t COMPREPLY < <(compgen -W "${_weft_flags[$path]-}" -- "$cur")
  else
    mapfile -t COMPREPLY < <(compgen -W "${_weft_commands[$path]-}" -- "$cur")
  fi
  return 0
}
complete -o bashdefault -o default -F _weft weft
)";

// ---- zsh: one _arguments function per command.

std::string zsh_function_name(const CommandDoc& c) {
  std::string out = "_";
  for (char ch : c.path) out += (ch == ' ' || ch == '-') ? '_' : ch;
  return out;
}

// _arguments puts the help in [...]: brackets inside it are escaped.
std::string zsh_help(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '[' || c == ']' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

std::string zsh_action(const OptionDoc& o) {
  if (!o.choices.empty()) return "(" + join_plain(o.choices) + ")";
  if (o.numeric) return " ";
  return "_files";
}

std::string zsh_spec(const OptionDoc& o) {
  std::string message = o.value.empty() ? "" : ":" + o.value + ":" + zsh_action(o);
  if (o.names.empty()) {
    std::string name = plain_word(o.value) ? o.value : "argument";
    return single_quoted(std::string(o.repeats ? "*" : (o.required ? "" : ":")) + ":" + name +
                         ":" + zsh_action(o));
  }
  std::string names;
  for (const auto& n : o.names)
    if (plain_word(n)) names += (names.empty() ? "" : ",") + n;
  if (names.empty()) return "";
  std::string help = "[" + zsh_help(o.help) + "]" + message;
  std::string repeat = o.repeats ? "*" : "";
  if (o.names.size() == 1) return single_quoted(repeat + names + help);
  std::string exclusive;
  for (const auto& n : o.names) exclusive += (exclusive.empty() ? "" : " ") + n;
  return single_quoted("(" + exclusive + ")") + repeat + "{" + names + "}" + single_quoted(help);
}

void zsh_functions(const CommandDoc& c, std::string& out) {
  for (const auto& sub : c.commands) zsh_functions(sub, out);
  out += "\n" + zsh_function_name(c) + "() {\n";
  if (!c.commands.empty()) out += "  local curcontext=$curcontext state line\n  _arguments -C";
  else out += "  _arguments -s";
  for (const auto& o : c.options) {
    std::string spec = zsh_spec(o);
    if (!spec.empty()) out += " \\\n    " + spec;
  }
  if (c.commands.empty()) {
    out += "\n}\n";
    return;
  }
  out += " \\\n    ': :->command' \\\n    '*:: :->argument'\n";
  out += "  case $state in\n    command)\n      local -a commands\n      commands=(\n";
  for (const auto& sub : c.commands)
    if (plain_word(sub.name))
      out += "        " + single_quoted(sub.name + ":" + sub.help) + "\n";
  out += "      )\n      _describe -t commands " + single_quoted(c.path + " command") +
         " commands\n      ;;\n    argument)\n      case $words[1] in\n";
  for (const auto& sub : c.commands)
    if (plain_word(sub.name)) out += "        " + sub.name + ") " + zsh_function_name(sub) + " ;;\n";
  out += "      esac\n      ;;\n  esac\n}\n";
}

}  // namespace

std::string render_bash_completion(const CommandDoc& root, const std::string& version) {
  std::string commands, flags, valued, choices;
  bash_tables(root, commands, flags, valued, choices);
  return "# bash completion for weft " + version +
         ", generated by `weft __docs bash` from its --help; do not edit.\n"
         "declare -gA _weft_commands=(\n" + commands + ")\n"
         "declare -gA _weft_flags=(\n" + flags + ")\n"
         "declare -gA _weft_valued=(\n" + valued + ")\n"
         "declare -gA _weft_choices=(\n" + choices + ")\n" + kBashFunction;
}

std::string render_zsh_completion(const CommandDoc& root, const std::string& version) {
  std::string out = "#compdef weft\n# zsh completion for weft " + version +
                    ", generated by `weft __docs zsh` from its --help; do not edit.\n";
  zsh_functions(root, out);
  out += "\n" + zsh_function_name(root) + " \"$@\"\n";
  return out;
}

}  // namespace weft::cli
