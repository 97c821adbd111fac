// DNS names against domains (dns_domain.h).
#include "util/dns_domain.h"

namespace weft::util {

bool at_or_under(std::string_view name, std::string_view domain) {
  if (domain.empty()) return false;
  if (name == domain) return true;
  // A label boundary before the domain: "ats.net" ends in "ts.net" but is not under it.
  return name.size() > domain.size() && name.substr(name.size() - domain.size()) == domain &&
         name[name.size() - domain.size() - 1] == '.';
}

}  // namespace weft::util
