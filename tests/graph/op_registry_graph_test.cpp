// Walks the op registry in graph mode: every op's samples, traced and run, equal eager execution, and every
// differentiable op's symbolic gradient equals the eager tape's (../../DESIGN.md: "eager equals the traced graph,
// tape gradients equal symbolic gradients"). A new op cannot skip these checks.
#include "graph/graph_testing.h"
#include "tessera/graph/random_nodes.h"
#include "tessera/ops/apply.h"

namespace tessera::testing {
namespace {

const Attrs& attrs_of(const OpSample& s) {
  static const NoAttrs kNone;
  return s.attrs ? *s.attrs : static_cast<const Attrs&>(kNone);
}

std::vector<InputSpec> specs_of(const OpSample& s) {
  std::vector<InputSpec> specs;
  for (size_t i = 0; i < s.inputs.size(); ++i) specs.push_back(InputSpec::like(cat("in", i), s.inputs[i]));
  return specs;
}

std::vector<Tensor> eager(const OpDef& d, const OpSample& s) {
  std::vector<Tensor> in;
  for (const Tensor& t : s.inputs) in.push_back(d.inplace ? t.clone() : t);
  return apply(d, in, attrs_of(s));
}

TEST(OpRegistryGraph, TracedEqualsEager) {
  int checked = 0;
  for (const OpDef* d : registry().all()) {
    if (!d->samples) continue;
    for (const OpSample& s : d->samples()) {
      if (s.attrs && graph::is_random_attrs(*s.attrs)) continue;  // a graph draws new numbers on every run
      SCOPED_TRACE(d->name + ": " + s.label);
      try {
        Function f =
            graph::trace([&](const std::vector<Tensor>& in) { return apply(*d, in, attrs_of(s)); }, specs_of(s));
        std::vector<Tensor> feeds;
        for (const Tensor& t : s.inputs) feeds.push_back(d->inplace ? t.clone() : t);
        std::vector<Tensor> got = f(feeds), want = eager(*d, s);
        ASSERT_EQ(got.size(), want.size());
        for (size_t i = 0; i < got.size(); ++i) {
          ASSERT_EQ(got[i].shape(), want[i].shape()) << "output " << i;
          EXPECT_EQ(got[i].dtype(), want[i].dtype()) << "output " << i;
          expect_close(doubles(got[i]), doubles(want[i]), 0, 0);
        }
        ++checked;
      } catch (const Error& e) {
        ADD_FAILURE() << e.what();
      }
    }
  }
  EXPECT_GT(checked, 150);
}

TEST(OpRegistryGraph, SymbolicGradientsEqualTheTape) {
  int checked = 0;
  for (const OpDef* d : registry().all()) {
    if (!d->differentiable() || !d->vjp || !d->samples || d->inplace) continue;
    for (const OpSample& s : d->samples()) {
      SCOPED_TRACE(d->name + ": " + s.label);
      // sum over outputs of sum(out * weight), weights fixed and distinct per element.
      auto objective = [&](const std::vector<Tensor>& in) {
        std::vector<Tensor> out = apply(*d, in, attrs_of(s));
        Tensor total = zeros({}, kFloat64);
        for (const Tensor& o : out) {
          if (o.dtype() != kFloat64) continue;
          total = total + (o * wave(o.shape(), 0.3)).sum();
        }
        return total;
      };
      std::vector<size_t> diff;  // float64 inputs
      for (size_t i = 0; i < s.inputs.size(); ++i) {
        if (s.inputs[i].dtype() == kFloat64) diff.push_back(i);
      }
      std::vector<TensorType> types;
      for (const Tensor& t : s.inputs) types.push_back(type_of(t));
      bool data_dependent = false;  // output sizes known only at run time (nonzero, masked_select)
      for (const TensorType& t : d->infer(types, attrs_of(s))) {
        for (int64_t n : t.shape) data_dependent = data_dependent || n < 0;
      }
      if (diff.empty() || data_dependent) continue;
      try {
        Function f = graph::trace(
            [&](const std::vector<Tensor>& in) {
              std::vector<Tensor> wrt;
              for (size_t i : diff) wrt.push_back(in[i]);
              return graph::grad(objective(in), wrt, {}, /*allow_unused=*/true);
            },
            specs_of(s));
        std::vector<Tensor> got = f(s.inputs);
        std::vector<Tensor> leaves;
        for (const Tensor& t : s.inputs) {
          Tensor l = t.detach();
          if (l.dtype() == kFloat64) l.requires_grad_(true);
          leaves.push_back(l);
        }
        Tensor total = objective(leaves);
        if (!total.requires_grad()) continue;  // no output depends on a float input (e.g. only indices)
        total.backward();
        for (size_t k = 0; k < diff.size(); ++k) {
          Tensor want = leaves[diff[k]].grad();
          if (!want.defined()) want = zeros_like(s.inputs[diff[k]]);
          ASSERT_EQ(got[k].shape(), want.shape()) << "input " << diff[k];
          expect_close(doubles(got[k]), doubles(want), 1e-10, 1e-12);
        }
        ++checked;
      } catch (const Error& e) {
        ADD_FAILURE() << e.what();
      }
    }
  }
  EXPECT_GT(checked, 100);
}

}  // namespace
}  // namespace tessera::testing
