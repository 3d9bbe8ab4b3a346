// machine_to_json / unit_to_json (io/spec_json.hpp) write what the stores keep; reading it
// back must give an equal model (operator==), through the text a store holds as well as
// through the JSON value. Random machines and units from the shared generators (random_spec,
// random_oracle_cluster: every constraint and preference kind), widened here with amounts and
// fields the generators never write (odd byte counts, millicores, multi-valued metadata,
// negative priorities, every requirement operator).
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <random>

#include "berth/error.hpp"
#include "berth/io/spec_json.hpp"
#include "berth/model/spec.hpp"
#include "support/random_spec.hpp"

using namespace berth;

namespace {

int pick(std::mt19937_64& rng, int lo, int hi) {
  return std::uniform_int_distribution<int>(lo, hi)(rng);
}

// Amounts the quantity writer must spell exactly: whole and odd bytes, whole cores and
// millicores, zero (not written at all).
std::int64_t amount(std::mt19937_64& rng) {
  switch (pick(rng, 0, 4)) {
    case 0:
      return 0;
    case 1:
      return pick(rng, 1, 4000);
    case 2:
      return std::int64_t{pick(rng, 1, 64)} << pick(rng, 10, 40);
    case 3:
      return (std::int64_t{pick(rng, 1, 1 << 20)} << 12) + pick(rng, 1, 4095);
    default:
      return std::int64_t{pick(rng, 1, 999)} * 1000;
  }
}

void widen(Resources& r, std::mt19937_64& rng) {
  if (pick(rng, 0, 2) == 0) r.cpu = amount(rng);
  if (pick(rng, 0, 2) == 0) r.memory = amount(rng);
  if (pick(rng, 0, 3) == 0) r.disk = amount(rng);
  if (pick(rng, 0, 3) == 0) r.extended["example.com/fpga"] = pick(rng, 0, 7);
}

void widen(Machine& m, std::mt19937_64& rng) {
  widen(m.capacity, rng);
  if (pick(rng, 0, 2) == 0) widen(m.reserved, rng);
  if (pick(rng, 0, 3) == 0) m.metadata["rack"] = {"r1", "r2"};  // a list, in order
  if (pick(rng, 0, 5) == 0) m.metadata["label with space"] = {"x y"};
  if (pick(rng, 0, 5) == 0) m.state = static_cast<MachineState>(pick(rng, 0, 3));
}

void widen(Unit& u, std::mt19937_64& rng) {
  widen(u.requests, rng);
  if (pick(rng, 0, 4) == 0) u.priority = -pick(rng, 1, 1000000);
  if (pick(rng, 0, 6) == 0 && !u.constraints.global && u.constraints.machine_of.empty())
    u.replicas = 0;
  const MetadataOp ops[] = {MetadataOp::In,        MetadataOp::NotIn, MetadataOp::Exists,
                            MetadataOp::NotExists, MetadataOp::Gt,    MetadataOp::Lt};
  if (pick(rng, 0, 3) == 0) {
    const MetadataOp op = ops[pick(rng, 0, 5)];
    std::vector<std::string> values;
    if (op == MetadataOp::In || op == MetadataOp::NotIn) values = {"a", "b"};
    if (op == MetadataOp::Gt || op == MetadataOp::Lt) values = {std::to_string(pick(rng, -9, 99))};
    u.constraints.metadata.push_back({"zone", op, values});
  }
}

template <class T>
void check_round_trip(const T& x, const nlohmann::json& j, const T& from_value,
                      const T& from_text) {
  INFO(j.dump());
  CHECK(from_value == x);
  CHECK(from_text == x);
}

}  // namespace

TEST_CASE("machine_to_json and unit_to_json read back to equal models (random)", "[spec]") {
  const std::uint64_t seed = 4242;
  INFO("seed " << seed);
  std::mt19937_64 rng(seed);
  std::size_t machines = 0, units = 0, with_preferences = 0;
  for (int round = 0; round < 400; ++round) {
    Spec spec = round % 2 ? testing::random_spec(rng) : testing::random_oracle_cluster(rng);
    for (Machine& m : spec.machines) {
      if (pick(rng, 0, 1)) widen(m, rng);
      const nlohmann::json j = machine_to_json(m);
      check_round_trip(m, j, machine_from_json(j),
                       machine_from_json(nlohmann::json::parse(j.dump())));
      ++machines;
    }
    for (Unit& u : spec.units) {
      if (pick(rng, 0, 1)) widen(u, rng);
      const nlohmann::json j = unit_to_json(u);
      check_round_trip(u, j, unit_from_json(j), unit_from_json(nlohmann::json::parse(j.dump())));
      ++units;
      with_preferences += u.preferences.empty() ? 0 : 1;
    }
  }
  // The generators reached what the test is about.
  CHECK(machines > 2000);
  CHECK(units > 1500);
  CHECK(with_preferences > 200);
}

TEST_CASE("spec_to_json writes its lists with machine_to_json and unit_to_json", "[spec]") {
  std::mt19937_64 rng(18);
  for (int round = 0; round < 50; ++round) {
    const Spec spec = testing::random_oracle_cluster(rng);
    const nlohmann::json whole = spec_to_json(spec);
    REQUIRE(whole["machines"].size() == spec.machines.size());
    REQUIRE(whole["units"].size() == spec.units.size());
    for (std::size_t k = 0; k < spec.machines.size(); ++k)
      CHECK(whole["machines"][k] == machine_to_json(spec.machines[k]));
    for (std::size_t k = 0; k < spec.units.size(); ++k)
      CHECK(whole["units"][k] == unit_to_json(spec.units[k]));
  }
}

namespace {

std::string error_of(void (*read)(const nlohmann::json&), const nlohmann::json& j) {
  try {
    read(j);
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

void read_machine(const nlohmann::json& j) { machine_from_json(j); }
void read_spec(const nlohmann::json& j) { spec_from_json(j); }

}  // namespace

TEST_CASE("a record reader reports errors as the spec reader does", "[spec][errors]") {
  const nlohmann::json good = machine_to_json(Machine{"m1", {}, {}, {}, MachineState::Up, {}});
  nlohmann::json quantity = good, unknown = good;
  quantity["capacity"]["cpu"] = "lots";
  unknown["capcity"] = good["capacity"];
  CHECK(error_of(read_machine, quantity).find("[berth.invalid.201] machine m1: capacity.cpu") == 0);
  CHECK(error_of(read_machine, unknown).find("[berth.invalid.203] machines[0].capcity") == 0);
  // Word for word what the whole spec's reader says.
  for (const nlohmann::json& bad : {quantity, unknown}) {
    const nlohmann::json spec = {{"machines", nlohmann::json::array({bad})}};
    CHECK(error_of(read_machine, bad) == error_of(read_spec, spec));
  }
}
