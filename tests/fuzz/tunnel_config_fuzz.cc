// Fuzz target: the wg(8) config file parser (lib/tunnel/config_file) on arbitrary bytes.
// Covers wg-quick's keys (DNS, Table, hooks, SaveConfig) and host-name endpoints too.
// Properties: never crashes; every message is "fuzz.conf:LINE: ..." with LINE within the input,
// short (file text is quoted cut) and free of control bytes; at most kMaxMessagesKept are kept
// of each kind, and the counts cover them.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "tunnel/config_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = weft::tunnel::parse_config(text, "fuzz.conf");
  std::size_t lines = 1;
  for (char c : text) lines += c == '\n';
  for (const auto* list : {&parsed.errors, &parsed.notes}) {
    if (list->size() > weft::tunnel::kMaxMessagesKept) std::abort();
    for (const std::string& m : *list) {
      if (m.rfind("fuzz.conf:", 0) != 0) std::abort();
      std::size_t line = std::strtoul(m.c_str() + 10, nullptr, 10);
      if (line == 0 || line > lines) std::abort();
      // Two quoted values of at most 64 bytes, each byte at most 4 as \xHH, plus the wording.
      if (m.size() > 2 * 64 * 4 + 200) std::abort();
      for (char c : m) {
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) std::abort();
      }
    }
  }
  if (parsed.error_count < parsed.errors.size() || parsed.note_count < parsed.notes.size()) {
    std::abort();
  }
  if (parsed.ok() != (parsed.error_count == 0)) std::abort();
  const auto& itf = parsed.config.interface;
  if (itf.table.to_string().empty()) std::abort();
  for (const auto& d : itf.dns_search) {
    if (d.empty() || d.size() > 253 || weft::util::IpAddress::parse(d)) std::abort();
  }
  for (const auto& peer : parsed.config.peers) {
    if (peer.endpoint && peer.endpoint_host) std::abort();  // one or the other
    if (peer.endpoint_host &&
        (peer.endpoint_host->port == 0 || peer.endpoint_host->host.empty())) {
      std::abort();
    }
    for (const auto& p : peer.allowed_ips) {
      if (p.bits() > p.address().bit_length()) std::abort();
    }
  }
  return 0;
}
