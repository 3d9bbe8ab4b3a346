#pragma once
/// \file A store in process memory: for tests and for programs that embed berth and keep
/// their own durability.
#include <condition_variable>
#include <memory>
#include <mutex>

#include "berth/export.hpp"
#include "berth/state/store.hpp"

namespace berth::state {

/// Everything in maps behind one mutex; commits are atomic because they hold it.
class BERTH_API MemoryStore final : public StateStore {
 public:
  MemoryStore();
  ~MemoryStore() override;
  std::string name() const override { return "memory:"; }
  Snapshot snapshot() override;
  CommitResult commit(const Plan& plan, const Snapshot& base) override;
  std::int64_t revision() override;
  std::int64_t wait_for_change(std::int64_t since, std::chrono::milliseconds timeout) override;

 private:
  struct Data;
  std::unique_ptr<Data> data_;
  std::mutex mutex_;
  std::condition_variable changed_;
};

}  // namespace berth::state
