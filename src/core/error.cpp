#include "berth/error.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace berth {
namespace {

// Longest message kept. Parsers quote the offending input, and a 10 MB line must not become
// a 10 MB error line.
constexpr std::size_t kMaxMessage = 1000;

// Errors are one line (the CLI prints `berth: error: <what>` and scripts read one line), but
// parsers quote raw input that may hold newlines or binary bytes: escape control characters
// and cut very long messages (on a UTF-8 character boundary).
std::string one_line(const std::string& message, std::size_t max = kMaxMessage) {
  std::string out;
  out.reserve(std::min(message.size(), max) + 32);
  std::size_t i = 0;
  for (; i < message.size() && out.size() < max; ++i) {
    const auto c = static_cast<unsigned char>(message[i]);
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7f) {
      out += fmt::format("\\x{:02x}", c);
    } else {
      out += static_cast<char>(c);
    }
  }
  if (i < message.size()) {
    while (i < message.size() && (static_cast<unsigned char>(message[i]) & 0xC0) == 0x80) {
      out += message[i++];
    }
    if (i < message.size()) out += fmt::format("... ({} more bytes)", message.size() - i);
  }
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

ValidationError::ValidationError(int code, std::string subject, const std::string& message)
    : Error("invalid", code,
            subject.empty() ? message : fmt::format("{}: {}", one_line(subject, kMaxSubject), message)),
      subject_(one_line(subject, kMaxSubject)) {}

UsageError::UsageError(int code, const std::string& message) : Error("usage", code, message) {}

StoreError::StoreError(int code, std::string store, const std::string& message)
    : Error("store", code, fmt::format("store {}: {}", store, message)), store_(std::move(store)) {}

}  // namespace berth
