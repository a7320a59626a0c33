#pragma once
// Graph passes: each a separate function from Graph to Graph that leaves the graph's outputs (and its updates)
// computing the same values. Names of values a pass removes keep resolving to their replacements.
#include "tessera/graph/graph.h"

namespace tessera::graph {

/// Drops nodes that neither an output nor an update (a side-effect node) needs.
Graph eliminate_dead_code(const Graph& g);
/// Merges nodes with the same op, attributes and inputs (random ops and in-place writes are never merged).
Graph eliminate_common_subexpressions(const Graph& g);
/// Evaluates nodes whose inputs are all constants (and creation ops such as zeros) once, replacing them by
/// constants; skips random ops, updates, sizes that follow a dynamic dim, and results over kMaxFoldElements.
Graph fold_constants(const Graph& g);
inline constexpr int64_t kMaxFoldElements = int64_t{1} << 20;
/// Algebraic identities: x*1, 1*x, x/1, x+0, 0+x, x-0 (when the result has x's type), neg(neg(x)),
/// permute(permute(x)) (composed, or removed when the identity), reshape/view chains, reshape to the same shape.
Graph simplify(const Graph& g);

/// Elementwise fusion: each tree of fusable elementwise nodes (ops/fused.h) whose inner values nothing else reads
/// becomes one fused_elementwise node (one loop over the data). Inner values can no longer be fetched. Run it
/// last: fused nodes are not differentiable.
Graph fuse_elementwise(const Graph& g);

/// Convolution fusion: conv2d followed by a bias add (a [C_out] tensor viewed as [1, C_out, 1, 1]) and/or relu, or a
/// conv2d with its bias operand (as nn::Conv2d and conv2d(..., bias) trace) followed by relu, where nothing else
/// reads the inner values, becomes one fused_conv2d node (ops/fused_conv.h: the bias is added inside the
/// convolution, ReLU in the same pass over its output). Inner values can no longer be
/// fetched. Run it after differentiation (fused nodes are not differentiable) and before fuse_elementwise (which would
/// take the add and relu into an elementwise loop).
Graph fuse_conv2d(const Graph& g);

/// Stops scan nodes from saving their carry history where nothing reads it (a reverse scan's history is read only
/// by second-order gradients): O(steps x carry) memory less. Differentiate a graph before this pass.
Graph prune_loop_outputs(const Graph& g);

/// The default pipeline: simplify, fold_constants, eliminate_common_subexpressions, eliminate_dead_code, repeated
/// until the node count stops falling, then prune_loop_outputs.
Graph optimize(const Graph& g);

}  // namespace tessera::graph
