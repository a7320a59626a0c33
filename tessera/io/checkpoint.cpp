#include "tessera/io/checkpoint.h"

#include <bit>
#include <charconv>
#include <nlohmann/json.hpp>
#include <string_view>

#include "tessera/backend/cpu/copy.h"
#include "tessera/io/atomic_file.h"
#include "tessera/io/safetensors.h"

namespace tessera::io {
namespace {

constexpr const char* kFormat = "tessera-checkpoint";
constexpr const char* kVersion = "1";
constexpr const char* kRngKey = "rng.state";
constexpr std::string_view kExtraPrefix = "extra.";

/// The three StateDict groups of a checkpoint and their key prefixes (Note [Checkpoint layout]).
struct Group {
  const char* prefix;
  StateDict Checkpoint::*member;
};
constexpr Group kGroups[] = {
    {"model.", &Checkpoint::model}, {"optimizer.", &Checkpoint::optimizer}, {"scheduler.", &Checkpoint::scheduler}};

/// Checks that `state` is what capture_rng_state makes; throws E naming `who`.
template <class E>
GeneratorState rng_state_of(const Tensor& state, const std::string& who) {
  check<E>(state.defined(), who, ": the rng state is undefined");
  check<E>(state.dtype() == kInt64 && state.shape() == Shape{2}, who,
           ": the rng state must be an int64 tensor of shape [2] (seed, offset), got ", state.dtype(), " ",
           fmt_shape(state.shape()));
  const Tensor c = cpu::as_contiguous(state);
  const int64_t* p = c.data_ptr<const int64_t>();
  return {std::bit_cast<uint64_t>(p[0]), std::bit_cast<uint64_t>(p[1])};
}

/// The metadata value `key` as an int64; IOError naming the file otherwise.
int64_t parse_int(const std::map<std::string, std::string>& meta, const std::string& key, const std::string& path) {
  auto it = meta.find(key);
  check<IOError>(it != meta.end(), "load_checkpoint: '", path, "': the metadata has no '", key, "'");
  const std::string& s = it->second;
  int64_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  check<IOError>(ec == std::errc() && end == s.data() + s.size() && !s.empty(), "load_checkpoint: '", path,
                 "': metadata '", key, "' is '", s, "', not an integer");
  return v;
}

/// The human-readable sidecar (Note [Checkpoint layout]).
std::string sidecar_json(const std::string& path, const Checkpoint& ckpt, const StateDict& tensors) {
  using Json = nlohmann::ordered_json;
  Json j = {{"format", kFormat},
            {"version", 1},
            {"file", path.substr(path.find_last_of('/') + 1)},
            {"epoch", ckpt.epoch},
            {"step", ckpt.step}};
  Json& entries = j["tensors"] = Json::object();
  for (const auto& [name, t] : tensors) entries[name] = {{"dtype", dtype_name(t.dtype())}, {"shape", t.shape()}};
  j["extra"] = ckpt.extra;
  return j.dump(2) + "\n";
}

}  // namespace

Tensor capture_rng_state(const Generator& gen) {
  const GeneratorState s = gen.get_state();
  Tensor t = empty({2}, kInt64);
  t.data_ptr<int64_t>()[0] = std::bit_cast<int64_t>(s.seed);
  t.data_ptr<int64_t>()[1] = std::bit_cast<int64_t>(s.offset);
  return t;
}

void restore_rng_state(const Tensor& state, Generator& gen) {
  gen.set_state(rng_state_of<ValueError>(state, "restore_rng_state"));
}

void save_checkpoint(const std::string& path, const Checkpoint& ckpt) {
  StateDict tensors;
  for (const Group& g : kGroups) tensors.merge(ckpt.*g.member, g.prefix);
  Tensor rng = ckpt.rng_state.defined() ? ckpt.rng_state : capture_rng_state();
  rng_state_of<ValueError>(rng, "save_checkpoint");
  tensors.set(kRngKey, rng);

  std::map<std::string, std::string> meta = {{"format", kFormat},
                                             {"version", kVersion},
                                             {"epoch", std::to_string(ckpt.epoch)},
                                             {"step", std::to_string(ckpt.step)}};
  for (const auto& [k, v] : ckpt.extra) meta[cat(kExtraPrefix, k)] = v;
  save_safetensors(path, tensors, meta);
  write_file_atomically(path + ".json", sidecar_json(path, ckpt, tensors));
}

Checkpoint load_checkpoint(const std::string& path) {
  SafetensorsFile file = load_safetensors(path);
  const auto& meta = file.metadata;
  auto format = meta.find("format");
  check<IOError>(format != meta.end() && format->second == kFormat, "load_checkpoint: '", path,
                 "' is not a Tessera checkpoint (its metadata has no \"format\": \"", kFormat, "\")");
  const std::string version = meta.count("version") ? meta.at("version") : "";
  check<IOError>(version == kVersion, "load_checkpoint: '", path, "': checkpoint version '", version,
                 "' is not supported (this build reads version ", kVersion, ")");

  Checkpoint ckpt;
  ckpt.epoch = parse_int(meta, "epoch", path);
  ckpt.step = parse_int(meta, "step", path);
  for (const auto& [k, v] : meta) {
    if (k.starts_with(kExtraPrefix)) ckpt.extra[k.substr(kExtraPrefix.size())] = v;
  }
  for (const auto& [name, t] : file.tensors) {
    if (name == kRngKey) {
      rng_state_of<IOError>(t, cat("load_checkpoint: '", path, "': ", kRngKey));
      ckpt.rng_state = t;
      continue;
    }
    const Group* group = nullptr;
    for (const Group& g : kGroups) {
      if (name.starts_with(g.prefix)) group = &g;
    }
    check<IOError>(group != nullptr, "load_checkpoint: '", path, "': unexpected tensor '", name,
                   "' (expected model.*, optimizer.*, scheduler.* or ", kRngKey, ")");
    (ckpt.*group->member).set(name.substr(std::string_view(group->prefix).size()), t);
  }
  check<IOError>(ckpt.rng_state.defined(), "load_checkpoint: '", path, "': no '", kRngKey, "' tensor");
  return ckpt;
}

}  // namespace tessera::io
