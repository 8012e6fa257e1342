// The element-moving shape operations through expect_ad — permute, flip, tile, pad, take,
// slice with a step, squeeze, unsqueeze, stack — against loop references; their errors; and
// the axis argument of slice and concatenate (negative, out of range).
#define BOOST_TEST_MODULE autodiff_shape_ops
#include <algorithm>
#include <limits>
#include <numeric>

#include <xtensor/xmanipulation.hpp>
#include <xtensor/xstrided_view.hpp>

#include "axis_reference.hpp"
#include "expect_ad.hpp"

namespace ad = chainrule::ad;
using namespace chainrule::test;

namespace {

const Generator any = uniform(-2.0, 2.0);

std::size_t count(const ad::Shape& shape) {
  return std::accumulate(shape.begin(), shape.end(), std::size_t{1}, std::multiplies<>());
}

// A tensor of `shape` whose element at each coordinate is value(coordinate).
ad::Tensor build(const ad::Shape& shape, const std::function<double(const ad::Shape&)>& value) {
  ad::Tensor out = xt::zeros<double>(shape);
  ad::Shape coord(shape.size(), 0);
  for (std::size_t j = 0; j < count(shape); ++j) {
    out.data()[j] = value(coord);
    for (std::size_t d = shape.size(); d-- > 0;) {
      if (++coord[d] < shape[d]) break;
      coord[d] = 0;
    }
  }
  return out;
}

double at(const ad::Tensor& x, const ad::Shape& coord) {
  std::size_t flat = 0;
  for (std::size_t d = 0; d < coord.size(); ++d) flat = flat * x.shape()[d] + coord[d];
  return x.data()[flat];
}

}  // namespace

// ---- permute ------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(permute_every_order) {
  Rng rng(1101);
  for (std::size_t c = 0; c < 8; ++c) {
    const ad::Shape shape = random_shape(rng, 0, 4, 3);
    std::vector<std::ptrdiff_t> axes(shape.size());
    std::iota(axes.begin(), axes.end(), 0);
    std::shuffle(axes.begin(), axes.end(), rng);
    if (c % 2 == 1) {
      for (auto& a : axes) a -= static_cast<std::ptrdiff_t>(shape.size());  // negative form
    }
    expect_ad(
        "permute", [=](const Vars& v) { return ad::permute(v[0], axes); },
        [=](const Tensors& t) -> ad::Tensor {
          std::vector<std::size_t> order;
          for (auto a : axes) order.push_back(axis_ref(a, shape.size()));
          return xt::transpose(t[0], order);
        },
        {any(rng, shape)});
  }
  FreshTape t;
  const ad::Var x = ad::variable(xt::zeros<double>({2, 3, 4}));
  expect_error<ad::ShapeError>(
      [&] {
        return ad::permute(x, {0, 1});
      },
      {"permute", "(0, 1)", "(2, 3, 4)"}, "too few axes");
  expect_error<ad::ShapeError>(
      [&] {
        return ad::permute(x, {0, 1, -2});
      },
      {"permute", "(0, 1, -2)", "twice"}, "repeated axis");
  expect_error<ad::ShapeError>(
      [&] {
        return ad::permute(x, {0, 1, 3});
      },
      {"permute", "axis 3", "(2, 3, 4)"}, "axis out of range");
}

// ---- flip ---------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(flip_every_axis) {
  Rng rng(1102);
  for (std::size_t c = 0; c < 5; ++c) {
    const ad::Shape shape = random_shape(rng, 1, 3, 4);
    const ad::Tensor x = any(rng, shape);
    for (const std::ptrdiff_t axis : all_axes(shape.size())) {
      expect_ad(
          "flip(axis " + std::to_string(axis) + ")",
          [=](const Vars& v) { return ad::flip(v[0], axis); },
          [=](const Tensors& t) {
            return map_along(t[0], axis, [](std::vector<double> l) {
              std::reverse(l.begin(), l.end());
              return l;
            });
          },
          {x});
    }
  }
}

// ---- tile ---------------------------------------------------------------------------------

ad::Tensor tile_reference(const ad::Tensor& x, std::vector<std::size_t> reps) {
  ad::Shape shape = ad::shape_of(x);
  const std::size_t rank = std::max(shape.size(), reps.size());
  shape.insert(shape.begin(), rank - shape.size(), 1);
  reps.insert(reps.begin(), rank - reps.size(), 1);
  ad::Tensor promoted = x;
  promoted.reshape(shape);
  ad::Shape out(rank);
  for (std::size_t d = 0; d < rank; ++d) out[d] = shape[d] * reps[d];
  return build(out, [&](ad::Shape c) {
    for (std::size_t d = 0; d < rank; ++d) c[d] %= shape[d];
    return at(promoted, c);
  });
}

BOOST_AUTO_TEST_CASE(tile_like_numpy) {
  Rng rng(1103);
  std::uniform_int_distribution<std::size_t> rep(1, 3);
  std::uniform_int_distribution<std::size_t> length(0, 3);
  for (std::size_t c = 0; c < 10; ++c) {
    const ad::Shape shape = random_shape(rng, 0, 3, 3);
    std::vector<std::size_t> reps(length(rng));  // shorter, equal or longer than the rank
    for (auto& r : reps) r = rep(rng);
    if (c == 0) reps = {0, 2};  // a zero repeat: an empty result
    expect_ad(
        "tile", [=](const Vars& v) { return ad::tile(v[0], reps); },
        [=](const Tensors& t) { return tile_reference(t[0], reps); }, {any(rng, shape)});
  }
  FreshTape t;
  const ad::Var x = ad::variable(xt::zeros<double>({2, 3}));
  const std::size_t huge = std::numeric_limits<std::size_t>::max() / 2;
  expect_error<ad::ShapeError>(
      [&] {
        return ad::tile(x, {1, huge});
      },
      {"tile", "overflow"}, "an extent overflowing size_t");
  expect_error<ad::ShapeError>(
      [&] {
        return ad::tile(x, {1u << 30, 1u << 30});
      },
      {"tile"}, "a result too large to address");
}

// ---- pad ----------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(pad_with_constants) {
  Rng rng(1104);
  std::uniform_int_distribution<std::size_t> width(0, 2);
  for (std::size_t c = 0; c < 8; ++c) {
    const ad::Shape shape = random_shape(rng, 0, 3, 3);
    std::vector<std::pair<std::size_t, std::size_t>> widths(shape.size());
    for (auto& w : widths) w = {width(rng), width(rng)};
    const double value = c % 2 == 0 ? 0.0 : -1.5;
    expect_ad(
        "pad", [=](const Vars& v) { return ad::pad(v[0], widths, value); },
        [=](const Tensors& t) {
          ad::Shape out = shape;
          for (std::size_t d = 0; d < shape.size(); ++d)
            out[d] += widths[d].first + widths[d].second;
          return build(out, [&](ad::Shape coord) {
            for (std::size_t d = 0; d < coord.size(); ++d) {
              if (coord[d] < widths[d].first || coord[d] >= widths[d].first + shape[d]) {
                return value;
              }
              coord[d] -= widths[d].first;
            }
            return at(t[0], coord);
          });
        },
        {any(rng, shape)});
  }
  FreshTape t;
  const ad::Var x = ad::variable(xt::zeros<double>({2, 3}));
  expect_error<ad::ShapeError>(
      [&] {
        return ad::pad(x, {{1, 1}});
      },
      {"pad", "(2, 3)", "rank 2"}, "one width pair for two axes");
  const std::size_t huge = std::numeric_limits<std::size_t>::max();
  expect_error<ad::ShapeError>(
      [&] {
        return ad::pad(x, {{0, 0}, {huge, 1}});
      },
      {"pad", "overflow"}, "an extent overflowing size_t");
  expect_error<ad::ShapeError>(
      [&] {
        return ad::pad(x, {{1u << 31, 0}, {1u << 31, 0}});
      },
      {"pad"}, "a result too large to address");
}

// ---- take ---------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(take_with_repeats_and_negative_indices) {
  Rng rng(1105);
  for (std::size_t c = 0; c < 5; ++c) {
    const ad::Shape shape = random_shape(rng, 1, 3, 3);
    const ad::Tensor x = any(rng, shape);
    for (const std::ptrdiff_t axis : all_axes(shape.size())) {
      const auto extent = static_cast<std::ptrdiff_t>(shape[axis_ref(axis, shape.size())]);
      std::uniform_int_distribution<std::ptrdiff_t> index(-extent, extent - 1);
      std::vector<std::ptrdiff_t> indices(1 + c % 4);
      for (auto& i : indices) i = index(rng);
      indices.push_back(indices.front());  // always a repeat
      expect_ad(
          "take(axis " + std::to_string(axis) + ")",
          [=](const Vars& v) { return ad::take(v[0], indices, axis); },
          [=](const Tensors& t) {
            const std::size_t a = axis_ref(axis, shape.size());
            ad::Shape out = shape;
            out[a] = indices.size();
            return build(out, [&](ad::Shape coord) {
              const std::ptrdiff_t i = indices[coord[a]];
              coord[a] = static_cast<std::size_t>(i < 0 ? i + extent : i);
              return at(t[0], coord);
            });
          },
          {x});
    }
  }
  FreshTape t;
  const ad::Var x = ad::variable(ad::Tensor{1.0, 2.0, 3.0});
  const ad::Var y = ad::take(x, {2, 2, 0, -1}, 0);
  BOOST_TEST(matches(y.value(), ad::Tensor{3.0, 3.0, 1.0, 3.0}));
  ad::sum(y).backward();
  BOOST_TEST(matches(x.grad(), ad::Tensor{1.0, 0.0, 3.0}));  // repeats add up
  expect_error<ad::ShapeError>(
      [&] {
        return ad::take(x, {0, 3}, 0);
      },
      {"take", "index 3", "extent 3"}, "index past the end");
  expect_error<ad::ShapeError>([&] { return ad::take(x, {-4}, 0); },
                               {"take", "index -4", "extent 3"}, "index before the start");
  expect_error<ad::ShapeError>([&] { return ad::take(x, {0}, 1); }, {"take", "axis 1", "(3,)"},
                               "axis out of range");
}

// ---- slice with a step ------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(slice_with_steps_and_negative_bounds) {
  Rng rng(1106);
  for (std::size_t c = 0; c < 6; ++c) {
    const ad::Shape shape = random_shape(rng, 1, 3, 5);
    const ad::Tensor x = any(rng, shape);
    for (const std::ptrdiff_t axis : all_axes(shape.size())) {
      const auto extent = static_cast<std::ptrdiff_t>(shape[axis_ref(axis, shape.size())]);
      std::uniform_int_distribution<std::ptrdiff_t> bound(0, extent);
      std::ptrdiff_t begin = bound(rng);
      std::ptrdiff_t end = bound(rng);
      if (begin > end) std::swap(begin, end);
      const std::ptrdiff_t step = 1 + static_cast<std::ptrdiff_t>(c % 3);
      // Negative bounds too (a bound equal to the extent has no negative form).
      const std::ptrdiff_t b = c % 2 == 0 || begin == extent ? begin : begin - extent;
      const std::ptrdiff_t e = c % 2 == 0 || end == extent ? end : end - extent;
      expect_ad(
          "slice(axis " + std::to_string(axis) + ", " + std::to_string(b) + ":" +
              std::to_string(e) + ":" + std::to_string(step) + ")",
          [=](const Vars& v) { return ad::slice(v[0], axis, b, e, step); },
          [=](const Tensors& t) -> ad::Tensor {
            xt::xstrided_slice_vector slices(t[0].dimension(), xt::all());
            slices[axis_ref(axis, shape.size())] = xt::range(begin, end, step);
            return xt::strided_view(t[0], slices);
          },
          {x});
    }
  }
  FreshTape t;
  const ad::Var x = ad::variable(xt::zeros<double>({2, 3}));
  expect_error<ad::ShapeError>([&] { return ad::slice(x, 1, 0, 3, 0); }, {"slice", "step 0"},
                               "step 0");
  expect_error<ad::ShapeError>([&] { return ad::slice(x, 1, 0, 3, -1); }, {"slice", "step -1"},
                               "negative step");
  expect_error<ad::ShapeError>([&] { return ad::slice(x, 1, -4, 3); },
                               {"slice", "[-4, 3)", "(2, 3)"}, "begin before the start");
  BOOST_TEST(matches(ad::slice(ad::variable(ad::Tensor{0.0, 1.0, 2.0, 3.0}), 0, -3, -1).value(),
                     ad::Tensor{1.0, 2.0}));
}

// ---- squeeze, unsqueeze, stack ----------------------------------------------------------------

BOOST_AUTO_TEST_CASE(squeeze_unsqueeze_and_stack) {
  Rng rng(1107);
  for (std::size_t c = 0; c < 6; ++c) {
    const ad::Shape shape = random_shape(rng, 0, 3, 3);
    const ad::Tensor x = any(rng, shape);
    const auto rank = static_cast<std::ptrdiff_t>(shape.size());
    for (std::ptrdiff_t axis = -rank - 1; axis <= rank; ++axis) {
      const std::size_t position = static_cast<std::size_t>(axis < 0 ? axis + rank + 1 : axis);
      ad::Shape expanded = shape;
      expanded.insert(expanded.begin() + static_cast<std::ptrdiff_t>(position), 1);
      expect_ad(
          "unsqueeze(axis " + std::to_string(axis) + ")",
          [=](const Vars& v) { return ad::unsqueeze(v[0], axis); },
          [=](const Tensors& t) {
            ad::Tensor r = t[0];
            r.reshape(expanded);
            return r;
          },
          {x});
      const std::ptrdiff_t squeeze_axis = axis;  // the same position in the rank + 1 tensor
      ad::Tensor ex = x;
      ex.reshape(expanded);
      expect_ad(
          "squeeze(axis " + std::to_string(squeeze_axis) + ")",
          [=](const Vars& v) { return ad::squeeze(v[0], squeeze_axis); },
          [=](const Tensors&) { return x; }, {ex});
      const std::size_t parts = 1 + c % 3;
      Shapes shapes(parts, shape);
      expect_ad(
          "stack(axis " + std::to_string(axis) + ")",
          [=](const Vars& v) { return ad::stack(v, axis); },
          [=](const Tensors& t) {
            ad::Shape out = shape;
            out.insert(out.begin() + static_cast<std::ptrdiff_t>(position), parts);
            return build(out, [&](ad::Shape coord) {
              const std::size_t k = coord[position];
              coord.erase(coord.begin() + static_cast<std::ptrdiff_t>(position));
              return at(t[k], coord);
            });
          },
          draw(rng, shapes, {any}));
    }
  }
  FreshTape t;
  const ad::Var x = ad::variable(xt::zeros<double>({2, 3}));
  expect_error<ad::ShapeError>([&] { return ad::squeeze(x, 1); },
                               {"squeeze", "axis 1", "(2, 3)", "extent 3"}, "squeeze extent 3");
  expect_error<ad::ShapeError>([&] { return ad::squeeze(x, 2); }, {"squeeze", "axis 2", "(2, 3)"},
                               "squeeze axis out of range");
  expect_error<ad::ShapeError>([&] { return ad::unsqueeze(x, 3); },
                               {"unsqueeze", "axis 3", "(2, 3)"}, "unsqueeze past the end");
  expect_error<ad::ShapeError>([&] { return ad::unsqueeze(x, -4); },
                               {"unsqueeze", "axis -4", "(2, 3)"}, "unsqueeze before the start");
  expect_error<ad::ShapeError>(
      [&] {
        return ad::stack({x, ad::variable(xt::zeros<double>({3, 2}))});
      },
      {"stack", "(3, 2)", "(2, 3)"}, "stack of different shapes");
  expect_error<ad::ShapeError>([&] { return ad::stack({}); }, {"stack"}, "stack of nothing");
  expect_error<ad::ShapeError>(
      [&] {
        return ad::stack({x, x}, 3);
      },
      {"stack", "axis 3", "(2, 3)"}, "stack axis out of range");
}

// ---- the axis argument of the older shape operations ------------------------------------------

BOOST_AUTO_TEST_CASE(slice_and_concatenate_take_negative_axes) {
  FreshTape t;
  Rng rng(1108);
  const ad::Tensor value = any(rng, ad::Shape{2, 3, 4});
  const ad::Var x = ad::variable(value);
  for (std::ptrdiff_t axis = 0; axis < 3; ++axis) {
    BOOST_TEST(
        matches(ad::slice(x, axis - 3, 0, 1).value(), ad::slice(x, axis, 0, 1).value(), 0.0));
    BOOST_TEST(matches(ad::concatenate({x, x}, axis - 3).value(),
                       ad::concatenate({x, x}, axis).value(), 0.0));
    BOOST_TEST(matches(ad::flip(x, axis - 3).value(), ad::flip(x, axis).value(), 0.0));
  }
  for (const std::ptrdiff_t axis : bad_axes(3)) {
    const std::string a = "axis " + std::to_string(axis);
    expect_error<ad::ShapeError>([&] { return ad::slice(x, axis, 0, 1); },
                                 {"slice", a, "(2, 3, 4)"}, "slice " + a);
    expect_error<ad::ShapeError>(
        [&] {
          return ad::concatenate({x, x}, axis);
        },
        {"concatenate", a, "(2, 3, 4)"}, "concatenate " + a);
    expect_error<ad::ShapeError>([&] { return ad::flip(x, axis); }, {"flip", a, "(2, 3, 4)"},
                                 "flip " + a);
    expect_error<ad::ShapeError>([&] { return ad::take(x, {0}, axis); }, {"take", a, "(2, 3, 4)"},
                                 "take " + a);
    expect_error<ad::ShapeError>([&] { return ad::squeeze(x, axis); }, {"squeeze", a, "(2, 3, 4)"},
                                 "squeeze " + a);
  }
}
