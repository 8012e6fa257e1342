#pragma once
/// @file
/// Checkpoints with optimizer state: parameters and the optimizer's moments, step count,
/// hyperparameters and generator state in one atomic checkpoint (format: nn/checkpoint.hpp),
/// so that training resumed from it continues bit-identically.

#include <filesystem>
#include <map>
#include <string>

#include "chainrule/nn/checkpoint.hpp"
#include "chainrule/nn/module.hpp"
#include "chainrule/optim/export.hpp"
#include "chainrule/optim/optimizer.hpp"

namespace chainrule::optim {

/// nn::save_checkpoint with `optimizer.state()` as the section "optimizer": parameters and
/// optimizer state, atomically.
CHAINRULE_OPTIM_EXPORT void save_checkpoint(
    const std::filesystem::path& dir, const nn::NamedParameters& params, const Optimizer& optimizer,
    const std::map<std::string, std::string>& metadata = {});
/// The same with `module.named_parameters()`.
/// @snippet nn_optim_examples.cpp checkpoint
CHAINRULE_OPTIM_EXPORT void save_checkpoint(
    const std::filesystem::path& dir, const nn::Module& module, const Optimizer& optimizer,
    const std::map<std::string, std::string>& metadata = {});

/// Restores parameters and optimizer state, all or nothing: nn::CheckpointError when the
/// checkpoint does not match the parameters (every mismatch listed), has no optimizer state,
/// or holds another optimizer's or mis-shaped state. Returns the checkpoint's metadata.
CHAINRULE_OPTIM_EXPORT std::map<std::string, std::string> load_checkpoint(
    const std::filesystem::path& dir, const nn::NamedParameters& params, Optimizer& optimizer);
/// The same with `module.named_parameters()`.
/// @snippet nn_optim_examples.cpp checkpoint
CHAINRULE_OPTIM_EXPORT std::map<std::string, std::string> load_checkpoint(
    const std::filesystem::path& dir, const nn::Module& module, Optimizer& optimizer);

}  // namespace chainrule::optim
