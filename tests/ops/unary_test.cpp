#include "tessera/ops/unary.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>

#include "tessera/ops/creation.h"
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

const double kNaN = std::numeric_limits<double>::quiet_NaN();
const double kInf = std::numeric_limits<double>::infinity();

struct Case {
  const char* name;
  std::function<Tensor(const Tensor&)> fn;
  std::vector<double> input, expected;  // expected: PyTorch 1.13 on float64
};

const std::vector<double> kX = {-2.0, -0.5, 0.0, 0.5, 2.0};
const std::vector<double> kPos = {0.25, 0.5, 1.0, 2.0, 10.0};

// Reference: torch.<name>(torch.tensor(input, dtype=torch.float64)).
std::vector<Case> cases() {
  using F = Tensor (*)(const Tensor&);
  return {
      {"exp", F(exp), kX, {0.1353352832366127, 0.6065306597126334, 1.0, 1.6487212707001282, 7.38905609893065}},
      {"exp2", F(exp2), kX, {0.25, 0.7071067811865476, 1.0, 1.4142135623730951, 4.0}},
      {"expm1", F(expm1), kX, {-0.8646647167633873, -0.3934693402873666, 0.0, 0.6487212707001282, 6.38905609893065}},
      {"sin", F(sin), kX, {-0.9092974268256817, -0.479425538604203, 0.0, 0.479425538604203, 0.9092974268256817}},
      {"cos", F(cos), kX, {-0.4161468365471424, 0.8775825618903728, 1.0, 0.8775825618903728, -0.4161468365471424}},
      {"tan", F(tan), kX, {2.185039863261519, -0.5463024898437905, 0.0, 0.5463024898437905, -2.185039863261519}},
      {"tanh", F(tanh), kX, {-0.9640275800758169, -0.46211715726000974, 0.0, 0.46211715726000974, 0.9640275800758169}},
      {"sigmoid",
       F(sigmoid),
       kX,
       {0.11920292202211755, 0.3775406687981454, 0.5, 0.6224593312018546, 0.8807970779778823}},
      {"erf", F(erf), kX, {-0.9953222650189527, -0.5204998778130465, 0.0, 0.5204998778130465, 0.9953222650189527}},
      {"erfc", F(erfc), kX, {1.9953222650189528, 1.5204998778130465, 1.0, 0.4795001221869535, 0.004677734981047265}},
      {"floor", F(floor), kX, {-2.0, -1.0, 0.0, 0.0, 2.0}},
      {"ceil", F(ceil), kX, {-2.0, -0.0, 0.0, 1.0, 2.0}},
      {"round", F(round), kX, {-2.0, -0.0, 0.0, 0.0, 2.0}},
      {"trunc", F(trunc), kX, {-2.0, -0.0, 0.0, 0.0, 2.0}},
      {"abs", F(abs), kX, {2.0, 0.5, 0.0, 0.5, 2.0}},
      {"neg", F(neg), kX, {2.0, 0.5, -0.0, -0.5, -2.0}},
      {"sign", F(sign), kX, {-1.0, -1.0, 0.0, 1.0, 1.0}},
      {"square", F(square), kX, {4.0, 0.25, 0.0, 0.25, 4.0}},
      {"relu", F(relu), kX, {0.0, 0.0, 0.0, 0.5, 2.0}},
      {"silu", F(silu), kX, {-0.2384058440442351, -0.1887703343990727, 0.0, 0.3112296656009273, 1.7615941559557646}},
      {"log", F(log), kPos, {-1.3862943611198906, -0.6931471805599453, 0.0, 0.6931471805599453, 2.302585092994046}},
      {"log1p",
       F(log1p),
       kPos,
       {0.22314355131420976, 0.4054651081081644, 0.6931471805599453, 1.0986122886681098, 2.3978952727983707}},
      {"log2", F(log2), kPos, {-2.0, -1.0, 0.0, 1.0, 3.321928094887362}},
      {"log10", F(log10), kPos, {-0.6020599913279624, -0.3010299956639812, 0.0, 0.3010299956639812, 1.0}},
      {"sqrt", F(sqrt), kPos, {0.5, 0.7071067811865476, 1.0, 1.4142135623730951, 3.1622776601683795}},
      {"rsqrt", F(rsqrt), kPos, {2.0, 1.414213562373095, 1.0, 0.7071067811865475, 0.31622776601683794}},
      {"reciprocal", F(reciprocal), kPos, {4.0, 2.0, 1.0, 0.5, 0.1}},
      {"leaky_relu", [](const Tensor& x) { return leaky_relu(x, 0.2); }, kX, {-0.4, -0.1, 0.0, 0.5, 2.0}},
      {"elu",
       [](const Tensor& x) { return elu(x, 0.5); },
       kX,
       {-0.43233235838169365, -0.1967346701436833, 0.0, 0.5, 2.0}},
      {"softplus",
       [](const Tensor& x) { return softplus(x); },
       kX,
       {0.1269280110429725, 0.4740769841801067, 0.6931471805599453, 0.9740769841801067, 2.1269280110429727}},
      {"softplus(beta=2, threshold=1)",
       [](const Tensor& x) { return softplus(x, 2, 1); },
       kX,
       {0.009074963958904869, 0.15663084375911143, 0.34657359027997264, 0.6566308437591114, 2.0}},
      {"gelu",
       [](const Tensor& x) { return gelu(x); },
       kX,
       {-0.04550026389635842, -0.15426876936299344, 0.0, 0.34573123063700656, 1.9544997361036416}},
      {"gelu(tanh)",
       [](const Tensor& x) { return gelu(x, "tanh"); },
       kX,
       {-0.04540230591222494, -0.15428599017485606, 0.0, 0.34571400982514394, 1.954597694087775}},
  };
}

TEST(Unary, ValuesMatchPyTorchInFloat64AndFloat32) {
  for (const Case& c : cases()) {
    SCOPED_TRACE(c.name);
    Tensor y64 = c.fn(make(c.input, kFloat64));
    EXPECT_EQ(y64.dtype(), kFloat64);
    expect_near(y64, c.expected, 1e-14, 1e-15);
    Tensor y32 = c.fn(make(c.input, kFloat32));
    EXPECT_EQ(y32.dtype(), kFloat32);
    expect_near(y32, c.expected, 1e-6, 1e-7);
  }
}

TEST(Unary, NonContiguousZeroDimAndZeroSize) {
  Tensor base = make({0, 1, 2, 3, 4, 5}, kFloat32, Shape{2, 3});
  Tensor t = strided_view(base, {3, 2}, {1, 3});  // base.t()
  EXPECT_EQ(values<float>(neg(t)), (std::vector<float>{-0, -3, -1, -4, -2, -5}));
  EXPECT_EQ(values<float>(square(strided_view(base, {3}, {2}))), (std::vector<float>{0, 4, 16}));
  EXPECT_EQ(values<float>(exp(strided_view(make({0}), {2, 2}, {0, 0}))), (std::vector<float>(4, 1.0f)));
  Tensor s = exp(scalar_tensor(0.0));
  EXPECT_EQ(s.dim(), 0);
  EXPECT_EQ(s.item<float>(), 1.0f);
  Tensor e = sigmoid(zeros({3, 0}));
  EXPECT_EQ(e.shape(), (Shape{3, 0}));
  EXPECT_EQ(clamp(zeros({0}, kInt32), 0, 1).dtype(), kInt32);
  // A large transposed input runs on several threads and still lands in place.
  const int64_t n = 256;
  std::vector<double> v(n * n);
  for (int64_t i = 0; i < n * n; ++i) v[i] = static_cast<double>(i % 7) - 3;
  Tensor big = make(v, kFloat64, Shape{n, n});
  std::vector<double> r = doubles(relu(strided_view(big, {n, n}, {1, n})));
  EXPECT_EQ(r[5 * n + 100], std::max(0.0, v[100 * n + 5]));
  EXPECT_EQ(r[n * n - 2], std::max(0.0, v[(n - 2) * n + n - 1]));
}

// Reference: the output dtypes of the same calls in PyTorch 1.13.
TEST(Unary, DTypeRules) {
  Tensor i32 = tensor({1, -2}), i64 = from_vector(std::vector<int64_t>{3, -4}), b = tensor({true, false});
  Tensor u8 = tensor({uint8_t{1}, uint8_t{2}});
  EXPECT_EQ(exp(i32).dtype(), kFloat32);
  expect_near(exp(i32), {2.718281828459045, 0.1353352832366127});
  EXPECT_EQ(exp(u8).dtype(), kFloat32);
  EXPECT_EQ(values<float>(sigmoid(b)), (std::vector<float>{0.7310585975646973f, 0.5f}));
  expect_near(reciprocal(b), {1.0, kInf});
  expect_near(sqrt(i64), {1.7320508075688772, kNaN});
  EXPECT_EQ(abs(i32).dtype(), kInt32);
  EXPECT_EQ(values<int32_t>(abs(i32)), (std::vector<int32_t>{1, 2}));
  EXPECT_EQ(values<int64_t>(sign(i64)), (std::vector<int64_t>{1, -1}));
  EXPECT_EQ(values<uint8_t>(sign(u8)), (std::vector<uint8_t>{1, 1}));
  EXPECT_EQ(values<bool>(sign(b)), (std::vector<bool>{true, false}));
  EXPECT_EQ(values<int32_t>(square(i32)), (std::vector<int32_t>{1, 4}));
  EXPECT_EQ(square(b).dtype(), kInt64);
  EXPECT_EQ(values<int64_t>(square(b)), (std::vector<int64_t>{1, 0}));
  EXPECT_EQ(values<int64_t>(relu(i64)), (std::vector<int64_t>{3, 0}));
  EXPECT_EQ(values<int64_t>(relu6(from_vector(std::vector<int64_t>{-1, 3, 9}))), (std::vector<int64_t>{0, 3, 6}));
  EXPECT_EQ(values<int64_t>(floor(i64)), (std::vector<int64_t>{3, -4}));
  EXPECT_EQ(values<int64_t>(round(i64)), (std::vector<int64_t>{3, -4}));
  EXPECT_EQ(values<uint8_t>(neg(u8)), (std::vector<uint8_t>{255, 254}));
  const int32_t lo = std::numeric_limits<int32_t>::min();
  EXPECT_EQ(values<int32_t>(neg(tensor({lo}))), std::vector<int32_t>{lo});  // wraps, as in PyTorch
  EXPECT_EQ(values<int32_t>(abs(tensor({lo}))), std::vector<int32_t>{lo});
  for (auto f : {neg, abs, relu, relu6, floor, ceil, round, trunc}) {
    expect_error<DTypeError>([&] { f(b); }, {"bool"});
  }
  expect_error<DTypeError>([&] { neg(b); }, {"neg: not supported for bool tensors"});
  expect_error<DTypeError>([&] { leaky_relu(i64); }, {"leaky_relu", "floating point", "int64"});
  expect_error<DTypeError>([&] { elu(i32); }, {"elu"});
  expect_error<DTypeError>([&] { softplus(b); }, {"softplus"});
  expect_error<DTypeError>([&] { gelu(u8); }, {"gelu"});
  expect_error<DTypeError>([&] { silu(i32); }, {"silu"});
  expect_error<ValueError>([&] { gelu(make({1}), "exact"); }, {"gelu", "'exact'"});
}

TEST(Unary, SpecialValues) {
  // round is half to even; sign(nan) = 0; relu keeps nan; softplus is x above the threshold.
  EXPECT_EQ(doubles(round(make({0.5, 1.5, 2.5, -0.5, -1.5}))), (std::vector<double>{0, 2, 2, -0.0, -2}));
  expect_near(sign(make({kNaN, -0.0, 2, -kInf})), {0, 0, 1, -1});
  expect_near(relu(make({kNaN, -kInf, kInf})), {kNaN, 0, kInf});
  expect_near(relu6(make({-1, 3, 7, kNaN})), {0, 3, 6, kNaN});
  expect_near(softplus(make({1, 11}), 2, 20), {1.0634640055214863, 11});
  expect_near(softplus(make({1, 30}), 2, 20), {1.0634640055214863, 30});
  expect_near(sigmoid(make({-100, 100})), {3.7200759760208356e-44, 1.0});
  expect_near(log(make({0, -1})), {-kInf, kNaN});
  expect_near(reciprocal(make({0.0, -0.0})), {kInf, -kInf});
  expect_near(exp(make({kInf, -kInf, kNaN})), {kInf, 0, kNaN});
}

// Reference: torch.clamp (PyTorch 1.13 promotes the bounds like numbers).
TEST(Unary, Clamp) {
  Tensor f = make({1.5, -2.5, 0.2});
  EXPECT_EQ(values<float>(clamp(f, -1, 1)), (std::vector<float>{1, -1, 0.2f}));
  EXPECT_EQ(values<float>(clamp(f, 0)), (std::vector<float>{1.5f, 0, 0.2f}));
  EXPECT_EQ(values<float>(clamp(f, std::nullopt, 0)), (std::vector<float>{0, -2.5f, 0}));
  EXPECT_EQ(values<float>(clamp_min(f, 0.5)), (std::vector<float>{1.5f, 0.5f, 0.5f}));
  EXPECT_EQ(values<float>(clamp_max(f, 0.5)), (std::vector<float>{0.5f, -2.5f, 0.2f}));
  EXPECT_EQ(values<float>(f.clamp(-1, 1)), (std::vector<float>{1, -1, 0.2f}));
  EXPECT_EQ(values<float>(clamp(f, 2, 0)), (std::vector<float>{0, 0, 0}));  // min > max: max everywhere
  expect_near(clamp(make({kNaN, 5}), 0, 1), {kNaN, 1});
  Tensor l = from_vector(std::vector<int64_t>{3, -4});
  EXPECT_EQ(clamp(l, 0, 2).dtype(), kInt64);
  EXPECT_EQ(values<int64_t>(clamp(l, 0, 2)), (std::vector<int64_t>{2, 0}));
  EXPECT_EQ(clamp(l, 0.5).dtype(), kFloat32);
  EXPECT_EQ(values<float>(clamp(l, 0.5)), (std::vector<float>{3, 0.5f}));
  EXPECT_EQ(clamp(tensor({1, 2}), 0).dtype(), kInt32);
  EXPECT_EQ(clamp(tensor({true, false}), 0).dtype(), kInt64);
  EXPECT_EQ(values<int64_t>(clamp(tensor({true, false}), 0, 1)), (std::vector<int64_t>{1, 0}));
  // Integer bounds outside uint8's range saturate (PyTorch raises an overflow error instead).
  EXPECT_EQ(values<uint8_t>(clamp(tensor({uint8_t{0}, uint8_t{255}}), -1, 300)), (std::vector<uint8_t>{0, 255}));
  EXPECT_EQ(doubles(clamp(make({0.1, 5.0, -3.0}, kFloat16), -1.0, 0.3)),
            (std::vector<double>{0.0999755859375, 0.300048828125, -1.0}));
  expect_error<ValueError>([&] { clamp(f, std::nullopt, std::nullopt); }, {"clamp", "min", "max"});
  expect_error<DTypeError>([&] { clamp(tensor({true}), true); }, {"clamp", "bool"});
}

// Reference: torch.nan_to_num.
TEST(Unary, NanToNum) {
  const double f32_max = 3.4028234663852886e+38;
  EXPECT_EQ(doubles(nan_to_num(make({kNaN, kInf, -kInf, 1.5}))), (std::vector<double>{0, f32_max, -f32_max, 1.5}));
  EXPECT_EQ(doubles(nan_to_num(make({kNaN, kInf, -kInf}, kFloat16))), (std::vector<double>{0, 65504, -65504}));
  const double bf16_max = 3.3895313892515355e+38;
  EXPECT_EQ(doubles(nan_to_num(make({kNaN, kInf, -kInf}, kBFloat16))), (std::vector<double>{0, bf16_max, -bf16_max}));
  EXPECT_EQ(doubles(nan_to_num(make({kNaN, kInf, -kInf}, kFloat64), 1.0, 2.0, -3.0)), (std::vector<double>{1, 2, -3}));
  EXPECT_EQ(values<int32_t>(nan_to_num(tensor({3, -4}))), (std::vector<int32_t>{3, -4}));
  EXPECT_EQ(values<bool>(nan_to_num(tensor({true, false}))), (std::vector<bool>{true, false}));
}

// Reference: PyTorch computes float16 / bfloat16 math in float and rounds once (torch.exp(h.float()).half()).
TEST(Unary, HalfAndBFloat16) {
  Tensor h = make({0.1, 1000.0, -3.3}, kFloat16);
  Tensor e = exp(h);
  EXPECT_EQ(e.dtype(), kFloat16);
  EXPECT_EQ(doubles(e), (std::vector<double>{1.10546875, kInf, 0.036865234375}));
  EXPECT_EQ(doubles(sigmoid(h)), (std::vector<double>{0.52490234375, 1.0, 0.035552978515625}));
  Tensor b = make({0.1, 1000.0, -3.3}, kBFloat16);
  Tensor r = sqrt(abs(b));
  EXPECT_EQ(r.dtype(), kBFloat16);
  EXPECT_EQ(doubles(r), (std::vector<double>{0.31640625, 31.625, 1.8125}));
  EXPECT_EQ(doubles(neg(b)), (std::vector<double>{-0.10009765625, -1000.0, 3.296875}));
  EXPECT_EQ(doubles(sign(make({-1}, kBFloat16))), std::vector<double>{-1});
  EXPECT_EQ(gelu(h).dtype(), kFloat16);
}

TEST(Unary, TensorMethods) {
  Tensor x = make({0.25, 4.0});
  EXPECT_EQ(values<float>(x.neg()), (std::vector<float>{-0.25f, -4}));
  EXPECT_EQ(values<float>(x.neg().abs()), (std::vector<float>{0.25f, 4}));
  EXPECT_EQ(values<float>(x.sqrt()), (std::vector<float>{0.5f, 2}));
  EXPECT_EQ(values<float>(x.rsqrt()), (std::vector<float>{2, 0.5f}));
  EXPECT_EQ(values<float>(x.log().exp()), values<float>(exp(log(x))));
  EXPECT_EQ(values<float>(x.sin()), values<float>(sin(x)));
  EXPECT_EQ(values<float>(x.cos()), values<float>(cos(x)));
  EXPECT_EQ(values<float>(x.tanh()), values<float>(tanh(x)));
  EXPECT_EQ(values<float>(x.sigmoid()), values<float>(sigmoid(x)));
  EXPECT_EQ(values<float>(x.neg().relu()), (std::vector<float>{0, 0}));
}

TEST(Unary, Registry) {
  for (const char* name : {"neg", "exp", "gelu", "clamp", "nan_to_num", "softplus"}) {
    EXPECT_TRUE(op(name).has_kernel(kCPU)) << name;
    EXPECT_TRUE(op(name).differentiable()) << name;
  }
  ClampAttrs c;
  c.min = 0;
  EXPECT_EQ(c.repr(), "min=0, max=None");
  GeluAttrs g;
  g.tanh = true;
  EXPECT_EQ(g.repr(), "approximate=tanh");
}

}  // namespace
}  // namespace tessera
