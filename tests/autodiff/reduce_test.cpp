// Reductions through expect_ad: sum and mean over everything and along each axis, with and
// without keepdims, on shapes of rank 0–3 (axis forms from rank 1).
#define BOOST_TEST_MODULE autodiff_reduce
#include <stdexcept>

#include <xtensor/xmath.hpp>
#include <xtensor/xreducer.hpp>

#include "expect_ad.hpp"

namespace ad = chainrule::ad;
using namespace chainrule::test;

namespace {

const Generator any = uniform(-2.0, 2.0);

// xt::sum along one axis, kept as extent 1 when asked (reshaped: keep_dims combined with
// immediate evaluation crashes in xtensor 0.24).
ad::Tensor sum_reference(const ad::Tensor& x, std::size_t axis, bool keepdims) {
  if (axis >= x.dimension()) throw std::out_of_range("sum: axis");
  ad::Tensor r = xt::sum(x, {axis});
  if (keepdims) {
    ad::Shape shape = ad::shape_of(x);
    shape[axis] = 1;
    r.reshape(shape);
  }
  return r;
}

std::string axis_text(const char* op, std::size_t axis, bool keepdims) {
  return std::string(op) + "(axis " + std::to_string(axis) + (keepdims ? ", keepdims)" : ")");
}

}  // namespace

BOOST_AUTO_TEST_CASE(sum_and_mean_of_everything) {
  Rng rng(901);
  for (std::size_t i = 0; i < 10; ++i) {
    const ad::Shape shape = i < 3 ? ad::Shape(i, 3) : random_shape(rng, 0, 3, 4);
    const ad::Tensor x = any(rng, shape);
    expect_ad(
        "sum", [](const Vars& v) { return ad::sum(v[0]); },
        [](const Tensors& t) -> ad::Tensor { return xt::sum(t[0]); }, {x});
    expect_ad(
        "mean", [](const Vars& v) { return ad::mean(v[0]); },
        [](const Tensors& t) -> ad::Tensor { return xt::mean(t[0]); }, {x});
  }
}

BOOST_AUTO_TEST_CASE(sum_and_mean_along_an_axis) {
  Rng rng(902);
  std::size_t cases = 0;
  for (std::size_t i = 0; i < 8; ++i) {
    const ad::Shape shape = random_shape(rng, 1, 3, 4);
    const ad::Tensor x = any(rng, shape);
    for (std::size_t axis = 0; axis < shape.size(); ++axis) {
      for (const bool keepdims : {false, true}) {
        ++cases;
        expect_ad(
            axis_text("sum", axis, keepdims),
            [=](const Vars& v) { return ad::sum(v[0], axis, keepdims); },
            [=](const Tensors& t) { return sum_reference(t[0], axis, keepdims); }, {x});
        expect_ad(
            axis_text("mean", axis, keepdims),
            [=](const Vars& v) { return ad::mean(v[0], axis, keepdims); },
            [=](const Tensors& t) -> ad::Tensor {
              return sum_reference(t[0], axis, keepdims) / static_cast<double>(shape[axis]);
            },
            {x});
      }
    }
  }
  BOOST_TEST(cases >= 20u);
}

BOOST_AUTO_TEST_CASE(reductions_at_higher_ranks) {
  Rng rng(905);
  for (std::size_t i = 0; i < 4; ++i) {
    const ad::Shape shape = random_shape(rng, 4, 5, 2);
    const ad::Tensor x = any(rng, shape);
    expect_ad(
        "sum", [](const Vars& v) { return ad::sum(v[0]); },
        [](const Tensors& t) -> ad::Tensor { return xt::sum(t[0]); }, {x});
    for (std::size_t axis = 0; axis < shape.size(); ++axis) {
      const bool keepdims = (axis + i) % 2 == 1;
      expect_ad(
          axis_text("mean", axis, keepdims),
          [=](const Vars& v) { return ad::mean(v[0], axis, keepdims); },
          [=](const Tensors& t) -> ad::Tensor {
            return sum_reference(t[0], axis, keepdims) / static_cast<double>(shape[axis]);
          },
          {x});
    }
  }
}

BOOST_AUTO_TEST_CASE(reductions_inside_expressions) {
  // Normalising by a reduction broadcasts the reduced Var back over what it reduced.
  Rng rng(903);
  for (std::size_t i = 0; i < 6; ++i) {
    const ad::Shape shape{1 + i % 3, 2 + i % 2};
    expect_ad(
        "x - mean(x, axis 1, keepdims)",
        [](const Vars& v) { return v[0] - ad::mean(v[0], 1, true); },
        [](const Tensors& t) -> ad::Tensor {
          return t[0] - sum_reference(t[0], 1, true) / static_cast<double>(t[0].shape()[1]);
        },
        {any(rng, shape)});
    expect_ad(
        "exp(x) / sum(exp(x), axis 0)",
        [](const Vars& v) { return ad::exp(v[0]) / ad::sum(ad::exp(v[0]), 0); },
        [](const Tensors& t) -> ad::Tensor {
          return xt::exp(t[0]) / sum_reference(xt::exp(t[0]), 0, false);
        },
        {any(rng, ad::Shape{shape[1], shape[1]})});
    expect_ad(
        "sum(x * x) * mean(x)", [](const Vars& v) { return ad::sum(v[0] * v[0]) * ad::mean(v[0]); },
        [](const Tensors& t) -> ad::Tensor { return xt::sum(t[0] * t[0]) * xt::mean(t[0]); },
        {any(rng, shape)});
  }
}

BOOST_AUTO_TEST_CASE(axis_out_of_range_throws_like_the_reference) {
  Rng rng(904);
  for (const ad::Shape& shape : {ad::Shape{}, ad::Shape{3}, ad::Shape{2, 3}}) {
    const std::size_t axis = shape.size();
    expect_ad(
        axis_text("sum", axis, false), [=](const Vars& v) { return ad::sum(v[0], axis); },
        [=](const Tensors& t) { return sum_reference(t[0], axis, false); }, {any(rng, shape)});
    expect_ad(
        axis_text("mean", axis, true), [=](const Vars& v) { return ad::mean(v[0], axis, true); },
        [=](const Tensors& t) { return sum_reference(t[0], axis, true); }, {any(rng, shape)});
  }
}
