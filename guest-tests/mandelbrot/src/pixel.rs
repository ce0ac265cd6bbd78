//! The demo's pixel, shared with the benchmark workloads (`guest-tests/bench`).

const MAX_ITER: u32 = 1000;

/// The grey level of pixel (`x`, `y`) of a `width`×`height` view of the Mandelbrot set.
pub fn pixel(x: u32, y: u32, width: u32, height: u32) -> u8 {
    let cx = -2.2 + 3.2 * f64::from(x) / f64::from(width);
    let cy = -1.2 + 2.4 * f64::from(y) / f64::from(height);
    let (mut zx, mut zy, mut i) = (0.0f64, 0.0f64, 0);
    while i < MAX_ITER && zx * zx + zy * zy <= 4.0 {
        let t = zx * zx - zy * zy + cx;
        zy = 2.0 * zx * zy + cy;
        zx = t;
        i += 1;
    }
    if i == MAX_ITER { 0 } else { (255 - (i * 255 / 64).min(255)) as u8 }
}
