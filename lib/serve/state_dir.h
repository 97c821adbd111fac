// The server's state directory: created 0700 and refused when others may read it; its key files
// (the server's Noise key, the pre-auth key hashing secret) created 0600 once and reloaded.
// A driver (file IO); docs/operations.md, "State directory".
#pragma once

#include <string>

#include "crypto/crypto.h"
#include "util/result.h"

namespace weft::serve {

/// Creates `dir` (mode 0700) when missing. Errors: "serve.state_dir" (not a directory, cannot be
/// created), "serve.state_mode" (group or others may access it: refused, not repaired, as the
/// database is: the operator decides whether secrets were exposed).
Status prepare_state_dir(const std::string& dir);

/// Reads a 32-byte secret kept as base64 text in `path`, or, when the file does not exist,
/// creates it (O_EXCL, 0600, fsynced with its directory) from `fresh`. Errors:
/// "serve.key_file" (unreadable, not exactly one base64 key), "serve.key_mode" (group or others
/// may read it).
Result<crypto::Key32> load_or_create_key_file(const std::string& path, const crypto::Key32& fresh);

}  // namespace weft::serve
