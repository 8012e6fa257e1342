// softmax and log_softmax along an axis, each one recorded operation. The forward shifts every
// lane by its maximum (nothing overflows); the backward rules are written with sum-along-axis,
// exp and broadcasting products, so derivatives of every order are exact.

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "axes.hpp"
#include "chainrule/autodiff/errors.hpp"
#include "chainrule/autodiff/ops.hpp"
#include "elementwise.hpp"

namespace chainrule::ad {
namespace {

using detail::Node;

// The shape with extent 1 at `axis`: a sum along it with keepdims.
Shape kept_shape(Shape shape, std::size_t axis) {
  shape[axis] = 1;
  return shape;
}

// Σ along `axis`, keeping it: of a tensor expression (evaluated once — a lazy reducer would be
// re-evaluated for every element it is broadcast to) or of a Var (recorded).
Tensor sum_kept(const Tensor& t, std::size_t axis) {
  Tensor total;
  detail::reduce_into(t, total, kept_shape(shape_of(t), axis), /*assign=*/true);
  return total;
}
template <class E, std::enable_if_t<xt::is_xexpression<std::decay_t<E>>::value, int> = 0>
Tensor sum_kept(E&& e, std::size_t axis) {
  const Tensor evaluated(std::forward<E>(e));
  return sum_kept(evaluated, axis);
}
Var sum_kept(const Var& v, std::size_t axis) {
  return sum(v, static_cast<std::ptrdiff_t>(axis), /*keepdims=*/true);
}

// Calls lane(first, stride, extent) for every 1-d lane of a row-major tensor along `axis`.
template <class Lane>
void for_each_lane(const Tensor& t, std::size_t axis, Lane lane) {
  const detail::AxisRuns runs(detail::dims(t), axis);
  for (std::size_t o = 0; o < runs.outer; ++o) {
    for (std::size_t i = 0; i < runs.inner; ++i) lane(runs.at(o, 0, i), runs.inner, runs.extent);
  }
}

// Records Rule: for every lane along `axis`, writes e^(x − max) into the result, then lets
// `finish(in, out, stride, extent, max, total)` turn it into the lane's result, total being
// Σ e^(x − max).
template <class Rule, class Finish>
Var along_axis(const Var& x, std::ptrdiff_t axis, Finish finish) {
  const Tensor& v = detail::value_of(x, Rule::name);
  const std::size_t a = detail::normalize_axis(axis, detail::dims(v), Rule::name);
  return detail::record<Rule>({&x}, typename Rule::Params{a}, [&](Node& n) {
    n.value.resize(v.shape());
    for_each_lane(v, a, [&](std::size_t first, std::size_t stride, std::size_t extent) {
      const double* in = v.data() + first;
      double* out = n.value.data() + first;
      double max = -std::numeric_limits<double>::infinity();
      for (std::size_t k = 0; k < extent; ++k) max = std::max(max, in[k * stride]);
      double total = 0.0;
      for (std::size_t k = 0; k < extent; ++k) {
        out[k * stride] = std::exp(in[k * stride] - max);
        total += out[k * stride];
      }
      finish(in, out, stride, extent, max, total);
    });
  });
}

}  // namespace

namespace {
struct LogSoftmax {  // d/dx: g − softmax(x)·Σg = g − e^out·Σg
  static constexpr const char* name = "log_softmax";
  struct Params {
    std::size_t axis;
  };
  template <class S>
  static void backward(S& s) {
    const std::size_t axis = s.template params<Params>().axis;
    if (s.needs(0)) s.accumulate(0, s.grad() - exp(s.out()) * sum_kept(s.grad(), axis));
  }
};
}  // namespace

Var log_softmax(const Var& x, std::ptrdiff_t axis) {
  return along_axis<LogSoftmax>(x, axis,
                                [](const double* in, double* out, std::size_t stride,
                                   std::size_t extent, double max, double total) {
                                  // (x − max) − log Σ: exact where x = max, whatever max is.
                                  const double log_total = std::log(total);
                                  for (std::size_t k = 0; k < extent; ++k) {
                                    out[k * stride] = (in[k * stride] - max) - log_total;
                                  }
                                });
}

namespace {
struct Softmax {  // d/dx: out·(g − Σ g·out)
  static constexpr const char* name = "softmax";
  struct Params {
    std::size_t axis;
  };
  template <class S>
  static void backward(S& s) {
    const std::size_t axis = s.template params<Params>().axis;
    if (s.needs(0)) s.accumulate(0, s.out() * (s.grad() - sum_kept(s.grad() * s.out(), axis)));
  }
};
}  // namespace

Var softmax(const Var& x, std::ptrdiff_t axis) {
  return along_axis<Softmax>(
      x, axis,
      [](const double*, double* out, std::size_t stride, std::size_t extent, double, double total) {
        for (std::size_t k = 0; k < extent; ++k) out[k * stride] /= total;
      });
}

}  // namespace chainrule::ad
