//! The warning ladder's automatic step: when a group's ladder is automatic and my done case
//! brings a member to a step (`qunguan_core::credit::ladder`), the console takes that step at
//! once, as an ordinary case of mine citing the step as its rule (`ladder:2`) and naming the
//! case that reached it. The step's own case is marked (`ladder_step`), so it is never counted
//! towards the next step, and it is taken only by the console whose case reached the count.

use qunguan_core::action::{Action, ActionOutcome};
use qunguan_core::credit::{Measure, ladder};
use qunguan_core::duration::format_duration;
use qunguan_core::{Lang, Result};

use crate::Engine;
use crate::act::{ActRequest, Linked};

impl Engine {
    /// After my done case `case_id` (`action` in `group`): the ladder step it reached, taken,
    /// when the group's ladder is automatic; `None` when none is due or the ladder asks first.
    pub(crate) async fn take_ladder_step(
        &self,
        group: &str,
        action: &Action,
        case_id: &str,
        lang: Lang,
    ) -> Result<Option<ActionOutcome>> {
        let Some(user) = action.target_user().filter(|_| !action.is_staff()) else { return Ok(None) };
        if qunguan_core::credit::Sanction::of(&action.kind()).is_none() {
            return Ok(None);
        }
        let (id, view) = self.group_policy(group).await?;
        let rungs = &view.policy.ladder;
        if !rungs.automatic {
            return Ok(None);
        }
        let cases = self.stored_cases(Some(id.clone())).await?;
        let standing = ladder(&cases, user, self.clock_ms()?, rungs, None);
        // Only the case that reached the count takes the step (it is the newest counted one).
        let (Some(step), Some(true)) = (standing.due, standing.cases.last().map(|c| c == case_id)) else {
            return Ok(None);
        };
        let user = user.to_owned();
        let measure = match step.measure {
            Measure::Mute { seconds } => Action::Mute { user, seconds },
            Measure::Kick => Action::Kick { user },
            Measure::Ban { seconds } => Action::Ban { user, seconds },
        };
        let counted: Vec<&str> = standing.counts.iter().map(|s| s.as_str()).collect();
        let reason = format!(
            "warning ladder: {} {} in {} (case {case_id}): {}",
            standing.count,
            counted.join("/"),
            format_duration(standing.window),
            step.measure.describe()
        );
        let req = ActRequest { group: id, action: measure, reason, rule: Some(step.rule_id()), lang };
        self.decide_and_carry_out(req, Linked { ladder: Some(step.after), ..Linked::default() }).await
    }
}
