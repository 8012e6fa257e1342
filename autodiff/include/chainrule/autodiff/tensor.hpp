#pragma once
/// @file
/// The value type of chainrule: an n-dimensional array of doubles (xtensor).

#include <cstddef>
#include <string>
#include <vector>

#include <xtensor/xarray.hpp>

#include "chainrule/autodiff/export.hpp"

namespace chainrule::ad {

/// A dense, row-major n-dimensional array of doubles. Every value and gradient is one.
using Tensor = xt::xarray<double>;

/// The extents of a tensor, outermost first (numpy's `shape`).
using Shape = std::vector<std::size_t>;

/// "(2, 3)": a shape as numpy prints it, for messages.
CHAINRULE_AUTODIFF_EXPORT std::string to_string(const Shape& shape);

/// The shape of a tensor as a `Shape`.
CHAINRULE_AUTODIFF_EXPORT Shape shape_of(const Tensor& tensor);

}  // namespace chainrule::ad
