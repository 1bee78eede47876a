//! Running the binary in several layers, up to N at a time, with each layer's output prefixed on
//! screen and kept in its own log, then a summary table.

use crate::error::IoError;
use crate::process::{Invocation, wait_forwarding_signals};
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How one layer of a multi-layer run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub layer: String,
    /// None when `--fail-fast` kept it from starting.
    pub code: Option<i32>,
    pub duration: Duration,
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
) -> Result<Vec<Outcome>, IoError> {
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
            let code = invocation.run_attached()?;
            failed.fetch_or(code != 0, Ordering::SeqCst);
            outcomes.push(Outcome {
                layer,
                code: Some(code),
                duration: started.elapsed(),
            });
        }
        return Ok(outcomes);
    }

    std::fs::create_dir_all(log_dir).map_err(IoError::on("create", log_dir))?;
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
fn run_captured(layer: &str, invocation: &Invocation, log_dir: &Path) -> Result<i32, IoError> {
    let log_path = log_dir.join(format!("{}.log", layer.replace('/', "__")));
    let log = std::fs::File::create(&log_path).map_err(IoError::on("create", &log_path))?;
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
        .map_err(IoError::on("start", &invocation.program))?;
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
    let code = wait_forwarding_signals(child, &invocation.program);
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
