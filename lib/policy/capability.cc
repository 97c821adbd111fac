// Application capability names: the {domain}/{path} form Tailscale requires and the one table
// of capabilities in the tailscale.com domain that a grant may name.
#include "policy/capability.h"

#include <algorithm>
#include <array>

#include "policy/diagnostic.h"
#include "policy/selector.h"

namespace weft::policy {
namespace {

constexpr std::string_view kTailscaleDomain = "tailscale.com/";

// The tailscale.com capabilities a grant may give, each with its source. Tailscale's API
// refuses every other name in its domain ("capability name must not be in the tailscale.com
// domain"): the companions the server derives itself (drive-sharer, relay-target), the ones it
// sets internally (ingress, funnel, file-sharing-target, ...), and names it does not know.
//  - Tailscale features, from tailcfg/peercap/peercap.go in github.com/tailscale/tailscale at
//    commit de9ec7ee25627e0e518f53c710a3fc3d947c86c1
//    (https://github.com/tailscale/tailscale/blob/de9ec7ee25627e0e518f53c710a3fc3d947c86c1/tailcfg/peercap/peercap.go);
//    webui, drive, relay and kubernetes are accepted in grants and relay-target, ingress and
//    funnel refused in the API answers recorded by headscale (hscontrol/policy/v2/testdata/
//    grant_results/grant-a3..a6, b1, k9, k10 at commit f20f1f127842).
//  - Tailscale's published apps: tsidp (tailscale.com/cap/tsidp, peercap.go above; refused in
//    June 2025, accepted later by a user's report in tailscale/tailscale#16312), TailSQL
//    (Tailscale kb/1324's grants walkthrough), golink (Tailscale's golink documentation), setec
//    (github.com/tailscale/setec, "tailscale.com/cap/secrets"), proxy-to-grafana
//    (cmd/proxy-to-grafana/proxy-to-grafana.go at the tailscale commit above).
constexpr std::array<std::string_view, 9> kGrantable = {
    "tailscale.com/cap/webui",      "tailscale.com/cap/drive",   "tailscale.com/cap/relay",
    "tailscale.com/cap/kubernetes", "tailscale.com/cap/tsidp",   "tailscale.com/cap/tailsql",
    "tailscale.com/cap/golink",     "tailscale.com/cap/secrets", "tailscale.com/cap/proxy-to-grafana",
};

}  // namespace

const std::vector<std::string>& grantable_tailscale_capabilities() {
  static const std::vector<std::string> all(kGrantable.begin(), kGrantable.end());
  return all;
}

std::optional<std::string> capability_name_error(std::string_view name, CapabilityPlace place) {
  auto slash = name.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == name.size() ||
      name.find("://") != std::string_view::npos)
    return "app capability name " + quoted(name) +
           " must have the form {domain}/{path}, such as \"example.com/cap/name\" (no \"https://\")";
  if (place != CapabilityPlace::kGrant || !name.starts_with(kTailscaleDomain)) return std::nullopt;
  if (std::find(kGrantable.begin(), kGrantable.end(), name) != kGrantable.end()) return std::nullopt;
  return "app capability name " + quoted(name) +
         " is in the tailscale.com domain, where a grant may name only the capabilities Tailscale "
         "publishes; name your own under your domain (\"example.com/cap/name\")" +
         did_you_mean(name, grantable_tailscale_capabilities());
}

}  // namespace weft::policy
