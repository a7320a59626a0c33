// The CPU allocator: alignment, live-byte statistics, and the cache of freed large blocks (Note [Block cache]).
#include "tessera/core/allocator.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>

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
  if (!kSanitized) {
    EXPECT_EQ(address(large) % (size_t{2} << 20), 0u);  // 2 MiB aligned (huge pages)
  }
  std::memset(large, 1, size_t{5} << 20);  // all of it is mapped
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
  ASSERT_GT(cpu_cache_headroom_bytes(), static_cast<int64_t>(3 * n));  // within the bound: nothing is given back
  void* big = a.allocate(2 * n);                                       // no cached block is large enough
  EXPECT_NE(big, p);
  a.deallocate(big, 2 * n);
  EXPECT_EQ(cpu_cached_bytes(), static_cast<int64_t>(3 * n));
  void* small = a.allocate(size_t{1} << 20);  // 3 MiB is more than a quarter above 1 MiB: not handed out
  EXPECT_NE(small, p);
  a.deallocate(small, size_t{1} << 20);
  cpu_empty_cache();
  EXPECT_EQ(cpu_cached_bytes(), 0);
}

// The reserved peak counts live and cached large blocks by capacity: what the cache adds to the resident set.
TEST(Allocator, PeakReservedCountsCachedBlocks) {
  if (kSanitized) GTEST_SKIP() << "sanitizer builds cache nothing";
  Allocator& a = cpu_allocator();
  cpu_empty_cache();
  a.reset_peak();
  const int64_t base = cpu_peak_reserved_bytes();  // large blocks live before the test
  const size_t mib = size_t{1} << 20;
  void* p = a.allocate(3 * mib);
  a.deallocate(p, 3 * mib);  // cached
  ASSERT_GT(cpu_cache_headroom_bytes(), static_cast<int64_t>(6 * mib));
  void* q = a.allocate(6 * mib);  // the cached block is too small: both are held
  EXPECT_EQ(cpu_peak_reserved_bytes(), base + static_cast<int64_t>(9 * mib));
  a.deallocate(q, 6 * mib);
  cpu_empty_cache();
  EXPECT_EQ(cpu_peak_reserved_bytes(), base + static_cast<int64_t>(9 * mib));  // a peak, until reset
  a.reset_peak();
  EXPECT_EQ(cpu_peak_reserved_bytes(), base);
}

// Beyond the bound (Note [Cache bound]), a request the cache cannot serve gives back the least recently cached
// blocks until live + cached + requested bytes fit again. The request is mapped but never touched.
TEST(Allocator, BeyondTheBoundAMissGivesBackTheOldestCachedBlocks) {
  if (kSanitized) GTEST_SKIP() << "sanitizer builds cache nothing";
  Allocator& a = cpu_allocator();
  cpu_empty_cache();
  const size_t mib = size_t{1} << 20;
  void* b1 = a.allocate(mib);
  void* b2 = a.allocate(2 * mib);
  void* b4 = a.allocate(4 * mib);
  a.deallocate(b1, mib);  // cached in the order 1, 4, 2 MiB
  a.deallocate(b4, 4 * mib);
  a.deallocate(b2, 2 * mib);
  ASSERT_EQ(cpu_cached_bytes(), static_cast<int64_t>(7 * mib));
  const int64_t headroom = cpu_cache_headroom_bytes();
  ASSERT_GT(headroom, static_cast<int64_t>(8 * mib));
  // A request of about headroom + 5 MiB, rounded down to its size class (a multiple of an eighth of its power of
  // two, from 64 KiB), so its class is the request itself. The oldest blocks go (1, then 4, then 2 MiB) until the
  // cache fits in what the bound leaves: headroom + 7 MiB - request. In a fresh process (ctest runs each test in
  // its own) the class step is 1-2 MiB, so 2-4 MiB are left: the 1 and 4 MiB blocks go, the newest 2 MiB stays.
  const size_t target = static_cast<size_t>(headroom) + 5 * mib;
  size_t pow2 = size_t{1} << 16;
  while (pow2 * 2 <= target) pow2 *= 2;
  const size_t request = target / (pow2 / 8) * (pow2 / 8);
  const int64_t room = headroom + static_cast<int64_t>(7 * mib) - static_cast<int64_t>(request);
  int64_t expected = static_cast<int64_t>(7 * mib);
  for (size_t gone : {mib, 4 * mib, 2 * mib}) {
    if (expected > room) expected -= static_cast<int64_t>(gone);
  }
  void* big = a.allocate(request);
  EXPECT_EQ(cpu_cached_bytes(), expected);
  if (expected >= static_cast<int64_t>(2 * mib)) {
    void* again = a.allocate(2 * mib);  // the newest block is still served from the cache
    EXPECT_EQ(again, b2);
    a.deallocate(again, 2 * mib);
  }
  a.deallocate(big, request);
  cpu_empty_cache();
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
