#include "berth/fleet/requests.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <set>

#include "berth/error.hpp"

namespace berth::fleet {
namespace {

std::string lower(std::string_view s) {
  std::string out;
  for (char c : s) out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

/// Splits "12.5G" into number and suffix.
std::pair<std::string_view, std::string_view> split_suffix(std::string_view v) {
  std::size_t i = 0;
  while (i < v.size() && (std::isdigit(static_cast<unsigned char>(v[i])) || v[i] == '.')) ++i;
  return {v.substr(0, i), v.substr(i)};
}

template <class F>
auto quietly(F&& f) -> std::optional<decltype(f())> {
  try {
    return f();
  } catch (const Error&) {
    return std::nullopt;
  }
}

std::string basename(std::string_view path) {
  const auto slash = path.rfind('/');
  return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

// docker run flags that take no value; every other flag written without '=' takes the next
// word, which is how we find where the image name (and the container's own arguments) start.
// clang-format off
const std::set<std::string> kDockerBoolFlags = {
    "-d", "--detach", "-i", "--interactive", "-t", "--tty", "-it", "-ti", "-dit", "-itd",
    "--rm", "-rm", "-P", "--publish-all", "--privileged", "-privileged", "--read-only",
    "--init", "--no-healthcheck", "--oom-kill-disable", "--sig-proxy", "--disable-content-trust",
    "-q", "--quiet", "--help"};
// clang-format on

void scan_docker(const std::vector<std::string>& w, std::size_t i, ContainerRequests& out) {
  out.kind = RequestSource::DockerRun;
  std::optional<Millicores> cpus;
  std::optional<Millicores> shares;
  std::optional<long long> quota;
  std::optional<long long> period;
  std::optional<Bytes> memory;
  std::optional<Bytes> reservation;
  for (; i < w.size(); ++i) {
    const std::string& word = w[i];
    if (word.size() < 2 || word[0] != '-') break;  // the image: container arguments follow
    if (word == "--") break;
    std::string flag = word;
    std::string value;
    bool has_value = false;
    if (const auto eq = word.find('='); eq != std::string::npos) {
      flag = word.substr(0, eq);
      value = word.substr(eq + 1);
      has_value = true;
    } else if (word.size() > 2 && word[1] != '-' && (word[1] == 'm' || word[1] == 'c') &&
               std::isdigit(static_cast<unsigned char>(word[2]))) {
      flag = word.substr(0, 2);  // -m512m, -c512
      value = word.substr(2);
      has_value = true;
    } else if (kDockerBoolFlags.count(word) == 0) {
      if (i + 1 >= w.size()) break;
      value = w[++i];
      has_value = true;
    }
    if (!has_value) continue;
    auto unusable = [&] { out.unusable.push_back(fmt::format("{} {}", flag, value)); };
    if (flag == "-p" || flag == "--publish" || flag == "-publish") {
      // [IP:]HOST:CONTAINER[/proto]: the host port is the part before the last ':'. An IPv6
      // address is bracketed ([::1]:80:8080), so split after any closing bracket.
      const auto bracket = value.rfind(']');
      const auto colon = value.rfind(':');
      if (colon == std::string::npos || (bracket != std::string::npos && colon < bracket))
        continue;  // no host port
      std::string head = value.substr(0, colon);
      const auto slash = value.find('/', colon);
      const std::string proto = slash == std::string::npos ? std::string() : value.substr(slash);
      if (const auto c2 = head.rfind(':');
          c2 != std::string::npos && (bracket == std::string::npos || c2 > bracket))
        head = head.substr(c2 + 1);
      if (head.empty()) continue;  // IP::CONTAINER: docker picks the host port
      // A range (8000-8010:80-90) binds every port in it.
      const auto dash = head.find('-');
      auto port = [&](const std::string& text) {
        return quietly([&] { return parse_host_port(text + proto, flag); });
      };
      auto first = port(head.substr(0, dash));
      auto last = dash == std::string::npos ? first : port(head.substr(dash + 1));
      if (!first || !last || last->port < first->port) {
        unusable();
        continue;
      }
      for (unsigned p = first->port; p <= last->port; ++p)
        out.ports.push_back({static_cast<std::uint16_t>(p), first->protocol});
      continue;
    }
    if (flag == "-m" || flag == "--memory" || flag == "-memory") {
      if (auto b = parse_docker_bytes(value)) {
        memory = *b;
      } else {
        unusable();
      }
    } else if (flag == "--memory-reservation") {
      if (auto b = parse_docker_bytes(value)) {
        reservation = *b;
      } else {
        unusable();
      }
    } else if (flag == "--cpus") {
      if (auto c = quietly([&] { return parse_cpu(value, "--cpus"); })) {
        cpus = *c;
      } else {
        unusable();
      }
    } else if (flag == "-c" || flag == "--cpu-shares" || flag == "-cpu-shares") {
      if (auto n = quietly([&] { return parse_count(value, flag); })) {
        shares = cpu_shares_to_millicores(*n);
      } else {
        unusable();
      }
    } else if (flag == "--cpu-quota" || flag == "--cpu-period") {
      auto n = quietly([&] { return parse_count(value, flag); });
      if (!n) {
        unusable();
      } else if (flag == "--cpu-quota") {
        quota = *n;
      } else {
        period = *n;
      }
    }
  }
  if (cpus) {
    out.cpu = cpus;
  } else if (quota && *quota > 0) {
    const long long p = period && *period > 0 ? *period : 100000;  // docker's default period
    out.cpu = (*quota * 1000 + p - 1) / p;
  } else if (shares) {
    out.cpu = shares;
  }
  if (memory) {
    out.memory = memory;
  } else if (reservation) {
    out.memory = reservation;
  }
}

void scan_rkt(const std::vector<std::string>& w, std::size_t i, ContainerRequests& out) {
  out.kind = RequestSource::RktRun;
  // rkt isolators use Kubernetes quantities (--cpu=500m --memory=512M), which is berth's syntax.
  for (; i < w.size(); ++i) {
    std::string flag = w[i];
    std::string value;
    if (const auto eq = flag.find('='); eq != std::string::npos) {
      value = flag.substr(eq + 1);
      flag = flag.substr(0, eq);
    } else if ((flag == "--cpu" || flag == "--memory") && i + 1 < w.size()) {
      value = w[++i];
    } else {
      continue;
    }
    if (flag == "--cpu") {
      auto c = quietly([&] { return parse_cpu(value, "--cpu"); });
      if (c) {
        out.cpu = std::max(out.cpu.value_or(0), *c);  // several apps: the largest
      } else {
        out.unusable.push_back("--cpu=" + value);
      }
    } else if (flag == "--memory") {
      auto b = quietly([&] { return parse_bytes(value, "--memory"); });
      if (b) {
        out.memory = std::max(out.memory.value_or(0), *b);
      } else {
        out.unusable.push_back("--memory=" + value);
      }
    }
  }
}

bool scan_words(const std::vector<std::string>& w, ContainerRequests& out, int depth) {
  for (std::size_t i = 0; i < w.size(); ++i) {
    const auto exe = basename(w[i]);
    if (exe == "docker" || exe == "podman") {
      std::size_t j = i + 1;
      while (j < w.size() && w[j].size() > 1 && w[j][0] == '-') {
        const bool takes = w[j].find('=') == std::string::npos &&
                           (w[j] == "-H" || w[j] == "--host" || w[j] == "--config" ||
                            w[j] == "--context" || w[j] == "-l" || w[j] == "--log-level");
        j += takes ? 2 : 1;
      }
      if (j < w.size() && w[j] == "container") ++j;
      if (j < w.size() && w[j] == "run") {
        scan_docker(w, j + 1, out);
        return true;
      }
    } else if (exe == "rkt") {
      for (std::size_t j = i + 1; j < w.size(); ++j) {
        if (w[j] == "run") {
          scan_rkt(w, j + 1, out);
          return true;
        }
      }
    }
  }
  if (depth >= 3) return false;
  // `sh -c "... docker run ..."`: the script is one word; split it again with shell-like rules.
  for (const auto& word : w) {
    if (word.find(' ') == std::string::npos) continue;
    if (auto inner = split_words(word)) {
      if (scan_words(*inner, out, depth + 1)) return true;
    }
  }
  return false;
}

}  // namespace

const char* to_string(RequestSource s) {
  switch (s) {
    case RequestSource::FleetRequests:
      return "[X-Fleet] Requests=";
    case RequestSource::SystemdResourceControl:
      return "[Service] resource control";
    case RequestSource::DockerRun:
      return "docker run flags in ExecStart=";
    case RequestSource::RktRun:
      return "rkt run flags in ExecStart=";
  }
  return "?";
}

namespace {

/// `cpu=500m,memory=512Mi gpu=1` -> [(cpu, 500), (memory, ...), (gpu, 1)] in written order.
std::vector<std::pair<std::string, std::int64_t>> parse_request_items(std::string_view value,
                                                                      const std::string& unit) {
  std::vector<std::pair<std::string, std::int64_t>> items;
  std::string item;
  auto flush = [&] {
    if (item.empty()) return;
    const auto eq = item.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == item.size()) {
      throw ValidationError(231, unit,
                            fmt::format("Requests=: expected dimension=quantity (cpu=500m), "
                                        "found \"{}\"",
                                        item));
    }
    std::string dim = lower(item.substr(0, eq));
    if (dim == "mem") dim = "memory";
    const std::string qty = item.substr(eq + 1);
    const std::string field = "Requests=" + dim;
    try {
      if (dim == "cpu") {
        items.emplace_back(dim, parse_cpu(qty, field));
      } else if (dim == "memory" || dim == "disk") {
        items.emplace_back(dim, parse_bytes(qty, field));
      } else {
        items.emplace_back(dim, parse_count(qty, field));
      }
    } catch (const ValidationError& e) {
      throw ValidationError(231, unit, e.detail());
    }
    item.clear();
  };
  for (char c : value) {
    if (c == ',' || c == ' ' || c == '\t' || c == '"') {
      flush();
    } else {
      item += c;
    }
  }
  flush();
  return items;
}

}  // namespace

Resources parse_requests_value(std::string_view value, const std::string& unit) {
  Resources r;
  for (const auto& [dim, v] : parse_request_items(value, unit)) r.set(dim, v);
  return r;
}

std::optional<Millicores> parse_cpu_quota(std::string_view value) {
  if (value.empty() || value.back() != '%') return std::nullopt;
  auto percent = quietly([&] { return parse_cpu(value.substr(0, value.size() - 1), "CPUQuota"); });
  if (!percent) return std::nullopt;
  // parse_cpu gives percent * 1000; one percent of a CPU is 10 millicores. Round up so that
  // a small quota never becomes zero.
  return (*percent + 99) / 100;
}

std::optional<Bytes> parse_systemd_bytes(std::string_view value) {
  if (value.empty() || lower(value) == "infinity" || value.back() == '%') return std::nullopt;
  auto [num, suffix] = split_suffix(value);
  if (num.empty()) return std::nullopt;
  std::string berth_form(num);
  if (suffix.empty() || suffix == "B") {
    // bytes
  } else if (suffix.size() == 1 &&
             std::string_view("KMGTPE").find(suffix[0]) != std::string_view::npos) {
    berth_form += std::string(suffix) + "i";  // systemd's K is 1024
  } else {
    return std::nullopt;
  }
  return quietly([&] { return parse_bytes(berth_form, "memory"); });
}

std::optional<Bytes> parse_docker_bytes(std::string_view value) {
  auto [num, suffix] = split_suffix(value);
  if (num.empty()) return std::nullopt;
  std::string s = lower(suffix);
  if (s.size() > 1 && (s.ends_with("ib") || s.ends_with("b")))
    s = s.substr(0, s.ends_with("ib") ? s.size() - 2 : s.size() - 1);
  std::string berth_form(num);
  if (s.empty() || s == "b") {
    // bytes
  } else if (s.size() == 1 && std::string_view("kmgtp").find(s[0]) != std::string_view::npos) {
    berth_form += static_cast<char>(std::toupper(static_cast<unsigned char>(s[0])));
    berth_form += 'i';  // docker's units are powers of 1024
  } else {
    return std::nullopt;
  }
  return quietly([&] { return parse_bytes(berth_form, "--memory"); });
}

Millicores cpu_shares_to_millicores(long long shares) { return (shares * 1000 + 512) / 1024; }

ContainerRequests scan_exec_start(std::string_view command) {
  ContainerRequests out;
  auto words = split_words(command);
  if (!words) return out;
  // systemd's ExecStart= prefixes (-, @, +, !, :) are not part of the path.
  if (!words->empty()) {
    auto& first = words->front();
    const auto skip = first.find_first_not_of("-@+!:");
    first = skip == std::string::npos ? std::string() : first.substr(skip);
  }
  scan_words(*words, out, 0);
  return out;
}

ResolvedRequests resolve_requests(const UnitFile& file, const std::string& unit,
                                  std::vector<Problem>* problems) {
  ResolvedRequests out;
  auto set = [&](const std::string& dim, std::int64_t v, RequestSource s) {
    out.requests.set(dim, v);
    out.source[dim] = s;
  };
  auto warn = [&](int code, const Entry* e, std::string msg) {
    report(problems,
           Problem{Severity::Warning, code, unit,
                   e ? file.at(e->line) : SourceLocation{file.file, 0, 0}, std::move(msg)});
  };

  // 3. container flags (weakest). Several ExecStart= (Type=oneshot) run one after another, so
  // the largest of each dimension is what the unit needs.
  for (const auto* e : file.entries("Service", "ExecStart")) {
    const auto c = scan_exec_start(e->value);
    for (const auto& bad : c.unusable) {
      warn(237, e, fmt::format("ExecStart=: cannot read the quantity in \"{}\"; ignored", bad));
    }
    if (!c.kind) continue;
    out.ports.insert(out.ports.end(), c.ports.begin(), c.ports.end());
    if (c.cpu && (!out.source.count("cpu") || *c.cpu > out.requests.cpu))
      set("cpu", *c.cpu, *c.kind);
    if (c.memory && (!out.source.count("memory") || *c.memory > out.requests.memory)) {
      set("memory", *c.memory, *c.kind);
    }
  }

  // 2. systemd resource control.
  if (const auto* e = file.last("Service", "CPUQuota"); e && !e->value.empty()) {
    if (auto q = parse_cpu_quota(e->value)) {
      set("cpu", *q, RequestSource::SystemdResourceControl);
    } else {
      warn(237, e,
           fmt::format("CPUQuota={}: expected a percentage such as 50%; ignored", e->value));
    }
  }
  std::optional<Bytes> memory;
  for (const char* key : {"MemoryMax", "MemoryLimit", "MemoryHigh"}) {
    const auto* e = file.last("Service", key);
    if (!e || e->value.empty()) continue;
    if (auto b = parse_systemd_bytes(e->value)) {
      memory = *b;
      break;
    }
    if (lower(e->value) != "infinity") {
      warn(237, e,
           fmt::format("{}={}: not a size berth can reserve (percentages depend on the "
                       "machine); ignored",
                       key, e->value));
    }
  }
  if (!memory) {
    // Only a protection is given: that is the amount the unit is promised, so reserve it.
    for (const char* key : {"MemoryMin", "MemoryLow"}) {
      const auto* e = file.last("Service", key);
      if (!e || e->value.empty()) continue;
      if (auto b = parse_systemd_bytes(e->value)) {
        memory = std::max(memory.value_or(0), *b);
      } else if (lower(e->value) != "infinity") {
        warn(237, e, fmt::format("{}={}: not a size berth can reserve; ignored", key, e->value));
      }
    }
  }
  if (memory) set("memory", *memory, RequestSource::SystemdResourceControl);
  std::sort(out.ports.begin(), out.ports.end());
  out.ports.erase(std::unique(out.ports.begin(), out.ports.end()), out.ports.end());

  // 1. berth's own key (strongest).
  // Later lines override the dimensions they name; dimensions accumulate across lines.
  // [X-Berth] is the same key in a section fleet never reads (fleet refuses unknown [X-Fleet]
  // keys), for unit files that are still submitted to fleet during a migration.
  auto lines = file.entries("X-Fleet", "Requests");
  for (const auto* e : file.entries("X-Berth", "Requests")) lines.push_back(e);
  for (const auto* e : lines) {
    try {
      for (const auto& [dim, v] : parse_request_items(e->value, unit)) {
        set(dim, v, RequestSource::FleetRequests);
      }
    } catch (const ValidationError& err) {
      report(problems, Problem{Severity::Error, 231, unit, file.at(e->line), err.detail()});
    }
  }
  return out;
}

}  // namespace berth::fleet
