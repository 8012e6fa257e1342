#pragma once
/// @file
/// Checkpoints: one numpy `.npy` file per tensor plus a JSON manifest, in a directory.
///
///     dir/manifest.json              names, shapes, files, optimizer state, metadata
///     dir/data-<generation>/*.npy    float64, C order — `numpy.load` reads them
///
/// Saving is atomic: the tensors go into a fresh `data-<generation>.tmp` directory that is
/// renamed to `data-<generation>` once complete (and synced), then the new manifest is written
/// to `manifest.json.tmp` and renamed over `manifest.json` — the single commit point. A crash
/// at any moment leaves either the previous checkpoint or the new one, never a mix; stale data
/// directories are removed after the commit.
///
/// Loading reads and validates everything before changing any parameter (all or nothing):
/// names and shapes must match the model exactly, and the error lists every mismatch.
/// Missing, truncated or corrupt files raise CheckpointError naming the file and the problem.

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "chainrule/autodiff/errors.hpp"
#include "chainrule/autodiff/tensor.hpp"
#include "chainrule/nn/export.hpp"
#include "chainrule/nn/module.hpp"

namespace chainrule::nn {

/// A checkpoint that cannot be written or read, or does not fit the model.
class CHAINRULE_NN_EXPORT CheckpointError : public ad::Error {
 public:
  using ad::Error::Error;
};

/// What an optimizer saves (chainrule::optim fills and reads it). Numbers are stored as JSON
/// numbers with 17 significant digits, so every double round-trips exactly; tensors as .npy.
struct OptimizerState {
  std::string type;                                         ///< "Adam", "Momentum", ...
  std::map<std::string, double> numbers;                    ///< hyperparameters, step count
  std::map<std::string, std::string> text;                  ///< e.g. a generator's state
  std::vector<std::pair<std::string, ad::Tensor>> tensors;  ///< moments, in order
};

/// Everything a checkpoint holds, as read from disk.
struct Checkpoint {
  std::vector<std::pair<std::string, ad::Tensor>> parameters;  ///< in saved order
  std::optional<OptimizerState> optimizer;                     ///< present when one was saved
  std::map<std::string, std::string> metadata;  ///< free-form (iteration, command line, ...)
};

/// Writes `params` (and `optimizer`, `metadata` when given) to `dir`, atomically. Creates the
/// directory if needed; CheckpointError naming the path when the file system refuses.
CHAINRULE_NN_EXPORT void save_checkpoint(const std::filesystem::path& dir,
                                         const NamedParameters& params,
                                         const OptimizerState* optimizer = nullptr,
                                         const std::map<std::string, std::string>& metadata = {});
/// The same with `module.named_parameters()`.
/// @snippet nn_optim_examples.cpp checkpoint
CHAINRULE_NN_EXPORT void save_checkpoint(const std::filesystem::path& dir, const Module& module,
                                         const OptimizerState* optimizer = nullptr,
                                         const std::map<std::string, std::string>& metadata = {});

/// Reads a whole checkpoint without applying it, validating every file.
CHAINRULE_NN_EXPORT Checkpoint read_checkpoint(const std::filesystem::path& dir);

/// Throws CheckpointError listing every missing, unexpected and mis-shaped parameter when
/// `checkpoint` (read from `source`, named in the message) does not match `params` exactly.
CHAINRULE_NN_EXPORT void check_checkpoint(const Checkpoint& checkpoint,
                                          const NamedParameters& params,
                                          const std::filesystem::path& source = {});
/// check_checkpoint, then copies the values into the parameters (their buffers are kept).
CHAINRULE_NN_EXPORT void apply_checkpoint(const Checkpoint& checkpoint,
                                          const NamedParameters& params,
                                          const std::filesystem::path& source = {});

/// Reads `dir` and, if every name and shape matches `params` exactly, copies the values in.
/// Otherwise throws CheckpointError listing each missing, unexpected and mis-shaped
/// parameter (and leaves the parameters unchanged). Returns the saved optimizer state, if any.
CHAINRULE_NN_EXPORT std::optional<OptimizerState> load_checkpoint(const std::filesystem::path& dir,
                                                                  const NamedParameters& params);
/// The same with `module.named_parameters()`.
/// @snippet nn_optim_examples.cpp checkpoint
CHAINRULE_NN_EXPORT std::optional<OptimizerState> load_checkpoint(const std::filesystem::path& dir,
                                                                  const Module& module);

/// One tensor as a .npy file (float64, C order), written atomically (temp file + rename).
CHAINRULE_NN_EXPORT void save_npy(const std::filesystem::path& file, const ad::Tensor& tensor);
/// Reads a float64 .npy file (C or Fortran order); CheckpointError naming the file for a
/// missing, truncated or malformed file or another dtype.
CHAINRULE_NN_EXPORT ad::Tensor load_npy(const std::filesystem::path& file);

}  // namespace chainrule::nn
