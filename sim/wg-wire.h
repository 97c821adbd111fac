// WireGuard messages as the harness sees them on the simulated wire (whitepaper 5.4): each UDP
// payload classified with lib/wg's message parsers, and a log of them per direction.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "ns3/nstime.h"
#include "ns3/packet.h"
#include "ns3/ptr.h"

namespace weft::sim {

enum class WgMessage : uint8_t {
  kHandshakeInitiation,
  kHandshakeResponse,
  kCookieReply,
  kTransportData,
  kOther,  ///< not a well-formed WireGuard message of any type
};

/// One datagram on the wire: its type, indices and size.
struct WgWireMessage {
  ns3::Time at;
  WgMessage type = WgMessage::kOther;
  uint32_t sender = 0;    ///< handshake initiation and response
  uint32_t receiver = 0;  ///< handshake response, cookie reply, transport data
  std::size_t size = 0;
};

/// Classifies a UDP payload: a message type only if its length and reserved bytes are exactly
/// right for it (lib/wg/messages.h's parsers decide).
WgWireMessage classify_wg(const uint8_t* data, std::size_t size, ns3::Time at);

/// Whether the size is a WireGuard size for its type: initiation 148, response 92, cookie reply
/// 64, transport data 16-byte header + plaintext padded to 16 + 16-byte tag.
bool has_wg_size(const WgWireMessage& m);

/// Every datagram of one direction of one core, in order.
class WgWireLog {
 public:
  void Record(ns3::Ptr<const ns3::Packet> packet, ns3::Time at);
  const std::vector<WgWireMessage>& All() const { return m_all; }
  std::vector<WgWireMessage> Of(WgMessage type) const;
  std::size_t Count(WgMessage type) const { return Of(type).size(); }

 private:
  std::vector<WgWireMessage> m_all;
};

}  // namespace weft::sim
