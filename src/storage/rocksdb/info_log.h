#pragma once
// RocksDB's info log, routed to OFS's log (module "rocksdb") instead of a LOG file in the data
// directory. Why: RocksDB 7.8's file logger (EnvLogger) appends through a WritableFileWriter, and
// Debian builds RocksDB with assertions on: once one append to LOG fails (a full disk), the next log
// line aborts the process (WritableFileWriter::AssertFalseAndGetStatusForPrevError). RocksDB logs on
// every error it handles, so a full disk crashed OFS at its first failed write and at every restart.
// Levels: RocksDB's warnings and errors keep their level; its info, header and debug lines are OFS
// debug lines (RocksDB formats them only when the "rocksdb" logger is at debug or below).
// Thread-safety: RocksDB calls the logger from any thread; so may everyone.

#include <rocksdb/env.h>

#include <memory>

namespace ofs::storage::rocks {

std::shared_ptr<rocksdb::Logger> NewInfoLog();

}  // namespace ofs::storage::rocks
