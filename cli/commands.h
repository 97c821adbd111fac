// Entry points of the subcommands: main.cc parses arguments (CLI11) and calls these.
// Each returns the process exit code.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace weft::cli {

struct AclCheckOptions {
  std::string format = "text";  // text | json | github
  std::string tailnet;          // --tailnet FILE: decide tests against it (policy/tailnet.h)
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
  int threads = 0;         // 0: one per CPU core (docs/dataplane.md, "Workers")
  std::string offloads = "on";  // "on" | "off" (docs/dataplane.md, "Offload path")
  bool allow_hooks = false;  // run the file's PreUp/PostUp/PreDown/PostDown
};
int run_tunnel(const TunnelOptions& options);

// `weft wireguard-go [-f] IFNAME` (or the binary named weft-wireguard-go): wireguard-go's
// command line, so wg-quick can run weft as WG_QUICK_USERSPACE_IMPLEMENTATION.
struct WireguardGoOptions {
  std::string interface;
  bool foreground = false;
};
int run_wireguard_go(const WireguardGoOptions& options);

struct ServeCliOptions {
  std::string state_dir;
  std::string listen;  // ADDR:PORT
  std::string server_url;
  std::string policy_file;
  std::string tls_cert;
  std::string tls_key;
  bool require_approval = false;
  std::string key_expiry;         // empty: 180d
  std::string ephemeral_timeout;  // empty: 30m
  std::string dns_domain;         // empty: weft.internal
  std::string relay_map;          // --relay-map FILE; empty: none
  bool no_embedded_relay = false;
  uint16_t stun_port = 3478;      // --stun-port; 0: no STUN beside the embedded relay
  // Login through an OpenID Connect provider (docs/identity.md); empty issuer: none.
  std::string oidc_issuer;
  std::string oidc_client_id;
  std::string oidc_client_secret_file;
  std::vector<std::string> oidc_allowed_domains;
  std::vector<std::string> oidc_allowed_users;
  std::vector<std::string> oidc_allowed_groups;
  std::string oidc_ca_file;
};
int run_serve(const ServeCliOptions& options);

struct UpOptions {
  std::string server;     // --server URL; empty: the one DIR is registered with
  std::string auth_key;   // --authkey KEY; only for the first registration
  bool force_reauth = false;  // --force-reauth: log in again, keeping the device
  bool accept_dns = true;     // --accept-dns=false: leave resolv.conf alone (MagicDNS)
  std::string state_dir;  // --state DIR; empty: /var/lib/weft
  std::string hostname;   // empty: this machine's host name
  std::string interface;  // --interface / --tun NAME; empty: weft0
  std::string ca_file;    // --ca-file PEM for an https server; empty: the system's roots
  uint16_t port = 41641;  // WireGuard UDP port; 0: any
  std::vector<std::string> advertise_routes;  // --advertise-routes PREFIX,...
  bool advertise_exit_node = false;
  bool snat_subnet_routes = true;
  std::string exit_node;  // --exit-node PEER
  bool exit_node_allow_lan_access = false;
  int threads = 0;        // 0: one per CPU core (docs/dataplane.md, "Workers")
  std::string offloads = "on";  // "on" | "off" (docs/dataplane.md, "Offload path")
};
int run_up(const UpOptions& options);

/// One `weft admin` command: AREA ACTION plus the fields that action takes.
struct AdminOptions {
  std::string state_dir;   // the admin socket's directory, or:
  std::string server;      // --server URL: the HTTP admin API
  std::string token_file;  // --token-file: the API token for --server
  std::string ca_file;     // --ca-file: PEM CA file for an https --server
  std::string scope;       // tokens create --scope
  bool json = false;
  std::string area;    // users | keys | nodes | policy
  std::string action;  // create | list | remove | revoke | approve | ...
  std::string email;
  std::string role;
  std::string user;
  bool reusable = false;
  bool ephemeral = false;
  bool all = false;
  std::string expiry;          // a duration ("90d")
  std::string expiry_seconds;  // filled from `expiry`
  std::vector<std::string> tags;
  std::vector<std::string> routes;  // routes approve|reject ID PREFIX,...
  std::string id;
  std::string file;
  std::string output;  // tailnet export --output FILE; empty: stdout
  /// dns set: --nameserver IP, --search-domain D, --split DOMAIN=IP[,IP] (each repeatable).
  std::vector<std::string> nameservers;
  std::vector<std::string> search_domains;
  std::vector<std::string> split_dns;
  /// nodes set-attr ID NAME=VALUE... / nodes unset-attr ID NAME...: posture attributes.
  std::vector<std::string> attributes;
};
int run_admin(AdminOptions options);

struct DerpCliOptions {
  std::string listen;          // --listen ADDR:PORT
  uint16_t stun_port = 3478;   // --stun-port; 0: no STUN server
  std::string tls_cert;
  std::string tls_key;
  std::string verify_clients;  // --verify-clients URL; empty: serve every node key
  std::string ca_file;         // --ca-file PEM for an https verify URL
  std::string state_dir;       // --state DIR (relay.key); empty: a fresh key each start
};
int run_derp(const DerpCliOptions& options);

struct NetcheckOptions {
  std::string server;     // --server URL: the relay map from GET URL/weft/relay-map
  std::string relay_map;  // --relay-map FILE (the `weft serve --relay-map` format)
  std::string format = "text";  // text | json
  std::string timeout;    // --timeout DUR; empty: 5s
  std::string ca_file;    // --ca-file PEM for an https server; empty: the system's roots
};
int run_netcheck(const NetcheckOptions& options);

}  // namespace weft::cli
