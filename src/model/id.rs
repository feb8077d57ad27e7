//! The id of a transaction or a statement: its idempotency key, written as a tag value.

use crate::model::error::{check_len, LedgerError};
use crate::model::limits::ID_LEN_MAX;
use crate::model::text;

/// An id (of a transaction or a statement): non-empty, written as a tag value.
pub fn check_id(id: &str) -> Result<(), LedgerError> {
    check_len("id", id, ID_LEN_MAX)?;
    if id.is_empty() {
        return Err(LedgerError::BadTag {
            found: id.to_string(),
            why: "an id must be non-empty".into(),
        });
    }
    text::tag_value("id", id)?;
    Ok(())
}
