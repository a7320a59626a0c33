#include "tessera/ops/linalg.h"

#include <algorithm>
#include <utility>

#include "tessera/ops/apply.h"
#include "tessera/ops/families.h"
#include "tessera/ops/registry.h"

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

}  // namespace

void register_linalg_ops(Registry& r) {
  r.add({.name = "matmul", .infer = product_infer<Product::kMatmul>});
  r.add({.name = "mm", .infer = product_infer<Product::kMm>});
  r.add({.name = "bmm", .infer = product_infer<Product::kBmm>});
  r.add({.name = "mv", .infer = product_infer<Product::kMv>});
  r.add({.name = "dot", .infer = product_infer<Product::kDot>});
  r.add({.name = "outer", .infer = outer_infer});
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
