// `tessera events LOGDIR`: the scalars of every run under a TensorBoard log directory, as one table per run
// (a row per step, a column per tag), read with Tessera's own event-file reader.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "commands.h"
#include "tessera/core/error.h"
#include "tessera/io/tensorboard/event_reader.h"

namespace tessera::cli {
namespace {

struct EventsArgs {
  std::string logdir;
  std::vector<std::string> tags;
};

std::string format_value(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

// Steps in increasing order; per tag the last value logged at a step (a resumed run may log a step twice).
void print_table(const std::map<std::string, std::vector<io::ScalarPoint>>& tags) {
  std::set<int64_t> steps;
  std::vector<std::map<int64_t, double>> columns;
  std::vector<std::string> header = {"step"};
  for (const auto& [tag, points] : tags) {
    header.push_back(tag);
    auto& col = columns.emplace_back();
    for (const io::ScalarPoint& p : points) col[p.step] = p.value, steps.insert(p.step);
  }
  std::vector<std::vector<std::string>> rows = {header};
  for (int64_t step : steps) {
    std::vector<std::string> row = {std::to_string(step)};
    for (const auto& col : columns) {
      auto it = col.find(step);
      row.push_back(it == col.end() ? "-" : format_value(it->second));
    }
    rows.push_back(std::move(row));
  }
  std::vector<size_t> width(header.size(), 0);
  for (const auto& row : rows) {
    for (size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].size());
  }
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      const std::string pad(width[i] - row[i].size(), ' ');
      line += i == 0 ? row[i] + pad : "  " + pad + row[i];  // step left-aligned, values right-aligned
    }
    std::cout << line << "\n";
  }
}

void run_events(const EventsArgs& a) {
  const std::vector<std::string> runs = io::find_runs(a.logdir);
  check<IOError>(!runs.empty(), "no TensorBoard event files under '", a.logdir, "'");
  std::vector<std::string> errors;
  bool first = true;
  for (const std::string& run : runs) {
    io::RunScalars s = io::read_scalars((std::filesystem::path(a.logdir) / run).string());
    if (!a.tags.empty())
      std::erase_if(s.tags, [&](const auto& kv) { return !std::count(a.tags.begin(), a.tags.end(), kv.first); });
    for (const std::string& t : s.truncated) std::cerr << "note: " << t << " (normal for a run still being written)\n";
    errors.insert(errors.end(), s.errors.begin(), s.errors.end());
    if (s.tags.empty()) continue;
    std::cout << (first ? "" : "\n") << "run " << run << "\n";
    first = false;
    print_table(s.tags);
  }
  if (first) std::cout << "no scalars" << (a.tags.empty() ? "" : " with the given tags") << " in " << a.logdir << "\n";
  if (!errors.empty()) {
    std::string all;
    for (const std::string& e : errors) all += (all.empty() ? "" : "; ") + e;
    throw IOError(all);
  }
}

}  // namespace

void add_events_command(CLI::App& app) {
  auto args = std::make_shared<EventsArgs>();
  CLI::App* e = app.add_subcommand("events", "Print the scalars of TensorBoard event files: a table per run");
  e->add_option("logdir", args->logdir, "A run directory or a log directory holding runs")
      ->required()
      ->check(CLI::ExistingDirectory);
  e->add_option("--tag", args->tags, "Only these tags (repeatable)");
  e->callback([args] { run_events(*args); });
}

}  // namespace tessera::cli
