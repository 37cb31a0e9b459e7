//! Bundles the selected bridges into one static library: naming a crate here links its exported
//! `extern "C"` functions into `libofs_native.a` (see ../Cargo.toml for why there is one library).

#[cfg(feature = "cql")]
pub use ofs_cql;
#[cfg(feature = "delta")]
pub use ofs_delta;
