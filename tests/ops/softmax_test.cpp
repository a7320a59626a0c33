// softmax / log_softmax vs PyTorch 1.13: every dim of a [2, 3, 4] tensor, non-contiguous inputs, large values,
// -inf entries, gradients via backward, and the error paths. The case tables are printed by
// tests/ops/make_nn_op_reference.py; inputs are formulas that both sides compute (see `input`).
#include "tessera/ops/softmax.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "ops/reference_testing.h"
#include "tessera/autograd/engine.h"
#include "testing.h"

namespace tessera {
namespace {

using testing::doubles;
using testing::expect_error;
using testing::expect_near;
using testing::reference::expect_values;
using testing::reference::tol;
using testing::reference::upstream;
using testing::reference::wave;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

// The generator's inputs, from s_i = sin(0.37 i + 0.1): kWave 3 s; kTransposed 3 s of [2, 3, 4] viewed as
// [4, 3, 2]; kLarge 1000 + 3 s; kSpread 1000 s; kMaskedInf 3 s with -inf at flat 0, 3, 4, 5, 6, 7 (those present).
enum class Input { kWave, kTransposed, kLarge, kSpread, kMaskedInf };

Tensor input(Input kind, const Shape& s, DType dt = kFloat64) {
  if (kind == Input::kTransposed) return input(Input::kWave, {2, 3, 4}, dt).transpose(0, 2);
  return wave(s, dt, [&](double i) {
    const double v = std::sin(0.37 * i + 0.1);
    if (kind == Input::kMaskedInf && (i == 0 || (i >= 3 && i <= 7))) return -kInf;
    return kind == Input::kLarge ? 1000 + 3 * v : kind == Input::kSpread ? 1000 * v : 3 * v;
  });
}

struct SoftmaxCase {
  const char* label;
  Input input;
  Shape x;
  int64_t dim;
  std::vector<double> softmax, log_softmax;
};

// make_nn_op_reference.py softmax: torch.softmax(x, dim), torch.log_softmax(x, dim)
const std::vector<SoftmaxCase>& softmax_cases() {
  static const auto* cases = new std::vector<SoftmaxCase>{
      // clang-format off
      {"dim 0", Input::kWave, {2, 3, 4}, 0,
       {0.9628535671362, 0.9866167012558, 0.9915364968525, 0.9898692222811, 0.9776940954492, 0.9217989497858,
       0.6942023485243, 0.281238647499, 0.07112776221191, 0.02077741770602, 0.009806837810144, 0.008559189099068,
       0.03714643286375, 0.01338329874421, 0.008463503147482, 0.0101307777189, 0.02230590455078, 0.07820105021417,
       0.3057976514757, 0.718761352501, 0.9288722377881, 0.979222582294, 0.9901931621899, 0.9914408109009},
       {-0.03785393779471, -0.01347366223356, -0.00849952196448, -0.01018244328526, -0.02255844371425,
       -0.08142813800443, -0.3649917924944, -1.268551690726, -2.64327755127, -3.873888569271, -4.624675400881,
       -4.760749824733, -3.292887532247, -4.313747711753, -4.771992107446, -4.592177189838, -3.802903857502,
       -2.548472201672, -1.184831665452, -0.3302258922114, -0.0737840762265, -0.02099630550677, -0.009855241562544,
       -0.008596029323678}},
      {"dim 1", Input::kWave, {2, 3, 4}, 1,
       {0.05941146068268, 0.1893667752142, 0.5049139363423, 0.8141466452656, 0.8843561252228, 0.7898997455041,
       0.4864591659834, 0.1820879378683, 0.05623241409456, 0.02073347928169, 0.00862689767431, 0.003765416866026,
       0.003028551192791, 0.002454047939391, 0.003955226290564, 0.009157882504346, 0.02665949097066, 0.06401959164886,
       0.1966558999291, 0.5114678715516, 0.9703119578365, 0.9335263604117, 0.7993888737803, 0.4793742459441},
       {-2.823268130438, -1.664069534874, -0.6833672873151, -0.2056147753164, -0.1228954408826, -0.2358492459993,
       -0.7206023151369, -1.703265533496, -2.878261925098, -3.87600552862, -4.752870320056, -5.581896702472,
       -5.799670928008, -6.01001639768, -5.532717463075, -4.693140294667, -3.624610057787, -2.748566122954,
       -1.626299778372, -0.6704705077791, -0.03013765317178, -0.0687860781433, -0.223907751015, -0.7352736798598}},
      {"dim -1", Input::kWave, {2, 3, 4}, -1,
       {0.04333436560354, 0.124973859236, 0.2998778104225, 0.5318139647379, 0.4097589786485, 0.3311512883324,
       0.1835322722278, 0.07555746079134, 0.6585454357615, 0.2196971319233, 0.08226562897871, 0.03949180333651,
       0.1470431876587, 0.1491040655033, 0.225134152119, 0.478718594719, 0.03002203575337, 0.0902189228516,
       0.2596302674218, 0.6201287739733, 0.2701452081169, 0.3252437229663, 0.2609179991453, 0.1436930697715},
       {-3.138809295858, -2.079650689662, -1.204380185886, -0.6314615411386, -0.8921861490943, -1.105179943579,
       -1.6953647565, -2.58286184211, -0.4177217613006, -1.515505354191, -2.49780188941, -3.231662139076,
       -1.917028941756, -1.903110790626, -1.491058822813, -0.7366423391371, -3.505823641839, -2.405516086204,
       -1.348496708415, -0.4778281225528, -1.30879565671, -1.12318046088, -1.343549100544, -1.94007571412}},
      {"transposed input, dim 1", Input::kTransposed, {4, 3, 2}, 1,
       {0.05941146068268, 0.003028551192791, 0.8843561252228, 0.02665949097066, 0.05623241409456, 0.9703119578365,
       0.1893667752142, 0.002454047939391, 0.7898997455041, 0.06401959164886, 0.02073347928169, 0.9335263604117,
       0.5049139363423, 0.003955226290564, 0.4864591659834, 0.1966558999291, 0.00862689767431, 0.7993888737803,
       0.8141466452656, 0.009157882504346, 0.1820879378683, 0.5114678715516, 0.003765416866026, 0.4793742459441},
       {-2.823268130438, -5.799670928008, -0.1228954408826, -3.624610057787, -2.878261925098, -0.03013765317178,
       -1.664069534874, -6.01001639768, -0.2358492459993, -2.748566122954, -3.87600552862, -0.0687860781433,
       -0.6833672873151, -5.532717463075, -0.7206023151369, -1.626299778372, -4.752870320056, -0.223907751015,
       -0.2056147753164, -4.693140294667, -1.703265533496, -0.6704705077791, -5.581896702472, -0.7352736798598}},
      {"transposed input, dim -1", Input::kTransposed, {4, 3, 2}, -1,
       {0.9628535671362, 0.03714643286375, 0.9776940954492, 0.02230590455078, 0.07112776221191, 0.9288722377881,
       0.9866167012558, 0.01338329874421, 0.9217989497858, 0.07820105021417, 0.02077741770602, 0.979222582294,
       0.9915364968525, 0.008463503147482, 0.6942023485243, 0.3057976514757, 0.009806837810144, 0.9901931621899,
       0.9898692222811, 0.0101307777189, 0.281238647499, 0.718761352501, 0.008559189099068, 0.9914408109009},
       {-0.03785393779471, -3.292887532247, -0.02255844371425, -3.802903857502, -2.64327755127, -0.0737840762265,
       -0.01347366223356, -4.313747711753, -0.08142813800443, -2.548472201672, -3.873888569271, -0.02099630550677,
       -0.00849952196448, -4.771992107446, -0.3649917924944, -1.184831665452, -4.624675400881, -0.009855241562544,
       -0.01018244328526, -4.592177189838, -1.268551690726, -0.3302258922114, -4.760749824733, -0.008596029323678}},
      {"values ~1e3", Input::kLarge, {3, 4}, 1,
       {0.04333436560354, 0.124973859236, 0.2998778104225, 0.5318139647379, 0.4097589786485, 0.3311512883324,
       0.1835322722278, 0.07555746079134, 0.6585454357615, 0.2196971319233, 0.08226562897872, 0.03949180333651},
       {-3.138809295858, -2.079650689662, -1.204380185886, -0.6314615411386, -0.8921861490943, -1.105179943579,
       -1.6953647565, -2.58286184211, -0.4177217613006, -1.515505354191, -2.497801889409, -3.231662139076}},
      {"values +-1e3", Input::kSpread, {3, 4}, 1,
       {0.0, 2.255007625244e-210, 1.1522091919e-83, 1.0, 1.0, 1.465514518452e-31, 5.345491053475e-117,
       1.776745721951e-245, 1.0, 1.201013146487e-159, 7.543267029506e-302, 0.0},
       {-835.7825849066, -482.7297161743, -190.9728815825, 0.0, 0.0, -70.99793149487, -267.7262024685, -563.5585643386,
       0.0, -365.9278642967, -693.360042703, -937.9801259253}},
      {"-inf entries", Input::kMaskedInf, {3, 4}, 1,
       {0.0, 0.2941588044987, 0.7058411955013, 0.0, kNaN, kNaN, kNaN, kNaN, 0.6585454357615, 0.2196971319233,
       0.08226562897871, 0.03949180333651},
       {-kInf, -1.223635506117, -0.3483650023412, -kInf, kNaN, kNaN, kNaN, kNaN, -0.4177217613006, -1.515505354191,
       -2.49780188941, -3.231662139076}},
      // clang-format on
  };
  return *cases;
}

TEST(Softmax, MatchesTorch) {
  for (const SoftmaxCase& c : softmax_cases()) {
    // float32 inputs of ~1e3 lose digits before the op runs: those cases are checked in float64 only.
    const bool moderate = c.input == Input::kWave || c.input == Input::kTransposed;
    for (DType dt : {kFloat64, kFloat32}) {
      if (dt == kFloat32 && !moderate) continue;
      SCOPED_TRACE(std::string(c.label) + " " + std::string(dtype_name(dt)));
      const Tensor x = input(c.input, c.x, dt);
      expect_values(softmax(x, c.dim), c.x, c.softmax, dt);
      expect_values(log_softmax(x, c.dim), c.x, c.log_softmax, dt);
    }
  }
}

struct SoftmaxGradCase {
  const char* label;
  Input input;
  Shape x;
  int64_t dim;
  std::vector<double> softmax_grad, log_softmax_grad;
};

// The gradients of sum(softmax(x) * g) and sum(log_softmax(x) * g) with respect to x, from y.backward(g).
const std::vector<SoftmaxGradCase>& softmax_grad_cases() {
  static const auto* cases = new std::vector<SoftmaxGradCase>{
      // clang-format off
      {"dim 1", Input::kWave, {2, 3, 4}, 1,
       {-0.0249541610992, -0.06461465134455, -0.09992358997069, -0.05703612641226, 0.005232542724994, 0.05663156975072,
       0.09582516211623, 0.05499709051256, 0.0197216183742, 0.007983081593835, 0.004098427854457, 0.002039035899703,
       0.0004697399020813, 0.0005806733642639, 0.001135512364779, 0.002458238037007, 0.004493271952225,
       0.01293743419354, 0.04031519796424, 0.07149206096884, -0.004963011854306, -0.0135181075578, -0.04145071032902,
       -0.07395029900585},
       {-0.07109640838229, -0.168305200532, -0.6515118143689, -1.268260314196, -0.6323503583408, -0.6372738398044,
       -0.2248352500185, 0.3400086933677, 0.7034467667231, 0.8055790403364, 0.8763470643874, 0.928251620828,
       0.9603582194695, 0.9835162235894, 0.9893310569071, 0.974526647435, 0.9085910289459, 0.7836993127826,
       0.4105485262228, -0.3793843225499, -1.868949248415, -1.767215536372, -1.39987958313, -0.595142324885}},
      {"transposed input, dim 1", Input::kTransposed, {4, 3, 2}, 1,
       {-0.01288897824025, -0.001230690115609, 0.001136676038718, -0.005121233068668, 0.01175230220153,
       0.006351923184277, -0.02466907165259, -0.0005706087311288, 0.02160426687979, -0.005929917945092,
       0.003064804772794, 0.006500526676221, -0.007626271093951, 0.0001039269121504, 0.007640633877745,
       0.006496785846515, -1.436278379411e-05, -0.006600712758666, 0.01693760060399, 0.001896073443527,
       -0.0160487640166, 0.03980932108875, -0.0008888365873885, -0.04170539453228},
       {-0.03827102645344, 0.1068814657024, -0.351445255701, 0.2985429971252, 0.3897162821544, -0.4054244628276,
       0.1822954910344, 0.6900791950287, -1.026332877635, 0.6780398887738, 0.844037386601, -1.368119083803,
       -0.5209805782449, 0.9784661443951, -0.4357209809906, 0.4181969592451, 0.9567015592355, -1.39666310364,
       -1.025535682076, 0.8482376517234, 0.3739407067392, -0.376706650243, 0.6515949753371, -0.4715310014804}},
      {"values +-1e3", Input::kSpread, {3, 4}, 1,
       {-0.0, -4.831685944635e-211, -1.21919178229e-84, 0.0, 0.0, 1.417852525714e-32, 1.000555047127e-117,
       4.800691847643e-246, 0.0, 7.841066503755e-161, 9.087259220474e-303, 0.0},
       {0.0, 0.1097783008372, 0.2182296230809, -0.328007923918, -1.831939319531, 0.5226872289307, 0.6131168519734,
       0.6961352386274, -2.662849340215, 0.8360259786005, 0.8912073600614, 0.9356160015534}},
      {"-inf entries, one row", Input::kMaskedInf, {1, 4}, 1, {-0.0, -0.02251768320901, 0.02251768320901, 0.0},
       {0.0, -0.08202822776742, -0.2420148006274, 0.3240430283949}},
      // clang-format on
  };
  return *cases;
}

TEST(Softmax, GradientsMatchTorch) {
  for (const SoftmaxGradCase& c : softmax_grad_cases()) {
    SCOPED_TRACE(c.label);
    for (bool log : {false, true}) {
      const Tensor x = input(c.input, c.x).requires_grad_();
      const Tensor y = log ? log_softmax(x, c.dim) : softmax(x, c.dim);
      y.backward(upstream(y.shape()));
      expect_values(x.grad(), c.x, log ? c.log_softmax_grad : c.softmax_grad, kFloat64);
    }
  }
}

// Plain eager backward runs the fused backward ops (softmax_backward, log_softmax_backward); with create_graph the
// rules use tensor ops. Both agree on lines along the last dim longer than the kernel's 8 lanes and not a multiple of
// them, and on strided lines, in both dtypes.
TEST(Softmax, FusedBackwardEqualsTheTensorOpRule) {
  const std::vector<std::pair<Shape, int64_t>> cases{{{5, 37}, 1}, {{2, 3, 20}, -1}, {{3, 19, 6}, 1}, {{9, 4}, 0}};
  for (const auto& [shape, dim] : cases) {
    for (DType dt : {kFloat64, kFloat32}) {
      for (bool log : {false, true}) {
        SCOPED_TRACE(shape_str(shape) + " dim " + std::to_string(dim) + " " + std::string(dtype_name(dt)) +
                     (log ? " log_softmax" : " softmax"));
        const Tensor x = input(Input::kWave, shape, dt).requires_grad_(), g = upstream(shape).to(dt);
        auto gradient = [&](bool create_graph) {
          const Tensor y = log ? log_softmax(x, dim) : softmax(x, dim);
          return grad({y}, {x}, {g}, create_graph, create_graph)[0];
        };
        const Tensor fused = gradient(false), composite = gradient(true);
        EXPECT_FALSE(fused.requires_grad());
        EXPECT_TRUE(composite.requires_grad());
        expect_near(fused, doubles(composite), tol(dt), tol(dt));
      }
    }
  }
}

// A float64 seed for a float32 output, as PyTorch accepts: the fused backward takes it in the output's dtype.
TEST(Softmax, BackwardTakesASeedOfAnotherDtype) {
  const Tensor x = input(Input::kWave, {3, 11}, kFloat32).requires_grad_(), g = upstream({3, 11});
  for (bool log : {false, true}) {
    const Tensor y = log ? log_softmax(x, 1) : softmax(x, 1);
    const Tensor gx = grad({y}, {x}, {g})[0];
    EXPECT_EQ(gx.dtype(), kFloat32);
    const Tensor x64 = x.detach().to(kFloat64).requires_grad_();
    const Tensor want = grad({log ? log_softmax(x64, 1) : softmax(x64, 1)}, {x64}, {g})[0];
    expect_near(gx, doubles(want), 1e-5, 1e-6);
  }
}

// Logits near 1e4 in float32: log_softmax is (x - max) - log(sum), exact to float32's precision of the result; the
// rounding of x - (max + log(sum)) cost 4e-4 here. Reference: the same float32 inputs in float64.
TEST(Softmax, LogSoftmaxKeepsDigitsOfLargeLogits) {
  const Tensor x = (input(Input::kWave, {4, 50}, kFloat64) + 1e4).to(kFloat32);
  const Tensor want = log_softmax(x.to(kFloat64), 1);
  expect_near(log_softmax(x, 1), doubles(want), 0, 2e-6);
}

// As torch 1.13: a line holding NaN or +Inf is NaN throughout in both ops (the max subtracted is NaN or Inf, and
// Inf - Inf is NaN); other lines are unaffected. Lines of 3 and of 11 (past the kernel's 8 lanes), both dtypes.
TEST(Softmax, NaNAndInfLinesAreNaNThroughout) {
  for (int64_t d : {3, 11}) {
    for (DType dt : {kFloat64, kFloat32}) {
      SCOPED_TRACE(std::to_string(d) + " " + std::string(dtype_name(dt)));
      Tensor x = input(Input::kWave, {3, d}, dt);
      x[0][d - 1].fill_(kNaN);
      x[1][1].fill_(kInf);
      for (bool log : {false, true}) {
        const std::vector<double> y = doubles(log ? log_softmax(x, 1) : softmax(x, 1));
        for (int64_t i = 0; i < 3 * d; ++i) {
          EXPECT_EQ(std::isnan(y[static_cast<size_t>(i)]), i < 2 * d) << (log ? "log_softmax " : "softmax ") << i;
        }
      }
    }
  }
}

// Lines long enough to be split across threads, along a strided dim: softmax sums to one, log_softmax is its log.
TEST(Softmax, ManyLinesAlongAStridedDim) {
  const Tensor x = input(Input::kSpread, {40, 300}) * 0.01;
  const std::vector<double> p = doubles(softmax(x, 0)), lp = doubles(log_softmax(x, 0));
  std::vector<double> sums(300, 0.0);
  for (size_t i = 0; i < p.size(); ++i) {
    sums[i % 300] += p[i];
    EXPECT_NEAR(lp[i], std::log(p[i]), 1e-12) << i;
  }
  testing::expect_close(sums, std::vector<double>(300, 1.0), 0, 1e-12);
}

TEST(Softmax, ZeroDimAndZeroSized) {
  const Tensor s = testing::make(std::vector<double>{2.5}, kFloat64, {1}).reshape({});
  for (int64_t dim : {0, -1}) {
    expect_values(softmax(s, dim), {}, {1.0}, kFloat64);
    expect_values(log_softmax(s, dim), {}, {0.0}, kFloat64);
  }
  const Tensor x = s.detach().requires_grad_();
  softmax(x, 0).backward();
  expect_values(x.grad(), {}, {0.0}, kFloat64);
  // torch 1.13: a non-finite 0-d input gives NaN outputs and NaN gradients in both ops.
  for (double v : {kInf, -kInf, kNaN}) {
    for (bool log : {false, true}) {
      const Tensor xi = testing::make(std::vector<double>{v}, kFloat64, {1}).reshape({}).requires_grad_();
      const Tensor y = log ? log_softmax(xi, 0) : softmax(xi, 0);
      y.backward();
      EXPECT_TRUE(std::isnan(y.item<double>())) << v;
      EXPECT_TRUE(std::isnan(xi.grad().item<double>())) << v << (log ? " log_softmax" : " softmax");
    }
  }
  for (const Shape& shape : {Shape{0, 3}, Shape{3, 0}}) {
    EXPECT_EQ(softmax(input(Input::kWave, shape), 1).shape(), shape);
    EXPECT_EQ(log_softmax(input(Input::kWave, shape), 0).shape(), shape);
  }
}

TEST(Softmax, Errors) {
  const Tensor x = input(Input::kWave, {2, 3, 4});
  expect_error<IndexError>([&] { softmax(x, 3); }, "softmax");
  expect_error<IndexError>([&] { softmax(x, -4); }, "softmax");
  expect_error<IndexError>([&] { log_softmax(x, 3); }, "log_softmax");
  expect_error<IndexError>([&] { softmax(x.sum(), 1); }, "softmax");
  for (DType dt : {kInt32, kInt64, kBool, kFloat16}) {
    SCOPED_TRACE(dtype_name(dt));
    expect_error<DTypeError>([&] { softmax(x.to(dt), 0); }, "softmax");
    expect_error<DTypeError>([&] { log_softmax(x.to(dt), 0); }, "log_softmax");
  }
}

}  // namespace
}  // namespace tessera
