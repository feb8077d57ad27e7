//! The rules that an agreement's terms set for the transactions recorded under it (and that a
//! fixing sets for a payment converted at it), as the store sees them: a trait that the store's writer asks about every transaction, and the
//! error it refuses with. The store applies the rules but does not define them; the
//! operations layer gives it its rulebook (`ops::rulebook::Rulebook`), so that a swap leg or
//! an offset meets the same rules from a command, a journal or a library call.

use crate::model::agreement::Agreement;
use crate::model::chart::Chart;
use crate::model::fixing::Fixing;
use crate::model::transaction::Transaction;
use rust_decimal::Decimal;
use thiserror::Error;

/// The rules of the agreements known so far.
pub trait AgreementRules: Send + Sync + std::fmt::Debug {
    /// Check a complete transaction (every posting has its amount) against the rules of the
    /// agreement it names, if any.
    fn check(&self, t: &Transaction) -> Result<(), RuleError>;
    /// Learn a newly declared agreement.
    fn learn(&mut self, a: &Agreement, chart: &Chart);
    /// Learn a newly recorded fixing, which a payment in another currency converts at (the
    /// chart gives the scale of the commodity it is quoted in). Returns false, learning
    /// nothing, for another rate of a fixing it knows (the writer refuses it).
    fn learn_fixing(&mut self, f: &Fixing, chart: &Chart) -> bool;
    /// The limit of the agreement `name` over everything recorded under it, and the commodity
    /// it is stated in, for an agreement that has one (an offset's).
    fn limit(&self, name: &str) -> Option<(Decimal, String)>;
    /// What `t`, recorded under an agreement with a limit, counts against it.
    fn counted(&self, t: &Transaction) -> Result<Decimal, RuleError>;
    /// A copy, for an import's parser thread, which checks beside the writer.
    fn clone_box(&self) -> Box<dyn AgreementRules>;
}

#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum RuleError {
    #[error(
        "no agreement named {name}{}",
        crate::model::suggest::suggestion(nearest)
    )]
    UnknownAgreement {
        name: String,
        nearest: Option<String>,
    },
    #[error("a transaction tagged leg: {leg} must name its swap with the tag agreement: NAME")]
    LegWithoutAgreement { leg: String },
    #[error("agreement {agreement} is of kind {kind}: a transaction under it cannot be a swap leg (leg: {leg})")]
    LegOutsideSwap {
        agreement: String,
        kind: String,
        leg: String,
    },
    /// A leg under a swap that breaks its terms.
    #[error("swap leg under {agreement}: {message}")]
    Leg { agreement: String, message: String },
    /// The offsets under an agreement assign more, in all, than its limit.
    #[error("offset agreement {agreement} would assign {assigned} {commodity} in all, more than its limit of {limit} {commodity}")]
    OffsetLimit {
        agreement: String,
        assigned: String,
        limit: String,
        commodity: String,
    },
    #[error("offset under {agreement}: {message}")]
    Offset { agreement: String, message: String },
    /// A delivery or an interest charge under a sale that breaks its terms.
    #[error("sale {agreement}: {message}")]
    Sale { agreement: String, message: String },
    /// A payment in another currency (tagged `settles:`) that is not what its fixing makes it.
    #[error("payment settling {settles}: {message}")]
    Payment { settles: String, message: String },
}
