// Reductions: sum (all, or along an axis) and mean, composed from sum.

#include <numeric>

#include <xtensor/xadapt.hpp>
#include <xtensor/xbroadcast.hpp>

#include "axes.hpp"
#include "chainrule/autodiff/errors.hpp"
#include "sweep.hpp"

namespace chainrule::ad {
namespace {

using detail::Node;

// The shape of a sum along `axis` with keepdims.
template <class Sh>
Shape kept_shape(const Sh& shape, std::size_t axis) {
  Shape kept(shape.begin(), shape.end());
  kept[axis] = 1;
  return kept;
}

struct SumAll {  // every element of the input gets the one gradient value
  static constexpr const char* name = "sum";
  template <class S>
  static void backward(S& s) {
    if (s.needs(0)) s.accumulate(0, s.broadcast_to(s.grad(), s.in(0).shape()));
  }
};

}  // namespace

Var sum(const Var& x) {
  const Tensor& v = detail::value_of(x, SumAll::name);
  return detail::record<SumAll>({&x}, [&](Node& n) {
    n.value.resize(Shape{});
    n.value.data()[0] = std::accumulate(v.data(), v.data() + v.size(), 0.0);
  });
}

namespace {
struct SumAxis {
  static constexpr const char* name = "sum_axis";
  struct Params {
    std::size_t axis;
  };
  template <class S>
  static void backward(S& s) {
    if (!s.needs(0)) return;
    const auto& in_shape = s.in(0).shape();
    const Shape kept = kept_shape(in_shape, s.template params<Params>().axis);
    s.accumulate(0, s.broadcast_to(s.reshape(s.grad(), kept), in_shape));
  }
};
}  // namespace

Var sum(const Var& x, std::ptrdiff_t signed_axis, bool keepdims) {
  const Tensor& v = detail::value_of(x, "sum");
  const std::size_t axis = detail::normalize_axis(signed_axis, detail::dims(v), "sum");
  return detail::record<SumAxis>({&x}, SumAxis::Params{axis}, [&](Node& n) {
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

Var mean(const Var& x, std::ptrdiff_t signed_axis, bool keepdims) {
  const Shape shape = shape_of(detail::value_of(x, "mean"));
  const std::size_t axis = detail::normalize_axis(signed_axis, shape, "mean");
  return sum(x, signed_axis, keepdims) / static_cast<double>(shape[axis]);
}

}  // namespace chainrule::ad
