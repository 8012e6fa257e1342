#pragma once
/// @file
/// Plain references for operations along one axis, written with loops independently of the
/// engine: an axis argument (negative from the end) and the lines of a tensor along it.

#include <cstddef>
#include <functional>
#include <stdexcept>
#include <vector>

#include <xtensor/xbuilder.hpp>

#include <chainrule/autodiff.hpp>

namespace chainrule::test {

namespace ad = chainrule::ad;

/// numpy's axis rule for a tensor of rank `rank`; throws std::out_of_range.
inline std::size_t axis_ref(std::ptrdiff_t axis, std::size_t rank) {
  const auto r = static_cast<std::ptrdiff_t>(rank);
  const std::ptrdiff_t a = axis < 0 ? axis + r : axis;
  if (a < 0 || a >= r) throw std::out_of_range("axis");
  return static_cast<std::size_t>(a);
}

/// The lines of `x` along `axis`: line (o, i) holds x[o, :, i] with o the flat position over
/// the axes before `axis` and i over those after.
struct Lines {
  std::size_t outer = 1, extent = 1, inner = 1;
  Lines(const ad::Shape& shape, std::size_t axis) : extent(shape[axis]) {
    for (std::size_t d = 0; d < axis; ++d) outer *= shape[d];
    for (std::size_t d = axis + 1; d < shape.size(); ++d) inner *= shape[d];
  }
  std::size_t at(std::size_t o, std::size_t k, std::size_t i) const {
    return (o * extent + k) * inner + i;
  }
};

/// fn(line) for every line along `axis`: the reduction's result, the axis dropped or kept.
inline ad::Tensor reduce_along(const ad::Tensor& x, std::ptrdiff_t signed_axis, bool keepdims,
                               const std::function<double(const std::vector<double>&)>& fn) {
  const std::size_t axis = axis_ref(signed_axis, x.dimension());
  const ad::Shape shape = ad::shape_of(x);
  const Lines lines(shape, axis);
  ad::Shape out_shape = shape;
  if (keepdims) {
    out_shape[axis] = 1;
  } else {
    out_shape.erase(out_shape.begin() + static_cast<std::ptrdiff_t>(axis));
  }
  ad::Tensor out = xt::zeros<double>(out_shape);
  std::vector<double> line(lines.extent);
  for (std::size_t o = 0; o < lines.outer; ++o) {
    for (std::size_t i = 0; i < lines.inner; ++i) {
      for (std::size_t k = 0; k < lines.extent; ++k) line[k] = x.data()[lines.at(o, k, i)];
      out.data()[o * lines.inner + i] = fn(line);
    }
  }
  return out;
}

/// fn over everything (a 0-d result).
inline ad::Tensor reduce_all(const ad::Tensor& x,
                             const std::function<double(const std::vector<double>&)>& fn) {
  return ad::Tensor(fn(std::vector<double>(x.begin(), x.end())));
}

/// Each line along `axis` replaced by fn(line) (same length).
inline ad::Tensor map_along(
    const ad::Tensor& x, std::ptrdiff_t signed_axis,
    const std::function<std::vector<double>(const std::vector<double>&)>& fn) {
  const std::size_t axis = axis_ref(signed_axis, x.dimension());
  const Lines lines(ad::shape_of(x), axis);
  ad::Tensor out = x;
  std::vector<double> line(lines.extent);
  for (std::size_t o = 0; o < lines.outer; ++o) {
    for (std::size_t i = 0; i < lines.inner; ++i) {
      for (std::size_t k = 0; k < lines.extent; ++k) line[k] = x.data()[lines.at(o, k, i)];
      const std::vector<double> mapped = fn(line);
      for (std::size_t k = 0; k < lines.extent; ++k) out.data()[lines.at(o, k, i)] = mapped[k];
    }
  }
  return out;
}

/// Every axis of a rank, as the non-negative and the negative number naming it.
inline std::vector<std::ptrdiff_t> all_axes(std::size_t rank) {
  std::vector<std::ptrdiff_t> axes;
  for (std::size_t d = 0; d < rank; ++d) {
    axes.push_back(static_cast<std::ptrdiff_t>(d));
    axes.push_back(static_cast<std::ptrdiff_t>(d) - static_cast<std::ptrdiff_t>(rank));
  }
  return axes;
}

/// Axes just outside a rank's range, on both sides.
inline std::vector<std::ptrdiff_t> bad_axes(std::size_t rank) {
  const auto r = static_cast<std::ptrdiff_t>(rank);
  return {r, r + 3, -r - 1};
}

}  // namespace chainrule::test
