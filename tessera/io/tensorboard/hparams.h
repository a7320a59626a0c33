#pragma once
// The hparams plugin's summaries (what torch.utils.tensorboard.summary.hparams writes): an experiment naming
// the hyperparameters and metrics, and one session's hyperparameter values and end status.
#include <cstdint>
#include <map>
#include <string>
#include <variant>
#include <vector>

namespace tessera::io {

/// A hyperparameter value: a number, a string or a bool (PyTorch's add_hparams takes int, float, str, bool).
struct HParam {
  HParam(double v) : value(v) {}                        // NOLINT: implicit, so maps read {"lr", 0.1}
  HParam(int v) : value(static_cast<double>(v)) {}      // NOLINT
  HParam(int64_t v) : value(static_cast<double>(v)) {}  // NOLINT
  HParam(bool v) : value(v) {}                          // NOLINT
  HParam(const char* v) : value(std::string(v)) {}      // NOLINT
  HParam(std::string v) : value(std::move(v)) {}        // NOLINT
  std::variant<double, std::string, bool> value;
};
using HParams = std::map<std::string, HParam>;

/// The hparams plugin's tags and plugin name (tensorboard/plugins/hparams/metadata.py).
inline constexpr const char* kHParamsPluginName = "hparams";
inline constexpr const char* kHParamsExperimentTag = "_hparams_/experiment";
inline constexpr const char* kHParamsSessionStartTag = "_hparams_/session_start_info";
inline constexpr const char* kHParamsSessionEndTag = "_hparams_/session_end_info";

/// Serialized tensorboard.hparams.HParamsPluginData (version 0) for the three summaries add_hparams writes,
/// each the `content` of a summary value tagged with the matching kHParams*Tag.
struct HParamsContent {
  std::string experiment;          ///< Experiment: one HParamInfo per hyperparameter, one MetricInfo per metric.
  std::string session_start_info;  ///< SessionStartInfo: the values.
  std::string session_end_info;    ///< SessionEndInfo: STATUS_SUCCESS.
};

/// The plugin contents for `hparams` and metrics tagged `metric_tags`. `domain_discrete` optionally lists the
/// values a hyperparameter can take (shown as a filter in TensorBoard). ValueError naming add_hparams when
/// hparams is empty, or when a domain value's type differs from its hyperparameter's.
HParamsContent hparams_content(const HParams& hparams, const std::vector<std::string>& metric_tags,
                               const std::map<std::string, std::vector<HParam>>& domain_discrete = {});

}  // namespace tessera::io
