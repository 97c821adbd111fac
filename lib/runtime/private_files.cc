// Private state directory and files (private_files.h): open(2) with O_NOFOLLOW, checks on the
// descriptor, atomic replacement by rename(2).
#include "runtime/private_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "core/key_text.h"

namespace weft::runtime {
namespace {

std::string errno_text() { return std::strerror(errno); }

Error fail(std::string_view area, const char* what, std::string detail) {
  return make_error(std::string(area) + "." + what, std::move(detail));
}

std::string octal(mode_t m) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(m & 07777));
  return buf;
}

std::string parent_of(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

// A new or replaced name is durable only once its directory is.
void sync_directory_of(const std::string& path) {
  const int dfd = ::open(parent_of(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

bool write_all(int fd, const uint8_t* data, std::size_t size) {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

// The file named by `path`, opened once without following links, checked on the descriptor
// (regular, not readable by group or others) and read whole up to `max_bytes` + 1.
struct Opened {
  bool missing = false;
  std::vector<uint8_t> bytes;
};

Result<Opened> read_checked(const std::string& path, std::size_t max_bytes, std::string_view area,
                            const char* read_code, const char* mode_code, const char* what) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    if (errno == ENOENT) return Opened{true, {}};
    if (errno == ELOOP) return fail(area, read_code, path + " is a symbolic link");
    return fail(area, read_code, path + ": " + errno_text());
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    std::string e = errno_text();
    ::close(fd);
    return fail(area, read_code, path + ": " + e);
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return fail(area, read_code, path + " is not a regular file");
  }
  if ((st.st_mode & 077) != 0) {
    ::close(fd);
    return fail(area, mode_code,
                path + " has mode " + octal(st.st_mode) + ": group and others may read " + what +
                    "; check whether it was exposed, then chmod 600 it");
  }
  Opened out;
  out.bytes.resize(max_bytes + 1);
  std::size_t got = 0;
  while (got < out.bytes.size()) {
    const ssize_t n = ::read(fd, out.bytes.data() + got, out.bytes.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      std::string e = errno_text();
      ::close(fd);
      core::secure_wipe(out.bytes.data(), out.bytes.size());
      return fail(area, read_code, path + ": " + e);
    }
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  ::close(fd);
  if (got > max_bytes) {
    core::secure_wipe(out.bytes.data(), out.bytes.size());
    return fail(area, read_code,
                path + " is larger than " + std::to_string(max_bytes) + " bytes");
  }
  out.bytes.resize(got);
  return out;
}

}  // namespace

Status prepare_private_dir(const std::string& dir, std::string_view area) {
  struct stat st {};
  if (::lstat(dir.c_str(), &st) != 0) {
    if (errno != ENOENT) return fail(area, "state_dir", dir + ": " + errno_text());
    if (::mkdir(dir.c_str(), 0700) != 0)
      return fail(area, "state_dir", "cannot create " + dir + ": " + errno_text());
    if (::lstat(dir.c_str(), &st) != 0) return fail(area, "state_dir", dir + ": " + errno_text());
  }
  if (!S_ISDIR(st.st_mode)) return fail(area, "state_dir", dir + " is not a directory");
  if ((st.st_mode & 077) != 0)
    return fail(area, "state_mode",
                dir + " has mode " + octal(st.st_mode) +
                    ": group and others may access the secrets there; check whether they were "
                    "exposed, then chmod 700 it");
  return Ok{};
}

Result<core::KeyBytes> load_or_create_key_file(const std::string& path,
                                               const core::KeyBytes& fresh,
                                               std::string_view area) {
  constexpr std::size_t kMaxKeyText = 4096;
  auto read = read_checked(path, kMaxKeyText, area, "key_file", "key_mode", "this secret");
  if (!read.ok()) return read.error();
  if (!read->missing) {
    std::string text(read->bytes.begin(), read->bytes.end());
    core::secure_wipe(read->bytes.data(), read->bytes.size());
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    auto key = core::key_from_base64(text);
    core::secure_wipe(text.data(), text.size());
    if (!key) return fail(area, "key_file", path + " does not hold one base64 key");
    return *key;
  }
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return fail(area, "key_file", "cannot create " + path + ": " + errno_text());
  std::string text = core::key_to_base64(fresh) + "\n";
  const bool written =
      write_all(fd, reinterpret_cast<const uint8_t*>(text.data()), text.size()) && ::fsync(fd) == 0;
  const std::string e = errno_text();
  core::secure_wipe(text.data(), text.size());
  ::close(fd);
  if (!written) {
    ::unlink(path.c_str());
    return fail(area, "key_file", "cannot write " + path + ": " + e);
  }
  sync_directory_of(path);
  return fresh;
}

Result<std::optional<std::vector<uint8_t>>> read_private_file(const std::string& path,
                                                              std::size_t max_bytes,
                                                              std::string_view area) {
  auto read = read_checked(path, max_bytes, area, "file_read", "file_mode", "it");
  if (!read.ok()) return read.error();
  if (read->missing) return std::optional<std::vector<uint8_t>>{};
  return std::optional<std::vector<uint8_t>>(std::move(read->bytes));
}

Status write_private_file(const std::string& path, const std::vector<uint8_t>& bytes,
                          std::string_view area) {
  const std::string tmp = path + ".tmp";
  // A temporary file left by a crash is ours to replace; a link there is not followed.
  if (::unlink(tmp.c_str()) != 0 && errno != ENOENT)
    return fail(area, "file_write", "cannot remove " + tmp + ": " + errno_text());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return fail(area, "file_write", "cannot create " + tmp + ": " + errno_text());
  const char* step = nullptr;
  if (!write_all(fd, bytes.data(), bytes.size())) {
    step = "write";
  } else if (::fsync(fd) != 0) {
    step = "fsync";
  }
  std::string why = step != nullptr ? errno_text() : std::string();
  ::close(fd);
  if (step == nullptr && ::rename(tmp.c_str(), path.c_str()) != 0) {
    step = "rename";
    why = errno_text();
  }
  if (step != nullptr) {
    ::unlink(tmp.c_str());
    return fail(area, "file_write", std::string("cannot ") + step + " " + tmp + ": " + why);
  }
  sync_directory_of(path);
  return Ok{};
}

Status remove_private_file(const std::string& path, std::string_view area) {
  ::unlink((path + ".tmp").c_str());
  if (::unlink(path.c_str()) != 0) {
    if (errno == ENOENT) return Ok{};
    return fail(area, "file_write", "cannot remove " + path + ": " + errno_text());
  }
  sync_directory_of(path);
  return Ok{};
}

}  // namespace weft::runtime
