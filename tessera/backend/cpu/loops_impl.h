#pragma once
// Template bodies for loops.h.
#include <algorithm>
#include <utility>

namespace tessera::cpu {

template <size_t N>
LoopPlan<N> plan_loop(const Shape& shape, const std::array<Operand, N>& ops) {
  LoopPlan<N> p;
  // Drop size-1 dims (their strides never matter), then merge dim d into d+1 when contiguous for everyone.
  for (size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] == 1) continue;
    bool merge = !p.shape.empty();
    for (size_t k = 0; k < N && merge; ++k) {
      merge = p.strides[k].back() == ops[k].byte_strides[d] * shape[d];
    }
    if (merge) {
      p.shape.back() *= shape[d];
      for (size_t k = 0; k < N; ++k) p.strides[k].back() = ops[k].byte_strides[d];
    } else {
      p.shape.push_back(shape[d]);
      for (size_t k = 0; k < N; ++k) p.strides[k].push_back(ops[k].byte_strides[d]);
    }
  }
  if (p.shape.empty()) {  // 0-d or all size-1: a single element
    p.shape.push_back(1);
    for (size_t k = 0; k < N; ++k) p.strides[k].push_back(0);
  }
  return p;
}

template <size_t N, class Inner>
void for_each_run(const Shape& shape, const std::array<Operand, N>& ops, const Inner& inner, int64_t grain) {
  int64_t total = tessera::numel(shape);
  if (total == 0) return;
  LoopPlan<N> p = plan_loop(shape, ops);
  const int64_t nd = static_cast<int64_t>(p.shape.size());
  const int64_t inner_size = p.shape.back();
  std::array<int64_t, N> inner_strides;
  for (size_t k = 0; k < N; ++k) inner_strides[k] = p.strides[k].back();

  parallel_for(0, total, grain, [&](int64_t begin, int64_t end) {
    // Multi-index of `begin`, and the operand pointers there.
    std::vector<int64_t> idx(nd);
    std::array<char*, N> ptr;
    for (size_t k = 0; k < N; ++k) ptr[k] = ops[k].data;
    int64_t rem = begin;
    for (int64_t d = nd - 1; d >= 0; --d) {
      idx[d] = rem % p.shape[d];
      rem /= p.shape[d];
      for (size_t k = 0; k < N; ++k) ptr[k] += idx[d] * p.strides[k][d];
    }
    int64_t pos = begin;
    while (pos < end) {
      int64_t run = std::min(inner_size - idx[nd - 1], end - pos);
      inner(ptr, inner_strides, run);
      pos += run;
      // Advance the multi-index by `run` (which ends at a row boundary or at `end`).
      idx[nd - 1] += run;
      for (size_t k = 0; k < N; ++k) ptr[k] += run * inner_strides[k];
      for (int64_t d = nd - 1; d > 0 && idx[d] == p.shape[d]; --d) {
        idx[d] = 0;
        ++idx[d - 1];
        for (size_t k = 0; k < N; ++k) ptr[k] += p.strides[k][d - 1] - p.shape[d] * p.strides[k][d];
      }
    }
  });
}

namespace detail {
template <class Out, class... Ins, class F, size_t... I>
void map_run(const F& f, const std::array<char*, sizeof...(Ins) + 1>& ptr,
             const std::array<int64_t, sizeof...(Ins) + 1>& st, int64_t n, std::index_sequence<I...>) {
  Out* out = reinterpret_cast<Out*>(ptr[0]);
  bool dense = st[0] == static_cast<int64_t>(sizeof(Out)) && ((st[I + 1] == static_cast<int64_t>(sizeof(Ins))) && ...);
  if (dense) {  // the vectorizable path
    std::tuple<const Ins*...> in{reinterpret_cast<const Ins*>(ptr[I + 1])...};
    for (int64_t i = 0; i < n; ++i) out[i] = static_cast<Out>(f(std::get<I>(in)[i]...));
    return;
  }
  bool scalar_rhs = sizeof...(Ins) == 2 && st[0] == static_cast<int64_t>(sizeof(Out));
  if constexpr (sizeof...(Ins) == 2) {
    using A = std::tuple_element_t<0, std::tuple<Ins...>>;
    using B = std::tuple_element_t<1, std::tuple<Ins...>>;
    if (scalar_rhs && st[1] == static_cast<int64_t>(sizeof(A)) && st[2] == 0) {  // x op scalar
      const A* a = reinterpret_cast<const A*>(ptr[1]);
      const B b = *reinterpret_cast<const B*>(ptr[2]);
      for (int64_t i = 0; i < n; ++i) out[i] = static_cast<Out>(f(a[i], b));
      return;
    }
    if (scalar_rhs && st[1] == 0 && st[2] == static_cast<int64_t>(sizeof(B))) {  // scalar op x
      const A a = *reinterpret_cast<const A*>(ptr[1]);
      const B* b = reinterpret_cast<const B*>(ptr[2]);
      for (int64_t i = 0; i < n; ++i) out[i] = static_cast<Out>(f(a, b[i]));
      return;
    }
  }
  for (int64_t i = 0; i < n; ++i) {
    *reinterpret_cast<Out*>(ptr[0] + i * st[0]) =
        static_cast<Out>(f(*reinterpret_cast<const Ins*>(ptr[I + 1] + i * st[I + 1])...));
  }
}
}  // namespace detail

template <class Out, class... Ins, class F>
void map(Tensor& out, const F& f, const std::array<Tensor, sizeof...(Ins)>& ins, int64_t grain) {
  constexpr size_t N = sizeof...(Ins) + 1;
  std::array<Operand, N> ops;
  ops[0] = operand(out, out.shape());
  for (size_t k = 0; k < sizeof...(Ins); ++k) ops[k + 1] = operand(ins[k], out.shape());
  for_each_run<N>(
      out.shape(), ops,
      [&](const std::array<char*, N>& ptr, const std::array<int64_t, N>& st, int64_t n) {
        // A local copy whose address never escapes: GCC then keeps a functor's parameters in registers instead
        // of reloading them after every store to `out` (which it cannot prove does not alias them), and
        // vectorizes the dense loop of parameterised functors too.
        const F fn = f;
        detail::map_run<Out, Ins...>(fn, ptr, st, n, std::index_sequence_for<Ins...>{});
      },
      grain);
}

}  // namespace tessera::cpu
