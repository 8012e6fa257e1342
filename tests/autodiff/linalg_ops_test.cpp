// Batched matmul (rank ≥ 3, broadcasting batch dimensions, 1-D operands beside them), dot and
// outer through expect_ad, against plain loops; and their shape errors.
#define BOOST_TEST_MODULE autodiff_linalg_ops
#include <numeric>
#include <stdexcept>

#include "expect_ad.hpp"

namespace ad = chainrule::ad;
using namespace chainrule::test;

namespace {

const Generator any = uniform(-2.0, 2.0);

// numpy's matmul for any ranks ≥ 1, as loops: 1-D operands promoted and the axis dropped,
// batch dimensions broadcast.
ad::Tensor matmul_reference(const ad::Tensor& a_in, const ad::Tensor& b_in) {
  if (a_in.dimension() == 0 || b_in.dimension() == 0) throw std::invalid_argument("0-d");
  ad::Shape sa = ad::shape_of(a_in);
  ad::Shape sb = ad::shape_of(b_in);
  const bool a_vector = sa.size() == 1;
  const bool b_vector = sb.size() == 1;
  if (a_vector) sa.insert(sa.begin(), 1);
  if (b_vector) sb.push_back(1);
  const std::size_t m = sa[sa.size() - 2], k = sa[sa.size() - 1];
  const std::size_t kb = sb[sb.size() - 2], n = sb[sb.size() - 1];
  if (k != kb) throw std::invalid_argument("not aligned");
  const ad::Shape ba(sa.begin(), sa.end() - 2);
  const ad::Shape bb(sb.begin(), sb.end() - 2);
  const std::size_t rank = std::max(ba.size(), bb.size());
  ad::Shape batch(rank);
  for (std::size_t i = 1; i <= rank; ++i) {
    const std::size_t da = i <= ba.size() ? ba[ba.size() - i] : 1;
    const std::size_t db = i <= bb.size() ? bb[bb.size() - i] : 1;
    if (da != db && da != 1 && db != 1) throw std::invalid_argument("batch");
    batch[rank - i] = std::max(da, db) * (da != 0 && db != 0);
  }
  const std::size_t count =
      std::accumulate(batch.begin(), batch.end(), std::size_t{1}, std::multiplies<>());
  ad::Shape out_shape = batch;
  out_shape.push_back(m);
  out_shape.push_back(n);
  ad::Tensor out = xt::zeros<double>(out_shape);
  // The offset of batch element j in an operand with batch shape `own`.
  const auto offset = [&](std::size_t j, const ad::Shape& own, std::size_t matrix) {
    std::size_t flat = 0, stride = matrix;
    for (std::size_t i = 1; i <= rank; ++i) {
      const std::size_t c = j % batch[rank - i];
      j /= batch[rank - i];
      if (i <= own.size()) {
        const std::size_t e = own[own.size() - i];
        flat += (e == 1 ? 0 : c) * stride;
        stride *= e;
      }
    }
    return flat;
  };
  for (std::size_t j = 0; j < count; ++j) {
    const double* pa = a_in.data() + offset(j, ba, m * k);
    const double* pb = b_in.data() + offset(j, bb, k * n);
    for (std::size_t i = 0; i < m; ++i) {
      for (std::size_t c = 0; c < n; ++c) {
        double total = 0.0;
        for (std::size_t p = 0; p < k; ++p) total += pa[i * k + p] * pb[p * n + c];
        out.data()[(j * m + i) * n + c] = total;
      }
    }
  }
  ad::Shape result = batch;
  if (!a_vector) result.push_back(m);
  if (!b_vector) result.push_back(n);
  out.reshape(result);
  return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(batched_matmul_broadcasts_batch_dimensions) {
  const std::vector<Shapes> cases = {
      {{2, 3, 4}, {2, 4, 5}}, {{2, 3, 4}, {4, 5}},
      {{3, 4}, {2, 4, 5}},    {{2, 1, 3, 4}, {3, 4, 2}},
      {{1, 2, 3}, {4, 3, 2}}, {{2, 3, 4}, {4}},
      {{3}, {2, 3, 4}},       {{2, 2, 1, 3}, {2, 1, 3, 2}},
      {{2, 3, 0}, {2, 0, 2}}, {{1, 1, 2, 2}, {2, 2}},
      {{2, 3, 4}, {3, 4, 5}}, {{2, 3, 4}, {2, 5, 4}},
      {{2, 3, 4}, {5}},       {{}, {2, 3, 4}},
  };
  Rng rng(1201);
  for (const Shapes& shapes : cases) {
    expect_ad(
        "matmul", [](const Vars& v) { return ad::matmul(v[0], v[1]); },
        [](const Tensors& t) { return matmul_reference(t[0], t[1]); }, draw(rng, shapes, {any}));
  }
  Rng shapes_rng(1202);
  std::uniform_int_distribution<std::size_t> extent(1, 3);
  std::bernoulli_distribution one(0.3);
  for (std::size_t c = 0; c < 10; ++c) {
    const std::size_t m = extent(shapes_rng), k = extent(shapes_rng), n = extent(shapes_rng);
    ad::Shape a = {m, k};
    ad::Shape b = {k, n};
    const std::size_t batch_rank = 1 + c % 2;
    for (std::size_t d = 0; d < batch_rank; ++d) {
      const std::size_t e = extent(shapes_rng);
      a.insert(a.begin(), one(shapes_rng) ? 1 : e);
      if (d < batch_rank - c % 2) b.insert(b.begin(), one(shapes_rng) ? 1 : e);
    }
    expect_ad(
        "matmul", [](const Vars& v) { return ad::matmul(v[0], v[1]); },
        [](const Tensors& t) { return matmul_reference(t[0], t[1]); }, draw(rng, {a, b}, {any}));
  }
}

BOOST_AUTO_TEST_CASE(batched_matmul_errors_name_the_shapes) {
  FreshTape t;
  const ad::Var a = ad::variable(xt::zeros<double>({2, 3, 4}));
  expect_error<ad::ShapeError>(
      [&] {
        return ad::matmul(a, ad::variable(xt::zeros<double>({3, 5, 2})));
      },
      {"matmul", "(2, 3, 4)", "(3, 5, 2)", "not aligned"}, "misaligned");
  expect_error<ad::ShapeError>(
      [&] {
        return ad::matmul(a, ad::variable(xt::zeros<double>({3, 4, 2})));
      },
      {"matmul", "(2,)", "(3,)", "batch"}, "batch mismatch");
  const std::size_t size = t.tape.size();
  BOOST_CHECK_THROW((void)ad::matmul(ad::variable(xt::zeros<double>({5})), a), ad::ShapeError);
  BOOST_TEST(t.tape.size() == size + 1);  // a failed matmul records nothing but its operand
}

BOOST_AUTO_TEST_CASE(dot_and_outer_of_vectors) {
  Rng rng(1203);
  for (std::size_t n = 0; n < 5; ++n) {
    const Tensors uv = draw(rng, {{n}, {n}}, {any});
    expect_ad(
        "dot", [](const Vars& v) { return ad::dot(v[0], v[1]); },
        [](const Tensors& t) -> ad::Tensor {
          double total = 0.0;
          for (std::size_t i = 0; i < t[0].size(); ++i) total += t[0](i) * t[1](i);
          return ad::Tensor(total);
        },
        uv);
    const Tensors pq = draw(rng, {{n}, {1 + n % 3}}, {any});
    expect_ad(
        "outer", [](const Vars& v) { return ad::outer(v[0], v[1]); },
        [](const Tensors& t) {
          ad::Tensor out = xt::zeros<double>({t[0].size(), t[1].size()});
          for (std::size_t i = 0; i < t[0].size(); ++i) {
            for (std::size_t j = 0; j < t[1].size(); ++j) out(i, j) = t[0](i) * t[1](j);
          }
          return out;
        },
        pq);
  }
  FreshTape t;
  const ad::Var u = ad::variable(xt::zeros<double>({3}));
  const ad::Var m = ad::variable(xt::zeros<double>({3, 1}));
  expect_error<ad::ShapeError>([&] { return ad::dot(u, ad::variable(xt::zeros<double>({4}))); },
                               {"dot", "(3,)", "(4,)"}, "dot of different lengths");
  expect_error<ad::ShapeError>([&] { return ad::dot(u, m); }, {"dot", "(3,)", "(3, 1)"},
                               "dot of a matrix");
  expect_error<ad::ShapeError>([&] { return ad::outer(m, u); }, {"outer", "(3, 1)", "(3,)"},
                               "outer of a matrix");
}
