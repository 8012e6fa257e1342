#include "plot.hpp"

#include <plplot.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <stdexcept>

extern char** environ;

namespace chainrule::plot {

struct Figure::Item {
  enum class Kind { line, dashed_line, markers, arrows, bars, contours, text } kind = Kind::line;
  std::vector<double> x, y;
  std::vector<double> dx, dy;  // arrows
  std::vector<std::vector<double>> grid;
  std::vector<double> levels;
  Colour colour;
  double width = 1.0;  // line width, bar width or marker size
  std::string label;   // text
};

Figure::Figure(std::string title, std::string x_label, std::string y_label)
    : title_(std::move(title)), x_label_(std::move(x_label)), y_label_(std::move(y_label)) {}

Figure::~Figure() = default;
Figure::Figure(Figure&&) noexcept = default;
Figure& Figure::operator=(Figure&&) noexcept = default;

void Figure::limits(double x_min, double x_max, double y_min, double y_max) {
  fixed_limits_ = true;
  x_min_ = x_min;
  x_max_ = x_max;
  y_min_ = y_min;
  y_max_ = y_max;
}

void Figure::log_scale(bool x, bool y) {
  log_x_ = x;
  log_y_ = y;
}

void Figure::equal_scales() { equal_scales_ = true; }

void Figure::grid() { grid_ = true; }

namespace {

// Appends an item with the fields every kind has; the caller fills in the rest.
template <class Item, class Kind>
Item& append(std::vector<Item>& items, Kind kind, std::vector<double> x, std::vector<double> y,
             Colour colour, double width) {
  Item& item = items.emplace_back();
  item.kind = kind;
  item.x = std::move(x);
  item.y = std::move(y);
  item.colour = colour;
  item.width = width;
  return item;
}

}  // namespace

void Figure::line(std::vector<double> x, std::vector<double> y, Colour colour, double width) {
  append(items_, Item::Kind::line, std::move(x), std::move(y), colour, width);
}

void Figure::dashed_line(std::vector<double> x, std::vector<double> y, Colour colour,
                         double width) {
  append(items_, Item::Kind::dashed_line, std::move(x), std::move(y), colour, width);
}

void Figure::markers(std::vector<double> x, std::vector<double> y, Colour colour, double size) {
  append(items_, Item::Kind::markers, std::move(x), std::move(y), colour, size);
}

void Figure::arrows(std::vector<double> x, std::vector<double> y, std::vector<double> dx,
                    std::vector<double> dy, Colour colour, double width) {
  if (dx.size() != x.size() || dy.size() != x.size() || y.size() != x.size()) {
    throw std::invalid_argument("plot: arrows need as many x, y, dx and dy values");
  }
  Item& item = append(items_, Item::Kind::arrows, std::move(x), std::move(y), colour, width);
  item.dx = std::move(dx);
  item.dy = std::move(dy);
}

void Figure::bars(std::vector<double> centres, std::vector<double> heights, double bar_width,
                  Colour colour) {
  append(items_, Item::Kind::bars, std::move(centres), std::move(heights), colour, bar_width);
}

void Figure::contours(std::vector<double> x, std::vector<double> y,
                      std::vector<std::vector<double>> values, std::vector<double> levels,
                      Colour colour, double width) {
  Item& item = append(items_, Item::Kind::contours, std::move(x), std::move(y), colour, width);
  item.grid = std::move(values);
  item.levels = std::move(levels);
}

void Figure::text(double x, double y, std::string text, Colour colour) {
  append(items_, Item::Kind::text, {x}, {y}, colour, 1.0).label = std::move(text);
}

void Figure::note(std::string text) { notes_.push_back(std::move(text)); }

void Figure::legend(std::string label, Colour colour) {
  legend_.emplace_back(std::move(label), colour);
}

void Figure::legend_corner(Corner corner) { legend_corner_ = corner; }

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

// Data to plotting coordinates: log10 on a log axis (NaN for values it cannot show).
double to_axis(double v, bool log) {
  if (!log) return v;
  return v > 0 ? std::log10(v) : std::numeric_limits<double>::quiet_NaN();
}

std::vector<double> to_axis(const std::vector<double>& values, bool log) {
  std::vector<double> out;
  out.reserve(values.size());
  for (double v : values) out.push_back(to_axis(v, log));
  return out;
}

// A polyline broken wherever a point is not finite.
void polyline(const std::vector<double>& x, const std::vector<double>& y) {
  std::size_t start = 0;
  while (start < x.size()) {
    while (start < x.size() && !(std::isfinite(x[start]) && std::isfinite(y[start]))) ++start;
    std::size_t end = start;
    while (end < x.size() && std::isfinite(x[end]) && std::isfinite(y[end])) ++end;
    if (end - start >= 2) plline(static_cast<PLINT>(end - start), &x[start], &y[start]);
    start = end;
  }
}

// An arrow with a filled head whose size and angle are right on the page, whatever the two
// axes' scales: the head is built in pixels and mapped back to plotting coordinates.
void arrow(double x, double y, double dx, double dy, double pixels_per_x, double pixels_per_y,
           double head_pixels) {
  const double px = dx * pixels_per_x, py = dy * pixels_per_y;
  const double length = std::hypot(px, py);
  if (!(length > 0) || !std::isfinite(length)) return;
  const double lx[] = {x, x + dx}, ly[] = {y, y + dy};
  plline(2, lx, ly);
  const double head = std::min(head_pixels, 0.45 * length);
  const double ux = px / length, uy = py / length;
  const double spread = 0.45;  // half the head's opening, in radians
  double hx[3] = {x + dx, 0, 0}, hy[3] = {y + dy, 0, 0};
  for (int side = 0; side < 2; ++side) {
    const double angle = side == 0 ? spread : -spread;
    const double bx = ux * std::cos(angle) - uy * std::sin(angle);
    const double by = ux * std::sin(angle) + uy * std::cos(angle);
    hx[side + 1] = x + dx - head * bx / pixels_per_x;
    hy[side + 1] = y + dy - head * by / pixels_per_y;
  }
  plfill(3, hx, hy);
}

// Numbers on a log axis: "1e-8" at the decades that are a multiple of the step (PLplot's own
// 10 with a superscript crowds into its neighbours when there are many decades).
void log_axis_label(PLINT, PLFLT value, char* label, PLINT length, PLPointer step_pointer) {
  const double step = *static_cast<const double*>(step_pointer);
  const long decade = std::lround(value);
  if (decade % static_cast<long>(step) != 0) {
    label[0] = '\0';
  } else if (decade == 0) {
    std::snprintf(label, static_cast<std::size_t>(length), "1");
  } else {
    std::snprintf(label, static_cast<std::size_t>(length), "1e%ld", decade);
  }
}

// The frame, ticks and numbers; with `grid`, light grid lines at the major ticks under them.
void draw_axes(double x_range, double y_range, bool log_x, bool log_y, bool grid) {
  // Label every decade of a log axis, or every few when there are many.
  double steps[2] = {x_range <= 5 ? 1.0 : std::ceil(x_range / 4.0),
                     y_range <= 9 ? 1.0 : std::ceil(y_range / 8.0)};
  const std::string x_log = log_x ? "lo" : "", y_log = log_y ? "lo" : "";
  if (grid) {
    plscol0a(14, 215, 215, 215, 1.0);
    plcol0(14);
    plbox(("g" + x_log).c_str(), 0, 0, ("g" + y_log).c_str(), 0, 0);
  }
  plcol0(15);
  plslabelfunc(log_axis_label, steps);
  plbox(("bcnst" + x_log).c_str(), 0, 0, "", 0, 0);
  plslabelfunc(log_axis_label, steps + 1);
  plbox("", 0, 0, ("bcnstv" + y_log).c_str(), 0, 0);
  plslabelfunc(nullptr, nullptr);
}

// Colour-map-0 indices from here on are the legend's line colours (see save_side_by_side).
constexpr PLINT first_legend_colour = 16;
constexpr PLINT colour_map_size = 64;

// PLplot's legend: a boxed, white-backed list sized to its text, inside the given corner.
void draw_legend(const std::vector<std::pair<std::string, Colour>>& entries, Corner corner,
                 double text_scale) {
  const auto n = static_cast<PLINT>(std::min<std::size_t>(
      entries.size(), static_cast<std::size_t>(colour_map_size - first_legend_colour)));
  if (n == 0) return;
  std::vector<PLINT> options(n, PL_LEGEND_LINE), text_colours(n, 15), line_colours(n), styles(n, 1);
  std::vector<PLFLT> widths(n, 3.0);
  std::vector<const char*> text(n);
  for (PLINT i = 0; i < n; ++i) {
    const Colour& c = entries[static_cast<std::size_t>(i)].second;
    line_colours[i] = first_legend_colour + i;
    plscol0a(line_colours[i], c.red, c.green, c.blue, c.alpha);
    text[i] = entries[static_cast<std::size_t>(i)].first.c_str();
  }
  const bool right = corner == Corner::top_right || corner == Corner::bottom_right;
  const bool top = corner == Corner::top_right || corner == Corner::top_left;
  const PLINT position = PL_POSITION_INSIDE | (right ? PL_POSITION_RIGHT : PL_POSITION_LEFT) |
                         (top ? PL_POSITION_TOP : PL_POSITION_BOTTOM);
  PLFLT width = 0, height = 0;
  plwidth(1.0);
  pllegend(&width, &height, PL_LEGEND_BACKGROUND | PL_LEGEND_BOUNDING_BOX, position, 0.02, 0.02,
           0.07, 0, 15, 1, 0, 0, n, options.data(), 0.8, text_scale, 2.0, 0.0, text_colours.data(),
           text.data(), nullptr, nullptr, nullptr, nullptr, line_colours.data(), styles.data(),
           widths.data(), nullptr, nullptr, nullptr, nullptr);
}

}  // namespace

void Figure::draw(int page_width, int page_height, std::size_t panels) const {
  double x_min = to_axis(x_min_, log_x_), x_max = to_axis(x_max_, log_x_);
  double y_min = to_axis(y_min_, log_y_), y_max = to_axis(y_max_, log_y_);
  if (!fixed_limits_) {
    x_min = y_min = std::numeric_limits<double>::infinity();
    x_max = y_max = -x_min;
    auto cover = [](double v, double& lo, double& hi) {
      if (std::isfinite(v)) lo = std::min(lo, v), hi = std::max(hi, v);
    };
    for (const Item& item : items_) {
      for (std::size_t i = 0; i < item.x.size(); ++i) {
        cover(to_axis(item.x[i], log_x_), x_min, x_max);
        if (item.kind == Item::Kind::arrows)
          cover(to_axis(item.x[i] + item.dx[i], log_x_), x_min, x_max);
      }
      for (std::size_t i = 0; i < item.y.size(); ++i) {
        cover(to_axis(item.y[i], log_y_), y_min, y_max);
        if (item.kind == Item::Kind::arrows)
          cover(to_axis(item.y[i] + item.dy[i], log_y_), y_min, y_max);
      }
    }
    if (!(x_min < x_max)) x_min -= 1, x_max += 1;
    if (!(y_min < y_max)) y_min -= 1, y_max += 1;
    const double pad = 0.05 * (y_max - y_min);
    y_min -= pad;
    y_max += pad;
  }

  plcol0(15);
  plenv(x_min, x_max, y_min, y_max, equal_scales_ ? 1 : 0, -2);  // the window; axes below
  draw_axes(x_max - x_min, y_max - y_min, log_x_, log_y_, grid_);
  pllab(x_label_.c_str(), y_label_.c_str(), title_.c_str());

  // Pixels per plotting unit, for arrow heads (plgvpd gives the viewport on the whole page).
  PLFLT vx0 = 0, vx1 = 1, vy0 = 0, vy1 = 1;
  plgvpd(&vx0, &vx1, &vy0, &vy1);
  PLFLT wx0 = x_min, wx1 = x_max, wy0 = y_min, wy1 = y_max;
  plgvpw(&wx0, &wx1, &wy0, &wy1);  // equal_scales may have widened one range
  const double pixels_per_x = (vx1 - vx0) * page_width / (wx1 - wx0);
  const double pixels_per_y = (vy1 - vy0) * page_height / (wy1 - wy0);
  const double head_pixels = 0.016 * std::max(page_width, page_height);

  for (const Item& item : items_) {
    use_colour(item.colour);
    const std::vector<double> x = to_axis(item.x, log_x_), y = to_axis(item.y, log_y_);
    switch (item.kind) {
      case Item::Kind::line:
        plwidth(item.width);
        polyline(x, y);
        break;
      case Item::Kind::dashed_line:
        plwidth(item.width);
        pllsty(2);
        polyline(x, y);
        pllsty(1);
        break;
      case Item::Kind::markers:
        plssym(0.0, item.width);
        for (std::size_t i = 0; i < x.size(); ++i) {
          if (std::isfinite(x[i]) && std::isfinite(y[i])) plpoin(1, &x[i], &y[i], 17);
        }
        plssym(0.0, 1.0);
        break;
      case Item::Kind::arrows:
        plwidth(item.width);
        for (std::size_t i = 0; i < x.size(); ++i) {
          const double dx = to_axis(item.x[i] + item.dx[i], log_x_) - x[i];
          const double dy = to_axis(item.y[i] + item.dy[i], log_y_) - y[i];
          arrow(x[i], y[i], dx, dy, pixels_per_x, pixels_per_y, head_pixels);
        }
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
        std::vector<double> xg = x, yg = y;
        PLcGrid grid{xg.data(), yg.data(), nullptr, nx, ny, 0};
        plwidth(item.width);
        plcont(rows.data(), nx, ny, 1, nx, 1, ny, item.levels.data(),
               static_cast<PLINT>(item.levels.size()), pltr1, &grid);
        break;
      }
      case Item::Kind::text:
        if (std::isfinite(x[0]) && std::isfinite(y[0])) {
          plptex(x[0], y[0], 1.0, 0.0, 0.0, item.label.c_str());
        }
        break;
    }
  }
  plwidth(1.0);
  plcol0(15);
  for (std::size_t i = 0; i < notes_.size(); ++i) {
    plmtex("t", -1.5 - 1.5 * static_cast<double>(i), 0.03, 0.0, notes_[i].c_str());
  }
  draw_legend(legend_, legend_corner_, panels > 1 ? 0.7 : 0.85);
}

void Figure::save(const std::string& file, int width, int height) const {
  save_side_by_side(file, {this}, width, height);
}

void save_side_by_side(const std::string& file, const std::vector<const Figure*>& panels, int width,
                       int height) {
  const char* device = device_for(file);
  if (panels.empty()) throw std::invalid_argument("plot: '" + file + "': no figure to draw");
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
  plscmap0n(colour_map_size);       // room for the legends' colours
  plscol0a(0, 255, 255, 255, 1.0);  // white background
  plscol0a(15, 0, 0, 0, 1.0);       // black axes and text
  plssub(static_cast<PLINT>(panels.size()), 1);
  plinit();
  if (panels.size() > 1) plschr(0.0, 0.85);  // narrower panels: smaller text, more plot
  for (const Figure* panel : panels) panel->draw(width, height, panels.size());
  plend1();
}

// --- output plumbing ---------------------------------------------------------------------------

void prepare_output_directory(const std::filesystem::path& dir) {
  namespace fs = std::filesystem;
  if (dir.empty()) throw std::runtime_error("the path is empty");
  std::error_code error;
  const fs::file_status status = fs::status(dir, error);
  if (error && status.type() != fs::file_type::not_found) {
    throw std::runtime_error("cannot access it: " + error.message());
  }
  if (fs::exists(status) && !fs::is_directory(status)) {
    throw std::runtime_error("it exists and is not a directory");
  }
  if (!fs::exists(status)) {
    fs::create_directories(dir, error);
    if (error) throw std::runtime_error("cannot create it: " + error.message());
  }
  const fs::path probe = dir / (".write_probe_" + std::to_string(::getpid()));
  std::FILE* file = std::fopen(probe.c_str(), "wb");
  if (file == nullptr) {
    throw std::runtime_error(std::string("cannot write in it: ") + std::strerror(errno));
  }
  std::fclose(file);
  fs::remove(probe, error);
}

std::filesystem::path find_on_path(const std::string& program) {
  const char* path = std::getenv("PATH");
  if (path == nullptr) return {};
  const std::string directories = path;
  std::size_t start = 0;
  while (start <= directories.size()) {
    const std::size_t end = std::min(directories.find(':', start), directories.size());
    const std::string directory = directories.substr(start, end - start);
    const std::filesystem::path candidate =
        std::filesystem::path(directory.empty() ? "." : directory) / program;
    std::error_code error;
    if (std::filesystem::is_regular_file(candidate, error) &&
        ::access(candidate.c_str(), X_OK) == 0) {
      return candidate;
    }
    start = end + 1;
  }
  return {};
}

void render_dot(const std::filesystem::path& dot_program, const std::string& dot_file,
                const std::string& png_file, bool left_to_right) {
  // Absolute paths, so that a file name starting with '-' is never read as an option.
  const std::string program = dot_program.string();
  const std::string input = std::filesystem::absolute(dot_file).string();
  const std::string output = "-o" + std::filesystem::absolute(png_file).string();
  std::vector<char*> argv{const_cast<char*>(program.c_str()),
                          const_cast<char*>(left_to_right ? "-Grankdir=LR" : "-Grankdir=TB"),
                          const_cast<char*>("-Tpng"),
                          const_cast<char*>(output.c_str()),
                          const_cast<char*>(input.c_str()),
                          nullptr};
  pid_t pid = 0;
  const int spawn_error =
      ::posix_spawn(&pid, program.c_str(), nullptr, nullptr, argv.data(), environ);
  if (spawn_error != 0) {
    throw std::runtime_error("cannot run " + program + ": " + std::strerror(spawn_error));
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) throw std::runtime_error("waiting for " + program + " failed");
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    throw std::runtime_error(program + " -Tpng failed on '" + dot_file + "' (exit status " +
                             std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) + ")");
  }
}

}  // namespace chainrule::plot
