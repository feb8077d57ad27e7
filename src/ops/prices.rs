//! The write of a fixing (`price add`, and the `P` directive through an import): checked and
//! recorded once by the store's writer, which also teaches it to the rulebook.

use crate::model::fixing::Fixing;
use crate::store::{Store, StoreError};

/// Record `f`: true when it is new, false when the same fixing was recorded already (nothing
/// changes); another rate for the same commodities and day is refused.
pub fn add_fixing(store: &mut Store, f: Fixing) -> Result<bool, StoreError> {
    let mut w = store.writer()?;
    let added = w.add_fixing(f)?;
    if added {
        w.commit()?;
    }
    Ok(added)
}
