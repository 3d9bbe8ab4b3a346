// Taints, tolerations (kube's semantics) and host ports (constraint/taint.hpp), on hand-made
// cases; the placement pipeline's use of them is in place/pipeline_test.cpp.
#include "berth/constraint/taint.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "berth/error.hpp"

using namespace berth;

namespace {

Toleration equal(const std::string& key, const std::string& value) {
  Toleration t;
  t.key = key;
  t.value = value;
  return t;
}

Toleration exists(const std::string& key) {
  Toleration t;
  t.key = key;
  t.op = TolerationOp::Exists;
  return t;
}

}  // namespace

TEST_CASE("taint effects use kube's spelling both ways", "[taint]") {
  for (TaintEffect e :
       {TaintEffect::NoSchedule, TaintEffect::PreferNoSchedule, TaintEffect::NoExecute}) {
    CHECK(parse_taint_effect(to_string(e)) == e);
  }
  CHECK(std::string(to_string(TaintEffect::PreferNoSchedule)) == "PreferNoSchedule");
  CHECK_FALSE(parse_taint_effect("noschedule"));  // case matters, as in kube
  CHECK_FALSE(parse_taint_effect(""));
}

TEST_CASE("a taint describes itself as kubectl writes it; only soft taints are not hard",
          "[taint]") {
  CHECK(Taint{"dedicated", "gpu", TaintEffect::NoSchedule}.describe() ==
        "dedicated=gpu:NoSchedule");
  CHECK(Taint{"maintenance", "", TaintEffect::NoExecute}.describe() == "maintenance:NoExecute");
  CHECK(Taint{"k", "v", TaintEffect::NoSchedule}.hard());
  CHECK(Taint{"k", "v", TaintEffect::NoExecute}.hard());
  CHECK_FALSE(Taint{"k", "v", TaintEffect::PreferNoSchedule}.hard());
}

TEST_CASE("tolerations: Equal compares key and value, Exists the key, an empty key all",
          "[taint]") {
  const Taint gpu{"dedicated", "gpu", TaintEffect::NoSchedule};
  CHECK(equal("dedicated", "gpu").tolerates(gpu));
  CHECK_FALSE(equal("dedicated", "db").tolerates(gpu));
  CHECK_FALSE(equal("other", "gpu").tolerates(gpu));
  CHECK(exists("dedicated").tolerates(gpu));
  CHECK_FALSE(exists("other").tolerates(gpu));
  CHECK(exists("").tolerates(gpu));  // tolerates everything
  // An empty key matches every key, but Equal still compares the value (the spec reader
  // refuses an Equal toleration without a key, so only the library can build one).
  CHECK(equal("", "gpu").tolerates(gpu));
  CHECK_FALSE(equal("", "db").tolerates(gpu));
  // The effect, when given, must match.
  Toleration only_execute = exists("dedicated");
  only_execute.effect = TaintEffect::NoExecute;
  CHECK_FALSE(only_execute.tolerates(gpu));
  CHECK(only_execute.tolerates(Taint{"dedicated", "gpu", TaintEffect::NoExecute}));
}

TEST_CASE("first_untolerated skips soft and tolerated taints", "[taint]") {
  const std::vector<Taint> taints = {{"soft", "", TaintEffect::PreferNoSchedule},
                                     {"dedicated", "gpu", TaintEffect::NoSchedule},
                                     {"maintenance", "", TaintEffect::NoExecute}};
  CHECK(first_untolerated(taints, {}) == 1);  // the soft one never keeps anything off
  CHECK(first_untolerated(taints, {equal("dedicated", "gpu")}) == 2);
  CHECK(first_untolerated(taints, {equal("dedicated", "gpu"), exists("maintenance")}) == -1);
  CHECK(first_untolerated(taints, {exists("")}) == -1);
  CHECK(first_untolerated({}, {}) == -1);
  CHECK(tolerated({equal("a", "1"), exists("dedicated")}, taints[1]));
  CHECK_FALSE(tolerated({equal("a", "1")}, taints[1]));
  CHECK_FALSE(tolerated({}, taints[0]));
}

TEST_CASE("host ports parse with an optional protocol and describe themselves", "[taint][ports]") {
  CHECK(parse_host_port("80", "f") == HostPort{80, PortProtocol::Tcp});
  CHECK(parse_host_port("53/udp", "f") == HostPort{53, PortProtocol::Udp});
  CHECK(parse_host_port("9/SCTP", "f") == HostPort{9, PortProtocol::Sctp});
  CHECK(parse_host_port("65535/tcp", "f").port == 65535);
  CHECK(HostPort{8443, PortProtocol::Tcp}.describe() == "8443/tcp");
  CHECK(HostPort{53, PortProtocol::Udp}.describe() == "53/udp");
  CHECK(HostPort{9, PortProtocol::Sctp}.describe() == "9/sctp");
}

TEST_CASE("bad host ports are validation error 268 naming the field and the value",
          "[taint][ports]") {
  const char* bad[] = {"0", "65536", "-1", "", "80/", "80/icmp", "http", "80 ", "8o", "/tcp"};
  for (const char* text : bad) {
    INFO(text);
    try {
      parse_host_port(text, "units[2].ports[0]");
      FAIL("no error");
    } catch (const ValidationError& e) {
      CHECK(e.code() == 268);
      CHECK(e.subject() == "units[2].ports[0]");
    }
  }
  CHECK_THROWS_WITH(parse_host_port("70000", "p"),
                    Catch::Contains("port 70000 is outside 1-65535"));
  CHECK_THROWS_WITH(parse_host_port("80/icmp", "p"), Catch::Contains("unknown protocol \"icmp\""));
}

TEST_CASE("ports overlap on the same number and protocol only", "[taint][ports]") {
  const std::vector<HostPort> web = {{80, PortProtocol::Tcp}, {443, PortProtocol::Tcp}};
  const std::vector<HostPort> dns = {{53, PortProtocol::Udp}, {80, PortProtocol::Udp}};
  const std::vector<HostPort> proxy = {{53, PortProtocol::Udp}, {443, PortProtocol::Tcp}};
  CHECK_FALSE(ports_overlap(web, dns));  // 80/tcp and 80/udp are different ports
  HostPort shared;
  REQUIRE(ports_overlap(web, proxy, &shared));
  CHECK(shared == HostPort{443, PortProtocol::Tcp});
  REQUIRE(ports_overlap(dns, proxy, &shared));
  CHECK(shared == HostPort{53, PortProtocol::Udp});
  CHECK_FALSE(ports_overlap(web, {}));
  CHECK_FALSE(ports_overlap({}, {}, nullptr));
}
