#include "tessera/backend/cpu/dnnl/dnnl_engine.h"

#include <omp.h>

#include <string>
#include <utility>

#include "tessera/backend/cpu/dnnl/dnnl_version.h"
#include "tessera/core/allocator.h"
#include "tessera/core/parallel.h"

namespace tessera::cpu::onednn {

const dnnl::engine& engine() {
  static const auto* e = new dnnl::engine(dnnl::engine::kind::cpu, 0);  // never destroyed (static exit)
  return *e;
}

dnnl::stream& stream() {
  thread_local dnnl::stream s(engine());
  return s;
}

dnnl::memory wrap(const dnnl::memory::desc& md, const void* data) {
  return dnnl::memory(md, engine(), const_cast<void*>(data));
}

Buffer::Buffer(size_t bytes) : bytes_(bytes) {
  if (bytes_ > 0) data_ = cpu_allocator().allocate(bytes_);
}
Buffer::~Buffer() {
  if (data_) cpu_allocator().deallocate(data_, bytes_);
}

void execute(const dnnl::primitive& p, std::unordered_map<int, dnnl::memory> args, const dnnl::memory::desc& scratch) {
  // Scratchpads are per call (user mode), so one primitive can run on several threads at once.
  Buffer pad(scratch.get_size());
  if (pad.data()) args.emplace(DNNL_ARG_SCRATCHPAD, wrap(scratch, pad.data()));
  p.execute(stream(), args);
  stream().wait();
}

void add_thread_count(PlanKey& key) {
  const int n = num_threads();
  if (omp_get_max_threads() != n) omp_set_num_threads(n);
  key.push_back(n);
}

std::string version_string() {
  using dnnl::cpu_isa;
  static constexpr std::pair<cpu_isa, const char*> kIsas[] = {{cpu_isa::avx512_core_amx, "avx512_core_amx"},
                                                              {cpu_isa::avx512_core_bf16, "avx512_core_bf16"},
                                                              {cpu_isa::avx512_core_vnni, "avx512_core_vnni"},
                                                              {cpu_isa::avx512_core, "avx512_core"},
                                                              {cpu_isa::avx2_vnni, "avx2_vnni"},
                                                              {cpu_isa::avx2, "avx2"}};
  const cpu_isa effective = dnnl::get_effective_cpu_isa();
  std::string isa = "isa " + std::to_string(static_cast<int>(effective));
  for (const auto& [id, name] : kIsas) {
    if (id == effective) isa = name;
  }
  const dnnl_version_t* v = dnnl::version();
  return std::to_string(v->major) + "." + std::to_string(v->minor) + "." + std::to_string(v->patch) + " (" + v->hash +
         ", " + (v->cpu_runtime == DNNL_RUNTIME_OMP ? "OpenMP" : "non-OpenMP runtime") + ", " + isa + ")";
}

}  // namespace tessera::cpu::onednn
