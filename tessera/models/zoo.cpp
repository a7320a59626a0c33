#include "tessera/models/zoo.h"

#include "tessera/nn/activation.h"
#include "tessera/nn/container.h"
#include "tessera/nn/conv.h"
#include "tessera/nn/linear.h"
#include "tessera/nn/normalization.h"
#include "tessera/nn/pooling.h"
#include "tessera/ops/unary.h"

namespace tessera::models {

using nn::make;

nn::ModulePtr mlp() {
  return make<nn::Sequential>(std::vector<nn::ModulePtr>{make<nn::Flatten>(), make<nn::Linear>(784, 256),
                                                         make<nn::ReLU>(), make<nn::Linear>(256, 10)});
}

nn::ModulePtr lenet5() {
  return make<nn::Sequential>(std::vector<nn::ModulePtr>{
      make<nn::Conv2d>(1, 6, 5, nn::Conv2dOptions{.padding = {2, 2}}), make<nn::ReLU>(), make<nn::MaxPool2d>(2),
      make<nn::Conv2d>(6, 16, 5), make<nn::ReLU>(), make<nn::MaxPool2d>(2), make<nn::Flatten>(),
      make<nn::Linear>(400, 120), make<nn::ReLU>(), make<nn::Linear>(120, 84), make<nn::ReLU>(),
      make<nn::Linear>(84, 10)});
}

nn::ModulePtr fashion_cnn() {
  return make<nn::Sequential>(std::vector<nn::ModulePtr>{
      make<nn::Conv2d>(1, 32, 3, nn::Conv2dOptions{.padding = {1, 1}}), make<nn::ReLU>(), make<nn::MaxPool2d>(2),
      make<nn::Conv2d>(32, 64, 3, nn::Conv2dOptions{.padding = {1, 1}}), make<nn::ReLU>(), make<nn::MaxPool2d>(2),
      make<nn::Flatten>(), make<nn::Linear>(3136, 128), make<nn::ReLU>(), make<nn::Linear>(128, 10)});
}

namespace {

// conv3x3-BN-ReLU-conv3x3-BN plus the input (through a strided 1x1 conv + BN when the shape changes), then ReLU.
class BasicBlock : public nn::Module {
 public:
  BasicBlock(int64_t in, int64_t out, int64_t stride) {
    const nn::Conv2dOptions c3{.stride = {stride, stride}, .padding = {1, 1}, .bias = false};
    conv1_ = register_module("conv1", make<nn::Conv2d>(in, out, 3, c3));
    bn1_ = register_module("bn1", make<nn::BatchNorm2d>(out));
    conv2_ =
        register_module("conv2", make<nn::Conv2d>(out, out, 3, nn::Conv2dOptions{.padding = {1, 1}, .bias = false}));
    bn2_ = register_module("bn2", make<nn::BatchNorm2d>(out));
    if (stride != 1 || in != out) {
      shortcut_ = register_module(
          "shortcut", make<nn::Sequential>(std::vector<nn::ModulePtr>{
                          make<nn::Conv2d>(in, out, 1, nn::Conv2dOptions{.stride = {stride, stride}, .bias = false}),
                          make<nn::BatchNorm2d>(out)}));
    }
  }
  Tensor forward(const Tensor& x) override {
    const Tensor y = bn2_->forward(relu(bn1_->forward(conv1_->forward(x))));
    return relu(y + (shortcut_ ? shortcut_->forward(x) : x));
  }
  std::string type_name() const override { return "BasicBlock"; }

 private:
  std::shared_ptr<nn::Conv2d> conv1_, conv2_;
  std::shared_ptr<nn::BatchNorm2d> bn1_, bn2_;
  std::shared_ptr<nn::Sequential> shortcut_;
};

}  // namespace

nn::ModulePtr resnet_small() {
  auto net = make<nn::Sequential>();
  net->push_back("stem", make<nn::Conv2d>(1, 16, 3, nn::Conv2dOptions{.padding = {1, 1}, .bias = false}));
  net->push_back("stem_bn", make<nn::BatchNorm2d>(16));
  net->push_back("stem_relu", make<nn::ReLU>());
  int64_t in = 16;
  for (int64_t stage = 0; stage < 3; ++stage) {
    const int64_t out = 16 << stage;
    net->push_back(cat("layer", stage + 1, "_0"), make<BasicBlock>(in, out, stage == 0 ? 1 : 2));
    net->push_back(cat("layer", stage + 1, "_1"), make<BasicBlock>(out, out, 1));
    in = out;
  }
  net->push_back("pool", make<nn::AdaptiveAvgPool2d>(1));
  net->push_back("flatten", make<nn::Flatten>());
  net->push_back("fc", make<nn::Linear>(64, 10));
  return net;
}

const std::vector<std::string>& model_names() {
  static const std::vector<std::string> names{"mlp", "lenet5", "cnn", "resnet"};
  return names;
}

nn::ModulePtr make_model(const std::string& name) {
  if (name == "mlp") return mlp();
  if (name == "lenet5") return lenet5();
  if (name == "cnn") return fashion_cnn();
  if (name == "resnet") return resnet_small();
  throw KeyError(cat("unknown model '", name, "'; choose one of: mlp, lenet5, cnn, resnet"));
}

}  // namespace tessera::models
