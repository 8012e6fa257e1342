#pragma once
// Internal: the one check of an axis argument. Every operation that takes an axis calls it,
// so negative axes and the out-of-range message are the same everywhere.

#include <cstddef>
#include <span>
#include <string>

#include "chainrule/autodiff/errors.hpp"
#include "chainrule/autodiff/tensor.hpp"

namespace chainrule::ad::detail {

/// `axis` as an index into a tensor of rank `rank`, negative ones counting from the end
/// (−1 is the last axis). Throws ShapeError naming `op`, the axis and `shape` when it is out
/// of range. `rank` is `shape.size()` except for operations that insert an axis (unsqueeze,
/// stack), which accept one more position.
inline std::size_t normalize_axis(std::ptrdiff_t axis, std::span<const std::size_t> shape,
                                  const char* op, std::size_t rank) {
  const auto r = static_cast<std::ptrdiff_t>(rank);
  const std::ptrdiff_t normalized = axis < 0 ? axis + r : axis;
  if (normalized < 0 || normalized >= r) {
    const std::string valid = r == 0
                                  ? "a 0-d tensor has no axes"
                                  : "valid: " + std::to_string(-r) + " to " + std::to_string(r - 1);
    throw ShapeError(std::string("chainrule: ") + op + ": axis " + std::to_string(axis) +
                     " is out of range for shape " + to_string(Shape(shape.begin(), shape.end())) +
                     " (" + valid + ")");
  }
  return static_cast<std::size_t>(normalized);
}

/// The common case: an axis of `shape` itself.
inline std::size_t normalize_axis(std::ptrdiff_t axis, std::span<const std::size_t> shape,
                                  const char* op) {
  return normalize_axis(axis, shape, op, shape.size());
}

/// The shape of a tensor as a span (Tensor's own shape type is not a Shape).
inline std::span<const std::size_t> dims(const Tensor& t) {
  return {t.shape().data(), t.shape().size()};
}

/// A row-major tensor seen along one axis: `outer` blocks, each `extent` runs of `inner`
/// contiguous elements; element k of run (o, i) is at (o·extent + k)·inner + i.
struct AxisRuns {
  std::size_t outer = 1;
  std::size_t extent = 1;
  std::size_t inner = 1;

  AxisRuns(std::span<const std::size_t> shape, std::size_t axis) : extent(shape[axis]) {
    for (std::size_t d = 0; d < shape.size(); ++d) {
      if (d < axis) outer *= shape[d];
      if (d > axis) inner *= shape[d];
    }
  }
  std::size_t at(std::size_t o, std::size_t k, std::size_t i) const {
    return (o * extent + k) * inner + i;
  }
};

/// `shape` with extent 1 at `axis`: where a reduction along it keeps its result.
inline Shape kept_shape(std::span<const std::size_t> shape, std::size_t axis) {
  Shape kept(shape.begin(), shape.end());
  kept[axis] = 1;
  return kept;
}

/// A reduction's result shape: `shape` without `axis`, or with extent 1 there (`keepdims`).
inline Shape reduced_shape(std::span<const std::size_t> shape, std::size_t axis, bool keepdims) {
  Shape out = kept_shape(shape, axis);
  if (!keepdims) out.erase(out.begin() + static_cast<std::ptrdiff_t>(axis));
  return out;
}

}  // namespace chainrule::ad::detail
