//! The context every format planner works in: the input, the policy, the
//! limits, and the findings reported so far, with the bookkeeping every
//! walker needs (structure count, depth guard, read budget, findings cap)
//! written once.

use crate::error::{Error, Result};
use crate::finding::Finding;
use crate::io::{Source, SourceExt};
use crate::limits::Limits;
use crate::policy::Policy;

/// One inspection in progress.
#[derive(Debug)]
pub(crate) struct Scan<'a> {
    /// The input.
    pub src: &'a dyn Source,
    /// What the caller keeps.
    pub policy: &'a Policy,
    /// The explicit parsing limits.
    pub limits: &'a Limits,
    findings: Vec<Finding>,
    /// Structure headers read so far (boxes, elements, chunks, segments).
    structures: u64,
    /// Metadata bytes read into memory so far.
    read: u64,
}

impl<'a> Scan<'a> {
    /// Start inspecting `src`.
    pub fn new(src: &'a dyn Source, policy: &'a Policy, limits: &'a Limits) -> Self {
        Scan {
            src,
            policy,
            limits,
            findings: Vec::new(),
            structures: 0,
            read: 0,
        }
    }

    /// Account for one structure header at `at`: fails once the findings
    /// cap or `max` structures (`what` names that limit) is passed.
    pub fn enter(&mut self, at: u64, max: u64, what: &'static str) -> Result<()> {
        self.ensure_findings_room(at)?;
        self.structures += 1;
        if self.structures > max {
            return Err(Error::Limit {
                what,
                offset: at,
                limit: max,
            });
        }
        Ok(())
    }

    /// Fail when `depth` is deeper than `max` (`what` names that limit).
    pub fn depth(&self, depth: usize, max: usize, at: u64, what: &'static str) -> Result<()> {
        if depth > max {
            return Err(Error::Limit {
                what,
                offset: at,
                limit: max as u64,
            });
        }
        Ok(())
    }

    /// Read the first bytes (at most [`Limits::max_value_read`]) of a value
    /// of `len` bytes at `at`, charged to the per-file read budget.
    /// `what` names the budget in the error; `structure` names the
    /// structure in a truncation error.
    pub fn read_value(
        &mut self,
        at: u64,
        len: u64,
        what: &'static str,
        structure: &'static str,
    ) -> Result<Vec<u8>> {
        let len = len.min(self.limits.max_value_read);
        self.charge(len, at, what)?;
        self.src
            .read_vec(at, len, self.limits.max_value_read, structure)
    }

    /// Charge `len` bytes about to be read into memory at `at` to the
    /// per-file budget.
    pub fn charge(&mut self, len: u64, at: u64, what: &'static str) -> Result<()> {
        self.read = self.read.saturating_add(len);
        if self.read > self.limits.max_metadata_read {
            return Err(Error::Limit {
                what,
                offset: at,
                limit: self.limits.max_metadata_read,
            });
        }
        Ok(())
    }

    /// Fail when more findings than [`Limits::max_findings`] were reported.
    pub fn ensure_findings_room(&self, at: u64) -> Result<()> {
        if self.findings.len() > self.limits.max_findings {
            return Err(Error::Limit {
                what: "number of findings",
                offset: at,
                limit: self.limits.max_findings as u64,
            });
        }
        Ok(())
    }

    /// Record a finding.
    pub fn report(&mut self, finding: Finding) {
        self.findings.push(finding);
    }

    /// Record several findings.
    pub fn report_all(&mut self, findings: impl IntoIterator<Item = Finding>) {
        self.findings.extend(findings);
    }

    /// The findings so far, to change the fate of some once the walk
    /// knows more (the orientation is kept only when it is written back).
    pub fn findings_mut(&mut self) -> &mut [Finding] {
        &mut self.findings
    }

    /// A mark for [`Scan::report_if_none_since`].
    pub fn mark(&self) -> usize {
        self.findings.len()
    }

    /// Report `finding()` when nothing was reported since `mark`: a removed
    /// structure is always named, even when nothing inside it was
    /// recognised.
    pub fn report_if_none_since(&mut self, mark: usize, finding: impl FnOnce() -> Finding) {
        if self.findings.len() == mark {
            self.findings.push(finding());
        }
    }

    /// The findings, once the walk is over.
    pub fn into_findings(self) -> Vec<Finding> {
        self.findings
    }
}
