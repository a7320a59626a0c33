#pragma once
// Memory for tensor storage. Every allocation is 64-byte aligned (a cache line, an AVX-512 vector) and
// counted, so tests and benchmarks can read current and peak bytes.
#include <cstddef>
#include <cstdint>

#include "tessera/core/device.h"

namespace tessera {

struct AllocatorStats {
  int64_t current_bytes = 0;  ///< Bytes held by live allocations now.
  int64_t peak_bytes = 0;     ///< Highest current_bytes since start or the last reset_peak().
  int64_t allocations = 0;    ///< Number of allocate() calls since start.
};

/// Interface every device allocator implements.
class Allocator {
 public:
  virtual ~Allocator() = default;
  /// Returns `nbytes` of memory aligned to 64 bytes (non-null even for 0 bytes); throws Error when out of memory.
  virtual void* allocate(size_t nbytes) = 0;
  virtual void deallocate(void* ptr, size_t nbytes) = 0;
  virtual AllocatorStats stats() const = 0;
  /// Sets peak_bytes to current_bytes.
  virtual void reset_peak() = 0;
  virtual Device device() const = 0;
};

inline constexpr size_t kAlignment = 64;

/// The process-wide CPU allocator.
Allocator& cpu_allocator();

}  // namespace tessera
