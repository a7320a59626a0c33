// conv2d and its gradient ops through oneDNN (backend/cpu/dnnl) against PyTorch 1.13, on the odd shapes that
// choose other code paths inside oneDNN: stride 2 with padding, a stride that skips the last rows, dilation,
// groups and depthwise, 1x1, non-square kernels, batch 1, channel counts that are not a multiple of the vector
// width. Every float32 algorithm (im2col, oneDNN on NCHW, oneDNN blocked, Winograd, and the automatic choice) must give
// the reference values; oneDNN results are bit-identical from run to run for a fixed thread count. Values:
// tests/ops/make_conv_dnnl_reference.py (inputs are the formulas of make_nn_op_reference.py).
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <string>
#include <vector>

#include "graph/traced_vjp.h"
#include "ops/conv_summary.h"
#include "tessera/ops/conv.h"
#include "testing.h"

namespace tessera {
namespace {

using namespace testing::conv;  // inputs, summaries and algorithms shared with the other conv test
using testing::reference::upstream;
using Pair = std::array<int64_t, 2>;

struct DnnlConvCase {
  const char* label;
  Shape x, w;
  Pair stride, padding, dilation;
  int64_t groups;
  Shape out;
  Summary y, gx, gw;
};

// make_conv_dnnl_reference.py: y = F.conv2d(x, w, None, stride, padding, dilation, groups), gx and gw the
// gradients of sum(y * g).
const std::vector<DnnlConvCase>& cases() {
  static const auto* c = new std::vector<DnnlConvCase>{
      // clang-format off
      {"stride 2, padding 1", {2, 3, 7, 6}, {5, 3, 3, 3}, {2, 2}, {1, 1}, {1, 1}, 1, {2, 5, 4, 3},
       {{0.3113789272448, -0.320233184925, 0.82280960579, 0.4693023482839, 0.7046123778289, -0.9416845003309,
       -0.4729870768172, 0.5965737192096, -0.4712751259396, 0.1776095462405, -0.5444342238895, -0.3525281716735},
       1.246306987723},
       {{0.04687557996377, 0.3268079473122, -1.40847460267, -0.4246453641881, -0.269129330885, -0.3104971177629,
       0.3244664832593, 0.6144164947251, -0.4363125234972, 0.2645748019224, -0.3082092529634, 1.10821599728},
       5.070914566885},
       {{0.1745475662384, 0.01126736474073, 0.1794697078352, 0.09302492178853, 0.7884368761757, -0.2439611307276,
       -0.2382063902007, -0.6166816811977, 0.1126210071704, 0.3076682411571, 0.9669044123303, 0.2723764235504},
       -1.359703304871}},
      {"stride 3 skips the last rows", {2, 3, 8, 8}, {4, 3, 3, 3}, {3, 3}, {0, 0}, {1, 1}, 1, {2, 4, 2, 2},
       {{2.859983481104, -1.96277968617, 2.369573151574, -2.586383406399, 3.243624845167, -2.664159221667,
       -0.1173259883788, 1.70902045017, -2.834629441982, 2.361161091454, -2.79794323575, 2.770905297834},
       -0.02279094421345},
       {{-0.159163529007, 0.2351566899927, -0.2616275970492, 0.2928044393787, -0.3298286446916, 0.0, -0.1993262292515,
       0.0, 0.0, 0.0, 0.03122740426004, 0.0}, 2.223655601404},
       {{-0.4829990453103, 1.078266661055, 1.048164291958, -0.6780700932636, 0.8614646049301, 0.07517817637267,
       -0.5424317316208, -1.200707642992, -0.1645710221432, 1.311456592637, 0.7071019264245, -0.6483237513514},
       21.00190019793}},
      {"dilation 2, padding (1, 2)", {1, 4, 9, 8}, {3, 4, 3, 2}, {1, 1}, {1, 2}, {2, 2}, 1, {1, 3, 7, 10},
       {{0.08476086084142, 0.04630997892012, 0.06971714425325, 0.07843303162003, 0.006556271210421, -0.02442972583498,
       0.0496864324261, 0.05743858819663, -0.09315594871685, -0.05775714292065, -0.02414223992381, -0.1002761561795},
       0.9795972487288},
       {{0.6477827799904, -1.145542819494, 0.8046723234989, 0.05088606062856, -0.1782956468013, -0.1867762444662,
       -0.7561943832704, 1.147487054921, -0.8200737186377, 0.8182471877043, -1.637258335442, 1.101573225685},
       0.7589004850967},
       {{1.62045321625, -2.915153349488, -1.990647454116, 2.750995511982, 2.430067004376, -1.700121620372,
       1.94484404878, 2.351777446007, -0.5130223982662, -1.634615525852, 0.8102377412665, 1.502380893238},
       12.26875358746}},
      {"groups 2", {2, 6, 5, 5}, {4, 3, 3, 3}, {1, 1}, {1, 1}, {1, 1}, 2, {2, 4, 5, 5},
       {{0.385053690979, 0.8505423205748, -1.133737784792, -0.06724305912048, -0.04181997290803, -0.1574363745023,
       -0.7030944545789, 0.09687415390317, 0.8800234563875, -1.491825550271, 0.3199922808709, 0.6839330290801},
       1.327847359214},
       {{0.3251791964629, 0.1642305220121, -0.6448305890315, -1.84321655213, -0.3045290022003, 1.265501052647,
       1.664056063452, -0.5149291249415, -1.862528744002, -1.266563509228, 0.308737369409, 0.4760983569073},
       10.21138432452},
       {{-2.197966814028, 1.773010290616, -2.348446770394, 3.913774481204, -3.808227922458, -0.4253537746603,
       -0.3633767629884, 0.2543530229561, -0.3184853072848, 0.2286512324709, -0.5731287088896, 0.5845460619776},
       3.052245750367}},
      {"depthwise, stride (2, 1)", {2, 5, 6, 7}, {5, 1, 3, 3}, {2, 1}, {1, 1}, {1, 1}, 5, {2, 5, 3, 7},
       {{-0.428117225015, -1.079871446234, 1.511711347328, -1.420701895464, 0.06775059479884, -0.8757241798759,
       -0.1185705581802, -0.439684875168, -0.5545481841932, 0.7032677203485, 0.180687233806, -0.5181493696286},
       1.472168588219},
       {{-0.001054008521293, -1.084486541587, -0.6024188649034, 0.0374308813241, 0.476992725918, -0.3450516186974,
       -0.08991362251471, 0.7725070948539, 0.3111311412858, -0.1355790821812, -0.815205355494, 0.3862622401936},
       4.867752064044},
       {{-2.783796508827, 2.490914864449, 1.555311227474, -7.344078066481, 9.401562657554, 5.995193635452,
       6.573338089616, 4.356285575059, -4.869377505798, -2.600966766683, 5.498505215063, -8.308614400466},
       43.00683103257}},
      {"1x1", {3, 7, 4, 5}, {9, 7, 1, 1}, {1, 1}, {0, 0}, {1, 1}, 1, {3, 9, 4, 5},
       {{0.8937560707472, -0.5913850550003, -0.1947539908991, -0.4860643955195, 0.09596522279895, 0.1871175235727,
       0.5518795814008, 0.02311098985222, -0.3584512914015, 0.2526186601509, -0.7486567274201, 0.5663658860773},
       3.0763855382},
       {{-1.292591571621, 1.316969985733, 1.356840955267, 0.4396815039773, 1.044956287963, 1.506829268349,
       0.8381534619564, -0.3816499804573, 1.473117137675, 1.193551934315, 0.02507560917363, -0.6066663120887},
       0.9713364090371},
       {{-6.102135127682, -5.311100202709, 3.06339890251, 2.491810532163, -2.837417452565, 5.454037556479,
       6.391070023458, -4.161876798088, 4.69819198735, 0.5844157445321, -2.745328393299, -0.6465170851352},
       -15.82523550321}},
      {"non-square 2x5 kernel", {1, 3, 6, 9}, {4, 3, 2, 5}, {1, 1}, {0, 2}, {1, 1}, 1, {1, 4, 5, 9},
       {{2.876462898423, 1.049323197943, 1.043243281176, -1.613016677639, -1.599456024679, -0.4176315398812,
       -1.652688301056, -1.525934771979, -1.539943797172, 1.146067177886, -0.2278957838907, 3.210005410588},
       4.646594589489},
       {{0.2299551239088, -0.1420724750037, -1.211764045589, 0.3939611950933, 0.3090195387968, 0.5255392036872,
       -1.242791780081, 0.5978376889148, 0.2964927919336, 0.8928968651609, -0.9523852763287, 0.4290024698602},
       -0.2198707379966},
       {{-2.199183542711, -0.1064470679756, 2.253672781227, -3.09747128831, 0.01529182346636, 3.09508272131,
       0.2850056941578, 0.9166802610106, 1.023176195873, -3.093389130912, 1.155424668205, 3.828530998912},
       5.103097354073}},
      {"batch 1, 17 -> 19 channels", {1, 17, 8, 8}, {19, 17, 3, 3}, {1, 1}, {1, 1}, {1, 1}, 1, {1, 19, 8, 8},
       {{-10.07837010607, -6.043168837624, -15.60808544068, -12.07868805414, -7.740747089144, -9.098413844829,
       -0.8364659555873, 18.15441763407, -1.848823546249, 14.82716619263, 11.06419119051, 4.827776395684},
       64.55325142296},
       {{0.9847420410334, -9.37880520694, -10.86348767255, 14.57418824342, 19.2240462423, -20.27102743895,
       -12.30142174935, 7.870166711281, 9.209710563977, 0.1814894311216, 6.518446380326, -5.602963545624},
       130.6977800814},
       {{2.781875027029, -2.370443336417, -1.692035008756, -2.314744677707, 3.081685635961, -1.443558495098,
       -4.29926043271, -1.680668068506, 2.0941090195, 0.6704357144644, -1.281862392268, -0.6693823465777},
       -3.247787617444}},
      {"first layer, 3 channels, 11x11 stride 4", {2, 3, 27, 27}, {16, 3, 11, 11}, {4, 4}, {2, 2}, {1, 1}, 1,
       {2, 16, 6, 6},
       {{0.6344377171274, -0.9118367134956, -1.891996936132, -2.203686598774, 1.230168205216, -0.5343934778739,
       -1.424332907202, 1.682143308017, -0.2141120651043, 0.7761300216897, 0.03458498231224, 0.2746755393918},
       -0.2303482652747},
       {{1.266121910177, -1.363857804969, 0.8272927837739, 5.589083725705, 3.01963552727, 0.07582186618113,
       6.055767906743, -5.882417866561, 4.133228588861, -4.047643481786, -0.6810227498159, 3.805598197452},
       -206.8391961416},
       {{0.5643812119571, -0.07434341376947, 0.6719144564696, -0.6515981160247, -0.2163608995481, 0.2152153308659,
       -0.5226554245654, 0.5697038955671, 0.2438202711096, -0.05196093052793, 0.4319904064069, 0.3948713132386},
       2.680166152005}},
      {"wide, 32 -> 48 channels", {2, 32, 6, 6}, {48, 32, 3, 3}, {1, 1}, {1, 1}, {1, 1}, 1, {2, 48, 6, 6},
       {{-1.221775099941, -0.3325339157526, -1.913558365204, 0.09942291238981, -1.027567580525, 0.8826142041781,
       1.308500090229, -0.493317425436, 1.455300051806, -0.8555272663891, -1.266816939983, -1.175111034398},
       0.6879899147188},
       {{-1.472917991621, 2.613045412688, -5.521752416932, 5.663446170618, -4.930355889956, 0.2713284790972,
       1.172771037192, -5.416139713647, 3.811091538413, -3.224367415593, 1.782349594158, -1.20540987138},
       -0.4609304866263},
       {{0.1801681584924, 1.362946955226, -3.625781695389, -3.591830812587, 1.322121653232, 1.682034399052,
       1.878962399945, 2.444535049692, -1.124556399252, -4.278500335997, -0.05196635958328, -3.206720385139},
       -25.26181220207}},
      // clang-format on
  };
  return *c;
}

TEST(ConvDnnl, ForwardAndGradientOpsMatchTorch) {
  for (ConvAlgorithm a : kAlgorithms) {
    AlgorithmScope scope(a);
    for (const DnnlConvCase& c : cases()) {
      SCOPED_TRACE(std::string(c.label) + ", " + name(a));
      const Tensor x = input(c.x, kFloat32), w = weight(c.w, kFloat32), g = upstream(c.out).to(kFloat32);
      expect_summary(conv2d(x, w, {}, c.stride, c.padding, c.dilation, c.groups), c.out, c.y);
      expect_summary(conv2d_input_grad(g, w, c.x, c.stride, c.padding, c.dilation, c.groups), c.x, c.gx);
      expect_summary(conv2d_weight_grad(x, g, c.w, c.stride, c.padding, c.dilation, c.groups), c.w, c.gw);
    }
  }
}

TEST(ConvDnnl, BackwardThroughTheTapeMatchesTorch) {
  AlgorithmScope scope(ConvAlgorithm::kDnnlBlocked);
  for (const DnnlConvCase& c : cases()) {
    SCOPED_TRACE(c.label);
    Tensor x = input(c.x, kFloat32).requires_grad_(), w = weight(c.w, kFloat32).requires_grad_();
    const Tensor y = conv2d(x, w, {}, c.stride, c.padding, c.dilation, c.groups);
    y.backward(upstream(c.out).to(kFloat32));
    expect_summary(x.grad(), c.x, c.gx);
    expect_summary(w.grad(), c.w, c.gw);
  }
}

// The same values from a traced graph with a dynamic batch and its symbolic gradients, run on twice the batch.
TEST(ConvDnnl, GraphModeWithADynamicBatchMatchesTorch) {
  for (const DnnlConvCase& c : cases()) {
    SCOPED_TRACE(c.label);
    auto f = [&](const std::vector<Tensor>& in) {
      return conv2d(in[0], in[1], {}, c.stride, c.padding, c.dilation, c.groups);
    };
    const std::vector<Tensor> got =
        testing::traced_vjp(f, {input(c.x, kFloat32), weight(c.w, kFloat32)}, upstream(c.out).to(kFloat32));
    expect_summary(got[0], c.out, c.y);
    expect_summary(got[1], c.x, c.gx);
    expect_summary(got[2], c.w, c.gw);
  }
}

// Non-contiguous operands are copied to NCHW before the primitive runs.
TEST(ConvDnnl, NonContiguousOperands) {
  const DnnlConvCase& c = cases()[0];
  const Tensor x = input(c.x, kFloat32).transpose(2, 3).contiguous().transpose(2, 3);  // same values, strided
  ASSERT_FALSE(x.is_contiguous());
  const Tensor g = upstream(c.out).to(kFloat32).transpose(0, 1).contiguous().transpose(0, 1);
  for (ConvAlgorithm a : {ConvAlgorithm::kDnnlPlain, ConvAlgorithm::kDnnlBlocked}) {
    AlgorithmScope scope(a);
    SCOPED_TRACE(name(a));
    expect_summary(conv2d(x, weight(c.w, kFloat32), {}, c.stride, c.padding, c.dilation, c.groups), c.out, c.y);
    expect_summary(conv2d_weight_grad(x, g, c.w, c.stride, c.padding, c.dilation, c.groups), c.w, c.gw);
  }
}

// For a fixed thread count every pass gives the same bits on every call (the weight gradient's reduction over
// the batch included), on a shape large enough for oneDNN to split the batch across threads.
TEST(ConvDnnl, DeterministicForAFixedThreadCount) {
  const Shape xs{8, 24, 12, 12}, ws{40, 24, 3, 3}, ys{8, 40, 12, 12};
  const Tensor x = input(xs, kFloat32), w = weight(ws, kFloat32), g = upstream(ys).to(kFloat32);
  for (ConvAlgorithm a :
       {ConvAlgorithm::kAuto, ConvAlgorithm::kDnnlPlain, ConvAlgorithm::kDnnlBlocked, ConvAlgorithm::kWinograd}) {
    AlgorithmScope scope(a);
    SCOPED_TRACE(name(a));
    auto run = [&] {
      return std::vector<Tensor>{conv2d(x, w, {}, {1, 1}, {1, 1}),
                                 conv2d_input_grad(g, w, xs, {1, 1}, {1, 1}, {1, 1}, 1),
                                 conv2d_weight_grad(x, g, ws, {1, 1}, {1, 1}, {1, 1}, 1)};
    };
    const std::vector<Tensor> first = run();
    for (int rep = 0; rep < 3; ++rep) {
      const std::vector<Tensor> again = run();
      for (size_t i = 0; i < first.size(); ++i) EXPECT_TRUE(equal(first[i], again[i])) << "pass " << i;
    }
  }
}

TEST(ConvDnnl, ZeroSizedBatch) {
  AlgorithmScope scope(ConvAlgorithm::kDnnlBlocked);
  const Tensor y = conv2d(input({0, 3, 5, 5}, kFloat32), weight({4, 3, 3, 3}, kFloat32));
  EXPECT_EQ(y.shape(), (Shape{0, 4, 3, 3}));
  const Tensor gw = conv2d_weight_grad(input({0, 3, 5, 5}, kFloat32), input({0, 4, 3, 3}, kFloat32), {4, 3, 3, 3},
                                       {1, 1}, {0, 0}, {1, 1}, 1);
  EXPECT_EQ(gw.shape(), (Shape{4, 3, 3, 3}));
  EXPECT_EQ(gw.abs().sum().item<double>(), 0.0);
}

}  // namespace
}  // namespace tessera
