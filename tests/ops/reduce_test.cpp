// Reductions vs. PyTorch 1.13 (reference values written in; the script is in each test's comment).
#include "tessera/ops/reduce.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "tessera/core/parallel.h"
#include "tessera/ops/registry.h"
#include "testing.h"

namespace tessera {
namespace {

using testing::expect_close;
using testing::expect_error;
using testing::make;
using testing::transposed;
using testing::values;

// A 1-d tensor of n copies of `value`.
template <class T>
Tensor filled(int64_t n, T value) {
  return make(std::vector<T>(n, value), {n});
}

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
constexpr float kInf = std::numeric_limits<float>::infinity();

// x = torch.arange(24.).reshape(2, 3, 4); x = x * x * 0.1 - x  (float32)
Tensor x3() {
  return make<float>(
      {0.0f,        -0.9f,       -1.6f,      -2.1f,      -2.4000001f, -2.5f,      -2.3999999f, -2.1f,
       -1.5999999f, -0.8999996f, 0.0f,       1.1000004f, 2.4000006f,  3.8999996f, 5.6000004f,  7.5f,
       9.6000004f,  11.9f,       14.400002f, 17.100002f, 20.0f,       23.100002f, 26.400002f,  29.900002f},
      {2, 3, 4});
}

TEST(Sum, DimsKeepdimNegative) {
  Tensor x = x3();
  Tensor s = sum(x, {1});
  EXPECT_EQ(s.shape(), (Shape{2, 4}));
  EXPECT_EQ(s.dtype(), kFloat32);
  expect_close(values<float>(s), {-4.0, -4.3, -4.0, -3.1, 32.0, 38.9, 46.4, 54.5});
  expect_close(values<float>(sum(x, {0, 2})), {14.800001, 43.600006, 98.0});
  expect_close(values<float>(sum(x, {2, 0})), {14.800001, 43.600006, 98.0});
  Tensor k = sum(x, {-1}, /*keepdim=*/true);
  EXPECT_EQ(k.shape(), (Shape{2, 3, 1}));
  expect_close(values<float>(k), {-4.6, -9.4, -1.3999991, 19.400002, 53.000004, 99.400002});
  Tensor all = sum(x);
  EXPECT_EQ(all.dim(), 0);
  EXPECT_NEAR(all.item<float>(), 156.4, 1e-3);
  EXPECT_EQ(sum(x, {}, true).shape(), (Shape{1, 1, 1}));
  EXPECT_NEAR(x.sum().item<float>(), 156.4, 1e-3);  // the Tensor method
  expect_close(values<float>(x.sum({0, 1, 2}, true)), {156.4}, 1e-4);
}

// xt = x.transpose(0, 2): shape [4, 3, 2]
TEST(Sum, TransposedAndSlicedInputs) {
  Tensor xt = transposed(x3(), 0, 2);
  Tensor s0 = sum(xt, {0});
  EXPECT_EQ(s0.shape(), (Shape{3, 2}));
  expect_close(values<float>(s0), {-4.6, 19.4, -9.4, 53.0, -1.4, 99.4});
  expect_close(values<float>(sum(xt, {1, 2})), {28.0, 34.6, 42.4, 51.4});
  expect_close(values<float>(sum(xt, {2})), {2.4000006, 7.2000003, 18.4, 2.9999995, 9.4, 22.200003, 4.0000005,
                                             12.000002, 26.400002, 5.4, 15.000002, 31.000002});
  // Every other column of a [3, 4] matrix: [[0, 2], [4, 6], [8, 10]] of arange(12).
  Tensor m = make<float>({0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, {3, 4});
  Tensor cols = make_view(m, {3, 2}, {4, 2}, 0);
  expect_close(values<float>(sum(cols, {0})), {12, 18});
  expect_close(values<float>(sum(cols, {1})), {2, 10, 18});
  // An expanded (stride 0) input.
  Tensor e = make_view(make<float>({1, 2, 3}, {3}), {4, 3}, {0, 1}, 0);
  expect_close(values<float>(sum(e, {0})), {4, 8, 12});
  EXPECT_EQ(sum(e).item<float>(), 24.0f);
}

// The outer loop shape (reduce dim 0 of a contiguous matrix) with many rows and more columns than one block,
// checked against a double reference.
TEST(Sum, OuterAndInnerLoopShapesMatchReference) {
  const int64_t rows = 2500, cols = 70;
  std::vector<float> v(rows * cols);
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>((i * 7919) % 1000) / 1000.0f - 0.5f;
  Tensor m = make(v, {rows, cols});
  std::vector<double> col(cols, 0.0), row(rows, 0.0);
  for (int64_t i = 0; i < rows; ++i) {
    for (int64_t j = 0; j < cols; ++j) {
      col[j] += v[i * cols + j];
      row[i] += v[i * cols + j];
    }
  }
  expect_close(values<float>(sum(m, {0})), col, 1e-5, 1e-3);
  expect_close(values<float>(sum(m, {1})), row, 1e-5, 1e-4);
  expect_close(values<float>(sum(transposed(m, 0, 1), {1})), col, 1e-5, 1e-3);
}

TEST(Sum, FloatSumIsAccurate) {
  Tensor ones = filled<float>(10'000'000, 1.0f);
  EXPECT_EQ(sum(ones).item<float>(), 1e7f);
  // 1e6 float32 0.1s: exactly 100000.0015; PyTorch gives 100000.0078, numpy 100000.086.
  Tensor tenths = filled<float>(1'000'000, 0.1f);
  EXPECT_NEAR(sum(tenths).item<float>(), 100000.0015, 0.05);
}

// Chunks and leaves depend only on the shape: any thread count gives the same bits.
TEST(Sum, SameBitsForAnyThreadCount) {
  const int64_t n = 300'000;
  std::vector<float> v(n);
  for (int64_t i = 0; i < n; ++i) v[i] = std::sin(static_cast<float>(i)) * 1000.0f;
  Tensor x = make(v, {n});
  Tensor xm = make(v, {n / 3, 3});
  const int saved = num_threads();
  set_num_threads(1);
  float one = sum(x).item<float>(), one_col = values<float>(sum(xm, {0}))[1];
  int64_t arg1 = argmax(x).item<int64_t>();
  set_num_threads(4);
  EXPECT_EQ(sum(x).item<float>(), one);
  EXPECT_EQ(values<float>(sum(xm, {0}))[1], one_col);
  EXPECT_EQ(argmax(x).item<int64_t>(), arg1);
  set_num_threads(saved);
}

TEST(Sum, Dtypes) {
  Tensor i = make<int32_t>({1, 2, 3, 4}, {2, 2});
  Tensor si = sum(i, {0});
  EXPECT_EQ(si.dtype(), kInt64);
  EXPECT_EQ(values<int64_t>(si), (std::vector<int64_t>{4, 6}));
  Tensor b = make<bool>({true, true, false, true}, {4});
  EXPECT_EQ(sum(b).dtype(), kInt64);
  EXPECT_EQ(sum(b).item<int64_t>(), 3);
  Tensor u = make<uint8_t>({200, 200, 200}, {3});
  EXPECT_EQ(sum(u).item<int64_t>(), 600);
  EXPECT_EQ(sum(i, {}, false, kFloat64).dtype(), kFloat64);
  EXPECT_EQ(sum(i, {}, false, kFloat64).item<double>(), 10.0);
  // float16 accumulates in float: 4096 * 0.1 = 409.5 (torch.tensor([0.1] * 4096, dtype=torch.float16).sum()).
  Tensor h = filled<Half>(4096, Half(0.1f));
  Tensor sh = sum(h);
  EXPECT_EQ(sh.dtype(), kFloat16);
  EXPECT_EQ(sh.item<float>(), 409.5f);
  EXPECT_EQ(sum(make<Half>({Half(65504.0f), Half(65504.0f)}, {2})).item<float>(), kInf);
  // torch.tensor([3., -4.]).bfloat16(): sum -1, mean -0.5, norm 5.
  Tensor bf = make<BFloat16>({BFloat16(3.0f), BFloat16(-4.0f)}, {2});
  EXPECT_EQ(sum(bf).dtype(), kBFloat16);
  EXPECT_EQ(sum(bf).item<float>(), -1.0f);
  EXPECT_EQ(mean(bf).item<float>(), -0.5f);
  EXPECT_EQ(norm(bf).item<float>(), 5.0f);
  EXPECT_EQ(sum(make<double>({0.5, 0.25}, {2})).dtype(), kFloat64);
}

TEST(Sum, ZeroSizeAndZeroDim) {
  Tensor z = empty({0, 3});
  Tensor s = sum(z, {0});
  EXPECT_EQ(s.shape(), (Shape{3}));
  expect_close(values<float>(s), {0, 0, 0});
  EXPECT_EQ(sum(z, {1}).shape(), (Shape{0}));
  expect_close(values<float>(prod(z, {0})), {1, 1, 1});
  for (float m : values<float>(mean(z, {0}))) EXPECT_TRUE(std::isnan(m));
  for (float m : values<float>(var(z, {0}))) EXPECT_TRUE(std::isnan(m));
  expect_close(values<float>(logsumexp(z, {0})), {-kInf, -kInf, -kInf});
  expect_close(values<float>(norm(z, 2, {0})), {0, 0, 0});
  expect_close(values<float>(norm(z, kInf, {0})), {0, 0, 0});
  expect_close(values<float>(norm(z, -kInf, {0})), {0, 0, 0});
  EXPECT_TRUE(all(z).item<bool>());
  EXPECT_FALSE(any(z).item<bool>());
  Tensor five = make<float>({5.0f}, {});
  EXPECT_EQ(sum(five, {0}).dim(), 0);
  EXPECT_EQ(sum(five, {-1}, true).dim(), 0);
  EXPECT_EQ(sum(five).item<float>(), 5.0f);
  EXPECT_EQ(amax(five, {0}).item<float>(), 5.0f);
  EXPECT_TRUE(std::isnan(var(five).item<float>()));  // torch.tensor(5.).var()
  EXPECT_EQ(std(five, {}, false).item<float>(), 0.0f);
  auto [v, i] = max(five, 0);
  EXPECT_EQ(v.item<float>(), 5.0f);
  EXPECT_EQ(i.item<int64_t>(), 0);
  EXPECT_EQ(argmax(five, 0).item<int64_t>(), 0);
  expect_error<IndexError>([&] { sum(five, {1}); }, "sum");
}

TEST(Mean, ValuesAndDtypes) {
  expect_close(values<float>(mean(x3(), {-1})), {-1.15, -2.35, -0.35, 4.85, 13.25, 24.85});
  expect_close(values<float>(x3().mean({0, 1, 2})), {6.5166667});
  Tensor i = make<int64_t>({1, 2}, {2});
  expect_error<DTypeError>([&] { mean(i); }, "mean");
  expect_error<DTypeError>([&] { mean(i, {}, false, kInt64); }, "mean");
  Tensor m = mean(i, {0}, false, kFloat64);
  EXPECT_EQ(m.dtype(), kFloat64);
  EXPECT_EQ(m.item<double>(), 1.5);
}

TEST(Prod, Values) {
  expect_close(values<float>(prod(x3(), {1})),
               {0.0, -2.0249991, 0.0, 4.8510008, 460.80014, 1072.0709, 2128.8965, 3834.6755}, 1e-5);
  Tensor i = make<int32_t>({3, 2, -4}, {3});
  EXPECT_EQ(prod(i).dtype(), kInt64);
  EXPECT_EQ(prod(i).item<int64_t>(), -24);
  EXPECT_EQ(x3().prod({0}).shape(), (Shape{3, 4}));
}

// y = torch.tensor([[1., 5., 5., 2.], [nan, 3., nan, -1.], [7., 7., -7., 7.]])
Tensor y3() { return make<float>({1, 5, 5, 2, kNaN, 3, kNaN, -1, 7, 7, -7, 7}, {3, 4}); }

TEST(Amax, ValuesNaNAndDtypes) {
  expect_close(values<float>(amax(x3(), {1})), {0.0, -0.9, 0.0, 1.1, 20.0, 23.1, 26.4, 29.9});
  expect_close(values<float>(amin(x3(), {0, 2})), {-2.1, -2.5, -1.6});
  expect_close(values<float>(amax(y3(), {0})), {kNaN, 7, kNaN, 7});
  expect_close(values<float>(amin(y3(), {1})), {1, kNaN, -7});
  EXPECT_TRUE(std::isnan(amax(y3()).item<float>()));
  EXPECT_EQ(amax(make<int32_t>({3, -1, 9}, {3})).item<int32_t>(), 9);
  EXPECT_EQ(amin(make<int32_t>({3, -1, 9}, {3})).dtype(), kInt32);
  EXPECT_TRUE(amax(make<bool>({true, false}, {2})).item<bool>());
  EXPECT_TRUE(std::isnan(amax(make<Half>({Half(1.0f), Half(kNaN)}, {2})).item<float>()));
  EXPECT_EQ(amax(transposed(x3(), 0, 2), {0, 1}).shape(), (Shape{2}));
  expect_close(values<float>(amax(transposed(x3(), 0, 2), {0, 1})), {1.1000004, 29.900002});
  EXPECT_EQ(x3().amax().item<float>(), 29.900002f);
  EXPECT_EQ(x3().amin({2}, true).shape(), (Shape{2, 3, 1}));
}

TEST(Amax, ZeroSizeErrors) {
  Tensor z = empty({0, 3});
  expect_error<IndexError>([&] { amax(z, {0}); }, "amax: expected reduction dim 0 to have non-zero size");
  expect_error<IndexError>([&] { amin(z); }, "amin");
  EXPECT_EQ(amax(z, {1}).shape(), (Shape{0}));
  expect_error<IndexError>([&] { max(z); }, "max");
  expect_error<IndexError>([&] { min(z); }, "min");
  expect_error<IndexError>([&] { max(z, 0); }, "max: expected reduction dim 0");
  expect_error<IndexError>([&] { argmax(z); }, "argmax");
  expect_error<IndexError>([&] { argmin(z, 0); }, "argmin");
  auto [v, i] = max(z, 1);
  EXPECT_EQ(v.shape(), (Shape{0}));
  EXPECT_EQ(i.dtype(), kInt64);
  EXPECT_EQ(argmax(z, 1).shape(), (Shape{0}));
}

TEST(MaxDim, ValuesIndicesTiesAndNaN) {
  auto [v1, i1] = max(y3(), 1);
  expect_close(values<float>(v1), {5, kNaN, 7});
  EXPECT_EQ(values<int64_t>(i1), (std::vector<int64_t>{1, 0, 0}));  // first occurrence wins
  auto [v2, i2] = min(y3(), -1);
  expect_close(values<float>(v2), {1, kNaN, -7});
  EXPECT_EQ(values<int64_t>(i2), (std::vector<int64_t>{0, 0, 2}));
  auto [v3, i3] = max(y3(), 0, true);
  EXPECT_EQ(v3.shape(), (Shape{1, 4}));
  EXPECT_EQ(i3.shape(), (Shape{1, 4}));
  EXPECT_EQ(values<int64_t>(i3), (std::vector<int64_t>{1, 2, 1, 2}));
  auto [vi, ii] = max(make<int32_t>({3, 1, 3, 0}, {4}), 0);
  EXPECT_EQ(vi.dtype(), kInt32);
  EXPECT_EQ(vi.item<int32_t>(), 3);
  EXPECT_EQ(ii.item<int64_t>(), 0);
  auto [vt, it] = min(transposed(x3(), 0, 2), 2);  // along x's dim 0
  EXPECT_EQ(vt.shape(), (Shape{4, 3}));
  EXPECT_EQ(values<int64_t>(it), (std::vector<int64_t>{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}));
  expect_error<IndexError>([&] { max(y3(), 2); }, "max");
  EXPECT_TRUE(std::isnan(max(y3()).item<float>()));
  EXPECT_EQ(min(x3()).item<float>(), -2.5f);
}

TEST(Argmax, FlattenedAndAlongDim) {
  EXPECT_EQ(argmax(x3()).item<int64_t>(), 23);
  EXPECT_EQ(argmax(x3()).dim(), 0);
  // The flattened index is over the logical (transposed) order: torch x.transpose(0, 2).argmin() = 8.
  EXPECT_EQ(argmin(transposed(x3(), 0, 2)).item<int64_t>(), 8);
  EXPECT_EQ(values<int64_t>(argmin(x3(), 1)), (std::vector<int64_t>{1, 1, 1, 0, 0, 0, 0, 0}));
  EXPECT_EQ(argmax(y3()).item<int64_t>(), 4);  // the first NaN
  EXPECT_EQ(argmin(y3()).item<int64_t>(), 4);
  EXPECT_EQ(values<int64_t>(argmax(y3(), 0)), (std::vector<int64_t>{1, 2, 1, 2}));
  EXPECT_EQ(argmax(y3(), {}, true).shape(), (Shape{1, 1}));
  EXPECT_EQ(argmax(y3(), 1, true).shape(), (Shape{3, 1}));
  EXPECT_EQ(argmax(make<int64_t>({1, 5, 5, 2}, {2, 2})).item<int64_t>(), 1);
  EXPECT_EQ(argmax(make<bool>({false, true, true}, {3})).item<int64_t>(), 1);
  EXPECT_EQ(x3().argmax(0).shape(), (Shape{3, 4}));
  EXPECT_EQ(x3().argmin().item<int64_t>(), 5);
  EXPECT_EQ(argmax(x3()).dtype(), kInt64);
  expect_error<IndexError>([&] { argmax(x3(), -4); }, "argmax");
}

TEST(Var, ValuesAndCorrection) {
  expect_close(values<float>(var(x3(), {2})), {0.83, 0.03, 1.3633335, 4.8299994, 10.430006, 18.163338}, 1e-4);
  expect_close(values<float>(std(x3(), {0, 2}, false)), {3.3350413, 8.0475159, 12.887300}, 1e-5);
  EXPECT_NEAR(var(x3()).item<float>(), 103.56668, 1e-3);
  EXPECT_NEAR(x3().std().item<float>(), std::sqrt(103.56668), 1e-4);
  EXPECT_EQ(x3().var({1}, false, true).shape(), (Shape{2, 1, 4}));
  // Two passes keep a large mean from swamping the variance: the float32 values' exact variance.
  std::vector<float> big = {10000.1f, 10000.2f, 10000.3f, 10000.4f};
  double m = 0, v = 0;
  for (float f : big) m += f / 4.0;
  for (float f : big) v += (f - m) * (f - m) / 3.0;
  EXPECT_NEAR(var(make(big, {4})).item<float>(), v, 1e-6);
  EXPECT_NEAR(v, 0.016731897, 1e-8);  // torch.tensor(big).var()
  EXPECT_TRUE(std::isnan(var(make<float>({1.0f}, {1})).item<float>()));
  expect_error<DTypeError>([&] { var(make<int64_t>({1, 2}, {2})); }, "var");
  expect_error<DTypeError>([&] { std(make<int32_t>({1, 2}, {2})); }, "std");
  EXPECT_DOUBLE_EQ(var(make<double>({1, 2, 4}, {3})).item<double>(), 7.0 / 3.0);
  EXPECT_EQ(var(make<Half>({Half(1.0f), Half(3.0f)}, {2})).dtype(), kFloat16);
  EXPECT_EQ(var(make<Half>({Half(1.0f), Half(3.0f)}, {2})).item<float>(), 2.0f);
}

TEST(Logsumexp, StableAndInfinite) {
  expect_close(values<float>(logsumexp(x3(), {1})),
               {0.25666687, -0.1106807, 0.25666687, 1.1783719, 20.000031, 23.100016, 26.400007, 29.900003}, 1e-5);
  EXPECT_NEAR(logsumexp(x3()).item<float>(), 29.930883, 1e-4);
  Tensor r = make<float>({1000, 1000, -kInf, -kInf, kInf, 0, kNaN, 1}, {4, 2});
  expect_close(values<float>(logsumexp(r, {1})), {1000.6931, -kInf, kInf, kNaN});
  Tensor li = logsumexp(make<int64_t>({1, 2}, {2}), {0});
  EXPECT_EQ(li.dtype(), kFloat32);
  EXPECT_NEAR(li.item<float>(), 2.3132617, 1e-6);
  EXPECT_EQ(logsumexp(x3(), {0}, true).shape(), (Shape{1, 3, 4}));
}

TEST(Norm, EveryP) {
  Tensor x = x3();
  EXPECT_NEAR(norm(x).item<float>(), 58.320156, 1e-4);
  expect_close(values<float>(norm(x, 1, {2})), {4.6, 9.4, 3.6, 19.4, 53.0, 99.4});
  expect_close(values<float>(norm(x, 3, {0})),
               {2.4000006, 3.9159112, 5.6432038, 7.5544834, 9.6497431, 11.936666, 14.422191, 17.110554, 20.003414,
                23.10046, 26.400005, 29.900499},
               1e-5);
  expect_close(values<float>(norm(x, kInf, {1})), {2.4, 2.5, 2.4, 2.1, 20.0, 23.1, 26.4, 29.9});
  EXPECT_EQ(norm(x, -kInf).item<float>(), 0.0f);
  EXPECT_EQ(norm(x, 0).item<float>(), 22.0f);
  expect_close(values<float>(norm(x, -1, {2})), {0.0, 0.5849582, 0.0, 1.0152473, 3.1633134, 6.074831}, 1e-5);
  EXPECT_EQ(norm(x, 2, {0, 1}, true).shape(), (Shape{1, 1, 4}));
  EXPECT_TRUE(std::isnan(norm(y3(), kInf).item<float>()));
  EXPECT_EQ(norm(make<Half>({Half(3.0f), Half(-4.0f)}, {2})).item<float>(), 5.0f);
  expect_error<DTypeError>([&] { norm(make<int64_t>({1, 2}, {2})); }, "norm");
}

TEST(AllAny, BoolOutputs) {
  Tensor t = make<float>({1, 0, kNaN, 2}, {2, 2});
  Tensor a = all(t, {1});
  EXPECT_EQ(a.dtype(), kBool);
  EXPECT_EQ(values<bool>(a), (std::vector<bool>{false, true}));
  EXPECT_EQ(values<bool>(any(t, {0})), (std::vector<bool>{true, true}));
  EXPECT_FALSE(t.all().item<bool>());
  EXPECT_TRUE(t.any().item<bool>());
  EXPECT_TRUE(all(make<uint8_t>({1, 2}, {2})).item<bool>());
  EXPECT_FALSE(any(make<int32_t>({0, 0}, {2})).item<bool>());
  EXPECT_EQ(any(t, {0}, true).shape(), (Shape{1, 2}));
  // Long inputs go through the lanes: one false among many trues.
  std::vector<bool> many(5000, true);
  many[4321] = false;
  Tensor mb = make(many, {static_cast<int64_t>(many.size())});
  EXPECT_FALSE(all(mb).item<bool>());
  EXPECT_TRUE(any(mb).item<bool>());
  Tensor c = count_nonzero(make<int64_t>({0, 1, 2, 0}, {2, 2}), {1});
  EXPECT_EQ(c.dtype(), kInt64);
  EXPECT_EQ(values<int64_t>(c), (std::vector<int64_t>{1, 1}));
  EXPECT_EQ(count_nonzero(t).item<int64_t>(), 3);
}

TEST(Reduce, BadDimsNameTheOp) {
  Tensor x = x3();
  expect_error<IndexError>([&] { sum(x, {3}); }, "sum: dimension 3 out of range");
  expect_error<IndexError>([&] { mean(x, {-4}); }, "mean");
  expect_error<ValueError>([&] { sum(x, {0, -3}); }, "sum: dimension -3 appears more than once");
  expect_error<ValueError>([&] { amax(x, {1, 1}); }, "amax");
  expect_error<IndexError>([&] { var(x, {5}); }, "var");
  expect_error<IndexError>([&] { norm(x, 2, {5}); }, "norm");
  expect_error<IndexError>([&] { all(x, {5}); }, "all");
  expect_error<IndexError>([&] { logsumexp(x, {5}); }, "logsumexp");
  expect_error<IndexError>([&] { argmin(x, 3); }, "argmin");
}

TEST(Reduce, DifferentiabilityMarks) {
  for (const char* name : {"argmax", "argmin", "all", "any", "count_nonzero"}) {
    EXPECT_FALSE(op(name).differentiable()) << name;
  }
  for (const char* name :
       {"sum", "mean", "prod", "amax", "amin", "max_dim", "min_dim", "var", "std", "logsumexp", "norm"}) {
    EXPECT_TRUE(op(name).differentiable()) << name;
    EXPECT_TRUE(op(name).has_kernel(kCPU)) << name;
  }
}

}  // namespace
}  // namespace tessera
