// Tests of the HTTP/1.1 messages of the simulated login (sim/http-message.h): what one side
// formats the other reads back, messages arriving in pieces, and what the reader refuses.
#define BOOST_TEST_MODULE sim_http_message
#include <boost/test/unit_test.hpp>

#include <string>

#include "http-message.h"

using namespace weft::sim;

BOOST_AUTO_TEST_SUITE(http_message)

BOOST_AUTO_TEST_CASE(reads_back_a_request_it_formatted_piece_by_piece) {
  HttpRequest r;
  r.method = "POST";
  r.target = "/token";
  r.authorization = "Basic d2VmdDpzZWNyZXQ=";
  r.content_type = "application/x-www-form-urlencoded";
  r.body = "grant_type=authorization_code&code=c1";
  const std::string bytes = FormatHttpRequest(r, "idp");
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    HttpRequest partial;
    BOOST_TEST((ParseHttpRequest(bytes.substr(0, n), 4096, partial) == HttpParse::kIncomplete));
  }
  HttpRequest back;
  BOOST_TEST_REQUIRE((ParseHttpRequest(bytes, 4096, back) == HttpParse::kDone));
  BOOST_TEST(back.method == "POST");
  BOOST_TEST(back.target == "/token");
  BOOST_TEST(back.authorization == r.authorization);
  BOOST_TEST(back.content_type == r.content_type);
  BOOST_TEST(back.body == r.body);
}

BOOST_AUTO_TEST_CASE(reads_back_a_response_and_its_status) {
  const std::string bytes = FormatHttpResponse(HttpResponse{400, "application/json", "{}"});
  HttpResponse back;
  BOOST_TEST_REQUIRE((ParseHttpResponse(bytes, 4096, back) == HttpParse::kDone));
  BOOST_TEST(back.status == 400u);
  BOOST_TEST(back.body == "{}");
  HttpResponse empty;
  BOOST_TEST((ParseHttpResponse("HTTP/1.1 204 No Content\r\n\r\n", 4096, empty) ==
              HttpParse::kDone));
  BOOST_TEST(empty.body.empty());
}

BOOST_AUTO_TEST_CASE(refuses_what_it_does_not_take) {
  HttpRequest q;
  HttpResponse a;
  // Too large, chunked, bytes beyond the body, a bad length, a bad start line.
  BOOST_TEST((ParseHttpRequest(std::string(5000, 'x'), 4096, q) == HttpParse::kBad));
  BOOST_TEST((ParseHttpResponse("HTTP/1.1 200 OK\r\nContent-Length: 10000\r\n\r\n", 4096, a) ==
              HttpParse::kBad));
  BOOST_TEST((ParseHttpResponse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", 4096, a) ==
              HttpParse::kBad));
  BOOST_TEST((ParseHttpResponse("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nab", 4096, a) ==
              HttpParse::kBad));
  BOOST_TEST((ParseHttpResponse("HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\na", 4096, a) ==
              HttpParse::kBad));
  BOOST_TEST((ParseHttpResponse("HTTP/1.0 200 OK\r\n\r\n", 4096, a) == HttpParse::kBad));
  BOOST_TEST((ParseHttpRequest("GET token HTTP/1.1\r\n\r\n", 4096, q) == HttpParse::kBad));
  BOOST_TEST((ParseHttpRequest("GET /x HTTP/1.1\r\nno colon\r\n\r\n", 4096, q) == HttpParse::kBad));
}

BOOST_AUTO_TEST_CASE(splits_urls_into_host_and_path) {
  BOOST_TEST(UrlHost("http://idp/jwks") == "idp");
  BOOST_TEST(UrlPath("http://idp/authorize?state=s") == "/authorize?state=s");
  BOOST_TEST(UrlPath("http://idp") == "/");
  BOOST_TEST(UrlHost("http://idp") == "idp");
}

BOOST_AUTO_TEST_SUITE_END()
