// Operations that move elements around, built on two primitives: gather and its adjoint
// scatter-add (index_map.hpp). Each op below only builds an index map — where each output
// element comes from — so its forward and backward are those of gather. Also the ops that
// only reshape or join: squeeze, unsqueeze, stack.

#include <algorithm>
#include <string>
#include <utility>

#include <xtensor/xbuilder.hpp>

#include "axes.hpp"
#include "chainrule/autodiff/errors.hpp"
#include "index_map.hpp"
#include "sweep.hpp"

namespace chainrule::ad {
namespace detail {

// ---- the primitives on tensors (the Var versions are in index_map.hpp) -------------------

static void gather_into(const Tensor& x, const IndexMap& map, Tensor& out) {
  const double* src = x.data();
  const double* m = map.data();
  double* o = out.data();
  for (std::size_t j = 0; j < map.size(); ++j) o[j] = src[static_cast<std::size_t>(m[j])];
}

static void scatter_add_into(const Tensor& x, const IndexMap& map, Tensor& out) {
  const double* src = x.data();
  const double* m = map.data();
  double* o = out.data();
  for (std::size_t i = 0; i < map.size(); ++i) o[static_cast<std::size_t>(m[i])] += src[i];
}

// Tensor versions, beside the Var versions of index_map.hpp: one name for both, so a rule
// body serves both sweeps.
static Tensor gather(const Tensor& x, const IndexMap& map, const Shape& shape) {
  Tensor out;
  out.resize(shape);
  gather_into(x, map, out);
  return out;
}

static Tensor scatter_add(const Tensor& x, const IndexMap& map, const Shape& shape) {
  Tensor out = xt::zeros<double>(shape);
  scatter_add_into(x, map, out);
  return out;
}

namespace {

Shape shape_of_operand(const Tensor& t) { return shape_of(t); }
Shape shape_of_operand(const Var& v) { return v.shape(); }

// One rule per user-facing name (errors and graphs say "permute", not "gather"); the node's
// aux holds the index map. gather's adjoint is scatter-add with the same map, and back.
template <class Name>
struct GatherRule {
  static constexpr const char* name = Name::value;
  template <class S>
  static void backward(S& s) {
    if (!s.needs(0)) return;
    s.accumulate(0, scatter_add(s.grad(), s.node().extras->aux, shape_of_operand(s.in(0))));
  }
};

struct ScatterAdd {
  static constexpr const char* name = "scatter_add";
  template <class S>
  static void backward(S& s) {
    if (!s.needs(0)) return;
    s.accumulate(0, gather(s.grad(), s.node().extras->aux, shape_of_operand(s.in(0))));
  }
};

struct GatherName {
  static constexpr const char* value = "gather";
};

template <class Name>
Var gather_as(const Var& x, IndexMap map, const Shape& shape) {
  const Tensor& v = value_of(x, Name::value);
  return record<GatherRule<Name>>({&x}, [&](Node& n) {
    n.value.resize(shape);
    gather_into(v, map, n.value);
    n.extra().aux = std::move(map);
  });
}

// ---- index maps ----------------------------------------------------------------------------

Shape row_major_strides(const Shape& shape) {
  Shape strides(shape.size());
  std::size_t stride = 1;
  for (std::size_t d = shape.size(); d-- > 0;) {
    strides[d] = stride;
    stride *= shape[d];
  }
  return strides;
}

// One map entry per element of `shape`, in row-major order: source(coordinate).
template <class Source>
IndexMap build_map(const Shape& shape, Source source) {
  const std::size_t count = element_count(shape, "index map");
  IndexMap map;
  map.resize(Shape{count});
  Shape coord(shape.size(), 0);
  for (std::size_t j = 0; j < count; ++j) {
    map.data()[j] = static_cast<double>(source(coord));
    for (std::size_t d = shape.size(); d-- > 0;) {
      if (++coord[d] < shape[d]) break;
      coord[d] = 0;
    }
  }
  return map;
}

// The flat position of `coord` for `strides`.
std::size_t flat(const Shape& coord, const Shape& strides) {
  std::size_t position = 0;
  for (std::size_t d = 0; d < coord.size(); ++d) position += coord[d] * strides[d];
  return position;
}

std::string join(const std::vector<std::ptrdiff_t>& values) {
  std::string text = "(";
  for (std::size_t i = 0; i < values.size(); ++i) {
    text += (i ? ", " : "") + std::to_string(values[i]);
  }
  return text + ")";
}

// a·b or a+b for extents, as a ShapeError naming `op` instead of a wrapped-around size.
std::size_t checked_extent(std::size_t a, std::size_t b, bool multiply, const char* op,
                           const Shape& shape) {
  std::size_t r = 0;
  if (multiply ? __builtin_mul_overflow(a, b, &r) : __builtin_add_overflow(a, b, &r)) {
    throw ShapeError(std::string("chainrule: ") + op + ": an extent of the result of shape " +
                     to_string(shape) + " overflows (" + std::to_string(a) +
                     (multiply ? " × " : " + ") + std::to_string(b) + ")");
  }
  return r;
}

struct PermuteName {
  static constexpr const char* value = "permute";
};
struct FlipName {
  static constexpr const char* value = "flip";
};
struct TileName {
  static constexpr const char* value = "tile";
};
struct TakeName {
  static constexpr const char* value = "take";
};
struct SliceName {
  static constexpr const char* value = "slice";
};

}  // namespace

Var gather(const Var& x, IndexMap map, const Shape& shape) {
  return gather_as<GatherName>(x, std::move(map), shape);
}

Var scatter_add(const Var& x, IndexMap map, const Shape& shape) {
  const Tensor& v = value_of(x, ScatterAdd::name);
  return record<ScatterAdd>({&x}, [&](Node& n) {
    xt::noalias(n.value) = xt::zeros<double>(shape);
    scatter_add_into(v, map, n.value);
    n.extra().aux = std::move(map);
  });
}

Var strided_slice(const Var& x, std::size_t axis, std::size_t begin, std::size_t end,
                  std::size_t step) {
  const Shape shape = x.shape();
  const Shape strides = row_major_strides(shape);
  Shape out = shape;
  out[axis] = (end - begin + step - 1) / step;
  IndexMap map = build_map(out, [&](Shape coord) {
    coord[axis] = begin + coord[axis] * step;
    return flat(coord, strides);
  });
  return gather_as<SliceName>(x, std::move(map), out);
}

}  // namespace detail

// ---- the operations ------------------------------------------------------------------------

Var permute(const Var& x, const std::vector<std::ptrdiff_t>& axes) {
  const Shape shape = shape_of(detail::value_of(x, "permute"));
  if (axes.size() != shape.size()) {
    throw ShapeError("chainrule: permute: " + std::to_string(axes.size()) + " axes " +
                     detail::join(axes) + " for shape " + to_string(shape) + " of rank " +
                     std::to_string(shape.size()));
  }
  Shape order(axes.size());
  std::vector<bool> seen(axes.size(), false);
  for (std::size_t d = 0; d < axes.size(); ++d) {
    order[d] = detail::normalize_axis(axes[d], shape, "permute");
    if (seen[order[d]]) {
      throw ShapeError("chainrule: permute: axes " + detail::join(axes) + " name axis " +
                       std::to_string(order[d]) + " twice (shape " + to_string(shape) + ")");
    }
    seen[order[d]] = true;
  }
  const Shape strides = detail::row_major_strides(shape);
  Shape out(shape.size());
  Shape moved_strides(shape.size());
  for (std::size_t d = 0; d < shape.size(); ++d) {
    out[d] = shape[order[d]];
    moved_strides[d] = strides[order[d]];
  }
  return detail::gather_as<detail::PermuteName>(
      x, detail::build_map(out, [&](const Shape& c) { return detail::flat(c, moved_strides); }),
      out);
}

Var flip(const Var& x, std::ptrdiff_t signed_axis) {
  const Shape shape = shape_of(detail::value_of(x, "flip"));
  const std::size_t axis = detail::normalize_axis(signed_axis, shape, "flip");
  const Shape strides = detail::row_major_strides(shape);
  return detail::gather_as<detail::FlipName>(x,
                                             detail::build_map(shape,
                                                               [&](Shape c) {
                                                                 c[axis] =
                                                                     shape[axis] - 1 - c[axis];
                                                                 return detail::flat(c, strides);
                                                               }),
                                             shape);
}

Var tile(const Var& x, const std::vector<std::size_t>& reps) {
  const Shape given = shape_of(detail::value_of(x, "tile"));
  // numpy: the shorter of shape and reps is padded with leading 1s.
  const std::size_t rank = std::max(given.size(), reps.size());
  Shape shape(rank - given.size(), 1);
  shape.insert(shape.end(), given.begin(), given.end());
  Shape times(rank - reps.size(), 1);
  times.insert(times.end(), reps.begin(), reps.end());
  Shape out(rank);
  for (std::size_t d = 0; d < rank; ++d) {
    out[d] = detail::checked_extent(shape[d], times[d], true, "tile", given);
  }
  element_count(out, "tile");
  const Shape strides = detail::row_major_strides(shape);
  return detail::gather_as<detail::TileName>(x,
                                             detail::build_map(out,
                                                               [&](Shape c) {
                                                                 for (std::size_t d = 0; d < rank;
                                                                      ++d) {
                                                                   c[d] %= shape[d];
                                                                 }
                                                                 return detail::flat(c, strides);
                                                               }),
                                             out);
}

Var take(const Var& x, const std::vector<std::ptrdiff_t>& indices, std::ptrdiff_t signed_axis) {
  const Shape shape = shape_of(detail::value_of(x, "take"));
  const std::size_t axis = detail::normalize_axis(signed_axis, shape, "take");
  const auto extent = static_cast<std::ptrdiff_t>(shape[axis]);
  Shape positions(indices.size());
  for (std::size_t k = 0; k < indices.size(); ++k) {
    const std::ptrdiff_t i = indices[k] < 0 ? indices[k] + extent : indices[k];
    if (i < 0 || i >= extent) {
      throw ShapeError("chainrule: take: index " + std::to_string(indices[k]) +
                       " is out of range for extent " + std::to_string(extent) + " of axis " +
                       std::to_string(signed_axis) + " (shape " + to_string(shape) + ")");
    }
    positions[k] = static_cast<std::size_t>(i);
  }
  Shape out = shape;
  out[axis] = indices.size();
  const Shape strides = detail::row_major_strides(shape);
  return detail::gather_as<detail::TakeName>(x,
                                             detail::build_map(out,
                                                               [&](Shape c) {
                                                                 c[axis] = positions[c[axis]];
                                                                 return detail::flat(c, strides);
                                                               }),
                                             out);
}

Var pad(const Var& x, const std::vector<std::pair<std::size_t, std::size_t>>& widths,
        double value) {
  const Tensor& v = detail::value_of(x, "pad");
  const Shape shape = shape_of(v);
  if (widths.size() != shape.size()) {
    throw ShapeError("chainrule: pad: " + std::to_string(widths.size()) +
                     " (before, after) widths for shape " + to_string(shape) + " of rank " +
                     std::to_string(shape.size()));
  }
  Shape out(shape.size());
  Shape offset(shape.size());
  for (std::size_t d = 0; d < shape.size(); ++d) {
    const std::size_t before =
        detail::checked_extent(shape[d], widths[d].first, false, "pad", shape);
    out[d] = detail::checked_extent(before, widths[d].second, false, "pad", shape);
    offset[d] = widths[d].first;
  }
  element_count(out, "pad");
  const Shape out_strides = detail::row_major_strides(out);
  // x lands at offset; the rest is the constant `value`.
  detail::IndexMap map = detail::build_map(shape, [&](Shape c) {
    for (std::size_t d = 0; d < c.size(); ++d) c[d] += offset[d];
    return detail::flat(c, out_strides);
  });
  Var inner = detail::scatter_add(x, map, out);
  if (value == 0.0) return inner;
  Tensor border = xt::zeros<double>(out);
  border.fill(value);
  for (double position : map) border.data()[static_cast<std::size_t>(position)] = 0.0;
  return inner + detail::record_constant(detail::TapeImpl::of(x, "pad"), std::move(border));
}

Var squeeze(const Var& x, std::ptrdiff_t signed_axis) {
  Shape shape = shape_of(detail::value_of(x, "squeeze"));
  const std::size_t axis = detail::normalize_axis(signed_axis, shape, "squeeze");
  if (shape[axis] != 1) {
    throw ShapeError("chainrule: squeeze: axis " + std::to_string(signed_axis) + " of shape " +
                     to_string(shape) + " has extent " + std::to_string(shape[axis]) + ", not 1");
  }
  shape.erase(shape.begin() + static_cast<std::ptrdiff_t>(axis));
  return reshape(x, shape);
}

Var unsqueeze(const Var& x, std::ptrdiff_t signed_axis) {
  Shape shape = shape_of(detail::value_of(x, "unsqueeze"));
  const std::size_t axis =
      detail::normalize_axis(signed_axis, shape, "unsqueeze", shape.size() + 1);
  shape.insert(shape.begin() + static_cast<std::ptrdiff_t>(axis), 1);
  return reshape(x, shape);
}

Var stack(const std::vector<Var>& parts, std::ptrdiff_t signed_axis) {
  if (parts.empty()) throw ShapeError("chainrule: stack: no Vars to stack");
  const Shape shape = shape_of(detail::value_of(parts.front(), "stack"));
  const std::size_t axis = detail::normalize_axis(signed_axis, shape, "stack", shape.size() + 1);
  std::vector<Var> expanded;
  expanded.reserve(parts.size());
  for (std::size_t k = 0; k < parts.size(); ++k) {
    const Shape part = shape_of(detail::value_of(parts[k], "stack"));
    if (part != shape) {
      throw ShapeError("chainrule: stack: part " + std::to_string(k) + " has shape " +
                       to_string(part) + ", part 0 has " + to_string(shape) +
                       " (stacked Vars must have equal shapes)");
    }
    expanded.push_back(unsqueeze(parts[k], static_cast<std::ptrdiff_t>(axis)));
  }
  return concatenate(expanded, static_cast<std::ptrdiff_t>(axis));
}

}  // namespace chainrule::ad
