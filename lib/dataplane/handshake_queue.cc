// The handshake queue and its load signal (see handshake_queue.h).
#include "dataplane/handshake_queue.h"

#include <cstring>

namespace weft::dataplane {

bool is_handshake_message(core::ByteView datagram) {
  if (datagram.size == 0) return false;
  uint8_t type = datagram.data[0];
  return type == wg::kMessageHandshakeInitiation || type == wg::kMessageHandshakeResponse ||
         type == wg::kMessageCookieReply;
}

HandshakeQueue::HandshakeQueue() : ring_(kHandshakeQueueCapacity) {}

void HandshakeQueue::note_fill(core::Duration now) {
  if (size_ > kUnderLoadThreshold) loaded_until_ = now + kUnderLoadAfterTime;
}

bool HandshakeQueue::push(core::Duration now, const core::Path& from,
                          core::ByteView message) {
  if (size_ == ring_.size() || message.size > wg::kHandshakeInitiationSize) {
    ++dropped_;
    note_fill(now);
    return false;
  }
  Message& m = ring_[(head_ + size_) % ring_.size()];
  m.from = from;
  m.size = message.size;
  std::memcpy(m.bytes.data(), message.data, message.size);
  ++size_;
  note_fill(now);
  return true;
}

const HandshakeQueue::Message* HandshakeQueue::front() const {
  return size_ == 0 ? nullptr : &ring_[head_];
}

void HandshakeQueue::pop() {
  if (size_ == 0) return;
  head_ = (head_ + 1) % ring_.size();
  --size_;
}

bool HandshakeQueue::under_load(core::Duration now) const {
  return size_ > kUnderLoadThreshold || (loaded_until_ && now < *loaded_until_);
}

}  // namespace weft::dataplane
