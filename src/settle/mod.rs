//! Settlement, the domain: obligations between parties, payments (in the obligation's
//! currency or, at a fixing, in another), the triangular offset and its notice, multilateral
//! netting, and sales that create obligations and the interest on their arrears, as
//! transactions and plain data built from given balances and movements.
//!
//! An obligation of D to C in commodity X is the pair `C:receivable:D` (in the creditor's chart,
//! positive) and `D:payable:C` (in the debtor's, negative). What D owes C is the balance of
//! `C:receivable:D` (and its sub-accounts); check 4 verifies that the payable mirrors it.
//!
//! This module knows the model only: it reads no store and writes none (`reports::debts` reads
//! the debts, `ops::settle` records the commands' transactions), builds no table and never
//! prints. Every sum is checked.

pub mod arrears;
mod error;
pub mod fx;
pub mod interest;
pub mod invoice;
pub mod netting;
pub mod notice;
pub mod obligations;
pub mod offset;
pub mod sale;
pub mod terms;
mod validate;

pub(crate) use error::add;
pub use error::{format_grouped, AfterNotice, SettleError};
pub use fx::{
    check_fx_payment, exchange, exchange_account, fx_payment_accounts, fx_payment_transaction,
    no_fixing, settled_of, Exchange,
};
pub use netting::{
    netting_error, netting_transaction, plan, positions, Netting, NettingError, Positions, Transfer,
};
pub use notice::{paid_to_assignor, payment_before_notice, plain_part, ASSIGNMENT_TAG};
pub use obligations::{
    cash, check_debt, check_owed, check_payment, debt_accounts, debt_transaction, obligation_of,
    payable, payment_accounts, payment_transaction, receivable, Debt, Entry,
};
pub use offset::{check_offset_amount, check_offset_room, offset_transaction, OffsetRoom};
pub use terms::{
    is_offset, offset_agreement, offset_legs, offset_terms, validate_agreement, OffsetTerms,
    OFFSET_FIELDS,
};
pub use validate::{check_amount, check_party};

pub use arrears::{interest_start, periods, unpaid, Accrual, Movement, Obligation, Period, Unpaid};
pub use interest::{interest_of, Accrued, DayCount};
pub use invoice::{
    charge_id, charge_transaction, check_sale_entry, delivery_transaction, Charge, SaleEntry,
    DUE_TAG, INTEREST_FROM_TAG, INTEREST_TO_TAG, INVOICE_TAG,
};
pub use sale::{is_sale, sale_agreement, sale_terms, Invoice, SaleArgs, SaleTerms, SALE_FIELDS};
