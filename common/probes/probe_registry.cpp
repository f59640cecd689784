// family_registry() and builtin_registry(): the probes elfdesk ships.
#include "common/probes/families.hpp"

namespace elfdesk::probes {

ProbeRegistry family_registry() {
  ProbeRegistry registry;
  for (auto make : {system_probe_info, cpu_probe_info, memory_probe_info, disk_probe_info, processes_probe_info,
                    network_probe_info, services_logs_probe_info, time_probe_info, display_probe_info}) {
    (void)registry.add(make());  // names are distinct constants; add() cannot fail here
  }
  return registry;
}

ProbeRegistry builtin_registry() {
  ProbeRegistry registry = family_registry();
  (void)registry.add(triage_probe_info());
  (void)registry.add(history_probe_info());
  return registry;
}

}  // namespace elfdesk::probes
