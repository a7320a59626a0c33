#include "tessera/nn/attention.h"

#include <cmath>
#include <limits>

#include "tessera/nn/functional.h"
#include "tessera/nn/init.h"
#include "tessera/ops/compare.h"
#include "tessera/ops/creation.h"
#include "tessera/ops/index.h"
#include "tessera/ops/linalg.h"
#include "tessera/ops/reduce.h"
#include "tessera/ops/softmax.h"

namespace tessera::nn {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

void check_mask_dtype(const Tensor& mask, const char* op, const char* what) {
  check<DTypeError>(mask.dtype() == kBool || is_floating_point(mask.dtype()), op, ": expected a bool or float ", what,
                    ", got ", mask.dtype());
}
void check_mask_dtype(const Tensor& mask, const MultiheadAttention& m, const char* what) {
  if (mask.dtype() != kBool && !is_floating_point(mask.dtype())) check_mask_dtype(mask, m.name().c_str(), what);
}

// True when `from` broadcasts to `to` without enlarging it.
bool broadcasts_to(const Shape& from, const Shape& to) {
  if (from.size() > to.size()) return false;
  for (size_t i = 1; i <= from.size(); ++i) {
    const int64_t f = from[from.size() - i];
    if (f != 1 && f != to[to.size() - i]) return false;
  }
  return true;
}

// scores with `mask` applied: a float mask is added; a bool one sets -inf where it equals `blocked_when`.
Tensor apply_mask(const Tensor& scores, const Tensor& mask, bool blocked_when) {
  if (mask.dtype() != kBool) return scores + mask;
  return masked_fill(scores, blocked_when ? mask : logical_not(mask), Scalar(-kInf));
}

// Keys after the query's position (j > i) set to -inf in the trailing [L, S] of scores.
Tensor apply_causal(const Tensor& scores) {
  const int64_t l = scores.size(-2), s = scores.size(-1);
  return masked_fill(scores, triu(ones({l, s}, kBool), 1), Scalar(-kInf));
}

// (softmax(scores) after dropout) @ v, and the weights.
std::pair<Tensor, Tensor> attend(const Tensor& scores, const Tensor& v, double dropout_p, Generator* gen) {
  Tensor w = softmax(scores, -1);
  if (dropout_p > 0.0) w = functional::dropout(w, dropout_p, true, gen);
  return {matmul(w, v), w};
}

}  // namespace

Tensor generate_square_subsequent_mask(int64_t sz, DType dtype) {
  check<ValueError>(sz >= 0, "generate_square_subsequent_mask: size must be >= 0, got ", sz);
  return triu(full({sz, sz}, Scalar(-kInf), dtype), 1);
}

namespace functional {

Tensor scaled_dot_product_attention(const Tensor& query, const Tensor& key, const Tensor& value,
                                    const Tensor& attn_mask, double dropout_p, bool is_causal,
                                    std::optional<double> scale, Generator* gen) {
  constexpr const char* kOp = "scaled_dot_product_attention";
  check<ShapeError>(query.dim() >= 2 && key.dim() >= 2 && value.dim() >= 2, kOp,
                    ": expected query [..., L, E], key [..., S, E] and value [..., S, Ev], got ",
                    fmt_shape(query.shape()), ", ", fmt_shape(key.shape()), " and ", fmt_shape(value.shape()));
  check<ShapeError>(key.size(-1) == query.size(-1), kOp, ": query ", fmt_shape(query.shape()), " and key ",
                    fmt_shape(key.shape()), " differ in the embedding dim");
  check<ShapeError>(value.size(-2) == key.size(-2), kOp, ": key ", fmt_shape(key.shape()), " and value ",
                    fmt_shape(value.shape()), " differ in the sequence length");
  check<ValueError>(dropout_p >= 0.0 && dropout_p <= 1.0, kOp, ": dropout_p has to be between 0 and 1, but got ",
                    dropout_p);
  const double s = scale.value_or(1.0 / std::sqrt(double(query.size(-1))));
  Tensor scores = matmul(query, key.transpose(-2, -1)) * s;
  if (is_causal) scores = apply_causal(scores);
  if (attn_mask.defined()) {
    check_mask_dtype(attn_mask, kOp, "attn_mask");
    check<ShapeError>(broadcasts_to(attn_mask.shape(), scores.shape()), kOp, ": attn_mask ",
                      fmt_shape(attn_mask.shape()), " does not broadcast to the attention scores ",
                      fmt_shape(scores.shape()));
    scores = apply_mask(scores, attn_mask, false);
  }
  return attend(scores, value, dropout_p, gen).first;
}

}  // namespace functional

MultiheadAttention::MultiheadAttention(int64_t embed_dim, int64_t num_heads, MultiheadAttentionOptions opts)
    : embed_dim(embed_dim),
      num_heads(num_heads),
      head_dim(num_heads > 0 ? embed_dim / num_heads : 0),
      kdim(opts.kdim.value_or(embed_dim)),
      vdim(opts.vdim.value_or(embed_dim)),
      options(opts) {
  check<ValueError>(embed_dim > 0 && num_heads > 0 && kdim > 0 && vdim > 0,
                    "MultiheadAttention: embed_dim, num_heads, kdim and vdim must be > 0, got ", embed_dim, ", ",
                    num_heads, ", ", kdim, ", ", vdim);
  check<ValueError>(embed_dim % num_heads == 0, "MultiheadAttention: embed_dim ", embed_dim,
                    " must be divisible by num_heads ", num_heads);
  check<ValueError>(opts.dropout >= 0.0 && opts.dropout <= 1.0,
                    "MultiheadAttention: dropout probability has to be between 0 and 1, but got ", opts.dropout);
  const DType dt = opts.dtype;
  if (kdim == embed_dim && vdim == embed_dim) {
    in_proj_weight = register_parameter("in_proj_weight", empty({3 * embed_dim, embed_dim}, dt));
  } else {
    q_proj_weight = register_parameter("q_proj_weight", empty({embed_dim, embed_dim}, dt));
    k_proj_weight = register_parameter("k_proj_weight", empty({embed_dim, kdim}, dt));
    v_proj_weight = register_parameter("v_proj_weight", empty({embed_dim, vdim}, dt));
  }
  if (opts.bias) in_proj_bias = register_parameter("in_proj_bias", empty({3 * embed_dim}, dt));
  out_proj = register_module("out_proj", make<Linear>(embed_dim, embed_dim, opts.bias, dt));
  reset_parameters();
}

void MultiheadAttention::reset_parameters() {
  for (Tensor* w : {&in_proj_weight, &q_proj_weight, &k_proj_weight, &v_proj_weight}) {
    if (w->defined()) init::xavier_uniform_(*w);
  }
  out_proj->reset_parameters();
  if (in_proj_bias.defined()) {
    init::zeros_(in_proj_bias);
    init::zeros_(out_proj->bias);
  }
}

std::string MultiheadAttention::name() const { return cat("MultiheadAttention(", embed_dim, ", ", num_heads, ")"); }

Tensor MultiheadAttention::forward(const Tensor& input) { return forward(input, input, input, {}, false).first; }

std::pair<Tensor, Tensor> MultiheadAttention::forward(const Tensor& query, const Tensor& key, const Tensor& value,
                                                      const Tensor& key_padding_mask, bool need_weights,
                                                      const Tensor& attn_mask, bool average_attn_weights,
                                                      bool is_causal) {
  const bool bf = options.batch_first;
  auto expect = [&](const Tensor& t, const char* what, const char* seq, int64_t features) {
    const bool ok = (t.dim() == 3 || t.dim() == 2) && t.dim() == query.dim() && t.size(-1) == features;
    if (!ok) {
      throw ShapeError(cat(name(), ": expected ", what, bf ? " [N, " : " [", seq, bf ? ", " : ", N, ", features,
                           "], got ", shape_of(t)));
    }
  };
  expect(query, "query", "L", embed_dim);
  expect(key, "key", "S", kdim);
  expect(value, "value", "S", vdim);
  const bool batched = query.dim() == 3;
  // Everything below works batch first: [N, L, E].
  auto to_bf = [&](const Tensor& t) { return !batched ? t.unsqueeze(0) : bf ? t : t.transpose(0, 1); };
  const Tensor q = to_bf(query), k = to_bf(key), v = to_bf(value);
  const int64_t n = q.size(0), l = q.size(1), s = k.size(1);
  if (k.size(0) != n || v.size(0) != n || v.size(1) != s) {
    throw ShapeError(cat(name(), ": query ", shape_of(query), ", key ", shape_of(key), " and value ", shape_of(value),
                         " differ in batch or key sequence size"));
  }

  // Projections, split into heads: [N, H, L or S, head_dim].
  auto project = [&](const Tensor& x, int64_t part) {
    const Tensor& separate = part == 0 ? q_proj_weight : part == 1 ? k_proj_weight : v_proj_weight;
    const Tensor w = in_proj_weight.defined() ? in_proj_weight.narrow(0, part * embed_dim, embed_dim) : separate;
    const Tensor b = in_proj_bias.defined() ? in_proj_bias.narrow(0, part * embed_dim, embed_dim) : Tensor{};
    return functional::linear(x, w, b).view({n, x.size(1), num_heads, head_dim}).transpose(1, 2);
  };
  const Tensor qh = project(q, 0), kh = project(k, 1), vh = project(v, 2);
  Tensor scores = matmul(qh * (1.0 / std::sqrt(double(head_dim))), kh.transpose(-2, -1));  // [N, H, L, S]

  if (attn_mask.defined()) {
    check_mask_dtype(attn_mask, *this, "attn_mask");
    const bool ok = (attn_mask.dim() == 2 && attn_mask.shape() == Shape{l, s}) ||
                    (attn_mask.dim() == 3 && attn_mask.shape() == Shape{n * num_heads, l, s});
    if (!ok) {
      throw ShapeError(cat(name(), ": expected attn_mask [", l, ", ", s, "] or [", n * num_heads, ", ", l, ", ", s,
                           "], got ", shape_of(attn_mask)));
    }
    scores = apply_mask(scores, attn_mask.dim() == 3 ? attn_mask.view({n, num_heads, l, s}) : attn_mask, true);
  }
  if (key_padding_mask.defined()) {
    check_mask_dtype(key_padding_mask, *this, "key_padding_mask");
    const Shape expected = batched ? Shape{n, s} : Shape{s};
    if (key_padding_mask.shape() != expected) {
      throw ShapeError(
          cat(name(), ": expected key_padding_mask ", shape_str(expected), ", got ", shape_of(key_padding_mask)));
    }
    scores = apply_mask(scores, key_padding_mask.view({n, 1, 1, s}), true);
  }
  if (is_causal) scores = apply_causal(scores);

  const double p = is_training() ? options.dropout : 0.0;
  auto [heads, weights] = attend(scores, vh, p, generator);  // [N, H, L, head_dim], [N, H, L, S]
  Tensor out = (*out_proj)(heads.transpose(1, 2).reshape({n, l, embed_dim}));
  out = !batched ? out.squeeze(0) : bf ? out : out.transpose(0, 1);
  if (!need_weights) return {out, Tensor{}};
  if (average_attn_weights) weights = weights.mean({1});
  return {out, batched ? weights : weights.squeeze(0)};
}

}  // namespace tessera::nn
