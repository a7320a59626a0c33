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

}  // namespace tessera
