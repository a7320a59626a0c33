#include "tessera/graph/name_scope.h"

#include <vector>

#include "tessera/graph/tracer.h"

namespace tessera::graph {
namespace {

thread_local std::vector<std::string> g_scopes;

}  // namespace

NameScope::NameScope(std::string name) { g_scopes.push_back(std::move(name)); }
NameScope::~NameScope() { g_scopes.pop_back(); }

std::string current_scope() {
  std::string s;
  for (const std::string& part : g_scopes) {
    if (part.empty()) continue;
    s += s.empty() ? part : "/" + part;
  }
  return s;
}

std::string scoped_name(const std::string& base) {
  std::string scope = current_scope();
  return scope.empty() ? base : scope + "/" + base;
}

const Tensor& name(const Tensor& t, const std::string& name) {
  Tracer* tracer = current_tracer();
  if (!tracer) return t;
  check<ValueError>(!name.empty() && name.find(':') == std::string::npos, "graph::name: invalid name '", name,
                    "' (names are non-empty and may not hold ':')");
  tracer->graph().rename(tracer->value_of(t), scoped_name(name));
  return t;
}

}  // namespace tessera::graph
