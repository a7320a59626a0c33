#pragma once
// Counter-based random numbers: Philox4x32-10 and the Generator that hands out counter ranges.
//
// Note [Random streams]: Philox (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC'11; the
// generator behind cuRAND's and PyTorch's CUDA philox) maps a 128-bit counter and a 64-bit key to 128 random
// bits (one "block" of four 32-bit words) with no state in between. A Generator is just a key (the seed) and a
// counter offset. A random op reserves the blocks it needs (`reserve`), which advances the offset so the next
// call gets fresh numbers, and records (seed, offset) as attributes: the op is then a pure function of its
// attributes (traceable, replayable) and element i reads a fixed block (offset + i * words / 4), so any split of
// the elements across threads gives the same numbers. The counter of block b is {lo(b), hi(b), 0, 0} and the
// key {lo(seed), hi(seed)}.
#include <array>
#include <cstdint>
#include <mutex>

namespace tessera {

namespace philox {

using Counter = std::array<uint32_t, 4>;
using Key = std::array<uint32_t, 2>;

inline constexpr uint32_t kM0 = 0xD2511F53, kM1 = 0xCD9E8D57;  // round multipliers
inline constexpr uint32_t kW0 = 0x9E3779B9, kW1 = 0xBB67AE85;  // key increments (golden ratio, sqrt(3) - 1)

/// Philox4x32 with `rounds` rounds (10 is the standard, crush-resistant choice) as in Random123.
constexpr Counter philox4x32(Counter c, Key k, int rounds = 10) {
  for (int r = 0; r < rounds; ++r) {
    if (r > 0) {
      k[0] += kW0;
      k[1] += kW1;
    }
    const uint64_t p0 = static_cast<uint64_t>(kM0) * c[0];
    const uint64_t p1 = static_cast<uint64_t>(kM1) * c[2];
    c = {static_cast<uint32_t>(p1 >> 32) ^ c[1] ^ k[0], static_cast<uint32_t>(p1),
         static_cast<uint32_t>(p0 >> 32) ^ c[3] ^ k[1], static_cast<uint32_t>(p0)};
  }
  return c;
}

/// The four words of block `index` of the stream keyed by `seed` (Note [Random streams]).
constexpr Counter block(uint64_t seed, uint64_t index) {
  return philox4x32({static_cast<uint32_t>(index), static_cast<uint32_t>(index >> 32), 0, 0},
                    {static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32)});
}

}  // namespace philox

/// Everything a Generator is: the Philox key and the next unused counter block. Trivially copyable, so a
/// checkpoint stores it as two integers.
struct GeneratorState {
  uint64_t seed = 0;
  uint64_t offset = 0;
  bool operator==(const GeneratorState&) const = default;
};

/// PyTorch's default seed (torch.initial_seed() of a fresh process), so runs are reproducible by default.
inline constexpr uint64_t kDefaultSeed = 67280421310721ULL;

/// A seeded source of Philox counter ranges (torch.Generator). Thread-safe.
class Generator {
 public:
  explicit Generator(uint64_t seed = kDefaultSeed) : state_{seed, 0} {}
  Generator(const Generator& other) : state_(other.get_state()) {}
  Generator& operator=(const Generator& other);

  uint64_t seed() const { return get_state().seed; }
  /// Sets the seed and restarts its stream at offset 0 (torch.Generator.manual_seed).
  void manual_seed(uint64_t seed);
  /// The next unused counter block.
  uint64_t offset() const { return get_state().offset; }
  void set_offset(uint64_t offset);
  /// Returns the current offset and advances it by `n_blocks` (the caller owns blocks [offset, offset + n)).
  uint64_t reserve(uint64_t n_blocks) { return reserve_state(n_blocks).offset; }
  /// Like reserve, but returns the seed read together with the offset (what a random op records).
  GeneratorState reserve_state(uint64_t n_blocks);

  /// State for checkpoints: set_state(get_state()) replays the same numbers.
  GeneratorState get_state() const;
  void set_state(const GeneratorState& state);

 private:
  mutable std::mutex mutex_;
  GeneratorState state_;
};

/// The process-wide generator that random ops use when none is given (seeded with kDefaultSeed).
Generator& default_generator();
/// Seeds the default generator (torch.manual_seed).
void manual_seed(uint64_t seed);

}  // namespace tessera
