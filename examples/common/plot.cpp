#include "plot.hpp"

#include <plplot.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <stdexcept>

namespace chainrule::plot {

struct Figure::Item {
  enum class Kind { line, markers, bars, contours } kind;
  std::vector<double> x, y;
  std::vector<std::vector<double>> grid;
  std::vector<double> levels;
  Colour colour;
  double width = 1.0;
};

Figure::Figure(std::string title, std::string x_label, std::string y_label)
    : title_(std::move(title)), x_label_(std::move(x_label)), y_label_(std::move(y_label)) {}

Figure::~Figure() = default;

void Figure::limits(double x_min, double x_max, double y_min, double y_max) {
  fixed_limits_ = true;
  x_min_ = x_min;
  x_max_ = x_max;
  y_min_ = y_min;
  y_max_ = y_max;
}

void Figure::line(std::vector<double> x, std::vector<double> y, Colour colour, double width) {
  items_.push_back({Item::Kind::line, std::move(x), std::move(y), {}, {}, colour, width});
}

void Figure::markers(std::vector<double> x, std::vector<double> y, Colour colour) {
  items_.push_back({Item::Kind::markers, std::move(x), std::move(y), {}, {}, colour, 1.0});
}

void Figure::bars(std::vector<double> centres, std::vector<double> heights, double bar_width,
                  Colour colour) {
  items_.push_back(
      {Item::Kind::bars, std::move(centres), std::move(heights), {}, {}, colour, bar_width});
}

void Figure::contours(std::vector<double> x, std::vector<double> y,
                      std::vector<std::vector<double>> values, std::vector<double> levels,
                      Colour colour) {
  items_.push_back({Item::Kind::contours, std::move(x), std::move(y), std::move(values),
                    std::move(levels), colour, 1.0});
}

void Figure::note(std::string text) { notes_.push_back(std::move(text)); }

void Figure::legend(std::string label, Colour colour) {
  legend_.emplace_back(std::move(label), colour);
}

namespace {

// Colour index 1 is redefined before each item; 0 is the background, 15 the axes.
void use_colour(const Colour& c) {
  plscol0a(1, c.red, c.green, c.blue, c.alpha);
  plcol0(1);
}

const char* device_for(const std::string& file) {
  const std::string extension = std::filesystem::path(file).extension().string();
  if (extension == ".png") return "pngcairo";
  if (extension == ".svg") return "svgcairo";
  throw std::runtime_error("plot: '" + file + "': unknown image type '" + extension +
                           "' (use .png or .svg)");
}

}  // namespace

void Figure::save(const std::string& file, int width, int height) const {
  const char* device = device_for(file);
  double x_min = x_min_, x_max = x_max_, y_min = y_min_, y_max = y_max_;
  if (!fixed_limits_) {
    x_min = y_min = std::numeric_limits<double>::infinity();
    x_max = y_max = -x_min;
    for (const Item& item : items_) {
      for (double v : item.x) x_min = std::min(x_min, v), x_max = std::max(x_max, v);
      for (double v : item.y) y_min = std::min(y_min, v), y_max = std::max(y_max, v);
    }
    if (!(x_min < x_max)) x_min -= 1, x_max += 1;
    if (!(y_min < y_max)) y_min -= 1, y_max += 1;
    const double pad = 0.05 * (y_max - y_min);
    y_min -= pad;
    y_max += pad;
  }
  {  // PLplot reports a file it cannot open by exiting the process: check first.
    std::FILE* probe = std::fopen(file.c_str(), "wb");
    if (probe == nullptr) throw std::runtime_error("plot: cannot write '" + file + "'");
    std::fclose(probe);
  }

  PLINT stream = 0;
  plmkstrm(&stream);
  plsdev(device);
  plsfnam(file.c_str());
  plspage(0.0, 0.0, width, height, 0, 0);
  plscol0a(0, 255, 255, 255, 1.0);  // white background
  plscol0a(15, 0, 0, 0, 1.0);       // black axes and text
  plinit();
  plcol0(15);
  plenv(x_min, x_max, y_min, y_max, 0, 0);
  pllab(x_label_.c_str(), y_label_.c_str(), title_.c_str());

  for (const Item& item : items_) {
    use_colour(item.colour);
    const auto n = static_cast<PLINT>(item.x.size());
    switch (item.kind) {
      case Item::Kind::line:
        plwidth(item.width);
        plline(n, item.x.data(), item.y.data());
        break;
      case Item::Kind::markers:
        plpoin(n, item.x.data(), item.y.data(), 17);
        break;
      case Item::Kind::bars:
        for (std::size_t i = 0; i < item.x.size(); ++i) {
          const double left = item.x[i] - item.width / 2, right = item.x[i] + item.width / 2;
          const double bx[] = {left, left, right, right};
          const double by[] = {0.0, item.y[i], item.y[i], 0.0};
          plfill(4, bx, by);
        }
        break;
      case Item::Kind::contours: {
        const auto nx = static_cast<PLINT>(item.x.size());
        const auto ny = static_cast<PLINT>(item.y.size());
        // PLplot wants f[ix][iy] and a grid transform from indices to coordinates.
        std::vector<std::vector<double>> columns(item.x.size(), std::vector<double>(item.y.size()));
        std::vector<const double*> rows;
        for (std::size_t i = 0; i < item.x.size(); ++i) {
          for (std::size_t j = 0; j < item.y.size(); ++j) columns[i][j] = item.grid[j][i];
          rows.push_back(columns[i].data());
        }
        std::vector<double> xg = item.x, yg = item.y;
        PLcGrid grid{xg.data(), yg.data(), nullptr, nx, ny, 0};
        plwidth(1.0);
        plcont(rows.data(), nx, ny, 1, nx, 1, ny, item.levels.data(),
               static_cast<PLINT>(item.levels.size()), pltr1, &grid);
        break;
      }
    }
  }
  plwidth(1.0);
  plcol0(15);
  for (std::size_t i = 0; i < notes_.size(); ++i) {
    plmtex("t", -1.5 - 1.5 * static_cast<double>(i), 0.03, 0.0, notes_[i].c_str());
  }
  for (std::size_t i = 0; i < legend_.size(); ++i) {
    const double y = 1.0 - 0.05 * static_cast<double>(i + 1);
    use_colour(legend_[i].second);
    plwidth(3.0);
    const double lx[] = {x_max - 0.30 * (x_max - x_min), x_max - 0.24 * (x_max - x_min)};
    const double ly[] = {y_min + y * (y_max - y_min), y_min + y * (y_max - y_min)};
    plline(2, lx, ly);
    plcol0(15);
    plptex(x_max - 0.22 * (x_max - x_min), ly[0], 1.0, 0.0, 0.0, legend_[i].first.c_str());
  }
  plend1();
}

}  // namespace chainrule::plot
