// --listen ADDRESS:PORT (listen_address.h).
#include "listen_address.h"

namespace weft::cli {

std::optional<core::SocketAddress> parse_listen(const std::string& text) {
  if (auto a = core::SocketAddress::parse(text)) return a;
  // SocketAddress::parse refuses port 0, as wg(8) endpoints must: parse with port 1, then 0.
  if (text.size() > 2 && text.compare(text.size() - 2, 2, ":0") == 0) {
    if (auto a = core::SocketAddress::parse(text.substr(0, text.size() - 1) + "1")) {
      a->port = 0;
      return a;
    }
  }
  return std::nullopt;
}

}  // namespace weft::cli
