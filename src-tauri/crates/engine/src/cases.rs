//! Reading the case log and the outbox, and verifying the chains.

use qunguan_core::Result;
use qunguan_core::action::OutboxView;
use qunguan_core::case::{
    AuditBreak, AuditReport, Break, BreakKind, CaseView, reaches_head, verify_all, verify_published_all,
};
use qunguan_core::time::rfc3339_from_millis;
use qunguan_store::{CaseFilter, CaseRow, OutboxStatus};

use crate::Engine;

fn audit_break(group: String, actor: Option<String>, b: Break, published: Option<u32>) -> AuditBreak {
    AuditBreak { group, actor, index: b.index as u32, case_id: b.case_id, kind: b.kind, published }
}

/// A stored case as the app and `qg cases` list it.
pub(crate) fn case_view(row: CaseRow) -> CaseView {
    let c = row.decision;
    let r = c.record;
    CaseView {
        case_id: r.case_id,
        group: r.group,
        actor: r.actor,
        target: r.target,
        action: r.action.to_string(),
        reason: r.reason,
        rule: r.rule,
        evidence_hash: r.evidence_hash,
        created_at: r.created_at,
        status: row.status,
        status_detail: row.status_detail,
        status_why: row.status_why.and_then(|w| serde_json::from_str(&w).ok()),
        detail: r.detail,
        prev_hash: c.prev_hash,
        hash: c.hash,
        trusted: row.trusted,
    }
}

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
        self.on_store(move |s| Ok(s.cases(&filter)?.into_iter().map(case_view).collect())).await
    }

    /// Checks every group's chain against its recorded head, then every other admin's imported
    /// chain against the head they announced; reports every break (the first also as `broken`).
    pub async fn audit_verify(&self) -> Result<AuditReport> {
        self.platform().await?;
        // The moderation rooms as they are now (best effort: offline verifies what is here).
        self.sync_cases().await?;
        self.on_store(|s| {
            let mut breaks = Vec::new();
            let (mut groups, mut records) = (0u32, 0u32);
            for (group, head) in s.chain_heads()? {
                let chain = s.chain(&group)?;
                (groups, records) = (groups + 1, records + chain.len() as u32);
                breaks.extend(
                    verify_all(&chain, Some(&head)).into_iter().map(|b| audit_break(group.clone(), None, b, None)),
                );
            }
            // My chains against what their moderation rooms hold (the outside anchor): the head
            // I announced there must be in the local chain, and so must every record of mine
            // the room carries — deleting a group's rows and its head here is caught.
            for anchor in s.room_anchors()? {
                let chain = s.chain(&anchor.group)?;
                let head = anchor.head.as_ref().map(|(hash, count)| (hash.as_str(), *count as usize));
                let local: std::collections::HashSet<&str> = chain.iter().map(|c| c.hash.as_str()).collect();
                let missing = anchor
                    .records
                    .iter()
                    .find(|(_, hash)| !local.contains(hash.as_str()))
                    .map(|(id, _)| Break { index: chain.len(), case_id: Some(id.clone()), kind: BreakKind::Missing });
                // Links were checked above with the local head; only the room's word is new here.
                let published = anchor.head.as_ref().map(|(_, n)| *n);
                breaks.extend(
                    reaches_head(&chain, head)
                        .err()
                        .into_iter()
                        .chain(missing)
                        .map(|b| audit_break(anchor.group.clone(), None, b, published)),
                );
            }
            for c in s.shared_audit()? {
                (groups, records) = (groups + 1, records + c.records.len() as u32);
                let head = c.head.as_ref().map(|(hash, count)| (hash.as_str(), *count as usize));
                // Removed records show up as a gap or a short chain; without an announced head, a
                // removal at the end would not, so it is a break of its own.
                let removed = (c.removed > 0).then_some(Break {
                    index: c.records.len(),
                    case_id: None,
                    kind: BreakKind::Removed,
                });
                let mut found = verify_published_all(&c.records, head);
                if found.is_empty() {
                    found.extend(removed);
                }
                let published = c.head.as_ref().map(|(_, n)| *n);
                breaks.extend(
                    found.into_iter().map(|b| audit_break(c.group.clone(), Some(c.actor.clone()), b, published)),
                );
            }
            let broken = breaks.first().cloned();
            Ok(AuditReport { ok: broken.is_none(), groups, records, broken, breaks })
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
                    status: e.status,
                    attempts: e.attempts,
                    last_error: e.last_error,
                    error: e.error,
                })
                .collect())
        })
        .await
    }
}
