// The `tessera` command line: train, evaluate and inspect models (Caffe's `caffe train`/`caffe time` in one tool).
// Wrong arguments print a usage message and exit with code 2; errors from the library exit with code 1.
#include <iostream>

#include "commands.h"
#include "tessera/core/error.h"

int main(int argc, char** argv) {
  CLI::App app{"Tessera: train, evaluate and inspect deep learning models", "tessera"};
  app.require_subcommand(1);
  tessera::cli::add_info_command(app);
  tessera::cli::add_train_commands(app);
  tessera::cli::add_predict_command(app);
  tessera::cli::add_sample_command(app);
  tessera::cli::add_time_command(app);
  tessera::cli::add_graph_command(app);
  tessera::cli::add_events_command(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return 2;
  } catch (const tessera::Error& e) {
    std::cerr << "tessera: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
