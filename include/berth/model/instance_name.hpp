#pragma once
/// \file The name of one instance of a unit, as the engine makes it and placements name it:
/// `web` (a unit without replicas), `web@3` (replica 3 of a replicated unit), `agent@m1` (a
/// global unit's instance on machine `m1`). One type, one formatter and one parser, so that
/// every reader of a placement splits a name by the same rule.
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "berth/export.hpp"

namespace berth {

struct Unit;

struct BERTH_API InstanceName {
  enum class Kind : std::uint8_t {
    Single,   ///< `web`: the unit's only instance
    Replica,  ///< `web@3`
    Global,   ///< `agent@m1`
  };
  std::string unit;
  Kind kind = Kind::Single;
  int replica = 0;      ///< Replica: 1..N; 0 otherwise
  std::string machine;  ///< Global: the machine; "" otherwise

  static InstanceName single(std::string unit);
  static InstanceName replica_of(std::string unit, int replica);
  static InstanceName global_on(std::string unit, std::string machine);

  /// `web`, `web@3`, `agent@m1`.
  std::string format() const;

  friend bool operator==(const InstanceName&, const InstanceName&) = default;
};

/// What a lookup knows about a candidate unit name.
enum class NameIs : std::uint8_t {
  NotAUnit,
  Unit,            ///< a unit, shape unknown (a lookup that knows only names)
  SingleUnit,      ///< a unit with neither replicas nor global
  ReplicatedUnit,  ///< a unit with replicas
  GlobalUnit,      ///< a global unit
};

/// Answers "is this a unit, and a global one?" for parse_instance_name.
using UnitNameLookup = std::function<NameIs(std::string_view)>;

/// Splits an instance name knowing the units.
///
/// The text alone cannot say where the unit ends: unit names (fleet's `web@1.service`) and
/// machine names may contain '@' too (`web@1.service@2` is replica 2 of `web@1.service`;
/// `agent@rack@1` is global `agent` on machine `rack@1`). So the unit is a prefix that names a
/// unit, ending just before an '@':
/// - the whole name naming a unit is that unit's Single instance;
/// - else the longest prefix whose rest suits the unit (a global unit: any machine name; a
///   replicated unit, or one of unknown shape: a replica number written as the engine writes
///   it, 1, 2, ..., no sign or leading zero; a single unit: nothing);
/// - else (a name left by an earlier definition of the unit: replicas dropped, global turned
///   off) the longest prefix naming a unit, read by the rest's form (a replica number, else a
///   machine).
/// nullopt when no prefix names a unit.
BERTH_API std::optional<InstanceName> parse_instance_name(std::string_view name,
                                                          const UnitNameLookup& lookup);

/// The unit an instance name belongs to ("" when none): parse_instance_name(...)->unit.
BERTH_API std::string unit_of_instance(std::string_view name, const UnitNameLookup& lookup);

/// A lookup over a list of units (copies their names; the units may go away).
class BERTH_API UnitNameIndex {
 public:
  explicit UnitNameIndex(const std::vector<Unit>& units);
  NameIs operator()(std::string_view name) const;
  /// parse_instance_name with this index.
  std::optional<InstanceName> parse(std::string_view name) const;
  /// unit_of_instance with this index.
  std::string unit_of(std::string_view name) const;

 private:
  std::map<std::string, NameIs, std::less<>> shape_;
};

}  // namespace berth
