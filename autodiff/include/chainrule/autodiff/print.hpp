#pragma once
/// @file
/// Printing: `std::cout << var` shows the operation, the shape and the values; `std::cout <<
/// tensor` (xtensor's printer) is available from here too.

#include <iosfwd>

// xtensor's printer trips GCC 12's -Wrestrict inside libstdc++'s string code (a false
// positive, GCC bug 105329); silence it for that header only.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wrestrict"
#endif
#include <xtensor/xio.hpp>
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

#include "chainrule/autodiff/export.hpp"
#include "chainrule/autodiff/var.hpp"

namespace chainrule::ad {

/// Writes "Var <op> <shape>[, requires grad]" and the values below it, numpy style; an empty
/// or stale Var prints as such instead of throwing.
/// @code
/// std::cout << ad::sigmoid(ad::variable(ad::column({0.0, 2.0}))) << '\n';
/// // Var sigmoid (2, 1), requires grad
/// // {{ 0.5     },
/// //  { 0.880797}}
/// @endcode
CHAINRULE_AUTODIFF_EXPORT std::ostream& operator<<(std::ostream& out, const Var& v);

}  // namespace chainrule::ad
