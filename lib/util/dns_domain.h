// DNS names against domains (RFC 1034 section 3.1: a name is in a domain when the domain's labels
// end it), for MagicDNS's resolver and the coordination server's DNS settings.
#pragma once

#include <string_view>

namespace weft::util {

/// Whether `name` is `domain` itself or a name under it ("a.ts.net" and "ts.net" are at or under
/// "ts.net"; "ats.net" is not). Both are compared as given: lowercased, without a final dot. An
/// empty domain holds nothing.
bool at_or_under(std::string_view name, std::string_view domain);

}  // namespace weft::util
