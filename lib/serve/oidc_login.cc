// The OIDC login routes on the server's HTTP front, and the provider's documents
// (docs/identity.md, "Login flow"). Decisions: identity::Logins and the coordinator.
#include "serve/oidc_login.h"

#include <ostream>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "serve/http_fetch.h"

namespace weft::serve {
namespace {

constexpr std::chrono::seconds kRetry{10};

std::string html_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out.push_back(c);
    }
  }
  return out;
}

WebAnswer page(unsigned status, std::string_view title, std::string_view text) {
  WebAnswer a;
  a.status = status;
  a.body = "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>weft: " +
           html_escape(title) + "</title></head>\n<body><h1>" + html_escape(title) +
           "</h1>\n<p>" + html_escape(text) + "</p></body></html>\n";
  return a;
}

}  // namespace

struct OidcLogin::State : std::enable_shared_from_this<OidcLogin::State> {
  State(boost::asio::io_context& io, OidcLoginConfig c, LoginSink& sink,
        const runtime::MonotonicClock& clock, core::Random& rng, std::ostream& log)
      : io(io), config(std::move(c)), sink(sink), clock(clock), rng(rng), log(log),
        logins(config.settings), retry(io), expiry(io) {}

  boost::asio::io_context& io;
  OidcLoginConfig config;
  LoginSink& sink;
  const runtime::MonotonicClock& clock;
  core::Random& rng;
  std::ostream& log;
  identity::Logins logins;
  std::optional<identity::ProviderMetadata> provider;
  std::optional<identity::Jwks> keys;
  std::optional<core::Duration> last_jwks_refetch;
  boost::asio::steady_timer retry;
  boost::asio::steady_timer expiry;

  HttpFetchRequest get(const std::string& url) const {
    HttpFetchRequest r;
    r.url = url;
    r.ca_file = config.ca_file;
    r.max_answer_bytes = identity::kMaxDocumentBytes;
    return r;
  }

  void fetch_documents() {
    std::string issuer = config.settings.issuer;
    while (!issuer.empty() && issuer.back() == '/') issuer.pop_back();
    http_fetch(io, get(issuer + "/.well-known/openid-configuration"),
               [self = shared_from_this()](Result<HttpFetchAnswer> a) {
                 if (!a || a->status != 200) {
                   return self->retry_later(a ? "discovery answered HTTP " + std::to_string(a->status)
                                              : a.error().detail);
                 }
                 auto meta = identity::parse_discovery(a->body, self->config.settings.issuer);
                 if (!meta) return self->retry_later(meta.error().detail);
                 self->provider = std::move(*meta);
                 self->fetch_keys([self](const Status& st) {
                   if (!st) return self->retry_later(st.error().detail);
                   self->log << "weft serve: identity provider " << self->provider->issuer
                             << " ready (" << self->keys->keys.size() << " signing keys)\n";
                 });
               });
  }

  void fetch_keys(std::function<void(const Status&)> done) {
    http_fetch(io, get(provider->jwks_uri),
               [self = shared_from_this(), done = std::move(done)](Result<HttpFetchAnswer> a) {
                 if (!a) return done(a.error());
                 if (a->status != 200) {
                   return done(make_error("oidc.jwks", "the JWK Set answered HTTP " + std::to_string(a->status)));
                 }
                 auto keys = identity::parse_jwks(a->body);
                 if (!keys) return done(keys.error());
                 self->keys = std::move(*keys);
                 done(Ok{});
               });
  }

  void retry_later(const std::string& why) {
    log << "weft serve: identity provider " << config.settings.issuer << " not ready: " << why
        << "; retrying in " << kRetry.count() << " s\n";
    retry.expires_after(kRetry);
    retry.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (!ec) self->fetch_documents();
    });
  }

  void arm_expiry() {
    auto at = logins.next_deadline();
    if (!at) return;
    expiry.expires_at(clock.at(*at));
    expiry.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (ec) return;
      self->logins.on_deadline(self->clock.now());
      self->arm_expiry();
    });
  }

  void begin(std::string_view login_id, const std::function<void(WebAnswer)>& reply) {
    if (!provider || !keys) {
      return reply(page(503, "Login unavailable",
                        "The identity provider has not been reached yet. Try again in a moment."));
    }
    if (!sink.login_waiting(login_id)) {
      return reply(page(404, "Login link expired",
                        "This login link is not waiting any more: it was used, or the device "
                        "stopped or reconnected. Run weft up again for a new link."));
    }
    WebAnswer a;
    a.status = 302;
    a.location = logins.begin(std::string(login_id), *provider, clock.now(), rng);
    a.body = "redirecting to the identity provider\n";
    a.content_type = "text/plain; charset=utf-8";
    arm_expiry();
    reply(std::move(a));
  }

  void callback(std::string_view query, std::function<void(WebAnswer)> reply) {
    auto param = [&](const char* name) { return identity::query_param(query, name).value_or(""); };
    auto exchange = logins.callback(param("state"), param("code"), param("error"),
                                    param("error_description"), clock.now());
    if (!exchange) {
      log << "weft serve: login refused: " << exchange.error().detail << " ("
          << exchange.error().code << ")\n";
      return reply(page(400, "Login failed", exchange.error().detail));
    }
    HttpFetchRequest r = get(provider->token_endpoint);
    r.method = "POST";
    r.content_type = "application/x-www-form-urlencoded";
    r.body = exchange->form_body;
    r.authorization = exchange->authorization;
    auto x = std::make_shared<identity::TokenExchange>(std::move(*exchange));
    http_fetch(io, std::move(r),
               [self = shared_from_this(), x, reply = std::move(reply)](Result<HttpFetchAnswer> a) {
                 if (!a) {
                   self->log << "weft serve: token endpoint: " << a.error().detail << "\n";
                   self->sink.refuse_login(x->login_id, "oidc.token_endpoint",
                                           "the server could not reach the identity provider");
                   return reply(page(502, "Login failed",
                                     "The server could not reach the identity provider."));
                 }
                 self->finish(x, std::move(*a), reply, true);
               });
  }

  void finish(const std::shared_ptr<identity::TokenExchange>& x, HttpFetchAnswer answer,
              const std::function<void(WebAnswer)>& reply, bool may_refetch) {
    auto who = logins.finish(*x, answer.status, answer.body, *keys, clock.now().wall);
    if (!who && who.error().code == "oidc.unknown_kid" && may_refetch &&
        (!last_jwks_refetch || clock.now().mono - *last_jwks_refetch >= config.jwks_min_refetch)) {
      // The provider may have rotated its keys: fetch the set once more, then decide.
      last_jwks_refetch = clock.now().mono;
      fetch_keys([self = shared_from_this(), x, answer, reply](const Status& st) {
        if (!st) {
          self->log << "weft serve: JWK Set refetch failed: " << st.error().detail << "\n";
        } else {
          self->log << "weft serve: identity provider's JWK Set refetched for an unknown key id ("
                    << self->keys->keys.size() << " signing keys)\n";
        }
        self->finish(x, answer, reply, false);
      });
      return;
    }
    // The coordinator logs the login's use or refusal with the token and key uses.
    if (!who) {
      sink.refuse_login(x->login_id, who.error().code, who.error().detail);
      return reply(page(403, "Login refused", who.error().detail));
    }
    coord::ProvenIdentity proven{who->issuer, who->subject, who->email, who->groups};
    auto done = sink.complete_login(x->login_id, proven);
    if (!done) return reply(page(409, "Login not completed", done.error().detail));
    reply(page(200, "Logged in",
               "Logged in as " + done->user + ". The device " + done->hostname +
                   " is registered; you can close this window."));
  }
};

OidcLogin::OidcLogin(boost::asio::io_context& io, OidcLoginConfig config, LoginSink& sink,
                     const runtime::MonotonicClock& clock, core::Random& rng, std::ostream& log)
    : state_(std::make_shared<State>(io, std::move(config), sink, clock, rng, log)) {}

OidcLogin::~OidcLogin() {
  state_->retry.cancel();
  state_->expiry.cancel();
}

void OidcLogin::start() { state_->fetch_documents(); }

bool OidcLogin::ready() const { return state_->provider && state_->keys; }

bool OidcLogin::handle(std::string_view target, std::function<void(WebAnswer)> reply) {
  const auto q = target.find('?');
  const std::string_view path = target.substr(0, q);
  const std::string_view query = q == std::string_view::npos ? std::string_view() : target.substr(q + 1);
  if (path.rfind(kLoginPath, 0) == 0) {
    state_->begin(path.substr(sizeof kLoginPath - 1), reply);
    return true;
  }
  if (path == kCallbackPath) {
    if (!ready()) {
      reply(page(503, "Login unavailable", "The identity provider has not been reached yet."));
      return true;
    }
    state_->callback(query, std::move(reply));
    return true;
  }
  return false;
}

}  // namespace weft::serve
