// The remedy families, each adding its remedies to a catalogue. Internal to elfdesk_remedies.
#pragma once
#include "common/remedies/remedy.hpp"

namespace elfdesk::remedies {

void add_file_remedies(RemedyCatalogue& catalogue);     // largest_dirs, empty_trash, clear_cache
void add_process_remedies(RemedyCatalogue& catalogue);  // terminate_process
void add_system_remedies(RemedyCatalogue& catalogue);   // restart_user_unit and the administrator actions

}  // namespace elfdesk::remedies
