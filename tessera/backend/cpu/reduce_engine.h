#pragma once
// The CPU reduction loops, templated on the element type and the reduction (Note [Reduction plans]).
//
// Note [Deterministic pairwise reduction]: each output folds its reduced linear range [0, n_red) in fixed
// chunks (computed independently, possibly in parallel) whose partials are then combined pairwise; inside a
// chunk, several accumulators ("lanes") take each leaf's elements round robin, the leaves' lanes are combined
// pairwise lane by lane, and the lanes of the chunk pairwise at the end, which both vectorizes and keeps float
// sums accurate (error grows like log n, as in PyTorch's cascade
// sum: 1e7 float32 ones sum to exactly 1e7). Chunks and leaves depend only on the shape, never on the thread
// count, so results are bit-identical for any number of threads. Two loop shapes cover the layouts:
//  - inner: the innermost reduced dim is contiguous (or nothing is): each output walks its own runs;
//  - outer: the innermost kept dim is contiguous: a block of neighbouring outputs is updated row by row, the
//    output block being the lanes (`x.sum(0)` of a contiguous matrix).
#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <span>
#include <type_traits>
#include <vector>

#include "tessera/backend/cpu/loops.h"
#include "tessera/backend/cpu/reduce_plan.h"
#include "tessera/core/parallel.h"
#include "tessera/ops/op.h"

namespace tessera::cpu {

template <class T>
inline constexpr bool is_half_v = std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>;

/// Converts an element to an accumulator type (16-bit floats go through float).
template <class A, class T>
inline A to_acc(T x) {
  if constexpr (is_half_v<T>)
    return static_cast<A>(static_cast<float>(x));
  else
    return static_cast<A>(x);
}
/// Converts an accumulator back to an element type.
template <class O, class A>
inline O from_acc(A a) {
  if constexpr (is_half_v<O>)
    return O(static_cast<float>(a));
  else
    return static_cast<O>(a);
}

/// What sums accumulate in: double for float64, float for the other floats, int64 for integers and bool.
template <class T>
using sum_acc_t = std::conditional_t<std::is_same_v<T, double>, double,
                                     std::conditional_t<std::is_floating_point_v<T> || is_half_v<T>, float, int64_t>>;
/// What comparisons use: float for 16-bit floats, the type itself otherwise.
template <class T>
using cmp_t = std::conditional_t<is_half_v<T>, float, T>;

template <class A>
inline bool is_nan(A a) {
  if constexpr (std::is_floating_point_v<A>)
    return a != a;
  else
    return false;
}
/// max and min that propagate NaN, like torch.amax / torch.amin. Written as a plain max (one vmaxps) and an
/// unordered test (one vcmpunordps) so the lane loops vectorize tightly.
template <class A>
inline A max_nan(A a, A b) {
  if constexpr (std::is_floating_point_v<A>) {
    const A m = b > a ? b : a;
    return std::isunordered(a, b) ? std::numeric_limits<A>::quiet_NaN() : m;
  } else {
    return b > a ? b : a;
  }
}
template <class A>
inline A min_nan(A a, A b) {
  if constexpr (std::is_floating_point_v<A>) {
    const A m = b < a ? b : a;
    return std::isunordered(a, b) ? std::numeric_limits<A>::quiet_NaN() : m;
  } else {
    return b < a ? b : a;
  }
}
/// The same as function objects (a combine must be a type, not a function pointer, to inline and vectorize).
struct MaxNan {
  template <class A>
  A operator()(A a, A b) const {
    return max_nan(a, b);
  }
};
struct MinNan {
  template <class A>
  A operator()(A a, A b) const {
    return min_nan(a, b);
  }
};

/// Integer sums and products wrap on overflow like PyTorch's (in unsigned arithmetic: no undefined behaviour).
struct Add {
  template <class A>
  A operator()(A a, A b) const {
    if constexpr (std::is_integral_v<A>)
      return static_cast<A>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b));
    else
      return a + b;
  }
};
struct Mul {
  template <class A>
  A operator()(A a, A b) const {
    if constexpr (std::is_integral_v<A>)
      return static_cast<A>(static_cast<uint64_t>(a) * static_cast<uint64_t>(b));
    else
      return a * b;
  }
};

/// A fresh contiguous tensor of an inferred output type.
inline Tensor new_output(const TensorType& t) { return empty(t.shape, TensorOptions(t.dtype).device(t.device)); }

/// Calls f<O>() with O = T when `out` is T's dtype, else with O = int64 (sums and products of integers).
template <class T, class F>
void with_out_type(DType out, const F& f) {
  if (out == dtype_of_v<T>)
    f.template operator()<T>();
  else
    f.template operator()<int64_t>();
}

/// A reduction: every element x becomes f(x, ctx) and is folded into `init` with the associative `combine`.
/// With kWithCtx, ctx is a per-output value from an earlier pass (the mean for var, the max for logsumexp).
template <class A, class F, class C, bool kWithCtx>
struct ReduceOp {
  using acc_t = A;
  static constexpr bool kCtx = kWithCtx;
  A init;
  F f;
  C combine;
};
template <bool kWithCtx = false, class A, class F, class C>
ReduceOp<A, F, C, kWithCtx> make_reduce_op(A init, F f, C combine) {
  return {init, f, combine};
}

/// The identity of max (kMax) or min over A: -inf / +inf for floats, the type's limits otherwise.
template <class A, bool kMax>
A extreme_identity() {
  using L = std::numeric_limits<A>;
  if constexpr (L::has_infinity)
    return kMax ? -L::infinity() : L::infinity();
  else
    return kMax ? L::lowest() : L::max();
}
/// The reduction folding elements, converted to A, with `combine` from `init` (sum, prod, max, ...).
template <class A, class C>
auto fold_op(A init, C combine) {
  return make_reduce_op(
      init, []<class T>(T v, A) { return to_acc<A>(v); }, combine);
}
/// max (kMax) or min of elements of type T, NaN propagating, compared in cmp_t<T>.
template <class T, bool kMax>
auto extreme_op() {
  return fold_op(extreme_identity<cmp_t<T>, kMax>(), std::conditional_t<kMax, MaxNan, MinNan>{});
}

namespace reduce_detail {

inline constexpr int64_t kLeaf = 1024;         // elements per leaf (inner loop shape)
inline constexpr int64_t kChunk = 64 * kLeaf;  // elements per independent partial (inner)
inline constexpr int64_t kLeafRows = 16;       // rows per leaf (outer loop shape)
inline constexpr int64_t kChunkRows = 1024;    // rows per independent partial (outer)
inline constexpr int64_t kCols = 512;          // outputs per block (outer)

template <class Op>
inline typename Op::acc_t ctx_at(const typename Op::acc_t* ctx, int64_t i) {
  if constexpr (Op::kCtx)
    return ctx[i];
  else
    return typename Op::acc_t{};
}

/// Combines rows v[i * width + j] for i < n pairwise into v[j] (the fixed order results depend on).
template <class A, class C>
void tree_combine(A* v, int64_t n, int64_t width, const C& combine) {
  for (int64_t w = 1; w < n; w *= 2) {
    for (int64_t i = 0; i + w < n; i += 2 * w) {
      for (int64_t j = 0; j < width; ++j) v[i * width + j] = combine(v[i * width + j], v[(i + w) * width + j]);
    }
  }
}

/// K accumulators that take a run's elements round robin (element i of a run goes to lane i % K), so the
/// dense loop vectorizes and each lane sees only n / K elements (Note [Deterministic pairwise reduction]).
// 256 bytes of lanes fill 4 AVX-512 registers; without AVX-512 (16 vector registers, GCC's 128-bit vectors on
// Zen 1) 256 bytes spill, and 128 bytes measured 1.4x faster for amax rows on an AVX2 EPYC.
#ifdef __AVX512F__
inline constexpr size_t kLaneBytes = 256;
#else
inline constexpr size_t kLaneBytes = 128;
#endif

template <class T, class Op>
struct Lanes {
  using A = typename Op::acc_t;
  static constexpr int K = static_cast<int>(std::max<size_t>(8, kLaneBytes / sizeof(A)));
  A v[K];
  int used = 0;

  explicit Lanes(const Op& op) {
    for (int l = 0; l < K; ++l) v[l] = op.init;
  }
  void add(const T* q, int64_t n, int64_t s, A c, const Op& op) {
    int64_t i = 0;
    A acc[K];  // a local copy GCC keeps in vector registers (v itself may be reached through a reference)
    std::copy(v, v + K, acc);
    if (s == 1) {  // the vectorized path
      for (; i + K <= n; i += K) {
        for (int l = 0; l < K; ++l) acc[l] = op.combine(acc[l], op.f(q[i + l], c));
      }
    } else {
      for (; i + K <= n; i += K) {
        for (int l = 0; l < K; ++l) acc[l] = op.combine(acc[l], op.f(q[(i + l) * s], c));
      }
    }
    for (int l = 0; i < n; ++i, ++l) acc[l] = op.combine(acc[l], op.f(q[i * s], c));
    std::copy(acc, acc + K, v);
    used = static_cast<int>(std::max<int64_t>(used, std::min<int64_t>(n, K)));
  }
  /// Lane-wise combine with the lanes of a later range (a fixed order: this one first).
  void merge(const Lanes& later, const Op& op) {
    for (int l = 0; l < K; ++l) v[l] = op.combine(v[l], later.v[l]);
    used = std::max(used, later.used);
  }
  A result(const Op& op) {
    if (used < K) {
      tree_combine(v, used, 1, op.combine);
    } else {  // halving pairwise tree, which vectorizes
      for (int w = K / 2; w >= 1; w /= 2) {
        for (int l = 0; l < w; ++l) v[l] = op.combine(v[l], v[l + w]);
      }
    }
    return v[0];
  }
};

/// Calls `run(q, n, stride)` for the runs (along the innermost reduced dim) covering reduced elements [b, e)
/// of the output whose first element is `base`, stopping early when `run` returns true. Returns whether it did.
template <class T, class Run>
bool for_runs(const T* base, const ReducePlan& p, int64_t b, int64_t e, const Run& run) {
  const int64_t s = p.red_strides.back();
  if (p.red_sizes.size() == 1) return run(base + b * s, e - b, s);
  DimWalker w(p.red_sizes, p.red_strides, b);
  for (int64_t pos = b; pos < e;) {
    const int64_t n = std::min(w.inner_left(), e - pos);
    if (run(base + w.offset(), n, s)) return true;
    pos += n;
    w.advance(n);
  }
  return false;
}

// Reduced elements [b, e) of one output with a single accumulator (short reductions: x.sum(-1) of [N, 4]).
template <class T, class Op>
typename Op::acc_t fold_short(const T* base, const ReducePlan& p, int64_t b, int64_t e, typename Op::acc_t c,
                              const Op& op) {
  typename Op::acc_t acc = op.init;
  for_runs(base, p, b, e, [&](const T* q, int64_t n, int64_t s) {
    for (int64_t i = 0; i < n; ++i) acc = op.combine(acc, op.f(q[i * s], c));
    return false;
  });
  return acc;
}

// Reduced elements [b, e) of the output whose first element is `base` into `lanes`: leaves of kLeaf elements
// fill lanes of their own, combined pairwise lane by lane, so the lanes' horizontal combine happens once per
// range rather than once per leaf (it cost as much as the leaf's arithmetic).
template <class T, class Op>
void fold_lanes(Lanes<T, Op>& lanes, const T* base, const ReducePlan& p, int64_t b, int64_t e, typename Op::acc_t c,
                const Op& op) {
  if (e - b <= kLeaf) {
    for_runs(base, p, b, e, [&](const T* q, int64_t n, int64_t s) {
      lanes.add(q, n, s, c, op);
      return false;
    });
    return;
  }
  const int64_t mid = b + (e - b + kLeaf - 1) / kLeaf / 2 * kLeaf;
  Lanes<T, Op> right(op);
  fold_lanes(lanes, base, p, b, mid, c, op);
  fold_lanes(right, base, p, mid, e, c, op);
  lanes.merge(right, op);
}

// Reduced elements [b, e) of one output.
template <class T, class Op>
typename Op::acc_t fold_range(const T* base, const ReducePlan& p, int64_t b, int64_t e, typename Op::acc_t c,
                              const Op& op) {
  if (e - b < Lanes<T, Op>::K) return fold_short(base, p, b, e, c, op);
  Lanes<T, Op> lanes(op);
  fold_lanes(lanes, base, p, b, e, c, op);
  return lanes.result(op);
}

// How the outer loop shape walks a block of `width` outputs: row by row, or, when the rows are adjacent
// and narrow (width divides the lane count, e.g. x.sum(0) of a [N, 4] tensor), as one dense run whose lane l
// accumulates column l % width.
struct RowPlan {
  int64_t width;
  int64_t leaf_rows;
  bool dense;
};

template <class T, class Op>
RowPlan row_plan(const ReducePlan& p, int64_t width) {
  const int64_t lanes = Lanes<T, Op>::K;
  const bool dense = !Op::kCtx && width == p.kept_sizes.back() && p.red_sizes.size() == 1 &&
                     p.red_strides[0] == width && width < lanes && lanes % width == 0;
  return {width, dense ? kLeaf / width : kLeafRows, dense};
}

// Rows [b, e) of the outer loop shape into acc[0, width): `base` points at the block's first output.
template <class T, class Op>
void fold_rows(typename Op::acc_t* acc, const RowPlan& rp, const T* base, const ReducePlan& p, int64_t b, int64_t e,
               const typename Op::acc_t* c, const Op& op) {
  using A = typename Op::acc_t;
  const int64_t width = rp.width;
  if (e - b > rp.leaf_rows) {
    const int64_t mid = b + (e - b + rp.leaf_rows - 1) / rp.leaf_rows / 2 * rp.leaf_rows;
    A tmp[kCols];
    fold_rows(acc, rp, base, p, b, mid, c, op);
    fold_rows(tmp, rp, base, p, mid, e, c, op);
    for (int64_t j = 0; j < width; ++j) acc[j] = op.combine(acc[j], tmp[j]);
    return;
  }
  if constexpr (!Op::kCtx) {
    if (rp.dense) {
      Lanes<T, Op> lanes(op);
      lanes.add(base + b * width, (e - b) * width, 1, A{}, op);
      tree_combine(lanes.v, Lanes<T, Op>::K / width, width, op.combine);
      for (int64_t j = 0; j < width; ++j) acc[j] = lanes.v[j];
      return;
    }
  }
  for (int64_t j = 0; j < width; ++j) acc[j] = op.init;
  DimWalker w(p.red_sizes, p.red_strides, b);
  for (int64_t pos = b; pos < e;) {
    const int64_t n = std::min(w.inner_left(), e - pos), s = p.red_strides.back();
    const T* q = base + w.offset();
    for (int64_t r = 0; r < n; ++r, q += s) {
      for (int64_t j = 0; j < width; ++j) acc[j] = op.combine(acc[j], op.f(q[j], ctx_at<Op>(c, j)));
    }
    pos += n;
    w.advance(n);
  }
}

// Units of work: `units` blocks of `width` outputs, each folding `n_chunks` chunks. `fold(unit, chunk, acc)`
// writes a chunk's partials; `store(unit, acc)` writes the unit's outputs from its combined partials.
template <class A, class Op, class Fold, class Store>
void run_units(int64_t units, int64_t width, int64_t n_chunks, int64_t unit_cost, const Op& op, const Fold& fold,
               const Store& store) {
  if (n_chunks == 1) {
    parallel_for(0, units, std::max<int64_t>(1, kGrain / std::max<int64_t>(unit_cost, 1)), [&](int64_t b, int64_t e) {
      auto acc = std::make_unique<A[]>(width);  // not std::vector: A may be bool
      for (int64_t u = b; u < e; ++u) {
        fold(u, 0, acc.get());
        store(u, acc.get());
      }
    });
    return;
  }
  auto partial = std::make_unique<A[]>(units * n_chunks * width);
  parallel_for(0, units * n_chunks, 1, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) fold(i / n_chunks, i % n_chunks, partial.get() + i * width);
  });
  parallel_for(0, units, std::max<int64_t>(1, kGrain / (n_chunks * width)), [&](int64_t b, int64_t e) {
    for (int64_t u = b; u < e; ++u) {
      A* v = partial.get() + u * n_chunks * width;
      tree_combine(v, n_chunks, width, op.combine);
      store(u, v);
    }
  });
}

}  // namespace reduce_detail

/// Reduces `x` (element type T, any strides) over `dims` (wrapped; empty = nothing) into the contiguous
/// `out` (row-major over the kept dims): out[o] = finish(fold of op over o's elements, ctx[o]). `ctx` (only
/// for ops made with kWithCtx) holds one accumulator per output. See Note [Deterministic pairwise reduction].
template <class T, class O, class Op, class Finish>
void reduce(const Tensor& x, O* out, std::span<const int64_t> dims, const Op& op, const Finish& finish,
            const typename Op::acc_t* ctx = nullptr) {
  using namespace reduce_detail;
  using A = typename Op::acc_t;
  const ReducePlan p = plan_reduce(x, dims, /*reorder=*/true);
  if (p.n_out == 0) return;
  if (p.n_red == 0) {
    for (int64_t o = 0; o < p.n_out; ++o) out[o] = finish(op.init, ctx_at<Op>(ctx, o));
    return;
  }
  const T* xp = x.data_ptr<const T>();
  if (!p.inner_reduced_contiguous() && p.inner_kept_contiguous()) {  // outer loop shape
    const int64_t cols = p.kept_sizes.back(), blocks = (cols + kCols - 1) / kCols;
    const int64_t n_chunks = (p.n_red + kChunkRows - 1) / kChunkRows;
    auto first_out = [&](int64_t u) { return u / blocks * cols + u % blocks * kCols; };
    auto width_of = [&](int64_t u) { return std::min(kCols, cols - u % blocks * kCols); };
    const int64_t width = std::min(kCols, cols);
    run_units<A>(
        p.n_out / cols * blocks, width, n_chunks, p.n_red * width, op,
        [&](int64_t u, int64_t chunk, A* acc) {
          const int64_t o = first_out(u), b = chunk * kChunkRows;
          fold_rows(acc, row_plan<T, Op>(p, width_of(u)), xp + p.out_offset(o), p, b, std::min(p.n_red, b + kChunkRows),
                    Op::kCtx ? ctx + o : nullptr, op);
        },
        [&](int64_t u, const A* acc) {
          const int64_t o = first_out(u);
          for (int64_t j = 0, w = width_of(u); j < w; ++j) out[o + j] = finish(acc[j], ctx_at<Op>(ctx, o + j));
        });
    return;
  }
  const int64_t n_chunks = (p.n_red + kChunk - 1) / kChunk;
  if (n_chunks == 1) {  // one output per step, found by walking the kept dims (no divisions per output)
    parallel_for(0, p.n_out, std::max<int64_t>(1, kGrain / p.n_red), [&](int64_t b, int64_t e) {
      DimWalker kept(p.kept_sizes, p.kept_strides, b);
      const bool short_red = p.n_red < Lanes<T, Op>::K;
      for (int64_t o = b; o < e; ++o) {
        const A c = ctx_at<Op>(ctx, o);
        const T* base = xp + kept.offset();
        out[o] = finish(short_red ? fold_short(base, p, 0, p.n_red, c, op) : fold_range(base, p, 0, p.n_red, c, op), c);
        kept.advance(1);
      }
    });
    return;
  }
  run_units<A>(
      p.n_out, 1, n_chunks, p.n_red, op,
      [&](int64_t o, int64_t chunk, A* acc) {
        const int64_t b = chunk * kChunk;
        *acc = fold_range(xp + p.out_offset(o), p, b, std::min(p.n_red, b + kChunk), ctx_at<Op>(ctx, o), op);
      },
      [&](int64_t o, const A* acc) { out[o] = finish(*acc, ctx_at<Op>(ctx, o)); });
}

/// Index of the largest (kMax) or smallest element of each output's reduced range, NaN counting as the
/// extreme and the first occurrence winning ties, like torch.argmax. Reduced dims stay in logical order, so
/// the index is the flattened one over `dims`. Writes `values` (when non-null) and `indices`; n_red > 0.
/// Each chunk is folded with the vectorized max/min first, then searched for the first element equal to it.
template <class T, bool kMax>
void arg_reduce(const Tensor& x, std::span<const int64_t> dims, T* values, int64_t* indices) {
  using V = cmp_t<T>;
  struct Best {
    V v;
    int64_t i;
  };
  const ReducePlan p = plan_reduce(x, dims, /*reorder=*/false);
  if (p.n_out == 0) return;
  const T* xp = x.data_ptr<const T>();
  const auto extreme = extreme_op<T, kMax>();
  auto scan = [&](const T* base, int64_t b, int64_t e) {
    const V m = reduce_detail::fold_range(base, p, b, e, V{}, extreme);
    int64_t at = b;  // the first element equal to m (m is one of them)
    reduce_detail::for_runs(base, p, b, e, [&](const T* q, int64_t n, int64_t s) {
      for (int64_t i = 0; i < n; ++i) {
        const V v = to_acc<V>(q[i * s]);
        if (v == m || (is_nan(m) && is_nan(v))) {
          at += i;
          return true;
        }
      }
      at += n;
      return false;
    });
    return Best{m, at};
  };
  auto store = [&](int64_t o, const Best& best) {
    if (values) values[o] = from_acc<T>(best.v);
    indices[o] = best.i;
  };
  const int64_t chunk = reduce_detail::kChunk, n_chunks = (p.n_red + chunk - 1) / chunk;
  if (n_chunks == 1) {
    parallel_for(0, p.n_out, std::max<int64_t>(1, kGrain / p.n_red), [&](int64_t b, int64_t e) {
      DimWalker kept(p.kept_sizes, p.kept_strides, b);
      for (int64_t o = b; o < e; ++o) {
        store(o, scan(xp + kept.offset(), 0, p.n_red));
        kept.advance(1);
      }
    });
    return;
  }
  std::vector<Best> partial(p.n_out * n_chunks);
  parallel_for(0, p.n_out * n_chunks, 1, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      const int64_t c = i % n_chunks;
      partial[i] = scan(xp + p.out_offset(i / n_chunks), c * chunk, std::min(p.n_red, (c + 1) * chunk));
    }
  });
  for (int64_t o = 0; o < p.n_out; ++o) {  // earlier chunks win ties
    Best best = partial[o * n_chunks];
    for (int64_t c = 1; c < n_chunks; ++c) {
      const V v = partial[o * n_chunks + c].v;
      if (kMax ? (v > best.v || (is_nan(v) && !is_nan(best.v))) : (v < best.v || (is_nan(v) && !is_nan(best.v)))) {
        best = partial[o * n_chunks + c];
      }
    }
    store(o, best);
  }
}

}  // namespace tessera::cpu
