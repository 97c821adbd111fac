// Test helper: a fresh directory under /tmp for the lifetime of the object, removed with all it
// holds afterwards; write_file() puts a file with given bytes and mode into it.
#pragma once

#include <sys/stat.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <system_error>

#include <boost/test/unit_test.hpp>

class TempDir {
 public:
  TempDir() {
    std::string tmpl = "/tmp/weft-test-XXXXXX";
    BOOST_REQUIRE_MESSAGE(::mkdtemp(tmpl.data()) != nullptr, "mkdtemp under /tmp failed");
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string file(std::string_view name) const { return path_ + "/" + std::string(name); }

  /// Writes `bytes` to the file `name` in this directory with permission bits `mode`; its path.
  std::string write_file(std::string_view name, std::string_view bytes, mode_t mode = 0600) const {
    std::string p = file(name);
    {
      std::ofstream out(p, std::ios::binary | std::ios::trunc);
      out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
      BOOST_REQUIRE_MESSAGE(out.good(), "cannot write " + p);
    }
    BOOST_REQUIRE(::chmod(p.c_str(), mode) == 0);
    return p;
  }

 private:
  std::string path_;
};
