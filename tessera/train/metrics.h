#pragma once
// Classification metrics computed from logits [N, C] and class-index targets [N].
#include <string>
#include <vector>

#include "tessera/core/tensor.h"

namespace tessera::train {

/// How many rows have their target among the k largest logits (top-k correct). ShapeError naming the metric
/// when logits are not [N, C] with targets [N]; ValueError for k outside [1, C].
int64_t correct_count(const Tensor& logits, const Tensor& target, int64_t k = 1);
/// correct_count / N (0 for an empty batch).
double accuracy(const Tensor& logits, const Tensor& target, int64_t k = 1);

/// A C x C confusion matrix: rows are true classes, columns predicted classes.
class ConfusionMatrix {
 public:
  explicit ConfusionMatrix(int64_t num_classes);
  /// Adds a batch of logits [N, C] (argmax is the prediction) and targets [N].
  void update(const Tensor& logits, const Tensor& target);
  int64_t at(int64_t truth, int64_t predicted) const { return counts_[truth * n_ + predicted]; }
  int64_t num_classes() const { return n_; }
  /// Recall of each class (diagonal / row sum; 0 for a class never seen).
  std::vector<double> per_class_accuracy() const;
  /// A text table with optional class names.
  std::string to_string(const std::vector<std::string>& names = {}) const;

 private:
  int64_t n_;
  std::vector<int64_t> counts_;
};

}  // namespace tessera::train
