//! QR codes for an authenticator app: drawn in the terminal with Unicode half blocks (two rows
//! of modules per line), or written as a PNG. The text they carry is secret (a TOTP secret).

use qrcode::render::unicode::Dense1x2;
use qrcode::{Color, QrCode};
use std::path::Path;

/// Pixels per module in the PNG, and modules of white border (the standard's quiet zone).
const SCALE: usize = 8;
const QUIET_ZONE: usize = 4;

#[derive(Debug, thiserror::Error)]
pub enum QrError {
    #[error("the text is too long for a QR code")]
    TooLong,
    #[error("could not write the QR code image {}: {source}", path.display())]
    Write {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
}

impl crate::error::Diagnostic for QrError {}

/// The code as lines of text; light modules are drawn dark so it scans on a dark terminal.
pub fn terminal(text: &str) -> Result<String, QrError> {
    let code = QrCode::new(text.as_bytes()).map_err(|_| QrError::TooLong)?;
    Ok(code
        .render::<Dense1x2>()
        .dark_color(Dense1x2::Light)
        .light_color(Dense1x2::Dark)
        .build())
}

/// Writes the code as a black-on-white greyscale PNG, atomically and readable only by the user.
pub fn write_png(text: &str, path: &Path) -> Result<(), QrError> {
    let code = QrCode::new(text.as_bytes()).map_err(|_| QrError::TooLong)?;
    let bytes = png_bytes(&code).map_err(|source| QrError::Write {
        path: path.to_path_buf(),
        source,
    })?;
    crate::atomic_file::write(path, &bytes, crate::atomic_file::Mode::Private).map_err(|e| {
        QrError::Write {
            path: path.to_path_buf(),
            source: e.source,
        }
    })
}

fn png_bytes(code: &QrCode) -> std::io::Result<Vec<u8>> {
    let modules = code.width();
    let colors = code.to_colors();
    let side = (modules + 2 * QUIET_ZONE) * SCALE;
    let mut pixels = vec![255u8; side * side];
    for (index, color) in colors.iter().enumerate() {
        if *color != Color::Dark {
            continue;
        }
        let (x, y) = (index % modules + QUIET_ZONE, index / modules + QUIET_ZONE);
        for row in y * SCALE..(y + 1) * SCALE {
            pixels[row * side + x * SCALE..row * side + (x + 1) * SCALE].fill(0);
        }
    }
    let side = u32::try_from(side).map_err(std::io::Error::other)?;
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, side, side);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().map_err(std::io::Error::other)?;
    writer
        .write_image_data(&pixels)
        .map_err(std::io::Error::other)?;
    writer.finish().map_err(std::io::Error::other)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_terminal_code_uses_half_blocks_and_a_png_is_private() {
        let drawn = terminal("otpauth://totp/x?secret=JBSWY3DPEHPK3PXP").unwrap();
        assert!(drawn.contains('▀') || drawn.contains('▄'), "{drawn}");
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("qr.png");
        write_png("otpauth://totp/x?secret=JBSWY3DPEHPK3PXP", &path).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        assert!(bytes.starts_with(b"\x89PNG"));
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
}
