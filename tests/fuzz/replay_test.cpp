// Replays every file of tests/fuzz/corpus/<target>/ (the seeds, and each input a fuzzer run
// found to crash, saved there as crash-*) through its parser in every build: a parser may
// accept or reject an input, but must not throw anything else or crash (the asan preset also
// checks memory and undefined behaviour on them).
#define BOOST_TEST_MODULE fuzz_replay
#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <string>
#include <vector>

#include "curve_data.hpp"
#include "heights_data.hpp"
#include "targets.hpp"

namespace fs = std::filesystem;
namespace fuzz = chainrule::fuzz;

namespace {

using Target = std::function<void(const std::uint8_t*, std::size_t)>;

void replay(const std::string& name, const Target& target) {
  const fs::path dir = fs::path(CHAINRULE_FUZZ_CORPUS) / name;
  BOOST_TEST_REQUIRE(fs::is_directory(dir), dir << " is missing");
  std::size_t inputs = 0;
  for (const fs::directory_entry& entry : fs::directory_iterator(dir)) {
    std::ifstream in(entry.path(), std::ios::binary);
    const std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                                          std::istreambuf_iterator<char>());
    BOOST_TEST_CONTEXT("input " << entry.path().filename()) {
      BOOST_CHECK_NO_THROW(target(bytes.data(), bytes.size()));
    }
    ++inputs;
  }
  BOOST_TEST(inputs >= 3u);  // a seed corpus of a few files
}

}  // namespace

BOOST_AUTO_TEST_CASE(heights_reader) { replay("heights", fuzz::heights); }
BOOST_AUTO_TEST_CASE(init_weights_json) { replay("init_weights", fuzz::init_weights); }
BOOST_AUTO_TEST_CASE(checkpoint_manifest) { replay("manifest", fuzz::manifest); }
BOOST_AUTO_TEST_CASE(npy_loader) { replay("npy", fuzz::npy); }

// ---- what the fuzzers found, as the parsers' callers see it ------------------------------------

BOOST_AUTO_TEST_CASE(init_weights_number_overflow_is_a_data_error) {
  // Found by fuzz_init_weights: nlohmann throws out_of_range (not parse_error) for 1e999, which
  // escaped parse_initial_weights as an uncaught exception.
  namespace curve = chainrule::curve;
  BOOST_CHECK_EXCEPTION(curve::parse_initial_weights(R"({"W1": [[1e999]]})", "init.json"),
                        curve::DataError, [](const curve::DataError& e) {
                          return std::string(e.what()).find("init.json: not valid JSON") !=
                                 std::string::npos;
                        });
}

BOOST_AUTO_TEST_CASE(heights_tiny_bin_width_is_a_data_error) {
  // Found by fuzz_heights: with a bin width tiny next to the values, floor(low / width) · width
  // rounds above the lowest value, the bin count came out negative (-1.1e284) and its cast to
  // size_t was undefined (UBSan), then an out-of-bounds write or a huge allocation.
  namespace heights = chainrule::heights;
  BOOST_CHECK_THROW(heights::parse_heights("-1\n", "raw.txt", 1e-300), heights::DataError);
  BOOST_CHECK_THROW(heights::parse_heights("0\n-1\n", "raw.txt", 1e-300), heights::DataError);
  // Ordinary widths still bin every value, the lowest included.
  const heights::Histogram h = heights::parse_heights("0.7\n0.3\n", "raw.txt", 0.1);
  double total = 0.0;
  for (double f : h.frequencies) total += f * h.bin_width;
  BOOST_TEST(total == 1.0, boost::test_tools::tolerance(1e-12));
}

BOOST_AUTO_TEST_CASE(deeply_nested_json_is_a_data_error) {
  // 100 000 nested '[' in an initial-weights file: rejected by depth before any recursion.
  namespace curve = chainrule::curve;
  const std::string deep = "{\"W1\": " + std::string(100000, '[') + std::string(100000, ']') + "}";
  BOOST_CHECK_EXCEPTION(curve::parse_initial_weights(deep, "init.json"), curve::DataError,
                        [](const curve::DataError& e) {
                          return std::string(e.what()).find(
                                     "init.json: not valid JSON: nested 100001 levels deep (at "
                                     "most 64)") != std::string::npos;
                        });
}
