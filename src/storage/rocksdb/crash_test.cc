// Durability under a process crash (API.md section 5: acknowledged writes survive). The parent forks a
// child that re-executes this binary as RocksStoreCrashTest.ChildWriter (exec, so the child starts
// without the parent's threads); the child writes rows with sync_writes and reports every
// acknowledged row id through a pipe; the parent SIGKILLs it mid-stream, reopens the database and
// reads every acknowledged row back.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "storage/rocksdb/rocks_store.h"
#include "storage/testing/conformance.h"

extern char** environ;

namespace ofs::storage {
namespace {

constexpr char kDirEnv[] = "OFS_CRASH_CHILD_DIR";
constexpr char kFdEnv[] = "OFS_CRASH_ACK_FD";
constexpr int kWriterThreads = 2;
constexpr size_t kKillAfterAcks = 400;
constexpr int64_t kMaxRowsPerThread = 1'000'000;

model::TableSpec Table() {
  return model::TableSpec{
      7, "crash", {{1, "id", model::DataType::kBigint}}, {{2, "v", model::DataType::kText}}, 0};
}

std::string ValueOf(int64_t id) { return "row-" + std::to_string(id) + std::string(100, 'x'); }

std::unique_ptr<RocksStore> Open(const std::string& dir) {
  RocksStoreOptions options;
  options.path = dir;
  options.block_cache_bytes = 8 << 20;
  options.sync_writes = true;
  Result<std::unique_ptr<RocksStore>> store = RocksStore::Open(options);
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  return store.ok() ? std::move(store).value() : nullptr;
}

Status WriteRow(RocksStore* store, int64_t id) {
  const model::TableSpec table = Table();
  const std::string key = testing::Int64Value(id);
  const std::string value = ValueOf(id);
  const std::string_view key_view = key;
  const Cell cell{2, value};
  const storage::WriteRow row{std::span<const std::string_view>(&key_view, 1),
                              std::span<const Cell>(&cell, 1)};
  Status result;
  store->Write(WriteRequest{"crash", &table, id + 1, std::span<const storage::WriteRow>(&row, 1)},
               [&result](Status s) { result = std::move(s); });
  return result;
}

// Reads acknowledged ids until `want` arrived, EOF, or a quiet minute.
void ReadAcks(int fd, size_t want, std::set<int64_t>* acks) {
  while (acks->size() < want) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 60'000) <= 0) return;
    int64_t id = 0;
    const ssize_t n = read(fd, &id, sizeof(id));
    if (n != static_cast<ssize_t>(sizeof(id))) return;  // EOF (ids are written atomically, never split)
    acks->insert(id);
  }
}

TEST(RocksStoreCrashTest, ChildWriter) {
  const char* dir = getenv(kDirEnv);
  const char* fd_text = getenv(kFdEnv);
  if (dir == nullptr || fd_text == nullptr)
    GTEST_SKIP() << "runs only as the child of AcknowledgedWritesSurviveSigkill";
  const int fd = atoi(fd_text);
  std::unique_ptr<RocksStore> store = Open(dir);
  ASSERT_NE(store, nullptr);
  std::vector<std::thread> threads;
  for (int t = 0; t < kWriterThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int64_t i = 0; i < kMaxRowsPerThread; ++i) {
        const int64_t id = i * kWriterThreads + t;
        if (!WriteRow(store.get(), id).ok()) return;
        if (write(fd, &id, sizeof(id)) != static_cast<ssize_t>(sizeof(id))) return;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
}

TEST(RocksStoreCrashTest, AcknowledgedWritesSurviveSigkill) {
  std::string dir = (std::filesystem::temp_directory_path() / "ofs-crash-XXXXXX").string();
  ASSERT_NE(mkdtemp(dir.data()), nullptr);
  const std::string db_dir = dir + "/db";
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);

  // Everything the child needs is prepared before fork: between fork and exec only async-signal-safe calls.
  std::string self(4096, '\0');
  const ssize_t self_len = readlink("/proc/self/exe", self.data(), self.size() - 1);
  ASSERT_GT(self_len, 0);
  self.resize(static_cast<size_t>(self_len));
  std::string filter = "--gtest_filter=RocksStoreCrashTest.ChildWriter";
  std::vector<std::string> env_strings = {std::string(kDirEnv) + "=" + db_dir,
                                          std::string(kFdEnv) + "=" + std::to_string(fds[1])};
  std::vector<char*> env;
  for (char** e = environ; *e != nullptr; ++e) env.push_back(*e);
  for (std::string& s : env_strings) env.push_back(s.data());
  env.push_back(nullptr);
  std::vector<char*> argv = {self.data(), filter.data(), nullptr};
  const int dev_null = open("/dev/null", O_WRONLY);
  ASSERT_GE(dev_null, 0);

  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    close(fds[0]);
    dup2(dev_null, STDOUT_FILENO);
    execve(self.c_str(), argv.data(), env.data());
    _exit(127);
  }
  close(fds[1]);
  close(dev_null);

  std::set<int64_t> acks;
  ReadAcks(fds[0], kKillAfterAcks, &acks);
  kill(child, SIGKILL);
  int wstatus = 0;
  ASSERT_EQ(waitpid(child, &wstatus, 0), child);
  EXPECT_TRUE(WIFSIGNALED(wstatus) && WTERMSIG(wstatus) == SIGKILL) << "the child ended before it was killed";
  ReadAcks(fds[0], SIZE_MAX, &acks);  // acknowledgements already in the pipe
  close(fds[0]);
  ASSERT_GE(acks.size(), kKillAfterAcks);

  std::unique_ptr<RocksStore> store = Open(db_dir);
  ASSERT_NE(store, nullptr);
  const model::TableSpec table = Table();
  std::vector<std::string> keys;
  for (int64_t id : acks) keys.push_back(testing::Int64Value(id));
  const std::vector<std::string_view> key_views(keys.begin(), keys.end());
  const std::vector<uint32_t> columns = {2};
  RowSet rows;
  Status result;
  store->MultiGet(ReadRequest{"crash", &table, key_views, columns}, &rows,
                  [&result](Status s) { result = std::move(s); });
  ASSERT_TRUE(result.ok()) << result.ToString();
  size_t row = 0;
  for (int64_t id : acks) {
    const std::string expected = ValueOf(id);
    EXPECT_TRUE(rows.found(row)) << "acknowledged row " << id << " lost";
    EXPECT_EQ(rows.cell(row, 0), std::optional<std::string_view>(expected)) << id;
    ++row;
  }
  store.reset();
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
}

}  // namespace
}  // namespace ofs::storage
