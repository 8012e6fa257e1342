#pragma once
// A training run in a checkpoint: the parameters under the course's names, the optimizer's
// state (its random generator's included) and the run's settings in the metadata, so that
// --resume DIR continues exactly as the run would have gone on.

#include <cstddef>
#include <functional>
#include <map>
#include <string>

#include "trainer.hpp"

namespace chainrule::curve {

/// The settings of a run and the iteration it reached, as checkpoint metadata (text; reals
/// with enough digits to read back exactly).
std::map<std::string, std::string> run_metadata(const TrainOptions& options, std::size_t iteration);

/// Restores the settings run_metadata() saved in `dir` into `options`. `given(flag)` tells
/// whether the command line set a flag ("--noise", ...): its value must then agree with the
/// checkpoint (examples::UsageError naming both otherwise). `options.iterations` stays the
/// total to reach when "--iterations" was given (at least the checkpoint's iteration), else
/// becomes the saved run's. Returns the iteration reached. A missing or malformed entry is a
/// std::runtime_error naming the file, the key and the problem.
std::size_t restore_settings(const std::string& dir, TrainOptions& options,
                             const std::function<bool(const std::string&)>& given);

/// Saves the trainer's parameters, optimizer state and settings to `dir`, atomically.
void save_run(const std::string& dir, CurveTrainer& trainer, std::size_t iteration);
/// Loads the parameters and optimizer state of `dir` into `trainer` (all or nothing).
void load_run(const std::string& dir, CurveTrainer& trainer);

}  // namespace chainrule::curve
