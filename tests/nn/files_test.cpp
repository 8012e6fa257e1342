// Hostile checkpoint files (issue 14): nesting depth, integers out of range, non-string
// metadata, .npy shapes whose element count overflows, and the flat-vector helpers that
// distributed/ reuses. Each case failed (crash, UB or silent acceptance) before the fix.
#define BOOST_TEST_MODULE nn_files
#include <boost/test/unit_test.hpp>

#include <chainrule/nn.hpp>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "test_support.hpp"

namespace ad = chainrule::ad;
namespace nn = chainrule::nn;
namespace fs = std::filesystem;
using chainrule::test::contains;
using chainrule::test::message_of;
using chainrule::test::TempDir;

namespace {

// A checkpoint of a small network whose manifest `edit` rewrites (as text); returns the error
// of loading it (or "(no exception)").
template <class Edit>
std::string load_error_after(const std::string& name, Edit edit) {
  TempDir tmp(name);
  const fs::path dir = tmp.path / "ckpt";
  nn::Sequential net = nn::mlp({2, 3}, nn::Activation::tanh, nn::init::normal(1.0), 1);
  nn::save_checkpoint(dir, net, {}, {{"note", "fine"}});
  std::ifstream in(dir / "manifest.json");
  std::string text((std::istreambuf_iterator<char>(in)), {});
  in.close();
  edit(text);
  std::ofstream(dir / "manifest.json", std::ios::trunc) << text;
  return message_of([&] { nn::load_checkpoint(dir, net); });
}

void replace(std::string& text, const std::string& from, const std::string& to) {
  const std::size_t at = text.find(from);
  BOOST_TEST_REQUIRE(at != std::string::npos, from << " not in the manifest");
  text.replace(at, from.size(), to);
}

std::string npy_with_shape(const std::string& shape) {
  std::string header = "{'descr': '<f8', 'fortran_order': False, 'shape': " + shape + ", }";
  header.resize(117, ' ');
  header += '\n';  // 10 + 118 = 128 bytes, as numpy pads
  std::string bytes = "\x93NUMPY\x01";
  bytes += '\0';
  bytes += static_cast<char>(header.size() & 0xff);
  bytes += static_cast<char>(header.size() >> 8);
  return bytes + header;
}

}  // namespace

BOOST_AUTO_TEST_CASE(json_nesting_depth_counts_brackets_outside_strings) {
  BOOST_TEST(nn::json_nesting_depth("1") == 0u);
  BOOST_TEST(nn::json_nesting_depth(R"({"a": [[1], {"b": [2]}]})") == 4u);
  BOOST_TEST(nn::json_nesting_depth(R"(["[[[[", "\"[[["])") == 1u);
  BOOST_TEST(nn::json_nesting_depth(std::string(100000, '[')) == 100000u);
}

BOOST_AUTO_TEST_CASE(deeply_nested_manifest_is_a_checkpoint_error) {
  // 100 000 nested '[' as metadata overflowed the stack (recursive serialisation).
  const std::string m = load_error_after("deep", [](std::string& text) {
    replace(text, "\"fine\"", std::string(100000, '[') + std::string(100000, ']'));
  });
  BOOST_TEST(contains(m, "manifest.json': is nested 100002 levels deep (at most 64)"), m);
  // Deep but within the bound: rejected as non-string metadata, not recursed into.
  const std::string shallow = load_error_after("shallow", [](std::string& text) {
    replace(text, "\"fine\"", std::string(50, '[') + std::string(50, ']'));
  });
  BOOST_TEST(contains(shallow, "metadata 'note' is [[[[[[[["), shallow);
  BOOST_TEST(contains(shallow, "not a string (metadata values are strings)"), shallow);
}

BOOST_AUTO_TEST_CASE(non_string_metadata_is_rejected) {
  for (const std::string value : {"1e300", "true", "null", "{\"a\": 1}", "[1, 2]"}) {
    BOOST_TEST_CONTEXT(value) {
      const std::string m =
          load_error_after("meta", [&](std::string& text) { replace(text, "\"fine\"", value); });
      BOOST_TEST(contains(m, "metadata 'note' is "), m);
      BOOST_TEST(contains(m, "not a string"), m);
    }
  }
  const std::string m = load_error_after(
      "meta_list", [](std::string& text) { replace(text, "\"metadata\": {", "\"metadata\": [{"); });
  BOOST_TEST((contains(m, "not valid JSON") || contains(m, "metadata is not an object")), m);
}

BOOST_AUTO_TEST_CASE(manifest_integers_are_checked_before_conversion) {
  // The format version, the generation and every shape extent: integers in range only.
  for (const std::string version : {"1e300", "1.5", "-1", "18446744073709551617", "\"1\""}) {
    BOOST_TEST_CONTEXT(version) {
      const std::string m = load_error_after("version", [&](std::string& text) {
        replace(text, "\"version\": 1", "\"version\": " + version);
      });
      BOOST_TEST(contains(m, "has format version"), m);
    }
  }
  for (const std::string generation : {"1e300", "-3", "2.5"}) {
    BOOST_TEST_CONTEXT(generation) {
      const std::string m = load_error_after("generation", [&](std::string& text) {
        replace(text, "\"generation\": 1", "\"generation\": " + generation);
      });
      BOOST_TEST(contains(m, "generation is " + generation.substr(0, 2)), m);
      BOOST_TEST(contains(m, "not an integer in [0, 9223372036854775807]"), m);
    }
  }
  for (const std::string extent : {"3.0", "1e300", "-3", "\"3\""}) {
    BOOST_TEST_CONTEXT(extent) {
      const std::string m = load_error_after("extent", [&](std::string& text) {
        replace(text, "\"shape\": [\n        3,", "\"shape\": [\n        " + extent + ",");
      });
      BOOST_TEST(contains(m, "parameters[0] ('layers.0.weight').shape[0] is "), m);
      BOOST_TEST(contains(m, "not an integer"), m);
    }
  }
  const std::string m = load_error_after("overflow", [](std::string& text) {
    replace(text, "\"shape\": [\n        3,", "\"shape\": [\n        4294967296, 4294967296,");
  });
  BOOST_TEST(contains(m, "shape (4294967296, 4294967296, 2) has too many elements"), m);
}

BOOST_AUTO_TEST_CASE(npy_shapes_with_overflowing_element_counts_are_rejected) {
  TempDir tmp("npy_overflow");
  const fs::path file = tmp.path / "big.npy";
  // 0xAAAAAAAAAAAAAAAB · 3 wraps to 1 in 64 bits: the old check read 8 bytes into a huge tensor.
  for (const std::string shape :
       {"(3, 12297829382473034411)", "(4294967296, 4294967296)", "(999999999999999999, 99)",
        "(0, 999999999999999999, 999999999999999999)"}) {
    BOOST_TEST_CONTEXT(shape) {
      std::ofstream(file, std::ios::binary | std::ios::trunc)
          << npy_with_shape(shape) << "abcdefgh";
      const std::string m = message_of([&] { nn::load_npy(file); });
      BOOST_TEST((contains(m, "has too many elements") || contains(m, "bad extent")), m);
      BOOST_CHECK_THROW(nn::load_npy(file), nn::CheckpointError);
    }
  }
  std::ofstream(file, std::ios::binary | std::ios::trunc)
      << npy_with_shape("(" + std::string(40, '(') + ")");
  BOOST_CHECK_THROW(nn::load_npy(file), nn::CheckpointError);
  // An empty array with a zero extent still loads.
  std::ofstream(file, std::ios::binary | std::ios::trunc) << npy_with_shape("(0, 5)");
  BOOST_TEST(nn::load_npy(file).size() == 0u);
}

BOOST_AUTO_TEST_CASE(sections_round_trip_and_reserved_names_are_refused) {
  TempDir tmp("sections");
  const fs::path dir = tmp.path / "ckpt";
  nn::Sequential net = nn::mlp({2, 3}, nn::Activation::tanh, nn::init::normal(1.0), 1);
  nn::CheckpointSection s;
  s.type = "Loader";
  s.numbers = {{"epoch", 3.0}, {"odd", std::numeric_limits<double>::infinity()}};
  s.text = {{"order", "2 0 1"}};
  s.tensors = {{"weights", ad::Tensor{1.0, 2.0}}};
  nn::save_checkpoint(dir, net, {{"loader", s}});
  const nn::Checkpoint c = nn::read_checkpoint(dir);
  BOOST_TEST_REQUIRE(c.sections.count("loader") == 1u);
  const nn::CheckpointSection& r = c.sections.at("loader");
  BOOST_TEST(r.type == "Loader");
  BOOST_TEST(r.numbers.at("epoch") == 3.0);
  BOOST_TEST(std::isinf(r.numbers.at("odd")));
  BOOST_TEST(r.text.at("order") == "2 0 1");
  BOOST_TEST((r.tensors.at(0).second == ad::Tensor{1.0, 2.0}));
  BOOST_TEST(contains(message_of([&] {
                        nn::save_checkpoint(dir, net, {{"metadata", s}});
                      }),
                      "a section cannot be called 'metadata'"));
}

BOOST_AUTO_TEST_CASE(flat_buffers_are_checked_and_round_trip) {
  ad::Parameter a(ad::Tensor{{1.0, 2.0}}, "a");
  ad::Parameter b(ad::Tensor{3.0}, "b");
  const std::vector<ad::Parameter> params{a, b};
  std::vector<double> buffer(3);
  nn::flatten_into(params, buffer);
  BOOST_TEST((buffer == std::vector<double>{1.0, 2.0, 3.0}));
  buffer = {4.0, 5.0, 6.0};
  nn::unflatten_grad(buffer, params);
  BOOST_TEST(a.grad()(0, 1) == 5.0);
  nn::flatten_grad_into(params, buffer);
  BOOST_TEST((buffer == std::vector<double>{4.0, 5.0, 6.0}));
  std::vector<double> small(2);
  BOOST_TEST(contains(message_of([&] { nn::flatten_into(params, small); }),
                      "flatten_into: the flat vector has 2 elements, the parameters have 3"));
  b.grad() = ad::Tensor{1.0, 2.0};  // a gradient resized apart from its value
  BOOST_CHECK_THROW(nn::flatten_grad_into(params, buffer), ad::ShapeError);
}

BOOST_AUTO_TEST_CASE(initialisers_reject_nan_infinite_and_negative_scales) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  BOOST_TEST(contains(message_of([&] { nn::init::normal(nan); }),
                      "init::normal: the scale must be a finite number >= 0, got nan"));
  BOOST_CHECK_THROW(nn::init::normal(inf), ad::Error);
  BOOST_TEST(contains(message_of([&] { nn::init::normal(-0.5); }), "got -0.5"));
  BOOST_CHECK_THROW(nn::init::from_string("normal", nan), ad::Error);
  BOOST_TEST(contains(message_of([&] { nn::init::constant(-inf); }),
                      "init::constant: the value must be a finite number, got -inf"));
  BOOST_TEST(nn::init::normal(0.0).name.rfind("normal", 0) == 0);
  // Absurd sizes: a ShapeError before any allocation.
  const std::string m = message_of([] { nn::Linear(std::size_t{1} << 40, std::size_t{1} << 40); });
  BOOST_TEST(contains(m, "Linear: shape (1099511627776, 1099511627776) has too many elements"), m);
}
