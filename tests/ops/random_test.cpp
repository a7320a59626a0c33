#include "tessera/ops/random.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <numbers>
#include <numeric>

#include "tessera/core/parallel.h"
#include "tessera/ops/copy.h"
#include "tessera/ops/creation.h"
#include "tessera/ops/registry.h"
#include "testing.h"

namespace tessera {
namespace {

using testing::doubles;
using testing::expect_error;
using testing::transposed;
using testing::values;

struct Moments {
  double mean, var;
};
Moments moments(const std::vector<double>& v) {
  double s = 0, s2 = 0;
  for (double x : v) s += x;
  const double mean = s / static_cast<double>(v.size());
  for (double x : v) s2 += (x - mean) * (x - mean);
  return {mean, s2 / static_cast<double>(v.size() - 1)};
}

constexpr int64_t kSamples = 1000000;
// Statistical checks allow 5 standard errors: a false failure has probability below 1e-6 per check, and the
// seeds are fixed, so the outcome is deterministic anyway.
constexpr double kZ = 5.0;

// ---- Layout: values come from Philox blocks as ops/random.h says ---------------------------------------------

TEST(Random, RandReadsPhiloxBlocksInOrder) {
  Generator g(0);
  std::vector<float> got = values<float>(rand({6}, kFloat32, &g));
  for (int i = 0; i < 6; ++i) {
    const uint32_t w = philox::block(0, static_cast<uint64_t>(i / 4))[i % 4];
    EXPECT_EQ(got[i], static_cast<float>(w >> 8) / 16777216.0f) << i;  // 24 bits
  }
  EXPECT_FLOAT_EQ(got[0], static_cast<float>(0x6627e8) / 16777216.0f);  // Random123 KAT word 0x6627e8d5
  EXPECT_EQ(g.offset(), 2u);                                            // ceil(6 / 4) blocks
  // float64 draws 53 bits from two words: value 0 from words 0-1, value 1 from words 2-3.
  Generator g64(0);
  std::vector<double> d = values<double>(rand({2}, kFloat64, &g64));
  EXPECT_EQ(d[0], static_cast<double>(0xe169c58d6627e8d5ULL >> 11) * 0x1p-53);
  EXPECT_EQ(d[1], static_cast<double>(0x9b00dbd8bc57ac4cULL >> 11) * 0x1p-53);
  EXPECT_EQ(g64.offset(), 1u);
}

TEST(Random, RandintAndNormalLayout) {
  Generator g(0);
  EXPECT_EQ(values<int64_t>(randint(0, 10, {2}, kInt64, &g)),
            (std::vector<int64_t>{static_cast<int64_t>(0xe169c58d6627e8d5ULL % 10),
                                  static_cast<int64_t>(0x9b00dbd8bc57ac4cULL % 10)}));
  Generator gn(0);
  std::vector<double> z = values<double>(randn({2}, kFloat64, &gn));
  const double u1 = static_cast<double>(0xe169c58d6627e8d5ULL >> 11) * 0x1p-53;
  const double u2 = static_cast<double>(0x9b00dbd8bc57ac4cULL >> 11) * 0x1p-53;
  const double r = std::sqrt(-2.0 * std::log1p(-u1)), theta = 2 * std::numbers::pi * u2;
  EXPECT_DOUBLE_EQ(z[0], r * std::cos(theta));
  EXPECT_DOUBLE_EQ(z[1], r * std::sin(theta));
}

// Element i depends only on (seed, offset + block of i): starting the generator further on gives a suffix.
TEST(Random, ValuesAreIndexAddressable) {
  for (DType dt : {kFloat32, kFloat64}) {
    Generator a(11), b(11);
    const int per_block = 4 / random_words(dt);
    std::vector<double> whole = doubles(randn({40}, dt, &a));
    b.set_offset(3);
    std::vector<double> tail = doubles(randn({40 - 3 * per_block}, dt, &b));
    EXPECT_TRUE(std::equal(tail.begin(), tail.end(), whole.begin() + 3 * per_block)) << dt;
  }
}

// ---- Reproducibility --------------------------------------------------------------------------------------------

TEST(Random, SameSeedSameNumbersDifferentSeedsDiffer) {
  Generator a(5), b(5), c(6);
  Tensor x = rand({100}, {}, &a), y = rand({100}, {}, &b), z = rand({100}, {}, &c);
  EXPECT_EQ(values<float>(x), values<float>(y));
  EXPECT_NE(values<float>(x), values<float>(z));
  // Consecutive calls advance the generator, so they differ.
  EXPECT_NE(values<float>(rand({100}, {}, &a)), values<float>(x));
}

TEST(Random, DefaultGeneratorIsSeededByManualSeed) {
  const GeneratorState saved = default_generator().get_state();
  manual_seed(2024);
  Tensor x = randn({8});
  manual_seed(2024);
  EXPECT_EQ(values<float>(randn({8})), values<float>(x));
  Generator g(2024);
  EXPECT_EQ(values<float>(randn({8}, {}, &g)), values<float>(x));
  default_generator().set_state(saved);
}

TEST(Random, GetStateSetStateReplays) {
  Generator g(3);
  rand({10}, {}, &g);
  const GeneratorState s = g.get_state();
  Tensor a = randn({33}, kFloat64, &g);
  Tensor b = randperm(20, kInt64, &g);
  g.set_state(s);
  EXPECT_EQ(values<double>(randn({33}, kFloat64, &g)), values<double>(a));
  EXPECT_EQ(values<int64_t>(randperm(20, kInt64, &g)), values<int64_t>(b));
}

// Every op, big enough to run on several threads, gives the same numbers with 1 and 2 threads.
TEST(Random, IndependentOfThreadCount) {
  const int saved = num_threads();
  const int64_t n = 100003;
  const Tensor p = full({n}, 0.5);
  const std::vector<std::function<Tensor(Generator*)>> calls = {
      [&](Generator* g) { return rand({n}, kFloat32, g); },
      [&](Generator* g) { return rand({n}, kFloat64, g); },
      [&](Generator* g) { return randn({n}, kFloat32, g); },
      [&](Generator* g) { return randn({n}, kFloat64, g); },
      [&](Generator* g) { return randint(-5, 5, {n}, kInt64, g); },
      [&](Generator* g) { return bernoulli(p, g); },
      [&](Generator* g) { return bernoulli(p, 0.25, g); },
      [&](Generator* g) { return randperm(n, kInt64, g); },
  };
  for (size_t k = 0; k < calls.size(); ++k) {
    Generator g1(77), g2(77);
    set_num_threads(1);
    Tensor a = calls[k](&g1);
    set_num_threads(2);
    Tensor b = calls[k](&g2);
    EXPECT_EQ(doubles(a), doubles(b)) << "call " << k;
  }
  set_num_threads(saved);
}

// ---- Distributions ----------------------------------------------------------------------------------------------

TEST(Random, RandIsUniform) {
  Generator g(100);
  std::vector<double> v = doubles(rand({kSamples}, kFloat32, &g));
  const Moments m = moments(v);
  const double n = kSamples;
  EXPECT_NEAR(m.mean, 0.5, kZ * std::sqrt(1.0 / 12 / n));
  EXPECT_NEAR(m.var, 1.0 / 12, kZ * std::sqrt((1.0 / 80 - 1.0 / 144) / n));  // Var((U - 1/2)^2) = 1/80 - 1/144
  EXPECT_GE(*std::min_element(v.begin(), v.end()), 0.0);
  EXPECT_LT(*std::max_element(v.begin(), v.end()), 1.0);
}

TEST(Random, RandnIsStandardNormal) {
  for (DType dt : {kFloat32, kFloat64}) {
    Generator g(200);
    std::vector<double> v = doubles(randn({kSamples}, dt, &g));
    const Moments m = moments(v);
    EXPECT_NEAR(m.mean, 0.0, kZ / std::sqrt(kSamples)) << dt;
    EXPECT_NEAR(m.var, 1.0, kZ * std::sqrt(2.0 / kSamples)) << dt;
    // P(|Z| < 1) = erf(1 / sqrt(2)) checks the shape, not just the moments; both Box-Muller outputs separately.
    const double p1 = std::erf(1 / std::numbers::sqrt2), se = std::sqrt(p1 * (1 - p1) / (kSamples / 2));
    for (int parity : {0, 1}) {
      int64_t inside = 0;
      for (size_t i = parity; i < v.size(); i += 2) inside += std::abs(v[i]) < 1;
      EXPECT_NEAR(static_cast<double>(inside) / (kSamples / 2), p1, kZ * se) << dt << " parity " << parity;
    }
  }
}

TEST(Random, NormalScalesAndShifts) {
  Generator g(300);
  const Moments m = moments(doubles(normal(3.0, 2.0, {kSamples}, kFloat64, &g)));
  EXPECT_NEAR(m.mean, 3.0, kZ * 2.0 / std::sqrt(kSamples));
  EXPECT_NEAR(m.var, 4.0, kZ * 4.0 * std::sqrt(2.0 / kSamples));
  EXPECT_EQ(values<float>(normal(1.5, 0.0, {3})), std::vector<float>(3, 1.5f));  // std 0 is allowed
}

TEST(Random, RandintIsUniformOnItsRange) {
  Generator g(400);
  std::vector<int64_t> v = values<int64_t>(randint(-3, 7, {kSamples}, kInt64, &g));
  std::vector<int64_t> counts(10, 0);
  for (int64_t x : v) {
    ASSERT_GE(x, -3);
    ASSERT_LT(x, 7);
    ++counts[x + 3];
  }
  // Chi-square with 9 degrees of freedom: mean 9, sd sqrt(18); P(> 45) is below 1e-6.
  const double expected = kSamples / 10.0;
  double chi2 = 0;
  for (int64_t c : counts) chi2 += (static_cast<double>(c) - expected) * (static_cast<double>(c) - expected) / expected;
  EXPECT_LT(chi2, 45.0);
  // randint(high, ...) starts at 0; other dtypes hold the same integers.
  for (int64_t x : values<int64_t>(randint(4, {1000}, kInt64, &g))) ASSERT_TRUE(x >= 0 && x < 4);
  for (float x : values<float>(randint(2, 5, {1000}, kFloat32, &g))) ASSERT_TRUE(x == 2 || x == 3 || x == 4);
  for (uint8_t x : values<uint8_t>(randint(250, 256, {100}, kUInt8, &g))) ASSERT_GE(x, 250);
  std::vector<bool> bools;
  for (bool b : values<bool>(randint(0, 2, {100}, kBool, &g))) bools.push_back(b);
  EXPECT_NE(std::count(bools.begin(), bools.end(), true), 0);
  EXPECT_NE(std::count(bools.begin(), bools.end(), false), 0);
  // The full int64 range does not overflow.
  EXPECT_EQ(randint(std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max(), {5}, kInt64, &g).numel(),
            5);
}

TEST(Random, BernoulliMeanMatchesP) {
  Generator g(500);
  const double p = 0.3, se = std::sqrt(p * (1 - p) / kSamples);
  EXPECT_NEAR(moments(doubles(bernoulli(full({kSamples}, p), &g))).mean, p, kZ * se);
  EXPECT_NEAR(moments(doubles(bernoulli(zeros({kSamples}, kInt64), p, &g))).mean, p, kZ * se);
}

TEST(Random, BernoulliPerElementProbabilities) {
  Generator g(600);
  // p = 0 never fires and p = 1 always does, also through a transposed (non-contiguous) p.
  Tensor p = transposed(tensor<double>({{0, 1, 0}, {1, 0, 1}}));
  Tensor b = bernoulli(p, &g);
  EXPECT_EQ(b.shape(), (Shape{3, 2}));
  EXPECT_EQ(b.dtype(), kFloat64);
  EXPECT_EQ(values<double>(b), (std::vector<double>{0, 1, 1, 0, 0, 1}));
  EXPECT_EQ(values<float>(bernoulli(full({4}, 1.0, kFloat16), &g).to(kFloat32)), std::vector<float>(4, 1.0f));
  // The scalar form keeps x's shape and dtype (x's values are ignored), including bool and 0-d.
  Tensor x = ones({2, 3}, kBool);
  Tensor bx = bernoulli(x, 0.0, &g);
  EXPECT_EQ(bx.dtype(), kBool);
  EXPECT_EQ(bx.shape(), x.shape());
  for (bool v : values<bool>(bx)) EXPECT_FALSE(v);
  EXPECT_EQ(values<int32_t>(bernoulli(full({}, 7, kInt32), 1.0, &g)), std::vector<int32_t>{1});
  Tensor expanded = make_view(full({2}, 0.5), {3, 2}, {0, 1}, 0);
  EXPECT_EQ(bernoulli(expanded, &g).shape(), (Shape{3, 2}));
}

TEST(Random, RandpermIsAPermutation) {
  Generator g(700);
  const int64_t n = 100000;
  std::vector<int64_t> v = values<int64_t>(randperm(n, kInt64, &g));
  std::vector<int64_t> sorted = v, iota(n);
  std::sort(sorted.begin(), sorted.end());
  std::iota(iota.begin(), iota.end(), 0);
  EXPECT_EQ(sorted, iota);
  EXPECT_NE(v, iota);
  // Mean position of each value is (n - 1) / 2: check the first element over many small permutations.
  std::vector<int64_t> first_counts(5, 0);
  for (int i = 0; i < 5000; ++i) ++first_counts[values<int64_t>(randperm(5, kInt64, &g))[0]];
  for (int64_t c : first_counts) EXPECT_NEAR(c, 1000, kZ * std::sqrt(5000 * 0.2 * 0.8));
  EXPECT_EQ(randperm(0, kInt64, &g).shape(), (Shape{0}));
  EXPECT_EQ(values<float>(randperm(1, kFloat32, &g)), std::vector<float>{0});
  std::vector<int32_t> p32 = values<int32_t>(randperm(10, kInt32, &g));
  std::sort(p32.begin(), p32.end());
  EXPECT_EQ(p32, (std::vector<int32_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
}

// ---- Dtypes, shapes, in-place -----------------------------------------------------------------------------------

TEST(Random, ReducedPrecisionStaysBelowTheUpperBound) {
  Generator g(800);
  for (DType dt : {kFloat16, kBFloat16}) {
    Tensor u = rand({20000}, dt, &g);
    EXPECT_EQ(u.dtype(), dt);
    std::vector<double> v = doubles(u);
    EXPECT_LT(*std::max_element(v.begin(), v.end()), 1.0) << dt;
    EXPECT_GE(*std::min_element(v.begin(), v.end()), 0.0) << dt;
    EXPECT_NEAR(moments(v).mean, 0.5, 0.01) << dt;
    // [1, 2) rounds in float16/bfloat16; values that would round to 2 become 1.
    std::vector<double> w = doubles(uniform({20000}, 1.0, 2.0, dt, &g));
    EXPECT_LT(*std::max_element(w.begin(), w.end()), 2.0) << dt;
    EXPECT_GE(*std::min_element(w.begin(), w.end()), 1.0) << dt;
    EXPECT_NEAR(moments(doubles(randn({20000}, dt, &g))).mean, 0.0, 0.05) << dt;
  }
}

TEST(Random, ShapesZeroSizedAndScalar) {
  Generator g(900);
  Tensor s = rand({}, kFloat32, &g);
  EXPECT_EQ(s.dim(), 0);
  EXPECT_EQ(g.offset(), 1u);
  Tensor e = randn({0, 3}, kFloat32, &g);
  EXPECT_EQ(e.shape(), (Shape{0, 3}));
  EXPECT_EQ(g.offset(), 1u);  // nothing drawn, nothing reserved
  Tensor x = full({2, 3}, 1.0, kFloat64);
  EXPECT_EQ(rand_like(x, &g).shape(), x.shape());
  EXPECT_EQ(rand_like(x, &g).dtype(), kFloat64);
  EXPECT_EQ(randn_like(x, &g).dtype(), kFloat64);
  EXPECT_EQ(rand({2}).dtype(), kFloat32);  // default options, default generator
}

TEST(Random, InplaceUniformAndNormal) {
  Generator g(1000), ref(1000);
  Tensor x = zeros({3, 4});
  const int64_t version = x.storage()->version();
  Tensor& same = x.uniform_(2.0, 3.0, &g);
  EXPECT_TRUE(same.is_same(x));
  EXPECT_GT(x.storage()->version(), version);
  EXPECT_EQ(values<float>(x), values<float>(uniform({3, 4}, 2.0, 3.0, kFloat32, &ref)));
  x.normal_(5.0, 0.0, &g);
  EXPECT_EQ(values<float>(x), std::vector<float>(12, 5.0f));
  // Through a non-contiguous view: only the viewed elements change.
  Tensor y = zeros({4, 3}, kFloat64);
  make_view(y, {4}, {3}, 0).uniform_(1.0, 2.0, &g);  // column 0 of y
  std::vector<double> v = values<double>(y);
  for (int i = 0; i < 12; ++i) {
    if (i % 3 == 0)
      EXPECT_TRUE(v[i] >= 1.0 && v[i] < 2.0) << i;
    else
      EXPECT_EQ(v[i], 0.0) << i;
  }
}

// ---- Registry and attributes ------------------------------------------------------------------------------------

TEST(Random, OpsAreNotDifferentiableAndHaveKernels) {
  for (const char* name : {"uniform", "normal", "randint", "bernoulli", "bernoulli_scalar", "randperm"}) {
    const OpDef& d = op(name);
    EXPECT_FALSE(d.differentiable()) << name;
    EXPECT_TRUE(d.has_kernel(kCPU)) << name;
  }
  RandintAttrs a;
  a.shape = {2};
  a.low = 1;
  a.high = 4;
  a.stream = {7, 3};
  EXPECT_EQ(a.repr(), "shape=[2], dtype=float32, low=1, high=4, seed=7, offset=3");
}

// ---- Errors -----------------------------------------------------------------------------------------------------

TEST(Random, Errors) {
  Generator g(1);
  expect_error<DTypeError>([&] { rand({2}, kInt64, &g); }, "uniform: expected a floating point dtype, got int64");
  expect_error<DTypeError>([&] { randn({2}, kInt32, &g); }, "normal:");
  expect_error<ValueError>([&] { rand({2, -1}, kFloat32, &g); }, "uniform: negative size");
  expect_error<ValueError>([&] { uniform({2}, 2.0, 1.0, kFloat32, &g); }, "uniform: expected from <= to");
  expect_error<ValueError>([&] { uniform({2}, 0.0, INFINITY, kFloat32, &g); }, "uniform: expected finite");
  expect_error<ValueError>([&] { normal(0.0, -1.0, {2}, kFloat32, &g); }, "normal: expected std >= 0");
  expect_error<ValueError>([&] { normal(NAN, 1.0, {2}, kFloat32, &g); }, "normal: expected finite");
  expect_error<ValueError>([&] { randint(3, 3, {2}, kInt64, &g); }, "randint: expected low < high, got low=3, high=3");
  expect_error<ValueError>([&] { randint(0, 300, {2}, kUInt8, &g); },
                           "randint: range [0, 300) does not fit dtype uint8");
  expect_error<ValueError>([&] { randint(0, 3, {2}, kBool, &g); }, "randint:");
  expect_error<ValueError>([&] { randint(0, (1 << 24) + 2, {2}, kFloat32, &g); }, "randint:");
  expect_error<ValueError>([&] { randperm(-1, kInt64, &g); }, "randperm: expected n >= 0, got n=-1");
  expect_error<ValueError>([&] { randperm(3000, kFloat16, &g); }, "randperm: n=3000 does not fit dtype float16");
  expect_error<ValueError>([&] { bernoulli(zeros({2}), 1.5, &g); }, "bernoulli: expected p in [0, 1], got p=1.5");
  expect_error<ValueError>([&] { bernoulli(zeros({2}), NAN, &g); }, "bernoulli: expected p in [0, 1]");
  expect_error<ValueError>(
      [&] {
        bernoulli(tensor<float>({0.5f, 1.5f}), &g);
      },
      "bernoulli: expected every probability");
  expect_error<DTypeError>([&] { bernoulli(ones({2}, kInt64), &g); },
                           "bernoulli: expected probabilities of a floating");
  Tensor ints = zeros({2}, kInt64);
  expect_error<DTypeError>([&] { ints.uniform_(0, 1, &g); }, "uniform:");
  expect_error<DTypeError>([&] { ints.normal_(0, 1, &g); }, "normal:");
  EXPECT_NO_THROW(randperm(2049, kFloat16, &g));
  EXPECT_NO_THROW(uniform({2}, 1.0, 1.0, kFloat32, &g));  // from == to is allowed, like PyTorch
}

}  // namespace
}  // namespace tessera
