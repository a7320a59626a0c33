// max_pool2d / avg_pool2d / adaptive_avg_pool2d vs PyTorch 1.13: values, argmax indices (ties, NaNs),
// gradients via backward, and every error path. The case tables are printed by
// tests/ops/make_nn_op_reference.py; inputs are formulas that both sides compute (see `input`).
#include "tessera/ops/pool.h"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "graph/traced_vjp.h"
#include "ops/reference_testing.h"
#include "tessera/ops/apply.h"
#include "tessera/ops/registry.h"
#include "testing.h"

namespace tessera {
namespace {

using testing::expect_error;
using testing::expect_near;
using testing::ivalues;
using testing::reference::expect_values;
using testing::reference::tol;
using testing::reference::upstream;
using testing::reference::wave;
using Pair = std::array<int64_t, 2>;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

// The generator's inputs: kWave x.flat[i] = sin(0.37 i + 0.1); kSteps floor(2 sin(0.37 i + 0.1)) (many ties);
// kTransposed is kWave built as [..., W, H] and viewed as [..., H, W].
enum class Input { kWave, kSteps, kTransposed };

Tensor input(Shape s, Input kind = Input::kWave, DType dt = kFloat64) {
  const bool transposed = kind == Input::kTransposed;
  if (transposed) std::swap(s[s.size() - 1], s[s.size() - 2]);
  const Tensor x = wave(s, dt, [&](double i) {
    const double v = std::sin(0.37 * i + 0.1);
    return kind == Input::kSteps ? std::floor(2 * v) : v;
  });
  return transposed ? x.transpose(-1, -2) : x;
}

// The stride argument: the default (the kernel) when it equals the kernel.
std::optional<Pair> stride_arg(Pair kernel, Pair stride) {
  return stride == kernel ? std::nullopt : std::optional<Pair>(stride);
}

struct MaxPoolCase {
  const char* label;
  Shape x;
  Input input;
  Pair kernel, stride, padding, dilation;
  bool ceil_mode;
  Shape out;
  std::vector<double> y;
  std::vector<int64_t> idx;
};

// make_nn_op_reference.py pool: F.max_pool2d(x, kernel, stride, padding, dilation, ceil_mode, return_indices=True)
const std::vector<MaxPoolCase>& max_pool_cases() {
  static const auto* cases = new std::vector<MaxPoolCase>{
      // clang-format off
      {"2x2 stride 2", {2, 2, 4, 6}, Input::kWave, {2, 2}, {2, 2}, {0, 0}, {1, 1}, false, {2, 2, 2, 3},
       {0.7322314440303, 0.9356160015534, 0.9999576464987, 0.7491743483317, 0.9998717087181, 0.9264154954968,
       0.4302574547138, -0.253571464495, 0.4649953737342, 0.9403403914099, 0.9997393370369, 0.722881349512,
       0.9995605376022, 0.9211981088201, 0.7581322215872, -0.2403643895563, 0.4770180858147, 0.9448901061955,
       0.9993353187176, 0.7133969745223, 0.0543071524375, 0.9158096028908, 0.7669492662654, 0.9990636908422},
       {6, 3, 4, 19, 21, 22, 0, 9, 11, 13, 14, 16, 7, 8, 5, 19, 21, 23, 0, 2, 4, 18, 15, 17}},
      {"3x3 stride 2 padding 1", {1, 2, 5, 6}, Input::kWave, {3, 3}, {2, 2}, {1, 1}, {1, 1}, false, {1, 2, 3, 3},
       {0.7322314440303, 0.9356160015534, 0.9999576464987, 0.7491743483317, 0.9998717087181, 0.9998717087181,
       0.7491743483317, 0.9998717087181, 0.9998717087181, 0.9403403914099, 0.9997393370369, 0.9238282533851,
       0.9403403914099, 0.9997393370369, 0.9238282533851, 0.9995605376022, 0.9995605376022, 0.7581322215872},
       {6, 3, 4, 19, 21, 21, 19, 21, 21, 7, 8, 9, 7, 8, 9, 25, 25, 23}},
      {"ceil_mode, odd size", {1, 2, 5, 7}, Input::kWave, {2, 2}, {2, 2}, {0, 0}, {1, 1}, true, {1, 2, 3, 4},
       {0.4528862853791, 0.9356160015534, 0.9999576464987, 0.7322314440303, 0.9998717087181, 0.7275732909715,
       0.7491743483317, 0.9379999767747, -0.8599756920612, -0.8395044815754, -0.253571464495, 0.1133850198836,
       0.7536707851418, 0.9997393370369, 0.9238282533851, 0.4240958461721, 0.9211981088201, 0.4710176667714,
       0.9426371367703, 0.9995605376022, -0.9763200385412, -0.5751121476144, 0.1269155610279, 0.4770180858147},
       {1, 3, 4, 6, 21, 23, 19, 20, 28, 31, 33, 34, 1, 3, 4, 6, 21, 17, 19, 20, 29, 31, 33, 34}},
      {"ceil_mode, padding: last window dropped", {1, 1, 5, 5}, Input::kWave, {2, 2}, {2, 2}, {1, 1}, {1, 1}, true,
       {1, 1, 3, 3},
       {0.09983341664683, 0.7446431199709, 0.9999576464987, 0.9289597150039, 0.7322314440303, 0.08150215176027,
       0.9379999767747, 0.9998717087181, 0.7491743483317}, {0, 2, 4, 5, 6, 8, 20, 21, 19}},
      {"dilation 2, padding 1", {1, 1, 6, 7}, Input::kWave, {2, 3}, {1, 1}, {1, 1}, {2, 2}, false, {1, 1, 6, 5},
       {0.08150215176027, 0.4363990821601, 0.08150215176027, -0.2844257125365, -0.6118578909427, 0.9356160015534,
       0.9999576464987, 0.9356160015534, 0.9999576464987, 0.9356160015534, 0.9264154954968, 0.9998717087181,
       0.9264154954968, 0.7275732909715, 0.4302574547138, 0.1066116937812, 0.4589514863777, 0.7491743483317,
       0.9379999767747, 0.7491743483317, 0.9997393370369, 0.9998717087181, 0.9997393370369, 0.9403403914099,
       0.9997393370369, -0.8395044815754, -0.5862082407118, -0.253571464495, 0.1133850198836, -0.253571464495},
       {8, 7, 8, 9, 10, 3, 4, 3, 4, 3, 22, 21, 22, 23, 24, 17, 18, 19, 20, 19, 38, 21, 38, 37, 38, 31, 32, 33, 34, 33}},
      {"unbatched 2x2 stride 1", {2, 4, 5}, Input::kWave, {2, 2}, {1, 1}, {0, 0}, {1, 1}, false, {2, 3, 4},
       {0.9289597150039, 0.7446431199709, 0.9356160015534, 0.9999576464987, 0.9289597150039, 0.7322314440303,
       0.4363990821601, 0.08150215176027, -0.2601574914305, 0.1066116937812, 0.4589514863777, 0.7491743483317,
       0.9998717087181, 0.9998717087181, 0.9264154954968, 0.7275732909715, 0.07470829038953, -0.2909522905665,
       -0.253571464495, 0.1133850198836, 0.7536707851418, 0.9403403914099, 0.9997393370369, 0.9997393370369},
       {5, 2, 3, 4, 5, 6, 7, 8, 16, 17, 18, 19, 1, 1, 2, 3, 5, 6, 13, 14, 16, 17, 18, 18}},
      {"transposed input", {1, 2, 5, 4}, Input::kTransposed, {2, 2}, {2, 1}, {1, 0}, {1, 1}, true, {1, 2, 3, 3},
       {0.9289597150039, 0.9289597150039, -0.591715580631, 0.7446431199709, 0.7322314440303, 0.1066116937812,
       0.9999576464987, 0.08150215176027, 0.7491743483317, 0.9379999767747, 0.07470829038953, 0.4649953737342,
       0.9998717087181, -0.2909522905665, 0.9403403914099, 0.7275732909715, 0.1133850198836, 0.9997393370369},
       {1, 1, 3, 8, 5, 11, 16, 13, 19, 0, 1, 3, 4, 5, 11, 12, 18, 15}},
      {"ties", {1, 2, 5, 6}, Input::kSteps, {3, 3}, {2, 2}, {1, 1}, {1, 1}, true, {1, 2, 3, 4},
       {1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0,
       1.0, 1.0}, {6, 2, 3, 5, 6, 19, 21, 23, 19, 19, 21, 23, 6, 7, 9, 5, 6, 7, 9, 23, 24, 25, 23, 23}},
      {"ties, stride 1", {1, 1, 4, 5}, Input::kSteps, {2, 3}, {1, 1}, {0, 1}, {1, 1}, false, {1, 1, 3, 5},
       {1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.0, 0.0, -1.0, 0.0, 0.0, 1.0, 1.0},
       {5, 2, 2, 2, 3, 5, 5, 6, 7, 8, 16, 17, 17, 19, 19}},
      {"ties, 2x2 stride 2, odd size", {1, 2, 5, 7}, Input::kSteps, {2, 2}, {2, 2}, {0, 0}, {1, 1}, false, {1, 2, 2, 3},
       {0.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.0, 1.0}, {0, 2, 4, 21, 23, 19, 1, 2, 4, 21, 16, 18}},
      // clang-format on
  };
  return *cases;
}

TEST(MaxPool2d, ValuesAndIndicesMatchTorch) {
  for (const MaxPoolCase& c : max_pool_cases()) {
    for (DType dt : {kFloat64, kFloat32}) {
      SCOPED_TRACE(std::string(c.label) + " " + std::string(dtype_name(dt)));
      const Tensor x = input(c.x, c.input, dt);
      const auto [y, idx] =
          max_pool2d_with_indices(x, c.kernel, stride_arg(c.kernel, c.stride), c.padding, c.dilation, c.ceil_mode);
      expect_values(y, c.out, c.y, dt);
      EXPECT_EQ(idx.dtype(), kInt64);
      EXPECT_EQ(idx.shape(), c.out);
      EXPECT_EQ(ivalues(idx), c.idx);  // ties: the first maximum in scan order, as torch
      expect_values(max_pool2d(x, c.kernel, c.stride, c.padding, c.dilation, c.ceil_mode), c.out, c.y, dt);
    }
  }
}

// x = input [1, 1, 4, 4] with NaN at flat 5, 10 and 15 (the generator's `nan` values): a NaN wins its window, and torch
// reports the LAST NaN of a window that holds two (10 and 15 share the bottom-right window).
TEST(MaxPool2d, NaNWinsItsWindow) {
  Tensor x = input({1, 1, 4, 4});
  for (int64_t i : {5, 10, 15}) x.view({-1}).narrow(0, i, 1).fill_(kNaN);
  const auto [y, idx] = max_pool2d_with_indices(x, {2, 2});
  expect_values(y, {1, 1, 2, 2}, {kNaN, 0.9356160015534, 0.08150215176027, kNaN}, kFloat64);
  EXPECT_EQ(ivalues(idx), (std::vector<int64_t>{5, 3, 8, 15}));
}

// A window of -inf (or of padding and -inf) reports its first in-bounds cell, as torch (`-inf windows`).
TEST(MaxPool2d, AllNegativeInfinityWindows) {
  const Tensor x = testing::make(std::vector<double>(9, -kInf), kFloat64, {1, 1, 3, 3});
  const auto [y, idx] = max_pool2d_with_indices(x, {2, 2}, Pair{1, 1}, {1, 1});
  expect_values(y, {1, 1, 4, 4}, std::vector<double>(16, -kInf), kFloat64);
  EXPECT_EQ(ivalues(idx), (std::vector<int64_t>{0, 0, 1, 2, 0, 0, 1, 2, 3, 3, 4, 5, 6, 6, 7, 8}));
}

// Dilation 3 with padding 1 puts the rows of a 2-row input's only window at -1 and 2: the window holds no input
// cell. torch gives -inf (and an index past the window, 6..8); the output is constant, so the gradient is zero.
TEST(MaxPool2d, WindowWithNoInputCell) {
  // PyTorch returns -inf with an index outside the plane here; Tessera rejects the configuration.
  const Tensor x = input({1, 1, 2, 3});
  testing::expect_error<ShapeError>(
      [&] {
        max_pool2d(x, {2, 1}, Pair{1, 1}, {1, 0}, {3, 1});
      },
      "max_pool2d: window 0 along dim 2 of input [1, 1, 2, 3] (kernel 2, dilation 3, "
      "padding 1) covers only padding");
}

struct AvgPoolCase {
  const char* label;
  Shape x;
  Input input;
  Pair kernel, stride, padding;
  bool ceil_mode, count_include_pad;
  Shape out;
  std::vector<double> y;
};

// F.avg_pool2d(x, kernel, stride, padding, ceil_mode, count_include_pad)
const std::vector<AvgPoolCase>& avg_pool_cases() {
  static const auto* cases = new std::vector<AvgPoolCase>{
      // clang-format off
      {"2x2 stride 2", {2, 2, 4, 4}, Input::kWave, {2, 2}, {2, 2}, {0, 0}, false, true, {2, 2, 2, 2},
       {0.6204092658821, 0.7122224119287, -0.5421599350185, -0.7258097968988, 0.4460814719609, 0.7155286552944,
       -0.3353334528937, -0.6817170863016, 0.2135578678362, 0.62548699601, -0.0847593524388, -0.5486875319649,
       -0.04682650595779, 0.4538442732594, 0.176872457196, -0.3440761759209}},
      {"3x3 stride 2 padding 1, count_include_pad", {1, 2, 5, 6}, Input::kWave, {3, 3}, {2, 2}, {1, 1}, false, true,
       {1, 2, 3, 3},
       {0.1912611364685, 0.2629578809208, 0.1235301983791, 0.04567113128909, 0.05611998165856, 0.01731528214021,
       0.1903435088681, 0.2059520210816, 0.02114745495499, -0.01385233713056, 0.1316248661166, 0.2661793753547,
       0.005333429680546, 0.04143708454218, 0.06571991271099, 0.05841575135363, 0.214602247252, 0.2829426471081}},
      {"3x3 stride 2 padding 1, exclude pad", {1, 2, 5, 6}, Input::kWave, {3, 3}, {2, 2}, {1, 1}, false, false,
       {1, 2, 3, 3},
       {0.4303375570541, 0.3944368213812, 0.1852952975686, 0.06850669693364, 0.05611998165856, 0.01731528214021,
       0.4282728949532, 0.3089280316224, 0.03172118243249, -0.03116775854376, 0.1974372991749, 0.399269063032,
       0.008000144520819, 0.04143708454218, 0.06571991271099, 0.1314354405457, 0.3219033708779, 0.4244139706621}},
      {"ceil_mode edge, count_include_pad", {1, 1, 6, 6}, Input::kWave, {3, 3}, {2, 2}, {1, 1}, true, true,
       {1, 1, 4, 4},
       {0.1912611364685, 0.2629578809208, 0.1235301983791, 0.01208029013981, 0.04567113128909, 0.05611998165856,
       0.01731528214021, -0.003715498235386, -0.01173229232378, 0.01936488921691, 0.05723733596864, 0.03437413334811,
       -0.3031137017878, -0.279880697797, 0.05413482152047, 0.1162488434336}},
      {"ceil_mode edge, exclude pad", {1, 1, 6, 6}, Input::kWave, {3, 3}, {2, 2}, {1, 1}, true, false, {1, 1, 4, 4},
       {0.4303375570541, 0.3944368213812, 0.1852952975686, 0.03624087041943, 0.06850669693364, 0.05611998165856,
       0.01731528214021, -0.007430996470773, -0.01759843848567, 0.01936488921691, 0.05723733596864, 0.06874826669623,
       -0.9093411053634, -0.5597613955941, 0.1082696430409, 0.4649953737342}},
      {"ceil_mode, no padding", {1, 1, 5, 7}, Input::kWave, {2, 2}, {2, 2}, {0, 0}, true, true, {1, 1, 3, 4},
       {0.2676552339866, 0.1959938795113, 0.02181540145844, -0.1241534768819, 0.1228459704319, 0.251071237009,
       0.2479704586331, 0.1603830664308, -0.9231497783391, -0.9093411053634, -0.4198898526034, 0.1133850198836}},
      {"unbatched, padding", {2, 4, 5}, Input::kWave, {2, 3}, {1, 2}, {1, 1}, false, true, {2, 5, 3},
       {0.09211995033765, 0.3555242344839, 0.3225956080087, 0.36898514351, 0.563879680809, 0.288775014546,
       0.03214254898773, -0.2620102459187, -0.3377749500711, -0.3867014895282, -0.4194647441224, -0.1026000508235,
       -0.1419788453436, 0.05090094812141, 0.2013543057849, 0.3229786142488, 0.4423100825311, 0.1929717909475,
       0.2869379475527, 0.1476164447742, -0.1147448018322, -0.3391543684839, -0.5745743355538, -0.3310810002149,
       -0.1000026753085, 0.1690777211344, 0.2972301909684, 0.2031110264793, 0.4489584189314, 0.3205945984037}},
      {"transposed input", {1, 2, 5, 4}, Input::kTransposed, {2, 2}, {1, 1}, {1, 0}, false, false, {1, 2, 6, 3},
       {0.5143965658253, 0.1585509120306, -0.6017867357869, 0.553477715265, 0.0482138234816, -0.5800522342923,
       0.5915399828851, -0.1682563073696, -0.4988003883295, 0.5495400888612, -0.3619537363444, -0.3500382497848,
       0.433162521819, -0.5066624251067, -0.1539000762353, 0.3577659669811, -0.5638067271964, -0.04700669676236,
       0.5063541335821, -0.4522347193809, -0.2570911777085, 0.430406921329, -0.5087315527259, -0.1500040129627,
       0.2545252674338, -0.5834747141917, 0.06707461356612, 0.04419481262345, -0.5792473102953, 0.27507500581,
       -0.1721172027482, -0.4966215003224, 0.4458452864527, -0.2780332049516, -0.4364694223667, 0.5186066366344}},
      // clang-format on
  };
  return *cases;
}

TEST(AvgPool2d, MatchesTorch) {
  for (const AvgPoolCase& c : avg_pool_cases()) {
    for (DType dt : {kFloat64, kFloat32}) {
      SCOPED_TRACE(std::string(c.label) + " " + std::string(dtype_name(dt)));
      const Tensor y = avg_pool2d(input(c.x, c.input, dt), c.kernel, stride_arg(c.kernel, c.stride), c.padding,
                                  c.ceil_mode, c.count_include_pad);
      expect_values(y, c.out, c.y, dt);
    }
  }
}

enum class Pool { kMax, kAvg };

struct PoolGradCase {
  const char* label;
  Pool pool;
  Shape x;
  Pair kernel, stride, padding;
  bool ceil_mode, count_include_pad;
  std::vector<double> gx;
};

// The gradient of sum(pool(x) * g) with respect to x, from y.backward(g).
const std::vector<PoolGradCase>& pool_grad_cases() {
  static const auto* cases = new std::vector<PoolGradCase>{
      // clang-format off
      {"max 3x3 stride 2 padding 1 (overlapping windows)", Pool::kMax, {1, 2, 5, 5}, {3, 3}, {2, 2}, {1, 1}, false,
       true,
       {0.0, 0.0, 0.0, 0.1097783008372, 0.2182296230809, 0.3240430283949, 0.425939465066, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
       0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.29342610783, 0.0, 1.309252090601, 0.0, 0.0, 0.0, 0.8360259786005, 0.0, 0.0, 0.0,
       0.0, 0.0, 0.0, 0.0, 0.8912073600614, 0.9356160015534, 0.0, 0.9687151001183, 0.0, 1.989630390943, 0.0,
       0.9968650284539, 0.9821543171376, 0.0, 0.9555715168529, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0}},
      {"max ceil_mode", Pool::kMax, {1, 1, 5, 7}, {2, 2}, {2, 2}, {0, 0}, true, true,
       {0.0, 0.0, 0.0, 0.1097783008372, 0.2182296230809, 0.0, 0.3240430283949, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
       0.0, 0.0, 0.0, 0.0, 0.6131168519734, 0.6961352386274, 0.425939465066, 0.0, 0.5226872289307, 0.0, 0.0, 0.0, 0.0,
       0.770738878899, 0.0, 0.0, 0.8360259786005, 0.0, 0.8912073600614, 0.9356160015534}},
      {"max 2x2 stride 2, odd size", Pool::kMax, {1, 2, 5, 7}, {2, 2}, {2, 2}, {0, 0}, false, true,
       {0.0, 0.0, 0.0, 0.1097783008372, 0.2182296230809, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
       0.0, 0.0, 0.5226872289307, 0.0, 0.3240430283949, 0.0, 0.425939465066, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
       0.0, 0.0, 0.0, 0.0, 0.6131168519734, 0.0, 0.6961352386274, 0.770738878899, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
       0.0, 0.0, 0.0, 0.0, 0.0, 0.8912073600614, 0.0, 0.9356160015534, 0.0, 0.8360259786005, 0.0, 0.0, 0.0, 0.0, 0.0,
       0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0}},
      {"max 3x3 stride 2 padding 1 on 6x6 (2x2-sized, overlapping)", Pool::kMax, {1, 2, 6, 6}, {3, 3}, {2, 2}, {1, 1},
       false, true,
       {0.0, 0.0, 0.0, 0.1097783008372, 0.2182296230809, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
       0.0, 0.0, 0.9371598803683, 0.0, 2.415500811523, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
       0.0, 0.0, 0.8360259786005, 0.8912073600614, 0.9356160015534, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
       0.0, 0.0, 0.0, 0.9995258306055, 0.0, 3.937839006047, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
       0.0, 0.0, 0.0, 0.9555715168529}},
      {"avg ceil_mode edge, count_include_pad", Pool::kAvg, {1, 1, 6, 6}, {3, 3}, {2, 2}, {1, 1}, true, true,
       {0.0, 0.01219758898191, 0.01219758898191, 0.03644532487978, 0.02424773589787, 0.07825490729702, 0.04732660722956,
       0.1176005549815, 0.07027394775198, 0.1626457783136, 0.09237183056159, 0.262401541732, 0.04732660722956,
       0.1054029659996, 0.05807635877007, 0.1262004534338, 0.06812409466371, 0.1841466344349, 0.1329642604406,
       0.2839323946107, 0.1509681341701, 0.3181152688407, 0.1671471346705, 0.4391056747007, 0.085637653211,
       0.1785294286111, 0.09289177540006, 0.1919148154069, 0.09902304000683, 0.2549590402657, 0.2470901698974,
       0.5049993720203, 0.2579092021229, 0.523519880564, 0.2656106784411, 0.6707629358135}},
      {"avg ceil_mode edge, exclude pad", Pool::kAvg, {1, 1, 6, 6}, {3, 3}, {2, 2}, {1, 1}, true, false,
       {0.0, 0.01829638347286, 0.01829638347286, 0.05466798731967, 0.03637160384681, 0.1983931180442, 0.07098991084433,
       0.1473626530873, 0.07637274224294, 0.1808684407535, 0.1044956985105, 0.4985622922504, 0.07098991084433,
       0.1290662696144, 0.05807635877007, 0.1262004534338, 0.06812409466371, 0.3001691742062, 0.1994463906608,
       0.350414524831, 0.1509681341701, 0.3181152688407, 0.1671471346705, 0.7110642147308, 0.1284564798165,
       0.2213482552166, 0.09289177540006, 0.1919148154069, 0.09902304000683, 0.4108950405246, 0.6128140298756,
       1.035740658721, 0.4229266288458, 0.8551249457211, 0.4321983168753, 1.740935345847}},
      // clang-format on
  };
  return *cases;
}

TEST(Pool2d, GradientsMatchTorch) {
  for (const PoolGradCase& c : pool_grad_cases()) {
    for (DType dt : {kFloat64, kFloat32}) {  // both dtypes take the 2x2 loops; float32 runs them vectorized
      SCOPED_TRACE(std::string(c.label) + " " + std::string(dtype_name(dt)));
      const Tensor x = input(c.x, Input::kWave, dt).requires_grad_();
      const Tensor y = c.pool == Pool::kMax
                           ? max_pool2d(x, c.kernel, c.stride, c.padding, {1, 1}, c.ceil_mode)
                           : avg_pool2d(x, c.kernel, c.stride, c.padding, c.ceil_mode, c.count_include_pad);
      y.backward(upstream(y.shape()).to(dt));
      expect_values(x.grad(), c.x, c.gx, dt);
    }
  }
}

// The same gradients from a traced graph with a dynamic batch and its symbolic gradients, run on twice the batch.
TEST(Pool2d, GraphModeWithADynamicBatchMatchesTorch) {
  for (const PoolGradCase& c : pool_grad_cases()) {
    for (DType dt : {kFloat64, kFloat32}) {
      SCOPED_TRACE(std::string(c.label) + " " + std::string(dtype_name(dt)));
      auto f = [&](const std::vector<Tensor>& in) {
        return c.pool == Pool::kMax
                   ? max_pool2d(in[0], c.kernel, c.stride, c.padding, {1, 1}, c.ceil_mode)
                   : avg_pool2d(in[0], c.kernel, c.stride, c.padding, c.ceil_mode, c.count_include_pad);
      };
      const Tensor x = input(c.x, Input::kWave, dt);
      const std::vector<Tensor> got = testing::traced_vjp(f, {x}, upstream(f({x}).shape()).to(dt));
      expect_values(got[1], c.x, c.gx, dt);
    }
  }
}

struct AdaptiveCase {
  Shape x;
  Pair output_size;
  Shape out;
  std::vector<double> y;
};

// F.adaptive_avg_pool2d(x, output_size)
const std::vector<AdaptiveCase>& adaptive_cases() {
  static const auto* cases = new std::vector<AdaptiveCase>{
      // clang-format off
      {{2, 3, 5, 7}, {1, 1}, {2, 3, 1, 1},
       {0.003156898585447, 0.013947391259, 0.02271027659265, 0.02817164677877, 0.02953755303727, 0.02660942622329}},
      {{1, 2, 6, 8}, {3, 4}, {1, 2, 3, 4},
       {0.08744903531243, 0.05298081410413, -0.00919970444883, -0.06656819907426, 0.08785498686351, 0.07498492505741,
       0.02289303220367, -0.04117335606462, 0.07679937261932, 0.08720649909523, 0.0519991427781, -0.0104070350502,
       0.0557245085438, 0.08805110908308, 0.07432144269445, 0.02171698825546, 0.02737982241394, 0.07740856716148,
       0.08694776363619, 0.05100781223287, -0.004536836659797, 0.05666729985941, 0.08823087516835, 0.07364415458263}},
      {{2, 6, 4}, {2, 2}, {2, 2, 2},
       {0.3797855837921, 0.2300922971012, -0.03023171524238, 0.2378685497817, -0.3635189194636, -0.3580813252648,
       0.2258289611327, -0.04519708957296}},
      // clang-format on
  };
  return *cases;
}

TEST(AdaptiveAvgPool2d, MatchesTorch) {
  for (const AdaptiveCase& c : adaptive_cases()) {
    SCOPED_TRACE(shape_str(c.x));
    expect_values(adaptive_avg_pool2d(input(c.x), c.output_size), c.out, c.y, kFloat64);
  }
}

TEST(Pool2d, ZeroSizedBatch) {
  const Tensor x = input({0, 2, 4, 4});
  const auto [y, idx] = max_pool2d_with_indices(x, {2, 2});
  EXPECT_EQ(y.shape(), (Shape{0, 2, 2, 2}));
  EXPECT_EQ(idx.shape(), (Shape{0, 2, 2, 2}));
  EXPECT_EQ(avg_pool2d(x, {3, 3}, Pair{1, 1}, {1, 1}).shape(), (Shape{0, 2, 4, 4}));
}

// The 2x2 backward (Note [2x2 max pooling]) writes every cell without a zero fill: on a block the cache hands
// back full of 7s, the cells outside every window (odd sizes) and off the argmax must still be 0. Indices from
// elsewhere that leave their 2x2 window take the scatter instead. Expected: the scatter-add written out here.
TEST(MaxPool2d, TwoByTwoBackwardWritesEveryCellAndFallsBackToTheScatter) {
  const Tensor x = randn({4, 32, 15, 17});  // 127.5 KiB: a cached block
  auto [y, idx] = max_pool2d_with_indices(x, {2, 2});
  const Tensor gy = randn(y.shape());
  const int64_t per_out = 7 * 8, per_in = 15 * 17;
  const auto expected = [&](const Tensor& at) {
    std::vector<double> e(static_cast<size_t>(x.numel()), 0.0);
    const std::vector<int64_t> a = ivalues(at);
    const std::vector<double> g = testing::doubles(gy);
    for (size_t k = 0; k < a.size(); ++k) e[k / per_out * per_in + a[k]] += g[k];
    return e;
  };
  for (int variant = 0; variant < 2; ++variant) {
    if (variant == 1) idx.view({-1}).narrow(0, per_out + 3, 1).fill_(per_in - 1);  // plane 1: outside its window
    full(x.shape(), 7.0f);  // freed at once into the cache, dirty, for max_pool2d_backward's result
    Pool2dAttrs windows;
    windows.kernel = windows.stride = {2, 2};
    const Tensor gx = max_pool2d_backward(gy, idx, x.shape(), windows);
    EXPECT_EQ(testing::doubles(gx), expected(idx)) << "variant " << variant;
  }
}

TEST(MaxPool2d, BackwardOpAddsAtTheIndicesAndRejectsIndicesOutsideThePlane) {
  // Hand-computed: a 2x3 plane, two windows whose argmax is the same cell (index 4) and one at cell 0.
  static const OpDef& d = op("max_pool2d_backward");
  Pool2dAttrs a;
  a.size = {1, 1, 2, 3};
  const Tensor g = tensor<double>({1.5, -2.0, 0.25}).view({1, 1, 1, 3});
  const Tensor gx = apply1(d, {g, tensor<int64_t>({4, 0, 4}).view({1, 1, 1, 3})}, a);
  EXPECT_EQ(testing::doubles(gx), (std::vector<double>{-2.0, 0, 0, 0, 1.75, 0}));
  expect_error<IndexError>(
      [&] {
        apply1(d, {g, tensor<int64_t>({4, 6, 0}).view({1, 1, 1, 3})}, a);
      },
      {"max_pool2d_backward", "index 6", "plane of 6"});
  expect_error<DTypeError>(
      [&] {
        apply1(d, {g, tensor<int32_t>({4, 0, 0}).view({1, 1, 1, 3})}, a);
      },
      {"max_pool2d_backward", "int64"});
}

TEST(Pool2d, Errors) {
  const Tensor x = input({1, 2, 5, 5});
  // Padding beyond half the kernel, and bad kernel/stride/dilation.
  expect_error<ValueError>([&] { max_pool2d(x, {3, 3}, {}, {2, 0}); }, {"max_pool2d", "padding 2"});
  expect_error<ValueError>([&] { avg_pool2d(x, {2, 2}, {}, {0, 2}); }, {"avg_pool2d", "padding 2"});
  expect_error<ValueError>([&] { max_pool2d(x, {2, 2}, {}, {-1, 0}); }, {"max_pool2d", "padding -1"});
  expect_error<ValueError>([&] { max_pool2d(x, {0, 2}); }, {"max_pool2d", "kernel"});
  expect_error<ValueError>([&] { avg_pool2d(x, {2, 2}, Pair{2, 0}); }, {"avg_pool2d", "stride"});
  expect_error<ValueError>([&] { max_pool2d(x, {2, 2}, {}, {0, 0}, {1, 0}); }, {"max_pool2d", "dilation"});
  // Input too small for the window, or of the wrong rank.
  expect_error<ShapeError>([&] { max_pool2d(input({1, 1, 1, 5}), {2, 2}); }, {"max_pool2d", "[1, 1, 1, 5]"});
  expect_error<ShapeError>([&] { avg_pool2d(input({1, 1, 5, 2}), {3, 3}, {}, {1, 0}); }, {"avg_pool2d", "too small"});
  expect_error<ShapeError>([&] { max_pool2d(input({1, 5, 5, 5}), {2, 3}, {}, {0, 0}, {5, 1}); }, "max_pool2d");
  expect_error<ShapeError>([&] { max_pool2d(input({5, 5}), {2, 2}); }, {"max_pool2d", "[5, 5]"});
  expect_error<ShapeError>([&] { avg_pool2d(input({1, 1, 1, 5, 5}), {2, 2}); }, {"avg_pool2d", "[1, 1, 1, 5, 5]"});
  // Dtypes.
  for (DType dt : {kInt32, kInt64, kFloat16}) {
    SCOPED_TRACE(dtype_name(dt));
    expect_error<DTypeError>([&] { max_pool2d(x.to(dt), {2, 2}); }, "max_pool2d");
    expect_error<DTypeError>([&] { avg_pool2d(x.to(dt), {2, 2}); }, "avg_pool2d");
  }
  // avg_pool2d_backward checks grad_output against avg_pool2d of the input shape.
  Pool2dAttrs a;
  a.kernel = {2, 2}, a.stride = {2, 2};
  expect_error<ShapeError>(
      [&] {
        avg_pool2d_backward(input({1, 2, 3, 3}), {1, 2, 5, 5}, a);
      },
      {"avg_pool2d_backward", "[1, 2, 3, 3]", "[1, 2, 2, 2]"});
  // adaptive_avg_pool2d.
  expect_error<ShapeError>([&] { adaptive_avg_pool2d(input({5, 5}), {1, 1}); }, {"adaptive_avg_pool2d", "[5, 5]"});
  expect_error<ValueError>([&] { adaptive_avg_pool2d(x, {0, 1}); }, "adaptive_avg_pool2d");
  // Any output size works (tests/nn/pooling1d_test.cpp compares non-divisible sizes with PyTorch); empty planes
  // do not.
  EXPECT_EQ(adaptive_avg_pool2d(x, {2, 3}).shape(), (Shape{1, 2, 2, 3}));
  expect_error<ShapeError>(
      [&] {
        adaptive_avg_pool2d(input({1, 2, 0, 5}), {2, 2});
      },
      {"adaptive_avg_pool2d", "[1, 2, 0, 5]"});
}

}  // namespace
}  // namespace tessera
