//! Log lines in the seeds' shape, `[HH:MM:SS.mmm] INFO     message`, on stderr (SPEC §7).
//!
//! Colour only when stderr is a terminal and `NO_COLOR` is unset; `-v` lets debug lines through.

use std::fmt;
use std::io::IsTerminal;
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

/// Installs the global subscriber; call once from `main`.
pub fn init(verbose: bool) {
    let colour = std::io::stderr().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let max_level = if verbose { Level::DEBUG } else { Level::INFO };
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(max_level)
        .with_writer(std::io::stderr)
        .with_ansi(colour)
        .event_format(SeedFormat { colour })
        .finish();
    // A second init (tests calling run twice) keeps the first subscriber, which is what we want.
    let _ = tracing::subscriber::set_global_default(subscriber);
}

/// The seeds' format: local wall-clock time with milliseconds, the level padded to 8 columns.
struct SeedFormat {
    colour: bool,
}

impl<S, N> FormatEvent<S, N> for SeedFormat
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let now = chrono::Local::now().format("%H:%M:%S%.3f");
        let level = *event.metadata().level();
        if self.colour {
            let paint = level_colour(level);
            write!(
                writer,
                "\x1b[2m[{now}]\x1b[0m {paint}{:<8}\x1b[0m ",
                level_name(level)
            )?;
        } else {
            write!(writer, "[{now}] {:<8} ", level_name(level))?;
        }
        ctx.field_format().format_fields(writer.by_ref(), event)?;
        writeln!(writer)
    }
}

fn level_colour(level: Level) -> &'static str {
    match level {
        Level::ERROR => "\x1b[1;31m",
        Level::WARN => "\x1b[33m",
        Level::INFO => "\x1b[34m",
        _ => "\x1b[2m",
    }
}

/// Python's level names, as upstream prints them.
fn level_name(level: Level) -> &'static str {
    match level {
        Level::ERROR => "ERROR",
        Level::WARN => "WARNING",
        Level::INFO => "INFO",
        Level::DEBUG => "DEBUG",
        Level::TRACE => "TRACE",
    }
}
