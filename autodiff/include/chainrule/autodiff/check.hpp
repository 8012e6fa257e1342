#pragma once
/// @file
/// Gradient checks against central finite differences (public, like torch's gradcheck).

#include <functional>
#include <string>
#include <vector>

#include "chainrule/autodiff/var.hpp"

namespace chainrule::ad {

struct GradcheckOptions {
  double eps = 1e-6;   ///< finite-difference step
  double rtol = 1e-5;  ///< relative tolerance, against the finite-difference value
  double atol = 1e-6;  ///< absolute tolerance
};

/// What a check found: `ok`, and when not, which entry disagreed most and by how much.
struct GradcheckReport {
  bool ok = true;
  double max_abs_error = 0.0;
  std::string message;  ///< empty when ok; otherwise names input, entry, both values
};

using Function1 = std::function<Var(const Var&)>;
using FunctionN = std::function<Var(const std::vector<Var>&)>;

/// Compares the full Jacobian of f (one reverse sweep per output element) with central
/// differences, at the given inputs. Each call records on a private tape.
GradcheckReport gradcheck_report(const FunctionN& f, const std::vector<Tensor>& inputs,
                                 const GradcheckOptions& options = {});
/// Second order: the gradient of ⟨∇f, v⟩ (v fixed and random, seeded), taken through
/// `create_graph`, against central differences of the first-order gradient.
GradcheckReport gradgradcheck_report(const FunctionN& f, const std::vector<Tensor>& inputs,
                                     const GradcheckOptions& options = {});

/// True when f's Jacobian matches finite differences at every point given.
bool gradcheck(const Function1& f, const std::vector<Tensor>& points,
               const GradcheckOptions& options = {});
/// True when f's Jacobian in each of its inputs matches finite differences.
bool gradcheck(const FunctionN& f, const std::vector<Tensor>& inputs,
               const GradcheckOptions& options = {});
bool gradgradcheck(const FunctionN& f, const std::vector<Tensor>& inputs,
                   const GradcheckOptions& options = {});

}  // namespace chainrule::ad
