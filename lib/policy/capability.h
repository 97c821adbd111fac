// Application capability names, the keys of grant and nodeAttrs `app` objects: their
// {domain}/{path} form, and which names in Tailscale's own domain a grant may give
// (docs/policy.md, "grants").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace weft::policy {

/// Where a capability name is written: a grant's `app` gives it to peers; a nodeAttrs `app`
/// configures Tailscale features on the targets ("tailscale.com/app-connectors").
enum class CapabilityPlace : uint8_t { kGrant, kNodeAttr };

/// The capabilities in the tailscale.com domain that a grant may name: those Tailscale
/// publishes for its features and apps. Any other tailscale.com name is Tailscale's to give.
const std::vector<std::string>& grantable_tailscale_capabilities();

/// Why `name` cannot be an app capability name at `place`, or nullopt when it can. Errors:
///  - not {domain}/{path}: no '/', an empty domain or path, or a URL scheme ("https://...");
///  - in a grant, a name in the tailscale.com domain not in grantable_tailscale_capabilities()
///    (with "did you mean" when one is close).
std::optional<std::string> capability_name_error(std::string_view name, CapabilityPlace place);

}  // namespace weft::policy
