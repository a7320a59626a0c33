#include "tessera/ops/linalg.h"

#include <gtest/gtest.h>

#include <random>

#include "tessera/ops/creation.h"
#include "testing.h"

namespace tessera {
namespace {

using testing::expect_error;
using testing::strided_view;
using testing::values;

// n values 0, 1, ... (as T), shaped.
template <class T>
Tensor iota(Shape shape, double scale = 1.0, double shift = 0.0) {
  std::vector<T> v(numel(shape));
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<T>(static_cast<double>(i) * scale + shift);
  return from_vector(v, shape);
}

// Reference product of contiguous row-major [batch, m, k] x [batch, k, n] (b_batched false: one [k, n] for all).
std::vector<double> naive(const std::vector<double>& a, const std::vector<double>& b, int64_t batch, int64_t m,
                          int64_t k, int64_t n, bool b_batched) {
  std::vector<double> c(batch * m * n, 0.0);
  for (int64_t q = 0; q < batch; ++q) {
    const double* bq = b.data() + (b_batched ? q * k * n : 0);
    for (int64_t i = 0; i < m; ++i) {
      for (int64_t j = 0; j < n; ++j) {
        double s = 0;
        for (int64_t p = 0; p < k; ++p) s += a[(q * m + i) * k + p] * bq[p * n + j];
        c[(q * m + i) * n + j] = s;
      }
    }
  }
  return c;
}

template <class T>
void expect_near_all(const std::vector<T>& got, const std::vector<double>& want, double tol) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(static_cast<double>(got[i]), want[i], tol) << "at " << i;
}

TEST(Matmul, TwoDimensional) {
  Tensor a = tensor({{1.0f, 2.0f, 3.0f}, {4.0f, 5.0f, 6.0f}});
  Tensor b = tensor({{7.0f, 8.0f}, {9.0f, 10.0f}, {11.0f, 12.0f}});
  Tensor c = matmul(a, b);
  EXPECT_EQ(c.shape(), (Shape{2, 2}));
  EXPECT_EQ(c.dtype(), kFloat32);
  EXPECT_EQ(values<float>(c), (std::vector<float>{58, 64, 139, 154}));  // torch.matmul
  EXPECT_EQ(values<float>(mm(a, b)), values<float>(c));
  EXPECT_EQ(values<float>(a.matmul(b)), values<float>(c));
  EXPECT_EQ(values<float>(a.mm(b)), values<float>(c));
}

// Reference: torch.matmul on the same inputs.
TEST(Matmul, OneDimensionalOperands) {
  Tensor d = matmul(tensor({1.0, 2.0, 3.0}), tensor({4.0, 5.0, 6.0}));
  EXPECT_EQ(d.shape(), Shape{});
  EXPECT_EQ(d.dtype(), kFloat64);
  EXPECT_EQ(d.item<double>(), 32.0);
  Tensor m = tensor({{1.0f, 2.0f, 3.0f}, {4.0f, 5.0f, 6.0f}});
  Tensor vm = matmul(tensor({1.0f, 2.0f}), m);
  EXPECT_EQ(vm.shape(), Shape{3});
  EXPECT_EQ(values<float>(vm), (std::vector<float>{9, 12, 15}));
  Tensor mv_ = matmul(m, tensor({1.0f, 0.0f, -1.0f}));
  EXPECT_EQ(mv_.shape(), Shape{2});
  EXPECT_EQ(values<float>(mv_), (std::vector<float>{-2, -2}));
  // Batched with a vector on either side: [2, 2, 3] @ [3] and [3] @ [2, 3, 2].
  Tensor bv = matmul(iota<float>({2, 2, 3}), tensor({1.0f, -1.0f, 2.0f}));
  EXPECT_EQ(bv.shape(), (Shape{2, 2}));
  EXPECT_EQ(values<float>(bv), (std::vector<float>{3, 9, 15, 21}));
  Tensor vb = matmul(tensor({1.0f, -1.0f, 2.0f}), iota<float>({2, 3, 2}));
  EXPECT_EQ(vb.shape(), (Shape{2, 2}));
  EXPECT_EQ(values<float>(vb), (std::vector<float>{6, 8, 18, 20}));
}

// Reference: torch.matmul(torch.arange(12.).reshape(2,1,2,3) - 5, torch.arange(18.).reshape(3,3,2) * 0.5).
TEST(Matmul, BroadcastsBatchDims) {
  Tensor c = matmul(iota<float>({2, 1, 2, 3}, 1.0, -5.0), iota<float>({3, 3, 2}, 0.5));
  EXPECT_EQ(c.shape(), (Shape{2, 3, 2, 2}));
  EXPECT_EQ(values<float>(c), (std::vector<float>{-10, -16, -1, -2.5, -46, -52, -10, -11.5, -82, -88, -19, -20.5,
                                                  8,   11,  17, 24.5, 26,  29,  62,  69.5,  44,  47,  107, 114.5}));
  // A batched [3, 2, 4] times a plain matrix: one stacked GEMM.
  Tensor a = iota<double>({3, 2, 4}, 0.25), b = iota<double>({4, 5}, 1.0, -7.0);
  expect_near_all(values<double>(matmul(a, b)), naive(values<double>(a), values<double>(b), 3, 2, 4, 5, false), 1e-12);
  // Single rows stacked, and batches that do not stack evenly (every other batch of a [4, 2, 4]).
  Tensor rows = iota<double>({4, 1, 4}, 1.0, -3.0);
  expect_near_all(values<double>(matmul(rows, b)), naive(values<double>(rows), values<double>(b), 4, 1, 4, 5, false),
                  1e-12);
  Tensor gaps = testing::strided_view(iota<double>({4, 2, 4}), {2, 2, 4}, {16, 4, 1});
  expect_near_all(values<double>(matmul(gaps, b)), naive(values<double>(gaps), values<double>(b), 2, 2, 4, 5, false),
                  1e-12);
  // The same with the matrix first: b is batched, a broadcast.
  Tensor w = iota<double>({2, 4}, 0.5);
  Tensor bb = iota<double>({3, 4, 5}, 1.0, -30.0);
  std::vector<double> wrep;
  for (int q = 0; q < 3; ++q) {
    auto wv = values<double>(w);
    wrep.insert(wrep.end(), wv.begin(), wv.end());
  }
  expect_near_all(values<double>(matmul(w, bb)), naive(wrep, values<double>(bb), 3, 2, 4, 5, true), 1e-12);
}

TEST(Matmul, TransposedOperandsNeedNoCopy) {
  Tensor a = iota<float>({3, 2});  // a.T is [2, 3] with strides [1, 2]
  Tensor b = iota<float>({4, 3}, 1.0, -2.0);
  Tensor at = strided_view(a, {2, 3}, {1, 2}), bt = strided_view(b, {3, 4}, {1, 3});
  std::vector<double> ref = naive(values<double>(at.to(kFloat64)), values<double>(bt.to(kFloat64)), 1, 2, 3, 4, false);
  expect_near_all(values<float>(matmul(at, bt)), ref, 1e-5);
  expect_near_all(values<float>(matmul(at, bt.contiguous())), ref, 1e-5);
  expect_near_all(values<float>(matmul(at.contiguous(), bt)), ref, 1e-5);
  // Batched transposes: [2, 3, 2] viewed as [2, 2, 3].
  Tensor ba = iota<float>({2, 3, 2}, 1.0, 1.0);
  Tensor bat = strided_view(ba, {2, 2, 3}, {6, 1, 2});
  Tensor bb = iota<float>({2, 3, 2}, -1.0);
  expect_near_all(values<float>(matmul(bat, bb)),
                  naive(values<double>(bat.to(kFloat64)), values<double>(bb.to(kFloat64)), 2, 2, 3, 2, true), 1e-5);
}

TEST(Matmul, LayoutsBlasCannotReadAreCopied) {
  Tensor base = iota<double>({2, 6});
  Tensor stepped = strided_view(base, {2, 3}, {6, 2});            // every other column
  Tensor rows = strided_view(iota<double>({3}), {2, 3}, {0, 1});  // one row repeated (stride 0)
  Tensor b = iota<double>({3, 2}, 1.0, 1.0);
  expect_near_all(values<double>(matmul(stepped, b)),
                  naive(values<double>(stepped), values<double>(b), 1, 2, 3, 2, false), 1e-12);
  expect_near_all(values<double>(matmul(rows, b)), naive(values<double>(rows), values<double>(b), 1, 2, 3, 2, false),
                  1e-12);
  // A batch dim broadcast by stride 0 on the left operand.
  Tensor a = strided_view(iota<double>({2, 3}), {4, 2, 3}, {0, 3, 1});
  Tensor bb = iota<double>({4, 3, 2}, 0.5);
  expect_near_all(values<double>(matmul(a, bb)), naive(values<double>(a), values<double>(bb), 4, 2, 3, 2, true), 1e-12);
  // A strided vector (step 2).
  Tensor v = strided_view(iota<double>({6}), {3}, {2});
  expect_near_all(values<double>(matmul(b.contiguous(), iota<double>({2}))),
                  naive(values<double>(b), {0.0, 1.0}, 1, 3, 2, 1, false), 1e-12);
  EXPECT_EQ(matmul(v, tensor({1.0, 1.0, 1.0})).item<double>(), 0.0 + 2.0 + 4.0);
}

TEST(Matmul, ZeroSizes) {
  Tensor c = matmul(ones({2, 0}), ones({0, 3}));  // k = 0: zeros, like torch
  EXPECT_EQ(c.shape(), (Shape{2, 3}));
  EXPECT_EQ(values<float>(c), std::vector<float>(6, 0.0f));
  EXPECT_EQ(matmul(ones({0, 3}), ones({3, 2})).shape(), (Shape{0, 2}));
  EXPECT_EQ(matmul(ones({4, 0, 3}), ones({3, 2})).shape(), (Shape{4, 0, 2}));
  EXPECT_EQ(matmul(ones({0, 2, 3}), ones({1, 3, 2})).shape(), (Shape{0, 2, 2}));
  EXPECT_EQ(dot(ones({0}), ones({0})).item<float>(), 0.0f);
  EXPECT_EQ(values<int64_t>(matmul(ones({2, 0}, kInt64), ones({0, 2}, kInt64))), std::vector<int64_t>(4, 0));
}

// Reference: torch.matmul on integer tensors (uint8 wraps: 3 * 100 = 300 -> 44).
TEST(Matmul, IntegerAndHalfDTypes) {
  Tensor a = tensor({{1, 2}, {3, 4}}, kInt64), b = tensor({{5, -6}, {7, 8}}, kInt64);
  Tensor c = matmul(a, b);
  EXPECT_EQ(c.dtype(), kInt64);
  EXPECT_EQ(values<int64_t>(c), (std::vector<int64_t>{19, 10, 43, 14}));
  EXPECT_EQ(values<int32_t>(matmul(a.to(kInt32), strided_view(b.to(kInt32), {2, 2}, {1, 2}))),
            (std::vector<int32_t>{-7, 23, -9, 53}));  // a @ b.T
  Tensor u = matmul(full({2, 3}, 100, kUInt8), ones({3, 5}, kUInt8));
  EXPECT_EQ(values<uint8_t>(u), std::vector<uint8_t>(10, 44));
  EXPECT_EQ(dot(tensor({1, 2, 3}, kInt64), tensor({4, 5, 6}, kInt64)).item<int64_t>(), 32);
  for (DType dt : {kFloat16, kBFloat16}) {
    Tensor h = matmul(tensor({{1.0f, 2.0f}, {3.0f, 4.0f}}, dt), tensor({{0.5f, -1.0f}, {2.0f, 0.25f}}, dt));
    EXPECT_EQ(h.dtype(), dt);
    EXPECT_EQ(values<float>(h.to(kFloat32)), (std::vector<float>{4.5f, -0.5f, 9.5f, -2.0f}));
  }
}

TEST(Matmul, LargeRandomProductMatchesNaiveLoop) {
  std::mt19937 gen(42);
  std::uniform_real_distribution<double> dist(-1.0, 1.0);
  auto random = [&](Shape s) {
    std::vector<double> v(numel(s));
    for (double& x : v) x = dist(gen);
    return from_vector(v, s);
  };
  const int64_t batch = 3, m = 37, k = 53, n = 41;
  Tensor a = random({batch, m, k}), bt = random({batch, n, k});
  Tensor b = strided_view(bt, {batch, k, n}, {n * k, 1, k});  // transposed per batch
  std::vector<double> ref = naive(values<double>(a), values<double>(b), batch, m, k, n, true);
  expect_near_all(values<double>(matmul(a, b)), ref, 1e-12);
  expect_near_all(values<float>(matmul(a.to(kFloat32), b.to(kFloat32))), ref, 1e-4);
  expect_near_all(values<double>(bmm(a, b)), ref, 1e-12);
  // Both operands transposed, float32 with 32 or more output columns: oneDNN's sgemm (Note [GEMM choice]).
  Tensor ast = random({batch, k, m});
  Tensor as = strided_view(ast, {batch, m, k}, {m * k, 1, m});
  std::vector<double> ref_t = naive(values<double>(as), values<double>(b), batch, m, k, n, true);
  Tensor as32 = strided_view(ast.to(kFloat32), {batch, m, k}, {m * k, 1, m});
  Tensor b32 = strided_view(bt.to(kFloat32), {batch, k, n}, {n * k, 1, k});
  expect_near_all(values<float>(matmul(as32, b32)), ref_t, 1e-4);
  expect_near_all(values<float>(matmul(as32, b32.contiguous())), ref_t, 1e-4);
  // Wide float32 outputs from a short inner dimension (n >= 2048, m, k <= 256) go back to OpenBLAS (Note [GEMM
  // choice]), A plain and transposed.
  Tensor wa = random({1, 5, 7}), wat = random({1, 7, 5}), wb = random({1, 7, 2100});
  Tensor wa_t = strided_view(wat, {1, 5, 7}, {35, 1, 5});
  expect_near_all(values<float>(matmul(wa.to(kFloat32), wb.to(kFloat32))),
                  naive(values<double>(wa), values<double>(wb), 1, 5, 7, 2100, true), 1e-5);
  expect_near_all(values<float>(matmul(strided_view(wat.to(kFloat32), {1, 5, 7}, {35, 1, 5}), wb.to(kFloat32))),
                  naive(values<double>(wa_t), values<double>(wb), 1, 5, 7, 2100, true), 1e-5);
  // Many small products run in parallel over the batch.
  Tensor sa = random({200, 12, 20}), sb = random({200, 20, 16});
  expect_near_all(values<double>(matmul(sa, sb)), naive(values<double>(sa), values<double>(sb), 200, 12, 20, 16, true),
                  1e-12);
}

TEST(Matmul, Errors) {
  expect_error<ShapeError>(
      [] {
        matmul(ones({2, 3}), ones({4, 5}));
      },
      {"matmul: shapes [2, 3] and [4, 5] cannot be multiplied (3 != 4)"});
  expect_error<ShapeError>([] { matmul(ones({3}), ones({4})); }, {"matmul", "[3] and [4]", "3 != 4"});
  expect_error<ShapeError>([] { matmul(ones({2, 3}), ones({4})); }, {"matmul", "[2, 3] and [4]"});
  expect_error<ShapeError>([] { matmul(ones({}), ones({3})); }, {"matmul", "at least 1-d", "[] and [3]"});
  expect_error<ShapeError>(
      [] {
        matmul(ones({2, 2, 3}), ones({3, 3, 5}));
      },
      {"matmul", "[2, 2, 3] and [3, 3, 5]", "broadcast"});
  expect_error<DTypeError>([] { matmul(ones({2, 3}), ones({3, 2}, kFloat64)); }, {"matmul", "float32", "float64"});
  expect_error<DTypeError>([] { matmul(ones({2, 3}, kBool), ones({3, 2}, kBool)); }, {"matmul", "bool"});
}

// Reference: torch.mm / bmm / mv / dot / outer.
TEST(StrictProducts, ValuesAndErrors) {
  Tensor a = iota<float>({2, 3}), v = tensor({1.0f, 0.0f, 2.0f});
  EXPECT_EQ(values<float>(mv(a, v)), (std::vector<float>{4, 13}));
  EXPECT_EQ(dot(v, v).item<float>(), 5.0f);
  Tensor b = bmm(iota<float>({2, 1, 2}), iota<float>({2, 2, 1}));
  EXPECT_EQ(b.shape(), (Shape{2, 1, 1}));
  EXPECT_EQ(values<float>(b), (std::vector<float>{1, 13}));

  expect_error<ShapeError>([] { mm(ones({2, 3}), ones({3})); }, {"mm: expected operands of 2-d and 2-d", "[3]"});
  expect_error<ShapeError>([] { mm(ones({2, 3}), ones({4, 5})); }, {"mm: shapes [2, 3] and [4, 5]", "(3 != 4)"});
  expect_error<ShapeError>([] { bmm(ones({2, 3}), ones({2, 3, 5})); }, {"bmm", "3-d"});
  expect_error<ShapeError>([] { bmm(ones({2, 2, 3}), ones({3, 3, 5})); }, {"bmm", "batch sizes", "2 != 3"});
  expect_error<ShapeError>([] { bmm(ones({2, 2, 3}), ones({2, 4, 5})); }, {"bmm", "3 != 4"});
  expect_error<ShapeError>([] { mv(ones({2, 3}), ones({4})); }, {"mv: shapes [2, 3] and [4]", "3 != 4"});
  expect_error<ShapeError>([] { mv(ones({2, 3}), ones({3, 1})); }, {"mv", "2-d and 1-d"});
  expect_error<ShapeError>([] { dot(ones({3}), ones({4})); }, {"dot: shapes [3] and [4]", "3 != 4"});
  expect_error<ShapeError>([] { dot(ones({3, 1}), ones({3})); }, {"dot", "1-d"});
  expect_error<DTypeError>([] { dot(ones({3}), ones({3}, kFloat64)); }, {"dot", "float32 and float64"});
  expect_error<DTypeError>([] { mv(ones({2, 3}), ones({3}, kFloat64)); }, {"mv"});
}

TEST(Outer, ValuesPromotionAndErrors) {
  Tensor o = outer(tensor({1, 2}, kInt64), tensor({1.5f, 2.0f}));
  EXPECT_EQ(o.shape(), (Shape{2, 2}));
  EXPECT_EQ(o.dtype(), kFloat32);
  EXPECT_EQ(values<float>(o), (std::vector<float>{1.5f, 2.0f, 3.0f, 4.0f}));
  Tensor ob = outer(tensor({true, false}), tensor({true, true}));
  EXPECT_EQ(ob.dtype(), kBool);
  EXPECT_EQ(values<bool>(ob), (std::vector<bool>{true, true, false, false}));
  EXPECT_EQ(values<int64_t>(outer(tensor({1, 2}, kInt32), tensor({3}, kInt64))), (std::vector<int64_t>{3, 6}));
  Tensor strided = strided_view(iota<double>({6}), {3}, {2});
  EXPECT_EQ(values<double>(outer(strided, tensor({1.0, -1.0}))), (std::vector<double>{0, 0, 2, -2, 4, -4}));
  EXPECT_EQ(outer(ones({0}), ones({3})).shape(), (Shape{0, 3}));
  expect_error<ShapeError>([] { outer(ones({2}), ones({3, 1})); }, {"outer", "[2] and [3, 1]"});
  expect_error<ShapeError>([] { outer(ones({}), ones({3})); }, {"outer", "1-d"});
}

}  // namespace
}  // namespace tessera
