#include "populate/load_spec.h"

#include <unordered_set>

namespace ofs::populate {

Result<PreparedLoad> PrepareLoad(const LoadSpec& spec, const catalog::Snapshot& snapshot) {
  const catalog::GroupEntry* group = snapshot.FindGroup(spec.group_name, spec.group_version);
  if (group == nullptr) {
    if (spec.group_version && snapshot.HasGroup(spec.group_name)) {
      return Status(
          ErrorCode::kFeatureGroupVersionNotFound,
          "feature group '" + spec.group_name + "' has no version " + std::to_string(*spec.group_version));
    }
    return Status(ErrorCode::kFeatureGroupNotFound, "feature group '" + spec.group_name + "' not found");
  }
  if (group->meta.state == model::State::kArchived) {
    return Status(ErrorCode::kFeatureGroupState,
                  "feature group '" + spec.group_name + "' is archived: no loads");
  }
  if (spec.from_version && spec.to_version && *spec.from_version > *spec.to_version) {
    return Status(ErrorCode::kInvalidRequest, "fromVersion " + std::to_string(*spec.from_version) +
                                                  " is after toVersion " + std::to_string(*spec.to_version));
  }
  delta::OpenOptions options{spec.storage_options, spec.to_version.value_or(-1), spec.batch_rows};
  PreparedLoad load;
  OFS_ASSIGN_OR_RETURN(load.table, delta::DeltaTable::Open(spec.table_path, options));
  OFS_ASSIGN_OR_RETURN(load.plan, LoadPlan::Build(load.table->columns(), *group, spec.columns));
  OFS_ASSIGN_OR_RETURN(load.scan, load.table->Scan(load.plan.DeltaColumnNames()));
  std::unordered_set<std::string> before;
  if (spec.from_version) {
    delta::OpenOptions base = options;
    base.version = *spec.from_version;
    OFS_ASSIGN_OR_RETURN(std::shared_ptr<delta::DeltaTable> base_table,
                         delta::DeltaTable::Open(spec.table_path, base));
    // Only its file paths are needed: scan every column (the loaded ones may not exist at that version).
    OFS_ASSIGN_OR_RETURN(std::unique_ptr<delta::DeltaScan> base_scan, base_table->Scan({}));
    for (const delta::DataFile& file : base_scan->files()) before.insert(file.path);
  }
  const std::vector<delta::DataFile>& files = load.scan->files();
  for (size_t i = 0; i < files.size(); ++i) {
    if (before.contains(files[i].path)) continue;
    load.files.push_back(i);
    if (load.records_estimate >= 0)
      load.records_estimate = files[i].records < 0 ? -1 : load.records_estimate + files[i].records;
  }
  return load;
}

}  // namespace ofs::populate
