#include "tessera/ops/interpreter.h"

#include <atomic>

namespace tessera {
namespace {

EagerInterpreter& eager() {
  static EagerInterpreter e;
  return e;
}
thread_local Interpreter* g_current = nullptr;
std::atomic<Interpreter*> g_default{nullptr};

}  // namespace

std::vector<Tensor> run_kernel(const OpDef& def, std::span<const Tensor> inputs, const Attrs& attrs,
                               std::span<const TensorType> out_types) {
  Device dev = inputs.empty() ? (out_types.empty() ? Device() : out_types[0].device) : inputs[0].device();
  for (const Tensor& t : inputs) {
    check(t.device() == dev, def.name, ": expected all tensors on one device, found ", dev, " and ", t.device());
    check(!t.is_symbolic(), def.name, ": got a symbolic tensor outside of tracing");
  }
  KernelFn k = def.kernels[static_cast<int>(dev.type)];
  check<NotImplementedError>(k != nullptr, def.name, ": no kernel for device ", dev);
  return k(inputs, attrs, out_types);
}

std::vector<Tensor> EagerInterpreter::process(const OpDef& def, std::span<const Tensor> inputs, const Attrs& attrs,
                                              std::vector<TensorType> out_types) {
  return run_kernel(def, inputs, attrs, out_types);
}

void Interpreter::rethrow_infer_error(const OpDef&) { throw; }

Interpreter& current_interpreter() {
  if (g_current) return *g_current;
  Interpreter* d = g_default.load(std::memory_order_acquire);
  return d ? *d : eager();
}

void set_default_interpreter(Interpreter* interp) { g_default.store(interp, std::memory_order_release); }

InterpreterGuard::InterpreterGuard(Interpreter& interp) : previous_(g_current) { g_current = &interp; }
InterpreterGuard::~InterpreterGuard() { g_current = previous_; }

}  // namespace tessera
