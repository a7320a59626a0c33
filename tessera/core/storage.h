#pragma once
// A block of device memory shared by a tensor and all of its views.
#include <cstddef>
#include <cstdint>
#include <memory>

#include "tessera/core/allocator.h"

namespace tessera {

class Storage {
 public:
  /// Allocates `nbytes` from `allocator`.
  Storage(size_t nbytes, Allocator& allocator);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  void* data() const { return data_; }
  size_t nbytes() const { return nbytes_; }
  Device device() const { return allocator_->device(); }

  /// Version counter shared by every view of this storage; bumped by each in-place write so autograd can
  /// tell when a tensor it saved was modified.
  int64_t version() const { return version_; }
  void bump_version() { ++version_; }

 private:
  void* data_;
  size_t nbytes_;
  Allocator* allocator_;
  int64_t version_ = 0;
};

}  // namespace tessera
