"""Policy levers: their cost, and the few derived quantities that several mechanisms read.

Each lever is a value under `policy.` (see `sim.config.PolicyConfig`) that drives the mechanisms named in
docs/ODD.md (section 8); this module only prices the package and answers questions that depend on a lever
and the corridor.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from omegaconf import DictConfig

    from sim.world.corridor import Corridor

LEVERS = (
    "intel_sharing", "joint_task_force", "inspection_rate", "inspection_targeting", "interdiction_focus",
    "focus_multiplier", "patrol_allocation", "financial_controls", "oversight", "officer_pay",
    "whistleblower_protection", "community_engagement", "victim_protection", "prevention", "targeting",
)


def cost_breakdown(cfg: DictConfig, corridor: Corridor, officers: int, days: int) -> dict[str, float]:
    """Cost of each lever over the run, in millions (annual unit costs in `costs.*`, prorated by days).

    Inspection is priced per thousand inspected vehicles; officer pay as the payroll above today's
    (negative for a pay cut); focus per focused post and unit of extra multiplier; the rest linearly in
    the lever's value.
    """
    p, c = cfg.policy, cfg.costs
    traffic = sum(x.legit_traffic for x in corridor.places.values() if x.is_checkpoint)
    years = days / 365.0
    inspected_per_year = p.inspection_rate * traffic * 365.0
    parts = {
        "intel_sharing": c.intel_sharing * p.intel_sharing,
        "joint_task_force": c.joint_task_force * float(p.joint_task_force),
        "inspection": c.inspection_per_1000 * inspected_per_year / 1000.0,
        "interdiction_focus": c.focus_per_post * len(p.interdiction_focus) * (p.focus_multiplier - 1.0),
        "patrol_allocation": c.intelligence_led_patrols * float(p.patrol_allocation == "intelligence_led"),
        "financial_controls": c.financial_controls * p.financial_controls,
        "oversight": c.oversight * p.oversight,
        "officer_pay": c.officer_salary * officers * (p.officer_pay - 1.0),
        "whistleblower_protection": c.whistleblower_protection * float(p.whistleblower_protection),
        "community_engagement": c.community_engagement * p.community_engagement,
        "victim_protection": c.victim_protection * p.victim_protection,
        "prevention": c.prevention * p.prevention,
    }
    return {k: v * years for k, v in parts.items()}


def tip_line(cfg: DictConfig) -> float:
    """How much a tip line multiplies residents' reporting (`policy.community_engagement`)."""
    return 1.0 + 3.0 * cfg.policy.community_engagement


def focus_multiplier(cfg: DictConfig, node: str) -> float:
    """Extra enforcement at a focused crossing or port (`policy.interdiction_focus`, `focus_multiplier`)."""
    return float(cfg.policy.focus_multiplier) if node in cfg.policy.interdiction_focus else 1.0


def sharing_delay_days(cfg: DictConfig, cross_border: bool) -> float:
    """Mean days for a lead to reach the agency that can act (`policy.intel_sharing`, `joint_task_force`).

    Siloed agencies use formal requests (slow, slower across borders); a fused picture is near-immediate.
    A joint task force removes the cross-border request altogether.
    """
    inv, p = cfg.investigation, cfg.policy
    s = float(p.intel_sharing)
    if cross_border and p.joint_task_force:
        return inv.fused_sharing_days
    formal = inv.cross_border_request_days if cross_border else inv.domestic_request_days
    return (1.0 - s) * formal + s * inv.fused_sharing_days


def lead_loss_prob(cfg: DictConfig, cross_border: bool) -> float:
    """Chance a lead is lost between agencies (`policy.intel_sharing`): silos drop information."""
    p = cfg.policy
    if cross_border and p.joint_task_force:
        return 0.0
    loss = cfg.investigation.lead_loss_when_siloed * (1.0 - float(p.intel_sharing))
    return loss if cross_border else loss * 0.5
