// Reductions: sum (all, or along an axis) and mean, composed from sum.

#include <numeric>

#include <xtensor/xadapt.hpp>
#include <xtensor/xbroadcast.hpp>

#include "chainrule/autodiff/errors.hpp"
#include "sweep.hpp"

namespace chainrule::ad {
namespace {

using detail::Node;
using detail::OpParams;

// The shape of a sum along params.axis with keepdims.
Shape kept_shape(Shape shape, std::size_t axis) {
  shape[axis] = 1;
  return shape;
}

struct SumAll {
  static constexpr const char* name = "sum";
  template <class S>
  static void backward(S& s) {
    if (!s.needs(0)) return;
    if constexpr (S::records) {
      s.accumulate(0, broadcast_to(s.grad(), s.in(0).shape()));
    } else {  // every element gets the one gradient value: a fill, not a broadcast
      const double g = s.grad().data()[0];
      s.accumulate_into(0, [&](Tensor& adj, bool assign) {
        if (assign) {
          adj.resize(s.in(0).shape());
          adj.fill(g);
        } else {
          for (double& a : adj) a += g;
        }
      });
    }
  }
};

struct SumAxis {  // params.axis, params.keepdims
  static constexpr const char* name = "sum_axis";
  template <class S>
  static void backward(S& s) {
    if (!s.needs(0)) return;
    if constexpr (S::records) {
      const Shape in_shape = s.in(0).shape();
      s.accumulate(
          0, broadcast_to(reshape(s.grad(), kept_shape(in_shape, s.params().axis)), in_shape));
    } else {
      const Tensor& g = s.grad();
      const auto& in_shape = s.in(0).shape();
      const Shape kept = kept_shape(shape_of(s.in(0)), s.params().axis);
      s.accumulate(
          0, xt::broadcast(xt::adapt(g.data(), g.size(), xt::no_ownership(), kept), in_shape));
    }
  }
};

}  // namespace

Var sum(const Var& x) {
  const Tensor& v = detail::value_of(x, SumAll::name);
  return detail::record<SumAll>({&x}, {}, [&](Node& n) {
    n.value.resize(Shape{});
    n.value.data()[0] = std::accumulate(v.data(), v.data() + v.size(), 0.0);
  });
}

Var sum(const Var& x, std::size_t axis, bool keepdims) {
  const Tensor& v = detail::value_of(x, "sum");
  if (axis >= v.dimension()) {
    throw ShapeError("chainrule: sum: axis " + std::to_string(axis) +
                     " is out of range for shape " + to_string(shape_of(v)));
  }
  const OpParams params{.axis = axis, .keepdims = keepdims};
  return detail::record<SumAxis>({&x}, params, [&](Node& n) {
    const Shape kept = kept_shape(shape_of(v), axis);
    detail::reduce_into(v, n.value, kept, /*assign=*/true);
    if (!keepdims) {
      Shape dropped = kept;
      dropped.erase(dropped.begin() + static_cast<std::ptrdiff_t>(axis));
      n.value.reshape(dropped);
    }
  });
}

Var mean(const Var& x) { return sum(x) / static_cast<double>(detail::value_of(x, "mean").size()); }

Var mean(const Var& x, std::size_t axis, bool keepdims) {
  const Shape shape = shape_of(detail::value_of(x, "mean"));
  if (axis >= shape.size()) {
    throw ShapeError("chainrule: mean: axis " + std::to_string(axis) +
                     " is out of range for shape " + to_string(shape));
  }
  return sum(x, axis, keepdims) / static_cast<double>(shape[axis]);
}

}  // namespace chainrule::ad
