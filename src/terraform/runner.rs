//! Running the binary: attached to the terminal for one layer, or several layers at a time with
//! each layer's output prefixed on screen and kept in its own log, then a summary table.
//!
//! The child's exit code is ours. Ctrl-C reaches the child from the terminal (same process
//! group) and leverage waits for it to finish; SIGTERM and SIGHUP sent to leverage are passed on.

use super::TerraformError;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// One run of the binary.
#[derive(Debug, Clone)]
pub struct Invocation {
    pub program: PathBuf,
    pub args: Vec<String>,
    pub dir: PathBuf,
    pub env: Vec<(String, String)>,
}

impl Invocation {
    fn command(&self) -> Command {
        let mut command = Command::new(&self.program);
        command.args(&self.args).current_dir(&self.dir);
        for (k, v) in &self.env {
            command.env(k, v);
        }
        command
    }
}

/// How one layer of a multi-layer run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub layer: String,
    /// None when `--fail-fast` kept it from starting.
    pub code: Option<i32>,
    pub duration: Duration,
}

/// Runs with the terminal attached and returns the exit code (128+N when killed by signal N).
pub fn run_attached(invocation: &Invocation) -> Result<i32, TerraformError> {
    tracing::debug!(
        "Running {} {} in {}",
        invocation.program.display(),
        invocation.args.join(" "),
        invocation.dir.display()
    );
    let child = invocation
        .command()
        .spawn()
        .map_err(|source| TerraformError::Io {
            action: format!("start {}", invocation.program.display()),
            source,
        })?;
    wait_forwarding_signals(child)
}

fn wait_forwarding_signals(mut child: Child) -> Result<i32, TerraformError> {
    let _guard = SignalGuard::install(child.id());
    let status = child.wait().map_err(|source| TerraformError::Io {
        action: "wait for the child process".into(),
        source,
    })?;
    Ok(exit_code(status))
}

fn exit_code(status: std::process::ExitStatus) -> i32 {
    use std::os::unix::process::ExitStatusExt;
    status
        .code()
        .unwrap_or_else(|| 128 + status.signal().unwrap_or(0))
}

/// While alive, SIGINT/SIGQUIT do not kill leverage (the child got them from the terminal and
/// decides), and SIGTERM/SIGHUP are forwarded to the child.
struct SignalGuard {
    ids: Vec<signal_hook::SigId>,
    forwarder: Option<(signal_hook::iterator::Handle, std::thread::JoinHandle<()>)>,
}

impl SignalGuard {
    fn install(child: u32) -> SignalGuard {
        use signal_hook::consts::{SIGHUP, SIGINT, SIGQUIT, SIGTERM};
        let noticed = Arc::new(AtomicBool::new(false));
        let ids = [SIGINT, SIGQUIT]
            .iter()
            .filter_map(|s| signal_hook::flag::register(*s, Arc::clone(&noticed)).ok())
            .collect();
        let forwarder = signal_hook::iterator::Signals::new([SIGTERM, SIGHUP])
            .ok()
            .map(|mut signals| {
                let handle = signals.handle();
                let thread = std::thread::spawn(move || {
                    for signal in signals.forever() {
                        // SAFETY: kill(2) with a pid we spawned and a valid signal number.
                        unsafe {
                            libc::kill(child as libc::pid_t, signal);
                        }
                    }
                });
                (handle, thread)
            });
        SignalGuard { ids, forwarder }
    }
}

impl Drop for SignalGuard {
    fn drop(&mut self) {
        for id in self.ids.drain(..) {
            signal_hook::low_level::unregister(id);
        }
        if let Some((handle, thread)) = self.forwarder.take() {
            handle.close();
            let _ = thread.join();
        }
    }
}

/// Runs the layers in order, up to `jobs` at a time. With one job the terminal is attached as
/// for a single layer; with more, stdin is closed, output lines are prefixed `[layer]` and each
/// layer's output is also written to `<log_dir>/<layer>.log`. With `fail_fast`, no layer starts
/// after one failed.
pub fn run_layers(
    layers: Vec<(String, Invocation)>,
    jobs: usize,
    fail_fast: bool,
    log_dir: &Path,
) -> Result<Vec<Outcome>, TerraformError> {
    let failed = AtomicBool::new(false);
    if jobs <= 1 {
        let mut outcomes = Vec::new();
        for (layer, invocation) in layers {
            if fail_fast && failed.load(Ordering::SeqCst) {
                outcomes.push(Outcome {
                    layer,
                    code: None,
                    duration: Duration::ZERO,
                });
                continue;
            }
            tracing::info!("Invoking command for layer {layer}...");
            let started = Instant::now();
            let code = run_attached(&invocation)?;
            failed.fetch_or(code != 0, Ordering::SeqCst);
            outcomes.push(Outcome {
                layer,
                code: Some(code),
                duration: started.elapsed(),
            });
        }
        return Ok(outcomes);
    }

    std::fs::create_dir_all(log_dir).map_err(|source| TerraformError::Io {
        action: format!("create {}", log_dir.display()),
        source,
    })?;
    let queue = Mutex::new(
        layers
            .into_iter()
            .enumerate()
            .collect::<Vec<_>>()
            .into_iter(),
    );
    let outcomes = Mutex::new(Vec::new());
    let error = Mutex::new(None);
    std::thread::scope(|scope| {
        for _ in 0..jobs {
            scope.spawn(|| {
                loop {
                    let next = queue.lock().unwrap_or_else(|p| p.into_inner()).next();
                    let Some((index, (layer, invocation))) = next else {
                        break;
                    };
                    let outcome = if fail_fast && failed.load(Ordering::SeqCst) {
                        Outcome {
                            layer,
                            code: None,
                            duration: Duration::ZERO,
                        }
                    } else {
                        let started = Instant::now();
                        match run_captured(&layer, &invocation, log_dir) {
                            Ok(code) => {
                                failed.fetch_or(code != 0, Ordering::SeqCst);
                                Outcome {
                                    layer,
                                    code: Some(code),
                                    duration: started.elapsed(),
                                }
                            }
                            Err(e) => {
                                failed.store(true, Ordering::SeqCst);
                                error
                                    .lock()
                                    .unwrap_or_else(|p| p.into_inner())
                                    .get_or_insert(e);
                                Outcome {
                                    layer,
                                    code: Some(1),
                                    duration: started.elapsed(),
                                }
                            }
                        }
                    };
                    outcomes
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .push((index, outcome));
                }
            });
        }
    });
    if let Some(e) = error.into_inner().unwrap_or_else(|p| p.into_inner()) {
        return Err(e);
    }
    let mut outcomes = outcomes.into_inner().unwrap_or_else(|p| p.into_inner());
    outcomes.sort_by_key(|(i, _)| *i);
    Ok(outcomes.into_iter().map(|(_, o)| o).collect())
}

/// Runs one layer with its output prefixed on screen and copied to its log file.
fn run_captured(
    layer: &str,
    invocation: &Invocation,
    log_dir: &Path,
) -> Result<i32, TerraformError> {
    let log_path = log_dir.join(format!("{}.log", layer.replace('/', "__")));
    let log = std::fs::File::create(&log_path).map_err(|source| TerraformError::Io {
        action: format!("create {}", log_path.display()),
        source,
    })?;
    let log = Arc::new(Mutex::new(log));
    tracing::info!(
        "Invoking command for layer {layer}... (log: {})",
        log_path.display()
    );
    let mut child = invocation
        .command()
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|source| TerraformError::Io {
            action: format!("start {}", invocation.program.display()),
            source,
        })?;
    let stdout = child.stdout.take().expect("piped stdout");
    let stderr = child.stderr.take().expect("piped stderr");
    let copy = |stream: Box<dyn std::io::Read + Send>, to_stderr: bool| {
        let prefix = format!("[{layer}] ");
        let log = Arc::clone(&log);
        std::thread::spawn(move || {
            for line in BufReader::new(stream).lines().map_while(Result::ok) {
                let _ = writeln!(log.lock().unwrap_or_else(|p| p.into_inner()), "{line}");
                if to_stderr {
                    let _ = writeln!(std::io::stderr().lock(), "{prefix}{line}");
                } else {
                    let _ = writeln!(std::io::stdout().lock(), "{prefix}{line}");
                }
            }
        })
    };
    let out = copy(Box::new(stdout), false);
    let err = copy(Box::new(stderr), true);
    let code = wait_forwarding_signals(child);
    let _ = out.join();
    let _ = err.join();
    code
}

/// The table printed after a multi-layer run.
pub fn summary(outcomes: &[Outcome]) -> String {
    let width = outcomes
        .iter()
        .map(|o| o.layer.len())
        .max()
        .unwrap_or(5)
        .max(5);
    let mut table = format!("{:<width$}  {:>6}  {:>9}\n", "LAYER", "EXIT", "DURATION");
    for o in outcomes {
        let code = o.code.map_or("skipped".to_string(), |c| c.to_string());
        let duration = if o.code.is_some() {
            format!("{:.1}s", o.duration.as_secs_f64())
        } else {
            "-".into()
        };
        table.push_str(&format!("{:<width$}  {code:>6}  {duration:>9}\n", o.layer));
    }
    table
}
