// Walks a CLI11 App into the plain command tree of help_tree.h. Included by main.cc only: it
// stays the one translation unit that compiles CLI11.
#pragma once

#include <CLI/CLI.hpp>

#include <cctype>
#include <string>

#include "help_tree.h"

namespace weft::cli {

namespace detail {

// CLI11 names values by type ("TEXT", "INT") and appends validators ("TEXT:{text,json}");
// a generic type reads better as the option's own name (--state STATE).
inline void describe_value(const CLI::Option& o, OptionDoc& doc) {
  std::string type = o.get_type_name();
  auto brace = type.find(":{");
  if (brace != std::string::npos && type.back() == '}') {
    std::string list = type.substr(brace + 2, type.size() - brace - 3);
    for (size_t start = 0; start <= list.size();) {
      size_t comma = list.find(',', start);
      if (comma == std::string::npos) comma = list.size();
      if (comma > start) doc.choices.push_back(list.substr(start, comma - start));
      start = comma + 1;
    }
  }
  type = type.substr(0, type.find(':'));
  doc.numeric = type == "INT" || type == "UINT" || type == "FLOAT" || type == "NUMBER";
  if (doc.numeric) {
    doc.value = "N";
    return;
  }
  if (type != "TEXT" && !type.empty()) {
    doc.value = type;
    return;
  }
  std::string base = doc.positional;
  if (base.empty() && !o.get_lnames().empty()) base = o.get_lnames().front();
  if (base.empty() && !o.get_snames().empty()) base = o.get_snames().front();
  if (doc.repeats && doc.names.empty() && base.size() > 1 && base.back() == 's')
    base.pop_back();  // "files..." reads as FILE...
  for (char& c : base) c = c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  doc.value = base;
}

}  // namespace detail

/// The visible command tree under `app` (hidden commands and options are left out).
inline CommandDoc describe(const CLI::App& app, const std::string& parent_path = "") {
  CommandDoc doc;
  doc.name = app.get_name();
  doc.path = parent_path.empty() ? doc.name : parent_path + " " + doc.name;
  doc.help = app.get_description();
  doc.footer = app.get_footer();
  doc.needs_command = app.get_require_subcommand_min() > 0;
  for (const CLI::Option* o : app.get_options()) {
    if (o->get_group().empty()) continue;
    OptionDoc od;
    for (const auto& s : o->get_snames()) od.names.push_back("-" + s);
    for (const auto& l : o->get_lnames()) od.names.push_back("--" + l);
    if (od.names.empty()) od.positional = o->get_name(true);
    od.help = o->get_description();
    od.required = o->get_required();
    od.repeats = o->get_items_expected_max() > 1;
    od.default_value = o->get_default_str();
    if (o->get_items_expected_max() > 0) detail::describe_value(*o, od);
    doc.options.push_back(std::move(od));
  }
  for (const CLI::App* sub : app.get_subcommands({})) {
    if (sub->get_group().empty()) continue;
    doc.commands.push_back(describe(*sub, doc.path));
  }
  return doc;
}

}  // namespace weft::cli
