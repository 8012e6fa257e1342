// examples/fit_heights: the assignment's 50 steps against the numpy reference, every method at
// the χ² minimum, the data reader's messages, raw-measurement binning, and the outputs.
#define BOOST_TEST_MODULE fit_heights
#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

#include <nlohmann/json.hpp>

#include "fit.hpp"
#include "heights_data.hpp"
#include "report.hpp"
#include "run_json.hpp"
#include "test_support.hpp"

namespace heights = chainrule::heights;
namespace examples = chainrule::examples;
namespace fs = std::filesystem;
namespace tt = boost::test_tools;
using chainrule::test::contains;
using chainrule::test::starts_with;
using chainrule::test::TempDir;
using nlohmann::json;

namespace {

const std::string shipped_data = std::string(CHAINRULE_EXAMPLES_DIR) + "/data/heights.csv";
const std::string raw_data =
    std::string(CHAINRULE_EXAMPLES_DIR) + "/fit_heights/testdata/heights_raw.txt";

json reference() {
  std::ifstream in(std::string(CHAINRULE_TEST_DATA) + "/heights_reference.json");
  BOOST_TEST_REQUIRE(static_cast<bool>(in));
  return json::parse(in);
}

// The message parse_heights throws for `text`, or "(no error)".
std::string parse_error(const std::string& text, double bin_width = 0.0) {
  try {
    heights::parse_heights(text, "in.csv", bin_width);
  } catch (const heights::DataError& e) {
    return e.what();
  }
  return "(no error)";
}

// The minimum of χ², as the course quotes it.
constexpr double minimum_mu = 178.5198243, minimum_sigma = 7.5499077;

}  // namespace

// --- the assignment --------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(steepest_descent_matches_the_reference_trajectory) {
  const heights::Histogram data = heights::load_heights(shipped_data, 0.0);
  BOOST_TEST(data.centres.size() == 100u);
  BOOST_TEST(data.bin_width == 2.5);
  BOOST_TEST(data.measurements == 0u);

  const heights::Fit fit = heights::fit(data, {});  // the defaults are the assignment's
  const json ref = reference();
  const json& expected = ref["trajectory"];
  BOOST_TEST_REQUIRE(fit.trajectory.size() == 51u);
  BOOST_TEST_REQUIRE(expected.size() == 51u);
  // What --json writes, read back: the trajectory must survive the file at the same tolerance.
  const json written = json::parse(heights::to_json(fit, {}, shipped_data, data).dump(2));
  for (std::size_t k = 0; k <= 50; ++k) {
    BOOST_TEST_CONTEXT("step " << k) {
      const heights::Point& p = fit.trajectory[k];
      BOOST_TEST(p.step == k);
      BOOST_TEST(p.mu == expected[k]["mu"].get<double>(), tt::tolerance(1e-12));
      BOOST_TEST(p.sigma == expected[k]["sigma"].get<double>(), tt::tolerance(1e-12));
      BOOST_TEST(p.chi2 == expected[k]["chi2"].get<double>(), tt::tolerance(1e-12));
      const json& w = written["trajectory"][k];
      BOOST_TEST(w["iteration"].get<std::size_t>() == k);
      BOOST_TEST(w["mu"].get<double>() == p.mu);
      BOOST_TEST(w["sigma"].get<double>() == p.sigma);
      BOOST_TEST(w["cost"].get<double>() == p.chi2);
    }
  }
  BOOST_TEST((fit.reason == chainrule::optim::StopReason::max_iterations));
  BOOST_TEST(written["settings"]["method"] == "steepest");
  BOOST_TEST(written["final"]["iteration"] == 50);
  BOOST_TEST(written["parameters"]["mu"].get<double>() == fit.final().mu);
  BOOST_TEST(written["final"]["cost"].get<double>() == ref["final"]["chi2"].get<double>(),
             tt::tolerance(1e-12));
}

BOOST_AUTO_TEST_CASE(the_plain_double_chi2_agrees_with_the_differentiated_one) {
  const heights::Histogram data = heights::load_heights(shipped_data, 0.0);
  const json ref = reference();
  for (const json& p : ref["trajectory"]) {
    BOOST_TEST(heights::chi2(data, p["mu"].get<double>(), p["sigma"].get<double>()) ==
                   p["chi2"].get<double>(),
               tt::tolerance(1e-12));
  }
}

BOOST_AUTO_TEST_CASE(every_method_reaches_the_chi2_minimum) {
  const heights::Histogram data = heights::load_heights(shipped_data, 0.0);
  // The minimum to rounding, from Levenberg–Marquardt with a gradient tolerance at rounding.
  heights::FitOptions tight{.method = heights::Method::levenberg_marquardt, .tolerance = 1e-16};
  const heights::Point best = heights::fit(data, tight).final();
  BOOST_TEST(best.mu == minimum_mu, tt::tolerance(1e-9));
  BOOST_TEST(best.sigma == minimum_sigma, tt::tolerance(1e-8));

  for (const std::string& name : heights::method_names()) {
    BOOST_TEST_CONTEXT(name) {
      const heights::Method method = heights::method_from_name(name);
      BOOST_TEST(heights::to_string(method) == name);
      heights::FitOptions options;
      options.method = method;
      const heights::Fit fit = heights::fit(data, options);
      const heights::Point& end = fit.final();
      BOOST_TEST_MESSAGE(name << ": " << end.step << " steps, " << fit.message);
      BOOST_TEST(fit.trajectory.size() == end.step + 1);
      BOOST_TEST(end.chi2 >= best.chi2 * (1 - 1e-14));
      if (method == heights::Method::steepest) {
        // The assignment's 50 steps stop within 1e-6 of the minimum.
        BOOST_TEST(end.step == 50u);
        BOOST_TEST(std::abs(end.mu - best.mu) < 1e-6);
        BOOST_TEST(std::abs(end.sigma - best.sigma) < 1e-6);
        BOOST_TEST(end.chi2 == best.chi2, tt::tolerance(1e-11));
      } else {
        BOOST_TEST(fit.converged, fit.message);
        BOOST_TEST(end.step < heights::default_steps(method));
        BOOST_TEST(end.mu == best.mu, tt::tolerance(1e-10));
        BOOST_TEST(end.sigma == best.sigma, tt::tolerance(1e-9));
        BOOST_TEST(end.chi2 == best.chi2, tt::tolerance(1e-14));
      }
    }
  }
  // The second-order methods need a few dozen steps at most.
  for (const auto method : {heights::Method::gauss_newton, heights::Method::levenberg_marquardt,
                            heights::Method::newton}) {
    heights::FitOptions options;
    options.method = method;
    BOOST_TEST(heights::fit(data, options).final().step <= 40u);
  }
}

BOOST_AUTO_TEST_CASE(steps_and_tolerance_bound_the_run) {
  const heights::Histogram data = heights::load_heights(shipped_data, 0.0);
  heights::FitOptions options;
  options.steps = 3;
  BOOST_TEST(heights::fit(data, options).trajectory.size() == 4u);
  options.steps = 0;
  const heights::Fit none = heights::fit(data, options);
  BOOST_TEST_REQUIRE(none.trajectory.size() == 1u);
  BOOST_TEST(none.final().mu == 155.0);
  // Steepest descent stops early when asked to stop at a gradient tolerance.
  options.steps = 100000;
  options.tolerance = 1e-9;
  const heights::Fit early = heights::fit(data, options);
  BOOST_TEST(early.converged);
  BOOST_TEST(early.gradient_norm <= 1e-9);
  BOOST_TEST(early.final().step < 100000u);
  // Each step is reported to the progress callback, step 0 first.
  std::vector<std::size_t> seen;
  options = {};
  options.steps = 5;
  heights::fit(data, options, [&](const heights::Point& p) { seen.push_back(p.step); });
  BOOST_TEST(seen == (std::vector<std::size_t>{0, 1, 2, 3, 4, 5}), tt::per_element());
}

BOOST_AUTO_TEST_CASE(bad_options_are_rejected_with_the_option_named) {
  const auto message = [](heights::FitOptions o) {
    try {
      heights::validate(o);
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("(no error)");
  };
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  BOOST_TEST(starts_with(message({.sigma = -1}), "--sigma must be positive"));
  BOOST_TEST(starts_with(message({.sigma = 0}), "--sigma must be positive"));
  BOOST_TEST(starts_with(message({.sigma = nan}), "--sigma must be finite"));
  BOOST_TEST(starts_with(message({.mu = nan}), "--mu must be finite"));
  BOOST_TEST(starts_with(message({.mu = -inf}), "--mu must be finite"));
  BOOST_TEST(starts_with(message({.aggression = 0}), "--aggression must be positive"));
  BOOST_TEST(starts_with(message({.aggression = inf}), "--aggression must be positive"));
  BOOST_TEST(starts_with(message({.learning_rate = -0.1}), "--learning-rate must be positive"));
  BOOST_TEST(starts_with(message({.tolerance = -1.0}), "--tolerance must be"));
  BOOST_TEST(message({.mu = -1e6, .sigma = 1e-300}) == "(no error)");
  BOOST_CHECK_THROW(heights::method_from_name("bfgs"), std::invalid_argument);
  // fit() checks too, before any step.
  const heights::Histogram data = heights::load_heights(shipped_data, 0.0);
  BOOST_CHECK_THROW(heights::fit(data, {.sigma = -1}), std::invalid_argument);
}

// --- reading the data ------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(malformed_lines_are_reported_with_their_line_number) {
  const std::string head = "bin_centre,frequency\n1.25,0.1\n";  // lines 1 and 2
  struct Case {
    std::string text, message;
  };
  const std::vector<Case> cases = {
      {head + "3.75,abc\n", "in.csv:3: the frequency 'abc' is not a number"},
      {head + "3.75,0.1x\n", "in.csv:3: the frequency '0.1x' is not a number"},
      {head + "\n# note\nx,0.2\n", "in.csv:5: the bin centre 'x' is not a number"},
      {head + "3.75,0.1,7\n",
       "in.csv:3: expected 'height' or 'bin_centre,frequency', found 3 fields"},
      {head + "3.75,\n", "in.csv:3: the frequency is empty"},
      {head + "3.75\n", "in.csv:3: has 1 field, earlier lines have 2"},
      {head + "3.75,nan\n", "in.csv:3: the frequency 'nan' is not finite"},
      {head + "inf,0.2\n", "in.csv:3: the bin centre 'inf' is not finite"},
      {head + "3.75,1e999\n", "in.csv:3: the frequency '1e999' is out of range"},
      {head + "3.75,-0.5\n", "in.csv:3: the frequency -0.5 is negative"},
      {"170\n171.5\n\n17O\n", "in.csv:4: the height '17O' is not a number"},
      {"170\n171,0.1\n", "in.csv:2: has 2 fields, earlier lines have 1"},
      {"nan\n", "in.csv:1: the height 'nan' is not finite"},
  };
  for (const Case& c : cases) {
    BOOST_TEST_CONTEXT(c.text) { BOOST_TEST(parse_error(c.text, 2.5) == c.message); }
  }
  // Whole-file problems name the file.
  BOOST_TEST(parse_error("") == "in.csv: no data (no line with a number)");
  BOOST_TEST(parse_error("# only a comment\nbin_centre,frequency\n") ==
             "in.csv: no data (no line with a number)");
  BOOST_TEST(parse_error("1.25,0.1\n") == "in.csv: a histogram needs at least two bins");
  BOOST_TEST(starts_with(parse_error("1.25,0.1\n3.75,0.1\n7.5,0.1\n"),
                         "in.csv: bin centres must increase in equal steps (bin 3 steps by 3.75"));
  BOOST_TEST(starts_with(parse_error("3.75,0.1\n1.25,0.1\n"), "in.csv: bin centres must increase"));
  BOOST_TEST(parse_error("1.25,0\n3.75,0\n") == "in.csv: every frequency is zero");
  BOOST_TEST(starts_with(parse_error("# raw\n170\n171\n"), "in.csv:2: one height per line is raw"));
  BOOST_TEST(contains(parse_error("170\n171\n"), "--bins WIDTH"));
  BOOST_TEST(contains(parse_error("170\n171\n", -2.5), "--bins WIDTH"));
  BOOST_TEST(starts_with(parse_error("0\n1e300\n", 1e-3), "in.csv: the bin width 0.001 makes"));
  // A bin range: checked before the measurements, each of which must lie in it.
  const auto range_error = [](const std::string& text, heights::BinRange range) {
    try {
      heights::parse_heights(text, "in.csv", 2.5, range);
    } catch (const heights::DataError& e) {
      return std::string(e.what());
    }
    return std::string("(no error)");
  };
  BOOST_TEST(range_error("170\n171\n", {50, 301}) ==
             "in.csv: the bin range [50, 301] is not a whole number of bins 2.5 wide");
  BOOST_TEST(range_error("170\n171\n", {300, 50}) ==
             "in.csv: the bin range [300, 50] must be finite and increasing");
  BOOST_TEST(range_error("170\n171\n\n301\n", {50, 300}) ==
             "in.csv:4: the height 301 is outside the bin range [50, 300]");
  BOOST_TEST(range_error("170\n49.9\n", {50, 300}) ==
             "in.csv:2: the height 49.9 is outside the bin range [50, 300]");
  BOOST_TEST(range_error("1.25,0.1\n3.75,0.1\n", {300, 50}) == "(no error)");  // a histogram
  // A semicolon-separated histogram reads as one odd height per line: the number is the news.
  BOOST_TEST(parse_error("1.25;0.1\n") == "in.csv:1: the height '1.25;0.1' is not a number");
  // Windows line ends, spaces, a leading '+' and a header are fine.
  const heights::Histogram h =
      heights::parse_heights("centre , freq\r\n 1.25 , +0.1 \r\n3.75,0.3\r\n", "in.csv", 0.0);
  BOOST_TEST(h.centres == (std::vector<double>{1.25, 3.75}), tt::per_element());
  BOOST_TEST(h.frequencies == (std::vector<double>{0.1, 0.3}), tt::per_element());
  BOOST_TEST(h.bin_width == 2.5);
}

BOOST_AUTO_TEST_CASE(missing_and_unreadable_files_are_reported) {
  TempDir dir("fit_heights");
  const auto message = [](const std::string& path) {
    try {
      heights::load_heights(path, 0.0);
    } catch (const heights::DataError& e) {
      return std::string(e.what());
    }
    return std::string("(no error)");
  };
  BOOST_TEST(message(dir / "absent.csv") == (dir / "absent.csv") + ": no such file");
  BOOST_TEST(message(dir.path.string()) == dir.path.string() + ": is a directory");
  std::ofstream(dir / "empty.csv").close();
  BOOST_TEST(message(dir / "empty.csv") ==
             (dir / "empty.csv") + ": no data (no line with a number)");
  if (::geteuid() != 0) {  // root reads anything
    std::ofstream(dir / "locked.csv") << "1.25,0.1\n3.75,0.2\n";
    fs::permissions(dir / "locked.csv", fs::perms::none);
    BOOST_TEST(message(dir / "locked.csv") == (dir / "locked.csv") + ": cannot open the file");
  }
}

BOOST_AUTO_TEST_CASE(binary_data_is_refused_without_echoing_it) {
  BOOST_TEST(parse_error(std::string("170\n\0\x01\xff\n", 9), 1.0) ==
             "in.csv:2: a NUL byte: binary data, not a text file");
  // Control and non-ASCII bytes are shown escaped, and a long field is cut short.
  BOOST_TEST(parse_error("\x1b[2J\xff"
                         "170\n",
                         1.0) == "in.csv:1: the height '\\x1b[2J\\xff170' is not a number");
  const std::string shown = parse_error("1" + std::string(300, 'z') + "\n", 1.0);
  BOOST_TEST(starts_with(shown, "in.csv:1: the height '1zzz"));
  BOOST_TEST(contains(shown, "...' is not a number"));
  BOOST_TEST(shown.size() < 120u);
  // A line longer than the limit is refused when the limit is reached, not read whole.
  BOOST_TEST(parse_error("170\n" + std::string(heights::max_line_length + 1, '1') + "\n", 1.0) ==
             "in.csv:2: the line is longer than 4096 characters");
  BOOST_TEST(parse_error("170\n" + std::string(heights::max_line_length, '1') + "\n", 1.0) !=
             "in.csv:2: the line is longer than 4096 characters");
}

namespace {
// The process's resident memory in kB, as /proc/self/status reports it.
long status_kb(const std::string& key) {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind(key + ":", 0) == 0) return std::stol(line.substr(key.size() + 1));
  }
  return -1;
}
}  // namespace

BOOST_AUTO_TEST_CASE(raw_measurements_are_read_in_bounded_memory) {
  // 3 million heights (24 MB of text): held as text and doubles they would take ~50 MB; streamed
  // into bins the peak must stay a few MB above the baseline.
  TempDir dir("fit_heights_memory");
  {
    std::ofstream out(dir / "many.txt");
    for (int i = 0; i < 3'000'000; ++i) out << (150.0 + (i % 4000) * 0.01) << '\n';
  }
  std::ofstream("/proc/self/clear_refs") << "5";  // resets the high-water mark VmHWM
  const long baseline = status_kb("VmRSS");
  const heights::Histogram h = heights::load_heights(dir / "many.txt", 2.5);
  const long peak = status_kb("VmHWM");
  BOOST_TEST(h.measurements == 3'000'000u);
  BOOST_TEST(h.centres.size() == 16u);  // [150, 190) in bins 2.5 wide
  double total = 0.0;
  for (double f : h.frequencies) total += f * 2.5;
  BOOST_TEST(total == 1.0, tt::tolerance(1e-12));
#if defined(__SANITIZE_ADDRESS__)
  // AddressSanitizer keeps freed memory in quarantine: the peak says nothing about the reader.
  BOOST_TEST_MESSAGE("peak " << peak << " kB over a baseline of " << baseline);
#else
  BOOST_TEST(peak - baseline < 8 * 1024, "peak " << peak << " kB over a baseline of " << baseline);
#endif
}

BOOST_AUTO_TEST_CASE(raw_measurements_bin_into_the_course_histogram) {
  // The course's 995 people, spread in their bins: binned 2.5 wide they give the shipped
  // histogram's occupied bins.
  const heights::Histogram raw = heights::load_heights(raw_data, 2.5);
  const heights::Histogram shipped = heights::load_heights(shipped_data, 0.0);
  BOOST_TEST(raw.measurements == 995u);
  BOOST_TEST(raw.bin_width == 2.5);
  BOOST_TEST_REQUIRE(raw.centres.size() == 16u);
  const std::size_t first = 44;  // the shipped bin centred at 161.25
  BOOST_TEST_REQUIRE(shipped.centres[first] == 161.25);
  double total = 0.0;
  for (std::size_t i = 0; i < raw.centres.size(); ++i) {
    BOOST_TEST_CONTEXT("bin " << i) {
      BOOST_TEST(raw.centres[i] == shipped.centres[first + i], tt::tolerance(1e-15));
      BOOST_TEST(raw.frequencies[i] == shipped.frequencies[first + i], tt::tolerance(1e-12));
      total += raw.frequencies[i] * raw.bin_width;
    }
  }
  BOOST_TEST(total == 1.0, tt::tolerance(1e-12));
  // The fit on them lands next to the histogram's (which also counts its empty bins).
  const heights::Fit fit = heights::fit(raw, {.method = heights::Method::levenberg_marquardt});
  BOOST_TEST(fit.converged);
  BOOST_TEST(std::abs(fit.final().mu - minimum_mu) < 0.05);
  BOOST_TEST(std::abs(fit.final().sigma - minimum_sigma) < 0.05);
}

BOOST_AUTO_TEST_CASE(raw_measurements_over_the_course_range_give_the_reference_run) {
  // Binned over [50, 300] as the course's histogram, the 995 heights are that histogram (to
  // rounding), and the 50 steps match the numpy reference as the shipped CSV's do.
  const heights::Histogram raw = heights::load_heights(raw_data, 2.5, heights::BinRange{50, 300});
  const heights::Histogram shipped = heights::load_heights(shipped_data, 0.0);
  BOOST_TEST_REQUIRE(raw.centres.size() == 100u);
  BOOST_TEST(raw.centres == shipped.centres, tt::per_element());
  for (std::size_t i = 0; i < raw.centres.size(); ++i) {
    BOOST_TEST_CONTEXT("bin " << i) {
      BOOST_TEST(raw.frequencies[i] == shipped.frequencies[i], tt::tolerance(1e-14));
    }
  }
  const json expected = reference()["trajectory"];
  const heights::Fit fit = heights::fit(raw, {});
  BOOST_TEST_REQUIRE(fit.trajectory.size() == 51u);
  for (std::size_t k = 0; k <= 50; ++k) {
    BOOST_TEST_CONTEXT("step " << k) {
      BOOST_TEST(fit.trajectory[k].mu == expected[k]["mu"].get<double>(), tt::tolerance(1e-12));
      BOOST_TEST(fit.trajectory[k].sigma == expected[k]["sigma"].get<double>(),
                 tt::tolerance(1e-12));
      BOOST_TEST(fit.trajectory[k].chi2 == expected[k]["chi2"].get<double>(), tt::tolerance(1e-12));
    }
  }
}

BOOST_AUTO_TEST_CASE(binning_puts_edges_in_the_upper_bin_and_normalises) {
  const heights::Histogram h = heights::bin_heights({10.0, 10.5, 11.0, 12.9, 13.0}, 1.0);
  BOOST_TEST(h.centres == (std::vector<double>{10.5, 11.5, 12.5, 13.5}), tt::per_element());
  BOOST_TEST(h.frequencies == (std::vector<double>{0.4, 0.2, 0.2, 0.2}), tt::per_element());
  // Bins start at a multiple of the width; a single value makes one bin.
  const heights::Histogram one = heights::bin_heights({171.3}, 2.5);
  BOOST_TEST(one.centres == (std::vector<double>{171.25}), tt::per_element());
  BOOST_TEST(one.frequencies == (std::vector<double>{0.4}), tt::per_element());
  // Values whose quotient by the width rounds across an edge still land in a bin.
  const heights::Histogram tenths = heights::bin_heights({0.3, 0.7, 0.6, 0.1}, 0.1);
  double counted = 0.0;
  for (double f : tenths.frequencies) counted += f * 0.1 * 4;
  BOOST_TEST(counted == 4.0, tt::tolerance(1e-12));
  // Over a range, the high end goes into the last bin (numpy's convention).
  const heights::Histogram ranged =
      heights::bin_heights({10.0, 11.0, 12.0}, 1.0, heights::BinRange{9, 12});
  BOOST_TEST(ranged.centres == (std::vector<double>{9.5, 10.5, 11.5}), tt::per_element());
  BOOST_TEST(ranged.frequencies == (std::vector<double>{0.0, 1 / 3.0, 2 / 3.0}), tt::per_element());
  BOOST_CHECK_THROW(heights::bin_heights({13.0}, 1.0, heights::BinRange{9, 12}),
                    heights::DataError);
  BOOST_CHECK_THROW(heights::bin_heights({10.0}, 1.0, heights::BinRange{9, 9.5}),
                    heights::DataError);
  BOOST_CHECK_THROW(heights::bin_heights({}, 1.0), heights::DataError);
  BOOST_CHECK_THROW(heights::bin_heights({1.0}, 0.0), heights::DataError);
  BOOST_CHECK_THROW(heights::bin_heights({1.0}, std::nan("")), heights::DataError);
}

// --- outputs ---------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(plots_and_json_are_written_and_bad_paths_reported) {
  TempDir dir("fit_heights");
  const heights::Histogram data = heights::load_heights(shipped_data, 0.0);
  heights::FitOptions options;
  options.steps = 5;
  const heights::Fit fit = heights::fit(data, options);
  examples::write_json(dir / "run.json", heights::to_json(fit, options, "x.csv", data));
  std::ifstream in(dir / "run.json");
  const json j = json::parse(in);
  BOOST_TEST(j["schema"] == "chainrule-example-run");
  BOOST_TEST(j["version"] == 1);
  BOOST_TEST(j["program"] == "fit_heights");
  BOOST_TEST(j["trajectory"].size() == 6u);
  BOOST_TEST(j["settings"]["max_steps"] == 5);
  BOOST_TEST(j["settings"]["data"]["file"] == "x.csv");
  for (const char* name : {"fit.png", "fit.svg"}) {
    heights::plot_fit(dir / name, data, fit);
    BOOST_TEST(fs::file_size(dir / name) > 1000u);
  }
  heights::plot_path(dir / "path.png", data, fit);
  BOOST_TEST(fs::file_size(dir / "path.png") > 1000u);
  BOOST_CHECK_THROW(heights::plot_fit(dir / "fit.gif", data, fit), std::runtime_error);
  BOOST_CHECK_THROW(heights::plot_path(dir / "no/such/dir/path.png", data, fit),
                    std::runtime_error);
  BOOST_CHECK_THROW(examples::write_json(dir / "no/such/dir/run.json", j), std::runtime_error);
}

BOOST_AUTO_TEST_CASE(a_path_outside_the_course_box_widens_the_contour_plot) {
  TempDir dir("fit_heights");
  const heights::Histogram data = heights::load_heights(shipped_data, 0.0);
  // Far from the data, the Gaussian is flat and steepest descent barely moves; the plot still
  // covers the start.
  const heights::Fit fit = heights::fit(data, {.mu = 260, .sigma = 40, .steps = 3});
  heights::plot_path(dir / "path.svg", data, fit);
  heights::plot_fit(dir / "fit.svg", data, fit);
  BOOST_TEST(fs::file_size(dir / "path.svg") > 1000u);
}
