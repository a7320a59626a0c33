#include "tessera/ops/linalg.h"

#include <algorithm>
#include <utility>

#include "tessera/ops/apply.h"
#include "tessera/ops/creation.h"
#include "tessera/ops/families.h"
#include "tessera/ops/registry.h"
#include "tessera/ops/shape.h"

namespace tessera {
namespace {

// The strict forms check their operands' ranks, then share matmul's rule.
enum class Product { kMatmul, kMm, kBmm, kMv, kDot };

constexpr const char* product_name(Product p) {
  switch (p) {
    case Product::kMatmul:
      return "matmul";
    case Product::kMm:
      return "mm";
    case Product::kBmm:
      return "bmm";
    case Product::kMv:
      return "mv";
    case Product::kDot:
      return "dot";
  }
  return "";
}

// The ranks (a, b) each strict form takes.
constexpr std::pair<size_t, size_t> product_ranks(Product p) {
  switch (p) {
    case Product::kMm:
      return {2, 2};
    case Product::kBmm:
      return {3, 3};
    case Product::kMv:
      return {2, 1};
    case Product::kDot:
      return {1, 1};
    case Product::kMatmul:
      break;
  }
  return {0, 0};
}

template <Product P>
std::vector<TensorType> product_infer(std::span<const TensorType> in, const Attrs&) {
  constexpr const char* op = product_name(P);
  const Shape &sa = in[0].shape, &sb = in[1].shape;
  const std::string shapes = cat("shapes ", shape_str(sa), " and ", shape_str(sb));
  if constexpr (P == Product::kMatmul) {
    check<ShapeError>(!sa.empty() && !sb.empty(), op, ": both operands must be at least 1-d, got ", shapes);
  } else {
    constexpr auto ranks = product_ranks(P);
    check<ShapeError>(sa.size() == ranks.first && sb.size() == ranks.second, op, ": expected operands of ", ranks.first,
                      "-d and ", ranks.second, "-d, got ", shapes);
  }
  check<DTypeError>(in[0].dtype == in[1].dtype, op, ": expected both operands to have the same dtype, got ",
                    in[0].dtype, " and ", in[1].dtype);
  check<DTypeError>(in[0].dtype != kBool, op, ": bool operands are not supported");
  const int64_t ka = sa.back(), kb = sb.size() == 1 ? sb[0] : sb[sb.size() - 2];
  check<ShapeError>(ka == kb, op, ": ", shapes, " cannot be multiplied (", ka, " != ", kb, ")");

  // Batch dims: all but the matrix dims, right-aligned and broadcast.
  Shape ba(sa.begin(), sa.end() - std::min<size_t>(sa.size(), 2));
  Shape bb(sb.begin(), sb.end() - std::min<size_t>(sb.size(), 2));
  if constexpr (P == Product::kBmm) {
    check<ShapeError>(ba == bb, op, ": ", shapes, " have different batch sizes (", ba[0], " != ", bb[0], ")");
  }
  Shape out(std::max(ba.size(), bb.size()));
  for (size_t i = 0; i < out.size(); ++i) {
    int64_t x = i < out.size() - ba.size() ? 1 : ba[i - (out.size() - ba.size())];
    int64_t y = i < out.size() - bb.size() ? 1 : bb[i - (out.size() - bb.size())];
    check<ShapeError>(x == y || x == 1 || y == 1, op, ": the batch dims of ", shapes, " cannot be broadcast");
    out[i] = x == 1 ? y : x;
  }
  if (sa.size() >= 2) out.push_back(sa[sa.size() - 2]);
  if (sb.size() >= 2) out.push_back(sb.back());
  return {{in[0].dtype, out, in[0].device}};
}

std::vector<TensorType> outer_infer(std::span<const TensorType> in, const Attrs&) {
  const Shape &sa = in[0].shape, &sb = in[1].shape;
  check<ShapeError>(sa.size() == 1 && sb.size() == 1, "outer: expected 1-d operands, got shapes ", shape_str(sa),
                    " and ", shape_str(sb));
  return {{promote_types(in[0].dtype, in[1].dtype), Shape{sa[0], sb[0]}, in[0].device}};
}

using Grads = std::vector<Tensor>;

// Note [Product gradients]
// Every product here is a matmul with fixed ranks, so one rule serves all five. As matmul does, a 1-d a is
// promoted to [1, k] and a 1-d b to [k, 1], and g is reshaped to the promoted output [batch..., n, m]; then
// ga = g @ b^T and gb = a^T @ g, and the promoted dims are squeezed away again. Batch dims an operand was
// broadcast over are summed by the engine (Note [Broadcast gradients] in ops/reduce_grad.cpp). Written with
// matmul itself, the rule is differentiable in turn (second order is again a product).
// A 2-d matrix stored column-major (the transpose of a contiguous one).
bool transposed_matrix(const Tensor& t) {
  return t.dim() == 2 && t.size(0) > 1 && t.size(1) > 1 && t.stride(0) == 1 && t.stride(1) == t.size(0);
}

Grads product_vjp(const OpCall& c, std::span<const Tensor> g) {
  const Tensor &a = c.inputs[0], &b = c.inputs[1];
  const bool a_vec = a.dim() == 1, b_vec = b.dim() == 1;
  const Tensor a2 = a_vec ? a.unsqueeze(0) : a, b2 = b_vec ? b.unsqueeze(1) : b;
  Shape out = g[0].shape();
  if (a_vec) out.insert(out.end() - (b_vec ? 0 : 1), 1);
  if (b_vec) out.push_back(1);
  const Tensor g2 = g[0].reshape(std::move(out));
  Tensor ga, gb;
  if (c.needs_input_grad(0)) ga = matmul(g2, b2.transpose(-1, -2));
  if (c.needs_input_grad(1)) {
    // A linear layer's b is W^T, a transposed view: produce gb in W's own layout, (g^T a)^T, so that the
    // gradient reaching W is contiguous instead of a transposed copy of it.
    gb = transposed_matrix(b2) ? matmul(g2.transpose(-1, -2), a2).transpose(-1, -2) : matmul(a2.transpose(-1, -2), g2);
  }
  return {a_vec && ga.defined() ? ga.squeeze(-2) : ga, b_vec && gb.defined() ? gb.squeeze(-1) : gb};
}

// out[i, j] = a[i] * b[j]; the operands may have other dtypes than the promoted g (the engine casts back).
Grads outer_vjp(const OpCall& c, std::span<const Tensor> g) {
  const DType t = g[0].dtype();
  return {mv(g[0], c.inputs[1].to(t)), mv(g[0].t(), c.inputs[0].to(t))};
}

// ---- Sample calls (float64; 1-d operands, broadcast batch dims, transposed and strided operands) ----------

Tensor iota(Shape shape) {
  const int64_t n = numel(shape);
  return arange(n, kFloat64).reshape(std::move(shape)) * 0.25 - 1.0;
}

std::vector<OpSample> matmul_samples() {
  return {{{iota({2, 3}), iota({4, 3}).t()}, nullptr, "[2,3] x transposed [3,4]"},
          {{iota({3}), iota({3}) + 2.0}, nullptr, "1-d x 1-d"},
          {{iota({3}), iota({2, 3, 2})}, nullptr, "1-d x batched [2,3,2]"},
          {{iota({2, 4, 3}).transpose(1, 2), iota({4})}, nullptr, "transposed batched [2,3,4] x 1-d"},
          {{iota({2, 1, 2, 3}), iota({3, 3, 2})}, nullptr, "broadcast batch [2,1] x [3]"},
          {{iota({2, 3}), iota({2, 3, 2})}, nullptr, "matrix x batched"}};
}
std::vector<OpSample> mm_samples() { return {{{iota({3, 2}).t(), iota({3, 2})}, nullptr, "transposed [2,3] x [3,2]"}}; }
std::vector<OpSample> bmm_samples() {
  return {{{iota({2, 2, 3}), iota({2, 2, 3}).transpose(1, 2)}, nullptr, "[2,2,3] x transposed [2,3,2]"}};
}
std::vector<OpSample> mv_samples() { return {{{iota({3, 2}).t(), iota({3})}, nullptr, "transposed [2,3] x [3]"}}; }
std::vector<OpSample> dot_samples() {
  return {{{slice(iota({6}), 0, 0, std::nullopt, 2), iota({3}) + 1.0}, nullptr, "strided [3] x [3]"}};
}
std::vector<OpSample> outer_samples() { return {{{iota({3}), iota({2}) + 1.0}, nullptr, "[3] x [2]"}}; }

OpDef product_op(const char* name, InferFn infer, SampleFn samples, VjpFn vjp = product_vjp) {
  return {.name = name, .infer = infer, .vjp = vjp, .vjp_needs_outputs = false, .samples = samples};
}

}  // namespace

void register_linalg_ops(Registry& r) {
  r.add(product_op("matmul", product_infer<Product::kMatmul>, matmul_samples));
  r.add(product_op("mm", product_infer<Product::kMm>, mm_samples));
  r.add(product_op("bmm", product_infer<Product::kBmm>, bmm_samples));
  r.add(product_op("mv", product_infer<Product::kMv>, mv_samples));
  r.add(product_op("dot", product_infer<Product::kDot>, dot_samples));
  r.add(product_op("outer", outer_infer, outer_samples, outer_vjp));
}

Tensor matmul(const Tensor& a, const Tensor& b) {
  static const OpDef& d = op("matmul");
  return apply1(d, {a, b});
}
Tensor mm(const Tensor& a, const Tensor& b) {
  static const OpDef& d = op("mm");
  return apply1(d, {a, b});
}
Tensor bmm(const Tensor& a, const Tensor& b) {
  static const OpDef& d = op("bmm");
  return apply1(d, {a, b});
}
Tensor mv(const Tensor& a, const Tensor& b) {
  static const OpDef& d = op("mv");
  return apply1(d, {a, b});
}
Tensor dot(const Tensor& a, const Tensor& b) {
  static const OpDef& d = op("dot");
  return apply1(d, {a, b});
}
Tensor outer(const Tensor& a, const Tensor& b) {
  static const OpDef& d = op("outer");
  return apply1(d, {a, b});
}

Tensor Tensor::matmul(const Tensor& other) const { return tessera::matmul(*this, other); }
Tensor Tensor::mm(const Tensor& other) const { return tessera::mm(*this, other); }

}  // namespace tessera
