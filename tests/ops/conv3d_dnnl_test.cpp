// conv3d and its gradient ops against PyTorch 1.13 under every CPU algorithm (backend/cpu/conv3d_kernels.cpp: oneDNN's
// 3-d convolutions on NCDHW or in blocked layouts, and the depth taps over conv2d's passes, which kIm2col and
// kWinograd force), on odd shapes: a stride that skips the last depth, dilation, groups and depthwise, 1x1x1 and 1x1x3
// (run as conv2d), depth padding that no tap reaches, taps that read only padding, and a 64 -> 64 layer whose taps
// take Winograd. Values:
// tests/ops/make_conv_dnnl_reference.py (inputs are the formulas of make_nn_op_reference.py).
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <string>
#include <vector>

#include "graph/traced_vjp.h"
#include "ops/conv_summary.h"
#include "tessera/ops/conv.h"
#include "tessera/ops/conv3d.h"
#include "tessera/ops/creation.h"
#include "testing.h"

namespace tessera {
namespace {

using namespace testing::conv;  // inputs, summaries and algorithms shared with the other conv test
using testing::reference::upstream;
using testing::reference::wave;
using Triple = std::array<int64_t, 3>;

struct Conv3dCase {
  const char* label;
  Shape x, w;
  Triple stride, padding, dilation;
  int64_t groups;
  Shape out;
  Summary y, gx, gw;  // y with the bias
};

// make_conv_dnnl_reference.py: y = F.conv3d(x, w, b, stride, padding, dilation, groups), gx and gw the gradients of
// sum(y * g).
const std::vector<Conv3dCase>& cases() {
  static const auto* c = new std::vector<Conv3dCase>{
      // clang-format off
      {"stride 2, padding 1", {2, 3, 5, 7, 6}, {4, 3, 3, 3, 3}, {2, 2, 2}, {1, 1, 1}, {1, 1, 1}, 1, {2, 4, 3, 4, 3},
       {{-1.650816591337, 4.29596072691, -0.6501063555833, -2.362865972158, 1.266978078057, -1.547699065117,
       0.9156797381612, 2.698217137223, 5.248442670897, -1.690610210869, 4.449933804659, -1.286014323494},
       -10.22808918697},
       {{-0.02997684358841, 0.0070059015744, -0.0769356382001, 0.2015023328459, 0.4001055490464, -0.09183655496639,
       0.3103101041222, 0.03853888145629, -0.1714546369242, -0.08367587452429, 0.04913791110853, 0.177255058817},
       -1.234226557044},
       {{-1.133044163015, 0.7477018552112, -0.2065747407422, 1.738219430848, 0.3975737317795, 0.5606248911061,
       -0.7567929205891, -1.254075723263, 0.6057720844232, -0.4991857246555, 0.3170948918902, 0.5303218179576},
       0.1119235362224}},
      {"stride (3, 1, 2) skips the last depth", {1, 4, 9, 5, 6}, {5, 4, 2, 3, 3}, {3, 1, 2}, {0, 1, 0}, {1, 1, 1}, 1,
       {1, 5, 3, 5, 2},
       {{-2.187730508957, -2.042188218622, -2.189187940086, 1.855961956082, 1.4614688093, -3.209843670894,
       1.426927067687, 3.953578449491, 3.081937159251, -2.973672931211, -3.398702300655, -1.979153580538},
       19.13105826624},
       {{-0.2106516947017, -0.172197827791, -0.04394251340809, 0.1730190181749, -0.2641933582342, -0.05244085579156,
       -0.01748692312153, -0.1326527303213, 0.0, 0.0, 0.0, 0.0}, 3.762401217471},
       {{0.9646605167616, 1.87572647955, -0.4862210859866, 1.059660491941, -2.307691503502, 1.625746874014,
       1.293706809539, -2.524390223207, 1.858685428215, -1.300512774228, 1.639745321012, 1.659226961526},
       -2.947271470082}},
      {"dilation (2, 1, 2), padding (2, 1, 0)", {2, 3, 7, 5, 6}, {3, 3, 3, 2, 2}, {1, 1, 1}, {2, 1, 0}, {2, 1, 2}, 1,
       {2, 3, 7, 6, 4},
       {{0.224644174339, 0.3016753917168, 0.06676116476228, 0.4166885013867, 0.1199351449674, 0.2554585151073,
       -0.1463545642009, 0.04508019395955, 0.1402371502967, 0.4510854706848, 0.4404171344876, -0.265733136778},
       7.54444090412},
       {{-0.9973884820167, 0.8725464549246, -1.53516781904, 0.1288955176875, 0.8547692927398, 0.3339262370993,
       1.837027755441, -1.090374514142, 0.7325312928494, -1.585992963387, 0.8908670810451, -0.02305581089702},
       2.50057824889},
       {{-2.465172792801, 1.988667983623, 2.988783587424, 1.111891187103, -1.282772467705, 3.04509339157,
       -2.639360561136, 0.0622884656686, -5.044455873945, 0.6745776281925, -2.984861512635, 2.97587349955},
       3.90615416908}},
      {"groups 2", {2, 6, 4, 5, 5}, {4, 3, 3, 3, 3}, {1, 1, 1}, {1, 1, 1}, {1, 1, 1}, 2, {2, 4, 4, 5, 5},
       {{0.07494776513617, 0.08422616909292, 0.09284910070215, 0.8102684789555, 1.360044094997, -1.336548811628,
       1.309768325069, -1.17662567074, -0.1535091620847, -0.1517646879143, 0.444588627249, -0.2671997422507},
       -0.02608526992802},
       {{1.007691984587, 0.6231735734951, -0.2926849880475, 1.706165126782, -0.07440331101015, -1.330139130697,
       -0.6769331007139, 0.2471327649177, 1.090560196043, -0.6120505169789, 0.1621426208537, -0.8558215513251},
       -19.59923928852},
       {{2.537394723179, 4.793450303355, -0.949955106489, -3.116841249232, -10.05206839622, -10.1575617497,
       -0.2900298346083, 12.52761788485, 2.316817414206, -0.04096396489742, 0.5136135165635, -5.471292200473},
       -38.05523302896}},
      {"depthwise, stride (1, 2, 1)", {1, 5, 4, 6, 5}, {5, 1, 3, 3, 3}, {1, 2, 1}, {1, 1, 1}, {1, 1, 1}, 5,
       {1, 5, 4, 3, 5},
       {{-0.7773729709636, -0.2421497002283, 0.9844892734109, 4.427295886721, 3.038027427028, 3.08276501815,
       4.080773552114, 0.7954175522599, -0.7030024868543, 1.461978209019, -4.133272351477, -3.015190605406},
       -100.7861324782},
       {{-0.2148884594471, 1.461229340233, 0.5747550833259, 1.54917888506, 0.148796589616, -2.159074599849,
       -0.3023773490234, 0.5874996251264, 0.5880553317472, 0.7565197602864, -0.4591591353479, -0.92329994935},
       7.919084407784},
       {{2.883099403252, -0.452310652578, 0.8641619190229, 6.985828229085, 1.155483557301, 1.652135073784,
       5.348928469343, 2.41864479012, 0.846254017334, -3.637306268855, 0.6170145556444, 0.2787374110081},
       14.78719922236}},
      {"1x1x1", {2, 7, 3, 4, 5}, {9, 7, 1, 1, 1}, {1, 1, 1}, {0, 0, 0}, {1, 1, 1}, 1, {2, 9, 3, 4, 5},
       {{-0.1765974026604, 0.01106536633914, -0.05451334415044, -0.1496590276967, 0.1856129123567, 0.3330051080955,
       0.2250855618256, 0.3889375978424, 0.06533932633985, -0.1376628441746, -0.1254797325104, 0.1077970169352},
       0.7194619394184},
       {{-0.01878370689646, 0.1042647105952, -0.07145581511669, 0.2009737520937, -0.08519423147357, -0.172781258852,
       0.1201507165403, 0.04717932958535, 0.04264252547559, 0.2278925973348, -0.2306123190272, -0.03278820362589},
       -0.1921484142611},
       {{-1.306969780395, 1.428984621151, -1.521499526368, 0.638035984989, -2.987554152743, 5.366639430073,
       2.247329695945, -0.1687714071267, -1.967104741084, -4.646532443611, 4.515124360119, -0.9888246729366},
       -2.136582161384}},
      {"depth padding beyond the kernel's reach", {1, 2, 2, 3, 3}, {3, 2, 1, 3, 3}, {1, 1, 1}, {2, 1, 1}, {1, 1, 1}, 1,
       {1, 3, 6, 3, 3},
       {{0.07388005166533, 0.07388005166533, 0.5266501885349, 0.07388005166533, 0.2330097714918, 1.849722460977,
       1.301939290211, 0.2330097714918, 0.2158023416622, 1.248864718253, 0.2158023416622, 0.2158023416622},
       0.6208989315575},
       {{0.3541054537426, -0.5555454069275, -0.9641365239659, -0.1479898424449, -0.6176955758466, -0.07789351891276,
       1.586590953431, 0.5221850790055, -0.2338258366422, 0.4315161214499, -0.5344689183098, -0.2712226416958},
       4.613347161581},
       {{2.455359479388, 4.550474471673, 2.951578154919, 2.357016672347, 3.632896247979, 2.169250090975, 4.058780116955,
       1.658065783304, 2.01022571771, 1.767939797513, 1.911223633479, 0.6080488184048}, -6.800264092729}},
      {"wide, 64 -> 64 channels", {1, 64, 3, 6, 6}, {64, 64, 3, 3, 3}, {1, 1, 1}, {1, 1, 1}, {1, 1, 1}, 1,
       {1, 64, 3, 6, 6},
       {{2.409737293892, 4.031834537585, -0.08802770153002, 0.6280303344465, 1.393565681762, -3.58570051822,
       -4.218838204395, -0.2370737869076, -0.4463734643366, 0.5695887319321, 2.356738283198, 2.084088319039},
       -4.294848222247},
       {{-0.3271165646174, 1.687096675559, 1.401976445253, -1.69158273983, -0.5381058456025, 2.485714333663,
       2.423295274461, -0.1889937864301, -2.029718927281, 1.795706797744, 0.8461708703278, -1.270443243985},
       4.131101057176},
       {{0.3809012359819, -0.6962930691966, 2.204944151136, 1.24574426935, 0.1331115085475, -2.120235943683,
       -2.326601145767, 1.706272646704, 1.921378772829, 2.226279207263, -0.929539606274, 0.2849993192333},
       -2.179960452787}},
      {"one frame: two taps read only padding", {2, 3, 1, 5, 5}, {4, 3, 3, 3, 3}, {1, 1, 1}, {1, 1, 1}, {1, 1, 1}, 1,
       {2, 4, 1, 5, 5},
       {{1.097753798854, 3.569511539042, -1.769439264621, -1.383222541398, -2.179736708265, -0.1401467343029,
       0.6214220777261, -2.266481178296, -2.266391583458, -0.977658555929, 1.973708067161, 0.7737769706428},
       -1.319126577107},
       {{-0.09252588471245, 0.4592259495317, -0.2313692090447, 0.01333234337935, 0.02368295553035, -0.3595581766896,
       -0.3259831551406, 0.2548466668441, 0.3933032371075, 0.1236227089359, 0.06556716301109, 0.2130864894326},
       -1.95615504518},
       {{0.0, 0.0, 0.0, 0.0, 1.971807205457, -1.784706695845, 1.102179663297, -2.223495604317, 0.0, 0.0, 0.0, 0.0},
       3.483158250804}},
      {"1x1x3 kernel as a conv2d, groups 2", {2, 4, 3, 4, 9}, {6, 2, 1, 1, 3}, {1, 1, 2}, {0, 0, 1}, {2, 3, 2}, 2,
       {2, 6, 3, 4, 4},
       {{0.5362892591758, 0.8763229309067, 1.020732705554, -0.8899085879465, -0.4646165226885, -0.271973615268,
       -1.559977925274, -1.356759574693, -0.4183590682242, -1.484089360176, -1.785010336192, -1.324607097561},
       8.606731477104},
       {{0.0, 0.0, -0.03602356223192, 0.02998517116015, -0.06671625503629, -0.09736976288979, 0.0, 0.0, 0.0, 0.0,
       0.01994835842879, 0.0}, -0.8604761950158},
       {{-0.6197213876937, 0.03624030062771, -0.8656220672307, 0.7739870481933, -0.3110287435998, 0.795980334678,
       -0.4837201100074, 0.9014561849143, 0.442209179223, 0.4576332328974, 0.9592004231858, -0.6228045274103},
       -4.957521641098}},
      // clang-format on
  };
  return *c;
}

/// b.flat[i] = 0.25 sin(0.9 i + 0.3)
Tensor bias(int64_t n, DType dt) {
  return wave({n}, dt, [](double i) { return 0.25 * std::sin(0.9 * i + 0.3); });
}

TEST(Conv3dAlgorithms, ForwardAndGradientOpsMatchTorch) {
  for (ConvAlgorithm a : kAlgorithms) {
    AlgorithmScope scope(a);
    for (const Conv3dCase& c : cases()) {
      SCOPED_TRACE(std::string(c.label) + ", " + name(a));
      const Tensor x = input(c.x, kFloat32), w = weight(c.w, kFloat32), g = upstream(c.out).to(kFloat32);
      const Tensor y = conv3d(x, w, bias(c.w[0], kFloat32), c.stride, c.padding, c.dilation, c.groups);
      expect_summary(y, c.out, c.y);
      expect_summary(conv3d_input_grad(g, w, c.x, c.stride, c.padding, c.dilation, c.groups), c.x, c.gx);
      expect_summary(conv3d_weight_grad(x, g, c.w, c.stride, c.padding, c.dilation, c.groups), c.w, c.gw);
    }
  }
}

// The tape runs the same ops; the bias's gradient is g summed over N, D, H and W (computed here in float64).
TEST(Conv3dAlgorithms, BackwardThroughTheTapeMatchesTorch) {
  for (const Conv3dCase& c : cases()) {
    SCOPED_TRACE(c.label);
    Tensor x = input(c.x, kFloat32).requires_grad_(), w = weight(c.w, kFloat32).requires_grad_();
    Tensor b = bias(c.w[0], kFloat32).requires_grad_();
    const Tensor y = conv3d(x, w, b, c.stride, c.padding, c.dilation, c.groups);
    y.backward(upstream(c.out).to(kFloat32));
    expect_summary(x.grad(), c.x, c.gx);
    expect_summary(w.grad(), c.w, c.gw);
    testing::expect_near(b.grad(), testing::doubles(upstream(c.out).sum({0, 2, 3, 4})), 1e-5, 1e-5);
  }
}

// The same values from a traced graph with a dynamic batch and its symbolic gradients, run on twice the batch.
TEST(Conv3dAlgorithms, GraphModeWithADynamicBatchMatchesTorch) {
  for (const Conv3dCase& c : cases()) {
    SCOPED_TRACE(c.label);
    auto f = [&](const std::vector<Tensor>& in) {
      return conv3d(in[0], in[1], in[2], c.stride, c.padding, c.dilation, c.groups);
    };
    const Tensor g = upstream(c.out).to(kFloat32);
    const std::vector<Tensor> got =
        testing::traced_vjp(f, {input(c.x, kFloat32), weight(c.w, kFloat32), bias(c.w[0], kFloat32)}, g);
    expect_summary(got[0], c.out, c.y);
    expect_summary(got[1], c.x, c.gx);
    expect_summary(got[2], c.w, c.gw);
    testing::expect_near(got[3], testing::doubles(g.sum({0, 2, 3, 4})), 1e-5, 1e-5);
  }
}

// Non-contiguous operands are copied to NCDHW first.
TEST(Conv3dAlgorithms, NonContiguousOperands) {
  const Conv3dCase& c = cases()[0];
  const Tensor x = input(c.x, kFloat32).transpose(2, 4).contiguous().transpose(2, 4);  // same values, strided
  ASSERT_FALSE(x.is_contiguous());
  const Tensor g = upstream(c.out).to(kFloat32).transpose(0, 1).contiguous().transpose(0, 1);
  for (ConvAlgorithm a : kAlgorithms) {
    AlgorithmScope scope(a);
    SCOPED_TRACE(name(a));
    expect_summary(conv3d(x, weight(c.w, kFloat32), bias(c.w[0], kFloat32), c.stride, c.padding, c.dilation, c.groups),
                   c.out, c.y);
    expect_summary(conv3d_weight_grad(x, g, c.w, c.stride, c.padding, c.dilation, c.groups), c.w, c.gw);
    const Tensor w = weight(c.w, kFloat32).transpose(0, 4).contiguous().transpose(0, 4);
    ASSERT_FALSE(w.is_contiguous());
    expect_summary(conv3d_input_grad(g, w, c.x, c.stride, c.padding, c.dilation, c.groups), c.x, c.gx);
  }
}

TEST(Conv3dAlgorithms, ZeroSizedBatchAndChannels) {
  for (ConvAlgorithm a : kAlgorithms) {
    AlgorithmScope scope(a);
    SCOPED_TRACE(name(a));
    EXPECT_EQ(conv3d(input({0, 3, 4, 5, 5}, kFloat32), weight({4, 3, 3, 3, 3}, kFloat32)).shape(),
              (Shape{0, 4, 2, 3, 3}));
    const Tensor gw = conv3d_weight_grad(input({0, 3, 4, 5, 5}, kFloat32), input({0, 4, 2, 3, 3}, kFloat32),
                                         {4, 3, 3, 3, 3}, {1, 1, 1}, {0, 0, 0}, {1, 1, 1}, 1);
    EXPECT_EQ(gw.shape(), (Shape{4, 3, 3, 3, 3}));
    EXPECT_EQ(gw.abs().sum().item<double>(), 0.0);
    // No input channels: every output is the bias (1x1x1 runs as conv2d, 3x3x3 by oneDNN or the taps).
    for (const Shape& w : {Shape{2, 0, 1, 1, 1}, Shape{2, 0, 3, 3, 3}}) {
      const Tensor y = conv3d(zeros({1, 0, 3, 3, 3}), zeros(w), bias(2, kFloat32));
      testing::expect_near(y.amax({2, 3, 4}), testing::doubles(bias(2, kFloat32)), 0, 0);
      testing::expect_near(y.amin({2, 3, 4}), testing::doubles(bias(2, kFloat32)), 0, 0);
    }
    // No output channels: the input gradient is zero.
    const Tensor gx = conv3d_input_grad(zeros({1, 0, 2, 2, 2}), zeros({0, 3, 3, 3, 3}), {1, 3, 4, 4, 4}, {1, 1, 1},
                                        {0, 0, 0}, {1, 1, 1}, 1);
    EXPECT_EQ(gx.shape(), (Shape{1, 3, 4, 4, 4}));
    EXPECT_EQ(gx.abs().sum().item<double>(), 0.0);
  }
}

// As in PyTorch, only the batch and the channels may be empty: a padded empty volume is an error, not garbage.
TEST(Conv3dAlgorithms, EmptySpatialSizesAreErrors) {
  testing::expect_error<ShapeError>(
      [] {
        conv3d(zeros({1, 2, 0, 4, 4}), zeros({3, 2, 1, 1, 1}), {}, {1, 1, 1}, {1, 1, 1});
      },
      "conv3d: expected an input with non-zero spatial sizes (only the batch or the channels may be 0), got "
      "[1, 2, 0, 4, 4]");
  testing::expect_error<ShapeError>(
      [] {
        conv3d(zeros({1, 2, 4, 4, 4}), zeros({3, 2, 1, 0, 1}));
      },
      "conv3d: expected a kernel of non-zero sizes, got weight [3, 2, 1, 0, 1]");
  testing::expect_error<ShapeError>(
      [] {
        conv2d(zeros({1, 2, 0, 4}), zeros({3, 2, 1, 1}), {}, {1, 1}, {1, 1});
      },
      "conv2d: expected an input with non-zero spatial sizes");
}

TEST(Conv3dAlgorithms, UndefinedOperandsAndRanksAreNamed) {
  testing::expect_error<ValueError>(
      [] {
        conv3d(Tensor(), zeros({3, 2, 1, 1, 1}));
      },
      "conv3d: got an undefined input tensor");
  testing::expect_error<ValueError>(
      [] {
        conv3d(zeros({1, 2, 4, 4, 4}), Tensor());
      },
      "conv3d: got an undefined weight tensor");
  testing::expect_error<ShapeError>(
      [] {
        conv3d(zeros({2, 4, 4}), zeros({3, 2, 1, 1, 1}));
      },
      "conv3d: expected input [N, C_in, D, H, W] or [C_in, D, H, W], got [2, 4, 4]");
}

}  // namespace
}  // namespace tessera
