#pragma once
/// @file
/// User-defined differentiable operations (like PyTorch's `autograd.Function`).

#include <memory>
#include <string>
#include <vector>

#include "chainrule/autodiff/export.hpp"
#include "chainrule/autodiff/var.hpp"

namespace chainrule::ad {

/// Derive from Function to add an operation chainrule does not have:
/// @snippet autodiff_examples.cpp function
/// @snippet autodiff_examples.cpp apply
/// `backward` returns one gradient per input, shaped like the output (broadcasting is
/// undone for you) or like that input; an empty Var means "no gradient". Write it with
/// chainrule operations and second derivatives through `create_graph` are exact too.
class CHAINRULE_AUTODIFF_EXPORT Function {
 public:
  virtual ~Function() = default;
  /// Names the operation in error messages, anomaly reports and graph views.
  virtual std::string name() const = 0;
  /// Computes the result from the inputs' values.
  virtual Tensor forward(const std::vector<Var>& inputs) = 0;
  /// Vector–Jacobian product: given d(loss)/d(output), the d(loss)/d(input) of each input.
  virtual std::vector<Var> backward(const Var& grad_output, const std::vector<Var>& inputs,
                                    const Var& output) = 0;
};

/// Records `function` applied to `inputs` (all on one tape) and returns its output.
/// @snippet autodiff_examples.cpp apply
CHAINRULE_AUTODIFF_EXPORT Var apply(std::unique_ptr<Function> function,
                                    const std::vector<Var>& inputs);

}  // namespace chainrule::ad
