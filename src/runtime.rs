//! The Tokio runtime for the SDK's async calls: single-threaded, because leverage's AWS calls are
//! few, and a multi-threaded runtime would cost start-up time for nothing. Concurrent calls
//! (`join_all`) still overlap their network waits on it.

/// A current-thread runtime with I/O and timers.
pub fn new() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a current-thread Tokio runtime needs no resources that can be missing")
}

/// Runs `future` to completion on a new runtime.
pub fn block_on<F: std::future::Future>(future: F) -> F::Output {
    new().block_on(future)
}
