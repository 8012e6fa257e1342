#pragma once
// backprop_curve's command line: its flags (with their bounds) and the checks made before any
// work — outputs writable, --init readable and consistent with --n1/--n2, --resume restoring
// the run's settings from the checkpoint.

#include <string>

#include <CLI/CLI.hpp>

#include "trainer.hpp"

namespace chainrule::curve {

/// The largest hidden layer --n1/--n2 accept (and an --init file may hold).
inline constexpr std::size_t max_layer_size = 1000;
/// The largest --iterations, --log-every and --checkpoint-every.
inline constexpr std::size_t max_iterations = 1'000'000'000;

struct Settings {
  TrainOptions train;
  std::string init_file, plot_file, json_file, save_dir, resume_dir, dot_file;
  std::size_t log_every = 1000;
  std::size_t checkpoint_every = 0;  ///< 0: only at the end (and on a stop signal)
  bool distributed = false;          ///< data-parallel under mpirun: each rank trains a shard
  bool check_jacobians = false;      ///< compare autodiff's J with the course's, then stop
  std::size_t resumed_at = 0;        ///< the --resume checkpoint's iteration (set by check)
};

/// Registers every flag on `app`, writing into `settings`.
void add_flags(CLI::App& app, Settings& settings);

/// After parsing, before any work: reads --init (the architecture follows from its shapes),
/// restores a --resume checkpoint's settings, and checks every output destination.
/// examples::UsageError for a contradiction between flags or with a file (naming both),
/// std::runtime_error for a file that cannot be used.
void check(const CLI::App& app, Settings& settings);

}  // namespace chainrule::curve
