#pragma once
/// @file
/// numpy's `.npy` format for one tensor (float64), as checkpoints store them.

#include <filesystem>

#include "chainrule/autodiff/tensor.hpp"
#include "chainrule/nn/export.hpp"

namespace chainrule::nn {

namespace ad = chainrule::ad;

/// One tensor as a .npy file (float64, C order), written atomically (temp file + rename).
CHAINRULE_NN_EXPORT void save_npy(const std::filesystem::path& file, const ad::Tensor& tensor);
/// Reads a float64 .npy file (C or Fortran order); CheckpointError naming the file for a
/// missing, truncated or malformed file, another dtype, or a shape whose element count does
/// not fit in memory.
CHAINRULE_NN_EXPORT ad::Tensor load_npy(const std::filesystem::path& file);

namespace detail {
/// The bytes of `tensor` as a .npy file.
CHAINRULE_NN_EXPORT std::string npy_bytes(const ad::Tensor& tensor);
}  // namespace detail

}  // namespace chainrule::nn
