#include "tessera/core/allocator.h"

#include <atomic>
#include <cstdlib>
#include <new>

#include "tessera/core/error.h"

namespace tessera {
namespace {

class CpuAllocator final : public Allocator {
 public:
  void* allocate(size_t nbytes) override {
    size_t rounded = (nbytes + kAlignment - 1) / kAlignment * kAlignment;
    void* p = std::aligned_alloc(kAlignment, rounded == 0 ? kAlignment : rounded);
    if (!p) throw Error(cat("cpu allocator: out of memory allocating ", nbytes, " bytes"));
    int64_t now = current_.fetch_add(static_cast<int64_t>(nbytes)) + static_cast<int64_t>(nbytes);
    int64_t peak = peak_.load();
    while (now > peak && !peak_.compare_exchange_weak(peak, now)) {
    }
    allocations_.fetch_add(1);
    return p;
  }
  void deallocate(void* ptr, size_t nbytes) override {
    std::free(ptr);
    current_.fetch_sub(static_cast<int64_t>(nbytes));
  }
  AllocatorStats stats() const override { return {current_.load(), peak_.load(), allocations_.load()}; }
  void reset_peak() override { peak_.store(current_.load()); }
  Device device() const override { return Device(DeviceType::CPU); }

 private:
  std::atomic<int64_t> current_{0}, peak_{0}, allocations_{0};
};

}  // namespace

Allocator& cpu_allocator() {
  static CpuAllocator* a = new CpuAllocator();  // never destroyed: tensors may outlive static destruction
  return *a;
}

}  // namespace tessera
