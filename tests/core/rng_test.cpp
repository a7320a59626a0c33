#include "tessera/core/rng.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace tessera {
namespace {

// Known-answer tests of Random123 (kat_vectors, "philox4x32 10" lines): counter, key -> output.
TEST(Philox, KnownAnswers) {
  EXPECT_EQ(philox::philox4x32({0, 0, 0, 0}, {0, 0}),
            (philox::Counter{0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}));
  EXPECT_EQ(philox::philox4x32({0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff}, {0xffffffff, 0xffffffff}),
            (philox::Counter{0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}));
  EXPECT_EQ(philox::philox4x32({0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}, {0xa4093822, 0x299f31d0}),
            (philox::Counter{0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}));
  // Usable at compile time.
  static_assert(philox::philox4x32({0, 0, 0, 0}, {0, 0})[0] == 0x6627e8d5);
}

TEST(Philox, BlockPacksCounterAndKey) {
  // block(seed, b) runs Philox on counter {lo(b), hi(b), 0, 0} with key {lo(seed), hi(seed)}.
  EXPECT_EQ(philox::block(0, 0), (philox::Counter{0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}));
  const uint64_t seed = 0x299f31d0a4093822ULL, b = 0x85a308d3243f6a88ULL;
  EXPECT_EQ(philox::block(seed, b), philox::philox4x32({0x243f6a88, 0x85a308d3, 0, 0}, {0xa4093822, 0x299f31d0}));
  EXPECT_NE(philox::block(1, 0), philox::block(0, 0));
  EXPECT_NE(philox::block(0, 1), philox::block(0, 0));
}

TEST(Generator, SeedOffsetAndReserve) {
  Generator g(42);
  EXPECT_EQ(g.seed(), 42u);
  EXPECT_EQ(g.offset(), 0u);
  EXPECT_EQ(g.reserve(3), 0u);
  EXPECT_EQ(g.reserve(5), 3u);
  EXPECT_EQ(g.offset(), 8u);
  EXPECT_EQ(g.reserve_state(2), (GeneratorState{42, 8}));
  EXPECT_EQ(g.offset(), 10u);
  g.set_offset(100);
  EXPECT_EQ(g.reserve(0), 100u);
  g.manual_seed(7);  // a new seed restarts the stream
  EXPECT_EQ(g.get_state(), (GeneratorState{7, 0}));
  EXPECT_EQ(Generator().seed(), kDefaultSeed);
}

TEST(Generator, StateRoundTripAndCopy) {
  Generator g(9);
  g.reserve(4);
  const GeneratorState saved = g.get_state();
  const uint64_t first = g.reserve(10);
  g.set_state(saved);
  EXPECT_EQ(g.reserve(10), first);  // replays the same blocks
  Generator copy = g;
  EXPECT_EQ(copy.get_state(), g.get_state());
  copy.reserve(1);
  EXPECT_NE(copy.offset(), g.offset());  // independent after the copy
  Generator assigned(1);
  assigned = copy;
  EXPECT_EQ(assigned.get_state(), copy.get_state());
}

TEST(Generator, ConcurrentReservesAreDisjoint) {
  Generator g(1);
  constexpr int kThreads = 4, kCalls = 1000;
  std::vector<std::vector<uint64_t>> got(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kCalls; ++i) got[t].push_back(g.reserve(2));
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(g.offset(), uint64_t{2} * kThreads * kCalls);
  std::vector<bool> seen(kThreads * kCalls, false);  // every offset is a distinct multiple of 2
  for (const auto& v : got) {
    for (uint64_t o : v) {
      ASSERT_EQ(o % 2, 0u);
      ASSERT_FALSE(seen[o / 2]);
      seen[o / 2] = true;
    }
  }
}

TEST(Generator, DefaultGeneratorAndManualSeed) {
  Generator& d = default_generator();
  EXPECT_EQ(&d, &default_generator());
  const GeneratorState saved = d.get_state();
  manual_seed(123);
  EXPECT_EQ(d.get_state(), (GeneratorState{123, 0}));
  d.set_state(saved);
}

}  // namespace
}  // namespace tessera
