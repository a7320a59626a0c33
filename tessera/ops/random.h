#pragma once
// Random tensors: rand, randn, randint, normal, bernoulli, randperm, *_like, and the Tensor methods uniform_
// and normal_. PyTorch's names and argument orders; `gen` defaults to default_generator().
//
// Each call reserves counter blocks from the generator and records (seed, offset) in the op's attributes, so
// the op is a pure function of its attributes, and the numbers do not depend on the thread count (Note
// [Random streams] in core/rng.h). The numbers differ from PyTorch's (its CPU generator is mt19937); the
// distributions are the same. Random ops are not differentiable.
#include "tessera/core/rng.h"
#include "tessera/ops/op.h"

namespace tessera {

// ---- Stream layout (shared by the user-facing functions, which reserve, and the kernels, which read) ----
// A value that needs `words` 32-bit words (1, 2 or 4) reads words (i * words) % 4.. of block
// offset + i * words / 4, so a block never splits a value.

/// 32-bit words per uniform or normal value: float64 draws 53 bits from two words; other floats draw one.
inline int random_words(DType dtype) { return dtype == kFloat64 ? 2 : 1; }
/// randint and randperm draw 64 bits per value (modulo bias below range / 2^64).
inline constexpr int kRandintWords = 2;
/// bernoulli compares one 32-bit uniform with p.
inline constexpr int kBernoulliWords = 1;
/// Counter blocks for `n` values of `words` words each (0 for n <= 0).
inline uint64_t random_blocks(int64_t n, int words) {
  return n <= 0 ? 0 : (static_cast<uint64_t>(n) * static_cast<uint64_t>(words) + 3) / 4;
}

// ---- Attributes -----------------------------------------------------------------------------------------
/// `uniform`: shape/dtype of the output and the range [from, to).
struct UniformAttrs final : AttrsOf<UniformAttrs> {
  Shape shape;
  TensorOptions options;
  double from = 0, to = 1;
  GeneratorState stream;
  std::string repr() const override;
};
/// `normal`: shape/dtype of the output, mean and standard deviation.
struct NormalAttrs final : AttrsOf<NormalAttrs> {
  Shape shape;
  TensorOptions options;
  double mean = 0, std = 1;
  GeneratorState stream;
  std::string repr() const override;
};
/// `randint`: shape/dtype of the output and the range [low, high).
struct RandintAttrs final : AttrsOf<RandintAttrs> {
  Shape shape;
  TensorOptions options;
  int64_t low = 0, high = 1;
  GeneratorState stream;
  std::string repr() const override;
};
/// `bernoulli` (probabilities from its input; p unused) and `bernoulli_scalar` (probability p).
struct BernoulliAttrs final : AttrsOf<BernoulliAttrs> {
  double p = 0.5;
  GeneratorState stream;
  std::string repr() const override;
};
/// `randperm`: a permutation of [0, n).
struct RandpermAttrs final : AttrsOf<RandpermAttrs> {
  int64_t n = 0;
  TensorOptions options;
  GeneratorState stream;
  std::string repr() const override;
};

// ---- Functions ------------------------------------------------------------------------------------------
/// Uniform samples on [0, 1) of `shape` (torch.rand). Floating dtypes only (DTypeError otherwise); ValueError on
/// a negative size. float16/bfloat16 draw as many bits as their mantissa holds, so 1 is never returned.
Tensor rand(Shape shape, TensorOptions options = {}, Generator* gen = nullptr);
/// Uniform samples on [from, to) (Tensor.uniform_ as a function). ValueError when from > to or to - from is not
/// finite; a value that rounds up to `to` in the output dtype is replaced by `from`.
Tensor uniform(Shape shape, double from, double to, TensorOptions options = {}, Generator* gen = nullptr);
/// Standard normal samples of `shape` (torch.randn), by the Box-Muller transform. Floating dtypes only.
Tensor randn(Shape shape, TensorOptions options = {}, Generator* gen = nullptr);
/// Normal samples with the given mean and standard deviation (torch.normal(mean, std, size)). ValueError when
/// std < 0 or either is not finite.
Tensor normal(double mean, double std, Shape shape, TensorOptions options = {}, Generator* gen = nullptr);
/// Integers uniform on [low, high) of `shape` (torch.randint), default int64, any dtype. ValueError when
/// low >= high or when low or high - 1 does not fit the dtype (bool holds [0, 1]; a float holds the integers up
/// to 2^mantissa digits, e.g. 2^24 for float32).
Tensor randint(int64_t low, int64_t high, Shape shape, TensorOptions options = kInt64, Generator* gen = nullptr);
/// randint(0, high, shape).
Tensor randint(int64_t high, Shape shape, TensorOptions options = kInt64, Generator* gen = nullptr);
/// 1 with probability p[i], else 0, elementwise (torch.bernoulli(p)); same shape and dtype as p. p must be a
/// floating tensor (DTypeError) with every value in [0, 1] (ValueError, checked when the kernel runs).
Tensor bernoulli(const Tensor& p, Generator* gen = nullptr);
/// 1 with probability p, else 0, with x's shape and dtype (torch.bernoulli(x, p)); x's values are not read.
/// ValueError when p is outside [0, 1]. (Write `bernoulli(x, 0.0)`: a literal 0 is ambiguous with `gen`.)
Tensor bernoulli(const Tensor& x, double p, Generator* gen = nullptr);
/// A random permutation of 0..n-1 (torch.randperm), 1-d, default int64: the indices sorted by 64-bit random keys
/// (ties by index), so it is deterministic for a seed. ValueError when n < 0 or n - 1 does not fit the dtype.
Tensor randperm(int64_t n, TensorOptions options = kInt64, Generator* gen = nullptr);
/// rand / randn with x's shape and dtype (torch.rand_like, torch.randn_like).
Tensor rand_like(const Tensor& x, Generator* gen = nullptr);
Tensor randn_like(const Tensor& x, Generator* gen = nullptr);

}  // namespace tessera
