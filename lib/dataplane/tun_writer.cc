// TunWriter (see tun_writer.h): one write per packet to a plain TUN; per batch to a vnet-hdr
// TUN, GRO groups in the order of their first packet (a flow keeps its order), each one writev
// of the encoded header and the group's pieces.
#include "dataplane/tun_writer.h"

#include "offload/virtio_net_hdr.h"

namespace weft::dataplane {

TunWriter::TunWriter(runtime::TunDevice& tun, std::size_t max_batch)
    : tun_(tun),
      gro_(max_batch),
      packets_(max_batch),
      pieces_(runtime::TunDevice::kMaxWritePieces) {}

void TunWriter::count(bool ok, std::size_t packets) {
  if (ok) {
    counters_.packets_out += packets;
  } else {
    counters_.write_dropped += packets;  // full queue or a packet the kernel refuses
  }
}

void TunWriter::add(uint8_t* data, std::size_t size) {
  if (!batching()) {
    count(tun_.write(data, size).ok(), 1);
    return;
  }
  if (full()) flush();
  packets_[held_++] = offload::GroPacket{data, size};
}

void TunWriter::flush() {
  if (held_ == 0) return;
  std::size_t groups = gro_.coalesce(packets_.data(), held_);
  uint8_t header[offload::kVirtioNetHdrSize];
  for (std::size_t g = 0; g < groups; ++g) {
    const offload::GroGroup& group = gro_.group(g);
    offload::encode_virtio_net_hdr(group.hdr, header);
    pieces_[0] = core::ByteView{header, sizeof(header)};
    std::size_t k = gro_.pieces(group, pieces_.data() + 1, pieces_.size() - 1);
    if (k > pieces_.size() - 1) {
      // More members than one writev takes (a max_batch above kMaxWritePieces): cannot happen
      // with the data path's batches; counted as dropped rather than written wrong.
      count(false, group.count);
      continue;
    }
    count(tun_.write_pieces(pieces_.data(), k + 1).ok(), group.count);
    if (group.count > 1) {
      ++counters_.gro_writes;
      counters_.gro_packets += group.count;
    }
  }
  held_ = 0;
}

void TunWriter::write_now(const uint8_t* data, std::size_t size) {
  if (!batching()) {
    count(tun_.write(data, size).ok(), 1);
    return;
  }
  flush();
  static const uint8_t kZeroHeader[offload::kVirtioNetHdrSize] = {};
  core::ByteView pieces[2] = {{kZeroHeader, sizeof(kZeroHeader)}, {data, size}};
  count(tun_.write_pieces(pieces, 2).ok(), 1);
}

TunWriteCounters TunWriter::take_counters() {
  TunWriteCounters c = counters_;
  counters_ = TunWriteCounters{};
  return c;
}

}  // namespace weft::dataplane
