#include "tessera/graph/scan.h"

#include "tessera/graph/scan_residuals.h"
#include "tessera/graph/traced_body.h"
#include "tessera/graph/tracer.h"
#include "tessera/ops/control_flow.h"
#include "tessera/ops/shape.h"

namespace tessera {
namespace {

int64_t loop_length(const std::vector<Tensor>& xs, const ScanOptions& o) {
  std::optional<int64_t> n = o.length;
  for (size_t j = 0; j < xs.size(); ++j) {
    check<ShapeError>(xs[j].dim() >= 1, "scan: sequence ", j, " is 0-d; sequences are scanned along dim 0");
    check<ShapeError>(!n || *n == xs[j].size(0), "scan: sequence ", j, " of shape ", fmt_shape(xs[j].shape()), " has ",
                      xs[j].size(0), " steps, but ", o.length ? "length is " : "the first sequence has ", *n);
    n = xs[j].size(0);
  }
  check<ValueError>(n.has_value(), "scan: give a length when there are no sequences");
  check<ValueError>(*n >= 0, "scan: length must be non-negative, got ", *n);
  return *n;
}

void check_carry(const std::vector<Tensor>& before, const std::vector<Tensor>& after, int64_t step) {
  check<ValueError>(after.size() == before.size(), "scan: the body returned ", after.size(), " carries for ",
                    before.size(), " at step ", step);
  for (size_t i = 0; i < before.size(); ++i) {
    check<ShapeError>(after[i].shape() == before[i].shape() && after[i].dtype() == before[i].dtype(),
                      "scan: the body returns carry ", i, " as ", after[i].dtype(), fmt_shape(after[i].shape()),
                      " for a carry of ", before[i].dtype(), fmt_shape(before[i].shape()), " (step ", step,
                      "); a carry must keep its shape and dtype");
  }
}

ScanResult eager_scan(const ScanBody& body, const std::vector<Tensor>& init, const std::vector<Tensor>& xs,
                      int64_t length, bool reverse) {
  std::vector<Tensor> carry = init;
  std::vector<std::vector<Tensor>> ys;
  // unbind, not a select per step: its gradient is one stack, where `length` selects would each scatter into a
  // zero tensor of the whole sequence (quadratic in the length).
  std::vector<std::vector<Tensor>> slices;
  for (const Tensor& seq : xs) slices.push_back(unbind(seq, 0));
  for (int64_t s = 0; s < length; ++s) {
    const int64_t t = reverse ? length - 1 - s : s;
    std::vector<Tensor> x;
    for (const auto& seq : slices) x.push_back(seq[static_cast<size_t>(t)]);
    auto [next, y] = body(carry, x);
    check_carry(carry, next, t);
    if (ys.empty()) ys.resize(y.size());
    check<ValueError>(y.size() == ys.size(), "scan: the body returned ", y.size(), " outputs at step ", t, " and ",
                      ys.size(), " before");
    for (size_t j = 0; j < y.size(); ++j) ys[j].push_back(y[j]);
    carry = std::move(next);
  }
  ScanResult r{carry, {}};
  for (auto& seq : ys) {
    if (reverse) std::reverse(seq.begin(), seq.end());
    r.ys.push_back(stack(seq, 0));
  }
  return r;
}

ScanResult traced_scan(graph::Tracer& outer, const ScanBody& body, const std::vector<Tensor>& init,
                       const std::vector<Tensor>& xs, int64_t length, bool reverse, bool checkpoint) {
  const size_t k = init.size();
  std::vector<TensorType> types;
  for (const Tensor& c : init) types.push_back(type_of(c));
  for (const Tensor& x : xs) {
    TensorType t = type_of(x);
    t.shape.erase(t.shape.begin());
    types.push_back(std::move(t));
  }
  size_t num_ys = 0;
  auto fn = [&](const std::vector<Tensor>& in) {
    std::vector<Tensor> carry(in.begin(), in.begin() + static_cast<long>(k));
    std::vector<Tensor> x(in.begin() + static_cast<long>(k), in.begin() + static_cast<long>(k + xs.size()));
    auto [next, y] = body(carry, x);
    check_carry(carry, next, 0);
    num_ys = y.size();
    next.insert(next.end(), y.begin(), y.end());
    return next;
  };
  std::vector<Tensor> closures;
  graph::Function f = graph::trace_typed(fn, types, outer.graph().symbols(), &outer, &closures);
  ScanAttrs a;
  if (!checkpoint) {
    graph::ResidualSplit split =
        graph::split_residuals(f, static_cast<int>(k), static_cast<int>(xs.size()), static_cast<int>(closures.size()));
    f = std::move(split.forward);
    a.vjp_body = std::make_shared<graph::TracedBody>(std::move(split.backward));
    a.num_residuals = split.num_residuals;
  }
  a.body = std::make_shared<graph::TracedBody>(std::move(f));
  a.num_carry = static_cast<int32_t>(k);
  a.num_xs = static_cast<int32_t>(xs.size());
  a.num_closed = static_cast<int32_t>(closures.size());
  a.length = length;
  a.reverse = reverse;
  std::vector<Tensor> out = scan_op(init, xs, closures, a);
  ScanResult r;
  r.carry.assign(out.begin(), out.begin() + static_cast<long>(k));
  r.ys.assign(out.begin() + static_cast<long>(k), out.begin() + static_cast<long>(k + num_ys));
  return r;
}

}  // namespace

ScanResult scan(const ScanBody& body, const std::vector<Tensor>& init, const std::vector<Tensor>& xs,
                const ScanOptions& options) {
  const int64_t length = loop_length(xs, options);
  if (graph::Tracer* t = graph::current_tracer())
    return traced_scan(*t, body, init, xs, length, options.reverse, options.checkpoint);
  return eager_scan(body, init, xs, length, options.reverse);
}

}  // namespace tessera
