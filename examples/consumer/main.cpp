// Places a spec file with the installed library and prints what is pending and why.
#include <berth/berth.hpp>

#include <cstdio>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: consumer SPEC.json\n");
    return 1;
  }
  try {
    berth::Spec spec = berth::read_spec_file(argv[1]);
    berth::PlacementResult result = berth::place(spec);
    std::printf("consumer: %zu placed, %zu pending\n", result.placements.size(),
                result.pending.size());
    for (const auto& p : result.pending) std::printf("  %s\n", p.summary().c_str());
  } catch (const berth::Error& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
  return 0;
}
