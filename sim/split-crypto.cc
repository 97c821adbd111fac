// The engine's split crypto path on simulated workers (see split-crypto.h; docs/dataplane.md,
// "Workers", for the Linux driver it mirrors).
#include "split-crypto.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "core-slot.h"
#include "engine-core.h"
#include "ns3/abort.h"
#include "ns3/simulator.h"

namespace weft::sim {

SplitCrypto::SplitCrypto(bool deferred, ns3::Time max_delay, uint64_t seed)
    : m_deferred(deferred), m_maxDelay(max_delay), m_random(seed) {}

SplitCrypto::~SplitCrypto() { Reset(); }

ns3::Time SplitCrypto::DrawDelay() {
  const int64_t span = m_maxDelay.GetNanoSeconds();
  if (span <= 0) return ns3::Time(0);
  return ns3::NanoSeconds(static_cast<int64_t>(m_random.next() % static_cast<uint64_t>(span + 1)));
}

engine::Output SplitCrypto::Send(engine::Engine& engine, core::Now now, core::ByteView ip_packet,
                                 core::MutableBytes out) {
  auto job = std::make_unique<wg::CryptoJob>();
  engine::Output o = engine.send_packet(now, ip_packet, out, *job);
  if (job->kind != wg::CryptoJob::Kind::kSeal) return o;  // final: nothing left to seal
  ++m_stats.seals;
  if (!m_deferred) {
    m_crypto.run(*job, out.data, nullptr);
    return o;
  }
  NS_ABORT_MSG_IF(m_slot == nullptr, "split crypto: deferred without a slot");
  Work w;
  w.job = std::move(job);
  w.output = o;
  w.datagram.assign(out.data, out.data + o.size);
  const uint64_t ticket = m_seals.Add(std::move(w));
  m_seals.Find(ticket)->finish =
      ns3::Simulator::Schedule(DrawDelay(), &SplitCrypto::Finish, this, &m_seals, ticket);
  NoteInFlight();
  return engine::Output{};
}

engine::Output SplitCrypto::Receive(engine::Engine& engine, core::Now now, const core::Path& from,
                                    core::ByteView datagram, core::MutableBytes out) {
  auto job = std::make_unique<wg::CryptoJob>();
  engine::Output o = engine.receive_datagram(now, from, datagram, out, *job);
  if (job->kind != wg::CryptoJob::Kind::kOpen) return o;  // not a data message, or dropped
  ++m_stats.opens;
  if (m_lastOpenSerial != 0 && job->keypair_serial != m_lastOpenSerial) ++m_stats.keypair_switches;
  m_lastOpenSerial = job->keypair_serial;
  if (!m_deferred) {
    m_scratch.assign(datagram.data, datagram.data + datagram.size);
    m_crypto.run(*job, m_scratch.data(), out.data);
    return engine.complete_receive(now, from, *job, out);
  }
  NS_ABORT_MSG_IF(m_slot == nullptr, "split crypto: deferred without a slot");
  Work w;
  w.job = std::move(job);
  w.from = from;
  w.datagram.assign(datagram.data, datagram.data + datagram.size);
  w.plaintext.resize(w.job->length);
  const uint64_t ticket = m_opens.Add(std::move(w));
  m_opens.Find(ticket)->finish =
      ns3::Simulator::Schedule(DrawDelay(), &SplitCrypto::Finish, this, &m_opens, ticket);
  NoteInFlight();
  return engine::Output{};
}

void SplitCrypto::Finish(Queue* queue, uint64_t ticket) {
  Work* w = queue->Find(ticket);
  if (w == nullptr) return;
  // The worker's AEAD, at the time it finishes (sealing in place; opening into its own buffer).
  m_crypto.run(*w->job, w->datagram.data(), w->plaintext.data());
  queue->Finish(ticket);
  Release(*queue);
}

void SplitCrypto::Release(Queue& queue) {
  while (queue.Ready()) {
    Work w = queue.PopReady();
    if (&queue == &m_seals) {
      m_slot->Input([&](core::Now, core::MutableBytes out) {
        if (out.size < w.datagram.size()) return engine::Output{};
        std::memcpy(out.data, w.datagram.data(), w.datagram.size());
        return w.output;
      });
    } else {
      m_slot->Input([&](core::Now now, core::MutableBytes out) {
        const std::size_t n = std::min(w.plaintext.size(), out.size);
        std::memcpy(out.data, w.plaintext.data(), n);
        return m_slot->GetCore().Engine().complete_receive(now, w.from, *w.job, out);
      });
    }
  }
}

void SplitCrypto::NoteInFlight() {
  m_stats.max_in_flight = std::max(m_stats.max_in_flight, m_seals.Size() + m_opens.Size());
}

void SplitCrypto::Reset() {
  for (Queue* q : {&m_seals, &m_opens}) {
    m_stats.lost_to_restart += q->Size();
    q->Each([](Work& w) { w.finish.Cancel(); });
    q->Clear();  // the jobs' destructors wipe their keys
  }
  m_crypto.clear();
}

SplitCryptoStats SplitCrypto::Stats() const {
  SplitCryptoStats s = m_stats;
  s.held_back = m_seals.HeldBack() + m_opens.HeldBack();
  return s;
}

}  // namespace weft::sim
