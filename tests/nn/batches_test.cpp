// nn::Minibatches (issue 13): every column once per epoch, seeded orders, the last partial
// batch kept or dropped, inputs and targets cut alike, bad data named.
#define BOOST_TEST_MODULE nn_batches
#include <boost/test/unit_test.hpp>

#include <chainrule/nn.hpp>

#include <algorithm>
#include <set>

#include "test_support.hpp"

namespace ad = chainrule::ad;
namespace nn = chainrule::nn;
using chainrule::test::contains;
using chainrule::test::message_of;

namespace {

// x (2 × n): column c is (c, 100 + c); y (1 × n): column c is (−c).
std::pair<ad::Tensor, ad::Tensor> numbered(std::size_t n) {
  ad::Tensor x = ad::Tensor::from_shape({2, n});
  ad::Tensor y = ad::Tensor::from_shape({1, n});
  for (std::size_t c = 0; c < n; ++c) {
    x(0, c) = static_cast<double>(c);
    x(1, c) = 100.0 + static_cast<double>(c);
    y(0, c) = -static_cast<double>(c);
  }
  return {x, y};
}

}  // namespace

BOOST_AUTO_TEST_CASE(every_column_once_per_epoch_inputs_and_targets_alike) {
  const auto [x, y] = numbered(10);
  const nn::Minibatches data({x, y}, {.batch_size = 4, .seed = 3});
  BOOST_TEST(data.columns() == 10u);
  BOOST_TEST(data.batches() == 3u);
  std::multiset<double> seen;
  std::vector<std::size_t> sizes;
  for (const nn::Batch& batch : data.epoch(0)) {
    BOOST_TEST_REQUIRE(batch.size() == 2u);
    sizes.push_back(batch[0].shape()[1]);
    for (std::size_t c = 0; c < batch[0].shape()[1]; ++c) {
      seen.insert(batch[0](0, c));
      BOOST_TEST(batch[0](1, c) == 100.0 + batch[0](0, c));
      BOOST_TEST(batch[1](0, c) == -batch[0](0, c));
    }
  }
  BOOST_TEST((sizes == std::vector<std::size_t>{4, 4, 2}));  // the partial batch is kept
  BOOST_TEST(seen.size() == 10u);
  BOOST_TEST(std::set<double>(seen.begin(), seen.end()).size() == 10u);
}

BOOST_AUTO_TEST_CASE(orders_are_seeded_per_epoch_and_reproducible) {
  const auto [x, y] = numbered(50);
  const nn::Minibatches a({x}, {.batch_size = 8, .seed = 11});
  const nn::Minibatches b({x}, {.batch_size = 8, .seed = 11});
  const nn::Minibatches other({x}, {.batch_size = 8, .seed = 12});
  BOOST_TEST((a.order(0) == b.order(0)));
  BOOST_TEST((a.order(5) == b.order(5)));
  BOOST_TEST((a.order(0) != a.order(1)));
  BOOST_TEST((a.order(0) != other.order(0)));
  std::vector<std::size_t> sorted = a.order(3);
  std::sort(sorted.begin(), sorted.end());
  for (std::size_t i = 0; i < sorted.size(); ++i) BOOST_TEST(sorted[i] == i);
  BOOST_TEST((a.epoch(2)[1][0] == b.epoch(2)[1][0]));
  // Without shuffling, the columns in order.
  const nn::Minibatches plain({x}, {.batch_size = 8, .shuffle = false});
  BOOST_TEST(plain.epoch(4)[1][0](0, 0) == 8.0);
}

BOOST_AUTO_TEST_CASE(drop_last_drops_the_partial_batch) {
  const auto [x, y] = numbered(10);
  const nn::Minibatches data({x, y}, {.batch_size = 4, .drop_last = true});
  BOOST_TEST(data.batches() == 2u);
  std::size_t count = 0;
  for (const nn::Batch& batch : data.epoch(0)) {
    BOOST_TEST(batch[0].shape()[1] == 4u);
    ++count;
  }
  BOOST_TEST(count == 2u);
  // Fewer columns than one batch: nothing with drop_last, one short batch without.
  const auto [small, t] = numbered(3);
  BOOST_TEST(nn::Minibatches({small}, {.batch_size = 4, .drop_last = true}).batches() == 0u);
  BOOST_TEST(nn::Minibatches({small}, {.batch_size = 4}).epoch(0)[0][0].shape()[1] == 3u);
  // An empty data set has no batches.
  BOOST_TEST(nn::Minibatches({ad::Tensor::from_shape({2, 0})}, {.batch_size = 4}).batches() == 0u);
}

BOOST_AUTO_TEST_CASE(bad_data_and_options_are_named) {
  const auto [x, y] = numbered(10);
  BOOST_TEST(contains(message_of([&] { nn::Minibatches({x}, {.batch_size = 0}); }),
                      "Minibatches: batch_size must be at least 1, got 0"));
  BOOST_TEST(contains(message_of([&] {
                        nn::Minibatches({x, ad::Tensor::from_shape({1, 9})}, {.batch_size = 2});
                      }),
                      "data tensor 1 has shape (1, 9), tensor 0 has (2, 10)"));
  BOOST_CHECK_THROW(nn::Minibatches({ad::Tensor{1.0, 2.0}}, {.batch_size = 2}), ad::ShapeError);
  BOOST_CHECK_THROW(nn::Minibatches({}, {.batch_size = 2}), ad::Error);
  const nn::Minibatches data({x}, {.batch_size = 4});
  BOOST_TEST(contains(message_of([&] { data.epoch(0)[3]; }), "batch 3 of an epoch of 3"));
}
