#include "command_support.h"

#include <filesystem>
#include <iostream>

namespace ofs::app {

void AddMetadataFlags(CLI::App* command, std::string* metadata_url, std::string* data_dir) {
  command
      ->add_option("--metadata", *metadata_url,
                   "The metadata store (as metadata.url: sqlite, sqlite:PATH, mysql://...)")
      ->envname("OFS_METADATA")
      ->capture_default_str();
  command->add_option("--data-dir", *data_dir, "Data directory (for --metadata sqlite)")
      ->envname("OFS_DATA_DIR")
      ->capture_default_str();
}

Result<std::unique_ptr<catalog::MetadataStore>> OpenCommandMetadata(const MetadataSelection& selection,
                                                                    const std::string& data_dir) {
  if (selection.engine == MetadataSelection::Engine::kSqlite) {
    const std::filesystem::path dir = selection.sqlite_path.empty()
                                          ? std::filesystem::path(data_dir)
                                          : std::filesystem::path(selection.sqlite_path).parent_path();
    std::error_code ec;
    if (!dir.empty()) std::filesystem::create_directories(dir, ec);  // an error shows when the file opens
  }
  return OpenMetadataStore(selection, data_dir, nullptr);
}

int CommandFailure(std::string_view command, std::string_view setting, const Status& status, int exit_code) {
  std::cerr << "ofs " << command << ": " << setting << ": " << status.message();
  if (!status.cause().empty()) std::cerr << " (" << status.cause() << ")";
  std::cerr << "\n";
  return exit_code;
}

}  // namespace ofs::app
