// berth._native: the C++ half of the Python module (docs/python.md). Every function here is a
// thin layer over the library: it takes text (JSON, .vbp) or a path, calls the same library
// functions as the CLI verb of the same name, and returns the very JSON text that verb prints.
// berth/__init__.py turns arguments into text and answers into dicts; nothing here decides
// anything the CLI would decide differently.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <exception>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "berth/allocator_policy.hpp"
#include "berth/error.hpp"
#include "berth/explain/query.hpp"
#include "berth/io/compare_json.hpp"
#include "berth/io/explain_json.hpp"
#include "berth/io/kube.hpp"
#include "berth/io/result_json.hpp"
#include "berth/io/spec_json.hpp"
#include "berth/ops/ops_json.hpp"
#include "berth/ops/reboot_plan.hpp"
#include "berth/pack/run.hpp"
#include "berth/pack/vbp.hpp"
#include "berth/place/cluster.hpp"
#include "berth/place/compare.hpp"
#include "berth/place/place.hpp"
#include "berth/place/placer.hpp"
#include "berth/plan/capacity.hpp"
#include "berth/plan/capacity_report.hpp"
#include "berth/plan/catalogue.hpp"
#include "berth/state/store.hpp"
#if __has_include("berth/plan/placement_html.hpp")
#include "berth/plan/placement_html.hpp"
#define BERTH_PY_HTML 1
#endif

namespace py = pybind11;

namespace {

// ---- errors: berth.Error and its subclasses, created once at import.
struct ErrorTypes {
  py::object base, parse, invalid, usage, store;
};
ErrorTypes* g_errors = nullptr;  // lives as long as the interpreter (never freed on purpose)

// Raises `type` with str() = the CLI's line after "berth: error: " and the stable id as `.id`
// ("berth.invalid.201", without the brackets of the message), `.category`, `.code`, `.detail`.
void raise_berth(const py::object& type, const berth::Error& e) {
  py::object exc = type(e.what());
  std::string id = e.id();
  if (id.size() >= 2 && id.front() == '[' && id.back() == ']') id = id.substr(1, id.size() - 2);
  exc.attr("id") = id;
  exc.attr("category") = e.category();
  exc.attr("code") = e.code();
  exc.attr("detail") = e.detail();
  PyErr_SetObject(type.ptr(), exc.ptr());
}

void translate(std::exception_ptr p) {
  try {
    if (p) std::rethrow_exception(p);
  } catch (const berth::ParseError& e) {
    raise_berth(g_errors->parse, e);
  } catch (const berth::ValidationError& e) {
    raise_berth(g_errors->invalid, e);
  } catch (const berth::UsageError& e) {
    raise_berth(g_errors->usage, e);
  } catch (const berth::StoreError& e) {
    raise_berth(g_errors->store, e);
  } catch (const berth::Error& e) {
    raise_berth(g_errors->base, e);
  }
}

// ---- long work: off the GIL, interruptible with Ctrl-C.
//
// Python runs signal handlers only when the main thread calls PyErr_CheckSignals (with the
// GIL). The library has no cancellation points, so the work runs on a worker thread while the
// calling thread waits without the GIL and checks for signals every 50 ms. On Ctrl-C the call
// raises KeyboardInterrupt at once; the worker owns copies of its inputs, so it finishes (or
// stops at the next cancellation point, where the library offers one: capacity's progress
// callback) in the background and its answer is dropped.
template <class R>
struct Job {
  std::mutex mutex;
  std::condition_variable done_cv;
  bool done = false;
  bool abandoned = false;  // the caller got KeyboardInterrupt and went on without the answer
  std::optional<R> value;
  std::exception_ptr error;
  std::atomic<bool> cancelled{false};
};

struct Cancelled {};  // thrown from a library callback after Ctrl-C; never reaches Python

// Abandoned workers still running. At exit the interpreter waits for them (wait_for_abandoned,
// registered with atexit), so that no static object of the library is destroyed under a
// thread still using it. Never freed: it must outlive every worker.
struct Abandoned {
  std::mutex mutex;
  std::condition_variable cv;
  int running = 0;
  static Abandoned& get() {
    static Abandoned* a = new Abandoned();
    return *a;
  }
};

void wait_for_abandoned() {
  Abandoned& a = Abandoned::get();
  for (;;) {
    {
      py::gil_scoped_release release;
      std::unique_lock<std::mutex> lock(a.mutex);
      if (a.cv.wait_for(lock, std::chrono::milliseconds(50), [&] { return a.running == 0; }))
        return;
    }
    if (PyErr_CheckSignals() != 0) {  // a second Ctrl-C: stop waiting, let the process end
      PyErr_Clear();
      return;
    }
  }
}

template <class R, class F>
R run_long(F work) {
  auto job = std::make_shared<Job<R>>();
  std::thread worker([job, work = std::move(work)]() mutable {
    {
      F body = std::move(work);  // its captures (copies of the inputs) are freed with it
      try {
        job->value.emplace(body(job->cancelled));
      } catch (...) {
        job->error = std::current_exception();
      }
    }
    bool abandoned = false;
    {
      std::lock_guard<std::mutex> lock(job->mutex);
      job->done = true;
      abandoned = job->abandoned;
    }
    job->done_cv.notify_all();
    if (abandoned) {
      job->value.reset();  // nobody will read it
      job->error = nullptr;
      Abandoned& a = Abandoned::get();
      std::lock_guard<std::mutex> lock(a.mutex);
      --a.running;
      a.cv.notify_all();
    }
  });
  bool interrupted = false;
  {
    py::gil_scoped_release release;
    std::unique_lock<std::mutex> lock(job->mutex);
    while (!job->done_cv.wait_for(lock, std::chrono::milliseconds(50), [&] { return job->done; })) {
      lock.unlock();
      {
        py::gil_scoped_acquire acquire;
        // Non-zero: a handler raised (KeyboardInterrupt for SIGINT); the error stays set.
        interrupted = PyErr_CheckSignals() != 0;
      }
      if (interrupted) break;
      lock.lock();
    }
  }
  if (interrupted) {
    bool finished = false;
    {
      std::lock_guard<std::mutex> lock(job->mutex);
      finished = job->done;
      if (!finished) {
        job->abandoned = true;
        job->cancelled = true;
        Abandoned& a = Abandoned::get();
        std::lock_guard<std::mutex> count(a.mutex);
        ++a.running;
      }
    }
    if (finished)
      worker.join();
    else
      worker.detach();
    throw py::error_already_set();
  }
  worker.join();
  if (job->error) std::rethrow_exception(job->error);
  return std::move(*job->value);
}

// ---- inputs. `is_path`: `text` names a file (read as the CLI reads it), else it is the text.
berth::Spec load_spec(const std::string& text, bool is_path) {
  return is_path ? berth::read_spec_file(text) : berth::parse_spec_json(text, "<spec>");
}

// nlohmann value -> Python value, as json.loads would give it (objects in key order).
py::object to_python(const nlohmann::json& j) {
  switch (j.type()) {
    case nlohmann::json::value_t::null:
    case nlohmann::json::value_t::discarded:
      return py::none();
    case nlohmann::json::value_t::boolean:
      return py::bool_(j.get<bool>());
    case nlohmann::json::value_t::number_integer:
      return py::int_(j.get<std::int64_t>());
    case nlohmann::json::value_t::number_unsigned:
      return py::int_(j.get<std::uint64_t>());
    case nlohmann::json::value_t::number_float: {
      const double x = j.get<double>();
      if (!std::isfinite(x)) return py::none();  // nlohmann writes null
      return py::float_(x);
    }
    case nlohmann::json::value_t::string:
      return py::str(j.get_ref<const std::string&>());
    case nlohmann::json::value_t::array: {
      py::list out(j.size());
      std::size_t k = 0;
      for (const auto& v : j) out[k++] = to_python(v);
      return out;
    }
    case nlohmann::json::value_t::object: {
      py::dict out;
      for (const auto& [key, v] : j.items()) out[py::str(key)] = to_python(v);
      return out;
    }
    case nlohmann::json::value_t::binary:
      break;
  }
  throw std::logic_error("berth: unexpected JSON value");
}

// berth.place: the dict `berth place --format json` prints. Everything but the two maps that
// grow with the cluster comes from the CLI's own writer (placement_to_json), so fields added
// there appear here too; `placements` and `utilization` (one entry per instance and per
// machine) are built straight from the result, because at 100k machines writing them as text
// and parsing that back with json.loads took a third of the call. tests/python/test_place.py
// checks the whole dict against the CLI's output, byte for byte after json.dumps(sort_keys).
berth::PlaceOptions place_options(const std::string& strategy, bool preempt, bool strict) {
  berth::PlaceOptions options = berth::place_options_for(strategy);
  options.preempt = preempt;  // the CLI's --preempt
  options.strict = strict;    // the CLI's --strict
  return options;
}

py::dict place_dict(const std::string& spec, bool is_path, const std::string& strategy,
                    bool preempt, bool strict) {
  berth::PlacementResult result = run_long<berth::PlacementResult>([=](const std::atomic<bool>&) {
    const berth::PlaceOptions options = place_options(strategy, preempt, strict);
    return berth::place(load_spec(spec, is_path), options);
  });
  // Hundreds of thousands of new dicts would trigger Python's cyclic collector over and over
  // (each pass scanning every object the program holds); none of them can form a cycle.
#if PY_VERSION_HEX >= 0x030A0000
  struct PauseGc {
    bool was = PyGC_Disable() != 0;
    ~PauseGc() {
      if (was) PyGC_Enable();
    }
  } pause_gc;
#endif
  berth::PlacementResult big;
  big.placements.swap(result.placements);
  big.utilization.swap(result.utilization);
  py::dict out =
      to_python(berth::placement_to_json(result));  // pending, warnings, ... ; maps empty

  // Raw C API from here: pybind11's item proxies cost a generic lookup and two reference
  // counts per entry, a tenth of the call at 100k machines. Machine and dimension names repeat,
  // so each becomes one Python string (the one json.loads would share too is the key only).
  auto str = [](const std::string& s) {
    PyObject* o = PyUnicode_FromStringAndSize(s.data(), static_cast<Py_ssize_t>(s.size()));
    if (o == nullptr) throw py::error_already_set();
    return py::reinterpret_steal<py::object>(o);
  };
  auto set = [](PyObject* dict, PyObject* key, PyObject* value) {
    if (PyDict_SetItem(dict, key, value) != 0) throw py::error_already_set();
  };
  std::unordered_map<std::string_view, py::object> machine_names;
  machine_names.reserve(big.utilization.size() + 16);
  auto machine_name = [&](const std::string& m) -> PyObject* {
    auto it = machine_names.find(m);
    if (it == machine_names.end()) it = machine_names.emplace(m, str(m)).first;
    return it->second.ptr();
  };
  py::dict placements;
  for (const auto& [unit, machine] : big.placements)
    set(placements.ptr(), str(unit).ptr(), machine_name(machine));
  std::unordered_map<std::string_view, py::object> dim_names;
  py::dict utilization;
  for (const auto& [machine, dims] : big.utilization) {
    py::object u = py::reinterpret_steal<py::object>(PyDict_New());
    if (!u) throw py::error_already_set();
    for (const auto& [dim, value] : dims) {
      auto it = dim_names.find(dim);
      if (it == dim_names.end()) it = dim_names.emplace(dim, str(dim)).first;
      py::object v = std::isfinite(value)
                         ? py::reinterpret_steal<py::object>(PyFloat_FromDouble(value))
                         : py::none();
      if (!v) throw py::error_already_set();
      set(u.ptr(), it->second.ptr(), v.ptr());
    }
    set(utilization.ptr(), machine_name(machine), u.ptr());
  }
  out["placements"] = std::move(placements);
  out["utilization"] = std::move(utilization);
  return out;
}

#ifdef BERTH_PY_HTML
std::string place_html(const std::string& spec, bool is_path, const std::string& strategy,
                       const std::string& group_by, bool preempt, bool strict) {
  return run_long<std::string>([=](const std::atomic<bool>&) {
    const berth::PlaceOptions options = place_options(strategy, preempt, strict);
    const berth::Spec s = load_spec(spec, is_path);
    const berth::PlacementResult result = berth::place(s, options);
    berth::plan::PlacementHtmlOptions html;
    html.group_by = group_by;
    html.strategy = berth::strategy_name(options);
    return berth::plan::placement_html(s, result, html);
  });
}
#endif

std::string compare_json(const std::string& spec, bool is_path, const std::string& strategies) {
  return run_long<std::string>([=](const std::atomic<bool>&) {
    const std::vector<std::string> names = berth::parse_strategy_list(strategies);
    const auto rows = berth::compare_strategies(load_spec(spec, is_path), names);
    return berth::compare_to_json(rows).dump(2);
  });
}

std::string explain_json(const std::string& spec, bool is_path, const std::string& unit,
                         const std::string& machine, const std::string& strategy) {
  return run_long<std::string>([=](const std::atomic<bool>&) {
    const berth::StrategyKind kind = berth::parse_strategy(strategy);
    return berth::explain_to_json(
               berth::explain_placement(load_spec(spec, is_path), unit, machine, kind))
        .dump(2);
  });
}

std::string pack_json(const std::string& vbp, bool is_path, const std::string& strategy,
                      std::optional<double> time_limit, bool exact, std::uint64_t seed,
                      std::uint64_t iterations) {
  return run_long<std::string>([=](const std::atomic<bool>&) {
    berth::pack::PackRequest request;
    request.strategy = strategy;
    request.time_given = time_limit.has_value();
    request.time_limit = time_limit.value_or(1.0);
    request.exact = exact;
    request.seed = seed;
    request.iterations = iterations;
    berth::pack::check_pack_request(request);  // option errors before file errors, as the CLI
    const berth::pack::Instance instance =
        is_path ? berth::pack::load_vbp(vbp) : berth::pack::parse_vbp(vbp, "<instance>");
    return berth::pack::pack_to_json(berth::pack::run_pack(instance, request), request).dump();
  });
}

std::string capacity_json(const std::string& workload, bool workload_is_path,
                          const std::string& catalogue, bool catalogue_is_path,
                          const std::string& headroom, const std::string& zone_key,
                          const std::string& strategy, std::uint64_t iterations,
                          std::optional<double> time_limit, std::uint64_t seed,
                          std::size_t max_scenarios) {
  return run_long<std::string>([=](const std::atomic<bool>& cancelled) {
    const berth::Spec spec = load_spec(workload, workload_is_path);
    const berth::plan::Catalogue types =
        catalogue_is_path ? berth::plan::read_catalogue_file(catalogue)
                          : berth::plan::parse_catalogue_json(catalogue, "<catalogue>");
    berth::plan::CapacityOptions options;
    options.headroom = berth::plan::Headroom::parse(headroom, zone_key);
    options.strategy = berth::parse_strategy(strategy);
    options.seed = seed;
    options.max_scenarios = max_scenarios;
    if (time_limit) {  // as the CLI's --time-limit: replaces the iteration budget
      options.max_iterations = 0;
      options.time_limit = *time_limit;
    } else {
      options.max_iterations = iterations;
    }
    // The planner reports progress often; after Ctrl-C it is where the abandoned work stops.
    options.progress = [&cancelled](std::string_view, std::size_t, std::size_t) {
      if (cancelled) throw Cancelled{};
    };
    const berth::plan::CapacityPlan plan = berth::plan::plan_capacity(spec, types, options);
    const berth::plan::ClusterReport report = berth::plan::report_of(plan, types);
    return berth::plan::capacity_to_json(plan, report).dump(2);
  });
}

std::string reboot_plan_json(const std::string& spec, bool is_path, const std::string& machines,
                             int max_unavailable, const std::vector<std::string>& budgets,
                             const std::string& zone_key, const std::string& strategy) {
  return run_long<std::string>([=](const std::atomic<bool>&) {
    berth::ops::OpsOptions options;
    options.strategy = berth::parse_strategy(strategy);
    options.zone_key = zone_key;
    for (const auto& b : budgets) options.budgets.push_back(berth::ops::parse_budget(b));
    berth::ops::RebootOptions reboot;
    reboot.max_unavailable = max_unavailable;
    const berth::ops::RebootPlan plan =
        berth::ops::plan_reboot_for_spec(load_spec(spec, is_path), machines, reboot, options);
    return berth::ops::reboot_plan_to_json(plan).dump(2);
  });
}

// Each document is (name, text), or ("", path) for a file to read.
using KubeInput = std::vector<std::pair<std::string, std::string>>;

std::pair<std::string, std::string> import_kube_json(const KubeInput& nodes,
                                                     const KubeInput& pods) {
  return run_long<std::pair<std::string, std::string>>([=](const std::atomic<bool>&) {
    if (nodes.empty() && pods.empty()) {
      throw berth::ValidationError(278, "import kube",
                                   "give --nodes FILE... and/or --pods FILE...");
    }
    // A document without a name is a file to read (read_text_file: usage.301 when it cannot).
    auto documents = [](const KubeInput& in) {
      std::vector<berth::KubeDocument> out;
      for (const auto& [name, value] : in) {
        if (name.empty())
          out.push_back({value, berth::read_text_file(value)});
        else
          out.push_back({name, value});
      }
      return out;
    };
    const berth::KubeImport result = berth::import_kube_text(documents(nodes), documents(pods));
    return std::make_pair(berth::write_spec_json(result.spec), berth::kube_import_summary(result));
  });
}

// `berth --store URL state export`: the stored cluster as a spec.
std::string state_export_json(const std::string& url) {
  return run_long<std::string>([=](const std::atomic<bool>&) {
    return berth::write_spec_json(berth::state::open_store(url)->snapshot().spec);
  });
}

// ---- the object API: a compiled cluster driven step by step (simulations, trace replays).
//
// The Python object owns a Cluster and a Placer on it. Calls are short (microseconds) and keep
// the GIL, which also keeps two Python threads from mutating one cluster at once; only
// place_pending, which can be long, lets the GIL go (the object's mutex still serialises it).
class PyCluster {
 public:
  PyCluster(const std::string& spec, bool is_path, const std::string& strategy, bool strict)
      : cluster_(std::make_unique<berth::Cluster>(
            berth::Cluster::build(load_spec(spec, is_path), berth::BuildOptions{strict}))),
        placer_(std::make_unique<berth::Placer>(*cluster_, berth::parse_strategy(strategy))) {}

  std::vector<std::string> machines() const {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<std::string> out;
    for (berth::MachineId m = 0; m < cluster_->machine_count(); ++m)
      out.push_back(cluster_->machine_name(m));
    return out;
  }
  std::vector<std::string> instances() const {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<std::string> out;
    for (berth::InstanceId i = 0; i < cluster_->instance_count(); ++i)
      out.push_back(cluster_->instance(i).name);
    return out;
  }
  std::vector<std::string> dimensions() const { return cluster_->dimension_names(); }

  std::optional<std::string> select(const std::string& unit) {
    std::lock_guard<std::mutex> lock(mutex_);
    return name_of(placer_->select(group_of(unit)));
  }
  bool fits(const std::string& unit, const std::string& machine) {
    std::lock_guard<std::mutex> lock(mutex_);
    return placer_->fits(group_of(unit), machine_id(machine));
  }
  std::optional<std::string> place(const std::string& unit) {
    std::lock_guard<std::mutex> lock(mutex_);
    return name_of(placer_->place_group(group_of(unit)));
  }
  void assign(const std::string& unit, const std::string& machine) {
    std::lock_guard<std::mutex> lock(mutex_);
    cluster_->assign(instance_id(unit), machine_id(machine));
  }
  void unassign(const std::string& unit) {
    std::lock_guard<std::mutex> lock(mutex_);
    cluster_->unassign(instance_id(unit));
  }
  void set_state(const std::string& machine, const std::string& state) {
    std::lock_guard<std::mutex> lock(mutex_);
    const auto parsed = berth::parse_machine_state(state);
    if (!parsed) {
      throw berth::UsageError(398, "unknown machine state \"" + state +
                                       "\" (expected up, draining, down or rebooting)");
    }
    cluster_->set_state(machine_id(machine), *parsed);
  }
  std::string state(const std::string& machine) const {
    std::lock_guard<std::mutex> lock(mutex_);
    return berth::to_string(cluster_->machine_state(machine_id(machine)));
  }
  std::optional<std::string> machine_of(const std::string& unit) const {
    std::lock_guard<std::mutex> lock(mutex_);
    return name_of(cluster_->assignment(instance_id(unit)));
  }
  /// The diagnosis `berth place` reports for a pending instance (a `pending[]` entry), computed
  /// for the instance's group as the cluster is now.
  std::string diagnose(const std::string& unit) {
    std::lock_guard<std::mutex> lock(mutex_);
    berth::Diagnosis diagnosis;
    placer_->select(group_of(unit), &diagnosis);
    return berth::diagnosis_to_json(diagnosis).dump();
  }
  std::string place_pending() {
    std::unique_lock<std::mutex> lock(mutex_, std::defer_lock);
    std::vector<berth::Diagnosis> pending;
    {
      py::gil_scoped_release release;
      lock.lock();
      pending = placer_->place_pending();
    }
    nlohmann::json out = nlohmann::json::array();
    for (const auto& d : pending) out.push_back(berth::diagnosis_to_json(d));
    return out.dump();
  }
  std::map<std::string, std::string> placements() const {
    std::lock_guard<std::mutex> lock(mutex_);
    std::map<std::string, std::string> out;
    for (berth::InstanceId i = 0; i < cluster_->instance_count(); ++i) {
      const berth::MachineId m = cluster_->assignment(i);
      if (m != berth::kNone) out.emplace(cluster_->instance(i).name, cluster_->machine_name(m));
    }
    return out;
  }
  std::map<std::string, std::int64_t> amounts(const std::string& machine, int which) const {
    std::lock_guard<std::mutex> lock(mutex_);
    const berth::MachineId m = machine_id(machine);
    std::map<std::string, std::int64_t> out;
    for (std::size_t d = 0; d < cluster_->dims(); ++d) {
      const std::int64_t alloc = cluster_->allocatable(m)[d];
      const std::int64_t used = cluster_->used(m)[d];
      out[cluster_->dimension_names()[d]] = which == 0 ? alloc : which == 1 ? used : alloc - used;
    }
    return out;
  }
  std::vector<std::string> overcommitted() const {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<std::string> out;
    for (berth::MachineId m : cluster_->overcommitted()) out.push_back(cluster_->machine_name(m));
    return out;
  }
  std::uint64_t version() const { return cluster_->version(); }
  std::vector<std::string> warnings() const { return cluster_->warnings(); }

 private:
  // Unknown names are the errors `berth explain` gives for them (usage.306 / 307).
  berth::InstanceId instance_id(const std::string& unit) const {
    berth::InstanceId i = cluster_->find_instance(unit);
    if (i == berth::kNone) i = cluster_->find_instance(unit + "@1");
    if (i == berth::kNone) throw berth::UsageError(306, "no unit instance named \"" + unit + "\"");
    return i;
  }
  berth::GroupId group_of(const std::string& unit) const {
    return cluster_->instance(instance_id(unit)).group;
  }
  berth::MachineId machine_id(const std::string& machine) const {
    const berth::MachineId m = cluster_->find_machine(machine);
    if (m == berth::kNone) throw berth::UsageError(307, "no machine named \"" + machine + "\"");
    return m;
  }
  std::optional<std::string> name_of(berth::MachineId m) const {
    if (m == berth::kNone) return std::nullopt;
    return cluster_->machine_name(m);
  }

  mutable std::mutex mutex_;
  std::unique_ptr<berth::Cluster> cluster_;  // the Placer keeps a reference: never moves
  std::unique_ptr<berth::Placer> placer_;
};

py::object new_error(py::module_& m, const char* name, const py::object& base, const char* doc) {
  PyObject* type =
      PyErr_NewExceptionWithDoc((std::string("berth.") + name).c_str(), doc, base.ptr(), nullptr);
  if (type == nullptr) throw py::error_already_set();
  py::object t = py::reinterpret_steal<py::object>(type);
  m.attr(name) = t;
  return t;
}

}  // namespace

PYBIND11_MODULE(_native, m) {
  m.doc() = "berth's C++ half; use the berth package (docs/python.md).";

  g_errors = new ErrorTypes();
  g_errors->base =
      new_error(m, "Error", py::reinterpret_borrow<py::object>(PyExc_Exception),
                "Base of every berth error; .id is the stable id (berth.invalid.201).");
  g_errors->parse =
      new_error(m, "ParseError", g_errors->base, "The input could not be read at all (ids 1xx).");
  g_errors->invalid = new_error(m, "InvalidInput", g_errors->base,
                                "Well-formed input that means something impossible (ids 2xx).");
  g_errors->usage = new_error(m, "UsageError", g_errors->base, "berth was used wrongly (ids 3xx).");
  g_errors->store = new_error(m, "StoreError", g_errors->base, "A state store failed (ids 4xx).");
  py::register_exception_translator(&translate);

  m.def("place", &place_dict, py::arg("spec"), py::arg("is_path"), py::arg("strategy"),
        py::arg("preempt"), py::arg("strict"));
#ifdef BERTH_PY_HTML
  m.def("place_html", &place_html, py::arg("spec"), py::arg("is_path"), py::arg("strategy"),
        py::arg("group_by"), py::arg("preempt"), py::arg("strict"));
#endif
  m.def("compare", &compare_json, py::arg("spec"), py::arg("is_path"), py::arg("strategies"));
  m.def("explain", &explain_json, py::arg("spec"), py::arg("is_path"), py::arg("unit"),
        py::arg("machine"), py::arg("strategy"));
  m.def("pack", &pack_json, py::arg("instance"), py::arg("is_path"), py::arg("strategy"),
        py::arg("time_limit"), py::arg("exact"), py::arg("seed"), py::arg("iterations"));
  m.def("capacity", &capacity_json, py::arg("workload"), py::arg("workload_is_path"),
        py::arg("catalogue"), py::arg("catalogue_is_path"), py::arg("headroom"),
        py::arg("zone_key"), py::arg("strategy"), py::arg("iterations"), py::arg("time_limit"),
        py::arg("seed"), py::arg("max_scenarios"));
  m.def("reboot_plan", &reboot_plan_json, py::arg("spec"), py::arg("is_path"), py::arg("machines"),
        py::arg("max_unavailable"), py::arg("budgets"), py::arg("zone_key"), py::arg("strategy"));
  m.def("import_kube", &import_kube_json, py::arg("nodes"), py::arg("pods"));
  m.def("state_export", &state_export_json, py::arg("store"));
  m.def(
      "use_cli_allocator_policy",
      [] {
        berth::AllocatorPolicy policy;
        policy.single_arena = true;  // the work runs on worker threads: give them the same heap
        return berth::use_cli_allocator_policy(policy);
      },
      "Opt-in: this process's malloc gets the CLI's policy (no fast bins, a main heap on "
      "transparent huge pages, "
      "one arena). Returns False where glibc has no such controls.");
  m.def("_wait_for_abandoned", &wait_for_abandoned,
        "Waits for computations abandoned after Ctrl-C (registered with atexit).");
  m.def("strategies", [] { return berth::all_strategy_names(); });
  m.def("online_strategies", [] { return berth::strategy_names(); });

  py::class_<PyCluster>(m, "Cluster")
      // Compiling a large spec takes a while and touches no Python object: without the GIL.
      .def(py::init<const std::string&, bool, const std::string&, bool>(), py::arg("spec"),
           py::arg("is_path"), py::arg("strategy"), py::arg("strict"),
           py::call_guard<py::gil_scoped_release>())
      .def_property_readonly("machines", &PyCluster::machines)
      .def_property_readonly("instances", &PyCluster::instances)
      .def_property_readonly("dimensions", &PyCluster::dimensions)
      .def_property_readonly("version", &PyCluster::version)
      .def_property_readonly("warnings", &PyCluster::warnings)
      .def("select", &PyCluster::select, py::arg("unit"))
      .def("fits", &PyCluster::fits, py::arg("unit"), py::arg("machine"))
      .def("place", &PyCluster::place, py::arg("unit"))
      .def("assign", &PyCluster::assign, py::arg("unit"), py::arg("machine"))
      .def("unassign", &PyCluster::unassign, py::arg("unit"))
      .def("set_state", &PyCluster::set_state, py::arg("machine"), py::arg("state"))
      .def("state", &PyCluster::state, py::arg("machine"))
      .def("machine_of", &PyCluster::machine_of, py::arg("unit"))
      .def("_diagnose", &PyCluster::diagnose, py::arg("unit"))
      .def("_place_pending", &PyCluster::place_pending)
      .def("placements", &PyCluster::placements)
      .def(
          "allocatable", [](const PyCluster& c, const std::string& m) { return c.amounts(m, 0); },
          py::arg("machine"))
      .def(
          "used", [](const PyCluster& c, const std::string& m) { return c.amounts(m, 1); },
          py::arg("machine"))
      .def(
          "free", [](const PyCluster& c, const std::string& m) { return c.amounts(m, 2); },
          py::arg("machine"))
      .def("overcommitted", &PyCluster::overcommitted);
}
