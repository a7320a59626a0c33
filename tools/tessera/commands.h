#pragma once
// The subcommands of the `tessera` tool, each in its own file; main.cpp wires them into CLI11.
#include <CLI/CLI.hpp>

namespace tessera::cli {

/// Adds `tessera info` (and `info ops`).
void add_info_command(CLI::App& app);
/// Adds `tessera train` and `tessera eval` (Fashion-MNIST with the model zoo).
void add_train_commands(CLI::App& app);
/// Adds `tessera predict` (a checkpoint's top-k classes for images, as CSV).
void add_predict_command(CLI::App& app);
/// Adds `tessera sample` (text from a char-lstm checkpoint).
void add_sample_command(CLI::App& app);
/// Adds `tessera time` (per-layer forward/backward milliseconds).
void add_time_command(CLI::App& app);
/// Adds `tessera graph` (a model's traced graph as text, DOT and SVG).
void add_graph_command(CLI::App& app);
/// Adds `tessera events` (the scalars of TensorBoard event files as tables).
void add_events_command(CLI::App& app);

}  // namespace tessera::cli
