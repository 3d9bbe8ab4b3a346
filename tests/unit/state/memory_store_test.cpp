// The in-process store (state/memory_store.hpp). What every store must do is checked on all
// three in store_test.cpp; this file covers what is the memory store's own: its name, a
// revision that counts commits from zero, separate instances sharing nothing, and waiting.
#include "berth/state/memory_store.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <future>

#include "berth/state/store.hpp"
#include "support/builders.hpp"

using namespace berth;
using namespace berth::state;
using namespace std::chrono_literals;

namespace {

Plan add_machine(const std::string& name) {
  Plan p;
  p.machines.push_back(berth::testing::machine(name, 2000, berth::testing::kGi));
  return p;
}

}  // namespace

TEST_CASE("memory store: named memory:, and open_store makes one", "[state][memory]") {
  MemoryStore store;
  CHECK(store.name() == "memory:");
  const auto opened = open_store("memory:");
  REQUIRE(opened);
  CHECK(opened->name() == "memory:");
  CHECK(dynamic_cast<MemoryStore*>(opened.get()) != nullptr);
}

TEST_CASE("memory store: the revision counts commits, and two stores share nothing",
          "[state][memory]") {
  MemoryStore a, b;
  CHECK(a.revision() == 0);
  CHECK(a.snapshot().revision == 0);
  REQUIRE(a.commit(add_machine("m1"), a.snapshot()).committed());
  CHECK(a.revision() == 1);
  const CommitResult r = a.commit(add_machine("m2"), a.snapshot());
  REQUIRE(r.committed());
  CHECK(r.revision == 2);
  CHECK(r.chunks == 1);  // one atomic commit
  CHECK(a.snapshot().spec.machines.size() == 2);
  CHECK(b.revision() == 0);
  CHECK(b.snapshot().spec.machines.empty());
  // A plan that is refused changes nothing, not even the revision.
  Plan bad;
  bad.assignments = {{"ghost", "m1"}};
  CHECK_FALSE(a.commit(bad, a.snapshot()).committed());
  CHECK(a.revision() == 2);
}

TEST_CASE("memory store: wait_for_change returns at once when the revision is past since",
          "[state][memory]") {
  MemoryStore store;
  REQUIRE(store.commit(add_machine("m1"), store.snapshot()).committed());
  // Already past `since`: no wait (the long timeout would make a wrong answer obvious).
  CHECK(store.wait_for_change(0, 1h) == 1);
  // Nothing changes: the timeout passes and the revision is `since` itself.
  CHECK(store.wait_for_change(1, 1ms) == 1);
  // A commit from another thread wakes a waiter.
  auto waiter = std::async(std::launch::async, [&] { return store.wait_for_change(1, 1h); });
  REQUIRE(store.commit(add_machine("m2"), store.snapshot()).committed());
  CHECK(waiter.get() == 2);
}
