#pragma once
// Names in a traced graph: nodes are named by the scopes active when they were traced plus their op
// ("conv1/relu"), and any value can be given a name of its own, so values can be found by name for feeds and
// fetches (TensorFlow's name scopes).
#include <string>

#include "tessera/core/tensor.h"

namespace tessera::graph {

/// Pushes a scope for the guard's lifetime: nodes traced inside are named "<outer>/<name>/<op>". Costs a
/// thread-local push when not tracing.
class NameScope {
 public:
  explicit NameScope(std::string name);
  ~NameScope();
  NameScope(const NameScope&) = delete;
  NameScope& operator=(const NameScope&) = delete;
};

/// The active scopes joined by '/', "" at the top level.
std::string current_scope();
/// `base` prefixed by the active scopes.
std::string scoped_name(const std::string& base);

/// While tracing, names the value `t` stands for "<scopes>/<name>" and returns `t`; outside tracing, returns `t`
/// unchanged. KeyError when the name is taken; ValueError for an empty name or one holding ':' (reserved for
/// outputs of multi-output ops).
const Tensor& name(const Tensor& t, const std::string& name);

}  // namespace tessera::graph
