// The local API's client (local_client.h): runtime::UnixRequestClient with the local API's
// error codes and the hint that names `weft up`.
#include "node/local_client.h"

#include <rapidjson/document.h>

#include "node/local_api.h"
#include "runtime/unix_request_client.h"

namespace weft::node {
namespace {

runtime::UnixRequestClientOptions options() {
  runtime::UnixRequestClientOptions o;
  o.code_prefix = "local";
  o.server_program = "weft up";
  return o;
}

}  // namespace

Result<std::string> local_call(const std::string& state_dir, std::string_view request,
                               std::chrono::milliseconds timeout) {
  return runtime::unix_request(local_socket_path(state_dir), request, timeout, options());
}

Status local_stream(const std::string& state_dir, std::string_view request,
                    std::chrono::milliseconds line_timeout,
                    const std::function<void(const std::string& line)>& on_line) {
  auto client = runtime::UnixRequestClient::send(local_socket_path(state_dir), request,
                                                 line_timeout, options());
  if (!client.ok()) return client.error();
  while (true) {
    auto line = client->next_line(line_timeout);
    if (!line.ok()) return line.error();
    if (!line->has_value()) return Ok{};
    on_line(**line);
  }
}

std::optional<Error> answer_error(std::string_view line) {
  rapidjson::Document d;
  d.Parse(line.data(), line.size());
  if (d.HasParseError() || !d.IsObject()) return std::nullopt;
  auto e = d.FindMember("error");
  if (e == d.MemberEnd() || !e->value.IsObject()) return std::nullopt;
  auto text = [&](const char* key) {
    auto it = e->value.FindMember(key);
    return it != e->value.MemberEnd() && it->value.IsString() ? std::string(it->value.GetString())
                                                               : std::string();
  };
  return make_error(text("code"), text("message"));
}

}  // namespace weft::node
