#pragma once
// The CPU backend's door to oneDNN (Debian's libdnnl, OpenMP runtime, so it runs on Tessera's one thread pool):
// the engine, a stream per calling thread, buffers wrapped without copies, and a cache of primitives keyed by
// everything that shapes them (Note [oneDNN primitive cache]).
//
// Note [oneDNN primitive cache]
// Creating a primitive (descriptor, implementation search, JIT code) costs tens to hundreds of microseconds, as
// much as running a small convolution. Each kind of plan (a primitive plus the reorders around it) is built once
// per key and kept; the key holds every size, stride, padding and the thread count (oneDNN splits work for the
// thread count it sees at creation, and a fixed split keeps results reproducible for a given thread count).
// Plans are immutable after creation, and oneDNN primitives may run concurrently, so lookups only lock the map.
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <oneapi/dnnl/dnnl.hpp>
#include <unordered_map>
#include <vector>

namespace tessera::cpu::onednn {

/// The process's CPU engine.
const dnnl::engine& engine();
/// The calling thread's in-order stream on engine().
dnnl::stream& stream();

/// A memory object over `data` (laid out as `md` says); no copy, the caller keeps the buffer alive.
dnnl::memory wrap(const dnnl::memory::desc& md, const void* data);

/// A 64-byte aligned buffer from Tessera's CPU allocator (counted in its peak statistics), freed on destruction.
class Buffer {
 public:
  explicit Buffer(size_t bytes);
  ~Buffer();
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  void* data() const { return data_; }

 private:
  void* data_ = nullptr;
  size_t bytes_ = 0;
};

/// Runs `p` on stream() with the given arguments plus a user scratchpad of `scratch` bytes, and waits for it.
void execute(const dnnl::primitive& p, std::unordered_map<int, dnnl::memory> args, const dnnl::memory::desc& scratch);

/// The cache key of a plan: its kind and every integer that shapes it (the thread count is added by cached()).
using PlanKey = std::vector<int64_t>;

/// The plan of type `Plan` for `key`, made by `make(key)` on first use (Note [oneDNN primitive cache]). A plan
/// that cannot be made (oneDNN has no implementation) is cached as null, so the caller falls back every time at
/// no cost.
template <class Plan, class Make>
std::shared_ptr<const Plan> cached(PlanKey key, const Make& make);

/// Gives the calling thread's OpenMP setting Tessera's thread count (each thread has its own, and oneDNN reads
/// it) and appends that count to `key`.
void add_thread_count(PlanKey& key);

// ---- implementation ----------------------------------------------------------------------------------------

template <class Plan, class Make>
std::shared_ptr<const Plan> cached(PlanKey key, const Make& make) {
  static std::mutex mu;
  static auto* plans = new std::map<PlanKey, std::shared_ptr<const Plan>>();  // never destroyed (static exit)
  add_thread_count(key);
  {
    std::lock_guard<std::mutex> lock(mu);
    if (auto it = plans->find(key); it != plans->end()) return it->second;
  }
  std::shared_ptr<const Plan> plan;
  try {
    plan = std::make_shared<const Plan>(make());
  } catch (const dnnl::error&) {
    plan = nullptr;  // unimplemented geometry: the caller's own kernel takes it
  }
  std::lock_guard<std::mutex> lock(mu);
  // A bounded cache: a program with endlessly varying shapes starts over rather than growing without limit.
  if (plans->size() >= 1024) plans->clear();
  return plans->emplace(std::move(key), std::move(plan)).first->second;
}

}  // namespace tessera::cpu::onednn
