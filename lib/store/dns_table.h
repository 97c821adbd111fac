// The DNS settings tables (schema step 7): the tailnet's coord::DnsSettings, replaced whole by
// each `weft admin dns set`.
#pragma once

#include "coord/dns_settings.h"
#include "store/database.h"
#include "util/result.h"

namespace weft::store {

/// Replaces every stored DNS setting with `settings`; call inside Database::transaction.
/// Errors: "store.sqlite".
Status put_dns_settings(Database& db, const coord::DnsSettings& settings);

/// The stored settings (empty when never set). Errors: "store.sqlite", "store.corrupt" (an
/// address that does not parse).
Result<coord::DnsSettings> load_dns_settings(Database& db);

}  // namespace weft::store
