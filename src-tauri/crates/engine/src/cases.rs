//! Reading the case log and the outbox, and verifying the chains.

use qunguan_core::Result;
use qunguan_core::action::OutboxView;
use qunguan_core::case::{AuditBreak, AuditReport, CaseView, verify};
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
            let heads = s.chain_heads()?;
            let mut records = 0;
            for (group, head) in &heads {
                let chain = s.chain(group)?;
                records += chain.len() as u32;
                if let Err(b) = verify(&chain, Some(head)) {
                    return Ok(AuditReport {
                        ok: false,
                        groups: heads.len() as u32,
                        records,
                        broken: Some(AuditBreak {
                            group: group.clone(),
                            index: b.index as u32,
                            case_id: b.case_id,
                            kind: b.kind.as_str().into(),
                        }),
                    });
                }
            }
            Ok(AuditReport { ok: true, groups: heads.len() as u32, records, broken: None })
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
