// Secret key types wipe themselves when destroyed (conventions: "Secrets are wiped when dropped").
#include "wg/types.h"

#include "crypto/crypto.h"

namespace weft::wg {

PrivateKey::~PrivateKey() { crypto::secure_zero(bytes.data(), bytes.size()); }
PresharedKey::~PresharedKey() { crypto::secure_zero(bytes.data(), bytes.size()); }

}  // namespace weft::wg
