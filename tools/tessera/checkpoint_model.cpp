#include "checkpoint_model.h"

#include <string>
#include <vector>

#include "tessera/models/zoo.h"

namespace tessera::cli {

std::pair<std::string, nn::ModulePtr> zoo_model_for(const std::string& name, const io::Checkpoint& c,
                                                    const std::string& path) {
  std::vector<std::string> names = name == "auto" ? models::model_names() : std::vector<std::string>{name};
  std::string errors;
  for (const std::string& n : names) {
    nn::ModulePtr model = models::make_model(n);
    try {
      model->load_state_dict(c.model);
      return {n, model};
    } catch (const Error& e) {
      errors += cat("\n  ", n, ": ", e.what());
    }
  }
  throw KeyError(cat("checkpoint '", path, "' does not fit ",
                     name == "auto" ? "any zoo model (" + std::to_string(names.size()) + " tried)" : "model " + name,
                     ":", errors));
}

}  // namespace tessera::cli
