#include "tessera/autograd/engine.h"

#include <algorithm>
#include <map>
#include <queue>
#include <unordered_map>
#include <unordered_set>

#include "tessera/autograd/grad_mode.h"
#include "tessera/autograd/node.h"
#include "tessera/autograd/recorder.h"
#include "tessera/ops/creation.h"
#include "tessera/ops/reduce.h"

namespace tessera {

namespace autograd {
namespace {

using NodePtr = std::shared_ptr<Node>;

struct Capture {  // an input of grad(): where its gradient arrives, and the sum so far
  Edge edge;
  Tensor value;
};

Tensor accumulate(const Tensor& a, const Tensor& b) { return a.defined() ? (b.defined() ? a + b : a) : b; }

Tensor run_hooks(const std::shared_ptr<AutogradMeta>& meta, Tensor g) {
  if (!meta) return g;
  for (auto& [id, hook] : meta->hooks) {
    Tensor r = hook(g);
    if (r.defined()) g = r;
  }
  return g;
}

// Whether g is the only reference to all of its storage, so that .grad may keep it without a copy.
bool sole_owner(const Tensor& g) {
  const auto& st = g.storage();
  return g.impl_ptr().use_count() == 1 && st && st.use_count() == 1 && g.is_contiguous() && g.storage_offset() == 0 &&
         static_cast<size_t>(g.numel()) * itemsize(g.dtype()) == st->nbytes();
}

class GraphTask {
 public:
  GraphTask(bool keep_graph, bool create_graph, std::vector<Capture>* captures)
      : keep_graph_(keep_graph), create_graph_(create_graph), captures_(captures) {}

  void run(const std::vector<Tensor>& roots, const std::vector<Tensor>& root_grads) {
    std::vector<NodePtr> starts;
    for (size_t i = 0; i < roots.size(); ++i) {
      Edge e = gradient_edge(roots[i]);
      deliver(e, root_grads[i]);
      if (e.fn) starts.push_back(e.fn);
    }
    count_dependencies(starts);
    for (const NodePtr& n : starts) {
      if (dependencies_[n.get()] == 0 && queued_.insert(n.get()).second) ready_.push(n);
    }
    while (!ready_.empty()) {
      NodePtr node = ready_.top();
      ready_.pop();
      process(*node);
    }
    finish_leaves();
  }

 private:
  struct Later {  // the most recently created node first, like PyTorch
    bool operator()(const NodePtr& a, const NodePtr& b) const { return a->sequence_nr() < b->sequence_nr(); }
  };

  void count_dependencies(const std::vector<NodePtr>& starts) {
    std::vector<Node*> stack;
    for (const NodePtr& n : starts) {
      if (seen_.insert(n.get()).second) stack.push_back(n.get());
    }
    while (!stack.empty()) {
      Node* n = stack.back();
      stack.pop_back();
      for (const Edge& e : n->next) {
        if (!e.fn) continue;
        ++dependencies_[e.fn.get()];
        if (seen_.insert(e.fn.get()).second) stack.push_back(e.fn.get());
      }
    }
  }

  // Hands a gradient to an edge: a node's input buffer or a leaf's buffer (summed before its hooks run).
  void deliver(const Edge& e, const Tensor& g) {
    if (!e.valid() || !g.defined()) return;
    if (e.fn) {
      auto& buf = buffers_[e.fn.get()];
      buf.resize(e.fn->output_types.size());
      buf[e.output_nr] = accumulate(buf[e.output_nr], g);
      return;
    }
    auto it = leaf_index_.find(e.leaf.get());
    if (it == leaf_index_.end()) {
      leaf_index_.emplace(e.leaf.get(), leaves_.size());
      leaves_.push_back({e, g});
    } else {
      leaves_[it->second].value = accumulate(leaves_[it->second].value, g);
    }
  }

  // Runs each leaf's hooks on its total gradient, then hands it to a capture of grad() or accumulates .grad.
  void finish_leaves() {
    for (Capture& leaf : leaves_) {
      Tensor g = run_hooks(leaf.edge.leaf, std::move(leaf.value));
      if (captures_) {
        for (Capture& c : *captures_) {
          if (c.edge.leaf == leaf.edge.leaf) c.value = g;
        }
        continue;
      }
      Tensor& grad = leaf.edge.leaf->grad;
      if (!grad.defined()) {
        // Own the storage: g may alias a tensor the user holds. A gradient nothing else refers to is taken as is
        // (PyTorch does the same), which saves a copy of every parameter's gradient per step.
        grad = create_graph_ ? g : sole_owner(g) ? g.detach() : g.detach().clone();
      } else {
        grad = create_graph_ ? grad + g : (grad + g).detach();
      }
    }
  }

  void process(Node& node) {
    std::vector<Tensor> grads = std::move(buffers_[&node]);
    buffers_.erase(&node);
    grads.resize(node.output_types.size());
    for (size_t i = 0; i < grads.size(); ++i) {
      auto meta = i < node.output_metas.size() ? node.output_metas[i].lock() : nullptr;
      if (!grads[i].defined()) continue;
      grads[i] = run_hooks(meta, grads[i]);
      if (meta && meta->retains_grad) meta->grad = accumulate(meta->grad, create_graph_ ? grads[i] : grads[i].detach());
      if (captures_) {
        for (Capture& c : *captures_) {
          if (c.edge.fn.get() == &node && c.edge.output_nr == static_cast<int>(i))
            c.value = accumulate(c.value, grads[i]);
        }
      }
    }
    bool any = std::any_of(grads.begin(), grads.end(), [](const Tensor& g) { return g.defined(); });
    std::vector<Tensor> input_grads;
    if (any && needed(node)) {
      std::optional<NoGradGuard> no_grad;
      if (!create_graph_) no_grad.emplace();
      input_grads = node.apply(grads);
      check(input_grads.size() == node.next.size(), "backward: the gradient rule of '", node.def().name, "' returned ",
            input_grads.size(), " gradients for ", node.next.size(), " inputs");
      for (size_t i = 0; i < input_grads.size(); ++i) {
        Tensor& g = input_grads[i];
        if (!g.defined() || !node.next[i].valid()) continue;
        const TensorType& want = node.input_types[i];
        g = sum_to(g, want.shape);
        if (g.dtype() != want.dtype) g = g.to(want.dtype);
        if (is_anomaly_enabled()) check_finite(g, node.def().name, "backward gradient", node.creation_trace);
      }
    }
    if (!keep_graph_) node.release();
    for (size_t i = 0; i < node.next.size(); ++i) {
      const Edge& e = node.next[i];
      if (i < input_grads.size()) deliver(e, input_grads[i]);
      if (e.fn && --dependencies_[e.fn.get()] == 0 && queued_.insert(e.fn.get()).second) ready_.push(e.fn);
    }
  }

  // With captures (grad()), only nodes on a path to a captured input run their gradient rule.
  bool needed(Node& node) {
    if (!captures_) return true;
    auto it = needed_.find(&node);
    if (it != needed_.end()) return it->second;
    bool result = false;
    for (const Edge& e : node.next) {
      for (const Capture& c : *captures_) {
        result = result || (e.leaf && c.edge.leaf == e.leaf) || (e.fn && c.edge.fn == e.fn);
      }
      result = result || (e.fn && needed(*e.fn));
    }
    needed_[&node] = result;
    return result;
  }

  bool keep_graph_, create_graph_;
  std::vector<Capture>* captures_;
  std::unordered_map<Node*, int> dependencies_;
  std::unordered_map<Node*, std::vector<Tensor>> buffers_;
  std::unordered_map<Node*, bool> needed_;
  std::vector<Capture> leaves_;
  std::unordered_map<AutogradMeta*, size_t> leaf_index_;
  std::unordered_set<Node*> seen_, queued_;
  std::priority_queue<NodePtr, std::vector<NodePtr>, Later> ready_;
};

std::vector<Tensor> root_gradients(const std::vector<Tensor>& outputs, const std::vector<Tensor>& grad_outputs,
                                   const char* op) {
  check<ValueError>(grad_outputs.empty() || grad_outputs.size() == outputs.size(), op, ": got ", outputs.size(),
                    " outputs but ", grad_outputs.size(), " gradients");
  std::vector<Tensor> grads(outputs.size());
  for (size_t i = 0; i < outputs.size(); ++i) {
    const Tensor& o = outputs[i];
    check(o.requires_grad(), op, ": element ", i, " of the outputs does not require grad and has no grad_fn");
    if (!grad_outputs.empty() && grad_outputs[i].defined()) {
      check<ShapeError>(grad_outputs[i].shape() == o.shape(), op, ": gradient of shape ",
                        shape_str(grad_outputs[i].shape()), " does not match output ", i, " of shape ",
                        shape_str(o.shape()));
      grads[i] = grad_outputs[i];
    } else {
      check<ValueError>(o.numel() == 1, op, ": a gradient must be given for non-scalar output ", i, " of shape ",
                        shape_str(o.shape()), " (grad can be implicitly created only for scalar outputs)");
      grads[i] = ones_like(o);
    }
  }
  return grads;
}

}  // namespace
}  // namespace autograd

std::vector<Tensor> grad(const std::vector<Tensor>& outputs, const std::vector<Tensor>& inputs,
                         const std::vector<Tensor>& grad_outputs, std::optional<bool> retain_graph, bool create_graph,
                         bool allow_unused) {
  using namespace autograd;
  std::vector<Tensor> roots = root_gradients(outputs, grad_outputs, "grad");
  std::vector<Capture> captures;
  for (size_t i = 0; i < inputs.size(); ++i) {
    Edge e = gradient_edge(inputs[i]);
    check(e.valid(), "grad: input ", i, " does not require grad");
    captures.push_back({e, {}});
  }
  GraphTask(retain_graph.value_or(create_graph), create_graph, &captures).run(outputs, roots);
  std::vector<Tensor> result;
  for (size_t i = 0; i < captures.size(); ++i) {
    check(captures[i].value.defined() || allow_unused, "grad: input ", i,
          " was not used in the graph of the outputs (pass allow_unused=true to get an undefined gradient)");
    result.push_back(captures[i].value);
  }
  return result;
}

void backward(const std::vector<Tensor>& outputs, const std::vector<Tensor>& grad_outputs,
              std::optional<bool> retain_graph, bool create_graph) {
  using namespace autograd;
  std::vector<Tensor> roots = root_gradients(outputs, grad_outputs, "backward");
  GraphTask(retain_graph.value_or(create_graph), create_graph, nullptr).run(outputs, roots);
}

}  // namespace tessera
