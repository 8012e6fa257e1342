#pragma once
/// @file
/// The value type of chainrule: an n-dimensional array of doubles (xtensor).

#include <cstddef>
#include <initializer_list>
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

/// The course's column vector: `column({1.0, 2.0, 3.0})` has shape (3, 1). (Written as
/// `Tensor{{1.0}, {2.0}, {3.0}}` the same column is ambiguous to the compiler for two entries.)
/// @code
/// ad::Tensor a0 = ad::column({0.5, -1.0});  // (2, 1)
/// @endcode
CHAINRULE_AUTODIFF_EXPORT Tensor column(std::initializer_list<double> entries);
/// The same from a vector of any length.
CHAINRULE_AUTODIFF_EXPORT Tensor column(const std::vector<double>& entries);
/// A row vector: `row({1.0, 2.0, 3.0})` has shape (1, 3).
CHAINRULE_AUTODIFF_EXPORT Tensor row(std::initializer_list<double> entries);
/// The same from a vector of any length.
CHAINRULE_AUTODIFF_EXPORT Tensor row(const std::vector<double>& entries);

}  // namespace chainrule::ad
