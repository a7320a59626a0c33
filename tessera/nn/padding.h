#pragma once
// Padding layers (torch.nn.ConstantPad1d/2d/3d, ZeroPad2d, ReflectionPad1d/2d/3d, ReplicationPad1d/2d/3d): thin
// modules over tessera::pad (ops/pad.h), re-exported as nn::functional::pad. Padding sizes are in PyTorch's order:
// (left, right) for 1-d; (left, right, top, bottom) for 2-d; then (front, back) for 3-d. An integer pads every
// side by that much.
#include <array>
#include <string>
#include <vector>

#include "tessera/nn/module.h"
#include "tessera/ops/pad.h"

namespace tessera::nn {

namespace functional {
using tessera::pad;
}  // namespace functional

/// The shared body of the padding layers: pads the last `spatial` dims of a [N, C, *] or [C, *] input. ShapeError
/// naming the layer and its padding for another rank: `ReflectionPad2d((1, 1, 2, 0)): expected input [N, C, H, W]
/// or [C, H, W], got [4, 5]`; the mode's own limits (a reflect pad smaller than the dim, ...) as tessera::pad.
class PadNd : public Module {
 public:
  PadNd(int64_t spatial, PadMode mode, std::vector<int64_t> padding, double value = 0.0);
  PadNd(int64_t spatial, PadMode mode, int64_t padding, double value = 0.0)
      : PadNd(spatial, mode, std::vector<int64_t>(static_cast<size_t>(2 * spatial), padding), value) {}
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;

  std::vector<int64_t> padding;
  PadMode mode;
  double value;

 private:
  int64_t spatial_;
};

/// Pads with a constant `value`.
class ConstantPad1d : public PadNd {
 public:
  ConstantPad1d(int64_t padding, double value) : PadNd(1, PadMode::kConstant, padding, value) {}
  ConstantPad1d(std::array<int64_t, 2> padding, double value)
      : PadNd(1, PadMode::kConstant, {padding[0], padding[1]}, value) {}
  std::string type_name() const override { return "ConstantPad1d"; }
};
class ConstantPad2d : public PadNd {
 public:
  ConstantPad2d(int64_t padding, double value) : PadNd(2, PadMode::kConstant, padding, value) {}
  ConstantPad2d(std::array<int64_t, 4> padding, double value)
      : PadNd(2, PadMode::kConstant, {padding.begin(), padding.end()}, value) {}
  std::string type_name() const override { return "ConstantPad2d"; }
};
class ConstantPad3d : public PadNd {
 public:
  ConstantPad3d(int64_t padding, double value) : PadNd(3, PadMode::kConstant, padding, value) {}
  ConstantPad3d(std::array<int64_t, 6> padding, double value)
      : PadNd(3, PadMode::kConstant, {padding.begin(), padding.end()}, value) {}
  std::string type_name() const override { return "ConstantPad3d"; }
};
/// Pads with zeros.
class ZeroPad2d : public PadNd {
 public:
  explicit ZeroPad2d(int64_t padding) : PadNd(2, PadMode::kConstant, padding) {}
  explicit ZeroPad2d(std::array<int64_t, 4> padding) : PadNd(2, PadMode::kConstant, {padding.begin(), padding.end()}) {}
  std::string type_name() const override { return "ZeroPad2d"; }
  std::string extra_repr() const override;
};

/// Reflects the input at its borders without repeating the edge (each pad smaller than its dim).
class ReflectionPad1d : public PadNd {
 public:
  explicit ReflectionPad1d(int64_t padding) : PadNd(1, PadMode::kReflect, padding) {}
  explicit ReflectionPad1d(std::array<int64_t, 2> padding) : PadNd(1, PadMode::kReflect, {padding[0], padding[1]}) {}
  std::string type_name() const override { return "ReflectionPad1d"; }
};
class ReflectionPad2d : public PadNd {
 public:
  explicit ReflectionPad2d(int64_t padding) : PadNd(2, PadMode::kReflect, padding) {}
  explicit ReflectionPad2d(std::array<int64_t, 4> padding)
      : PadNd(2, PadMode::kReflect, {padding.begin(), padding.end()}) {}
  std::string type_name() const override { return "ReflectionPad2d"; }
};
class ReflectionPad3d : public PadNd {
 public:
  explicit ReflectionPad3d(int64_t padding) : PadNd(3, PadMode::kReflect, padding) {}
  explicit ReflectionPad3d(std::array<int64_t, 6> padding)
      : PadNd(3, PadMode::kReflect, {padding.begin(), padding.end()}) {}
  std::string type_name() const override { return "ReflectionPad3d"; }
};

/// Repeats the edge values.
class ReplicationPad1d : public PadNd {
 public:
  explicit ReplicationPad1d(int64_t padding) : PadNd(1, PadMode::kReplicate, padding) {}
  explicit ReplicationPad1d(std::array<int64_t, 2> padding) : PadNd(1, PadMode::kReplicate, {padding[0], padding[1]}) {}
  std::string type_name() const override { return "ReplicationPad1d"; }
};
class ReplicationPad2d : public PadNd {
 public:
  explicit ReplicationPad2d(int64_t padding) : PadNd(2, PadMode::kReplicate, padding) {}
  explicit ReplicationPad2d(std::array<int64_t, 4> padding)
      : PadNd(2, PadMode::kReplicate, {padding.begin(), padding.end()}) {}
  std::string type_name() const override { return "ReplicationPad2d"; }
};
class ReplicationPad3d : public PadNd {
 public:
  explicit ReplicationPad3d(int64_t padding) : PadNd(3, PadMode::kReplicate, padding) {}
  explicit ReplicationPad3d(std::array<int64_t, 6> padding)
      : PadNd(3, PadMode::kReplicate, {padding.begin(), padding.end()}) {}
  std::string type_name() const override { return "ReplicationPad3d"; }
};

}  // namespace tessera::nn
