// CPU kernels of the random ops. Each value is a pure function of (seed, offset, its index): see Note [Random
// streams] in core/rng.h and the stream layout in ops/random.h.
#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <numeric>
#include <vector>

#include "tessera/backend/cpu/copy.h"
#include "tessera/backend/cpu/kernels.h"
#include "tessera/backend/cpu/loops.h"
#include "tessera/core/dtype_dispatch.h"
#include "tessera/ops/random.h"
#include "tessera/ops/registry.h"

namespace tessera::cpu {
namespace {

using philox::Counter;

template <class T>
constexpr bool kIsFloat = std::is_floating_point_v<T> || std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>;

/// Mantissa digits: the bits a uniform on [0, 1) can carry without rounding up to 1.
template <class T>
constexpr int kDigits = std::numeric_limits<T>::digits;
template <>
constexpr int kDigits<Half> = 11;
template <>
constexpr int kDigits<BFloat16> = 8;

/// A C++ conversion to the element type (float16/bfloat16 through float).
template <class T, class V>
T cast_to(V v) {
  if constexpr (std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>)
    return T(static_cast<float>(v));
  else
    return static_cast<T>(v);
}

Tensor fresh(const TensorType& t) { return empty(t.shape, TensorOptions(t.dtype).device(t.device)); }

uint64_t word64(const Counter& r, int j) { return static_cast<uint64_t>(r[j + 1]) << 32 | r[j]; }

/// A uniform on [0, 1) from the top `digits` bits of the value whose `words` words start at word j.
struct UnitDraw {
  int words;
  int digits;
  double scale = std::ldexp(1.0, -digits);
  double operator()(const Counter& r, int j) const {
    const uint64_t x = words == 2 ? word64(r, j) : static_cast<uint64_t>(r[j]) << 32;
    return static_cast<double>(x >> (64 - digits)) * scale;
  }
};

/// Calls f(block_words, first, count) for each block of the n values stored `per_block` to a block; count is
/// per_block except for the last block. Blocks are split across threads; values depend only on their index.
template <class F>
void for_each_block(const GeneratorState& s, int64_t n, int per_block, const F& f) {
  const int64_t blocks = (n + per_block - 1) / per_block;
  parallel_for(0, blocks, kGrain / per_block, [&](int64_t b, int64_t e) {
    for (int64_t k = b; k < e; ++k) {
      const int64_t first = k * per_block;
      f(philox::block(s.seed, s.offset + static_cast<uint64_t>(k)), first, std::min<int64_t>(per_block, n - first));
    }
  });
}

/// Writes gen(block_words, first_word, index) to each element of the fresh contiguous `out`, `words` words each.
template <class T, class Gen>
void fill(Tensor& out, const GeneratorState& s, int words, const Gen& gen) {
  T* p = out.data_ptr<T>();
  for_each_block(s, out.numel(), 4 / words, [&](const Counter& r, int64_t first, int64_t count) {
    for (int64_t j = 0; j < count; ++j) p[first + j] = gen(r, static_cast<int>(j) * words, first + j);
  });
}

std::vector<Tensor> uniform_kernel(std::span<const Tensor>, const Attrs& attrs, std::span<const TensorType> types) {
  const auto& a = attrs_as<UniformAttrs>(attrs);
  Tensor out = fresh(types[0]);
  visit_dtype(out.dtype(), [&]<class T>() {
    if constexpr (kIsFloat<T>) {
      const int words = random_words(out.dtype());
      const UnitDraw draw{words, kDigits<T>};
      const double from = a.from, to = a.to, span = to - from;
      fill<T>(out, a.stream, words, [&](const Counter& r, int j, int64_t) {
        const T v = cast_to<T>(from + span * draw(r, j));
        // Rounding in the output dtype can reach `to`; map it to `from` to keep [from, to) (as PyTorch's CUDA does).
        return static_cast<double>(v) < to || span == 0 ? v : cast_to<T>(from);
      });
    }
  });
  return {out};
}

/// Two independent standard normals from two uniforms on [0, 1) (Box-Muller), in double.
std::pair<double, double> box_muller(double u1, double u2) {
  const double radius = std::sqrt(-2.0 * std::log1p(-u1));  // 1 - u1 is in (0, 1]: no log(0)
  const double theta = 2.0 * std::numbers::pi * u2;
  return {radius * std::cos(theta), radius * std::sin(theta)};
}

std::vector<Tensor> normal_kernel(std::span<const Tensor>, const Attrs& attrs, std::span<const TensorType> types) {
  const auto& a = attrs_as<NormalAttrs>(attrs);
  Tensor out = fresh(types[0]);
  visit_dtype(out.dtype(), [&]<class T>() {
    if constexpr (kIsFloat<T>) {
      // Values 2k and 2k+1 share a Box-Muller pair; blocks hold an even number of values, so pairs never split.
      const int words = random_words(out.dtype());
      const UnitDraw draw{words, words == 2 ? 53 : 32};
      T* p = out.data_ptr<T>();
      for_each_block(a.stream, out.numel(), 4 / words, [&](const Counter& r, int64_t first, int64_t count) {
        for (int64_t j = 0; j < count; j += 2) {
          const int w = static_cast<int>(j) * words;
          const auto [z0, z1] = box_muller(draw(r, w), draw(r, w + words));
          p[first + j] = cast_to<T>(a.mean + a.std * z0);
          if (j + 1 < count) p[first + j + 1] = cast_to<T>(a.mean + a.std * z1);
        }
      });
    }
  });
  return {out};
}

std::vector<Tensor> randint_kernel(std::span<const Tensor>, const Attrs& attrs, std::span<const TensorType> types) {
  const auto& a = attrs_as<RandintAttrs>(attrs);
  Tensor out = fresh(types[0]);
  // Unsigned arithmetic: high - low may exceed INT64_MAX.
  const uint64_t low = static_cast<uint64_t>(a.low), range = static_cast<uint64_t>(a.high) - low;
  visit_dtype(out.dtype(), [&]<class T>() {
    fill<T>(out, a.stream, kRandintWords, [&](const Counter& r, int j, int64_t) {
      return cast_to<T>(static_cast<int64_t>(low + word64(r, j) % range));
    });
  });
  return {out};
}

std::vector<Tensor> bernoulli_kernel(std::span<const Tensor> in, const Attrs& attrs,
                                     std::span<const TensorType> types) {
  const auto& a = attrs_as<BernoulliAttrs>(attrs);
  const Tensor p = as_contiguous(in[0], kFloat64);
  const double* pp = p.data_ptr<double>();
  for (int64_t i = 0; i < p.numel(); ++i) {
    check<ValueError>(pp[i] >= 0 && pp[i] <= 1, "bernoulli: expected every probability in [0, 1], got ", pp[i]);
  }
  Tensor out = fresh(types[0]);
  const UnitDraw draw{kBernoulliWords, 32};
  visit_dtype(out.dtype(), [&]<class T>() {
    fill<T>(out, a.stream, kBernoulliWords,
            [&](const Counter& r, int j, int64_t i) { return cast_to<T>(draw(r, j) < pp[i] ? 1 : 0); });
  });
  return {out};
}

std::vector<Tensor> bernoulli_scalar_kernel(std::span<const Tensor>, const Attrs& attrs,
                                            std::span<const TensorType> types) {
  const auto& a = attrs_as<BernoulliAttrs>(attrs);
  Tensor out = fresh(types[0]);
  const UnitDraw draw{kBernoulliWords, 32};
  visit_dtype(out.dtype(), [&]<class T>() {
    fill<T>(out, a.stream, kBernoulliWords,
            [&](const Counter& r, int j, int64_t) { return cast_to<T>(draw(r, j) < a.p ? 1 : 0); });
  });
  return {out};
}

std::vector<Tensor> randperm_kernel(std::span<const Tensor>, const Attrs& attrs, std::span<const TensorType> types) {
  const auto& a = attrs_as<RandpermAttrs>(attrs);
  // Sort (random key, index) pairs: a uniformly random order, the same for any thread count or sort algorithm.
  std::vector<std::pair<uint64_t, int64_t>> keyed(static_cast<size_t>(a.n));
  for_each_block(a.stream, a.n, 4 / kRandintWords, [&](const Counter& r, int64_t first, int64_t count) {
    for (int64_t j = 0; j < count; ++j) keyed[first + j] = {word64(r, static_cast<int>(j) * kRandintWords), first + j};
  });
  std::sort(keyed.begin(), keyed.end());
  Tensor out = fresh(types[0]);
  visit_dtype(out.dtype(), [&]<class T>() {
    T* p = out.data_ptr<T>();
    parallel_for(0, a.n, kGrain, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) p[i] = cast_to<T>(keyed[i].second);
    });
  });
  return {out};
}

}  // namespace

void register_random_kernels(Registry& r) {
  r.set_kernel("uniform", kCPU, uniform_kernel);
  r.set_kernel("normal", kCPU, normal_kernel);
  r.set_kernel("randint", kCPU, randint_kernel);
  r.set_kernel("bernoulli", kCPU, bernoulli_kernel);
  r.set_kernel("bernoulli_scalar", kCPU, bernoulli_scalar_kernel);
  r.set_kernel("randperm", kCPU, randperm_kernel);
}

}  // namespace tessera::cpu
