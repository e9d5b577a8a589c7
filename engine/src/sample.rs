//! A deterministic Segment-style clickstream log with a planted A/B effect:
//! the built-in demo dataset, the tests' data and the benchmark's input.
//!
//! Users are assigned 50/50 to `control` / `treatment` of the experiment
//! [`EXPERIMENT`] (80% of users are eligible and see it); the treatment adds
//! products to the cart more often ([`CART_RATE_CONTROL`] vs
//! [`CART_RATE_TREATMENT`] per product viewed). A small share of lines is
//! malformed and a small share of events carries a numeric `userId`, as real
//! logs do. The same spec always gives the same bytes, on every target.
//!
//! ```
//! let spec = glint_engine::sample::SampleSpec { users: 50, days: 2, ..Default::default() };
//! let log = glint_engine::sample::generate(&spec);
//! assert_eq!(log, glint_engine::sample::generate(&spec));
//! ```

use chrono::{DateTime, Duration, Utc};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

pub const EXPERIMENT: &str = "rec_model_v2";
pub const CART_RATE_CONTROL: f64 = 0.18;
pub const CART_RATE_TREATMENT: f64 = 0.22;
pub const VERTICALS: [&str; 4] = ["food", "electronics", "fashion", "home"];

#[derive(Debug, Clone)]
pub struct SampleSpec {
    pub users: u32,
    pub days: u32,
    pub seed: u64,
    /// First day, as Unix seconds at 00:00 UTC.
    pub start: i64,
    /// Malformed lines per thousand.
    pub malformed_per_mille: u32,
    /// Events with a numeric `userId`, per thousand.
    pub numeric_user_per_mille: u32,
}

impl Default for SampleSpec {
    /// The demo dataset: ~3,000 users over two weeks (about 80k events, 30 MB).
    fn default() -> Self {
        SampleSpec {
            users: 3_000,
            days: 14,
            seed: 42,
            start: 1_790_812_800, // 2026-10-01T00:00:00Z
            malformed_per_mille: 2,
            numeric_user_per_mille: 5,
        }
    }
}

/// The whole log in memory.
pub fn generate(spec: &SampleSpec) -> Vec<u8> {
    let mut out = Vec::new();
    for day in days(spec) {
        for line in day {
            out.extend_from_slice(line.as_bytes());
        }
    }
    out
}

/// The log one day at a time (each day's lines in time order, each ending
/// with `\n`), so that large logs can be written without holding them whole.
pub fn days(spec: &SampleSpec) -> impl Iterator<Item = Vec<String>> + '_ {
    let mut generator = Generator { spec, exposed: vec![false; spec.users as usize], message: 0 };
    (0..spec.days).map(move |d| generator.day(d))
}

struct Generator<'a> {
    spec: &'a SampleSpec,
    exposed: Vec<bool>,
    message: u64,
}

/// Fixed traits of a user, derived from the seed and the user number alone.
struct User {
    id: u32,
    treatment: bool,
    eligible: bool,
    device: &'static str,
    locale: &'static str,
}

impl Generator<'_> {
    fn user(&self, id: u32) -> User {
        let mut rng = ChaCha8Rng::seed_from_u64(self.spec.seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ id as u64);
        User {
            id,
            treatment: rng.random_bool(0.5),
            eligible: rng.random_bool(0.8),
            device: ["mobile", "desktop", "tablet"][rng.random_range(0..3)],
            locale: ["en-US", "de-DE", "fr-FR", "en-GB"][rng.random_range(0..4)],
        }
    }

    fn day(&mut self, day: u32) -> Vec<String> {
        let mut rng = ChaCha8Rng::seed_from_u64(self.spec.seed ^ (0xD1B5_4A32_D192_ED03u64.wrapping_mul(day as u64 + 1)));
        let day_start = self.spec.start * 1000 + day as i64 * 86_400_000;
        let mut events: Vec<(i64, u64, String)> = Vec::new();
        for id in 0..self.spec.users {
            if !rng.random_bool(0.3) {
                continue;
            }
            let user = self.user(id);
            for s in 0..rng.random_range(1..=2u32) {
                let start = day_start + rng.random_range(0..86_000_000i64);
                self.session(&mut rng, &user, start, day * 2 + s, &mut events);
            }
        }
        events.sort_by_key(|e| (e.0, e.1));
        events
            .into_iter()
            .map(|(_, _, line)| {
                if rng.random_range(0..1000) < self.spec.malformed_per_mille {
                    corrupt(&mut rng, line)
                } else {
                    line
                }
            })
            .collect()
    }

    fn session(&mut self, rng: &mut ChaCha8Rng, user: &User, start: i64, n: u32, out: &mut Vec<(i64, u64, String)>) {
        let mut t = start;
        let session = format!("s{}-{}", user.id, n);
        let in_experiment = user.eligible;
        let variant = if user.treatment { "treatment" } else { "control" };
        let exp = |props: &mut String| {
            if in_experiment {
                props.push_str(&format!(r#""experiment_id":"{EXPERIMENT}","variant":"{variant}","#));
            }
        };
        if in_experiment && !self.exposed[user.id as usize] {
            self.exposed[user.id as usize] = true;
            let mut p = String::new();
            exp(&mut p);
            self.emit(rng, user, &session, t, "Experiment Viewed", p, out);
            t += rng.random_range(1_000..5_000);
        }
        let mut p = String::new();
        exp(&mut p);
        p.push_str(&format!(r#""path":"/{}","#, ["", "deals", "search", "category"][rng.random_range(0..4)]));
        self.emit(rng, user, &session, t, "Page Viewed", p, out);
        let cart_rate = if in_experiment && user.treatment { CART_RATE_TREATMENT } else { CART_RATE_CONTROL };
        let mut cart_value = 0.0;
        for _ in 0..rng.random_range(1..=4) {
            t += rng.random_range(5_000..120_000);
            let vertical = VERTICALS[rng.random_range(0..VERTICALS.len())];
            let product = rng.random_range(0..500u32);
            let price = (rng.random_range(200..20_000u32) as f64) / 100.0;
            let mut p = String::new();
            exp(&mut p);
            p.push_str(&format!(r#""vertical":"{vertical}","product_id":"p{product:04}","price":{price:.2},"#));
            self.emit(rng, user, &session, t, "Product Viewed", p.clone(), out);
            if rng.random_bool(cart_rate) {
                t += rng.random_range(2_000..60_000);
                let qty = rng.random_range(1..=3u32);
                cart_value += price * qty as f64;
                let mut p = p.clone();
                p.push_str(&format!(r#""quantity":{qty},"#));
                self.emit(rng, user, &session, t, "Added to Cart", p, out);
            }
        }
        if cart_value > 0.0 && rng.random_bool(0.6) {
            t += rng.random_range(10_000..180_000);
            let mut p = String::new();
            exp(&mut p);
            p.push_str(&format!(r#""value":{cart_value:.2},"#));
            self.emit(rng, user, &session, t, "Checkout Started", p, out);
            if rng.random_bool(0.7) {
                t += rng.random_range(10_000..300_000);
                let vertical = VERTICALS[rng.random_range(0..VERTICALS.len())];
                let mut p = String::new();
                exp(&mut p);
                p.push_str(&format!(
                    r#""vertical":"{vertical}","order_id":"o{}","revenue":{cart_value:.2},"currency":"USD","#,
                    self.message
                ));
                self.emit(rng, user, &session, t, "Order Completed", p, out);
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn emit(
        &mut self,
        rng: &mut ChaCha8Rng,
        user: &User,
        session: &str,
        t: i64,
        event: &str,
        mut props: String,
        out: &mut Vec<(i64, u64, String)>,
    ) {
        self.message += 1;
        if props.ends_with(',') {
            props.pop();
        }
        let user_id = if rng.random_range(0..1000) < self.spec.numeric_user_per_mille {
            user.id.to_string()
        } else {
            format!("\"u{:05}\"", user.id)
        };
        let dt = DateTime::<Utc>::from_timestamp_millis(t).unwrap_or_default();
        let timestamp = if rng.random_range(0..10) == 0 {
            (dt + Duration::hours(2)).format("%Y-%m-%dT%H:%M:%S%.3f+02:00").to_string()
        } else {
            dt.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
        };
        let line = format!(
            r#"{{"type":"track","event":"{event}","userId":{user_id},"anonymousId":"a{:05}","timestamp":"{timestamp}","messageId":"m{:09}","properties":{{{props}}},"context":{{"device":{{"type":"{}"}},"locale":"{}","session_id":"{session}"}}}}"#,
            user.id, self.message, user.device, user.locale
        );
        out.push((t, self.message, line + "\n"));
    }
}

/// Damages a line the ways real logs are damaged.
fn corrupt(rng: &mut ChaCha8Rng, line: String) -> String {
    match rng.random_range(0..4) {
        0 => format!("{}\n", &line[..line.len() / 2]),
        1 => format!("{} trailing-garbage\n", line.trim_end()),
        2 => "ERROR 502 upstream timeout while flushing batch\n".to_string(),
        _ => "[\"not\", \"an\", \"object\"]\n".to_string(),
    }
}
