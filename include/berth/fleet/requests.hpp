#pragma once
/// \file Resource requests of a fleet unit, from three sources in order of precedence (per
/// dimension: a dimension takes the strongest source that sets it):
///   1. `Requests=cpu=500m,memory=512Mi` in [X-Fleet] or [X-Berth] (berth quantity syntax);
///   2. systemd resource control in [Service]: CPUQuota=, MemoryMax=/MemoryLimit=/MemoryHigh=,
///      then MemoryMin=/MemoryLow= (systemd's K/M/G are powers of 1024);
///   3. `docker run` (-m/--memory, --memory-reservation, --cpus, --cpu-quota/--cpu-period,
///      -c/--cpu-shares) or `rkt run` (--cpu=, --memory=) flags in ExecStart=.
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "berth/constraint/taint.hpp"
#include "berth/export.hpp"
#include "berth/fleet/problem.hpp"
#include "berth/fleet/unit_file.hpp"
#include "berth/model/quantity.hpp"
#include "berth/model/resources.hpp"

namespace berth::fleet {

enum class RequestSource { FleetRequests, SystemdResourceControl, DockerRun, RktRun };

/// "[X-Fleet] Requests=", "[Service] CPUQuota=/Memory*=", "docker run flags", "rkt run flags".
BERTH_API const char* to_string(RequestSource s);

struct ResolvedRequests {
  Resources requests;
  std::map<std::string, RequestSource> source;  ///< dimension -> where its value came from
  /// Host ports published by `docker run -p HOST:CONTAINER` (sorted): the unit binds them.
  std::vector<HostPort> ports;
  bool any() const { return !source.empty(); }
};

/// Resolves a unit's requests. Bad `Requests=` values are errors (code 231); unusable systemd
/// or docker values are warnings (code 237) and that source is skipped.
BERTH_API ResolvedRequests resolve_requests(const UnitFile& file, const std::string& unit,
                                            std::vector<Problem>* problems);

/// `Requests=` value(s): `cpu=500m,memory=512Mi disk=1G gpu=1`. Throws ValidationError 231.
BERTH_API Resources parse_requests_value(std::string_view value, const std::string& unit);

/// systemd CPUQuota= ("50%" -> 500 millicores, "200%" -> 2000); nullopt when not a percentage.
BERTH_API std::optional<Millicores> parse_cpu_quota(std::string_view value);
/// systemd byte sizes: K, M, G, T, P, E are powers of 1024 ("512M" = 512 MiB); nullopt for
/// "infinity", percentages and anything malformed.
BERTH_API std::optional<Bytes> parse_systemd_bytes(std::string_view value);
/// docker byte sizes (b, k, m, g, t, p with optional b, any case; powers of 1024).
BERTH_API std::optional<Bytes> parse_docker_bytes(std::string_view value);
/// docker --cpu-shares approximation: 1024 shares = one CPU (rounded to the nearest milli).
BERTH_API Millicores cpu_shares_to_millicores(long long shares);

/// Requests found in the container flags of one command line (nested `sh -c "..."` included).
struct ContainerRequests {
  std::optional<Millicores> cpu;
  std::optional<Bytes> memory;
  std::optional<RequestSource> kind;  ///< set when a docker/rkt run was found
  std::vector<std::string> unusable;  ///< flags whose values could not be read (e.g. "$MEM")
  /// `-p [IP:]HOST:CONTAINER[/proto]` / `--publish`: the host ports bound. A publish without a
  /// host port (`-p 80`, `-p IP::80`) lets docker pick one, so it binds nothing fixed.
  std::vector<HostPort> ports;
};
BERTH_API ContainerRequests scan_exec_start(std::string_view command);

}  // namespace berth::fleet
