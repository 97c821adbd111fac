// A simulated link's character as data: one-way latency, bandwidth, loss and jitter. No ns-3:
// scenario files and the network builder share it (sim/link-model.h makes it a live link).
#pragma once

#include <chrono>
#include <string>

namespace weft::sim {

/// One direction's behaviour; a link behaves the same way both ways.
struct LinkShape {
  std::chrono::nanoseconds latency = std::chrono::milliseconds(5);
  /// ns-3 DataRate syntax: "100Mbps", "1Gbps", "512kbps".
  std::string bandwidth = "100Mbps";
  /// Probability that a packet is lost, 0..1, drawn per packet from the run's seed.
  double loss = 0;
  /// Each packet's latency is drawn uniformly from [latency - jitter, latency + jitter] (never
  /// below zero), so packets may overtake each other as over a real path with jitter.
  std::chrono::nanoseconds jitter{0};
};

}  // namespace weft::sim
