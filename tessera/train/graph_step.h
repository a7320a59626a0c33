#pragma once
// A training step in graph mode: forward, loss and the gradients of every parameter traced once into one
// optimized, fused graph::Function per input shape, then run on each batch (fit's `graph` option). The optimizer
// still steps eagerly on the gradients the graph writes into each parameter's .grad.
#include <map>
#include <utility>

#include "tessera/graph/function.h"
#include "tessera/nn/module.h"
#include "tessera/train/fit.h"

namespace tessera::train {

class GraphStep {
 public:
  GraphStep(nn::Module& model, LossFn loss) : model_(model), loss_(std::move(loss)) {}
  /// Runs the step on one batch: sets every parameter's grad and returns {loss, model output}. The first batch of
  /// each new (input, target) shape traces a graph (a smaller last batch costs one more trace).
  std::pair<Tensor, Tensor> run(const Tensor& input, const Tensor& target);
  /// The graph used for the last batch (null before the first).
  const graph::Function* last() const { return last_; }

 private:
  const graph::Function& function_for(const Tensor& input, const Tensor& target);

  nn::Module& model_;
  LossFn loss_;
  std::map<std::pair<Shape, Shape>, graph::Function> cache_;
  const graph::Function* last_ = nullptr;
};

}  // namespace tessera::train
