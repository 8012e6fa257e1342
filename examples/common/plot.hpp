#pragma once
// A small figure API for the examples, drawn with PLplot: a figure records what to draw and
// renders it when saved, as PNG or SVG by the file's extension.

#include <string>
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
inline constexpr Colour grey{150, 150, 150};

inline Colour faded(Colour c, double alpha) {
  c.alpha = alpha;
  return c;
}

class Figure {
 public:
  Figure(std::string title, std::string x_label, std::string y_label);

  /// Axis ranges; without them they cover everything drawn.
  void limits(double x_min, double x_max, double y_min, double y_max);
  void line(std::vector<double> x, std::vector<double> y, Colour colour, double width = 1.0);
  void markers(std::vector<double> x, std::vector<double> y, Colour colour);
  /// Bars of a histogram: centres and heights, all `bar_width` wide.
  void bars(std::vector<double> centres, std::vector<double> heights, double bar_width,
            Colour colour);
  /// Contour lines of values[i][j] at (x[j], y[i]) for each level.
  void contours(std::vector<double> x, std::vector<double> y,
                std::vector<std::vector<double>> values, std::vector<double> levels, Colour colour);
  /// Text in the figure's top-left corner (one line per call).
  void note(std::string text);
  /// A legend entry (drawn as a short line of that colour).
  void legend(std::string label, Colour colour);

  /// Writes the figure; `.png` or `.svg`. Throws std::runtime_error naming the file on failure.
  void save(const std::string& file, int width = 900, int height = 700) const;

 private:
  struct Item;
  std::string title_, x_label_, y_label_;
  bool fixed_limits_ = false;
  double x_min_ = 0, x_max_ = 1, y_min_ = 0, y_max_ = 1;
  std::vector<Item> items_;
  std::vector<std::string> notes_;
  std::vector<std::pair<std::string, Colour>> legend_;

 public:
  ~Figure();
  Figure(const Figure&) = delete;
  Figure& operator=(const Figure&) = delete;
};

}  // namespace chainrule::plot
