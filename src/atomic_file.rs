//! Replacing a file so that a crash leaves the old text or the new, never a mix: a temp file in
//! the same directory, fsynced, renamed over the target, then the directory fsynced.

use std::fs::{self, File};
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

/// Writes `text` (or any bytes) to `path` atomically with permission bits `mode`.
pub fn write(path: &Path, text: impl AsRef<[u8]>, mode: u32) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut temp = tempfile::Builder::new()
        .prefix(".leverage-")
        .permissions(fs::Permissions::from_mode(mode))
        .tempfile_in(dir)?;
    temp.write_all(text.as_ref())?;
    temp.as_file().sync_all()?;
    temp.persist(path).map_err(|e| e.error)?;
    if let Ok(dir) = File::open(dir) {
        let _ = dir.sync_all();
    }
    Ok(())
}

/// Like [`write`], keeping the permission bits `path` already has (0644 for a new file).
pub fn write_keeping_mode(path: &Path, text: &str) -> std::io::Result<()> {
    let mode = fs::metadata(path)
        .map(|m| m.permissions().mode() & 0o7777)
        .unwrap_or(0o644);
    write(path, text, mode)
}
