// Fuzzes the kubectl JSON importer. The input is split at the first NUL byte into a node dump
// and a pod dump. An imported spec must survive the JSON spec round trip.
#include <string>
#include <vector>

#include "berth/io/kube.hpp"
#include "berth/io/spec_json.hpp"
#include "fuzz_support.hpp"

using namespace berth;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text = fuzz::as_text(data, size);
  std::vector<KubeDocument> nodes, pods;
  auto nul = text.find('\0');
  nodes.push_back({"nodes.json", std::string(text.substr(0, nul))});
  if (nul != std::string_view::npos)
    pods.push_back({"pods.json", std::string(text.substr(nul + 1))});
  KubeImport imported;
  try {
    imported = import_kube_text(nodes, pods);
  } catch (const Error& e) {
    fuzz::check_error(e);
    return 0;
  }
  (void)kube_import_summary(imported);
  std::string first = write_spec_json(imported.spec);
  try {
    std::string second = write_spec_json(parse_spec_json(first, "roundtrip.json"));
    if (first != second) fuzz::fail("kube spec round trip differs", first, second);
  } catch (const Error& e) {
    fuzz::fail(std::string("an imported spec does not parse back: ") + e.what(), text, first);
  }
  return 0;
}
