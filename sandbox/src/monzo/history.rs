//! Every account's transactions: the seeded history, then what was added since (capped per
//! account, the oldest dropped first), found by id in constant time.

use std::collections::{HashMap, VecDeque};

use chrono::{DateTime, Utc};

use super::wire::Transaction;

/// A transaction with its creation time, parsed once.
#[derive(Debug, Clone)]
pub(crate) struct Stored {
    pub(crate) transaction: Transaction,
    pub(crate) created: DateTime<Utc>,
}

/// One account's transactions, oldest first (creation times never decrease).
#[derive(Debug, Clone, Default)]
struct Log {
    /// The seeded history, never dropped.
    seeded: Vec<Stored>,
    /// Added after seeding, at most the cap.
    added: VecDeque<Stored>,
    /// How many added ones were dropped (the number of `added[0]` is `seeded.len() + dropped`).
    dropped: u64,
}

impl Log {
    fn get(&self, number: u64) -> Option<&Stored> {
        let seeded = self.seeded.len() as u64;
        if number < seeded {
            return self.seeded.get(usize::try_from(number).ok()?);
        }
        let position = number.checked_sub(seeded + self.dropped)?;
        self.added.get(usize::try_from(position).ok()?)
    }

    fn get_mut(&mut self, number: u64) -> Option<&mut Stored> {
        let seeded = self.seeded.len() as u64;
        if number < seeded {
            return self.seeded.get_mut(usize::try_from(number).ok()?);
        }
        let position = number.checked_sub(seeded + self.dropped)?;
        self.added.get_mut(usize::try_from(position).ok()?)
    }

    fn next_number(&self) -> u64 {
        self.seeded.len() as u64 + self.dropped + self.added.len() as u64
    }

    fn iter(&self) -> impl DoubleEndedIterator<Item = &Stored> {
        self.seeded.iter().chain(self.added.iter())
    }
}

/// Every account's transactions (by account index), with an index by id.
#[derive(Debug, Clone, Default)]
pub(crate) struct Transactions {
    accounts: Vec<Log>,
    /// Id → (account index, number within the account's log).
    by_id: HashMap<String, (usize, u64)>,
}

impl Transactions {
    /// Appends a transaction to account `account`; past `cap` added ones on that account,
    /// the oldest added one is dropped and returned.
    pub(crate) fn push(
        &mut self,
        account: usize,
        transaction: Transaction,
        created: DateTime<Utc>,
        cap: usize,
    ) -> Vec<Transaction> {
        if self.accounts.len() <= account {
            self.accounts.resize_with(account + 1, Log::default);
        }
        let Some(log) = self.accounts.get_mut(account) else {
            return Vec::new();
        };
        self.by_id
            .insert(transaction.id.clone(), (account, log.next_number()));
        log.added.push_back(Stored {
            transaction,
            created,
        });
        let mut dropped = Vec::new();
        while log.added.len() > cap.max(1) {
            let Some(old) = log.added.pop_front() else {
                break;
            };
            log.dropped += 1;
            self.by_id.remove(&old.transaction.id);
            dropped.push(old.transaction);
        }
        dropped
    }

    /// Makes everything added so far the seeded history (never dropped).
    pub(crate) fn seal(&mut self) {
        for log in &mut self.accounts {
            log.seeded.extend(log.added.drain(..));
            log.dropped = 0;
        }
        self.by_id.clear();
        for (account, log) in self.accounts.iter().enumerate() {
            for (number, stored) in log.seeded.iter().enumerate() {
                self.by_id
                    .insert(stored.transaction.id.clone(), (account, number as u64));
            }
        }
    }

    pub(crate) fn get(&self, id: &str) -> Option<&Transaction> {
        let (account, number) = *self.by_id.get(id)?;
        Some(&self.accounts.get(account)?.get(number)?.transaction)
    }

    pub(crate) fn get_mut(&mut self, id: &str) -> Option<&mut Transaction> {
        let (account, number) = *self.by_id.get(id)?;
        Some(&mut self.accounts.get_mut(account)?.get_mut(number)?.transaction)
    }

    pub(crate) fn contains(&self, id: &str) -> bool {
        self.by_id.contains_key(id)
    }

    /// Account `account`'s transactions, oldest first.
    pub(crate) fn of_account(&self, account: usize) -> impl DoubleEndedIterator<Item = &Stored> {
        self.accounts.get(account).into_iter().flat_map(Log::iter)
    }

    /// Account `account`'s newest transaction.
    pub(crate) fn newest(&self, account: usize) -> Option<&Stored> {
        let log = self.accounts.get(account)?;
        log.added.back().or_else(|| log.seeded.last())
    }

    /// Every transaction, account by account, oldest first within each.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &Transaction> {
        self.accounts
            .iter()
            .flat_map(Log::iter)
            .map(|stored| &stored.transaction)
    }

    /// Every transaction, mutable (amounts while seeding; times must not change).
    pub(crate) fn iter_mut(&mut self) -> impl Iterator<Item = &mut Transaction> {
        self.accounts
            .iter_mut()
            .flat_map(|log| log.seeded.iter_mut().chain(log.added.iter_mut()))
            .map(|stored| &mut stored.transaction)
    }

    /// How many were added after seeding and are still kept.
    pub(crate) fn added(&self) -> usize {
        self.accounts.iter().map(|log| log.added.len()).sum()
    }
}
