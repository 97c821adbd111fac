// Bounded reading of policy files for the acl subcommands.
#include "policy_file.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>

#include "hujson/parser.h"

namespace weft::cli {

std::optional<std::string> read_policy_text(const std::string& path, std::string& io_error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    io_error = path + ": cannot open: " + std::strerror(errno);
    return std::nullopt;
  }
  const std::size_t cap = hujson::ParseLimits{}.max_bytes + 1;
  std::string text;
  std::size_t got = 0;
  while (got < cap && in) {
    std::size_t chunk = std::min<std::size_t>(cap - got, 1 << 20);
    text.resize(got + chunk);
    in.read(text.data() + got, static_cast<std::streamsize>(chunk));
    got += static_cast<std::size_t>(in.gcount());
  }
  text.resize(got);
  if (in.bad()) {
    io_error = path + ": read error: " + std::strerror(errno);
    return std::nullopt;
  }
  return text;
}

}  // namespace weft::cli
