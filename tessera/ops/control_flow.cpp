#include "tessera/ops/control_flow.h"

#include "tessera/ops/apply.h"
#include "tessera/ops/creation.h"
#include "tessera/ops/families.h"
#include "tessera/ops/registry.h"

namespace tessera {

std::string ScanAttrs::repr() const {
  return cat("length=", length, reverse ? ", reverse" : "", ", carries=", num_carry, ", xs=", num_xs,
             ", closed=", num_closed, ", residuals=", num_residuals, save_history ? "" : ", no history", ", body={",
             body ? body->repr() : "", "}");
}

std::string CondAttrs::repr() const {
  return cat("then={", then_body ? then_body->repr() : "", "}, else={", else_body ? else_body->repr() : "", "}");
}

std::string WhileAttrs::repr() const {
  return cat("cond={", cond_body ? cond_body->repr() : "", "}, body={", body ? body->repr() : "", "}");
}

namespace {

std::vector<TensorType> cond_infer(std::span<const TensorType> in, const Attrs& attrs) {
  const auto& a = attrs_as<CondAttrs>(attrs);
  check<ValueError>(!in.empty() && a.then_body && a.else_body, "cond: expected a predicate and two bodies");
  check<DTypeError>(in[0].dtype == kBool && numel(in[0].shape) == 1, "cond: the predicate must be one bool, got ",
                    in[0].dtype, fmt_shape(in[0].shape));
  std::span<const TensorType> operands = in.subspan(1);
  std::vector<TensorType> t = a.then_body->output_types(operands, "cond"),
                          e = a.else_body->output_types(operands, "cond");
  check<ShapeError>(t.size() == e.size(), "cond: the branches return ", t.size(), " and ", e.size(), " outputs");
  for (size_t i = 0; i < t.size(); ++i) {
    check<ShapeError>(t[i].shape == e[i].shape && t[i].dtype == e[i].dtype, "cond: output ", i, " is ", t[i].dtype,
                      fmt_shape(t[i].shape), " in the true branch and ", e[i].dtype, fmt_shape(e[i].shape),
                      " in the false branch");
  }
  return t;
}

std::vector<Tensor> cond_vjp(const OpCall& c, std::span<const Tensor> g) {
  const auto& a = attrs_as<CondAttrs>(c.attrs);
  std::vector<Tensor> operands(c.inputs.begin() + 1, c.inputs.end());
  for (size_t i = 0; i < g.size(); ++i) {
    const TensorType& t = c.output_types[i];
    operands.push_back(g[i].defined() ? g[i] : zeros(t.shape, TensorOptions(t.dtype).device(t.device)));
  }
  CondAttrs back;
  back.then_body = a.then_body->vjp_body();
  back.else_body = a.else_body->vjp_body();
  std::vector<Tensor> grads = cond_op(c.inputs[0], operands, back);
  grads.insert(grads.begin(), Tensor());  // the predicate gets none
  return grads;
}

std::vector<TensorType> while_infer(std::span<const TensorType> in, const Attrs& attrs) {
  const auto& a = attrs_as<WhileAttrs>(attrs);
  check<ValueError>(a.cond_body && a.body, "while_loop: expected two bodies");
  std::vector<TensorType> p = a.cond_body->output_types(in, "while_loop");
  check<DTypeError>(p.size() == 1 && p[0].dtype == kBool && numel(p[0].shape) == 1,
                    "while_loop: the condition must return one bool");
  std::vector<TensorType> out = a.body->output_types(in, "while_loop");
  check<ShapeError>(out.size() == in.size(), "while_loop: the body returns ", out.size(), " carries for ", in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    check<ShapeError>(out[i].shape == in[i].shape && out[i].dtype == in[i].dtype, "while_loop: the body returns ",
                      "carry ", i, " as ", out[i].dtype, fmt_shape(out[i].shape), " for a carry of ", in[i].dtype,
                      fmt_shape(in[i].shape));
  }
  return out;
}

std::vector<Tensor> while_vjp(const OpCall&, std::span<const Tensor>) {
  throw NotImplementedError(
      "while_loop: no gradient through a loop whose number of steps depends on the data; use fori_loop (a "
      "bounded loop) or scan, whose gradients are reverse loops");
}

Shape step_shape(const Shape& s) { return Shape(s.begin() + 1, s.end()); }
Shape stacked(int64_t length, const Shape& s) {
  Shape r{length};
  r.insert(r.end(), s.begin(), s.end());
  return r;
}

std::vector<TensorType> scan_infer(std::span<const TensorType> in, const Attrs& attrs) {
  const auto& a = attrs_as<ScanAttrs>(attrs);
  const size_t k = static_cast<size_t>(a.num_carry), m = static_cast<size_t>(a.num_xs),
               p = static_cast<size_t>(a.num_closed);
  check<ValueError>(a.body && in.size() == k + m + p && a.body->num_inputs() == k + m + p && a.body->num_outputs() >= k,
                    "scan: expected ", k, " carries, ", m, " sequences and ", p, " closed-over values, got ", in.size(),
                    " inputs");
  check<ValueError>(a.length >= 0, "scan: length must be non-negative, got ", a.length);
  std::vector<TensorType> body_in(in.begin(), in.end());
  for (size_t j = k; j < k + m; ++j) {
    check<ShapeError>(!in[j].shape.empty() && in[j].shape[0] == a.length, "scan: sequence ", j - k, " of shape ",
                      fmt_shape(in[j].shape), " does not have the loop's length ", a.length, " as its leading size");
    body_in[j].shape = step_shape(in[j].shape);
  }
  std::vector<TensorType> body_out = a.body->output_types(body_in, "scan");
  std::vector<TensorType> out;
  for (size_t i = 0; i < k; ++i) {
    check<ShapeError>(body_out[i].shape == in[i].shape && body_out[i].dtype == in[i].dtype, "scan: the body returns ",
                      "carry ", i, " as ", body_out[i].dtype, fmt_shape(body_out[i].shape), " for a carry of ",
                      in[i].dtype, fmt_shape(in[i].shape), "; a carry must keep its shape and dtype");
    out.push_back(in[i]);
  }
  for (size_t j = k; j < body_out.size(); ++j) {
    out.push_back({body_out[j].dtype, stacked(a.length, body_out[j].shape), body_out[j].device});
  }
  for (size_t i = 0; a.save_history && i < k; ++i) {
    out.push_back({in[i].dtype, stacked(a.length, in[i].shape), in[i].device});
  }
  return out;
}

// Note [Scan gradient]: the reverse scan carries (g_c, acc) and reads (c_t, x_t, g_y_t) per step, with the
// closed-over values as its own closed-over values; its body is Body::scan_vjp_body.
std::vector<Tensor> scan_vjp(const OpCall& c, std::span<const Tensor> g) {
  const auto& a = attrs_as<ScanAttrs>(c.attrs);
  check<NotImplementedError>(a.save_history,
                             "scan: this loop no longer saves its carry history (an optimizing "
                             "pass dropped it): differentiate the graph before optimizing it");
  const size_t k = static_cast<size_t>(a.num_carry), m = static_cast<size_t>(a.num_xs),
               p = static_cast<size_t>(a.num_closed), q = c.output_types.size() - 2 * k;
  auto zeros_of = [](const TensorType& t) { return zeros(t.shape, TensorOptions(t.dtype).device(t.device)); };
  std::vector<Tensor> carry, xs, closed;
  for (size_t i = 0; i < k; ++i) carry.push_back(g[i].defined() ? g[i] : zeros_of(c.output_types[i]));
  for (size_t i = 0; i < p; ++i) carry.push_back(zeros_of(c.input_types[k + m + i]));
  bool history_grads = false;
  for (size_t i = 0; i < k; ++i) history_grads = history_grads || g[k + q + i].defined();
  // With saved residuals the reverse step reads them (no recomputation); gradients arriving at the carry history
  // (second order) take the recomputing path, which handles them.
  const bool residuals = a.vjp_body && !history_grads;
  const size_t nr = residuals ? static_cast<size_t>(a.num_residuals) : 0;
  for (size_t i = 0; i < k; ++i) xs.push_back(c.outputs[k + q + i]);
  for (size_t i = 0; i < m; ++i) xs.push_back(c.inputs[k + i]);
  for (size_t i = 0; i < q - nr; ++i) xs.push_back(g[k + i].defined() ? g[k + i] : zeros_of(c.output_types[k + i]));
  for (size_t i = q - nr; i < q; ++i) xs.push_back(c.outputs[k + i]);
  for (size_t i = 0; history_grads && i < k; ++i) {
    xs.push_back(g[k + q + i].defined() ? g[k + q + i] : zeros_of(c.output_types[k + q + i]));
  }
  for (size_t i = 0; i < p; ++i) closed.push_back(c.inputs[k + m + i]);
  ScanAttrs back;
  back.body = residuals ? a.vjp_body : a.body->scan_vjp_body(a.num_carry, a.num_xs, a.num_closed, history_grads);
  back.num_carry = static_cast<int32_t>(k + p);
  back.num_xs = static_cast<int32_t>(xs.size());
  back.num_closed = static_cast<int32_t>(p);
  back.length = a.length;
  back.reverse = !a.reverse;
  std::vector<Tensor> r = scan_op(carry, xs, closed, back);
  // r: g_c0 [k], g_closed [p], stacked g_x [m], history...
  std::vector<Tensor> grads;
  for (size_t i = 0; i < k; ++i) grads.push_back(r[i]);
  for (size_t i = 0; i < m; ++i) grads.push_back(r[k + p + i]);
  for (size_t i = 0; i < p; ++i) grads.push_back(r[k + i]);
  return grads;
}

}  // namespace

void register_control_flow_ops(Registry& r) {
  // Samples need traced bodies (graph/): tests/graph/scan_test.cpp and control_flow_test.cpp check them.
  r.add({.name = "scan", .infer = scan_infer, .vjp = scan_vjp, .vjp_needs_inputs = true, .vjp_needs_outputs = true});
  r.add({.name = "cond", .infer = cond_infer, .vjp = cond_vjp, .vjp_needs_inputs = true, .vjp_needs_outputs = false});
  r.add({.name = "while_loop", .infer = while_infer, .vjp = while_vjp});
}

std::vector<Tensor> scan_op(const std::vector<Tensor>& carry, const std::vector<Tensor>& xs,
                            const std::vector<Tensor>& closed, const ScanAttrs& attrs) {
  static const OpDef& d = op("scan");
  std::vector<Tensor> in = carry;
  in.insert(in.end(), xs.begin(), xs.end());
  in.insert(in.end(), closed.begin(), closed.end());
  return apply(d, std::span<const Tensor>(in), attrs);
}

std::vector<Tensor> cond_op(const Tensor& pred, const std::vector<Tensor>& operands, const CondAttrs& attrs) {
  static const OpDef& d = op("cond");
  std::vector<Tensor> in{pred};
  in.insert(in.end(), operands.begin(), operands.end());
  return apply(d, std::span<const Tensor>(in), attrs);
}

std::vector<Tensor> while_op(const std::vector<Tensor>& carries, const WhileAttrs& attrs) {
  static const OpDef& d = op("while_loop");
  return apply(d, std::span<const Tensor>(carries), attrs);
}

}  // namespace tessera
