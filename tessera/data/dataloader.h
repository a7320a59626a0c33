#pragma once
// DataLoader: batches of a Dataset, optionally shuffled per epoch and prefetched by background threads
// (torch.utils.data.DataLoader).
//
// Note [Loader determinism]: the example order of epoch e depends only on (seed, e): it is randperm(n) drawn
// from Generator(seed) at counter offset e * (blocks one permutation uses), so epochs read disjoint parts of
// one Philox stream (core/rng.h). Two loaders with the same seed give the same batches, whatever their
// num_workers: workers build batches concurrently but the consumer receives them strictly in batch order,
// and a batch is a pure function of its indices (and, for `augment`, of its own seeded Generator).
#include <concepts>
#include <cstdint>
#include <functional>
#include <iterator>
#include <memory>
#include <vector>

#include "tessera/core/rng.h"
#include "tessera/core/tensor.h"
#include "tessera/data/dataset.h"

namespace tessera::data {

/// One batch: a tensor per field, e.g. {images [B, 28, 28], labels [B]}.
using Batch = std::vector<Tensor>;

struct DataLoaderOptions {
  int64_t batch_size = 1;  ///< Examples per batch (>= 1).
  bool shuffle = false;    ///< A new random order each epoch (Note [Loader determinism]); else 0, 1, ..., n-1.
  uint64_t seed = 0;       ///< Seeds the shuffling.
  bool drop_last = false;  ///< Drop the last batch when it has fewer than batch_size examples.
  int num_workers = 0;     ///< Background threads building batches; 0 builds them in the iterating thread.
  int prefetch = 2;        ///< Batches each worker may run ahead of the consumer (>= 1).
  /// Turns a list of examples into a batch; empty = default_collate. When set, the loader calls Dataset::get
  /// per example even where the dataset offers get_batch.
  std::function<Batch(std::vector<Batch>)> collate = {};
  /// Applied to every batch after collation (e.g. to_float_image + normalize); optional.
  std::function<Batch(Batch)> transform = {};
  /// Random augmentation applied after `transform`, with a Generator seeded from (seed, epoch, batch index)
  /// alone, so it draws the same numbers whatever num_workers is (a generator shared by the workers would
  /// hand out its numbers in whatever order they ask). Optional.
  std::function<Batch(Batch, Generator&)> augment = {};
};

/// Stacks the examples field by field (torch.stack along a new dim 0): field f of the batch is
/// [examples.size(), ...shape of field f]. ValueError for an empty list or examples with different numbers of
/// fields; ShapeError naming the field index and the two differing shapes.
Batch default_collate(std::vector<Batch> examples);

/// The seed of the Generator that DataLoaderOptions::augment gets for batch `batch` of epoch `epoch` of a
/// loader seeded with `seed` (a hash of the three).
uint64_t augment_seed(uint64_t seed, int64_t epoch, int64_t batch);

/// Iterates over a dataset in batches: `for (const Batch& b : loader) {...}`. Each new iteration (begin()) is a
/// new epoch: the first uses epoch 0 (or what set_epoch set) and each begin() advances it by one.
/// With num_workers > 0, threads build up to num_workers * prefetch batches ahead; an exception thrown while
/// building batch b (by the dataset, collate or transform) is rethrown by the iterator when it reaches b, as
/// it would be without workers. Destroying the iterator (e.g. leaving the loop early) stops and joins its
/// threads; an iterator shares the dataset and options, so it stays valid after the loader is destroyed.
class DataLoader {
 public:
  class Iterator;

  /// ValueError for a null dataset, batch_size < 1, num_workers < 0 or prefetch < 1.
  DataLoader(std::shared_ptr<const Dataset> dataset, DataLoaderOptions options = {});
  /// Takes a dataset by value (TensorDataset and Subset are cheap handles): `DataLoader(TensorDataset({x, y}))`.
  template <std::derived_from<Dataset> D>
  DataLoader(D dataset, DataLoaderOptions options = {})
      : DataLoader(std::make_shared<const D>(std::move(dataset)), std::move(options)) {}

  /// Number of batches per epoch: ceil(n / batch_size), or floor with drop_last.
  int64_t size() const;
  /// The epoch the next begin() iterates.
  int64_t epoch() const { return epoch_; }
  /// Sets the epoch of the next iteration (like DistributedSampler.set_epoch), e.g. to resume training.
  /// ValueError for a negative epoch.
  void set_epoch(int64_t epoch);
  /// The order in which epoch `epoch` visits the examples (a permutation of 0..n-1; identity without shuffle).
  std::vector<int64_t> order(int64_t epoch) const;

  /// Starts the next epoch: builds (or waits for) its first batch; may throw what building it throws.
  Iterator begin();
  std::default_sentinel_t end() const { return {}; }

  const Dataset& dataset() const { return *dataset_; }
  const DataLoaderOptions& options() const { return options_; }

 private:
  std::shared_ptr<const Dataset> dataset_;
  DataLoaderOptions options_;
  int64_t epoch_ = 0;
};

class EpochRun;  // one pass over the data, with its worker threads (dataloader.cpp)

/// An input iterator over the batches of one epoch; compares equal to std::default_sentinel at the end.
class DataLoader::Iterator {
 public:
  using value_type = Batch;
  using difference_type = std::ptrdiff_t;
  using iterator_concept = std::input_iterator_tag;

  Iterator() = default;
  const Batch& operator*() const;
  const Batch* operator->() const { return &**this; }
  /// Moves to the next batch; rethrows an exception raised while building it.
  Iterator& operator++();
  void operator++(int) { ++*this; }
  bool operator==(std::default_sentinel_t) const;
  /// Index of the current batch in the epoch.
  int64_t index() const;

 private:
  friend class DataLoader;
  explicit Iterator(std::shared_ptr<EpochRun> run) : run_(std::move(run)) {}
  std::shared_ptr<EpochRun> run_;
};

}  // namespace tessera::data
