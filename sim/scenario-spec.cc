// Names and small helpers of the scenario file's data (see scenario-spec.h).
#include "scenario-spec.h"

#include <cstdio>

namespace weft::sim {

const char* to_string(EventKind kind) {
  switch (kind) {
    case EventKind::kServerDown: return "server-down";
    case EventKind::kServerUp: return "server-up";
    case EventKind::kRelayDown: return "relay-down";
    case EventKind::kRelayUp: return "relay-up";
    case EventKind::kLinkDown: return "link-down";
    case EventKind::kLinkUp: return "link-up";
    case EventKind::kLinkDegraded: return "link-degraded";
    case EventKind::kRestart: return "restart";
    case EventKind::kMove: return "move";
    case EventKind::kPolicy: return "policy";
    case EventKind::kRotateKey: return "rotate-key";
    case EventKind::kKeyExpiry: return "key-expiry";
    case EventKind::kJoin: return "join";
    case EventKind::kLeave: return "leave";
    case EventKind::kUdpBlock: return "udp-block";
    case EventKind::kUdpOpen: return "udp-open";
    case EventKind::kLogin: return "login";
    case EventKind::kDns: return "dns";
    case EventKind::kSetAttr: return "set-attr";
    case EventKind::kUnsetAttr: return "unset-attr";
    case EventKind::kApproveRoutes: return "approve-routes";
    case EventKind::kRejectRoutes: return "reject-routes";
    case EventKind::kExitNode: return "exit-node";
  }
  return "?";
}

const char* to_string(Route route) {
  switch (route) {
    case Route::kDirect: return "direct";
    case Route::kRelay: return "relay";
    case Route::kNone: return "none";
  }
  return "?";
}

const char* to_string(CryptoPath path) {
  switch (path) {
    case CryptoPath::kWhole: return "whole";
    case CryptoPath::kSplitInline: return "split-inline";
    case CryptoPath::kSplit: return "split";
  }
  return "?";
}

SimTime ExpectSpec::JudgedAt() const {
  switch (kind) {
    case ExpectKind::kReaches:
    case ExpectKind::kReachesAddress:
    case ExpectKind::kResolves:
    case ExpectKind::kDnsRcode: return at + within;
    case ExpectKind::kNoNewConnection:
    case ExpectKind::kDelivers: return to;
    default: return at;
  }
}

const NodeSpec* ScenarioSpec::FindNode(const std::string& name) const {
  for (const NodeSpec& n : nodes) {
    if (n.name == name) return &n;
  }
  return nullptr;
}

const ResolverSpec* ScenarioSpec::FindResolver(const std::string& name) const {
  for (const ResolverSpec& r : resolvers) {
    if (r.name == name) return &r;
  }
  return nullptr;
}

std::string time_text(SimTime t) {
  const int64_t ns = t.count();
  char buf[48];
  if (ns % 1000000000 == 0) {
    std::snprintf(buf, sizeof buf, "%llds", static_cast<long long>(ns / 1000000000));
  } else if (ns % 1000000 == 0 && ns < 1000000000) {
    std::snprintf(buf, sizeof buf, "%lldms", static_cast<long long>(ns / 1000000));
  } else {
    std::snprintf(buf, sizeof buf, "%.3fs", static_cast<double>(ns) / 1e9);
  }
  return buf;
}

}  // namespace weft::sim
