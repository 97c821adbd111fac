// Application capability names: the {domain}/{path} form, and the tailscale.com names a grant
// may give (the one table in lib/policy/capability.cc).
#define BOOST_TEST_MODULE policy_capability
#include <boost/test/unit_test.hpp>

#include "policy/capability.h"

using namespace weft::policy;

BOOST_AUTO_TEST_SUITE(capability)

BOOST_AUTO_TEST_CASE(accepts_names_of_the_form_domain_slash_path) {
  for (const char* ok : {"example.com/cap/x", "example.com/a/b/c/d/e/f", "my-company.internal/cap/access", "a/b"}) {
    BOOST_TEST(!capability_name_error(ok, CapabilityPlace::kGrant).has_value(), ok);
    BOOST_TEST(!capability_name_error(ok, CapabilityPlace::kNodeAttr).has_value(), ok);
  }
}

BOOST_AUTO_TEST_CASE(refuses_names_without_domain_and_path_or_with_a_scheme) {
  for (const char* bad : {"nopath", "/cap/x", "example.com/", "", "https://example.com/cap/x",
                          "https://tailscale.com/cap/ingress"}) {
    auto e = capability_name_error(bad, CapabilityPlace::kGrant);
    BOOST_TEST_REQUIRE(e.has_value(), bad);
    BOOST_TEST(e->find("must have the form {domain}/{path}") != std::string::npos, *e);
    BOOST_TEST(capability_name_error(bad, CapabilityPlace::kNodeAttr).has_value(), bad);
  }
}

BOOST_AUTO_TEST_CASE(grants_may_name_only_the_tailscale_capabilities_tailscale_publishes) {
  for (const auto& published : grantable_tailscale_capabilities())
    BOOST_TEST(!capability_name_error(published, CapabilityPlace::kGrant).has_value(), published);
  for (const char* own : {"tailscale.com/cap/relay-target", "tailscale.com/cap/drive-sharer",
                          "tailscale.com/cap/ingress", "tailscale.com/cap/funnel", "tailscale.com/cap/nope"}) {
    auto e = capability_name_error(own, CapabilityPlace::kGrant);
    BOOST_TEST_REQUIRE(e.has_value(), own);
    BOOST_TEST(e->find("is in the tailscale.com domain, where a grant may name only the capabilities "
                       "Tailscale publishes") != std::string::npos, *e);
  }
  auto typo = capability_name_error("tailscale.com/cap/tailsq", CapabilityPlace::kGrant);
  BOOST_TEST_REQUIRE(typo.has_value());
  BOOST_TEST(typo->ends_with("; did you mean \"tailscale.com/cap/tailsql\"?"), *typo);
}

BOOST_AUTO_TEST_CASE(node_attrs_may_use_tailscale_names) {
  // App connectors are configured as {"app": {"tailscale.com/app-connectors": [...]}}.
  BOOST_TEST(!capability_name_error("tailscale.com/app-connectors", CapabilityPlace::kNodeAttr).has_value());
  BOOST_TEST(capability_name_error("tailscale.com/app-connectors", CapabilityPlace::kGrant).has_value());
}

BOOST_AUTO_TEST_SUITE_END()
