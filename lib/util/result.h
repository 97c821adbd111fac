// weft::Result<T>: a value or an error, for cores that never throw (see docs/architecture.md).
// C++17-clean on purpose: driver-facing headers that include it are compiled by ns-3 units.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace weft {

/// An error as a value: a short stable code (machine-readable, e.g. "parse.depth") and a
/// human-readable detail.
struct Error {
  std::string code;
  std::string detail;
};

/// Holds either a T or an Error. Small on purpose so it can become an alias of std::expected
/// once the toolchain has it.
template <class T>
class Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
  Result(Error error) : v_(std::in_place_index<1>, std::move(error)) {}  // NOLINT

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &std::get<0>(v_); }
  const T* operator->() const { return &std::get<0>(v_); }
  T& operator*() & { return std::get<0>(v_); }
  const T& operator*() const& { return std::get<0>(v_); }

  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

/// Result of an operation that yields nothing but may fail.
struct Ok {};
using Status = Result<Ok>;

inline Error make_error(std::string code, std::string detail) {
  return Error{std::move(code), std::move(detail)};
}

}  // namespace weft
