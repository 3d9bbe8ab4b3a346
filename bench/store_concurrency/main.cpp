// Several scheduler processes placing one shared queue of units into one etcd-backed cluster
// at once (issue 6). Checks the end state (no overcommit, no instance placed twice, every
// committed assignment stored) and reports conflicts and throughput.
//
//   berth_bench_store_concurrency [--units N] [--workers W] [--batch B] [--machines M]
//                                 [--store etcd:http://HOST:PORT | sqlite:PATH] [--strategy S]
// Without --store it starts its own etcd at etcd's default limits (only its data dir and listen
// URLs: 128 operations per txn, 1.5 MiB requests), as real clusters run; big plans are
// committed in chunks (docs/stores.md).
#include <fmt/format.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <string>

#include "../../tests/unit/state/fixtures.hpp"
#include "berth/state/store.hpp"

using namespace berth;
using namespace berth::state;

namespace {

struct Args {
  int units = 20000;
  int workers = 4;
  int batch = 100;
  int machines = 5000;
  std::string store;
  std::string strategy = "best-fit";
};

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--units")
      a.units = std::stoi(v);
    else if (k == "--workers")
      a.workers = std::stoi(v);
    else if (k == "--batch")
      a.batch = std::stoi(v);
    else if (k == "--machines")
      a.machines = std::stoi(v);
    else if (k == "--store")
      a.store = v;
    else if (k == "--strategy")
      a.strategy = v;
    else {
      std::fprintf(stderr, "unknown option %s\n", k.c_str());
      std::exit(1);
    }
  }
  return a;
}

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

int main(int argc, char** argv) {
  Args args = parse(argc, argv);
  std::unique_ptr<state::testing::EtcdServer> server;
  EtcdOptions opts;
  if (args.store.empty()) {
    server = std::make_unique<state::testing::EtcdServer>();
    if (!server->ok()) {
      std::fprintf(stderr, "cannot start etcd: %s\n", server->reason().c_str());
      return 1;
    }
    opts = server->options();
  } else if (args.store.rfind("etcd:", 0) == 0) {
    opts.endpoints = {args.store.substr(5)};
  }
  opts.prefix = fmt::format("/bench{}/berth", ::getpid());
  const bool etcd = args.store.empty() || args.store.rfind("etcd:", 0) == 0;
  auto make_store = [&]() -> std::unique_ptr<StateStore> {
    if (etcd) return std::make_unique<EtcdStore>(opts);
    return open_store(args.store);
  };

  // Machines sized so that the units fill ~94% of the cluster's CPU: the end is a tight fit.
  const std::int64_t unit_cpu = 75, unit_mem = 256LL << 20;
  const std::int64_t machine_cpu =
      (args.units * unit_cpu * 100 / 94 + args.machines - 1) / args.machines;
  auto setup = std::chrono::steady_clock::now();
  {
    auto owned = make_store();
    StateStore& store = *owned;
    Plan p;
    for (int i = 0; i < args.machines; ++i)
      p.machines.push_back(
          state::testing::machine(fmt::format("m{:04}", i), machine_cpu, 1LL << 40));
    if (!store.commit(p, store.snapshot()).committed()) return 1;
    for (int b = 0; b < args.units; b += 500) {
      Plan u;
      for (int k = b; k < std::min(args.units, b + 500); ++k)
        u.units.push_back(state::testing::unit(fmt::format("u{:06}", k), unit_cpu, unit_mem));
      if (!store.commit(u, store.snapshot()).committed()) return 1;
    }
  }

  std::printf("setup: %d machines and %d units committed (in chunks) in %.1f s\n", args.machines,
              args.units, seconds_since(setup));
  std::fflush(stdout);
  state::testing::TempDir dir;
  auto t0 = std::chrono::steady_clock::now();
  std::vector<pid_t> pids;
  for (int w = 0; w < args.workers; ++w) {
    pid_t pid = ::fork();
    if (pid == 0) {
      try {
        auto owned = make_store();
        StateStore& store = *owned;
        PendingOptions o;
        o.batch = static_cast<std::size_t>(args.batch);
        o.place = place_options_for(args.strategy);
        o.worker = static_cast<std::size_t>(w);
        o.workers = static_cast<std::size_t>(args.workers);
        auto start = std::chrono::steady_clock::now();
        PendingResult r = place_pending(store, o);
        std::ofstream out(dir.file(fmt::format("w{}", w)));
        out << r.conflicts << " " << r.commits << " " << r.attempts << " " << seconds_since(start)
            << " " << r.snapshot_seconds << " " << r.place_seconds << " " << r.commit_seconds << " "
            << r.chunks << " " << r.chunks_retried << "\n";
        for (const auto& [inst, m] : r.committed) out << inst << " " << m << "\n";
        out.close();
        ::_exit(out ? 0 : 1);
      } catch (const std::exception& e) {
        std::fprintf(stderr, "worker %d: %s\n", w, e.what());
        ::_exit(1);
      }
    }
    pids.push_back(pid);
  }
  bool ok = true;
  for (pid_t pid : pids) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    ok = ok && WIFEXITED(status) && WEXITSTATUS(status) == 0;
  }
  double wall = seconds_since(t0);

  std::map<std::string, std::string> committed;
  int conflicts = 0, commits = 0, attempts = 0, doubles = 0, chunks = 0, retried = 0;
  for (int w = 0; w < args.workers; ++w) {
    std::ifstream in(dir.file(fmt::format("w{}", w)));
    int c = 0, n = 0, a = 0, ch = 0, rt = 0;
    double secs = 0, snap = 0, placing = 0, commit = 0;
    in >> c >> n >> a >> secs >> snap >> placing >> commit >> ch >> rt;
    std::printf(
        "worker %d: %d commits (%d chunks, %d retried), %d conflicts, %d attempts, %.3f s "
        "(snapshots %.3f s, placing %.3f s, commits %.3f s)\n",
        w, n, ch, rt, c, a, secs, snap, placing, commit);
    chunks += ch;
    retried += rt;
    conflicts += c;
    commits += n;
    attempts += a;
    std::string inst, m;
    while (in >> inst >> m) doubles += committed.emplace(inst, m).second ? 0 : 1;
  }
  Snapshot s = make_store()->snapshot();
  std::string over = state::testing::overcommit_of(s.spec);
  int missing = 0;
  for (const auto& [inst, m] : committed) {
    auto it = s.spec.placements.find(inst);
    if (it == s.spec.placements.end() || it->second != m) ++missing;
  }
  std::printf("store %s\n", etcd ? "etcd" : args.store.c_str());
  std::printf("%d workers, %d units, %d machines, batch %d, %s: %.3f s wall, %.0f units/s\n",
              args.workers, args.units, args.machines, args.batch, args.strategy.c_str(), wall,
              args.units / wall);
  std::printf(
      "commits %d (%d txn chunks, %d chunks retried), conflicts retried %d (%.2f per "
      "commit), attempts %d\n",
      commits, chunks, retried, conflicts, commits ? static_cast<double>(conflicts) / commits : 0.0,
      attempts);
  std::printf(
      "stored placements %zu of %d; overcommit: %s; double placements: %d; committed but "
      "not stored: %d\n",
      s.spec.placements.size(), args.units, over.empty() ? "none" : over.c_str(), doubles, missing);
  bool good = ok && over.empty() && doubles == 0 && missing == 0 &&
              s.spec.placements.size() == static_cast<std::size_t>(args.units);
  std::printf("%s\n", good ? "OK" : "FAILED");
  return good ? 0 : 1;
}
