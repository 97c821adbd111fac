// The byte form of the control protocol's messages (control/messages.h; docs/control-plane.md,
// "Messages"): one type byte, then the fields in struct order. Decoding is exact and enforces
// every limit of messages.h. C++17-clean.
#pragma once

#include <cstdint>
#include <vector>

#include "control/messages.h"
#include "core/bytes.h"
#include "util/result.h"

namespace weft::control {

/// The type byte of a node's message. Node and server numbers never overlap, so a message sent
/// in the wrong direction is an unknown message, not a misread one. Never renumber.
enum class NodeMessageType : uint8_t {
  kRegisterRequest = 0x01,
  kMapRequest = 0x02,
  kEndpointUpdate = 0x03,
  kKeepAlive = 0x04,
  kVerifyNodeRequest = 0x05,
  kPolicyApplied = 0x06,  // capability 5
};

/// The type byte of a server's message.
enum class ServerMessageType : uint8_t {
  kRegisterResponse = 0x81,
  kMapResponse = 0x82,
  kMapDelta = 0x83,
  kRotateKey = 0x84,
  kKeepAlive = 0x85,
  kErrorMessage = 0x86,
  kVerifyNodeResponse = 0x87,
};

/// The message's bytes. Encoding does not check the limits: a sender keeps its values within
/// them (the peer's decoder refuses the message otherwise).
std::vector<uint8_t> encode(const NodeMessage& message);
std::vector<uint8_t> encode(const ServerMessage& message);

/// Decodes one whole node message (exactly: trailing bytes are refused).
/// Errors: "control.unknown_message" (a type byte that is not a node message's),
/// "control.malformed" (truncated, trailing bytes, a limit of messages.h exceeded, a value
/// outside its field's domain; the detail names the field and its byte offset).
Result<NodeMessage> decode_node_message(core::ByteView message);
/// Decodes one whole server message. Errors as decode_node_message.
Result<ServerMessage> decode_server_message(core::ByteView message);

/// The capability version of a RegisterRequest, read from its fixed place (the 4 bytes after
/// the type byte) without decoding the rest, so a server can answer a newer node's request,
/// whose layout it may not know, with "control.capability" instead of "control.malformed".
/// Errors: "control.unknown_message" (not a RegisterRequest), "control.malformed" (too short).
Result<uint32_t> capability_version_of(core::ByteView message);

}  // namespace weft::control
