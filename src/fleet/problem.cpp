#include "berth/fleet/problem.hpp"

#include <fmt/format.h>

namespace berth::fleet {

std::string format_problem(const Problem& p) {
  std::string out;
  if (!p.where.file.empty() || p.where.line > 0) out += p.where.to_string() + ": ";
  const bool syntax = p.code < 200;
  out += fmt::format("{} [berth.{}.{}] ", p.severity == Severity::Error ? "error" : "warning",
                     syntax ? "parse_error" : "invalid", p.code);
  if (!p.unit.empty()) out += p.unit + ": ";
  out += p.message;
  return out;
}

void raise(const Problem& p) {
  if (p.code < 200) throw ParseError(p.code, p.where, p.message);
  std::string subject = p.unit;
  if (p.where.line > 0) {
    subject = subject.empty() ? p.where.to_string()
                              : fmt::format("{} ({})", subject, p.where.to_string());
  }
  throw ValidationError(p.code, subject, p.message);
}

void report(std::vector<Problem>* out, Problem p) {
  if (out != nullptr) {
    out->push_back(std::move(p));
  } else if (p.severity == Severity::Error) {
    raise(p);
  }
}

}  // namespace berth::fleet
