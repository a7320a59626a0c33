#include "tessera/ops/binary.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "tessera/ops/creation.h"
#include "tessera/ops/promote.h"
#include "tessera/ops/registry.h"
#include "testing.h"

namespace tessera {
namespace {

using testing::doubles;
using testing::expect_error;
using testing::expect_near;
using testing::make;
using testing::strided_view;
using testing::values;

Tensor longs(const std::vector<int64_t>& v) { return from_vector(v, Shape{static_cast<int64_t>(v.size())}); }

const double kNaN = std::numeric_limits<double>::quiet_NaN();
const double kInf = std::numeric_limits<double>::infinity();

TEST(Binary, ArithmeticValues) {
  Tensor a = make({1.5, -2.0, 3.0}), b = make({0.5, 4.0, -2.0});
  EXPECT_EQ(values<float>(add(a, b)), (std::vector<float>{2.0f, 2.0f, 1.0f}));
  EXPECT_EQ(values<float>(sub(a, b)), (std::vector<float>{1.0f, -6.0f, 5.0f}));
  EXPECT_EQ(values<float>(mul(a, b)), (std::vector<float>{0.75f, -8.0f, -6.0f}));
  EXPECT_EQ(values<float>(div(a, b)), (std::vector<float>{3.0f, -0.5f, -1.5f}));
  // torch.add(a, b, alpha=2), torch.sub(a, b, alpha=0.5)
  EXPECT_EQ(values<float>(add(a, b, 2)), (std::vector<float>{2.5f, 6.0f, -1.0f}));
  EXPECT_EQ(values<float>(sub(a, b, 0.5)), (std::vector<float>{1.25f, -4.0f, 4.0f}));
  EXPECT_EQ(values<int64_t>(sub(longs({5, 1}), longs({1, 2}), 3)), (std::vector<int64_t>{2, -5}));
  EXPECT_EQ(add(a, b).dtype(), kFloat32);
  EXPECT_EQ(add(a, b).shape(), (Shape{3}));
}

TEST(Binary, OperatorsAndScalars) {
  Tensor a = make({1.0, 2.0, 4.0});
  EXPECT_EQ(values<float>(a + a), (std::vector<float>{2, 4, 8}));
  EXPECT_EQ(values<float>(a - 1), (std::vector<float>{0, 1, 3}));
  EXPECT_EQ(values<float>(2 - a), (std::vector<float>{1, 0, -2}));
  EXPECT_EQ(values<float>(a * 0.5), (std::vector<float>{0.5f, 1, 2}));
  EXPECT_EQ(values<float>(3 * a), (std::vector<float>{3, 6, 12}));
  EXPECT_EQ(values<float>(a / 2), (std::vector<float>{0.5f, 1, 2}));
  EXPECT_EQ(values<float>(8 / a), (std::vector<float>{8, 4, 2}));
  EXPECT_EQ(values<float>(1 + a), (std::vector<float>{2, 3, 5}));
  EXPECT_EQ(values<float>(-a), (std::vector<float>{-1, -2, -4}));
  EXPECT_EQ(values<float>(a * a - a / a), (std::vector<float>{0, 3, 15}));
  EXPECT_EQ(values<float>(rsub(a, 10, 2)), (std::vector<float>{8, 6, 2}));  // 10 - 2 * a
  EXPECT_EQ(values<float>(a.pow(2)), (std::vector<float>{1, 4, 16}));
  EXPECT_EQ(values<float>(a.pow(a)), (std::vector<float>{1, 4, 256}));
}

TEST(Binary, Broadcasting) {
  Tensor col = make({1, 2, 3}, kFloat32, Shape{3, 1}), row = make({10, 20, 30, 40});
  Tensor s = add(col, row);
  EXPECT_EQ(s.shape(), (Shape{3, 4}));
  EXPECT_EQ(values<float>(s), (std::vector<float>{11, 21, 31, 41, 12, 22, 32, 42, 13, 23, 33, 43}));
  // [2, 1, 3] * [4, 1]: both sides broadcast.
  Tensor a = make({1, 2, 3, 4, 5, 6}, kFloat32, Shape{2, 1, 3}), b = make({1, 10, 100, 1000}, kFloat32, Shape{4, 1});
  Tensor m = mul(a, b);
  EXPECT_EQ(m.shape(), (Shape{2, 4, 3}));
  EXPECT_EQ(doubles(m)[3 * 2 + 1], 200.0);  // [0, 2, 1] = a[0, 0, 1] * b[2, 0]
  EXPECT_EQ(doubles(m)[12 + 3 * 3 + 2], 6000.0);
  expect_error<ShapeError>(
      [&] {
        add(make({1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, kFloat32, Shape{3, 4}), make({1, 2, 3, 4, 5}));
      },
      {"add: shapes [3, 4] and [5] cannot be broadcast"});
  expect_error<ShapeError>([&] { div(make({1, 2}), make({1, 2, 3})); }, {"div", "[2]", "[3]"});
  expect_error<ShapeError>([&] { pow(make({1, 2}), make({1, 2, 3})); }, {"pow"});
}

TEST(Binary, NonContiguousInputs) {
  Tensor base = make({0, 1, 2, 3, 4, 5}, kFloat32, Shape{2, 3});
  Tensor t = strided_view(base, {3, 2}, {1, 3});  // base.t(): [[0, 3], [1, 4], [2, 5]]
  Tensor other = make({1, 1, 1, 1, 1, 1}, kFloat32, Shape{3, 2});
  EXPECT_EQ(values<float>(add(t, other)), (std::vector<float>{1, 4, 2, 5, 3, 6}));
  EXPECT_EQ(values<float>(mul(t, t)), (std::vector<float>{0, 9, 1, 16, 4, 25}));
  Tensor every_other = strided_view(base, {3}, {2});  // base.flatten()[::2] = [0, 2, 4]
  EXPECT_EQ(values<float>(sub(every_other, make({1, 1, 1}))), (std::vector<float>{-1, 1, 3}));
  Tensor expanded = strided_view(make({7}), {2, 3}, {0, 0});  // expand a [1] to [2, 3]
  EXPECT_EQ(values<float>(sub(expanded, base)), (std::vector<float>{7, 6, 5, 4, 3, 2}));
  // Large enough for several threads, transposed: every element still lands in place.
  const int64_t n = 300;
  std::vector<double> v(n * n);
  for (int64_t i = 0; i < n * n; ++i) v[i] = static_cast<double>(i);
  Tensor big = make(v, kFloat64, Shape{n, n});
  Tensor bt = strided_view(big, {n, n}, {1, n});
  std::vector<double> r = doubles(add(big, bt));
  EXPECT_EQ(r[0 * n + 1], 1.0 + n);
  EXPECT_EQ(r[17 * n + 250], (17.0 * n + 250) + (250.0 * n + 17));
  EXPECT_EQ(r[n * n - 1], 2.0 * (n * n - 1));
}

TEST(Binary, ZeroDimAndZeroSize) {
  Tensor s = add(scalar_tensor(2.0), scalar_tensor(3.0));
  EXPECT_EQ(s.dim(), 0);
  EXPECT_EQ(s.item<double>(), 5.0);
  EXPECT_EQ(values<float>(mul(scalar_tensor(2.0), make({1, 2}))), (std::vector<float>{2, 4}));
  Tensor e = add(zeros({0, 3}), make({1, 2, 3}));
  EXPECT_EQ(e.shape(), (Shape{0, 3}));
  EXPECT_EQ(e.numel(), 0);
  EXPECT_EQ(mul(zeros({0}), scalar_tensor(1.0)).shape(), (Shape{0}));
  EXPECT_EQ(pow(zeros({2, 0}), 2).shape(), (Shape{2, 0}));
  EXPECT_EQ(floor_divide(zeros({0}, kInt64), zeros({0}, kInt64)).numel(), 0);  // no divisor, no error
}

// Reference: torch.result_type / the dtype of the result in PyTorch 1.13.
TEST(Binary, TypePromotion) {
  Tensor i32 = tensor({1, 2}), i64 = longs({3, -4});
  EXPECT_EQ(add(i32, i64).dtype(), kInt64);
  EXPECT_EQ(values<int64_t>(add(i32, i64)), (std::vector<int64_t>{4, -2}));
  Tensor f = i32 + 2.5;  // int tensor with a float number: the default float
  EXPECT_EQ(f.dtype(), kFloat32);
  EXPECT_EQ(values<float>(f), (std::vector<float>{3.5f, 4.5f}));
  EXPECT_EQ((i32 * 2).dtype(), kInt32);  // an int number does not widen int32
  EXPECT_EQ((i32 * int64_t{2}).dtype(), kInt32);
  EXPECT_EQ(add(i32, scalar_tensor(2.5, kFloat64)).dtype(), kFloat64);     // 0-d of a higher category wins
  EXPECT_EQ(add(i32, scalar_tensor(int64_t{2}, kInt64)).dtype(), kInt32);  // 0-d of the same category does not
  Tensor h = make({1, 2}, kFloat16);
  EXPECT_EQ((h + 1.0).dtype(), kFloat16);
  EXPECT_EQ(add(h, scalar_tensor(1.0, kFloat64)).dtype(), kFloat16);
  EXPECT_EQ(mul(h, make({1, 2}, kBFloat16)).dtype(), kFloat32);
  EXPECT_EQ(add(make({1}, kFloat32), make({1}, kFloat64)).dtype(), kFloat64);
  // bool + bool stays bool (logical or), bool * bool is logical and, bool + int number is int64.
  Tensor b1 = tensor({true, false, false}), b2 = tensor({true, true, false});
  EXPECT_EQ(add(b1, b2).dtype(), kBool);
  EXPECT_EQ(values<bool>(add(b1, b2)), (std::vector<bool>{true, true, false}));
  EXPECT_EQ(values<bool>(mul(b1, b2)), (std::vector<bool>{true, false, false}));
  EXPECT_EQ(values<bool>(add(b1, b2, true)), (std::vector<bool>{true, true, false}));
  EXPECT_EQ((b1 + 1).dtype(), kInt64);
  EXPECT_EQ(values<int64_t>(b1 + 1), (std::vector<int64_t>{2, 1, 1}));
  EXPECT_EQ(div(b1, b2).dtype(), kFloat32);
  EXPECT_EQ(maximum(b1, longs({3, -1, 0})).dtype(), kInt64);
  // Integer arithmetic wraps like PyTorch: uint8 + 300 is 45 (300 becomes 44), int32 max + 1 is int32 min.
  Tensor u8 = tensor({uint8_t{1}, uint8_t{2}});
  EXPECT_EQ(values<uint8_t>(u8 + 300), (std::vector<uint8_t>{45, 46}));
  EXPECT_EQ(values<uint8_t>(add(u8, u8, -1)), (std::vector<uint8_t>{0, 0}));
  EXPECT_EQ(values<int32_t>(tensor({std::numeric_limits<int32_t>::max()}) + 1),
            std::vector<int32_t>{std::numeric_limits<int32_t>::min()});
  EXPECT_EQ(values<int32_t>(tensor({std::numeric_limits<int32_t>::min()}) * -1),
            std::vector<int32_t>{std::numeric_limits<int32_t>::min()});
}

TEST(Binary, AlphaAndBoolErrors) {
  Tensor i = tensor({1, 2}), f = make({1, 2}), b = tensor({true, false});
  expect_error<DTypeError>([&] { add(i, i, 2.5); }, {"add", "alpha must not be a floating point"});
  expect_error<DTypeError>([&] { sub(i, 1, 0.5); }, {"sub", "alpha"});
  expect_error<DTypeError>([&] { add(f, f, true); }, {"add", "boolean alpha"});
  expect_error<DTypeError>([&] { add(i, i, true); }, {"add", "boolean alpha"});
  expect_error<DTypeError>([&] { sub(b, b); }, {"sub", "bool", "logical_xor"});
  expect_error<DTypeError>([&] { b - 1; }, {"sub", "bool"});
  expect_error<DTypeError>([&] { 1 - b; }, {"sub", "bool"});
  expect_error<DTypeError>([&] { -b; }, {"neg", "bool"});
  expect_error<DTypeError>([&] { remainder(b, b); }, {"remainder", "bool"});
  expect_error<DTypeError>([&] { fmod(b, b); }, {"fmod", "bool"});
  expect_error<DTypeError>([&] { floor_divide(b, b); }, {"div", "bool"});
  expect_error<DTypeError>([&] { div(b, b, "trunc"); }, {"div", "bool"});
  expect_error<DTypeError>([&] { pow(b, b); }, {"pow", "bool"});
  expect_error<DTypeError>([&] { pow(b, true); }, {"pow", "bool"});
  expect_error<ValueError>([&] { div(f, f, "round"); }, {"div", "rounding_mode", "'round'"});
  EXPECT_EQ(values<float>(add(i, f, 2)), (std::vector<float>{3, 6}));  // int alpha on a float result is fine
}

// Reference: torch.div(..., rounding_mode=...), torch.floor_divide, torch.remainder, torch.fmod.
TEST(Binary, DivisionFamilies) {
  Tensor a = make({7.5, -7.5, 7.5, -7.5}), b = make({2, 2, -2, -2});
  EXPECT_EQ(values<float>(div(a, b, "floor")), (std::vector<float>{3, -4, -4, 3}));
  EXPECT_EQ(values<float>(div(a, b, "trunc")), (std::vector<float>{3, -3, -3, 3}));
  EXPECT_EQ(values<float>(floor_divide(a, b)), (std::vector<float>{3, -4, -4, 3}));
  EXPECT_EQ(values<float>(remainder(a, b)), (std::vector<float>{1.5f, 0.5f, -0.5f, -1.5f}));
  EXPECT_EQ(values<float>(fmod(a, b)), (std::vector<float>{1.5f, -1.5f, 1.5f, -1.5f}));
  Tensor ia = longs({7, -7, 7, -7}), ib = longs({2, 2, -2, -2});
  EXPECT_EQ(values<int64_t>(div(ia, ib, "floor")), (std::vector<int64_t>{3, -4, -4, 3}));
  EXPECT_EQ(values<int64_t>(div(ia, ib, "trunc")), (std::vector<int64_t>{3, -3, -3, 3}));
  EXPECT_EQ(values<int64_t>(remainder(ia, ib)), (std::vector<int64_t>{1, 1, -1, -1}));
  EXPECT_EQ(values<int64_t>(fmod(ia, ib)), (std::vector<int64_t>{1, -1, 1, -1}));
  EXPECT_EQ(div(ia, ib, "floor").dtype(), kInt64);
  EXPECT_EQ(div(ia, ib).dtype(), kFloat32);  // true division of integers
  EXPECT_EQ(values<float>(div(longs({7, -7}), longs({2, 4}))), (std::vector<float>{3.5f, -1.75f}));
  EXPECT_EQ(values<int32_t>(remainder(tensor({5, -5}), 3)), (std::vector<int32_t>{2, 1}));
  EXPECT_EQ(values<int64_t>(remainder(2, longs({3, -4}))), (std::vector<int64_t>{2, -2}));
  EXPECT_EQ(values<int32_t>(fmod(tensor({-5, 5}), 3)), (std::vector<int32_t>{-2, 2}));
  EXPECT_EQ(values<int32_t>(floor_divide(tensor({-5, 5}), 3)), (std::vector<int32_t>{-2, 1}));
  // Float division by zero follows IEEE: torch gives [inf, -inf, nan] for floor_divide and nan for remainder.
  expect_near(div(make({1, -1, 0}), make({0, 0, 0})), {kInf, -kInf, kNaN});
  expect_near(floor_divide(make({1, -1, 0}), make({0, 0, 0})), {kInf, -kInf, kNaN});
  expect_near(remainder(make({1}), make({0})), {kNaN});
  expect_near(remainder(make({5.5, -5.5}), make({kInf, kInf})), {5.5, kInf});
  // Integer division by zero is PyTorch's ZeroDivisionError, not a crash.
  Tensor zero_in = longs({0, 1});
  expect_error<ValueError>([&] { floor_divide(longs({7, -7}), zero_in); }, {"floor_divide", "ZeroDivisionError"});
  expect_error<ValueError>([&] { div(longs({7, -7}), zero_in, "trunc"); }, {"div", "ZeroDivisionError"});
  expect_error<ValueError>([&] { remainder(longs({7, -7}), zero_in); }, {"remainder", "ZeroDivisionError"});
  expect_error<ValueError>([&] { fmod(longs({7, -7}), zero_in); }, {"fmod", "ZeroDivisionError"});
  expect_error<ValueError>([&] { remainder(tensor({1, 2}), 0); }, {"remainder", "ZeroDivisionError"});
  // INT_MIN / -1 overflows: it wraps instead of trapping.
  const int64_t lo = std::numeric_limits<int64_t>::min();
  EXPECT_EQ(values<int64_t>(floor_divide(tensor({lo}), longs({-1}))), std::vector<int64_t>{lo});
  EXPECT_EQ(values<int64_t>(div(tensor({lo}), longs({-1}), "trunc")), std::vector<int64_t>{lo});
  EXPECT_EQ(values<int64_t>(remainder(tensor({lo}), longs({-1}))), std::vector<int64_t>{0});
  EXPECT_EQ(values<int64_t>(fmod(tensor({lo}), longs({-1}))), std::vector<int64_t>{0});
}

// Reference: torch.pow.
TEST(Binary, Pow) {
  Tensor base = make({0.5, 2.0, 3.0}, kFloat64);
  expect_near(pow(base, 1.0 / 3), {0.7937005259840998, 1.2599210498948732, 1.4422495703074083}, 1e-15);
  expect_near(pow(base, make({1.5, -2.0, 0.0}, kFloat64)), {0.3535533905932738, 0.25, 1.0}, 1e-15);
  // The special-cased exponents agree with the general formula.
  for (double e : {1.0, 2.0, 3.0, 0.5, -0.5, -1.0, -2.0, 1.7}) {
    expect_near(pow(base, e), {std::pow(0.5, e), std::pow(2.0, e), std::pow(3.0, e)}, 1e-15);
  }
  expect_near(pow(make({0, 2, -8}), 1.0 / 3), {0.0, 1.2599210498948732, kNaN});
  Tensor l = longs({3, -4});
  EXPECT_EQ(pow(l, 2).dtype(), kInt64);
  EXPECT_EQ(values<int64_t>(pow(l, 2)), (std::vector<int64_t>{9, 16}));
  EXPECT_EQ(values<int64_t>(pow(l, 3)), (std::vector<int64_t>{27, -64}));
  EXPECT_EQ(values<int64_t>(pow(l, 5)), (std::vector<int64_t>{243, -1024}));
  EXPECT_EQ(pow(l, 2.0).dtype(), kFloat32);
  EXPECT_EQ(values<float>(pow(l, 2.0)), (std::vector<float>{9, 16}));
  EXPECT_EQ(values<int64_t>(pow(2, l)), (std::vector<int64_t>{8, 0}));  // 2 ** -4 is 0 for integers
  expect_near(pow(2.0, l), {8.0, 0.0625});
  // Negative integer exponents of integer tensors: 0 except for bases 1 and -1.
  EXPECT_EQ(values<int64_t>(pow(longs({1, -1, 2, -1, 0}), longs({-1, -3, -2, -2, 3}))),
            (std::vector<int64_t>{1, -1, 0, 1, 0}));
  expect_error<ValueError>([&] { pow(l, -1); }, {"pow", "negative integer powers"});
  EXPECT_EQ(pow(tensor({true, false}), 2).dtype(), kInt64);
  EXPECT_EQ(values<int64_t>(pow(tensor({true, false}), 2)), (std::vector<int64_t>{1, 0}));
  EXPECT_EQ(values<int32_t>(pow(tensor({1, 2}), scalar_tensor(int64_t{2}))), (std::vector<int32_t>{1, 4}));
  EXPECT_EQ(values<uint8_t>(pow(tensor({uint8_t{2}, uint8_t{3}}), 3)), (std::vector<uint8_t>{8, 27}));
}

TEST(Binary, MinimumMaximumPropagateNaN) {
  Tensor a = make({1, kNaN, 3, -kInf}), b = make({kNaN, 1, 2, 0});
  expect_near(maximum(a, b), {kNaN, kNaN, 3, 0});
  expect_near(minimum(a, b), {kNaN, kNaN, 2, -kInf});
  expect_near(minimum(make({kNaN}, kFloat16), make({1}, kFloat16)), {kNaN});
  EXPECT_EQ(values<int64_t>(minimum(longs({1, 5}), longs({3, 2}))), (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(values<bool>(maximum(tensor({true, false}), tensor({false, false}))), (std::vector<bool>{true, false}));
}

// Reference: torch.atan2.
TEST(Binary, Atan2) {
  expect_near(atan2(make({1, -1, 0, 3}, kFloat64), make({1, 2, -1, 0}, kFloat64)),
              {0.7853981633974483, -0.4636476090008061, 3.141592653589793, 1.5707963267948966}, 1e-15);
  Tensor r = atan2(longs({3, -4}), longs({1, 2}));
  EXPECT_EQ(r.dtype(), kFloat32);
  expect_near(r, {1.2490457723982544, -1.1071487177940904});
}

// Reference: the same ops in PyTorch on float16 / bfloat16 tensors (computed in float, rounded once).
TEST(Binary, HalfAndBFloat16) {
  Tensor h = add(make({0.1, 1000.0, -3.3}, kFloat16), make({0.2, 0.5, 1.1}, kFloat16));
  EXPECT_EQ(h.dtype(), kFloat16);
  EXPECT_EQ(doubles(h), (std::vector<double>{0.2998046875, 1000.5, -2.201171875}));
  Tensor b = mul(make({0.1, 1000.0, -3.3}, kBFloat16), make({3.0, 1.7, 0.3}, kBFloat16));
  EXPECT_EQ(b.dtype(), kBFloat16);
  EXPECT_EQ(doubles(b), (std::vector<double>{0.30078125, 1704.0, -0.9921875}));
  EXPECT_EQ(doubles(div(make({1, 3}, kFloat16), make({4, 2}, kFloat16))), (std::vector<double>{0.25, 1.5}));
  EXPECT_EQ(doubles(remainder(make({-5}, kBFloat16), 3)), std::vector<double>{1.0});
}

TEST(Binary, Registry) {
  for (const char* name :
       {"add", "sub", "mul", "div", "remainder", "fmod", "pow", "pow_scalar", "minimum", "maximum", "atan2"}) {
    const OpDef& d = op(name);
    EXPECT_TRUE(d.has_kernel(kCPU)) << name;
    EXPECT_NE(d.infer, nullptr) << name;
  }
  AddAttrs a;
  a.alpha = 2;
  EXPECT_EQ(a.repr(), "alpha=2");
  DivAttrs d;
  d.rounding_mode = RoundingMode::kFloor;
  EXPECT_EQ(d.repr(), "rounding_mode=floor");
}

}  // namespace
}  // namespace tessera
