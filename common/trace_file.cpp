#include "common/trace_file.hpp"

#include <cstdlib>

namespace elfdesk {

TraceFile open_trace_from_env(const char* env_var, const char* csv_header) {
  const char* path = std::getenv(env_var);
  if (path == nullptr || *path == '\0') return nullptr;
  TraceFile f(std::fopen(path, "w"));
  if (f) std::fputs(csv_header, f.get());
  return f;
}

}  // namespace elfdesk
