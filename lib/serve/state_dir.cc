// State directory and key files of `weft serve`.
#include "serve/state_dir.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "core/key_text.h"

namespace weft::serve {
namespace {

std::string errno_text() { return std::strerror(errno); }

void secure_wipe(std::string& s) { crypto::secure_zero(s.data(), s.size()); }

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

}  // namespace

Status prepare_state_dir(const std::string& dir) {
  struct stat st {};
  if (::lstat(dir.c_str(), &st) != 0) {
    if (errno != ENOENT) return make_error("serve.state_dir", dir + ": " + errno_text());
    if (::mkdir(dir.c_str(), 0700) != 0)
      return make_error("serve.state_dir", "cannot create " + dir + ": " + errno_text());
    if (::lstat(dir.c_str(), &st) != 0)
      return make_error("serve.state_dir", dir + ": " + errno_text());
  }
  if (!S_ISDIR(st.st_mode)) return make_error("serve.state_dir", dir + " is not a directory");
  if ((st.st_mode & 077) != 0)
    return make_error("serve.state_mode",
                      dir + " has mode " + octal(st.st_mode) +
                          ": group and others may access the server's secrets there; check "
                          "whether they were exposed, then chmod 700 it");
  return Ok{};
}

Result<crypto::Key32> load_or_create_key_file(const std::string& path,
                                              const crypto::Key32& fresh) {
  // Opened once without following links and checked on the descriptor, so the file checked
  // is the file read (no swap between a stat and an open).
  const int rfd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
  if (rfd >= 0) {
    struct stat st {};
    std::string text(4097, '\0');
    ssize_t n = -1;
    const bool statted = ::fstat(rfd, &st) == 0;
    if (statted && S_ISREG(st.st_mode) && (st.st_mode & 077) == 0)
      n = ::read(rfd, text.data(), text.size());
    ::close(rfd);
    if (!statted) return make_error("serve.key_file", path + ": " + errno_text());
    if (!S_ISREG(st.st_mode)) return make_error("serve.key_file", path + " is not a regular file");
    if ((st.st_mode & 077) != 0)
      return make_error("serve.key_mode", path + " has mode " + octal(st.st_mode) +
                                              ": group and others may read this secret; check "
                                              "whether it was exposed, then chmod 600 it");
    if (n < 0 || n > 4096) {
      secure_wipe(text);
      return make_error("serve.key_file", path + " cannot be read as one base64 key");
    }
    text.resize(static_cast<std::size_t>(n));
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    auto key = core::key_from_base64(text);
    secure_wipe(text);
    if (!key) return make_error("serve.key_file", path + " does not hold one base64 key");
    crypto::Key32 out{};
    std::memcpy(out.data(), key->data(), out.size());
    return out;
  }
  if (errno == ELOOP) return make_error("serve.key_file", path + " is a symbolic link");
  if (errno != ENOENT) return make_error("serve.key_file", path + ": " + errno_text());
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return make_error("serve.key_file", "cannot create " + path + ": " + errno_text());
  core::KeyBytes bytes{};
  std::memcpy(bytes.data(), fresh.data(), bytes.size());
  const std::string text = core::key_to_base64(bytes) + "\n";
  const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
                       ::fsync(fd) == 0;
  ::close(fd);
  if (!written) {
    ::unlink(path.c_str());
    return make_error("serve.key_file", "cannot write " + path + ": " + errno_text());
  }
  // The new file's name is durable only once its directory is.
  const int dfd = ::open(parent_of(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return fresh;
}

}  // namespace weft::serve
