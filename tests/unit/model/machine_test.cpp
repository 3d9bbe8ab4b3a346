// A machine as people describe it (model/machine.hpp).
#include "berth/model/machine.hpp"

#include <catch2/catch.hpp>

#include <string>

#include "support/builders.hpp"

using namespace berth;

TEST_CASE("machine states round-trip through their names", "[model][machine]") {
  for (MachineState s :
       {MachineState::Up, MachineState::Draining, MachineState::Down, MachineState::Rebooting}) {
    REQUIRE(parse_machine_state(to_string(s)));
    CHECK(*parse_machine_state(to_string(s)) == s);
  }
  CHECK(std::string(to_string(MachineState::Draining)) == "draining");
  CHECK(parse_machine_state("rebooting") == MachineState::Rebooting);
  CHECK_FALSE(parse_machine_state("Up"));  // names are lower case, as in the spec
  CHECK_FALSE(parse_machine_state("offline"));
  CHECK_FALSE(parse_machine_state(""));
}

TEST_CASE("allocatable is capacity minus reserved, in every dimension", "[model][machine]") {
  Machine m = testing::machine("m1", 4000, 8 * testing::kGi);
  m.capacity.extended["gpu"] = 2;
  m.reserved.cpu = 500;
  m.reserved.memory = testing::kGi;
  m.reserved.extended["gpu"] = 1;
  const Resources a = m.allocatable();
  CHECK(a.cpu == 3500);
  CHECK(a.memory == 7 * testing::kGi);
  CHECK(a.disk == 0);
  CHECK(a.get("gpu") == 1);
  // A default machine: nothing allocatable, up, no taints.
  const Machine empty;
  CHECK(empty.allocatable().is_zero());
  CHECK(empty.state == MachineState::Up);
  CHECK(empty.taints.empty());
}

TEST_CASE("machines compare field by field", "[model][machine]") {
  const Machine a = testing::machine("m1", 4000, testing::kGi, {{"zone", {"a"}}});
  Machine b = a;
  CHECK(a == b);
  b.state = MachineState::Down;
  CHECK(a != b);
  b = a;
  b.metadata["zone"] = {"b"};
  CHECK(a != b);
  b = a;
  b.taints.push_back(Taint{"dedicated", "gpu", TaintEffect::NoSchedule});
  CHECK(a != b);
  b = a;
  b.reserved.cpu = 1;
  CHECK(a != b);
  b = a;
  b.capacity.extended["gpu"] = 0;  // absent and zero are the same capacity
  CHECK(a == b);
}
