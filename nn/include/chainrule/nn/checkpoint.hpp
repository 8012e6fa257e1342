#pragma once
/// @file
/// Checkpoints: one numpy `.npy` file per tensor plus a JSON manifest, in a directory.
///
///     dir/manifest.json              names, shapes, files, extra sections, metadata
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
/// Missing, truncated or corrupt files raise CheckpointError naming the file and the problem;
/// so do a manifest nested deeper than `max_json_depth`, a non-integer or out-of-range count,
/// and metadata that is not a string.
///
/// Besides the parameters a checkpoint holds named *sections* of extra state — an optimizer's
/// (chainrule::optim saves its state as the section "optimizer") or anything else that is
/// numbers, text and tensors.

#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "chainrule/autodiff/errors.hpp"
#include "chainrule/autodiff/tensor.hpp"
#include "chainrule/nn/export.hpp"
#include "chainrule/nn/module.hpp"
#include "chainrule/nn/npy.hpp"

namespace chainrule::nn {

/// A checkpoint that cannot be written or read, or does not fit the model.
class CHAINRULE_NN_EXPORT CheckpointError : public ad::Error {
 public:
  using ad::Error::Error;
};

/// Extra state saved beside the parameters. Numbers are stored as JSON numbers with 17
/// significant digits (NaN and ±∞ as "nan", "inf", "-inf"), so every double round-trips
/// exactly; tensors as .npy files.
struct CheckpointSection {
  std::string type;                                         ///< who wrote it: "Adam", ...
  std::map<std::string, double> numbers;                    ///< hyperparameters, counts
  std::map<std::string, std::string> text;                  ///< e.g. a generator's state
  std::vector<std::pair<std::string, ad::Tensor>> tensors;  ///< in order
};
/// Sections by name (a manifest key: not format, version, generation, parameters, metadata).
using CheckpointSections = std::map<std::string, CheckpointSection>;

/// Everything a checkpoint holds, as read from disk.
struct Checkpoint {
  std::vector<std::pair<std::string, ad::Tensor>> parameters;  ///< in saved order
  CheckpointSections sections;                                 ///< extra state by name
  std::map<std::string, std::string> metadata;  ///< free-form (iteration, command line, ...)
};

/// Writes `params` (and `sections`, `metadata` when given) to `dir`, atomically. Creates the
/// directory if needed; CheckpointError naming the path when the file system refuses.
CHAINRULE_NN_EXPORT void save_checkpoint(const std::filesystem::path& dir,
                                         const NamedParameters& params,
                                         const CheckpointSections& sections = {},
                                         const std::map<std::string, std::string>& metadata = {});
/// The same with `module.named_parameters()`.
/// @snippet nn_optim_examples.cpp checkpoint
CHAINRULE_NN_EXPORT void save_checkpoint(const std::filesystem::path& dir, const Module& module,
                                         const CheckpointSections& sections = {},
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
/// parameter (and leaves the parameters unchanged). Returns what was read (sections and
/// metadata included).
CHAINRULE_NN_EXPORT Checkpoint load_checkpoint(const std::filesystem::path& dir,
                                               const NamedParameters& params);
/// The same with `module.named_parameters()`.
/// @snippet nn_optim_examples.cpp checkpoint
CHAINRULE_NN_EXPORT Checkpoint load_checkpoint(const std::filesystem::path& dir,
                                               const Module& module);

}  // namespace chainrule::nn
