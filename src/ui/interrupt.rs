//! Ctrl-C (SIGINT) and SIGTERM while a command holds something it must undo: a created MFA
//! device, a new access key. While a [`Guard`] lives, the signal is delivered to the command,
//! which cleans up and stops; once it is dropped, the signal terminates the process as usual.

use signal_hook::consts::{SIGINT, SIGTERM};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use tokio::sync::mpsc;

/// Receives the interrupts that arrive while it is alive.
pub struct Guard {
    armed: Arc<AtomicBool>,
    received: mpsc::UnboundedReceiver<i32>,
}

impl Guard {
    /// Starts catching SIGINT and SIGTERM. Call it once per command.
    pub fn install() -> std::io::Result<Guard> {
        let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM])?;
        let armed = Arc::new(AtomicBool::new(true));
        let (sender, received) = mpsc::unbounded_channel();
        let watching = Arc::clone(&armed);
        std::thread::spawn(move || {
            for signal in signals.forever() {
                if watching.load(Ordering::SeqCst) && sender.send(signal).is_ok() {
                    continue;
                }
                // Disarmed: what the signal would have done without us.
                let _ = signal_hook::low_level::emulate_default_handler(signal);
            }
        });
        Ok(Guard { armed, received })
    }

    /// Resolves when an interrupt arrives; pending ones resolve at once.
    pub async fn interrupted(&mut self) {
        if self.received.recv().await.is_none() {
            std::future::pending::<()>().await;
        }
    }

    /// Whether an interrupt arrived that nobody waited for yet.
    pub fn pending(&mut self) -> bool {
        self.received.try_recv().is_ok()
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        self.armed.store(false, Ordering::SeqCst);
    }
}
