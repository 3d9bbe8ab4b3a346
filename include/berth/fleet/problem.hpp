#pragma once
/// \file Problems found while reading fleet inputs. Loading throws the first error; `berth lint`
/// collects them all, so both paths share one list of checks.
#include <string>
#include <vector>

#include "berth/error.hpp"
#include "berth/export.hpp"

namespace berth::fleet {

enum class Severity { Error, Warning };

/// One finding. Codes 120-139 are syntax (ParseError), 220-239 meaning (ValidationError);
/// warnings reuse the code of the check that produced them. The table is in docs/fleet.md.
struct Problem {
  Severity severity = Severity::Error;
  int code = 0;
  std::string unit;      ///< unit name, "" when the problem is about a file
  SourceLocation where;  ///< file:line when known
  std::string message;
};

/// "file:line: error [berth.parse_error.123] unit: message" (parts that are unknown omitted).
BERTH_API std::string format_problem(const Problem& p);

/// Throws the matching exception: ParseError for codes < 200, ValidationError otherwise.
[[noreturn]] BERTH_API void raise(const Problem& p);

/// Appends to `out`, or throws at once when `out` is null and the problem is an error.
BERTH_API void report(std::vector<Problem>* out, Problem p);

}  // namespace berth::fleet
