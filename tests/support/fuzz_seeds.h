// A fuzz target's seed corpus kept in step with the samples a unit test encodes: the test
// compares tests/fuzz/corpus/<target>/<name> with each sample's bytes, or rewrites them all
// when WEFT_WRITE_SEEDS is set. No Boost.Test here.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

namespace weft::test {

using Seeds = std::vector<std::pair<std::string, std::vector<uint8_t>>>;

/// The names of the seeds in tests/fuzz/corpus/<target>/ whose stored bytes differ from the
/// sample's (none after a rewrite with WEFT_WRITE_SEEDS=1).
inline std::vector<std::string> stale_seeds(const std::string& target, const Seeds& seeds) {
  const std::string dir = std::string(WEFT_TEST_DATA_DIR) + "/fuzz/corpus/" + target + "/";
  const bool write = std::getenv("WEFT_WRITE_SEEDS") != nullptr;
  std::vector<std::string> stale;
  for (const auto& [name, bytes] : seeds) {
    if (write) {
      std::ofstream(dir + name, std::ios::binary)
          .write(reinterpret_cast<const char*>(bytes.data()),
                 static_cast<std::streamsize>(bytes.size()));
      continue;
    }
    std::ifstream in(dir + name, std::ios::binary);
    const std::vector<uint8_t> stored{std::istreambuf_iterator<char>(in),
                                      std::istreambuf_iterator<char>()};
    if (stored != bytes) stale.push_back(name);
  }
  return stale;
}

}  // namespace weft::test
