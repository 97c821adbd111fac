// `weft acl query FILE --src ID --dst HOST:PORT [--proto P]`: explain one decision.
// Prints "accept FILE:LINE (rule)" and exits 0, or "deny" and exits 1; 2 on any error.
#include <iostream>

#include "commands.h"
#include "policy/pipeline.h"
#include "policy/query.h"
#include "policy_file.h"

namespace weft::cli {

int run_acl_query(const AclQueryOptions& options) {
  std::string io_error;
  auto text = read_policy_text(options.file, io_error);
  if (!text) {
    std::cerr << "weft: " << io_error << "\n";
    return 2;
  }
  policy::CheckedPolicy checked = policy::check_policy(*text, policy::RunTests::kNo);
  if (!checked.evaluator) {
    for (const auto& d : checked.diagnostics) {
      if (d.severity != policy::Severity::kError) continue;
      std::cerr << options.file << ":" << d.at.line << ":" << d.at.column << ": error: " << d.message << "\n";
    }
    std::cerr << "weft: " << options.file << " is not a valid policy\n";
    return 2;
  }
  const policy::Policy& pol = *checked.policy;

  auto src = policy::identity_from_text(pol, options.src, /*is_src=*/true);
  if (!src) {
    std::cerr << "weft: --src: " << src.error().detail << "\n";
    return 2;
  }
  auto dst = policy::target_from_text(pol, options.dst);
  if (!dst) {
    std::cerr << "weft: --dst: " << dst.error().detail << "\n";
    return 2;
  }
  uint8_t proto = policy::kProtoTcp;
  if (!options.proto.empty()) {
    auto p = policy::protocol_from_text(options.proto);
    if (!p) {
      std::cerr << "weft: --proto: unknown protocol \"" << options.proto << "\"\n";
      return 2;
    }
    proto = *p;
  }

  policy::Decision d = checked.evaluator->decide(*src, dst->identity, proto, dst->port);
  if (!d.accept) {
    std::cout << "deny\n";
    return 1;
  }
  std::cout << "accept " << options.file << ":" << d.rule->at.line << " ("
            << (d.rule->kind == policy::RuleRef::Kind::kAcl ? "acls" : "grants") << "["
            << d.rule->index << "])\n";
  return 0;
}

}  // namespace weft::cli
