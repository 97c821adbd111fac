// Test helpers: selectors built by hand, for unit tests that construct a Policy without the loader.
#pragma once

#include <string>
#include <utility>

#include "policy/model.h"

namespace weft::test {

inline policy::Selector sel(policy::SelectorKind kind, std::string name) {
  policy::Selector s;
  s.kind = kind;
  s.name = std::move(name);
  return s;
}
inline policy::Selector user(std::string n) { return sel(policy::SelectorKind::kUser, std::move(n)); }
inline policy::Selector group(std::string n) { return sel(policy::SelectorKind::kGroup, std::move(n)); }
inline policy::Selector tag(std::string n) { return sel(policy::SelectorKind::kTag, std::move(n)); }
inline policy::Selector any() { return sel(policy::SelectorKind::kWildcard, "*"); }

}  // namespace weft::test
