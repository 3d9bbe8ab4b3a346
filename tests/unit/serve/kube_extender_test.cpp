// The kube-scheduler extender endpoints over HTTP: filter -> prioritize -> bind -> filter
// again sees the pod (docs/serve.md#kube-scheduler-extender).
#include <catch2/catch.hpp>

#include "unit/serve/serve_support.hpp"

using namespace berth;
using namespace berth::serve;
using namespace berth::serve::testing;
using nlohmann::json;

namespace {

json node(const std::string& name, const std::string& cpu, const std::string& memory,
          json labels = json::object(), json taints = json::array()) {
  return {{"metadata", {{"name", name}, {"uid", "uid-" + name}, {"labels", labels}}},
          {"spec", {{"taints", taints}}},
          {"status",
           {{"allocatable", {{"cpu", cpu}, {"memory", memory}, {"pods", "110"}}},
            {"capacity", {{"cpu", cpu}, {"memory", memory}, {"pods", "110"}}}}}};
}

json pod(const std::string& name, const std::string& cpu, const std::string& memory,
         json node_selector = json::object()) {
  json spec = {
      {"containers",
       json::array(
           {{{"name", "c"}, {"resources", {{"requests", {{"cpu", cpu}, {"memory", memory}}}}}}})}};
  if (!node_selector.empty()) spec["nodeSelector"] = node_selector;
  return {{"metadata", {{"name", name}, {"namespace", "shop"}, {"uid", "uid-" + name}}},
          {"spec", spec},
          {"status", {{"phase", "Pending"}}}};
}

json nodes() {
  return {
      {"metadata", json::object()},
      {"items",
       json::array(
           {node("n1", "2", "4Gi", {{"disk", "ssd"}}), node("n2", "4", "8Gi", {{"disk", "hdd"}}),
            node("n3", "8", "16Gi", {{"disk", "ssd"}},
                 json::array({{{"key", "gpu"}, {"value", "yes"}, {"effect", "NoSchedule"}}})),
            node("tiny", "500m", "1Gi", {{"disk", "ssd"}})})}};
}

json post(httplib::Client& c, const std::string& path, const json& body, int status = 200) {
  auto r = c.Post(path, body.dump(), "application/json");
  REQUIRE(r);
  INFO(r->body);
  CHECK(r->status == status);
  return json::parse(r->body);
}

}  // namespace

TEST_CASE("serve: kube extender filter -> prioritize -> bind -> filter sees the pod",
          "[serve][kube]") {
  ServerOptions o;
  o.place_pending = false;
  Running run("memory:", o);
  auto c = run.client();

  // nodeCacheCapable: false: whole Node objects; they become machines.
  json f = post(c, "/kube/filter",
                {{"Pod", pod("cart", "1500m", "1Gi", {{"disk", "ssd"}})},
                 {"Nodes", nodes()},
                 {"NodeNames", nullptr}});
  CHECK(f["Error"] == "");
  CHECK(f["NodeNames"].is_null());
  REQUIRE(f["Nodes"]["items"].size() == 1);
  CHECK(f["Nodes"]["items"][0]["metadata"]["name"] == "n1");
  // n2: the selector; n3: the taint; tiny: too small even empty. None helped by evicting.
  CHECK(f["FailedNodes"].empty());
  REQUIRE(f["FailedAndUnresolvableNodes"].size() == 3);
  CHECK(f["FailedAndUnresolvableNodes"]["n2"].get<std::string>().find("disk") != std::string::npos);
  CHECK(f["FailedAndUnresolvableNodes"]["n3"].get<std::string>().find("gpu") != std::string::npos);
  CHECK(f["FailedAndUnresolvableNodes"]["tiny"].get<std::string>().find("cpu") !=
        std::string::npos);
  Spec stored = run.store->snapshot().spec;
  CHECK(stored.machines.size() == 4);
  CHECK(stored.units.empty());  // filtering records nothing

  json p = post(c, "/kube/prioritize",
                {{"Pod", pod("cart", "1500m", "1Gi")},
                 {"NodeNames", {"n1", "n2", "n3"}},
                 {"Nodes", nullptr}});
  REQUIRE(p.is_array());
  REQUIRE(p.size() == 3);
  std::map<std::string, std::int64_t> score;
  for (const auto& h : p) {
    CHECK(h["Score"].get<std::int64_t>() >= 0);
    CHECK(h["Score"].get<std::int64_t>() <= 10);
    score[h["Host"].get<std::string>()] = h["Score"].get<std::int64_t>();
  }
  CHECK(score["n3"] == 0);   // tainted: not a candidate
  CHECK(score["n1"] == 10);  // best-fit packs: the fullest machine that fits ranks first
  CHECK(score["n2"] == 0);

  json b =
      post(c, "/kube/bind",
           {{"PodName", "cart"}, {"PodNamespace", "shop"}, {"PodUID", "uid-cart"}, {"Node", "n1"}});
  CHECK(b["Error"] == "");
  stored = run.store->snapshot().spec;
  REQUIRE(stored.placements.count("shop/cart"));
  CHECK(stored.placements.at("shop/cart") == "n1");
  REQUIRE(stored.units.size() == 1);
  CHECK(stored.units[0].requests.cpu == 1500);  // remembered from the filter call

  // Another pod: n1 now has 500m left; evicting cart would help, so n1 is merely failed.
  json f2 = post(c, "/kube/filter",
                 {{"Pod", pod("checkout", "1", "1Gi")}, {"NodeNames", {"n1", "n2", "ghost"}}});
  CHECK(f2["Nodes"].is_null());
  CHECK(f2["NodeNames"] == json::array({"n2"}));
  REQUIRE(f2["FailedNodes"].contains("n1"));
  CHECK(f2["FailedNodes"]["n1"].get<std::string>().find("cpu") != std::string::npos);
  CHECK(f2["FailedAndUnresolvableNodes"].contains("ghost"));

  // Bound twice (kube retries): no error, nothing changes.
  std::int64_t rev = run.store->revision();
  json again =
      post(c, "/kube/bind",
           {{"PodName", "cart"}, {"PodNamespace", "shop"}, {"PodUID", "uid-cart"}, {"Node", "n1"}});
  CHECK(again["Error"] == "");
  CHECK(run.store->revision() == rev);

  // checkout bound where it no longer fits: Error, nothing stored.
  json late = post(c, "/kube/bind",
                   {{"PodName", "checkout"},
                    {"PodNamespace", "shop"},
                    {"PodUID", "uid-checkout"},
                    {"Node", "n1"}});
  CHECK(late["Error"].get<std::string>().find("no longer fits") != std::string::npos);
  CHECK(run.store->revision() == rev);
  json fine = post(c, "/kube/bind",
                   {{"PodName", "checkout"},
                    {"PodNamespace", "shop"},
                    {"PodUID", "uid-checkout"},
                    {"Node", "n2"}});
  CHECK(fine["Error"] == "");
  CHECK(run.store->snapshot().spec.placements.at("shop/checkout") == "n2");
}

TEST_CASE("serve: kube extender refuses malformed requests with 400", "[serve][kube]") {
  ServerOptions o;
  o.place_pending = false;
  Running run("memory:", o);
  auto c = run.client();
  json e = post(c, "/kube/filter", {{"pod", pod("x", "1", "1Gi")}, {"NodeNames", {"n1"}}}, 400);
  CHECK(e["error"]["id"] == "berth.usage.341");
  CHECK(e["Error"].get<std::string>().find("Pod") != std::string::npos);
  e = post(c, "/kube/filter", {{"Pod", pod("x", "1", "1Gi")}}, 400);
  CHECK(e["error"]["id"] == "berth.usage.341");
  e = post(c, "/kube/bind", {{"PodName", "never"}, {"PodNamespace", "shop"}, {"Node", "n1"}}, 400);
  CHECK(e["error"]["id"] == "berth.usage.336");
  e = post(c, "/kube/bind", {{"PodName", 7}, {"Node", "n1"}}, 400);
  CHECK(e["error"]["id"] == "berth.usage.341");
  auto r = c.Post("/kube/prioritize", "{not json", "application/json");
  CHECK(r->status == 400);
  CHECK(json::parse(r->body)["error"]["id"].get<std::string>().rfind("berth.parse_error.", 0) == 0);
  CHECK(run.store->revision() == 0);
}

TEST_CASE("serve: kube extender keeps a Deployment's replicas apart (required anti-affinity)",
          "[serve][kube]") {
  ServerOptions o;
  o.place_pending = false;
  Running run("memory:", o);
  auto c = run.client();
  auto replica = [](const std::string& name) {
    json p = pod(name, "100m", "128Mi");
    p["metadata"]["labels"] = {{"app", "web"}};
    p["metadata"]["ownerReferences"] =
        json::array({{{"kind", "ReplicaSet"}, {"name", "web-abc"}, {"controller", true}}});
    p["spec"]["affinity"] = {
        {"podAntiAffinity",
         {{"requiredDuringSchedulingIgnoredDuringExecution",
           json::array({{{"labelSelector", {{"matchLabels", {{"app", "web"}}}}},
                         {"topologyKey", "kubernetes.io/hostname"}}})}}}};
    return p;
  };
  json f = post(c, "/kube/filter", {{"Pod", replica("web-abc-1")}, {"Nodes", nodes()}});
  CHECK(f["FailedNodes"].empty());
  CHECK(post(c, "/kube/bind",
             {{"PodName", "web-abc-1"}, {"PodNamespace", "shop"}, {"Node", "n1"}})["Error"] == "");
  json g = post(c, "/kube/filter", {{"Pod", replica("web-abc-2")}, {"NodeNames", {"n1", "n2"}}});
  CHECK(g["NodeNames"] == json::array({"n2"}));
  REQUIRE(g["FailedNodes"].contains("n1"));  // evicting web-abc-1 would make room: not unresolvable
  CHECK(g["FailedNodes"]["n1"].get<std::string>().find("shop/web-abc-1") != std::string::npos);
}
