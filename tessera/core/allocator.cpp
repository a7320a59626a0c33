#include "tessera/core/allocator.h"

#include <sys/mman.h>

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
// cache is emptied first. Sanitizer builds cache nothing, so ASan still sees every use after free.
constexpr size_t kCacheMin = size_t{1} << 16;
constexpr size_t kHugeMin = size_t{4} << 20;
constexpr size_t kHugePage = size_t{2} << 20;

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

void* system_allocate(size_t bytes) {
  const size_t align = bytes >= kHugeMin ? kHugePage : kAlignment;
  void* p = std::aligned_alloc(align, bytes);
  if (p && bytes >= kHugeMin) madvise(p, bytes, MADV_HUGEPAGE);  // advice only: failure changes nothing
  return p;
}

class CpuAllocator final : public Allocator {
 public:
  void* allocate(size_t nbytes) override {
    void* p = nbytes >= kCacheMin && kCacheEnabled ? allocate_large(nbytes) : allocate_small(nbytes);
    if (!p) throw Error(cat("cpu allocator: out of memory allocating ", nbytes, " bytes"));
    int64_t now = current_.fetch_add(static_cast<int64_t>(nbytes)) + static_cast<int64_t>(nbytes);
    int64_t peak = peak_.load();
    while (now > peak && !peak_.compare_exchange_weak(peak, now)) {
    }
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
    if (cap > cache_limit()) {
      std::free(ptr);
      return;
    }
    if (cached_bytes_ + cap > cache_limit()) release_cached();
    free_[cap].push_back(ptr);
    cached_bytes_ += cap;
  }
  AllocatorStats stats() const override { return {current_.load(), peak_.load(), allocations_.load()}; }
  void reset_peak() override { peak_.store(current_.load()); }
  int64_t cached_bytes() const {
    std::lock_guard lock(mutex_);
    return static_cast<int64_t>(cached_bytes_);
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
    if (it != free_.end() && it->first <= cls + cls / 4) {
      cap = it->first;
      p = it->second.back();
      it->second.pop_back();
      if (it->second.empty()) free_.erase(it);
      cached_bytes_ -= cap;
    } else {
      p = system_allocate(cls);
      if (!p && cached_bytes_ > 0) {  // out of memory: give the cache back and try once more
        release_cached();
        p = system_allocate(cls);
      }
      if (!p) return nullptr;
    }
    capacity_.emplace(p, cap);
    return p;
  }
  void release_cached() {
    for (auto& [cap, blocks] : free_) {
      for (void* b : blocks) std::free(b);
    }
    free_.clear();
    cached_bytes_ = 0;
  }

  std::atomic<int64_t> current_{0}, peak_{0}, allocations_{0};
  mutable std::mutex mutex_;                    // guards the three members below
  std::map<size_t, std::vector<void*>> free_;   // cached blocks by capacity
  std::unordered_map<void*, size_t> capacity_;  // capacity of every live large block
  size_t cached_bytes_ = 0;
};

CpuAllocator& the_cpu_allocator() {
  static CpuAllocator* a = new CpuAllocator();  // never destroyed: tensors may outlive static destruction
  return *a;
}

}  // namespace

Allocator& cpu_allocator() { return the_cpu_allocator(); }
int64_t cpu_cached_bytes() { return the_cpu_allocator().cached_bytes(); }
void cpu_empty_cache() { the_cpu_allocator().empty_cache(); }

}  // namespace tessera
