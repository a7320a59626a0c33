#include "tessera/optim/optimizer.h"

#include <charconv>
#include <cmath>
#include <optional>
#include <string_view>
#include <unordered_set>

#include "tessera/autograd/grad_mode.h"
#include "tessera/ops/creation.h"

namespace tessera::optim {
namespace {

Tensor scalar_f64(double v) { return full({}, v, kFloat64); }

/// The non-negative integer spelled by all of `s`, if it is one.
std::optional<int64_t> parse_index(std::string_view s) {
  int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || v < 0) return std::nullopt;
  return v;
}

/// Splits "<int>.<rest>" (after a known prefix) into the index and the rest.
std::optional<std::pair<int64_t, std::string>> split_indexed(std::string_view s) {
  size_t dot = s.find('.');
  if (dot == std::string_view::npos) return std::nullopt;
  auto idx = parse_index(s.substr(0, dot));
  if (!idx || dot + 1 == s.size()) return std::nullopt;
  return std::make_pair(*idx, std::string(s.substr(dot + 1)));
}

/// A private contiguous copy of `t` as `dtype`.
Tensor owned_copy(const Tensor& t, DType dtype) {
  Tensor c = t.to(dtype);
  if (c.is_same(t)) c = t.clone();
  return c.contiguous();
}

std::string join(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : "; ") + p;
  return out;
}

/// options[name] of a const or mutable map; KeyError naming `name` when absent.
template <class Map>
auto& option_at(Map& options, const std::string& name) {
  auto it = options.find(name);
  check<KeyError>(it != options.end(), "param group has no option '", name, "'");
  return it->second;
}

}  // namespace

double& ParamGroup::at(const std::string& name) { return option_at(options, name); }
double ParamGroup::at(const std::string& name) const { return option_at(options, name); }

Optimizer::Optimizer(std::string name, std::vector<Tensor> params, Options defaults, OptionsValidator validate)
    : name_(std::move(name)), defaults_(std::move(defaults)), validate_(std::move(validate)) {
  check<ValueError>(!params.empty(), name_, ": optimizer got an empty parameter list");
  add_param_groups({ParamGroup{std::move(params), {}}});
}

Optimizer::Optimizer(std::string name, std::vector<ParamGroup> groups, Options defaults, OptionsValidator validate)
    : name_(std::move(name)), defaults_(std::move(defaults)), validate_(std::move(validate)) {
  check<ValueError>(!groups.empty(), name_, ": optimizer got an empty list of parameter groups");
  add_param_groups(std::move(groups));
}

void Optimizer::add_param_groups(std::vector<ParamGroup> groups) {
  for (auto& g : groups) add_param_group(std::move(g));
}

bool Optimizer::owns(const Tensor& param) const {
  for (const auto& g : groups_) {
    for (const auto& p : g.params) {
      if (p.is_same(param)) return true;
    }
  }
  return false;
}

void Optimizer::add_param_group(ParamGroup group) {
  std::unordered_set<const TensorImpl*> seen;
  for (const auto& g : groups_) {
    for (const auto& p : g.params) seen.insert(p.impl_ptr().get());
  }
  for (size_t i = 0; i < group.params.size(); ++i) {
    const Tensor& p = group.params[i];
    check<ValueError>(p.defined(), name_, ": parameter ", i, " of the group is undefined");
    check<ValueError>(p.is_leaf(), name_, ": can't optimize a non-leaf Tensor (parameter ", i, " of the group)");
    check<DTypeError>(p.is_floating_point(), name_, ": can only optimize floating point tensors, parameter ", i,
                      " has dtype ", p.dtype());
    check<ValueError>(seen.insert(p.impl_ptr().get()).second, name_, ": parameter ", i,
                      " of the group appears more than once among the parameter groups");
  }
  for (const auto& [k, v] : group.options) {
    if (defaults_.count(k)) continue;
    std::string known;
    for (const auto& [d, _] : defaults_) known += (known.empty() ? "" : ", ") + d;
    throw KeyError(cat(name_, ": unknown option '", k, "' (options: ", known, ")"));
  }
  for (const auto& [k, v] : defaults_) group.options.emplace(k, v);
  if (validate_) validate_(group.options);
  groups_.push_back(std::move(group));
}

void Optimizer::step() {
  NoGradGuard no_grad;
  for (auto& g : groups_) {
    for (auto& p : g.params) {
      Tensor grad = p.grad();
      if (!grad.defined()) continue;
      update(g, p, grad, state_[p.impl_ptr().get()]);
    }
  }
  for (auto& c : constraints_) {
    if (c.param.defined()) {
      c.fn(c.param);
      continue;
    }
    for (auto& g : groups_) {
      for (auto& p : g.params) c.fn(p);
    }
  }
}

void Optimizer::zero_grad(bool set_to_none) {
  for (auto& g : groups_) {
    for (auto& p : g.params) {
      Tensor grad = p.grad();
      if (!grad.defined()) continue;
      if (set_to_none) {
        p.set_grad({});
        continue;
      }
      if (grad.requires_grad()) grad = grad.detach();  // a create_graph gradient: cut it from the tape
      NoGradGuard no_grad;
      grad.zero_();
      p.set_grad(grad);
    }
  }
}

const ParamState& Optimizer::state(const Tensor& param) const {
  check<KeyError>(owns(param), name_, ".state: the tensor is not a parameter of this optimizer");
  static const ParamState kEmpty;
  auto it = state_.find(param.impl_ptr().get());
  return it == state_.end() ? kEmpty : it->second;
}

StateDict Optimizer::state_dict() const {
  StateDict sd;
  int64_t index = 0;
  for (const auto& g : groups_) {
    for (const auto& p : g.params) {
      auto it = state_.find(p.impl_ptr().get());
      if (it != state_.end()) {
        for (const auto& [k, t] : it->second) sd.set(cat("state.", index, ".", k), t);
      }
      ++index;
    }
  }
  index = 0;
  for (size_t gi = 0; gi < groups_.size(); ++gi) {
    const ParamGroup& g = groups_[gi];
    for (const auto& [k, v] : g.options) sd.set(cat("param_groups.", gi, ".", k), scalar_f64(v));
    std::vector<int64_t> ids;
    for (size_t j = 0; j < g.params.size(); ++j) ids.push_back(index++);
    sd.set(cat("param_groups.", gi, ".params"), from_vector(ids, Shape{static_cast<int64_t>(ids.size())}));
  }
  return sd;
}

void Optimizer::load_state_dict(const StateDict& sd) {
  const std::string where = name_ + ".load_state_dict";
  size_t saved_groups = 0;
  while (sd.contains(cat("param_groups.", saved_groups, ".params"))) ++saved_groups;
  check<ValueError>(saved_groups == groups_.size(), where, ": loaded state dict has ", saved_groups,
                    " parameter groups, the optimizer has ", groups_.size());

  // Saved param index -> parameter, through the groups in order (PyTorch's id_map).
  std::vector<std::string> bad;
  std::unordered_map<int64_t, const Tensor*> params_by_index;
  for (size_t gi = 0; gi < groups_.size(); ++gi) {
    const std::string key = cat("param_groups.", gi, ".params");
    Tensor ids = sd.at(key).to(kInt64).contiguous();
    if (ids.numel() != static_cast<int64_t>(groups_[gi].params.size())) {
      bad.push_back(cat(key, " (", ids.numel(), " params saved, the group has ", groups_[gi].params.size(), ")"));
      continue;
    }
    const int64_t* id = ids.data_ptr<const int64_t>();
    for (int64_t j = 0; j < ids.numel(); ++j) params_by_index[id[j]] = &groups_[gi].params[j];
  }
  check<ValueError>(bad.empty(), where, ": loaded state dict contains parameter groups that don't match the ",
                    "size of the optimizer's groups: ", join(bad));

  std::vector<Options> options(groups_.size());
  std::unordered_map<const TensorImpl*, ParamState> state;
  for (const auto& [key, t] : sd) {
    std::string_view k = key;
    if (k.starts_with("state.")) {
      auto parts = split_indexed(k.substr(6));
      auto it = parts ? params_by_index.find(parts->first) : params_by_index.end();
      if (it == params_by_index.end()) {
        bad.push_back(cat(key, " (no such parameter)"));
        continue;
      }
      const Tensor& p = *it->second;
      const std::string& name = parts->second;
      if (is_scalar_state(name)) {
        if (t.numel() != 1) {
          bad.push_back(cat(key, " (expected one value, got shape ", shape_str(t.shape()), ")"));
          continue;
        }
        state[p.impl_ptr().get()][name] = owned_copy(t, kFloat64).reshape({});
      } else if (t.shape() != p.shape()) {
        bad.push_back(cat(key, " (shape ", shape_str(t.shape()), ", parameter has ", shape_str(p.shape()), ")"));
      } else {
        state[p.impl_ptr().get()][name] = owned_copy(t, p.dtype());
      }
    } else if (k.starts_with("param_groups.")) {
      auto parts = split_indexed(k.substr(13));
      if (!parts || parts->first >= static_cast<int64_t>(groups_.size())) {
        bad.push_back(cat(key, " (no such parameter group)"));
      } else if (parts->second != "params") {
        if (t.numel() == 1) {
          options[parts->first][parts->second] = t.item<double>();
        } else {
          bad.push_back(cat(key, " (expected one value, got shape ", shape_str(t.shape()), ")"));
        }
      }
    } else {
      bad.push_back(cat(key, " (unexpected key)"));
    }
  }
  check<ValueError>(bad.empty(), where, ": entries that don't fit this optimizer: ", join(bad));

  for (auto& o : options) {
    for (const auto& [k, v] : defaults_) o.emplace(k, v);  // options saved before they existed
    if (validate_) validate_(o);
  }
  for (size_t gi = 0; gi < groups_.size(); ++gi) groups_[gi].options = std::move(options[gi]);
  state_ = std::move(state);
}

void Optimizer::add_constraint(const Tensor& param, Constraint constraint) {
  check<ValueError>(owns(param), name_, ".add_constraint: the tensor is not a parameter of this optimizer");
  constraints_.push_back({param, std::move(constraint)});
}

void Optimizer::add_constraint(Constraint constraint) { constraints_.push_back({Tensor(), std::move(constraint)}); }

Tensor& state_buffer(ParamState& state, const std::string& name, const Tensor& param, double init) {
  auto it = state.find(name);
  if (it == state.end()) it = state.emplace(name, full_like(param, init).contiguous()).first;
  return it->second;
}

double& state_scalar(ParamState& state, const std::string& name, double init) {
  auto it = state.find(name);
  if (it == state.end()) it = state.emplace(name, scalar_f64(init)).first;
  return *it->second.data_ptr<double>();
}

void check_option(bool ok, const std::string& optimizer, const std::string& arg, double value, const char* rule) {
  check<ValueError>(ok, optimizer, ": invalid ", arg, " value: ", value, " (", rule, ")");
}

void check_common_options(const std::string& optimizer, const Options& o) {
  auto it = o.find("lr");
  check<ValueError>(it == o.end() || !std::isnan(it->second), optimizer, ": lr is required (it has no default)");
  for (const char* k : {"lr", "eps", "weight_decay", "momentum"}) {
    if (auto i = o.find(k); i != o.end()) check_option(i->second >= 0.0, optimizer, k, i->second, "must be >= 0");
  }
  for (const char* k : {"betas0", "betas1"}) {
    if (auto i = o.find(k); i != o.end()) {
      check_option(i->second >= 0.0 && i->second < 1.0, optimizer, k, i->second, "must be in [0, 1)");
    }
  }
}

}  // namespace tessera::optim
