#include "tessera/nn/module.h"

#include <algorithm>
#include <sstream>

#include "tessera/autograd/grad_mode.h"
#include "tessera/core/dtype.h"

namespace tessera::nn {

std::string shape_of(const Tensor& t) { return shape_str(t.shape()); }

Tensor Module::forward(const Tensor&) {
  throw NotImplementedError(cat(type_name(), ": this module does not take a single tensor input"));
}

Tensor Module::register_parameter(const std::string& name, Tensor t, bool requires_grad) {
  if (t.defined() && requires_grad && !t.requires_grad()) t.requires_grad_(true);
  params_.emplace_back(name, t);
  return t;
}

Tensor Module::register_buffer(const std::string& name, Tensor t) {
  buffers_.emplace_back(name, t);
  return t;
}

void Module::add_child(const std::string& name, ModulePtr m) {
  check<ValueError>(m != nullptr, type_name(), ": cannot register a null module as '", name, "'");
  children_.emplace_back(name, std::move(m));
}

void Module::replace_child(const std::string& name, ModulePtr m) {
  check<ValueError>(m != nullptr, type_name(), ": cannot register a null module as '", name, "'");
  for (auto& [n, c] : children_) {
    if (n == name) {
      c = std::move(m);
      return;
    }
  }
  throw KeyError(cat(type_name(), ": no child named '", name, "'"));
}

ModulePtr Module::remove_child(const std::string& name) {
  for (auto it = children_.begin(); it != children_.end(); ++it) {
    if (it->first == name) {
      ModulePtr m = std::move(it->second);
      children_.erase(it);
      return m;
    }
  }
  throw KeyError(cat(type_name(), ": no child named '", name, "'"));
}

void Module::set_buffer(const std::string& name, const Tensor& value) {
  for (auto& [n, t] : buffers_) {
    if (n == name) {
      t = value;
      return;
    }
  }
  throw KeyError(cat(type_name(), ": no buffer named '", name, "'"));
}

void Module::collect(const std::string& prefix, bool params, bool recurse, NamedTensors& out) const {
  for (const auto& [n, t] : params ? params_ : buffers_) {
    if (t.defined()) out.emplace_back(prefix + n, t);
  }
  if (!recurse) return;
  for (const auto& [n, c] : children_) c->collect(prefix + n + ".", params, true, out);
}

NamedTensors Module::named_parameters(bool recurse) const {
  NamedTensors out;
  collect("", true, recurse, out);
  return out;
}
NamedTensors Module::named_buffers(bool recurse) const {
  NamedTensors out;
  collect("", false, recurse, out);
  return out;
}

namespace {
std::vector<Tensor> values(const NamedTensors& named) {
  std::vector<Tensor> out;
  out.reserve(named.size());
  for (const auto& [n, t] : named) out.push_back(t);
  return out;
}
}  // namespace

std::vector<Tensor> Module::parameters(bool recurse) const { return values(named_parameters(recurse)); }
std::vector<Tensor> Module::buffers(bool recurse) const { return values(named_buffers(recurse)); }

std::vector<ModulePtr> Module::children() const {
  std::vector<ModulePtr> out;
  for (const auto& [n, c] : children_) out.push_back(c);
  return out;
}

std::vector<std::pair<std::string, Module*>> Module::named_modules() {
  std::vector<std::pair<std::string, Module*>> out{{"", this}};
  for (const auto& [n, c] : children_) {
    for (auto& [sub, m] : c->named_modules()) out.emplace_back(sub.empty() ? n : n + "." + sub, m);
  }
  return out;
}

ModulePtr Module::child(const std::string& name) const {
  for (const auto& [n, c] : children_) {
    if (n == name) return c;
  }
  throw KeyError(cat(type_name(), ": no child module named '", name, "'"));
}

void Module::train(bool on) {
  training_ = on;
  for (auto& [n, c] : children_) c->train(on);
}

void Module::to(DType dtype) {
  NoGradGuard no_grad;
  auto convert = [&](const Tensor& t) {
    if (!t.defined() || !is_floating_point(t.dtype()) || t.dtype() == dtype) return;
    // Swap the handle's contents for the converted data (PyTorch's set_data), so every holder sees it.
    const Tensor c = t.detach().to(dtype).contiguous();
    TensorImpl& dst = t.impl();
    const TensorImpl& src = c.impl();
    dst.storage = src.storage, dst.offset = src.offset, dst.shape = src.shape, dst.strides = src.strides;
    dst.dtype = src.dtype;
    if (t.requires_grad()) t.set_grad({});
  };
  for (auto& [n, t] : params_) convert(t);
  for (auto& [n, t] : buffers_) convert(t);
  for (auto& [n, c] : children_) c->to(dtype);
}

void Module::zero_grad(bool set_to_none) {
  for (const Tensor& p : parameters()) {
    const Tensor g = p.grad();
    if (!g.defined()) continue;
    if (set_to_none) {
      p.set_grad({});
    } else {
      Tensor z = g.detach();
      z.zero_();
    }
  }
}

void Module::apply(const std::function<void(Module&)>& fn) {
  for (auto& [n, c] : children_) c->apply(fn);
  fn(*this);
}

int64_t Module::num_parameters() const {
  int64_t n = 0;
  for (const Tensor& p : parameters()) n += p.numel();
  return n;
}

StateDict Module::state_dict() const {
  StateDict out;
  // PyTorch orders each module's parameters, then its buffers, then its children.
  std::function<void(const Module&, const std::string&)> visit = [&](const Module& m, const std::string& prefix) {
    for (const auto& [n, t] : m.params_) {
      if (t.defined()) out.set(prefix + n, t.detach());
    }
    for (const auto& [n, t] : m.buffers_) {
      if (t.defined()) out.set(prefix + n, t.detach());
    }
    for (const auto& [n, c] : m.children_) visit(*c, prefix + n + ".");
  };
  visit(*this, "");
  return out;
}

void Module::load_state_dict(const StateDict& state, bool strict) {
  const StateDict own = state_dict();
  std::vector<std::string> missing, unexpected, mismatched;
  for (const auto& [k, t] : own) {
    const Tensor* src = state.find(k);
    if (!src) {
      missing.push_back(k);
    } else if (src->shape() != t.shape()) {
      mismatched.push_back(cat(k, " (checkpoint ", shape_str(src->shape()), ", model ", shape_str(t.shape()), ")"));
    }
  }
  for (const auto& [k, t] : state) {
    if (!own.contains(k)) unexpected.push_back(k);
  }
  auto list = [](const std::vector<std::string>& keys) {
    std::ostringstream s;
    for (size_t i = 0; i < keys.size(); ++i) s << (i ? ", " : "") << keys[i];
    return s.str();
  };
  check<ShapeError>(mismatched.empty(), "load_state_dict(", type_name(), "): size mismatch for ", list(mismatched));
  if (strict && (!missing.empty() || !unexpected.empty())) {
    std::string msg = cat("load_state_dict(", type_name(), "): ");
    if (!missing.empty()) msg += cat("missing keys: ", list(missing));
    if (!unexpected.empty()) msg += cat(missing.empty() ? "" : "; ", "unexpected keys: ", list(unexpected));
    throw KeyError(msg);
  }
  NoGradGuard no_grad;
  for (const auto& [k, t] : own) {
    if (const Tensor* src = state.find(k)) {
      Tensor dst = t;
      dst.copy_(*src);
    }
  }
}

std::string Module::repr() const {
  std::string s = type_name() + "(" + extra_repr();
  if (children_.empty()) return s + ")";
  s += "\n";
  for (const auto& [n, c] : children_) {
    std::string sub = c->repr();
    // Indent the child's lines by two spaces.
    std::string indented;
    for (char ch : sub) {
      indented += ch;
      if (ch == '\n') indented += "  ";
    }
    s += "  (" + n + "): " + indented + "\n";
  }
  return s + ")";
}

int64_t Module::register_forward_hook(ForwardHook hook) {
  forward_hooks_.emplace_back(next_hook_id_, std::move(hook));
  return next_hook_id_++;
}

void Module::remove_forward_hook(int64_t id) {
  std::erase_if(forward_hooks_, [id](const auto& h) { return h.first == id; });
}

void Module::run_forward_hooks(const Tensor& input, const Tensor& output) {
  // A copy: a hook may remove itself.
  const auto hooks = forward_hooks_;
  for (const auto& [id, hook] : hooks) hook(*this, input, output);
}

}  // namespace tessera::nn
