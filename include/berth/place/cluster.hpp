#pragma once
/// \file The compiled cluster the engine works on: machines as a flat table (struct of arrays),
/// unit instances, co-location groups, and what runs where.
///
/// Built once from a Spec (validated: contradictions are ValidationErrors naming the units),
/// then mutated only through assign/unassign/set_state, which keep every derived count
/// (free capacity, spread counts, conflict holders) in step.
#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "berth/error.hpp"
#include "berth/export.hpp"
#include "berth/model/spec.hpp"

namespace berth {

using MachineId = std::uint32_t;
using InstanceId = std::uint32_t;
using GroupId = std::uint32_t;
using UnitId = std::uint32_t;
using ClassId = std::uint32_t;
/// "No machine" / "no instance".
inline constexpr std::uint32_t kNone = 0xffffffffu;

/// Orders names the way people read them: m2 before m10. Used for every tie-break.
BERTH_API bool natural_less(std::string_view a, std::string_view b);
/// A byte string whose plain comparison orders like natural_less (equal keys for names
/// natural_less cannot tell apart), so a large sort compares memory instead of re-parsing
/// digits on every comparison.
BERTH_API std::string natural_key(std::string_view name);

/// One running copy of a unit: `web@3`, `web` (no replicas) or `node-exporter@m4` (global).
struct Instance {
  std::string name;
  UnitId unit = kNone;
  int replica = 0;           ///< 1..N for replicated units, 0 otherwise
  GroupId group = kNone;     ///< co-location group
  MachineId pinned = kNone;  ///< machine_id, or the machine of a global instance
  bool global = false;
  InstanceId machine_of = kNone;  ///< the instance it must share a machine with
};

/// Instances that must share one machine (machine_of links), placed together or not at all.
struct Group {
  std::vector<InstanceId> members;  ///< the main unit first, then its sidekicks
  std::int32_t priority = 0;        ///< the highest member priority
  MachineId pinned = kNone;         ///< agreed pin of any member
  /// Set when no machine can ever take the group because of the units themselves (a
  /// contradiction, a reference to a unit or machine that is not in the cluster): 1 + the
  /// index of why in Cluster::problems() (Cluster::problem_of). Such a group is never placed
  /// and is pending *unresolvable*. Only clusters built with BuildOptions::strict off have
  /// them. An index, not the text: a million groups would otherwise carry a million strings.
  std::uint32_t problem = 0;
  bool unresolvable() const { return problem != 0; }
};

/// How Cluster::build treats a unit whose own constraints contradict each other or name
/// something the cluster lacks (ids invalid.240-248, the spread contradiction 269).
struct BuildOptions {
  /// true: throw the ValidationError (exit 1 for the CLI: today's behaviour, `--strict`).
  /// false: only the units involved become unresolvable groups; every other unit is placed.
  bool strict = true;
};

/// What a machine class does for a unit before any placement: the filters that depend only on
/// the unit and the class (metadata, taints), in the pipeline's order. Every path asks it
/// through Cluster::class_verdict; nothing else evaluates metadata or taints for placement.
struct ClassVerdict {
  enum class Kind : std::uint8_t { Ok, Metadata, Taint };
  Kind kind = Kind::Ok;
  std::uint32_t index = 0;  ///< the failing requirement (unit's metadata) or taint (class's)
  bool ok() const { return kind == Kind::Ok; }
};

namespace detail {
struct ClassTrees;
/// Owns the cluster's class trees and copies them with it (a unique_ptr that copies deeply),
/// so Cluster keeps its implicit copy and move while the trees' layout stays out of this
/// header. Defined where ClassTrees is complete (src/place/cluster.cpp).
class BERTH_API ClassTreesHolder {
 public:
  ClassTreesHolder();
  ~ClassTreesHolder();
  ClassTreesHolder(const ClassTreesHolder& other);
  ClassTreesHolder(ClassTreesHolder&& other) noexcept;
  ClassTreesHolder& operator=(const ClassTreesHolder& other);
  ClassTreesHolder& operator=(ClassTreesHolder&& other) noexcept;
  ClassTrees* get() const { return trees_.get(); }

 private:
  std::unique_ptr<ClassTrees> trees_;
};
}  // namespace detail

class BERTH_API Cluster {
 public:
  /// Compiles and validates a spec; existing placements are applied (see warnings()).
  static Cluster build(const Spec& spec, BuildOptions options = {});
  /// The same cluster, consuming the spec: its units are moved into the cluster instead of
  /// copied (a quarter of a GiB at a million instances) and the rest of it (machines,
  /// placements) is released before build returns. The units stay readable through unit().
  static Cluster build(Spec&& spec, BuildOptions options = {});

  // ---- dimensions: cpu, memory, disk, then extended resources in name order
  std::size_t dims() const { return dimension_names_.size(); }
  const std::vector<std::string>& dimension_names() const { return dimension_names_; }

  // ---- machines (ids follow natural name order, so lower id wins ties)
  std::size_t machine_count() const { return machine_names_.size(); }
  const std::string& machine_name(MachineId m) const { return machine_names_[m]; }
  MachineId find_machine(std::string_view name) const;
  MachineState machine_state(MachineId m) const { return machine_states_[m]; }
  const Metadata& machine_metadata(MachineId m) const { return class_metadata_[machine_class_[m]]; }
  ClassId machine_class(MachineId m) const { return machine_class_[m]; }
  std::size_t class_count() const { return class_metadata_.size(); }
  /// Members of a class in ascending id order. A class is machines with identical metadata and
  /// identical allocatable capacity, so they share every metadata result and every size ratio.
  const std::vector<MachineId>& class_members(ClassId c) const { return class_members_[c]; }
  const Metadata& class_metadata(ClassId c) const { return class_metadata_[c]; }
  /// Taints of a class's machines (part of the class key, like metadata).
  const std::vector<Taint>& class_taints(ClassId c) const { return class_taints_[c]; }
  const std::vector<Taint>& machine_taints(MachineId m) const {
    return class_taints_[machine_class_[m]];
  }
  /// Whether some machine has a PreferNoSchedule taint (scored as a preference).
  bool has_soft_taints() const { return soft_taints_; }
  /// The class-level filters for unit u on class c: metadata first, then taints.
  ClassVerdict class_verdict(UnitId u, ClassId c) const;
  /// One line for a failed verdict: `zone!=a` (metadata) or `dedicated=gpu:NoSchedule` (taint).
  std::string describe_failure(UnitId u, ClassId c, const ClassVerdict& v) const;
  /// Index of machine m among its class's members (its leaf in the class tree).
  std::uint32_t class_position(MachineId m) const { return class_position_[m]; }
  const std::int64_t* allocatable(MachineId m) const { return &allocatable_[m * dims()]; }
  const std::int64_t* used(MachineId m) const { return &used_[m * dims()]; }
  std::int64_t free(MachineId m, std::size_t d) const {
    return allocatable_[m * dims() + d] - used_[m * dims() + d];
  }
  const std::vector<InstanceId>& instances_on(MachineId m) const { return on_machine_[m]; }
  /// Instances on `m` whose unit has conflict patterns (fast skip for the conflict filter).
  std::uint32_t conflict_holders_on(MachineId m) const { return conflict_holders_[m]; }
  /// Sum over dimensions of used / allocatable (dimensions with allocatable > 0), always
  /// computed in the same order from the current counts, so equal states give equal doubles.
  double utilization_sum(MachineId m) const { return util_[m]; }

  /// The class trees the placer searches (a segment tree per class over its members, kept in
  /// step by assign/unassign/set_state). Internal: the type is complete only inside the
  /// library (src/place/class_index.hpp).
  const detail::ClassTrees& class_trees() const { return *trees_.get(); }

  /// Total allocatable of up machines per dimension (for size measures).
  std::vector<std::int64_t> total_allocatable() const;

  // ---- units and instances
  std::size_t unit_count() const { return units_.size(); }
  const Unit& unit(UnitId u) const { return units_[u]; }
  /// Whether unit u takes part in the pairwise conflict relation at all: conflict patterns or
  /// host ports (two units binding one port conflict like kube's NodePorts).
  bool unit_has_conflicts(UnitId u) const { return (unit_traits_[u] & kTraitConflicts) != 0; }
  /// Whether unit u has preferences (soft constraints).
  bool unit_has_preferences(UnitId u) const { return (unit_traits_[u] & kTraitPreferences) != 0; }
  /// Whether unit u has a spread constraint.
  bool unit_has_spread(UnitId u) const { return (unit_traits_[u] & kTraitSpread) != 0; }
  std::size_t instance_count() const { return instances_.size(); }
  const Instance& instance(InstanceId i) const { return instances_[i]; }
  InstanceId find_instance(std::string_view name) const;
  const std::int64_t* request(InstanceId i) const {
    return &requests_[static_cast<std::size_t>(instances_[i].unit) * dims()];
  }
  MachineId assignment(InstanceId i) const { return assignment_[i]; }

  // ---- co-location groups
  std::size_t group_count() const { return groups_.size(); }
  const Group& group(GroupId g) const { return groups_[g]; }
  /// Groups with at least one unassigned member, in id order.
  std::vector<GroupId> unplaced_groups() const;

  // ---- spread bookkeeping (units with a spread constraint)
  /// Domain (interned value of the spread key) of machine m for unit u; kNone if it lacks the key.
  std::uint32_t spread_domain(UnitId u, MachineId m) const;
  /// Instances of unit u placed in domain d.
  std::int64_t spread_count(UnitId u, std::uint32_t d) const;
  std::size_t spread_domain_count(UnitId u) const;
  const std::string& spread_domain_name(UnitId u, std::uint32_t d) const;

  // ---- conflicts
  /// True when a and b may not share a machine: either's patterns match the other's name (a
  /// global instance `agent@m1` is also matched by its unit name `agent`, as fleet does), or
  /// they bind the same host port.
  bool conflicts(InstanceId a, InstanceId b) const;
  /// The host port a and b both bind, if any (why conflicts() said yes, for explanations).
  std::optional<HostPort> shared_port(InstanceId a, InstanceId b) const;
  /// True when a conflicts with b only through a glob pattern (not just a shared port).
  bool conflicts_by_pattern(InstanceId a, InstanceId b) const;
  /// How unit p's conflict patterns treat the instances of unit t: 1 none of them, 2 all of
  /// them, 3 it depends on the instance (ask conflicts()). Host ports p and t share count as 2.
  /// A lookup in the relation compiled at build (conflict_peers), no glob matching.
  std::uint8_t conflict_class(UnitId p, UnitId t) const;
  /// One entry of the compiled pattern relation: unit `unit`, how this unit's patterns treat
  /// its instances (`out`) and how its patterns treat this unit's (`in`), as conflict_class
  /// without ports: 1 none, 2 all, 3 per instance.
  struct ConflictPeer {
    UnitId unit;
    std::uint8_t out;
    std::uint8_t in;
  };
  /// The units related to u by a conflict pattern either way (out or in is not 1), ascending by
  /// unit; u itself when its patterns take its own instances (`web@*`). Compiled once at build
  /// from the patterns' literal prefixes against the sorted instance-name stems, so the list
  /// holds only the real relation: its size is the number of related pairs, never units².
  /// Units with a `*` pattern take every instance and are not listed: see match_all_units.
  std::span<const ConflictPeer> conflict_peers(UnitId u) const {
    return {peers_.data() + peer_start_[u], peers_.data() + peer_start_[u + 1]};
  }
  /// Units with a pattern `*` (they conflict with every instance of every unit), ascending.
  const std::vector<UnitId>& match_all_units() const { return match_all_; }
  bool matches_all(UnitId u) const {
    return !match_all_.empty() && std::binary_search(match_all_.begin(), match_all_.end(), u);
  }
  /// Whether unit u can conflict with anything: a conflict peer, a `*` pattern, or host ports.
  /// (Every unit conflicts with a unit that matches all; that side is match_all_units.)
  bool unit_related(UnitId u) const {
    return peer_start_[u] != peer_start_[u + 1] || (unit_traits_[u] & kTraitPorts) != 0 ||
           matches_all(u);
  }

  // ---- ids
  /// Ids are indexes into this cluster's tables. The public entry points that take an id
  /// (assign, unassign, set_state and the Placer's select/fits/explain/score_of) check it and
  /// throw UsageError `usage.310` naming `what` for an id that is not this cluster's (kNone,
  /// another cluster's, stale): misuse is an error, not undefined behaviour. One comparison.
  void check_machine(MachineId m, const char* what) const;
  void check_instance(InstanceId i, const char* what) const;
  void check_group(GroupId g, const char* what) const;

  // ---- mutation
  /// Puts instance i on machine m. Capacity is the caller's check (see Placer); assign never
  /// refuses, so that existing placements can be recorded and reported.
  void assign(InstanceId i, MachineId m);
  /// Takes instance i off its machine (no-op when unassigned).
  void unassign(InstanceId i);
  void set_state(MachineId m, MachineState s);

  // ---- undo
  /// Every caller that tries a change and takes it back (what-if checks, reboot waves,
  /// preemption, headroom scenarios) does it through this log instead of copying the cluster
  /// or keeping its own list: undoing costs O(changes), not O(cluster), and gives back the
  /// cluster exactly as it was, down to the order of instances_on() (which decides which
  /// conflicting instance a diagnosis names). While a checkpoint is open, assign, unassign and
  /// set_state record what they overwrite, whoever calls them (the Placer included).
  /// Checkpoints nest last-in first-out; closing the outermost one drops the log.
  ///
  /// version() keeps counting through a rollback on purpose: searchers cache by version, and
  /// a rolled-back cluster must not look like the one their cache was computed on.
  std::size_t checkpoint();
  /// Undoes, newest first, every change recorded after `mark` (a value checkpoint() returned).
  /// The checkpoint stays open: the caller may try again and roll back again.
  void rollback_to(std::size_t mark);
  /// Closes the checkpoint taken at `mark`, keeping its changes: an enclosing checkpoint still
  /// undoes them (a trial nested in a trial hands its changes to the outer one).
  void release(std::size_t mark);
  /// Changes recorded since the outermost open checkpoint.
  std::size_t undo_size() const { return undo_.size(); }

  /// The RAII form: a scope that tries changes. Destroyed without keep(), it rolls back.
  class Undo {
   public:
    explicit Undo(Cluster& cluster) : cluster_(cluster), mark_(cluster.checkpoint()) {}
    Undo(const Undo&) = delete;
    Undo& operator=(const Undo&) = delete;
    ~Undo() {
      if (open_) {
        cluster_.rollback_to(mark_);
        cluster_.release(mark_);
      }
    }
    /// Undoes what was done since construction; stays open for another try.
    void rollback() {
      if (open_) cluster_.rollback_to(mark_);
    }
    /// Keeps every change (an enclosing Undo may still undo them) and closes the scope.
    void keep() {
      if (!open_) return;
      cluster_.release(mark_);
      open_ = false;
    }

   private:
    Cluster& cluster_;
    std::size_t mark_;
    bool open_ = true;
  };

  /// Counts every assign/unassign/set_state, and the machine the last one touched: lets a
  /// searcher keep its ranking across placements when it can tell exactly what changed.
  std::uint64_t version() const { return version_; }
  MachineId last_changed() const { return last_changed_; }
  /// Machines over capacity in some dimension (should always be empty after placement).
  std::vector<MachineId> overcommitted() const;

  /// Units made unresolvable at build (BuildOptions::strict off): the same lines strict mode
  /// throws, in the order found.
  const std::vector<std::string>& problems() const { return problems_; }
  /// Why group g is unresolvable (`[berth.invalid.241] unit w: machine_of: ...`), or "".
  const std::string& problem_of(GroupId g) const;
  /// Problems found while applying existing placements.
  const std::vector<std::string>& warnings() const { return warnings_; }

  /// Records existing placements (instance -> machine) with build()'s checks and warnings:
  /// build() ends with it on the spec's placements. Public for callers that compile a spec
  /// without them and decide from the compiled cluster which ones stand (whatif evicts what
  /// scaled requests no longer fit); call it once, before any other assignment.
  void apply_placements(const std::map<std::string, std::string>& placements);

 private:
  /// Ids by name without a second copy of the names (a hash map of strings kept one per
  /// instance, a million of them at scale): open addressing over 32-bit ids, the names read
  /// from the table the ids index.
  struct NameIndex {
    std::vector<std::uint32_t> slots;  ///< kNone = empty; size a power of two, at most half full
    std::size_t count = 0;
    static std::size_t hash(std::string_view name) { return std::hash<std::string_view>{}(name); }
    template <class NameOf>
    std::uint32_t find(std::string_view name, NameOf&& name_of) const {
      if (slots.empty()) return kNone;
      const std::size_t mask = slots.size() - 1;
      for (std::size_t at = hash(name) & mask;; at = (at + 1) & mask) {
        const std::uint32_t id = slots[at];
        if (id == kNone || name_of(id) == name) return id;
      }
    }
    template <class NameOf>
    void reserve(std::size_t n, NameOf&& name_of) {
      std::size_t size = 16;
      while (size < 2 * n) size *= 2;
      if (size <= slots.size()) return;
      std::vector<std::uint32_t> old(size, kNone);
      old.swap(slots);
      const std::size_t mask = slots.size() - 1;
      for (std::uint32_t id : old) {
        if (id == kNone) continue;
        std::size_t at = hash(name_of(id)) & mask;
        while (slots[at] != kNone) at = (at + 1) & mask;
        slots[at] = id;
      }
    }
    /// False (and nothing inserted) when the name is taken.
    template <class NameOf>
    bool insert(std::uint32_t id, std::string_view name, NameOf&& name_of) {
      if (2 * (count + 1) > slots.size()) reserve(2 * (count + 1), name_of);
      const std::size_t mask = slots.size() - 1;
      std::size_t at = hash(name) & mask;
      for (; slots[at] != kNone; at = (at + 1) & mask) {
        if (name_of(slots[at]) == name) return false;
      }
      slots[at] = id;
      ++count;
      return true;
    }
  };

  struct SpreadIndex {
    std::vector<std::uint32_t> machine_domain;  ///< per machine
    std::vector<std::string> domain_names;
    std::vector<std::int64_t> counts;  ///< per domain
  };

  void add_machines(const Spec& spec);
  /// The units' steps, in the order a unit meets them (strict mode throws the first problem
  /// of the first unit that has one, so every step runs per unit before the next unit's):
  /// take_units keeps them (sorted ports) and sizes the per-unit tables, then per unit
  /// add_requests, resolve_pin (global contradictions, machine_id), add_spread_index and
  /// add_instances; then, once every instance exists, link_machine_of and check_cycles.
  void add_units(std::vector<Unit> units);
  void take_units(std::vector<Unit> units);
  void add_requests(UnitId u);
  /// The machine u is pinned to (kNone: none); sets `contradicts_global` for a global unit that
  /// also follows, pins or replicates.
  MachineId resolve_pin(UnitId u, bool& contradicts_global);
  void add_spread_index(UnitId u);
  void add_instances(UnitId u, bool contradicts_global, MachineId pin);
  void link_machine_of();
  void check_cycles();
  void link_groups();
  /// strict: throws e; otherwise records it against unit u (whose groups become unresolvable)
  /// and returns 1 + the index of u's problem (its first one).
  std::uint32_t contradiction(UnitId u, const ValidationError& e);
  void build_indexes();
  /// Recomputes machine m's utilization and its path in its class tree.
  void refresh(MachineId m);
  /// The counting halves of assign/unassign, without the undo log: attach puts i at position
  /// `pos` of on_machine_[m] (the end for a new assignment, its old place for an undo);
  /// detach returns the position it took i from.
  void attach(InstanceId i, MachineId m, std::size_t pos);
  std::size_t detach(InstanceId i);

  /// One recorded change: what to do to undo it.
  struct Change {
    enum class Kind : std::uint8_t { Assigned, Unassigned, State };
    Kind kind;
    std::uint32_t id;   ///< instance (Assigned, Unassigned) or machine (State)
    std::uint32_t was;  ///< the machine it left (Unassigned) or its old state (State)
    std::uint32_t pos;  ///< its position in that machine's instances_on (Unassigned)
  };
  std::vector<Change> undo_;
  std::uint32_t open_checkpoints_ = 0;

  std::vector<std::string> dimension_names_;
  // machines (struct of arrays)
  std::vector<std::string> machine_names_;
  NameIndex machine_index_;
  std::vector<MachineState> machine_states_;
  std::vector<ClassId> machine_class_;
  std::vector<std::int64_t> allocatable_;
  std::vector<std::int64_t> used_;
  std::vector<std::vector<InstanceId>> on_machine_;
  std::vector<std::uint32_t> conflict_holders_;
  std::vector<Metadata> class_metadata_;
  std::vector<std::vector<Taint>> class_taints_;
  bool soft_taints_ = false;
  std::vector<std::vector<MachineId>> class_members_;
  std::vector<std::uint32_t> class_position_;  ///< per machine: leaf index in its class tree
  detail::ClassTreesHolder trees_;
  std::vector<double> util_;
  // units and instances
  std::vector<Unit> units_;
  std::vector<std::int64_t> requests_;  ///< per unit
  /// Per unit, what the placer asks of it at every decision (kTrait* bits), a byte apiece:
  /// read from the Unit itself, each question cost a cache miss on a large struct.
  std::vector<std::uint8_t> unit_traits_;
  static constexpr std::uint8_t kTraitConflicts = 1;  ///< conflict patterns or host ports
  static constexpr std::uint8_t kTraitPorts = 2;
  static constexpr std::uint8_t kTraitPreferences = 4;
  static constexpr std::uint8_t kTraitSpread = 8;
  std::vector<Instance> instances_;
  NameIndex instance_index_;
  std::vector<MachineId> assignment_;
  std::vector<Group> groups_;
  std::vector<int> spread_slot_;  ///< per unit: index into spread_ or -1
  std::vector<SpreadIndex> spread_;
  /// Compiles the pattern relation (peers_, match_all_) once every unit is known.
  void compile_conflicts();
  /// How unit p's patterns treat unit t's instances, evaluated (the definition the compiled
  /// relation is built from): 1 none, 2 all, 3 per instance.
  std::uint8_t pattern_class(UnitId p, UnitId t) const;
  // The pattern relation, compiled at build (CSR: unit u's peers are
  // peers_[peer_start_[u] .. peer_start_[u + 1])).
  std::vector<std::uint32_t> peer_start_;
  std::vector<ConflictPeer> peers_;
  std::vector<UnitId> match_all_;
  std::vector<std::string> warnings_;
  bool strict_ = true;
  std::vector<std::string> problems_;
  std::vector<std::uint32_t> unit_problem_;  ///< per unit: 1 + index into problems_, 0 = fine
  std::uint64_t version_ = 0;
  MachineId last_changed_ = kNone;
};

}  // namespace berth
