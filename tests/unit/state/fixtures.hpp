#pragma once
// Shared by the state tests: a real etcd on free loopback ports, temporary directories, and
// small specs.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "berth/error.hpp"
#include "berth/state/etcd_store.hpp"
#include "berth/state/memory_store.hpp"
#include "berth/state/sqlite_store.hpp"
#include "support/builders.hpp"

namespace berth::state::testing {

/// A fresh directory under /tmp, removed when destroyed.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "berth-state-XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string file(const std::string& name) const { return (path_ / name).string(); }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

/// A loopback port nobody listens on right now.
inline int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

/// A real etcd server at etcd's default limits (128 operations per txn, 1.5 MiB requests, as
/// real clusters run): only its data dir and listen URLs are set. Stopped (and its data removed)
/// when destroyed. `ok()` is false, with a reason, where etcd cannot start.
class EtcdServer {
 public:
  EtcdServer() : client_port_(free_port()), peer_port_(free_port()) { start(); }
  ~EtcdServer() { stop(); }

  bool ok() const { return ok_; }
  const std::string& reason() const { return reason_; }
  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(client_port_); }
  std::string url() const { return "etcd:" + endpoint(); }

  EtcdOptions options() const {
    EtcdOptions o;
    o.endpoints = {endpoint()};
    o.outage_budget = std::chrono::seconds(20);
    o.on_outage = [](const std::string&) {};
    return o;
  }

  /// Starts (again, on the same data and ports).
  void start() {
    std::string bin = "/usr/bin/etcd";
    if (::access(bin.c_str(), X_OK) != 0) {
      reason_ = "etcd is not installed (/usr/bin/etcd; Debian package etcd-server)";
      return;
    }
    std::string client = endpoint();
    std::string peer = "http://127.0.0.1:" + std::to_string(peer_port_);
    std::string log = dir_.file("etcd.log");
    pid_ = ::fork();
    if (pid_ == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // a crashed test leaves no etcd behind
      int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      std::string data = "--data-dir=" + dir_.file("data");
      std::string lc = "--listen-client-urls=" + client, ac = "--advertise-client-urls=" + client;
      std::string lp = "--listen-peer-urls=" + peer, ap = "--initial-advertise-peer-urls=" + peer;
      std::string ic = "--initial-cluster=default=" + peer;
      ::execl(bin.c_str(), "etcd", data.c_str(), lc.c_str(), ac.c_str(), lp.c_str(), ap.c_str(),
              ic.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    // Ready when a range answers.
    EtcdOptions o = options();
    o.first_contact_budget = std::chrono::milliseconds(200);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        reason_ = "etcd exited at start; see its log";
        return;
      }
      try {
        EtcdStore probe(o);
        probe.revision();
        ok_ = true;
        return;
      } catch (const berth::Error&) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
    }
    reason_ = "etcd did not answer within 15 s";
    stop();
  }

  /// Stops the server (SIGTERM, then SIGKILL); its data stays for start().
  void stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    for (int i = 0; i < 100; ++i) {
      if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
        pid_ = -1;
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

 private:
  TempDir dir_;
  int client_port_;
  int peer_port_;
  pid_t pid_ = -1;
  bool ok_ = false;
  std::string reason_;
};

/// One etcd for every test in the binary that does not need its own (started on first use).
inline EtcdServer& shared_etcd() {
  static EtcdServer server;
  return server;
}

// machine(name, cpu, mem) and unit(name, cpu, mem, replicas): the shared builders.
using berth::testing::machine;
using berth::testing::unit;

/// Fails when any machine holds more than its allocatable capacity; returns the worst line.
inline std::string overcommit_of(const Spec& spec) {
  std::map<std::string, const Unit*> units;
  for (const auto& u : spec.units) units.emplace(u.name, &u);
  std::map<std::string, Resources> used;
  for (const auto& [inst, m] : spec.placements) {
    std::string u = units.count(inst) ? inst : inst.substr(0, inst.rfind('@'));
    if (units.count(u)) used[m] += units.at(u)->requests;
  }
  for (const auto& m : spec.machines) {
    if (!used[m.name].fits_in(m.allocatable())) return m.name + " is overcommitted";
  }
  return "";
}

// One factory per store, for TEMPLATE_TEST_CASEs that run the same case on every store.
struct MemoryFactory {
  std::string skip() const { return ""; }
  std::unique_ptr<StateStore> make() { return std::make_unique<MemoryStore>(); }
};

struct SqliteFactory {
  TempDir dir;
  std::string path = dir.file("berth.db");
  std::string skip() const { return ""; }
  std::unique_ptr<StateStore> make() { return std::make_unique<SqliteStore>(path); }
};

struct EtcdFactory {
  // Each test gets its own key prefix in the one shared etcd, so tests never see each other.
  std::string prefix = [] {
    static std::atomic<int> n{0};
    return "/test" + std::to_string(::getpid()) + "-" + std::to_string(n++) + "/berth";
  }();
  std::string skip() const {
    return shared_etcd().ok() ? "" : "etcd tests skipped: " + shared_etcd().reason();
  }
  std::unique_ptr<StateStore> make() {
    EtcdOptions o = shared_etcd().options();
    o.prefix = prefix;
    return std::make_unique<EtcdStore>(o);
  }
};

}  // namespace berth::state::testing

#define SKIP_IF_UNAVAILABLE(f)               \
  if (auto why = (f).skip(); !why.empty()) { \
    WARN(why);                               \
    return;                                  \
  }
