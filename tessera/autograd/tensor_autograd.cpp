// The autograd methods of Tensor (declared in core/tensor.h).
#include <algorithm>

#include "tessera/autograd/engine.h"
#include "tessera/autograd/grad_mode.h"
#include "tessera/autograd/node.h"
#include "tessera/autograd/recorder.h"

namespace tessera {
namespace {

AutogradMeta& meta_of(const Tensor& t) {
  auto& m = t.impl().autograd;
  if (!m) m = std::make_shared<AutogradMeta>();
  return *m;
}

}  // namespace

bool Tensor::requires_grad() const {
  const auto& m = impl().autograd;
  return m && m->requires_grad;
}

Tensor& Tensor::requires_grad_(bool requires_grad) {
  if (!requires_grad && !is_leaf()) {
    throw Error("requires_grad_: only leaf tensors can stop requiring grad; use detach() on a non-leaf");
  }
  check<DTypeError>(!requires_grad || is_floating_point(), "requires_grad_: only floating point tensors can require ",
                    "gradients, got ", dtype());
  if (requires_grad) autograd::ensure_recording();
  meta_of(*this).requires_grad = requires_grad;
  return *this;
}

Tensor Tensor::grad() const {
  const auto& m = impl().autograd;
  return m ? m->grad : Tensor();
}

void Tensor::set_grad(const Tensor& grad) const {
  if (grad.defined()) {
    check<ShapeError>(grad.shape() == shape(), "set_grad: gradient of shape ", shape_str(grad.shape()),
                      " does not match tensor of shape ", shape_str(shape()));
  }
  meta_of(*this).grad = grad;
}

void Tensor::backward(const Tensor& gradient, bool retain_graph, bool create_graph) const {
  tessera::backward({*this}, gradient.defined() ? std::vector<Tensor>{gradient} : std::vector<Tensor>{}, retain_graph,
                    create_graph);
}

Tensor Tensor::detach() const {
  auto alias = std::make_shared<TensorImpl>(impl());
  alias->autograd.reset();
  return Tensor(std::move(alias));
}

bool Tensor::is_leaf() const {
  const auto& m = impl().autograd;
  return !m || !m->grad_fn;
}

void Tensor::retain_grad() const {
  check(requires_grad(), "retain_grad: the tensor does not require grad");
  meta_of(*this).retains_grad = true;
}

int64_t Tensor::register_hook(std::function<Tensor(const Tensor&)> hook) const {
  check(requires_grad(), "register_hook: cannot register a hook on a tensor that does not require gradient");
  AutogradMeta& m = meta_of(*this);
  int64_t id = m.next_hook_id++;
  m.hooks.emplace_back(id, std::move(hook));
  return id;
}

void Tensor::remove_hook(int64_t id) const {
  auto& hooks = meta_of(*this).hooks;
  hooks.erase(std::remove_if(hooks.begin(), hooks.end(), [id](const auto& h) { return h.first == id; }), hooks.end());
}

std::string Tensor::grad_fn_name() const {
  const auto& m = impl().autograd;
  return m && m->grad_fn ? m->grad_fn->def().name : "";
}

}  // namespace tessera
