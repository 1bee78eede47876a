//! Log lines in upstream's shape, `[HH:MM:SS.mmm] INFO     message`, on stderr.
//!
//! Colour only when stderr is a terminal and `NO_COLOR` is unset. `-v` lets leverage's own debug
//! lines through, `-vv` the AWS SDK's and other libraries' too, `-vvv` leverage's own trace lines.
//! Libraries' trace lines are never shown: they carry whole requests, tokens included.

use std::fmt;
use std::io::IsTerminal;
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

/// Installs the global subscriber for `verbosity` (the number of `-v`); call once from `main`.
pub fn init(verbosity: u8) {
    use tracing_subscriber::layer::SubscriberExt;
    let colour = std::io::stderr().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let layer = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(colour)
        .event_format(UpstreamFormat { colour });
    let filter = tracing_subscriber::filter::filter_fn(move |meta| {
        let ours = meta.target().starts_with("leverage");
        let level = *meta.level();
        match verbosity {
            0 => level <= Level::INFO,
            1 => level <= Level::INFO || (ours && level <= Level::DEBUG),
            // Libraries never go past debug: the SDK's trace lines print whole requests,
            // bearer tokens and session tokens among them.
            2 => level <= Level::DEBUG,
            _ => level <= Level::DEBUG || ours,
        }
    });
    let subscriber =
        tracing_subscriber::registry().with(tracing_subscriber::Layer::with_filter(layer, filter));
    // A second init (tests calling run twice) keeps the first subscriber, which is what we want.
    let _ = tracing::subscriber::set_global_default(subscriber);
}

/// Upstream's format: local wall-clock time with milliseconds, the level padded to 8 columns.
struct UpstreamFormat {
    colour: bool,
}

impl<S, N> FormatEvent<S, N> for UpstreamFormat
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
