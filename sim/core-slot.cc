// The core-independent half of a slot (see core-slot.h): UDP socket in and out, one timer event
// at next_deadline(), `now` read from the simulator clock.
#include "core-slot.h"

#include "core-conversions.h"
#include "ns3/inet-socket-address.h"
#include "ns3/log.h"
#include "ns3/simulator.h"
#include "ns3/udp-socket-factory.h"

namespace weft::sim {

NS_LOG_COMPONENT_DEFINE("WeftCoreSlot");

namespace {
// Where a stuck deadline is pushed so the simulation still advances (and the bug is counted).
const ns3::Time kStuckDeadlineBackoff = ns3::MilliSeconds(1);
// Drains continued at one instant before the core is declared broken (it never goes idle):
// about 100,000 outputs at kMaxPollsPerDrain each.
constexpr uint32_t kMaxContinuations = 25;
}  // namespace

CoreSlot::CoreSlot(uint16_t port, std::size_t output_capacity, std::size_t drop_reasons)
    : m_port(port),
      m_timerAt(ns3::Seconds(-1)),
      m_lastTimerFiring(ns3::Seconds(-1)),
      m_in(kMaxDatagram),
      m_out(output_capacity),
      m_drops(drop_reasons, 0) {}

CoreSlot::~CoreSlot() {
  m_timer.Cancel();
  m_continuation.Cancel();
}

uint64_t CoreSlot::GetTotalDrops() const {
  uint64_t n = 0;
  for (uint64_t d : m_drops) n += d;
  return n;
}

ns3::Time CoreSlot::GetArmedDeadline() const {
  return m_timer.IsRunning() ? m_timerAt : ns3::Seconds(-1);
}

void CoreSlot::Start(ns3::Ptr<ns3::Node> node, core::WallTime wall_epoch) {
  m_wallEpoch = wall_epoch;
  m_socket = ns3::Socket::CreateSocket(node, ns3::UdpSocketFactory::GetTypeId());
  NS_ABORT_MSG_IF(m_socket->Bind(ns3::InetSocketAddress(ns3::Ipv4Address::GetAny(), m_port)) != 0,
                  "core slot cannot bind port " << m_port);
  m_socket->SetRecvCallback(ns3::MakeCallback(&CoreSlot::HandleRead, this));
  m_running = true;
  Rearm();
}

void CoreSlot::Stop() {
  m_running = false;
  m_timer.Cancel();
  m_continuation.Cancel();
  if (m_socket) {
    m_socket->SetRecvCallback(ns3::MakeNullCallback<void, ns3::Ptr<ns3::Socket>>());
    m_socket->Close();
    m_socket = nullptr;
  }
}

core::Now CoreSlot::CoreNow() const { return to_core_now(ns3::Simulator::Now(), m_wallEpoch); }

void CoreSlot::HandleRead(ns3::Ptr<ns3::Socket> socket) {
  ns3::Address from;
  core::DrainResult drained;  // the last input's drain says whether the core went idle
  while (ns3::Ptr<ns3::Packet> packet = socket->RecvFrom(from)) {
    if (!m_running || !ns3::InetSocketAddress::IsMatchingType(from)) {
      continue;
    }
    m_datagramRx(packet, from);
    const std::size_t size = packet->CopyData(m_in.data(), static_cast<uint32_t>(m_in.size()));
    drained = ReceiveDatagram(CoreNow(), to_path(ns3::InetSocketAddress::ConvertFrom(from)),
                              core::ByteView{m_in.data(), size});
  }
  Settle(drained);
}

void CoreSlot::HandleTimer() {
  if (!m_running) {
    return;
  }
  ++m_timerFirings;
  m_lastTimerFiring = ns3::Simulator::Now();
  const core::Now now = CoreNow();
  if (!RunTimers(now)) {
    ++m_earlyWakeups;
    Rearm();
    return;
  }
  // on_deadline() does not report whether its drain stopped at the bound; one more drain costs
  // a single poll when the core is idle.
  const core::DrainResult drained = Drain(now);
  if (drained.exhausted) {
    Settle(drained);
    return;
  }
  if (DeadlineDue(now)) {
    // The core claims work is still due right after doing it: counting it (scenarios assert
    // zero) and backing off keeps the simulation from spinning at one instant.
    ++m_stuckDeadlines;
    m_timerAt = ns3::Simulator::Now() + kStuckDeadlineBackoff;
    m_timer = ns3::Simulator::Schedule(kStuckDeadlineBackoff, &CoreSlot::HandleTimer, this);
    m_afterCall();
    return;
  }
  Rearm();
}

void CoreSlot::Perform(const Effect& effect, core::MutableBytes buffer) {
  switch (effect.kind) {
    case EffectKind::kSendDatagram: {
      ns3::InetSocketAddress to(ns3::Ipv4Address::GetAny(), 0);
      if (!to_inet_address(effect.to, &to) || !m_socket) {
        ++m_unsendable;
        return;
      }
      ns3::Ptr<ns3::Packet> packet =
          ns3::Create<ns3::Packet>(buffer.data, static_cast<uint32_t>(effect.size));
      m_datagramTx(packet, to);
      m_socket->SendTo(packet, 0, to);
      return;
    }
    case EffectKind::kDeliver:
      m_deliver(ns3::Create<ns3::Packet>(buffer.data, static_cast<uint32_t>(effect.size)));
      return;
    case EffectKind::kDrop:
      ++m_drops.at(effect.drop);
      return;
    case EffectKind::kNone:
      return;
  }
}

void CoreSlot::Settle(const core::DrainResult& drained) {
  if (!drained.exhausted) {
    m_continuations = 0;
  } else if (!m_continuation.IsRunning()) {
    // drive.h bounds one drain so a driver can serve its other inputs; here the rest of the
    // drain follows at the same instant, after the events already queued for it.
    NS_ABORT_MSG_IF(++m_continuations > kMaxContinuations,
                    "core on port " << m_port << " never went idle");
    m_continuation = ns3::Simulator::ScheduleNow(&CoreSlot::ContinueDrain, this);
  }
  Rearm();
}

void CoreSlot::ContinueDrain() {
  if (m_running) {
    Settle(Drain(CoreNow()));
  }
}

void CoreSlot::Rearm() {
  if (!m_running) {
    return;
  }
  const std::optional<core::Duration> next = NextDeadline();
  if (!next) {
    m_timer.Cancel();
  } else {
    const ns3::Time now = ns3::Simulator::Now();
    ns3::Time at = to_ns3_time(*next);
    if (at < now) {
      at = now;
    }
    if (!m_timer.IsRunning() || m_timerAt != at) {
      m_timer.Cancel();
      m_timerAt = at;
      m_timer = ns3::Simulator::Schedule(at - now, &CoreSlot::HandleTimer, this);
    }
  }
  m_afterCall();
}

}  // namespace weft::sim
