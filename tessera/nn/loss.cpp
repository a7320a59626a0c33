#include "tessera/nn/loss.h"

#include "tessera/ops/binary.h"
#include "tessera/ops/compare.h"
#include "tessera/ops/creation.h"
#include "tessera/ops/index.h"
#include "tessera/ops/reduce.h"
#include "tessera/ops/shape.h"
#include "tessera/ops/softmax.h"
#include "tessera/ops/unary.h"

namespace tessera::nn {

Tensor reduce_loss(const Tensor& loss, Reduction reduction) {
  switch (reduction) {
    case Reduction::kNone:
      return loss;
    case Reduction::kSum:
      return loss.sum();
    case Reduction::kMean:
      return loss.mean();
  }
  return loss;
}

namespace {

// [N, C, d...] input with an [N, d...] class-index target (or [C] with a 0-d target).
void check_class_target(const char* op, const Tensor& input, const Tensor& target) {
  check<DTypeError>(target.dtype() == kInt64 || target.dtype() == kInt32, op,
                    ": expected an int64 class-index target, got ", target.dtype());
  Shape expected = input.shape();
  check<ShapeError>(!expected.empty(), op, ": expected input [N, C, ...] or [C], got a 0-d tensor");
  expected.erase(expected.begin() + (input.dim() == 1 ? 0 : 1));
  check<ShapeError>(target.shape() == expected, op, ": input ", fmt_shape(input.shape()), " expects target ",
                    fmt_shape(expected), ", got ", fmt_shape(target.shape()));
}

// Per-element -w[t] * logp[t] with ignored targets contributing 0, and the per-element weights w[t] (0 where
// ignored), both of the target's shape.
std::pair<Tensor, Tensor> picked_nll(const char* op, const Tensor& logp, const Tensor& target, const Tensor& weight,
                                     int64_t ignore_index) {
  const int64_t class_dim = logp.dim() == 1 ? 0 : 1, classes = logp.size(class_dim);
  const Tensor t = target.to(kInt64);
  const Tensor keep = ne(t, Scalar(ignore_index));
  const Tensor safe = where(keep, t, Scalar(int64_t{0}));
  if (safe.numel() > 0 && !safe.is_symbolic()) {  // traced: the gather kernel checks the range at run time
    const int64_t lo = safe.amin().item<int64_t>(), hi = safe.amax().item<int64_t>();
    check<IndexError>(lo >= 0 && hi < classes, op, ": target ", lo < 0 ? lo : hi, " is out of bounds for ", classes,
                      " classes");
  }
  const Tensor picked = gather(logp, class_dim, safe.unsqueeze(class_dim)).squeeze(class_dim);
  Tensor w = keep.to(logp.dtype());
  if (weight.defined()) {
    check<ShapeError>(weight.dim() == 1 && weight.size(0) == classes, op, ": expected weight [", classes, "], got ",
                      fmt_shape(weight.shape()));
    w = w * index_select(weight, 0, safe.reshape({-1})).reshape(safe.shape());
  }
  return {-picked * w, w};
}

Tensor reduce_weighted(const Tensor& loss, const Tensor& w, Reduction reduction) {
  if (reduction == Reduction::kMean) return loss.sum() / w.sum();
  return reduce_loss(loss, reduction);
}

}  // namespace

Tensor nll_loss(const Tensor& input, const Tensor& target, const Tensor& weight, int64_t ignore_index,
                Reduction reduction) {
  check_class_target("nll_loss", input, target);
  auto [loss, w] = picked_nll("nll_loss", input, target, weight, ignore_index);
  return reduce_weighted(loss, w, reduction);
}

Tensor cross_entropy(const Tensor& input, const Tensor& target, const CrossEntropyOptions& o) {
  const double eps = o.label_smoothing;
  check<ValueError>(eps >= 0.0 && eps <= 1.0, "cross_entropy: label_smoothing must be in [0, 1], got ", eps);
  check<ShapeError>(input.dim() >= 1, "cross_entropy: expected input [N, C, ...] or [C], got a 0-d tensor");
  const int64_t class_dim = input.dim() == 1 ? 0 : 1, classes = input.size(class_dim);
  check<ShapeError>(!o.weight.defined() || (o.weight.dim() == 1 && o.weight.size(0) == classes),
                    "cross_entropy: expected weight [", classes, "], got ",
                    o.weight.defined() ? shape_str(o.weight.shape()) : "");
  const Tensor logp = log_softmax(input, class_dim);
  Shape wshape(input.dim(), 1);
  wshape[class_dim] = classes;
  const Tensor wb = o.weight.defined() ? o.weight.reshape(wshape) : Tensor{};

  if (is_floating_point(target.dtype())) {  // class probabilities
    check<ShapeError>(target.shape() == input.shape(), "cross_entropy: probability target ", fmt_shape(target.shape()),
                      " must have the input's shape ", fmt_shape(input.shape()));
    Tensor t = eps > 0 ? target * (1.0 - eps) + eps / double(classes) : target;
    Tensor terms = logp * t;
    if (wb.defined()) terms = terms * wb;
    const Tensor loss = -terms.sum({class_dim});
    if (o.reduction == Reduction::kMean) return loss.sum() / double(std::max<int64_t>(input.numel() / classes, 1));
    return reduce_loss(loss, o.reduction);
  }

  check_class_target("cross_entropy", input, target);
  auto [nll, w] = picked_nll("cross_entropy", logp, target, o.weight, o.ignore_index);
  Tensor out = reduce_weighted(nll, w, o.reduction);
  if (eps == 0.0) return out;
  // Label smoothing (PyTorch): (1 - eps) nll + eps / C * sum_c -w_c logp_c, ignored targets excluded.
  Tensor smooth = -(wb.defined() ? logp * wb : logp).sum({class_dim});
  smooth = smooth * ne(target, Scalar(o.ignore_index)).to(logp.dtype());
  const Tensor smooth_red = reduce_weighted(smooth, w, o.reduction);
  return out * (1.0 - eps) + smooth_red * (eps / double(classes));
}

namespace {
Tensor difference(const char* op, const Tensor& input, const Tensor& target) {
  broadcast_shapes(input.shape(), target.shape(), op);  // ShapeError naming the loss
  return input - target;
}
}  // namespace

Tensor mse_loss(const Tensor& input, const Tensor& target, Reduction reduction) {
  return reduce_loss(square(difference("mse_loss", input, target)), reduction);
}

Tensor l1_loss(const Tensor& input, const Tensor& target, Reduction reduction) {
  return reduce_loss(abs(difference("l1_loss", input, target)), reduction);
}

Tensor smooth_l1_loss(const Tensor& input, const Tensor& target, Reduction reduction, double beta) {
  check<ValueError>(beta >= 0, "smooth_l1_loss: beta must be >= 0, got ", beta);
  const Tensor d = abs(difference("smooth_l1_loss", input, target));
  if (beta == 0.0) return reduce_loss(d, reduction);
  return reduce_loss(where(lt(d, Scalar(beta)), square(d) * (0.5 / beta), d - 0.5 * beta), reduction);
}

Tensor huber_loss(const Tensor& input, const Tensor& target, Reduction reduction, double delta) {
  check<ValueError>(delta > 0, "huber_loss: delta must be > 0, got ", delta);
  const Tensor d = abs(difference("huber_loss", input, target));
  return reduce_loss(where(le(d, Scalar(delta)), square(d) * 0.5, (d - 0.5 * delta) * delta), reduction);
}

Tensor binary_cross_entropy(const Tensor& input, const Tensor& target, const Tensor& weight, Reduction reduction) {
  check<ShapeError>(input.shape() == target.shape(), "binary_cross_entropy: input ", fmt_shape(input.shape()),
                    " and target ", fmt_shape(target.shape()), " must have the same shape");
  const Tensor log_x = clamp(log(input), Scalar(-100.0)), log_1mx = clamp(log(1.0 - input), Scalar(-100.0));
  Tensor loss = -(target * log_x + (1.0 - target) * log_1mx);
  // PyTorch's gradient (x - t) / max(x (1 - x), eps) stays finite at x = 0 and 1, where the clamped logs'
  // own gradient is 0/0. The loss keeps its value and takes that gradient in x (first order only).
  const Tensor x = input.detach();
  // PyTorch's epsilon is the float 1e-12f, 9.99999996e-13 as a double.
  const Tensor dx = ((x - target.detach()) / clamp(x * (1.0 - x), Scalar(double(1e-12f)))).detach();
  loss = loss.detach() + (input - x) * dx + (target - target.detach()) * (log_1mx - log_x).detach();
  if (weight.defined()) loss = loss * weight;
  return reduce_loss(loss, reduction);
}

Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target, const Tensor& weight,
                                        const Tensor& pos_weight, Reduction reduction) {
  check<ShapeError>(input.shape() == target.shape(), "binary_cross_entropy_with_logits: input ",
                    fmt_shape(input.shape()), " and target ", fmt_shape(target.shape()), " must have the same shape");
  // softplus(-x) = log(1 + exp(-x)) = -log(sigmoid(x)), computed without overflow.
  const Tensor sp = softplus(-input);
  Tensor loss = pos_weight.defined() ? (1.0 - target) * input + (1.0 + (pos_weight - 1.0) * target) * sp
                                     : (1.0 - target) * input + sp;
  if (weight.defined()) loss = loss * weight;
  return reduce_loss(loss, reduction);
}

Tensor kl_div(const Tensor& input, const Tensor& target, Reduction reduction, bool log_target) {
  const Tensor loss = log_target ? exp(target) * (target - input)
                                 : where(gt(target, Scalar(0.0)), target * (log(target) - input), zeros_like(input));
  return reduce_loss(loss, reduction);
}

Tensor margin_ranking_loss(const Tensor& input1, const Tensor& input2, const Tensor& target, double margin,
                           Reduction reduction) {
  check<ShapeError>(input1.dim() == input2.dim() && input1.dim() == target.dim(),
                    "margin_ranking_loss: all inputs should have the same number of dims, got input1 ",
                    fmt_shape(input1.shape()), ", input2 ", fmt_shape(input2.shape()), ", target ",
                    fmt_shape(target.shape()));
  broadcast_shapes(broadcast_shapes(input1.shape(), input2.shape(), "margin_ranking_loss"), target.shape(),
                   "margin_ranking_loss");
  return reduce_loss(clamp_min(-target * (input1 - input2) + margin, Scalar(0.0)), reduction);
}

Tensor cosine_embedding_loss(const Tensor& input1, const Tensor& input2, const Tensor& target, double margin,
                             Reduction reduction) {
  const int64_t d = target.dim();
  check<ShapeError>(input1.shape() == input2.shape() && (d == 0 || d == 1) && input1.dim() == d + 1 &&
                        (d == 0 || target.size(0) == input1.size(0)),
                    "cosine_embedding_loss: expected input1 and input2 [N, D] with target [N] (or [D] with a 0-d "
                    "target), got ",
                    fmt_shape(input1.shape()), ", ", fmt_shape(input2.shape()), " and ", fmt_shape(target.shape()));
  constexpr double kEps = 1e-12;  // PyTorch's EPSILON in cosine_embedding_loss
  const Tensor dot_12 = (input1 * input2).sum({d});
  const Tensor cos = dot_12 / sqrt((square(input1).sum({d}) + kEps) * (square(input2).sum({d}) + kEps));
  const Tensor zero = zeros_like(cos);
  const Tensor loss = where(eq(target, Scalar(1)), 1.0 - cos, zero) +
                      where(eq(target, Scalar(-1)), clamp_min(cos - margin, Scalar(0.0)), zero);
  return reduce_loss(loss, reduction);
}

}  // namespace tessera::nn
