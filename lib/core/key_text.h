// Key values as configuration surfaces spell them: base64 in wg(8) config files and control
// messages, lowercase hex in the cross-platform UAPI (wireguard.com/xplatform).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/key.h"

namespace weft::core {

/// Decodes the 44-character padded base64 form wg(8) uses. nullopt unless the text is exactly
/// 32 bytes of canonical base64 (43 symbols, '=' padding, unused low bits zero).
std::optional<KeyBytes> key_from_base64(std::string_view text);
std::string key_to_base64(const KeyBytes& key);

/// Decodes 64 hex digits (either case). nullopt on any other length or character.
std::optional<KeyBytes> key_from_hex(std::string_view text);
/// Lowercase hex, as wg(8) and wireguard-go emit it.
std::string key_to_hex(const KeyBytes& key);

}  // namespace weft::core
