"""Policy levers: each lever's response curve and its cost, in one place.

A lever is a value under `policy.` (`sim.config.schema.PolicyConfig`). It changes one parameter of one
mechanism through a function here; the mechanism's docstring names the lever, and docs/ODD.md (section 8)
the equation. The coefficients of the curves are parameters of the mechanism they act in (`victims.*`,
`justice.*`, ...), so every number has a range and unit in the schema.

A policy that changes over time is a schedule of (day, levers) (`policy_schedule`; a branch is its last
entry): `PolicyTimeline` applies it and prices each stretch of days at the policy in force.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from sim.config.schema import LEVER_SPECS

if TYPE_CHECKING:
    from sim.config.schema import PolicyConfig, SimConfig
    from sim.world import Corridor

#: The levers, by name without `policy.` (the schema's `PolicyConfig` is the one list).
LEVERS = tuple(LEVER_SPECS)


# ------------------------------------------------------------------------------------------------ border


def focus_multiplier(p: SimConfig, node: str) -> float:
    """Extra enforcement at a focused crossing or port (`policy.interdiction_focus`, `focus_multiplier`)."""
    return float(p.policy.focus_multiplier) if node in p.policy.interdiction_focus else 1.0


def inspection_share(p: SimConfig, node: str) -> float:
    """Share of a post's traffic inspected (`policy.inspection_rate` x focus)."""
    return min(1.0, p.policy.inspection_rate * focus_multiplier(p, node))


def risk_based(p: SimConfig) -> bool:
    """Customs spend the same inspections on the traffic their intelligence picture finds suspicious
    (`policy.inspection_targeting`); random picks them blindly."""
    return p.policy.inspection_targeting == "risk_based"


def intelligence_led(p: SimConfig) -> bool:
    """Patrols go where the border guards' intelligence picture puts activity (`policy.patrol_allocation`)."""
    return p.policy.patrol_allocation == "intelligence_led"


# ------------------------------------------------------------------------------------------------ intelligence


def own_picture(p: SimConfig, same_agency: bool, cross_border: bool) -> bool:
    """A report counts as the agency's own (seen at once, never lost): made by the same agency in the same
    country, or across the border when a joint task force joins the two sides (`policy.joint_task_force`)."""
    return same_agency and (not cross_border or bool(p.policy.joint_task_force))


def picture_reach(p: SimConfig) -> float:
    """Share of another agency's or country's reports pooled into an agency's picture
    (`policy.intel_sharing`): 0 siloed, each agency sees its own reports only; 1 a fused picture. Pooled
    reports arrive after `sharing_delay_days`."""
    return float(p.policy.intel_sharing)


# ------------------------------------------------------------------------------------------------ corruption


def deterrence(p: SimConfig) -> float:
    """How much oversight, pay and whistleblower protection lower the logit of taking a bribe.

    oversight_weight x oversight + pay_weight x (pay - 1) + whistleblower_weight x protection
    (`policy.oversight`, `policy.officer_pay`, `policy.whistleblower_protection`).
    """
    o, q = p.officers, p.policy
    return (o.oversight_weight * q.oversight + o.pay_weight * (q.officer_pay - 1.0)
            + o.whistleblower_weight * float(q.whistleblower_protection))


def bribe_amount(p: SimConfig) -> float:
    """A bribe per shipment, in M: `officers.bribe_wage_days` days of an officer's pay at today's pay scale
    (`costs.officer_salary`). It is what traffickers pay; whether it tempts depends on the pay in force
    (`bribe_pull`)."""
    return p.officers.bribe_wage_days * p.costs.officer_salary / 365.0


def bribe_pull(p: SimConfig, bribe: float) -> float:
    """The logit a bribe adds, relative to pay (`policy.officer_pay`): bribe_weight x bribe / pay."""
    return p.officers.bribe_weight * bribe / max(p.policy.officer_pay, 0.05)  # floor: pay 0 is allowed


def audit_prob(p: SimConfig) -> float:
    """Daily chance an audit catches a corrupt officer (`policy.oversight`)."""
    return p.officers.audit_rate * p.policy.oversight


def peer_report_prob(p: SimConfig) -> float:
    """Daily chance one honest peer reports a corrupt one (`policy.whistleblower_protection` multiplies it)."""
    o = p.officers
    return min(1.0, o.peer_report_prob * (o.whistleblower_report_multiplier if p.policy.whistleblower_protection
                                          else 1.0))


# ------------------------------------------------------------------------------------------------ investigation


def sharing_delay_days(p: SimConfig, cross_border: bool) -> float:
    """Mean days for a lead to reach the agency that can act (`policy.intel_sharing`, `joint_task_force`).

    Siloed agencies use formal requests (slow, slower across borders); a fused picture is near-immediate.
    A joint task force removes the cross-border request altogether.
    """
    inv, q = p.investigation, p.policy
    if cross_border and q.joint_task_force:
        return inv.fused_sharing_days
    formal = inv.cross_border_request_days if cross_border else inv.domestic_request_days
    s = float(q.intel_sharing)
    return (1.0 - s) * formal + s * inv.fused_sharing_days


def lead_loss_prob(p: SimConfig, cross_border: bool) -> float:
    """Chance a lead is lost between agencies (`policy.intel_sharing`): silos drop information."""
    q = p.policy
    if cross_border and q.joint_task_force:
        return 0.0
    loss = p.investigation.lead_loss_when_siloed * (1.0 - float(q.intel_sharing))
    return loss if cross_border else loss * p.investigation.domestic_loss_factor


def evidence_at_trial(p: SimConfig, evidence: float, cross_border: bool) -> float:
    """Evidence gathered abroad loses weight unless shared (`policy.intel_sharing`) or carried by a joint
    task force (`policy.joint_task_force`)."""
    if cross_border and not p.policy.joint_task_force:
        return evidence * (1.0 - p.justice.cross_border_evidence_loss * (1.0 - float(p.policy.intel_sharing)))
    return evidence


def testimony_prob(p: SimConfig) -> float:
    """Chance a victim testifies (`policy.victim_protection`): testimony_base + gain x protection."""
    j = p.justice
    return min(1.0, j.testimony_base + j.testimony_protection_gain * p.policy.victim_protection)


# ------------------------------------------------------------------------------------------------ money


def laundering_detection(p: SimConfig, professional: bool) -> float:
    """Chance a laundering tranche is flagged and held (`policy.financial_controls`): detection_base x
    controls, x no_launderer_detection_factor for amateurs, who are easier to see."""
    f = p.finance
    return min(1.0, f.detection_base * p.policy.financial_controls
               * (1.0 if professional else f.no_launderer_detection_factor))


def traces_assets(p: SimConfig) -> bool:
    """Every arrest is followed by a financial investigation (`policy.targeting=financial`)."""
    return p.policy.targeting == "financial"


def financial_investigation_share(p: SimConfig) -> float:
    """Share of arrests followed by a financial investigation: all under `policy.targeting=financial`,
    else `finance.parallel_investigation_share`."""
    return 1.0 if traces_assets(p) else p.finance.parallel_investigation_share


def asset_tracing_success(p: SimConfig) -> float:
    """Chance a financial investigation finds the thread to the money, for someone who knows it all
    (`policy.financial_controls`): trace_success_base + trace_success_gain x controls."""
    f = p.finance
    return min(1.0, f.trace_success_base + f.trace_success_gain * p.policy.financial_controls)


# ------------------------------------------------------------------------------------------------ communities


def tip_line(p: SimConfig) -> float:
    """How much a tip line multiplies residents' reporting (`policy.community_engagement`)."""
    return 1.0 + p.community.tip_line_gain * p.policy.community_engagement


def vulnerability_decline(p: SimConfig) -> float:
    """Daily share of excess vulnerability removed by prevention programmes (`policy.prevention`)."""
    return p.community.prevention_rate * p.policy.prevention


def awareness_gain(p: SimConfig) -> float:
    """Daily awareness gain from engagement (`policy.community_engagement`)."""
    return p.community.awareness_gain_engagement * p.policy.community_engagement


def engagement_trust_push(p: SimConfig) -> float:
    """Daily trust push from engagement (`policy.community_engagement`)."""
    return p.community.trust_gain_engagement * p.policy.community_engagement


def shelter_capacity(p: SimConfig) -> int:
    """Shelter places per country (`policy.victim_protection`): capacity x (floor + gain x protection)."""
    v = p.victims
    return int(v.shelter_capacity_per_country * (v.shelter_capacity_floor
                                                  + v.shelter_capacity_gain * p.policy.victim_protection))


def referral_prob(p: SimConfig) -> float:
    """Chance an identified victim is referred to protection (`policy.victim_protection`)."""
    v = p.victims
    return min(1.0, v.referral_base + v.referral_gain * p.policy.victim_protection)


def screening_prob(p: SimConfig) -> float:
    """Chance a victim on a seized people shipment is recognised as a victim rather than processed as an
    irregular migrant (`policy.victim_protection`: trained first-line officers, non-punishment that lets victims
    come forward): screening_base + screening_gain x protection."""
    v = p.victims
    return min(1.0, v.screening_base + v.screening_gain * p.policy.victim_protection)


# ------------------------------------------------------------------------------------------------ cost


def cost_breakdown(p: SimConfig, corridor: Corridor, officers: int, days: float) -> dict[str, float]:
    """Cost of each lever over `days`, in millions (annual unit costs in `costs.*`, prorated).

    Inspection is priced per thousand inspected vehicles, whether chosen at random or by risk (risk-based
    targeting inspects the same number; its risk-analysis unit is priced on its own); officer pay as the
    payroll above today's (negative for a pay cut); focus per focused post and unit of extra multiplier; the
    rest linearly in the lever's value.
    """
    q, c = p.policy, p.costs
    traffic = sum(x.legit_traffic for x in corridor.places.values() if x.is_checkpoint)
    years = days / 365.0
    inspected_per_year = q.inspection_rate * traffic * 365.0
    parts = {
        "intel_sharing": c.intel_sharing * q.intel_sharing,
        "joint_task_force": c.joint_task_force * float(q.joint_task_force),
        "inspection": c.inspection_per_1000 * inspected_per_year / 1000.0,
        "inspection_targeting": c.risk_targeting * float(q.inspection_targeting == "risk_based"),
        "interdiction_focus": c.focus_per_post * len(q.interdiction_focus) * (q.focus_multiplier - 1.0),
        "patrol_allocation": c.intelligence_led_patrols * float(q.patrol_allocation == "intelligence_led"),
        "financial_controls": c.financial_controls * q.financial_controls,
        "oversight": c.oversight * q.oversight,
        "officer_pay": c.officer_salary * officers * (q.officer_pay - 1.0),
        "whistleblower_protection": c.whistleblower_protection * float(q.whistleblower_protection),
        "community_engagement": c.community_engagement * q.community_engagement,
        "victim_protection": c.victim_protection * q.victim_protection,
        "prevention": c.prevention * q.prevention,
    }
    return {k: v * years for k, v in parts.items()}


# ------------------------------------------------------------------------------------------------ schedule


class PolicyTimeline:
    """The policy in force on each day: the run's levers, changed by scheduled entries (day, levers).

    `changes` must be validated already (`sim.config.compose` checks lever names and values).
    """

    def __init__(self, initial: PolicyConfig, changes: list[tuple[int, dict[str, Any]]]) -> None:
        self.stretches: list[tuple[int, PolicyConfig]] = [(0, initial)]
        self._pending = sorted(changes, key=lambda c: c[0])  # stable: a branch stays last on its day

    def due(self, day: int) -> list[tuple[dict[str, Any], PolicyConfig]]:
        """Apply the changes scheduled for `day`; returns each change with the policy it produces."""
        applied = []
        while self._pending and self._pending[0][0] <= day:
            _, levers = self._pending.pop(0)
            policy = dataclasses.replace(self.stretches[-1][1], **_typed(self.stretches[-1][1], levers))
            self.stretches.append((day, policy))
            applied.append((levers, policy))
        return applied

    def cost(self, p: SimConfig, corridor: Corridor, officers: int, days: int) -> float:
        """Cost of the run: each stretch of days priced at the policy in force then."""
        total = 0.0
        ends = [d for d, _ in self.stretches[1:]] + [days]
        for (start, policy), end in zip(self.stretches, ends, strict=True):
            if end > start:
                view = dataclasses.replace(p, policy=policy)
                total += sum(cost_breakdown(view, corridor, officers, end - start).values())
        return total


def _typed(current: PolicyConfig, levers: dict[str, Any]) -> dict[str, Any]:
    """Lever values as the types the policy holds (enums by value, numbers as float, lists as lists)."""
    out = {}
    for key, value in levers.items():
        old = getattr(current, key)
        if isinstance(old, bool):
            out[key] = bool(value)
        elif hasattr(type(old), "__members__"):
            out[key] = type(old)(str(value))
        elif isinstance(old, list):
            out[key] = list(value)
        elif isinstance(old, float):
            out[key] = float(value)
        else:
            out[key] = value
    return out
