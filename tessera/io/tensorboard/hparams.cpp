#include "tessera/io/tensorboard/hparams.h"

#include "tessera/core/error.h"
#include "tessera/io/tensorboard/proto/hparams.pb.h"
#include "tessera/io/tensorboard/utf8.h"

namespace tessera::io {
namespace {

namespace hp = tensorboard::hparams;

void set_value(google::protobuf::Value& out, const HParam& v) {
  if (const auto* d = std::get_if<double>(&v.value)) out.set_number_value(*d);
  if (const auto* s = std::get_if<std::string>(&v.value)) {
    check_utf8(*s, "add_hparams", "the value");
    out.set_string_value(*s);
  }
  if (const auto* b = std::get_if<bool>(&v.value)) out.set_bool_value(*b);
}

hp::DataType data_type(const HParam& v) {
  constexpr hp::DataType kTypes[] = {hp::DATA_TYPE_FLOAT64, hp::DATA_TYPE_STRING, hp::DATA_TYPE_BOOL};
  return kTypes[v.value.index()];
}

std::string serialize(hp::HParamsPluginData& data) {
  data.set_version(0);
  return data.SerializeAsString();
}

}  // namespace

HParamsContent hparams_content(const HParams& hparams, const std::vector<std::string>& metric_tags,
                               const std::map<std::string, std::vector<HParam>>& domain_discrete) {
  check<ValueError>(!hparams.empty(), "add_hparams: expected at least one hyperparameter");
  hp::HParamsPluginData experiment, start, end;
  hp::Experiment* exp = experiment.mutable_experiment();
  hp::SessionStartInfo* ssi = start.mutable_session_start_info();
  for (const auto& [name, value] : hparams) {
    check_utf8(name, "add_hparams", "the name");
    set_value((*ssi->mutable_hparams())[name], value);
    hp::HParamInfo* info = exp->add_hparam_infos();
    info->set_name(name);
    info->set_type(data_type(value));
    auto domain = domain_discrete.find(name);
    if (domain == domain_discrete.end()) continue;
    google::protobuf::ListValue* list = info->mutable_domain_discrete();
    for (const HParam& d : domain->second) {
      check<ValueError>(d.value.index() == value.value.index(), "add_hparams: the domain of '", name,
                        "' holds a value of another type than the hyperparameter");
      set_value(*list->add_values(), d);
    }
  }
  for (const std::string& tag : metric_tags) check_utf8(tag, "add_hparams", "the metric");
  for (const std::string& tag : metric_tags) exp->add_metric_infos()->mutable_name()->set_tag(tag);
  end.mutable_session_end_info()->set_status(hp::STATUS_SUCCESS);
  return {serialize(experiment), serialize(start), serialize(end)};
}

}  // namespace tessera::io
