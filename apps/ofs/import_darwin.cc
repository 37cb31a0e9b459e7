#include "import_darwin.h"

#include <chrono>
#include <iostream>

#include "admin/darwin_import.h"
#include "base/clock.h"
#include "base/strings.h"
#include "command_support.h"
#include "metadata_selection.h"
#include "net/http_client.h"

namespace ofs::app {
namespace {

struct Dump {
  const char* path;
  const char* what;
};
constexpr Dump kEntities{"/entity/all", "entity dump"};
constexpr Dump kFeatureGroups{"/feature-group/all", "feature group dump"};
constexpr Dump kVersions{"/feature-group/version/all", "version dump"};

Result<std::vector<std::pair<std::string, std::string>>> ParseHeaders(const std::vector<std::string>& lines) {
  std::vector<std::pair<std::string, std::string>> headers;
  for (const std::string& line : lines) {
    const size_t colon = line.find(':');
    if (colon == std::string::npos || colon == 0) {
      return Status(ErrorCode::kInvalidRequest, "--header '" + line + "' is not 'Name: value'");
    }
    headers.emplace_back(std::string(Trim(std::string_view(line).substr(0, colon))),
                         std::string(Trim(std::string_view(line).substr(colon + 1))));
  }
  return headers;
}

// GETs one dump from the admin and returns its JSON document. The admin's error answers (non-2xx) are
// reported with their body, which names Darwin's error code.
Result<std::string> FetchDump(const ImportDarwinFlags& flags,
                              const std::vector<std::pair<std::string, std::string>>& headers,
                              const Dump& dump) {
  std::string base = flags.admin_url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  net::HttpRequest request;
  request.url = base + dump.path;
  request.headers = headers;
  request.timeout = std::chrono::milliseconds(flags.timeout_ms);
  request.max_response_bytes = static_cast<size_t>(flags.max_dump_mb) << 20;
  OFS_ASSIGN_OR_RETURN(net::HttpReply reply, net::Send(request));
  if (reply.status < 200 || reply.status > 299) {
    return Status(ErrorCode::kAdminService,
                  "GET " + request.url + " answered " + std::to_string(reply.status),
                  reply.body.substr(0, 500));
  }
  Result<std::string> json = admin::UnwrapDarwinDump(reply.body, request.max_response_bytes);
  if (!json.ok()) {
    return Status(
        json.status().code(),
        "the " + std::string(dump.what) + " (" + request.url + ") " + std::string(json.status().message()),
        std::string(json.status().cause()));
  }
  return json;
}

Result<admin::DarwinCatalog> FetchCatalog(const ImportDarwinFlags& flags) {
  OFS_ASSIGN_OR_RETURN(auto headers, ParseHeaders(flags.headers));
  admin::DarwinCatalog catalog;
  OFS_ASSIGN_OR_RETURN(std::string entities, FetchDump(flags, headers, kEntities));
  OFS_RETURN_IF_ERROR(admin::ParseEntityDump(entities, &catalog.entities));
  OFS_ASSIGN_OR_RETURN(std::string groups, FetchDump(flags, headers, kFeatureGroups));
  OFS_RETURN_IF_ERROR(admin::ParseFeatureGroupDump(groups, &catalog.versions));
  OFS_ASSIGN_OR_RETURN(std::string versions, FetchDump(flags, headers, kVersions));
  OFS_RETURN_IF_ERROR(admin::ParseVersionDump(versions, &catalog.heads));
  return catalog;
}

}  // namespace

void AddImportDarwinFlags(CLI::App* command, ImportDarwinFlags* flags) {
  command
      ->add_option("--admin-url", flags->admin_url,
                   "Base URL of the Darwin admin, e.g. http://darwin-admin:8081")
      ->required();
  AddMetadataFlags(command, &flags->metadata_url, &flags->data_dir);
  command->add_option("--header", flags->headers, "'Name: value' sent with each dump request (repeatable)");
  command->add_option("--timeout-ms", flags->timeout_ms, "Deadline of each dump request")
      ->check(CLI::Range(int64_t{1}, int64_t{3600000}))
      ->capture_default_str();
  command->add_option("--max-dump-mb", flags->max_dump_mb, "Largest dump accepted, inflated")
      ->check(CLI::Range(int64_t{1}, int64_t{16384}))
      ->capture_default_str();
  command->add_flag("--dry-run", flags->dry_run, "Report what would be registered; change nothing");
}

int RunImportDarwin(const ImportDarwinFlags& flags) {
  Result<MetadataSelection> selection = ParseMetadataSelection(flags.metadata_url);
  if (!selection.ok()) return CommandFailure("import-darwin", "--metadata", selection.status(), 2);
  Result<admin::DarwinCatalog> catalog = FetchCatalog(flags);
  if (!catalog.ok()) return CommandFailure("import-darwin", "--admin-url", catalog.status());
  std::cout << "read " << catalog->entities.size() << " entities and " << catalog->versions.size()
            << " feature group versions from " << flags.admin_url << "\n";
  const std::string store_flag = "--metadata (" + selection->description + ")";
  Result<std::unique_ptr<catalog::MetadataStore>> store = OpenCommandMetadata(*selection, flags.data_dir);
  if (!store.ok()) return CommandFailure("import-darwin", store_flag, store.status());
  Result<admin::ImportReport> report =
      admin::ImportDarwinCatalog(*catalog, **store, SystemClock::Default()->NowMillis(), flags.dry_run);
  if (!report.ok()) return CommandFailure("import-darwin", store_flag, report.status());
  const char* verb = flags.dry_run ? "would be registered" : "registered";
  std::cout << "entities: " << report->entities_created << " " << verb << ", " << report->entities_unchanged
            << " already present\n"
            << "feature group versions: " << report->versions_created << " " << verb << ", "
            << report->versions_unchanged << " already present\n";
  for (const std::string& problem : report->problems) std::cout << "not imported: " << problem << "\n";
  return report->problems.empty() ? 0 : 3;
}

}  // namespace ofs::app
