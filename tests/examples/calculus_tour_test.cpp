// examples/calculus_tour as a user runs it: --plot-dir draws every figure (PNG files of the
// right size), the computation graph falls back to a .dot file without graphviz, --help, and
// the exit codes (2 for usage errors, 1 for outputs that cannot be written, checked first).
#define BOOST_TEST_MODULE calculus_tour
#include <boost/test/unit_test.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "test_support.hpp"

namespace fs = std::filesystem;
using chainrule::test::contains;
using chainrule::test::TempDir;

namespace {

struct Run {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

// Runs calculus_tour with `arguments` (already quoted), after `environment` (e.g. "env X=1").
Run run(const std::string& arguments, const std::string& environment = "") {
  const std::string command =
      environment + " '" + CHAINRULE_CALCULUS_TOUR + "' " + arguments + " 2>&1";
  Run result;
  std::FILE* pipe = ::popen(command.c_str(), "r");
  BOOST_TEST_REQUIRE(pipe != nullptr);
  char buffer[4096];
  std::size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) result.output.append(buffer, n);
  const int status = ::pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

std::string quoted(const std::string& path) { return "'" + path + "'"; }

int run_shell(const std::string& command) {
  const int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

struct PngSize {
  bool valid = false;
  unsigned width = 0, height = 0;
};

// Width and height from a PNG's header chunk (IHDR), which every PNG starts with.
PngSize png_size(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  unsigned char header[24] = {};
  if (!in.read(reinterpret_cast<char*>(header), sizeof header)) return {};
  const unsigned char signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  if (!std::equal(signature, signature + 8, header) ||
      std::string(header + 12, header + 16) != "IHDR") {
    return {};
  }
  auto big_endian = [&](int at) {
    return (unsigned(header[at]) << 24) | (unsigned(header[at + 1]) << 16) |
           (unsigned(header[at + 2]) << 8) | unsigned(header[at + 3]);
  };
  return {true, big_endian(16), big_endian(20)};
}

struct Expected {
  std::string file;
  unsigned width, height;
};

// The figures drawn with PLplot and their sizes in pixels.
const std::vector<Expected> figures{
    {"week1_rise_over_run.png", 1200, 520},       {"weeks2-3_sandpit.png", 760, 700},
    {"week4_taylor_series.png", 1200, 520},       {"week5_newton_raphson.png", 1200, 520},
    {"week5_lagrange_multipliers.png", 760, 700}, {"week6_regression.png", 1200, 520},
};

const std::string graph_dot = "week3_computation_graph.dot";
const std::string graph_png = "week3_computation_graph.png";

bool dot_on_path() { return run_shell("command -v dot >/dev/null 2>&1") == 0; }

std::string read(const fs::path& file) {
  std::ifstream in(file);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void expect_figure(const Run& r, const fs::path& dir, const Expected& figure) {
  const std::string path = (dir / figure.file).string();
  BOOST_TEST_CONTEXT(path) {
    BOOST_TEST(contains(r.output, "wrote " + path + ": "));
    const PngSize size = png_size(path);
    BOOST_TEST(size.valid);
    BOOST_TEST(size.width == figure.width);
    BOOST_TEST(size.height == figure.height);
    BOOST_TEST(fs::file_size(path) > 2000u);  // more than an empty frame
    BOOST_TEST(fs::file_size(path) < 150'000u);
  }
}

}  // namespace

BOOST_AUTO_TEST_CASE(plot_dir_draws_every_figure_into_a_new_directory) {
  TempDir temp("calculus_tour_gallery");
  const fs::path dir = temp.path / "new" / "gallery";  // created with its parents
  const Run r = run("--plot-dir " + quoted(dir.string()));
  BOOST_TEST_REQUIRE(r.exit_code == 0, r.output);
  for (const Expected& figure : figures) expect_figure(r, dir, figure);
  for (const char* week :
       {"(week 1)", "(weeks 2-3)", "(week 3", "(week 4)", "(week 5)", "(week 6)"}) {
    BOOST_TEST(contains(r.output, week), week);
  }
  // The computation graph: DOT text always, a PNG drawn by graphviz when it is installed.
  BOOST_TEST(contains(r.output, "wrote " + (dir / graph_dot).string() + ": "));
  BOOST_TEST(contains(read(dir / graph_dot), "digraph"));
  BOOST_TEST(contains(read(dir / graph_dot), "sigmoid"));
  for (const char* label : {"label=\"W1\\n", "label=\"b2\\n", "label=\"/ 4\\n"}) {
    BOOST_TEST(contains(read(dir / graph_dot), label), label);  // the course's names
  }
  if (dot_on_path()) {
    BOOST_TEST(contains(r.output, "wrote " + (dir / graph_png).string() + ": "));
    const PngSize size = png_size((dir / graph_png).string());
    BOOST_TEST(size.valid);
    BOOST_TEST(size.width > size.height);  // drawn left to right
    BOOST_TEST(fs::file_size(dir / graph_png) < 150'000u);
  } else {
    BOOST_TEST_MESSAGE("graphviz's dot is not on PATH: the PNG of the graph is not checked");
  }
  BOOST_TEST(contains(r.output, "checks passed."));
  BOOST_TEST(!contains(r.output, "check failed"));
}

BOOST_AUTO_TEST_CASE(without_graphviz_the_graph_is_written_as_dot_and_the_program_says_so) {
  TempDir temp("calculus_tour_no_dot");
  const fs::path empty_path = temp.path / "bin";  // a PATH with no dot in it
  fs::create_directory(empty_path);
  const fs::path dir = temp.path / "gallery";
  const Run r =
      run("--plot-dir " + quoted(dir.string()), "env PATH=" + quoted(empty_path.string()));
  BOOST_TEST_REQUIRE(r.exit_code == 0, r.output);
  BOOST_TEST(contains(r.output, "wrote " + (dir / graph_dot).string() + ": "));
  BOOST_TEST(contains(r.output, "graphviz's dot is not on PATH"));
  BOOST_TEST(contains(r.output, "dot -Tpng"));
  BOOST_TEST(!fs::exists(dir / graph_png));
  for (const Expected& figure : figures) expect_figure(r, dir, figure);  // the others still drawn
}

BOOST_AUTO_TEST_CASE(default_run_prints_the_tour_and_its_checked_numbers) {
  const Run r = run("");
  BOOST_TEST_REQUIRE(r.exit_code == 0, r.output);
  BOOST_TEST(contains(r.output, "autodiff  f'(1) = 3.756049227"));
  BOOST_TEST(contains(r.output, "-1.769292354238700"));  // Newton's last iterate
  BOOST_TEST(contains(r.output, "f = +-2/(3 sqrt 3) = +-0.384900"));
  BOOST_TEST(!contains(r.output, "wrote "));  // draws nothing unless asked
}

BOOST_AUTO_TEST_CASE(the_tour_follows_the_course_week_by_week) {
  const Run r = run("");
  BOOST_TEST_REQUIRE(r.exit_code == 0, r.output);
  // The course's order: derivatives; Jacobian and Hessian; the chain rule; Taylor series;
  // Newton-Raphson and Lagrange multipliers.
  const std::vector<std::string> headings = {"Week 1: the derivative as rise over run",
                                             "Week 2: gradient and Jacobian",
                                             "Week 2: the Hessian at a saddle and at a minimum",
                                             "Week 3: the multivariate chain rule through a neuron",
                                             "Week 4: Taylor approximations",
                                             "Week 5: Newton-Raphson",
                                             "Week 5: Lagrange multipliers"};
  std::size_t previous = 0;
  for (const std::string& heading : headings) {
    const std::size_t at = r.output.find("\n" + heading + "\n");
    BOOST_TEST_REQUIRE(at != std::string::npos, heading);
    BOOST_TEST(at > previous, heading << " out of order");
    previous = at;
  }
  BOOST_TEST(contains(r.output, "by autodiff"));
  BOOST_TEST(!contains(r.output, "check failed"));
}

BOOST_AUTO_TEST_CASE(help_explains_the_options_and_exits_0) {
  const Run r = run("--help");
  BOOST_TEST(r.exit_code == 0);
  BOOST_TEST(contains(r.output, "--plot-dir DIR"));
  BOOST_TEST(contains(r.output, "one figure per topic"));
  BOOST_TEST(contains(r.output, "Exit codes"));
  BOOST_TEST(!contains(r.output, "Week 1"));  // help only, no tour
}

BOOST_AUTO_TEST_CASE(usage_errors_exit_2_before_the_tour) {
  struct Case {
    std::string arguments, message;
  };
  const std::vector<Case> cases{
      {"--frobnicate", "--frobnicate"},
      {"--plot-dir", "--plot-dir"},  // no value
      {"--plot-dir ''", "--plot-dir: the directory name is empty"},
      {"stray", "stray"},
      {"--plot taylor.gif", "should end in .png or .svg"},
  };
  for (const Case& c : cases) {
    BOOST_TEST_CONTEXT(c.arguments) {
      const Run r = run(c.arguments);
      BOOST_TEST(r.exit_code == 2, r.output);
      BOOST_TEST(contains(r.output, c.message), r.output);
      BOOST_TEST(!contains(r.output, "Week 1"));
    }
  }
}

BOOST_AUTO_TEST_CASE(an_unusable_plot_dir_exits_1_naming_it_before_the_tour) {
  TempDir temp("calculus_tour_unusable");
  const std::string file = temp / "a_file";
  std::ofstream(file) << "not a directory\n";
  struct Case {
    std::string dir, problem;
  };
  std::vector<Case> cases{
      {file, "it exists and is not a directory"},
      {file + "/figures", "cannot create it"},
      {"/proc/self", "cannot write in it"},  // a directory no one can create files in
  };
  const std::string read_only = temp / "read_only";
  if (::geteuid() != 0) {  // root writes anywhere
    fs::create_directory(read_only);
    fs::permissions(read_only, fs::perms::owner_read | fs::perms::owner_exec);
    cases.push_back({read_only, "cannot write in it"});
  }
  for (const Case& c : cases) {
    BOOST_TEST_CONTEXT(c.dir) {
      const Run r = run("--plot-dir " + quoted(c.dir));
      BOOST_TEST(r.exit_code == 1, r.output);
      BOOST_TEST(contains(r.output, "--plot-dir '" + c.dir + "': " + c.problem), r.output);
      BOOST_TEST(!contains(r.output, "Week 1"));  // refused before the tour ran
    }
  }
  if (fs::exists(read_only)) fs::permissions(read_only, fs::perms::owner_all);
}

BOOST_AUTO_TEST_CASE(an_unwritable_plot_file_exits_1_naming_it) {
  TempDir temp("calculus_tour_plot_file");
  const std::string file = temp / "no/such/dir/taylor.png";
  const Run r = run("--plot " + quoted(file));
  BOOST_TEST(r.exit_code == 1, r.output);
  BOOST_TEST(contains(r.output, "--plot '" + file + "': cannot write it"), r.output);
}
