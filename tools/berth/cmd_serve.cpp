// berth [--store URL] serve --listen HOST:PORT [--token-file F] [--max-body BYTES] [--strategy S]
// A long-running scheduler over the store: JSON API and kube-scheduler extender (docs/serve.md).
// Exit: 0 after SIGTERM/SIGINT (the request in flight finished, nothing half-committed),
// 1 on bad arguments or when the address cannot be bound.
#include <fmt/format.h>
#include <signal.h>

#include <atomic>
#include <cstdio>
#include <ctime>
#include <memory>
#include <thread>

#ifdef BERTH_HAVE_SERVE  // built without cpp-httplib there is no serve component, and no verb
#include "berth/error.hpp"
#include "berth/place/place.hpp"
#include "berth/serve/server.hpp"
#include "berth/state/store.hpp"
#include "command.hpp"
#include "store_support.hpp"

namespace berth::cli {
namespace {

struct ServeArgs {
  std::string listen = "127.0.0.1:8080";
  std::string token_file;
  std::size_t max_body = std::size_t{64} << 20;
  std::string strategy = "best-fit";
};

int run_serve(const ServeArgs& args, const Context& ctx) {
  serve::ServerOptions options;
  std::tie(options.host, options.port) = serve::parse_listen_address(args.listen);
  if (!args.token_file.empty()) options.token = serve::read_token_file(args.token_file);
  options.max_body = args.max_body;
  options.strategy = args.strategy;
  (void)place_options_for(options.strategy);  // usage.302 before anything listens
  serve::check_listen_policy(options);
  std::string url = resolve_store_url(ctx);
  if (url.empty()) url = "sqlite:./berth.db";  // a scheduler needs somewhere to keep its state

  // SIGTERM and SIGINT are taken by one thread with sigwait, blocked everywhere else (set
  // before any thread starts, so every thread inherits the mask): a handler may not call
  // Server::stop, which takes locks and joins threads.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto store = state::open_store(url);
  serve::Server server(*store, options);
  int port = server.bind();
  std::fprintf(stderr, "berth serve: listening on http://%s:%d (store %s%s)\n",
               options.host.find(':') != std::string::npos
                   ? fmt::format("[{}]", options.host).c_str()
                   : options.host.c_str(),
               port, store->name().c_str(), options.token.empty() ? "" : ", bearer token required");
  std::fflush(stderr);

  std::atomic<bool> done{false};
  std::thread waiter([&] {
    timespec slice{0, 200 * 1000 * 1000};
    while (!done.load()) {
      int sig = sigtimedwait(&signals, nullptr, &slice);
      if (sig == SIGTERM || sig == SIGINT) {
        std::fprintf(stderr, "berth serve: %s: finishing requests in flight, then exiting\n",
                     sig == SIGTERM ? "SIGTERM" : "SIGINT");
        server.stop();
        return;
      }
    }
  });
  server.run();  // returns once stop() closed the listening socket and the workers finished
  done.store(true);
  waiter.join();
  server.stop();  // the pending-unit placer, if run() ended another way
  std::fprintf(stderr, "berth serve: stopped\n");
  return kExitOk;
}

void setup(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<ServeArgs>();
  CLI::App* cmd = app.add_subcommand(
      "serve",
      "Run the scheduler as an HTTP service: JSON API and kube-scheduler extender (docs/serve.md)");
  cmd->add_option("--listen", args->listen,
                  "HOST:PORT to listen on (default 127.0.0.1:8080; port 0 picks one)");
  cmd->add_option(
      "--token-file", args->token_file,
      "File whose first line is the bearer token every request must carry (required off loopback)");
  cmd->add_option("--max-body", args->max_body,
                  "Largest request body in bytes (default 67108864, 64 MiB); larger get 413")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--strategy", args->strategy,
                  "Placement strategy (as place --strategy; default best-fit)");
  cmd->callback([args, &ctx] { ctx.exit_code = run_serve(*args, ctx); });
  ctx.store_verbs.insert(cmd->get_name());
}

}  // namespace

BERTH_REGISTER_COMMAND(serve, 65, setup);

}  // namespace berth::cli

#endif  // BERTH_HAVE_SERVE
