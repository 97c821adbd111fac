// One question to a compiled policy, from the text forms `weft acl query` takes.
#pragma once

#include <cstdint>
#include <string_view>

#include "policy/identity.h"
#include "util/result.h"

namespace weft::policy {

struct QueryTarget {
  Identity identity;
  uint16_t port = 0;
};

/// Parses "HOST:PORT" where HOST is anything identity_from_text accepts on the dst side and
/// an IPv6 address is written in brackets ("[fd7a::1]:22"). Errors: no port, port not a
/// number in 0..65535, and every error of identity_from_text.
Result<QueryTarget> target_from_text(const Policy& policy, std::string_view host_port);

}  // namespace weft::policy
