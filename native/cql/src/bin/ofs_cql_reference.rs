//! ofs_cql_reference: the storage limit of the Cassandra benchmark (bench/README.md, "Cassandra").
//!
//! The CQL driver OFS uses (crate `scylla`, the version and features of this crate's Cargo.toml and
//! Cargo.lock) in a tight loop, without OFS around it: the statements `CassandraStore`
//! (src/storage/cassandra/cassandra_store.cc) runs for each benchmark scenario, with its consistency
//! levels and its driver settings (native/cql/src/lib.rs), against the keyspace and tables an OFS run
//! created and loaded. It is a bin of the native/cql package only for that reason, sharing its lock file
//! and target directory; it does not use the library (a staticlib cannot be linked by Rust) and is
//! built with the `reference` feature in native/CMakeLists.txt's one cargo run, beside the library.
//!
//! Kinds (one "request" = what one OFS HTTP request makes the store do):
//!   read       one point read: prepared `SELECT <value columns> FROM ks.t WHERE k1 = ? [AND k2 = ?...]`
//!              at the read consistency (MultiGet with one key)
//!   read100    --keys distinct keys, the same statement once per key, all in flight at once (at most
//!              max_in_flight_per_request, 128, as the store's fan-out)
//!   partition  `SELECT <key columns>, <value columns> FROM ks.t WHERE k1 = ?`, paged as ScanPartition
//!              pages (page size min(limit - rows so far, 5000), next page while Cassandra has more and
//!              the limit is not reached; limit = the server's partition page, --limit; a full page with
//!              more to come is followed by ScanJob's probe, page size 1, for whether a row remains)
//!   write100   --write-rows rows of distinct keys with generated values:
//!              `INSERT INTO ks.t (<keys>, <value columns>) VALUES (?, ...) USING TTL ?`, the rows grouped
//!              by partition key, one partition's rows as one UNLOGGED batch (one row: a plain execute),
//!              at most max_rows_per_batch rows per batch, partitions concurrently (at most 128 at once),
//!              each with the request's timestamp (the protocol's timestamp field, i.e. USING TIMESTAMP),
//!              at the write consistency, idempotent; TTL bound from the table's default_time_to_live
//!              (= the TableSpec's TTL the store binds)
//! The column list and types come from system_schema; key values are integers in [0, --entities) times
//! --key-stride (the bench dataset's keys), text keys their decimal form; feature values are generated
//! per CQL type from a pool. Every result is deserialized into the driver's `Row` (a `CqlValue` per
//! cell): what a client must do to use the values; OFS then also converts them to its own encoding.
//!
//! Driver settings as native/cql/src/lib.rs's `session_config` for the same `cassandra://` URL (the one
//! the OFS run is given): token-aware DefaultPolicy (DC preferred and no DC failover when `dc=` is set),
//! the request timeout in the default execution profile, LOCAL_ONE default consistency, connection
//! timeout, no full schema metadata, speculative execution when the URL asks for it; a multi-thread
//! tokio runtime with --worker-threads (lib.rs's default: 2). Pin the process with taskset as the server.
//!
//! Modes: closed (each of --concurrency workers sends its next request when the previous one finished;
//! after --warmup, counts for --duration: the max) and open (--rate requests/s in total on a fixed
//! schedule: worker c sends its k-th request at t0 + (c + k * C) / rate, or when its previous one
//! finished if later; latency from the intended time, no coordinated omission; the schedule is kept by
//! a thread sleeping with 1 µs timer slack, as bench/loadgen.cc's epoll_pwait2). Prints one JSON line
//! with the fields of ofs_loadgen's (rps, rows_per_s, latency_us, errors, not_found, achieved_rps...) and
//! cpu_s: this process's CPU time during the measured window. Exit 0, or 2 when the run failed.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use futures::future::join_all;
use futures::stream::{FuturesUnordered, StreamExt};
use scylla::client::execution_profile::ExecutionProfile;
use scylla::client::session::Session;
use scylla::client::session_builder::SessionBuilder;
use scylla::policies::load_balancing::DefaultPolicy;
use scylla::policies::speculative_execution::SimpleSpeculativeExecutionPolicy;
use scylla::response::{PagingState, PagingStateResponse};
use scylla::statement::batch::{Batch, BatchType};
use scylla::statement::prepared::PreparedStatement;
use scylla::statement::unprepared::Statement;
use scylla::statement::Consistency;
use scylla::value::{CqlValue, Row};

const MAX_PAGE_ROWS: i32 = 5000; // cassandra_store.cc kMaxPageRows

// ---- options

#[derive(Clone, Copy, PartialEq, Debug)]
enum Kind {
    Read,
    Read100,
    Partition,
    Write100,
}

#[derive(Clone)]
struct Url {
    hosts: Vec<String>,
    keyspace: String,
    dc: String,
    read_consistency: Consistency,
    write_consistency: Consistency,
    connect_timeout_ms: u64,
    request_timeout_ms: u64,
    speculative_retries: u32,
    speculative_delay_ms: u64,
}

struct Options {
    url: Url,
    table: String,
    kind: Kind,
    entities: u64,
    key_stride: u64,
    keys: usize,
    write_rows: usize,
    limit: usize,
    concurrency: usize,
    duration: f64,
    warmup: f64,
    rate: f64,
    drain: f64,
    seed: u64,
    worker_threads: usize,
    max_in_flight_per_request: usize,
    max_rows_per_batch: usize,
    max_error_rate: f64,
    watch_pids: Vec<u32>,
    exec: Vec<String>,
}

fn usage(why: &str) -> ! {
    eprintln!(
        "ofs_cql_reference: {why}\n\
         usage: ofs_cql_reference --url cassandra://HOST:PORT[,...]/KEYSPACE[?options] --table T\n\
         \x20 --kind read|read100|partition|write100 --entities N [--key-stride S] [--keys 100]\n\
         \x20 [--write-rows 100] [--limit 100000] [--concurrency 64] [--duration 10] [--warmup 2]\n\
         \x20 [--rate R (open loop)] [--drain S] [--seed S] [--worker-threads 2]\n\
         \x20 [--max-in-flight-per-request 128] [--max-rows-per-batch 1000] [--max-error-rate 0.01]\n\
         \x20 [--watch-pids PID,... (their CPU time over the window too)]\n\
         \x20 or: ofs_cql_reference --url URL --exec CQL [--exec CQL...] (statements, e.g. DROP KEYSPACE)"
    );
    std::process::exit(64)
}

fn parse_consistency(s: &str) -> Consistency {
    match s.to_ascii_uppercase().as_str() {
        "ANY" => Consistency::Any,
        "ONE" => Consistency::One,
        "TWO" => Consistency::Two,
        "THREE" => Consistency::Three,
        "QUORUM" => Consistency::Quorum,
        "ALL" => Consistency::All,
        "LOCAL_QUORUM" => Consistency::LocalQuorum,
        "EACH_QUORUM" => Consistency::EachQuorum,
        "LOCAL_ONE" => Consistency::LocalOne,
        _ => usage(&format!("unknown consistency {s}")),
    }
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The subset of cassandra_options.h's URL that changes what the driver does; options the reference
/// cannot honour (credentials, TLS) are refused rather than ignored.
fn parse_url(url: &str) -> Url {
    let rest = url
        .strip_prefix("cassandra://")
        .unwrap_or_else(|| usage("--url must start with cassandra://"));
    let (authority, path_query) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let (path, query) = match path_query.find('?') {
        Some(i) => (&path_query[..i], &path_query[i + 1..]),
        None => (path_query, ""),
    };
    let hosts: Vec<String> = authority
        .split(',')
        .filter(|h| !h.is_empty())
        .map(|h| {
            let port_sep = h.rfind(':').filter(|&i| !h[i..].contains(']'));
            if port_sep.is_some() {
                h.to_owned()
            } else {
                format!("{h}:9042")
            }
        })
        .collect();
    if hosts.is_empty() {
        usage("--url has no host");
    }
    let keyspace = path.trim_start_matches('/');
    let mut u = Url {
        hosts,
        keyspace: if keyspace.is_empty() {
            "ofs".into()
        } else {
            percent_decode(keyspace)
        },
        dc: String::new(),
        read_consistency: Consistency::LocalOne,
        write_consistency: Consistency::LocalQuorum,
        connect_timeout_ms: 5000,
        request_timeout_ms: 1000,
        speculative_retries: 0,
        speculative_delay_ms: 50,
    };
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let v = percent_decode(v);
        let num = |v: &str| {
            v.parse::<u64>()
                .unwrap_or_else(|_| usage(&format!("bad number for {k}")))
        };
        match k {
            "dc" => u.dc = v,
            "read_consistency" => u.read_consistency = parse_consistency(&v),
            "write_consistency" => u.write_consistency = parse_consistency(&v),
            "connect_timeout_ms" => u.connect_timeout_ms = num(&v),
            "request_timeout_ms" => u.request_timeout_ms = num(&v),
            "speculative_retries" => u.speculative_retries = num(&v) as u32,
            "speculative_delay_ms" => u.speculative_delay_ms = num(&v),
            "replication_factor" => {} // schema only
            other => usage(&format!("the reference does not support the URL option {other}")),
        }
    }
    u
}

fn parse_options() -> Options {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut o = Options {
        url: parse_url("cassandra://127.0.0.1:9042/ofs"),
        table: String::new(),
        kind: Kind::Read,
        entities: 0,
        key_stride: 1,
        keys: 100,
        write_rows: 100,
        limit: 100_000,
        concurrency: 64,
        duration: 10.0,
        warmup: 2.0,
        rate: 0.0,
        drain: 2.0,
        seed: 42,
        worker_threads: 2,
        max_in_flight_per_request: 128,
        max_rows_per_batch: 1000,
        max_error_rate: 0.01,
        watch_pids: Vec::new(),
        exec: Vec::new(),
    };
    let mut url_given = false;
    let mut i = 0;
    while i < args.len() {
        let flag = args[i].as_str();
        if flag == "--help" || flag == "-h" {
            usage("help");
        }
        let v = args
            .get(i + 1)
            .unwrap_or_else(|| usage(&format!("{flag} needs a value")));
        let f = |v: &str| -> f64 {
            v.parse::<f64>()
                .ok()
                .filter(|x| x.is_finite() && *x >= 0.0)
                .unwrap_or_else(|| usage(&format!("bad value for {flag}")))
        };
        let n = |v: &str| -> u64 {
            v.parse::<u64>()
                .unwrap_or_else(|_| usage(&format!("bad value for {flag}")))
        };
        match flag {
            "--url" => {
                o.url = parse_url(v);
                url_given = true;
            }
            "--table" => o.table = v.to_ascii_lowercase(),
            "--kind" => {
                o.kind = match v.as_str() {
                    "read" => Kind::Read,
                    "read100" => Kind::Read100,
                    "partition" => Kind::Partition,
                    "write100" => Kind::Write100,
                    _ => usage("unknown kind"),
                }
            }
            "--entities" => o.entities = n(v),
            "--key-stride" => o.key_stride = n(v).max(1),
            "--keys" => o.keys = n(v).max(1) as usize,
            "--write-rows" => o.write_rows = n(v).max(1) as usize,
            "--limit" => o.limit = n(v).max(1) as usize,
            "--concurrency" => o.concurrency = n(v).clamp(1, 100_000) as usize,
            "--duration" => o.duration = f(v),
            "--warmup" => o.warmup = f(v),
            "--rate" => o.rate = f(v),
            "--drain" => o.drain = f(v),
            "--seed" => o.seed = n(v),
            "--worker-threads" => o.worker_threads = n(v).max(1) as usize,
            "--max-in-flight-per-request" => o.max_in_flight_per_request = n(v).max(1) as usize,
            "--max-rows-per-batch" => o.max_rows_per_batch = n(v).clamp(1, 65535) as usize,
            "--max-error-rate" => o.max_error_rate = f(v),
            "--watch-pids" => {
                o.watch_pids = v
                    .split(',')
                    .filter(|p| !p.is_empty())
                    .map(|p| p.parse().unwrap_or_else(|_| usage("bad --watch-pids")))
                    .collect()
            }
            "--exec" => o.exec.push(v.clone()),
            _ => usage(&format!("unknown flag {flag}")),
        }
        i += 2;
    }
    if !url_given || (o.exec.is_empty() && (o.table.is_empty() || o.entities == 0)) {
        usage("--url, and --table and --entities (or --exec) are required");
    }
    if matches!(o.kind, Kind::Read100) {
        o.keys = o.keys.min(o.entities as usize);
    }
    if matches!(o.kind, Kind::Write100) {
        o.write_rows = o.write_rows.min(o.entities as usize);
    }
    o
}

// ---- keys and values (bench/dataset.h's generator, so that keys are drawn the same way)

fn split_mix64(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E3779B97F4A7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58476D1CE4E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D049BB133111EB);
    x ^ (x >> 31)
}

/// xoshiro256**, seeded through SplitMix64 (dataset.h's Rng).
struct Rng {
    s: [u64; 4],
}

impl Rng {
    fn new(mut seed: u64) -> Self {
        let mut s = [0u64; 4];
        for v in &mut s {
            seed = split_mix64(seed);
            *v = seed;
        }
        Rng { s }
    }
    fn next(&mut self) -> u64 {
        let result = self.s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = self.s[1] << 17;
        self.s[2] ^= self.s[0];
        self.s[3] ^= self.s[1];
        self.s[1] ^= self.s[2];
        self.s[0] ^= self.s[3];
        self.s[2] ^= t;
        self.s[3] = self.s[3].rotate_left(45);
        result
    }
    fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next() % n
        }
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }
}

/// A value of a CQL type for key number `i` (the bench dataset's keys are integers).
fn key_value(cql_type: &str, i: u64) -> Result<CqlValue, String> {
    Ok(match cql_type {
        "bigint" => CqlValue::BigInt(i as i64),
        "int" => CqlValue::Int(i32::try_from(i).map_err(|_| "key out of INT range")?),
        "text" | "varchar" => CqlValue::Text(i.to_string()),
        "ascii" => CqlValue::Ascii(i.to_string()),
        t => return Err(format!("key columns of type {t} are not supported")),
    })
}

/// A random value of a CQL type, like ofs_loadgen's ValuePool (TEXT: 16-32 alphanumerics).
fn random_value(cql_type: &str, rng: &mut Rng) -> Result<CqlValue, String> {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let text = |rng: &mut Rng| -> String {
        let n = 16 + rng.below(17) as usize;
        (0..n)
            .map(|_| ALPHABET[rng.below(ALPHABET.len() as u64) as usize] as char)
            .collect()
    };
    Ok(match cql_type {
        "int" => CqlValue::Int(rng.next() as u32 as i32),
        "bigint" => CqlValue::BigInt((rng.next() >> 11) as i64),
        "double" => CqlValue::Double(rng.unit() * 1000.0),
        "float" => CqlValue::Float((rng.unit() * 100.0) as f32),
        "boolean" => CqlValue::Boolean(rng.next() & 1 == 1),
        "text" | "varchar" => CqlValue::Text(text(rng)),
        "ascii" => CqlValue::Ascii(text(rng)),
        "blob" => CqlValue::Blob(text(rng).into_bytes()),
        "timestamp" => CqlValue::Timestamp(scylla::value::CqlTimestamp((rng.next() >> 24) as i64)),
        t => {
            return Err(format!(
                "value columns of type {t} are not supported by the reference"
            ))
        }
    })
}

// ---- the table, from system_schema

struct Column {
    name: String,
    kind: String,
    position: i32,
    cql_type: String,
}

struct Table {
    keys: Vec<Column>,   // partition key, then clustering columns, in order
    values: Vec<Column>, // regular columns
    ttl: i32,
}

fn quote(name: &str) -> String {
    let mut out = String::from("\"");
    for c in name.chars() {
        if c == '"' {
            out.push('"');
        }
        out.push(c.to_ascii_lowercase());
    }
    out.push('"');
    out
}

fn literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

async fn read_table(session: &Session, keyspace: &str, table: &str) -> Result<Table, String> {
    let cql = format!(
        "SELECT column_name, kind, position, type FROM system_schema.columns WHERE keyspace_name = {} AND table_name = {}",
        literal(keyspace),
        literal(table)
    );
    let qr = session
        .query_unpaged(cql, ())
        .await
        .map_err(|e| format!("system_schema.columns: {e}"))?;
    let rows = qr
        .into_rows_result()
        .map_err(|e| format!("system_schema.columns: {e}"))?;
    let mut columns = Vec::new();
    for row in rows
        .rows::<(String, String, i32, String)>()
        .map_err(|e| e.to_string())?
    {
        let (name, kind, position, cql_type) = row.map_err(|e| e.to_string())?;
        columns.push(Column {
            name,
            kind,
            position,
            cql_type: cql_type.to_ascii_lowercase(),
        });
    }
    if columns.is_empty() {
        return Err(format!(
            "table {keyspace}.{table} does not exist (run OFS's load first)"
        ));
    }
    let rank = |c: &Column| match c.kind.as_str() {
        "partition_key" => (0, c.position),
        "clustering" => (1, c.position),
        _ => (2, 0),
    };
    columns.sort_by(|a, b| rank(a).cmp(&rank(b)).then(a.name.cmp(&b.name)));
    let (keys, values): (Vec<Column>, Vec<Column>) = columns
        .into_iter()
        .partition(|c| c.kind == "partition_key" || c.kind == "clustering");
    if keys.iter().filter(|c| c.kind == "partition_key").count() != 1 {
        return Err("tables with a composite partition key are not OFS's layout".into());
    }
    let cql = format!(
        "SELECT default_time_to_live FROM system_schema.tables WHERE keyspace_name = {} AND table_name = {}",
        literal(keyspace),
        literal(table)
    );
    let qr = session
        .query_unpaged(cql, ())
        .await
        .map_err(|e| format!("system_schema.tables: {e}"))?;
    let rows = qr
        .into_rows_result()
        .map_err(|e| format!("system_schema.tables: {e}"))?;
    let (ttl,) = rows
        .first_row::<(i32,)>()
        .map_err(|e| format!("system_schema.tables: {e}"))?;
    Ok(Table { keys, values, ttl })
}

// ---- statements (cql_schema.cc's SelectCql / InsertCql text)

fn select_cql(keyspace: &str, table: &str, columns: &[&str], filter: &[&str]) -> String {
    let mut cql = String::from("SELECT ");
    cql += &columns.iter().map(|c| quote(c)).collect::<Vec<_>>().join(", ");
    let _ = write!(cql, " FROM {}.{}", quote(keyspace), quote(table));
    for (i, w) in filter.iter().enumerate() {
        let _ = write!(
            cql,
            "{}{} = ?",
            if i == 0 { " WHERE " } else { " AND " },
            quote(w)
        );
    }
    cql
}

fn insert_cql(keyspace: &str, table: &str, columns: &[&str]) -> String {
    format!(
        "INSERT INTO {}.{} ({}) VALUES ({}) USING TTL ?",
        quote(keyspace),
        quote(table),
        columns.iter().map(|c| quote(c)).collect::<Vec<_>>().join(", "),
        vec!["?"; columns.len()].join(", ")
    )
}

// ---- the work

struct Work {
    session: Session,
    o: Options,
    table: Table,
    statement: PreparedStatement, // read: point select; partition: scan select; write100: insert
    statement_text: String,
    value_pool: Vec<Vec<CqlValue>>, // write100: pre-generated value columns of rows
}

#[derive(Default)]
struct Outcome {
    rows: u64,
    not_found: u64,
    error: Option<String>,
}

fn now_micros() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_micros() as i64)
        .unwrap_or(0)
}

impl Work {
    fn key(&self, i: u64) -> Result<Vec<CqlValue>, String> {
        // One value per key column: the partition key is the key number; clustering columns get 0
        // (reads and writes of the bench address single-column keys; partition reads bind only k1).
        let mut out = Vec::with_capacity(self.table.keys.len());
        for (n, k) in self.table.keys.iter().enumerate() {
            out.push(key_value(
                &k.cql_type,
                if n == 0 { i * self.o.key_stride } else { 0 },
            )?);
        }
        Ok(out)
    }

    fn distinct(&self, rng: &mut Rng, n: usize) -> Vec<u64> {
        let mut picked: Vec<u64> = Vec::with_capacity(n);
        while picked.len() < n {
            let k = rng.below(self.o.entities);
            if !picked.contains(&k) {
                picked.push(k);
            }
        }
        picked
    }

    async fn point_read(&self, key: Vec<CqlValue>, out: &mut Outcome) {
        match self.session.execute_unpaged(&self.statement, key).await {
            Ok(qr) => match qr.into_rows_result() {
                Ok(rows) => {
                    let mut found = 0;
                    match rows.rows::<Row>() {
                        Ok(iter) => {
                            for row in iter {
                                match row {
                                    Ok(row) => {
                                        std::hint::black_box(&row.columns);
                                        found += 1;
                                    }
                                    Err(e) => out.error = Some(e.to_string()),
                                }
                            }
                        }
                        Err(e) => out.error = Some(e.to_string()),
                    }
                    if found > 0 {
                        out.rows += 1;
                    } else {
                        out.not_found += 1;
                    }
                }
                Err(e) => out.error = Some(e.to_string()),
            },
            Err(e) => out.error = Some(e.to_string()),
        }
    }

    /// ScanJob::Probe: page size 1 from `state` until a row, or no more pages (an empty page with more
    /// to come, tombstones, looks further).
    async fn probe(&self, key: &[CqlValue], mut state: PagingState, out: &mut Outcome) {
        let mut stmt = self.statement.clone();
        stmt.set_page_size(1);
        loop {
            match self.session.execute_single_page(&stmt, key, state).await {
                Ok((qr, paging)) => {
                    let rows = qr.into_rows_result().map(|r| r.rows_num()).unwrap_or(0);
                    match paging {
                        PagingStateResponse::HasMorePages { state: next } if rows == 0 => state = next,
                        _ => return,
                    }
                }
                Err(e) => {
                    // The store treats a failed probe as "more may follow"; count it as an error here.
                    out.error = Some(e.to_string());
                    return;
                }
            }
        }
    }

    async fn request(&self, rng: &mut Rng) -> Outcome {
        let mut out = Outcome::default();
        match self.o.kind {
            Kind::Read => {
                let key = rng.below(self.o.entities);
                match self.key(key) {
                    Ok(k) => self.point_read(k, &mut out).await,
                    Err(e) => out.error = Some(e),
                }
            }
            Kind::Read100 => {
                // As ReadJob: min(keys, max_in_flight_per_request) in flight, each completion starts
                // the next key.
                let keys = self.distinct(rng, self.o.keys);
                let read = |k: u64| async move {
                    let mut o = Outcome::default();
                    match self.key(k) {
                        Ok(key) => self.point_read(key, &mut o).await,
                        Err(e) => o.error = Some(e),
                    }
                    o
                };
                let mut pending = keys.into_iter();
                let mut running = FuturesUnordered::new();
                for k in pending.by_ref().take(self.o.max_in_flight_per_request) {
                    running.push(read(k));
                }
                while let Some(o) = running.next().await {
                    out.rows += o.rows;
                    out.not_found += o.not_found;
                    if out.error.is_none() {
                        out.error = o.error;
                    }
                    if let Some(k) = pending.next() {
                        running.push(read(k));
                    }
                }
                if out.not_found > 0 {
                    out.not_found = 1; // as ofs_loadgen: a request with a missing key counts once
                }
            }
            Kind::Partition => {
                let p = rng.below(self.o.entities) * self.o.key_stride;
                let key = match key_value(&self.table.keys[0].cql_type, p) {
                    Ok(k) => vec![k],
                    Err(e) => {
                        out.error = Some(e);
                        return out;
                    }
                };
                let mut state = PagingState::start();
                loop {
                    let left = self.o.limit - out.rows as usize;
                    let mut stmt = self.statement.clone();
                    stmt.set_page_size((left.min(MAX_PAGE_ROWS as usize)) as i32);
                    match self.session.execute_single_page(&stmt, &key, state).await {
                        Ok((qr, paging)) => {
                            match qr.into_rows_result() {
                                Ok(rows) => match rows.rows::<Row>() {
                                    Ok(iter) => {
                                        for row in iter {
                                            match row {
                                                Ok(row) => {
                                                    std::hint::black_box(&row.columns);
                                                    out.rows += 1;
                                                }
                                                Err(e) => out.error = Some(e.to_string()),
                                            }
                                        }
                                    }
                                    Err(e) => out.error = Some(e.to_string()),
                                },
                                Err(e) => out.error = Some(e.to_string()),
                            }
                            match paging {
                                PagingStateResponse::HasMorePages { state: next } if out.error.is_none() => {
                                    if (out.rows as usize) < self.o.limit {
                                        state = next;
                                    } else {
                                        // A full page with more to come: ScanJob::Probe reads one row past it
                                        // (page size 1) to tell whether the page ended the partition.
                                        self.probe(&key, next, &mut out).await;
                                        break;
                                    }
                                }
                                _ => break,
                            }
                        }
                        Err(e) => {
                            out.error = Some(e.to_string());
                            break;
                        }
                    }
                }
                if out.rows == 0 && out.error.is_none() {
                    out.not_found = 1;
                }
            }
            Kind::Write100 => {
                let keys = self.distinct(rng, self.o.write_rows);
                let ts = now_micros();
                // Rows by partition (the first key column), a unit per partition of at most
                // max_rows_per_batch rows, as WriteJob::Plan.
                let mut units: Vec<Vec<Vec<CqlValue>>> = Vec::new();
                let mut unit_of: HashMap<u64, usize> = HashMap::new();
                for &k in &keys {
                    let mut row = match self.key(k) {
                        Ok(r) => r,
                        Err(e) => {
                            out.error = Some(e);
                            return out;
                        }
                    };
                    row.extend(
                        self.value_pool[(rng.next() % self.value_pool.len() as u64) as usize]
                            .iter()
                            .cloned(),
                    );
                    row.push(CqlValue::Int(self.table.ttl));
                    let partition = k * self.o.key_stride;
                    let u = match unit_of.get(&partition) {
                        Some(&u) if units[u].len() < self.o.max_rows_per_batch => u,
                        _ => {
                            units.push(Vec::new());
                            unit_of.insert(partition, units.len() - 1);
                            units.len() - 1
                        }
                    };
                    units[u].push(row);
                }
                let rows = keys.len() as u64;
                let mut pending = units.into_iter();
                let mut running = FuturesUnordered::new();
                let send = |unit: Vec<Vec<CqlValue>>| async move {
                    if unit.len() == 1 {
                        let mut stmt = self.statement.clone();
                        stmt.set_timestamp(Some(ts));
                        let row = unit.into_iter().next().expect("one row");
                        self.session.execute_unpaged(&stmt, row).await.map(|_| ())
                    } else {
                        let mut batch = Batch::new(BatchType::Unlogged);
                        for _ in 0..unit.len() {
                            batch.append_statement(self.statement.clone());
                        }
                        batch.set_consistency(self.o.url.write_consistency);
                        batch.set_timestamp(Some(ts));
                        batch.set_is_idempotent(true);
                        self.session.batch(&batch, unit).await.map(|_| ())
                    }
                };
                for unit in pending.by_ref().take(self.o.max_in_flight_per_request) {
                    running.push(send(unit));
                }
                while let Some(r) = running.next().await {
                    if let Err(e) = r {
                        if out.error.is_none() {
                            out.error = Some(e.to_string());
                        }
                    }
                    if let Some(unit) = pending.next() {
                        running.push(send(unit));
                    }
                }
                if out.error.is_none() {
                    out.rows = rows;
                }
            }
        }
        out
    }
}

// ---- latency histogram (bench/histogram.h)

const SUB_BITS: u32 = 7;
const SUB_COUNT: u64 = 1 << SUB_BITS;
const BUCKETS: usize = (2 * SUB_COUNT + (64 - SUB_BITS as u64 - 1) * SUB_COUNT) as usize;

#[derive(Clone)]
struct Histogram {
    counts: Vec<u64>,
    total: u64,
    max: u64,
    sum: f64,
}

impl Histogram {
    fn new() -> Self {
        Histogram {
            counts: vec![0; BUCKETS],
            total: 0,
            max: 0,
            sum: 0.0,
        }
    }
    fn index(v: u64) -> usize {
        if v < 2 * SUB_COUNT {
            return v as usize;
        }
        let e = 63 - v.leading_zeros();
        let shift = e - SUB_BITS;
        let top = v >> shift;
        (2 * SUB_COUNT + (shift as u64 - 1) * SUB_COUNT + (top - SUB_COUNT)) as usize
    }
    fn highest_in_bucket(i: usize) -> u64 {
        let i = i as u64;
        if i < 2 * SUB_COUNT {
            return i;
        }
        let rel = i - 2 * SUB_COUNT;
        let shift = rel / SUB_COUNT + 1;
        let top = SUB_COUNT + rel % SUB_COUNT;
        (top << shift) + ((1u64 << shift) - 1)
    }
    fn record(&mut self, v: u64) {
        self.counts[Self::index(v)] += 1;
        self.total += 1;
        self.max = self.max.max(v);
        self.sum += v as f64;
    }
    fn merge(&mut self, o: &Histogram) {
        for (a, b) in self.counts.iter_mut().zip(&o.counts) {
            *a += b;
        }
        self.total += o.total;
        self.max = self.max.max(o.max);
        self.sum += o.sum;
    }
    fn percentile(&self, f: f64) -> u64 {
        if self.total == 0 {
            return 0;
        }
        let rank = ((f.clamp(0.0, 1.0) * self.total as f64 + 0.5) as u64).clamp(1, self.total);
        let mut seen = 0;
        for (i, c) in self.counts.iter().enumerate() {
            seen += c;
            if seen >= rank {
                return Self::highest_in_bucket(i).min(self.max);
            }
        }
        self.max
    }
}

// ---- process CPU time (utime + stime of /proc/<pid>/stat, in seconds)

fn cpu_seconds(pid: &str) -> f64 {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return 0.0;
    };
    let Some(after) = stat.rsplit_once(')').map(|(_, a)| a) else {
        return 0.0;
    };
    let f: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    // Fields after the command: state(0) ... utime(11) stime(12); USER_HZ is 100 on Linux.
    (ticks(11) + ticks(12)) / 100.0
}

extern "C" {
    fn prctl(option: i32, ...) -> i32;
}
const PR_SET_TIMERSLACK: i32 = 29;

// ---- runs

struct Stats {
    completed: u64,
    rows: u64,
    sent: u64,
    errors: u64,
    not_found: u64,
    unfinished: u64,
    hist: Histogram,
    first_error: Option<String>,
}

impl Stats {
    fn new() -> Self {
        Stats {
            completed: 0,
            rows: 0,
            sent: 0,
            errors: 0,
            not_found: 0,
            unfinished: 0,
            hist: Histogram::new(),
            first_error: None,
        }
    }
    fn add(&mut self, o: &Stats) {
        self.completed += o.completed;
        self.rows += o.rows;
        self.sent += o.sent;
        self.errors += o.errors;
        self.not_found += o.not_found;
        self.unfinished += o.unfinished;
        self.hist.merge(&o.hist);
        if self.first_error.is_none() {
            self.first_error = o.first_error.clone();
        }
    }
    fn count(&mut self, outcome: Outcome, in_window: bool, latency: Duration) {
        if let Some(e) = outcome.error {
            self.errors += 1;
            if self.first_error.is_none() {
                self.first_error = Some(e);
            }
            return;
        }
        if in_window {
            self.completed += 1;
            self.rows += outcome.rows;
            self.not_found += outcome.not_found;
            self.hist.record(latency.as_nanos() as u64);
        }
    }
}

struct Window {
    start: Instant,
    end: Instant,
}

async fn closed_worker(work: Arc<Work>, id: usize, window: Arc<Window>, abort: Arc<AtomicBool>) -> Stats {
    let mut rng = Rng::new(work.o.seed.wrapping_mul(1_000_003) ^ (id as u64 + 1));
    let mut stats = Stats::new();
    loop {
        let start = Instant::now();
        if start >= window.end || abort.load(Ordering::Relaxed) {
            break;
        }
        stats.sent += 1;
        let outcome = work.request(&mut rng).await;
        let end = Instant::now();
        let in_window = end >= window.start && end < window.end;
        stats.count(outcome, in_window, end - start);
        if stats.errors > 100 && stats.errors as f64 > work.o.max_error_rate * stats.sent as f64 {
            abort.store(true, Ordering::Relaxed);
        }
    }
    stats
}

async fn open_worker(
    work: Arc<Work>,
    id: usize,
    window: Arc<Window>,
    drain_deadline: Instant,
    mut slots: tokio::sync::mpsc::UnboundedReceiver<Instant>,
    achieved: Arc<AtomicU64>,
) -> Stats {
    let mut rng = Rng::new(work.o.seed.wrapping_mul(1_000_003) ^ (id as u64 + 1));
    let mut stats = Stats::new();
    while let Some(intended) = slots.recv().await {
        let now = Instant::now();
        let measured = intended >= window.start && intended < window.end;
        if now >= drain_deadline {
            stats.unfinished += 1;
            if measured {
                stats.hist.record((now - intended).as_nanos() as u64);
            }
            continue;
        }
        stats.sent += 1;
        let left = drain_deadline - now;
        match tokio::time::timeout(left, work.request(&mut rng)).await {
            Ok(outcome) => {
                let end = Instant::now();
                if end >= window.start && end < window.end && outcome.error.is_none() {
                    achieved.fetch_add(1, Ordering::Relaxed);
                }
                stats.count(outcome, measured, end - intended);
            }
            Err(_) => {
                stats.unfinished += 1;
                if measured {
                    stats.hist.record((drain_deadline - intended).as_nanos() as u64);
                }
            }
        }
    }
    stats
}

fn json_escape(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        match c {
            '"' => out += "\\\"",
            '\\' => out += "\\\\",
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

fn kind_name(k: Kind) -> &'static str {
    match k {
        Kind::Read => "read",
        Kind::Read100 => "read100",
        Kind::Partition => "partition",
        Kind::Write100 => "write100",
    }
}

fn fail(msg: &str) -> ! {
    println!("{{\"ok\":false,\"error\":\"{}\"}}", json_escape(msg));
    std::process::exit(2)
}

fn main() {
    let o = parse_options();
    unsafe {
        prctl(PR_SET_TIMERSLACK, 1u64);
    }
    // The runtime lib.rs builds (multi-thread, its worker count, all drivers enabled).
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(o.worker_threads)
        .thread_name("ofs-cql")
        .enable_all()
        .build()
        .unwrap_or_else(|e| fail(&format!("runtime: {e}")));
    rt.block_on(run(o));
}

async fn connect(u: &Url) -> Result<Session, String> {
    // lib.rs session_config, field for field.
    let mut builder = SessionBuilder::new();
    for h in &u.hosts {
        builder = builder.known_node(h);
    }
    let mut policy = DefaultPolicy::builder().token_aware(true);
    if !u.dc.is_empty() {
        policy = policy.prefer_datacenter(u.dc.clone()).permit_dc_failover(false);
    }
    let ms = |v: u64, default: u64| Duration::from_millis(if v == 0 { default } else { v });
    let connect_timeout = ms(u.connect_timeout_ms, 5000);
    let request_timeout = ms(u.request_timeout_ms, 1000);
    let mut profile = ExecutionProfile::builder()
        .load_balancing_policy(policy.build())
        .request_timeout(Some(request_timeout))
        .consistency(Consistency::LocalOne);
    if u.speculative_retries > 0 {
        profile = profile.speculative_execution_policy(Some(Arc::new(SimpleSpeculativeExecutionPolicy {
            max_retry_count: u.speculative_retries as usize,
            retry_interval: ms(u.speculative_delay_ms, 50),
        })));
    }
    builder = builder
        .default_execution_profile_handle(profile.build().into_handle())
        .connection_timeout(connect_timeout)
        .schema_agreement_timeout(Duration::from_millis(20_000))
        .fetch_full_schema_metadata(false)
        .metadata_request_clientside_timeout(request_timeout.max(Duration::from_secs(2)));
    let overall = connect_timeout * 2 + request_timeout;
    match tokio::time::timeout(overall, builder.build()).await {
        Ok(Ok(s)) => Ok(s),
        Ok(Err(e)) => Err(format!("cannot connect: {e}")),
        Err(_) => Err(format!("no session within {} ms", overall.as_millis())),
    }
}

async fn run(o: Options) {
    let session = connect(&o.url).await.unwrap_or_else(|e| fail(&e));
    if !o.exec.is_empty() {
        for cql in &o.exec {
            let mut stmt = Statement::new(cql.as_str());
            stmt.set_request_timeout(Some(Duration::from_secs(20))); // DDL, as the store's schema calls
            if let Err(e) = session.query_unpaged(stmt, ()).await {
                fail(&format!("{cql}: {e}"));
            }
        }
        println!("{{\"ok\":true,\"executed\":{}}}", o.exec.len());
        std::process::exit(0);
    }
    let keyspace = o.url.keyspace.to_ascii_lowercase();
    let table = read_table(&session, &keyspace, &o.table)
        .await
        .unwrap_or_else(|e| fail(&e));
    let key_names: Vec<&str> = table.keys.iter().map(|c| c.name.as_str()).collect();
    let value_names: Vec<&str> = table.values.iter().map(|c| c.name.as_str()).collect();
    let (text, consistency) = match o.kind {
        Kind::Read | Kind::Read100 => {
            let cols: Vec<&str> = if value_names.is_empty() {
                vec![key_names[0]]
            } else {
                value_names.clone()
            };
            (
                select_cql(&keyspace, &o.table, &cols, &key_names),
                o.url.read_consistency,
            )
        }
        Kind::Partition => {
            let cols: Vec<&str> = key_names.iter().chain(value_names.iter()).copied().collect();
            (
                select_cql(&keyspace, &o.table, &cols, &key_names[..1]),
                o.url.read_consistency,
            )
        }
        Kind::Write100 => {
            let cols: Vec<&str> = key_names.iter().chain(value_names.iter()).copied().collect();
            (insert_cql(&keyspace, &o.table, &cols), o.url.write_consistency)
        }
    };
    let mut statement = session
        .prepare(text.as_str())
        .await
        .unwrap_or_else(|e| fail(&format!("prepare {text}: {e}")));
    statement.set_consistency(consistency);
    statement.set_is_idempotent(true);
    let mut value_pool = Vec::new();
    if o.kind == Kind::Write100 {
        let mut rng = Rng::new(o.seed ^ 0x5eed);
        for _ in 0..4096 {
            let row: Result<Vec<CqlValue>, String> = table
                .values
                .iter()
                .map(|c| random_value(&c.cql_type, &mut rng))
                .collect();
            value_pool.push(row.unwrap_or_else(|e| fail(&e)));
        }
    }
    let columns = table.keys.len() + table.values.len();
    let work = Arc::new(Work {
        session,
        o,
        table,
        statement,
        statement_text: text,
        value_pool,
    });

    // One request first: the table must hold the dataset (a read must find its key).
    let mut rng = Rng::new(work.o.seed ^ 0xc4ec);
    let first = work.request(&mut rng).await;
    if let Some(e) = &first.error {
        fail(&format!("first request failed: {e}"));
    }
    let first_rows = first.rows;

    let o = &work.o;
    let open = o.rate > 0.0;
    let t0 = Instant::now();
    let window = Arc::new(Window {
        start: t0 + Duration::from_secs_f64(o.warmup),
        end: t0 + Duration::from_secs_f64(o.warmup + o.duration),
    });
    let drain_deadline = window.end + Duration::from_secs_f64(o.drain);

    // CPU time over the window (this process's and the watched ones'), sampled by a plain thread at its
    // edges.
    let mut pids = vec!["self".to_string()];
    pids.extend(o.watch_pids.iter().map(|p| p.to_string()));
    let cpu = Arc::new(Mutex::new(vec![0.0f64; pids.len()]));
    let sampler = {
        let cpu = Arc::clone(&cpu);
        let pids = pids.clone();
        let (start, end) = (window.start, window.end);
        std::thread::spawn(move || {
            std::thread::sleep(start.saturating_duration_since(Instant::now()));
            let a: Vec<f64> = pids.iter().map(|p| cpu_seconds(p)).collect();
            std::thread::sleep(end.saturating_duration_since(Instant::now()));
            let b: Vec<f64> = pids.iter().map(|p| cpu_seconds(p)).collect();
            *cpu.lock().unwrap() = b.iter().zip(&a).map(|(b, a)| b - a).collect();
        })
    };

    let abort = Arc::new(AtomicBool::new(false));
    let achieved = Arc::new(AtomicU64::new(0));
    let mut handles = Vec::new();
    let mut dispatcher = None;
    if open {
        let mut senders = Vec::new();
        for id in 0..o.concurrency {
            let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
            senders.push(tx);
            handles.push(tokio::spawn(open_worker(
                Arc::clone(&work),
                id,
                Arc::clone(&window),
                drain_deadline,
                rx,
                Arc::clone(&achieved),
            )));
        }
        let (rate, end) = (o.rate, window.end);
        dispatcher = Some(std::thread::spawn(move || {
            let start = Instant::now();
            let mut k: u64 = 0;
            loop {
                let intended = start + Duration::from_secs_f64(k as f64 / rate);
                if intended >= end {
                    break;
                }
                let now = Instant::now();
                if intended > now {
                    std::thread::sleep(intended - now);
                }
                let _ = senders[(k % senders.len() as u64) as usize].send(intended);
                k += 1;
            }
            // senders dropped: workers end after their queued slots
        }));
    } else {
        for id in 0..o.concurrency {
            handles.push(tokio::spawn(closed_worker(
                Arc::clone(&work),
                id,
                Arc::clone(&window),
                Arc::clone(&abort),
            )));
        }
    }
    let mut total = Stats::new();
    for h in join_all(handles).await {
        match h {
            Ok(s) => total.add(&s),
            Err(e) => fail(&format!("worker: {e}")),
        }
    }
    if let Some(d) = dispatcher {
        let _ = d.join();
    }
    let _ = sampler.join();
    let cpu = cpu.lock().unwrap().clone();

    let seconds = o.duration;
    let rps = total.completed as f64 / seconds;
    let error_rate = if total.sent > 0 {
        total.errors as f64 / total.sent as f64
    } else {
        0.0
    };
    let mut failure = None;
    if abort.load(Ordering::Relaxed) || error_rate > o.max_error_rate {
        failure = Some(format!(
            "{} of {} requests failed; first: {}",
            total.errors,
            total.sent,
            total.first_error.clone().unwrap_or_default()
        ));
    } else if total.completed == 0 {
        failure = Some("no request completed in the window".into());
    }
    let us = |ns: u64| ns as f64 / 1000.0;
    let h = &total.hist;
    let mut out = String::new();
    let _ = write!(
        out,
        "{{\"ok\":{},\"mode\":\"{}\",\"kind\":\"{}\",\"connections\":{},\"seconds\":{:.3},\"requests\":{},\"rows\":{},\
         \"rps\":{:.1},\"rows_per_s\":{:.1},\"sent\":{},\"errors\":{},\"not_found\":{},\"unfinished\":{},\
         \"target_rps\":{:.1},\"achieved_rps\":{:.1},",
        failure.is_none(),
        if open { "open" } else { "closed" },
        kind_name(o.kind),
        o.concurrency,
        seconds,
        total.completed,
        total.rows,
        rps,
        total.rows as f64 / seconds,
        total.sent,
        total.errors,
        total.not_found,
        total.unfinished,
        o.rate,
        if open { achieved.load(Ordering::Relaxed) as f64 / seconds } else { rps },
    );
    let _ = write!(
        out,
        "\"latency_us\":{{\"p50\":{:.1},\"p90\":{:.1},\"p99\":{:.1},\"p999\":{:.1},\"max\":{:.1},\"mean\":{:.1},\"count\":{}}},",
        us(h.percentile(0.50)),
        us(h.percentile(0.90)),
        us(h.percentile(0.99)),
        us(h.percentile(0.999)),
        us(h.max),
        if h.total > 0 { h.sum / h.total as f64 / 1000.0 } else { 0.0 },
        h.total
    );
    let _ = write!(
        out,
        "\"cpu_s\":{:.3},\"cpu_us_per_request\":{:.1},\"worker_threads\":{},\"columns\":{},\"first_rows\":{},\
         \"statement\":\"{}\",\"watched_cpu_s\":{{{}}}",
        cpu[0],
        if total.completed > 0 { cpu[0] * 1e6 / total.completed as f64 } else { 0.0 },
        o.worker_threads,
        columns,
        first_rows,
        json_escape(&work.statement_text),
        pids[1..].iter().zip(&cpu[1..]).map(|(p, c)| format!("\"{p}\":{c:.3}")).collect::<Vec<_>>().join(",")
    );
    if let Some(f) = &failure {
        let _ = write!(out, ",\"error\":\"{}\"", json_escape(f));
    }
    out.push('}');
    println!("{out}");
    std::process::exit(if failure.is_none() { 0 } else { 2 });
}
