//! OFS's C ABI over delta-kernel-rs (README.md; the header is include/ofs_delta.h).
//!
//! A table handle is one snapshot (one version) of a Delta table with the kernel's default engine (its
//! own tokio thread for object-store I/O). A scan handle holds the snapshot's data files, listed by the
//! kernel's log replay (checkpoints, removes and deletion-vector descriptors resolved), and reads one
//! file at a time as an Arrow C stream of logical batches: partition values and column mapping applied
//! by the kernel's transform, rows deleted by a deletion vector dropped. No Delta log or Parquet
//! parsing here: that is the kernel's and the parquet crate's.
//!
//! Every export catches panics (reported as OFS_DELTA_ERR_INTERNAL) and checks its pointers. Errors are
//! a code and a message the caller frees with `ofs_delta_string_free`.

use std::collections::HashMap;
use std::ffi::{c_char, CStr, CString};
use std::num::NonZero;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use delta_kernel::arrow::array::RecordBatch;
use delta_kernel::arrow::compute::cast;
use delta_kernel::arrow::datatypes::{Schema as ArrowSchema, SchemaRef as ArrowSchemaRef};
use delta_kernel::arrow::error::ArrowError;
use delta_kernel::arrow::ffi::FFI_ArrowSchema;
use delta_kernel::arrow::ffi_stream::FFI_ArrowArrayStream;
use delta_kernel::arrow::record_batch::RecordBatchReader;
use delta_kernel::engine::arrow_conversion::TryIntoArrow;
use delta_kernel::engine::arrow_data::ArrowEngineData;
use delta_kernel::object_store;
use delta_kernel::scan::state::{transform_to_logical, ScanFile};
use delta_kernel::scan::Scan;
use delta_kernel::schema::SchemaRef;
use delta_kernel::{Engine, FileDataReadResultIterator, FileMeta, KernelError, Snapshot, SnapshotRef};
use delta_kernel_default_engine::storage::store_from_url_opts;
use delta_kernel_default_engine::DefaultEngineBuilder;
use url::Url;

pub const OFS_DELTA_OK: i32 = 0;
/// Bad arguments: a malformed URI or option, an unknown column, an out-of-range index.
pub const OFS_DELTA_ERR_INVALID: i32 = 1;
/// No Delta table at the location, or not the asked version.
pub const OFS_DELTA_ERR_NOT_FOUND: i32 = 2;
/// The storage could not be reached or answered an error: worth retrying later.
pub const OFS_DELTA_ERR_IO: i32 = 3;
/// The table or a file is not what Delta says it must be (corrupt log or Parquet, bad deletion vector),
/// or uses a feature the kernel does not read: retrying does not help.
pub const OFS_DELTA_ERR_DATA: i32 = 4;
/// A panic or an internal error of the bridge or the kernel.
pub const OFS_DELTA_ERR_INTERNAL: i32 = 5;

fn error_code(error: &KernelError) -> i32 {
    match error {
        KernelError::Backtraced { source, .. } => error_code(source),
        KernelError::ObjectStore(store) => store_code(store),
        KernelError::FileNotFound(_)
        | KernelError::MissingVersion(_)
        | KernelError::EmptyLog
        | KernelError::InvalidTableLocation(_) => OFS_DELTA_ERR_NOT_FOUND,
        KernelError::IOError(_) | KernelError::Reqwest(_) => OFS_DELTA_ERR_IO,
        // A storage failure while the Parquet or Arrow readers fetched a file (a checkpoint, a data file)
        // arrives wrapped: the wrapped error decides.
        KernelError::Parquet(delta_kernel::parquet::errors::ParquetError::External(inner)) => {
            wrapped_code(inner.as_ref()).unwrap_or(OFS_DELTA_ERR_DATA)
        }
        KernelError::Arrow(arrow) => arrow_code(arrow),
        KernelError::InvalidUrl(_) | KernelError::MissingColumn(_) => OFS_DELTA_ERR_INVALID,
        KernelError::InternalError(_) | KernelError::JoinFailure(_) => OFS_DELTA_ERR_INTERNAL,
        _ => OFS_DELTA_ERR_DATA,
    }
}

fn store_code(error: &object_store::Error) -> i32 {
    match error {
        object_store::Error::NotFound { .. } => OFS_DELTA_ERR_NOT_FOUND,
        object_store::Error::UnknownConfigurationKey { .. } => OFS_DELTA_ERR_INVALID,
        _ => OFS_DELTA_ERR_IO,
    }
}

fn arrow_code(error: &ArrowError) -> i32 {
    match error {
        ArrowError::IoError(..) => OFS_DELTA_ERR_IO,
        ArrowError::ExternalError(inner) => wrapped_code(inner.as_ref()).unwrap_or(OFS_DELTA_ERR_DATA),
        _ => OFS_DELTA_ERR_DATA,
    }
}

/// The code of the first error down `error`'s chain that says what failed (storage, or the kernel).
fn wrapped_code(error: &(dyn std::error::Error + 'static)) -> Option<i32> {
    let mut current = Some(error);
    while let Some(e) = current {
        if let Some(store) = e.downcast_ref::<object_store::Error>() {
            return Some(store_code(store));
        }
        if let Some(kernel) = e.downcast_ref::<KernelError>() {
            return Some(error_code(kernel));
        }
        if e.downcast_ref::<std::io::Error>().is_some() {
            return Some(OFS_DELTA_ERR_IO);
        }
        current = e.source();
    }
    None
}

/// An error crossing the ABI: a code and an owned C string.
struct BridgeError {
    code: i32,
    message: String,
}

impl From<KernelError> for BridgeError {
    fn from(error: KernelError) -> Self {
        // Backtraces (RUST_BACKTRACE=1) are left out: the message is for a job's status line.
        let message = match &error {
            KernelError::Backtraced { source, .. } => source.to_string(),
            other => other.to_string(),
        };
        BridgeError {
            code: error_code(&error),
            message,
        }
    }
}

fn invalid(message: impl Into<String>) -> BridgeError {
    BridgeError {
        code: OFS_DELTA_ERR_INVALID,
        message: message.into(),
    }
}

/// Runs `body`, turning an error or a panic into (code, *message).
fn guard(message_out: *mut *mut c_char, body: impl FnOnce() -> Result<(), BridgeError>) -> i32 {
    let outcome = catch_unwind(AssertUnwindSafe(body)).unwrap_or_else(|panic| {
        let what = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".to_string());
        Err(BridgeError {
            code: OFS_DELTA_ERR_INTERNAL,
            message: format!("panic in the Delta bridge: {what}"),
        })
    });
    match outcome {
        Ok(()) => OFS_DELTA_OK,
        Err(error) => {
            if !message_out.is_null() {
                let text = CString::new(error.message.replace('\0', " ")).unwrap_or_default();
                // SAFETY: checked non-null; the caller passes a writable pointer.
                unsafe { *message_out = text.into_raw() };
            }
            error.code
        }
    }
}

unsafe fn text_arg<'a>(ptr: *const c_char, what: &str) -> Result<&'a str, BridgeError> {
    if ptr.is_null() {
        return Err(invalid(format!("{what} is NULL")));
    }
    CStr::from_ptr(ptr)
        .to_str()
        .map_err(|_| invalid(format!("{what} is not UTF-8")))
}

unsafe fn text_args(
    ptrs: *const *const c_char,
    count: usize,
    what: &str,
) -> Result<Vec<String>, BridgeError> {
    if count == 0 {
        return Ok(Vec::new());
    }
    if ptrs.is_null() {
        return Err(invalid(format!("{what} is NULL")));
    }
    (0..count)
        .map(|i| text_arg(*ptrs.add(i), what).map(str::to_string))
        .collect()
}

/// Parses a table location: a URL (file://, s3://, ...) or a local path (made absolute).
fn table_url(location: &str) -> Result<Url, BridgeError> {
    let mut url = if location.contains("://") {
        Url::parse(location).map_err(|e| invalid(format!("table location {location:?}: {e}")))?
    } else {
        let path =
            std::path::absolute(location).map_err(|e| invalid(format!("table path {location:?}: {e}")))?;
        Url::from_directory_path(&path)
            .map_err(|_| invalid(format!("table path {location:?} is not usable")))?
    };
    if !url.path().ends_with('/') {
        url.set_path(&format!("{}/", url.path()));
    }
    Ok(url)
}

/// One snapshot of a table and the engine that reads it.
pub struct OfsDeltaTable {
    engine: Arc<dyn Engine>,
    snapshot: SnapshotRef,
}

/// The data files of a snapshot for a set of columns, each readable on its own.
pub struct OfsDeltaScan {
    engine: Arc<dyn Engine>,
    scan: Scan,
    files: Vec<ScanFile>,
    paths: Vec<CString>,
    arrow_schema: ArrowSchemaRef,
}

/// Opens the table at `location` (a URL or a local path) at `version` (< 0: the latest). `option_keys`
/// and `option_values` (`option_count` of each) configure the object store (object_store's keys, e.g.
/// `aws_endpoint`, `aws_access_key_id`, `aws_allow_http`). `batch_rows` (> 0) caps the rows of a batch.
#[no_mangle]
pub unsafe extern "C" fn ofs_delta_table_open(
    location: *const c_char,
    option_keys: *const *const c_char,
    option_values: *const *const c_char,
    option_count: usize,
    version: i64,
    batch_rows: usize,
    table_out: *mut *mut OfsDeltaTable,
    message_out: *mut *mut c_char,
) -> i32 {
    guard(message_out, || {
        if table_out.is_null() {
            return Err(invalid("table_out is NULL"));
        }
        let location = text_arg(location, "location")?;
        let keys = text_args(option_keys, option_count, "an option key")?;
        let values = text_args(option_values, option_count, "an option value")?;
        let url = table_url(location)?;
        let options: HashMap<String, String> = keys.into_iter().zip(values).collect();
        let store = store_from_url_opts(&url, options)?;
        let batch_rows = NonZero::new(batch_rows).ok_or_else(|| invalid("batch_rows must be > 0"))?;
        let engine: Arc<dyn Engine> = Arc::new(
            DefaultEngineBuilder::new(store)
                .with_batch_size(batch_rows)
                .build(),
        );
        let mut builder = Snapshot::builder_for(url.as_str());
        if version >= 0 {
            builder = builder.at_version(version as u64);
        }
        let snapshot = builder.build(engine.as_ref())?;
        *table_out = Box::into_raw(Box::new(OfsDeltaTable { engine, snapshot }));
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn ofs_delta_table_free(table: *mut OfsDeltaTable) {
    if !table.is_null() {
        drop(Box::from_raw(table));
    }
}

/// The snapshot's version.
#[no_mangle]
pub unsafe extern "C" fn ofs_delta_table_version(table: *const OfsDeltaTable) -> i64 {
    table.as_ref().map_or(-1, |t| t.snapshot.version() as i64)
}

fn export_schema(schema: &SchemaRef, out: *mut FFI_ArrowSchema) -> Result<(), BridgeError> {
    if out.is_null() {
        return Err(invalid("schema_out is NULL"));
    }
    let arrow: ArrowSchema = schema.as_ref().try_into_arrow().map_err(|e| BridgeError {
        code: OFS_DELTA_ERR_DATA,
        message: format!("the table's schema has no Arrow form: {e}"),
    })?;
    let ffi = FFI_ArrowSchema::try_from(&arrow).map_err(|e| BridgeError {
        code: OFS_DELTA_ERR_INTERNAL,
        message: e.to_string(),
    })?;
    // SAFETY: checked non-null; the caller owns the struct and calls its release callback.
    unsafe { std::ptr::write(out, ffi) };
    Ok(())
}

/// The table's logical schema as an Arrow C schema (a struct, one child per column), which the caller
/// releases.
#[no_mangle]
pub unsafe extern "C" fn ofs_delta_table_schema(
    table: *const OfsDeltaTable,
    schema_out: *mut FFI_ArrowSchema,
    message_out: *mut *mut c_char,
) -> i32 {
    guard(message_out, || {
        let table = table.as_ref().ok_or_else(|| invalid("table is NULL"))?;
        export_schema(&table.snapshot.schema(), schema_out)
    })
}

/// Lists the snapshot's data files for reading `columns` (`column_count` logical column names; 0: all).
#[no_mangle]
pub unsafe extern "C" fn ofs_delta_scan_open(
    table: *const OfsDeltaTable,
    columns: *const *const c_char,
    column_count: usize,
    scan_out: *mut *mut OfsDeltaScan,
    message_out: *mut *mut c_char,
) -> i32 {
    guard(message_out, || {
        let table = table.as_ref().ok_or_else(|| invalid("table is NULL"))?;
        if scan_out.is_null() {
            return Err(invalid("scan_out is NULL"));
        }
        let names = text_args(columns, column_count, "a column name")?;
        let mut builder = table.snapshot.clone().scan_builder();
        if !names.is_empty() {
            let projected = table.snapshot.schema().project(&names)?;
            builder = builder.with_schema(projected);
        }
        let scan = builder.build()?;
        let mut files: Vec<ScanFile> = Vec::new();
        for metadata in scan.scan_metadata(table.engine.as_ref())? {
            files = metadata?.visit_scan_files(files, |files, file| files.push(file))?;
        }
        let paths = files
            .iter()
            .map(|f| CString::new(f.path.clone()).map_err(|_| invalid("a data file path holds NUL")))
            .collect::<Result<Vec<_>, _>>()?;
        let arrow: ArrowSchema =
            scan.logical_schema()
                .as_ref()
                .try_into_arrow()
                .map_err(|e| BridgeError {
                    code: OFS_DELTA_ERR_DATA,
                    message: format!("the scan's schema has no Arrow form: {e}"),
                })?;
        *scan_out = Box::into_raw(Box::new(OfsDeltaScan {
            engine: table.engine.clone(),
            scan,
            files,
            paths,
            arrow_schema: Arc::new(arrow),
        }));
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn ofs_delta_scan_free(scan: *mut OfsDeltaScan) {
    if !scan.is_null() {
        drop(Box::from_raw(scan));
    }
}

#[no_mangle]
pub unsafe extern "C" fn ofs_delta_scan_file_count(scan: *const OfsDeltaScan) -> usize {
    scan.as_ref().map_or(0, |s| s.files.len())
}

/// File `index`: its path as the log names it (relative to the table root, or a full URL), size in
/// bytes, the record count from its stats (-1 when the log has none), and whether a deletion vector
/// hides some of its rows (then the record count counts them). The path lives as long as the scan.
#[no_mangle]
pub unsafe extern "C" fn ofs_delta_scan_file(
    scan: *const OfsDeltaScan,
    index: usize,
    path_out: *mut *const c_char,
    size_out: *mut i64,
    records_out: *mut i64,
    has_deletion_vector_out: *mut i32,
) -> i32 {
    let Some(scan) = scan.as_ref() else {
        return OFS_DELTA_ERR_INVALID;
    };
    let Some(file) = scan.files.get(index) else {
        return OFS_DELTA_ERR_INVALID;
    };
    if !path_out.is_null() {
        *path_out = scan.paths[index].as_ptr();
    }
    if !size_out.is_null() {
        *size_out = file.size;
    }
    if !records_out.is_null() {
        *records_out = file.stats.as_ref().map_or(-1, |s| s.num_records as i64);
    }
    if !has_deletion_vector_out.is_null() {
        *has_deletion_vector_out = i32::from(file.dv_info.has_vector());
    }
    OFS_DELTA_OK
}

/// The logical batches of one data file: the kernel's transform applied, deleted rows dropped, each
/// batch cast to the scan's Arrow schema (the schema the stream announces).
struct FileBatches {
    engine: Arc<dyn Engine>,
    reads: FileDataReadResultIterator,
    physical_schema: SchemaRef,
    logical_schema: SchemaRef,
    file: ScanFile,
    arrow_schema: ArrowSchemaRef,
    /// Still to apply, from the current batch's first row: true = keep. Shorter than the rest of the
    /// file when the file's last rows are all kept.
    selection: Option<Vec<bool>>,
}

impl FileBatches {
    fn next_batch(&mut self) -> Result<Option<RecordBatch>, KernelError> {
        let Some(read) = self.reads.next() else {
            return Ok(None);
        };
        let logical = transform_to_logical(
            self.engine.as_ref(),
            read?,
            &self.physical_schema,
            &self.logical_schema,
            self.file.transform.clone(),
        )?;
        let rows = logical.len();
        let logical = match self.selection.as_mut() {
            Some(selection) if !selection.is_empty() => {
                let rest = selection.split_off(rows.min(selection.len()));
                let this = std::mem::replace(selection, rest);
                logical.apply_selection_vector(this)?
            }
            _ => logical,
        };
        let batch = ArrowEngineData::try_from_engine_data(logical)?
            .record_batch()
            .clone();
        Ok(Some(self.conform(batch)?))
    }

    /// Casts columns whose Arrow type differs from the announced one (e.g. a view type from the
    /// Parquet reader): the C stream carries one schema for every batch.
    fn conform(&self, batch: RecordBatch) -> Result<RecordBatch, KernelError> {
        if batch.schema().fields() == self.arrow_schema.fields() {
            return Ok(batch);
        }
        let columns = self
            .arrow_schema
            .fields()
            .iter()
            .zip(batch.columns())
            .map(|(field, column)| {
                if column.data_type() == field.data_type() {
                    Ok(column.clone())
                } else {
                    cast(column, field.data_type())
                }
            })
            .collect::<Result<Vec<_>, ArrowError>>()?;
        Ok(RecordBatch::try_new(self.arrow_schema.clone(), columns)?)
    }
}

impl Iterator for FileBatches {
    type Item = Result<RecordBatch, ArrowError>;
    fn next(&mut self) -> Option<Self::Item> {
        // The C stream carries only a message: it starts with the error's code, "[ofs_delta N] "
        // (ofs_delta.h), so that the reader can tell a storage failure from a corrupt file.
        let coded = |code: i32, message: String| {
            ArrowError::ExternalError(format!("[ofs_delta {code}] {message}").into())
        };
        match catch_unwind(AssertUnwindSafe(|| self.next_batch())) {
            Ok(Ok(batch)) => batch.map(Ok),
            Ok(Err(error)) => {
                let BridgeError { code, message } = BridgeError::from(error);
                Some(Err(coded(code, message)))
            }
            Err(_) => Some(Err(coded(
                OFS_DELTA_ERR_INTERNAL,
                "panic in the Delta bridge while reading".into(),
            ))),
        }
    }
}

impl RecordBatchReader for FileBatches {
    fn schema(&self) -> ArrowSchemaRef {
        self.arrow_schema.clone()
    }
}

/// Reads data file `index` of the scan into `stream_out`, an Arrow C stream the caller drains and
/// releases (it may outlive the scan). Read errors surface from the stream's get_next with
/// get_last_error's message.
#[no_mangle]
pub unsafe extern "C" fn ofs_delta_scan_read_file(
    scan: *const OfsDeltaScan,
    index: usize,
    stream_out: *mut FFI_ArrowArrayStream,
    message_out: *mut *mut c_char,
) -> i32 {
    guard(message_out, || {
        let scan = scan.as_ref().ok_or_else(|| invalid("scan is NULL"))?;
        if stream_out.is_null() {
            return Err(invalid("stream_out is NULL"));
        }
        let file = scan
            .files
            .get(index)
            .ok_or_else(|| invalid(format!("no data file {index}")))?
            .clone();
        let table_root = scan.scan.table_root();
        let location = table_root
            .join(&file.path)
            .map_err(|e| invalid(format!("data file path {:?}: {e}", file.path)))?;
        let selection = file
            .dv_info
            .get_selection_vector(scan.engine.as_ref(), table_root)?;
        let meta = FileMeta {
            location,
            last_modified: file.modification_time,
            size: file
                .size
                .try_into()
                .map_err(|_| invalid("negative file size in the log"))?,
        };
        let physical_schema = scan.scan.physical_schema().clone();
        let reads =
            scan.engine
                .parquet_handler()
                .read_parquet_files(&[meta], physical_schema.clone(), None)?;
        let batches = FileBatches {
            engine: scan.engine.clone(),
            reads,
            physical_schema,
            logical_schema: scan.scan.logical_schema().clone(),
            file,
            arrow_schema: scan.arrow_schema.clone(),
            selection,
        };
        std::ptr::write(stream_out, FFI_ArrowArrayStream::new(Box::new(batches)));
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn ofs_delta_string_free(text: *mut c_char) {
    if !text.is_null() {
        drop(CString::from_raw(text));
    }
}
