// IPv4/UDP packet builder and strict parser for harness tunnel traffic (RFC 791, RFC 768,
// checksums per RFC 1071).
#include "ipv4-packet.h"

namespace weft::sim {
namespace {

void put16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}
void put32(uint8_t* p, uint32_t v) {
  put16(p, static_cast<uint16_t>(v >> 16));
  put16(p + 2, static_cast<uint16_t>(v));
}
uint16_t get16(const uint8_t* p) { return static_cast<uint16_t>((p[0] << 8) | p[1]); }
uint32_t get32(const uint8_t* p) { return (uint32_t{get16(p)} << 16) | get16(p + 2); }

uint32_t sum_words(const uint8_t* data, std::size_t size, uint32_t sum) {
  for (std::size_t i = 0; i + 1 < size; i += 2) {
    sum += get16(data + i);
  }
  if (size % 2 != 0) {
    sum += uint32_t{data[size - 1]} << 8;
  }
  return sum;
}

// The UDP pseudo-header (RFC 768): source, destination, zero, protocol, UDP length.
uint32_t pseudo_header_sum(Ipv4 src, Ipv4 dst, uint16_t udp_length) {
  uint8_t ph[12];
  put32(ph, src);
  put32(ph + 4, dst);
  ph[8] = 0;
  ph[9] = kIpProtoUdp;
  put16(ph + 10, udp_length);
  return sum_words(ph, sizeof ph, 0);
}

}  // namespace

uint16_t internet_checksum(const uint8_t* data, std::size_t size, uint32_t partial) {
  uint32_t sum = sum_words(data, size, partial);
  while (sum >> 16) {
    sum = (sum & 0xffff) + (sum >> 16);
  }
  return static_cast<uint16_t>(~sum);
}

std::vector<uint8_t> build_ipv4_udp(const UdpFlow& flow, uint16_t identification,
                                    const std::vector<uint8_t>& payload) {
  const std::size_t udp_length = kUdpHeaderSize + payload.size();
  const std::size_t total = kIpv4HeaderSize + udp_length;
  std::vector<uint8_t> p(total, 0);
  p[0] = 0x45;  // version 4, IHL 5 words
  put16(&p[2], static_cast<uint16_t>(total));
  put16(&p[4], identification);
  p[8] = 64;
  p[9] = kIpProtoUdp;
  put32(&p[12], flow.source);
  put32(&p[16], flow.destination);
  put16(&p[10], internet_checksum(p.data(), kIpv4HeaderSize));

  uint8_t* udp = p.data() + kIpv4HeaderSize;
  put16(udp, flow.source_port);
  put16(udp + 2, flow.destination_port);
  put16(udp + 4, static_cast<uint16_t>(udp_length));
  for (std::size_t i = 0; i < payload.size(); ++i) {
    udp[kUdpHeaderSize + i] = payload[i];
  }
  uint16_t c = internet_checksum(
      udp, udp_length,
      pseudo_header_sum(flow.source, flow.destination, static_cast<uint16_t>(udp_length)));
  put16(udp + 6, c == 0 ? 0xffff : c);  // RFC 768: a computed zero is sent as all ones
  return p;
}

std::optional<ParsedUdp> parse_ipv4_udp(const uint8_t* data, std::size_t size) {
  if (size < kIpv4HeaderSize + kUdpHeaderSize || data[0] != 0x45) {
    return std::nullopt;
  }
  if (get16(data + 2) != size || data[9] != kIpProtoUdp) {
    return std::nullopt;
  }
  if (internet_checksum(data, kIpv4HeaderSize) != 0) {
    return std::nullopt;
  }
  ParsedUdp out;
  out.identification = get16(data + 4);
  out.flow.source = get32(data + 12);
  out.flow.destination = get32(data + 16);
  const uint8_t* udp = data + kIpv4HeaderSize;
  const std::size_t udp_length = size - kIpv4HeaderSize;
  if (get16(udp + 4) != udp_length || get16(udp + 6) == 0) {
    return std::nullopt;
  }
  if (internet_checksum(udp, udp_length,
                        pseudo_header_sum(out.flow.source, out.flow.destination,
                                          static_cast<uint16_t>(udp_length))) != 0) {
    return std::nullopt;
  }
  out.flow.source_port = get16(udp);
  out.flow.destination_port = get16(udp + 2);
  out.payload.assign(udp + kUdpHeaderSize, data + size);
  return out;
}

}  // namespace weft::sim
