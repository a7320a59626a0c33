#pragma once
// Datasets: indexable collections of examples (torch.utils.data.Dataset), where one example is a list of tensors
// ({image, label}). TensorDataset slices tensors that share dim 0; Subset and random_split carve out parts of a
// dataset (e.g. a validation split).
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "tessera/core/tensor.h"

namespace tessera::data {

/// An indexable collection of examples. get() and get_batch() may be called from several DataLoader worker
/// threads at once, so implementations must be safe to call concurrently (the const methods of a dataset that
/// only reads its tensors are).
class Dataset {
 public:
  virtual ~Dataset() = default;
  /// Number of examples.
  virtual int64_t size() const = 0;
  /// Example `index` in [0, size()) as a list of tensors (one per field). IndexError outside that range.
  virtual std::vector<Tensor> get(int64_t index) const = 0;
  /// The examples at `indices` already stacked field by field (field f: [indices.size(), ...example shape]), for
  /// datasets that can gather a batch faster than get() + stack; nullopt (the default) when they cannot.
  virtual std::optional<std::vector<Tensor>> get_batch(const std::vector<int64_t>& indices) const;
};

/// Examples cut along dim 0 of tensors of equal length (torch.utils.data.TensorDataset): example i is
/// {t[i] for t in tensors} (views), and a batch is one index_select per tensor.
class TensorDataset : public Dataset {
 public:
  /// ValueError for an empty list; ShapeError for a 0-d tensor or when sizes of dim 0 differ (naming the
  /// positions and the shapes).
  explicit TensorDataset(std::vector<Tensor> tensors);
  int64_t size() const override { return size_; }
  std::vector<Tensor> get(int64_t index) const override;
  /// index_select along dim 0 of every tensor: [indices.size(), ...]. IndexError naming an index outside
  /// [0, size()).
  std::optional<std::vector<Tensor>> get_batch(const std::vector<int64_t>& indices) const override;
  const std::vector<Tensor>& tensors() const { return tensors_; }

 private:
  std::vector<Tensor> tensors_;
  int64_t size_ = 0;
};

/// The examples of `dataset` at `indices`, in that order (torch.utils.data.Subset). Shares the dataset.
class Subset : public Dataset {
 public:
  /// IndexError naming an index outside [0, dataset->size()); ValueError for a null dataset.
  Subset(std::shared_ptr<const Dataset> dataset, std::vector<int64_t> indices);
  int64_t size() const override { return static_cast<int64_t>(indices_.size()); }
  std::vector<Tensor> get(int64_t index) const override;
  /// Maps the indices and asks the underlying dataset (nullopt when it has no get_batch).
  std::optional<std::vector<Tensor>> get_batch(const std::vector<int64_t>& indices) const override;
  const std::vector<int64_t>& indices() const { return indices_; }
  const std::shared_ptr<const Dataset>& dataset() const { return dataset_; }

 private:
  std::shared_ptr<const Dataset> dataset_;
  std::vector<int64_t> indices_;
};

/// Splits `dataset` into disjoint random subsets of the given sizes (torch.utils.data.random_split), using the
/// permutation randperm(size, Generator(seed)): the same seed always gives the same split. ValueError when a
/// size is negative or the sizes do not sum to dataset->size().
std::vector<Subset> random_split(std::shared_ptr<const Dataset> dataset, const std::vector<int64_t>& sizes,
                                 uint64_t seed);

}  // namespace tessera::data
