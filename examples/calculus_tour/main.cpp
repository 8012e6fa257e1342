// calculus_tour: the weeks of a multivariate-calculus course, worked with chainrule.
//
//   calculus_tour                    print the tour; every section checks what it claims
//   calculus_tour --plot-dir DIR     also draw one figure per topic of the course into DIR
//   calculus_tour --help             the options and exit codes
//
// Exit codes: 0 every check passed, 1 a check failed or an output could not be written,
// 2 a usage error.

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string>

#include <CLI/CLI.hpp>

#include "figures.hpp"
#include "plot.hpp"
#include "tour.hpp"

namespace {

constexpr int usage_error = 2;
constexpr int failure = 1;

int fail(const std::string& message, int code) {
  std::cerr << "calculus_tour: " << message << "\n";
  return code;
}

bool is_image(const std::string& file) {
  const std::string extension = std::filesystem::path(file).extension().string();
  return extension == ".png" || extension == ".svg";
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "A tour of a multivariate calculus course with chainrule: rise over run, gradients and\n"
      "Jacobians, Hessians, Newton-Raphson, Lagrange multipliers and Taylor series, each with\n"
      "its numbers checked. With --plot-dir it also draws one figure per topic of the course."};
  std::string plot_dir, plot_file;
  app.add_option("--plot-dir", plot_dir,
                 "Also draw one figure per topic of the course into DIR (created if missing)")
      ->type_name("DIR");
  app.add_option("--plot", plot_file,
                 "Draw the Taylor error against the step into FILE (.png or .svg)")
      ->type_name("FILE");
  app.footer(
      "Figures of --plot-dir: rise over run (week 1); the sandpit, contours, gradients and\n"
      "steepest descent (weeks 2-3); a network's computation graph (week 3: DOT text, and a PNG\n"
      "when graphviz's dot is on PATH); Taylor series (week 4); Newton-Raphson and Lagrange\n"
      "multipliers (week 5); linear and non-linear regression (week 6).\n"
      "Exit codes: 0 every check passed; 1 a check failed or an output could not be written;\n"
      "2 a usage error (unknown option, bad value).\n"
      "Example: calculus_tour --plot-dir gallery   (the figures of docs/gallery.md)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return usage_error;
  }

  // Every output is checked before the tour runs, not after.
  if (app.count("--plot-dir") > 0 && plot_dir.empty()) {
    return fail("--plot-dir: the directory name is empty", usage_error);
  }
  if (app.count("--plot") > 0 && !is_image(plot_file)) {
    return fail("--plot '" + plot_file + "': the file name should end in .png or .svg",
                usage_error);
  }
  if (!plot_dir.empty()) {
    try {
      chainrule::plot::prepare_output_directory(plot_dir);
    } catch (const std::exception& e) {
      return fail("--plot-dir '" + plot_dir + "': " + e.what(), failure);
    }
  }
  if (!plot_file.empty()) {
    std::FILE* probe = std::fopen(plot_file.c_str(), "ab");
    if (probe == nullptr) return fail("--plot '" + plot_file + "': cannot write it", failure);
    std::fclose(probe);
  }

  const tour::TaylorErrors errors = tour::print_tour();

  const auto wrote = [](const std::string& file, const std::string& what) {
    std::cout << "wrote " << file << ": " << what << "\n";
  };
  try {
    if (!plot_file.empty() || !plot_dir.empty()) std::cout << "\n";
    if (!plot_file.empty()) {
      tour::draw_taylor_error(errors, plot_file);
      wrote(plot_file, "the Taylor error against the step");
    }
    if (!plot_dir.empty()) tour::draw_gallery(plot_dir, wrote);
  } catch (const std::exception& e) {
    return fail(e.what(), failure);
  }

  std::cout << "\n"
            << tour::checks() - tour::failed_checks() << " of " << tour::checks()
            << " checks passed.\n";
  return tour::failed_checks() == 0 ? 0 : failure;
}
