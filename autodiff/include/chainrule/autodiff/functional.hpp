#pragma once
/// @file
/// `grad`: gradients as values, without touching the leaves' accumulated gradients.

#include <vector>

#include "chainrule/autodiff/export.hpp"
#include "chainrule/autodiff/var.hpp"

namespace chainrule::ad {

/// How `grad` and `vjp` differentiate.
struct GradOptions {
  /// Record the reverse sweep itself, so the returned gradients can be differentiated again
  /// (Hessians, gradient penalties). Without it the gradients are constants.
  bool create_graph = false;
};

/// d output / d input for each input (any recorded Var, leaf or not), as Vars of the inputs'
/// shapes. `output` must hold one element. Inputs the output does not depend on get zeros.
/// Only nodes on a path from an input to the output are visited.
/// @snippet autodiff_examples.cpp grad
CHAINRULE_AUTODIFF_EXPORT std::vector<Var> grad(const Var& output, const std::vector<Var>& inputs,
                                                const GradOptions& options = {});
/// Vector–Jacobian product: `grad` for an output of any shape, seeded with `seed` (the
/// output's shape); gives seedᵀ·∂output/∂input for each input.
CHAINRULE_AUTODIFF_EXPORT std::vector<Var> vjp(const Var& output, const std::vector<Var>& inputs,
                                               const Tensor& seed, const GradOptions& options = {});
/// The same with the seed a recorded Var: with `create_graph` the result is differentiable
/// in the seed too (J·u is obtained this way, as the gradient of ⟨Jᵀv, u⟩ in v).
CHAINRULE_AUTODIFF_EXPORT std::vector<Var> vjp(const Var& output, const std::vector<Var>& inputs,
                                               const Var& seed, const GradOptions& options = {});

}  // namespace chainrule::ad
