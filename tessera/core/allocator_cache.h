#pragma once
// The CPU allocator's cache of freed large blocks (Note [Block cache] in allocator.cpp): how much it holds, and
// a way to give it back to the system (like torch.cuda.empty_cache). AllocatorStats' current and peak bytes
// count live tensors only, never the cache.
#include <cstdint>

namespace tessera {

/// Bytes of freed blocks the CPU allocator keeps for reuse.
int64_t cpu_cached_bytes();
/// Returns every cached block to the system; live tensors are untouched.
void cpu_empty_cache();
/// The most bytes of large blocks (64 KiB and up, by capacity) held at once, live or cached, since start or
/// the last reset_peak() (like torch.cuda.max_memory_reserved): live blocks plus the cache, the allocator's share of
/// the resident set. Always 0 in sanitizer builds, which cache nothing and map no large blocks themselves.
int64_t cpu_peak_reserved_bytes();
/// How many more bytes of large blocks (64 KiB and up, counted by size class) can be live or cached before a
/// request the cache cannot serve gives cached blocks back (Note [Cache bound] in allocator.cpp); may be negative.
int64_t cpu_cache_headroom_bytes();

}  // namespace tessera
