// Cross-reference checks of a read Policy: definitions exist, aliases appear only where the
// language allows them, ipsets have no cycles (docs/policy.md, "Where each kind may appear").
#include "policy/validate.h"

#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "policy/selector.h"

namespace weft::policy {
namespace {

using Kind = SelectorKind;

// Names defined by one section, for lookups and for "did you mean" candidates.
class NameTable {
 public:
  void add(std::string_view name, std::size_t index) {
    if (index_.emplace(name, index).second) names_.emplace_back(name);
  }
  const std::size_t* find(std::string_view name) const {
    auto it = index_.find(name);
    return it == index_.end() ? nullptr : &it->second;
  }
  const std::vector<std::string>& names() const { return names_; }

 private:
  std::unordered_map<std::string_view, std::size_t> index_;
  std::vector<std::string> names_;
};

class Validator {
 public:
  Validator(Policy& p, Diagnostics& out, const TailnetView& tailnet)
      : p_(p), out_(out), tailnet_(tailnet) {
    for (std::size_t i = 0; i < p.groups.size(); ++i) groups_.add(p.groups[i].name, i);
    for (std::size_t i = 0; i < p.tag_owners.size(); ++i) tags_.add(p.tag_owners[i].tag, i);
    for (std::size_t i = 0; i < p.hosts.size(); ++i) hosts_.add(p.hosts[i].name, i);
    host_used_.assign(p.hosts.size(), false);
    for (std::size_t i = 0; i < p.ipsets.size(); ++i) ipsets_.add(p.ipsets[i].name, i);
    for (std::size_t i = 0; i < p.postures.size(); ++i) postures_.add(p.postures[i].name, i);
  }

  Validator(const Validator&) = delete;
  Validator& operator=(const Validator&) = delete;

  void run(const ReadExtras& extras) {
    check_groups();
    check_tag_owners();
    check_ipsets();
    for (auto& acl : p_.acls) {
      rule_side(acl.src, true);
      for (auto& d : acl.dst) {
        d.target.at = d.at;
        if (d.target.kind == Kind::kAutogroupSelf && !self_sources_ok(d.target, acl.src, false)) continue;
        // Tailscale Services are reached through grants (Tailscale kb/1552); an ACL has no
        // way to name one.
        if (d.target.kind == Kind::kService) {
          error(d.at, quoted(d.target.name) + " not valid in acls: a Tailscale Service is reached "
                      "through a grant (\"dst\": [" + quoted(d.target.name) + "])");
          continue;
        }
        rule_side_one(d.target, false);
      }
    }
    for (auto& g : p_.grants) {
      rule_side(g.src, true);
      for (auto& d : g.dst) {
        // Tailscale refuses a grant to every address written as a prefix: "*" or
        // autogroup:internet say which of the two was meant.
        if (d.kind == Kind::kPrefix && d.prefix.bits() == 0) {
          error(d.at, quoted(d.name) + " is not a valid grant destination: to allow all IP "
                      "addresses, use \"*\" or \"autogroup:internet\"");
          continue;
        }
        if (d.kind == Kind::kAutogroupSelf && !self_sources_ok(d, g.src, true)) continue;
        if (d.kind == Kind::kService) service_destination(d);
        // Application capabilities are delivered to the destination's tailnet nodes; the
        // internet has none to receive them (Tailscale refuses the combination).
        if (d.kind == Kind::kAutogroupInternet && !g.app.empty()) {
          error(d.at, "\"autogroup:internet\" is not a valid destination for \"app\" "
                      "capabilities: they go to tailnet devices; grant \"ip\" instead");
          continue;
        }
        rule_side_one(d, false);
      }
      for (auto& v : g.via) {
        if (v.kind != Kind::kTag) {
          error(v.at, "\"via\" must list tags, found " + quoted(v.name));
          continue;
        }
        exists(v);
      }
    }
    for (auto& r : p_.auto_approvers.routes)
      for (auto& s : r.approvers) approver(s, "autoApprovers");
    for (auto& s : p_.auto_approvers.exit_node) approver(s, "autoApprovers");
    for (const auto& s : extras.service_approvers) {
      Selector copy = s;
      approver(copy, "autoApprovers");
    }
    for (auto& n : p_.node_attrs) {
      for (auto& t : n.target) {
        if (t.kind == Kind::kAutogroupSelf || t.kind == Kind::kAutogroupInternet ||
            t.kind == Kind::kAutogroupNonroot || t.kind == Kind::kIpSet || t.kind == Kind::kService) {
          error(t.at, quoted(t.name) + " not valid in nodeAttrs target");
          continue;
        }
        exists(t);
      }
    }
    check_ssh();
    check_tests();
    for (std::size_t i = 0; i < p_.hosts.size(); ++i)
      if (!host_used_[i]) warning(p_.hosts[i].at, "host " + quoted(p_.hosts[i].name) + " is never used");
    for (const auto& ref : extras.posture_refs) {
      if (!postures_.find(ref.name))
        error(ref.at, "posture not found: " + quoted(ref.name) + suggest(ref.name, postures_));
    }
  }

 private:
  void error(SourceRef at, std::string m) { out_.push_back({Severity::kError, at, std::move(m)}); }
  void warning(SourceRef at, std::string m) { out_.push_back({Severity::kWarning, at, std::move(m)}); }

  // "did you mean" for an undefined name, remembered per name and bounded in total: a file
  // with thousands of distinct undefined names against thousands of definitions must not cost
  // millions of edit distances.
  std::string suggest(const std::string& name, const NameTable& table) {
    auto [it, fresh] = suggestions_.try_emplace(name);
    if (!fresh) return it->second;
    std::size_t cost = table.names().size();
    if (cost > suggestion_budget_) return it->second;
    suggestion_budget_ -= cost;
    it->second = did_you_mean(name, table.names());
    return it->second;
  }

  // Reports an undefined group, tag, host or ipset; resolves hosts. False when undefined.
  bool exists(Selector& s) {
    switch (s.kind) {
      case Kind::kGroup:
        if (groups_.find(s.name)) return true;
        if (is_synced_group(s.name)) {
          synced_group(s);
          return true;
        }
        error(s.at, "group not found: " + quoted(s.name) + suggest(s.name, groups_));
        return false;
      case Kind::kTag:
        if (tags_.find(s.name)) return true;
        error(s.at, "tag not found: " + quoted(s.name) + suggest(s.name, tags_));
        return false;
      case Kind::kHost:
        if (const auto* i = hosts_.find(s.name)) {
          s.prefix = p_.hosts[*i].prefix;
          host_used_[*i] = true;
          return true;
        }
        error(s.at, "host not found: " + quoted(s.name) + suggest(s.name, hosts_));
        return false;
      case Kind::kIpSet:
        if (ipsets_.find(s.name)) return true;
        error(s.at, "ipset not found: " + quoted(s.name) + suggest(s.name, ipsets_));
        return false;
      case Kind::kAutogroupShared:
        warning(s.at, "\"autogroup:shared\" matches nobody offline (weft has no device sharing)");
        return true;
      default:
        return true;
    }
  }

  void rule_side_one(Selector& s, bool src) {
    if (s.kind == Kind::kAutogroupNonroot) {
      error(s.at, "\"autogroup:nonroot\" is only valid in ssh \"users\"");
      return;
    }
    if (src && (s.kind == Kind::kAutogroupSelf || s.kind == Kind::kAutogroupInternet)) {
      error(s.at, quoted(s.name) + " not valid on the src side of a rule");
      return;
    }
    if (src && s.kind == Kind::kService) {
      error(s.at, quoted(s.name) + " not valid on the src side of a rule: a Tailscale Service only "
                  "receives connections");
      return;
    }
    // "Everyone, even outside the tailnet" names people, not places (Tailscale kb/1396).
    if (!src && s.name == "autogroup:danger-all") {
      error(s.at, "\"autogroup:danger-all\" not valid on the dst side of a rule; use \"*\"");
      return;
    }
    exists(s);
  }

  // autogroup:self is "the source user's own devices": every source must be a person or a set
  // of people. Tags, autogroup:tagged, addresses, hosts and ipsets own no devices; in grants
  // Tailscale refuses even "*" (which includes tagged devices), while ACLs keep "*" as
  // "every user". Reports the first offending source at the destination; false when refused.
  bool self_sources_ok(const Selector& dst, const std::vector<Selector>& src, bool grant) {
    for (const auto& s : src) {
      bool person = s.kind == Kind::kUser || s.kind == Kind::kUserDomain || s.kind == Kind::kGroup ||
                    s.kind == Kind::kAutogroupMember ||
                    s.kind == Kind::kAutogroupAdmin || s.kind == Kind::kAutogroupShared ||
                    (!grant && s.kind == Kind::kWildcard);
      // Already refused on the src side; one message is enough.
      bool reported = s.kind == Kind::kAutogroupSelf || s.kind == Kind::kAutogroupInternet;
      if (person || reported) continue;
      error(dst.at, std::string(grant ? "grant" : "acl") + " dst \"autogroup:self\" needs sources that are "
                    "users, groups or autogroup:member" + (grant ? "" : " (or \"*\")") + ", found " +
                    quoted(s.name));
      return false;
    }
    return true;
  }

  // A group synced from the identity provider (SCIM) is valid without a `groups` entry; its
  // members are the identity provider's to know: offline it holds nobody, and a tailnet (file or
  // server) says who is in it. Said once a name, and only when it matches nobody.
  void synced_group(const Selector& s) {
    if (!synced_warned_.insert(s.name).second) return;
    if (!tailnet_.synced_members) {
      warning(s.at, quoted(s.name) + " is a group synced from the identity provider: it matches "
                    "nobody offline; tests can name it as a src");
    } else if (tailnet_.synced_members(s.name).empty()) {
      warning(s.at, quoted(s.name) + " is a group synced from the identity provider with no "
                    "members in " + tailnet_.source + ": it matches nobody; tests can name it "
                    "as a src");
    }
  }

  // weft's coordination server hosts no Tailscale Services, so a grant to one reaches no device
  // it knows; said once per service. Tests may still name the service as a destination.
  void service_destination(const Selector& d) {
    if (!services_warned_.insert(d.name).second) return;
    warning(d.at, quoted(d.name) + " is a Tailscale Service: it matches no device offline (weft "
                  "hosts no services); tests can name it as a destination");
  }

  void rule_side(std::vector<Selector>& v, bool src) {
    for (auto& s : v) rule_side_one(s, src);
  }

  // Who may own tags and approve routes: users, groups, tags and the identity autogroups.
  bool identity_kind(Kind k) {
    return k == Kind::kUser || k == Kind::kGroup || k == Kind::kTag || k == Kind::kAutogroupMember ||
           k == Kind::kAutogroupTagged || k == Kind::kAutogroupAdmin;
  }

  void approver(Selector& s, const char* where) {
    if (!identity_kind(s.kind)) {
      error(s.at, std::string(where) + " entries must be users, groups, tags or autogroups, found " +
                      quoted(s.name));
      return;
    }
    exists(s);
  }

  void check_groups() {
    for (auto& g : p_.groups) {
      for (auto& m : g.members) {
        if (m.kind == Kind::kGroup) {
          error(m.at, "group members cannot be recursive");
        } else if (m.kind != Kind::kUser) {
          error(m.at, "group " + quoted(g.name) + " members must be users, found " + quoted(m.name));
        }
      }
    }
  }

  void check_tag_owners() {
    for (auto& t : p_.tag_owners) {
      for (auto& o : t.owners) {
        if (!identity_kind(o.kind)) {
          error(o.at, "tag owners must be users, groups, tags or autogroups, found " + quoted(o.name));
          continue;
        }
        exists(o);
      }
    }
  }

  void check_ipsets() {
    for (auto& set : p_.ipsets)
      for (auto& e : set.entries) exists(e.selector);
    // Depth-first search for cycles with an explicit stack (a long chain of ipsets must not
    // exhaust the call stack); state 1 = on the current path, 2 = done.
    std::vector<uint8_t> state(p_.ipsets.size(), 0);
    struct Frame {
      std::size_t set;
      std::size_t next_entry;
    };
    std::vector<Frame> path;
    for (std::size_t root = 0; root < p_.ipsets.size(); ++root) {
      if (state[root] != 0) continue;
      state[root] = 1;
      path.push_back({root, 0});
      while (!path.empty()) {
        Frame& f = path.back();
        const auto& entries = p_.ipsets[f.set].entries;
        if (f.next_entry == entries.size()) {
          state[f.set] = 2;
          path.pop_back();
          continue;
        }
        const Selector& e = entries[f.next_entry++].selector;
        if (e.kind != Kind::kIpSet) continue;
        const auto* j = ipsets_.find(e.name);
        if (!j) continue;
        if (state[*j] == 1) {
          std::vector<std::size_t> cycle;
          bool on = false;
          for (const auto& k : path) {
            on = on || k.set == *j;
            if (on) cycle.push_back(k.set);
          }
          cycle.push_back(*j);
          // Long cycles keep their ends; the middle would drown the message.
          std::string chain;
          for (std::size_t k = 0; k < cycle.size(); ++k) {
            if (cycle.size() > 8 && k == 3) {
              chain += "... (" + std::to_string(cycle.size() - 6) + " more) -> ";
              k = cycle.size() - 3;
            }
            chain += p_.ipsets[cycle[k]].name;
            if (k + 1 < cycle.size()) chain += " -> ";
          }
          error(e.at, "ipsets cannot refer to themselves: " + chain);
        } else if (state[*j] == 0) {
          state[*j] = 1;
          path.push_back({*j, 0});
        }
      }
    }
  }

  void check_ssh() {
    for (auto& rule : p_.ssh) {
      for (auto& s : rule.src) {
        if (s.kind == Kind::kPrefix || s.kind == Kind::kHost || s.kind == Kind::kIpSet ||
            s.kind == Kind::kAutogroupSelf || s.kind == Kind::kAutogroupInternet ||
            s.kind == Kind::kAutogroupNonroot || s.kind == Kind::kService) {
          error(s.at, "ssh src must be users, groups, tags or autogroups, found " + quoted(s.name));
          continue;
        }
        exists(s);
      }
      // autogroup:self means "the source user's own devices", which a tagged source lacks.
      const Selector* tagged_src = nullptr;
      for (const auto& s : rule.src)
        if (s.kind == Kind::kTag || s.kind == Kind::kAutogroupTagged) tagged_src = &s;
      for (auto& d : rule.dst) {
        if (d.kind == Kind::kAutogroupSelf && tagged_src != nullptr) {
          error(d.at, "ssh dst \"autogroup:self\" needs a src of users, groups or autogroup:member, "
                      "found " + quoted(tagged_src->name));
          continue;
        }
        if (d.kind == Kind::kUser) {
          // A user's own devices are reachable only by that user (Tailscale's rule); anyone
          // else needs autogroup:self or tags.
          bool same = rule.src.size() == 1 && rule.src[0].kind == Kind::kUser && rule.src[0].name == d.name;
          if (!same)
            error(d.at, "ssh dst " + quoted(d.name) +
                            " is a user's devices; only that same user may be the src (use "
                            "\"autogroup:self\")");
          continue;
        }
        if (d.kind != Kind::kTag && d.kind != Kind::kAutogroupSelf && d.kind != Kind::kAutogroupTagged &&
            d.kind != Kind::kAutogroupMember) {
          error(d.at, "ssh dst must be tags, autogroup:self, autogroup:tagged, autogroup:member or the "
                      "src user, found " + quoted(d.name));
          continue;
        }
        exists(d);
      }
      // Recorders are nodes chosen by tag (Tailscale kb/1246, kb/1262).
      for (auto& rec : rule.recorder) {
        if (rec.kind != Kind::kTag) {
          error(rec.at, "ssh recorder must be tags, found " + quoted(rec.name));
          continue;
        }
        exists(rec);
      }
    }
  }

  // Where a test names a node: `tests` src and destinations, `sshTests` src and dst.
  enum class TestSide : uint8_t { kSrc, kDst, kSshSrc, kSshDst };

  // Every side takes a user, a group (each member must pass; a synced group is a node carrying
  // it), a tag, a host or one IP address; `tests` destinations also a Tailscale Service.
  void test_host(Selector& s, TestSide side) {
    static constexpr const char* kWhat[] = {"test src", "test destination", "sshTests src", "sshTests dst"};
    const char* what = kWhat[static_cast<int>(side)];
    bool ok = s.kind == Kind::kUser || s.kind == Kind::kGroup || s.kind == Kind::kTag ||
              s.kind == Kind::kHost || s.kind == Kind::kPrefix ||
              (side == TestSide::kDst && s.kind == Kind::kService);
    if (!ok) {
      error(s.at, std::string(what) + " must be a user, group, tag, host" +
                      (side == TestSide::kDst ? ", service" : "") + " or IP address, found " + quoted(s.name));
      return;
    }
    if (s.kind == Kind::kPrefix && !s.prefix.is_single_address()) {
      error(s.at, std::string(what) + " must be a single IP address, found " + quoted(s.name));
      return;
    }
    // Even a prefix of one address: Tailscale fails a test to "100.64.0.16/32:22" that the same
    // rules pass for "100.64.0.16:22" (recorded answer, docs/policy.md).
    if (s.kind == Kind::kPrefix && s.name.find('/') != std::string::npos) {
      error(s.at, std::string(what) + " must be a single IP address, found " + quoted(s.name) +
                      "; write " + quoted(s.prefix.address().to_string()));
      return;
    }
    // A test names one address and port; a host alias of a prefix names many (Tailscale
    // refuses it like the prefix written out).
    if (exists(s) && s.kind == Kind::kHost && !s.prefix.is_single_address()) {
      error(s.at, std::string(what) + " must be a single IP address, found host " + quoted(s.name) + " = " +
                      quoted(s.prefix.to_string()));
      return;
    }
    if (side == TestSide::kSshDst && names_ipv6_address(s))
      warning(s.at, "sshTests dst " + quoted(s.name) +
                        (s.kind == Kind::kHost ? " = " + quoted(s.prefix.address().to_string()) : "") +
                        " is an IPv6 address: Tailscale finds no device by it, so no ssh rule matches "
                        "(its accept and check cases fail); write the device's IPv4 address");
  }

  void check_tests() {
    for (auto& t : p_.tests) {
      test_host(t.src, TestSide::kSrc);
      for (auto& a : t.accept) test_host(a.host, TestSide::kDst);
      for (auto& d : t.deny) test_host(d.host, TestSide::kDst);
    }
    for (auto& t : p_.ssh_tests) {
      test_host(t.src, TestSide::kSshSrc);
      for (auto& d : t.dst) test_host(d, TestSide::kSshDst);
    }
  }

  Policy& p_;
  Diagnostics& out_;
  const TailnetView& tailnet_;
  std::vector<bool> host_used_;
  std::unordered_map<std::string, std::string> suggestions_;
  std::unordered_set<std::string> services_warned_;
  std::unordered_set<std::string> synced_warned_;
  std::size_t suggestion_budget_ = 1'000'000;  // candidate comparisons
  NameTable groups_, tags_, hosts_, ipsets_, postures_;
};

}  // namespace

void validate(Policy& policy, const ReadExtras& extras, Diagnostics& out,
              const TailnetView& tailnet) {
  Validator(policy, out, tailnet).run(extras);
}

}  // namespace weft::policy
