#include "tessera/graph/cond.h"

#include "tessera/graph/scan.h"
#include "tessera/graph/traced_body.h"
#include "tessera/graph/tracer.h"
#include "tessera/ops/control_flow.h"
#include "tessera/ops/creation.h"

namespace tessera {
namespace {

using graph::Function;

bool eager_truth(const Tensor& pred, const char* op) {
  check<DTypeError>(pred.dtype() == kBool && pred.numel() == 1, op, ": the predicate must be one bool, got ",
                    pred.dtype(), fmt_shape(pred.shape()));
  return pred.item<bool>();
}

std::vector<TensorType> types_of(const std::vector<Tensor>& ts) {
  std::vector<TensorType> t;
  for (const Tensor& x : ts) t.push_back(type_of(x));
  return t;
}

// A traced function of `inputs` plus its own closures.
struct Traced {
  Function f;
  std::vector<Tensor> closures;
};

Traced trace_in(graph::Tracer& outer, const BranchFn& fn, const std::vector<TensorType>& types) {
  std::vector<Tensor> closures;
  Function f = graph::trace_typed(fn, types, outer.graph().symbols(), &outer, &closures);
  return {std::move(f), std::move(closures)};
}

// A body of signature (inputs..., all closures...) that runs `t` on its inputs and its own slice of the closures;
// with `pass_closures`, the closures are returned after t's outputs (a while loop carries them unchanged).
std::shared_ptr<const Body> widen(const Traced& t, const std::vector<TensorType>& types, size_t closure_offset,
                                  const std::vector<Tensor>& all_closures, const std::vector<graph::Symbol>& symbols,
                                  bool pass_closures) {
  std::vector<TensorType> wide = types;
  for (const Tensor& c : all_closures) wide.push_back(type_of(c));
  const size_t n = types.size(), own = t.closures.size();
  auto fn = [&](const std::vector<Tensor>& in) {
    std::vector<Tensor> x(in.begin(), in.begin() + static_cast<long>(n));
    x.insert(x.end(), in.begin() + static_cast<long>(n + closure_offset),
             in.begin() + static_cast<long>(n + closure_offset + own));
    std::vector<Tensor> out = graph::replay(t.f.graph(), x);
    if (pass_closures) out.insert(out.end(), in.begin() + static_cast<long>(n), in.end());
    return out;
  };
  return std::make_shared<graph::TracedBody>(graph::trace_typed(fn, wide, symbols, nullptr, nullptr));
}

}  // namespace

std::vector<Tensor> cond(const Tensor& pred, const BranchFn& then_fn, const BranchFn& else_fn,
                         const std::vector<Tensor>& operands) {
  graph::Tracer* outer = graph::current_tracer();
  if (!outer) return eager_truth(pred, "cond") ? then_fn(operands) : else_fn(operands);
  const std::vector<TensorType> types = types_of(operands);
  Traced t = trace_in(*outer, then_fn, types), e = trace_in(*outer, else_fn, types);
  std::vector<Tensor> closures = t.closures;
  closures.insert(closures.end(), e.closures.begin(), e.closures.end());
  const auto& symbols = outer->graph().symbols();
  CondAttrs a;
  a.then_body = widen(t, types, 0, closures, symbols, false);
  a.else_body = widen(e, types, t.closures.size(), closures, symbols, false);
  std::vector<Tensor> in = operands;
  in.insert(in.end(), closures.begin(), closures.end());
  return cond_op(pred, in, a);
}

std::vector<Tensor> while_loop(const BranchFn& cond_fn, const BranchFn& body_fn, const std::vector<Tensor>& init) {
  graph::Tracer* outer = graph::current_tracer();
  if (!outer) {
    std::vector<Tensor> carry = init;
    while (eager_truth(cond_fn(carry).at(0), "while_loop")) {
      std::vector<Tensor> next = body_fn(carry);
      check<ValueError>(next.size() == carry.size(), "while_loop: the body returned ", next.size(), " carries for ",
                        carry.size());
      for (size_t i = 0; i < next.size(); ++i) {
        check<ShapeError>(next[i].shape() == carry[i].shape() && next[i].dtype() == carry[i].dtype(),
                          "while_loop: the body returns carry ", i, " as ", next[i].dtype(), fmt_shape(next[i].shape()),
                          " for a carry of ", carry[i].dtype(), fmt_shape(carry[i].shape()));
      }
      carry = std::move(next);
    }
    return carry;
  }
  const std::vector<TensorType> types = types_of(init);
  Traced c = trace_in(*outer, cond_fn, types), b = trace_in(*outer, body_fn, types);
  std::vector<Tensor> closures = c.closures;
  closures.insert(closures.end(), b.closures.begin(), b.closures.end());
  const auto& symbols = outer->graph().symbols();
  WhileAttrs a;
  a.cond_body = widen(c, types, 0, closures, symbols, false);
  a.body = widen(b, types, c.closures.size(), closures, symbols, true);
  std::vector<Tensor> in = init;
  in.insert(in.end(), closures.begin(), closures.end());
  std::vector<Tensor> out = while_op(in, a);
  out.resize(init.size());
  return out;
}

std::vector<Tensor> fori_loop(
    int64_t lower, int64_t upper,
    const std::function<std::vector<Tensor>(const Tensor& i, const std::vector<Tensor>&)>& body,
    const std::vector<Tensor>& init) {
  check<ValueError>(upper >= lower, "fori_loop: upper (", upper, ") is below lower (", lower, ")");
  Tensor steps = arange(lower, upper, 1, TensorOptions(kInt64));
  ScanResult r = scan(
      [&](const std::vector<Tensor>& carry,
          const std::vector<Tensor>& i) -> std::pair<std::vector<Tensor>, std::vector<Tensor>> {
        return {body(i[0], carry), {}};
      },
      init, {steps});
  return r.carry;
}

}  // namespace tessera
