// read_bounded_file: stat, open without blocking, fstat, then read at most the limit plus one
// byte, which is how growth past the limit is noticed without reading what lies beyond.
#include "runtime/bounded_read.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "runtime/sys_error.h"
#include "runtime/unique_fd.h"

namespace weft::runtime {
namespace {

// Reading chunk; also the first allocation when stat reports size 0 (e.g. a procfs file).
constexpr std::size_t kChunk = 64 * 1024;

// What a non-regular file is, for the message; nullptr for a type without a common name.
const char* kind_of(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISSOCK(mode)) return "a socket";
  return nullptr;
}

Status check_stat(const std::string& path, const struct stat& st, std::size_t max_bytes) {
  if (!S_ISREG(st.st_mode)) {
    const char* kind = kind_of(st.st_mode);
    return make_error("runtime.file_type",
                      path + (kind ? std::string(" is ") + kind + ", not a regular file"
                                   : std::string(" is not a regular file")));
  }
  if (st.st_size < 0 || static_cast<uint64_t>(st.st_size) > max_bytes) {
    return make_error("runtime.file_size", path + " is " + std::to_string(st.st_size) +
                                               " bytes; the limit is " +
                                               std::to_string(max_bytes) + " bytes");
  }
  return Ok{};
}

}  // namespace

Result<FileContents> read_bounded_file(const std::string& path, std::size_t max_bytes) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return errno_error("file_open", path);
  if (auto s = check_stat(path, st, max_bytes); !s.ok()) return s.error();

  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY));
  if (!fd.valid()) return errno_error("file_open", path);
  // The path may name another file by now; what counts is the file that was opened.
  if (::fstat(fd.get(), &st) != 0) return errno_error("file_read", "fstat " + path);
  if (auto s = check_stat(path, st, max_bytes); !s.ok()) return s.error();

  FileContents out;
  out.mode = static_cast<uint32_t>(st.st_mode & 07777);
  std::string& bytes = out.bytes;
  bytes.reserve(std::max<std::size_t>(static_cast<std::size_t>(st.st_size), kChunk) + 1);
  while (true) {
    // One byte more than the limit allows: reading it means the file grew past the limit.
    std::size_t want = std::min(kChunk, max_bytes + 1 - bytes.size());
    std::size_t used = bytes.size();
    bytes.resize(used + want);
    ssize_t n = ::read(fd.get(), bytes.data() + used, want);
    if (n < 0) {
      bytes.resize(used);
      if (errno == EINTR) continue;
      return errno_error("file_read", "read " + path);
    }
    bytes.resize(used + static_cast<std::size_t>(n));
    if (n == 0) break;
    if (bytes.size() > max_bytes) {
      return make_error("runtime.file_size", path + " grew past the limit of " +
                                                 std::to_string(max_bytes) +
                                                 " bytes while being read");
    }
  }
  return out;
}

}  // namespace weft::runtime
