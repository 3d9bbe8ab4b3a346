#include "berth/state/memory_store.hpp"

#include "detail.hpp"

namespace berth::state {

struct MemoryStore::Data {
  detail::State state;
};

MemoryStore::MemoryStore() : data_(std::make_unique<Data>()) {}
MemoryStore::~MemoryStore() = default;

Snapshot MemoryStore::snapshot() {
  std::lock_guard lock(mutex_);
  return detail::snapshot_of(data_->state);
}

CommitResult MemoryStore::commit(const Plan& plan, const Snapshot& base) {
  detail::Touched touched = detail::touched_by(plan, base);
  CommitResult out;
  {
    std::lock_guard lock(mutex_);
    detail::State& s = data_->state;
    out.revision = s.revision;
    auto rev_of = [](const std::map<std::string, std::int64_t>& revs, const std::string& n) {
      auto it = revs.find(n);
      return it == revs.end() ? std::int64_t{0} : it->second;
    };
    detail::CurrentLookup now{[&](const std::string& m) { return rev_of(s.machine_revisions, m); },
                              [&](const std::string& u) { return rev_of(s.unit_revisions, u); },
                              [&](const std::string& i) -> std::optional<std::string> {
                                auto it = s.placements.find(i);
                                if (it == s.placements.end()) return std::nullopt;
                                return it->second;
                              }};
    if (detail::find_conflicts(base, touched, now, out)) return out;
    out.problems = detail::validate(plan, detail::view_of(s, plan, touched), touched);
    if (!out.problems.empty()) {
      out.status = CommitStatus::Rejected;
      return out;
    }
    detail::apply(s, plan, touched, s.revision + 1);
    out.revision = s.revision;
    out.chunks = 1;  // one atomic change
  }
  changed_.notify_all();
  return out;
}

std::int64_t MemoryStore::revision() {
  std::lock_guard lock(mutex_);
  return data_->state.revision;
}

std::int64_t MemoryStore::wait_for_change(std::int64_t since, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  changed_.wait_for(lock, timeout, [&] { return data_->state.revision > since; });
  return data_->state.revision;
}

}  // namespace berth::state
