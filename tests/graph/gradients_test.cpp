// Symbolic gradients equal eager autograd (the same gradient rules, run as graph nodes).
#include "graph/graph_testing.h"

namespace tessera::testing {
namespace {

// Eager gradients of loss(model(x), target) with respect to the model's parameters.
std::vector<Tensor> eager_grads(nn::Module& m, const Tensor& x, const Tensor& target) {
  m.zero_grad();
  Tensor loss = nn::cross_entropy(m.forward(x), target);
  loss.backward();
  std::vector<Tensor> g;
  for (const Tensor& p : m.parameters()) g.push_back(p.grad());
  return g;
}

// The graph of cross_entropy(model(x), target) differentiated with respect to every parameter.
Function graph_grads(nn::Module& m, Shape image) {
  std::vector<graph::Dim> dims{Dim("N")};
  for (int64_t s : image) dims.emplace_back(s);
  auto f = [&](const std::vector<Tensor>& in) {
    return std::vector<Tensor>{nn::cross_entropy(m.forward(in[0]), in[1])};
  };
  Function fwd = graph::trace(f, {{"x", dims, kFloat64}, {"target", {Dim("N")}, kInt64}},
                              {.capture_names = nn::capture_names(m), .output_names = {"loss"}});
  std::vector<std::string> wrt;
  for (const auto& [name, p] : m.named_parameters()) wrt.push_back(name);
  return graph::gradients(fwd, "loss", wrt);
}

void expect_grads_match(nn::Module& m, Shape image, const std::vector<int64_t>& batches) {
  Function fn = graph_grads(m, image);
  for (int64_t n : batches) {
    Shape xs{n};
    xs.insert(xs.end(), image.begin(), image.end());
    Tensor x = wave(xs, 0.3 * double(n));
    std::vector<int64_t> t;
    for (int64_t i = 0; i < n; ++i) t.push_back((i * 7 + 3) % 10);
    Tensor target = make<int64_t>(t, {n});
    std::vector<Tensor> out = fn({x, target});
    std::vector<Tensor> want = eager_grads(m, x, target);
    ASSERT_EQ(out.size(), want.size() + 1);
    expect_same(out[0], nn::cross_entropy(m.forward(x), target), 1e-10);
    for (size_t i = 0; i < want.size(); ++i) expect_same(out[i + 1], want[i], 1e-6);
  }
}

TEST(Gradients, MlpEqualsEagerAutogradAtTwoBatchSizes) {
  auto m = small_mlp();
  expect_grads_match(*m, {1, 28, 28}, {4, 7});
}

TEST(Gradients, CnnEqualsEagerAutograd) {
  auto m = small_cnn();
  expect_grads_match(*m, {1, 14, 14}, {3});
}

TEST(Gradients, SharedWeightsAccumulate) {
  // y = sum(tanh(x W) W^T): W is used twice.
  Tensor w = wave({3, 3}, 0.7);
  auto f = [&](const std::vector<Tensor>& in) {
    return std::vector<Tensor>{tanh(in[0].matmul(w)).matmul(w.t()).sum()};
  };
  Function fwd = graph::trace(f, {{"x", {2, 3}, kFloat64}}, {.capture_names = {{"W", w}}, .output_names = {"y"}});
  Function fn = graph::gradients(fwd, "y", {"W", "x"});
  Tensor x = wave({2, 3}, 1.3);
  std::vector<Tensor> r = fn({x});
  Tensor wl = w.detach().requires_grad_(), xl = x.detach().requires_grad_();
  tanh(xl.matmul(wl)).matmul(wl.t()).sum().backward();
  expect_same(r[1], wl.grad(), 1e-12);
  expect_same(r[2], xl.grad(), 1e-12);
  EXPECT_TRUE(fn.graph().find("grad/W").has_value());
}

TEST(Gradients, WithRespectToAnIntermediateValue) {
  auto f = [](const std::vector<Tensor>& in) {
    Tensor h = graph::name(in[0] * in[0], "h");
    return std::vector<Tensor>{(h * h).sum()};
  };
  Function fn = graph::gradients(graph::trace(f, {{"x", {3}, kFloat64}}, {.output_names = {"y"}}), "y", {"h"});
  // dy/dh = 2h = 2x^2.
  expect_near(fn({make({1, 2, 3}, kFloat64)})[1], {2, 8, 18});
}

TEST(Gradients, SecondOrderThroughTheGraph) {
  // d/dx (d/dx x^3) = 6x, by differentiating the gradient graph again.
  auto f = [](const std::vector<Tensor>& in) {
    Tensor y = (in[0] * in[0] * in[0]).sum();
    Tensor g = graph::grad(y, {in[0]})[0];
    return std::vector<Tensor>{graph::grad(g.sum(), {in[0]})[0]};
  };
  Function fn = graph::trace(f, {{"x", {3}, kFloat64}});
  expect_near(fn({make({1, 2, -1}, kFloat64)})[0], {6, 12, -6});
}

TEST(Gradients, Errors) {
  EXPECT_THROW(graph::grad(make({1}, kFloat64), {make({1}, kFloat64)}), Error);  // not tracing
  auto unused = [](const std::vector<Tensor>& in) { return std::vector<Tensor>{graph::grad(in[0].sum(), {in[1]})[0]}; };
  expect_error<Error>([&] { graph::trace(unused, {{"a", {2}, kFloat64}, {"b", {2}, kFloat64}}); }, "not used");
  auto vector_out = [](const std::vector<Tensor>& in) { return graph::grad(in[0] * 2, {in[0]}); };
  expect_error<ValueError>([&] { graph::trace(vector_out, {{"a", {2}, kFloat64}}); }, "one-element");
}

}  // namespace
}  // namespace tessera::testing
