// Hypothetical identities for the facts a policy file cannot hold: users' roles and synced
// groups, the members of a synced group, the device behind a tailnet address (docs/policy.md,
// "What offline checking cannot know").
#include "policy/test_unknowns.h"

#include <algorithm>

#include "policy/compiled_policy.h"
#include "policy/selector.h"
#include "policy/tailnet.h"

namespace weft::policy {
namespace {

bool starts_with(const std::string& s, std::string_view prefix) {
  return s.size() >= prefix.size() && s.compare(0, prefix.size(), prefix) == 0;
}

}  // namespace

Unknowns::Unknowns(const Evaluator& evaluator) {
  // The compiled policy interns exactly the texts its rules name; what no rule names cannot
  // change a verdict.
  for (const auto& [text, key] : evaluator.compiled().keys_) {
    if (starts_with(text, "addr:") || starts_with(text, "ipset:") || starts_with(text, "svc:"))
      continue;
    if (starts_with(text, "tag:")) {
      tags_.push_back(text);
      continue;
    }
    people_keys_.push_back(text);
    if (is_role_autogroup(text)) roles_.push_back(text.substr(std::string_view("autogroup:").size()));
    if (is_synced_group(text)) synced_.push_back(text);
  }
  // Sorted, so messages do not depend on hash order.
  for (auto* v : {&roles_, &synced_, &tags_, &people_keys_}) std::sort(v->begin(), v->end());
}

Hypotheses Unknowns::of(const Identity& id, const std::string& name,
                        const std::optional<std::string>& other_user) const {
  Hypotheses h;
  if (!id.services.empty()) return h;
  if (id.user && id.tags.empty()) {
    // A user the test names: the tailnet knows its roles and its synced groups.
    const std::string& u = *id.user;
    const std::string missing = synced_.empty() ? "what roles " + u + " has"
                                : roles_.empty() ? "which synced groups " + u + " is in"
                                                 : "what roles and synced groups " + u + " has";
    for (const auto& r : roles_) {
      Hypothesis x{id, missing, u + " has the " + r + " role"};
      x.id.roles.push_back(r);
      h.singles.push_back(std::move(x));
    }
    for (const auto& g : synced_) {
      Hypothesis x{id, missing, u + " is in " + g};
      x.id.groups.push_back(g);
      h.singles.push_back(std::move(x));
    }
    if (h.singles.size() > 1) {
      Hypothesis all{id, missing, u + " has every role and synced group the policy names"};
      all.id.roles.insert(all.id.roles.end(), roles_.begin(), roles_.end());
      all.id.groups.insert(all.id.groups.end(), synced_.begin(), synced_.end());
      h.maxima.push_back(std::move(all));
    } else if (h.singles.size() == 1) {
      h.maxima.push_back(h.singles.front());
    }
    return h;
  }
  // A device of any user: the identity carries every user, group, domain and role key the
  // rules name (Identity::groups resolves any interned selector text), which no single device
  // has; rules pair one source key with one destination key, so the union decides as the best
  // single user would (docs/policy.md).
  auto any_user = [&](Identity base, std::string missing, std::string assumed) {
    Hypothesis x{std::move(base), std::move(missing), std::move(assumed)};
    x.id.user = other_user.value_or("");
    x.id.roles.insert(x.id.roles.end(), roles_.begin(), roles_.end());
    x.id.groups.insert(x.id.groups.end(), people_keys_.begin(), people_keys_.end());
    return x;
  };
  if (!id.user && id.tags.empty() && id.addresses.empty() && !id.groups.empty() &&
      is_synced_group(id.groups.front())) {
    // A synced group without a definition: its members are the identity provider's.
    if (people_keys_.empty() && roles_.empty()) return h;
    const std::string& g = id.groups.front();
    h.maxima.push_back(any_user(id, "who is in " + g,
                                "its members include users the policy names"));
    return h;
  }
  if (id.user || !id.tags.empty() || id.addresses.size() != 1 || !id.groups.empty()) return h;
  const util::IpAddress& a = id.addresses.front();
  if (!is_tailnet_address(a)) return h;
  const std::string what = name == a.to_string() ? name : name + " (" + a.to_string() + ")";
  const std::string missing = "which device holds " + what;
  if (other_user) {
    Identity own = id;
    own.user = other_user;
    h.singles.push_back({std::move(own), missing, what + " is a device of " + *other_user});
  }
  for (const auto& t : tags_) {
    Identity tagged = id;
    tagged.tags = {t};
    h.singles.push_back({std::move(tagged), missing, what + " is a device tagged " + t});
  }
  for (const auto& k : people_keys_) {
    Identity owned = id;
    owned.user = "";
    std::string whose;
    if (k.find(':') == std::string::npos) {
      owned.user = k;
      whose = k;
    } else {
      owned.groups = {k};
      whose = is_role_autogroup(k) ? "a user with the " + k.substr(k.find(':') + 1) + " role"
              : k.rfind("user:*@", 0) == 0 ? "a user of " + k.substr(k.find('@') + 1)
                                           : "a member of " + k;
    }
    h.singles.push_back({std::move(owned), missing, what + " is a device of " + whose});
  }
  Identity tagged = id;
  // A tagged device matches autogroup:tagged even when no rule names its tag.
  tagged.tags = tags_.empty() ? std::vector<std::string>{"tag:"} : tags_;
  h.maxima.push_back({std::move(tagged), missing, what + " is a tagged device"});
  h.maxima.push_back(any_user(id, missing, what + " is a device of some user"));
  return h;
}

}  // namespace weft::policy
