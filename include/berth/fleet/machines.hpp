#pragma once
/// \file Machines as fleet described them: the `metadata="k=v,k=v"` option of fleet.conf (or
/// the FLEET_METADATA environment variable), plus the capacity fleet never knew. Formats are
/// documented in docs/fleet.md ("Machines").
#include <string>
#include <string_view>
#include <vector>

#include "berth/error.hpp"
#include "berth/export.hpp"
#include "berth/model/machine.hpp"
#include "berth/model/spec.hpp"

namespace berth::fleet {

/// fleet's metadata string: `class=network,cpu=2,region=west`. Whitespace around items is
/// ignored; a key given twice keeps both values (fleet kept the last). An item without '=' or
/// with an empty key throws ParseError 130 at `where`.
BERTH_API Metadata parse_fleet_metadata(std::string_view text, const SourceLocation& where);

/// A machines file: one machine per line,
///   `NAME [metadata="k=v,..."] [capacity="cpu=2,memory=2Gi,disk=40G"] [reserved="..."]
///    [state=up|draining|down|rebooting]`
/// `FLEET_METADATA=` is a synonym of `metadata=`. `#` starts a comment line; a trailing `\`
/// continues a line. Without capacity=, capacity is taken from the metadata keys cpu and
/// ram/memory when they are quantities (fleet clusters often labelled machines that way), and
/// a warning says so. Errors are ParseError 128-133 with file:line:col.
BERTH_API std::vector<Machine> parse_machines_file(std::string_view text,
                                                   const std::string& filename,
                                                   std::vector<std::string>* warnings = nullptr);

/// One machine from a fleet.conf / environment file (`metadata="..."`, `FLEET_METADATA=...`,
/// `capacity=...`, `reserved=...`, `state=...`; fleet's other options such as public_ip are
/// ignored). `name` is the machine name (the file's stem).
BERTH_API Machine parse_fleet_conf(std::string_view text, const std::string& filename,
                                   const std::string& name,
                                   std::vector<std::string>* warnings = nullptr);

/// Machines from a path: a JSON spec (first character '{'; only its machines and placements
/// are used), a directory of fleet.conf files (*.conf and *.env, one machine each, sorted), or
/// a machines file. Returns a Spec with machines (and warnings) filled.
BERTH_API Spec load_machines(const std::string& path);

}  // namespace berth::fleet
