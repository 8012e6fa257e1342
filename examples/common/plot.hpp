#pragma once
// A small figure API for the examples, drawn with PLplot: a figure records what to draw and
// renders it when saved, as PNG or SVG by the file's extension. Also the output plumbing the
// programs share: checking an output directory before a run, and rendering Graphviz DOT files.

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace chainrule::plot {

struct Colour {
  int red = 0, green = 0, blue = 0;
  double alpha = 1.0;
};

inline constexpr Colour black{0, 0, 0};
inline constexpr Colour blue{31, 119, 180};
inline constexpr Colour orange{255, 127, 14};
inline constexpr Colour green{44, 160, 44};
inline constexpr Colour red{214, 39, 40};
inline constexpr Colour purple{148, 103, 189};
inline constexpr Colour brown{140, 86, 75};
inline constexpr Colour grey{150, 150, 150};

inline Colour faded(Colour c, double alpha) {
  c.alpha = alpha;
  return c;
}

/// Where a figure's legend goes.
enum class Corner { top_right, top_left, bottom_right, bottom_left };

class Figure {
 public:
  Figure(std::string title, std::string x_label, std::string y_label);

  /// Axis ranges; without them they cover everything drawn.
  void limits(double x_min, double x_max, double y_min, double y_max);
  /// Logarithmic axes (values ≤ 0 on a log axis are left out; limits stay in data units).
  void log_scale(bool x, bool y);
  /// One unit is as long on the y axis as on the x axis (circles look round).
  void equal_scales();
  /// Grid lines at the major ticks.
  void grid();

  void line(std::vector<double> x, std::vector<double> y, Colour colour, double width = 1.0);
  void dashed_line(std::vector<double> x, std::vector<double> y, Colour colour, double width = 1.0);
  /// Filled dots; `size` scales PLplot's default symbol size.
  void markers(std::vector<double> x, std::vector<double> y, Colour colour, double size = 1.0);
  /// Arrows from (x[i], y[i]) to (x[i] + dx[i], y[i] + dy[i]), heads sized for the page.
  void arrows(std::vector<double> x, std::vector<double> y, std::vector<double> dx,
              std::vector<double> dy, Colour colour, double width = 1.0);
  /// Bars of a histogram: centres and heights, all `bar_width` wide.
  void bars(std::vector<double> centres, std::vector<double> heights, double bar_width,
            Colour colour);
  /// Contour lines of values[i][j] at (x[j], y[i]) for each level.
  void contours(std::vector<double> x, std::vector<double> y,
                std::vector<std::vector<double>> values, std::vector<double> levels, Colour colour,
                double width = 1.0);
  /// Text starting at (x, y) in data coordinates.
  void text(double x, double y, std::string text, Colour colour = black);
  /// Text in the figure's top-left corner (one line per call).
  void note(std::string text);
  /// A legend entry (drawn as a short line of that colour).
  void legend(std::string label, Colour colour);
  /// The legend's corner (top right unless set).
  void legend_corner(Corner corner);

  /// Writes the figure; `.png` or `.svg`. Throws std::runtime_error naming the file on failure.
  void save(const std::string& file, int width = 900, int height = 700) const;

 private:
  struct Item;
  friend void save_side_by_side(const std::string& file, const std::vector<const Figure*>& panels,
                                int width, int height);
  void draw(int page_width, int page_height, std::size_t panels) const;

  std::string title_, x_label_, y_label_;
  bool fixed_limits_ = false;
  double x_min_ = 0, x_max_ = 1, y_min_ = 0, y_max_ = 1;
  bool log_x_ = false, log_y_ = false, equal_scales_ = false, grid_ = false;
  Corner legend_corner_ = Corner::top_right;
  std::vector<Item> items_;
  std::vector<std::string> notes_;
  std::vector<std::pair<std::string, Colour>> legend_;

 public:
  ~Figure();
  Figure(Figure&&) noexcept;
  Figure& operator=(Figure&&) noexcept;
  Figure(const Figure&) = delete;
  Figure& operator=(const Figure&) = delete;
};

/// Several figures side by side in one image of width × height pixels (each panel gets an
/// equal share of the width). Throws std::runtime_error naming the file on failure.
void save_side_by_side(const std::string& file, const std::vector<const Figure*>& panels, int width,
                       int height);

/// Creates `dir` (with its parents) when missing and checks that a file can be written in it.
/// Throws std::runtime_error saying what is wrong (not a directory, cannot create, not
/// writable) without naming `dir`: the caller names it together with the flag it came from.
void prepare_output_directory(const std::filesystem::path& dir);

/// The executable `program` found on PATH, or an empty path.
std::filesystem::path find_on_path(const std::string& program);

/// Renders a Graphviz DOT file as PNG with the `dot` program at `dot_program` (run directly,
/// no shell), top to bottom or left to right. Throws std::runtime_error when dot cannot run
/// or fails.
void render_dot(const std::filesystem::path& dot_program, const std::string& dot_file,
                const std::string& png_file, bool left_to_right = false);

}  // namespace chainrule::plot
