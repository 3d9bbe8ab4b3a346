#pragma once
/// \file `berth serve`: a long-running scheduler over a state store with a JSON API over HTTP
/// and the kube-scheduler extender endpoints (docs/serve.md). The server holds no cluster state
/// of its own: every request reads a snapshot and every change is an optimistic commit, so
/// several servers (and CLI calls) may share one store, and a server killed at any moment
/// leaves the store as its last commit left it.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "berth/export.hpp"
#include "berth/state/store.hpp"

namespace berth::serve {

struct ServerOptions {
  std::string host = "127.0.0.1";  ///< address to listen on
  int port = 0;                    ///< 0: any free port (see Server::port())
  /// Bearer token every request must carry (`Authorization: Bearer <token>`); "" = none.
  /// Required when `host` is not a loopback address (check_listen_policy).
  std::string token;
  std::size_t max_body = std::size_t{64} << 20;  ///< larger request bodies get 413
  std::string strategy = "best-fit";             ///< place_options_for name
  /// Place stored pending units whenever the store changes (another writer, or a removal that
  /// freed room): the Watcher's job. Off in tests that want a quiet store.
  bool place_pending = true;
  /// Longest `GET /v1/watch` wait a client may ask for.
  std::chrono::milliseconds max_watch = std::chrono::seconds(60);
};

/// Throws UsageError 331 when `host` is not loopback and no token is set: a scheduler that
/// writes cluster state must not be open to the network by accident.
BERTH_API void check_listen_policy(const ServerOptions& options);

/// "HOST:PORT" (or "[v6]:PORT") -> host, port. Throws UsageError 330 naming the value.
BERTH_API std::pair<std::string, int> parse_listen_address(const std::string& text);

/// Reads a token file (first line, surrounding whitespace trimmed). Throws UsageError 332 when
/// it cannot be read or is empty; the message names the file, never its content.
BERTH_API std::string read_token_file(const std::string& path);

class BERTH_API Server {
 public:
  Server(state::StateStore& store, ServerOptions options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  /// Binds the listening socket; returns the port (the chosen one when options.port was 0).
  /// Throws UsageError 333 when the address cannot be bound.
  int bind();
  /// Serves until stop(): blocks the calling thread. bind() first.
  void run();
  /// bind() (if not yet) and run() on a background thread; returns the port. For tests and
  /// embedders.
  int start();
  /// Stops accepting connections, lets requests in flight finish (their commits are atomic:
  /// a commit either happened or did not), stops the pending-unit placer; returns when all of
  /// that is done. Safe to call from any thread, more than once.
  void stop();
  int port() const;
  const std::string& host() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace berth::serve
