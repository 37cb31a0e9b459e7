// `ofs admin --metadata URL --store URL --port P`: the admin API of a fleet, run once. It changes the
// metadata store (MySQL/MariaDB shared with the serve nodes) and creates tables in the online store; it
// needs both to answer.
#include "role.h"

namespace ofs::app {

RolePlan AdminRole() {
  return {.name = "admin",
          .description =
              "The admin API of a fleet (one per fleet): --metadata mysql://... --store "
              "cassandra://... --port P",
          .admin_api = true};
}

}  // namespace ofs::app
