// Device posture on the server (docs/network-config.md, "Device posture"): the attributes the
// policy's `postures` read, the checks on the operator's attributes, and the registry's edit.
#include "coord/posture.h"

#include <algorithm>

#include "coord/registry.h"
#include "policy/posture_expr.h"
#include "util/utf8.h"

namespace weft::coord {
namespace {

constexpr std::string_view kClientPrefix = "weft ";

Error refused(std::string detail) {
  return make_error("coord.posture_attribute", std::move(detail));
}

}  // namespace

std::map<std::string, std::string> posture_of(const Device& d) {
  std::map<std::string, std::string> out;
  if (!d.os.empty()) out["node:os"] = d.os;
  if (!d.os_version.empty()) out["node:osVersion"] = d.os_version;
  std::string_view version = d.client_version;
  if (version.substr(0, kClientPrefix.size()) == kClientPrefix)
    version.remove_prefix(kClientPrefix.size());
  if (!version.empty()) out["node:tsVersion"] = std::string(version);
  // The operator's names never collide with the node's: check_posture_attribute_name refuses
  // node: and ip:.
  for (const auto& [name, value] : d.posture_attributes) out[name] = value;
  return out;
}

Status check_posture_attribute_name(std::string_view name) {
  if (name.size() > kMaxPostureNameBytes)
    return refused("attribute name longer than " + std::to_string(kMaxPostureNameBytes) +
                   " bytes");
  const std::string quoted = "\"" + std::string(name) + "\"";
  // A name is settable when a policy can name it: the policy's own parser decides.
  auto parsed = policy::parse_posture_condition(std::string(name) + " IS SET");
  if (!parsed || parsed.value().attribute != name)
    return refused("attribute " + quoted + " is not namespace:name as a policy writes it" +
                   (parsed ? std::string() : " (" + parsed.error().message + ")"));
  const std::string_view ns = name.substr(0, name.find(':'));
  if (ns == "node" || ns == "ip")
    return refused("attribute " + quoted + " is reported by the node or derived by the " +
                   "server; operators set custom: or a posture provider's attributes");
  return Ok{};
}

Status check_posture_attribute_value(std::string_view value) {
  if (value.size() > kMaxPostureValueBytes)
    return refused("attribute value longer than " + std::to_string(kMaxPostureValueBytes) +
                   " bytes");
  if (util::find_invalid_utf8(value) != std::string_view::npos)
    return refused("attribute value is not UTF-8");
  for (unsigned char c : value)
    if (c < 0x20 || c == 0x7f) return refused("attribute value holds a control character");
  return Ok{};
}

Result<std::map<std::string, std::string>> edit_posture_attributes(
    const std::map<std::string, std::string>& current,
    const std::map<std::string, std::string>& set, const std::vector<std::string>& unset) {
  std::map<std::string, std::string> next = current;
  for (const auto& [name, value] : set) {
    if (auto st = check_posture_attribute_name(name); !st) return st.error();
    if (auto st = check_posture_attribute_value(value); !st) return st.error();
    if (std::find(unset.begin(), unset.end(), name) != unset.end())
      return refused("attribute \"" + name + "\" is both set and unset");
    next[name] = value;
  }
  for (const auto& name : unset) {
    if (auto st = check_posture_attribute_name(name); !st) return st.error();
    next.erase(name);
  }
  if (next.size() > kMaxPostureAttributes)
    return refused("a device holds at most " + std::to_string(kMaxPostureAttributes) +
                   " attributes");
  return next;
}

Result<RegistryChange> Registry::set_posture_attributes(
    DeviceId id, const std::map<std::string, std::string>& set,
    const std::vector<std::string>& unset) {
  auto device = live_device(id);
  if (!device) return device.error();
  auto next_attrs = edit_posture_attributes(device->posture_attributes, set, unset);
  if (!next_attrs) return next_attrs.error();
  RegistryChange change;
  if (*next_attrs == device->posture_attributes) return change;
  Device next = std::move(*device);
  next.posture_attributes = std::move(*next_attrs);
  put_device(next, change);
  return change;
}

}  // namespace weft::coord
