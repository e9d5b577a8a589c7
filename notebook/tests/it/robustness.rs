//! No input makes the crate panic: truncated, garbled and random notebooks,
//! bodies and links. Whatever `parse` accepts round-trips byte for byte.

use glint_notebook::{
    ChartSpec, Notebook, ParamValue, chart_data, markdown, parse_params, set_param, share, sql_references,
};
use glint_protocol::TableData;

/// A small deterministic generator (no `rand` dependency).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        self.0 >> 33
    }
}

const PIECES: &[&str] = &[
    "```",
    "~~~",
    "````",
    "sql",
    "chart",
    "params",
    " name=",
    "\"",
    "'",
    "=",
    "\n",
    "\r\n",
    "\r",
    " ",
    "\t",
    "\u{FEFF}",
    "é",
    "🎉",
    "$p",
    "--",
    "/*",
    "*/",
    "kind: bar",
    "x = 1",
    "events",
    "source: a",
    "a",
    "1",
    "#",
    ":",
    ",",
    "\\",
    "`",
];

/// Exercises every entry point on a text; only panics would fail.
fn exercise(text: &str) {
    if let Ok(mut nb) = Notebook::parse(text) {
        assert_eq!(nb.to_text(), text);
        let _ = nb.validate();
        let _ = nb.params();
        for i in 0..nb.len() {
            let _ = nb.dependants(i);
            let body = nb.cells()[i].body().to_string();
            if let Ok(spec) = ChartSpec::parse(&body) {
                let _ = chart_data(&spec, &TableData::default());
            }
        }
        if !nb.is_empty() {
            let last = nb.len() - 1;
            nb.move_cell(0, last).ok();
            nb.set_body(0, "SELECT 1\n```\n").ok();
            nb.remove(last);
            let out = nb.to_text();
            let again = Notebook::parse(&out).expect("edited notebooks parse");
            assert_eq!(again.to_text(), out);
        }
    }
    let _ = parse_params(text);
    let _ = set_param(text, "a", &ParamValue::Int(1));
    let _ = ChartSpec::parse(text);
    let _ = sql_references(text);
    let _ = markdown::to_html(text);
    let _ = share::decode(text);
}

#[test]
fn truncated_and_garbled_samples() {
    let sample = super::SAMPLE;
    let crlf = sample.replace('\n', "\r\n");
    for base in [sample, crlf.as_str()] {
        for (i, _) in base.char_indices() {
            exercise(&base[..i]);
            exercise(&base[i..]);
        }
    }
    let mut rng = Lcg(7);
    for _ in 0..3000 {
        let mut text = sample.to_string();
        for _ in 0..1 + rng.next() % 4 {
            let mut at = (rng.next() as usize) % (text.len() + 1);
            while !text.is_char_boundary(at) {
                at -= 1;
            }
            match rng.next() % 3 {
                0 => text.insert_str(at, PIECES[rng.next() as usize % PIECES.len()]),
                1 => {
                    let mut end = (at + 1 + rng.next() as usize % 8).min(text.len());
                    while !text.is_char_boundary(end) {
                        end += 1;
                    }
                    text.replace_range(at..end, "");
                }
                _ => text.insert(at, char::from(rng.next() as u8 % 128)),
            }
        }
        exercise(&text);
    }
}

#[test]
fn byte_soup() {
    let mut rng = Lcg(42);
    for n in 0..3000 {
        let len = (rng.next() % 200) as usize;
        let bytes: Vec<u8> = (0..len)
            .map(|_| match rng.next() % 4 {
                0 => b"`~\n\r =\"'$#:"[rng.next() as usize % 11],
                _ => rng.next() as u8,
            })
            .collect();
        exercise(&String::from_utf8_lossy(&bytes));
        let soup: String = (0..len).map(|_| PIECES[rng.next() as usize % PIECES.len()]).collect();
        exercise(&soup);
        exercise(&format!("nb={}", soup.chars().take(n % 50).collect::<String>()));
    }
}
