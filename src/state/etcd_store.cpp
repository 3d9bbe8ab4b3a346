#include "berth/state/etcd_store.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "berth/error.hpp"
#include "detail.hpp"

#if __has_include(<httplib.h>)
#include <httplib.h>
#define BERTH_HAVE_HTTPLIB 1
#endif

namespace berth::state {

using nlohmann::json;

#ifdef BERTH_HAVE_HTTPLIB

namespace {

constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string b64_encode(const std::string& in) {
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    unsigned v = (static_cast<unsigned char>(in[i]) << 16) |
                 (static_cast<unsigned char>(in[i + 1]) << 8) | static_cast<unsigned char>(in[i + 2]);
    out += kB64[(v >> 18) & 63];
    out += kB64[(v >> 12) & 63];
    out += kB64[(v >> 6) & 63];
    out += kB64[v & 63];
  }
  if (i + 1 == in.size()) {
    unsigned v = static_cast<unsigned char>(in[i]) << 16;
    out += kB64[(v >> 18) & 63];
    out += kB64[(v >> 12) & 63];
    out += "==";
  } else if (i + 2 == in.size()) {
    unsigned v = (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8);
    out += kB64[(v >> 18) & 63];
    out += kB64[(v >> 12) & 63];
    out += kB64[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

// Returns false on a character outside the alphabet.
bool b64_decode(const std::string& in, std::string& out) {
  out.clear();
  out.reserve(in.size() / 4 * 3);
  unsigned v = 0;
  int bits = 0;
  for (char c : in) {
    int d;
    if (c >= 'A' && c <= 'Z') d = c - 'A';
    else if (c >= 'a' && c <= 'z') d = c - 'a' + 26;
    else if (c >= '0' && c <= '9') d = c - '0' + 52;
    else if (c == '+' || c == '-') d = 62;
    else if (c == '/' || c == '_') d = 63;
    else if (c == '=') break;
    else return false;
    v = (v << 6) | static_cast<unsigned>(d);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((v >> bits) & 0xff);
    }
  }
  return true;
}

// grpc-gateway writes int64 as strings and leaves zero values out.
std::int64_t i64(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return 0;
  if (it->is_string()) return std::stoll(it->get<std::string>());
  if (it->is_number()) return it->get<std::int64_t>();
  return 0;
}

// The end of the key range that holds every key starting with `prefix`.
std::string prefix_end(std::string prefix) {
  while (!prefix.empty()) {
    auto& c = prefix.back();
    if (static_cast<unsigned char>(c) < 0xff) {
      ++c;
      return prefix;
    }
    prefix.pop_back();
  }
  return std::string(1, '\0');
}

void default_outage_report(const std::string& line) { std::fprintf(stderr, "berth: %s\n", line.c_str()); }

}  // namespace

struct EtcdStore::Impl {
  EtcdOptions opts;
  std::string name;
  std::mutex mutex;  // guards the clients and the caches below
  std::size_t current = 0;
  std::vector<std::unique_ptr<httplib::Client>> clients;
  bool contacted = false;
  /// Raw machine records of the last snapshot: name -> (mod_revision, value).
  std::map<std::string, std::pair<std::int64_t, std::string>> machine_raw;
  /// Lease-tracked machines as of the last snapshot.
  std::set<std::string> leased;

  std::string key(const std::string& kind, const std::string& n) const {
    return opts.prefix + "/" + kind + "/" + n;
  }

  httplib::Client& client(std::size_t i) {
    if (!clients[i]) {
      clients[i] = std::make_unique<httplib::Client>(opts.endpoints[i]);
      clients[i]->set_connection_timeout(std::chrono::seconds(2));
      clients[i]->set_read_timeout(std::chrono::seconds(20));
      clients[i]->set_write_timeout(std::chrono::seconds(20));
      clients[i]->set_keep_alive(true);
      clients[i]->set_tcp_nodelay(true);  // else Nagle + delayed ACK add ~40 ms per request
    }
    return *clients[i];
  }

  /// One gateway call with the outage policy: transient failures (refused, reset, 5xx) are
  /// retried, rotating endpoints, until the budget runs out. `ambiguous` is set when a request
  /// may have been applied although no answer came back.
  json call(const std::string& path, const json& body, bool* ambiguous = nullptr) {
    const std::string text = body.dump();
    auto start = std::chrono::steady_clock::now();
    bool reported = false;
    auto backoff = std::chrono::milliseconds(50);
    std::lock_guard lock(mutex);
    for (;;) {
      std::string problem;
      {
        auto res = client(current).Post(path.c_str(), text, "application/json");
        if (res) {
          if (res->status == 200) {
            auto j = json::parse(res->body, nullptr, false);
            if (j.is_discarded()) {
              throw StoreError(405, name, fmt::format("{} answered {} with something that is not JSON",
                                                      opts.endpoints[current], path));
            }
            if (reported) {
              report(fmt::format("store {}: reachable again after {:.1f}s", name, seconds_since(start)));
            }
            contacted = true;
            return j;
          }
          auto err = json::parse(res->body, nullptr, false);
          std::string msg = res->body;
          if (!err.is_discarded() && err.is_object()) {
            msg = err.value("message", err.value("error", res->body));
          }
          // While etcd shuts down or elects a leader its gateway answers 4xx/5xx with these.
          bool transient = res->status >= 500 || res->status == 408 || res->status == 429 ||
                           msg.find("closing") != std::string::npos ||
                           msg.find("leader") != std::string::npos ||
                           msg.find("timed out") != std::string::npos ||
                           msg.find("unavailable") != std::string::npos;
          if (!transient) {
            if (msg.find("too many operations") != std::string::npos) {
              msg += " (the plan needs more operations than etcd's --max-txn-ops allows; raise it "
                     "or place fewer units per command)";
            }
            throw StoreError(405, name, fmt::format("etcd refused {}: {}", path, msg));
          }
          problem = fmt::format("HTTP {}: {}", res->status, msg);
          if (ambiguous) *ambiguous = true;
        } else {
          auto e = res.error();
          problem = e == httplib::Error::Connection ? "connection refused or no route"
                    : e == httplib::Error::ConnectionTimeout ? "connection timed out"
                    : e == httplib::Error::Read ? "connection lost while reading"
                    : httplib::to_string(e);
          if (e != httplib::Error::Connection && ambiguous) *ambiguous = true;
          clients[current].reset();  // a fresh connection next time
        }
      }
      double waited = seconds_since(start);
      auto budget = contacted ? opts.outage_budget : opts.first_contact_budget;
      if (waited * 1000.0 >= static_cast<double>(budget.count())) {
        throw StoreError(404, name,
                         fmt::format("unreachable at {} ({}); gave up after {:.1f}s",
                                     opts.endpoints[current], problem, waited));
      }
      if (!reported && contacted) {
        report(fmt::format("store {}: unreachable at {} ({}); retrying for up to {}s", name,
                           opts.endpoints[current], problem, budget.count() / 1000));
        reported = true;
      }
      current = (current + 1) % opts.endpoints.size();
      std::this_thread::sleep_for(backoff);
      backoff = std::min(backoff * 2, std::chrono::milliseconds(1000));
    }
  }

  void report(const std::string& line) const {
    if (opts.on_outage) opts.on_outage(line);
    else default_outage_report(line);
  }

  static double seconds_since(std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
  }

  /// Streams the watch history of the prefix from `from` and hands each event to `apply`
  /// until an event at revision `until` or later has been applied; false when that does not
  /// happen (compacted history, error, 5 s without it).
  bool watch_history(std::int64_t from, std::int64_t until,
                     const std::function<void(const json&)>& apply) {
    std::string endpoint;
    {
      std::lock_guard lock(mutex);
      endpoint = opts.endpoints[current];
    }
    const std::string root = opts.prefix + "/";
    httplib::Client cli(endpoint);
    cli.set_connection_timeout(std::chrono::seconds(2));
    cli.set_read_timeout(std::chrono::seconds(5));
    cli.set_tcp_nodelay(true);
    httplib::Request req;
    req.method = "POST";
    req.path = "/v3/watch";
    req.set_header("Content-Type", "application/json");
    req.body = json{{"create_request",
                     {{"key", b64_encode(root)},
                      {"range_end", b64_encode(prefix_end(root))},
                      {"start_revision", std::to_string(from)}}}}
                   .dump();
    std::string buffer;
    bool done = false, failed = false;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    req.content_receiver = [&](const char* data, std::size_t len, std::uint64_t, std::uint64_t) {
      buffer.append(data, len);
      std::size_t nl;
      while (!done && !failed && (nl = buffer.find('\n')) != std::string::npos) {
        json msg = json::parse(buffer.substr(0, nl), nullptr, false);
        buffer.erase(0, nl + 1);
        if (msg.is_discarded()) continue;
        const json& r = msg.contains("result") ? msg["result"] : msg;
        if (i64(r, "compact_revision") > 0 || r.value("canceled", false)) {
          failed = true;
          break;
        }
        if (!r.contains("events")) continue;
        for (const auto& ev : r["events"]) {
          apply(ev);
          if (i64(ev.at("kv"), "mod_revision") >= until) done = true;
        }
      }
      return !done && !failed && std::chrono::steady_clock::now() < deadline;
    };
    httplib::Response res;
    httplib::Error err = httplib::Error::Success;
    cli.send(req, res, err);
    return done && !failed;
  }

  json range_prefix(const std::string& prefix, bool count_only = false) {
    json body{{"key", b64_encode(prefix)}, {"range_end", b64_encode(prefix_end(prefix))}};
    if (count_only) body["count_only"] = true;
    return call("/v3/kv/range", body);
  }

  std::string decode(const json& kv, const char* field) {
    std::string out;
    if (!b64_decode(kv.value(field, std::string()), out)) {
      throw StoreError(405, name, "etcd sent a key or value that is not base64");
    }
    return out;
  }
};

EtcdStore::EtcdStore(EtcdOptions options)
    : impl_(std::make_unique<Impl>()), cache_(std::make_unique<Cache>()) {
  impl_->opts = std::move(options);
  if (impl_->opts.endpoints.empty()) throw StoreError(406, "etcd:", "no etcd endpoint given");
  std::string joined;
  for (const auto& e : impl_->opts.endpoints) joined += (joined.empty() ? "" : ",") + e;
  impl_->name = "etcd:" + joined;
  impl_->clients.resize(impl_->opts.endpoints.size());
}

EtcdStore::~EtcdStore() = default;

std::string EtcdStore::name() const { return impl_->name; }

namespace {

/// One stored key, decoded once and kept until it changes.
struct Entry {
  enum Kind { kMachine, kUnit, kPlacement, kAlive, kLeased, kOther } kind = kOther;
  std::string name;
  std::int64_t mod_revision = 0;
  std::string raw;  ///< machines only: the stored record, re-put verbatim by commits
  std::optional<Machine> machine;
  std::optional<Unit> unit;
  std::string placed_on;
};

}  // namespace

struct EtcdStore::Cache {
  std::mutex mutex;
  std::int64_t revision = 0;  ///< every key below is as of this revision (0: empty cache)
  std::map<std::string, Entry> entries;  ///< full key -> entry
};

Snapshot EtcdStore::snapshot() {
  Impl& d = *impl_;
  Cache& c = *cache_;
  const std::string root = d.opts.prefix + "/";
  std::lock_guard cache_lock(c.mutex);

  auto decode_entry = [&](const json& kv) {
    std::string key = d.decode(kv, "key");
    Entry e;
    e.mod_revision = i64(kv, "mod_revision");
    std::string rel = key.substr(root.size());
    auto slash = rel.find('/');
    if (slash == std::string::npos) return std::make_pair(key, e);  // not berth's kind: ignored
    std::string kind = rel.substr(0, slash);
    e.name = rel.substr(slash + 1);
    std::string where = "key " + key;
    if (kind == "machines") {
      e.kind = Entry::kMachine;
      e.raw = d.decode(kv, "value");
      e.machine = detail::machine_from_json(detail::parse_record(e.raw, d.name, where), d.name, where);
      if (e.machine->name != e.name) throw StoreError(403, d.name, where + " holds machine " + e.machine->name);
    } else if (kind == "units") {
      e.kind = Entry::kUnit;
      e.unit = detail::unit_from_json(detail::parse_record(d.decode(kv, "value"), d.name, where), d.name, where);
      if (e.unit->name != e.name) throw StoreError(403, d.name, where + " holds unit " + e.unit->name);
    } else if (kind == "placements") {
      e.kind = Entry::kPlacement;
      json j = detail::parse_record(d.decode(kv, "value"), d.name, where);
      if (!j.is_object() || !j.contains("machine") || !j["machine"].is_string()) {
        throw StoreError(403, d.name, where + " is not berth's JSON (expected {\"machine\": NAME})");
      }
      e.placed_on = j["machine"].get<std::string>();
    } else if (kind == "alive") {
      e.kind = Entry::kAlive;
    } else if (kind == "leased") {
      e.kind = Entry::kLeased;
    }
    return std::make_pair(key, e);
  };

  json range{{"key", b64_encode(root)}, {"range_end", b64_encode(prefix_end(root))}};
  bool reloaded = true;
  if (c.revision > 0) {
    // Catch up from the cached revision through etcd's watch history, which costs what changed
    // (a range would make etcd read every key). Every berth txn also bumps <prefix>/revision,
    // so its mod_revision says up to which revision the watch must deliver. The key count read
    // at the same revision catches deletions the watch did not show (expired leases).
    json counted = range;
    counted["count_only"] = true;
    json marker{{"key", b64_encode(d.opts.prefix + "/revision")}};
    json res = d.call("/v3/kv/txn", {{"success", json::array({{{"request_range", counted}},
                                                              {{"request_range", marker}}})}});
    std::int64_t rev = i64(res["header"], "revision");
    const json& rs = res.at("responses");
    std::int64_t count = i64(rs.at(0).at("response_range"), "count");
    const json& mk = rs.at(1).at("response_range");
    std::int64_t last = mk.contains("kvs") ? i64(mk["kvs"][0], "mod_revision") : 0;
    bool caught_up = last <= c.revision;
    if (!caught_up) {
      caught_up = d.watch_history(c.revision + 1, last, [&](const json& ev) {
        const json& kv = ev.at("kv");
        if (ev.value("type", std::string("PUT")) == "DELETE") {
          c.entries.erase(d.decode(kv, "key"));
        } else {
          auto [key, e] = decode_entry(kv);
          c.entries[key] = std::move(e);
        }
      });
    }
    if (caught_up && static_cast<std::int64_t>(c.entries.size()) == count) {
      c.revision = rev;
      reloaded = false;
    }
  }
  if (reloaded) {
    json res = d.call("/v3/kv/range", range);
    std::map<std::string, Entry> entries;
    if (res.contains("kvs")) {
      for (const auto& kv : res["kvs"]) {
        auto [key, e] = decode_entry(kv);
        entries[key] = std::move(e);
      }
    }
    c.entries = std::move(entries);
    // An empty prefix has nothing to refresh from: keep revision 0 so the next read is full.
    c.revision = c.entries.empty() ? 0 : i64(res["header"], "revision");
    if (c.entries.empty()) {
      Snapshot empty;
      empty.revision = i64(res["header"], "revision");
      std::lock_guard lock(d.mutex);
      d.machine_raw.clear();
      d.leased.clear();
      return empty;
    }
  }

  Snapshot snap;
  snap.revision = c.revision;
  std::set<std::string> alive, leased;
  for (const auto& [key, e] : c.entries) {
    if (e.kind == Entry::kAlive) alive.insert(e.name);
    if (e.kind == Entry::kLeased) leased.insert(e.name);
  }
  std::map<std::string, std::pair<std::int64_t, std::string>> raw;
  for (const auto& [key, e] : c.entries) {
    switch (e.kind) {
      case Entry::kMachine: {
        snap.machine_revisions[e.name] = e.mod_revision;
        raw[e.name] = {e.mod_revision, e.raw};
        snap.spec.machines.push_back(*e.machine);
        // A lease-tracked machine whose lease expired is down, whatever its record says.
        if (leased.count(e.name) && !alive.count(e.name)) snap.spec.machines.back().state = MachineState::Down;
        break;
      }
      case Entry::kUnit:
        snap.unit_revisions[e.name] = e.mod_revision;
        snap.spec.units.push_back(*e.unit);
        break;
      case Entry::kPlacement: snap.spec.placements.emplace_hint(snap.spec.placements.end(), e.name, e.placed_on); break;
      default: break;
    }
  }
  std::lock_guard lock(d.mutex);
  d.machine_raw = std::move(raw);
  d.leased = std::move(leased);
  return snap;
}

CommitResult EtcdStore::commit(const Plan& plan, const Snapshot& base) {
  Impl& d = *impl_;
  detail::Touched touched = detail::touched_by(plan, base);
  CommitResult out;
  out.revision = base.revision;

  // etcd cannot run our checks inside its transaction, so they run here against the base, and
  // the txn's compares guarantee that everything they read is still what is stored.
  out.problems = detail::validate(plan, detail::view_of(base, plan, touched), touched);
  if (!out.problems.empty()) {
    out.status = CommitStatus::Rejected;
    return out;
  }

  auto rev_in = [](const std::map<std::string, std::int64_t>& revs, const std::string& n) {
    auto it = revs.find(n);
    return it == revs.end() ? std::int64_t{0} : it->second;
  };
  json compare = json::array(), success = json::array(), failure = json::array();
  auto put = [&](const std::string& key, const std::string& value) {
    success.push_back({{"request_put", {{"key", b64_encode(key)}, {"value", b64_encode(value)}}}});
  };
  auto probe = [&](const std::string& key) {
    failure.push_back({{"request_range", {{"key", b64_encode(key)}}}});
  };

  // Machines after the plan, as they will be written.
  std::map<std::string, std::string> machine_values;
  std::map<std::string, std::pair<std::int64_t, std::string>> raw;
  std::set<std::string> leased;
  {
    std::lock_guard lock(d.mutex);
    raw = d.machine_raw;
    leased = d.leased;
  }
  std::map<std::string, Machine> redefined;
  for (const auto& m : plan.machines) redefined[m.name] = m;
  for (const auto& [n, st] : plan.machine_states) {
    auto it = redefined.find(n);
    if (it == redefined.end()) {
      // Take the stored record, not the snapshot's (which may show a lease-expired machine down).
      auto r = raw.find(n);
      if (r == raw.end() || r->second.first != rev_in(base.machine_revisions, n)) {
        out.status = CommitStatus::Conflict;
        out.conflicting_machines.push_back(n);
        return out;
      }
      Machine m = detail::machine_from_json(detail::parse_record(r->second.second, d.name, n), d.name, n);
      it = redefined.emplace(n, std::move(m)).first;
    }
    it->second.state = st;
  }
  for (const auto& [n, m] : redefined) machine_values[n] = detail::machine_to_json(m).dump();

  for (const auto& m : touched.machines) {
    std::string key = d.key("machines", m);
    std::int64_t base_rev = rev_in(base.machine_revisions, m);
    compare.push_back({{"target", "MOD"}, {"result", "EQUAL"}, {"key", b64_encode(key)},
                       {"mod_revision", std::to_string(base_rev)}});
    probe(key);
    auto v = machine_values.find(m);
    if (v != machine_values.end()) {
      put(key, v->second);
    } else if (base_rev != 0) {
      // Re-put the unchanged record so that the key's mod_revision records this commit.
      auto r = raw.find(m);
      if (r == raw.end() || r->second.first != base_rev) {
        json got = d.call("/v3/kv/range", {{"key", b64_encode(key)}});
        if (!got.contains("kvs") || i64(got["kvs"][0], "mod_revision") != base_rev) {
          out.status = CommitStatus::Conflict;
          out.conflicting_machines.push_back(m);
          return out;
        }
        put(key, d.decode(got["kvs"][0], "value"));
      } else {
        put(key, r->second.second);
      }
    }
  }
  for (const auto& u : touched.units) {
    std::string key = d.key("units", u);
    compare.push_back({{"target", "MOD"}, {"result", "EQUAL"}, {"key", b64_encode(key)},
                       {"mod_revision", std::to_string(rev_in(base.unit_revisions, u))}});
    probe(key);
  }
  for (const auto& i : touched.new_instances) {
    std::string key = d.key("placements", i);
    // create_revision == 0: the key does not exist, so nobody placed this instance meanwhile.
    compare.push_back({{"target", "CREATE"}, {"result", "EQUAL"}, {"key", b64_encode(key)},
                       {"create_revision", "0"}});
    probe(key);
  }
  std::set<std::string> alive_checked;
  for (const auto& [inst, m] : plan.assignments) {
    if (leased.count(m) && alive_checked.insert(m).second) {
      // The machine's lease must still be alive when the assignment lands.
      compare.push_back({{"target", "VERSION"}, {"result", "GREATER"},
                         {"key", b64_encode(d.key("alive", m))}, {"version", "0"}});
    }
  }
  // The marker snapshots catch up to (see snapshot()).
  put(d.opts.prefix + "/revision", "{}");
  for (const auto& u : plan.units) put(d.key("units", u.name), detail::unit_to_json(u).dump());
  for (const auto& inst : plan.evictions) {
    success.push_back({{"request_delete_range", {{"key", b64_encode(d.key("placements", inst))}}}});
  }
  for (const auto& [inst, m] : plan.assignments) {
    put(d.key("placements", inst), json{{"machine", m}}.dump());
  }

  bool ambiguous = false;
  json res = d.call("/v3/kv/txn", {{"compare", compare}, {"success", success}, {"failure", failure}},
                    &ambiguous);
  out.revision = i64(res["header"], "revision");
  if (res.value("succeeded", false)) return out;

  // Refused: the failure branch read every compared key, so say exactly what changed.
  const auto& responses = res.contains("responses") ? res["responses"] : json::array();
  std::size_t k = 0;
  auto probed = [&]() -> json {
    if (k >= responses.size()) return json::object();
    const json& r = responses[k++];
    const json& rr = r.contains("response_range") ? r["response_range"] : json::object();
    return rr.contains("kvs") && !rr["kvs"].empty() ? rr["kvs"][0] : json::object();
  };
  for (const auto& m : touched.machines) {
    if (i64(probed(), "mod_revision") != rev_in(base.machine_revisions, m)) out.conflicting_machines.push_back(m);
  }
  for (const auto& u : touched.units) {
    if (i64(probed(), "mod_revision") != rev_in(base.unit_revisions, u)) out.conflicting_units.push_back(u);
  }
  bool all_ours = !touched.new_instances.empty();
  for (const auto& i : touched.new_instances) {
    json kv = probed();
    if (kv.empty()) {
      all_ours = false;
      continue;
    }
    out.conflicting_instances.push_back(i);
    json v = json::parse(d.decode(kv, "value"), nullptr, false);
    if (v.is_discarded() || !v.is_object() || v.value("machine", "") != plan.assignments.at(i)) all_ours = false;
  }
  if (ambiguous && all_ours) {
    // An earlier try of this very txn was applied before the connection broke: it is committed.
    out.conflicting_machines.clear();
    out.conflicting_units.clear();
    out.conflicting_instances.clear();
    return out;
  }
  if (out.conflicting_machines.empty() && out.conflicting_units.empty() &&
      out.conflicting_instances.empty()) {
    for (const auto& m : alive_checked) out.conflicting_machines.push_back(m + " (lease expired)");
  }
  out.status = CommitStatus::Conflict;
  return out;
}

std::int64_t EtcdStore::revision() {
  json res = impl_->range_prefix(impl_->opts.prefix + "/", true);
  return i64(res["header"], "revision");
}

std::int64_t EtcdStore::wait_for_change(std::int64_t since, std::chrono::milliseconds timeout) {
  Impl& d = *impl_;
  std::int64_t now = revision();
  if (now > since || timeout.count() <= 0) return now;
  std::string endpoint;
  {
    std::lock_guard lock(d.mutex);
    endpoint = d.opts.endpoints[d.current];
  }
  const std::string root = d.opts.prefix + "/";
  httplib::Client cli(endpoint);
  cli.set_connection_timeout(std::chrono::seconds(2));
  cli.set_read_timeout(timeout);
  httplib::Request req;
  req.method = "POST";
  req.path = "/v3/watch";
  req.set_header("Content-Type", "application/json");
  req.body = json{{"create_request",
                   {{"key", b64_encode(root)},
                    {"range_end", b64_encode(prefix_end(root))},
                    {"start_revision", std::to_string(since + 1)}}}}
                 .dump();
  std::string buffer;
  bool changed = false;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  req.content_receiver = [&](const char* data, std::size_t len, std::uint64_t, std::uint64_t) {
    buffer.append(data, len);
    std::size_t nl;
    while ((nl = buffer.find('\n')) != std::string::npos) {
      json msg = json::parse(buffer.substr(0, nl), nullptr, false);
      buffer.erase(0, nl + 1);
      if (msg.is_discarded()) continue;
      const json& r = msg.contains("result") ? msg["result"] : msg;
      if ((r.contains("events") && !r["events"].empty()) || i64(r, "compact_revision") > 0 ||
          r.value("canceled", false)) {
        changed = true;
      }
    }
    return !changed && std::chrono::steady_clock::now() < deadline;
  };
  httplib::Response res;
  httplib::Error err = httplib::Error::Success;
  cli.send(req, res, err);
  (void)changed;  // either way the revision below is the answer
  return revision();
}

std::int64_t EtcdStore::announce_alive(const std::string& machine, std::chrono::seconds ttl) {
  Impl& d = *impl_;
  json grant = d.call("/v3/lease/grant", {{"TTL", std::to_string(ttl.count())}});
  std::int64_t id = i64(grant, "ID");
  if (id == 0) throw StoreError(405, d.name, "etcd granted no lease: " + grant.dump());
  json success = json::array();
  success.push_back({{"request_put",
                      {{"key", b64_encode(d.key("leased", machine))},
                       {"value", b64_encode(json{{"ttl", ttl.count()}}.dump())}}}});
  success.push_back({{"request_put",
                      {{"key", b64_encode(d.key("alive", machine))},
                       {"value", b64_encode(json{{"lease", std::to_string(id)}}.dump())},
                       {"lease", std::to_string(id)}}}});
  success.push_back({{"request_put",
                      {{"key", b64_encode(d.opts.prefix + "/revision")}, {"value", b64_encode("{}")}}}});
  d.call("/v3/kv/txn", {{"success", success}});
  return id;
}

bool EtcdStore::keep_alive(std::int64_t lease) {
  Impl& d = *impl_;
  // The gateway's keepalive is a stream; one request, one answer is all a renewal needs.
  std::string endpoint;
  {
    std::lock_guard lock(d.mutex);
    endpoint = d.opts.endpoints[d.current];
  }
  httplib::Client cli(endpoint);
  cli.set_connection_timeout(std::chrono::seconds(2));
  cli.set_read_timeout(std::chrono::seconds(5));
  httplib::Request req;
  req.method = "POST";
  req.path = "/v3/lease/keepalive";
  req.set_header("Content-Type", "application/json");
  req.body = json{{"ID", std::to_string(lease)}}.dump();
  std::string buffer;
  std::int64_t ttl = -1;
  req.content_receiver = [&](const char* data, std::size_t len, std::uint64_t, std::uint64_t) {
    buffer.append(data, len);
    auto nl = buffer.find('\n');
    json msg = json::parse(nl == std::string::npos ? buffer : buffer.substr(0, nl), nullptr, false);
    if (msg.is_discarded()) return true;
    const json& r = msg.contains("result") ? msg["result"] : msg;
    ttl = i64(r, "TTL");
    return false;
  };
  httplib::Response res;
  httplib::Error err = httplib::Error::Success;
  cli.send(req, res, err);
  if (ttl < 0) {
    throw StoreError(404, d.name, fmt::format("lease keep-alive got no answer from {} ({})", endpoint,
                                              httplib::to_string(err)));
  }
  return ttl > 0;
}

void EtcdStore::revoke(std::int64_t lease) {
  impl_->call("/v3/lease/revoke", {{"ID", std::to_string(lease)}});
}

#else  // built without cpp-httplib

struct EtcdStore::Impl {};
struct EtcdStore::Cache {};
EtcdStore::EtcdStore(EtcdOptions) {
  throw StoreError(406, "etcd:", "this berth was built without etcd support (BERTH_WITH_ETCD=OFF)");
}
EtcdStore::~EtcdStore() = default;
std::string EtcdStore::name() const { return "etcd:"; }
Snapshot EtcdStore::snapshot() { return {}; }
CommitResult EtcdStore::commit(const Plan&, const Snapshot&) { return {}; }
std::int64_t EtcdStore::revision() { return 0; }
std::int64_t EtcdStore::wait_for_change(std::int64_t since, std::chrono::milliseconds) { return since; }
std::int64_t EtcdStore::announce_alive(const std::string&, std::chrono::seconds) { return 0; }
bool EtcdStore::keep_alive(std::int64_t) { return false; }
void EtcdStore::revoke(std::int64_t) {}

#endif

}  // namespace berth::state
