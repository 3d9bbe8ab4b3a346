#include "berth/state/etcd_store.hpp"

#include <fmt/format.h>

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "berth/error.hpp"
#include "berth/io/spec_json.hpp"
#include "detail.hpp"

// BERTH_HAVE_HTTPLIB comes from CMake (BERTH_WITH_ETCD), not from finding the header: a system
// with httplib.h installed but the option off must still build the store that says so (406).
#ifdef BERTH_HAVE_HTTPLIB
#include <httplib.h>
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
                 (static_cast<unsigned char>(in[i + 1]) << 8) |
                 static_cast<unsigned char>(in[i + 2]);
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
    unsigned v =
        (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8);
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
    if (c >= 'A' && c <= 'Z')
      d = c - 'A';
    else if (c >= 'a' && c <= 'z')
      d = c - 'a' + 26;
    else if (c >= '0' && c <= '9')
      d = c - '0' + 52;
    else if (c == '+' || c == '-')
      d = 62;
    else if (c == '/' || c == '_')
      d = 63;
    else if (c == '=')
      break;
    else
      return false;
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

/// etcd's gateway streams a watch as one JSON message per line, split across reads at any byte.
/// Appends `data` to `buffer` and hands each complete message's result (its "result" member, or
/// the message itself) to `on_result`, until that returns false; returns whether it never did.
template <class OnResult>
bool for_each_stream_result(std::string& buffer, const char* data, std::size_t len,
                            OnResult&& on_result) {
  buffer.append(data, len);
  std::size_t nl;
  while ((nl = buffer.find('\n')) != std::string::npos) {
    json msg = json::parse(buffer.substr(0, nl), nullptr, false);
    buffer.erase(0, nl + 1);
    if (msg.is_discarded()) continue;
    const json& r = msg.contains("result") ? msg["result"] : msg;
    if (!on_result(r)) return false;
  }
  return true;
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

void default_outage_report(const std::string& line) {
  std::fprintf(stderr, "berth: %s\n", line.c_str());
}

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
  /// One commit() call, step by step (defined with commit()).
  struct Commit;

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
      httplib::Response answer;
      httplib::Error failure = httplib::Error::Success;
      if (send_once(path, text, answer, failure)) {
        if (answer.status == 200) {
          auto j = json::parse(answer.body, nullptr, false);
          if (j.is_discarded()) {
            throw StoreError(405, name,
                             fmt::format("{} answered {} with something that is not JSON",
                                         opts.endpoints[current], path));
          }
          if (reported) {
            report(
                fmt::format("store {}: reachable again after {:.1f}s", name, seconds_since(start)));
          }
          contacted = true;
          return j;
        }
        problem = transient_refusal(path, body, text, answer);
        if (ambiguous) *ambiguous = true;
      } else {
        problem = connection_problem(failure);
        if (failure != httplib::Error::Connection && ambiguous) *ambiguous = true;
        clients[current].reset();  // a fresh connection next time
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

  /// Posts `text` to the current endpoint once. True: an answer came (in `answer`, any
  /// status); false: none, `failure` says why.
  bool send_once(const std::string& path, const std::string& text, httplib::Response& answer,
                 httplib::Error& failure) {
    // etcd's gateway answers every refusal (HTTP 4xx/5xx) with a chunked body followed by
    // a trailer (Grpc-Trailer-Content-Type), which cpp-httplib 0.11 cannot parse: it
    // reports a read error after it has read the status line and the whole body. So the
    // body is collected as it arrives, and a read error after a complete error answer is
    // that answer (this made every refused request look like "connection lost").
    httplib::Request req;
    req.method = "POST";
    req.path = path;
    req.set_header("Content-Type", "application/json");
    req.body = text;
    std::string received;
    req.content_receiver = [&received](const char* data, std::size_t len, std::uint64_t,
                                       std::uint64_t) {
      received.append(data, len);
      return true;
    };
    bool sent = client(current).send(req, answer, failure);
    if (!sent && failure == httplib::Error::Read && answer.status >= 400 &&
        json::accept(received)) {
      clients[current].reset();  // the connection is in an unknown state: a fresh one next time
      sent = true;
    }
    answer.body = std::move(received);
    return sent;
  }

  /// An answer other than 200: throws StoreError 405 unless retrying may help, and then
  /// returns the problem to report.
  std::string transient_refusal(const std::string& path, const json& body, const std::string& text,
                                const httplib::Response& res) const {
    auto err = json::parse(res.body, nullptr, false);
    std::string msg = res.body;
    if (!err.is_discarded() && err.is_object()) {
      msg = err.value("message", err.value("error", res.body));
    }
    // While etcd shuts down or elects a leader its gateway answers 4xx/5xx with these.
    bool transient =
        res.status >= 500 || res.status == 408 || res.status == 429 ||
        msg.find("closing") != std::string::npos || msg.find("leader") != std::string::npos ||
        msg.find("timed out") != std::string::npos || msg.find("unavailable") != std::string::npos;
    // etcd's refusals of a request that is too big (found against etcd 3.4 at its
    // defaults): over --max-txn-ops it answers 400 "etcdserver: too many operations in
    // txn request"; between --max-request-bytes and that plus 512 KiB, 400 "etcdserver:
    // request is too large"; above, its gRPC layer answers 429 "grpc: received message
    // larger than max (N vs. M)". None of them goes away by retrying.
    bool too_many = msg.find("too many operations") != std::string::npos;
    bool too_large = msg.find("request is too large") != std::string::npos ||
                     msg.find("larger than max") != std::string::npos;
    if (too_many) {
      throw StoreError(405, name,
                       fmt::format("etcd refused {}: too many operations in one txn ({}; the "
                                   "server's --max-txn-ops is lower than "
                                   "EtcdOptions::max_txn_ops {}): {}",
                                   path, ops_note(body), opts.max_txn_ops, msg));
    }
    if (too_large) {
      throw StoreError(405, name,
                       fmt::format("etcd refused {}: request too large ({} bytes of JSON; the "
                                   "server's --max-request-bytes is lower than "
                                   "EtcdOptions::max_request_bytes {}): {}",
                                   path, text.size(), opts.max_request_bytes, msg));
    }
    if (!transient) throw StoreError(405, name, fmt::format("etcd refused {}: {}", path, msg));
    return fmt::format("HTTP {}: {}", res.status, msg);
  }

  static std::string connection_problem(httplib::Error e) {
    return e == httplib::Error::Connection          ? "connection refused or no route"
           : e == httplib::Error::ConnectionTimeout ? "connection timed out"
           : e == httplib::Error::Read              ? "connection lost while reading"
                                                    : httplib::to_string(e);
  }

  /// "N compares, N operations" for a txn body.
  static std::string ops_note(const json& body) {
    if (!body.is_object() || !body.contains("success")) return "not a txn";
    return fmt::format("{} compares, {} operations", body.value("compare", json::array()).size(),
                       body["success"].size());
  }

  void report(const std::string& line) const {
    if (opts.on_outage)
      opts.on_outage(line);
    else
      default_outage_report(line);
  }

  static double seconds_since(std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
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

namespace {

/// The watch cache's feed: one watch on the prefix kept open in a background thread, so that
/// events arrive as they are committed and a snapshot costs one small read plus what changed.
/// (A watch opened per snapshot on past revisions is "unsynced" in etcd and served by its
/// resync loop, every 100 ms: that was most of a snapshot's time under load.)
class Feed {
 public:
  Feed(std::string endpoint, std::string root, std::int64_t from)
      : endpoint_(std::move(endpoint)), root_(std::move(root)), seen_(from - 1) {
    thread_ = std::thread([this, from] { run(from); });
  }
  ~Feed() {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
      if (client_) client_->stop();  // breaks the blocking read
    }
    if (thread_.joinable()) thread_.join();
  }
  Feed(const Feed&) = delete;
  Feed& operator=(const Feed&) = delete;

  /// Waits until events up to `revision` arrived (false: the feed broke or `timeout` passed),
  /// then hands every event at or below `upto` to `apply`, oldest first; later ones stay.
  bool take(std::int64_t revision, std::int64_t upto, std::chrono::milliseconds timeout,
            const std::function<void(const json&)>& apply) {
    std::unique_lock lock(mutex_);
    cv_.wait_for(lock, timeout, [&] { return seen_ >= revision || failed_; });
    if (failed_ || seen_ < revision) return false;
    while (!events_.empty() && i64(events_.front().at("kv"), "mod_revision") <= upto) {
      apply(events_.front());
      events_.pop_front();
    }
    return true;
  }

 private:
  void run(std::int64_t next) {
    while (!stop_) {
      httplib::Client cli(endpoint_);
      cli.set_connection_timeout(std::chrono::seconds(2));
      cli.set_read_timeout(std::chrono::seconds(60));  // an idle watch is re-opened
      cli.set_tcp_nodelay(true);
      {
        std::lock_guard lock(mutex_);
        if (stop_) return;
        client_ = &cli;
      }
      httplib::Request req;
      req.method = "POST";
      req.path = "/v3/watch";
      req.set_header("Content-Type", "application/json");
      req.body = json{{"create_request",
                       {{"key", b64_encode(root_)},
                        {"range_end", b64_encode(prefix_end(root_))},
                        {"start_revision", std::to_string(next)}}}}
                     .dump();
      std::string buffer;
      req.content_receiver = [&](const char* data, std::size_t len, std::uint64_t, std::uint64_t) {
        const bool open = for_each_stream_result(buffer, data, len, [&](const json& r) {
          std::lock_guard lock(mutex_);
          if (i64(r, "compact_revision") > 0 || r.value("canceled", false)) {
            failed_ = true;  // history is gone: the cache must be read anew
            cv_.notify_all();
            return false;
          }
          if (!r.contains("events")) return true;
          for (const auto& ev : r["events"]) {
            std::int64_t rev = i64(ev.at("kv"), "mod_revision");
            events_.push_back(ev);
            seen_ = std::max(seen_, rev);
            next = std::max(next, rev + 1);
          }
          cv_.notify_all();
          return true;
        });
        return open && !stop_.load();
      };
      httplib::Response res;
      httplib::Error err = httplib::Error::Success;
      cli.send(req, res, err);
      {
        std::lock_guard lock(mutex_);
        client_ = nullptr;
        if (stop_ || failed_) return;
      }
      // The stream ended (idle timeout, etcd restarted): re-open from where it stopped.
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }

  std::string endpoint_, root_;
  std::int64_t seen_;  ///< events up to this revision arrived
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<json> events_;
  bool failed_ = false;
  std::atomic<bool> stop_{false};
  httplib::Client* client_ = nullptr;
  std::thread thread_;
};

}  // namespace

struct EtcdStore::Cache {
  std::mutex mutex;
  std::int64_t revision = 0;  ///< every key below is as of this revision (0: empty cache)
  std::map<std::string, Entry> entries;  ///< full key -> entry
  std::unique_ptr<Feed> feed;            ///< events after `revision`, as they are committed

  static std::pair<std::string, Entry> decode(Impl& d, const json& kv);
  bool catch_up(Impl& d, const json& range);
  std::int64_t reload(Impl& d, const json& range);
  Snapshot snapshot(Impl& d) const;
};

/// One key-value as etcd sends it, decoded: its full key and entry. A record that is not
/// berth's, or that names another machine or unit than its key, is error 403.
std::pair<std::string, Entry> EtcdStore::Cache::decode(Impl& d, const json& kv) {
  const std::string root = d.opts.prefix + "/";
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
    e.machine =
        detail::machine_from_json(detail::parse_record(e.raw, d.name, where), d.name, where);
    if (e.machine->name != e.name)
      throw StoreError(403, d.name, where + " holds machine " + e.machine->name);
  } else if (kind == "units") {
    e.kind = Entry::kUnit;
    e.unit = detail::unit_from_json(detail::parse_record(d.decode(kv, "value"), d.name, where),
                                    d.name, where);
    if (e.unit->name != e.name)
      throw StoreError(403, d.name, where + " holds unit " + e.unit->name);
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
}

/// Brings a cache that has a feed up to the current revision. False: no cache yet, or the
/// feed could not show everything (broken, slow, or a deletion it did not show); read anew.
bool EtcdStore::Cache::catch_up(Impl& d, const json& range) {
  if (revision <= 0 || !feed) return false;
  // Catch up from the cached revision through the watch feed, which costs what changed (a
  // range would make etcd read every key). Every berth txn also bumps <prefix>/revision, so
  // its mod_revision says up to which revision the feed must have delivered. The key count
  // read at the same revision catches deletions the feed did not show (expired leases).
  json counted = range;
  counted["count_only"] = true;
  json marker{{"key", b64_encode(d.opts.prefix + "/revision")}};
  json res = d.call(
      "/v3/kv/txn",
      {{"success", json::array({{{"request_range", counted}}, {{"request_range", marker}}})}});
  std::int64_t rev = i64(res["header"], "revision");
  const json& rs = res.at("responses");
  std::int64_t count = i64(rs.at(0).at("response_range"), "count");
  const json& mk = rs.at(1).at("response_range");
  std::int64_t last = mk.contains("kvs") ? i64(mk["kvs"][0], "mod_revision") : 0;
  // The cache must end at `rev`, the revision the count was read at: the feed runs on into
  // what other schedulers commit meanwhile, and those events wait for the next snapshot.
  bool caught_up = feed->take(last, rev, std::chrono::seconds(3), [&](const json& ev) {
    const json& kv = ev.at("kv");
    if (ev.value("type", std::string("PUT")) == "DELETE") {
      entries.erase(d.decode(kv, "key"));
    } else {
      auto [key, e] = decode(d, kv);
      entries[key] = std::move(e);
    }
  });
  if (!caught_up || static_cast<std::int64_t>(entries.size()) != count) return false;
  revision = std::max(revision, rev);
  return true;
}

/// Reads every key anew and restarts the feed after them; returns the revision read at.
std::int64_t EtcdStore::Cache::reload(Impl& d, const json& range) {
  // Pages of `range_page` keys, every page read at the first page's revision, so that no
  // answer grows with the cluster (etcd's gateway and clients have message limits) and the
  // pages together are one consistent view.
  std::map<std::string, Entry> read;
  std::int64_t at = 0;
  json page = range;
  page["limit"] = std::to_string(std::max<std::size_t>(d.opts.range_page, 1));
  for (;;) {
    json res = d.call("/v3/kv/range", page);
    if (at == 0) {
      at = i64(res["header"], "revision");
      page["revision"] = std::to_string(at);
    }
    std::string last;
    if (res.contains("kvs")) {
      for (const auto& kv : res["kvs"]) {
        auto [key, e] = decode(d, kv);
        last = key;
        read[key] = std::move(e);
      }
    }
    if (!res.value("more", false) || last.empty()) break;
    page["key"] = b64_encode(last + std::string(1, '\0'));  // the next key after the last
  }
  feed.reset();  // its events belong to the old cache
  entries = std::move(read);
  // An empty prefix has nothing to refresh from: keep revision 0 so the next read is full.
  revision = entries.empty() ? 0 : at;
  if (revision > 0) {
    std::string endpoint;
    {
      std::lock_guard lock(d.mutex);
      endpoint = d.opts.endpoints[d.current];
    }
    feed = std::make_unique<Feed>(endpoint, d.opts.prefix + "/", at + 1);
  }
  return at;
}

/// The cached keys as a snapshot; also hands commit() the raw machine records and the
/// lease-tracked machines (Impl::machine_raw, Impl::leased).
Snapshot EtcdStore::Cache::snapshot(Impl& d) const {
  Snapshot snap;
  snap.revision = revision;
  std::set<std::string> alive, leased;
  for (const auto& [key, e] : entries) {
    if (e.kind == Entry::kAlive) alive.insert(e.name);
    if (e.kind == Entry::kLeased) leased.insert(e.name);
  }
  std::map<std::string, std::pair<std::int64_t, std::string>> raw;
  for (const auto& [key, e] : entries) {
    switch (e.kind) {
      case Entry::kMachine: {
        snap.machine_revisions[e.name] = e.mod_revision;
        raw[e.name] = {e.mod_revision, e.raw};
        snap.spec.machines.push_back(*e.machine);
        // A lease-tracked machine whose lease expired is down, whatever its record says.
        if (leased.count(e.name) && !alive.count(e.name))
          snap.spec.machines.back().state = MachineState::Down;
        break;
      }
      case Entry::kUnit:
        snap.unit_revisions[e.name] = e.mod_revision;
        snap.spec.units.push_back(*e.unit);
        break;
      case Entry::kPlacement:
        snap.spec.placements.emplace_hint(snap.spec.placements.end(), e.name, e.placed_on);
        break;
      default:
        break;
    }
  }
  std::lock_guard lock(d.mutex);
  d.machine_raw = std::move(raw);
  d.leased = std::move(leased);
  return snap;
}

Snapshot EtcdStore::snapshot() {
  Impl& d = *impl_;
  Cache& c = *cache_;
  const std::string root = d.opts.prefix + "/";
  std::lock_guard cache_lock(c.mutex);
  const json range{{"key", b64_encode(root)}, {"range_end", b64_encode(prefix_end(root))}};
  if (!c.catch_up(d, range)) {
    const std::int64_t at = c.reload(d, range);
    if (c.entries.empty()) {
      Snapshot empty;
      empty.revision = at;
      std::lock_guard lock(d.mutex);
      d.machine_raw.clear();
      d.leased.clear();
      return empty;
    }
  }
  return c.snapshot(d);
}

namespace {

/// The changes of a plan that must land in one txn (all changes to one machine, or to
/// machines a move or a unit redefinition ties together), or several such groups packed into
/// one chunk. Rendered into a txn only when committed, so compares use the revisions that the
/// chunks before it produced.
struct Chunk {
  std::set<std::string> machines;  ///< compared; re-put, put or (removed) deleted
  std::set<std::string> removed_machines;
  std::set<std::string> unit_puts;      ///< compared and put
  std::set<std::string> unit_guards;    ///< compared only (units the assignments place)
  std::set<std::string> unit_deletes;   ///< compared, guarded against new placements, deleted
  std::set<std::string> new_instances;  ///< placement keys created: none existed at the base
  std::size_t runs = 0;                 ///< compares guarding them (see instance_runs)
  std::set<std::string> alive;          ///< lease-tracked machines that receive assignments
  std::map<std::string, std::string> assignments;
  std::vector<std::string> deletes;  ///< placement (and leased/alive) keys deleted
  std::size_t bytes = 0;             ///< estimated JSON body size

  std::size_t compares() const {
    std::size_t guards = 0;
    for (const auto& u : unit_guards) guards += unit_puts.count(u) ? 0 : 1;
    return machines.size() + unit_puts.size() + guards + 3 * unit_deletes.size() + runs +
           alive.size();
  }
  std::size_t successes() const {
    return 1 + machines.size() + unit_puts.size() + unit_deletes.size() + assignments.size() +
           deletes.size();
  }
  bool empty() const {
    return machines.empty() && unit_puts.empty() && unit_deletes.empty() && assignments.empty() &&
           deletes.empty();
  }
  void merge(const Chunk& o) {
    machines.insert(o.machines.begin(), o.machines.end());
    removed_machines.insert(o.removed_machines.begin(), o.removed_machines.end());
    unit_puts.insert(o.unit_puts.begin(), o.unit_puts.end());
    unit_guards.insert(o.unit_guards.begin(), o.unit_guards.end());
    unit_deletes.insert(o.unit_deletes.begin(), o.unit_deletes.end());
    new_instances.insert(o.new_instances.begin(), o.new_instances.end());
    alive.insert(o.alive.begin(), o.alive.end());
    assignments.insert(o.assignments.begin(), o.assignments.end());
    deletes.insert(deletes.end(), o.deletes.begin(), o.deletes.end());
    bytes += o.bytes;
  }
};

/// The new placement keys of a chunk as runs of consecutive keys, each guarded by one range
/// compare (`create_revision < base + 1` over the run: no key in it was created after the
/// base) instead of one compare per key; etcd counts compares against --max-txn-ops, and one
/// per placement (plus one per unit) held a chunk to ~56 placements. A run may span keys of
/// other instances and of later chunks (absent, or older than the base: they pass) but never
/// a key an earlier chunk of the same commit created (`before`), which would fail it.
/// A run also stops before it would span more than kMaxSpanned stored placements: etcd
/// evaluates a range compare by reading every key in the range.
std::vector<std::pair<std::string, std::string>> instance_runs(
    const std::set<std::string>& mine, const std::set<std::string>& before,
    const std::map<std::string, std::string>& stored) {
  constexpr int kMaxSpanned = 32;
  std::vector<std::pair<std::string, std::string>> runs;
  for (const auto& i : mine) {
    if (!runs.empty()) {
      const std::string& last = runs.back().second;
      auto it = before.upper_bound(last);
      bool clear = it == before.end() || *it > i;
      auto s = stored.upper_bound(last);
      for (int n = 0; clear && s != stored.end() && s->first < i; ++s) {
        if (++n > kMaxSpanned) clear = false;
      }
      if (clear) {
        runs.back().second = i;
        continue;
      }
    }
    runs.emplace_back(i, i);
  }
  return runs;
}

/// Union-find over machine names: the machines whose changes must share a txn.
struct Groups {
  std::map<std::string, std::string> parent;
  std::string find(const std::string& m) {
    auto it = parent.find(m);
    if (it == parent.end()) {
      parent.emplace(m, m);
      return m;
    }
    if (it->second == m) return m;
    std::string root = find(it->second);
    parent[m] = root;
    return root;
  }
  void unite(const std::string& a, const std::string& b) {
    std::string ra = find(a), rb = find(b);
    if (ra != rb) parent[std::max(ra, rb)] = std::min(ra, rb);
  }
};

// Rough JSON size of one txn operation on `key` with a value of `value_len` bytes: base64
// grows both by 4/3, and the envelope ({"request_put": {"key": ..., "value": ...}}) plus the
// compare and probe on the same key stay under 160 bytes.
std::size_t op_bytes(std::size_t key_len, std::size_t value_len) {
  return (key_len * 3 + value_len) * 4 / 3 + 160;
}

/// The mod_revision a revision map gives a name (0: none, the key does not exist).
std::int64_t revision_in(const std::map<std::string, std::int64_t>& revs, const std::string& n) {
  auto it = revs.find(n);
  return it == revs.end() ? std::int64_t{0} : it->second;
}

/// One txn as etcd's JSON gateway takes it: the compares, the operations if they all hold,
/// and on failure a read of every compared key (so a refusal says what changed).
struct Txn {
  json compare = json::array(), success = json::array(), failure = json::array();

  void put(const std::string& key, const std::string& value) {
    success.push_back({{"request_put", {{"key", b64_encode(key)}, {"value", b64_encode(value)}}}});
  }
  void del(const std::string& key) {
    success.push_back({{"request_delete_range", {{"key", b64_encode(key)}}}});
  }
  void mod_equal(const std::string& key, std::int64_t rev) {
    compare.push_back({{"target", "MOD"},
                       {"result", "EQUAL"},
                       {"key", b64_encode(key)},
                       {"mod_revision", std::to_string(rev)}});
    failure.push_back({{"request_range", {{"key", b64_encode(key)}}}});
  }
};

/// What a refused txn's failure branch read: the conflicts it shows, each compared unit's
/// mod_revision now, and the placement keys created after the base in the chunk's runs.
struct Refusal {
  CommitResult conflicts;
  std::map<std::string, std::int64_t> units_now;
  std::map<std::string, std::string> placed_meanwhile;  // instance -> machine
};

}  // namespace

/// One EtcdStore::commit call, step by step. etcd cannot run berth's checks inside its
/// transaction, so they run here against the base, and the txns' compares guarantee that
/// everything they read is still what is stored. The steps, in order (each a function below):
/// validate, machines_after, group, pack, then send for each chunk until one is refused.
struct EtcdStore::Impl::Commit {
  Impl& d;
  const Plan& plan;
  const Snapshot& base;
  CommitResult out;
  detail::Touched touched;
  std::map<std::string, const Unit*> base_units, plan_units;
  std::set<std::string> removed_machines, removed_units;
  std::map<std::string, std::string> removal_deletes;  // instance -> machine it leaves
  std::set<std::string> leased;                        // as of the last snapshot
  /// The value every touched machine key gets ("" for a removed or never-stored machine that
  /// is only compared).
  std::map<std::string, std::string> machine_values;
  // The groups (group): by union-find root, unit definitions first, unit removals last.
  std::map<std::string, Chunk> by_root;
  std::vector<Chunk> pre, post;
  // While sending: the revisions the chunks that stood produced, and their new instances.
  std::map<std::string, std::int64_t> machine_rev, unit_rev;
  std::set<std::string> created;

  Commit(Impl& impl, const Plan& p, const Snapshot& b)
      : d(impl),
        plan(p),
        base(b),
        touched(detail::touched_by(p, b)),
        removed_machines(p.removed_machines.begin(), p.removed_machines.end()),
        removed_units(p.removed_units.begin(), p.removed_units.end()),
        machine_rev(b.machine_revisions),
        unit_rev(b.unit_revisions) {
    out.revision = base.revision;
    for (const auto& u : base.spec.units) base_units.emplace(u.name, &u);
    for (const auto& u : plan.units) plan_units.emplace(u.name, &u);
  }

  bool is_unit(const std::string& n) const { return base_units.count(n) || plan_units.count(n); }
  std::string base_unit_of(const std::string& inst) const {
    return detail::unit_of(inst, [&](const std::string& n) { return base_units.count(n) > 0; });
  }
  bool validate();
  bool machines_after();
  void group();
  std::vector<Chunk> pack() const;
  bool send(const Chunk& c);
  Txn txn_of(const Chunk& c, const std::vector<std::pair<std::string, std::string>>& runs,
             const std::vector<std::string>& units) const;
  void stood(const Chunk& c, std::int64_t at);
  Refusal read_refusal(const Chunk& c, const json& res,
                       const std::vector<std::pair<std::string, std::string>>& runs,
                       const std::vector<std::string>& units);
};

/// Touches what the plan removes and checks the plan against the base (detail::validate).
/// False: refused, `out` says why (Rejected).
bool EtcdStore::Impl::Commit::validate() {
  // A removed machine or unit is touched, and so is every machine that loses a removed unit's
  // instance (those placement keys are deleted in that machine's chunk). The shared validation
  // (detail::validate) applies the removals itself, after the assignments, so room freed by a
  // removal is usable by the same plan and an assignment into what the plan removes is refused.
  for (const auto& m : removed_machines) touched.machines.insert(m);
  for (const auto& u : removed_units) touched.units.insert(u);
  for (const auto& [inst, m] : base.spec.placements) {
    bool gone = removed_machines.count(m) > 0 ||
                (!removed_units.empty() && removed_units.count(base_unit_of(inst)));
    if (gone && !plan.assignments.count(inst)) {
      removal_deletes.emplace(inst, m);
      touched.machines.insert(m);
    }
  }
  detail::State view = detail::view_of(base, plan, touched);
  if (!removed_machines.empty() || !removed_units.empty()) {
    for (const auto& u : removed_units) {
      if (plan_units.count(u))
        out.problems.push_back(
            detail::problem(CommitProblem::Kind::RedefinesAndRemovesUnit, "", "", u));
    }
    for (const auto& m : plan.machines) {
      if (removed_machines.count(m.name))
        out.problems.push_back(
            detail::problem(CommitProblem::Kind::RedefinesAndRemovesMachine, "", m.name));
    }
  }
  if (out.problems.empty()) out.problems = detail::validate(plan, view, touched);
  if (!out.problems.empty()) {
    out.status = CommitStatus::Rejected;
    return false;
  }
  return true;
}

/// Fills machine_values: the machines after the plan, as they will be written. False: a
/// machine changed since the base (Conflict).
bool EtcdStore::Impl::Commit::machines_after() {
  std::map<std::string, std::pair<std::int64_t, std::string>> raw;
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
      if (r == raw.end() || r->second.first != revision_in(base.machine_revisions, n)) {
        out.status = CommitStatus::Conflict;
        out.conflicting_machines.push_back(n);
        return false;
      }
      Machine m =
          detail::machine_from_json(detail::parse_record(r->second.second, d.name, n), d.name, n);
      it = redefined.emplace(n, std::move(m)).first;
    }
    it->second.state = st;
  }
  for (const auto& [n, m] : redefined) machine_values[n] = machine_to_json(m).dump();
  for (const auto& m : touched.machines) {
    if (machine_values.count(m) || removed_machines.count(m)) continue;
    std::int64_t base_rev = revision_in(base.machine_revisions, m);
    if (base_rev == 0) continue;
    // Re-put the unchanged record so that the key's mod_revision records this commit.
    auto r = raw.find(m);
    if (r != raw.end() && r->second.first == base_rev) {
      machine_values[m] = r->second.second;
      continue;
    }
    json got = d.call("/v3/kv/range", {{"key", b64_encode(d.key("machines", m))}});
    if (!got.contains("kvs") || i64(got["kvs"][0], "mod_revision") != base_rev) {
      out.status = CommitStatus::Conflict;
      out.conflicting_machines.push_back(m);
      return false;
    }
    machine_values[m] = d.decode(got["kvs"][0], "value");
  }
  return true;
}

/// Groups the changes: everything touching one machine lands in one group, so that every
/// machine is valid (never overcommitted) after every chunk. A move ties its two machines; a
/// redefined unit that runs somewhere ties every machine running it (their load changes with
/// the definition, and their mod_revisions must record that in the same txn).
void EtcdStore::Impl::Commit::group() {
  Groups groups;
  for (const auto& m : touched.machines) groups.find(m);
  for (const auto& [inst, m] : plan.assignments) {
    auto it = base.spec.placements.find(inst);
    if (it != base.spec.placements.end() && it->second != m) groups.unite(m, it->second);
  }
  std::map<std::string, std::string> unit_home;  // placed unit being redefined -> one machine
  for (const auto& u : plan.units) {
    if (!base_units.count(u.name)) continue;
    for (const auto& [inst, m] : base.spec.placements) {
      if (base_unit_of(inst) != u.name) continue;
      auto h = unit_home.emplace(u.name, m).first;
      groups.unite(h->second, m);
    }
  }
  auto group_of = [&](const std::string& m) -> Chunk& { return by_root[groups.find(m)]; };
  for (const auto& m : touched.machines) {
    Chunk& g = group_of(m);
    g.machines.insert(m);
    std::string key = d.key("machines", m);
    if (removed_machines.count(m)) {
      g.removed_machines.insert(m);
      // Its liveness keys go with it (deleting an absent key is a no-op).
      g.deletes.push_back(d.key("leased", m));
      g.deletes.push_back(d.key("alive", m));
      g.bytes += op_bytes(key.size(), 0) + 2 * op_bytes(key.size(), 0);
    } else {
      auto v = machine_values.find(m);
      g.bytes += op_bytes(key.size(), v == machine_values.end() ? 0 : v->second.size());
    }
  }
  for (const auto& u : plan.units) {
    std::string value = unit_to_json(u).dump();
    auto h = unit_home.find(u.name);
    Chunk& g = h != unit_home.end() ? group_of(h->second) : pre.emplace_back();
    g.unit_puts.insert(u.name);
    g.bytes += op_bytes(d.key("units", u.name).size(), value.size());
  }
  for (const auto& u : removed_units) {
    Chunk& g = post.emplace_back();
    g.unit_deletes.insert(u);
    g.bytes += 3 * op_bytes(d.key("placements", u).size() + 1, 0);
  }
  for (const auto& [inst, m] : plan.assignments) {
    Chunk& g = group_of(m);
    g.assignments.emplace(inst, m);
    std::string key = d.key("placements", inst);
    g.bytes += op_bytes(key.size(), m.size() + 14);
    if (touched.new_instances.count(inst)) {
      g.new_instances.insert(inst);
      g.bytes += op_bytes(key.size(), 0);
    }
    std::string u = detail::unit_of(inst, [&](const std::string& n) { return is_unit(n); });
    if (!u.empty() && g.unit_guards.insert(u).second)
      g.bytes += op_bytes(d.key("units", u).size(), 0);
    if (leased.count(m)) g.alive.insert(m);
  }
  std::set<std::string> deleted;
  auto delete_placement = [&](const std::string& inst, const std::string& m) {
    if (plan.assignments.count(inst) || !deleted.insert(inst).second)
      return;  // no key twice in a txn
    Chunk& g = group_of(m);
    g.deletes.push_back(d.key("placements", inst));
    g.bytes += op_bytes(g.deletes.back().size(), 0);
  };
  for (const auto& inst : plan.evictions) {
    auto it = base.spec.placements.find(inst);
    if (it != base.spec.placements.end()) delete_placement(inst, it->second);
  }
  for (const auto& [inst, m] : removal_deletes) delete_placement(inst, m);
}

/// Packs the groups, in order, into as few chunks as etcd's limits allow. Throws 410 (before
/// anything is written) when one indivisible group is larger than a txn.
std::vector<Chunk> EtcdStore::Impl::Commit::pack() const {
  const std::size_t max_ops = std::max<std::size_t>(d.opts.max_txn_ops, 8);
  const std::size_t max_bytes = d.opts.max_request_bytes > 128 * 1024
                                    ? d.opts.max_request_bytes - 64 * 1024
                                    : d.opts.max_request_bytes / 2;
  auto fits = [&](const Chunk& c) {
    return c.compares() <= max_ops && c.successes() <= max_ops && c.bytes <= max_bytes;
  };
  std::vector<const Chunk*> ordered;
  for (const auto& g : pre) ordered.push_back(&g);
  for (const auto& [root, g] : by_root) ordered.push_back(&g);
  for (const auto& g : post) ordered.push_back(&g);
  std::vector<Chunk> chunks;
  std::set<std::string> before;  // new instances of the chunks before chunks.back()
  for (const Chunk* g : ordered) {
    if (g->empty()) continue;
    if (!chunks.empty()) {
      Chunk merged = chunks.back();
      merged.merge(*g);
      merged.runs = instance_runs(merged.new_instances, before, base.spec.placements).size();
      if (fits(merged)) {
        chunks.back() = std::move(merged);
        continue;
      }
      before.insert(chunks.back().new_instances.begin(), chunks.back().new_instances.end());
    }
    Chunk alone = *g;
    alone.runs = instance_runs(alone.new_instances, before, base.spec.placements).size();
    if (!fits(alone)) {
      std::vector<std::string> named(
          alone.machines.begin(),
          std::next(alone.machines.begin(), std::min<std::size_t>(alone.machines.size(), 5)));
      std::string what = named.empty()
                             ? std::string("one unit's change")
                             : fmt::format("the changes to machine(s) {}", fmt::join(named, ", "));
      if (alone.machines.size() > 5) what += fmt::format(" and {} more", alone.machines.size() - 5);
      throw StoreError(410, d.name,
                       fmt::format("{} must be committed in one txn but need {} compares, {} "
                                   "operations and ~{} bytes; etcd allows {} operations per txn "
                                   "(--max-txn-ops) and {} bytes per request (--max-request-bytes)",
                                   what, alone.compares(), alone.successes(), alone.bytes,
                                   d.opts.max_txn_ops, d.opts.max_request_bytes));
    }
    chunks.push_back(std::move(alone));
  }
  return chunks;
}

/// A chunk's txn: compares on every key it reads or writes at the revisions the chunks before
/// it left, then its writes. `units` are the compared units in probe order.
Txn EtcdStore::Impl::Commit::txn_of(const Chunk& c,
                                    const std::vector<std::pair<std::string, std::string>>& runs,
                                    const std::vector<std::string>& units) const {
  Txn t;
  const std::string after_base = std::to_string(base.revision + 1);
  for (const auto& m : c.machines) t.mod_equal(d.key("machines", m), revision_in(machine_rev, m));
  for (const auto& u : units) t.mod_equal(d.key("units", u), revision_in(unit_rev, u));
  for (const auto& [first, last] : runs) {
    // No key in the run was created after the base: nobody placed these instances meanwhile
    // (they were unplaced at the base, so their keys did not exist then).
    std::string from = d.key("placements", first),
                to = d.key("placements", last) + std::string(1, '\0');
    t.compare.push_back({{"target", "CREATE"},
                         {"result", "LESS"},
                         {"key", b64_encode(from)},
                         {"range_end", b64_encode(to)},
                         {"create_revision", after_base}});
    t.failure.push_back(
        {{"request_range", {{"key", b64_encode(from)}, {"range_end", b64_encode(to)}}}});
  }
  for (const auto& u : c.unit_deletes) {
    // No instance of the unit was placed after the base (by a scheduler that had not seen
    // the removal): every placement key of it was created at or before the base revision.
    // Those are deleted by this chunk or the ones before it.
    std::string exact = d.key("placements", u), instances = exact + "@";
    t.compare.push_back({{"target", "CREATE"},
                         {"result", "LESS"},
                         {"key", b64_encode(exact)},
                         {"create_revision", after_base}});
    t.compare.push_back({{"target", "CREATE"},
                         {"result", "LESS"},
                         {"key", b64_encode(instances)},
                         {"range_end", b64_encode(prefix_end(instances))},
                         {"create_revision", after_base}});
  }
  for (const auto& m : c.alive) {
    // The machine's lease must still be alive when the assignment lands.
    t.compare.push_back({{"target", "VERSION"},
                         {"result", "GREATER"},
                         {"key", b64_encode(d.key("alive", m))},
                         {"version", "0"}});
  }
  // The marker snapshots catch up to (see snapshot()).
  t.put(d.opts.prefix + "/revision", "{}");
  for (const auto& m : c.machines) {
    if (c.removed_machines.count(m)) {
      t.del(d.key("machines", m));
    } else if (auto v = machine_values.find(m); v != machine_values.end()) {
      t.put(d.key("machines", m), v->second);
    }
  }
  for (const auto& u : c.unit_puts)
    t.put(d.key("units", u), unit_to_json(*plan_units.at(u)).dump());
  for (const auto& u : c.unit_deletes) t.del(d.key("units", u));
  for (const auto& key : c.deletes) t.del(key);
  for (const auto& [inst, m] : c.assignments)
    t.put(d.key("placements", inst), json{{"machine", m}}.dump());
  return t;
}

/// Records a chunk that stood at revision `at`.
void EtcdStore::Impl::Commit::stood(const Chunk& c, std::int64_t at) {
  ++out.chunks;
  for (const auto& m : c.machines) machine_rev[m] = c.removed_machines.count(m) ? 0 : at;
  for (const auto& u : c.unit_puts) unit_rev[u] = at;
  for (const auto& u : c.unit_deletes) unit_rev[u] = 0;
  out.committed_assignments.insert(c.assignments.begin(), c.assignments.end());
  created.insert(c.new_instances.begin(), c.new_instances.end());
}

/// Reads a refused txn's failure branch, which read every compared key in txn_of's order.
Refusal EtcdStore::Impl::Commit::read_refusal(
    const Chunk& c, const json& res, const std::vector<std::pair<std::string, std::string>>& runs,
    const std::vector<std::string>& units) {
  Refusal r;
  const std::string placement_root = d.key("placements", "");
  const auto& responses = res.contains("responses") ? res["responses"] : json::array();
  std::size_t k = 0;
  auto probed = [&]() -> json {
    if (k >= responses.size()) return json::object();
    const json& p = responses[k++];
    const json& rr = p.contains("response_range") ? p["response_range"] : json::object();
    return rr.contains("kvs") && !rr["kvs"].empty() ? rr["kvs"][0] : json::object();
  };
  for (const auto& m : c.machines) {
    if (i64(probed(), "mod_revision") != revision_in(machine_rev, m))
      r.conflicts.conflicting_machines.push_back(m);
  }
  for (const auto& u : units) {
    std::int64_t now = i64(probed(), "mod_revision");
    r.units_now[u] = now;
    if (now != revision_in(unit_rev, u)) r.conflicts.conflicting_units.push_back(u);
  }
  // The runs' reads: every placement key in them created after the base.
  for (std::size_t n = 0; n < runs.size(); ++n) {
    const json& resp = k < responses.size() ? responses[k++] : json::object();
    const json& rr = resp.contains("response_range") ? resp["response_range"] : json::object();
    if (!rr.contains("kvs")) continue;
    for (const auto& kv : rr["kvs"]) {
      if (i64(kv, "create_revision") <= base.revision) continue;
      std::string key = d.decode(kv, "key");
      if (key.rfind(placement_root, 0) != 0) continue;
      json v = json::parse(d.decode(kv, "value"), nullptr, false);
      r.placed_meanwhile[key.substr(placement_root.size())] =
          v.is_object() ? v.value("machine", std::string()) : std::string();
    }
  }
  for (const auto& [inst, m] : r.placed_meanwhile)
    r.conflicts.conflicting_instances.push_back(inst);
  return r;
}

/// Commits one chunk. False: refused, `out` says by what (Conflict); the chunks before it stand.
bool EtcdStore::Impl::Commit::send(const Chunk& c) {
  const auto runs = instance_runs(c.new_instances, created, base.spec.placements);
  std::vector<std::string> units;  // compared units, in probe order
  for (const auto& u : c.unit_puts) units.push_back(u);
  for (const auto& u : c.unit_guards) {
    if (!c.unit_puts.count(u)) units.push_back(u);
  }
  units.insert(units.end(), c.unit_deletes.begin(), c.unit_deletes.end());
  const Txn t = txn_of(c, runs, units);

  bool ambiguous = false;
  json res =
      d.call("/v3/kv/txn", {{"compare", t.compare}, {"success", t.success}, {"failure", t.failure}},
             &ambiguous);
  std::int64_t rev = i64(res["header"], "revision");
  out.revision = rev;
  if (res.value("succeeded", false)) {
    stood(c, rev);
    return true;
  }

  // Refused: the failure branch read every compared key, so say exactly what changed.
  Refusal r = read_refusal(c, res, runs, units);
  bool all_ours = !c.new_instances.empty();
  for (const auto& [inst, m] : r.placed_meanwhile) {
    if (!c.new_instances.count(inst) || c.assignments.at(inst) != m) all_ours = false;
  }
  for (const auto& i : c.new_instances) {
    if (!r.placed_meanwhile.count(i)) all_ours = false;
  }
  if (ambiguous && all_ours) {
    // An earlier try of this very txn was applied before the connection broke: it stands. Its
    // revision is the one its placement keys carry.
    stood(c, rev);
    for (const auto& [u, now] : r.units_now) {
      if (c.unit_puts.count(u)) unit_rev[u] = now;
    }
    // Machines were re-put by that txn: read their revisions back for later chunks.
    for (const auto& m : c.machines) {
      json got = d.call("/v3/kv/range", {{"key", b64_encode(d.key("machines", m))}});
      machine_rev[m] = got.contains("kvs") ? i64(got["kvs"][0], "mod_revision") : 0;
    }
    return true;
  }
  CommitResult& refused = r.conflicts;
  if (refused.conflicting_machines.empty() && refused.conflicting_units.empty() &&
      refused.conflicting_instances.empty()) {
    refused.conflict_cause = CommitResult::ConflictCause::Guard;
    for (const auto& m : c.alive) refused.conflicting_machines.push_back(m);
    for (const auto& u : c.unit_deletes) refused.conflicting_units.push_back(u);
  }
  out.status = CommitStatus::Conflict;
  out.conflicting_machines = std::move(refused.conflicting_machines);
  out.conflicting_units = std::move(refused.conflicting_units);
  out.conflicting_instances = std::move(refused.conflicting_instances);
  out.conflict_cause = refused.conflict_cause;
  return false;
}

CommitResult EtcdStore::commit(const Plan& plan, const Snapshot& base) {
  Impl::Commit c(*impl_, plan, base);
  if (!c.validate() || !c.machines_after()) return c.out;
  c.group();
  // Commit the chunks in order; stop at the first refused one (those before it stand).
  for (const Chunk& chunk : c.pack()) {
    if (!c.send(chunk)) return c.out;
  }
  c.out.committed_assignments.clear();  // only meaningful for a partial commit
  return c.out;
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
    for_each_stream_result(buffer, data, len, [&](const json& r) {
      if ((r.contains("events") && !r["events"].empty()) || i64(r, "compact_revision") > 0 ||
          r.value("canceled", false)) {
        changed = true;
      }
      return true;
    });
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
  success.push_back(
      {{"request_put",
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
    throw StoreError(404, d.name,
                     fmt::format("lease keep-alive got no answer from {} ({})", endpoint,
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
std::int64_t EtcdStore::wait_for_change(std::int64_t since, std::chrono::milliseconds) {
  return since;
}
std::int64_t EtcdStore::announce_alive(const std::string&, std::chrono::seconds) { return 0; }
bool EtcdStore::keep_alive(std::int64_t) { return false; }
void EtcdStore::revoke(std::int64_t) {}

#endif

}  // namespace berth::state
