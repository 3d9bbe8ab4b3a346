#include "berth/io/json_document.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <memory>
#include <unordered_set>
#include <vector>

#include "berth/io/spec_json.hpp"  // did_you_mean

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
      f.many = std::make_unique<std::unordered_set<std::string>>(
          keys_.begin() + static_cast<std::ptrdiff_t>(f.first_key), keys_.end());
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
    while (after < text.size() && (text[after] == ' ' || text[after] == '\t' ||
                                   text[after] == '\n' || text[after] == '\r'))
      ++after;
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

// Builds the document from nlohmann's SAX events through its public json API only (the SAX
// interface nlohmann::json_sax documents), so that an update of nlohmann cannot break us through
// its internals. It builds exactly what json::parse builds: values appended to the open array,
// or stored under the last key of the open object. Why not json::parse with a parser callback
// for the duplicate-key check: the callback DOM builder wraps every key and value in a
// std::function call and a json copy; reading a 100k-machine spec spent half of `berth place`
// there (perf), against a fraction with a plain builder.
class DomBuilder {
 public:
  using string_t = json::string_t;
  using binary_t = json::binary_t;

  explicit DomBuilder(json& root) : root_(root) {}

  bool null() { return value(nullptr); }
  bool boolean(bool v) { return value(v); }
  bool number_integer(json::number_integer_t v) { return value(v); }
  bool number_unsigned(json::number_unsigned_t v) { return value(v); }
  bool number_float(json::number_float_t v, const string_t& /*text*/) { return value(v); }
  bool string(string_t& v) { return value(std::move(v)); }
  bool binary(binary_t& v) {  // not in text JSON; kept for the interface
    json b(json::value_t::binary);
    b.get_binary() = std::move(v);
    place(std::move(b));
    return true;
  }

  bool start_object(std::size_t /*elements: unknown for text*/) {
    open_.push_back(place(json(json::value_t::object)));
    return true;
  }
  bool key(string_t& key) {
    member_ = &(*open_.back())[std::move(key)];
    return true;
  }
  bool end_object() {
    open_.pop_back();
    return true;
  }
  bool start_array(std::size_t /*elements*/) {
    open_.push_back(place(json(json::value_t::array)));
    return true;
  }
  bool end_array() {
    open_.pop_back();
    return true;
  }

  template <class Exception>
  bool parse_error(std::size_t /*byte*/, const std::string& /*token*/, const Exception& ex) {
    throw ex;
  }

 private:
  template <class Value>
  bool value(Value&& v) {
    place(json(std::forward<Value>(v)));
    return true;
  }
  // Puts v where the document is: the root, the end of the open array, or the member whose key
  // came last. Returns where it now lives (containers are pushed on open_).
  json* place(json&& v) {
    if (open_.empty()) {
      root_ = std::move(v);
      return &root_;
    }
    json& parent = *open_.back();
    if (parent.is_array()) {
      parent.push_back(std::move(v));
      return &parent.back();
    }
    *member_ = std::move(v);
    return member_;
  }

  json& root_;
  std::vector<json*> open_;  // the containers being filled, innermost last
  json* member_ = nullptr;   // the object member the next value goes to
};

// DomBuilder with the duplicate-key check: key(), start_object() and end_object() are seen
// here first.
class StrictDomBuilder : public DomBuilder {
 public:
  explicit StrictDomBuilder(json& root) : DomBuilder(root) {}
  bool start_object(std::size_t elements) {
    keys_.open();
    return DomBuilder::start_object(elements);
  }
  bool end_object() {
    keys_.close();
    return DomBuilder::end_object();
  }
  bool key(string_t& key) {
    if (!keys_.add(key)) throw DuplicateKey{key, key_count_};
    ++key_count_;
    return DomBuilder::key(key);
  }

 private:
  KeyTracker keys_;
  std::size_t key_count_ = 0;
};

// One pass over the bytes, following only strings (to skip their brackets and commas) and
// nesting: for each top-level field whose value is an array or an object, how many elements or
// members it has; and for the fields named in `split` whose value is an array, where each
// element's text starts (split_top_level_arrays). The text is not known to be valid yet; for
// invalid text the counts and offsets are meaningless but harmless: the counts only size
// storage, and the offsets are trusted only once every piece has been read as valid JSON.
struct FieldScan {
  std::vector<std::pair<std::string, std::size_t>> counts;
  std::vector<JsonArraySplit> splits;
};

FieldScan scan_fields(std::string_view text, const std::vector<std::string>& split) {
  constexpr std::size_t kNone = JsonArraySplit::kNone;
  FieldScan scan;
  auto& counts = scan.counts;
  int depth = 0;
  std::string_view last_string;  // the last string closed at depth 1: the field's key
  bool counting = false;         // inside a field's value, whose count is counts.back()
  std::size_t cutting = kNone;   // inside a field's array being split: its index in splits
  const std::size_t n = text.size();
  std::size_t i = 0;
  while (i < n) {
    const char c = text[i++];
    switch (c) {
      case '"': {
        const std::size_t start = i;
        while (i < n && text[i] != '"') i += text[i] == '\\' ? 2 : 1;
        i = std::min(i, n);
        if (depth == 1) last_string = text.substr(start, i - start);
        ++i;
        break;
      }
      case '[':
      case '{':
        if (++depth == 2) {
          counts.emplace_back(std::string(last_string), 0);
          counting = true;
          std::size_t k = i;
          while (k < n && (text[k] == ' ' || text[k] == '\n' || text[k] == '\r' || text[k] == '\t'))
            ++k;
          if (k < n && text[k] != ']' && text[k] != '}') counts.back().second = 1;
          if (c == '[' && std::find(split.begin(), split.end(), last_string) != split.end()) {
            cutting = scan.splits.size();
            scan.splits.push_back(JsonArraySplit{std::string(last_string), i - 1, kNone, {}});
            if (counts.back().second == 1) scan.splits[cutting].starts.push_back(i);
          }
        }
        break;
      case ']':
      case '}':
        if (depth-- == 2) {
          counting = false;
          if (cutting != kNone) scan.splits[cutting].close = i - 1;
          cutting = kNone;
        }
        break;
      case ',':
        if (depth == 2 && counting) {
          ++counts.back().second;
          if (cutting != kNone) scan.splits[cutting].starts.push_back(i);
        }
        break;
      default:
        break;
    }
  }
  return scan;
}

// Feeds a JsonObjectStream: tracks where in the document each event falls (the root object,
// a top-level field's value, an element of a streamed field) and builds a DOM only for the piece
// being delivered, with DomBuilder (so each piece is exactly what json::parse would have put at
// that place). Duplicate keys are checked everywhere, with the same key count as
// StrictDomBuilder so that the error points at the same byte.
class StreamingHandler {
 public:
  using number_integer_t = json::number_integer_t;
  using number_unsigned_t = json::number_unsigned_t;
  using number_float_t = json::number_float_t;
  using string_t = json::string_t;
  using binary_t = json::binary_t;
  using Take = JsonObjectStream::Take;

  StreamingHandler(JsonObjectStream& out, std::vector<std::pair<std::string, std::size_t>> counts)
      : out_(out), builder_(piece_), counts_(std::move(counts)) {}

  // Scalars.
  bool null() {
    return scalar([&] { return builder_.null(); });
  }
  bool boolean(bool v) {
    return scalar([&] { return builder_.boolean(v); });
  }
  bool number_integer(number_integer_t v) {
    return scalar([&] { return builder_.number_integer(v); });
  }
  bool number_unsigned(number_unsigned_t v) {
    return scalar([&] { return builder_.number_unsigned(v); });
  }
  bool number_float(number_float_t v, const string_t& s) {
    return scalar([&] { return builder_.number_float(v, s); });
  }
  bool string(string_t& v) {
    return scalar([&] { return builder_.string(v); });
  }
  bool binary(binary_t& v) {
    return scalar([&] { return builder_.binary(v); });
  }

  bool start_object(std::size_t elements) {
    keys_.open();
    return open(false, [&] { return builder_.start_object(elements); });
  }
  bool end_object() {
    keys_.close();
    return close([&] { return builder_.end_object(); });
  }
  bool start_array(std::size_t elements) {
    return open(true, [&] { return builder_.start_array(elements); });
  }
  bool end_array() {
    return close([&] { return builder_.end_array(); });
  }

  bool key(string_t& key) {
    if (!keys_.add(key)) throw DuplicateKey{key, key_count_};
    ++key_count_;
    if (piece_depth_ > 0) return mode_ == Mode::Build ? builder_.key(key) : true;
    if (depth_ == 1) {
      field_ = key;
      take_ = out_.take(field_);
    } else {  // depth 2: a member of a streamed object
      member_ = key;
    }
    return true;
  }

  template <class Exception>
  bool parse_error(std::size_t, const std::string&, const Exception& ex) {
    throw ex;
  }

  // After a successful read: a document that was not an object is handed over whole.
  void finish() {
    if (not_object_) out_.not_object(std::move(piece_));
  }

 private:
  enum class Mode { Build, Skip };

  // A value starts where the document is at `depth_`: the root (0), a field's value (1) or an
  // element of a streamed field (2). Everything inside it is forwarded (or skipped) until it
  // closes (piece_depth_ counts its open containers).
  void start_piece() {
    if (depth_ == 0) {
      mode_ = Mode::Build;  // only a non-object root is built (an object root opens depth 1)
    } else if (depth_ == 1) {
      mode_ = take_ == Take::Skip ? Mode::Skip : Mode::Build;
    } else {
      mode_ = skip_rest_ ? Mode::Skip : Mode::Build;
    }
  }

  void deliver() {
    if (mode_ == Mode::Skip) return;
    if (depth_ == 0) {
      not_object_ = true;  // kept in piece_ until finish()
      return;
    }
    json value = std::move(piece_);
    piece_ = json();
    if (depth_ == 1) {
      out_.value(field_, std::move(value));
    } else if (streamed_array_) {
      skip_rest_ = !out_.element(field_, index_++, std::move(value));
    } else {
      skip_rest_ = !out_.member(field_, member_, std::move(value));
    }
  }

  template <class F>
  bool scalar(F&& forward) {
    if (piece_depth_ > 0) return mode_ == Mode::Build ? forward() : true;
    start_piece();
    if (mode_ == Mode::Build) forward();
    deliver();
    return true;
  }

  template <class F>
  bool open(bool array, F&& forward) {
    if (piece_depth_ > 0) {
      ++piece_depth_;
      return mode_ == Mode::Build ? forward() : true;
    }
    if (depth_ == 0 && !array) {  // the root object: its fields are read one by one
      depth_ = 1;
      return true;
    }
    if (depth_ == 1 && take_ == Take::Elements) {  // a streamed field: its elements one by one
      depth_ = 2;
      streamed_array_ = array;
      index_ = 0;
      skip_rest_ = false;
      std::size_t elements = 0;
      for (const auto& [key, count] : counts_) {
        if (key == field_) elements = count;
      }
      out_.begin(field_, array, elements);
      return true;
    }
    start_piece();
    piece_depth_ = 1;
    return mode_ == Mode::Build ? forward() : true;
  }

  template <class F>
  bool close(F&& forward) {
    if (piece_depth_ > 0) {
      if (mode_ == Mode::Build) forward();
      if (--piece_depth_ == 0) deliver();
      return true;
    }
    if (depth_ == 2) out_.end(field_);
    --depth_;
    return true;
  }

  JsonObjectStream& out_;
  json piece_;  // the value being built; the builder's root
  DomBuilder builder_;
  KeyTracker keys_;
  std::size_t key_count_ = 0;
  int depth_ = 0;        // 0: outside the root; 1: in the root object; 2: in a streamed field
  int piece_depth_ = 0;  // open containers of the value being built or skipped
  Mode mode_ = Mode::Build;
  std::string field_;  // the top-level field being read
  Take take_ = Take::Whole;
  std::string member_;  // the member being read, in a streamed object
  bool streamed_array_ = false;
  std::size_t index_ = 0;
  bool skip_rest_ = false;
  bool not_object_ = false;
  std::vector<std::pair<std::string, std::size_t>> counts_;  // scan_fields
};

// Runs nlohmann's SAX reader over `text` into `handler` and turns what it throws into berth's
// errors. One place for both readers, so a document gets the same message from either.
template <class Handler>
void sax_read(std::string_view text, const std::string& filename, const JsonDocumentKind& kind,
              Handler& handler) {
  try {
    json::sax_parse(text.begin(), text.end(), &handler);  // strict: nothing may follow the value
  } catch (const json::parse_error& e) {
    // nlohmann reports the byte after the offending token; point at the token itself.
    throw ParseError(kind.syntax_code, locate_byte(text, e.byte > 0 ? e.byte - 1 : 0, filename),
                     kind.prefix + syntax_detail(e.what()));
  } catch (const json::out_of_range& e) {
    // A number beyond double's range (1e400): nlohmann throws out_of_range.406 without a byte
    // offset (found by the spec and kube fuzzers).
    const std::string what = e.what();
    const auto pos = what.find("parsing '");
    throw ParseError(
        kind.syntax_code, SourceLocation{filename, 0, 0},
        kind.prefix + "expected a number within the range of a double, found " +
            (pos == std::string::npos ? std::string("a larger one") : what.substr(pos + 8)));
  } catch (const DuplicateKey& d) {
    throw ParseError(
        102, locate_byte(text, offset_of_key(text, d.ordinal), filename),
        fmt::format("duplicate key \"{}\": each key may appear once in an object", d.key));
  }
}

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

json parse_json_document(std::string_view text, const std::string& filename,
                         const JsonDocumentKind& kind) {
  json document;
  StrictDomBuilder builder(document);
  sax_read(text, filename, kind, builder);
  return document;
}

void read_json_object_streaming(std::string_view text, const std::string& filename,
                                const JsonDocumentKind& kind, JsonObjectStream& out) {
  StreamingHandler handler(out, scan_fields(text, {}).counts);
  sax_read(text, filename, kind, handler);
  handler.finish();
}

std::vector<JsonArraySplit> split_top_level_arrays(std::string_view text,
                                                   const std::vector<std::string>& keys) {
  return scan_fields(text, keys).splits;
}

void reject_unknown_keys(const json& obj, const std::string& path,
                         const std::vector<std::string>& allowed) {
  for (const auto& [key, value] : obj.items()) {
    if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
    if (!key.empty() && key[0] == '$') continue;  // "$schema", "$comment"
    const std::string hint = did_you_mean(key, allowed);
    const std::string where = path.empty() ? key : fmt::format("{}.{}", path, key);
    throw ValidationError(
        203, where,
        hint.empty() ? fmt::format("unknown field \"{}\" (expected one of: {})", key,
                                   fmt::join(allowed, ", "))
                     : fmt::format("unknown field \"{}\"; did you mean \"{}\"?", key, hint));
  }
}

}  // namespace berth
