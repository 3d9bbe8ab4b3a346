#pragma once
/// \file The JSON spec (docs/spec.md, docs/spec.schema.json): reading with exact error
/// locations, writing that reads back to an equal spec.
#include <nlohmann/json_fwd.hpp>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "berth/did_you_mean.hpp"  // did_you_mean was declared here; callers still find it
#include "berth/export.hpp"
#include "berth/model/spec.hpp"

namespace berth {

/// Parses a spec. Syntax errors: ParseError with file:line:column. Meaning errors:
/// ValidationError naming the field path (`machines[2].capacity.memory`) and value; an unknown
/// field gets a did-you-mean hint. Cross-references (machine_of, pins, placements) are checked
/// when the spec is compiled into a Cluster (place/cluster.hpp), not here.
BERTH_API Spec parse_spec_json(std::string_view text, const std::string& filename = "<spec>");
/// How parse_spec_json reads a large spec. Whatever these say, the answer and every error are
/// the same as the sequential read's (docs/spec.md, "Reading a large spec").
struct SpecReadOptions {
  /// Threads that read the machines and units (the calling thread is one of them). 0: one per
  /// core (std::thread::hardware_concurrency(), at most 8); one core reads sequentially.
  unsigned threads = 0;
  /// Fewer machines and units than this are read sequentially: starting threads and a second
  /// pass over the text would cost more than they save.
  std::size_t parallel_from = 4096;
};
/// What a read did, for tests and benchmarks.
struct SpecReadReport {
  bool parallel = false;  ///< the split read gave the spec (false: the sequential read did)
  unsigned threads = 0;   ///< threads that read elements in the split read (0: not attempted)
};
/// parse_spec_json with explicit read options (tests force the split read and its thread count).
BERTH_API Spec parse_spec_json(std::string_view text, const std::string& filename,
                               const SpecReadOptions& options, SpecReadReport* report = nullptr);
/// Reads and parses a file ("-" is standard input).
BERTH_API Spec read_spec_file(const std::string& path);
/// Reads a whole file; throws UsageError (301) naming the path when it can't.
BERTH_API std::string read_text_file(const std::string& path);

/// Spec -> JSON with exact quantities ("512Mi", "500m"), so it parses back to an equal spec.
BERTH_API nlohmann::json spec_to_json(const Spec& spec);
BERTH_API std::string write_spec_json(const Spec& spec, int indent = 2);
/// One machine (unit) as spec_to_json writes it in the spec's list, and as the stores keep it:
/// machine_from_json (unit_from_json) reads it back to an equal model (operator==).
BERTH_API nlohmann::json machine_to_json(const Machine& machine);
BERTH_API nlohmann::json unit_to_json(const Unit& unit);
/// Builds a spec from an already parsed JSON value (no line numbers in errors).
BERTH_API Spec spec_from_json(const nlohmann::json& j);
/// Reads one machine (unit) record as spec_from_json reads an element of the spec's list, with
/// the same errors (naming the owner, `machine m1: capacity.cpu`, or the path, `machines[0].x`).
BERTH_API Machine machine_from_json(nlohmann::json j);
BERTH_API Unit unit_from_json(nlohmann::json j);

/// The spec reader's field parsers, for other JSON inputs (the machine catalogue) so that one
/// failure kind has one error id and message in every input (docs/errors.md):
/// A resources object as a spec's `capacity` (`{"cpu": "2", "memory": "8Gi", "gpu": 1}`):
/// 202 not an object or a quantity neither string nor number, 204 an empty resource name,
/// 201 a bad quantity; `path` names the object (`machine_types[0].capacity`).
BERTH_API Resources resources_from_json(const nlohmann::json& j, const std::string& path);
/// Throws ValidationError 202 `path: expected <expected>, got <what j is>`.
[[noreturn]] BERTH_API void wrong_json_type(const std::string& path, const nlohmann::json& j,
                                            std::string_view expected);
/// A string as is, a number as its shortest round-trip digits (as quantities are read);
/// anything else is 202 naming `expected`.
BERTH_API std::string scalar_text_from_json(const nlohmann::json& j, const std::string& path,
                                            std::string_view expected);
/// A metadata value as a spec's machine metadata reads it: a string (a number or a bool as its
/// JSON text) or a list of them; anything else is 202.
BERTH_API std::vector<std::string> metadata_values_from_json(const nlohmann::json& j,
                                                             const std::string& path);

}  // namespace berth
