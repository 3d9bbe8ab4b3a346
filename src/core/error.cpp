#include "berth/error.hpp"

#include <fmt/format.h>

namespace berth {

Error::Error(std::string category, int code, const std::string& message)
    : std::runtime_error(fmt::format("[berth.{}.{}] {}", category, code, message)),
      category_(std::move(category)),
      code_(code),
      detail_(message) {}

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

ValidationError::ValidationError(int code, std::string subject, const std::string& message)
    : Error("invalid", code, subject.empty() ? message : fmt::format("{}: {}", subject, message)),
      subject_(std::move(subject)) {}

UsageError::UsageError(int code, const std::string& message) : Error("usage", code, message) {}

StoreError::StoreError(int code, std::string store, const std::string& message)
    : Error("store", code, fmt::format("store {}: {}", store, message)), store_(std::move(store)) {}

}  // namespace berth
