// `weft __docs`: writes the man pages into a directory or a completion script to a file or
// stdout (the build runs it; cli/CMakeLists.txt, packaging/).
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "docs.h"
#include "version.h"

namespace weft::cli {

namespace {

bool write_file(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) {
    std::cerr << "weft __docs: cannot write " << path.string() << ": " << std::strerror(errno)
              << "\n";
    return false;
  }
  return true;
}

}  // namespace

int run_docs(const CommandDoc& root, const DocsOptions& options) {
  if (options.format == "man") {
    if (options.output.empty()) {
      std::cerr << "weft __docs: man pages need --output DIR\n";
      return 2;
    }
    std::error_code ec;
    std::filesystem::create_directories(options.output, ec);
    if (ec) {
      std::cerr << "weft __docs: cannot create " << options.output << ": " << ec.message() << "\n";
      return 2;
    }
    for (const auto& [name, text] : render_man_pages(root, version(), version_date()))
      if (!write_file(std::filesystem::path(options.output) / name, text)) return 2;
    return 0;
  }
  std::string text = options.format == "bash" ? render_bash_completion(root, version())
                                              : render_zsh_completion(root, version());
  if (options.output.empty()) {
    std::cout << text;
    return std::cout ? 0 : 2;
  }
  return write_file(options.output, text) ? 0 : 2;
}

}  // namespace weft::cli
