#ifndef OFS_CQL_H_
#define OFS_CQL_H_
/* ofs_cql: a narrow C ABI over ScyllaDB's Rust CQL driver (crate `scylla`), built from native/cql/.
 * Hand-written; src/lib.rs implements exactly this.
 *
 * Threading. One multi-threaded tokio runtime per process runs the driver, created on first use
 * (ofs_cql_runtime_threads sets its size before that; default 2 worker threads). Every function may be
 * called from any thread, including from inside a callback.
 *
 * Asynchronous calls (session_open, prepare, execute, query, batch, await_schema_agreement) copy
 * everything they need before they return (values, statement text, paging state: the caller's buffers
 * may go at once) and then either
 *   - return NULL: the operation started, and `callback(user, result)` runs exactly once, later, on a
 *     driver thread (never inline). The callback owns `result` and frees it with ofs_cql_result_free;
 *     it must not block (post the work elsewhere); `user` must be usable from that thread; or
 *   - return a result holding the error (bad arguments, a value that does not convert): the callback
 *     never runs; the caller owns and frees that result.
 * Every request has a deadline (the session's request timeout unless the options set one), so the
 * callback always comes.
 *
 * Ownership. Handles (session, prepared statement, result) are owned by whoever receives them and freed
 * exactly once with their _free/_close function; NULL is accepted and ignored by each. Pointers read out
 * of a result (rows, values' data, names, messages, paging state) live as long as the result. A session
 * may be closed while operations run (they keep what they need); a prepared statement may be freed once
 * the calls that use it have returned (they copy it).
 *
 * Errors never unwind: Rust panics are caught at the boundary and reported as OFS_CQL_ERR_INTERNAL.
 */

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ofs_cql_session ofs_cql_session;
typedef struct ofs_cql_prepared ofs_cql_prepared;
typedef struct ofs_cql_result ofs_cql_result;

/* Value type tags. Writes take any but OTHER; reads produce any but UNSET. */
enum {
  OFS_CQL_NULL = 0,
  OFS_CQL_UNSET = 1,      /* bind only: leave the column as it is */
  OFS_CQL_TEXT = 2,       /* data = UTF-8 (also for `varchar`, an alias of text) */
  OFS_CQL_ASCII = 3,      /* data = ASCII bytes */
  OFS_CQL_BLOB = 4,       /* data = bytes */
  OFS_CQL_BOOLEAN = 5,    /* i64 = 0 or 1 */
  OFS_CQL_INT = 6,        /* i64 (within int32) */
  OFS_CQL_BIGINT = 7,     /* i64 */
  OFS_CQL_FLOAT = 8,      /* f64 (converted to float on write) */
  OFS_CQL_DOUBLE = 9,     /* f64 */
  OFS_CQL_TIMESTAMP = 10, /* i64 = milliseconds since the epoch */
  OFS_CQL_UUID = 11,      /* data = 16 bytes, RFC 4122 order */
  OFS_CQL_TIMEUUID = 12,  /* data = 16 bytes */
  OFS_CQL_INET = 13,      /* data = 4 (IPv4) or 16 (IPv6) bytes */
  OFS_CQL_VARINT = 14,    /* data = two's-complement big-endian integer, at least 1 byte */
  OFS_CQL_DECIMAL = 15,   /* data = unscaled value as VARINT; scale: value = unscaled * 10^-scale */
  OFS_CQL_OTHER = 16      /* read only: a CQL type OFS does not use (collections, smallint, date...) */
};

typedef struct ofs_cql_value {
  int32_t type;  /* OFS_CQL_* tag */
  int32_t scale; /* DECIMAL */
  int64_t i64;   /* BOOLEAN, INT, BIGINT, TIMESTAMP */
  double f64;    /* FLOAT, DOUBLE */
  const uint8_t*
      data; /* TEXT, ASCII, BLOB, UUID, TIMEUUID, INET, VARINT, DECIMAL; may be NULL when len = 0 */
  size_t len;
} ofs_cql_value;

/* Error categories (ofs_cql_result_error). 1-9 are retryable: the cluster or network, not the request. */
enum {
  OFS_CQL_OK = 0,
  OFS_CQL_ERR_UNAVAILABLE =
      1,                   /* not enough replicas alive, bootstrapping, read/write failure, server error */
  OFS_CQL_ERR_TIMEOUT = 2, /* client deadline, server read/write timeout, session open or schema agreement */
  OFS_CQL_ERR_OVERLOADED = 3, /* overloaded or rate limited */
  OFS_CQL_ERR_CONNECTION = 4, /* cannot connect, connection broken, no host in the datacenter */
  OFS_CQL_ERR_INVALID = 10,   /* the server rejected the request as invalid */
  OFS_CQL_ERR_SYNTAX = 11,
  OFS_CQL_ERR_UNAUTHORIZED = 12, /* authentication or authorization */
  OFS_CQL_ERR_CONFIG = 13,       /* configuration (TLS files, driver settings) or the server's config error */
  OFS_CQL_ERR_ALREADY_EXISTS = 14,
  OFS_CQL_ERR_NO_TABLE = 15,     /* INVALID naming a missing keyspace or table (from the server's message) */
  OFS_CQL_ERR_NO_COLUMN = 16,    /* INVALID naming a missing column (from the server's message) */
  OFS_CQL_ERR_BAD_ARGUMENT = 17, /* this API misused, or a value that does not fit its column's type */
  OFS_CQL_ERR_PROTOCOL = 18,     /* the server's protocol error (e.g. a paging state it cannot read) */
  OFS_CQL_ERR_INTERNAL = 19      /* anything else: a driver panic, an unexpected answer */
};
#define OFS_CQL_RETRYABLE(category) ((category) >= 1 && (category) <= 9)

/* Consistency levels (0 = the session default, LOCAL_ONE). */
enum {
  OFS_CQL_CL_DEFAULT = 0,
  OFS_CQL_CL_ANY = 1,
  OFS_CQL_CL_ONE = 2,
  OFS_CQL_CL_TWO = 3,
  OFS_CQL_CL_THREE = 4,
  OFS_CQL_CL_QUORUM = 5,
  OFS_CQL_CL_ALL = 6,
  OFS_CQL_CL_LOCAL_QUORUM = 7,
  OFS_CQL_CL_EACH_QUORUM = 8,
  OFS_CQL_CL_LOCAL_ONE = 9
};

/* A cluster to connect to. Strings are NUL-terminated; NULL or "" = not set. Times 0 = default. */
typedef struct ofs_cql_config {
  const char* const* contact_points; /* "host:port", at least one */
  size_t contact_point_count;
  const char* local_dc; /* set: DC-aware (only this datacenter's nodes), token-aware; else token-aware */
  const char* username; /* set: password authentication */
  const char* password;
  int32_t tls;                          /* nonzero: TLS (OpenSSL) */
  const char* tls_ca_file;              /* PEM file of CAs to trust (besides the system's) */
  int32_t tls_verify;                   /* nonzero: verify the node's certificate chain */
  uint32_t connect_timeout_ms;          /* per connection attempt; default 5000 */
  uint32_t request_timeout_ms;          /* default deadline of every request; default 1000 */
  uint32_t schema_agreement_timeout_ms; /* default 10000 */
  uint32_t speculative_max_retries;     /* 0: no speculative execution (idempotent requests only) */
  uint32_t speculative_delay_ms;        /* delay before each speculative attempt; default 50 */
} ofs_cql_config;

/* Per-request options; NULL = all defaults. */
typedef struct ofs_cql_exec_options {
  int32_t consistency;   /* OFS_CQL_CL_* */
  int32_t has_timestamp; /* nonzero: the write timestamp of the request (protocol-level default) */
  int64_t timestamp_micros;
  uint32_t request_timeout_ms; /* 0: the session's */
  int32_t page_size;           /* execute only: > 0 fetches one page of at most this many rows */
  const uint8_t* paging_state; /* execute with page_size: where to resume (from a previous result) */
  size_t paging_state_len;
  int32_t idempotent;   /* nonzero: the driver may retry and speculate */
  int32_t logged_batch; /* batch only: nonzero = LOGGED, else UNLOGGED */
} ofs_cql_exec_options;

typedef struct ofs_cql_statement {
  const ofs_cql_prepared* prepared;
  const ofs_cql_value* values;
  size_t value_count;
} ofs_cql_statement;

typedef void (*ofs_cql_callback)(void* user, ofs_cql_result* result);

/* Sets the driver's worker threads before the runtime starts: 0 = done (or already that many),
 * -1 = the runtime already runs with another count, -2 = 0 threads asked. */
int32_t ofs_cql_runtime_threads(uint32_t worker_threads);

/* Connects (control connection, then pools). The result carries the session: ofs_cql_result_take_session. */
ofs_cql_result* ofs_cql_session_open(const ofs_cql_config* config, ofs_cql_callback callback, void* user);
void ofs_cql_session_close(ofs_cql_session* session);

/* Prepares a statement. The result carries it: ofs_cql_result_take_prepared. */
ofs_cql_result* ofs_cql_prepare(const ofs_cql_session* session, const char* cql, size_t cql_len,
                                ofs_cql_callback callback, void* user);
void ofs_cql_prepared_free(ofs_cql_prepared* prepared);

/* Executes a prepared statement with `value_count` bound values (the driver checks them against the
 * statement's types). The result carries rows, and the paging state when options->page_size > 0. */
ofs_cql_result* ofs_cql_execute(const ofs_cql_session* session, const ofs_cql_prepared* prepared,
                                const ofs_cql_value* values, size_t value_count,
                                const ofs_cql_exec_options* options, ofs_cql_callback callback, void* user);

/* Executes unprepared text without values (DDL, system queries); not paged. DDL waits for schema
 * agreement before it completes. */
ofs_cql_result* ofs_cql_query(const ofs_cql_session* session, const char* cql, size_t cql_len,
                              const ofs_cql_exec_options* options, ofs_cql_callback callback, void* user);

/* One batch of 1..65535 prepared statements (UNLOGGED unless options->logged_batch). */
ofs_cql_result* ofs_cql_batch(const ofs_cql_session* session, const ofs_cql_statement* statements,
                              size_t statement_count, const ofs_cql_exec_options* options,
                              ofs_cql_callback callback, void* user);

/* Completes once every node reports the same schema version (or with OFS_CQL_ERR_TIMEOUT). */
ofs_cql_result* ofs_cql_await_schema_agreement(const ofs_cql_session* session, ofs_cql_callback callback,
                                               void* user);

/* Results. */
void ofs_cql_result_free(ofs_cql_result* result);
/* The category (OFS_CQL_OK when the operation succeeded) and the driver's message (not NUL-terminated). */
int32_t ofs_cql_result_error(const ofs_cql_result* result, const char** message, size_t* message_len);
size_t ofs_cql_result_row_count(const ofs_cql_result* result);
size_t ofs_cql_result_column_count(const ofs_cql_result* result);
/* The column's CQL type as an OFS_CQL_* tag and its name (not NUL-terminated); -1 when out of range. */
int32_t ofs_cql_result_column(const ofs_cql_result* result, size_t column, const char** name,
                              size_t* name_len);
/* The row's column_count values, or NULL when out of range (or when there are no columns). */
const ofs_cql_value* ofs_cql_result_row(const ofs_cql_result* result, size_t row);
/* 1 when more pages follow, with the state to resume from; 0 when the query is exhausted. */
int32_t ofs_cql_result_paging_state(const ofs_cql_result* result, const uint8_t** data, size_t* len);
/* Moves the session / prepared statement out of a successful open / prepare result (NULL otherwise). */
ofs_cql_session* ofs_cql_result_take_session(ofs_cql_result* result);
ofs_cql_prepared* ofs_cql_result_take_prepared(ofs_cql_result* result);

#ifdef __cplusplus
}
#endif

#endif /* OFS_CQL_H_ */
