// The weft binary: argument parsing for every subcommand (the only CLI11 translation unit).
// Exit codes: 0 success, 1 a negative answer (invalid policy, deny), 2 usage or I/O error.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <iostream>
#include <string>
#include <tuple>
#include <vector>

#include "commands.h"
#include "docs.h"
#include "help_tree_cli11.h"
#include "node_commands.h"
#include "sim_command.h"
#include "version.h"

// `weft tunnel` and `weft up` share the data path (docs/dataplane.md, "Workers").
static const char* const kThreadsHelp =
    "Data-path threads: 1 = one event loop; N >= 2 = a UDP receive thread and N-1 crypto "
    "workers; 0 = one per CPU core";
static const char* const kOffloadsHelp =
    "Segmentation offloads: TUN TSO/checksum (vnet-hdr), UDP GSO and GRO; each falls back to "
    "plain packets when the kernel refuses it";

int main(int argc, char** argv) {
  CLI::App app{"weft: self-hostable mesh VPN toolkit", "weft"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("weft ") + weft::cli::version());
  // Set before the subcommands are added: each inherits it, so every --help and man page ends so.
  app.footer("Exit codes: 0 success, 1 a negative answer (invalid policy, deny, refused), 2 usage, "
             "setup or I/O error.");

  auto* acl = app.add_subcommand("acl", "Validate and query access-policy files (offline)");
  acl->require_subcommand(1);

  weft::cli::AclCheckOptions check;
  auto* check_cmd = acl->add_subcommand(
      "check", "Validate policy files and run their tests; exit 0 valid, 1 invalid, 2 error");
  check_cmd->add_option("--format", check.format, "Output format")
      ->check(CLI::IsMember({"text", "json", "github"}));
  check_cmd->add_option("--tailnet", check.tailnet,
                        "Tailnet file (users' roles, domains, devices, synced groups; see "
                        "`weft admin tailnet export`) that decides tests a policy file alone cannot");
  check_cmd->add_option("files", check.files, "Policy files (HuJSON)")->required();

  weft::cli::AclQueryOptions query;
  auto* query_cmd = acl->add_subcommand(
      "query", "Explain one decision: prints accept (with the rule) or deny; exit 0/1, 2 error");
  query_cmd->add_option("file", query.file, "Policy file (HuJSON)")->required();
  query_cmd->add_option("--src", query.src, "Source: user, tag, group, host alias or address")
      ->required();
  query_cmd->add_option("--dst", query.dst, "Destination HOST:PORT")->required();
  query_cmd->add_option("--proto", query.proto, "Protocol name or IANA number (default tcp)");

  weft::cli::TunnelOptions tunnel;
  auto* tunnel_cmd = app.add_subcommand(
      "tunnel", "Run the WireGuard data plane alone from a wg(8) config file (needs root)");
  tunnel_cmd->add_option("--config", tunnel.config,
                         "WireGuard config file (wg-quick format); a bare name such as wg0 "
                         "means /etc/wireguard/wg0.conf")
      ->required();
  tunnel_cmd->add_flag("--allow-hooks", tunnel.allow_hooks,
                       "Run the file's PreUp/PostUp/PreDown/PostDown shell commands (as root)");
  tunnel_cmd->add_option("--interface", tunnel.interface,
                         "Interface name (default: config file name without .conf)");
  tunnel_cmd->add_option("--socket-dir", tunnel.socket_dir,
                         "Directory of the UAPI socket (default /var/run/wireguard)");
  tunnel_cmd->add_option("--threads", tunnel.threads, kThreadsHelp)
      ->check(CLI::Range(0, 64))
      ->capture_default_str();
  tunnel_cmd->add_option("--offloads", tunnel.offloads, kOffloadsHelp)
      ->check(CLI::IsMember({"on", "off"}))
      ->capture_default_str();

  weft::cli::WireguardGoOptions wggo;
  auto* wggo_cmd = app.add_subcommand(
      "wireguard-go", "Stand in for wireguard-go under wg-quick: create IFNAME and its UAPI "
                      "socket, daemonise unless -f (WG_QUICK_USERSPACE_IMPLEMENTATION)");
  wggo_cmd->add_flag("-f,--foreground", wggo.foreground, "Stay in the foreground");
  wggo_cmd->add_option("interface", wggo.interface, "Interface name")->required();

  weft::cli::ServeCliOptions serve;
  auto* serve_cmd = app.add_subcommand(
      "serve", "Run the coordination server in the foreground (state in --state DIR)");
  serve_cmd->add_option("--state", serve.state_dir, "State directory (created 0700)")->required();
  serve_cmd->add_option("--listen", serve.listen, "ADDRESS:PORT for nodes (HTTP upgrade)")
      ->required();
  serve_cmd->add_option("--server-url", serve.server_url,
                        "The URL nodes and people use (default: http://<listen>)");
  serve_cmd->add_option("--policy", serve.policy_file,
                        "Policy file applied at start (when it differs from the one in force)");
  serve_cmd->add_option("--tls-cert", serve.tls_cert, "PEM certificate chain for TLS");
  serve_cmd->add_option("--tls-key", serve.tls_key, "PEM private key for TLS");
  serve_cmd->add_flag("--require-approval", serve.require_approval,
                      "New devices wait for `weft admin nodes approve ID`");
  serve_cmd->add_option("--key-expiry", serve.key_expiry,
                        "Node-key lifetime of user-owned devices (default 180d)");
  serve_cmd->add_option("--ephemeral-timeout", serve.ephemeral_timeout,
                        "Remove an ephemeral device this long after it goes offline (default 30m)");
  serve_cmd->add_option("--dns-domain", serve.dns_domain,
                        "Domain of the devices' DNS names (default weft.internal)");
  serve_cmd->add_option("--relay-map", serve.relay_map,
                        "HuJSON relay map (regions of `weft derp` relays) handed to every node");
  serve_cmd->add_flag("--no-embedded-relay", serve.no_embedded_relay,
                      "Do not run the relay embedded in the server (run `weft derp` instead)");
  serve_cmd->add_option("--stun-port", serve.stun_port,
                        "UDP port of the STUN server beside the embedded relay (default 3478; "
                        "0: none)");
  serve_cmd->add_option("--oidc-issuer", serve.oidc_issuer,
                        "OpenID Connect issuer URL: nodes without an auth key log in there "
                        "(needs --server-url)");
  serve_cmd->add_option("--oidc-client-id", serve.oidc_client_id, "OIDC client id");
  serve_cmd->add_option("--oidc-client-secret-file", serve.oidc_client_secret_file,
                        "File holding the OIDC client secret");
  serve_cmd->add_option("--oidc-allowed-domains", serve.oidc_allowed_domains,
                        "Admit only verified e-mails of these domains (comma-separated)")
      ->delimiter(',');
  serve_cmd->add_option("--oidc-allowed-users", serve.oidc_allowed_users,
                        "Admit these e-mail addresses (comma-separated)")
      ->delimiter(',');
  serve_cmd->add_option("--oidc-allowed-groups", serve.oidc_allowed_groups,
                        "Admit members of these provider groups (comma-separated)")
      ->delimiter(',');
  serve_cmd->add_option("--oidc-ca-file", serve.oidc_ca_file,
                        "PEM CA file for an https issuer (default: the system's roots)");

  weft::cli::UpOptions up;
  auto* up_cmd = app.add_subcommand(
      "up", "Run this machine as a tailnet node in the foreground (needs root)");
  up_cmd->add_option("--server", up.server,
                     "Coordination server URL (http[s]://HOST[:PORT]); default: the one --state "
                     "is registered with");
  up_cmd->add_option("--authkey", up.auth_key,
                     "Pre-auth key (first registration only); without one, a server with an "
                     "identity provider prints a login link");
  up_cmd->add_flag("--force-reauth", up.force_reauth,
                   "Log in at the identity provider again, keeping this device and its addresses");
  up_cmd->add_option("--state", up.state_dir, "State directory (default /var/lib/weft)");
  up_cmd->add_option("--hostname", up.hostname, "Name to request (default: the host name)");
  up_cmd->add_option("--interface,--tun", up.interface, "TUN interface name (default weft0)");
  up_cmd->add_option("--port", up.port, "WireGuard UDP port (0: any)")->capture_default_str();
  up_cmd->add_option("--threads", up.threads, kThreadsHelp)
      ->check(CLI::Range(0, 64))
      ->capture_default_str();
  up_cmd->add_option("--offloads", up.offloads, kOffloadsHelp)
      ->check(CLI::IsMember({"on", "off"}))
      ->capture_default_str();
  up_cmd->add_option("--ca-file", up.ca_file, "PEM CA file for an https server");
  up_cmd->add_option("--advertise-routes", up.advertise_routes,
                     "Offer to route these prefixes for the tailnet (10.0.0.0/24,...); the "
                     "server's operator or autoApprovers approve them")
      ->delimiter(',');
  up_cmd->add_flag("--advertise-exit-node", up.advertise_exit_node,
                   "Offer to carry the tailnet's internet traffic (0.0.0.0/0 and ::/0)");
  up_cmd->add_option("--accept-dns", up.accept_dns,
                     "Point the system resolver at MagicDNS (100.100.100.100) through "
                     "resolvconf while up; false leaves resolv.conf alone")
      ->capture_default_str();
  up_cmd->add_option("--snat-subnet-routes", up.snat_subnet_routes,
                     "Masquerade traffic from the tailnet into the advertised routes")
      ->capture_default_str();
  up_cmd->add_option("--exit-node", up.exit_node,
                     "Send internet traffic through this peer (name or tailnet address)");
  up_cmd->add_flag("--exit-node-allow-lan-access", up.exit_node_allow_lan_access,
                   "With --exit-node: the local networks stay reachable directly");

  weft::cli::AdminOptions admin;
  auto* admin_cmd = app.add_subcommand(
      "admin",
      "Operate a running weft serve over its admin socket (--state DIR) or its HTTP admin API "
      "(--server URL --token-file FILE)");
  auto* admin_state =
      admin_cmd->add_option("--state", admin.state_dir, "The server's state directory");
  auto* admin_server = admin_cmd->add_option(
      "--server", admin.server,
      "The server's URL (https://HOST[:PORT]; http only to a loopback address): use its admin "
      "API with an API token");
  admin_cmd->add_option("--token-file", admin.token_file,
                        "File holding the API token (weft admin tokens create)")
      ->needs(admin_server);
  admin_cmd->add_option("--ca-file", admin.ca_file, "PEM CA file for an https server")
      ->needs(admin_server);
  admin_state->excludes(admin_server);
  admin_cmd->add_flag("--json", admin.json, "Print the server's JSON answer");
  admin_cmd->require_subcommand(1);
  // Each leaf records its area and action when parsed.
  auto leaf = [&admin](CLI::App* parent, const char* area, const char* action, const char* help) {
    auto* c = parent->add_subcommand(action, help);
    c->callback([&admin, area, action] {
      admin.area = area;
      admin.action = action;
    });
    return c;
  };
  auto* users = admin_cmd->add_subcommand("users", "Users (named by e-mail, with a role)");
  users->require_subcommand(1);
  auto* users_create = leaf(users, "users", "create", "Create a user");
  users_create->add_option("email", admin.email, "E-mail")->required();
  users_create->add_option("--role", admin.role,
                           "member (default), owner, admin, network-admin, it-admin, "
                           "billing-admin, auditor");
  leaf(users, "users", "list", "List users");
  leaf(users, "users", "remove", "Remove a user (refused while it owns devices)")
      ->add_option("email", admin.email, "E-mail")
      ->required();
  auto* keys = admin_cmd->add_subcommand("keys", "Pre-auth keys");
  keys->require_subcommand(1);
  auto* keys_create = leaf(keys, "keys", "create", "Create a key; prints the key alone on stdout");
  keys_create->add_option("--user", admin.user, "The user the key's devices belong to");
  keys_create->add_flag("--reusable", admin.reusable, "Usable more than once");
  keys_create->add_flag("--ephemeral", admin.ephemeral,
                        "Devices are removed some time after they go offline");
  keys_create->add_option("--expiry", admin.expiry, "Key lifetime (default and maximum 90d)");
  keys_create->add_option("--tags", admin.tags, "Tags for the key's devices")->delimiter(',');
  leaf(keys, "keys", "list", "List keys (never their secrets)");
  leaf(keys, "keys", "revoke", "Revoke a key")->add_option("id", admin.id, "Key id")->required();
  auto* nodes = admin_cmd->add_subcommand("nodes", "Devices");
  nodes->require_subcommand(1);
  leaf(nodes, "nodes", "list", "List devices")
      ->add_flag("--all", admin.all, "Include removed devices");
  leaf(nodes, "nodes", "show", "One device in full: versions, posture attributes, keys")
      ->add_option("id", admin.id, "Device id")
      ->required();
  // Device posture (docs/network-config.md): set-attr and unset-attr are one server operation.
  for (const auto& [name, action, help, what] :
       {std::tuple{"set-attr", "set_attr", "Set posture attributes of a device (custom:NAME=VALUE)",
                   "NAME=VALUE ..."},
        std::tuple{"unset-attr", "unset_attr", "Remove posture attributes of a device",
                   "NAME ..."}}) {
    auto* c = nodes->add_subcommand(name, help);
    c->callback([&admin, action = action] {
      admin.area = "nodes";
      admin.action = action;
    });
    c->add_option("id", admin.id, "Device id")->required();
    c->add_option("attributes", admin.attributes, what)->required();
  }
  for (const char* action : {"approve", "expire", "rotate", "remove"})
    leaf(nodes, "nodes", action,
         "Approve, expire (end its node key now), rotate the key of, or remove a device")
        ->add_option("id", admin.id, "Device id")
        ->required();
  auto* set_expiry = nodes->add_subcommand(
      "set-expiry", "When a device's node key expires: DUR from now (e.g. 30d), or never");
  set_expiry->callback([&admin] {
    admin.area = "nodes";
    admin.action = "set_expiry";
  });
  set_expiry->add_option("id", admin.id, "Device id")->required();
  set_expiry->add_option("expiry", admin.expiry, "A duration (180d, 12h) or never")->required();
  auto* routes = admin_cmd->add_subcommand(
      "routes", "Subnet routes and exit nodes the devices advertise, and their approval");
  routes->require_subcommand(1);
  leaf(routes, "routes", "list", "List advertised, approved and primary routes per device");
  for (const char* action : {"approve", "reject"}) {
    auto* c = leaf(routes, "routes", action,
                   "Approve or reject routes of a device (0.0.0.0/0,::/0: an exit node)");
    c->add_option("id", admin.id, "Device id")->required();
    c->add_option("routes", admin.routes, "Prefixes, comma-separated")->required()->delimiter(',');
  }
  auto* tokens = admin_cmd->add_subcommand("tokens", "API tokens for the HTTP admin API");
  tokens->require_subcommand(1);
  auto* tokens_create =
      leaf(tokens, "tokens", "create", "Create a token; prints the token alone on stdout");
  tokens_create->add_option("--expiry", admin.expiry, "Token lifetime (default 90d, at most 365d)");
  tokens_create->add_option("--scope", admin.scope,
                            "policy (the policy, the tailnet export), nodes (the devices) or "
                            "all (default)");
  leaf(tokens, "tokens", "list", "List tokens (never their secrets)");
  leaf(tokens, "tokens", "revoke", "Revoke a token")
      ->add_option("id", admin.id, "Token id")
      ->required();
  auto* policy = admin_cmd->add_subcommand("policy", "The access policy in force");
  policy->require_subcommand(1);
  leaf(policy, "policy", "get", "Print the policy in force");
  leaf(policy, "policy", "history", "List applied policies");
  leaf(policy, "policy", "set", "Validate and apply a policy file")
      ->add_option("file", admin.file, "Policy file")
      ->required();
  leaf(policy, "policy", "check", "Validate a policy file against the server's registry")
      ->add_option("file", admin.file, "Policy file")
      ->required();
  auto* dns = admin_cmd->add_subcommand(
      "dns", "The tailnet's DNS settings, which MagicDNS on every node uses");
  dns->require_subcommand(1);
  leaf(dns, "dns", "show", "Print the tailnet domain, nameservers, search domains and split DNS");
  auto* dns_set = leaf(dns, "dns", "set",
                       "Replace the DNS settings whole (no options: clear them); nodes apply them "
                       "at once");
  dns_set->add_option("--nameserver", admin.nameservers,
                      "Upstream nameserver (IP) for names outside the tailnet; repeatable")
      ->delimiter(',');
  dns_set->add_option("--search-domain", admin.search_domains,
                      "Search domain for nodes' resolv.conf, after the tailnet domain; repeatable")
      ->delimiter(',');
  dns_set->add_option("--split", admin.split_dns,
                      "Split DNS: names at or under DOMAIN go to these nameservers "
                      "(DOMAIN=IP[,IP...]); repeatable");
  admin_cmd->add_subcommand("status", "The server's counters (streams, devices, maps, deltas)")
      ->callback([&admin] { admin.area = "status"; });
  auto* tailnet = admin_cmd->add_subcommand("tailnet", "The tailnet as policy tests see it");
  tailnet->require_subcommand(1);
  leaf(tailnet, "tailnet", "export",
       "Write the tailnet file (users, roles, devices) for `weft acl check --tailnet FILE`")
      ->add_option("--output", admin.output, "Write to FILE (default: stdout)");

  weft::cli::StatusOptions status;
  auto* status_cmd = app.add_subcommand("status", "This node and its peers (talks to weft up)");
  status_cmd->add_option("--state", status.state_dir,
                         "The node's state directory (default /var/lib/weft)");
  status_cmd->add_flag("--json", status.json, "Print the node's JSON answer");
  weft::cli::PingOptions ping;
  auto* ping_cmd = app.add_subcommand(
      "ping", "Discovery pings to a peer: does it answer directly or through a relay (talks to "
              "weft up)");
  ping_cmd->add_option("peer", ping.peer, "The peer's name, DNS name or tailnet address")
      ->required();
  ping_cmd->add_option("-c,--count", ping.count,
                       "Pings to send (1-1000; default 4, 10 with --until-direct)")
      ->check(CLI::Range(1, 1000));
  auto* icmp_flag = ping_cmd->add_flag(
      "--icmp", ping.icmp, "ICMP echo through the tunnel instead, where the packet filters apply");
  ping_cmd
      ->add_flag("--until-direct", ping.until_direct,
                 "Stop at the first pong that came directly; exit 1 if none did")
      ->excludes(icmp_flag);
  ping_cmd->add_option("--state", ping.state_dir,
                       "The node's state directory (default /var/lib/weft)");
  weft::cli::DownOptions down;
  auto* down_cmd = app.add_subcommand("down", "Stop the running node cleanly (talks to weft up)");
  down_cmd->add_option("--state", down.state_dir,
                       "The node's state directory (default /var/lib/weft)");

  weft::cli::NetcheckOptions netcheck;
  auto* netcheck_cmd = app.add_subcommand(
      "netcheck", "UDP reachability, public address, NAT mapping and relay region latencies");
  auto* netcheck_server = netcheck_cmd->add_option(
      "--server", netcheck.server, "Probe the relay map of this coordination server (URL)");
  netcheck_cmd->add_option("--relay-map", netcheck.relay_map, "Probe the regions of this relay map file")
      ->excludes(netcheck_server);
  netcheck_cmd->add_option("--format", netcheck.format, "text or json")
      ->capture_default_str()
      ->check(CLI::IsMember({"text", "json"}));
  netcheck_cmd->add_option("--timeout", netcheck.timeout, "The whole check's budget (default 5s)");
  netcheck_cmd->add_option("--ca-file", netcheck.ca_file,
                           "PEM file of CAs to trust for an https server (default: the system's)");

  weft::cli::DerpCliOptions derp;
  auto* derp_cmd = app.add_subcommand("derp", "Run a relay (and its STUN server) in the foreground");
  derp_cmd->add_option("--listen", derp.listen, "ADDRESS:PORT for relay clients (HTTP upgrade)")
      ->required();
  derp_cmd->add_option("--stun-port", derp.stun_port, "UDP port of the STUN server; 0: none")
      ->capture_default_str();
  derp_cmd->add_option("--tls-cert", derp.tls_cert, "PEM certificate chain for TLS");
  derp_cmd->add_option("--tls-key", derp.tls_key, "PEM private key for TLS");
  derp_cmd->add_option("--verify-clients", derp.verify_clients,
                       "Serve only node keys this coordination server (URL) vouches for");
  derp_cmd->add_option("--ca-file", derp.ca_file, "PEM CA file for an https --verify-clients URL");
  derp_cmd->add_option("--state", derp.state_dir,
                       "Directory of the relay's key (default: a new key each start)");

  weft::cli::SimRunOptions sim;
  auto* sim_cmd = app.add_subcommand("sim", "Rehearse failures in the ns-3 simulation harness");
  sim_cmd->require_subcommand(1);
  auto* sim_run_cmd = sim_cmd->add_subcommand(
      "run", "Run scenario files (docs/scenarios.md); exit 1 if an expectation fails");
  sim_run_cmd->add_option("files", sim.files, "Scenario files (*.hujson)")->required();
  sim_run_cmd->add_option("--format", sim.format, "text or json")
      ->capture_default_str()
      ->check(CLI::IsMember({"text", "json"}));
  sim_run_cmd->add_option("--pcap", sim.pcap_dir, "Write pcap files of every simulated link to DIR");
  uint64_t sim_seed = 0;
  auto* sim_seed_opt = sim_run_cmd->add_option(
      "--seed", sim_seed, "Seed of every key and random draw (default: the file's, else 1)");

  // Hidden: the man pages and completions, rendered from this tree (cli/docs.h; the build runs it).
  weft::cli::DocsOptions docs;
  auto* docs_cmd = app.add_subcommand("__docs", "Write man pages or a shell completion")->group("");
  docs_cmd->add_option("format", docs.format)->required()->check(CLI::IsMember({"man", "bash", "zsh"}));
  docs_cmd->add_option("--output", docs.output, "Directory (man) or file (default: stdout)");

  // Called as weft-wireguard-go (a link, for WG_QUICK_USERSPACE_IMPLEMENTATION, which must be
  // one program), the arguments are wireguard-go's.
  std::vector<std::string> args(argv + 1, argv + argc);
  std::string self = argv[0];
  if (self.substr(self.rfind('/') + 1) == "weft-wireguard-go") {
    args.insert(args.begin(), "wireguard-go");
  }
  std::reverse(args.begin(), args.end());  // CLI11 takes them last first

  try {
    app.parse(args);
  } catch (const CLI::Success& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return 2;
  }

  if (docs_cmd->parsed()) return weft::cli::run_docs(weft::cli::describe(app), docs);
  if (check_cmd->parsed()) return weft::cli::run_acl_check(check);
  if (query_cmd->parsed()) return weft::cli::run_acl_query(query);
  if (tunnel_cmd->parsed()) return weft::cli::run_tunnel(tunnel);
  if (wggo_cmd->parsed()) return weft::cli::run_wireguard_go(wggo);
  if (serve_cmd->parsed()) return weft::cli::run_serve(serve);
  if (derp_cmd->parsed()) return weft::cli::run_derp(derp);
  if (admin_cmd->parsed()) return weft::cli::run_admin(admin);
  if (status_cmd->parsed()) return weft::cli::run_status(status);
  if (ping_cmd->parsed()) return weft::cli::run_ping(ping);
  if (down_cmd->parsed()) return weft::cli::run_down(down);
  if (up_cmd->parsed()) return weft::cli::run_up(up);
  if (netcheck_cmd->parsed()) return weft::cli::run_netcheck(netcheck);
  if (sim_run_cmd->parsed()) {
    if (sim_seed_opt->count() > 0) sim.seed = sim_seed;
    return weft::cli::run_sim(sim);
  }
  std::cerr << app.help();
  return 2;
}
