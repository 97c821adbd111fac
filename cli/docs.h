// `weft __docs man|bash|zsh`: man pages and shell completions rendered from the command tree
// (help_tree.h), so they carry the same text as --help and follow every new command.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "help_tree.h"

namespace weft::cli {

struct DocsOptions {
  std::string format;  // man | bash | zsh
  std::string output;  // man: the directory of the pages; bash, zsh: a file (empty: stdout)
};

/// Writes the pages or the completion script. Exit 0; 2 when the output cannot be written
/// (the path and the reason on stderr) or `man` has no --output directory.
int run_docs(const CommandDoc& root, const DocsOptions& options);

/// One man page (section 1) per top-level command, `weft-acl.1`, ..., and `weft.1` for the
/// root: file name and roff text. `version` and `date` go into the page headers.
std::vector<std::pair<std::string, std::string>> render_man_pages(const CommandDoc& root,
                                                                  const std::string& version,
                                                                  const std::string& date);

/// A bash completion script for `weft` (subcommands, options, listed values; files otherwise).
std::string render_bash_completion(const CommandDoc& root, const std::string& version);

/// A zsh completion function (#compdef weft) with every option's help text.
std::string render_zsh_completion(const CommandDoc& root, const std::string& version);

}  // namespace weft::cli
