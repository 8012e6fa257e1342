#include "heights_data.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace chainrule::heights {
namespace {

std::string trim(const std::string& s) {
  const auto first = s.find_first_not_of(" \t\r");
  if (first == std::string::npos) return {};
  return s.substr(first, s.find_last_not_of(" \t\r") - first + 1);
}

// A number as a message shows it: enough digits to tell neighbours apart, no trailing zeros.
std::string show(double v) {
  std::ostringstream out;
  out.precision(10);
  out << v;
  return out.str();
}

[[noreturn]] void fail(const std::string& source, std::size_t line, const std::string& why) {
  throw DataError(source + ":" + std::to_string(line) + ": " + why);
}

// A finite number filling the whole field, or a DataError naming the field.
double number(const std::string& field, const std::string& source, std::size_t line,
              const char* what) {
  const std::string f = trim(field);
  if (f.empty()) fail(source, line, std::string("the ") + what + " is empty");
  // from_chars takes no leading '+', which a hand-written file may well have.
  const std::size_t skip = (f.size() > 1 && f[0] == '+' && f[1] != '-') ? 1 : 0;
  double value = 0.0;
  const auto [end, error] = std::from_chars(f.data() + skip, f.data() + f.size(), value);
  if (error == std::errc::result_out_of_range) {
    fail(source, line, std::string("the ") + what + " '" + f + "' is out of range");
  }
  if (error != std::errc() || end != f.data() + f.size()) {
    fail(source, line, std::string("the ") + what + " '" + f + "' is not a number");
  }
  if (!std::isfinite(value)) {
    fail(source, line, std::string("the ") + what + " '" + f + "' is not finite");
  }
  return value;
}

// A header line names its columns: its first field is a word, not a number ("nan" and "inf"
// are numbers, so a file starting with them is reported, not skipped).
bool is_header(const std::string& line) {
  const std::string first = trim(line.substr(0, line.find(',')));
  double value = 0.0;
  const auto result = std::from_chars(first.data(), first.data() + first.size(), value);
  return !first.empty() && std::isalpha(static_cast<unsigned char>(first.front())) &&
         result.ec != std::errc();
}

void check_histogram(const Histogram& h, const std::string& source) {
  if (h.centres.size() < 2) throw DataError(source + ": a histogram needs at least two bins");
  const double width = h.centres[1] - h.centres[0];
  for (std::size_t i = 1; i < h.centres.size(); ++i) {
    const double step = h.centres[i] - h.centres[i - 1];
    if (!(step > 0) || std::abs(step - width) > 1e-9 * std::max(1.0, std::abs(width))) {
      throw DataError(source + ": bin centres must increase in equal steps (bin " +
                      std::to_string(i + 1) + " steps by " + show(step) + ", bin 2 by " +
                      show(width) + ")");
    }
  }
  // Negative frequencies were refused line by line.
  if (std::none_of(h.frequencies.begin(), h.frequencies.end(), [](double f) { return f > 0; })) {
    throw DataError(source + ": every frequency is zero");
  }
}

// The number of bins in a range, or a DataError if it is not a whole number of them.
double bins_in(const BinRange& range, double bin_width) {
  if (!std::isfinite(range.low) || !std::isfinite(range.high) || !(range.low < range.high)) {
    throw DataError("the bin range [" + show(range.low) + ", " + show(range.high) +
                    "] must be finite and increasing");
  }
  const double span = std::round((range.high - range.low) / bin_width);
  if (!(span >= 1) ||
      std::abs(span * bin_width - (range.high - range.low)) > 1e-9 * bin_width * span) {
    throw DataError("the bin range [" + show(range.low) + ", " + show(range.high) +
                    "] is not a whole number of bins " + show(bin_width) + " wide");
  }
  return span;
}

}  // namespace

Histogram bin_heights(const std::vector<double>& heights, double bin_width,
                      std::optional<BinRange> range) {
  if (!(bin_width > 0) || !std::isfinite(bin_width)) {
    throw DataError("the bin width must be positive and finite, got " + show(bin_width));
  }
  if (heights.empty()) throw DataError("no measurements to bin");
  for (double h : heights) {
    if (!std::isfinite(h)) throw DataError("a measurement is not finite: " + show(h));
  }
  const auto [low_it, high_it] = std::minmax_element(heights.begin(), heights.end());
  double start = 0.0, span = 0.0;
  if (range) {
    span = bins_in(*range, bin_width);
    start = range->low;
    if (*low_it < range->low || *high_it > range->high) {
      const double outside = *low_it < range->low ? *low_it : *high_it;
      throw DataError("the measurement " + show(outside) + " is outside the bin range [" +
                      show(range->low) + ", " + show(range->high) + "]");
    }
  } else {
    start = std::floor(*low_it / bin_width) * bin_width;
    if (start > *low_it) start -= bin_width;  // the division rounded up to a whole number
    span = std::floor((*high_it - start) / bin_width) + 1;
  }
  // Checked as a double: a cast of a count beyond size_t, or of a negative one, is undefined
  // (a width tiny next to the values can leave start above the lowest value even so).
  if (!(span >= 1 && span <= 1'000'000)) {
    throw DataError("the bin width " + show(bin_width) + " makes more than a million bins for " +
                    "measurements from " + show(*low_it) + " to " + show(*high_it));
  }
  const auto bins = static_cast<std::size_t>(span);
  Histogram h;
  h.bin_width = bin_width;
  h.measurements = heights.size();
  h.frequencies.assign(bins, 0.0);
  for (std::size_t i = 0; i < bins; ++i) {
    h.centres.push_back(start + (static_cast<double>(i) + 0.5) * bin_width);
  }
  for (double v : heights) {
    // Rounding can put a value on an edge a hair outside [0, bins): clamp, never wrap.
    const double index =
        std::clamp(std::floor((v - start) / bin_width), 0.0, static_cast<double>(bins - 1));
    h.frequencies[static_cast<std::size_t>(index)] += 1.0;
  }
  const double scale = static_cast<double>(heights.size()) * bin_width;
  for (double& f : h.frequencies) f /= scale;
  return h;
}

Histogram parse_heights(const std::string& text, const std::string& source, double bin_width,
                        std::optional<BinRange> range) {
  std::istringstream in(text);
  std::string raw;
  std::size_t line_number = 0;
  Histogram histogram;
  std::vector<double> measurements;
  std::size_t columns = 0;  // decided by the first data line
  while (std::getline(in, raw)) {
    ++line_number;
    const std::string line = trim(raw);
    if (line.empty() || line.front() == '#') continue;
    if (columns == 0 && is_header(line)) continue;
    std::vector<std::string> fields;
    std::stringstream split(line);
    for (std::string field; std::getline(split, field, ',');) fields.push_back(field);
    if (line.back() == ',') fields.emplace_back();
    if (fields.size() != 1 && fields.size() != 2) {
      fail(source, line_number,
           "expected 'height' or 'bin_centre,frequency', found " + std::to_string(fields.size()) +
               " fields");
    }
    if (columns == 0) columns = fields.size();
    if (fields.size() != columns) {
      fail(source, line_number,
           "has " + std::to_string(fields.size()) + " field" + (fields.size() == 1 ? "" : "s") +
               ", earlier lines have " + std::to_string(columns));
    }
    if (columns == 1) {
      const double height = number(fields[0], source, line_number, "height");
      if (measurements.empty()) {  // the first one: raw measurements need a binning
        if (!(bin_width > 0) || !std::isfinite(bin_width)) {
          fail(source, line_number,
               "one height per line is raw measurements; give a positive bin width with "
               "--bins WIDTH (got " +
                   show(bin_width) + ")");
        }
        if (range) {
          try {
            bins_in(*range, bin_width);
          } catch (const DataError& e) {
            throw DataError(source + ": " + e.what());
          }
        }
      }
      if (range && !(height >= range->low && height <= range->high)) {
        fail(source, line_number,
             "the height " + show(height) + " is outside the bin range [" + show(range->low) +
                 ", " + show(range->high) + "]");
      }
      measurements.push_back(height);
    } else {
      histogram.centres.push_back(number(fields[0], source, line_number, "bin centre"));
      const double f = number(fields[1], source, line_number, "frequency");
      if (f < 0) fail(source, line_number, "the frequency " + show(f) + " is negative");
      histogram.frequencies.push_back(f);
    }
  }
  if (columns == 0) throw DataError(source + ": no data (no line with a number)");
  if (columns == 1) {
    try {
      return bin_heights(measurements, bin_width, range);
    } catch (const DataError& e) {
      throw DataError(source + ": " + e.what());
    }
  }
  check_histogram(histogram, source);
  histogram.bin_width = histogram.centres[1] - histogram.centres[0];
  return histogram;
}

Histogram load_heights(const std::string& path, double bin_width, std::optional<BinRange> range) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) throw DataError(path + ": no such file");
  if (std::filesystem::is_directory(path, ec)) throw DataError(path + ": is a directory");
  std::ifstream file(path, std::ios::binary);
  if (!file) throw DataError(path + ": cannot open the file");
  std::ostringstream text;
  text << file.rdbuf();
  if (file.bad()) throw DataError(path + ": cannot read the file");
  return parse_heights(text.str(), path, bin_width, range);
}

}  // namespace chainrule::heights
