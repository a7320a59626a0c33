#include "tessera/graph/random_nodes.h"

#include "tessera/ops/random.h"

namespace tessera::graph {

bool is_random_attrs(const Attrs& a) {
  return dynamic_cast<const UniformAttrs*>(&a) || dynamic_cast<const NormalAttrs*>(&a) ||
         dynamic_cast<const RandintAttrs*>(&a) || dynamic_cast<const RandpermAttrs*>(&a) ||
         dynamic_cast<const BernoulliAttrs*>(&a);
}

std::shared_ptr<const Attrs> with_fresh_stream(const std::shared_ptr<const Attrs>& attrs, const TensorType& out) {
  auto reserve = [&](const auto& a, int words) {
    auto copy = std::make_shared<std::decay_t<decltype(a)>>(a);
    copy->stream = default_generator().reserve_state(random_blocks(numel(out.shape), words));
    return std::shared_ptr<const Attrs>(std::move(copy));
  };
  if (auto* a = dynamic_cast<const UniformAttrs*>(attrs.get())) return reserve(*a, random_words(out.dtype));
  if (auto* a = dynamic_cast<const NormalAttrs*>(attrs.get())) return reserve(*a, random_words(out.dtype));
  if (auto* a = dynamic_cast<const RandintAttrs*>(attrs.get())) return reserve(*a, kRandintWords);
  if (auto* a = dynamic_cast<const RandpermAttrs*>(attrs.get())) return reserve(*a, kRandintWords);
  if (auto* a = dynamic_cast<const BernoulliAttrs*>(attrs.get())) return reserve(*a, kBernoulliWords);
  return attrs;
}

}  // namespace tessera::graph
