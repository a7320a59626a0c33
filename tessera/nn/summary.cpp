#include "tessera/nn/summary.h"

#include <algorithm>
#include <iomanip>
#include <sstream>
#include <vector>

#include "tessera/autograd/grad_mode.h"
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

// One call of a module seen by a forward hook, in call order.
struct Call {
  Module* module;
  std::string name;
  std::string shape;
};

// Runs the model with a forward hook on every module; a row is a called module none of whose descendants was
// seen (the leaves of what ran: a composite that computes with its children's weights directly is one row).
std::vector<Row> trace_rows(Module& model, const Tensor& x) {
  std::vector<Call> calls;
  std::vector<std::pair<Module*, int64_t>> hooks;
  const auto modules = model.named_modules();
  for (auto& [name, m] : modules) {
    if (m == &model) continue;
    const std::string path = name;
    hooks.emplace_back(m, m->register_forward_hook([&calls, path](Module& mod, const Tensor&, const Tensor& out) {
      calls.push_back({&mod, path, shape_of(out)});
    }));
  }
  struct Unhook {  // the hooks go even when the forward throws
    std::vector<std::pair<Module*, int64_t>>& h;
    ~Unhook() {
      for (auto& [m, id] : h) m->remove_forward_hook(id);
    }
  } unhook{hooks};
  const Tensor y = model(x);
  auto descends = [](const std::string& child, const std::string& parent) {
    return child.size() > parent.size() && child.compare(0, parent.size(), parent) == 0 && child[parent.size()] == '.';
  };
  std::vector<Row> rows;
  for (const Call& c : calls) {
    const bool has_seen_child =
        std::any_of(calls.begin(), calls.end(), [&](const Call& d) { return descends(d.name, c.name); });
    if (!has_seen_child)
      rows.push_back({c.name + " (" + c.module->type_name() + ")", c.shape, with_commas(c.module->num_parameters())});
  }
  if (rows.empty())
    rows.push_back(
        {model.type_name() + " (" + model.type_name() + ")", shape_of(y), with_commas(model.num_parameters())});
  return rows;
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
    rows = trace_rows(model, example);
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
