#include "berth/pack/exact.hpp"

#include <chrono>

#include "berth/pack/solve.hpp"

namespace berth::pack {

ExactResult solve_exact(const Instance& in, const ExactOptions& o) {
  const auto t0 = std::chrono::steady_clock::now();
  SolveOptions so;
  so.time_limit = std::min(o.time_limit, 2.0);
  so.seed = o.seed;
  if (o.max_nodes > 0) so.max_iterations = o.max_nodes;
  const SolveResult r = solve(in, kDefaultStrategy, so);
  ExactResult out;
  out.best = r.solution;
  out.lower_bound = r.lower_bound;
  out.proven_optimal = r.proven_optimal;
  out.gap = out.best.bins ? double(out.best.bins - out.lower_bound) / double(out.best.bins) : 0;
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return out;
}

}  // namespace berth::pack
