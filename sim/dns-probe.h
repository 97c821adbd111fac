// A DNS client on a simulated node for scenario expectations: one A query for a name to the
// node's MagicDNS address (100.100.100.100:53, reached over the node's loopback as a process on
// the node reaches it on the tailnet interface), the first answer to it recorded.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ns3/node.h"
#include "ns3/nstime.h"
#include "ns3/ptr.h"
#include "ns3/socket.h"
#include "util/ip_prefix.h"

namespace weft::sim {

/// Gives `node` the MagicDNS address on its loopback interface (and a host route to it), so a
/// socket bound to any address on port 53 receives what the node's processes send there.
void AddMagicDnsAddress(ns3::Ptr<ns3::Node> node);

class DnsProbe {
 public:
  DnsProbe() = default;
  ~DnsProbe();
  DnsProbe(const DnsProbe&) = delete;
  DnsProbe& operator=(const DnsProbe&) = delete;

  /// Sends one A query for `name` from an ephemeral port of `node` now.
  void Send(ns3::Ptr<ns3::Node> node, const std::string& name, uint16_t id);

  bool Sent() const { return m_sent.has_value(); }
  ns3::Time SentAt() const { return *m_sent; }
  /// The first answer to the query, if one came.
  bool Answered() const { return m_answeredAt.has_value(); }
  ns3::Time AnsweredAt() const { return *m_answeredAt; }
  uint8_t Rcode() const { return m_rcode; }
  /// The A records of the answer.
  const std::vector<util::IpAddress>& Addresses() const { return m_addresses; }
  /// Datagrams to its port that did not answer its query.
  uint32_t Strays() const { return m_strays; }
  /// A number the harness keeps with the probe (the resolver hosts' count of queries for the
  /// name when it was sent).
  void SetMark(uint64_t mark) { m_mark = mark; }
  uint64_t Mark() const { return m_mark; }

 private:
  void HandleRead(ns3::Ptr<ns3::Socket> socket);

  ns3::Ptr<ns3::Socket> m_socket;
  std::vector<uint8_t> m_query;
  std::optional<ns3::Time> m_sent;
  std::optional<ns3::Time> m_answeredAt;
  uint8_t m_rcode = 0;
  std::vector<util::IpAddress> m_addresses;
  uint32_t m_strays = 0;
  uint64_t m_mark = 0;
};

/// The A records of a response answering a question for one name (the question's name is
/// compressed or not, as RFC 1035 allows); empty when it holds none or does not parse.
std::vector<util::IpAddress> a_records(const uint8_t* data, std::size_t size);

}  // namespace weft::sim
