// Keypair slot rotation as in wireguard-go's keypair handling (whitepaper 5.4.6): initiators
// use a new session at once; responders wait for the first data packet on it.
#include "wg/keypair.h"

namespace weft::wg {

Keypair::Keypair(const crypto::Key32& send_key, const crypto::Key32& recv_key, bool is_initiator,
                 Duration created_at, uint32_t local, uint32_t remote)
    : send(send_key),
      recv(recv_key),
      created(created_at),
      initiator(is_initiator),
      local_index(local),
      remote_index(remote) {}

namespace {
uint32_t index_of(const std::unique_ptr<Keypair>& kp) { return kp ? kp->local_index : 0; }
}  // namespace

void Keypairs::install(std::unique_ptr<Keypair> kp, uint32_t retired[2]) {
  retired[0] = retired[1] = 0;
  if (kp->initiator) {
    if (next) {
      // The peer may still send on the unconfirmed responder session, so it becomes previous;
      // the older current is the one dropped (same slot order as wireguard-go).
      retired[0] = index_of(previous);
      previous = std::move(next);
      retired[1] = index_of(current);
      current.reset();
    } else {
      retired[0] = index_of(previous);
      previous = std::move(current);
    }
    current = std::move(kp);
  } else {
    retired[0] = index_of(next);
    retired[1] = index_of(previous);
    next = std::move(kp);
    previous.reset();
  }
}

bool Keypairs::confirm(const Keypair* kp, uint32_t& retired) {
  retired = 0;
  if (!next || next.get() != kp) return false;
  retired = index_of(previous);
  previous = std::move(current);
  current = std::move(next);
  return true;
}

Keypair* Keypairs::find(uint32_t local_index) const {
  if (current && current->local_index == local_index) return current.get();
  if (previous && previous->local_index == local_index) return previous.get();
  if (next && next->local_index == local_index) return next.get();
  return nullptr;
}

void Keypairs::clear(uint32_t retired[3]) {
  retired[0] = index_of(previous);
  retired[1] = index_of(current);
  retired[2] = index_of(next);
  previous.reset();
  current.reset();
  next.reset();
}

}  // namespace weft::wg
