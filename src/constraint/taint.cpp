#include "berth/constraint/taint.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

#include "berth/error.hpp"

namespace berth {

const char* to_string(TaintEffect e) {
  switch (e) {
    case TaintEffect::NoSchedule:
      return "NoSchedule";
    case TaintEffect::PreferNoSchedule:
      return "PreferNoSchedule";
    case TaintEffect::NoExecute:
      return "NoExecute";
  }
  return "NoSchedule";
}

std::optional<TaintEffect> parse_taint_effect(const std::string& s) {
  if (s == "NoSchedule") return TaintEffect::NoSchedule;
  if (s == "PreferNoSchedule") return TaintEffect::PreferNoSchedule;
  if (s == "NoExecute") return TaintEffect::NoExecute;
  return std::nullopt;
}

std::string Taint::describe() const {
  return value.empty() ? fmt::format("{}:{}", key, to_string(effect))
                       : fmt::format("{}={}:{}", key, value, to_string(effect));
}

bool Toleration::tolerates(const Taint& t) const {
  // kube's ToleratesTaint: the effect must match when given; an empty key with Exists
  // tolerates every key; Exists ignores the value, Equal compares it.
  if (effect && *effect != t.effect) return false;
  if (!key.empty() && key != t.key) return false;
  return op == TolerationOp::Exists || value == t.value;
}

bool tolerated(const std::vector<Toleration>& tolerations, const Taint& t) {
  return std::any_of(tolerations.begin(), tolerations.end(),
                     [&](const Toleration& x) { return x.tolerates(t); });
}

int first_untolerated(const std::vector<Taint>& taints,
                      const std::vector<Toleration>& tolerations) {
  for (std::size_t k = 0; k < taints.size(); ++k) {
    if (taints[k].hard() && !tolerated(tolerations, taints[k])) return static_cast<int>(k);
  }
  return -1;
}

std::string HostPort::describe() const {
  const char* proto = protocol == PortProtocol::Tcp   ? "tcp"
                      : protocol == PortProtocol::Udp ? "udp"
                                                      : "sctp";
  return fmt::format("{}/{}", port, proto);
}

HostPort parse_host_port(const std::string& text, const std::string& field) {
  const auto slash = text.find('/');
  const std::string number = text.substr(0, slash);
  HostPort out;
  if (slash != std::string::npos) {
    std::string proto = text.substr(slash + 1);
    std::transform(proto.begin(), proto.end(), proto.begin(),
                   [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
    if (proto == "tcp")
      out.protocol = PortProtocol::Tcp;
    else if (proto == "udp")
      out.protocol = PortProtocol::Udp;
    else if (proto == "sctp")
      out.protocol = PortProtocol::Sctp;
    else
      throw ValidationError(
          268, field,
          fmt::format("unknown protocol \"{}\" in port \"{}\" (expected tcp, udp or sctp)",
                      text.substr(slash + 1), text));
  }
  long value = -1;
  const auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), value);
  if (number.empty() || ec != std::errc() || end != number.data() + number.size()) {
    throw ValidationError(
        268, field,
        fmt::format("expected a port number (1-65535, optionally /tcp, /udp or /sctp), got \"{}\"",
                    text));
  }
  if (value < 1 || value > 65535)
    throw ValidationError(268, field, fmt::format("port {} is outside 1-65535", value));
  out.port = static_cast<std::uint16_t>(value);
  return out;
}

bool ports_overlap(const std::vector<HostPort>& a, const std::vector<HostPort>& b,
                   HostPort* shared) {
  std::size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    if (a[i] < b[j]) {
      ++i;
    } else if (b[j] < a[i]) {
      ++j;
    } else {
      if (shared) *shared = a[i];
      return true;
    }
  }
  return false;
}

}  // namespace berth
