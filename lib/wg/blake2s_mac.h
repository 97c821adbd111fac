// Keyed BLAKE2s (RFC 7693) with any key length up to 32 and any digest length up to 32 bytes.
// Local helper: the crypto facade's blake2s_mac16 takes only 32-byte keys, but WireGuard's mac2
// is keyed with the 16-byte cookie (whitepaper 5.4.4), and a shorter key changes the parameter
// block, so it cannot be emulated by padding the key.
#pragma once

#include <cstddef>
#include <cstdint>

namespace weft::wg {

/// BLAKE2s(key, data) with `out_len` output bytes. key_len <= 32, 1 <= out_len <= 32 (asserted).
void blake2s_keyed(const uint8_t* key, std::size_t key_len, const uint8_t* data, std::size_t len,
                   uint8_t* out, std::size_t out_len);

}  // namespace weft::wg
