// Notices when a file is removed (inotify(7) on its directory), so a daemon can stop when its
// control socket is deleted, as wireguard.com/xplatform asks of userspace implementations.
#pragma once

#include <string>

#include "runtime/unique_fd.h"
#include "util/result.h"

namespace weft::runtime {

class PathWatch {
 public:
  /// Watches the directory of `path` for the removal or renaming-away of `path`'s file name.
  /// Errors: "runtime.inotify" (no inotify instance or the directory cannot be watched).
  static Result<PathWatch> create(const std::string& path);

  PathWatch(PathWatch&&) = default;
  PathWatch& operator=(PathWatch&&) = default;

  /// Readable when events are pending.
  int fd() const { return fd_.get(); }
  /// Drains pending events; true when one of them removed or moved away the watched file.
  bool consume_removed();

 private:
  PathWatch(UniqueFd fd, std::string name) : fd_(std::move(fd)), name_(std::move(name)) {}
  UniqueFd fd_;
  std::string name_;  // the file name inside the watched directory
};

}  // namespace weft::runtime
