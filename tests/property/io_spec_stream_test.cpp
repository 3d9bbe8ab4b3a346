// The streamed spec reader (parse_spec_json: one machine or unit held as a DOM at a time) must
// answer exactly what the whole-document reader answers (parse_json_document, then
// spec_from_json): the same spec, or the same error word for word. The whole-document reader
// is the oracle; the inputs are random specs, randomly damaged (wrong types, unknown and
// misspelt keys, duplicate names, top-level fields in any order, bytes inserted or removed).
#include <fmt/format.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "berth/error.hpp"
#include "berth/io/json_document.hpp"
#include "berth/io/spec_json.hpp"
#include "support/random_spec.hpp"

using namespace berth;
using nlohmann::json;

namespace {

// What parse_spec_json said before it streamed: the whole document, then spec_from_json, with
// "(in FILE)" added to meaning errors.
std::string whole_document_answer(const std::string& text) {
  try {
    const json root = parse_json_document(text, "spec.json", JsonDocumentKind{101, ""});
    try {
      return write_spec_json(spec_from_json(root));
    } catch (const ValidationError& e) {
      throw ValidationError(
          e.code(), e.subject(),
          fmt::format("{} (in spec.json)",
                      e.detail().substr(e.subject().empty() ? 0 : e.subject().size() + 2)));
    }
  } catch (const Error& e) {
    return std::string("error: ") + e.what();
  }
}

std::string streamed_answer(const std::string& text) {
  try {
    return write_spec_json(parse_spec_json(text, "spec.json"));
  } catch (const Error& e) {
    return std::string("error: ") + e.what();
  }
}

struct Damage {
  std::mt19937_64& rng;
  int pick(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); }

  json random_value() {
    switch (pick(0, 11)) {
      case 0:
        return nullptr;
      case 1:
        return true;
      case 2:
        return -1;
      case 3:
        return 3.5;
      case 4:
        return "abc";
      case 5:
        return "512Mi";
      case 6:
        return json::array();
      case 7:
        return json::object();
      case 8:
        return std::uint64_t{18446744073709551615ULL};
      case 9:
        return json::array({"x", 2});
      case 10:
        return json{{"op", "gt"}, {"value", "1"}};
      default:
        return 0;
    }
  }

  // A random node below `j` (possibly `j` itself).
  json* random_node(json& j) {
    json* at = &j;
    while (pick(0, 3) != 0 && (at->is_object() || at->is_array()) && !at->empty()) {
      auto it = at->begin();
      std::advance(it, pick(0, static_cast<int>(at->size()) - 1));
      at = &*it;
    }
    return at;
  }

  void damage(json& spec) {
    const int n = pick(0, 3);
    for (int k = 0; k < n; ++k) {
      json* node = random_node(spec);
      const int what = pick(0, 6);
      if (what >= 3 && !spec.is_object()) continue;  // the root itself was replaced
      switch (what) {
        case 0:
          *node = random_value();
          break;
        case 1:  // a misspelt or unknown key
          if (node->is_object() && !node->empty()) {
            auto it = node->begin();
            std::advance(it, pick(0, static_cast<int>(node->size()) - 1));
            std::string key = it.key();
            json value = it.value();
            node->erase(key);
            (*node)[pick(0, 1) ? key.substr(1) : "bogus"] = value;
          }
          break;
        case 2:  // a required key lost
          if (node->is_object() && !node->empty()) node->erase(node->begin().key());
          break;
        case 3:  // a duplicate machine or unit name
          for (const char* field : {"machines", "units"}) {
            if (spec.contains(field) && spec[field].is_array() && !spec[field].empty() &&
                pick(0, 1)) {
              json& list = spec[field];
              const json copy =
                  list[static_cast<std::size_t>(pick(0, static_cast<int>(list.size()) - 1))];
              list.insert(list.begin() + pick(0, static_cast<int>(list.size())), copy);
            }
          }
          break;
        case 4:
          spec[pick(0, 1) ? "$comment" : "bogus"] = random_value();
          break;
        case 5: {  // placements, some of them not strings
          json& ps = spec["placements"];
          if (!ps.is_object()) ps = json::object();
          for (int i = pick(1, 4); i > 0; --i)
            ps[fmt::format("u{}@{}", pick(1, 3), pick(1, 3))] =
                pick(0, 2) ? json("m1") : random_value();
          break;
        }
        default:
          spec["warnings"] = pick(0, 1) ? json("w") : random_value();
          break;
      }
    }
  }

  // The top-level fields in a random order (a DOM dump would sort them: units after machines).
  std::string text_of(const json& spec) {
    if (!spec.is_object() || pick(0, 9) == 0) return spec.dump(pick(0, 1) ? 2 : -1);
    std::vector<std::string> fields;
    for (const auto& [key, value] : spec.items())
      fields.push_back(json(key).dump() + ": " + value.dump(pick(0, 1) ? 2 : -1));
    std::shuffle(fields.begin(), fields.end(), rng);
    std::string text = "{";
    for (std::size_t i = 0; i < fields.size(); ++i) text += (i ? ",\n" : "\n") + fields[i];
    return text + "\n}";
  }

  void damage_bytes(std::string& text) {
    const char pool[] = "{}[],:\"0a-\n\\ e";
    for (int n = pick(1, 2); n > 0 && !text.empty(); --n) {
      const std::size_t at = static_cast<std::size_t>(pick(0, static_cast<int>(text.size()) - 1));
      switch (pick(0, 3)) {
        case 0:
          text.erase(at, 1);
          break;
        case 1:
          text.insert(at, 1, pool[pick(0, sizeof pool - 2)]);
          break;
        case 2:
          text[at] = pool[pick(0, sizeof pool - 2)];
          break;
        default: {  // a key written twice in the object that opens here
          const std::size_t brace = text.find("{\"", at);
          if (brace != std::string::npos) text.insert(brace + 1, "\"name\": 1, ");
        }
      }
    }
  }
};

}  // namespace

TEST_CASE("the streamed spec reader answers what the whole-document reader answers",
          "[io][spec][property]") {
  std::mt19937_64 rng(20261206);
  Damage d{rng};
  int accepted = 0, meaning_errors = 0, syntax_errors = 0, duplicate_keys = 0;
  for (int round = 0; round < 4000; ++round) {
    json spec = spec_to_json(testing::random_spec(rng));
    d.damage(spec);
    std::string text = d.text_of(spec);
    if (d.pick(0, 4) == 0) d.damage_bytes(text);
    const std::string want = whole_document_answer(text);
    const std::string got = streamed_answer(text);
    INFO("round " << round << "\n" << text);
    REQUIRE(got == want);
    if (want.rfind("error: [berth.invalid.", 0) == 0)
      ++meaning_errors;
    else if (want.rfind("error: [berth.parse_error.102]", 0) == 0)
      ++duplicate_keys;
    else if (want.rfind("error: [berth.parse_error.", 0) == 0)
      ++syntax_errors;
    else
      ++accepted;
  }
  // Every kind of answer was compared many times (a generator that only made one kind would
  // prove little).
  CHECK(accepted > 500);
  CHECK(meaning_errors > 500);
  CHECK(syntax_errors > 100);
  CHECK(duplicate_keys > 20);
}
