// The version `weft --version` prints, fixed when the build is configured (cli/version.cc.in,
// cli/CMakeLists.txt): from `git describe`, or the CMake project version outside a clone.
#pragma once

namespace weft::cli {

/// "0.1.0~git312.gc4729c1", "0.2.0" on a tag v0.2.0; a Debian-orderable version string.
const char* version();
/// The date of the commit built (YYYY-MM-DD), or "" outside a clone; man pages carry it.
const char* version_date();

}  // namespace weft::cli
