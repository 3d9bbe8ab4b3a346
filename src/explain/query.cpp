#include <fmt/format.h>

#include "berth/did_you_mean.hpp"
#include "berth/error.hpp"
#include "berth/explain/query.hpp"
#include "berth/place/cluster.hpp"
#include "berth/place/placer.hpp"

namespace berth {

ExplainAnswer explain_placement(const Spec& spec, const std::string& unit,
                                const std::string& machine, StrategyKind strategy) {
  // Not strict: a unit that contradicts itself is explained (its "unresolvable" line), not an
  // error.
  Cluster cluster = Cluster::build(spec, BuildOptions{false});
  Placer placer(cluster, strategy);
  placer.place_pending();

  InstanceId instance = cluster.find_instance(unit);
  if (instance == kNone) instance = cluster.find_instance(unit + "@1");
  if (instance == kNone) {
    std::vector<std::string> names;
    for (InstanceId i = 0; i < cluster.instance_count() && i < 5000; ++i)
      names.push_back(cluster.instance(i).name);
    std::string hint = did_you_mean(unit, names);
    throw UsageError(306,
                     fmt::format("no unit instance named \"{}\"{}", unit,
                                 hint.empty() ? "" : fmt::format("; did you mean \"{}\"?", hint)));
  }
  MachineId m = cluster.find_machine(machine);
  if (m == kNone) {
    std::vector<std::string> names;
    for (MachineId k = 0; k < cluster.machine_count(); ++k)
      names.push_back(cluster.machine_name(k));
    std::string hint = did_you_mean(machine, names);
    throw UsageError(307,
                     fmt::format("no machine named \"{}\"{}", machine,
                                 hint.empty() ? "" : fmt::format("; did you mean \"{}\"?", hint)));
  }
  ExplainAnswer answer;
  answer.unit = cluster.instance(instance).name;
  answer.machine = cluster.machine_name(m);
  answer.reasons = placer.explain(instance, m);
  if (!cluster.unit(cluster.instance(instance).unit).preferences.empty()) {
    answer.preferences_met = placer.preferences_met(instance, m);
  }
  const MachineId now = cluster.assignment(instance);
  if (now != kNone) answer.placed_on = cluster.machine_name(now);
  return answer;
}

}  // namespace berth
