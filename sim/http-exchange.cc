// One HTTP exchange per simulated TCP connection (see http-exchange.h).
#include "http-exchange.h"

#include <utility>

namespace weft::sim {

void HttpClient::Fetch(const ns3::InetSocketAddress& to, const std::string& host,
                       const HttpRequest& request, ns3::Time timeout, Done done) {
  m_exchanges.push_back(std::make_unique<Exchange>());
  Exchange* x = m_exchanges.back().get();
  x->done = std::move(done);
  x->socket = std::make_unique<StreamSocket>(
      [this, x](core::ByteView bytes) {
        x->received.append(reinterpret_cast<const char*>(bytes.data), bytes.size);
        HttpResponse response;
        switch (ParseHttpResponse(x->received, kMaxHttpMessage, response)) {
          case HttpParse::kIncomplete: return;
          case HttpParse::kDone: return Finish(*x, response, "");
          case HttpParse::kBad: return Finish(*x, {}, "a malformed HTTP answer");
        }
      },
      [this, x] {
        Finish(*x, {}, x->received.empty()
                           ? "no answer (the dial failed or timed out, or the server closed)"
                           : "the connection ended before the answer was complete");
      });
  const std::string bytes = FormatHttpRequest(request, host);
  x->socket->Dial(m_node, to, timeout, [x, bytes] {
    x->socket->Send(std::vector<uint8_t>(bytes.begin(), bytes.end()));
  });
}

void HttpClient::Finish(Exchange& x, const HttpResponse& response, const std::string& error) {
  if (x.finished) return;
  x.finished = true;
  x.socket->Abort();
  Done done = std::move(x.done);
  done(response, error);
}

void HttpServer::Listen(ns3::Ptr<ns3::Node> node, uint16_t port, Handler handler) {
  m_handler = std::move(handler);
  m_listener.Listen(node, port, [this](ns3::Ptr<ns3::Socket> socket) {
    m_connections.push_back(std::make_unique<Connection>());
    Connection* c = m_connections.back().get();
    c->socket = std::make_unique<StreamSocket>(
        [this, c](core::ByteView bytes) { OnBytes(*c, bytes); }, [] {});
    c->socket->Adopt(socket);
  });
}

void HttpServer::OnBytes(Connection& c, core::ByteView bytes) {
  c.received.append(reinterpret_cast<const char*>(bytes.data), bytes.size);
  HttpRequest request;
  HttpResponse response;
  switch (ParseHttpRequest(c.received, kMaxHttpMessage, request)) {
    case HttpParse::kIncomplete: return;
    case HttpParse::kDone:
      ++m_requests;
      response = m_handler(request);
      break;
    case HttpParse::kBad:
      ++m_malformed;
      response.status = 400;
      response.content_type = "text/plain";
      response.body = "malformed request\n";
      break;
  }
  const std::string out = FormatHttpResponse(response);
  c.socket->Send(std::vector<uint8_t>(out.begin(), out.end()));
  c.socket->CloseAfterSending();
}

}  // namespace weft::sim
