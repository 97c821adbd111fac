// The weft binary: argument parsing for every subcommand (the only CLI11 translation unit).
// Exit codes: 0 success, 1 a negative answer (invalid policy, deny), 2 usage or I/O error.
#include <CLI/CLI.hpp>

#include <iostream>

#include "commands.h"

int main(int argc, char** argv) {
  CLI::App app{"weft: self-hostable mesh VPN toolkit", "weft"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "weft 0.1.0");

  auto* acl = app.add_subcommand("acl", "Validate and query access-policy files (offline)");
  acl->require_subcommand(1);

  weft::cli::AclCheckOptions check;
  auto* check_cmd = acl->add_subcommand(
      "check", "Validate policy files and run their tests; exit 0 valid, 1 invalid, 2 error");
  check_cmd->add_option("--format", check.format, "Output format")
      ->check(CLI::IsMember({"text", "json", "github"}));
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
  tunnel_cmd->add_option("--config", tunnel.config, "WireGuard config file (wg-quick format)")
      ->required();
  tunnel_cmd->add_option("--interface", tunnel.interface,
                         "Interface name (default: config file name without .conf)");
  tunnel_cmd->add_option("--socket-dir", tunnel.socket_dir,
                         "Directory of the UAPI socket (default /var/run/wireguard)");
  tunnel_cmd->add_option("--threads", tunnel.threads,
                         "1: one event loop; 2: UDP receive path in its own thread")
      ->check(CLI::Range(1, 2))
      ->capture_default_str();

  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return 2;
  }

  if (check_cmd->parsed()) return weft::cli::run_acl_check(check);
  if (query_cmd->parsed()) return weft::cli::run_acl_query(query);
  if (tunnel_cmd->parsed()) return weft::cli::run_tunnel(tunnel);
  std::cerr << app.help();
  return 2;
}
