//! The authenticator app a user scans a QR code with: reads the image (a PNG, or the code leverage
//! draws in the terminal) and computes the codes.

/// What an authenticator app reads from the image: the otpauth URI.
pub fn scan(png_path: &std::path::Path) -> String {
    let decoder = png::Decoder::new(std::io::BufReader::new(
        std::fs::File::open(png_path).unwrap(),
    ));
    let mut reader = decoder.read_info().unwrap();
    let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut pixels).unwrap();
    assert_eq!(info.color_type, png::ColorType::Grayscale);
    let width = info.width as usize;
    let mut image =
        rqrr::PreparedImage::prepare_from_greyscale(width, info.height as usize, |x, y| {
            pixels[y * width + x]
        });
    let grids = image.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code in {}", png_path.display());
    grids[0].decode().unwrap().1
}

/// The base32 fixture in an otpauth URI.
pub fn seed_of(uri: &str) -> String {
    let query = uri.split_once('?').unwrap().1;
    query
        .split('&')
        .find_map(|p| p.strip_prefix("secret="))
        .unwrap()
        .to_string()
}

/// Two consecutive codes, as a user types them: the current one's predecessor, then it.
pub fn codes(fixture: &str) -> (String, String) {
    let bytes = totp_rs::Secret::Encoded(fixture.to_string())
        .to_bytes()
        .unwrap();
    let totp = totp_rs::TOTP::new_unchecked(totp_rs::Algorithm::SHA1, 6, 0, 30, bytes);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    (totp.generate(now - 30), totp.generate(now))
}

/// What an authenticator app reads from the code drawn in the terminal: Unicode half blocks,
/// two rows of modules per line, light modules drawn (so `█▀▄` are light, a space is dark).
pub fn scan_terminal(text: &str) -> String {
    const SCALE: usize = 4;
    let rows: Vec<Vec<char>> = text
        .lines()
        .filter(|l| !l.is_empty() && l.chars().all(|c| " \u{2580}\u{2584}\u{2588}".contains(c)))
        .map(|l| l.chars().collect())
        .collect();
    let width = rows.iter().map(Vec::len).max().unwrap_or(0);
    let light = |x: usize, y: usize| -> bool {
        let c = rows[y / 2].get(x).copied().unwrap_or(' ');
        matches!(
            (c, y % 2),
            ('\u{2588}', _) | ('\u{2580}', 0) | ('\u{2584}', 1)
        )
    };
    // A margin of light around the drawn code, as a screen shows it.
    let (w, h) = ((width + 8) * SCALE, (rows.len() * 2 + 8) * SCALE);
    let mut image = rqrr::PreparedImage::prepare_from_greyscale(w, h, |px, py| {
        let (x, y) = (px / SCALE, py / SCALE);
        let inside = (4..width + 4).contains(&x) && (4..rows.len() * 2 + 4).contains(&y);
        if !inside || light(x - 4, y - 4) {
            255
        } else {
            0
        }
    });
    let grids = image.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code in:\n{text}");
    grids[0].decode().unwrap().1
}
