#pragma once
/// @file
/// Parameters as one flat vector: for second-order and least-squares solvers, which work on a
/// function of a single vector θ (chainrule::optim's Newton, GaussNewton, LevenbergMarquardt).
///
/// θ is the concatenation of the parameters in list order, each flattened row-major.

#include <functional>
#include <span>
#include <vector>

#include "chainrule/nn/export.hpp"
#include "chainrule/nn/module.hpp"

namespace chainrule::nn {

/// Total number of scalars in `params`.
CHAINRULE_NN_EXPORT std::size_t flat_size(const std::vector<Parameter>& params);
/// θ: the parameters' values concatenated (1-D).
CHAINRULE_NN_EXPORT ad::Tensor flatten(const std::vector<Parameter>& params);
/// The parameters' accumulated gradients concatenated (1-D).
CHAINRULE_NN_EXPORT ad::Tensor flatten_grad(const std::vector<Parameter>& params);
/// Copies θ back into the parameters' values; ShapeError if θ's size differs.
CHAINRULE_NN_EXPORT void unflatten(const ad::Tensor& theta, const std::vector<Parameter>& params);

/// flatten into a buffer the caller keeps (no allocation): `out` must have flat_size(params)
/// elements (ShapeError otherwise).
CHAINRULE_NN_EXPORT void flatten_into(const std::vector<Parameter>& params, std::span<double> out);
/// flatten_grad into a buffer the caller keeps; ShapeError as flatten_into.
CHAINRULE_NN_EXPORT void flatten_grad_into(const std::vector<Parameter>& params,
                                           std::span<double> out);
/// unflatten from a buffer; ShapeError if its size differs from flat_size(params).
CHAINRULE_NN_EXPORT void unflatten(std::span<const double> theta,
                                   const std::vector<Parameter>& params);
/// Copies a flat gradient back into the parameters' gradients; ShapeError as unflatten.
CHAINRULE_NN_EXPORT void unflatten_grad(std::span<const double> gradient,
                                        const std::vector<Parameter>& params);

/// θ ↦ body(), where inside `body` every `parameter_var(params[i])` (what the layers use)
/// reads its slice of θ instead of the stored value. So
///
///     auto f = nn::flat_function(net.parameters(), [&] {
///       return nn::squared_error_cost(net(ad::constant(x)), y);
///     });
///     ad::Tensor H = ad::hessian(f, nn::flatten(net.parameters()));
///
/// gives the Hessian of the cost in all the network's parameters. `body` must record on the
/// current tape (create constants inside it, as above). The parameters' own values and
/// gradients are not touched.
CHAINRULE_NN_EXPORT std::function<ad::Var(const ad::Var&)> flat_function(
    std::vector<Parameter> params, std::function<ad::Var()> body);

}  // namespace chainrule::nn
