#pragma once
// Function: a traced graph that can be run (TensorFlow's Session.run, Theano's function). Any value can be fed
// (not only the inputs) and any value fetched; only the part of the graph the fetches need runs.
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "tessera/graph/dynamic_shape.h"
#include "tessera/graph/graph.h"

namespace tessera::graph {

/// Values to feed, by name: `{{"x", x}, {"conv1/relu", r}}`.
using Feeds = std::vector<std::pair<std::string, Tensor>>;

struct RunOptions {
  /// Also run the graph's updates (in-place writes to captured tensors, e.g. a traced optimizer step), as
  /// Theano's function does. Off: only what the fetches need runs, and nothing outside the graph changes.
  bool updates = true;
};

class Function {
 public:
  explicit Function(Graph g);

  const Graph& graph() const { return graph_; }
  std::vector<std::string> input_names() const;
  std::vector<std::string> output_names() const;

  /// Feeds the inputs in order and fetches every output.
  std::vector<Tensor> operator()(const std::vector<Tensor>& inputs) const;

  /// Runs the part of the graph that `fetches` (and, with options.updates, the updates) need, with the values
  /// named in `feeds` replaced by the tensors given (inputs or any intermediate value). Each dynamic dim takes
  /// its size from the feeds. Errors: KeyError for an unknown name; ValueError when a needed input is not fed;
  /// ShapeError / DTypeError when a fed tensor does not fit its value (naming it and both types); an op's own
  /// error is prefixed with the node's name.
  std::vector<Tensor> run(const Feeds& feeds, const std::vector<std::string>& fetches,
                          const RunOptions& options = {}) const;

 private:
  struct Plan;
  struct Cache;
  std::vector<Tensor> run_ids(const std::vector<std::pair<ValueId, Tensor>>& feeds, const std::vector<ValueId>& fetches,
                              bool updates) const;
  std::shared_ptr<Plan> plan_for(const std::vector<std::pair<ValueId, Tensor>>& feeds,
                                 const std::vector<ValueId>& fetches, bool updates) const;

  Graph graph_;
  std::shared_ptr<Cache> cache_;  // plans per (feeds, fetches); shared by copies, which hold the same graph
};

}  // namespace tessera::graph
