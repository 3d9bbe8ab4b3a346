#pragma once
/// \file Strict JSON reading shared by every JSON input berth takes (specs, events files,
/// kubectl dumps, machine catalogues), so that one place decides what "valid" means and how
/// the errors read.
#include <nlohmann/json.hpp>

#include <cstddef>
#include <string>
#include <string_view>

#include "berth/export.hpp"
#include "berth/error.hpp"

namespace berth {

/// How a reader reports a document it cannot read.
struct JsonDocumentKind {
  int syntax_code = 101;    ///< parse_error id for syntax errors and numbers beyond double
  std::string prefix;       ///< put before the explanation, e.g. "not a kubectl JSON dump: "
};

/// Parses `text` as one JSON document.
/// Throws ParseError(kind.syntax_code) at file:line:column for a syntax error (the column of
/// the offending byte) and for a number beyond double's range, and ParseError 102 at the second
/// occurrence of a key that one object names twice: RFC 8259 leaves duplicates undefined and
/// nlohmann keeps the last, which would silently drop the first value a person wrote.
BERTH_API nlohmann::json parse_json_document(std::string_view text, const std::string& filename,
                                   const JsonDocumentKind& kind);

/// file:line:column of byte offset `byte` in `text` (lines and columns count from 1; columns
/// count bytes).
BERTH_API SourceLocation locate_byte(std::string_view text, std::size_t byte, const std::string& filename);

}  // namespace berth
