// Tests for weft::hujson values: kind names, member lookup and the compact serializer.
#define BOOST_TEST_MODULE hujson_value
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <string>

#include "hujson/value.h"

using namespace weft::hujson;

namespace {

Value number(double n, std::string literal = "") {
  Value v;
  v.kind = Kind::kNumber;
  v.number = n;
  v.text = std::move(literal);
  return v;
}

Value string(std::string s) {
  Value v;
  v.kind = Kind::kString;
  v.text = std::move(s);
  return v;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(hujson_value)

BOOST_AUTO_TEST_CASE(names_kinds_for_messages) {
  BOOST_TEST(std::string(kind_name(Kind::kNull)) == "null");
  BOOST_TEST(std::string(kind_name(Kind::kBool)) == "boolean");
  BOOST_TEST(std::string(kind_name(Kind::kNumber)) == "number");
  BOOST_TEST(std::string(kind_name(Kind::kString)) == "string");
  BOOST_TEST(std::string(kind_name(Kind::kArray)) == "array");
  BOOST_TEST(std::string(kind_name(Kind::kObject)) == "object");
}

BOOST_AUTO_TEST_CASE(finds_members_only_in_objects) {
  Value obj;
  obj.kind = Kind::kObject;
  obj.members.push_back(Member{"acls", {}, number(1)});
  obj.members.push_back(Member{"groups", {}, string("g")});
  BOOST_REQUIRE(obj.find("groups") != nullptr);
  BOOST_TEST(obj.find("groups")->text == "g");
  BOOST_TEST(obj.find("acls")->number == 1.0);
  BOOST_TEST(obj.find("acl") == nullptr);
  BOOST_TEST(obj.find("") == nullptr);
  Value arr;
  arr.kind = Kind::kArray;
  arr.items.push_back(string("acls"));
  BOOST_TEST(arr.find("acls") == nullptr);
  BOOST_TEST(string("acls").find("acls") == nullptr);
}

BOOST_AUTO_TEST_CASE(escapes_strings_as_json) {
  std::string out;
  append_json_string(out, std::string("a\"b\\c/\b\f\n\r\t\x01\x1f\x7f", 14));
  BOOST_TEST(out == R"("a\"b\\c/\b\f\n\r\t\u0001\u001f)" "\x7f\"");
  out.clear();
  append_json_string(out, std::string("nul\0end", 7));
  BOOST_TEST(out == R"("nul\u0000end")");
  out = "prefix:";
  append_json_string(out, "caf\xC3\xA9");
  BOOST_TEST(out == "prefix:\"caf\xC3\xA9\"");
}

BOOST_AUTO_TEST_CASE(serializes_scalars) {
  BOOST_TEST(to_json(Value{}) == "null");
  Value t;
  t.kind = Kind::kBool;
  t.boolean = true;
  BOOST_TEST(to_json(t) == "true");
  t.boolean = false;
  BOOST_TEST(to_json(t) == "false");
  BOOST_TEST(to_json(string("x")) == "\"x\"");
}

BOOST_AUTO_TEST_CASE(writes_numbers_as_literal_or_shortest_form) {
  BOOST_TEST(to_json(number(100, "1E+2")) == "1E+2");
  BOOST_TEST(to_json(number(0.1)) == "0.1");
  BOOST_TEST(to_json(number(-2500)) == "-2500");
  BOOST_TEST(to_json(number(1e300)) == "1e+300");
  BOOST_TEST(to_json(number(INFINITY)) == "null");
  BOOST_TEST(to_json(number(NAN)) == "null");
}

BOOST_AUTO_TEST_CASE(serializes_nested_containers_compactly) {
  Value inner;
  inner.kind = Kind::kObject;
  inner.members.push_back(Member{"k\"ey", {}, string("v")});
  inner.members.push_back(Member{"empty", {}, Value{}});
  inner.members.back().value.kind = Kind::kArray;
  Value root;
  root.kind = Kind::kArray;
  root.items.push_back(number(1, "1"));
  root.items.push_back(inner);
  root.items.push_back(Value{});
  root.items.back().kind = Kind::kObject;
  BOOST_TEST(to_json(root) == R"([1,{"k\"ey":"v","empty":[]},{}])");
}

BOOST_AUTO_TEST_CASE(serializes_deep_trees_without_recursion) {
  // Far deeper than the parser allows: to_json must not depend on the call stack.
  constexpr int kDepth = 3000;
  Value root;
  root.kind = Kind::kArray;
  Value* cur = &root;
  for (int i = 1; i < kDepth; ++i) {
    cur->items.emplace_back();
    cur = &cur->items.back();
    cur->kind = Kind::kArray;
  }
  const std::string json = to_json(root);
  BOOST_TEST(json == std::string(kDepth, '[') + std::string(kDepth, ']'));
}

BOOST_AUTO_TEST_SUITE_END()
