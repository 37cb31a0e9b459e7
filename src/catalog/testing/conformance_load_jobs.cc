// The load-job part of the MetadataStore conformance suite (metadata_store.h, "bulk load jobs"): planning
// and file claims with leases, retries and their limit, counts made once, the run record at the end, and
// claims by several workers (several stores over one database) never handing out one file twice.

#include <atomic>
#include <mutex>
#include <set>
#include <thread>

#include "catalog/testing/conformance.h"

namespace ofs::catalog::testing {
namespace {

model::LoadJob Job(std::string group = "Clicks") {
  model::LoadJob job;
  job.request = R"({"tablePath":"/t"})";
  job.group_name = std::move(group);
  job.group_version = "v1";
  job.table_path = "/t";
  job.run_id = "load-1";
  job.write_time_ms = 5;
  job.created_at = 1000;
  return job;
}

std::vector<model::LoadFileEntry> Files(int n) {
  std::vector<model::LoadFileEntry> files;
  for (int i = 0; i < n; ++i) files.push_back({"part-" + std::to_string(i) + ".parquet", 10});
  return files;
}

constexpr int64_t kMaxAttempts = 3;

}  // namespace

void LinkLoadJobConformance() {}

TEST_P(MetadataStoreConformance, LoadJobIsPlannedThenItsFilesClaimedAndCountedOnce) {
  CreateUser();
  CreateGroup(Group("Clicks"));
  auto created = store_->CreateLoadJob(Job());
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  EXPECT_EQ(created->state, model::kLoadQueued);
  EXPECT_EQ(created->table_version, -1);

  auto plan = store_->ClaimLoadWork("w1", 2000, 12000, kMaxAttempts);
  ASSERT_TRUE(plan.ok() && plan->has_value()) << plan.status().ToString();
  EXPECT_EQ((*plan)->file_no, -1);
  EXPECT_EQ((*plan)->job.id, created->id);
  // Held: nobody else plans it, and there is no file yet.
  auto nothing = store_->ClaimLoadWork("w2", 2001, 12001, kMaxAttempts);
  ASSERT_TRUE(nothing.ok());
  EXPECT_FALSE(nothing->has_value());
  EXPECT_FALSE(*store_->PlanLoadJob(created->id, "w2", 7, Files(2), 2002));  // not w2's
  ASSERT_TRUE(*store_->PlanLoadJob(created->id, "w1", 7, Files(2), 2002));

  auto job = store_->GetLoadJob(created->id);
  ASSERT_TRUE(job.ok());
  EXPECT_EQ(job->state, model::kLoadRunning);
  EXPECT_EQ(job->table_version, 7);
  EXPECT_EQ(job->files_total, 2);
  EXPECT_EQ(job->rows_total, 20);
  EXPECT_EQ(job->started_at, 2002);

  auto a = store_->ClaimLoadWork("w1", 3000, 13000, kMaxAttempts);
  auto b = store_->ClaimLoadWork("w2", 3000, 13000, kMaxAttempts);
  ASSERT_TRUE(a.ok() && a->has_value() && b.ok() && b->has_value());
  EXPECT_EQ((*a)->file_no, 0);
  EXPECT_EQ((*b)->file_no, 1);
  EXPECT_EQ((*a)->path, "part-0.parquet");
  EXPECT_EQ((*a)->attempt, 1);
  EXPECT_TRUE(*store_->RenewLoadLease(created->id, 0, "w1", 14000));
  EXPECT_FALSE(*store_->RenewLoadLease(created->id, 0, "w2", 14000));

  EXPECT_FALSE(*store_->FinishLoadFile(created->id, 0, "w2", 10, 0, "", 4000));  // not w2's: not counted
  EXPECT_TRUE(*store_->FinishLoadFile(created->id, 0, "w1", 10, 0, "", 4000));
  EXPECT_FALSE(*store_->FinishLoadFile(created->id, 0, "w1", 10, 0, "", 4001));  // counted once
  EXPECT_EQ(store_->GetLoadJob(created->id)->state, model::kLoadRunning);
  EXPECT_TRUE(*store_->FinishLoadFile(created->id, 1, "w2", 8, 2, "row 3: bad", 5000));

  job = store_->GetLoadJob(created->id);
  EXPECT_EQ(job->state, model::kLoadSucceeded);
  EXPECT_EQ(job->files_done, 2);
  EXPECT_EQ(job->rows_loaded, 18);
  EXPECT_EQ(job->rows_failed, 2);
  EXPECT_EQ(job->error_sample, "row 3: bad");
  EXPECT_EQ(job->finished_at, 5000);
  auto runs = store_->ListRuns("clicks", "v1", 10);
  ASSERT_TRUE(runs.ok());
  ASSERT_EQ(runs->size(), 1u);
  EXPECT_EQ((*runs)[0].run_id, "load-1");
  EXPECT_EQ((*runs)[0].count, 18);
  EXPECT_EQ((*runs)[0].status, "PARTIAL");
  EXPECT_EQ((*runs)[0].time_taken, 5000 - 2002);
  auto none = store_->ClaimLoadWork("w1", 6000, 16000, kMaxAttempts);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
}

TEST_P(MetadataStoreConformance, LoadJobWithoutFilesSucceedsAtOnce) {
  CreateUser();
  CreateGroup(Group("Clicks"));
  auto created = store_->CreateLoadJob(Job());
  ASSERT_TRUE(created.ok());
  ASSERT_TRUE(store_->ClaimLoadWork("w1", 2000, 12000, kMaxAttempts)->has_value());
  ASSERT_TRUE(*store_->PlanLoadJob(created->id, "w1", 3, {}, 2001));
  EXPECT_EQ(store_->GetLoadJob(created->id)->state, model::kLoadSucceeded);
  EXPECT_EQ(store_->ListRuns("clicks", "v1", 10)->at(0).status, "SUCCESS");
}

TEST_P(MetadataStoreConformance, ExpiredLeasesAreClaimedAgainUpToTheAttemptLimit) {
  CreateUser();
  CreateGroup(Group("Clicks"));
  auto created = store_->CreateLoadJob(Job());
  ASSERT_TRUE(created.ok());
  ASSERT_TRUE(store_->ClaimLoadWork("w1", 1000, 2000, kMaxAttempts)->has_value());
  ASSERT_TRUE(*store_->PlanLoadJob(created->id, "w1", 1, Files(1), 1001));
  // Attempt 1 by w1, whose lease runs out (a killed worker); attempt 2 by w2.
  ASSERT_EQ((*store_->ClaimLoadWork("w1", 1100, 1500, kMaxAttempts))->attempt, 1);
  EXPECT_FALSE(store_->ClaimLoadWork("w2", 1400, 2400, kMaxAttempts)->has_value());  // lease still held
  auto again = store_->ClaimLoadWork("w2", 1600, 2600, kMaxAttempts);
  ASSERT_TRUE(again->has_value());
  EXPECT_EQ((*again)->attempt, 2);
  EXPECT_FALSE(*store_->FinishLoadFile(created->id, 0, "w1", 10, 0, "", 1700));  // w1 lost it
  // Nor may w1 give it back or fail the job: the claim is w2's now.
  ASSERT_TRUE(store_->AbandonLoadWork(created->id, 0, "w1", "stale", /*retry=*/false, 1650).ok());
  ASSERT_TRUE(store_->AbandonLoadWork(created->id, 0, "w1", "stale", /*retry=*/true, 1650).ok());
  EXPECT_EQ(store_->GetLoadJob(created->id)->state, model::kLoadRunning);
  EXPECT_TRUE(*store_->RenewLoadLease(created->id, 0, "w2", 2600));
  // A retryable failure: claimable again after the retry delay, with the error kept on the job.
  ASSERT_TRUE(store_->AbandonLoadWork(created->id, 0, "w2", "s3 unreachable", /*retry=*/true, 1700).ok());
  EXPECT_EQ(store_->GetLoadJob(created->id)->error, "s3 unreachable");
  EXPECT_FALSE(store_->ClaimLoadWork("w1", 1701, 2701, kMaxAttempts)->has_value());  // within the delay
  auto third = store_->ClaimLoadWork("w1", 1700 + 60'000, 1700 + 70'000, kMaxAttempts);
  ASSERT_TRUE(third->has_value());
  EXPECT_EQ((*third)->attempt, 3);
  // Its lease expires too: attempts are used up, so the job fails with a reason and a FAILED run.
  auto exhausted = store_->ClaimLoadWork("w2", 1700 + 80'000, 1700 + 90'000, kMaxAttempts);
  ASSERT_TRUE(exhausted.ok());
  EXPECT_FALSE(exhausted->has_value());
  auto job = store_->GetLoadJob(created->id);
  EXPECT_EQ(job->state, model::kLoadFailed);
  EXPECT_NE(job->error.find("part-0.parquet failed 3 attempts"), std::string::npos) << job->error;
  EXPECT_NE(job->error.find("s3 unreachable"), std::string::npos) << job->error;
  EXPECT_EQ(store_->ListRuns("clicks", "v1", 10)->at(0).status, "FAILED");
}

TEST_P(MetadataStoreConformance, AFailureThatRetryingCannotFixFailsTheJob) {
  CreateUser();
  CreateGroup(Group("Clicks"));
  auto created = store_->CreateLoadJob(Job());
  ASSERT_TRUE(created.ok());
  ASSERT_TRUE(store_->ClaimLoadWork("w1", 1000, 9000, kMaxAttempts)->has_value());
  ASSERT_TRUE(
      store_->AbandonLoadWork(created->id, -1, "w1", "column x does not convert", /*retry=*/false, 1100)
          .ok());
  auto job = store_->GetLoadJob(created->id);
  EXPECT_EQ(job->state, model::kLoadFailed);
  EXPECT_EQ(job->error, "column x does not convert");
  EXPECT_EQ(job->finished_at, 1100);
  EXPECT_FALSE(store_->ClaimLoadWork("w1", 1200, 9000, kMaxAttempts)->has_value());
  EXPECT_EQ(store_->GetLoadJob(created->id + 1000).status().code(), ErrorCode::kNotFound);
  auto listed = store_->ListLoadJobs(10);
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].id, created->id);
}

// Workers in other processes (other stores over the same database) claiming at once: every file is
// handed out exactly once, and the job ends SUCCEEDED with every row counted once.
TEST_P(MetadataStoreConformance, RacingWorkersClaimEachFileOnce) {
  CreateUser();
  CreateGroup(Group("Clicks"));
  auto created = store_->CreateLoadJob(Job());
  ASSERT_TRUE(created.ok());
  ASSERT_TRUE(store_->ClaimLoadWork("planner", 1000, 900'000, kMaxAttempts)->has_value());
  constexpr int kFiles = 40;
  ASSERT_TRUE(*store_->PlanLoadJob(created->id, "planner", 1, Files(kFiles), 1001));
  std::vector<std::unique_ptr<MetadataStore>> workers;
  for (int i = 0; i < 3; ++i) {
    workers.push_back(OpenAnother());
    ASSERT_NE(workers.back(), nullptr);
  }
  std::mutex mu;
  std::multiset<int64_t> claimed;
  std::atomic<int> errors{0};
  std::vector<std::thread> threads;
  for (size_t w = 0; w < workers.size(); ++w) {
    threads.emplace_back([&, w] {
      const std::string name = "w" + std::to_string(w);
      for (;;) {
        auto claim = workers[w]->ClaimLoadWork(name, 2000, 900'000, kMaxAttempts);
        if (!claim.ok()) {
          ++errors;
          return;
        }
        if (!claim->has_value()) return;
        {
          std::lock_guard lock(mu);
          claimed.insert((*claim)->file_no);
        }
        auto done = workers[w]->FinishLoadFile(created->id, (*claim)->file_no, name, 10, 0, "", 3000);
        if (!done.ok() || !*done) ++errors;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(claimed.size(), static_cast<size_t>(kFiles));
  EXPECT_EQ(std::set<int64_t>(claimed.begin(), claimed.end()).size(), static_cast<size_t>(kFiles));
  auto job = store_->GetLoadJob(created->id);
  EXPECT_EQ(job->state, model::kLoadSucceeded);
  EXPECT_EQ(job->rows_loaded, 10 * kFiles);
  EXPECT_EQ(job->files_done, kFiles);
  EXPECT_EQ(store_->ListRuns("clicks", "v1", 10)->size(), 1u);
}

}  // namespace ofs::catalog::testing
