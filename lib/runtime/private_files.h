// Private state on disk, as the server (weft serve) and the node (weft up) keep it: a 0700
// directory, 0600 files opened without following links and checked on the descriptor, keys
// created once, files replaced atomically (write a temporary file, fsync, rename, fsync the
// directory). Wider modes are refused, not repaired: the operator decides whether secrets leaked.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/key.h"
#include "util/result.h"

namespace weft::runtime {

// Every function takes `area` ("serve", "node"): its errors are "<area>.<what>", so each
// program keeps codes of its own (docs/operations.md lists them).

/// Creates `dir` (mode 0700) when missing. Errors: "<area>.state_dir" (not a directory, cannot
/// be created), "<area>.state_mode" (group or others may access it).
Status prepare_private_dir(const std::string& dir, std::string_view area);

/// Reads a 32-byte secret kept as base64 text in `path`, or, when the file does not exist,
/// creates it (O_EXCL, 0600, fsynced with its directory) from `fresh`. Errors:
/// "<area>.key_file" (unreadable, a symbolic link, not exactly one base64 key),
/// "<area>.key_mode" (group or others may read it).
Result<core::KeyBytes> load_or_create_key_file(const std::string& path,
                                               const core::KeyBytes& fresh,
                                               std::string_view area);

/// Reads the private file `path` whole (at most `max_bytes`); nullopt when it does not exist.
/// Errors: "<area>.file_read" (a symbolic link, not a regular file, unreadable, larger than
/// `max_bytes`), "<area>.file_mode" (group or others may read it).
Result<std::optional<std::vector<uint8_t>>> read_private_file(const std::string& path,
                                                              std::size_t max_bytes,
                                                              std::string_view area);

/// Replaces `path` with `bytes` atomically: a crash leaves the old file or the new one, never a
/// mix. Writes `path`.tmp (0600, O_NOFOLLOW, replacing a stale one), fsyncs it, renames it over
/// `path` and fsyncs the directory. Errors: "<area>.file_write" (the step and errno text; the
/// temporary file is removed and `path` is unchanged).
Status write_private_file(const std::string& path, const std::vector<uint8_t>& bytes,
                          std::string_view area);

/// Removes `path` (and a stale `path`.tmp) if present, then fsyncs the directory. Errors:
/// "<area>.file_write" (unlink failed otherwise than ENOENT).
Status remove_private_file(const std::string& path, std::string_view area);

}  // namespace weft::runtime
