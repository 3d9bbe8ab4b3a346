#pragma once
/// \file systemd unit files as `man systemd.syntax` defines them: `[Section]` headers, `Key=Value`
/// assignments, `#`/`;` comment lines, backslash continuation, repeated keys kept in order.
/// Values are kept raw; quoting is interpreted per setting (split_words, split_fleet_values),
/// as systemd itself does.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "berth/export.hpp"
#include "berth/fleet/problem.hpp"

namespace berth::fleet {

/// One `Key=Value` line (after continuation lines are joined).
struct Entry {
  std::string key;
  std::string value;     ///< leading/trailing whitespace removed, otherwise raw
  std::size_t line = 0;  ///< 1-based line where the assignment starts
};

/// A section with every assignment in file order. A header repeated later in the file appends
/// to the same section, as systemd does.
struct Section {
  std::string name;
  std::size_t line = 0;
  std::vector<Entry> entries;
};

struct BERTH_API UnitFile {
  std::string file;               ///< path used in error locations
  std::vector<Section> sections;  ///< in order of first appearance; unknown sections kept

  /// The section, or null.
  const Section* section(std::string_view name) const;
  /// Every value of `key`, in order; an empty assignment (`Key=`) drops all earlier ones.
  std::vector<std::string> list(std::string_view section, std::string_view key) const;
  /// Entries of `key` after the last reset (empty values are not included).
  std::vector<const Entry*> entries(std::string_view section, std::string_view key) const;
  /// The last assignment of `key` (systemd's rule for single-valued settings), or null.
  const Entry* last(std::string_view section, std::string_view key) const;
  /// Location of a line of this file.
  SourceLocation at(std::size_t line, std::size_t column = 0) const { return {file, line, column}; }
};

/// Parses unit-file text. Syntax errors throw ParseError (codes 121-125) with file:line:col,
/// unless `problems` is given: then each is recorded, the bad line skipped and parsing goes on.
BERTH_API UnitFile parse_unit_file(std::string_view text, const std::string& filename,
                                   std::vector<Problem>* problems = nullptr);
/// Reads and parses a file; an unreadable file is ParseError 120.
BERTH_API UnitFile read_unit_file(const std::string& path,
                                  std::vector<Problem>* problems = nullptr);

/// systemd's word splitting for command lines and lists: whitespace separates words, "double"
/// and 'single' quotes group, C escapes (\n \t \\ \" \' \xNN) are decoded. nullopt when a quote
/// is not closed.
BERTH_API std::optional<std::vector<std::string>> split_words(std::string_view value);

/// fleet's own splitting of [X-Fleet] values (`parseMultivalueLine`): spaces separate values,
/// double quotes group and are dropped, so `Conflicts=a b` is two globs and
/// `MachineMetadata="a=1" "b=2"` two requirements.
BERTH_API std::vector<std::string> split_fleet_values(std::string_view value);

/// Offset of the first byte that is not valid UTF-8 (overlong forms, surrogates and code points
/// above U+10FFFF are invalid), or npos. systemd ignores lines that are not UTF-8; berth
/// rejects them (error 125) so that nothing downstream (JSON output) meets broken text.
BERTH_API std::size_t invalid_utf8_at(std::string_view text);

/// systemd booleans: 1/yes/y/true/t/on and 0/no/n/false/f/off, any case.
BERTH_API std::optional<bool> parse_boolean(std::string_view value);

}  // namespace berth::fleet
