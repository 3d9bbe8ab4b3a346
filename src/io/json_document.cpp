#include "berth/io/json_document.hpp"

#include <fmt/format.h>

#include <memory>
#include <unordered_set>
#include <vector>

namespace berth {
namespace {

using json = nlohmann::json;

// Thrown out of nlohmann's parser callback to stop at the first duplicate key.
struct DuplicateKey {
  std::string key;
  std::size_t ordinal;  // how many keys the document had before this one
};

// The keys seen so far in each object that is open. Objects usually have a handful of keys, so
// a linear scan over them beats hashing; a large object (a spec's "placements") switches to a
// hash set so that reading it stays linear.
class KeyTracker {
 public:
  void open() { frames_.push_back(Frame{keys_.size(), nullptr}); }
  void close() {
    keys_.resize(frames_.back().first_key);
    frames_.pop_back();
  }
  // False when the innermost open object already has `key`.
  bool add(const std::string& key) {
    Frame& f = frames_.back();
    if (f.many) return f.many->insert(key).second;
    for (std::size_t k = f.first_key; k < keys_.size(); ++k) {
      if (keys_[k] == key) return false;
    }
    keys_.push_back(key);
    if (keys_.size() - f.first_key > kLinearLimit) {
      f.many = std::make_unique<std::unordered_set<std::string>>(keys_.begin() + static_cast<std::ptrdiff_t>(f.first_key), keys_.end());
      keys_.resize(f.first_key);
    }
    return true;
  }

 private:
  static constexpr std::size_t kLinearLimit = 32;
  struct Frame {
    std::size_t first_key;
    std::unique_ptr<std::unordered_set<std::string>> many;
  };
  std::vector<Frame> frames_;
  std::vector<std::string> keys_;
};

// Byte offset of the opening quote of the `ordinal`-th key (from 0) in text that is valid JSON
// up to that key: a key is a string followed by ':'. nlohmann's callback knows the key but not
// where it is, and a message without a line and column is no help in a 10,000-line spec.
std::size_t offset_of_key(std::string_view text, std::size_t ordinal) {
  std::size_t seen = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '"') continue;
    const std::size_t start = i;
    for (++i; i < text.size() && text[i] != '"'; ++i) {
      if (text[i] == '\\') ++i;
    }
    std::size_t after = i + 1;
    while (after < text.size() && (text[after] == ' ' || text[after] == '\t' || text[after] == '\n' || text[after] == '\r')) ++after;
    if (after < text.size() && text[after] == ':') {
      if (seen == ordinal) return start;
      ++seen;
    }
  }
  return 0;
}

// nlohmann: "[json.exception.parse_error.101] parse error at line 1, column 3: syntax error
// while parsing object key - invalid literal; last read: '{x'; expected string literal".
// The location is ours (file:line:col); keep what it says was expected.
std::string syntax_detail(const std::string& what) {
  const auto pos = what.find("syntax error while ");
  return pos == std::string::npos ? what : what.substr(pos + 19);
}

// nlohmann's DOM builder with a duplicate-key check in its SAX events. A parser callback
// (json::parse(..., callback)) would do the same check, but it runs nlohmann's callback DOM
// builder, which wraps every key and value in a std::function call and a json copy: reading a
// 100k-machine spec spent half of `berth place` there (perf), against a fraction with the plain
// builder. The builder is nlohmann's own (detail::json_sax_dom_parser, what json::parse uses),
// so the document and every error it throws are exactly json::parse's; only key(),
// start_object() and end_object() are seen first here.
class StrictDomBuilder : public nlohmann::detail::json_sax_dom_parser<json> {
 public:
  using Base = nlohmann::detail::json_sax_dom_parser<json>;
  explicit StrictDomBuilder(json& root) : Base(root, true) {}
  bool start_object(std::size_t elements) {
    keys_.open();
    return Base::start_object(elements);
  }
  bool end_object() {
    keys_.close();
    return Base::end_object();
  }
  bool key(string_t& key) {
    if (!keys_.add(key)) throw DuplicateKey{key, key_count_};
    ++key_count_;
    return Base::key(key);
  }

 private:
  KeyTracker keys_;
  std::size_t key_count_ = 0;
};

}  // namespace

SourceLocation locate_byte(std::string_view text, std::size_t byte, const std::string& filename) {
  SourceLocation loc{filename, 1, 1};
  const std::size_t end = std::min(byte, text.size());
  std::size_t line_start = 0;
  for (std::size_t i = 0; i < end; ++i) {
    if (text[i] == '\n') {
      ++loc.line;
      line_start = i + 1;
    }
  }
  loc.column = end - line_start + 1;
  return loc;
}

json parse_json_document(std::string_view text, const std::string& filename, const JsonDocumentKind& kind) {
  try {
    json document;
    StrictDomBuilder builder(document);
    json::sax_parse(text.begin(), text.end(), &builder);  // strict: nothing may follow the value
    return document;
  } catch (const json::parse_error& e) {
    // nlohmann reports the byte after the offending token; point at the token itself.
    throw ParseError(kind.syntax_code, locate_byte(text, e.byte > 0 ? e.byte - 1 : 0, filename),
                     kind.prefix + syntax_detail(e.what()));
  } catch (const json::out_of_range& e) {
    // A number beyond double's range (1e400): nlohmann throws out_of_range.406 without a byte
    // offset (found by the spec and kube fuzzers).
    const std::string what = e.what();
    const auto pos = what.find("parsing '");
    throw ParseError(kind.syntax_code, SourceLocation{filename, 0, 0},
                     kind.prefix + "expected a number within the range of a double, found " +
                         (pos == std::string::npos ? std::string("a larger one") : what.substr(pos + 8)));
  } catch (const DuplicateKey& d) {
    throw ParseError(102, locate_byte(text, offset_of_key(text, d.ordinal), filename),
                     fmt::format("duplicate key \"{}\": each key may appear once in an object", d.key));
  }
}

}  // namespace berth
