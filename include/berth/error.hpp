#pragma once
/// \file Error hierarchy. Exceptions are for bad input and misuse; a unit that cannot be placed
/// is a value (see place/result.hpp), never an exception.
///
/// Every error carries a stable, greppable id such as `[berth.parse_error.101]` at the start of
/// its message, in the manner of nlohmann/json's exception ids. The catalogue is in docs/errors.md.
#include <cstddef>
#include <stdexcept>
#include <string>

#include "berth/export.hpp"

namespace berth {

/// Base of every error berth throws. `id()` is stable across releases.
class BERTH_API Error : public std::runtime_error {
 public:
  Error(std::string category, int code, const std::string& message);
  /// e.g. "parse_error"
  const std::string& category() const noexcept { return category_; }
  /// e.g. 101
  int code() const noexcept { return code_; }
  /// e.g. "[berth.parse_error.101]"
  std::string id() const;
  /// The message without the id prefix.
  const std::string& detail() const noexcept { return detail_; }

 private:
  std::string category_;
  int code_;
  std::string detail_;
};

/// Where in which file an input went wrong. line/column are 1-based; 0 means unknown.
struct BERTH_API SourceLocation {
  std::string file;
  std::size_t line = 0;
  std::size_t column = 0;
  std::string to_string() const;  ///< "file:line:col" (parts that are unknown are omitted)
};

/// Syntax errors: the input could not be read at all (ids 1xx).
class BERTH_API ParseError : public Error {
 public:
  ParseError(int code, SourceLocation where, const std::string& what_expected);
  const SourceLocation& where() const noexcept { return where_; }

 private:
  SourceLocation where_;
};

/// Well-formed input that means something impossible: negative memory, an unknown unit in
/// machine_of, a co-location cycle (ids 2xx). `subject` names the unit/machine and field.
class BERTH_API ValidationError : public Error {
 public:
  ValidationError(int code, std::string subject, const std::string& message);
  const std::string& subject() const noexcept { return subject_; }

 private:
  std::string subject_;
};

/// The library or CLI was used wrongly: unknown strategy, unknown machine in a query (ids 3xx).
class BERTH_API UsageError : public Error {
 public:
  UsageError(int code, const std::string& message);
};

/// A state store failed: unreachable, corrupted, foreign data (ids 4xx).
class BERTH_API StoreError : public Error {
 public:
  StoreError(int code, std::string store, const std::string& message);
  const std::string& store() const noexcept { return store_; }

 private:
  std::string store_;
};

}  // namespace berth
