// One HTTP/1.1 exchange per simulated TCP connection (http-message.h): the client that fetches
// a document or posts a form, and the server that answers each request with a handler. Used
// by the simulated login (docs/simulation.md, "Login").
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "http-message.h"
#include "ns3/inet-socket-address.h"
#include "ns3/node.h"
#include "ns3/nstime.h"
#include "ns3/ptr.h"
#include "stream-listener.h"
#include "stream-socket.h"

namespace weft::sim {

/// Largest message either side reads (the identity core's document limit, with room for the
/// head).
inline constexpr std::size_t kMaxHttpMessage = 256 * 1024 + 4096;

class HttpClient {
 public:
  /// `error` empty: `response` is the answer; else why there is none (the dial failed or timed
  /// out, the connection ended early, a malformed answer).
  using Done = std::function<void(const HttpResponse& response, const std::string& error)>;

  explicit HttpClient(ns3::Ptr<ns3::Node> node) : m_node(node) {}
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  /// Dials `to` (giving up after `timeout`), sends `request` with Host `host`, reads the
  /// answer; `done` is called exactly once.
  void Fetch(const ns3::InetSocketAddress& to, const std::string& host,
             const HttpRequest& request, ns3::Time timeout, Done done);

 private:
  struct Exchange {
    std::unique_ptr<StreamSocket> socket;
    std::string received;
    Done done;
    bool finished = false;
  };
  void Finish(Exchange& x, const HttpResponse& response, const std::string& error);

  ns3::Ptr<ns3::Node> m_node;
  /// Kept until this client goes (StreamSocket's rule: never deleted from its handlers).
  std::vector<std::unique_ptr<Exchange>> m_exchanges;
};

class HttpServer {
 public:
  using Handler = std::function<HttpResponse(const HttpRequest& request)>;

  HttpServer() = default;
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  /// Answers every request to `port` of `node` with `handler`; a malformed one gets 400.
  void Listen(ns3::Ptr<ns3::Node> node, uint16_t port, Handler handler);

  uint64_t Requests() const { return m_requests; }
  uint64_t Malformed() const { return m_malformed; }

 private:
  struct Connection {
    std::unique_ptr<StreamSocket> socket;
    std::string received;
  };
  void OnBytes(Connection& c, core::ByteView bytes);

  StreamListener m_listener;
  Handler m_handler;
  std::vector<std::unique_ptr<Connection>> m_connections;
  uint64_t m_requests = 0;
  uint64_t m_malformed = 0;
};

}  // namespace weft::sim
