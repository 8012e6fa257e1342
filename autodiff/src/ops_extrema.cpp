// max and min (whole tensor or along an axis) and argmax/argmin. The gradient of an extreme
// goes to the element(s) that attain it: ties share it equally, so the rule is symmetric and
// the gradients still sum to the incoming one. A NaN is the extreme when there is one
// (numpy's propagation); it then gets the gradient.

#include <cmath>
#include <string>

#include <xtensor/xadapt.hpp>

#include "axes.hpp"
#include "chainrule/autodiff/errors.hpp"
#include "sweep.hpp"

namespace chainrule::ad {
namespace {

using detail::AxisRuns;
using detail::kept_shape;
using detail::Node;

Shape shape_of_operand(const Tensor& t) { return shape_of(t); }
Shape shape_of_operand(const Var& v) { return v.shape(); }

// The incoming gradient seen with the kept shape, so it broadcasts over the reduced axis.
auto as_kept(const Tensor& g, const Shape& kept) {
  return xt::adapt(g.data(), g.size(), xt::no_ownership(), kept);
}
Var as_kept(const Var& g, const Shape& kept) { return reshape(g, kept); }

// Is `v` a better extreme than `best`? A NaN beats everything and stays.
template <bool Max>
bool beats(double v, double best) {
  if (std::isnan(best)) return false;
  if (std::isnan(v)) return true;
  return Max ? v > best : v < best;
}

// Calls found(o, i, k) with the first position k of the extreme of each run.
template <bool Max, class Found>
void find_extremes(const Tensor& x, const AxisRuns& b, Found found) {
  const double* p = x.data();
  for (std::size_t o = 0; o < b.outer; ++o) {
    for (std::size_t i = 0; i < b.inner; ++i) {
      const double* run = p + o * b.extent * b.inner + i;
      std::size_t best = 0;
      for (std::size_t k = 1; k < b.extent; ++k) {
        if (beats<Max>(run[k * b.inner], run[best * b.inner])) best = k;
      }
      found(o, i, best);
    }
  }
}

void check_not_empty(const char* op, const Shape& shape, std::size_t axis) {
  if (shape[axis] == 0) {
    throw ShapeError(std::string("chainrule: ") + op + ": axis " + std::to_string(axis) +
                     " of shape " + to_string(shape) + " is empty (no element to choose)");
  }
}

// Params: the reduced axis; aux: each element's share of the gradient (1/ties at the
// extreme, 0 elsewhere), a constant, so the second derivative is 0 as it should be.
template <bool Max>
struct Extreme {
  static constexpr const char* name = Max ? "max" : "min";
  struct Params {
    std::size_t axis;
  };
  template <class S>
  static void backward(S& s) {
    if (!s.needs(0)) return;
    const Shape kept = kept_shape(shape_of_operand(s.in(0)), s.template params<Params>().axis);
    s.accumulate(0, as_kept(s.grad(), kept) * s.aux());
  }
};

template <bool Max>
Var extreme(const Var& x, std::ptrdiff_t signed_axis, bool keepdims) {
  using Rule = Extreme<Max>;
  const Tensor& v = detail::value_of(x, Rule::name);
  const Shape shape = shape_of(v);
  const std::size_t axis = detail::normalize_axis(signed_axis, shape, Rule::name);
  check_not_empty(Rule::name, shape, axis);
  const AxisRuns b(shape, axis);
  const Shape out_shape = detail::reduced_shape(shape, axis, keepdims);
  return detail::record<Rule>({&x}, typename Rule::Params{axis}, [&](Node& n) {
    n.value.resize(out_shape);
    Tensor& share = n.extra().aux;
    share.resize(shape);
    share.fill(0.0);
    const double* p = v.data();
    find_extremes<Max>(v, b, [&](std::size_t o, std::size_t i, std::size_t best) {
      const std::size_t base = o * b.extent * b.inner + i;
      const double m = p[base + best * b.inner];
      n.value.data()[o * b.inner + i] = m;
      std::size_t ties = 0;
      for (std::size_t k = best; k < b.extent; ++k) {
        const double e = p[base + k * b.inner];
        if (e == m || (std::isnan(m) && std::isnan(e))) ++ties;
      }
      for (std::size_t k = best; k < b.extent; ++k) {
        const double e = p[base + k * b.inner];
        if (e == m || (std::isnan(m) && std::isnan(e))) {
          share.data()[base + k * b.inner] = 1.0 / static_cast<double>(ties);
        }
      }
    });
  });
}

template <bool Max>
Var extreme_all(const Var& x) {
  const char* op = Max ? "max" : "min";
  const Tensor& v = detail::value_of(x, op);
  if (v.size() == 0) {
    throw ShapeError(std::string("chainrule: ") + op + ": the tensor of shape " +
                     to_string(shape_of(v)) + " is empty (no element to choose)");
  }
  return extreme<Max>(reshape(x, {v.size()}), 0, false);
}

template <bool Max>
Tensor arg_extreme(const Var& x, std::ptrdiff_t signed_axis) {
  const char* op = Max ? "argmax" : "argmin";
  const Tensor& v = detail::value_of(x, op);
  const Shape shape = shape_of(v);
  const std::size_t axis = detail::normalize_axis(signed_axis, shape, op);
  check_not_empty(op, shape, axis);
  const AxisRuns b(shape, axis);
  Tensor out;
  out.resize(detail::reduced_shape(shape, axis, false));
  find_extremes<Max>(v, b, [&](std::size_t o, std::size_t i, std::size_t best) {
    out.data()[o * b.inner + i] = static_cast<double>(best);
  });
  return out;
}

}  // namespace

Var max(const Var& x) { return extreme_all<true>(x); }
Var max(const Var& x, std::ptrdiff_t axis, bool keepdims) {
  return extreme<true>(x, axis, keepdims);
}
Var min(const Var& x) { return extreme_all<false>(x); }
Var min(const Var& x, std::ptrdiff_t axis, bool keepdims) {
  return extreme<false>(x, axis, keepdims);
}
Tensor argmax(const Var& x, std::ptrdiff_t axis) { return arg_extreme<true>(x, axis); }
Tensor argmin(const Var& x, std::ptrdiff_t axis) { return arg_extreme<false>(x, axis); }

}  // namespace chainrule::ad
