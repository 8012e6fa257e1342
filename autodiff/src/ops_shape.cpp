// Shape operations: reshape, broadcast_to / sum_to, slicing and concatenation.

#include <xtensor/xadapt.hpp>
#include <xtensor/xbroadcast.hpp>

#include "axes.hpp"
#include "chainrule/autodiff/errors.hpp"
#include "index_map.hpp"
#include "sweep.hpp"

namespace chainrule::ad {
namespace {

// A row-major tensor seen along one axis: `outer` blocks, each `extent` runs of `inner`
// contiguous elements. A window [begin, end) of the axis is one contiguous run per block,
// so slicing, its adjoint and concatenation are plain copies (no strided views).
struct AxisBlocks {
  std::size_t outer = 1;
  std::size_t extent = 1;
  std::size_t inner = 1;
};

template <class S>
AxisBlocks axis_blocks(const S& shape, std::size_t axis) {
  AxisBlocks b;
  for (std::size_t d = 0; d < shape.size(); ++d) {
    if (d < axis) b.outer *= shape[d];
    if (d > axis) b.inner *= shape[d];
  }
  b.extent = shape[axis];
  return b;
}

enum class Window { read, write, add };

// read: window → compact (compact = full[.., begin:end, ..]);
// write/add: compact → window (full[.., begin:end, ..] = / += compact).
void window_copy(Window mode, const AxisBlocks& full_blocks, double* full, double* compact,
                 std::size_t begin, std::size_t end) {
  const std::size_t run = (end - begin) * full_blocks.inner;
  for (std::size_t o = 0; o < full_blocks.outer; ++o) {
    double* f = full + (o * full_blocks.extent + begin) * full_blocks.inner;
    double* c = compact + o * run;
    for (std::size_t i = 0; i < run; ++i) {
      if (mode == Window::read) c[i] = f[i];
      if (mode == Window::write) f[i] = c[i];
      if (mode == Window::add) f[i] += c[i];
    }
  }
}

}  // namespace

namespace detail {

void read_window(const Tensor& full, std::size_t axis, std::size_t begin, std::size_t end,
                 Tensor& out, bool assign) {
  Shape shape = shape_of(full);
  shape[axis] = end - begin;
  if (assign) {
    out.resize(shape);
    window_copy(Window::read, axis_blocks(full.shape(), axis), const_cast<double*>(full.data()),
                out.data(), begin, end);
  } else {
    Tensor part(shape);
    window_copy(Window::read, axis_blocks(full.shape(), axis), const_cast<double*>(full.data()),
                part.data(), begin, end);
    out += part;
  }
}

void add_window(const Tensor& part, std::size_t axis, std::size_t begin, std::size_t end,
                Tensor& full) {
  window_copy(Window::add, axis_blocks(full.shape(), axis), full.data(),
              const_cast<double*>(part.data()), begin, end);
}

}  // namespace detail

namespace {

using detail::Node;

// A bound of slice's range, negative ones counting from the end of an axis of `extent`.
std::size_t slice_bound(std::ptrdiff_t bound, std::size_t extent) {
  const auto e = static_cast<std::ptrdiff_t>(extent);
  const std::ptrdiff_t b = bound < 0 ? bound + e : bound;
  return b < 0 ? extent + 1 : static_cast<std::size_t>(b);  // extent + 1: out of range
}

}  // namespace

namespace {
struct Reshape {
  static constexpr const char* name = "reshape";
  template <class S>
  static void backward(S& s) {
    if (s.needs(0)) s.accumulate(0, s.reshape(s.grad(), s.in(0).shape()));
  }
};
}  // namespace

Var reshape(const Var& x, const Shape& shape) {
  const Tensor& v = detail::value_of(x, Reshape::name);
  const std::size_t count = element_count(shape, Reshape::name);
  if (count != v.size()) {
    throw ShapeError("chainrule: reshape: cannot reshape " + to_string(shape_of(v)) + " (" +
                     std::to_string(v.size()) + " elements) to " + to_string(shape) + " (" +
                     std::to_string(count) + " elements)");
  }
  return detail::record<Reshape>({&x}, [&](Node& n) {
    n.value.resize(shape);
    std::copy(v.data(), v.data() + v.size(), n.value.data());
  });
}

namespace {
struct BroadcastTo {  // the sweep's accumulate sums broadcast dimensions away
  static constexpr const char* name = "broadcast_to";
  template <class S>
  static void backward(S& s) {
    s.hand_over_grad(0);
  }
};
}  // namespace

Var broadcast_to(const Var& x, const Shape& shape) {
  const Tensor& v = detail::value_of(x, BroadcastTo::name);
  element_count(shape, BroadcastTo::name);
  if (detail::broadcast_shapes(shape_of(v), shape, "broadcast_to") != shape) {
    throw ShapeError("chainrule: broadcast_to: shape " + to_string(shape_of(v)) +
                     " cannot be broadcast to " + to_string(shape));
  }
  return detail::record<BroadcastTo>(
      {&x}, [&](Node& n) { xt::noalias(n.value) = xt::broadcast(v, shape); });
}

namespace {
struct SumTo {
  static constexpr const char* name = "sum_to";
  template <class S>
  static void backward(S& s) {
    if (s.needs(0)) s.accumulate(0, s.broadcast_to(s.grad(), s.in(0).shape()));
  }
};
}  // namespace

Var sum_to(const Var& x, const Shape& shape) {
  const Tensor& v = detail::value_of(x, SumTo::name);
  element_count(shape, SumTo::name);
  const Shape from = shape_of(v);
  if (shape.size() > from.size() || detail::broadcast_shapes(shape, from, "sum_to") != from) {
    throw ShapeError("chainrule: sum_to: shape " + to_string(from) + " cannot be summed to " +
                     to_string(shape) + " (the target must broadcast to the source)");
  }
  return detail::record<SumTo>(
      {&x}, [&](Node& n) { detail::reduce_into(v, n.value, shape, /*assign=*/true); });
}

namespace {
/// A window [begin, end) along `axis`: slice's, and embed's, parameters.
struct WindowParams {
  std::size_t axis, begin, end;
};

struct Slice {
  static constexpr const char* name = "slice";
  using Params = WindowParams;
  template <class S>
  static void backward(S& s) {
    const Params& p = s.template params<Params>();
    if (s.needs(0)) s.accumulate(0, s.embed(s.grad(), s.in(0).shape(), p.axis, p.begin, p.end));
  }
};
}  // namespace

Var slice(const Var& x, std::ptrdiff_t signed_axis, std::ptrdiff_t signed_begin,
          std::ptrdiff_t signed_end, std::ptrdiff_t step) {
  const Tensor& v = detail::value_of(x, Slice::name);
  const std::size_t axis = detail::normalize_axis(signed_axis, detail::dims(v), Slice::name);
  const std::size_t extent = v.shape()[axis];
  const std::size_t begin = slice_bound(signed_begin, extent);
  const std::size_t end = slice_bound(signed_end, extent);
  if (begin > end || end > extent) {
    throw ShapeError("chainrule: slice: range [" + std::to_string(signed_begin) + ", " +
                     std::to_string(signed_end) + ") is out of bounds for axis " +
                     std::to_string(signed_axis) + " of shape " + to_string(shape_of(v)));
  }
  if (step < 1) {
    throw ShapeError("chainrule: slice: step " + std::to_string(step) +
                     " is not positive (flip reverses an axis)");
  }
  if (step > 1) return detail::strided_slice(x, axis, begin, end, static_cast<std::size_t>(step));
  return detail::record<Slice>({&x}, Slice::Params{axis, begin, end}, [&](Node& n) {
    detail::read_window(v, axis, begin, end, n.value, /*assign=*/true);
  });
}

Var rows(const Var& x, std::ptrdiff_t begin, std::ptrdiff_t end) { return slice(x, 0, begin, end); }
Var cols(const Var& x, std::ptrdiff_t begin, std::ptrdiff_t end) { return slice(x, 1, begin, end); }

namespace {
struct Embed {  // zeros with the input at a window: slice's adjoint
  static constexpr const char* name = "embed";
  using Params = WindowParams;
  template <class S>
  static void backward(S& s) {
    const Params& p = s.template params<Params>();
    if (s.needs(0)) s.accumulate(0, s.slice(s.grad(), p.axis, p.begin, p.end));
  }
};
}  // namespace

Var detail::embed(const Var& x, const Shape& shape, std::size_t axis, std::size_t begin,
                  std::size_t end) {
  const Tensor& v = x.value();
  return detail::record<Embed>({&x}, Embed::Params{axis, begin, end}, [&](Node& n) {
    n.value.resize(shape);
    n.value.fill(0.0);
    detail::add_window(v, axis, begin, end, n.value);
  });
}

namespace {
struct Concatenate {  // input k starts along the axis where the previous ones end
  static constexpr const char* name = "concatenate";
  struct Params {
    std::size_t axis;
  };
  template <class S>
  static void backward(S& s) {
    const std::size_t axis = s.template params<Params>().axis;
    std::size_t offset = 0;
    for (std::size_t k = 0; k < s.inputs(); ++k) {
      const std::size_t extent = s.in(k).shape()[axis];
      if (s.needs(k)) s.accumulate(k, s.slice(s.grad(), axis, offset, offset + extent));
      offset += extent;
    }
  }
};
}  // namespace

Var concatenate(const std::vector<Var>& parts, std::ptrdiff_t signed_axis) {
  if (parts.empty()) throw ShapeError("chainrule: concatenate: no Vars to join");
  const Tensor& first = detail::value_of(parts.front(), Concatenate::name);
  const std::size_t axis =
      detail::normalize_axis(signed_axis, detail::dims(first), Concatenate::name);
  Shape shape = shape_of(first);
  shape[axis] = 0;
  for (const Var& part : parts) {
    const Tensor& v = detail::value_of(part, Concatenate::name);
    bool fits = v.dimension() == shape.size();
    for (std::size_t d = 0; fits && d < shape.size(); ++d) {
      fits = d == axis || v.shape()[d] == first.shape()[d];
    }
    if (!fits) {
      throw ShapeError("chainrule: concatenate: shape " + to_string(shape_of(v)) +
                       " does not match " + to_string(shape_of(first)) + " outside axis " +
                       std::to_string(axis));
    }
    shape[axis] += v.shape()[axis];
  }
  std::vector<const Var*> operands;
  operands.reserve(parts.size());
  for (const Var& part : parts) operands.push_back(&part);
  return detail::record<Concatenate>(operands, Concatenate::Params{axis}, [&](Node& n) {
    n.value.resize(shape);
    n.value.fill(0.0);
    std::size_t offset = 0;
    for (const Var& part : parts) {
      const Tensor& v = part.value();
      const std::size_t extent = v.shape()[axis];
      detail::add_window(v, axis, offset, offset + extent, n.value);
      offset += extent;
    }
  });
}

}  // namespace chainrule::ad
