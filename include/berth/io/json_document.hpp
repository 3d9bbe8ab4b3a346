#pragma once
/// \file Strict JSON reading shared by every JSON input berth takes (specs, events files,
/// kubectl dumps, machine catalogues), so that one place decides what "valid" means and how
/// the errors read.
#include <nlohmann/json.hpp>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "berth/error.hpp"
#include "berth/export.hpp"

namespace berth {

/// How a reader reports a document it cannot read.
struct JsonDocumentKind {
  int syntax_code = 101;  ///< parse_error id for syntax errors and numbers beyond double
  std::string prefix;     ///< put before the explanation, e.g. "not a kubectl JSON dump: "
};

/// Parses `text` as one JSON document.
/// Throws ParseError(kind.syntax_code) at file:line:column for a syntax error (the column of
/// the offending byte) and for a number beyond double's range, and ParseError 102 at the second
/// occurrence of a key that one object names twice: RFC 8259 leaves duplicates undefined and
/// nlohmann keeps the last, which would silently drop the first value a person wrote.
BERTH_API nlohmann::json parse_json_document(std::string_view text, const std::string& filename,
                                             const JsonDocumentKind& kind);

/// Receives one JSON object a piece at a time from read_json_object_streaming: the fields of
/// the top-level object in the order written, and for the fields it chooses, each element of
/// an array value (or member of an object value) as a small value of its own. Only the piece
/// being delivered is held as a DOM: a 100 MB spec never is. Calls arrive while the text is
/// still being read, so a receiver that finds a meaning error must keep it and throw it after
/// the read returns (a syntax error further on takes precedence, as with a whole document).
class JsonObjectStream {
 public:
  enum class Take {
    Whole,     ///< the value as one DOM: value()
    Elements,  ///< an array's elements (element()) or an object's members (member()), between
               ///< begin() and end(); any other value as one DOM (value())
    Skip,      ///< checked for syntax and duplicate keys only
  };
  virtual ~JsonObjectStream() = default;
  /// What to do with the value of top-level field `key`.
  virtual Take take(const std::string& key) = 0;
  virtual void value(const std::string& key, nlohmann::json&& value) = 0;
  /// A streamed field's value opens: an array (`array`) or an object. `elements`: how many
  /// elements or members it has, counted by a quick pass over the text before the read (so
  /// that the receiver can size its storage once: growing a vector of 700k units by doubling
  /// held 1.5 times its final size at the last step); a hint only, exact for valid text.
  virtual void begin(const std::string& key, bool array, std::size_t elements) = 0;
  /// Return false to skip the rest of this field's elements / members (syntax checked only).
  virtual bool element(const std::string& key, std::size_t index, nlohmann::json&& value) = 0;
  virtual bool member(const std::string& key, const std::string& member,
                      nlohmann::json&& value) = 0;
  virtual void end(const std::string& key) = 0;
  /// The document is not an object: it is delivered whole, after the read.
  virtual void not_object(nlohmann::json&& document) = 0;
};

/// Reads `text` as one JSON document, feeding `out` as it goes. Exactly parse_json_document's
/// checks and errors (syntax, numbers beyond double, duplicate keys), raised in the same cases
/// with the same messages and locations.
BERTH_API void read_json_object_streaming(std::string_view text, const std::string& filename,
                                          const JsonDocumentKind& kind, JsonObjectStream& out);

/// Where the elements of a top-level array field are in a document's text.
struct JsonArraySplit {
  static constexpr std::size_t kNone = static_cast<std::size_t>(-1);
  std::string key;            ///< the field's key as written between its quotes (not unescaped)
  std::size_t open = kNone;   ///< offset of the array's '['
  std::size_t close = kNone;  ///< offset of its ']' (kNone: the text ends before it)
  /// Offset where each element's text starts (after '[' or a comma); element k ends at the
  /// comma before starts[k + 1], the last one at `close`. Empty for "[]" (or only whitespace).
  std::vector<std::size_t> starts;
};

/// For each top-level field of an object document named in `keys` whose value is an array, the
/// text of each element: the array's interior cut at its commas (those outside strings and
/// nested values), by the same one quick pass over the bytes that sizes a streamed read's
/// storage. Nothing is checked: the text is not known to be valid, and for invalid text the
/// pieces mean nothing. For valid text they are exact, and the converse holds (the argument is
/// at parse_spec_json's split read, SplitRead, which uses it): if the document with each split
/// array emptied ("[]") is a valid object and each piece is a valid JSON value on its own that
/// does not start with a byte-order mark (which a reader skips at the start of a text only),
/// the document is valid, and each piece is that element's text.
BERTH_API std::vector<JsonArraySplit> split_top_level_arrays(std::string_view text,
                                                             const std::vector<std::string>& keys);

/// file:line:column of byte offset `byte` in `text` (lines and columns count from 1; columns
/// count bytes).
BERTH_API SourceLocation locate_byte(std::string_view text, std::size_t byte,
                                     const std::string& filename);

/// Rejects a key of `obj` that is not in `allowed` (keys starting with '$', like "$schema" and
/// "$comment", are always allowed) with ValidationError 203 naming `path.key`, with a
/// did-you-mean hint or the list of allowed keys. Every JSON reader (spec, catalogue, events
/// file) asks this one function, so one failure kind has one id.
BERTH_API void reject_unknown_keys(const nlohmann::json& obj, const std::string& path,
                                   const std::vector<std::string>& allowed);

}  // namespace berth
