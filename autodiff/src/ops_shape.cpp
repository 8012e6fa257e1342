// Shape operations: reshape, broadcast_to / sum_to, slicing and concatenation.

#include <numeric>

#include <xtensor/xadapt.hpp>
#include <xtensor/xbroadcast.hpp>
#include <xtensor/xstrided_view.hpp>

#include "chainrule/autodiff/errors.hpp"
#include "sweep.hpp"

namespace chainrule::ad {
namespace {

using detail::Node;
using detail::OpParams;

std::size_t element_count(const Shape& shape) {
  return std::accumulate(shape.begin(), shape.end(), std::size_t{1}, std::multiplies<>());
}

// `t`'s elements seen with another shape, without a copy (tensor sweeps only).
auto reshaped(const Tensor& t, const Shape& shape) {
  return xt::adapt(t.data(), t.size(), xt::no_ownership(), shape);
}

xt::xstrided_slice_vector axis_range(std::size_t ndim, std::size_t axis, std::size_t begin,
                                     std::size_t end) {
  xt::xstrided_slice_vector slices(ndim, xt::all());
  slices[axis] = xt::range(begin, end);
  return slices;
}

// Zeros of extent params.extent along params.axis, with x at [begin, end): slice's adjoint.
Var embed(const Var& x, const Shape& shape, const OpParams& params);

struct Reshape {
  static constexpr const char* name = "reshape";
  template <class S>
  static void backward(S& s) {
    if (!s.needs(0)) return;
    if constexpr (S::records) {
      s.accumulate(0, reshape(s.grad(), s.in(0).shape()));
    } else {
      s.accumulate(0, reshaped(s.grad(), shape_of(s.in(0))));
    }
  }
};

struct BroadcastTo {  // the sweep's accumulate sums broadcast dimensions away
  static constexpr const char* name = "broadcast_to";
  template <class S>
  static void backward(S& s) {
    s.accumulate(0, s.grad());
  }
};

struct SumTo {
  static constexpr const char* name = "sum_to";
  template <class S>
  static void backward(S& s) {
    if (!s.needs(0)) return;
    if constexpr (S::records) {
      s.accumulate(0, broadcast_to(s.grad(), s.in(0).shape()));
    } else {
      s.accumulate(0, xt::broadcast(s.grad(), s.in(0).shape()));
    }
  }
};

struct Slice {
  static constexpr const char* name = "slice";
  template <class S>
  static void backward(S& s) {
    if (!s.needs(0)) return;
    const OpParams& p = s.params();
    if constexpr (S::records) {
      s.accumulate(0, embed(s.grad(), s.in(0).shape(), p));
    } else {
      s.accumulate_into(0, [&](Tensor& adj, bool assign) {
        if (assign) {
          adj.resize(s.in(0).shape());
          adj.fill(0.0);
        }
        auto window = xt::strided_view(adj, axis_range(adj.dimension(), p.axis, p.begin, p.end));
        window += s.grad();
      });
    }
  }
};

struct Embed {
  static constexpr const char* name = "embed";
  template <class S>
  static void backward(S& s) {
    if (!s.needs(0)) return;
    const OpParams& p = s.params();
    if constexpr (S::records) {
      s.accumulate(0, slice(s.grad(), p.axis, p.begin, p.end));
    } else {
      const Tensor& g = s.grad();
      s.accumulate(0, xt::strided_view(g, axis_range(g.dimension(), p.axis, p.begin, p.end)));
    }
  }
};

struct Concatenate {  // params.axis; input k starts where the previous ones end
  static constexpr const char* name = "concatenate";
  template <class S>
  static void backward(S& s) {
    const std::size_t axis = s.params().axis;
    std::size_t offset = 0;
    for (std::size_t k = 0; k < s.inputs(); ++k) {
      const std::size_t extent = s.in(k).shape()[axis];
      if (s.needs(k)) {
        if constexpr (S::records) {
          s.accumulate(k, slice(s.grad(), axis, offset, offset + extent));
        } else {
          const Tensor& g = s.grad();
          s.accumulate(
              k, xt::strided_view(g, axis_range(g.dimension(), axis, offset, offset + extent)));
        }
      }
      offset += extent;
    }
  }
};

Var embed(const Var& x, const Shape& shape, const OpParams& params) {
  const Tensor& v = x.value();
  return detail::record<Embed>({&x}, params, [&](Node& n) {
    n.value.resize(shape);
    n.value.fill(0.0);
    xt::strided_view(n.value, axis_range(shape.size(), params.axis, params.begin, params.end)) = v;
  });
}

void check_axis(const char* op, const Tensor& v, std::size_t axis) {
  if (axis >= v.dimension()) {
    throw ShapeError(std::string("chainrule: ") + op + ": axis " + std::to_string(axis) +
                     " is out of range for shape " + to_string(shape_of(v)));
  }
}

}  // namespace

Var reshape(const Var& x, const Shape& shape) {
  const Tensor& v = x.value();
  if (element_count(shape) != v.size()) {
    throw ShapeError("chainrule: reshape: cannot reshape " + to_string(shape_of(v)) + " (" +
                     std::to_string(v.size()) + " elements) to " + to_string(shape) + " (" +
                     std::to_string(element_count(shape)) + " elements)");
  }
  return detail::record<Reshape>({&x}, {}, [&](Node& n) {
    n.value.resize(shape);
    std::copy(v.data(), v.data() + v.size(), n.value.data());
  });
}

Var broadcast_to(const Var& x, const Shape& shape) {
  const Tensor& v = x.value();
  if (detail::broadcast_shapes(shape_of(v), shape, "broadcast_to") != shape) {
    throw ShapeError("chainrule: broadcast_to: shape " + to_string(shape_of(v)) +
                     " cannot be broadcast to " + to_string(shape));
  }
  return detail::record<BroadcastTo>(
      {&x}, {}, [&](Node& n) { xt::noalias(n.value) = xt::broadcast(v, shape); });
}

Var sum_to(const Var& x, const Shape& shape) {
  const Tensor& v = x.value();
  const Shape from = shape_of(v);
  if (shape.size() > from.size() || detail::broadcast_shapes(shape, from, "sum_to") != from) {
    throw ShapeError("chainrule: sum_to: shape " + to_string(from) + " cannot be summed to " +
                     to_string(shape) + " (the target must broadcast to the source)");
  }
  return detail::record<SumTo>(
      {&x}, {}, [&](Node& n) { detail::reduce_into(v, n.value, shape, /*assign=*/true); });
}

Var slice(const Var& x, std::size_t axis, std::size_t begin, std::size_t end) {
  const Tensor& v = x.value();
  check_axis("slice", v, axis);
  if (begin > end || end > v.shape()[axis]) {
    throw ShapeError("chainrule: slice: range [" + std::to_string(begin) + ", " +
                     std::to_string(end) + ") is out of bounds for axis " + std::to_string(axis) +
                     " of shape " + to_string(shape_of(v)));
  }
  const OpParams params{.axis = axis, .begin = begin, .end = end, .extent = v.shape()[axis]};
  return detail::record<Slice>({&x}, params, [&](Node& n) {
    xt::noalias(n.value) = xt::strided_view(v, axis_range(v.dimension(), axis, begin, end));
  });
}

Var rows(const Var& x, std::size_t begin, std::size_t end) { return slice(x, 0, begin, end); }
Var cols(const Var& x, std::size_t begin, std::size_t end) { return slice(x, 1, begin, end); }

Var concatenate(const std::vector<Var>& parts, std::size_t axis) {
  if (parts.empty()) throw ShapeError("chainrule: concatenate: no Vars to join");
  const Tensor& first = parts.front().value();
  check_axis("concatenate", first, axis);
  Shape shape = shape_of(first);
  shape[axis] = 0;
  for (const Var& part : parts) {
    const Tensor& v = part.value();
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
  return detail::record<Concatenate>(operands, OpParams{.axis = axis}, [&](Node& n) {
    n.value.resize(shape);
    std::size_t offset = 0;
    for (const Var& part : parts) {
      const Tensor& v = part.value();
      const std::size_t extent = v.shape()[axis];
      xt::strided_view(n.value, axis_range(shape.size(), axis, offset, offset + extent)) = v;
      offset += extent;
    }
  });
}

}  // namespace chainrule::ad
