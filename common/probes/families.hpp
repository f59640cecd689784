// The ProbeInfo (name, description, argument schema, function) of each probe family.
// One source file per family; internal to elfdesk_probes (use family_registry()/builtin_registry()).
#pragma once
#include "common/probes/probe.hpp"

namespace elfdesk::probes {

ProbeInfo system_probe_info();
ProbeInfo cpu_probe_info();
ProbeInfo memory_probe_info();
ProbeInfo disk_probe_info();
ProbeInfo processes_probe_info();
ProbeInfo network_probe_info();
ProbeInfo services_logs_probe_info();
ProbeInfo time_probe_info();
ProbeInfo display_probe_info();
ProbeInfo triage_probe_info();
ProbeInfo history_probe_info();  // history_probe.cpp: not a family, triage does not run it

}  // namespace elfdesk::probes
