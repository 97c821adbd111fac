// The command tree of the weft binary as plain data (names, options, help text), walked from
// CLI11 by main.cc (help_tree_cli11.h) so man pages and completions come from the help itself.
#pragma once

#include <string>
#include <vector>

namespace weft::cli {

/// One option or positional argument of a command, as its --help describes it.
struct OptionDoc {
  std::vector<std::string> names;    // "-c", "--count"; empty for a positional argument
  std::string positional;            // "files" for a positional argument, else empty
  std::string value;                 // the value's name ("FILE", "N"); empty for a flag
  std::vector<std::string> choices;  // the accepted values, when the option lists them
  std::string default_value;         // shown when the parser captures one
  std::string help;
  bool required = false;
  bool repeats = false;  // takes several values (positional list, comma list)
  bool numeric = false;  // an integer or a number: no file names to complete
};

/// A command: the root `weft`, `weft acl` or a leaf such as `weft acl check`.
struct CommandDoc {
  std::string name;  // "check"
  std::string path;  // "weft acl check"
  std::string help;
  std::string footer;  // printed after the options by --help
  std::vector<OptionDoc> options;
  std::vector<CommandDoc> commands;  // hidden commands are left out
  bool needs_command = false;        // one of `commands` must follow
};

}  // namespace weft::cli
