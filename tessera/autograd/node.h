#pragma once
// A tape node: one recorded op call, with what its gradient rule needs and where the input gradients go.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tessera/autograd/meta.h"
#include "tessera/ops/op.h"

namespace tessera::autograd {

/// Where the gradient of one input of a node goes: into another node's output `output_nr`, or into a leaf.
struct Edge {
  std::shared_ptr<Node> fn;
  int output_nr = 0;
  std::shared_ptr<AutogradMeta> leaf;
  bool valid() const { return fn != nullptr || leaf != nullptr; }
};

/// A tensor kept for backward, with the version of its storage at the time, so that an in-place change made
/// after recording is reported instead of silently producing a wrong gradient.
struct SavedTensor {
  Tensor tensor;  ///< Outputs are kept as detached aliases (no autograd meta): a node must not own its outputs.
  int64_t version = 0;
};

class Node : public std::enable_shared_from_this<Node> {
 public:
  Node(const OpDef& def, const Attrs& attrs);
  /// Frees the chain of nodes behind this one iteratively (a recursive release overflows the stack on long tapes).
  ~Node();
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  const OpDef& def() const { return *def_; }
  const Attrs& attrs() const { return *attrs_; }
  uint64_t sequence_nr() const { return sequence_nr_; }

  std::vector<Edge> next;               ///< One per input.
  std::vector<TensorType> input_types;  ///< Gradients are reduced/cast back to these (Note [Broadcast gradients]).
  std::vector<TensorType> output_types;
  std::vector<std::weak_ptr<AutogradMeta>> output_metas;  ///< For hooks and retain_grad on outputs.
  std::vector<SavedTensor> saved_inputs, saved_outputs;
  std::string creation_trace;  ///< Anomaly mode: where the op was called.

  /// Computes the input gradients from the output gradients with the op's rule. Throws when the saved tensors
  /// were released by an earlier backward or modified in place.
  std::vector<Tensor> apply(std::span<const Tensor> grad_outputs);
  /// Frees the saved tensors (after a backward without retain_graph).
  void release();

 private:
  std::vector<Tensor> unpack_inputs() const;
  std::vector<Tensor> unpack_outputs();
  void check_version(const SavedTensor& s, const char* what, size_t index) const;

  const OpDef* def_;
  std::unique_ptr<Attrs> attrs_;
  uint64_t sequence_nr_;
  bool released_ = false;
};

/// The gradient edge of a tensor: its grad_fn and output number, or its leaf accumulator; invalid when the
/// tensor does not require grad.
Edge gradient_edge(const Tensor& t);

}  // namespace tessera::autograd
