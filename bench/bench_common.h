#pragma once
// Shared pieces of Tessera's benchmarks: a reporter that pairs each "tessera/<case>" run with its
// "torch/<case>" (and "blas/<case>", "onednn/<case>") twin from the same program run and prints the median times, their
// min-max over the repetitions and the ratio tessera / peer (../shared/BENCHMARKING.md).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

namespace tessera::bench {

/// Adds "min" and "max" aggregates over the repetitions (the ratio table prints them beside the median).
inline void add_min_max(benchmark::internal::Benchmark* b) {
  b->ComputeStatistics("min", [](const std::vector<double>& v) { return *std::min_element(v.begin(), v.end()); });
  b->ComputeStatistics("max", [](const std::vector<double>& v) { return *std::max_element(v.begin(), v.end()); });
}

/// Milliseconds, medians over 10 repetitions (with min and max), wall-clock time: every ratio-table case.
inline void configure(benchmark::internal::Benchmark* b) {
  b->Unit(benchmark::kMillisecond)->Repetitions(10)->ReportAggregatesOnly(true)->UseRealTime();
  add_min_max(b);
}

/// The table's rate column as GB/s of `bytes` moved per iteration.
inline void set_bytes(benchmark::State& s, int64_t bytes) {
  s.counters["GB/s"] =
      benchmark::Counter(static_cast<double>(bytes) / 1e9, benchmark::Counter::kIsIterationInvariantRate);
}

/// "12.3 us", "4.56 ms": a time in seconds with a unit that fits it (the cases span nanoseconds to seconds).
inline std::string format_time(double seconds) {
  if (seconds <= 0) return "-";
  static constexpr struct {
    double scale;
    const char* unit;
  } kUnits[] = {{1, "s"}, {1e-3, "ms"}, {1e-6, "us"}, {1e-9, "ns"}};
  for (const auto& u : kUnits) {
    if (seconds >= u.scale || u.scale == 1e-9) {
      char buf[32];
      double v = seconds / u.scale;
      std::snprintf(buf, sizeof buf, v >= 100 ? "%.0f %s" : v >= 10 ? "%.1f %s" : "%.2f %s", v, u.unit);
      return buf;
    }
  }
  return "-";
}

class RatioReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& r : runs) {
      std::string name = r.run_name.function_name;  // "tessera/add_16M" or "torch/add_16M"
      auto slash = name.find('/');
      if (slash == std::string::npos) continue;
      std::string impl = name.substr(0, slash), what = name.substr(slash + 1);
      if (!r.run_name.args.empty()) what += "/" + r.run_name.args;
      if (r.error_occurred && impl == "tessera") errors_[what] = r.error_message;
      if (r.run_type != Run::RT_Aggregate) continue;
      Times& t = (impl == "tessera" ? tessera_ : impl == "blas" ? blas_ : impl == "onednn" ? onednn_ : torch_)[what];
      // Wall time, except for cases that chose CPU time (single-threaded cases on a shared machine).
      double t_unit = r.run_name.time_type.empty() ? r.GetAdjustedCPUTime() : r.GetAdjustedRealTime();
      double seconds = t_unit / benchmark::GetTimeUnitMultiplier(r.time_unit);
      if (r.aggregate_name == "min") t.min = seconds;
      if (r.aggregate_name == "max") t.max = seconds;
      if (r.aggregate_name != "median") continue;
      t.median = seconds;
      for (const auto& [key, counter] : r.counters) {
        if (impl != "tessera") continue;
        char buf[48];
        if (counter.flags & benchmark::Counter::kInvert) {  // a time per unit of work (e.g. per op)
          std::snprintf(buf, sizeof buf, "%s/%s", format_time(counter.value).c_str(), key.c_str());
        } else {
          std::snprintf(buf, sizeof buf, "%.1f %s", counter.value, key.c_str());
        }
        rates_[what] = buf;
      }
    }
  }

  void Finalize() override {
    ConsoleReporter::Finalize();
    std::printf("\n%-30s %10s %21s %10s %21s %6s %10s %6s %10s %6s  %s\n", "benchmark (median)", "tessera", "(min-max)",
                "libtorch", "(min-max)", "ratio", "BLAS", "ratio", "oneDNN", "ratio", "tessera rate");
    for (const auto& [what, t] : tessera_) {
      Times peer = lookup(torch_, what), blas = lookup(blas_, what), onednn = lookup(onednn_, what);
      std::printf("%-30s %10s %21s %10s %21s %6s %10s %6s %10s %6s  %s\n", what.c_str(), format_time(t.median).c_str(),
                  range(t).c_str(), format_time(peer.median).c_str(), range(peer).c_str(), ratio(t, peer).c_str(),
                  format_time(blas.median).c_str(), ratio(t, blas).c_str(), format_time(onednn.median).c_str(),
                  ratio(t, onednn).c_str(), rates_[what].c_str());
    }
    for (const auto& [what, message] : errors_) std::printf("%-30s skipped: %s\n", what.c_str(), message.c_str());
  }

 private:
  struct Times {
    double median = 0, min = 0, max = 0;
  };
  static Times lookup(const std::map<std::string, Times>& m, const std::string& k) {
    auto it = m.find(k);
    return it == m.end() ? Times{} : it->second;
  }
  static std::string range(const Times& t) {
    return t.min > 0 ? "(" + format_time(t.min) + " - " + format_time(t.max) + ")" : "";
  }
  static std::string ratio(const Times& t, const Times& peer) {
    if (t.median <= 0 || peer.median <= 0) return "-";
    char buf[16];
    std::snprintf(buf, sizeof buf, "%.2f", t.median / peer.median);
    return buf;
  }
  std::map<std::string, Times> tessera_, torch_, blas_, onednn_;
  std::map<std::string, std::string> rates_;
  std::map<std::string, std::string> errors_;
};

/// Runs the registered benchmarks with medians over repetitions and prints the ratio table.
inline int run_with_ratios(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  return 0;
}

}  // namespace tessera::bench
