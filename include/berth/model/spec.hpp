#pragma once
/// \file A cluster description: machines, units, and what already runs where.
#include <map>
#include <string>
#include <vector>

#include "berth/model/machine.hpp"
#include "berth/model/unit.hpp"

namespace berth {

struct Spec {
  std::vector<Machine> machines;
  std::vector<Unit> units;
  /// Instances already running: instance name -> machine name. They keep their machines.
  std::map<std::string, std::string> placements;
  /// Notes from readers (e.g. a fleet unit with no resource request).
  std::vector<std::string> warnings;

  friend bool operator==(const Spec&, const Spec&) = default;
};

}  // namespace berth
