//! Series colours: the Okabe–Ito palette (distinguishable with the common
//! forms of colour blindness), in a fixed order so series `i` always has the
//! same colour.

/// Okabe–Ito: blue, orange, bluish green, vermillion, sky blue, reddish
/// purple, yellow, black.
pub const PALETTE: [(u8, u8, u8); 8] = [
    (0, 114, 178),
    (230, 159, 0),
    (0, 158, 115),
    (213, 94, 0),
    (86, 180, 233),
    (204, 121, 167),
    (240, 228, 66),
    (0, 0, 0),
];

/// Grey, for the [`super::OTHER_SERIES`] series.
pub const OTHER_COLOR: (u8, u8, u8) = (153, 153, 153);

/// The colour of series `index` (the palette repeats after 8 series).
pub fn series_color(index: usize) -> (u8, u8, u8) {
    PALETTE[index % PALETTE.len()]
}
