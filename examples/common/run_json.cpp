#include "run_json.hpp"

#include <fstream>
#include <stdexcept>

namespace chainrule::examples {

nlohmann::json run_json(const std::string& program, nlohmann::json settings,
                        nlohmann::json trajectory, nlohmann::json final,
                        nlohmann::json parameters) {
  return {{"schema", run_json_schema},
          {"version", run_json_version},
          {"program", program},
          {"settings", std::move(settings)},
          {"trajectory", std::move(trajectory)},
          {"final", std::move(final)},
          {"parameters", std::move(parameters)}};
}

void write_json(const std::string& file, const nlohmann::json& json) {
  std::ofstream out(file);
  if (!out) throw std::runtime_error("cannot write '" + file + "'");
  out << json.dump(1) << '\n';
  out.close();
  if (!out) throw std::runtime_error("cannot write '" + file + "'");
}

}  // namespace chainrule::examples
