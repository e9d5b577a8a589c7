//! Glint's experiment statistics: the A/B-test read-out computed from
//! sufficient statistics.
//!
//! The engine aggregates each arm into a handful of sums (in browser workers,
//! on a server, on a cluster: sums merge across partitions); this crate turns
//! them into the read-out. It does no IO, keeps no state, never panics on
//! data, and builds for native and wasm32 alike. Distributions come from
//! `statrs`.
//!
//! # Inputs
//!
//! | type | per unit | sums |
//! |---|---|---|
//! | [`MeanStats`] | value x (0/1 for conversions) | n, Σx, Σx² |
//! | [`RatioStats`] | numerator m, denominator d | n, Σm, Σd, Σm², Σd², Σmd |
//! | [`CupedStats`] | metric y, pre-exposure covariate x | n, Σy, Σy², Σx, Σx², Σxy |
//!
//! # Methods
//!
//! | question | function | method (formula in the module docs) | reference checked against |
//! |---|---|---|---|
//! | per-arm value, variance, SE | [`summarize_binomial`], [`summarize_mean`], [`summarize_ratio`] | p(1 − p); n − 1 sample variance; delta method | gbstats statistics |
//! | conversion lift, p-value | [`compare_binomial`] | two-proportion z (pooled by default), unpooled Wald CI, delta-method relative CI | statsmodels `proportions_ztest`, `test_proportions_2indep`, `confint_proportions_2indep` |
//! | mean lift, p-value | [`compare_means`] | Welch's t, Welch–Satterthwaite df | scipy `ttest_ind_from_stats(equal_var=False)`, gbstats `TwoSidedTTest` |
//! | ratio lift, p-value | [`compare_ratios`] | delta-method variance, z | gbstats `RatioStatistic`, scipy `norm` |
//! | variance-reduced lift | [`compare_cuped`] | CUPED, θ from both arms pooled, Welch's t | gbstats `RegressionAdjustedStatistic`, scipy |
//! | chance to beat, expected loss (conversions) | [`bayes_binomial`] | Beta(1 + c, 1 + n − c), Evan Miller / Stucchio closed-form sums | mpmath quadrature (40 digits) |
//! | chance to beat, expected loss (any metric) | [`bayes_normal`] | normal posterior of the relative lift | gbstats `EffectBayesianABTest` |
//! | is the split broken? | [`sample_ratio_mismatch`] | Pearson chi-square goodness of fit | scipy `chisquare`, gbstats `check_srm` |
//! | may I peek? | [`TestOptions::sequential`] | mixture SPRT, Howard et al. 2021 normal mixture | gbstats `SequentialTwoSidedTTest` |
//! | many arms × metrics | [`adjust_p_values`], [`adjust_comparisons`] | Holm, Benjamini–Hochberg, decision-consistent intervals | statsmodels `multipletests` |
//!
//! Effects are treatment − control ("absolute") and (treatment − control) /
//! control ("relative", a fraction). Tests are on the absolute effect.
//!
//! # Results as data
//!
//! Invalid requests (alpha outside (0, 1), more conversions than units,
//! non-finite sums) are a [`StatsError`]. Statistics that do not exist for
//! valid data (an empty arm, an arm of one unit, zero variance in both arms, a
//! zero control rate for a relative lift, a zero denominator) are
//! [`Computed::Undefined`] with an [`UndefinedCode`] and a sentence. No result
//! holds NaN; unbounded interval sides are `None`.
//!
//! # Example: a conversion A/B read-out
//!
//! ```
//! use glint_stats::{
//!     MeanStats, SrmOptions, TestOptions, bayes_binomial, compare_binomial,
//!     sample_ratio_mismatch,
//! };
//!
//! // Sums the engine produced: units and conversions per arm.
//! let control = MeanStats::binomial(10_000, 1_000);
//! let treatment = MeanStats::binomial(10_050, 1_120);
//!
//! // 1. Is the split healthy? (intended 50/50)
//! let srm = sample_ratio_mismatch(&[control.n, treatment.n], &SrmOptions::default())?;
//! assert!(!srm.value().expect("units observed").flagged);
//!
//! // 2. Frequentist: lift, interval, p-value.
//! let readout = compare_binomial(&control, &treatment, &TestOptions::default())?;
//! let lift = readout.relative.value().expect("control converts");
//! let test = readout.test.value().expect("both arms have data");
//! assert!((lift.estimate - 0.1144).abs() < 1e-3); // +11.4 %
//! assert!(test.p_value < 0.01);
//! assert!(lift.interval.lower.expect("two-sided") > 0.0);
//!
//! // 3. Bayesian: chance to beat control, risk of shipping.
//! let bayes = bayes_binomial(&control, &treatment)?;
//! assert!(bayes.chance_to_beat_control > 0.99);
//! assert!(bayes.expected_loss_treatment < 1e-4);
//! # Ok::<(), glint_stats::StatsError>(())
//! ```

mod arm;
mod bayes;
mod beta_binomial;
mod binomial;
mod comparison;
mod computed;
mod cuped;
mod distribution;
mod effect;
mod error;
mod means;
mod multiple;
mod options;
mod ratio;
pub mod sequential;
mod srm;
mod sums;

pub use arm::ArmSummary;
pub use bayes::{BayesianMethod, BayesianResult, LossScale, bayes_normal};
pub use beta_binomial::bayes_binomial;
pub use binomial::{compare_binomial, summarize_binomial};
pub use comparison::{Comparison, MetricKind};
pub use computed::{Computed, UndefinedCode};
pub use cuped::{CupedDetails, compare_cuped, cuped_theta};
pub use effect::{Effect, Interval, Reference, TestMethod, TestResult};
pub use error::{StatsError, StatsErrorKind};
pub use means::{compare_means, summarize_mean};
pub use multiple::{
    AdjustedComparison, Adjustment, Correction, CorrectionOptions, adjust_comparisons,
    adjust_p_values,
};
pub use options::{Mixture, ProportionVariance, SequentialOptions, Sides, TestOptions};
pub use ratio::{compare_ratios, summarize_ratio};
pub use srm::{SrmOptions, SrmResult, sample_ratio_mismatch};
pub use sums::{CupedStats, MeanStats, RatioStats};
