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

/// The number of elements of a tensor of `shape` (1 for a 0-d shape), computed without
/// overflow: throws ShapeError naming `op` and the shape when the tensor could not be
/// addressed (more than PTRDIFF_MAX bytes). Every API that takes a shape from outside checks
/// it with this before allocating or comparing sizes.
CHAINRULE_AUTODIFF_EXPORT std::size_t element_count(const Shape& shape, const char* op);

}  // namespace chainrule::ad
