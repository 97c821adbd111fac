// The dns_nameservers, dns_search_domains and dns_routes tables (schema step 7).
#include "store/dns_table.h"

#include <optional>
#include <string>

namespace weft::store {
namespace {

Result<util::IpAddress> parse_address(const std::string& text) {
  std::optional<util::IpAddress> a = util::IpAddress::parse(text);
  if (!a) return make_error("store.corrupt", "stored nameserver \"" + text + "\" is not an address");
  return *a;
}

Status insert(Database& db, const char* sql, int64_t position, const std::string& text,
              const std::string* domain = nullptr) {
  auto st = db.prepare(sql);
  if (!st) return st.error();
  st->bind(1, position).bind(2, text);
  if (domain != nullptr) st->bind(3, *domain);
  return st->run();
}

}  // namespace

Status put_dns_settings(Database& db, const coord::DnsSettings& settings) {
  for (const char* table : {"DELETE FROM dns_nameservers", "DELETE FROM dns_search_domains",
                            "DELETE FROM dns_routes"})
    if (auto st = db.exec(table); !st) return st;
  int64_t i = 0;
  for (const auto& a : settings.nameservers)
    if (auto st = insert(db, "INSERT INTO dns_nameservers(position, address) VALUES (?1, ?2)", i++,
                         a.to_string());
        !st)
      return st;
  i = 0;
  for (const auto& d : settings.search_domains)
    if (auto st = insert(db, "INSERT INTO dns_search_domains(position, domain) VALUES (?1, ?2)",
                         i++, d);
        !st)
      return st;
  for (const auto& r : settings.routes) {
    i = 0;
    for (const auto& a : r.nameservers)
      if (auto st = insert(db,
                           "INSERT INTO dns_routes(position, address, domain) VALUES (?1, ?2, ?3)",
                           i++, a.to_string(), &r.domain);
          !st)
        return st;
  }
  return Ok{};
}

Result<coord::DnsSettings> load_dns_settings(Database& db) {
  coord::DnsSettings s;
  auto servers = db.prepare("SELECT address FROM dns_nameservers ORDER BY position");
  if (!servers) return servers.error();
  for (;;) {
    auto row = servers->step();
    if (!row) return row.error();
    if (!*row) break;
    auto a = parse_address(servers->column_text(0));
    if (!a) return a.error();
    s.nameservers.push_back(*a);
  }
  auto search = db.prepare("SELECT domain FROM dns_search_domains ORDER BY position");
  if (!search) return search.error();
  for (;;) {
    auto row = search->step();
    if (!row) return row.error();
    if (!*row) break;
    s.search_domains.push_back(search->column_text(0));
  }
  // Ordered by domain, as the coordinator keeps them.
  auto routes = db.prepare("SELECT domain, address FROM dns_routes ORDER BY domain, position");
  if (!routes) return routes.error();
  for (;;) {
    auto row = routes->step();
    if (!row) return row.error();
    if (!*row) break;
    auto a = parse_address(routes->column_text(1));
    if (!a) return a.error();
    std::string domain = routes->column_text(0);
    if (s.routes.empty() || s.routes.back().domain != domain)
      s.routes.push_back(control::DnsRoute{std::move(domain), {}});
    s.routes.back().nameservers.push_back(*a);
  }
  return s;
}

}  // namespace weft::store
