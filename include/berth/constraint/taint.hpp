#pragma once
/// \file Taints on machines, tolerations on units (kube's semantics), and host ports.
///
/// A machine's `NoSchedule` or `NoExecute` taint keeps off every unit that does not tolerate
/// it; `NoExecute` also evicts such units already running there. `PreferNoSchedule` is soft:
/// it never keeps a unit off a machine.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "berth/export.hpp"

namespace berth {

enum class TaintEffect { NoSchedule, PreferNoSchedule, NoExecute };
BERTH_API const char* to_string(TaintEffect e);
/// "NoSchedule", "PreferNoSchedule", "NoExecute" (kube's spelling); nullopt otherwise.
BERTH_API std::optional<TaintEffect> parse_taint_effect(const std::string& s);

struct BERTH_API Taint {
  std::string key;
  std::string value;  ///< may be empty
  TaintEffect effect = TaintEffect::NoSchedule;
  /// Whether the taint keeps non-tolerating units off (NoSchedule, NoExecute).
  bool hard() const { return effect != TaintEffect::PreferNoSchedule; }
  /// `dedicated=gpu:NoSchedule` (kubectl's spelling; `key:Effect` when there is no value).
  std::string describe() const;
  friend auto operator<=>(const Taint&, const Taint&) = default;
  friend bool operator==(const Taint&, const Taint&) = default;
};

enum class TolerationOp { Equal, Exists };

struct BERTH_API Toleration {
  std::string key;  ///< empty with Exists: tolerates every taint
  TolerationOp op = TolerationOp::Equal;
  std::string value;                  ///< compared with Equal only
  std::optional<TaintEffect> effect;  ///< unset: every effect
  bool tolerates(const Taint& t) const;
  friend bool operator==(const Toleration&, const Toleration&) = default;
};

/// True when some toleration tolerates t.
BERTH_API bool tolerated(const std::vector<Toleration>& tolerations, const Taint& t);
/// Index of the first hard taint the tolerations do not tolerate, or -1.
BERTH_API int first_untolerated(const std::vector<Taint>& taints,
                                const std::vector<Toleration>& tolerations);

enum class PortProtocol : std::uint8_t { Tcp, Udp, Sctp };

/// A host port a unit binds (kube's hostPort, `docker run -p HOST:CONTAINER`): two units that
/// bind the same port and protocol never share a machine.
struct BERTH_API HostPort {
  std::uint16_t port = 0;
  PortProtocol protocol = PortProtocol::Tcp;
  /// "80/tcp".
  std::string describe() const;
  friend auto operator<=>(const HostPort&, const HostPort&) = default;
  friend bool operator==(const HostPort&, const HostPort&) = default;
};

/// Parses "80", "53/udp", "8443/tcp", "9/sctp". Throws ValidationError 268 naming `field`
/// (port outside 1..65535, unknown protocol).
BERTH_API HostPort parse_host_port(const std::string& text, const std::string& field);
/// True when the two sorted lists share a port and protocol; `shared` receives it.
BERTH_API bool ports_overlap(const std::vector<HostPort>& a, const std::vector<HostPort>& b,
                             HostPort* shared = nullptr);

}  // namespace berth
