// Test helper: moves the (single-threaded) test process into a fresh network namespace for
// the lifetime of the object and back afterwards; the namespace disappears with its last fd.
// Requires root, and says so loudly instead of skipping.
#pragma once

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>

class ScopedNetns {
 public:
  ScopedNetns() {
    BOOST_REQUIRE_MESSAGE(::geteuid() == 0,
                          "this test creates a network namespace and a TUN device: run as root");
    original_ = ::open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
    BOOST_REQUIRE_MESSAGE(original_ >= 0, "cannot open /proc/self/ns/net");
    BOOST_REQUIRE_MESSAGE(::unshare(CLONE_NEWNET) == 0, "unshare(CLONE_NEWNET) failed");
  }
  ~ScopedNetns() {
    if (original_ >= 0) {
      // Failing to return would leave later tests in the wrong namespace; make it fatal.
      if (::setns(original_, CLONE_NEWNET) != 0) std::abort();
      ::close(original_);
    }
  }
  ScopedNetns(const ScopedNetns&) = delete;
  ScopedNetns& operator=(const ScopedNetns&) = delete;

 private:
  int original_ = -1;
};
