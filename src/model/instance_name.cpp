#include "berth/model/instance_name.hpp"

#include <fmt/format.h>

#include <charconv>

#include "berth/model/unit.hpp"

namespace berth {

InstanceName InstanceName::single(std::string unit) {
  InstanceName n;
  n.unit = std::move(unit);
  return n;
}

InstanceName InstanceName::replica_of(std::string unit, int replica) {
  InstanceName n;
  n.unit = std::move(unit);
  n.kind = Kind::Replica;
  n.replica = replica;
  return n;
}

InstanceName InstanceName::global_on(std::string unit, std::string machine) {
  InstanceName n;
  n.unit = std::move(unit);
  n.kind = Kind::Global;
  n.machine = std::move(machine);
  return n;
}

std::string InstanceName::format() const {
  switch (kind) {
    case Kind::Single:
      return unit;
    case Kind::Replica:
      return fmt::format("{}@{}", unit, replica);
    case Kind::Global:
      return fmt::format("{}@{}", unit, machine);
  }
  return unit;
}

namespace {

// A replica number as the engine writes it (fmt "{}" of 1..INT_MAX): what format() gives back.
std::optional<int> replica_number(std::string_view s) {
  if (s.empty() || s.front() == '0') return std::nullopt;
  int r = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), r);
  if (ec != std::errc() || ptr != s.data() + s.size() || r <= 0) return std::nullopt;
  return r;
}

InstanceName read_rest(std::string_view unit, std::string_view rest) {
  if (auto r = replica_number(rest)) return InstanceName::replica_of(std::string(unit), *r);
  return InstanceName::global_on(std::string(unit), std::string(rest));
}

}  // namespace

std::optional<InstanceName> parse_instance_name(std::string_view name,
                                                const UnitNameLookup& lookup) {
  if (lookup(name) != NameIs::NotAUnit) return InstanceName::single(std::string(name));
  // Longest prefix first (right to left): a unit whose own name holds '@' is matched before a
  // shorter unit that happens to be its prefix.
  std::optional<InstanceName> stale;
  for (auto at = name.rfind('@'); at != std::string_view::npos && at > 0;
       at = name.rfind('@', at - 1)) {
    const std::string_view unit = name.substr(0, at);
    const std::string_view rest = name.substr(at + 1);
    const NameIs is = lookup(unit);
    if (is == NameIs::NotAUnit) continue;
    if (is == NameIs::GlobalUnit && !rest.empty())
      return InstanceName::global_on(std::string(unit), std::string(rest));
    if (is == NameIs::Unit || is == NameIs::ReplicatedUnit) {
      if (auto r = replica_number(rest)) return InstanceName::replica_of(std::string(unit), *r);
    }
    if (!stale && !rest.empty()) stale = read_rest(unit, rest);
  }
  return stale;
}

std::string unit_of_instance(std::string_view name, const UnitNameLookup& lookup) {
  auto parsed = parse_instance_name(name, lookup);
  return parsed ? std::move(parsed->unit) : std::string();
}

UnitNameIndex::UnitNameIndex(const std::vector<Unit>& units) {
  for (const Unit& u : units) {
    shape_.emplace(u.name, u.constraints.global ? NameIs::GlobalUnit
                           : u.replicas         ? NameIs::ReplicatedUnit
                                                : NameIs::SingleUnit);
  }
}

NameIs UnitNameIndex::operator()(std::string_view name) const {
  auto it = shape_.find(name);
  return it == shape_.end() ? NameIs::NotAUnit : it->second;
}

std::optional<InstanceName> UnitNameIndex::parse(std::string_view name) const {
  return parse_instance_name(name, [this](std::string_view n) { return (*this)(n); });
}

std::string UnitNameIndex::unit_of(std::string_view name) const {
  return unit_of_instance(name, [this](std::string_view n) { return (*this)(n); });
}

}  // namespace berth
