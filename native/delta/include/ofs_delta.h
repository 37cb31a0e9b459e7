#ifndef OFS_DELTA_H_
#define OFS_DELTA_H_
/* ofs_delta: a narrow C ABI over delta-kernel-rs (crates delta_kernel + delta_kernel_default_engine),
 * built from native/delta/. Hand-written; src/lib.rs implements exactly this. The C++ owner is
 * src/delta/delta_table.h.
 *
 * A table handle is one snapshot (one version) of a Delta table, with the kernel's default engine (a
 * background thread for object-store I/O). A scan handle lists that snapshot's data files for a set of
 * columns (log replay, checkpoints, removes and deletion vectors resolved by the kernel) and reads any
 * one of them as an Arrow C stream of logical batches: partition columns filled, column mapping
 * applied, rows hidden by a deletion vector left out.
 *
 * Threading: a table or scan may be used from several threads at once (reads of different files run in
 * parallel); a stream belongs to one thread at a time.
 * Ownership: handles are freed exactly once with their _free function (NULL is ignored). A stream may
 * outlive its scan and its table. Error messages are freed with ofs_delta_string_free.
 * Errors never unwind: panics are caught at the boundary (OFS_DELTA_ERR_INTERNAL).
 */

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The Arrow C Data Interface and C Stream Interface structures, as the Arrow specification defines
 * them for consumers to declare (https://arrow.apache.org/docs/format/CDataInterface.html): an ABI,
 * guarded so that a translation unit that also includes Arrow's own declarations compiles. */
#ifndef ARROW_C_DATA_INTERFACE
#define ARROW_C_DATA_INTERFACE
#define ARROW_FLAG_DICTIONARY_ORDERED 1
#define ARROW_FLAG_NULLABLE 2
#define ARROW_FLAG_MAP_KEYS_SORTED 4
struct ArrowSchema {
  const char* format;
  const char* name;
  const char* metadata;
  int64_t flags;
  int64_t n_children;
  struct ArrowSchema** children;
  struct ArrowSchema* dictionary;
  void (*release)(struct ArrowSchema*);
  void* private_data;
};
struct ArrowArray {
  int64_t length;
  int64_t null_count;
  int64_t offset;
  int64_t n_buffers;
  int64_t n_children;
  const void** buffers;
  struct ArrowArray** children;
  struct ArrowArray* dictionary;
  void (*release)(struct ArrowArray*);
  void* private_data;
};
#endif
#ifndef ARROW_C_STREAM_INTERFACE
#define ARROW_C_STREAM_INTERFACE
struct ArrowArrayStream {
  int (*get_schema)(struct ArrowArrayStream*, struct ArrowSchema* out);
  int (*get_next)(struct ArrowArrayStream*, struct ArrowArray* out);
  const char* (*get_last_error)(struct ArrowArrayStream*);
  void (*release)(struct ArrowArrayStream*);
  void* private_data;
};
#endif

/* Result codes. */
#define OFS_DELTA_OK 0
#define OFS_DELTA_ERR_INVALID 1   /* bad arguments: malformed location or option, unknown column, index */
#define OFS_DELTA_ERR_NOT_FOUND 2 /* no Delta table at the location, or not that version */
#define OFS_DELTA_ERR_IO 3        /* the storage is unreachable or failed: worth retrying later */
#define OFS_DELTA_ERR_DATA 4      /* a corrupt log or file, or a table feature the kernel cannot read */
#define OFS_DELTA_ERR_INTERNAL 5  /* a panic or an internal error */

typedef struct OfsDeltaTable ofs_delta_table;
typedef struct OfsDeltaScan ofs_delta_scan;

/* Opens the table at `location`, a URL (file://, s3://, ...) or a local path, at `version` (< 0: the
 * latest). `option_keys`/`option_values` (`option_count` each) configure the object store with the
 * object_store crate's keys (e.g. aws_endpoint, aws_region, aws_access_key_id, aws_secret_access_key,
 * aws_allow_http). `batch_rows` (> 0) caps the rows of one Arrow batch. On success *table_out is set.
 * On failure a code is returned and *message_out (when not NULL) receives the reason. */
int32_t ofs_delta_table_open(const char* location, const char* const* option_keys,
                             const char* const* option_values, size_t option_count, int64_t version,
                             size_t batch_rows, ofs_delta_table** table_out, char** message_out);
void ofs_delta_table_free(ofs_delta_table* table);
/* The snapshot's version (-1 for NULL). */
int64_t ofs_delta_table_version(const ofs_delta_table* table);
/* The logical schema as an Arrow struct schema, one child per column; the caller releases it. */
int32_t ofs_delta_table_schema(const ofs_delta_table* table, struct ArrowSchema* schema_out,
                               char** message_out);

/* Lists the snapshot's data files for reading the named logical columns (`column_count` names; 0: all
 * columns, in the table's order). Reads the log (and checkpoints) once. */
int32_t ofs_delta_scan_open(const ofs_delta_table* table, const char* const* columns, size_t column_count,
                            ofs_delta_scan** scan_out, char** message_out);
void ofs_delta_scan_free(ofs_delta_scan* scan);
size_t ofs_delta_scan_file_count(const ofs_delta_scan* scan);
/* Data file `index`: its path as the log names it (relative to the table root, or a full URL; valid as
 * long as the scan), its size in bytes, the record count of its stats (-1 when the log has none; with a
 * deletion vector it includes the deleted rows), and 1 when a deletion vector hides some of its rows.
 * Any out pointer may be NULL. OFS_DELTA_ERR_INVALID for an index out of range. */
int32_t ofs_delta_scan_file(const ofs_delta_scan* scan, size_t index, const char** path_out,
                            int64_t* size_out, int64_t* records_out, int32_t* has_deletion_vector_out);
/* Starts reading data file `index` into *stream_out: batches of the scan's columns (the stream's schema,
 * the same for every batch). A read error ends the stream: get_next returns non-zero and get_last_error
 * tells why, its text holding "[ofs_delta N] " where N is the error's OFS_DELTA_ERR_* code, then the
 * message. The caller releases the stream. */
int32_t ofs_delta_scan_read_file(const ofs_delta_scan* scan, size_t index,
                                 struct ArrowArrayStream* stream_out, char** message_out);

void ofs_delta_string_free(char* text);

#ifdef __cplusplus
}
#endif

#endif /* OFS_DELTA_H_ */
