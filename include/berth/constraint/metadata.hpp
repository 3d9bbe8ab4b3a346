#pragma once
/// \file Metadata requirements with fleet's semantics plus set and numeric operators.
///
/// fleet: the same key listed with several values matches any of them; different keys must
/// all match. berth adds `in`, `not_in`, `exists`, `not_exists`, `gt`, `lt` (numeric).
#include <map>
#include <string>
#include <vector>

#include "berth/export.hpp"

namespace berth {

/// Machine metadata: key -> one or more values (`region` -> ["west"]).
using Metadata = std::map<std::string, std::vector<std::string>>;

enum class MetadataOp { In, NotIn, Exists, NotExists, Gt, Lt };

/// One requirement on one key. `In` with several values is fleet's "any of these".
struct BERTH_API MetadataRequirement {
  std::string key;
  MetadataOp op = MetadataOp::In;
  std::vector<std::string> values;  ///< for gt/lt: exactly one integer

  /// True when `metadata` satisfies this requirement.
  bool matches(const Metadata& metadata) const;
  /// Human text of the requirement, e.g. `role=api`, `role in (api,web)`, `cpu>2`.
  std::string describe() const;
  /// Human text of a failure, e.g. `role!=api`, `no disk`, `cpu<=2`.
  std::string describe_failure() const;
  friend bool operator==(const MetadataRequirement&, const MetadataRequirement&) = default;
};

/// Name of an operator as written in the spec ("in", "not_in", ...).
BERTH_API const char* to_string(MetadataOp op);
/// Parses an operator name; returns false when unknown.
BERTH_API bool parse_metadata_op(const std::string& name, MetadataOp& out);

}  // namespace berth
