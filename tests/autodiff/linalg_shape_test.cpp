// Linear algebra and shape operations through expect_ad: matmul in its four rank
// combinations, transpose, reshape, broadcast_to, sum_to, slice/rows/cols, concatenate, and
// small networks composed from them. References are plain loops or xtensor, never BLAS.
#define BOOST_TEST_MODULE autodiff_linalg_shape
#include <numeric>
#include <stdexcept>

#include <xtensor/xbroadcast.hpp>
#include <xtensor/xbuilder.hpp>
#include <xtensor/xmanipulation.hpp>
#include <xtensor/xmath.hpp>
#include <xtensor/xstrided_view.hpp>

#include "expect_ad.hpp"

namespace ad = chainrule::ad;
using namespace chainrule::test;

namespace {

const Generator any = uniform(-2.0, 2.0);

std::size_t count(const ad::Shape& shape) {
  return std::accumulate(shape.begin(), shape.end(), std::size_t{1}, std::multiplies<>());
}

// numpy's rule, written out independently of the engine: can `from` broadcast to `to`?
bool broadcasts_to(const ad::Shape& from, const ad::Shape& to) {
  if (from.size() > to.size()) return false;
  for (std::size_t i = 1; i <= from.size(); ++i) {
    const std::size_t f = from[from.size() - i];
    if (f != 1 && f != to[to.size() - i]) return false;
  }
  return true;
}

ad::Shape broadcast(const ad::Shape& a, const ad::Shape& b) {
  const std::size_t n = std::max(a.size(), b.size());
  ad::Shape out(n, 1);
  for (std::size_t i = 1; i <= n; ++i) {
    const std::size_t da = i <= a.size() ? a[a.size() - i] : 1;
    const std::size_t db = i <= b.size() ? b[b.size() - i] : 1;
    out[n - i] = da == 1 ? db : da;
  }
  return out;
}

// numpy's matmul for 1-D and 2-D operands, as loops.
ad::Tensor matmul_reference(const ad::Tensor& a, const ad::Tensor& b) {
  if (a.dimension() < 1 || a.dimension() > 2 || b.dimension() < 1 || b.dimension() > 2) {
    throw std::invalid_argument("matmul: rank");
  }
  const std::size_t m = a.dimension() == 2 ? a.shape()[0] : 1;
  const std::size_t k = a.shape()[a.dimension() - 1];
  const std::size_t kb = b.shape()[0];
  const std::size_t n = b.dimension() == 2 ? b.shape()[1] : 1;
  if (k != kb) throw std::invalid_argument("matmul: not aligned");
  ad::Tensor out = xt::zeros<double>({m, n});
  for (std::size_t i = 0; i < m; ++i) {
    for (std::size_t j = 0; j < n; ++j) {
      for (std::size_t p = 0; p < k; ++p) out(i, j) += a.data()[i * k + p] * b.data()[p * n + j];
    }
  }
  ad::Shape shape;
  if (a.dimension() == 2) shape.push_back(m);
  if (b.dimension() == 2) shape.push_back(n);
  out.reshape(shape);
  return out;
}

ad::Tensor sum_to_reference(const ad::Tensor& x, const ad::Shape& shape) {
  const ad::Shape from = ad::shape_of(x);
  if (!broadcasts_to(shape, from)) throw std::invalid_argument("sum_to: shapes");
  ad::Tensor out = xt::zeros<double>(shape);
  const std::size_t lead = from.size() - shape.size();
  ad::Shape index(from.size());
  for (std::size_t flat = 0; flat < x.size(); ++flat) {
    std::size_t rest = flat;
    for (std::size_t d = from.size(); d-- > 0;) {
      index[d] = rest % from[d];
      rest /= from[d];
    }
    std::size_t target = 0;
    for (std::size_t d = 0; d < shape.size(); ++d) {
      target = target * shape[d] + (shape[d] == 1 ? 0 : index[d + lead]);
    }
    out.data()[target] += x.data()[flat];
  }
  return out;
}

ad::Tensor slice_reference(const ad::Tensor& x, std::size_t axis, std::size_t begin,
                           std::size_t end) {
  if (axis >= x.dimension() || begin > end || end > x.shape()[axis]) {
    throw std::out_of_range("slice");
  }
  xt::xstrided_slice_vector slices(x.dimension(), xt::all());
  slices[axis] = xt::range(begin, end);
  return xt::strided_view(x, slices);
}

}  // namespace

// ---- matmul, transpose ------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(matmul_all_rank_combinations) {
  Rng rng(801);
  std::uniform_int_distribution<std::size_t> extent(1, 4);
  for (std::size_t i = 0; i < 24; ++i) {
    const std::size_t m = extent(rng);
    const std::size_t k = extent(rng);
    const std::size_t n = extent(rng);
    const ad::Shape a = i % 4 < 2 ? ad::Shape{m, k} : ad::Shape{k};   // 2-D, 2-D, 1-D, 1-D
    const ad::Shape b = i % 2 == 0 ? ad::Shape{k, n} : ad::Shape{k};  // 2-D, 1-D, 2-D, 1-D
    expect_ad(
        "matmul", [](const Vars& v) { return ad::matmul(v[0], v[1]); },
        [](const Tensors& t) { return matmul_reference(t[0], t[1]); }, draw(rng, {a, b}, {any}));
  }
  // Misaligned or 0-d: both versions throw (rank ≥ 3: linalg_ops_test).
  for (const Shapes& shapes :
       std::vector<Shapes>{{{2, 3}, {4, 2}}, {{3}, {4}}, {{2, 3}, {2}}, {{3}, {2, 3}}, {{}, {2}}}) {
    expect_ad(
        "matmul", [](const Vars& v) { return ad::matmul(v[0], v[1]); },
        [](const Tensors& t) { return matmul_reference(t[0], t[1]); }, draw(rng, shapes, {any}));
  }
}

BOOST_AUTO_TEST_CASE(matmul_with_itself_and_composites) {
  Rng rng(802);
  for (std::size_t i = 0; i < 6; ++i) {
    const std::size_t n = 1 + i % 3;
    expect_ad(
        "matmul(A, A)", [](const Vars& v) { return ad::matmul(v[0], v[0]); },
        [](const Tensors& t) { return matmul_reference(t[0], t[0]); }, {any(rng, ad::Shape{n, n})});
    expect_ad(
        "matmul(transpose(A), A)",
        [](const Vars& v) { return ad::matmul(ad::transpose(v[0]), v[0]); },
        [](const Tensors& t) { return matmul_reference(xt::transpose(t[0]), t[0]); },
        {any(rng, ad::Shape{n + 1, n})});
  }
}

BOOST_AUTO_TEST_CASE(transpose) {
  Rng rng(803);
  for (std::size_t i = 0; i < 10; ++i) {
    const ad::Shape shape = i < 4 ? ad::Shape(i, 2 + i % 2) : random_shape(rng, 0, 3, 4);
    expect_ad(
        "transpose", [](const Vars& v) { return ad::transpose(v[0]); },
        [](const Tensors& t) -> ad::Tensor { return xt::transpose(t[0]); }, {any(rng, shape)});
  }
}

BOOST_AUTO_TEST_CASE(linear_is_matmul_plus_a_bias_that_broadcasts_to_the_product) {
  Rng rng(806);
  std::uniform_int_distribution<std::size_t> extent(1, 3);
  for (std::size_t i = 0; i < 12; ++i) {
    const std::size_t m = extent(rng);
    const std::size_t k = extent(rng);
    const std::size_t n = extent(rng);
    const std::vector<ad::Shape> biases = {{m, 1}, {m, n}, {n}, {}, {1, n}, {1, 1}};
    const ad::Shape bias = biases[i % biases.size()];
    expect_ad(
        "linear, bias " + ad::to_string(bias),
        [](const Vars& v) { return ad::linear(v[0], v[1], v[2]); },
        [](const Tensors& t) -> ad::Tensor { return matmul_reference(t[0], t[1]) + t[2]; },
        draw(rng, {{m, k}, {k, n}, bias}, {any}));
  }
  // A vector x (numpy's matrix·vector) records matmul and add, with the same result.
  expect_ad(
      "linear, vector x", [](const Vars& v) { return ad::linear(v[0], v[1], v[2]); },
      [](const Tensors& t) -> ad::Tensor {
        ad::Tensor x = t[1];
        x.reshape({3, 1});
        ad::Tensor r = matmul_reference(t[0], x);
        r.reshape({2});
        return r + t[2];
      },
      draw(rng, {{2, 3}, {3}, {2}}, {any}));
}

BOOST_AUTO_TEST_CASE(linear_refuses_misaligned_operands_and_a_bias_that_grows_the_result) {
  ad::Tape tape;
  ad::TapeScope scope(tape);
  const ad::Var W = ad::variable(xt::ones<double>({2, 3}));
  const ad::Var x = ad::variable(xt::ones<double>({3, 4}));
  expect_error<ad::ShapeError>(
      [&] {
        return ad::linear(W, ad::variable(xt::ones<double>({2, 4})), ad::constant(0.0));
      },
      {"linear", "(2, 3)", "(2, 4)", "not aligned"}, "misaligned");
  expect_error<ad::ShapeError>(
      [&] {
        return ad::linear(W, x, ad::variable(xt::ones<double>({5, 2, 4})));
      },
      {"linear", "bias", "(5, 2, 4)", "(2, 4)"}, "bias of higher rank");
  expect_error<ad::ShapeError>(
      [&] {
        return ad::linear(W, x, ad::variable(ad::Tensor{1.0, 2.0}));
      },
      {"linear", "(2,)", "(2, 4)"}, "bias not broadcastable");
  expect_error<ad::ShapeError>(
      [&] {
        return ad::linear(W, ad::variable(ad::Tensor{1.0, 2.0, 3.0}),
                          ad::variable(xt::ones<double>({3, 2})));
      },
      {"linear", "bias", "(3, 2)", "(2,)"}, "bias growing a matrix·vector product");
  const std::size_t before = tape.size();
  BOOST_CHECK_THROW(ad::linear(W, x, ad::variable(xt::ones<double>({3, 1}))), ad::ShapeError);
  BOOST_TEST(tape.size() == before + 1);  // the bias leaf only: the failed linear recorded nothing
}

BOOST_AUTO_TEST_CASE(small_networks) {
  // A two-layer perceptron with a bias broadcast over the batch, and a squared loss.
  Rng rng(804);
  std::uniform_int_distribution<std::size_t> extent(1, 3);
  for (std::size_t i = 0; i < 6; ++i) {
    const std::size_t batch = extent(rng);
    const std::size_t in = extent(rng);
    const std::size_t hidden = extent(rng);
    expect_ad(
        "mean(square(tanh(x·W + b)·v - 1))",
        [](const Vars& v) {
          return ad::mean(
              ad::square(ad::matmul(ad::tanh(ad::matmul(v[0], v[1]) + v[2]), v[3]) - 1.0));
        },
        [](const Tensors& t) -> ad::Tensor {
          const ad::Tensor h = xt::tanh(matmul_reference(t[0], t[1]) + t[2]);
          const ad::Tensor r = matmul_reference(h, t[3]) - 1.0;
          return xt::mean(r * r);
        },
        draw(rng, {{batch, in}, {in, hidden}, {hidden}, {hidden}}, {any}));
    expect_ad(
        "sum(sigmoid(W·x + b))",
        [](const Vars& v) { return ad::sum(ad::sigmoid(ad::matmul(v[0], v[1]) + v[2])); },
        [](const Tensors& t) -> ad::Tensor {
          return xt::sum(1.0 / (1.0 + xt::exp(-(matmul_reference(t[0], t[1]) + t[2]))));
        },
        draw(rng, {{hidden, in}, {in, batch}, {hidden, 1}}, {any}));
  }
}

// ---- reshape, broadcast_to, sum_to ------------------------------------------------------------

BOOST_AUTO_TEST_CASE(reshape) {
  Rng rng(805);
  for (std::size_t i = 0; i < 12; ++i) {
    const ad::Shape from = i == 0 ? ad::Shape{} : random_shape(rng, 0, 3, 4);
    const std::size_t n = count(from);
    std::vector<ad::Shape> targets = {{n}, {1, n}, {n, 1}};
    if (n == 1) targets.push_back({});
    if (n % 2 == 0) targets.push_back({n / 2, 1, 2});
    const ad::Shape to = targets[i % targets.size()];
    expect_ad(
        "reshape to " + ad::to_string(to), [to](const Vars& v) { return ad::reshape(v[0], to); },
        [to](const Tensors& t) {
          ad::Tensor r = t[0];
          r.reshape(to);
          return r;
        },
        {any(rng, from)});
  }
  const ad::Shape wrong{4};
  expect_ad(
      "reshape to (4,)", [&](const Vars& v) { return ad::reshape(v[0], wrong); },
      [&](const Tensors& t) -> ad::Tensor {
        if (t[0].size() != count(wrong)) throw std::invalid_argument("reshape: size");
        return t[0];
      },
      {any(rng, {2, 3})});
}

BOOST_AUTO_TEST_CASE(broadcast_to) {
  Rng rng(806);
  std::vector<Shapes> cases = broadcast_cases(2, 24, 806);
  for (const Shapes& shapes : cases) {
    const ad::Shape to = broadcast(shapes[0], shapes[1]);
    expect_ad(
        "broadcast_to " + ad::to_string(to),
        [to](const Vars& v) { return ad::broadcast_to(v[0], to); },
        [to](const Tensors& t) -> ad::Tensor { return xt::broadcast(t[0], to); },
        {any(rng, shapes[0])});
  }
  for (const Shapes& shapes : std::vector<Shapes>{{{2, 3}, {3, 3}}, {{3}, {}}, {{2, 3}, {3}}}) {
    const ad::Shape to = shapes[1];
    expect_ad(
        "broadcast_to " + ad::to_string(to),
        [to](const Vars& v) { return ad::broadcast_to(v[0], to); },
        [to](const Tensors& t) -> ad::Tensor {
          if (!broadcasts_to(ad::shape_of(t[0]), to)) throw std::invalid_argument("broadcast_to");
          return xt::broadcast(t[0], to);
        },
        {any(rng, shapes[0])});
  }
}

BOOST_AUTO_TEST_CASE(sum_to) {
  Rng rng(807);
  std::vector<Shapes> cases = broadcast_cases(2, 24, 807);
  cases.push_back({{2, 3}, {2, 3}});  // nothing to sum
  cases.push_back({{}, {}});
  for (const Shapes& shapes : cases) {
    const ad::Shape from = broadcast(shapes[0], shapes[1]);
    const ad::Shape to = shapes[0];
    expect_ad(
        "sum_to " + ad::to_string(to), [to](const Vars& v) { return ad::sum_to(v[0], to); },
        [to](const Tensors& t) { return sum_to_reference(t[0], to); }, {any(rng, from)});
  }
  for (const Shapes& shapes : std::vector<Shapes>{{{2, 3}, {4}}, {{3}, {2, 3}}, {{2, 3}, {2}}}) {
    const ad::Shape to = shapes[1];
    expect_ad(
        "sum_to " + ad::to_string(to), [to](const Vars& v) { return ad::sum_to(v[0], to); },
        [to](const Tensors& t) { return sum_to_reference(t[0], to); }, {any(rng, shapes[0])});
  }
}

// ---- slice, rows, cols, concatenate -----------------------------------------------------------

BOOST_AUTO_TEST_CASE(slice_rows_cols) {
  Rng rng(808);
  for (std::size_t i = 0; i < 16; ++i) {
    const ad::Shape shape = random_shape(rng, 1, 3, 4);
    const std::size_t axis = std::uniform_int_distribution<std::size_t>(0, shape.size() - 1)(rng);
    std::uniform_int_distribution<std::size_t> bound(0, shape[axis]);
    std::size_t begin = bound(rng);
    std::size_t end = bound(rng);
    if (begin > end) std::swap(begin, end);
    if (i % 4 != 3 && begin == end) end = begin == shape[axis] ? end : end + 1;  // mostly non-empty
    expect_ad(
        "slice(axis " + std::to_string(axis) + ", " + std::to_string(begin) + ", " +
            std::to_string(end) + ")",
        [=](const Vars& v) { return ad::slice(v[0], axis, begin, end); },
        [=](const Tensors& t) { return slice_reference(t[0], axis, begin, end); },
        {any(rng, shape)});
  }
  for (std::size_t i = 0; i < 4; ++i) {
    const ad::Shape shape = random_shape(rng, 2, 2, 4);
    const std::size_t r = shape[0] > 1 ? 1 : 0;
    const std::size_t c = shape[1] > 1 ? 1 : 0;
    expect_ad(
        "rows", [=](const Vars& v) { return ad::rows(v[0], r, shape[0]); },
        [=](const Tensors& t) { return slice_reference(t[0], 0, r, shape[0]); }, {any(rng, shape)});
    expect_ad(
        "cols", [=](const Vars& v) { return ad::cols(v[0], 0, shape[1] - c); },
        [=](const Tensors& t) { return slice_reference(t[0], 1, 0, shape[1] - c); },
        {any(rng, shape)});
  }
  struct Bad {
    std::size_t axis, begin, end;
  };
  for (const Bad& bad : {Bad{0, 1, 4}, Bad{1, 2, 1}, Bad{2, 0, 1}}) {
    expect_ad(
        "slice out of bounds",
        [=](const Vars& v) { return ad::slice(v[0], bad.axis, bad.begin, bad.end); },
        [=](const Tensors& t) { return slice_reference(t[0], bad.axis, bad.begin, bad.end); },
        {any(rng, {3, 2})});
  }
}

BOOST_AUTO_TEST_CASE(concatenate) {
  Rng rng(809);
  std::uniform_int_distribution<std::size_t> extent(1, 3);
  for (std::size_t i = 0; i < 16; ++i) {
    const ad::Shape shape = random_shape(rng, 1, 3);
    const std::size_t axis = std::uniform_int_distribution<std::size_t>(0, shape.size() - 1)(rng);
    const std::size_t parts = 2 + i % 2;
    Shapes shapes(parts, shape);
    for (ad::Shape& s : shapes) s[axis] = extent(rng);
    const std::string op = "concatenate(axis " + std::to_string(axis) + ")";
    if (parts == 2) {
      expect_ad(
          op, [=](const Vars& v) { return ad::concatenate(v, axis); },
          [=](const Tensors& t) -> ad::Tensor {
            return xt::concatenate(xt::xtuple(t[0], t[1]), axis);
          },
          draw(rng, shapes, {any}));
    } else {
      expect_ad(
          op, [=](const Vars& v) { return ad::concatenate(v, axis); },
          [=](const Tensors& t) -> ad::Tensor {
            return xt::concatenate(xt::xtuple(t[0], t[1], t[2]), axis);
          },
          draw(rng, shapes, {any}));
    }
  }
  expect_ad(
      "concatenate(x, x)",
      [](const Vars& v) {
        return ad::concatenate({v[0], v[0]}, 1);
      },
      [](const Tensors& t) -> ad::Tensor { return xt::concatenate(xt::xtuple(t[0], t[0]), 1); },
      {any(rng, {2, 3})});
  expect_ad(
      "concatenate of mismatched parts", [](const Vars& v) { return ad::concatenate(v, 0); },
      [](const Tensors& t) -> ad::Tensor {
        if (t[0].shape()[1] != t[1].shape()[1]) throw std::invalid_argument("concatenate");
        return t[0];
      },
      draw(rng, {{2, 3}, {2, 2}}, {any}));
}

// ---- higher ranks -----------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(shape_operations_at_higher_ranks) {
  Rng rng(810);
  for (const Shapes& shapes : broadcast_cases(2, 10, 810, 4, 5, 2)) {
    const ad::Shape big = broadcast(shapes[0], shapes[1]);
    const ad::Shape small = shapes[0];
    expect_ad(
        "sum_to " + ad::to_string(small), [=](const Vars& v) { return ad::sum_to(v[0], small); },
        [=](const Tensors& t) { return sum_to_reference(t[0], small); }, {any(rng, big)});
    expect_ad(
        "broadcast_to " + ad::to_string(big),
        [=](const Vars& v) { return ad::broadcast_to(v[0], big); },
        [=](const Tensors& t) -> ad::Tensor { return xt::broadcast(t[0], big); },
        {any(rng, small)});
    expect_ad(
        "transpose", [](const Vars& v) { return ad::transpose(v[0]); },
        [](const Tensors& t) -> ad::Tensor { return xt::transpose(t[0]); }, {any(rng, big)});
    const std::size_t axis = std::uniform_int_distribution<std::size_t>(0, big.size() - 1)(rng);
    const std::size_t end = big[axis];
    const std::size_t begin = end > 1 ? 1 : 0;
    expect_ad(
        "slice(axis " + std::to_string(axis) + ")",
        [=](const Vars& v) { return ad::slice(v[0], axis, begin, end); },
        [=](const Tensors& t) { return slice_reference(t[0], axis, begin, end); }, {any(rng, big)});
    ad::Shape other = big;
    other[axis] = 1;
    expect_ad(
        "concatenate(axis " + std::to_string(axis) + ")",
        [=](const Vars& v) { return ad::concatenate(v, axis); },
        [=](const Tensors& t) -> ad::Tensor {
          return xt::concatenate(xt::xtuple(t[0], t[1]), axis);
        },
        draw(rng, {big, other}, {any}));
  }
}
