#include "tessera/autograd/node.h"

#include <atomic>

#include "tessera/autograd/grad_mode.h"

namespace tessera::autograd {
namespace {
std::atomic<uint64_t> g_next_sequence_nr{0};
}  // namespace

Node::Node(const OpDef& def, const Attrs& attrs)
    : def_(&def), attrs_(attrs.clone()), sequence_nr_(g_next_sequence_nr.fetch_add(1)) {}

Node::~Node() {
  std::vector<std::shared_ptr<Node>> pending;
  auto take_edges = [&pending](Node& n) {
    for (Edge& e : n.next) {
      if (e.fn) pending.push_back(std::move(e.fn));
    }
    n.next.clear();
  };
  take_edges(*this);
  while (!pending.empty()) {
    std::shared_ptr<Node> n = std::move(pending.back());
    pending.pop_back();
    // The last owner: move its edges here before it dies, so its destructor finds nothing to recurse into.
    if (n.use_count() == 1) take_edges(*n);
  }
}

void Node::check_version(const SavedTensor& s, const char* what, size_t index) const {
  if (!s.tensor.defined() || !s.tensor.storage()) return;
  int64_t now = s.tensor.storage()->version();
  if (now != s.version) {
    throw Error(
        cat("backward: one of the tensors needed for gradient computation has been modified by an "
            "in-place operation: ",
            what, " ", index, " of '", def_->name, "' (shape ", shape_str(s.tensor.shape()), ") is at version ", now,
            "; expected version ", s.version, ". Use clone() before modifying it in place."));
  }
}

std::vector<Tensor> Node::unpack_inputs() const {
  std::vector<Tensor> v(input_types.size());
  for (size_t i = 0; i < saved_inputs.size(); ++i) {
    check_version(saved_inputs[i], "input", i);
    v[i] = saved_inputs[i].tensor;
  }
  return v;
}

std::vector<Tensor> Node::unpack_outputs() {
  std::vector<Tensor> v(output_types.size());
  for (size_t i = 0; i < saved_outputs.size(); ++i) {
    const SavedTensor& s = saved_outputs[i];
    if (!s.tensor.defined()) continue;
    check_version(s, "output", i);
    if (!is_grad_enabled()) {  // not differentiating the rule itself (no create_graph): no need to re-attach
      v[i] = s.tensor;
      continue;
    }
    // Re-attach this node so a gradient rule that uses its output (tanh: 1 - y^2) stays differentiable.
    auto impl = std::make_shared<TensorImpl>(s.tensor.impl());
    if (is_floating_point(impl->dtype)) {
      impl->autograd = std::make_shared<AutogradMeta>();
      impl->autograd->requires_grad = true;
      impl->autograd->grad_fn = shared_from_this();
      impl->autograd->output_nr = static_cast<int>(i);
    }
    v[i] = Tensor(std::move(impl));
  }
  return v;
}

std::vector<Tensor> Node::apply(std::span<const Tensor> grad_outputs) {
  check(!released_, "backward: trying to backward through the graph a second time (at '", def_->name,
        "'); the saved tensors were freed by the first backward. Pass retain_graph=true to the first backward "
        "if you need to run backward twice.");
  check<NotImplementedError>(def_->vjp != nullptr, "backward: the derivative for '", def_->name,
                             "' is not implemented");
  std::vector<Tensor> ins = unpack_inputs(), outs = unpack_outputs();
  OpCall call{*def_, ins, *attrs_, outs, input_types, output_types};
  for (size_t i = 0; i < next.size() && i < 64; ++i) {
    if (!next[i].valid()) call.needs_grad_mask &= ~(uint64_t{1} << i);
  }
  return def_->vjp(call, grad_outputs);
}

void Node::release() {
  saved_inputs.clear();
  saved_outputs.clear();
  released_ = true;
}

Edge gradient_edge(const Tensor& t) {
  const auto& meta = t.impl().autograd;
  if (!meta || !meta->requires_grad) return {};
  if (meta->grad_fn) return {meta->grad_fn, meta->output_nr, nullptr};
  return {nullptr, 0, meta};
}

}  // namespace tessera::autograd
