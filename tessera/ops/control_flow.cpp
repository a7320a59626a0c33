#include "tessera/ops/control_flow.h"

#include "tessera/ops/apply.h"
#include "tessera/ops/creation.h"
#include "tessera/ops/families.h"
#include "tessera/ops/registry.h"

namespace tessera {

std::string ScanAttrs::repr() const {
  return cat("length=", length, reverse ? ", reverse" : "", ", carries=", num_carry, ", xs=", num_xs,
             ", closed=", num_closed, ", body={", body ? body->repr() : "", "}");
}

namespace {

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
  for (size_t i = 0; i < k; ++i) out.push_back({in[i].dtype, stacked(a.length, in[i].shape), in[i].device});
  return out;
}

// Note [Scan gradient]: the reverse scan carries (g_c, acc) and reads (c_t, x_t, g_y_t) per step, with the
// closed-over values as its own closed-over values; its body is Body::scan_vjp_body.
std::vector<Tensor> scan_vjp(const OpCall& c, std::span<const Tensor> g) {
  const auto& a = attrs_as<ScanAttrs>(c.attrs);
  const size_t k = static_cast<size_t>(a.num_carry), m = static_cast<size_t>(a.num_xs),
               p = static_cast<size_t>(a.num_closed), q = c.output_types.size() - 2 * k;
  auto zeros_of = [](const TensorType& t) { return zeros(t.shape, TensorOptions(t.dtype).device(t.device)); };
  std::vector<Tensor> carry, xs, closed;
  for (size_t i = 0; i < k; ++i) carry.push_back(g[i].defined() ? g[i] : zeros_of(c.output_types[i]));
  for (size_t i = 0; i < p; ++i) carry.push_back(zeros_of(c.input_types[k + m + i]));
  for (size_t i = 0; i < k; ++i) xs.push_back(c.outputs[k + q + i]);
  for (size_t i = 0; i < m; ++i) xs.push_back(c.inputs[k + i]);
  for (size_t i = 0; i < q; ++i) xs.push_back(g[k + i].defined() ? g[k + i] : zeros_of(c.output_types[k + i]));
  bool history_grads = false;
  for (size_t i = 0; i < k; ++i) history_grads = history_grads || g[k + q + i].defined();
  for (size_t i = 0; history_grads && i < k; ++i) {
    xs.push_back(g[k + q + i].defined() ? g[k + q + i] : zeros_of(c.output_types[k + q + i]));
  }
  for (size_t i = 0; i < p; ++i) closed.push_back(c.inputs[k + m + i]);
  ScanAttrs back;
  back.body = a.body->scan_vjp_body(a.num_carry, a.num_xs, a.num_closed, history_grads);
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
  // Samples need a traced body (graph/): tests/graph/scan_test.cpp gradchecks scan through traced functions.
  r.add({.name = "scan", .infer = scan_infer, .vjp = scan_vjp, .vjp_needs_inputs = true, .vjp_needs_outputs = true});
}

std::vector<Tensor> scan_op(const std::vector<Tensor>& carry, const std::vector<Tensor>& xs,
                            const std::vector<Tensor>& closed, const ScanAttrs& attrs) {
  static const OpDef& d = op("scan");
  std::vector<Tensor> in = carry;
  in.insert(in.end(), xs.begin(), xs.end());
  in.insert(in.end(), closed.begin(), closed.end());
  return apply(d, std::span<const Tensor>(in), attrs);
}

}  // namespace tessera
