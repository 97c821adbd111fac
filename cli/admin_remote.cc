// api_admin_call (admin_remote.h): the token from its file, the transport check, the route
// (serve/api_routes.h), and lib/node's dialer for the request (TLS verified as `weft up` does).
#include "admin_remote.h"

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <optional>

#include "node/control_dial.h"
#include "runtime/bounded_read.h"
#include "serve/api_http.h"
#include "serve/api_routes.h"
#include "util/server_url.h"

namespace weft::cli {
namespace {

constexpr std::size_t kMaxTokenFile = 4096;

bool loopback_host(const std::string& host) {
  if (host == "localhost") return true;
  auto a = util::IpAddress::parse(host);
  return a && serve::is_loopback(*a);
}

}  // namespace

Result<std::string> api_admin_call(const std::string& server_url, const std::string& token_file,
                                   const std::string& ca_file, std::string_view admin_request) {
  auto url = util::parse_server_url(server_url);
  if (!url) return url.error();
  if (token_file.empty())
    return make_error("admin.token", "--server needs --token-file FILE (weft admin tokens create)");
  auto file = runtime::read_bounded_file(token_file, kMaxTokenFile);
  if (!file) return make_error("admin.token", token_file + ": " + file.error().detail);
  std::string token = file->bytes;
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r' || token.back() == ' '))
    token.pop_back();
  if (token.empty() || token.find_first_of(" \r\n\t") != std::string::npos)
    return make_error("admin.token", token_file + " does not hold one API token");
  if (!url->tls && !loopback_host(url->host))
    return make_error("admin.insecure",
                      "refusing to send the API token over plain http to " + url->host +
                          ": use https (http is for a loopback address only)");
  auto call = serve::api_call_for(admin_request);
  if (!call) return make_error("admin.request", call.error().detail);

  boost::asio::io_context io;
  node::DialOptions options;
  options.ca_file = ca_file;
  options.timeout = std::chrono::seconds(30);
  auto dialer = node::ControlDialer::create(io, server_url, options);
  if (!dialer) return dialer.error();
  node::HttpCall http;
  http.method = call->method;
  http.target = call->target;
  http.headers = {{"Authorization", "Bearer " + token}};
  if (!call->body.empty()) http.headers.emplace_back("Content-Type", "application/json");
  http.body = std::move(call->body);
  http.any_status = true;
  std::optional<Result<node::HttpReply>> reply;
  (*dialer)->request(std::move(http), [&reply](Result<node::HttpReply> r) { reply = std::move(r); });
  io.run();
  if (!reply) return make_error("admin.response", "no answer from " + server_url);
  if (!*reply) return reply->error();
  const node::HttpReply& r = **reply;
  if (r.body.empty() || r.body.front() != '{')
    return make_error("admin.response", server_url + " answered " + std::to_string(r.status) +
                                            ": " + r.body.substr(0, 200));
  return r.body;
}

}  // namespace weft::cli
