// How the store writes core::WallTime: integer nanoseconds since the Unix epoch.
#pragma once

#include <chrono>
#include <cstdint>

#include "core/time.h"

namespace weft::store {

inline int64_t to_epoch_ns(core::WallTime t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

inline core::WallTime from_epoch_ns(int64_t ns) {
  return core::WallTime{} +
         std::chrono::duration_cast<core::WallTime::duration>(std::chrono::nanoseconds(ns));
}

}  // namespace weft::store
