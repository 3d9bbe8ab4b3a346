#include "berth/ops/ops_json.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "berth/error.hpp"
#include "berth/io/json_document.hpp"
#include "berth/io/result_json.hpp"
#include "berth/io/spec_json.hpp"
#include "berth/model/resources.hpp"

namespace berth::ops {
namespace {

using nlohmann::json;

[[noreturn]] void bad(int code, const std::string& path, const std::string& message) {
  throw ValidationError(code, path, message);
}

std::string get_string(const json& j, const std::string& path) {
  if (!j.is_string()) bad(290, path, fmt::format("expected a string, got {}", j.dump()));
  return j.get<std::string>();
}

std::int64_t get_int(const json& j, const std::string& path, std::int64_t min) {
  if (!j.is_number_integer() && !j.is_number_unsigned())
    bad(290, path, fmt::format("expected an integer, got {}", j.dump()));
  const auto v = j.get<std::int64_t>();
  if (v < min) bad(290, path, fmt::format("must be at least {}, got {}", min, v));
  return v;
}

DisruptionBudget parse_budget_json(const json& j, const std::string& path) {
  if (j.is_string()) {
    try {
      return parse_budget(j.get<std::string>());
    } catch (const UsageError& e) {
      bad(296, path, e.detail());
    }
  }
  if (!j.is_object())
    bad(296, path, "expected {\"units\":\"web\",\"max_unavailable\":1} or \"web=1\"");
  reject_unknown_keys(j, path, {"units", "max_unavailable", "min_available"});
  DisruptionBudget b;
  if (j.contains("units")) b.units = get_string(j["units"], path + ".units");
  if (j.contains("max_unavailable"))
    b.max_unavailable = get_int(j["max_unavailable"], path + ".max_unavailable", 0);
  if (j.contains("min_available"))
    b.min_available = get_int(j["min_available"], path + ".min_available", 0);
  if (!b.max_unavailable && !b.min_available)
    bad(296, path, "a budget needs max_unavailable or min_available");
  return b;
}

Event parse_event(const json& j, const std::string& path) {
  if (!j.is_object()) bad(290, path, "expected an event object");
  if (!j.contains("type"))
    bad(297, path, "missing \"type\" (arrive, depart, fail, recover, drain, reboot, rebalance)");
  const std::string type = get_string(j["type"], path + ".type");
  Event e;
  if (j.contains("at"))
    e.at = get_int(j["at"], path + ".at", std::numeric_limits<std::int64_t>::min());
  auto need = [&](const char* key) -> const json& {
    if (!j.contains(key)) bad(297, path, fmt::format("a \"{}\" event needs \"{}\"", type, key));
    return j[key];
  };
  if (type == "fail" || type == "recover" || type == "drain") {
    reject_unknown_keys(j, path, {"at", "type", "machine"});
    e.type = type == "fail"      ? EventType::Fail
             : type == "recover" ? EventType::Recover
                                 : EventType::Drain;
    e.machine = get_string(need("machine"), path + ".machine");
  } else if (type == "reboot") {
    reject_unknown_keys(j, path, {"at", "type", "machines", "max_unavailable"});
    e.type = EventType::Reboot;
    if (j.contains("machines")) {
      const json& ms = j["machines"];
      if (ms.is_array()) {
        std::string joined;
        for (std::size_t k = 0; k < ms.size(); ++k)
          joined += (k ? "," : "") + get_string(ms[k], fmt::format("{}.machines[{}]", path, k));
        e.machines = joined;
      } else {
        e.machines = get_string(ms, path + ".machines");
      }
    }
    if (j.contains("max_unavailable"))
      e.max_unavailable =
          static_cast<int>(get_int(j["max_unavailable"], path + ".max_unavailable", 1));
  } else if (type == "rebalance") {
    reject_unknown_keys(j, path, {"at", "type", "max_moves"});
    e.type = EventType::Rebalance;
    if (j.contains("max_moves"))
      e.max_moves = static_cast<int>(get_int(j["max_moves"], path + ".max_moves", 0));
  } else if (type == "arrive") {
    reject_unknown_keys(j, path, {"at", "type", "unit"});
    e.type = EventType::Arrive;
    try {
      Spec one = spec_from_json(json{{"units", json::array({need("unit")})}});
      e.unit = one.units.front();
    } catch (const ValidationError& err) {
      std::string subject = err.subject();
      subject = subject.rfind("units[0]", 0) == 0 ? path + ".unit" + subject.substr(8)
                                                  : fmt::format("{}.unit ({})", path, subject);
      throw ValidationError(
          err.code(), subject,
          err.detail().substr(err.subject().empty() ? 0 : err.subject().size() + 2));
    }
  } else if (type == "depart") {
    reject_unknown_keys(j, path, {"at", "type", "unit"});
    e.type = EventType::Depart;
    e.unit_name = get_string(need("unit"), path + ".unit");
  } else {
    std::string hint =
        did_you_mean(type, {"arrive", "depart", "fail", "recover", "drain", "reboot", "rebalance"});
    bad(297, path + ".type",
        fmt::format("unknown event type \"{}\"{}", type,
                    hint.empty() ? " (arrive, depart, fail, recover, drain, reboot, rebalance)"
                                 : fmt::format("; did you mean \"{}\"?", hint)));
  }
  return e;
}

json moves_object(const std::vector<Move>& moves) {
  json out = json::object();
  for (const Move& mv : moves) out[mv.instance] = mv.to;
  return out;
}

json moves_list(const std::vector<Move>& moves) {
  json out = json::array();
  for (const Move& mv : moves)
    out.push_back({{"unit", mv.instance}, {"from", mv.from}, {"to", mv.to}});
  return out;
}

json preemptions_json(const std::vector<Preemption>& ps) {
  json out = json::array();
  for (const Preemption& p : ps)
    out.push_back({{"preemptor", p.preemptor}, {"machine", p.machine}, {"victims", p.victims}});
  return out;
}

}  // namespace

Scenario parse_scenario_json(std::string_view text, const std::string& filename) {
  json root =
      parse_json_document(text, filename, JsonDocumentKind{101, "events file is not valid JSON: "});
  Scenario s;
  try {
    if (root.is_array()) root = json{{"events", root}};
    if (!root.is_object())
      bad(290, "events", "expected an object with \"events\" (or an array of events)");
    reject_unknown_keys(root, "",
                        {"events", "mode", "strategy", "preemption", "budgets", "zone_key"});
    if (root.contains("mode")) {
      const std::string mode = get_string(root["mode"], "mode");
      if (mode == "berth")
        s.mode = SimMode::Berth;
      else if (mode == "fleet")
        s.mode = SimMode::Fleet;
      else
        bad(298, "mode", fmt::format("unknown mode \"{}\" (berth or fleet)", mode));
    }
    if (root.contains("strategy"))
      s.options.strategy = parse_strategy(get_string(root["strategy"], "strategy"));
    if (root.contains("preemption")) {
      if (!root["preemption"].is_boolean()) bad(290, "preemption", "expected true or false");
      s.options.preemption = root["preemption"].get<bool>();
    }
    if (root.contains("zone_key")) s.options.zone_key = get_string(root["zone_key"], "zone_key");
    if (root.contains("budgets")) {
      const json& bs = root["budgets"];
      if (!bs.is_array()) bad(296, "budgets", "expected an array of budgets");
      for (std::size_t k = 0; k < bs.size(); ++k)
        s.options.budgets.push_back(parse_budget_json(bs[k], fmt::format("budgets[{}]", k)));
    }
    if (!root.contains("events") || !root["events"].is_array())
      bad(299, "events", "expected an array \"events\"");
    const json& es = root["events"];
    for (std::size_t k = 0; k < es.size(); ++k)
      s.events.push_back(parse_event(es[k], fmt::format("events[{}]", k)));
  } catch (const ValidationError& e) {
    if (e.detail().find(filename) != std::string::npos) throw;
    throw ValidationError(
        e.code(), e.subject(),
        fmt::format("{} (in {})",
                    e.detail().substr(e.subject().empty() ? 0 : e.subject().size() + 2), filename));
  }
  return s;
}

Scenario read_scenario_file(const std::string& path) {
  return parse_scenario_json(read_text_file(path), path);
}

json blocked_to_json(const Blocked& b) {
  json j = {{"unit", b.unit},
            {"machine", b.machine},
            {"reason", to_string(b.reason)},
            {"summary", b.summary}};
  if (!b.needs.empty()) {
    json needs = json::object();
    for (const auto& [dim, amount] : b.needs) needs[dim] = format_amount_at_least(dim, amount);
    j["needs"] = needs;
    j["needs_on"] = b.needs_on;
    json raw = json::object();
    for (const auto& [dim, amount] : b.needs) raw[dim] = amount;
    j["needs_exact"] = raw;
  }
  if (b.diagnosis) j["diagnosis"] = diagnosis_to_json(*b.diagnosis);
  return j;
}

json reboot_plan_to_json(const RebootPlan& plan) {
  json waves = json::array();
  for (const Wave& w : plan.waves) {
    waves.push_back({{"machines", w.machines},
                     {"zone", w.zone},
                     {"moves", moves_object(w.moves)},
                     {"moves_from",
                      [&] {
                        json from = json::object();
                        for (const Move& mv : w.moves) from[mv.instance] = mv.from;
                        return from;
                      }()},
                     {"steps", w.steps},
                     {"stopped", w.stopped}});
  }
  json blocked = json::array();
  for (const Blocked& b : plan.blocked) blocked.push_back(blocked_to_json(b));
  return {{"safe", plan.safe},
          {"waves", waves},
          {"blocked", blocked},
          {"not_rebooted", plan.not_rebooted},
          {"notes", plan.notes}};
}

json drain_to_json(const DrainResult& r) {
  json steps = json::array();
  json moves = json::object();
  for (const auto& s : r.steps) {
    steps.push_back(moves_list(s));
    for (const Move& mv : s) moves[mv.instance] = mv.to;
  }
  json blocked = json::array();
  for (const Blocked& b : r.blocked) blocked.push_back(blocked_to_json(b));
  return {{"machine", r.machine}, {"complete", r.complete()}, {"moves", moves},
          {"steps", steps},       {"blocked", blocked},       {"remaining", r.remaining},
          {"stopped", r.stopped}};
}

json rebalance_to_json(const RebalanceResult& r) {
  return {{"moves", moves_list(r.moves)},
          {"freed", r.freed},
          {"peak_before", static_cast<double>(r.peak_before) / 1000.0},
          {"peak_after", static_cast<double>(r.peak_after) / 1000.0},
          {"peak_machine_before", r.peak_machine_before},
          {"peak_machine_after", r.peak_machine_after}};
}

json simulation_to_json(const Simulator& sim) {
  json log = json::array();
  for (const StepLog& s : sim.log()) {
    json j = {{"at", s.at},           {"event", s.event},
              {"text", s.text},       {"moves", moves_list(s.moves)},
              {"evicted", s.evicted}, {"stopped", s.stopped},
              {"pending", s.pending}, {"overcommitted", s.overcommitted}};
    if (!s.preemptions.empty()) j["preemptions"] = preemptions_json(s.preemptions);
    if (!s.blocked.empty()) {
      json b = json::array();
      for (const Blocked& x : s.blocked) b.push_back(blocked_to_json(x));
      j["blocked"] = b;
    }
    log.push_back(std::move(j));
  }
  const SimSummary sum = sim.summary();
  json over_time = json::array();
  for (auto [at, n] : sum.pending_over_time) over_time.push_back({at, n});
  json summary = {{"mode", to_string(sim.mode())},
                  {"events", sum.events},
                  {"steps", sum.steps},
                  {"placements", sum.placements},
                  {"evictions", sum.evictions},
                  {"preemptions", sum.preemptions},
                  {"overcommit", sum.overcommit},
                  {"max_overcommitted", sum.max_overcommitted},
                  {"max_pending", sum.max_pending},
                  {"final_pending", sum.final_pending},
                  {"homeless", sum.homeless},
                  {"failed_moves", sum.failed_moves},
                  {"pending_over_time", over_time}};
  json pending = json::array();
  for (const PendingUnit& p : sim.pending())
    pending.push_back({{"unit", p.unit}, {"summary", p.summary()}});
  json placements = json::object();
  const Cluster& c = sim.cluster();
  for (InstanceId i = 0; i < c.instance_count(); ++i) {
    if (c.assignment(i) != kNone) placements[c.instance(i).name] = c.machine_name(c.assignment(i));
  }
  return {{"log", log}, {"summary", summary}, {"pending", pending}, {"placements", placements}};
}

}  // namespace berth::ops
