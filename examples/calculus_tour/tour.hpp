#pragma once
// The calculus tour's printed part and the helpers its figures share.

#include <string>
#include <vector>

#include <chainrule/autodiff.hpp>

namespace tour {

namespace ad = chainrule::ad;

/// Counts a claim the tour checks; a failed one is printed, and the program exits with 1.
void check(bool ok, const std::string& claim);
int checks();
int failed_checks();

/// Element i of a 1-D Var (shape (1,)).
ad::Var at(const ad::Var& v, std::size_t i);

/// A function of Vars evaluated at plain numbers (on a throw-away tape): the same code serves
/// for values, finite differences and autodiff.
double value_at(const ad::Function1& f, const ad::Tensor& x);

/// Error of the week's second-order Taylor model against the step, by order (for --plot).
struct TaylorErrors {
  std::vector<double> steps;
  std::vector<double> error[3];  // by order
};

/// Prints the tour, week by week, checking every claim; returns the Taylor errors it measured.
TaylorErrors print_tour();

}  // namespace tour
