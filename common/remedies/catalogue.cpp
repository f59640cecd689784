#include "common/remedies/families.hpp"

namespace elfdesk::remedies {

const RemedyCatalogue& builtin_catalogue() {
  static const RemedyCatalogue catalogue = [] {
    RemedyCatalogue c;
    add_file_remedies(c);
    add_process_remedies(c);
    add_system_remedies(c);
    return c;
  }();
  return catalogue;
}

}  // namespace elfdesk::remedies
