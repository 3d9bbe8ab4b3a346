// Strict JSON reading shared by the spec, events, kube and catalogue readers (issue 9).
#include <fmt/format.h>

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "berth/error.hpp"
#include "berth/io/json_document.hpp"

using berth::JsonDocumentKind;
using berth::parse_json_document;
using berth::ParseError;

namespace {

std::string error_of(const std::string& text, const JsonDocumentKind& kind = {101, ""}) {
  try {
    (void)parse_json_document(text, "f.json", kind);
  } catch (const ParseError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("the same key in sibling objects is fine; twice in one object is not",
          "[json_document]") {
  CHECK(error_of(R"([{"name":"a","cpu":1},{"name":"b","cpu":2},{"x":{"name":"c"},"name":"d"}])")
            .empty());
  CHECK(error_of("{\"a\":{\"b\":1},\n \"c\":2,\n   \"a\":3}") ==
        "[berth.parse_error.102] f.json:3:4: duplicate key \"a\": each key may appear once in an "
        "object");
  // The duplicate in an inner object, after an earlier object that used the same key.
  CHECK(error_of(R"({"m":[{"k":1},{"j":1,"k":2,"k":3}]})") ==
        "[berth.parse_error.102] f.json:1:28: duplicate key \"k\": each key may appear once in an "
        "object");
}

TEST_CASE("keys are located even after strings that look like keys", "[json_document]") {
  // The string value "x:" and an escaped quote must not be counted as keys.
  CHECK(error_of(R"({"v":"x\":", "w":"a", "v":2})") ==
        "[berth.parse_error.102] f.json:1:23: duplicate key \"v\": each key may appear once in an "
        "object");
}

TEST_CASE("large objects (a spec's placements) are checked too", "[json_document]") {
  std::string text = "{";
  for (int i = 0; i < 1000; ++i) text += "\"u" + std::to_string(i) + "\":\"m\",";
  CHECK(error_of(text + "\"last\":1}").empty());
  CHECK(error_of(text + "\"u500\":1}").find("duplicate key \"u500\"") != std::string::npos);
}

TEST_CASE("syntax errors and huge numbers carry the reader's id and prefix", "[json_document]") {
  CHECK(error_of("{\"a\":\n  tru}", {170, "not a kubectl JSON dump: "}) ==
        "[berth.parse_error.170] f.json:2:6: not a kubectl JSON dump: parsing value - invalid "
        "literal; last read: '\"a\":<U+000A>  tru}'");
  CHECK(error_of(R"({"a":1e400})", {180, ""}) ==
        "[berth.parse_error.180] f.json: expected a number within the range of a double, found "
        "'1e400'");
}

namespace {

// Writes down every call a streamed read makes, one line each.
struct Recorder : berth::JsonObjectStream {
  std::vector<std::string> log;
  std::size_t stop_after = 1000;  // element() returns false once this many were taken
  Take take(const std::string& key) override {
    log.push_back("take " + key);
    if (key == "skip") return Take::Skip;
    if (key == "whole") return Take::Whole;
    return Take::Elements;
  }
  void value(const std::string& key, nlohmann::json&& v) override {
    log.push_back("value " + key + " " + v.dump());
  }
  void begin(const std::string& key, bool array, std::size_t n) override {
    log.push_back("begin " + key + (array ? " array " : " object ") + std::to_string(n));
  }
  bool element(const std::string& key, std::size_t i, nlohmann::json&& v) override {
    log.push_back("element " + key + "[" + std::to_string(i) + "] " + v.dump());
    return i + 1 < stop_after;
  }
  bool member(const std::string& key, const std::string& name, nlohmann::json&& v) override {
    log.push_back("member " + key + "." + name + " " + v.dump());
    return true;
  }
  void end(const std::string& key) override { log.push_back("end " + key); }
  void not_object(nlohmann::json&& v) override { log.push_back("not_object " + v.dump()); }
};

std::vector<std::string> stream(const std::string& text, std::size_t stop_after = 1000) {
  Recorder r;
  r.stop_after = stop_after;
  berth::read_json_object_streaming(text, "f.json", JsonDocumentKind{101, ""}, r);
  return r.log;
}

std::string stream_error(const std::string& text) {
  try {
    stream(text);
  } catch (const ParseError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("a streamed read hands over each element as it ends, and only what was asked for",
          "[json_document]") {
  using V = std::vector<std::string>;
  CHECK(
      stream(
          R"({"list": [{"a": [1, {"b": 2}]}, 3, "x,]"], "whole": {"k": [1]}, "skip": {"big": [1, 2]},
                   "map": {"m1": {"x": 1}, "m2": null}, "scalar": 7, "empty": []})") ==
      V{"take list", "begin list array 3", R"(element list[0] {"a":[1,{"b":2}]})",
        "element list[1] 3", R"(element list[2] "x,]")", "end list", "take whole",
        R"(value whole {"k":[1]})", "take skip", "take map", "begin map object 2",
        R"(member map.m1 {"x":1})", "member map.m2 null", "end map", "take scalar",
        "value scalar 7", "take empty", "begin empty array 0", "end empty"});
  // The receiver may stop taking elements: the rest are read for syntax only.
  CHECK(stream(R"({"list": [1, 2, 3]})", 2) ==
        V{"take list", "begin list array 3", "element list[0] 1", "element list[1] 2", "end list"});
  // A document that is not an object is handed over whole, after the read.
  CHECK(stream("[1, 2]") == V{"not_object [1,2]"});
  CHECK(stream(" \"s\" ") == V{R"(not_object "s")"});
}

TEST_CASE("a streamed read fails exactly as the whole-document read", "[json_document]") {
  for (const std::string text : {
           R"({"list": [1, 2,]})",                              // syntax inside a streamed field
           R"({"skip": {"a": 1, "a": 2}})",                     // a duplicate in a skipped field
           "{\"list\": [{\"x\": 1},\n {\"y\": 1, \"y\": 2}]}",  // a duplicate inside an element
           R"({"list": [1], "list": [2]})",                     // a duplicate field
           R"({"whole": 1e400})",                               // a number beyond double
           R"({"list": [1]} trailing)",                         // text after the value
           R"({"list": [1])",                                   // cut short
           "",
       }) {
    INFO(text);
    CHECK(!stream_error(text).empty());
    CHECK(stream_error(text) == error_of(text));
  }
}

namespace {

// Each element's text of each split field, as split_top_level_arrays cuts it.
std::vector<std::string> pieces_of(const std::string& text, const std::vector<std::string>& keys) {
  std::vector<std::string> out;
  for (const berth::JsonArraySplit& s : berth::split_top_level_arrays(text, keys)) {
    out.push_back(fmt::format(
        "{} [{}..{}]", s.key, s.open,
        s.close == berth::JsonArraySplit::kNone ? std::string("?") : std::to_string(s.close)));
    for (std::size_t k = 0; k < s.starts.size(); ++k) {
      const std::size_t end = k + 1 < s.starts.size() ? s.starts[k + 1] - 1 : s.close;
      out.push_back(text.substr(s.starts[k], end - s.starts[k]));
    }
  }
  return out;
}

}  // namespace

TEST_CASE("the pre-scan cuts a top-level array's interior at its elements' commas",
          "[json_document]") {
  using V = std::vector<std::string>;
  // Commas and brackets inside strings (with escaped quotes and backslashes) and inside nested
  // values do not cut; the pieces keep their whitespace.
  CHECK(pieces_of(R"({"a": [1, {"x": [2, 3], "y": "p,]\"q\\"}, " , " ], "b": [[4, 5]]})",
                  {"a", "b"}) == V{"a [6..48]", "1", R"( {"x": [2, 3], "y": "p,]\"q\\"})",
                                   R"( " , " )", "b [56..63]", "[4, 5]"});
  // Only the fields asked for, only arrays, only at the top level; an empty (or blank) array
  // has no piece; keys are compared as written.
  CHECK(pieces_of(R"({"a": {"b": [1]}, "b": { }, "c": [ ], "d": [1], "\u0064": [2]})",
                  {"b", "c", "d"}) == V{"c [33..35]", "d [43..45]", "1"});
  // A text cut short: no closing bracket.
  CHECK(pieces_of(R"({"a": [1, 2)", {"a"}) == V{"a [6..?]", "1", " 2"});
}
