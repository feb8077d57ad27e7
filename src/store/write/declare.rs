//! Declarations: commodities, parties, accounts, agreements, fixings and statements, as a writer adds
//! them and as they change a chart and its name-to-id tables (the same functions serve an
//! import's parser thread, so both assign the same ids).

use super::*;
use crate::model::account::{Account, Party};
use crate::model::agreement::Agreement;
use crate::model::amount::Commodity;
use crate::model::chart::Chart;
use crate::model::error::LedgerError;
use crate::model::fixing::Fixing;
use crate::model::statement::Statement;
use crate::store::record::Names;
use crate::store::{fixing_key, prefixed, statement_key, to_json, Numbered, StoreError};
use std::collections::HashMap;

/// Declarations as they change a chart and its name-to-id tables. The writer uses these, and so
/// does a thread that prepares transactions ahead of it: applying the same declarations in the
/// same order, both assign the same ids.
pub fn declare_commodity(
    chart: &mut Chart,
    names: &mut Names,
    c: Commodity,
) -> Result<u32, LedgerError> {
    chart.check_new_commodity(&c)?;
    let id = names.add_commodity(&c.code);
    chart.commodities.insert(c.code.clone(), c);
    Ok(id)
}

pub fn declare_party(chart: &mut Chart, p: Party) -> Result<(), LedgerError> {
    chart.check_new_party(&p)?;
    chart.parties.insert(p.code.clone(), p);
    Ok(())
}

pub fn declare_account(
    chart: &mut Chart,
    names: &mut Names,
    a: Account,
) -> Result<u32, LedgerError> {
    chart.check_new_account(&a)?;
    let id = names.add_account(&a.name);
    chart.accounts.insert(a.name.clone(), a);
    Ok(id)
}

impl Writer<'_> {
    pub fn add_commodity(&mut self, c: Commodity) -> Result<(), StoreError> {
        let id = declare_commodity(&mut self.chart, &mut self.names, c.clone())?;
        self.batch
            .insert(prefixed(b'c', &c.code), to_json(&Numbered { id, item: c }));
        self.report.commodities += 1;
        Ok(())
    }

    pub fn add_party(&mut self, p: Party) -> Result<(), StoreError> {
        declare_party(&mut self.chart, p.clone())?;
        self.rules.chart_changed();
        self.batch.insert(prefixed(b'p', &p.code), to_json(&p));
        self.report.parties += 1;
        Ok(())
    }

    pub fn add_account(&mut self, a: Account) -> Result<(), StoreError> {
        let id = declare_account(&mut self.chart, &mut self.names, a.clone())?;
        if a.floor.is_some() {
            self.floored.insert(id);
        }
        self.batch
            .insert(prefixed(b'a', &a.name), to_json(&Numbered { id, item: a }));
        self.report.accounts += 1;
        Ok(())
    }

    /// Open an account when missing (for domain commands whose account names follow from the
    /// agreement or the parties). Returns whether it was opened.
    pub fn ensure_account(&mut self, name: &str) -> Result<bool, StoreError> {
        if self.chart.accounts.contains_key(name) {
            return Ok(false);
        }
        self.add_account(Account {
            name: name.to_string(),
            kind: None,
            floor: None,
        })?;
        Ok(true)
    }

    /// Declare an agreement, after the checks every agreement passes (`Agreement::check`);
    /// its kind's own terms are checked by the module that gives them a meaning. An agreement
    /// is never changed: the same terms again change nothing (returns false), other terms
    /// under a declared name are refused.
    pub fn add_agreement(&mut self, a: Agreement) -> Result<bool, StoreError> {
        a.check()?;
        if let Some(old) = self.agreement(&a.name) {
            if *old == a {
                return Ok(false);
            }
            return Err(StoreError::AgreementExists { name: a.name });
        }
        self.batch.insert(prefixed(b'g', &a.name), to_json(&a));
        self.rulebook.learn(&a, &self.chart);
        self.agreements.push(a);
        self.report.agreements += 1;
        Ok(true)
    }

    /// Record a fixing, checked against the chart (`Fixing::check`). A fixing is never
    /// changed: the same rate again for the same commodities and day changes nothing (returns
    /// false), another rate is refused. The rulebook learns it, for the payments that convert
    /// at it.
    pub fn add_fixing(&mut self, f: Fixing) -> Result<bool, StoreError> {
        f.check(&self.chart)?;
        if let Some(old) = self.fixing(&f.commodity, &f.rate.commodity, f.date) {
            if old.same_as(&f) {
                return Ok(false);
            }
            return Err(LedgerError::FixingConflict {
                commodity: f.commodity,
                quote: f.rate.commodity,
                date: f.date,
                recorded: old.rate.value,
                given: f.rate.value,
            }
            .into());
        }
        self.batch.insert(fixing_key(&f), to_json(&f));
        self.rulebook.learn_fixing(&f, &self.chart);
        self.fixings.push(f);
        self.report.fixings += 1;
        Ok(true)
    }

    /// Record a statement, checked against the chart (`Statement::complete`). A statement
    /// whose id was recorded already with the same content changes nothing and returns false;
    /// with other content it is refused.
    pub fn add_statement(&mut self, mut s: Statement) -> Result<bool, StoreError> {
        s.complete(&self.chart)?;
        if let Some(id) = s.id.clone() {
            if self.statement_ids.is_none() {
                let stored = self
                    .store
                    .statements()?
                    .into_iter()
                    .filter_map(|s| s.id.clone().map(|id| (id, s)))
                    .collect();
                self.statement_ids = Some(stored);
            }
            let ids = self.statement_ids.get_or_insert_with(HashMap::new);
            match ids.get(&id) {
                Some(old) if *old == s => return Ok(false),
                Some(_) => return Err(LedgerError::StatementIdConflict { id }.into()),
                None => {
                    ids.insert(id, s.clone());
                }
            }
        }
        self.batch
            .insert(&statement_key(self.head.statement_count)[..], to_json(&s));
        self.head.statement_count += 1;
        self.report.statements += 1;
        Ok(true)
    }
}
