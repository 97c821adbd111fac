// read_bounded_file: regular files within the limit are read whole; every other kind of file,
// and a file over the limit by its size or by growing while read, is refused without hanging.
#define BOOST_TEST_MODULE runtime_bounded_read
#include <boost/test/unit_test.hpp>

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <string>

#include "runtime/bounded_read.h"
#include "runtime/unique_fd.h"
#include "support/temp_dir.h"

using weft::runtime::read_bounded_file;

namespace {

// Reading `path` with `limit` fails with `code` and exactly `detail`.
void check_refused(const std::string& path, std::size_t limit, const std::string& code,
                   const std::string& detail) {
  auto r = read_bounded_file(path, limit);
  BOOST_REQUIRE_MESSAGE(!r.ok(), path + " was read");
  BOOST_TEST(r.error().code == code);
  BOOST_TEST(r.error().detail == detail);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(bounded_read)

BOOST_AUTO_TEST_CASE(reads_a_regular_file_whole_with_its_mode) {
  TempDir dir;
  std::string text(200000, 'x');  // several read chunks
  text[12345] = '\0';             // bytes, not a C string
  auto path = dir.write_file("a.conf", text, 0640);
  auto r = read_bounded_file(path, text.size());  // exactly at the limit is fine
  BOOST_REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().detail));
  BOOST_TEST(r->bytes == text);
  BOOST_TEST(r->mode == 0640u);
}

BOOST_AUTO_TEST_CASE(reads_an_empty_file) {
  TempDir dir;
  auto r = read_bounded_file(dir.write_file("empty", ""), 16);
  BOOST_REQUIRE(r.ok());
  BOOST_TEST(r->bytes.empty());
}

BOOST_AUTO_TEST_CASE(refuses_a_file_over_the_limit_by_its_size) {
  TempDir dir;
  auto path = dir.write_file("big", std::string(1001, 'x'));
  check_refused(path, 1000, "runtime.file_size", path + " is 1001 bytes; the limit is 1000 bytes");
}

BOOST_AUTO_TEST_CASE(refuses_a_file_that_grows_past_the_limit_while_read) {
  // procfs files stat as 0 bytes and have more: the stat check passes, the read must stop.
  struct stat st {};
  BOOST_REQUIRE(::stat("/proc/self/status", &st) == 0);
  BOOST_REQUIRE(st.st_size == 0);
  check_refused("/proc/self/status", 100, "runtime.file_size",
                "/proc/self/status grew past the limit of 100 bytes while being read");
  // Within the limit the same file is read whole.
  auto whole = read_bounded_file("/proc/self/status", 1 << 20);
  BOOST_REQUIRE(whole.ok());
  BOOST_TEST(whole->bytes.find("Name:") == 0u);
}

BOOST_AUTO_TEST_CASE(refuses_a_directory) {
  TempDir dir;
  check_refused(dir.path(), 1 << 20, "runtime.file_type",
                dir.path() + " is a directory, not a regular file");
}

BOOST_AUTO_TEST_CASE(refuses_an_endless_device_without_reading_it) {
  check_refused("/dev/zero", 1 << 20, "runtime.file_type",
                "/dev/zero is a character device, not a regular file");
}

BOOST_AUTO_TEST_CASE(refuses_a_fifo_without_waiting_for_a_writer) {
  TempDir dir;
  std::string fifo = dir.file("fifo");
  BOOST_REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  check_refused(fifo, 1 << 20, "runtime.file_type", fifo + " is a FIFO, not a regular file");
}

BOOST_AUTO_TEST_CASE(refuses_a_unix_socket) {
  TempDir dir;
  std::string path = dir.file("s.sock");
  weft::runtime::UniqueFd s(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  BOOST_REQUIRE(s.valid());
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  BOOST_REQUIRE(::bind(s.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
  check_refused(path, 1 << 20, "runtime.file_type",
                path + " is a socket, not a regular file");
}

BOOST_AUTO_TEST_CASE(follows_a_symlink_to_a_regular_file) {
  TempDir dir;
  auto target = dir.write_file("real.conf", "[Interface]\n");
  std::string link = dir.file("link.conf");
  BOOST_REQUIRE(::symlink(target.c_str(), link.c_str()) == 0);
  auto r = read_bounded_file(link, 1 << 20);
  BOOST_REQUIRE(r.ok());
  BOOST_TEST(r->bytes == "[Interface]\n");
}

BOOST_AUTO_TEST_CASE(reports_a_missing_file_with_the_errno_text) {
  check_refused("/nonexistent/weft-test/wg9.conf", 1 << 20, "runtime.file_open",
                "/nonexistent/weft-test/wg9.conf: No such file or directory");
}

BOOST_AUTO_TEST_SUITE_END()
