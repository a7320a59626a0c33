#pragma once
// OpDef: everything an op *means*, in one place (../../DESIGN.md, "The one idea"): its name, its shape/dtype
// rule, its kernels per device and its gradient rule. User-facing functions build typed attributes and call
// apply() (apply.h); the active interpreter decides whether the kernel runs now, is recorded, or is traced.
#include <array>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "tessera/core/tensor.h"

namespace tessera {

/// What the shape rule knows about a value: dtype, shape, device (no data).
struct TensorType {
  DType dtype = kDefaultFloat;
  Shape shape;
  Device device{};
  bool operator==(const TensorType&) const = default;
};
TensorType type_of(const Tensor& t);

/// Base of every op's typed attribute struct (`SumAttrs{dims, keepdim}`). `repr` prints the attributes
/// (graph printing, CSE keys); `clone` lets the tape and graphs keep them.
struct Attrs {
  virtual ~Attrs() = default;
  virtual std::string repr() const = 0;
  virtual std::unique_ptr<Attrs> clone() const = 0;
};

/// CRTP helper that supplies clone(): `struct SumAttrs : AttrsOf<SumAttrs> { ... std::string repr() const override; }`.
template <class Derived>
struct AttrsOf : Attrs {
  std::unique_ptr<Attrs> clone() const override {
    return std::make_unique<Derived>(static_cast<const Derived&>(*this));
  }
};

/// For ops that take no attributes.
struct NoAttrs final : AttrsOf<NoAttrs> {
  std::string repr() const override { return ""; }
};

/// Casts to an op's own attribute type (the op's rules know which one they were given).
template <class A>
const A& attrs_as(const Attrs& a) {
  return static_cast<const A&>(a);
}

struct OpDef;

/// A recorded call, as gradient rules see it: the op, its inputs, attributes and outputs.
/// Inputs/outputs the op does not declare it needs (vjp_needs_inputs/outputs) are undefined tensors here; their
/// types are always in input_types/output_types.
struct OpCall {
  const OpDef& def;
  std::span<const Tensor> inputs;
  const Attrs& attrs;
  std::span<const Tensor> outputs;
  std::span<const TensorType> input_types;
  std::span<const TensorType> output_types;
  /// Bit i set: input i's gradient is wanted. Eager backward clears the bits of inputs that lead to no leaf
  /// requiring grad, so a rule may skip that work (PyTorch's needs_input_grad); a rule may still return a
  /// gradient there, which is then dropped. Symbolic differentiation leaves all bits set (dead-code elimination
  /// removes what no fetch uses).
  uint64_t needs_grad_mask = ~uint64_t{0};

  bool needs_input_grad(size_t i) const { return i >= 64 || ((needs_grad_mask >> i) & 1U) != 0; }
};

/// Shape/dtype rule: validates the inputs and attributes and returns the output types. Throws ShapeError /
/// DTypeError naming the op and the offending shapes.
using InferFn = std::vector<TensorType> (*)(std::span<const TensorType> inputs, const Attrs& attrs);
/// A device kernel: computes the outputs (fresh tensors or views of inputs) whose types infer returned.
using KernelFn = std::vector<Tensor> (*)(std::span<const Tensor> inputs, const Attrs& attrs,
                                         std::span<const TensorType> out_types);
/// Gradient rule (vector-Jacobian product) written with Tessera ops, so it is itself differentiable and
/// traceable. Returns one gradient per input (an undefined Tensor where an input gets none). grad_outputs has
/// one entry per output; an undefined entry means that output's gradient is zero. Gradients may have the
/// broadcast shape: the caller reduces them to each input's shape once (Note [Broadcast gradients]).
using VjpFn = std::vector<Tensor> (*)(const OpCall& call, std::span<const Tensor> grad_outputs);

/// One sample call of an op, used by the generic op tests (gradcheck, eager vs traced, ...).
struct OpSample {
  std::vector<Tensor> inputs;
  std::shared_ptr<const Attrs> attrs;  ///< Null means NoAttrs.
  std::string label;                   ///< e.g. "broadcast [3,1] x [4]" or "transposed input".
};
/// Sample inputs for an op (float64 for gradient checks), defined beside the op. They should cover broadcasting
/// and non-contiguous inputs where the op allows them.
using SampleFn = std::vector<OpSample> (*)();

/// Whether an op can be differentiated. `NotDifferentiable` is an explicit mark (argmax, comparisons, ...).
enum class Differentiability : uint8_t { Differentiable, NotDifferentiable };

struct OpDef {
  std::string name;
  InferFn infer = nullptr;
  VjpFn vjp = nullptr;
  Differentiability differentiability = Differentiability::Differentiable;
  /// One kernel slot per DeviceType; filled by the backends (backend/cpu/kernels.cpp), not by ops/.
  std::array<KernelFn, kNumDeviceTypes> kernels{};
  /// True when outputs may alias the inputs' storage (reshape, permute, ...).
  bool is_view = false;
  /// Which tensors the gradient rule reads; what it does not read is not kept alive by the tape.
  bool vjp_needs_inputs = true;
  bool vjp_needs_outputs = true;
  /// With vjp_needs_inputs: how many leading inputs the rule reads (-1: all); the rest are not kept. conv2d's rule
  /// reads its input and weight but not its bias, which may then change in place before backward, as in PyTorch.
  int vjp_inputs_read = -1;
  /// Sample calls for the generic tests; every differentiable op must have them (a test walks the registry).
  SampleFn samples = nullptr;
  /// Output 0 is input 0 modified in place (copy_): autograd moves the new history onto input 0.
  bool inplace = false;

  bool differentiable() const { return differentiability == Differentiability::Differentiable; }
  bool has_kernel(DeviceType d) const { return kernels[static_cast<int>(d)] != nullptr; }
};

}  // namespace tessera
