//! Reading the case log and the outbox, and verifying the chains.

use qunguan_core::Result;
use qunguan_core::action::OutboxView;
use qunguan_core::case::{AuditBreak, AuditReport, CaseView, Chained, verify};
use qunguan_core::time::rfc3339_from_millis;
use qunguan_store::{CaseFilter, OutboxStatus};

use crate::Engine;

impl Engine {
    /// Cases, oldest first, filtered by group (ID), target and acting admin.
    pub async fn cases(
        &self,
        group: Option<String>,
        target: Option<String>,
        actor: Option<String>,
    ) -> Result<Vec<CaseView>> {
        self.platform().await?;
        // Bring in the other admins' cases first (best effort: offline shows what is here).
        self.sync_cases().await?;
        let filter = CaseFilter { group, target, actor };
        self.on_store(move |s| {
            Ok(s.cases(&filter)?
                .into_iter()
                .map(|row| {
                    let c = row.decision;
                    let r = c.record;
                    CaseView {
                        case_id: r.case_id,
                        group: r.group,
                        actor: r.actor,
                        target: r.target,
                        action: r.action,
                        reason: r.reason,
                        rule: r.rule,
                        evidence_hash: r.evidence_hash,
                        created_at: r.created_at,
                        status: row.status,
                        status_detail: row.status_detail,
                        detail: r.detail,
                        prev_hash: c.prev_hash,
                        hash: c.hash,
                    }
                })
                .collect())
        })
        .await
    }

    /// Checks every group's chain against its recorded head; reports the first break.
    pub async fn audit_verify(&self) -> Result<AuditReport> {
        self.platform().await?;
        self.on_store(|s| {
            // My chains against their recorded heads, then each other admin's imported chain.
            let mut chains: Vec<(String, Vec<Chained>, Option<String>)> = Vec::new();
            for (group, head) in s.chain_heads()? {
                let chain = s.chain(&group)?;
                chains.push((group, chain, Some(head)));
            }
            for ((group, _actor), chain) in s.shared_chains()? {
                chains.push((group, chain, None));
            }
            let records = chains.iter().map(|(_, c, _)| c.len() as u32).sum();
            let groups = chains.len() as u32;
            for (group, chain, head) in &chains {
                if let Err(b) = verify(chain, head.as_deref()) {
                    let broken = AuditBreak {
                        group: group.clone(),
                        index: b.index as u32,
                        case_id: b.case_id,
                        kind: b.kind.as_str().into(),
                    };
                    return Ok(AuditReport { ok: false, groups, records, broken: Some(broken) });
                }
            }
            Ok(AuditReport { ok: true, groups, records, broken: None })
        })
        .await
    }

    /// Every outbox entry, oldest first.
    pub async fn outbox(&self) -> Result<Vec<OutboxView>> {
        self.platform().await?;
        self.on_store(|s| {
            Ok(s.outbox()?
                .into_iter()
                .map(|e| OutboxView {
                    next_attempt_at: (e.status == OutboxStatus::Queued)
                        .then(|| rfc3339_from_millis(e.next_attempt_at_ms)),
                    case_id: e.case_id,
                    action: e.action,
                    group: e.group_id,
                    target: e.target,
                    status: e.status.as_str().into(),
                    attempts: e.attempts,
                    last_error: e.last_error,
                })
                .collect())
        })
        .await
    }
}
