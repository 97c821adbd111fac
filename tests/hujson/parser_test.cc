// Tests for weft::hujson::parse: HuJSON extensions, positions, every error class, limits, and
// the to_json round trip.
#define BOOST_TEST_MODULE hujson_parser
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <string>

#include "hujson/parser.h"

using namespace weft::hujson;

namespace {

Value parse_ok(std::string_view text) {
  ParseOutcome out = parse(text);
  BOOST_REQUIRE_MESSAGE(out.errors.empty(), "unexpected error: " << (out.errors.empty() ? "" : out.errors[0].message));
  BOOST_REQUIRE(out.value.has_value());
  return std::move(*out.value);
}

// "line:column message" of the only (or last) error.
std::string error_of(std::string_view text, const ParseLimits& limits = {}) {
  ParseOutcome out = parse(text, limits);
  BOOST_TEST(!out.value.has_value());
  if (out.errors.empty()) return "<no error>";
  const ParseError& e = out.errors.back();
  return std::to_string(e.pos.line) + ":" + std::to_string(e.pos.column) + " " + e.message;
}

std::string at(const Position& p) { return std::to_string(p.line) + ":" + std::to_string(p.column); }

}  // namespace

BOOST_AUTO_TEST_SUITE(hujson_parser)

BOOST_AUTO_TEST_CASE(parses_plain_json_values) {
  Value v = parse_ok(R"({"a": [1, -2.5e3, true, false, null, "x"], "b": {}})");
  BOOST_TEST(v.is_object());
  BOOST_REQUIRE(v.members.size() == 2u);
  const Value* a = v.find("a");
  BOOST_REQUIRE(a != nullptr);
  BOOST_REQUIRE(a->items.size() == 6u);
  BOOST_TEST(a->items[0].number == 1.0);
  BOOST_TEST(a->items[1].number == -2500.0);
  BOOST_TEST(a->items[1].text == "-2.5e3");
  BOOST_TEST((a->items[2].is_bool() && a->items[2].boolean));
  BOOST_TEST((a->items[3].is_bool() && !a->items[3].boolean));
  BOOST_TEST(a->items[4].is_null());
  BOOST_TEST(a->items[5].text == "x");
  BOOST_TEST(v.find("b")->is_object());
  BOOST_TEST(v.find("missing") == nullptr);
  BOOST_TEST(a->find("a") == nullptr);
  BOOST_TEST(parse_ok("  42  ").number == 42.0);
  BOOST_TEST(parse_ok("\"top\"").text == "top");
  BOOST_TEST(parse_ok("[]").items.empty());
}

BOOST_AUTO_TEST_CASE(skips_line_and_block_comments) {
  Value v = parse_ok(
      "// leading comment\n"
      "{ /* inline */ \"acls\" /* before colon */ : // after colon\n"
      "  [ /* empty */ ],\n"
      "  /* multi\n     line */ \"x\": 1 // trailing\n"
      "} // end without newline");
  BOOST_REQUIRE(v.members.size() == 2u);
  BOOST_TEST(v.members[0].key == "acls");
  BOOST_TEST(v.members[1].value.number == 1.0);
  BOOST_TEST(parse_ok("/**/1/***/").number == 1.0);
  BOOST_TEST(parse_ok("[\"// not a comment\", \"/* nor this */\"]").items[1].text == "/* nor this */");
}

BOOST_AUTO_TEST_CASE(accepts_trailing_commas) {
  Value v = parse_ok("{\"a\": [1, 2, ], \"b\": {\"c\": 3,},}");
  BOOST_TEST(v.find("a")->items.size() == 2u);
  BOOST_TEST(v.find("b")->members.size() == 1u);
  BOOST_TEST(parse_ok("[1, /* c */ ]").items.size() == 1u);
}

BOOST_AUTO_TEST_CASE(rejects_commas_without_elements) {
  BOOST_TEST(error_of("[,]") == "1:2 expected a value, found ','");
  BOOST_TEST(error_of("[1,,]") == "1:4 expected a value, found ','");
  BOOST_TEST(error_of("{,}") == "1:2 expected a string key or '}', found ','");
  BOOST_TEST(error_of("{\"a\":1,,}") == "1:8 expected a string key or '}', found ','");
}

BOOST_AUTO_TEST_CASE(records_positions_of_values_and_keys) {
  Value v = parse_ok(
      "{\n"
      "  \"acls\": [\n"
      "    {\"action\": \"accept\"},\n"
      "  ],\n"
      "}");
  BOOST_TEST(at(v.pos) == "1:1");
  BOOST_TEST(at(v.members[0].key_pos) == "2:3");
  const Value& acls = v.members[0].value;
  BOOST_TEST(at(acls.pos) == "2:11");
  BOOST_TEST(at(acls.items[0].pos) == "3:5");
  BOOST_TEST(at(acls.items[0].members[0].key_pos) == "3:6");
  BOOST_TEST(at(acls.items[0].members[0].value.pos) == "3:16");
  BOOST_TEST(acls.items[0].members[0].value.pos.offset == 29u);
}

BOOST_AUTO_TEST_CASE(counts_columns_in_code_points) {
  // "é" is 2 bytes, "€" 3, "😀" 4: each is one column.
  Value v = parse_ok("[\"é€😀\", 1,\n \"ü\", 2]");
  BOOST_TEST(v.items[0].text == "é€😀");
  BOOST_TEST(at(v.items[1].pos) == "1:9");
  BOOST_TEST(v.items[1].pos.offset == 14u);
  BOOST_TEST(at(v.items[2].pos) == "2:2");
  BOOST_TEST(at(v.items[3].pos) == "2:7");
  BOOST_TEST(error_of("[\"é€\" x]") == "1:7 expected ',' or ']' after array element, found 'x'");
}

BOOST_AUTO_TEST_CASE(skips_leading_byte_order_mark) {
  Value v = parse_ok("\xEF\xBB\xBF{\"a\": 1}");
  BOOST_TEST(at(v.pos) == "1:1");
  BOOST_TEST(v.pos.offset == 3u);
  BOOST_TEST(at(v.members[0].key_pos) == "1:2");
  // A BOM anywhere else is content, and not a valid token.
  BOOST_TEST(error_of("[\xEF\xBB\xBF]") == "1:2 expected a value, found '\xEF\xBB\xBF' (U+FEFF)");
}

BOOST_AUTO_TEST_CASE(decodes_all_string_escapes) {
  Value v = parse_ok(R"(["\"\\\/\b\f\n\r\t", "\u0041\u00e9\u20AC", "\ud83d\ude00", "\u0000"])");
  BOOST_TEST(v.items[0].text == "\"\\/\b\f\n\r\t");
  BOOST_TEST(v.items[1].text == "A\xC3\xA9\xE2\x82\xAC");
  BOOST_TEST(v.items[2].text == "\xF0\x9F\x98\x80");
  BOOST_TEST(v.items[3].text == std::string(1, '\0'));
}

BOOST_AUTO_TEST_CASE(rejects_bad_escapes_and_lone_surrogates) {
  BOOST_TEST(error_of(R"(["ab\x"])") == "1:5 invalid escape '\\x' in string");
  BOOST_TEST(error_of(R"(["\u12G4"])") == "1:3 invalid \\u escape: expected 4 hex digits");
  BOOST_TEST(error_of(R"(["\u12"])") == "1:3 invalid \\u escape: expected 4 hex digits");
  BOOST_TEST(error_of(R"(["\ud800"])") == "1:3 lone surrogate \\ud800 in string");
  BOOST_TEST(error_of(R"(["\ud800\u0041"])") == "1:3 lone surrogate \\ud800 in string");
  BOOST_TEST(error_of(R"(["x\uDC00"])") == "1:4 lone surrogate \\uDC00 in string");
  BOOST_TEST(error_of(R"(["\ud800\ud800"])") == "1:3 lone surrogate \\ud800 in string");
}

BOOST_AUTO_TEST_CASE(rejects_raw_control_characters_in_strings) {
  BOOST_TEST(error_of(std::string("[\"a\tb\"]")) == "1:4 control character U+0009 in string (write it as \\u0009)");
  BOOST_TEST(error_of(std::string("[\"a\0b\"]", 7)) == "1:4 control character U+0000 in string (write it as \\u0000)");
  BOOST_TEST(error_of("{\"a\": \"open\n}") ==
             "1:12 unterminated string: line break before the closing '\"' (string starts at 1:7)");
}

BOOST_AUTO_TEST_CASE(reports_unterminated_strings_and_comments) {
  BOOST_TEST(error_of("{\"a\": \"abc") == "1:7 unterminated string");
  BOOST_TEST(error_of("[\"abc\\") == "1:2 unterminated string");
  BOOST_TEST(error_of("{\"ke") == "1:2 unterminated string");
  BOOST_TEST(error_of("[1, /* never closed\n\n") == "1:5 unterminated block comment");
  BOOST_TEST(error_of("1 /* x") == "1:3 unterminated block comment");
  BOOST_TEST(error_of("[1 / 2]") == "1:5 expected '/' or '*' after '/' to start a comment, found ' '");
}

BOOST_AUTO_TEST_CASE(follows_json_number_grammar) {
  Value v = parse_ok("[0, -0, 1.5, 1e10, 1E+2, 2e-2, -0.0e0, 123456789012345678901234567890]");
  BOOST_TEST(v.items[0].number == 0.0);
  BOOST_TEST(v.items[2].number == 1.5);
  BOOST_TEST(v.items[3].number == 1e10);
  BOOST_TEST(v.items[4].number == 100.0);
  BOOST_TEST(v.items[5].number == 0.02);
  BOOST_TEST(v.items[7].text == "123456789012345678901234567890");
  BOOST_TEST(error_of("[01]") == "1:3 invalid number: leading zeros are not allowed");
  BOOST_TEST(error_of("[-]") == "1:3 invalid number: expected a digit after '-', found ']'");
  BOOST_TEST(error_of("[1.]") == "1:4 invalid number: expected a digit after '.', found ']'");
  BOOST_TEST(error_of("[1e]") == "1:4 invalid number: expected a digit in the exponent, found ']'");
  BOOST_TEST(error_of("[1e+]") == "1:5 invalid number: expected a digit in the exponent, found ']'");
  BOOST_TEST(error_of("[.5]") == "1:2 expected a value, found '.'");
  BOOST_TEST(error_of("[+1]") == "1:2 expected a value, found '+'");
  BOOST_TEST(error_of("[0x10]") == "1:3 expected ',' or ']' after array element, found 'x'");
  BOOST_TEST(error_of("-") == "1:2 invalid number: expected a digit after '-', found end of input");
}

BOOST_AUTO_TEST_CASE(keeps_out_of_range_numbers_as_literals) {
  Value v = parse_ok("[1e400, -1e400, 1e-400, 0.000e999999999999]");
  BOOST_TEST(std::isinf(v.items[0].number));
  BOOST_TEST(v.items[0].number > 0);
  BOOST_TEST(std::isinf(v.items[1].number));
  BOOST_TEST(v.items[1].number < 0);
  BOOST_TEST(v.items[2].number == 0.0);
  BOOST_TEST(v.items[3].number == 0.0);
  BOOST_TEST(to_json(v) == "[1e400,-1e400,1e-400,0.000e999999999999]");
}

BOOST_AUTO_TEST_CASE(names_what_was_expected_and_found) {
  BOOST_TEST(error_of("[1 2]") == "1:4 expected ',' or ']' after array element, found '2'");
  BOOST_TEST(error_of("[1}") == "1:3 expected ',' or ']' after array element, found '}'");
  BOOST_TEST(error_of("{\"a\": 1 \"b\": 2}") == "1:9 expected ',' or '}' after object member, found '\"'");
  BOOST_TEST(error_of("{\"a\" 1}") == "1:6 expected ':' after object key, found '1'");
  BOOST_TEST(error_of("{\"a\": }") == "1:7 expected a value, found '}'");
  BOOST_TEST(error_of("x") == "1:1 expected a value, found 'x'");
  BOOST_TEST(error_of("[truth]") == "1:2 expected a value, found 'truth'");
  BOOST_TEST(error_of("[True]") == "1:2 expected a value, found 'True' (JSON literals are lowercase: true)");
  BOOST_TEST(error_of("{acls: []}") == "1:2 expected a string key or '}', found 'acls' (keys must be double-quoted strings)");
  BOOST_TEST(error_of("['a']") == "1:2 expected a value, found \"'\" (strings use double quotes)");
  BOOST_TEST(error_of("{'a': 1}") == "1:2 expected a string key or '}', found \"'\" (strings use double quotes)");
  BOOST_TEST(error_of("[\x01]") == "1:2 expected a value, found control character U+0001");
  BOOST_TEST(error_of("[é]") == "1:2 expected a value, found 'é' (U+00E9)");
  BOOST_TEST(error_of("[1]]") == "1:4 trailing content after the value, found ']'");
  BOOST_TEST(error_of("{} // ok\n {}") == "2:2 trailing content after the value, found '{'");
}

BOOST_AUTO_TEST_CASE(reports_unexpected_end_of_input) {
  BOOST_TEST(error_of("") == "1:1 unexpected end of input: expected a value");
  BOOST_TEST(error_of("  // only a comment\n") == "2:1 unexpected end of input: expected a value");
  BOOST_TEST(error_of("[") == "1:2 unexpected end of input: expected a value or ']' (unclosed array at 1:1)");
  BOOST_TEST(error_of("[1,") == "1:4 unexpected end of input: expected a value or ']' (unclosed array at 1:1)");
  BOOST_TEST(error_of("{\n  \"a\": [1]") ==
             "2:11 unexpected end of input: expected ',' or '}' after object member (unclosed object at 1:1)");
  BOOST_TEST(error_of("{\"a\"") == "1:5 unexpected end of input: expected ':' after object key (unclosed object at 1:1)");
  BOOST_TEST(error_of("{\"a\":") == "1:6 unexpected end of input: expected a value (unclosed object at 1:1)");
  BOOST_TEST(error_of("{") == "1:2 unexpected end of input: expected a string key or '}' (unclosed object at 1:1)");
  BOOST_TEST(error_of("[tru") == "1:2 expected a value, found 'tru'");
}

BOOST_AUTO_TEST_CASE(reports_every_duplicate_key_and_keeps_first) {
  ParseOutcome out = parse(
      "{\n"
      "  \"acls\": [],\n"
      "  \"groups\": {\"group:a\": [], \"group:a\": []},\n"
      "  \"acls\": [1],\n"
      "}");
  BOOST_TEST(!out.value.has_value());
  BOOST_REQUIRE(out.errors.size() == 2u);
  BOOST_TEST(at(out.errors[0].pos) == "3:29");
  BOOST_TEST(out.errors[0].message == "duplicate key \"group:a\" (first defined at 3:14)");
  BOOST_TEST(at(out.errors[1].pos) == "4:3");
  BOOST_TEST(out.errors[1].message == "duplicate key \"acls\" (first defined at 2:3)");
}

BOOST_AUTO_TEST_CASE(reports_duplicates_before_a_later_syntax_error) {
  ParseOutcome out = parse("{\"a\": 1, \"a\": 2, \"b\" 3}");
  BOOST_REQUIRE(out.errors.size() == 2u);
  BOOST_TEST(out.errors[0].message == "duplicate key \"a\" (first defined at 1:2)");
  BOOST_TEST(out.errors[1].message == "expected ':' after object key, found '3'");
}

BOOST_AUTO_TEST_CASE(reports_duplicates_in_source_order_when_nested) {
  ParseOutcome out = parse(R"({"a": 1, "a": {"b": 1, "b": 2}, "c": {"d": [], "d": 0}})");
  BOOST_REQUIRE(out.errors.size() == 3u);
  BOOST_TEST(at(out.errors[0].pos) + " " + out.errors[0].message == "1:10 duplicate key \"a\" (first defined at 1:2)");
  BOOST_TEST(at(out.errors[1].pos) + " " + out.errors[1].message == "1:24 duplicate key \"b\" (first defined at 1:16)");
  BOOST_TEST(at(out.errors[2].pos) + " " + out.errors[2].message == "1:48 duplicate key \"d\" (first defined at 1:39)");
}

BOOST_AUTO_TEST_CASE(shortens_long_duplicate_keys_in_messages) {
  const std::string key = std::string(63, 'k') + "\xC3\xA9" + std::string(100, 'z');
  ParseOutcome out = parse("{\"" + key + "\": 1, \"" + key + "\": 2}");
  BOOST_REQUIRE(out.errors.size() == 1u);
  BOOST_TEST(out.errors[0].message == "duplicate key \"" + std::string(63, 'k') + "...\" (first defined at 1:2)");
}

BOOST_AUTO_TEST_CASE(finds_duplicates_in_large_objects) {
  std::string text = "{";
  for (int i = 0; i < 2000; ++i) text += "\"host" + std::to_string(i) + "\": " + std::to_string(i) + ",\n";
  text += "\"host1234\": 0, \"host7\": 0}";
  ParseOutcome out = parse(text);
  BOOST_REQUIRE(out.errors.size() == 2u);
  BOOST_TEST(out.errors[0].message == "duplicate key \"host1234\" (first defined at 1235:1)");
  BOOST_TEST(out.errors[1].message == "duplicate key \"host7\" (first defined at 8:1)");
  BOOST_TEST(at(out.errors[1].pos) == "2001:16");
  // The same object without the duplicates parses with all members, in order.
  text.resize(text.size() - std::string("\"host1234\": 0, \"host7\": 0}").size());
  text += "}";
  Value v = parse_ok(text);
  BOOST_REQUIRE(v.members.size() == 2000u);
  BOOST_TEST(v.members[1999].key == "host1999");
  BOOST_TEST(v.find("host1500")->number == 1500.0);
}

BOOST_AUTO_TEST_CASE(compares_keys_after_unescaping) {
  ParseOutcome out = parse(R"({"ab": 1, "a\u0062": 2})");
  BOOST_REQUIRE(out.errors.size() == 1u);
  BOOST_TEST(out.errors[0].message == "duplicate key \"ab\" (first defined at 1:2)");
}

BOOST_AUTO_TEST_CASE(keeps_positions_exact_across_a_large_document) {
  std::string text = "{\n";
  for (int i = 0; i < 20000; ++i) {
    text += "  /* \xC3\xA9 */ \"k" + std::to_string(i) + "\": [" + std::to_string(i) + ", \"\xC3\xA9\xE2\x82\xAC\", true], // \xF0\x9F\x98\x80\n";
  }
  text += "}";
  Value v = parse_ok(text);
  BOOST_REQUIRE(v.members.size() == 20000u);
  const Member& last = v.members.back();
  BOOST_TEST(last.key == "k19999");
  BOOST_TEST(at(last.key_pos) == "20001:11");
  // '[' after `"k19999": `; then 19999, the string, true.
  BOOST_TEST(at(last.value.pos) == "20001:21");
  BOOST_TEST(at(last.value.items[1].pos) == "20001:29");
  BOOST_TEST(at(last.value.items[2].pos) == "20001:35");
  BOOST_TEST(last.value.items[1].text == "\xC3\xA9\xE2\x82\xAC");
}

BOOST_AUTO_TEST_CASE(stops_deep_nesting_at_the_limit) {
  // 10^6 brackets: the error comes at the 257th, without recursion or a huge stack.
  const std::string deep(1'000'000, '[');
  ParseOutcome out = parse(deep);
  BOOST_TEST(!out.value.has_value());
  BOOST_REQUIRE(out.errors.size() == 1u);
  BOOST_TEST(out.errors[0].message == "nesting deeper than 256 levels");
  BOOST_TEST(at(out.errors[0].pos) == "1:257");
  BOOST_TEST(out.errors[0].pos.offset == 256u);

  const std::string objects = [] {
    std::string s;
    for (int i = 0; i < 300; ++i) s += "{\"k\":";
    return s;
  }();
  BOOST_TEST(error_of(objects) == "1:1281 nesting deeper than 256 levels");
}

BOOST_AUTO_TEST_CASE(accepts_nesting_exactly_at_the_limit) {
  const std::string ok = std::string(256, '[') + std::string(256, ']');
  Value v = parse_ok(ok);
  BOOST_TEST(to_json(v) == ok);
  ParseLimits tight;
  tight.max_depth = 2;
  BOOST_TEST(parse("[[1]]", tight).errors.empty());
  BOOST_TEST(error_of("[[{}]]", tight) == "1:3 nesting deeper than 2 levels");
}

BOOST_AUTO_TEST_CASE(rejects_input_over_the_size_limit_before_parsing) {
  ParseLimits limits;
  limits.max_bytes = 1000;
  const std::string big = "[" + std::string(1500, ' ') + "]";
  ParseOutcome out = parse(big, limits);
  BOOST_TEST(!out.value.has_value());
  BOOST_REQUIRE(out.errors.size() == 1u);
  BOOST_TEST(at(out.errors[0].pos) == "1:1");
  BOOST_TEST(out.errors[0].message == "file is 1502 bytes; the limit is 1000 bytes");
  // Invalid content past the limit is never looked at.
  BOOST_TEST(error_of(std::string(1001, '\xFF'), limits) == "1:1 file is 1001 bytes; the limit is 1000 bytes");
  BOOST_TEST(parse(std::string(1000, ' ') .replace(0, 2, "[]"), limits).errors.empty());
}

BOOST_AUTO_TEST_CASE(rejects_invalid_utf8_anywhere) {
  BOOST_TEST(error_of("[\"caf\xC3\"]") == "1:6 invalid UTF-8 byte 0xC3");
  BOOST_TEST(error_of("[\"\xC0\xAF\"]") == "1:3 invalid UTF-8 byte 0xC0");              // overlong '/'
  BOOST_TEST(error_of("[\"\xED\xA0\x80\"]") == "1:3 invalid UTF-8 byte 0xED");          // surrogate
  BOOST_TEST(error_of("[\"\xF4\x90\x80\x80\"]") == "1:3 invalid UTF-8 byte 0xF4");      // > U+10FFFF
  BOOST_TEST(error_of("{}\n// comment \xE2\x82") == "2:12 invalid UTF-8 byte 0xE2");   // truncated
  BOOST_TEST(error_of("[1,\n  \"é\", \x80]") == "2:8 invalid UTF-8 byte 0x80");
}

BOOST_AUTO_TEST_CASE(rejects_binary_garbage_cleanly) {
  std::string garbage;
  uint32_t x = 12345;
  for (int i = 0; i < 4096; ++i) {
    x = x * 1103515245u + 12345u;
    garbage.push_back(static_cast<char>(x >> 24));
  }
  ParseOutcome out = parse(garbage);
  BOOST_TEST(!out.value.has_value());
  BOOST_TEST(out.errors.size() == 1u);
  std::string nuls(64, '\0');
  BOOST_TEST(error_of(nuls) == "1:1 expected a value, found control character U+0000");
}

BOOST_AUTO_TEST_CASE(round_trips_through_to_json) {
  const char* text = R"(// policy
{
  "acls": [
    {"action": "accept", "src": ["group:eng", "tag:ci"], "dst": ["*:22,443"],},
  ],
  "quote\"d": "tab\there\u0001 \\ é 😀",
  "n": [0, -1.5e-3, 1E+2, 10],
  "flags": [true, false, null, {}, []],
})";
  Value v = parse_ok(text);
  const std::string json = to_json(v);
  BOOST_TEST(json ==
             R"({"acls":[{"action":"accept","src":["group:eng","tag:ci"],"dst":["*:22,443"]}],)"
             R"("quote\"d":"tab\there\u0001 \\ é 😀","n":[0,-1.5e-3,1E+2,10],)"
             R"("flags":[true,false,null,{},[]]})");
  // Compact output is itself valid input that serializes identically.
  BOOST_TEST(to_json(parse_ok(json)) == json);
}

BOOST_AUTO_TEST_SUITE_END()
