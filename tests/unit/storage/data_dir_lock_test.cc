#include "storage/data_dir_lock.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <optional>
#include <string>

#include "temp_dir.h"

namespace runnel::storage {
namespace {

// Whether a fresh process can take the lock on `dir` (its exit code says).
bool another_process_can_lock(const std::string& dir) {
  pid_t pid = ::fork();
  if (pid == 0) _exit(lock_data_dir(dir).ok() ? 0 : 1);
  int status = 0;
  EXPECT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status));
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

TEST(DataDirLockTest, ASecondLockOnTheSameDirFailsWithAClearMessage) {
  TempDir dir;
  auto first = lock_data_dir(dir.path());
  ASSERT_TRUE(first.ok()) << first.status().to_string();
  EXPECT_EQ(first->path(), dir.path() + "/.lock");
  auto second = lock_data_dir(dir.path());
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), Errc::kIo);
  EXPECT_NE(second.status().to_string().find("another runnel process"), std::string::npos);
  EXPECT_FALSE(another_process_can_lock(dir.path()));
}

TEST(DataDirLockTest, ReleasedWhenTheHolderGoes) {
  TempDir dir;
  {
    auto lock = lock_data_dir(dir.path());
    ASSERT_TRUE(lock.ok());
  }
  EXPECT_TRUE(another_process_can_lock(dir.path()));
  EXPECT_TRUE(lock_data_dir(dir.path()).ok());
}

TEST(DataDirLockTest, AMovedLockIsStillHeldAndReleasedOnce) {
  TempDir dir;
  std::optional<DataDirLock> held;
  {
    auto lock = lock_data_dir(dir.path());
    ASSERT_TRUE(lock.ok());
    DataDirLock moved = std::move(*lock);
    held.emplace(std::move(moved));
  }  // the moved-from objects release nothing
  EXPECT_FALSE(lock_data_dir(dir.path()).ok());
  held.reset();
  EXPECT_TRUE(lock_data_dir(dir.path()).ok());
}

TEST(DataDirLockTest, RecordsTheHoldersPid) {
  TempDir dir;
  auto lock = lock_data_dir(dir.path());
  ASSERT_TRUE(lock.ok());
  std::ifstream in(lock->path());
  long pid = 0;
  in >> pid;
  EXPECT_EQ(pid, static_cast<long>(::getpid()));
}

TEST(DataDirLockTest, DifferentDirsAreIndependent) {
  TempDir a, b;
  auto la = lock_data_dir(a.path());
  auto lb = lock_data_dir(b.path());
  EXPECT_TRUE(la.ok());
  EXPECT_TRUE(lb.ok());
}

TEST(DataDirLockTest, AMissingDirIsAnError) {
  TempDir dir;
  auto lock = lock_data_dir(dir.path() + "/missing");
  ASSERT_FALSE(lock.ok());
  EXPECT_EQ(lock.status().code(), Errc::kIo);
}

}  // namespace
}  // namespace runnel::storage
