#include "tessera/core/allocator.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <map>
#include <mutex>
#include <new>
#include <string>
#include <unordered_map>
#include <vector>

#include "tessera/core/allocator_cache.h"
#include "tessera/core/error.h"

namespace tessera {
namespace {

// Note [Block cache]: a fresh large block costs a page fault per 4 KiB page on first touch (and glibc returns
// blocks above 32 MiB to the kernel on free), which made out-of-place ops on big tensors run at a third of memory
// speed and a training step spend milliseconds faulting in activations it had freed one step earlier. Blocks of
// at least kCacheMin bytes therefore go to a cache when freed and are handed out again for requests of the same
// size class (PyTorch's CUDA caching allocator does the same on the GPU). Blocks of at least kHugeMin bytes are
// also 2 MiB aligned and advised as transparent huge pages, so even their first touch faults 512x less often.
// The cache holds at most cache_limit() bytes (TESSERA_CACHE_MB, default 2048); when a free would exceed it, the
// cache is emptied first. Note [Cache bound]: the cache must not hold blocks no request fits while the live ones
// peak (keeping every odd-sized block had VGG-A's training step hold 465 MiB of cached blocks at its peak, 1.08x
// libtorch's peak RSS), nor give back blocks that the next step asks for again (each given-back block is paid
// for in page faults when a new one is mapped). So the bound is the highest live bytes ever seen plus a 32nd
// (at least kCacheSlack): while live + cached + requested bytes stay within it, a request takes a cached block of
// its class or up to a quarter larger, as before; beyond it, it may take one up to twice its size (resident
// pages, no faults), and only when none is cached are the least recently cached blocks given back until the sum
// fits. Measured on bench_models' training steps (2 threads): VGG-A's peak 1,359 -> 1,022 MiB, AlexNet 362 ->
// 360, the Fashion CNN 51 -> 48 (libtorch: 1,080-1,150, 368-381, 49), step times unchanged. Bounds of an eighth
// without the slack or the larger blocks made the Fashion CNN's step fault in 33 MB of fresh pages and run 20%
// slower; a quarter kept VGG-A at 1,291 MiB. An eighth (stops 12-17) left AlexNet's step 66 MiB of cache above
// its live peak (RSS 361 MiB above the parameters, libtorch 326-373); a 32nd gives 314-321 MiB (VGG-A 1,015 ->
// 996) for 6,700-9,100 page faults per AlexNet step (libtorch's: 57,000-71,000), about 3% of its time (779-796
// -> 811-813 ms forward + backward).
// Sanitizer builds cache nothing, so ASan still sees every use after free.
constexpr size_t kCacheMin = size_t{1} << 16;
constexpr size_t kHugeMin = size_t{4} << 20;
constexpr size_t kHugePage = size_t{2} << 20;
constexpr size_t kCacheSlack = size_t{16} << 20;

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kCacheEnabled = false;
#else
constexpr bool kCacheEnabled = true;
#endif

/// The size class of a large request: rounded up to an eighth of its power of two (at most 12.5% slack).
size_t size_class(size_t nbytes) {
  size_t pow2 = kCacheMin;
  while (pow2 * 2 <= nbytes) pow2 *= 2;
  const size_t step = pow2 / 8;
  return (nbytes + step - 1) / step * step;
}

size_t cache_limit() {
  static const size_t limit = [] {
    const char* env = std::getenv("TESSERA_CACHE_MB");
    return (env ? std::strtoull(env, nullptr, 10) : 2048) << 20;
  }();
  return limit;
}

// Large blocks come straight from the kernel (mmap) and go straight back (munmap), so the resident set is the
// live blocks plus the cache, exactly: through malloc, blocks given back by the cache stayed resident in its
// free lists (a 64 KiB - 32 MiB block is not returned to the kernel) and fragmented them.
void* system_allocate(size_t bytes) {
  static const auto page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  const size_t length = (bytes + page - 1) / page * page;  // munmap of `bytes` later frees the same pages
  const size_t align = bytes >= kHugeMin ? std::max(kHugePage, page) : page;
  const size_t mapped = length + (align > page ? align : 0);
  void* m = mmap(nullptr, mapped, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (m == MAP_FAILED) return nullptr;
  auto* base = static_cast<char*>(m);
  auto* p = reinterpret_cast<char*>((reinterpret_cast<uintptr_t>(base) + align - 1) / align * align);
  // Trim the alignment slack on both sides (whole pages: p and p + length are page-aligned).
  if (p > base) munmap(base, static_cast<size_t>(p - base));
  if (base + mapped > p + length) munmap(p + length, static_cast<size_t>(base + mapped - (p + length)));
  if (bytes >= kHugeMin) madvise(p, length, MADV_HUGEPAGE);  // advice only: failure changes nothing
  return p;
}
void system_free(void* p, size_t bytes) { munmap(p, bytes); }

class CpuAllocator final : public Allocator {
 public:
  void* allocate(size_t nbytes) override {
    void* p = nbytes >= kCacheMin && kCacheEnabled ? allocate_large(nbytes) : allocate_small(nbytes);
    if (!p) throw Error(cat("cpu allocator: out of memory allocating ", nbytes, " bytes"));
    int64_t now = current_.fetch_add(static_cast<int64_t>(nbytes)) + static_cast<int64_t>(nbytes);
    raise_to(peak_, now);
    raise_to(peak_ever_, now);
    allocations_.fetch_add(1);
    return p;
  }
  void deallocate(void* ptr, size_t nbytes) override {
    current_.fetch_sub(static_cast<int64_t>(nbytes));
    if (nbytes < kCacheMin || !kCacheEnabled) {
      std::free(ptr);
      return;
    }
    std::lock_guard lock(mutex_);
    auto it = capacity_.find(ptr);
    const size_t cap = it->second;
    capacity_.erase(it);
    live_capacity_ -= cap;
    if (cap > cache_limit()) {
      system_free(ptr, cap);
      return;
    }
    if (cached_bytes_ + cap > cache_limit()) release_cached();
    free_[cap].push_back({ptr, next_seq_++});
    cached_bytes_ += cap;
  }
  AllocatorStats stats() const override { return {current_.load(), peak_.load(), allocations_.load()}; }
  void reset_peak() override {
    peak_.store(current_.load());
    std::lock_guard lock(mutex_);
    peak_reserved_ = live_capacity_ + cached_bytes_;
  }
  int64_t peak_reserved() const {
    std::lock_guard lock(mutex_);
    return static_cast<int64_t>(peak_reserved_);
  }
  int64_t cached_bytes() const {
    std::lock_guard lock(mutex_);
    return static_cast<int64_t>(cached_bytes_);
  }
  int64_t cache_headroom() const {
    std::lock_guard lock(mutex_);
    return static_cast<int64_t>(cache_bound()) - static_cast<int64_t>(live_capacity_ + cached_bytes_);
  }
  void empty_cache() {
    std::lock_guard lock(mutex_);
    release_cached();
  }
  Device device() const override { return Device(DeviceType::CPU); }

 private:
  static void* allocate_small(size_t nbytes) {
    const size_t rounded = (nbytes + kAlignment - 1) / kAlignment * kAlignment;
    return std::aligned_alloc(kAlignment, rounded == 0 ? kAlignment : rounded);
  }
  // The smallest cached block of the request's class or up to a quarter larger, else a new one.
  void* allocate_large(size_t nbytes) {
    const size_t cls = size_class(nbytes);
    std::lock_guard lock(mutex_);
    auto it = free_.lower_bound(cls);
    void* p = nullptr;
    size_t cap = cls;
    // Note [Cache bound]: within the bound, a class or up to a quarter larger; beyond it, up to twice the size.
    const size_t bound = cache_bound();
    const bool over = live_capacity_ + cached_bytes_ + cls > bound;
    if (it != free_.end() && it->first <= (over ? 2 * cls : cls + cls / 4)) {
      cap = it->first;
      p = it->second.back().ptr;
      it->second.pop_back();
      if (it->second.empty()) free_.erase(it);
      cached_bytes_ -= cap;
    } else {
      release_oldest_above(bound, live_capacity_ + cls);
      p = system_allocate(cls);
      if (!p && cached_bytes_ > 0) {  // out of memory: give the cache back and try once more
        release_cached();
        p = system_allocate(cls);
      }
      if (!p) return nullptr;
    }
    capacity_.emplace(p, cap);
    live_capacity_ += cap;
    peak_reserved_ = std::max(peak_reserved_, live_capacity_ + cached_bytes_);
    return p;
  }
  void release_cached() {
    for (auto& [cap, blocks] : free_) {
      for (const Cached& b : blocks) system_free(b.ptr, cap);
    }
    free_.clear();
    cached_bytes_ = 0;
  }
  size_t cache_bound() const {
    const auto peak = static_cast<size_t>(peak_ever_.load());
    return peak + std::max(peak / 32, kCacheSlack);
  }
  static void raise_to(std::atomic<int64_t>& peak, int64_t now) {
    int64_t seen = peak.load();
    while (now > seen && !peak.compare_exchange_weak(seen, now)) {
    }
  }
  // Frees the least recently cached blocks while `other` + the cache exceed `bound` bytes. Each class's blocks
  // are in caching order, so the oldest block is the front of some class.
  void release_oldest_above(size_t bound, size_t other) {
    while (other + cached_bytes_ > bound && !free_.empty()) {
      auto oldest = free_.begin();
      for (auto it = free_.begin(); it != free_.end(); ++it) {
        if (it->second.front().seq < oldest->second.front().seq) oldest = it;
      }
      system_free(oldest->second.front().ptr, oldest->first);
      oldest->second.erase(oldest->second.begin());
      cached_bytes_ -= oldest->first;
      if (oldest->second.empty()) free_.erase(oldest);
    }
  }

  std::atomic<int64_t> current_{0}, peak_{0}, allocations_{0};
  std::atomic<int64_t> peak_ever_{0};  // peak_ without reset_peak(): the cache's bound
  struct Cached {
    void* ptr;
    uint64_t seq;  // when it was cached (next_seq_ at the time)
  };
  mutable std::mutex mutex_;                    // guards the five members below
  std::map<size_t, std::vector<Cached>> free_;  // cached blocks by capacity, each class in caching order
  std::unordered_map<void*, size_t> capacity_;  // capacity of every live large block
  size_t cached_bytes_ = 0;
  size_t live_capacity_ = 0;  // sum of capacity_
  size_t peak_reserved_ = 0;  // highest live_capacity_ + cached_bytes_ since start or reset_peak()
  uint64_t next_seq_ = 0;
};

CpuAllocator& the_cpu_allocator() {
  static CpuAllocator* a = new CpuAllocator();  // never destroyed: tensors may outlive static destruction
  return *a;
}

}  // namespace

Allocator& cpu_allocator() { return the_cpu_allocator(); }
int64_t cpu_cached_bytes() { return the_cpu_allocator().cached_bytes(); }
void cpu_empty_cache() { the_cpu_allocator().empty_cache(); }
int64_t cpu_peak_reserved_bytes() { return the_cpu_allocator().peak_reserved(); }
int64_t cpu_cache_headroom_bytes() { return the_cpu_allocator().cache_headroom(); }

}  // namespace tessera
