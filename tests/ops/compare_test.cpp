#include "tessera/ops/compare.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "tessera/ops/binary.h"
#include "tessera/ops/creation.h"
#include "tessera/ops/registry.h"
#include "testing.h"

namespace tessera {
namespace {

using testing::doubles;
using testing::expect_error;
using testing::make;
using testing::strided_view;
using testing::values;
using Bools = std::vector<bool>;

const double kNaN = std::numeric_limits<double>::quiet_NaN();
const double kInf = std::numeric_limits<double>::infinity();

TEST(Compare, ComparisonsAndNaN) {
  Tensor a = make({1, 2, 3, kNaN}), b = make({2, 2, 2, kNaN});
  EXPECT_EQ(values<bool>(eq(a, b)), (Bools{false, true, false, false}));
  EXPECT_EQ(values<bool>(ne(a, b)), (Bools{true, false, true, true}));
  EXPECT_EQ(values<bool>(lt(a, b)), (Bools{true, false, false, false}));
  EXPECT_EQ(values<bool>(le(a, b)), (Bools{true, true, false, false}));
  EXPECT_EQ(values<bool>(gt(a, b)), (Bools{false, false, true, false}));
  EXPECT_EQ(values<bool>(ge(a, b)), (Bools{false, true, true, false}));
  EXPECT_EQ(eq(a, b).dtype(), kBool);
  EXPECT_EQ(values<bool>(a == b), values<bool>(eq(a, b)));
  EXPECT_EQ(values<bool>(a != b), values<bool>(ne(a, b)));
  EXPECT_EQ(values<bool>(a < b), values<bool>(lt(a, b)));
  EXPECT_EQ(values<bool>(a <= b), values<bool>(le(a, b)));
  EXPECT_EQ(values<bool>(a > b), values<bool>(gt(a, b)));
  EXPECT_EQ(values<bool>(a >= b), values<bool>(ge(a, b)));
  EXPECT_EQ(values<bool>(a == 2), (Bools{false, true, false, false}));
  EXPECT_EQ(values<bool>(a != 2), (Bools{true, false, true, true}));
  EXPECT_EQ(values<bool>(a < 2), (Bools{true, false, false, false}));
  EXPECT_EQ(values<bool>(a <= 2), (Bools{true, true, false, false}));
  EXPECT_EQ(values<bool>(a > 2), (Bools{false, false, true, false}));
  EXPECT_EQ(values<bool>(a >= 2), (Bools{false, true, true, false}));
  EXPECT_EQ(values<bool>(ge(a, 2.5)), (Bools{false, false, true, false}));
  EXPECT_EQ(values<bool>(tensor({true, false}) < tensor({true, true})), (Bools{false, true}));
}

// Reference: PyTorch compares in the promoted dtype (numbers of a lower category are cast to the tensor's type).
TEST(Compare, Promotion) {
  Tensor i = tensor({1, 2, 3});
  EXPECT_EQ(values<bool>(i < 2.5), (Bools{true, true, false}));  // compared as float32, not as int 2
  EXPECT_EQ(values<bool>(i == 2.0), (Bools{false, true, false}));
  Tensor big = from_vector(std::vector<int64_t>{int64_t{1} << 40, 5});
  EXPECT_EQ(values<bool>(eq(big, tensor({0, 5}))), (Bools{false, true}));  // int32 widened to int64
  EXPECT_EQ(values<bool>(gt(make({0.5, 1.5}, kFloat16), make({1}, kFloat64))), (Bools{false, true}));
  // torch.tensor([0, 255], dtype=torch.uint8) == 256 / < -1 / == -1.
  Tensor u8 = tensor({uint8_t{0}, uint8_t{255}});
  EXPECT_EQ(values<bool>(u8 == 256), (Bools{true, false}));
  EXPECT_EQ(values<bool>(u8 < -1), (Bools{true, false}));
  EXPECT_EQ(values<bool>(u8 == -1), (Bools{false, true}));
}

TEST(Compare, BroadcastLayoutsAndSizes) {
  Tensor col = make({1, 2}, kFloat32, Shape{2, 1}), row = make({1, 2, 3});
  Tensor e = eq(col, row);
  EXPECT_EQ(e.shape(), (Shape{2, 3}));
  EXPECT_EQ(values<bool>(e), (Bools{true, false, false, false, true, false}));
  expect_error<ShapeError>([&] { lt(make({1, 2}), make({1, 2, 3})); }, {"lt: shapes [2] and [3] cannot be broadcast"});
  expect_error<ShapeError>([&] { logical_and(make({1, 2}), make({1, 2, 3})); }, {"logical_and", "[2]", "[3]"});
  Tensor base = make({0, 1, 2, 3, 4, 5}, kFloat32, Shape{2, 3});
  Tensor t = strided_view(base, {3, 2}, {1, 3});  // [[0, 3], [1, 4], [2, 5]]
  EXPECT_EQ(values<bool>(gt(t, 2)), (Bools{false, true, false, true, false, true}));
  Tensor s = lt(scalar_tensor(1.0), scalar_tensor(2.0));
  EXPECT_EQ(s.dim(), 0);
  EXPECT_TRUE(s.item<bool>());
  EXPECT_EQ(eq(zeros({0, 2}), zeros({2})).shape(), (Shape{0, 2}));
  EXPECT_EQ(isnan(zeros({3, 0})).shape(), (Shape{3, 0}));
  const int64_t n = 70000;  // several threads
  std::vector<double> v(n);
  for (int64_t k = 0; k < n; ++k) v[k] = static_cast<double>(k % 5);
  std::vector<bool> r = values<bool>(ge(make(v, kFloat64), 3));
  EXPECT_EQ(r[3], true);
  EXPECT_EQ(r[n - 1], (n - 1) % 5 >= 3);
}

TEST(Compare, Predicates) {
  Tensor x = make({1, kNaN, kInf, -kInf, 0});
  EXPECT_EQ(values<bool>(isnan(x)), (Bools{false, true, false, false, false}));
  EXPECT_EQ(values<bool>(isinf(x)), (Bools{false, false, true, true, false}));
  EXPECT_EQ(values<bool>(isfinite(x)), (Bools{true, false, false, false, true}));
  EXPECT_EQ(values<bool>(isnan(make({kNaN, 1}, kFloat16))), (Bools{true, false}));
  EXPECT_EQ(values<bool>(isinf(make({kInf, 1}, kBFloat16))), (Bools{true, false}));
  Tensor l = from_vector(std::vector<int64_t>{3, -4});
  EXPECT_EQ(values<bool>(isnan(l)), (Bools{false, false}));
  EXPECT_EQ(values<bool>(isinf(l)), (Bools{false, false}));
  EXPECT_EQ(values<bool>(isfinite(l)), (Bools{true, true}));
  EXPECT_EQ(values<bool>(isnan(tensor({true}))), Bools{false});
}

// Reference: torch.logical_* (nonzero and nan are true).
TEST(Compare, LogicalOps) {
  Tensor f = make({1.5, 0, kNaN, 0}), l = from_vector(std::vector<int64_t>{3, 0, 0, 7});
  EXPECT_EQ(values<bool>(logical_and(f, l)), (Bools{true, false, false, false}));
  EXPECT_EQ(values<bool>(logical_or(f, l)), (Bools{true, false, true, true}));
  EXPECT_EQ(values<bool>(logical_xor(f, l)), (Bools{false, false, true, true}));
  EXPECT_EQ(values<bool>(logical_not(f)), (Bools{false, true, false, true}));
  EXPECT_EQ(values<bool>(f && l), values<bool>(logical_and(f, l)));
  EXPECT_EQ(values<bool>(f || l), values<bool>(logical_or(f, l)));
  EXPECT_EQ(values<bool>(!f), values<bool>(logical_not(f)));
  EXPECT_EQ(values<bool>(logical_xor(make({1.5, -2.5}), tensor({true, false}))), (Bools{false, true}));
  EXPECT_EQ(values<bool>(logical_not(make({0.5, 0}, kFloat16))), (Bools{false, true}));
  EXPECT_EQ(logical_and(tensor({1}), scalar_tensor(true)).dtype(), kBool);
}

// Reference: torch.where.
TEST(Compare, Where) {
  Tensor c = tensor({true, false});
  Tensor l = from_vector(std::vector<int64_t>{3, -4}), i = tensor({1, 2});
  EXPECT_EQ(values<int64_t>(where(c, l, l * 10)), (std::vector<int64_t>{3, -40}));
  Tensor w = where(c, i, l);
  EXPECT_EQ(w.dtype(), kInt64);
  EXPECT_EQ(values<int64_t>(w), (std::vector<int64_t>{1, -4}));
  // Three-way broadcast: cond [2, 1, 1], a [3, 1], b [4] -> [2, 3, 4].
  Tensor cond = make({1, 0}, kBool, Shape{2, 1, 1});
  Tensor a = make({1, 2, 3}, kFloat32, Shape{3, 1}), b = make({-1, -2, -3, -4});
  Tensor r = where(cond, a, b);
  EXPECT_EQ(r.shape(), (Shape{2, 3, 4}));
  std::vector<float> rv = values<float>(r);
  EXPECT_EQ(rv[0 * 12 + 1 * 4 + 3], 2.0f);
  EXPECT_EQ(rv[1 * 12 + 2 * 4 + 3], -4.0f);
  Tensor s = where(scalar_tensor(true), make({1, 2}, kFloat32, Shape{2, 1}), make({3, 4, 5}));
  EXPECT_EQ(s.shape(), (Shape{2, 3}));
  EXPECT_EQ(values<float>(s), (std::vector<float>{1, 1, 1, 2, 2, 2}));
  // Number branches.
  EXPECT_EQ(where(c, 1.0, 0).dtype(), kFloat32);
  EXPECT_EQ(values<float>(where(c, 1.0, 0)), (std::vector<float>{1, 0}));
  EXPECT_EQ(where(c, 1, 0).dtype(), kInt64);
  EXPECT_EQ(values<float>(where(c, l, 2.5)), (std::vector<float>{3, 2.5f}));
  EXPECT_EQ(where(c, i, 2).dtype(), kInt32);
  EXPECT_EQ(values<int32_t>(where(c, 7, i)), (std::vector<int32_t>{7, 2}));
  EXPECT_EQ(doubles(where(c, make({1.5, 2.5}, kFloat16), 0.25)), (std::vector<double>{1.5, 0.25}));
  // Non-contiguous condition and branches.
  Tensor base = make({0, 1, 2, 3, 4, 5}, kFloat32, Shape{2, 3});
  Tensor t = strided_view(base, {3, 2}, {1, 3});
  EXPECT_EQ(values<float>(where(gt(t, 2), t, zeros_like(t))), (std::vector<float>{0, 3, 0, 4, 0, 5}));
  EXPECT_EQ(where(make({1}, kBool, Shape{1, 1}), zeros({0, 1}), 1.0).shape(), (Shape{0, 1}));
  expect_error<DTypeError>([&] { where(tensor({1, 0}), l, l); }, {"where", "bool", "int32"});
  expect_error<DTypeError>([&] { where(tensor({uint8_t{1}}), l, l); }, {"where", "uint8"});
  expect_error<ShapeError>([&] { where(tensor({true, false, true}), l, l); }, {"where", "[3]", "[2]"});
  expect_error<ShapeError>([&] { where(c, l, make({1, 2, 3})); }, {"where", "[2]", "[3]"});
}

// Reference: torch.isclose / torch.allclose / torch.equal.
TEST(Compare, CloseAndEqual) {
  Tensor a = make({1.0, 1.0, kInf, kNaN, 1e-9, kInf}), b = make({1.000001, 1.0001, kInf, kNaN, 0.0, -kInf});
  EXPECT_EQ(values<bool>(isclose(a, b)), (Bools{true, false, true, false, true, false}));
  EXPECT_EQ(values<bool>(isclose(make({kNaN}), make({kNaN}), 1e-5, 1e-8, true)), Bools{true});
  EXPECT_EQ(values<bool>(isclose(from_vector(std::vector<int64_t>{100, 100}),
                                 from_vector(std::vector<int64_t>{101, 100}), 0.01, 0)),
            (Bools{true, true}));
  EXPECT_EQ(values<bool>(isclose(tensor({true, false}), tensor({true, true}))), (Bools{true, false}));
  EXPECT_TRUE(allclose(make({1, 2}), make({1.000001, 2})));
  EXPECT_FALSE(allclose(make({1, 2}), make({1.1, 2})));
  EXPECT_TRUE(allclose(make({1, 2}), make({1.1, 2}), 0.2));
  EXPECT_FALSE(allclose(make({kNaN}), make({kNaN})));
  EXPECT_TRUE(allclose(make({kNaN}), make({kNaN}), 1e-5, 1e-8, true));
  EXPECT_TRUE(allclose(zeros({0}), zeros({0})));
  EXPECT_TRUE(allclose(make({1, 1}), make({1})));  // broadcasts, as in PyTorch
  expect_error<DTypeError>([&] { isclose(tensor({1}), from_vector(std::vector<int64_t>{1})); },
                           {"isclose", "int32", "int64"});
  expect_error<ValueError>([&] { allclose(make({1}), make({1}), -1.0); }, {"isclose", "rtol"});
  EXPECT_TRUE(equal(make({1.5, -2.5}), make({1.5, -2.5}, kFloat64)));
  EXPECT_FALSE(equal(tensor({1, 2}), from_vector(std::vector<int64_t>{1, 3})));
  EXPECT_FALSE(equal(make({1, 1}), make({1})));  // shapes differ
  EXPECT_FALSE(equal(make({kNaN}), make({kNaN})));
  EXPECT_TRUE(equal(zeros({2, 0}), zeros({2, 0})));
}

TEST(Compare, RegistryMarksNotDifferentiable) {
  for (const char* name : {"eq", "ne", "lt", "le", "gt", "ge", "isnan", "isinf", "isfinite", "logical_and",
                           "logical_or", "logical_xor", "logical_not"}) {
    EXPECT_FALSE(op(name).differentiable()) << name;
    EXPECT_TRUE(op(name).has_kernel(kCPU)) << name;
  }
  EXPECT_TRUE(op("where").differentiable());
  EXPECT_TRUE(op("where").has_kernel(kCPU));
}

}  // namespace
}  // namespace tessera
