#pragma once
// The zoo model a checkpoint of `tessera train` belongs to, for the subcommands that load one (eval, predict).
#include <string>
#include <utility>

#include "tessera/io/checkpoint.h"
#include "tessera/nn/module.h"

namespace tessera::cli {

/// The zoo model `name` with the checkpoint's weights loaded, or with name "auto" the first zoo model they fit;
/// returns {model name, model}. KeyError naming the checkpoint `path` and, per model tried, why it did not fit.
std::pair<std::string, nn::ModulePtr> zoo_model_for(const std::string& name, const io::Checkpoint& c,
                                                    const std::string& path);

}  // namespace tessera::cli
