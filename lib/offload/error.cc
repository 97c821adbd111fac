// Names of the offload refusals (error.h), for counters and logs.
#include "offload/error.h"

namespace weft::offload {

const char* error_name(OffloadError e) {
  switch (e) {
    case OffloadError::kNone: return "none";
    case OffloadError::kShortHeader: return "short_header";
    case OffloadError::kUnsupportedGsoType: return "unsupported_gso_type";
    case OffloadError::kGsoFamilyMismatch: return "gso_family_mismatch";
    case OffloadError::kMalformedIp: return "malformed_ip";
    case OffloadError::kNotTcp: return "not_tcp";
    case OffloadError::kMalformedTcp: return "malformed_tcp";
    case OffloadError::kZeroGsoSize: return "zero_gso_size";
    case OffloadError::kNoPayload: return "no_payload";
    case OffloadError::kBadChecksumOffsets: return "bad_checksum_offsets";
    case OffloadError::kTooManySegments: return "too_many_segments";
    case OffloadError::kBufferTooSmall: return "buffer_too_small";
    case OffloadError::kCount: break;
  }
  return "unknown";
}

}  // namespace weft::offload
