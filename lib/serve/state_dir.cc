// State directory and key files of `weft serve`: lib/runtime's private files, with the server's
// error codes.
#include "serve/state_dir.h"

#include "runtime/private_files.h"

namespace weft::serve {

Status prepare_state_dir(const std::string& dir) {
  return runtime::prepare_private_dir(dir, "serve");
}

Result<crypto::Key32> load_or_create_key_file(const std::string& path,
                                              const crypto::Key32& fresh) {
  return runtime::load_or_create_key_file(path, fresh, "serve");
}

}  // namespace weft::serve
