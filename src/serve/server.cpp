// berth serve: the HTTP front of the scheduler loop (docs/serve.md).
#include "berth/serve/server.hpp"

#include <fmt/format.h>
#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <sstream>
#include <thread>

#include "apply_endpoints.hpp"
#include "berth/error.hpp"
#include "berth/explain/query.hpp"
#include "berth/io/explain_json.hpp"
#include "berth/io/json_document.hpp"
#include "berth/io/result_json.hpp"
#include "berth/io/spec_json.hpp"
#include "berth/serve/kube_extender.hpp"
#include "berth/state/apply.hpp"

namespace berth::serve {

using nlohmann::json;

// ---------------------------------------------------------------------------------------------
// Listening policy

std::pair<std::string, int> parse_listen_address(const std::string& text) {
  std::string host, port;
  if (!text.empty() && text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      throw UsageError(
          330, fmt::format("--listen \"{}\": expected HOST:PORT, e.g. 127.0.0.1:8080 or [::1]:8080",
                           text));
    }
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string::npos || text.find(':') != colon) {
      throw UsageError(
          330, fmt::format(
                   "--listen \"{}\": expected HOST:PORT, e.g. 127.0.0.1:8080 (IPv6 as [::1]:8080)",
                   text));
    }
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  if (host.empty())
    throw UsageError(
        330, fmt::format("--listen \"{}\": the host is empty (127.0.0.1 listens on loopback only)",
                         text));
  if (port.empty() || port.size() > 5 ||
      !std::all_of(port.begin(), port.end(), [](unsigned char c) { return std::isdigit(c); }) ||
      std::stoi(port) > 65535) {
    throw UsageError(
        330,
        fmt::format("--listen \"{}\": port \"{}\" is not a number from 0 to 65535", text, port));
  }
  return {host, std::stoi(port)};
}

namespace {

bool is_loopback(const std::string& host) {
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

}  // namespace

void check_listen_policy(const ServerOptions& options) {
  if (!is_loopback(options.host) && options.token.empty()) {
    throw UsageError(
        331,
        fmt::format("--listen {}: a non-loopback address needs --token-file FILE (every request "
                    "must then carry Authorization: Bearer <token>); or listen on 127.0.0.1",
                    options.host));
  }
}

std::string read_token_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UsageError(332, fmt::format("--token-file {}: cannot read the file", path));
  std::string line;
  std::getline(in, line);
  auto first = line.find_first_not_of(" \t\r\n");
  auto last = line.find_last_not_of(" \t\r\n");
  if (first == std::string::npos)
    throw UsageError(332, fmt::format("--token-file {}: the first line is empty", path));
  return line.substr(first, last - first + 1);
}

// ---------------------------------------------------------------------------------------------
// The server

namespace {

/// Equal strings, in a time that depends only on their lengths: the token must not leak one
/// matching byte at a time to someone timing 401s.
bool constant_time_equal(const std::string& a, const std::string& b) {
  std::size_t n = std::max(a.size(), b.size());
  unsigned diff = a.size() == b.size() ? 0u : 1u;
  for (std::size_t i = 0; i < n; ++i) {
    unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    diff |= static_cast<unsigned>(x ^ y);
  }
  return diff == 0;
}

json error_body(const std::string& id, const std::string& message) {
  return {{"error", {{"id", id}, {"message", message}}}};
}

void send_json(httplib::Response& res, int status, const json& body) {
  res.status = status;
  res.set_content(body.dump(2) + "\n", "application/json");
}

void send_error(httplib::Response& res, int status, const std::string& category, int code,
                const std::string& message) {
  send_json(res, status, error_body(fmt::format("berth.{}.{}", category, code), message));
}

/// Store failures are the server's (or the store's) problem, not the client's: 409 when the
/// answer is "the state moved under you" (the client may retry), 503 otherwise.
int status_of(const Error& e) {
  if (e.category() != "store") return 400;
  if (e.code() == 407 || e.code() == 408) return 409;
  if (e.code() >= 420 && e.code() <= 429) return 400;  // apply's "no such unit/machine"
  return 503;
}

/// What /v1/watch remembers of a revision: each machine's and unit's definition as a hash of
/// its JSON, and the placements. A whole Spec per revision would cost gigabytes on a large
/// cluster; this is a placement map and two small maps.
struct Seen {
  std::map<std::string, std::size_t> machines, units;
  std::map<std::string, std::string> placements;
  std::size_t weight() const { return machines.size() + units.size() + placements.size() + 1; }
};

Seen seen_of(const Spec& spec) {
  Seen out;
  json j = spec_to_json(spec);
  auto fill = [&](const char* key, std::map<std::string, std::size_t>& into) {
    auto it = j.find(key);
    if (it == j.end() || !it->is_array()) return;
    for (const auto& x : *it) into.emplace(x.value("name", ""), std::hash<std::string>{}(x.dump()));
  };
  fill("machines", out.machines);
  fill("units", out.units);
  out.placements = spec.placements;
  return out;
}

/// {"machines": {"added", "removed", "updated"}, "units": {...}, "placements": {"added":
/// {inst: m}, "removed": [inst], "moved": {inst: {"from", "to"}}}}
json state_changes(const Seen& before, const Seen& after) {
  auto diff = [](const std::map<std::string, std::size_t>& old_items,
                 const std::map<std::string, std::size_t>& new_items) {
    json added = json::array(), removed = json::array(), updated = json::array();
    for (const auto& [n, h] : new_items) {
      auto it = old_items.find(n);
      if (it == old_items.end())
        added.push_back(n);
      else if (it->second != h)
        updated.push_back(n);
    }
    for (const auto& [n, h] : old_items) {
      if (!new_items.count(n)) removed.push_back(n);
    }
    return json{{"added", added}, {"removed", removed}, {"updated", updated}};
  };
  json p_added = json::object(), p_removed = json::array(), p_moved = json::object();
  for (const auto& [inst, m] : after.placements) {
    auto it = before.placements.find(inst);
    if (it == before.placements.end())
      p_added[inst] = m;
    else if (it->second != m)
      p_moved[inst] = {{"from", it->second}, {"to", m}};
  }
  for (const auto& [inst, m] : before.placements) {
    if (!after.placements.count(inst)) p_removed.push_back(inst);
  }
  return {{"machines", diff(before.machines, after.machines)},
          {"units", diff(before.units, after.units)},
          {"placements", {{"added", p_added}, {"removed", p_removed}, {"moved", p_moved}}}};
}

}  // namespace

struct Server::Impl {
  state::StateStore& store;
  ServerOptions options;
  PlaceOptions place_options;
  httplib::Server http;
  KubeExtender kube;
  std::thread serving;
  bool bound = false;
  int port = 0;
  std::atomic<bool> stopping{false};
  std::mutex stop_mutex;

  // What the store held at the revisions this server answered with, for /v1/watch: at most
  // kHistory revisions and kHistoryWeight names and placements in all, oldest dropped first.
  std::mutex history_mutex;
  std::map<std::int64_t, std::shared_ptr<const Seen>> history;
  std::size_t history_weight = 0;
  static constexpr std::size_t kHistory = 256;
  static constexpr std::size_t kHistoryWeight = 4'000'000;

  // The pending-unit placer: woken by the Watcher (any writer) and by our own commits.
  std::mutex pending_mutex;
  std::condition_variable pending_cv;
  bool pending_dirty = true;
  bool pending_stop = false;
  std::thread pending_thread;
  std::unique_ptr<state::Watcher> watcher;

  Impl(state::StateStore& s, ServerOptions o)
      : store(s),
        options(std::move(o)),
        place_options(place_options_for(options.strategy)),
        kube(s, place_options) {}

  std::shared_ptr<const Seen> record(const state::Snapshot& snap) {
    {
      std::lock_guard<std::mutex> lock(history_mutex);
      if (auto it = history.find(snap.revision); it != history.end()) return it->second;
    }
    auto seen = std::make_shared<const Seen>(seen_of(snap.spec));
    std::lock_guard<std::mutex> lock(history_mutex);
    auto [it, fresh] = history.emplace(snap.revision, seen);
    if (fresh) history_weight += seen->weight();
    while (history.size() > 1 && (history.size() > kHistory || history_weight > kHistoryWeight)) {
      history_weight -= history.begin()->second->weight();
      history.erase(history.begin());
    }
    return it->second;
  }
  std::shared_ptr<const Seen> recorded(std::int64_t revision) {
    std::lock_guard<std::mutex> lock(history_mutex);
    auto it = history.find(revision);
    return it == history.end() ? nullptr : it->second;
  }

  void wake_pending() {
    {
      std::lock_guard<std::mutex> lock(pending_mutex);
      pending_dirty = true;
    }
    pending_cv.notify_one();
  }

  void pending_loop() {
    state::PendingOptions po;
    po.place = place_options;
    po.place.strict = false;  // a contradicting unit stays pending; the rest is placed
    for (;;) {
      {
        std::unique_lock<std::mutex> lock(pending_mutex);
        pending_cv.wait(lock, [&] { return pending_dirty || pending_stop; });
        if (pending_stop) return;
        pending_dirty = false;
      }
      try {
        state::PendingResult r = state::place_pending(store, po);
        if (r.placed > 0) {
          std::fprintf(stderr, "berth serve: placed %zu pending instance(s) in %d commit(s)\n",
                       r.placed, r.commits);
        }
      } catch (const std::exception& e) {
        std::fprintf(stderr, "berth serve: placing pending units failed: %s\n", e.what());
      }
    }
  }

  void start_pending() {
    if (!options.place_pending || pending_thread.joinable()) return;
    pending_thread = std::thread([this] { pending_loop(); });
    watcher = std::make_unique<state::Watcher>(store, [this](std::int64_t) { wake_pending(); });
  }
  void stop_pending() {
    watcher.reset();
    {
      std::lock_guard<std::mutex> lock(pending_mutex);
      pending_stop = true;
    }
    pending_cv.notify_one();
    if (pending_thread.joinable()) pending_thread.join();
  }

  // --- endpoints -------------------------------------------------------------------------

  void get_state(httplib::Response& res) {
    state::Snapshot snap = store.snapshot();
    record(snap);
    res.set_header("X-Berth-Revision", std::to_string(snap.revision));
    res.status = 200;
    res.set_content(write_spec_json(snap.spec), "application/json");
  }

  void post_place(const httplib::Request& req, httplib::Response& res) {
    Spec additions = parse_spec_json(req.body, "POST /v1/place");
    PlaceOptions po = place_options;
    // As `place --store`: a unit with no room, a machine_of target still to come, or a
    // contradiction is stored pending and retried later; ?strict=true (`--strict`) refuses the
    // whole request instead.
    po.strict = req.has_param("strict") && req.get_param_value("strict") != "false" &&
                req.get_param_value("strict") != "0";
    state::PlaceCommitResult r = state::place_and_commit(store, additions, po);
    res.set_header("X-Berth-Revision", std::to_string(r.commit.revision));
    res.set_header("X-Berth-Conflicts", std::to_string(r.conflicts));
    res.status = 200;
    res.set_content(state::to_json(r, store.name()).dump(2) + "\n", "application/json");
  }

  void post_apply(const httplib::Request& req, httplib::Response& res) {
    Spec spec = parse_spec_json(req.body, "POST /v1/apply");
    json answer = detail::apply_answer(store, spec, place_options);
    res.status = 200;
    res.set_content(answer.dump(2) + "\n", "application/json");
  }

  void post_machine_state(const std::string& machine, const httplib::Request& req,
                          httplib::Response& res) {
    json body = parse_json_document(req.body, fmt::format("POST /v1/machines/{}/state", machine),
                                    JsonDocumentKind{});
    if (!body.is_object() || !body.contains("state") || !body["state"].is_string()) {
      throw UsageError(
          335, "body: expected {\"state\": \"up\" | \"draining\" | \"down\" | \"rebooting\"}");
    }
    std::string name = body["state"].get<std::string>();
    auto state = parse_machine_state(name);
    if (!state) {
      throw UsageError(
          335, fmt::format("state: \"{}\" is not a machine state (up, draining, down, rebooting)",
                           name));
    }
    json answer = detail::machine_state_answer(store, machine, *state, place_options);
    res.status = 200;
    res.set_content(answer.dump(2) + "\n", "application/json");
  }

  void get_explain(const httplib::Request& req, httplib::Response& res) {
    if (!req.has_param("unit") || !req.has_param("machine")) {
      throw UsageError(334, "GET /v1/explain needs ?unit=INSTANCE&machine=NAME");
    }
    state::Snapshot snap = store.snapshot();
    ExplainAnswer a = explain_placement(snap.spec, req.get_param_value("unit"),
                                        req.get_param_value("machine"), place_options.strategy);
    res.set_header("X-Berth-Revision", std::to_string(snap.revision));
    send_json(res, 200, explain_to_json(a));
  }

  static std::int64_t integer_param(const httplib::Request& req, const char* key,
                                    std::int64_t fallback) {
    if (!req.has_param(key)) return fallback;
    std::string v = req.get_param_value(key);
    try {
      std::size_t used = 0;
      long long n = std::stoll(v, &used);
      if (used == v.size() && n >= 0) return n;
    } catch (const std::exception&) {
    }
    throw UsageError(334, fmt::format("?{}=\"{}\": expected a whole number >= 0", key, v));
  }

  void get_watch(const httplib::Request& req, httplib::Response& res) {
    if (!req.has_param("revision"))
      throw UsageError(334, "GET /v1/watch needs ?revision=N (the revision you last saw)");
    std::int64_t since = integer_param(req, "revision", 0);
    double seconds = 30;
    if (req.has_param("timeout")) {
      std::string v = req.get_param_value("timeout");
      try {
        std::size_t used = 0;
        seconds = std::stod(v, &used);
        if (used != v.size() || !(seconds >= 0)) throw std::invalid_argument("");
      } catch (const std::exception&) {
        throw UsageError(334,
                         fmt::format("?timeout=\"{}\": expected seconds >= 0 (e.g. 30 or 0.5)", v));
      }
    }
    auto limit = std::chrono::milliseconds(
        static_cast<std::int64_t>(std::min<double>(seconds * 1000.0, 1e12)));
    limit = std::min(limit, options.max_watch);
    auto deadline = std::chrono::steady_clock::now() + limit;
    // In slices, so a stopping server does not wait out a long poll.
    std::int64_t now = store.revision();
    while (now <= since && !stopping.load()) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) break;
      now = store.wait_for_change(since, std::min(left, std::chrono::milliseconds(250)));
    }
    state::Snapshot snap = store.snapshot();
    auto now_seen = record(snap);
    res.set_header("X-Berth-Revision", std::to_string(snap.revision));
    json answer = {{"revision", snap.revision}, {"since", since}};
    if (snap.revision <= since) {
      answer["timed_out"] = true;
      answer["changes"] = state_changes(*now_seen, *now_seen);
    } else if (auto before = recorded(since)) {
      answer["timed_out"] = false;
      answer["changes"] = state_changes(*before, *now_seen);
    } else {
      // Not a revision this server has seen (another server's, or too old): the whole state,
      // as a list-then-watch client expects after kube's 410 Gone.
      answer["timed_out"] = false;
      answer["reset"] = true;
      answer["state"] = spec_to_json(snap.spec);
    }
    send_json(res, 200, answer);
  }

  void post_kube(const std::string& verb, const httplib::Request& req, httplib::Response& res) {
    json args = parse_json_document(req.body, "POST /kube/" + verb, JsonDocumentKind{});
    if (verb == "filter")
      send_json(res, 200, kube.filter(args));
    else if (verb == "prioritize")
      send_json(res, 200, kube.prioritize(args));
    else
      send_json(res, 200, kube.bind(args));
  }

  /// The method `path` takes ("" for no such endpoint); `match` gets the machine-state path's
  /// machine name.
  static std::string allowed_method(const std::string& path, std::smatch& match) {
    static const std::regex machine_state_path(R"(/v1/machines/([^/]+)/state)");
    if (path == "/healthz" || path == "/v1/state" || path == "/v1/explain" || path == "/v1/watch")
      return "GET";
    if (path == "/v1/place" || path == "/v1/apply" || path == "/kube/filter" ||
        path == "/kube/prioritize" || path == "/kube/bind" ||
        std::regex_match(path, match, machine_state_path)) {
      return "POST";
    }
    return "";
  }

  /// One router for every method, so a known path asked with the wrong method gets 405 (and
  /// an Allow header) rather than httplib's 404.
  void dispatch(const httplib::Request& req, httplib::Response& res) {
    const std::string& path = req.path;
    const std::string& method = req.method == "HEAD" ? std::string("GET") : req.method;
    std::smatch match;
    std::string allowed = allowed_method(path, match);
    if (allowed.empty()) {
      send_error(res, 404, "usage", 338, fmt::format("no endpoint {} (see docs/serve.md)", path));
      return;
    }
    if (method != allowed) {
      res.set_header("Allow", allowed);
      send_error(res, 405, "usage", 339,
                 fmt::format("{} takes {} only, not {}", path, allowed, req.method));
      return;
    }
    try {
      if (path == "/healthz")
        send_json(res, 200, {{"status", "ok"}});
      else if (path == "/v1/state")
        get_state(res);
      else if (path == "/v1/explain")
        get_explain(req, res);
      else if (path == "/v1/watch")
        get_watch(req, res);
      else if (path == "/v1/place")
        post_place(req, res);
      else if (path == "/v1/apply")
        post_apply(req, res);
      else if (path.rfind("/kube/", 0) == 0)
        post_kube(path.substr(6), req, res);
      else
        post_machine_state(match[1].str(), req, res);
      if (res.status == 200 && req.method == "POST") wake_pending();
    } catch (const Error& e) {
      // The extender protocol reads `Error`; everyone else reads `error`.
      json body = error_body(e.id().substr(1, e.id().size() - 2), e.detail());
      if (path.rfind("/kube/", 0) == 0) body["Error"] = e.what();
      send_json(res, status_of(e), body);
    } catch (const std::exception& e) {
      send_error(res, 500, "store", 431, fmt::format("{} failed: {}", path, e.what()));
    }
  }
};

Server::Server(state::StateStore& store, ServerOptions options)
    : impl_(std::make_unique<Impl>(store, std::move(options))) {
  check_listen_policy(impl_->options);
  Impl* self = impl_.get();
  auto& http = impl_->http;
  // Long polls hold a worker each; a small pool would let watchers starve everyone else.
  http.new_task_queue = [] { return new httplib::ThreadPool(64); };
  http.set_payload_max_length(impl_->options.max_body);
  http.set_pre_routing_handler([self](const httplib::Request& req, httplib::Response& res) {
    if (self->options.token.empty()) return httplib::Server::HandlerResponse::Unhandled;
    std::string expected = "Bearer " + self->options.token;
    std::string given =
        req.has_header("Authorization") ? req.get_header_value("Authorization") : "";
    if (constant_time_equal(given, expected)) return httplib::Server::HandlerResponse::Unhandled;
    // Never echo what was sent: it may be someone's secret with a typo.
    res.set_header("WWW-Authenticate", "Bearer");
    send_error(res, 401, "usage", 337,
               "missing or wrong bearer token (Authorization: Bearer <token from --token-file>)");
    return httplib::Server::HandlerResponse::Handled;
  });
  auto route = [self](const httplib::Request& req, httplib::Response& res) {
    self->dispatch(req, res);
  };
  for (const char* pattern : {R"(/.*)"}) {
    http.Get(pattern, route);
    http.Post(pattern, route);
    http.Put(pattern, route);
    http.Patch(pattern, route);
    http.Delete(pattern, route);
    http.Options(pattern, route);
  }
  // Answers httplib produced itself (413 before the body is read, 400 for a malformed request
  // line) get the same JSON error shape as ours.
  http.set_error_handler(httplib::Server::HandlerWithResponse(
      [self](const httplib::Request& req, httplib::Response& res) {
        if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
        std::smatch match;
        std::string allowed = Impl::allowed_method(req.path, match);
        if (res.status == 400 && !allowed.empty() && req.method != allowed &&
            !(allowed == "GET" && req.method == "HEAD")) {
          // httplib refuses a PUT or PATCH without a body before routing: still the wrong method.
          res.set_header("Allow", allowed);
          send_error(res, 405, "usage", 339,
                     fmt::format("{} takes {} only, not {}", req.path, allowed, req.method));
        } else if (res.status == 413) {
          send_error(res, 413, "usage", 340,
                     fmt::format("request body larger than {} bytes (serve --max-body)",
                                 self->options.max_body));
        } else if (res.status == 404) {
          send_error(res, 404, "usage", 338, "no such endpoint (see docs/serve.md)");
        } else {
          send_error(res, res.status, "usage", 340,
                     fmt::format("malformed HTTP request (status {})", res.status));
        }
        return httplib::Server::HandlerResponse::Handled;
      }));
  http.set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, const std::exception_ptr&) {
        send_error(res, 500, "store", 431, "the request failed inside the server");
      });
}

Server::~Server() { stop(); }

int Server::bind() {
  if (impl_->bound) return impl_->port;
  int port = impl_->options.port;
  if (port == 0) {
    port = impl_->http.bind_to_any_port(impl_->options.host);
  } else if (!impl_->http.bind_to_port(impl_->options.host, port)) {
    port = -1;
  }
  if (port <= 0) {
    throw UsageError(
        333, fmt::format("--listen {}:{}: cannot listen there (address in use, or not this host's)",
                         impl_->options.host, impl_->options.port));
  }
  impl_->port = port;
  impl_->bound = true;
  return port;
}

void Server::run() {
  bind();
  impl_->start_pending();
  impl_->http.listen_after_bind();
}

int Server::start() {
  int port = bind();
  impl_->start_pending();
  impl_->serving = std::thread([this] { impl_->http.listen_after_bind(); });
  return port;
}

void Server::stop() {
  std::lock_guard<std::mutex> lock(impl_->stop_mutex);
  impl_->stopping.store(true);
  impl_->http.stop();
  if (impl_->serving.joinable()) impl_->serving.join();
  impl_->stop_pending();
}

int Server::port() const { return impl_->port; }
const std::string& Server::host() const { return impl_->options.host; }

}  // namespace berth::serve
