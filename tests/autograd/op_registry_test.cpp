// Walks the op registry: every op must be complete (shape rule, CPU kernel, gradient rule or an explicit
// "not differentiable" mark, sample inputs), and every differentiable op's rule must match finite differences,
// to first and second order, on its own samples. A new op cannot skip these checks.
#include <gtest/gtest.h>

#include "tessera/autograd/gradcheck.h"
#include "tessera/ops/apply.h"
#include "tessera/ops/registry.h"

namespace tessera {
namespace {

std::vector<Tensor> call(const OpDef& def, const OpSample& s, const std::vector<Tensor>& inputs) {
  std::vector<Tensor> in = inputs;
  if (def.inplace) in[0] = in[0].clone();  // an in-place op must not overwrite a leaf that requires grad
  static const NoAttrs kNone;
  return apply(def, in, s.attrs ? *s.attrs : static_cast<const Attrs&>(kNone));
}

// Leaves that require grad, keeping each sample's strides (non-contiguous samples stay non-contiguous).
std::vector<Tensor> as_leaves(const OpSample& s) {
  std::vector<Tensor> v;
  for (const Tensor& t : s.inputs) {
    Tensor leaf = t.detach();
    if (leaf.dtype() == kFloat64) leaf.requires_grad_(true);
    v.push_back(leaf);
  }
  return v;
}

TEST(OpRegistry, EveryOpIsComplete) {
  for (const OpDef* d : registry().all()) {
    SCOPED_TRACE(d->name);
    EXPECT_NE(d->infer, nullptr);
    EXPECT_TRUE(d->has_kernel(kCPU)) << d->name << " has no CPU kernel";
    if (d->differentiable()) {
      EXPECT_NE(d->vjp, nullptr) << d->name << " is differentiable but has no gradient rule";
      // Control-flow ops' samples need traced bodies (graph/): tests/graph/scan_test.cpp and control_flow_test.cpp
      // check their gradients.
      if (d->name != "scan" && d->name != "cond" && d->name != "while_loop") {
        EXPECT_NE(d->samples, nullptr) << d->name << " has no sample inputs for its gradient check";
      }
    }
  }
}

// An inferred size of -1 is data-dependent (masked_select, nonzero, ...) and matches any size.
bool shape_matches(const Shape& actual, const Shape& inferred) {
  if (actual.size() != inferred.size()) return false;
  for (size_t i = 0; i < actual.size(); ++i) {
    if (inferred[i] != -1 && inferred[i] != actual[i]) return false;
  }
  return true;
}

TEST(OpRegistry, InferredTypesMatchKernelOutputs) {
  for (const OpDef* d : registry().all()) {
    if (!d->samples) continue;
    for (const OpSample& s : d->samples()) {
      SCOPED_TRACE(d->name + ": " + s.label);
      std::vector<TensorType> in_types;
      for (const Tensor& t : s.inputs) in_types.push_back(type_of(t));
      static const NoAttrs kNone;
      std::vector<TensorType> inferred = d->infer(in_types, s.attrs ? *s.attrs : static_cast<const Attrs&>(kNone));
      std::vector<Tensor> out = call(*d, s, s.inputs);
      ASSERT_EQ(out.size(), inferred.size());
      for (size_t i = 0; i < out.size(); ++i) {
        EXPECT_TRUE(shape_matches(out[i].shape(), inferred[i].shape))
            << "output " << i << ": kernel gave " << shape_str(out[i].shape()) << ", infer said "
            << shape_str(inferred[i].shape);
        EXPECT_EQ(out[i].dtype(), inferred[i].dtype) << "output " << i;
      }
    }
  }
}

// Runs `check` (gradcheck or gradgradcheck) on every sample of every differentiable op.
template <class Check>
void check_every_sample(Check check) {
  for (const OpDef* d : registry().all()) {
    if (!d->differentiable() || !d->vjp || !d->samples) continue;
    for (const OpSample& s : d->samples()) {
      SCOPED_TRACE(d->name + ": " + s.label);
      TensorFunction fn = [&](const std::vector<Tensor>& in) { return call(*d, s, in); };
      try {
        check(fn, as_leaves(s));
      } catch (const Error& e) {
        ADD_FAILURE() << e.what();
      }
    }
  }
}

TEST(OpRegistry, GradientsMatchFiniteDifferences) {
  check_every_sample([](const TensorFunction& fn, const std::vector<Tensor>& x) { gradcheck(fn, x); });
}

TEST(OpRegistry, SecondOrderGradientsMatchFiniteDifferences) {
  check_every_sample([](const TensorFunction& fn, const std::vector<Tensor>& x) { gradgradcheck(fn, x); });
}

}  // namespace
}  // namespace tessera
