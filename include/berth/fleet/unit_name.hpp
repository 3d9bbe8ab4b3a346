#pragma once
/// \file systemd/fleet unit names (`web.service`, template `web@.service`, instance
/// `web@1.service`), the specifiers fleet expands in [X-Fleet] values, and template ranges.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "berth/export.hpp"

namespace berth::fleet {

/// A unit name split as fleet's UnitNameInfo does.
struct BERTH_API UnitName {
  std::string full;      ///< "web@1.service"  (%n)
  std::string name;      ///< "web@1"          (%N: full name without the type suffix)
  std::string prefix;    ///< "web"            (%p: before '@', or the name when there is none)
  std::string instance;  ///< "1"              (%i: after '@', "" for non-instances)
  std::string suffix;    ///< ".service"
  bool has_at = false;   ///< the name contains '@' (template or instance)

  /// `web@.service`: a template, which cannot run by itself.
  bool is_template() const { return has_at && instance.empty(); }
  /// `web@1.service`: an instance of a template.
  bool is_instance() const { return has_at && !instance.empty(); }
  /// "web@.service" for an instance or template; "" otherwise.
  std::string template_name() const;
};

/// Unit types systemd knows; a file name must end in one of them to be a unit.
BERTH_API const std::vector<std::string>& unit_suffixes();

/// Splits a unit name; nullopt when it has no known type suffix or an empty prefix.
BERTH_API std::optional<UnitName> parse_unit_name(std::string_view full);

/// Expands %n %N %p %i and %% as fleet does in [X-Fleet] values (fleet's unitPrintf); unknown
/// specifiers (e.g. %H) are left as written. Unlike fleet, which expanded only in instances,
/// berth also expands them in plain units, as systemd does (%i is then "").
BERTH_API std::string expand_specifiers(std::string_view value, const UnitName& unit);

/// Specifiers in `value` that expand_specifiers leaves alone ("%H", ...), for lint.
BERTH_API std::vector<std::string> unknown_specifiers(std::string_view value);

/// True when `arg` holds a brace range (`web@{1..10}.service`, `web@{a,b}.service`).
BERTH_API bool has_range(std::string_view arg);
/// Expands one brace group like bash (and so `fleetctl start web@{1..3}.service`):
/// `{1..3}` numeric (also descending, and zero-padded as `{01..10}`) or `{a,b,c}`. No brace:
/// returns {arg}. A malformed or huge (> 100000) range throws ParseError 127.
BERTH_API std::vector<std::string> expand_range(std::string_view arg);

}  // namespace berth::fleet
