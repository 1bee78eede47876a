//! Directories that hold secrets (`~/.aws/<short>/`, its caches, `~/.kube/<short>/`): made 0700,
//! parents included, and tightened with a warning when someone made them looser. In a directory
//! others can write to, they could swap our files or directories out.

use crate::error::IoError;
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::Path;

pub fn ensure(dir: &Path) -> Result<(), IoError> {
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(IoError::on("create", dir))?;
    let mode = std::fs::metadata(dir)
        .map_err(IoError::on("read", dir))?
        .permissions()
        .mode()
        & 0o777;
    if mode != 0o700 {
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
            .map_err(IoError::on("make private", dir))?;
        tracing::warn!(
            "{} was {mode:o}, readable by others; leverage made it 0700.",
            dir.display()
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mode(dir: &Path) -> u32 {
        std::fs::metadata(dir).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn made_private_or_tightened() {
        let root = tempfile::tempdir().unwrap();
        let new = root.path().join("a/b");
        ensure(&new).unwrap();
        assert_eq!((mode(&root.path().join("a")), mode(&new)), (0o700, 0o700));
        std::fs::set_permissions(&new, std::fs::Permissions::from_mode(0o777)).unwrap();
        ensure(&new).unwrap();
        assert_eq!(mode(&new), 0o700);
    }
}
