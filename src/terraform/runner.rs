//! Running the binary in several layers in dependency order, up to N at a time, each layer's
//! output prefixed on screen and kept in its own log, then a summary table.

use crate::error::IoError;
use crate::graph::{Progress, Schedule, State};
use crate::process::{Invocation, wait_forwarding_signals};
use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// How one layer of a multi-layer run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub layer: String,
    /// None when it did not run.
    pub code: Option<i32>,
    pub duration: Duration,
    /// Why it did not run.
    pub skipped: Option<String>,
}

/// How a multi-layer run goes.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Layers at a time. With one the terminal is attached as for a single layer; with more,
    /// stdin is closed, output lines are prefixed `[layer]` and also written to
    /// `<log_dir>/<layer>.log` (see [`private_log_dir`]).
    pub jobs: usize,
    /// Start no more layers once one has failed.
    pub fail_fast: bool,
    /// A failed layer skips every layer that depends on it (apply, destroy).
    pub skip_dependents: bool,
    /// One binary at a time even with several jobs (`init` sharing a plugin cache).
    pub serialize: bool,
    /// Exit code 2 means "changes", not failure (`plan -detailed-exitcode`).
    pub detailed_exitcode: bool,
    /// Where each layer's log goes when several run at once.
    pub log_dir: Option<PathBuf>,
}

/// A new directory for one run's logs that only this user can read: the logs may hold
/// sensitive outputs. A random name under the temp directory, made 0700 (never an existing
/// one, which someone else could have prepared), kept after the run for the user to read.
pub fn private_log_dir(short_name: &str) -> Result<PathBuf, IoError> {
    use std::os::unix::fs::PermissionsExt;
    let parent = std::env::temp_dir();
    tempfile::Builder::new()
        .prefix(&format!("leverage-{short_name}-"))
        .permissions(std::fs::Permissions::from_mode(0o700))
        .tempdir_in(&parent)
        .map(tempfile::TempDir::keep)
        .map_err(IoError::on("create a log directory in", &parent))
}

/// Runs the layers (`layers[i]` is `schedule.layers[i]`) as the schedule orders them: a unit
/// starts once the units it depends on are done, up to `jobs` at a time, ready units in
/// schedule order; a cycle's layers run one after the other. Outcomes come in schedule order.
pub fn run_layers(
    layers: Vec<(String, Invocation)>,
    schedule: &Schedule,
    options: &RunOptions,
) -> Result<Vec<Outcome>, IoError> {
    let shared = Shared {
        layers,
        options,
        progress: Mutex::new(Progress::new(
            schedule,
            options.skip_dependents,
            options.fail_fast,
        )),
        wake: Condvar::new(),
        outcomes: Mutex::new(vec![None; schedule.layers.len()]),
        serial: Mutex::new(()),
        error: Mutex::new(None),
    };
    let workers = options.jobs.clamp(1, schedule.units.len().max(1));
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| shared.work(schedule));
        }
    });
    if let Some(e) = lock(&shared.error).take() {
        return Err(e);
    }
    let outcomes = shared
        .outcomes
        .into_inner()
        .unwrap_or_else(|p| p.into_inner());
    let mut ordered = Vec::new();
    for unit in &schedule.units {
        for &l in &unit.layers {
            ordered.push(outcomes[l].clone().unwrap_or_else(|| Outcome {
                layer: shared.layers[l].0.clone(),
                code: None,
                duration: Duration::ZERO,
                skipped: Some(skip_reason(&lock(&shared.progress), unit_of(schedule, l))),
            }));
        }
    }
    Ok(ordered)
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

fn unit_of(schedule: &Schedule, layer: usize) -> usize {
    schedule
        .units
        .iter()
        .position(|u| u.layers.contains(&layer))
        .unwrap_or(0)
}

fn skip_reason(progress: &Progress, unit: usize) -> String {
    match progress.state(unit) {
        State::Skipped(reason) => reason.clone(),
        _ => "not started".into(),
    }
}

/// What the workers of one run share.
struct Shared<'a> {
    layers: Vec<(String, Invocation)>,
    options: &'a RunOptions,
    progress: Mutex<Progress<'a>>,
    wake: Condvar,
    outcomes: Mutex<Vec<Option<Outcome>>>,
    serial: Mutex<()>,
    error: Mutex<Option<IoError>>,
}

impl Shared<'_> {
    /// Takes ready units until none is left.
    fn work(&self, schedule: &Schedule) {
        loop {
            let unit = {
                let mut progress = lock(&self.progress);
                loop {
                    if let Some(unit) = progress.start_next() {
                        break Some(unit);
                    }
                    if progress.done() {
                        break None;
                    }
                    progress = self.wake.wait(progress).unwrap_or_else(|p| p.into_inner());
                }
            };
            let Some(unit) = unit else {
                self.wake.notify_all();
                return;
            };
            let failed = self.run_unit(&schedule.units[unit].layers);
            lock(&self.progress).finish(unit, failed.as_deref());
            self.wake.notify_all();
        }
    }

    /// Runs a unit's layers one at a time; returns the first failed layer's name.
    fn run_unit(&self, members: &[usize]) -> Option<String> {
        let mut failed: Option<String> = None;
        for &l in members {
            let (layer, invocation) = &self.layers[l];
            if let Some(first) = failed
                .as_ref()
                .filter(|_| self.options.skip_dependents || self.options.fail_fast)
            {
                let outcome = Outcome {
                    layer: layer.clone(),
                    code: None,
                    duration: Duration::ZERO,
                    skipped: Some(format!("cycle member failed: {first}")),
                };
                lock(&self.outcomes)[l] = Some(outcome);
                continue;
            }
            let started = Instant::now();
            let code = {
                let _turn = self.options.serialize.then(|| lock(&self.serial));
                // A log directory is made exactly when several layers run at once.
                match &self.options.log_dir {
                    Some(log_dir) => run_captured(layer, invocation, log_dir),
                    None => {
                        tracing::info!("Invoking command for layer {layer}...");
                        invocation.run_attached()
                    }
                }
            };
            let code = code.unwrap_or_else(|e| {
                lock(&self.error).get_or_insert(e);
                1
            });
            if is_failure(code, self.options.detailed_exitcode) && failed.is_none() {
                failed = Some(layer.clone());
            }
            lock(&self.outcomes)[l] = Some(Outcome {
                layer: layer.clone(),
                code: Some(code),
                duration: started.elapsed(),
                skipped: None,
            });
        }
        failed
    }
}

fn is_failure(code: i32, detailed_exitcode: bool) -> bool {
    code != 0 && !(detailed_exitcode && code == 2)
}

/// The run's exit code: the first failure's, else 2 when `-detailed-exitcode` saw changes.
pub fn exit_code_of(outcomes: &[Outcome], detailed_exitcode: bool) -> i32 {
    let codes = || outcomes.iter().filter_map(|o| o.code);
    codes()
        .find(|&c| is_failure(c, detailed_exitcode))
        .or_else(|| codes().find(|&c| c == 2).filter(|_| detailed_exitcode))
        .unwrap_or(0)
}

/// Runs one layer with its output prefixed on screen and copied to its log file.
fn run_captured(layer: &str, invocation: &Invocation, log_dir: &Path) -> Result<i32, IoError> {
    let log_path = log_dir.join(format!("{}.log", layer.replace('/', "__")));
    // A new file, private, in our own directory: never a link someone left there.
    let log = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&log_path)
        .map_err(IoError::on("create", &log_path))?;
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

/// The table printed after a multi-layer run: ok / changes / failed / skipped with the reason.
pub fn summary(outcomes: &[Outcome], detailed_exitcode: bool) -> String {
    let width = outcomes
        .iter()
        .map(|o| o.layer.len())
        .max()
        .unwrap_or(5)
        .max(5);
    let mut table = format!(
        "{:<width$}  {:<7}  {:>4}  {:>8}\n",
        "LAYER", "RESULT", "EXIT", "DURATION"
    );
    for o in outcomes {
        let (result, code, duration) = match o.code {
            Some(c) if is_failure(c, detailed_exitcode) => ("failed", c.to_string(), o.duration),
            Some(2) => ("changes", "2".into(), o.duration),
            Some(c) => ("ok", c.to_string(), o.duration),
            None => ("skipped", "-".into(), Duration::ZERO),
        };
        let duration = match o.code {
            Some(_) => format!("{:.1}s", duration.as_secs_f64()),
            None => "-".into(),
        };
        let mut row = format!("{:<width$}  {result:<7}  {code:>4}  {duration:>8}", o.layer);
        if let Some(reason) = &o.skipped {
            row.push_str("  ");
            row.push_str(reason);
        }
        table.push_str(row.trim_end());
        table.push('\n');
    }
    table
}
