// WireGuard messages on the simulated wire (see wg-wire.h).
#include "wg-wire.h"

#include "wg/constants.h"
#include "wg/messages.h"

namespace weft::sim {

WgWireMessage classify_wg(const uint8_t* data, std::size_t size, ns3::Time at) {
  WgWireMessage m;
  m.at = at;
  m.size = size;
  switch (wg::message_type(data, size)) {
    case wg::kMessageHandshakeInitiation:
      if (auto init = wg::parse_initiation(data, size)) {
        m.type = WgMessage::kHandshakeInitiation;
        m.sender = init.value().sender_index;
      }
      break;
    case wg::kMessageHandshakeResponse:
      if (auto response = wg::parse_response(data, size)) {
        m.type = WgMessage::kHandshakeResponse;
        m.sender = response.value().sender_index;
        m.receiver = response.value().receiver_index;
      }
      break;
    case wg::kMessageCookieReply:
      if (auto cookie = wg::parse_cookie_reply(data, size)) {
        m.type = WgMessage::kCookieReply;
        m.receiver = cookie.value().receiver_index;
      }
      break;
    case wg::kMessageTransportData:
      if (auto header = wg::parse_transport_header(data, size)) {
        m.type = WgMessage::kTransportData;
        m.receiver = header.value().receiver_index;
      }
      break;
    default:
      break;
  }
  return m;
}

bool has_wg_size(const WgWireMessage& m) {
  switch (m.type) {
    case WgMessage::kHandshakeInitiation:
      return m.size == wg::kHandshakeInitiationSize;
    case WgMessage::kHandshakeResponse:
      return m.size == wg::kHandshakeResponseSize;
    case WgMessage::kCookieReply:
      return m.size == wg::kCookieReplySize;
    case WgMessage::kTransportData:
      return m.size >= wg::kTransportMinSize &&
             (m.size - wg::kTransportMinSize) % wg::kPaddingMultiple == 0;
    case WgMessage::kOther:
      return false;
  }
  return false;
}

void WgWireLog::Record(ns3::Ptr<const ns3::Packet> packet, ns3::Time at) {
  std::vector<uint8_t> bytes(packet->GetSize());
  packet->CopyData(bytes.data(), static_cast<uint32_t>(bytes.size()));
  m_all.push_back(classify_wg(bytes.data(), bytes.size(), at));
}

std::vector<WgWireMessage> WgWireLog::Of(WgMessage type) const {
  std::vector<WgWireMessage> out;
  for (const WgWireMessage& m : m_all) {
    if (m.type == type) out.push_back(m);
  }
  return out;
}

}  // namespace weft::sim
