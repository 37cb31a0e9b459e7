#pragma once
// What the one-shot commands (`ofs import-darwin`, `ofs backup`, `ofs restore`) share: the metadata
// store flags, opening that store, and the one-line error they end with.

#include <CLI/CLI.hpp>
#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"
#include "catalog/metadata_store.h"
#include "metadata_selection.h"

namespace ofs::app {

// --metadata (OFS_METADATA, as metadata.url) and --data-dir (OFS_DATA_DIR, for --metadata sqlite).
void AddMetadataFlags(CLI::App* command, std::string* metadata_url, std::string* data_dir);

// Opens the selected store as OpenMetadataStore does, making a SQLite file's directory first (a server
// engine's missing database is created by OpenMetadataStore): a command may name a store not made yet.
Result<std::unique_ptr<catalog::MetadataStore>> OpenCommandMetadata(const MetadataSelection& selection,
                                                                    const std::string& data_dir);

// Prints "ofs COMMAND: SETTING: message (cause)" to stderr and returns `exit_code`.
int CommandFailure(std::string_view command, std::string_view setting, const Status& status,
                   int exit_code = 1);

}  // namespace ofs::app
