//! The error categories of ofs_cql.h: what the caller needs to decide (retry or not, which answer),
//! taken from the driver's error types; the driver's message travels along for logs.

use scylla::errors::{
    ConnectionPoolError, DbError, ExecutionError, NewSessionError, PrepareError, RequestAttemptError,
    SchemaAgreementError,
};

pub const OK: i32 = 0;
// Retryable: the cluster or the network, not the request.
pub const UNAVAILABLE: i32 = 1;
pub const TIMEOUT: i32 = 2;
pub const OVERLOADED: i32 = 3;
pub const CONNECTION: i32 = 4;
// Not retryable: the request (or the caller's configuration) is wrong.
pub const INVALID: i32 = 10;
pub const SYNTAX: i32 = 11;
pub const UNAUTHORIZED: i32 = 12;
pub const CONFIG: i32 = 13;
pub const ALREADY_EXISTS: i32 = 14;
pub const NO_TABLE: i32 = 15;
pub const NO_COLUMN: i32 = 16;
pub const BAD_ARGUMENT: i32 = 17;
pub const PROTOCOL: i32 = 18;
pub const INTERNAL: i32 = 19;

pub struct CqlError {
    pub category: i32,
    pub message: String,
}

impl CqlError {
    pub fn new(category: i32, message: impl Into<String>) -> Self {
        CqlError {
            category,
            message: message.into(),
        }
    }
}

/// Cassandra and ScyllaDB answer a statement naming a missing keyspace, table or column with an
/// INVALID error; the message tells which (the wording of Cassandra 4/5 and ScyllaDB).
fn invalid_kind(message: &str) -> i32 {
    let m = message.to_ascii_lowercase();
    if m.contains("unconfigured table")
        || (m.contains("keyspace") && m.contains("does not exist"))
        || m.contains("table") && m.contains("does not exist")
    {
        NO_TABLE
    } else if m.contains("undefined column name") || m.contains("undefined name") {
        NO_COLUMN
    } else {
        INVALID
    }
}

fn db_error(e: &DbError, message: &str) -> i32 {
    match e {
        DbError::Unavailable { .. } | DbError::IsBootstrapping | DbError::ReadFailure { .. } => UNAVAILABLE,
        DbError::WriteFailure { .. } | DbError::ServerError | DbError::TruncateError => UNAVAILABLE,
        DbError::ReadTimeout { .. } | DbError::WriteTimeout { .. } => TIMEOUT,
        DbError::Overloaded | DbError::RateLimitReached { .. } => OVERLOADED,
        DbError::SyntaxError => SYNTAX,
        DbError::Invalid => invalid_kind(message),
        DbError::AlreadyExists { .. } => ALREADY_EXISTS,
        DbError::Unauthorized | DbError::AuthenticationError => UNAUTHORIZED,
        DbError::ConfigError => CONFIG,
        DbError::ProtocolError => PROTOCOL,
        _ => INTERNAL,
    }
}

fn attempt(e: &RequestAttemptError) -> i32 {
    match e {
        RequestAttemptError::DbError(db, message) => db_error(db, message),
        RequestAttemptError::UnableToAllocStreamId | RequestAttemptError::BrokenConnectionError(_) => {
            CONNECTION
        }
        RequestAttemptError::SerializationError(_) => BAD_ARGUMENT,
        _ => INTERNAL,
    }
}

fn pool(_: &ConnectionPoolError) -> i32 {
    CONNECTION
}

pub fn prepare(e: &PrepareError) -> i32 {
    match e {
        PrepareError::ConnectionPoolError(p) => pool(p),
        PrepareError::AllAttemptsFailed { first_attempt } => attempt(first_attempt),
        _ => INTERNAL,
    }
}

/// The server's "internal error" answer to a prepare: transient while a table is being created.
pub fn is_server_error(e: &PrepareError) -> bool {
    matches!(
        e,
        PrepareError::AllAttemptsFailed {
            first_attempt: RequestAttemptError::DbError(DbError::ServerError, _)
        }
    )
}

pub fn schema_agreement(e: &SchemaAgreementError) -> i32 {
    match e {
        SchemaAgreementError::ConnectionPoolError(p) => pool(p),
        SchemaAgreementError::RequestError(a) => attempt(a),
        SchemaAgreementError::Timeout(_) => TIMEOUT,
        _ => INTERNAL,
    }
}

pub fn execution(e: &ExecutionError) -> i32 {
    match e {
        ExecutionError::BadQuery(_) => BAD_ARGUMENT,
        ExecutionError::EmptyPlan => CONNECTION,
        ExecutionError::PrepareError(p) => prepare(p),
        ExecutionError::ConnectionPoolError(p) => pool(p),
        ExecutionError::LastAttemptError(a) => attempt(a),
        ExecutionError::RequestTimeout(_) => TIMEOUT,
        ExecutionError::SchemaAgreementError(s) => schema_agreement(s),
        _ => INTERNAL,
    }
}

pub fn new_session(e: &NewSessionError) -> i32 {
    match e {
        NewSessionError::IllegalConfig(_) => CONFIG,
        // A failed authentication reaches here as a broken control connection; its text tells.
        _ if e.to_string().to_ascii_lowercase().contains("authenticat") => UNAUTHORIZED,
        _ => CONNECTION,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_schema_is_told_apart() {
        assert_eq!(invalid_kind("unconfigured table users"), NO_TABLE);
        assert_eq!(invalid_kind("Keyspace 'ofs_t1' does not exist"), NO_TABLE);
        assert_eq!(
            invalid_kind("Undefined column name age in table ofs.users"),
            NO_COLUMN
        );
        assert_eq!(invalid_kind("Key may not be empty"), INVALID);
    }
}
