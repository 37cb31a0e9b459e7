//! ofs_cql: a narrow C ABI over ScyllaDB's CQL driver (crate `scylla`) for OFS's Cassandra store.
//! The contract (ownership, threading, errors) is in include/ofs_cql.h; this file keeps to it:
//! - every exported function catches panics and checks its pointers, and never unwinds into C;
//! - an asynchronous call converts (copies) its arguments before it returns, then either starts the
//!   operation and calls the callback exactly once on a driver thread, or returns an error result and
//!   never calls it;
//! - the driver serializes and deserializes every value (value.rs converts to and from `CqlValue`).

mod error;
mod value;

use std::ffi::{c_char, c_void, CStr};
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use futures::FutureExt;
use scylla::client::execution_profile::ExecutionProfile;
use scylla::client::session::{OpenSsl010Config, Session};
use scylla::client::session_builder::SessionBuilder;
use scylla::policies::load_balancing::DefaultPolicy;
use scylla::policies::speculative_execution::SimpleSpeculativeExecutionPolicy;
use scylla::response::query_result::QueryResult;
use scylla::response::{PagingState, PagingStateResponse};
use scylla::statement::batch::{Batch, BatchType};
use scylla::statement::prepared::PreparedStatement;
use scylla::statement::unprepared::Statement;
use scylla::statement::Consistency;
use scylla::value::Row;

use error::CqlError;
use value::{Bound, OfsCqlValue};

// ---- the runtime: one per process, created on first use

static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
static WORKER_THREADS: Mutex<usize> = Mutex::new(2);

fn runtime() -> Result<&'static tokio::runtime::Runtime, CqlError> {
    if let Some(rt) = RUNTIME.get() {
        return Ok(rt);
    }
    let threads = *WORKER_THREADS.lock().unwrap_or_else(|p| p.into_inner());
    let built = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads)
        .thread_name("ofs-cql")
        .enable_all()
        .build()
        .map_err(|e| CqlError::new(error::INTERNAL, format!("cannot start the driver runtime: {e}")))?;
    // A racing thread may have installed its runtime first: use that one, drop ours.
    let _ = RUNTIME.set(built);
    Ok(RUNTIME.get().expect("set above"))
}

// ---- handles

pub struct OfsCqlSession {
    session: Arc<Session>,
}

pub struct OfsCqlPrepared {
    statement: PreparedStatement,
}

struct Column {
    name: String,
    type_: i32,
}

pub struct OfsCqlResult {
    category: i32,
    message: String,
    columns: Vec<Column>,
    rows: usize,
    values: Vec<OfsCqlValue>, // rows * columns, pointing into `arena`
    arena: Vec<u8>,
    more_pages: bool,
    paging_state: Vec<u8>,
    session: Option<Box<OfsCqlSession>>,
    prepared: Option<Box<OfsCqlPrepared>>,
}

// The raw pointers inside `values` point into the result's own arena.
unsafe impl Send for OfsCqlResult {}

impl OfsCqlResult {
    fn empty() -> Self {
        OfsCqlResult {
            category: error::OK,
            message: String::new(),
            columns: Vec::new(),
            rows: 0,
            values: Vec::new(),
            arena: Vec::new(),
            more_pages: false,
            paging_state: Vec::new(),
            session: None,
            prepared: None,
        }
    }

    fn error(e: CqlError) -> Self {
        let mut r = Self::empty();
        r.category = e.category;
        r.message = e.message;
        r
    }

    fn from_query(qr: QueryResult, paging: Option<PagingStateResponse>) -> Self {
        let mut r = Self::empty();
        if let Some(PagingStateResponse::HasMorePages { state }) = paging {
            r.more_pages = true;
            r.paging_state = state.as_bytes_slice().map(|b| b.to_vec()).unwrap_or_default();
        }
        let Ok(rows) = qr.into_rows_result() else { return r };
        r.columns = rows
            .column_specs()
            .iter()
            .map(|spec| Column {
                name: spec.name().to_owned(),
                type_: value::column_tag(spec.typ()),
            })
            .collect();
        let iter = match rows.rows::<Row>() {
            Ok(iter) => iter,
            Err(e) => {
                return Self::error(CqlError::new(
                    error::INTERNAL,
                    format!("cannot read the rows: {e}"),
                ))
            }
        };
        let mut cells = Vec::new();
        for row in iter {
            match row {
                Ok(row) => {
                    for v in &row.columns {
                        cells.push(value::decode(v.as_ref(), &mut r.arena));
                    }
                    r.rows += 1;
                }
                Err(e) => {
                    return Self::error(CqlError::new(error::INTERNAL, format!("cannot read a row: {e}")))
                }
            }
        }
        let base = r.arena.as_ptr();
        r.values = cells
            .into_iter()
            .map(|c| OfsCqlValue {
                type_: c.type_,
                scale: c.scale,
                i64_: c.i64_,
                f64_: c.f64_,
                data: if c.len == 0 {
                    std::ptr::null()
                } else {
                    unsafe { base.add(c.offset) }
                },
                len: c.len,
            })
            .collect();
        r
    }
}

// ---- C types

pub type OfsCqlCallback = Option<unsafe extern "C" fn(user: *mut c_void, result: *mut OfsCqlResult)>;

#[repr(C)]
pub struct OfsCqlConfig {
    pub contact_points: *const *const c_char,
    pub contact_point_count: usize,
    pub local_dc: *const c_char,
    pub username: *const c_char,
    pub password: *const c_char,
    pub tls: i32,
    pub tls_ca_file: *const c_char,
    pub tls_verify: i32,
    pub connect_timeout_ms: u32,
    pub request_timeout_ms: u32,
    pub schema_agreement_timeout_ms: u32,
    pub speculative_max_retries: u32,
    pub speculative_delay_ms: u32,
}

#[repr(C)]
pub struct OfsCqlExecOptions {
    pub consistency: i32,
    pub has_timestamp: i32,
    pub timestamp_micros: i64,
    pub request_timeout_ms: u32,
    pub page_size: i32,
    pub paging_state: *const u8,
    pub paging_state_len: usize,
    pub idempotent: i32,
    pub logged_batch: i32,
}

#[repr(C)]
pub struct OfsCqlStatement {
    pub prepared: *const OfsCqlPrepared,
    pub values: *const OfsCqlValue,
    pub value_count: usize,
}

// ---- helpers

/// An owned copy of what an async call needs, made before it returns.
struct Options {
    consistency: Option<Consistency>,
    timestamp: Option<i64>,
    timeout: Option<Duration>,
    page_size: i32,
    paging_state: Option<Vec<u8>>,
    idempotent: bool,
    logged_batch: bool,
}

fn consistency(c: i32) -> Result<Option<Consistency>, CqlError> {
    Ok(Some(match c {
        0 => return Ok(None),
        1 => Consistency::Any,
        2 => Consistency::One,
        3 => Consistency::Two,
        4 => Consistency::Three,
        5 => Consistency::Quorum,
        6 => Consistency::All,
        7 => Consistency::LocalQuorum,
        8 => Consistency::EachQuorum,
        9 => Consistency::LocalOne,
        c => {
            return Err(CqlError::new(
                error::BAD_ARGUMENT,
                format!("unknown consistency {c}"),
            ))
        }
    }))
}

unsafe fn options(o: *const OfsCqlExecOptions) -> Result<Options, CqlError> {
    let mut out = Options {
        consistency: None,
        timestamp: None,
        timeout: None,
        page_size: 0,
        paging_state: None,
        idempotent: false,
        logged_batch: false,
    };
    let Some(o) = o.as_ref() else { return Ok(out) };
    out.consistency = consistency(o.consistency)?;
    out.timestamp = (o.has_timestamp != 0).then_some(o.timestamp_micros);
    out.timeout = (o.request_timeout_ms > 0).then(|| Duration::from_millis(o.request_timeout_ms as u64));
    out.page_size = o.page_size;
    if o.paging_state_len > 0 {
        if o.paging_state.is_null() {
            return Err(CqlError::new(
                error::BAD_ARGUMENT,
                "paging state has a length but no data",
            ));
        }
        out.paging_state = Some(std::slice::from_raw_parts(o.paging_state, o.paging_state_len).to_vec());
    }
    out.idempotent = o.idempotent != 0;
    out.logged_batch = o.logged_batch != 0;
    Ok(out)
}

unsafe fn values(v: *const OfsCqlValue, n: usize) -> Result<Vec<Bound>, CqlError> {
    if n == 0 {
        return Ok(Vec::new());
    }
    if v.is_null() {
        return Err(CqlError::new(error::BAD_ARGUMENT, "values missing"));
    }
    std::slice::from_raw_parts(v, n)
        .iter()
        .enumerate()
        .map(|(i, v)| {
            value::to_bound(v).map_err(|e| CqlError::new(error::BAD_ARGUMENT, format!("value {i}: {e}")))
        })
        .collect()
}

unsafe fn c_str(p: *const c_char, what: &str) -> Result<Option<String>, CqlError> {
    if p.is_null() {
        return Ok(None);
    }
    CStr::from_ptr(p)
        .to_str()
        .map(|s| Some(s.to_owned()))
        .map_err(|_| CqlError::new(error::BAD_ARGUMENT, format!("{what} is not UTF-8")))
}

unsafe fn text(p: *const c_char, len: usize) -> Result<String, CqlError> {
    if p.is_null() {
        return Err(CqlError::new(error::BAD_ARGUMENT, "statement text missing"));
    }
    String::from_utf8(std::slice::from_raw_parts(p as *const u8, len).to_vec())
        .map_err(|_| CqlError::new(error::BAD_ARGUMENT, "statement text is not UTF-8"))
}

struct Callback {
    f: unsafe extern "C" fn(*mut c_void, *mut OfsCqlResult),
    user: *mut c_void,
}
// The caller promises that `user` may be used from a driver thread (ofs_cql.h).
unsafe impl Send for Callback {}

impl Callback {
    fn call(self, r: OfsCqlResult) {
        let raw = Box::into_raw(Box::new(r));
        // The callback is C code: it cannot unwind.
        unsafe { (self.f)(self.user, raw) };
    }
}

/// Runs `fut` on the runtime and hands its result to the callback exactly once, also when `fut` panics.
fn spawn<F>(cb: Callback, fut: F) -> Result<(), CqlError>
where
    F: Future<Output = OfsCqlResult> + Send + 'static,
{
    let rt = runtime()?;
    rt.spawn(async move {
        let r = match AssertUnwindSafe(fut).catch_unwind().await {
            Ok(r) => r,
            Err(_) => OfsCqlResult::error(CqlError::new(error::INTERNAL, "the driver panicked")),
        };
        cb.call(r);
    });
    Ok(())
}

/// The common shape of every asynchronous entry point: `start` checks and copies the arguments and
/// returns the future; any error (or panic) before the spawn comes back as an error result.
fn start_async<S, F>(callback: OfsCqlCallback, user: *mut c_void, start: S) -> *mut OfsCqlResult
where
    S: FnOnce() -> Result<F, CqlError>,
    F: Future<Output = OfsCqlResult> + Send + 'static,
{
    let outcome = catch_unwind(AssertUnwindSafe(|| -> Result<(), CqlError> {
        let f = callback.ok_or_else(|| CqlError::new(error::BAD_ARGUMENT, "no callback"))?;
        let fut = start()?;
        spawn(Callback { f, user }, fut)
    }));
    match outcome {
        Ok(Ok(())) => std::ptr::null_mut(),
        Ok(Err(e)) => Box::into_raw(Box::new(OfsCqlResult::error(e))),
        Err(_) => Box::into_raw(Box::new(OfsCqlResult::error(CqlError::new(
            error::INTERNAL,
            "panic in ofs_cql",
        )))),
    }
}

fn exec_error(e: scylla::errors::ExecutionError) -> OfsCqlResult {
    OfsCqlResult::error(CqlError::new(error::execution(&e), e.to_string()))
}

fn guard<T>(default: T, f: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or(default)
}

// ---- sessions

struct SessionConfig {
    builder: SessionBuilder,
    overall_timeout: Duration,
}

unsafe fn session_config(c: &OfsCqlConfig) -> Result<SessionConfig, CqlError> {
    if c.contact_point_count == 0 || c.contact_points.is_null() {
        return Err(CqlError::new(error::BAD_ARGUMENT, "no contact points"));
    }
    let mut builder = SessionBuilder::new();
    for p in std::slice::from_raw_parts(c.contact_points, c.contact_point_count) {
        let point = c_str(*p, "contact point")?
            .ok_or_else(|| CqlError::new(error::BAD_ARGUMENT, "null contact point"))?;
        builder = builder.known_node(point);
    }
    let dc = c_str(c.local_dc, "local datacenter")?.filter(|d| !d.is_empty());
    let mut policy = DefaultPolicy::builder().token_aware(true);
    if let Some(dc) = &dc {
        policy = policy.prefer_datacenter(dc.clone()).permit_dc_failover(false);
    }
    let ms = |v: u32, default: u64| Duration::from_millis(if v == 0 { default } else { v as u64 });
    let connect_timeout = ms(c.connect_timeout_ms, 5000);
    let request_timeout = ms(c.request_timeout_ms, 1000);
    let mut profile = ExecutionProfile::builder()
        .load_balancing_policy(policy.build())
        .request_timeout(Some(request_timeout))
        .consistency(Consistency::LocalOne);
    if c.speculative_max_retries > 0 {
        profile = profile.speculative_execution_policy(Some(Arc::new(SimpleSpeculativeExecutionPolicy {
            max_retry_count: c.speculative_max_retries as usize,
            retry_interval: ms(c.speculative_delay_ms, 50),
        })));
    }
    builder = builder
        .default_execution_profile_handle(profile.build().into_handle())
        .connection_timeout(connect_timeout)
        .schema_agreement_timeout(ms(c.schema_agreement_timeout_ms, 10_000))
        // The driver waits for agreement after every DDL, polling system.local/peers: its default of 200 ms
        // between polls added ~100 ms to each table change on a single node (one cheap query per poll).
        .schema_agreement_interval(Duration::from_millis(20))
        .fetch_full_schema_metadata(false)
        .metadata_request_clientside_timeout(request_timeout.max(Duration::from_secs(2)));
    if let Some(user) = c_str(c.username, "username")?.filter(|u| !u.is_empty()) {
        let password = c_str(c.password, "password")?.unwrap_or_default();
        builder = builder.user(user, password);
    }
    if c.tls != 0 {
        builder = builder.tls_context(Some(tls_context(c)?));
    }
    Ok(SessionConfig {
        builder,
        overall_timeout: connect_timeout * 2 + request_timeout,
    })
}

unsafe fn tls_context(c: &OfsCqlConfig) -> Result<OpenSsl010Config, CqlError> {
    use openssl::ssl::{SslConnector, SslMethod, SslVerifyMode};
    let tls_error = |e: openssl::error::ErrorStack| CqlError::new(error::CONFIG, format!("TLS: {e}"));
    let mut builder = SslConnector::builder(SslMethod::tls()).map_err(tls_error)?;
    if let Some(ca) = c_str(c.tls_ca_file, "TLS CA file")?.filter(|f| !f.is_empty()) {
        builder
            .set_ca_file(&ca)
            .map_err(|e| CqlError::new(error::CONFIG, format!("TLS CA file {ca}: {e}")))?;
    }
    builder.set_verify(if c.tls_verify != 0 {
        SslVerifyMode::PEER
    } else {
        SslVerifyMode::NONE
    });
    Ok(OpenSsl010Config::new(builder))
}

/// Sets the number of driver threads; only before the first session opens. 0 on success, -1 when the
/// runtime already runs with another count, -2 for 0 threads.
#[no_mangle]
pub extern "C" fn ofs_cql_runtime_threads(worker_threads: u32) -> i32 {
    guard(-1, || {
        if worker_threads == 0 {
            return -2;
        }
        let mut n = WORKER_THREADS.lock().unwrap_or_else(|p| p.into_inner());
        if RUNTIME.get().is_some() {
            return if *n == worker_threads as usize { 0 } else { -1 };
        }
        *n = worker_threads as usize;
        0
    })
}

#[no_mangle]
pub unsafe extern "C" fn ofs_cql_session_open(
    config: *const OfsCqlConfig,
    callback: OfsCqlCallback,
    user: *mut c_void,
) -> *mut OfsCqlResult {
    start_async(callback, user, || {
        let c = config
            .as_ref()
            .ok_or_else(|| CqlError::new(error::BAD_ARGUMENT, "no config"))?;
        let cfg = session_config(c)?;
        Ok(async move {
            match tokio::time::timeout(cfg.overall_timeout, cfg.builder.build()).await {
                Ok(Ok(session)) => {
                    let mut r = OfsCqlResult::empty();
                    r.session = Some(Box::new(OfsCqlSession {
                        session: Arc::new(session),
                    }));
                    r
                }
                Ok(Err(e)) => OfsCqlResult::error(CqlError::new(error::new_session(&e), e.to_string())),
                Err(_) => OfsCqlResult::error(CqlError::new(
                    error::TIMEOUT,
                    format!("no session within {} ms", cfg.overall_timeout.as_millis()),
                )),
            }
        })
    })
}

#[no_mangle]
pub unsafe extern "C" fn ofs_cql_session_close(session: *mut OfsCqlSession) {
    guard((), || {
        if session.is_null() {
            return;
        }
        let s = Box::from_raw(session);
        // Dropped on the runtime: the driver's background tasks stop when the last reference goes
        // (in-flight operations hold their own), and the caller may be a thread without the runtime's
        // context, even one in the process's exit handlers.
        match RUNTIME.get() {
            Some(rt) => {
                rt.spawn(async move { drop(s) });
            }
            None => drop(s),
        }
    })
}

// ---- statements

const PREPARE_RETRIES: u32 = 4;
const PREPARE_RETRY_DELAY: Duration = Duration::from_millis(50);

#[no_mangle]
pub unsafe extern "C" fn ofs_cql_prepare(
    session: *const OfsCqlSession,
    cql: *const c_char,
    cql_len: usize,
    callback: OfsCqlCallback,
    user: *mut c_void,
) -> *mut OfsCqlResult {
    start_async(callback, user, || {
        let session = session_of(session)?;
        let statement = text(cql, cql_len)?;
        Ok(async move {
            // A statement prepared while its table is being created can meet a server error ("Unknown
            // CF" on Cassandra) until the schema settles; preparing is idempotent, so try again.
            let mut attempt = 0;
            loop {
                match session.prepare(statement.as_str()).await {
                    Ok(statement) => {
                        let mut r = OfsCqlResult::empty();
                        r.prepared = Some(Box::new(OfsCqlPrepared { statement }));
                        return r;
                    }
                    Err(e) if attempt < PREPARE_RETRIES && error::is_server_error(&e) => {
                        attempt += 1;
                        tokio::time::sleep(PREPARE_RETRY_DELAY * attempt).await;
                    }
                    Err(e) => return OfsCqlResult::error(CqlError::new(error::prepare(&e), e.to_string())),
                }
            }
        })
    })
}

#[no_mangle]
pub unsafe extern "C" fn ofs_cql_prepared_free(prepared: *mut OfsCqlPrepared) {
    guard((), || {
        if !prepared.is_null() {
            drop(Box::from_raw(prepared));
        }
    })
}

/// The shared session of a handle from `ofs_cql_session_open`.
unsafe fn session_of(session: *const OfsCqlSession) -> Result<Arc<Session>, CqlError> {
    session
        .as_ref()
        .map(|s| Arc::clone(&s.session))
        .ok_or_else(|| CqlError::new(error::BAD_ARGUMENT, "no session"))
}

/// Applies the per-call options to a prepared statement, an unprepared one or a batch: the driver has
/// the same setters on each, but no trait that names them.
macro_rules! apply_options {
    ($stmt:expr, $o:expr) => {{
        if let Some(c) = $o.consistency {
            $stmt.set_consistency(c);
        }
        $stmt.set_timestamp($o.timestamp);
        if $o.timeout.is_some() {
            $stmt.set_request_timeout($o.timeout);
        }
        $stmt.set_is_idempotent($o.idempotent);
    }};
}

/// Stores `value` through an optional out-parameter of the C ABI (null: the caller does not want it).
unsafe fn put<T>(out: *mut T, value: T) {
    if !out.is_null() {
        *out = value;
    }
}

#[no_mangle]
pub unsafe extern "C" fn ofs_cql_execute(
    session: *const OfsCqlSession,
    prepared: *const OfsCqlPrepared,
    values_ptr: *const OfsCqlValue,
    value_count: usize,
    exec: *const OfsCqlExecOptions,
    callback: OfsCqlCallback,
    user: *mut c_void,
) -> *mut OfsCqlResult {
    start_async(callback, user, || {
        let session = session_of(session)?;
        let p = prepared
            .as_ref()
            .ok_or_else(|| CqlError::new(error::BAD_ARGUMENT, "no statement"))?;
        let o = options(exec)?;
        let bound = values(values_ptr, value_count)?;
        let mut stmt = p.statement.clone();
        apply_options!(stmt, o);
        Ok(async move {
            if o.page_size > 0 {
                stmt.set_page_size(o.page_size);
                let state = match o.paging_state {
                    Some(b) => PagingState::new_from_raw_bytes(b),
                    None => PagingState::start(),
                };
                match session.execute_single_page(&stmt, bound, state).await {
                    Ok((qr, paging)) => OfsCqlResult::from_query(qr, Some(paging)),
                    Err(e) => exec_error(e),
                }
            } else {
                match session.execute_unpaged(&stmt, bound).await {
                    Ok(qr) => OfsCqlResult::from_query(qr, None),
                    Err(e) => exec_error(e),
                }
            }
        })
    })
}

#[no_mangle]
pub unsafe extern "C" fn ofs_cql_query(
    session: *const OfsCqlSession,
    cql: *const c_char,
    cql_len: usize,
    exec: *const OfsCqlExecOptions,
    callback: OfsCqlCallback,
    user: *mut c_void,
) -> *mut OfsCqlResult {
    start_async(callback, user, || {
        let session = session_of(session)?;
        let o = options(exec)?;
        let mut stmt = Statement::new(text(cql, cql_len)?);
        apply_options!(stmt, o);
        Ok(async move {
            match session.query_unpaged(stmt, ()).await {
                Ok(qr) => OfsCqlResult::from_query(qr, None),
                Err(e) => exec_error(e),
            }
        })
    })
}

#[no_mangle]
pub unsafe extern "C" fn ofs_cql_batch(
    session: *const OfsCqlSession,
    statements: *const OfsCqlStatement,
    statement_count: usize,
    exec: *const OfsCqlExecOptions,
    callback: OfsCqlCallback,
    user: *mut c_void,
) -> *mut OfsCqlResult {
    start_async(callback, user, || {
        let session = session_of(session)?;
        if statement_count == 0 || statements.is_null() {
            return Err(CqlError::new(error::BAD_ARGUMENT, "empty batch"));
        }
        if statement_count > u16::MAX as usize {
            return Err(CqlError::new(
                error::BAD_ARGUMENT,
                "more than 65535 statements in one batch",
            ));
        }
        let o = options(exec)?;
        let mut batch = Batch::new(if o.logged_batch {
            BatchType::Logged
        } else {
            BatchType::Unlogged
        });
        let mut all_values: Vec<Vec<Bound>> = Vec::with_capacity(statement_count);
        for (i, st) in std::slice::from_raw_parts(statements, statement_count)
            .iter()
            .enumerate()
        {
            let p = st
                .prepared
                .as_ref()
                .ok_or_else(|| CqlError::new(error::BAD_ARGUMENT, format!("statement {i} missing")))?;
            batch.append_statement(p.statement.clone());
            all_values.push(values(st.values, st.value_count)?);
        }
        apply_options!(batch, o);
        Ok(async move {
            match session.batch(&batch, all_values).await {
                Ok(qr) => OfsCqlResult::from_query(qr, None),
                Err(e) => exec_error(e),
            }
        })
    })
}

#[no_mangle]
pub unsafe extern "C" fn ofs_cql_await_schema_agreement(
    session: *const OfsCqlSession,
    callback: OfsCqlCallback,
    user: *mut c_void,
) -> *mut OfsCqlResult {
    start_async(callback, user, || {
        let session = session_of(session)?;
        Ok(async move {
            match session.await_schema_agreement().await {
                Ok(_) => OfsCqlResult::empty(),
                Err(e) => OfsCqlResult::error(CqlError::new(error::schema_agreement(&e), e.to_string())),
            }
        })
    })
}

// ---- results

#[no_mangle]
pub unsafe extern "C" fn ofs_cql_result_free(result: *mut OfsCqlResult) {
    guard((), || {
        if !result.is_null() {
            drop(Box::from_raw(result));
        }
    })
}

#[no_mangle]
pub unsafe extern "C" fn ofs_cql_result_error(
    result: *const OfsCqlResult,
    message: *mut *const c_char,
    message_len: *mut usize,
) -> i32 {
    guard(error::INTERNAL, || {
        let Some(r) = result.as_ref() else {
            return error::BAD_ARGUMENT;
        };
        put(message, r.message.as_ptr() as *const c_char);
        put(message_len, r.message.len());
        r.category
    })
}

#[no_mangle]
pub unsafe extern "C" fn ofs_cql_result_row_count(result: *const OfsCqlResult) -> usize {
    guard(0, || result.as_ref().map_or(0, |r| r.rows))
}

#[no_mangle]
pub unsafe extern "C" fn ofs_cql_result_column_count(result: *const OfsCqlResult) -> usize {
    guard(0, || result.as_ref().map_or(0, |r| r.columns.len()))
}

#[no_mangle]
pub unsafe extern "C" fn ofs_cql_result_column(
    result: *const OfsCqlResult,
    column: usize,
    name: *mut *const c_char,
    name_len: *mut usize,
) -> i32 {
    guard(-1, || {
        let Some(c) = result.as_ref().and_then(|r| r.columns.get(column)) else {
            return -1;
        };
        put(name, c.name.as_ptr() as *const c_char);
        put(name_len, c.name.len());
        c.type_
    })
}

#[no_mangle]
pub unsafe extern "C" fn ofs_cql_result_row(result: *const OfsCqlResult, row: usize) -> *const OfsCqlValue {
    guard(std::ptr::null(), || {
        let Some(r) = result.as_ref() else {
            return std::ptr::null();
        };
        if row >= r.rows || r.columns.is_empty() {
            return std::ptr::null();
        }
        r.values.as_ptr().add(row * r.columns.len())
    })
}

#[no_mangle]
pub unsafe extern "C" fn ofs_cql_result_paging_state(
    result: *const OfsCqlResult,
    data: *mut *const u8,
    len: *mut usize,
) -> i32 {
    guard(0, || {
        let Some(r) = result.as_ref() else { return 0 };
        put(data, r.paging_state.as_ptr());
        put(len, r.paging_state.len());
        r.more_pages as i32
    })
}

#[no_mangle]
pub unsafe extern "C" fn ofs_cql_result_take_session(result: *mut OfsCqlResult) -> *mut OfsCqlSession {
    guard(std::ptr::null_mut(), || {
        result
            .as_mut()
            .and_then(|r| r.session.take())
            .map_or(std::ptr::null_mut(), Box::into_raw)
    })
}

#[no_mangle]
pub unsafe extern "C" fn ofs_cql_result_take_prepared(result: *mut OfsCqlResult) -> *mut OfsCqlPrepared {
    guard(std::ptr::null_mut(), || {
        result
            .as_mut()
            .and_then(|r| r.prepared.take())
            .map_or(std::ptr::null_mut(), Box::into_raw)
    })
}
