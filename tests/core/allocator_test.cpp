// The CPU allocator: alignment, live-byte statistics, and the cache of freed large blocks (Note [Block cache]).
#include "tessera/core/allocator.h"

#include <gtest/gtest.h>

#include <cstdint>

#include "tessera/core/allocator_cache.h"
#include "tessera/ops/creation.h"
#include "testing.h"

namespace tessera {
namespace {

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif

uintptr_t address(void* p) { return reinterpret_cast<uintptr_t>(p); }

TEST(Allocator, AlignsAndCountsLiveBytes) {
  Allocator& a = cpu_allocator();
  const AllocatorStats before = a.stats();
  void* small = a.allocate(100);
  void* large = a.allocate(size_t{5} << 20);
  EXPECT_EQ(address(small) % 64, 0u);
  EXPECT_EQ(address(large) % 64, 0u);
  EXPECT_EQ(a.stats().current_bytes - before.current_bytes, 100 + (5 << 20));
  EXPECT_EQ(a.stats().allocations - before.allocations, 2);
  a.deallocate(small, 100);
  a.deallocate(large, size_t{5} << 20);
  EXPECT_EQ(a.stats().current_bytes, before.current_bytes);  // the cache is not live memory
  void* empty = a.allocate(0);
  EXPECT_NE(empty, nullptr);
  a.deallocate(empty, 0);
}

TEST(Allocator, ReusesFreedLargeBlocksOfTheSameClass) {
  if (kSanitized) GTEST_SKIP() << "sanitizer builds cache nothing";
  Allocator& a = cpu_allocator();
  cpu_empty_cache();
  EXPECT_EQ(cpu_cached_bytes(), 0);
  const size_t n = size_t{3} << 20;  // class: 3 MiB (an eighth of 2 MiB is 256 KiB)
  void* p = a.allocate(n);
  a.deallocate(p, n);
  EXPECT_EQ(cpu_cached_bytes(), static_cast<int64_t>(n));
  void* q = a.allocate(n - 1000);  // the same class
  EXPECT_EQ(q, p);
  EXPECT_EQ(cpu_cached_bytes(), 0);
  a.deallocate(q, n - 1000);
  void* big = a.allocate(2 * n);  // no cached block is large enough
  EXPECT_NE(big, p);
  a.deallocate(big, 2 * n);
  EXPECT_EQ(cpu_cached_bytes(), static_cast<int64_t>(3 * n));
  void* small = a.allocate(size_t{1} << 20);  // 3 MiB is more than a quarter above 1 MiB: not handed out
  EXPECT_NE(small, p);
  a.deallocate(small, size_t{1} << 20);
  cpu_empty_cache();
  EXPECT_EQ(cpu_cached_bytes(), 0);
}

TEST(Allocator, ReusedBlocksHoldFreshValues) {
  Tensor x = full({1 << 20}, 7.0f);
  x = Tensor();
  const Tensor z = zeros({1 << 20});
  EXPECT_EQ(z.sum().item<float>(), 0.0f);
  EXPECT_EQ(ones({1 << 20}).sum().item<float>(), static_cast<float>(1 << 20));
}

}  // namespace
}  // namespace tessera
