#include "berth/error.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace berth {
namespace {

// Longest message kept. Parsers quote the offending input, and a 10 MB line must not become
// a 10 MB error line.
constexpr std::size_t kMaxMessage = 1000;

// Length of the well-formed UTF-8 sequence starting at text[i] (1-4), or 0 when the bytes there
// are not one (stray continuation byte, overlong form, surrogate, beyond U+10FFFF, truncated).
std::size_t utf8_sequence_length(const std::string& text, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char lead = byte(i);
  if (lead < 0x80) return 1;
  std::size_t length = 0;
  unsigned char low = 0x80, high = 0xBF;  // allowed range of the second byte (RFC 3629 table)
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) low = 0xA0;
    if (lead == 0xED) high = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) low = 0x90;
    if (lead == 0xF4) high = 0x8F;
  } else {
    return 0;
  }
  if (i + length > text.size()) return 0;
  if (byte(i + 1) < low || byte(i + 1) > high) return 0;
  for (std::size_t k = 2; k < length; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
  }
  return length;
}

// Errors are one line (the CLI prints `berth: error: <what>` and scripts read one line), but
// parsers quote raw input that may hold newlines or binary bytes: escape control characters
// and bytes that are not well-formed UTF-8 (a terminal or a JSON log must be able to show the
// message), and cut very long messages on a character boundary.
std::string one_line(const std::string& message, std::size_t max = kMaxMessage) {
  std::string out;
  out.reserve(std::min(message.size(), max) + 32);
  std::size_t i = 0;
  while (i < message.size() && out.size() < max) {
    const auto c = static_cast<unsigned char>(message[i]);
    const std::size_t length = utf8_sequence_length(message, i);
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7f || length == 0) {
      out += fmt::format("\\x{:02x}", c);
    } else {
      out.append(message, i, length);
      i += length;
      continue;
    }
    ++i;
  }
  if (i < message.size()) out += fmt::format("... ({} more bytes)", message.size() - i);
  return out;
}

}  // namespace

Error::Error(std::string category, int code, const std::string& message)
    : std::runtime_error(fmt::format("[berth.{}.{}] {}", category, code, one_line(message))),
      category_(std::move(category)),
      code_(code),
      detail_(one_line(message)) {}

std::string Error::id() const { return fmt::format("[berth.{}.{}]", category_, code_); }

std::string SourceLocation::to_string() const {
  std::string out = file.empty() ? std::string("<input>") : file;
  if (line > 0) {
    out += fmt::format(":{}", line);
    if (column > 0) out += fmt::format(":{}", column);
  }
  return out;
}

ParseError::ParseError(int code, SourceLocation where, const std::string& what_expected)
    : Error("parse_error", code, fmt::format("{}: {}", where.to_string(), what_expected)),
      where_(std::move(where)) {}

// The subject is bounded and escaped before it goes into the message, so that detail() always
// starts with subject() + ": " (callers re-wrap errors with detail().substr(subject().size() + 2))
// even when the subject quotes a 10 MB name.
constexpr std::size_t kMaxSubject = 200;

// `subject` by value is the public signature since 0.1 (a const& would change every caller's
// ABI for a copy made only when input is bad).
ValidationError::ValidationError(
    int code,
    std::string subject,  // NOLINT(performance-unnecessary-value-param)
    const std::string& message)
    : Error("invalid", code,
            subject.empty() ? message
                            : fmt::format("{}: {}", one_line(subject, kMaxSubject), message)),
      subject_(one_line(subject, kMaxSubject)) {}

UsageError::UsageError(int code, const std::string& message) : Error("usage", code, message) {}

StoreError::StoreError(int code, std::string store, const std::string& message)
    : Error("store", code, fmt::format("store {}: {}", store, message)), store_(std::move(store)) {}

}  // namespace berth
