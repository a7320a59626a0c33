#pragma once
// The tracer: the interpreter graph mode installs (../../DESIGN.md, "The one idea"). While it is active, apply()
// runs no kernel: each op call appends a node to the graph under construction and returns symbolic tensors whose
// shape and dtype come from the op's shape rule, so a shape error is reported while the graph is built, naming
// the op and the node. Concrete tensors an op reads (parameters, buffers) become captures, bound by reference.
#include <string>
#include <unordered_map>
#include <vector>

#include "tessera/graph/graph.h"
#include "tessera/ops/interpreter.h"

namespace tessera {

/// What a symbolic tensor stands for: a value of the graph being traced (core/tensor.h forward-declares it).
struct SymbolicInfo {
  uint64_t trace = 0;  ///< The id of the tracer that made it (graphs may reuse addresses; ids are never reused).
  graph::ValueId value = -1;
};

namespace graph {

class Tracer final : public Interpreter {
 public:
  /// `parent`: the tracer of the enclosing graph when tracing a loop body; tensors of outer traces and concrete
  /// tensors the body reads then become extra inputs of the body ("closures"), passed to the loop node.
  explicit Tracer(Graph& g, Tracer* parent = nullptr);

  std::vector<Tensor> process(const OpDef& def, std::span<const Tensor> inputs, const Attrs& attrs,
                              std::vector<TensorType> out_types) override;
  /// Prefixes a shape rule's error with the node it would have made: "while tracing 'conv1/matmul': ...".
  [[noreturn]] void rethrow_infer_error(const OpDef& def) override;

  /// A symbolic tensor standing for value `id`.
  Tensor symbolic(ValueId id) const;
  /// The value a tensor stands for now: a symbolic tensor's value, or the capture of a concrete tensor (created
  /// on first use; after an in-place update during tracing, the updated value).
  ValueId value_of(const Tensor& t);
  /// The capture of a concrete tensor as it was before any traced update (what gradients are taken against).
  ValueId original_capture(const Tensor& t);
  /// Names the capture a concrete tensor gets ("fc1.weight"), if it is captured later.
  void name_capture(const Tensor& t, std::string name);
  Graph& graph() { return graph_; }
  /// The outer tensors a loop body read, in the order of the body inputs they became.
  const std::vector<Tensor>& closures() const { return closures_; }

 private:
  bool owns(const Tensor& t) const;  // made by this tracer or an enclosing one
  ValueId close_over(const Tensor& t);

  Graph& graph_;
  uint64_t id_;
  Tracer* parent_;
  std::vector<Tensor> closures_;
  std::unordered_map<const void*, ValueId> closure_ids_;
  std::unordered_map<const TensorImpl*, ValueId> current_, original_;
  std::unordered_map<const TensorImpl*, std::string> capture_names_;
};

/// The innermost active tracer of this thread, or null.
Tracer* current_tracer();
/// True while a function is being traced on this thread.
inline bool is_tracing() { return current_tracer() != nullptr; }

/// Makes `tracer` current for the guard's lifetime (it also becomes the interpreter apply() uses).
class TracingGuard {
 public:
  explicit TracingGuard(Tracer& tracer);
  ~TracingGuard();
  TracingGuard(const TracingGuard&) = delete;
  TracingGuard& operator=(const TracingGuard&) = delete;

 private:
  Tracer* previous_;
  InterpreterGuard interp_;
};

}  // namespace graph
}  // namespace tessera
