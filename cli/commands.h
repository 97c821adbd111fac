// Entry points of the subcommands: main.cc parses arguments (CLI11) and calls these.
// Each returns the process exit code.
#pragma once

#include <string>
#include <vector>

namespace weft::cli {

struct AclCheckOptions {
  std::string format = "text";  // text | json | github
  std::vector<std::string> files;
};
int run_acl_check(const AclCheckOptions& options);

struct AclQueryOptions {
  std::string file;
  std::string src;
  std::string dst;    // HOST:PORT
  std::string proto;  // name or number; empty = tcp
};
int run_acl_query(const AclQueryOptions& options);

struct TunnelOptions {
  std::string config;      // wg(8)/wg-quick config file
  std::string interface;   // empty: the file name without ".conf"
  std::string socket_dir;  // empty: /var/run/wireguard
  int threads = 1;         // 1 or 2 (docs/dataplane.md, "Driver")
};
int run_tunnel(const TunnelOptions& options);

}  // namespace weft::cli
