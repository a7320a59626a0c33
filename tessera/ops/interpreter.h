#pragma once
// The interpreter decides what apply() does with an op (JAX's trace stack). The eager evaluator runs the
// kernel; autograd/ installs a recorder that evaluates and then records a tape node; graph/ installs a tracer
// that appends a node and returns symbolic tensors. ops/ knows only this interface, so no arrow points upward.
#include <span>
#include <vector>

#include "tessera/ops/op.h"

namespace tessera {

class Interpreter {
 public:
  virtual ~Interpreter() = default;
  /// Processes one op call whose inputs and attributes the shape rule has already validated.
  virtual std::vector<Tensor> process(const OpDef& def, std::span<const Tensor> inputs, const Attrs& attrs,
                                      std::vector<TensorType> out_types) = 0;
  /// Called from a catch block when an op's shape rule throws: rethrows the active exception, which an
  /// interpreter may first give more context (the tracer names the node being traced). The default rethrows it.
  [[noreturn]] virtual void rethrow_infer_error(const OpDef& def);
};

/// Runs the op's kernel for the inputs' device now. The bottom of every interpreter stack.
class EagerInterpreter final : public Interpreter {
 public:
  std::vector<Tensor> process(const OpDef& def, std::span<const Tensor> inputs, const Attrs& attrs,
                              std::vector<TensorType> out_types) override;
};

/// The interpreter on top of this thread's stack (the eager evaluator when nothing else is installed).
Interpreter& current_interpreter();

/// Replaces the bottom of every thread's stack (the eager evaluator by default). autograd/ installs its recorder
/// here the first time a tensor requires grad, so programs that never use autograd never pay for it.
void set_default_interpreter(Interpreter* interp);

/// Installs an interpreter for the guard's lifetime (scoped; guards nest).
class InterpreterGuard {
 public:
  explicit InterpreterGuard(Interpreter& interp);
  ~InterpreterGuard();
  InterpreterGuard(const InterpreterGuard&) = delete;
  InterpreterGuard& operator=(const InterpreterGuard&) = delete;

 private:
  Interpreter* previous_;
};

/// Runs the kernel of `def` directly (what EagerInterpreter does); recorders call it to evaluate.
std::vector<Tensor> run_kernel(const OpDef& def, std::span<const Tensor> inputs, const Attrs& attrs,
                               std::span<const TensorType> out_types);

}  // namespace tessera
