// Gradient rules of the index family, written with the family's own ops so that each rule is differentiable in
// turn (gather and scatter_add are each other's gradient, index_select and index_add likewise) and traceable.
// The engine sums gradients back to each input's shape and casts them to its dtype (Note [Broadcast gradients]
// in autograd/engine.cpp), which covers masked_fill's and masked_select's broadcast inputs. Index tensors and
// masks get no gradient.
#include "tessera/ops/index_grad.h"

#include <string_view>

#include "tessera/ops/creation.h"
#include "tessera/ops/index.h"
#include "tessera/ops/shape.h"

namespace tessera::index_detail {
namespace {

using Grads = std::vector<Tensor>;

int64_t dim_of(const OpCall& c) { return attrs_as<IndexDimAttrs>(c.attrs).dim; }
Tensor zeros_for(const TensorType& t, const Tensor& g) { return zeros(t.shape, g.options()); }

// The scatters read only the leading index-shaped block of src, so its gradient, gather(g, dim, index), is
// zero-padded to src's shape (a 0-d src and a one-element 1-d index, or the reverse, differ only in rank).
Tensor pad_to(Tensor t, const Shape& shape) {
  if (t.dim() != static_cast<int64_t>(shape.size())) t = t.reshape(shape.empty() ? Shape{} : Shape{1});
  for (int64_t d = 0; d < t.dim(); ++d) {
    const int64_t have = t.shape()[d];
    if (have == shape[d]) continue;
    Shape wider = t.shape();
    wider[d] = shape[d];
    t = slice_scatter(zeros(wider, t.options()), t, d, 0, have);
  }
  return t;
}

// out = x[index] along dim: each x element gets the sum of g over the places that read it.
Grads gather_vjp(const OpCall& c, std::span<const Tensor> g) {
  return {scatter_add(zeros_for(c.input_types[0], g[0]), dim_of(c), c.inputs[1], g[0]), Tensor()};
}

// x's scattered-over places were overwritten, so they get no gradient; src's elements get g where they landed.
// With repeated indices only the last write lands, but every src element gets g there (as in PyTorch).
Grads scatter_vjp(const OpCall& c, std::span<const Tensor> g) {
  const int64_t dim = dim_of(c);
  const Tensor& index = c.inputs[1];
  return {scatter(g[0], dim, index, Scalar(0)), Tensor(), pad_to(gather(g[0], dim, index), c.input_types[2].shape)};
}

Grads scatter_value_vjp(const OpCall& c, std::span<const Tensor> g) {
  return {scatter(g[0], attrs_as<ScatterValueAttrs>(c.attrs).dim, c.inputs[1], Scalar(0)), Tensor()};
}

Grads scatter_add_vjp(const OpCall& c, std::span<const Tensor> g) {
  return {g[0], Tensor(), pad_to(gather(g[0], dim_of(c), c.inputs[1]), c.input_types[2].shape)};
}

Grads index_select_vjp(const OpCall& c, std::span<const Tensor> g) {
  return {index_add(zeros_for(c.input_types[0], g[0]), dim_of(c), c.inputs[1], g[0]), Tensor()};
}

Grads index_add_vjp(const OpCall& c, std::span<const Tensor> g) {
  const auto& a = attrs_as<IndexAddAttrs>(c.attrs);
  Tensor source = index_select(g[0], a.dim, c.inputs[1]);
  if (a.alpha.to_double() != 1.0) source = source * a.alpha;
  const Shape& shape = c.input_types[2].shape;  // a 0-d x takes a [1] source (and the reverse)
  return {g[0], Tensor(), source.shape() == shape ? source : source.reshape(shape)};
}

// The output has the broadcast shape, so the masked places of g are those of the (broadcast) mask.
Grads masked_fill_vjp(const OpCall& c, std::span<const Tensor> g) {
  return {masked_fill(g[0], c.inputs[1], Scalar(0)), Tensor()};
}

// g's elements go back to the mask's true places (row-major) in zeros of the broadcast shape: index_add at the
// mask's flat positions (masked_scatter, written with ops whose own gradients exist).
Grads masked_select_vjp(const OpCall& c, std::span<const Tensor> g) {
  const Shape shape = broadcast_shapes(c.input_types[0].shape, c.input_types[1].shape, "masked_select");
  const Tensor positions = nonzero(c.inputs[1].expand(shape).reshape({-1})).reshape({-1});
  return {index_add(zeros({numel(shape)}, g[0].options()), 0, positions, g[0]).reshape(shape), Tensor()};
}

Grads tril_vjp(const OpCall& c, std::span<const Tensor> g) {
  return {tril(g[0], attrs_as<TriangleAttrs>(c.attrs).diagonal)};
}
Grads triu_vjp(const OpCall& c, std::span<const Tensor> g) {
  return {triu(g[0], attrs_as<TriangleAttrs>(c.attrs).diagonal)};
}

// ---- Sample calls (float64 data, int64 indices, bool masks; broadcast and transposed inputs) --------------

Tensor grid(int64_t rows, int64_t cols) { return arange(rows * cols, kFloat64).reshape({rows, cols}) * 0.5 - 1.0; }
Tensor ints(std::vector<int64_t> v, Shape shape) { return from_vector(v, std::move(shape)); }
Tensor mask(std::vector<int64_t> v, Shape shape) { return ints(std::move(v), std::move(shape)).to(kBool); }

template <class A>
std::shared_ptr<A> dim_attrs(int64_t dim) {
  auto a = std::make_shared<A>();
  a->dim = dim;
  return a;
}

std::vector<OpSample> gather_samples() {
  return {{{grid(3, 4), ints({0, 1, 2, 0, 0, 2, 2, 1}, {2, 4})}, dim_attrs<IndexDimAttrs>(0), "dim 0, repeated"},
          {{grid(3, 4).t(), ints({2, 0, 1, 1, 0, 2}, {3, 2})},
           dim_attrs<IndexDimAttrs>(-1),
           "transposed [4,3], dim -1, index smaller than input"}};
}

std::vector<OpSample> scatter_samples() {
  // Indices are distinct along dim (with repeats the result depends on which write lands last).
  return {{{grid(3, 4), ints({0, 2, 1, 2, 0, 0}, {2, 3}), grid(3, 4) + 5.0},
           dim_attrs<IndexDimAttrs>(0),
           "dim 0, src larger than index"},
          {{grid(3, 4).t(), ints({2, 0, 0, 1, 1, 2, 2, 1}, {4, 2}), grid(2, 4).t()},
           dim_attrs<IndexDimAttrs>(1),
           "transposed input and src, dim 1"}};
}

std::vector<OpSample> scatter_value_samples() {
  auto a = dim_attrs<ScatterValueAttrs>(0);
  a->value = 7.5;
  return {{{grid(3, 4).t(), ints({3, 0, 1, 3, 2, 1}, {2, 3})}, a, "transposed [4,3], dim 0, repeated"}};
}

std::vector<OpSample> scatter_add_samples() {
  return {
      {{grid(3, 4), ints({0, 0, 3, 1, 1, 1}, {2, 3}), grid(4, 3).t()},
       dim_attrs<IndexDimAttrs>(1),
       "dim 1, repeated, transposed src larger than index"},
      {{grid(1, 5).reshape({5}), ints({0, 4, 0}, {3}), grid(1, 3).reshape({3})}, dim_attrs<IndexDimAttrs>(0), "1-d"}};
}

std::vector<OpSample> index_select_samples() {
  return {{{grid(3, 4).t(), ints({2, 0, 2}, {3})}, dim_attrs<IndexDimAttrs>(1), "transposed [4,3], dim 1, repeated"},
          {{grid(3, 4), ints({1}, {})}, dim_attrs<IndexDimAttrs>(0), "0-d index"},
          {{full({}, 1.5, kFloat64), ints({0}, {1})}, dim_attrs<IndexDimAttrs>(0), "0-d input"}};
}

std::vector<OpSample> index_add_samples() {
  auto scaled = dim_attrs<IndexAddAttrs>(1);
  scaled->alpha = 2.5;
  return {{{grid(4, 3), ints({0, 2, 0}, {3}), grid(3, 3)}, dim_attrs<IndexAddAttrs>(0), "dim 0, repeated"},
          {{grid(3, 4).t(), ints({1, 1}, {2}), grid(2, 4).t()}, scaled, "transposed, dim 1, alpha 2.5"}};
}

std::vector<OpSample> masked_fill_samples() {
  auto a = std::make_shared<MaskedFillAttrs>();
  a->value = 9.0;
  return {{{grid(3, 1), mask({1, 0, 0, 1, 0, 1, 1, 0, 0, 0, 0, 1}, {3, 4})}, a, "input [3,1] broadcast to mask [3,4]"},
          {{grid(3, 4).t(), mask({0, 1, 0}, {3})}, a, "transposed [4,3], mask [3] broadcast"}};
}

std::vector<OpSample> masked_select_samples() {
  return {{{grid(3, 4), mask({1, 0, 1, 1}, {4})}, nullptr, "mask [4] broadcast to [3,4]"},
          {{grid(1, 3).t(), mask({1, 0, 0, 1, 0, 1, 1, 0, 0, 0, 0, 1}, {3, 4})},
           nullptr,
           "input [3,1] broadcast to mask [3,4]"},
          {{grid(3, 4).t(), mask({1, 0, 0, 1, 0, 1, 1, 1, 0, 0, 0, 1}, {4, 3})}, nullptr, "transposed [4,3]"}};
}

std::vector<OpSample> triangle_samples() {
  auto diagonal = [](int64_t k) {
    auto a = std::make_shared<TriangleAttrs>();
    a->diagonal = k;
    return a;
  };
  return {{{grid(3, 4)}, diagonal(0), "[3,4]"},
          {{grid(3, 4).t()}, diagonal(-1), "transposed [4,3], diagonal -1"},
          {{grid(2, 9).reshape({2, 3, 3})}, diagonal(1), "batched [2,3,3], diagonal 1"}};
}

struct Grad {
  std::string_view op;
  VjpFn vjp;
  SampleFn samples;
  bool needs_inputs;  // the index or mask; no rule reads an output
};

constexpr Grad kGrads[] = {
    {"gather", gather_vjp, gather_samples, true},
    {"scatter", scatter_vjp, scatter_samples, true},
    {"scatter_value", scatter_value_vjp, scatter_value_samples, true},
    {"scatter_add", scatter_add_vjp, scatter_add_samples, true},
    {"index_select", index_select_vjp, index_select_samples, true},
    {"index_add", index_add_vjp, index_add_samples, true},
    {"masked_fill", masked_fill_vjp, masked_fill_samples, true},
    {"masked_select", masked_select_vjp, masked_select_samples, true},
    {"tril", tril_vjp, triangle_samples, false},
    {"triu", triu_vjp, triangle_samples, false},
};

}  // namespace

OpDef with_grad(OpDef d) {
  for (const Grad& g : kGrads) {
    if (g.op != d.name) continue;
    d.vjp = g.vjp;
    d.samples = g.samples;
    d.vjp_needs_inputs = g.needs_inputs;
    d.vjp_needs_outputs = false;
  }
  return d;
}

}  // namespace tessera::index_detail
