// Reading a whole file named by a user, within a size limit: directories, devices, FIFOs and
// sockets are refused before any byte is read, and a file that grows past the limit while read.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "util/result.h"

namespace weft::runtime {

struct FileContents {
  std::string bytes;
  uint32_t mode = 0;  // permission bits (07777) of the file that was read
};

/// Reads the regular file `path` (symlinks followed) whole. The type and size are checked with
/// stat(2) before opening, so a device or FIFO is never opened, and again with fstat(2) on the
/// open descriptor (O_NONBLOCK, so a FIFO swapped in meanwhile cannot block the open); the limit
/// is enforced while reading too. Errors: "runtime.file_open" (missing, not permitted: the
/// errno text), "runtime.file_type" (a directory, device, FIFO or socket; the detail names
/// which), "runtime.file_size" (more than `max_bytes`, by its size or by growing while read),
/// "runtime.file_read" (read(2) failed, e.g. EIO).
Result<FileContents> read_bounded_file(const std::string& path, std::size_t max_bytes);

}  // namespace weft::runtime
