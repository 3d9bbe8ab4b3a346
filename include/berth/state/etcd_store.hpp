#pragma once
/// \file etcd v3 through its JSON gateway (HTTP): for several schedulers sharing one cluster.
///
/// Key layout (keys and values are base64 on the wire, UTF-8 JSON at rest):
///   /berth/machines/<name>      a machine as in the spec (docs/spec.md)
///   /berth/units/<name>         a unit as in the spec
///   /berth/placements/<inst>    {"machine": "<name>"}
///   /berth/alive/<name>         {"lease": "<id>"}, attached to the machine's lease
///   /berth/leased/<name>        {"ttl": N}: the machine's liveness is lease-tracked
///   /berth/revision             {}: re-put by every berth txn (snapshots catch up to it)
/// A commit is one txn per chunk (a plan larger than one txn is split, grouped by machine):
/// mod_revision compares on every machine and unit key the chunk touches, create_revision <
/// base + 1 over each run of placement keys it creates, and on success the puts and deletes plus a
/// re-put of every touched machine key (so its mod_revision records the change). Reads page through
/// keys (`range_page` keys per request). See docs/stores.md.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "berth/export.hpp"
#include "berth/state/store.hpp"

namespace berth::state {

struct BERTH_API EtcdOptions {
  /// Endpoints, e.g. {"http://127.0.0.1:2379"}; tried in turn when one fails.
  std::vector<std::string> endpoints;
  /// Key prefix (no trailing slash).
  std::string prefix = "/berth";
  /// How long to keep retrying while the store is unreachable before giving up (404).
  std::chrono::milliseconds outage_budget{30000};
  /// The same, before the store was ever reached (a typo'd endpoint should fail fast).
  std::chrono::milliseconds first_contact_budget{3000};
  /// Receives one line when an outage starts and when it ends; default: standard error.
  std::function<void(const std::string&)> on_outage;
  /// The server's --max-txn-ops (etcd's default): operations per list (compares, success,
  /// failure) of one txn. Chunks stay within it.
  std::size_t max_txn_ops = 128;
  /// The server's --max-request-bytes (etcd's default 1.5 MiB). Chunks are sized so that the
  /// JSON body sent (larger than the protobuf etcd measures) stays 64 KiB under it.
  std::size_t max_request_bytes = 1536 * 1024;
  /// Keys per range request when reading the whole prefix (snapshots, exports).
  std::size_t range_page = 2000;
};

/// A store in etcd v3 (3.4's gateway at /v3/), at etcd's default limits: plans larger than one
/// txn are committed in chunks grouped by machine; a single machine's changes larger than one
/// txn are error 410; a request etcd refuses is error 405 saying which limit.
class BERTH_API EtcdStore final : public StateStore {
 public:
  explicit EtcdStore(EtcdOptions options);
  ~EtcdStore() override;
  EtcdStore(const EtcdStore&) = delete;
  EtcdStore& operator=(const EtcdStore&) = delete;

  std::string name() const override;
  Snapshot snapshot() override;
  CommitResult commit(const Plan& plan, const Snapshot& base) override;
  std::int64_t revision() override;
  /// Uses etcd's watch on the prefix.
  std::int64_t wait_for_change(std::int64_t since, std::chrono::milliseconds timeout) override;

  /// Marks `machine` as lease-tracked and announces it alive under a new lease of `ttl`;
  /// returns the lease id. While the lease lives the machine is as stored; once it expires
  /// (or is revoked) snapshots report the machine Down.
  std::int64_t announce_alive(const std::string& machine, std::chrono::seconds ttl);
  /// Renews a lease from announce_alive; false when it already expired.
  bool keep_alive(std::int64_t lease);
  /// Ends a lease now (the machine is reported Down at once).
  void revoke(std::int64_t lease);

 private:
  struct Impl;
  struct Cache;  // decoded keys as of a revision: snapshots read only what changed since
  std::unique_ptr<Impl> impl_;
  std::unique_ptr<Cache> cache_;
};

}  // namespace berth::state
