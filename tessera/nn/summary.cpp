#include "tessera/nn/summary.h"

#include <algorithm>
#include <iomanip>
#include <sstream>
#include <vector>

#include "tessera/autograd/grad_mode.h"
#include "tessera/nn/container.h"
#include "tessera/ops/creation.h"

namespace tessera::nn {
namespace {

struct Row {
  std::string layer, shape, params;
};

// 1234567 -> "1,234,567" (Keras' format).
std::string with_commas(int64_t n) {
  std::string digits = std::to_string(n), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

// Runs `m` on x, adding one row per leaf of nested Sequentials (or one for m itself); returns the output.
Tensor walk(Module& m, const std::string& name, const Tensor& x, std::vector<Row>& rows) {
  if (auto* seq = dynamic_cast<Sequential*>(&m); seq && seq->size() > 0) {
    Tensor y = x;
    for (const auto& [child, c] : seq->named_children())
      y = walk(*c, name.empty() ? child : name + "." + child, y, rows);
    return y;
  }
  Tensor y = m(x);
  const std::string label = (name.empty() ? m.type_name() : name) + " (" + m.type_name() + ")";
  rows.push_back({label, shape_of(y), with_commas(m.num_parameters())});
  return y;
}

// Puts every module back in the training mode it had (parents first: train() also sets the children).
class ModeRestorer {
 public:
  explicit ModeRestorer(Module& model) {
    for (auto& [n, m] : model.named_modules()) modes_.emplace_back(m, m->is_training());
  }
  ~ModeRestorer() {
    for (auto& [m, on] : modes_) m->train(on);
  }
  ModeRestorer(const ModeRestorer&) = delete;
  ModeRestorer& operator=(const ModeRestorer&) = delete;

 private:
  std::vector<std::pair<Module*, bool>> modes_;
};

}  // namespace

std::string summary(Module& model, const Tensor& example) {
  std::vector<Row> rows;
  {
    ModeRestorer restore(model);
    model.eval();
    NoGradGuard no_grad;
    walk(model, "", example, rows);
  }
  int64_t total = 0, trainable = 0;
  for (const Tensor& p : model.parameters()) {
    total += p.numel();
    if (p.requires_grad()) trainable += p.numel();
  }
  int w0 = 20, w1 = 20;
  for (const Row& r : rows) {
    w0 = std::max(w0, static_cast<int>(r.layer.size()) + 4), w1 = std::max(w1, static_cast<int>(r.shape.size()) + 4);
  }
  const std::string rule(static_cast<size_t>(w0 + w1 + 11), '_'), double_rule(rule.size(), '=');
  std::ostringstream s;
  s << std::left << "Model: \"" << model.type_name() << "\"\n" << rule << "\n";
  s << ' ' << std::setw(w0) << "Layer (type)" << std::setw(w1) << "Output Shape"
    << "Param #\n"
    << double_rule << "\n";
  for (const Row& r : rows) s << ' ' << std::setw(w0) << r.layer << std::setw(w1) << r.shape << r.params << "\n";
  s << double_rule << "\nTotal params: " << with_commas(total) << "\nTrainable params: " << with_commas(trainable)
    << "\nNon-trainable params: " << with_commas(total - trainable) << "\n"
    << rule << "\n";
  return s.str();
}

std::string summary(Module& model, const Shape& input_shape) {
  DType dtype = kFloat32;
  for (const Tensor& p : model.parameters()) {
    if (p.is_floating_point()) {
      dtype = p.dtype();
      break;
    }
  }
  return summary(model, zeros(input_shape, dtype));
}

}  // namespace tessera::nn
