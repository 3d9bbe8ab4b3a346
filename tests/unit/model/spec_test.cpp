// operator== on the model types (model/machine.hpp, unit.hpp, spec.hpp) must mean what the
// comparison it replaced meant: equal JSON forms (io/spec_json), which is what a store keeps.
// Oracle: machine_to_json / unit_to_json (io/spec_json.hpp, what the stores write) of each
// side. Random machines and units from the shared generator, each compared with a copy that
// one random edit may or may not have changed.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <random>

#include "berth/io/spec_json.hpp"
#include "berth/model/spec.hpp"
#include "support/random_spec.hpp"

using namespace berth;

namespace {

void edit(Machine& m, std::mt19937_64& rng) {
  switch (rng() % 8) {
    case 0:
      m.capacity.cpu += 1;
      break;
    case 1:
      m.reserved.memory += 1;
      break;
    case 2:
      m.capacity.extended["gpu"] += 0;
      break;  // an explicit zero: the same machine
    case 3:
      m.metadata["zone"] = {"z"};
      break;
    case 4:
      m.state = MachineState::Draining;
      break;
    case 5:
      m.taints.push_back(Taint{"k", "", TaintEffect::NoSchedule});
      break;
    default:
      break;  // unchanged
  }
}

void edit(Unit& u, std::mt19937_64& rng) {
  switch (rng() % 12) {
    case 0:
      u.requests.memory += 1;
      break;
    case 1:
      u.requests.extended["gpu"] += 0;
      break;  // an explicit zero: the same unit
    case 2:
      u.priority += 1;
      break;
    case 3:
      u.replicas = u.replicas ? std::nullopt : std::optional<int>(1);
      break;
    case 4:
      u.constraints.conflicts.push_back("x*");
      break;
    case 5:
      u.constraints.global = !u.constraints.global;
      break;
    case 6:
      u.constraints.spread = SpreadConstraint{"zone", 2};
      break;
    case 7:
      u.constraints.tolerations.push_back(Toleration{"k", TolerationOp::Exists, "", std::nullopt});
      break;
    case 8:
      u.constraints.ports.push_back(HostPort{9, PortProtocol::Udp});
      break;
    case 9: {
      Preference p;
      p.kind = Preference::Kind::Near;
      p.near = {"db*"};
      u.preferences.push_back(p);
      break;
    }
    default:
      break;
  }
}

}  // namespace

TEST_CASE("operator== on machines and units agrees with their JSON forms (random)") {
  const std::uint64_t seed = 1818;
  INFO("seed " << seed);
  std::mt19937_64 rng(seed);
  std::size_t equal = 0, different = 0;
  for (int round = 0; round < 300; ++round) {
    const Spec spec = testing::random_spec(rng);
    for (const Machine& m : spec.machines) {
      Machine other = m;
      edit(other, rng);
      const bool same = machine_to_json(m) == machine_to_json(other);
      CHECK((m == other) == same);
      (same ? equal : different) += 1;
    }
    for (const Unit& u : spec.units) {
      Unit other = u;
      edit(other, rng);
      const bool same = unit_to_json(u) == unit_to_json(other);
      INFO(unit_to_json(u).dump() << " vs " << unit_to_json(other).dump());
      CHECK((u == other) == same);
      (same ? equal : different) += 1;
    }
  }
  // Both outcomes were exercised.
  CHECK(equal > 100);
  CHECK(different > 100);
}

TEST_CASE("specs compare by machines, units, placements and warnings") {
  std::mt19937_64 rng(7);
  const Spec a = testing::random_spec(rng);
  Spec b = a;
  CHECK(a == b);
  b.placements["nobody"] = "nowhere";
  CHECK(a != b);
  b = a;
  b.warnings.push_back("note");
  CHECK(a != b);
}
