// berth import kube: kubectl dumps in, a berth spec out (docs/kube.md).
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "berth/error.hpp"
#include "berth/io/kube.hpp"
#include "berth/io/spec_json.hpp"
#include "command.hpp"

namespace berth::cli {
namespace {

struct ImportKubeOptions {
  std::vector<std::string> nodes;
  std::vector<std::string> pods;
  std::string output;  // "" or "-": standard output
};

void run_import_kube(const ImportKubeOptions& opt) {
  if (opt.nodes.empty() && opt.pods.empty()) {
    throw ValidationError(278, "import kube", "give --nodes FILE... and/or --pods FILE...");
  }
  KubeImport result = import_kube(opt.nodes, opt.pods);
  const std::string json = write_spec_json(result.spec);
  if (opt.output.empty() || opt.output == "-") {
    std::fputs(json.c_str(), stdout);
  } else {
    std::ofstream out(opt.output, std::ios::binary | std::ios::trunc);
    if (!out) throw ValidationError(279, "import kube", "cannot write \"" + opt.output + "\"");
    out << json;
    out.close();
    if (!out) throw ValidationError(279, "import kube", "cannot write \"" + opt.output + "\"");
  }
  // The summary goes to stderr so that stdout stays a clean spec for a pipe.
  std::fputs(kube_import_summary(result).c_str(), stderr);
}

void setup_import(CLI::App& app, Context& /*ctx*/) {
  auto* import =
      app.add_subcommand("import", "Convert another tool's cluster description into a berth spec");
  import->require_subcommand(1);
  auto opt = std::make_shared<ImportKubeOptions>();
  auto* kube = import->add_subcommand(
      "kube",
      "kubectl get nodes -o json / kubectl get pods -A -o json -> spec JSON (docs/kube.md)");
  kube->add_option("--nodes", opt->nodes,
                   "Node dumps (NodeList, List, array or single Node; - for stdin)")
      ->expected(1, -1);
  kube->add_option("--pods", opt->pods,
                   "Pod dumps (PodList, List, array or single Pod; - for stdin)")
      ->expected(1, -1);
  kube->add_option("-o,--output", opt->output, "Write the spec here instead of standard output");
  kube->callback([opt] { run_import_kube(*opt); });
}

}  // namespace
}  // namespace berth::cli

BERTH_REGISTER_COMMAND(import, 70, berth::cli::setup_import);
